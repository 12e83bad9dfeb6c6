import Foundation
import Testing

@testable import PortalKit

/// `aup sign --file`: the stack of signed forms at the start of the year in one command.
@Suite struct AupSignFileTests {
    func signatures(_ db: String, district: String = "d1") throws -> [String] {
        try dump(db).filter { $0.hasPrefix("aup_signatures: \(district)|") }
    }

    @Test func goodRowsAreRecordedBadRowsReportedWithTheirLine() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        _ = try runBinary(["district", "set", "aup_version=2", "--district", "d1"], db: db)
        let forms = dir.write(
            "forms.csv",
            """
            guardian_id,signed_on,agreement_version
            G2,2026-09-02,
            G3,2026-13-01,
            NOPE,2026-09-01,
            G1,2026-09-03,1
            G3,2026-09-04,7

            G3,2030-01-01,
            G2,2026-09-02,
            G3,1896-09-04,

            """)
        let results = dir.file("results.csv")
        let r = try runBinary(
            [
                "aup", "sign", "--file", forms, "--results", results, "-o", "json", "--district",
                "d1",
            ],
            db: db)
        #expect(r.code == 3, "rows rejected: exit 3\n\(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        #expect(j["recorded"] as? Int == 1 && j["rejected"] as? Int == 5)
        #expect(j["already_recorded"] as? Int == 2, "G1 v1 signed before; G2 twice in the file")
        for line in [
            "forms.csv:3: signed_on: '2026-13-01' is not a date",
            "forms.csv:4: guardian 'NOPE' not found",
            "forms.csv:6: version 7 of the agreement does not exist",
            "forms.csv:8: the signing date 2030-01-01 is in the future",
            "forms.csv:10: the signing date 1896-09-04 is more than 30 years ago",
        ] {
            #expect(r.err.contains(line), "\(line) in\n\(r.err)")
        }
        #expect(r.err.contains("hint: see \(results)"))
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(
            whereSeparator: \.isNewline)
        #expect(lines.first == "guardian_id,signed_on,agreement_version,status,message")
        #expect(lines.count == 9, "the header and every non-blank row")
        #expect(lines[1] == "G2,2026-09-02,,recorded,")
        #expect(lines[7] == "G2,2026-09-02,,already recorded,nothing to do")
        let signed = try signatures(db)
        #expect(signed.contains { $0.contains("|G2|2|2026-09-02|") }, "\(signed)")
        #expect(!signed.contains { $0.contains("|G3|") })
    }

    /// A row the reader cannot read cleanly (bytes that are not UTF-8, a control character) is
    /// turned down with the reader's reason, in both bulk commands; the other rows go in.
    @Test func unreadableRowsAreTurnedDownWithTheirLine() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let path = dir.file("damaged.csv")
        // Line 2 starts with two bytes that are no UTF-8.
        let bytes =
            Array("guardian_id,signed_on\n".utf8) + [0xFF, 0xFE]
            + Array("G2,2026-09-01\nG2,2026-09-02\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let aup = try runBinary(["aup", "sign", "--file", path, "--district", "d1"], db: db)
        #expect(
            aup.code == 3 && aup.err.contains("damaged.csv:2: row: the row is not UTF-8"),
            "\(aup.err)")
        #expect(aup.err.contains("recorded 1 signed agreement"))
        let keys = try runBinary(
            ["key", "issue", "--file", path, "--yes", "--district", "d1"], db: db)
        #expect(
            keys.code == 3 && keys.err.contains("damaged.csv:2: row: the row is not UTF-8"),
            "\(keys.err)")
    }

    @Test func aFileWithoutItsColumnsOrWithOtherOptionsWritesNothing() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let before = try signatures(db)
        let wrong = dir.write("wrong.csv", "guardian,date\nG2,2026-09-01\n")
        let r = try runBinary(["aup", "sign", "--file", wrong, "--district", "d1"], db: db)
        #expect(r.code == 65 && r.err.contains("wrong.csv:1: missing required column guardian_id"))
        #expect(r.err.contains("hint: the first line names the columns"))
        let ok = dir.write("ok.csv", "guardian_id,signed_on\nG2,2026-09-01\n")
        let mixed = try runBinary(
            ["aup", "sign", "--file", ok, "--on", "2026-09-01", "--district", "d1"], db: db)
        #expect(mixed.code == 64 && mixed.err.contains("--on does not go with --file"))
        let stray = try runBinary(
            [
                "aup", "sign", "--guardian", "G2", "--on", "2026-09-01", "--results", "x.csv",
                "--district", "d1",
            ],
            db: db)
        #expect(stray.code == 64 && stray.err.contains("--results goes with --file"))
        let dry = try runBinary(
            ["aup", "sign", "--file", ok, "--dry-run", "--district", "d1"], db: db)
        #expect(dry.code == 0 && dry.err.contains("dry run"), "\(dry.err)")
        #expect(try signatures(db) == before, "nothing written by any of these")
    }
}
