import Foundation
import Testing

@testable import PortalKit

/// The audit chain itself: each change one row, each row hashing the one before, per district;
/// `verify` names the first row edited, and a district's chain is its own.
@Suite struct AuditLogTests {
    @Test func everyChangeIsOneChainedRowAndAnEditIsFound() throws {
        let f = try Fixture()
        try f.sign("G1", "G2")
        var entries: [AuditEntry] = []
        try AuditLog.entries(f.db, district: "d", oldestFirst: true) { entries.append($0) }
        // district create, the import, two signatures
        #expect(entries.map(\.command) == ["test", "test", "test", "test"])
        #expect(entries.map(\.seq) == [1, 2, 3, 4])
        for (a, b) in zip(entries, entries.dropFirst()) { #expect(b.prevHash == a.hash) }
        #expect(try AuditLog.verify(f.db, district: "d").firstBad == nil)
        let signedBy = AuditFilter(target: "guardian:G2")
        #expect(try AuditLog.count(f.db, district: "d", filter: signedBy) == 1)
        // Someone edits a row with sqlite3: verify names it.
        try f.db.write {
            _ = try f.db.run(
                "UPDATE audit_log SET reason = 'edited' WHERE district_id = 'd' AND seq = 3")
        }
        let v = try AuditLog.verify(f.db, district: "d")
        #expect(v.firstBad?.seq == 3)
    }

    @Test func eachDistrictHasItsOwnChain() throws {
        let f = try Fixture()
        let s = f.session(nil)
        _ = try s.transaction { try Districts.create(s, id: "e", name: "E", settings: []) }
        var other: [AuditEntry] = []
        try AuditLog.entries(f.db, district: "e") { other.append($0) }
        #expect(other.map(\.seq) == [1], "district e starts its own chain")
        #expect(try AuditLog.verify(f.db, district: "e").firstBad == nil)
    }
}
