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

@Suite struct RestrictionAndExplainTests {
    @Test func aRestrictionBeatsEverythingAndSurvivesImportsAndConsent() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        let both = try runBinary(
            [
                "restriction", "add", "--guardian", "G4", "--student", "S_NINETEEN",
                "--all-students", "--reason", "x", "--district", "d1",
            ], db: db)
        #expect(both.code == 64)
        let add = try runBinary(
            [
                "restriction", "add", "--guardian", "G4", "--all-students", "--reason",
                "protective order", "--document", "26-FA-1", "-o", "json", "--district", "d1",
            ], db: db)
        #expect(add.code == 0)
        let id = try #require((try parseJSON(add.out) as? [String: Any])?["restriction_id"] as? Int)
        #expect(
            try runBinary(
                [
                    "age18", "consent", "S_NINETEEN", "--guardian", "G4", "--reason", "consent",
                    "--district", "d1",
                ], db: db
            ).code == 0)
        #expect(
            try runBinary(["roster", "import", dir.path + "/age", "--district", "d1"], db: db).code
                == 0)
        let e = try explain(db, "G4", "S_UNKNOWN")
        #expect(e["visible"] as? Bool == false && e["decided_by"] as? String == "restriction")
        #expect((e["fix"] as? String)?.contains("restriction remove \(id)") == true)
        let keyRefused = try runBinary(
            ["key", "issue", "--guardian", "G4", "--district", "d1"], db: db)
        #expect(keyRefused.code == 5 && keyRefused.err.contains("no student they may see"))
        let list = try runBinary(
            ["restriction", "list", "--guardian", "G4", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(list.out.contains("\"student_id\":\"all\"") && list.out.contains("26-FA-1"))
        let other = try runBinary(["restriction", "list", "--district", "d2"], db: db)
        #expect(!other.out.contains("G4"), "restrictions stay in their district")
        let noReason = try runBinary(
            ["restriction", "remove", String(id), "--district", "d1"], db: db)
        #expect(noReason.code == 64)
        #expect(
            try runBinary(
                [
                    "restriction", "remove", String(id), "--reason", "order expired", "--district",
                    "d1",
                ], db: db
            ).code == 0)
        #expect(
            try runBinary(
                ["restriction", "remove", String(id), "--reason", "again", "--district", "d1"],
                db: db
            ).code == 0, "removed already: nothing to do")
        let all = try runBinary(
            ["restriction", "list", "--all", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(all.out.contains("order expired"))
    }

    @Test func explainWalksEveryRule() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        // No account yet.
        var e = try explain(db, "G1", "S_YOUNG")
        #expect(
            e["visible"] as? Bool == false && e["decided_by"] as? String == "portal account"
                && (e["fix"] as? String)?.contains("key issue --guardian G1") == true)
        let key = try issueKey(db, "G1")
        e = try explain(db, "G1", "S_YOUNG")
        #expect(
            ((e["checks"] as? [[String: Any]]) ?? []).contains {
                ($0["detail"] as? String)?.contains("pending") == true
            })
        #expect(
            try activate(
                db, key: key, username: "ann", password: "correct horse battery staple",
                district: "d1"
            ).code == 0)
        e = try explain(db, "G1", "S_YOUNG")
        #expect(e["visible"] as? Bool == true && e["decided_by"] is NSNull)
        // Features off at the student's school are listed per feature.
        #expect(
            try runBinary(
                [
                    "feature", "disable", "grades", "--school", "MS", "--reason", "end of term",
                    "--district", "d1",
                ], db: db
            ).code == 0)
        e = try explain(db, "G1", "S_YOUNG")
        let grades = (e["features"] as? [[String: Any]])?.first {
            $0["feature"] as? String == "grades"
        }
        #expect(grades?["enabled"] as? Bool == false && grades?["source"] as? String == "school:MS")
        // Locked.
        #expect(
            try runBinary(["district", "set", "lockout_threshold=1", "--district", "d1"], db: db)
                .code == 0)
        _ = try login(db, username: "ann", password: "nope nope nope", district: "d1")
        e = try explain(db, "G1", "S_YOUNG")
        #expect(
            e["decided_by"] as? String == "portal account"
                && (e["fix"] as? String) == "portaladmin account unlock ann")
        // The sibling is on a duplicate record of the same parent (same email): say so and name it.
        e = try explain(db, "G1", "S_SIB")
        #expect(e["decided_by"] as? String == "link")
        let link = ((e["checks"] as? [[String: Any]]) ?? []).first {
            $0["rule"] as? String == "link"
        }
        #expect(
            (link?["detail"] as? String)?.contains("G5") == true
                && (e["fix"] as? String) == "portaladmin guardian merge G1 G5")
        // Whole-family view in text.
        let text = try runBinary(
            ["access", "explain", "--guardian", "G1", "--as-of", "2026-11-25", "--district", "d1"],
            db: db)
        #expect(
            text.code == 0 && text.out.contains("S_YOUNG Young Lee: NOT VISIBLE (portal account)")
                && text.out.contains("fix: portaladmin account unlock ann"))
        let missing = try runBinary(
            ["access", "explain", "--guardian", "G1", "--district", "d2"], db: db)
        #expect(missing.code == 0, "same id, separate district, separate answer")
        let nobody = try runBinary(
            ["access", "explain", "--guardian", "G99", "--district", "d1"], db: db)
        #expect(nobody.code == 4)
    }

    /// The same rule twice is one rule; a rule is removed with a reason (kept in the history,
    /// marked), and removing it again is nothing to do.
    @Test func identicalRulesAreNotDuplicatedAndRulesCanBeRemoved() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let args = [
            "feature", "disable", "grades", "--from", "2027-06-15", "--until", "2027-08-20",
            "--reason", "summer", "-o", "json", "--district", "d1",
        ]
        let first = try #require(try parseJSON(try runBinary(args, db: db).out) as? [String: Any])
        let again = try runBinary(args, db: db)
        #expect(again.code == 0 && again.err.contains("nothing to do: rule"), "\(again.err)")
        let second = try #require(try parseJSON(again.out) as? [String: Any])
        #expect(first["rule_id"] as? Int == second["rule_id"] as? Int)
        let id = String(first["rule_id"] as? Int ?? 0)
        func history() throws -> [[String: Any]] {
            try #require(
                try parseJSON(
                    try runBinary(["feature", "history", "-o", "json", "--district", "d1"], db: db)
                        .out) as? [[String: Any]])
        }
        #expect(try history().count == 1)
        let unasked = try runBinary(
            ["feature", "remove", id, "--reason", "cancelled", "--district", "d1"], db: db)
        #expect(unasked.code == 64 && unasked.err.contains("--yes"))
        let removed = try runBinary(
            ["feature", "remove", id, "--reason", "cancelled", "--yes", "--district", "d1"], db: db)
        #expect(removed.code == 0 && removed.err.contains("removed feature rule \(id)"))
        let h = try history()
        #expect(
            h.first?["removed_reason"] as? String == "cancelled" && h.first?["removed_at"] is String
        )
        let list = try runBinary(
            ["feature", "list", "--at", "2027-07-01", "-o", "json", "--district", "d1"], db: db)
        let grades = (try parseJSON(list.out) as? [[String: Any]])?.first {
            $0["feature"] as? String == "grades"
        }
        #expect(grades?["enabled"] as? Bool == true && grades?["source"] as? String == "default")
        let twice = try runBinary(
            ["feature", "remove", id, "--reason", "cancelled", "--yes", "--district", "d1"], db: db)
        #expect(twice.code == 0 && twice.err.contains("nothing to do"))
        let unknown = try runBinary(
            ["feature", "remove", "99", "--reason", "x", "--yes", "--district", "d1"], db: db)
        #expect(
            unknown.code == 4 && unknown.err.contains("hint: see 'portaladmin feature history'"))
        // Disabled again after the removal: a new rule.
        let anew = try #require(try parseJSON(try runBinary(args, db: db).out) as? [String: Any])
        #expect(anew["rule_id"] as? Int != first["rule_id"] as? Int)
    }

    @Test func featureCommands() throws {
        let dir = TempDir()
        let db = try ageDistrict(dir)
        let typo = try runBinary(
            ["feature", "disable", "atendance", "--reason", "x", "--district", "d1"], db: db)
        #expect(typo.code == 64 && typo.err.contains("did you mean 'attendance'?"))
        let noReason = try runBinary(
            ["feature", "disable", "attendance", "--district", "d1"], db: db)
        #expect(noReason.code == 64 && noReason.err.contains("--reason"))
        let badSchool = try runBinary(
            [
                "feature", "disable", "attendance", "--school", "NOPE", "--reason", "x",
                "--district", "d1",
            ], db: db)
        #expect(badSchool.code == 4)
        #expect(
            try runBinary(
                [
                    "feature", "disable", "attendance", "--from", "2026-11-20", "--until",
                    "2026-12-03", "--reason", "repost window", "--district", "d1",
                ], db: db
            ).code == 0)
        let inWindow = try runBinary(
            ["feature", "list", "--at", "2026-11-25", "-o", "json", "--district", "d1"], db: db)
        let rows = try #require(try parseJSON(inWindow.out) as? [[String: Any]])
        let att = rows.first { $0["feature"] as? String == "attendance" }
        #expect(
            att?["enabled"] as? Bool == false && att?["source"] as? String == "district"
                && att?["reason"] as? String == "repost window")
        #expect(att?["from"] as? String == "2026-11-20" && att?["until"] as? String == "2026-12-03")
        let after = try runBinary(
            ["feature", "list", "--at", "2026-12-04", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(
            after.out.contains(
                "{\"feature\":\"attendance\",\"enabled\":true,\"source\":\"default\""))
        let hist = try runBinary(["feature", "history", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(hist.out.split(separator: "\n").count == 1)
        let other = try runBinary(
            ["feature", "list", "--at", "2026-11-25", "-o", "jsonl", "--district", "d2"], db: db)
        #expect(
            other.out.contains("{\"feature\":\"attendance\",\"enabled\":true"),
            "district d2 is untouched")
    }
}

@Suite struct DuplicateHouseholdExplainTests {
    @Test func aChildFiledUnderADuplicateHouseholdIsNamed() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "h/guardians.csv",
            "guardian_id,given_name,family_name,street,postcode,household_id\nG1,Rosa,Diaz,5 Oak St,55350,H1\nG2,Tomas,Diaz,5 Oak  St.,55350,H2\n"
        )
        _ = dir.write(
            "h/students.csv", "student_id,given_name,family_name,household_id\nS1,Eva,Diaz,H2\n")
        _ = dir.write("h/relationships.csv", "guardian_id,student_id\nG2,S1\n")
        #expect(
            try runBinary(["roster", "import", dir.path + "/h", "--district", "d1"], db: db).code
                == 0)
        let e = try explain(db, "G1", "S1")
        #expect(e["decided_by"] as? String == "link")
        #expect(
            (e["fix"] as? String)?.hasPrefix("portaladmin household merge H1 H2") == true, "\(e)")
    }
}
