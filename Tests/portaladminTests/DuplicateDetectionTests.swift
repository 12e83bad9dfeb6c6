import Foundation
import Testing

@testable import PortalKit

/// A district where each pair below is either the same person entered twice or two people.
func matchingDistrict(_ dir: TempDir) throws -> String {
    let db = try makeDistricts(dir, ["d1", "d2"])
    var g =
        "guardian_id,given_name,family_name,email,phone,street,city,state,postcode,household_id\n"
    var st = "student_id,given_name,family_name\n"
    var rel = "guardian_id,student_id\n"
    let rows: [(String, String, String, String, String, String, String, [String])] = [
        // id, given, family, email, phone, street, household, children
        (
            "TYPO-A", "Margaret", "Carlson", "mcarlson@example.com", "320-555-0101", "12 Main St",
            "H1", ["K1", "K2"]
        ),
        ("TYPO-B", "Margaret", "Calrson", "mcarlson@example.com", "", "12 Main St", "H1", ["K2"]),
        (
            "NICK-A", "William", "Nguyen", "wnguyen@example.com", "(320) 555-0102", "14 Oak Ave",
            "H2", ["K3"]
        ),
        ("NICK-B", "Bill", "Nguyen", "", "3205550102", "14 Oak Ave", "H2b", ["K4"]),
        (
            "SWAP-A", "Hodan", "Farah", "hfarah@example.com", "320-555-0103", "16 Pine St", "H3",
            ["K5"]
        ),
        ("SWAP-B", "Farah", "Hodan", "HFarah@Example.com", "", "", "", ["K5"]),
        ("HYPH-A", "María", "García-López", "", "320-555-0104", "18 Elm St", "H4", ["K6"]),
        ("HYPH-B", "Maria", "Garcia", "", "+1 320 555 0104", "18 Elm St", "H4", ["K7"]),
        (
            "MOVE-A", "Elizabeth", "Olson", "eolson@example.com", "320-555-0105", "20 Lake Rd",
            "H5", ["K8"]
        ),
        (
            "MOVE-B", "Liz", "Olson", "eolson@example.com", "320-555-0105", "99 River Rd", "H6",
            ["K9"]
        ),
        (
            "SPOUSE-A", "Ahmed", "Hassan", "family.hassan@example.com", "320-555-0106",
            "22 Park Ave", "H7", ["K10"]
        ),
        (
            "SPOUSE-B", "Amina", "Hassan", "family.hassan@example.com", "320-555-0106",
            "22 Park Ave", "H7", ["K10"]
        ),
        (
            "NAMESAKE-A", "John", "Smith", "js1@example.com", "320-555-0107", "24 Cedar Ln", "H8",
            ["K11"]
        ),
        (
            "NAMESAKE-B", "John", "Smith", "js2@example.com", "320-555-0108", "26 Maple Dr", "H9",
            ["K12"]
        ),
    ]
    var kids = Set<String>()
    for r in rows {
        g +=
            "\(r.0),\(r.1),\(r.2),\(r.3),\(r.4),\(r.5),Hutchinson,MN,\(r.5.isEmpty ? "" : "55350"),\(r.6)\n"
        for k in r.7 {
            rel += "\(r.0),\(k)\n"
            kids.insert(k)
        }
    }
    for k in kids.sorted() { st += "\(k),Kid,\(k)\n" }
    _ = dir.write("m/guardians.csv", g)
    _ = dir.write("m/students.csv", st)
    _ = dir.write("m/relationships.csv", rel)
    for d in ["d1", "d2"] {
        #expect(
            try runBinary(["district", "set", "aup_required=false", "--district", d], db: db).code
                == 0)
        #expect(
            try runBinary(["roster", "import", dir.path + "/m", "--district", d], db: db).code == 0)
    }
    return db
}

@Suite struct DuplicateDetectionTests {
    @Test func eachDifficultyMatchesAndNonMatchesStayApart() throws {
        let dir = TempDir()
        let db = try matchingDistrict(dir)
        let r = try runBinary(
            ["guardian", "duplicates", "-o", "jsonl", "--min-score", "0", "--district", "d1"],
            db: db)
        #expect(r.code == 0)
        var level: [String: String] = [:]
        for line in r.out.split(separator: "\n") {
            let j = try #require(try parseJSON(String(line)) as? [String: Any])
            let a = j["a"] as! String
            let b = j["b"] as! String
            #expect(j["score"] is Double && j["cluster"] is String && j["evidence"] is [Any])
            level[[a, b].sorted().joined(separator: "~")] = j["level"] as? String
        }
        for (a, b) in [
            ("TYPO-A", "TYPO-B"), ("NICK-A", "NICK-B"), ("SWAP-A", "SWAP-B"), ("HYPH-A", "HYPH-B"),
            ("MOVE-A", "MOVE-B"),
        ] {
            #expect(
                level["\(a)~\(b)"] == "likely",
                "\(a) ~ \(b) must be likely, got \(level["\(a)~\(b)"] ?? "nothing")")
        }
        for (a, b) in [("SPOUSE-A", "SPOUSE-B"), ("NAMESAKE-A", "NAMESAKE-B")] {
            #expect(level["\(a)~\(b)"] != "likely", "\(a) ~ \(b) must not be merged automatically")
        }
        let h = try runBinary(
            ["household", "duplicates", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(
            h.code == 0 && h.out.contains("\"H5\"") && h.out.contains("\"H6\""),
            "the home of a parent who moved: \(h.out)")
        #expect(
            h.out.contains("\"H2\"") && h.out.contains("\"H2b\""), "the same address under two ids")
        let bad = try runBinary(
            ["guardian", "duplicates", "--min-score", "2", "--district", "d1"], db: db)
        #expect(bad.code == 64 && bad.err.contains("hint: 0.5"))
    }

