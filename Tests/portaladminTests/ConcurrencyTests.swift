import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct ConcurrencyTests {
    /// A second writer waits, then says "busy" with exit 75 and writes nothing.
    @Test(Backend.sqliteFileOnly) func aSecondWriterGetsBusyAndExit75() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let holder = try Database(path: db, create: false)
        try holder.execute("BEGIN IMMEDIATE")
        let r = try runBinary(
            ["district", "set", "aup_version=3", "--district", "d1"], db: db,
            env: ["PORTALADMIN_BUSY_TIMEOUT_MS": "200"])
        try holder.execute("ROLLBACK")
        #expect(r.code == 75 && r.err.contains("busy") && r.err.contains("hint: retry"))
        let show = try runBinary(["district", "show", "d1", "-o", "json"], db: db)
        #expect(show.out.contains("\"aup_version\": 1,"), "\(show.out)")
    }

    /// Several processes importing and issuing at once: every command either completes or
    /// reports busy, and the audit chain stays intact.
    @Test func parallelWritersKeepTheChainIntact() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        final class Codes: @unchecked Sendable {
            let lock = NSLock()
            var list: [Int32] = []
            func add(_ c: Int32) {
                lock.lock()
                list.append(c)
                lock.unlock()
            }
        }
        let results = Codes()
        let group = DispatchGroup()
        for i in 0..<6 {
            group.enter()
            DispatchQueue.global().async {
                let r = try? runBinary(
                    ["district", "set", "key_ttl_days=\(10 + i)", "--district", "d1"], db: db)
                results.add(r?.code ?? -1)
                group.leave()
            }
        }
        group.wait()
        let codes = results.list
        #expect(codes.allSatisfy { $0 == 0 || $0 == 75 }, "\(codes)")
        #expect(codes.filter { $0 == 0 }.count >= 1)
        #expect(try runBinary(["audit", "verify", "--district", "d1"], db: db).code == 0)
    }
}
