import Foundation
import Testing

@testable import PortalKit

/// Students around their 18th birthday, judged on 2026-11-25 (school year ends 2027-06-30).
func ageDistrict(_ dir: TempDir, policy: String = "end-of-school-year") throws -> String {
    let db = try makeDistricts(dir, ["d1", "d2"])
    _ = dir.write("age/schools.csv", "school_id,name\nHS,High School\nMS,Middle School\n")
    _ = dir.write(
        "age/guardians.csv",
        "guardian_id,given_name,family_name,email,phone\nG1,Ann,Lee,ann@example.com,3205550101\nG2,Bo,Lee,,\nG3,Cy,Park,,\nG4,Di,Ray,,\nG5,Ann,Lee,ANN@example.com,\n"
    )
    _ = dir.write(
        "age/students.csv",
        """
        student_id,given_name,family_name,birth_date,school_id
        S_YOUNG,Young,Lee,2012-05-01,MS
        S_TURNED,Turned,Lee,2008-09-01,HS
        S_JUNE30,June,Park,2009-06-30,HS
        S_JULY1,July,Park,2009-07-01,HS
        S_NINETEEN,Old,Ray,2007-03-01,HS
        S_UNKNOWN,Unknown,Ray,,HS
        S_SIB,Sib,Lee,2014-01-01,MS

        """)
    _ = dir.write(
        "age/relationships.csv",
        "guardian_id,student_id\nG1,S_YOUNG\nG1,S_TURNED\nG2,S_TURNED\nG3,S_JUNE30\nG3,S_JULY1\nG4,S_NINETEEN\nG4,S_UNKNOWN\nG5,S_SIB\n"
    )
    for d in ["d1", "d2"] {
        #expect(
            try runBinary(
                [
                    "district", "set", "aup_required=false", "age18_policy=\(policy)", "--district",
                    d,
                ], db: db
            ).code == 0)
        #expect(
            try runBinary(["roster", "import", dir.path + "/age", "--district", d], db: db).code
                == 0)
    }
    return db
}

func scan(_ db: String, asOf: String, within: Int = 365, district: String = "d1") throws -> [String:
    [String: Any]]
{
    let r = try runBinary(
        [
            "age18", "scan", "--as-of", asOf, "--within", String(within), "-o", "json",
            "--district", district,
        ], db: db)
    #expect(r.code == 0, "\(r.err)")
    let rows = try #require(try parseJSON(r.out) as? [[String: Any]])
    return Dictionary(uniqueKeysWithValues: rows.map { ($0["student_id"] as! String, $0) })
}

func explain(
    _ db: String, _ g: String, _ s: String, asOf: String = "2026-11-25", district: String = "d1"
) throws -> [String: Any] {
    let r = try runBinary(
        [
            "access", "explain", "--guardian", g, "--student", s, "--as-of", asOf, "-o", "json",
            "--district", district,
        ], db: db)
    #expect(r.code == 0, "\(r.err)")
    let j = try #require(try parseJSON(r.out) as? [String: Any])
    return try #require((j["students"] as? [[String: Any]])?.first)
}

