import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct AuditTests {
    func seeded() throws -> (TempDir, String) {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for (i, v) in ["2", "3", "4"].enumerated() {
            let r = try runBinary(
                ["district", "set", "aup_version=\(v)", "--district", "d1"], db: db,
                now: "2026-11-2\(5 + i)T12:00:00Z")
            #expect(r.code == 0)
        }
        return (dir, db)
    }

    @Test func verifyPassesThenFailsAfterAnEdit() throws {
        let (dir, db) = try seeded()
        _ = dir
        let ok = try runBinary(["audit", "verify", "--district", "d1", "-o", "json"], db: db)
        #expect(ok.code == 0)
        #expect(ok.out.contains("\"ok\": true") && ok.out.contains("\"rows_checked\": 4"))
        let raw = try reopen(db)
        try raw.run("UPDATE audit_log SET after_json = '{\"aup_version\":\"9\"}' WHERE seq = 3")
        let bad = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(bad.code == 1)
        #expect(bad.err.contains("broken at row 3") && bad.err.contains("edited"))
    }

    @Test func verifyFindsDeletedAndReorderedRows() throws {
        let (dir, db) = try seeded()
        _ = dir
        let raw = try reopen(db)
        try raw.run("DELETE FROM audit_log WHERE seq = 4")
        let tail = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(tail.code == 1 && tail.err.contains("removed from the end"))
        try raw.run("DELETE FROM audit_log WHERE seq = 2")
        let middle = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(middle.code == 1 && middle.err.contains("row 2 is missing"))

        let (dir2, db2) = try seeded()
        _ = dir2
        let raw2 = try reopen(db2)
        try raw2.run("UPDATE audit_log SET seq = 99 WHERE seq = 2")
        try raw2.run("UPDATE audit_log SET seq = 2 WHERE seq = 3")
        try raw2.run("UPDATE audit_log SET seq = 3 WHERE seq = 99")
        let swapped = try runBinary(["audit", "verify", "--district", "d1"], db: db2)
        #expect(swapped.code == 1 && swapped.err.contains("row 2"))
    }

    @Test func listFiltersAndExport() throws {
        let (dir, db) = try seeded()
        let since = try runBinary(
            ["audit", "list", "--since", "2026-11-27", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(since.out.split(separator: "\n").count == 1)
        let byOp = try runBinary(
            ["audit", "list", "--operator", "nobody", "--district", "d1"], db: db)
        #expect(
            byOp.code == 0
                && byOp.out == "seq\tat\toperator\tcommand\ttarget\tbefore\tafter\treason\n")
        let target = try runBinary(
            ["audit", "list", "--target", "d1", "--district", "d1", "-o", "json"], db: db)
        #expect((try parseJSON(target.out) as? [Any])?.count == 4)
        let limited = try runBinary(["audit", "list", "--limit", "2", "--district", "d1"], db: db)
        #expect(limited.out.split(separator: "\n").count == 3)
        #expect(limited.err.contains("Showing 2 of 4; use --limit 0 for all"))
        let badSince = try runBinary(
            ["audit", "list", "--since", "yesterday", "--district", "d1"], db: db)
        #expect(badSince.code == 64 && badSince.err.contains("hint:"))

        let export = try runBinary(["audit", "export", "--district", "d1"], db: db)
        let dash = try runBinary(["audit", "export", "--out", "-", "--district", "d1"], db: db)
        #expect(dash.out == export.out, "--out - is standard output")
        let lines = export.out.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].contains("\"seq\":1") && lines[0].contains("\"hash\":"))
        let out = dir.file("audit.jsonl")
        #expect(
            try runBinary(["audit", "export", "--out", out, "--district", "d1"], db: db).code == 0)
        let attrs = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        let cantWrite = try runBinary(
            ["audit", "export", "--out", "/nonexistent/dir/a.jsonl", "--district", "d1"], db: db)
        #expect(cantWrite.code == 73)
    }
}