    /// Names written in another script are names: two parents of one child sharing a home and
    /// a phone (王芳 and 李伟, Иван and Мария Иванов/а) are two people, capped as any couple
    /// with different given names and not listed by default; one person entered twice under
    /// the same Cyrillic name and e-mail is a likely pair, its names the same. (Every letter
    /// beyond the Latin ones read as a space left them no name: both couples were possible
    /// duplicates at 0.9, their names not compared.)
    @Test func namesInOtherScriptsAreCompared() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "c/guardians.csv",
            """
            guardian_id,given_name,family_name,email,phone,street,city,state,postcode,household_id
            G1,芳,王,,555-201-3344,12 Elm St,Springfield,IL,62701,H1
            G2,伟,李,,555-201-3344,12 Elm St,Springfield,IL,62701,H1
            G3,Иван,Иванов,,555-201-9999,3 Oak St,Springfield,IL,62701,H2
            G4,Мария,Иванова,,555-201-9999,3 Oak St,Springfield,IL,62701,H2
            G5,Анна,Петрова,anna@example.org,,,,,,H3
            G6,Анна,Петрова,anna@example.org,,,,,,H4

            """)
        _ = dir.write(
            "c/students.csv",
            "student_id,given_name,family_name,household_id\nS1,明,王,H1\nS2,Олег,Иванов,H2\n")
        _ = dir.write(
            "c/relationships.csv",
            "guardian_id,student_id,relationship\nG1,S1,mother\nG2,S1,father\nG3,S2,father\nG4,S2,mother\n"
        )
        #expect(
            try runBinary(["roster", "import", dir.file("c"), "--district", "d1"], db: db).code == 0
        )
        let all = try runBinary(
            ["guardian", "duplicates", "-o", "jsonl", "--min-score", "0", "--district", "d1"],
            db: db)
        var pairs: [String: [String: Any]] = [:]
        for line in all.out.split(separator: "\n") {
            let j = try #require(try parseJSON(String(line)) as? [String: Any])
            pairs["\(j["a"] ?? "")~\(j["b"] ?? "")"] = j
        }
        for couple in ["G1~G2", "G3~G4"] {
            let score = try #require(pairs[couple]?["score"] as? Double, "\(all.out)")
            #expect(score < 0.5, "\(couple): \(all.out)")
            #expect("\(pairs[couple]?["evidence"] ?? "")".contains("given_name: different"))
        }
        #expect(pairs["G5~G6"]?["level"] as? String == "likely", "\(all.out)")
        #expect("\(pairs["G5~G6"]?["evidence"] ?? "")".contains("given_name: same"))
        let listed = try runBinary(
            ["guardian", "duplicates", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(listed.code == 0)
        #expect(!listed.out.contains("\"G2\"") && !listed.out.contains("\"G4\""), "\(listed.out)")
    }

    /// A listing longer than one chunk of rows (4,096) is written as it is made: the header
    /// once, every row once, in the same order in every format, the chosen columns only.
    @Test func aLongListingIsWrittenWhole() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let sample = dir.file("s")
        #expect(
            try runBinary(["sample", "generate", "--students", "3000", "--out", sample]).code == 0)
        #expect(try runBinary(["roster", "import", sample, "--district", "d1"], db: db).code == 0)
        let args = [
            "guardian", "duplicates", "--min-score", "0", "--limit", "0", "--district", "d1",
        ]
        let lines = try runBinary(args + ["-o", "jsonl"], db: db)
        let rows = lines.out.split(separator: "\n").map(String.init)
        #expect(lines.code == 0 && rows.count > 4096, "\(rows.count) pairs")
        let ids = rows.compactMap { row -> String? in
            guard let f = (try? parseJSON(row)) as? [String: Any], let a = f["a"] as? String,
                let b = f["b"] as? String
            else { return nil }
            return a + "~" + b
        }
        #expect(ids.count == rows.count && Set(ids).count == ids.count, "each pair once")
        for format in ["csv", "tsv"] {
            let r = try runBinary(args + ["-o", format, "--columns", "a,b"], db: db)
            let sep = format == "csv" ? "," : "\t"
            let got = r.out.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
                String($0).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(got.first == "a\(sep)b", "\(format)")
            #expect(
                Array(got.dropFirst()) == ids.map { $0.replacingOccurrences(of: "~", with: sep) },
                "\(format): the same rows in the same order, the header once")
        }
    }
}