@Suite struct Age18EndToEndTests {
    @Test func scanStatusesAroundTheBirthdayAndTheSchoolYearEnd() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        let rows = try scan(db, asOf: "2026-11-25", within: 1000)
        #expect(rows["S_TURNED"]?["turns_18_on"] as? String == "2026-09-01")
        #expect(
            rows["S_TURNED"]?["access_ends_on"] as? String == "2027-06-30",
            "turned 18 this school year: keeps access until it ends")
        #expect(rows["S_TURNED"]?["status"] as? String == "upcoming")
        #expect(rows["S_JUNE30"]?["access_ends_on"] as? String == "2027-06-30")
        #expect(rows["S_JULY1"]?["access_ends_on"] as? String == "2028-06-30")
        #expect(
            rows["S_NINETEEN"]?["status"] as? String == "due",
            "enrolled after access would have ended")
        #expect(
            rows["S_UNKNOWN"]?["status"] as? String == "unknown-birthdate"
                && rows["S_UNKNOWN"]?["birth_date"] is NSNull)
        #expect(rows["S_YOUNG"] == nil)
        // Policy 1050: access continues "to June 30th of that year", that day included.
        let june = try scan(db, asOf: "2027-06-30", within: 400)
        #expect(
            june["S_JUNE30"]?["status"] as? String == "upcoming",
            "turning 18 on June 30 keeps access through that day")
        let july = try scan(db, asOf: "2027-07-01", within: 400)
        #expect(july["S_JUNE30"]?["status"] as? String == "due", "and loses it the next day")
        func age18(_ answer: [String: Any]) -> [String: Any]? {
            (answer["checks"] as? [[String: Any]])?.first { $0["rule"] as? String == "age 18" }
        }
        let lastDay = try explain(db, "G3", "S_JUNE30", asOf: "2027-06-30")
        #expect(age18(lastDay)?["ok"] as? Bool == true, "\(lastDay)")
        // The day after: the age-18 rule decides, not the missing account (activating a key
        // would show nothing).
        let nextDay = try explain(db, "G3", "S_JUNE30", asOf: "2027-07-01")
        #expect(age18(nextDay)?["ok"] as? Bool == false)
        #expect(nextDay["decided_by"] as? String == "age 18", "\(nextDay["decided_by"] ?? "")")
        #expect(
            (age18(nextDay)?["detail"] as? String)?.contains(
                "ended after 2027-06-30, the last day of the school year") == true)
        #expect(
            june["S_JULY1"]?["status"] as? String == "upcoming",
            "turning 18 on July 1 keeps it a whole year")
        let narrow = try scan(db, asOf: "2026-11-25", within: 30)
        #expect(
            narrow["S_TURNED"] == nil && narrow["S_NINETEEN"] != nil && narrow["S_UNKNOWN"] != nil)
    }

    @Test func birthdayPolicyAndNever() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir, policy: "birthday")
        let rows = try scan(db, asOf: "2026-11-25")
        #expect(
            rows["S_TURNED"]?["status"] as? String == "due"
                && rows["S_TURNED"]?["access_ends_on"] as? String == "2026-09-01")
        #expect(
            try runBinary(["district", "set", "age18_policy=never", "--district", "d1"], db: db)
                .code == 0)
        let never = try scan(db, asOf: "2026-11-25")
        #expect(never["S_TURNED"] == nil && never["S_UNKNOWN"] != nil)
    }

    @Test func applyIsIdempotentAndAudited() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        // Whether it asks does not depend on how many links end: without a terminal, even one
        // takes --yes (cron runs 'age18 apply --yes'), and a dry run never asks.
        let noTTY = try runBinary(
            ["age18", "apply", "--as-of", "2026-11-25", "--district", "d1"], db: db)
        #expect(noTTY.code == 64 && noTTY.err.contains("hint: add --yes"), "\(noTTY.err)")
        let dry = try runBinary(
            ["age18", "apply", "--as-of", "2026-11-25", "--dry-run", "--district", "d1"], db: db)
        #expect(dry.code == 0 && dry.err.contains("dry run: ended 1 guardian link"), "\(dry.err)")
        #expect(
            try runBinary(
                ["age18", "apply", "--as-of", "2026-11-25", "--yes", "--district", "d1"], db: db
            ).code == 0)
        let r = try scan(db, asOf: "2026-11-25")
        #expect(r["S_NINETEEN"]?["status"] as? String == "ended")
        let again = try runBinary(
            ["age18", "apply", "--as-of", "2026-11-25", "-o", "json", "--district", "d1"], db: db)
        #expect(again.code == 0 && again.err.contains("nothing to do"))
        let audit = try runBinary(
            ["audit", "list", "--target", "G4/S_NINETEEN", "-o", "jsonl", "--district", "d1"],
            db: db)
        #expect(audit.out.contains("\"command\":\"age18 apply\""))
        let other = try scan(db, asOf: "2026-11-25", district: "d2")
        #expect(
            other["S_NINETEEN"]?["status"] as? String == "due",
            "districts never see each other's decisions")
        let july = try runBinary(
            ["age18", "apply", "--as-of", "2027-07-01", "--district", "d1"], db: db)
        #expect(july.code == 64 && july.err.contains("--yes"), "three links at once ask first")
        #expect(
            try runBinary(
                ["age18", "apply", "--as-of", "2027-07-01", "--yes", "--district", "d1"], db: db
            ).code == 0)
    }

    @Test func requestAndConsent() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        let young = try runBinary(
            ["age18", "request", "S_YOUNG", "--reason", "letter", "--district", "d1"], db: db)
        #expect(
            young.code == 5 && young.err.contains("turns 18 on 2030-05-01")
                && young.err.contains("restriction add"))
        let unknown = try runBinary(
            ["age18", "request", "S_UNKNOWN", "--reason", "letter", "--district", "d1"], db: db)
        #expect(unknown.code == 5 && unknown.err.contains("no birth date"))
        #expect(
            try runBinary(
                [
                    "age18", "request", "S_TURNED", "--guardian", "G2", "--reason",
                    "written request", "--district", "d1",
                ], db: db
            ).code == 0)
        let g2 = try explain(db, "G2", "S_TURNED")
        #expect(g2["visible"] as? Bool == false)
        let g1 = try explain(db, "G1", "S_TURNED")
        #expect(
            ((g1["checks"] as? [[String: Any]]) ?? []).contains {
                $0["rule"] as? String == "age 18" && $0["ok"] as? Bool == true
            })
        // The 19-year-old's guardian has no access until the student consents.
        let before = try explain(db, "G4", "S_NINETEEN")
        #expect(
            before["decided_by"] as? String != "age 18"
                || (before["fix"] as? String)?.contains("age18 consent") == true)
        #expect(
            try runBinary(
                [
                    "age18", "consent", "S_NINETEEN", "--guardian", "G4", "--until", "2027-06-30",
                    "--reason", "tax dependant", "--district", "d1",
                ], db: db
            ).code == 0)
        let after = try scan(db, asOf: "2026-11-25")
        #expect(after["S_NINETEEN"]?["status"] as? String == "continued")
        let lapsed = try scan(db, asOf: "2027-07-01")
        #expect(lapsed["S_NINETEEN"]?["status"] as? String == "due", "consent ends on its date")
        let noGuardian = try runBinary(
            ["age18", "consent", "S_NINETEEN", "--reason", "x", "--district", "d1"], db: db)
        #expect(noGuardian.code == 64)
        let notLinked = try runBinary(
            [
                "age18", "consent", "S_NINETEEN", "--guardian", "G1", "--reason", "x", "--district",
                "d1",
            ], db: db)
        #expect(notLinked.code == 4)
    }
    /// Saying again what is recorded already (a request, the same consent, the same
    /// restriction, a removal) exits 0 with "nothing to do" and writes nothing.
    @Test func repeatedDecisionsAndRestrictionsAreNothingToDo() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        func run(_ args: [String]) throws -> RunResult {
            try runBinary(args + ["--district", "d1"], db: db)
        }
        let cases: [(args: [String], first: String, again: String)] = [
            (
                ["age18", "request", "S_TURNED", "--guardian", "G2", "--reason", "letter"],
                "ended the access of G2 to S_TURNED",
                "nothing to do for G2: access to S_TURNED already ended at the student's request"
            ),
            (
                [
                    "age18", "consent", "S_NINETEEN", "--guardian", "G4", "--until", "2027-06-30",
                    "--reason", "tax dependant",
                ],
                "G4 keeps access to S_NINETEEN with the student's consent until 2027-06-30;",
                "nothing to do: G4 keeps access to S_NINETEEN with the student's consent until 2027-06-30 already"
            ),
            (
                [
                    "restriction", "add", "--guardian", "G1", "--student", "S_YOUNG", "--reason",
                    "protective order", "--document", "case 23-1234", "--yes",
                ],
                "restriction 1: G1 may not see S_YOUNG",
                "nothing to do: restriction 1 already says so"
            ),
            (
                ["restriction", "remove", "1", "--reason", "lifted", "--yes"],
                "removed restriction 1", "nothing to do: restriction 1 was removed on 2026-11-25"
            ),
        ]
        for c in cases {
            let first = try run(c.args)
            #expect(first.code == 0 && first.err.contains(c.first), "\(first.err)")
            let before = try dump(db)
            let again = try run(c.args)
            #expect(again.code == 0 && again.err.contains(c.again), "\(c.args): \(again.err)")
            #expect(try dump(db) == before, "\(c.args) wrote again")
        }
        // A consent with another end, or a restriction on another order, is a new decision.
        let longer = try run([
            "age18", "consent", "S_NINETEEN", "--guardian", "G4", "--until", "2027-12-31",
            "--reason", "extended",
        ])
        #expect(longer.code == 0 && longer.err.contains("until 2027-12-31; a court-order"))
        let other = try run([
            "restriction", "add", "--guardian", "G1", "--student", "S_YOUNG", "--reason",
            "second order", "--document", "case 24-0001", "--yes",
        ])
        #expect(other.code == 0 && other.err.contains("restriction 2:"), "\(other.err)")
    }
}
