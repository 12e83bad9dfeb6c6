import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct SpreadsheetFormulaTests {
    static let hostile =
        "guardian_id,given_name,family_name,email,phone,street,city,state,postcode\n"
        + "G1,\"=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\",+1+1,g1@example.com,,@SUM(1+1) Main St,-2+3,MN,55350\n"
        + "G2,'Ohana,'=quoted,g2@example.com,,\"\t12 Tab St\",Hutchinson,MN,55350\n"

    func district(_ dir: TempDir) throws -> String {
        let db = try makeDistricts(dir, ["d1", "d2"])
        _ = dir.write("h/guardians.csv", Self.hostile)
        _ = dir.write(
            "h/students.csv", "student_id,given_name,family_name\nS1,Ana,Lee\nS2,Bo,Lee\n")
        _ = dir.write(
            "h/relationships.csv", "guardian_id,student_id\nG1,S1\nG2,S2\n")
        let r = try runBinary(["roster", "import", dir.path + "/h", "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        return db
    }

    /// Every cell a spreadsheet would run is written with an apostrophe in front.
    func expectNeutralised(_ csv: String, _ file: String, guarded: [String]) {
        for cell in ["=HYPERLINK", "+1+1", "@SUM(1+1) Main St", "-2+3", "=quoted", "\t12 Tab"] {
            #expect(!csv.contains("," + cell) && !csv.contains(",\"" + cell), "\(file): \(cell)")
        }
        for cell in guarded { #expect(csv.contains("'" + cell), "\(file): '\(cell)") }
    }

    @Test func exportLettersResultsAndCSVOutputAreNeutralised() throws {
        let dir = TempDir()
        let db = try district(dir)
        let export = try runBinary(
            ["roster", "export", "--out", dir.file("out"), "--district", "d1"], db: db)
        #expect(export.code == 0, "\(export.err)")
        let guardians = try String(contentsOfFile: dir.file("out/guardians.csv"), encoding: .utf8)
        expectNeutralised(
            guardians, "export",
            guarded: ["=HYPERLINK", "+1+1", "@SUM(1+1) Main St", "-2+3", "=quoted"])
        // A value that begins with an apostrophe gets one more, so that it comes back whole.
        #expect(guardians.contains(",''Ohana,"))
        for g in ["G1", "G2"] {
            #expect(
                try runBinary(
                    ["aup", "sign", "--guardian", g, "--on", "2026-09-01", "--district", "d1"],
                    db: db
                ).code == 0)
        }
        _ = dir.write("who.csv", "guardian_id,note\nG1,=1+2\nG2,x\n")
        let issued = try runBinary(
            [
                "key", "issue", "--file", dir.file("who.csv"), "--letters", dir.file("letters.csv"),
                "--results", dir.file("results.csv"), "--district", "d1",
            ], db: db)
        #expect(issued.code == 0, "\(issued.err)")
        expectNeutralised(
            try String(contentsOfFile: dir.file("letters.csv"), encoding: .utf8), "letters",
            guarded: ["=HYPERLINK", "@SUM(1+1) Main St", "-2+3"])
        let results = try String(contentsOfFile: dir.file("results.csv"), encoding: .utf8)
        #expect(results.contains("G1,'=1+2,issued"))
        let csv = try runBinary(["guardian", "list", "-o", "csv", "--district", "d1"], db: db)
        expectNeutralised(csv.out, "-o csv", guarded: ["=HYPERLINK", "+1+1", "=quoted"])
        // TSV and JSON are for scripts: the exact values.
        let tsv = try runBinary(["guardian", "list", "-o", "tsv", "--district", "d1"], db: db)
        #expect(tsv.out.contains("\t+1+1") && tsv.out.contains("\t=HYPERLINK"))
    }

    @Test func anExportImportsBackToExactlyTheSameValues() throws {
        let dir = TempDir()
        let db = try district(dir)
        #expect(
            try runBinary(
                ["roster", "export", "--out", dir.file("out"), "--district", "d1"], db: db
            ).code == 0)
        let back = try runBinary(
            ["roster", "import", dir.file("out"), "--district", "d2"], db: db)
        #expect(back.code == 0, "\(back.err)")
        for g in ["G1", "G2"] {
            let a = try runBinary(
                ["guardian", "show", g, "-o", "json", "--district", "d1"], db: db)
            let b = try runBinary(
                ["guardian", "show", g, "-o", "json", "--district", "d2"], db: db)
            let ja = try #require(try parseJSON(a.out) as? [String: Any])
            let jb = try #require(try parseJSON(b.out) as? [String: Any])
            for field in ["given_name", "family_name", "street", "city"] {
                #expect(ja[field] as? String == jb[field] as? String, "\(g) \(field)")
            }
        }
        let g1 = try runBinary(
            ["guardian", "show", "G1", "-o", "json", "--district", "d2"], db: db)
        #expect(g1.out.contains("\"family_name\": \"+1+1\""))
        let g2 = try runBinary(
            ["guardian", "show", "G2", "-o", "json", "--district", "d2"], db: db)
        // An apostrophe in front of a formula character is the guard itself: a file that comes
        // guarded from elsewhere imports as the value it guards.
        #expect(g2.out.contains("\"given_name\": \"'Ohana\"") && g2.out.contains("\"=quoted\""))
    }
}
