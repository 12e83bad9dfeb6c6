import Foundation
import Testing

@testable import PortalKit

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
        // An end before today (2026-11-25 here): the year mistyped; refused, nothing written.
        let before = try dump(db)
        let past = try runBinary(
            [
                "restriction", "add", "--guardian", "G4", "--all-students", "--reason", "x",
                "--until", "2025-12-31", "--district", "d1",
            ], db: db)
        #expect(past.code == 64 && past.out.isEmpty, "\(past.err)")
        #expect(
            past.err.contains("error: the restriction would end on 2025-12-31, before today")
                && past.err.contains("hint: give the last day the order applies"), "\(past.err)")
        #expect(try dump(db) == before)
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
                && (e["fix"] as? String)?.hasSuffix(": portaladmin account unlock ann") == true)
        // The sibling is on a duplicate record of the same parent (same email): say so and name it.
        e = try explain(db, "G1", "S_SIB")
        #expect(e["decided_by"] as? String == "link")
        let link = ((e["checks"] as? [[String: Any]]) ?? []).first {
            $0["rule"] as? String == "link"
        }
        #expect(
            (link?["detail"] as? String)?.contains("G5") == true
                && (e["fix"] as? String)?.hasSuffix(": portaladmin guardian merge G1 G5") == true)
        // Whole-family view in text.
        let text = try runBinary(
            ["access", "explain", "--guardian", "G1", "--as-of", "2026-11-25", "--district", "d1"],
            db: db)
        #expect(
            text.code == 0 && text.out.contains("S_YOUNG Young Lee: NOT VISIBLE (portal account)")
                && text.out.contains(
                    "fix: unlock the login (the password stays): portaladmin account unlock ann")
        )
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
            unknown.code == 4 && unknown.err.contains("hint: portaladmin feature history"))
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
            badSchool.err.contains("hint: the district's schools: HS, MS\n"), "\(badSchool.err)")
        // A school typed in another case, or a slip away, is named.
        for typed in ["hs", "MSS"] {
            let near = try runBinary(
                ["feature", "list", "--school", typed, "--district", "d1"], db: db)
            #expect(near.code == 4 && near.out.isEmpty, "\(typed): \(near.err)")
            #expect(
                near.err.contains("hint: did you mean '\(typed.prefix(2).uppercased())'?"),
                "\(typed): \(near.err)")
        }
        let none = try makeDistricts(dir, ["d9"])
        let noSchools = try runBinary(
            ["feature", "list", "--school", "HS", "--district", "d9"], db: none)
        #expect(
            noSchools.code == 4
                && noSchools.err.contains("the district has no schools yet: import its roster"),
            "\(noSchools.err)")
        let before = try dump(db)
        let backwards = try runBinary(
            [
                "feature", "disable", "attendance", "--from", "2027-01-10", "--until",
                "2027-01-01", "--reason", "x", "--district", "d1",
            ], db: db)
        #expect(
            backwards.code == 64
                && backwards.err.contains(
                    "error: the window ends (2027-01-01) before it starts (2027-01-10)")
                && backwards.err.contains("hint:"), "\(backwards.err)")
        #expect(try dump(db) == before, "nothing written")
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
                "{\"feature\":\"attendance\",\"audience\":\"all\",\"enabled\":true,\"source\":\"default\""
            ))
        let hist = try runBinary(["feature", "history", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(hist.out.split(separator: "\n").count == 1)
        let other = try runBinary(
            ["feature", "list", "--at", "2026-11-25", "-o", "jsonl", "--district", "d2"], db: db)
        #expect(
            other.out.contains("{\"feature\":\"attendance\",\"audience\":\"all\",\"enabled\":true"),
            "district d2 is untouched")
        // A window already over (today is 2026-11-25 here) is kept, with a warning.
        let over = try runBinary(
            [
                "feature", "disable", "grades", "--until", "2025-11-30", "--reason", "x",
                "--district", "d1",
            ], db: db)
        #expect(over.code == 0, "\(over.err)")
        #expect(
            over.err.contains(
                "warning: the window ended on 2025-11-30, before today (2026-11-25): the rule changes nothing from today on"
            ), "\(over.err)")
        let ahead = try runBinary(
            [
                "feature", "disable", "grades", "--until", "2026-11-25", "--reason", "x",
                "--district", "d1",
            ], db: db)
        #expect(ahead.code == 0 && !ahead.err.contains("warning:"), "\(ahead.err)")
    }
}
