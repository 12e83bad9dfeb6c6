import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct FullDiskTests {
    /// Under a file-size limit the process is not killed by SIGXFSZ: the write error becomes
    /// exit 74 with a message, and no partial results file is left.
    @Test(Backend.sqliteFileOnly) func aFileSizeLimitIsAnIOErrorAndLeavesNoPartialFile() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = try runShell("sqlite3 \(db) 'PRAGMA wal_checkpoint(TRUNCATE)'", db: db)
        var g = "guardian_id,given_name,family_name,street,city\n"
        for i in 0..<6000 {
            g += "G\(i),Given\(i),Family\(i),\(i) Long Street Name Avenue,Hutchinson\n"
        }
        _ = dir.write("in/guardians.csv", g)
        let before = try dump(db)
        try FileManager.default.createDirectory(
            atPath: dir.file("out"), withIntermediateDirectories: true)
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
        let r = try runLimited(
            "ulimit -f \(size / 1024 + 200)",
            [
                "roster", "import", dir.file("in"), "--results", dir.file("out/results.csv"),
                "--district", "d1",
            ], db: db)
        #expect(r.code == 74, "\(r.code) \(r.err)")
        #expect(r.err.contains("error:") && r.err.contains("hint:"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).isEmpty)
        #expect(try dump(db) == before)
    }
}
