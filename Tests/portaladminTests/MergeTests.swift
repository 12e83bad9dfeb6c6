import Foundation
import Testing

@testable import PortalKit

@Suite struct MergeTests {
    /// A merge, an undo or an operator asked for again is in force already: exit 0, "nothing to
    /// do", the same JSON, nothing written. Merging the folded record elsewhere names the merge.
    @Test func aMergeAnUndoOrAnOperatorAskedForAgainIsNothingToDo() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["lakeview"])
        let env = ["PORTALADMIN_DISTRICT": "lakeview"]
        func run(_ args: [String]) throws -> RunResult {
            try runBinary(args + ["-o", "jsonl"], db: db, env: env)
        }
        #expect(try run(["roster", "import", repoRoot + "/examples/lakeview", "--yes"]).code == 0)
        let cases: [(args: [String], again: String)] = [
            (
                ["operator", "add", "tester", "--role", "admin"],
                "nothing to do: 'tester' is admin already"
            ),
            (
                ["guardian", "merge", "G-2002", "G-2003", "--yes"],
                "nothing to do: G-2003 was merged into G-2002 as merge 1"
            ),
            (["merge", "undo", "1", "--yes"], "nothing to do: merge 1 was undone on 2026-11-25"),
        ]
        for c in cases {
            let first = try run(c.args)
            #expect(first.code == 0, "\(first.err)")
            let before = try dump(db)
            let again = try run(c.args)
            #expect(again.code == 0 && again.err.contains(c.again), "\(c.args): \(again.err)")
            #expect(
                try parseJSON(again.out) as? NSDictionary == parseJSON(first.out) as? NSDictionary,
                "\(c.args): the same record")
            #expect(try dump(db) == before, "\(c.args) wrote again")
        }
        let otherRole = try run(["operator", "add", "tester", "--role", "helpdesk"])
        #expect(otherRole.code == 5 && otherRole.err.contains("operator set-role tester"))
        #expect(try run(["guardian", "merge", "G-2002", "G-2003", "--yes"]).code == 0)
        let elsewhere = try run(["guardian", "merge", "G-2001", "G-2003", "--yes"])
        #expect(elsewhere.code == 5)
        #expect(
            elsewhere.err.contains("guardian G-2003 was already merged into G-2002 (merge 2)")
                && elsewhere.err.contains("portaladmin merge undo 2"), "\(elsewhere.err)")
    }

    /// After a merge the help desk finds the parent once: `account whois` leaves out the record
    /// merged away (it is kept only for 'merge undo'), and shows it again after the undo.
    @Test func whoisLeavesOutARecordMergedAway() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["lakeview"])
        let env = ["PORTALADMIN_DISTRICT": "lakeview"]
        #expect(
            try runBinary(
                ["roster", "import", repoRoot + "/examples/lakeview", "--yes"], db: db, env: env
            ).code == 0)
        func whois(_ how: [String]) throws -> [String] {
            try runBinary(["account", "whois"] + how + ["-o", "tsv"], db: db, env: env).out
                .split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[1]) }
        }
        let phone = ["--phone", "(320) 555-0143"]
        let name = ["--name", "nunez"]
        #expect(try whois(phone) == ["G-2002", "G-2003"])
        #expect(
            try runBinary(["guardian", "merge", "G-2002", "G-2003", "--yes"], db: db, env: env)
                .code == 0)
        #expect(try whois(phone) == ["G-2002"])
        #expect(try !whois(name).contains("G-2003") && whois(name).contains("G-2002"))
        #expect(try runBinary(["merge", "undo", "1", "--yes"], db: db, env: env).code == 0)
        #expect(try whois(phone) == ["G-2002", "G-2003"])
    }

    @Test func mergeMovesLinksKeepsRestrictionsAndUndoRestoresExactly() throws {
        let dir = TempDir()
        let db = try matchingDistrict(dir)
        #expect(
            try runBinary(
                [
                    "restriction", "add", "--guardian", "TYPO-B", "--student", "K2", "--reason",
                    "court order", "--district", "d1",
                ], db: db
            ).code == 0)
        #expect(
            try runBinary(
                ["aup", "sign", "--guardian", "TYPO-B", "--on", "2026-09-01", "--district", "d1"],
                db: db
            ).code == 0)
        let before = dir.file("before")
        #expect(
            try runBinary(["roster", "export", "--out", before, "--district", "d1"], db: db).code
                == 0)
        let dump0 = try dump(db).filter { !$0.hasPrefix("audit") && !$0.hasPrefix("merges") }
        let r = try runBinary(
            ["guardian", "merge", "TYPO-A", "TYPO-B", "-o", "json", "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        let id = try #require(j["merge_id"] as? Int)
        #expect(
            (j["conflicts"] as? [[String: Any]])?.contains {
                $0["field"] as? String == "family_name" && $0["kept"] as? String == "a"
            } == true)
        #expect((j["links_joined"] as? [String]) == ["K2"])
        #expect((j["restrictions_moved"] as? [Int])?.count == 1)
        let e = try explain(db, "TYPO-A", "K2")
        #expect(
            e["visible"] as? Bool == false && e["decided_by"] as? String == "restriction",
            "the restriction follows the person")
        // The SIS still sends B: the next import keeps it merged and its links on A.
        let again = try runBinary(
            ["roster", "import", dir.path + "/m", "-o", "json", "--district", "d1"], db: db)
        let aj = try #require(try parseJSON(again.out) as? [String: Any])
        #expect(aj["created"] as? Int == 0 && aj["inactivated"] as? Int == 0)
        #expect(
            again.code == 0 && aj["rejected"] as? Int == 0,
            "B's row for a child A also has is the same link, not a duplicate: \(again.err)")
        let list = try runBinary(["merge", "list", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(
            list.out.contains("\"merge_id\":\(id)") && list.out.contains("\"status\":\"applied\""))
        let show = try runBinary(
            ["merge", "show", String(id), "-o", "json", "--district", "d1"], db: db)
        #expect((try parseJSON(show.out) as? [String: Any])?["summary"] is [String: Any])
        let u = try runBinary(["merge", "undo", String(id), "--district", "d1"], db: db)
        #expect(u.code == 0, "\(u.err)")
        let after = dir.file("after")
        #expect(
            try runBinary(["roster", "export", "--out", after, "--district", "d1"], db: db).code
                == 0)
        for f in ["guardians.csv", "students.csv", "relationships.csv"] {
            #expect(
                try String(contentsOfFile: before + "/" + f, encoding: .utf8)
                    == String(contentsOfFile: after + "/" + f, encoding: .utf8), "\(f)")
        }
        #expect(
            try dump(db).filter { !$0.hasPrefix("audit") && !$0.hasPrefix("merges") } == dump0,
            "every row is back")
        let twice = try runBinary(["merge", "undo", String(id), "--district", "d1"], db: db)
        #expect(twice.code == 0 && twice.err.contains("nothing to do"))
        let audit = try runBinary(
            ["audit", "list", "--target", "TYPO-A", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(
            audit.out.contains("\"command\":\"guardian merge\"")
                && audit.out.contains("\"command\":\"merge undo\""))
        #expect(try runBinary(["audit", "verify", "--district", "d1"], db: db).code == 0)
    }

    @Test func rowsOfAMergedGuardianNeverWidenTheLinkTheMergeKept() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "m/guardians.csv",
            "guardian_id,given_name,family_name,email\nGA,Ana,Lee,ana@example.com\nGB,Ana,Lee,ana@example.com\n"
        )
        _ = dir.write("m/students.csv", "student_id,given_name,family_name\nS1,Bo,Lee\nS2,Cy,Lee\n")
        _ = dir.write(
            "m/relationships.csv",
            "guardian_id,student_id,portal_access\nGB,S1,yes\nGA,S1,no\n")
        #expect(
            try runBinary(["roster", "import", dir.file("m"), "--district", "d1"], db: db).code == 0
        )
        let m = try runBinary(["guardian", "merge", "GA", "GB", "--district", "d1"], db: db)
        #expect(m.code == 0, "\(m.err)")
        func access(_ student: String) throws -> Bool? {
            let g = try #require(
                try parseJSON(
                    try runBinary(
                        ["guardian", "show", "GA", "-o", "json", "--district", "d1"], db: db
                    )
                    .out) as? [String: Any])
            let kids = try #require(g["students"] as? [[String: Any]])
            return kids.first { $0["student_id"] as? String == student }.map {
                ($0["portal_access"] as? Int ?? ($0["portal_access"] as? Bool).map { $0 ? 1 : 0 })
                    == 1
            }
        }
        #expect(try access("S1") == false, "the merge keeps the narrower access")
        // The SIS still sends B, first, with access; and now B has a second child.
        _ = dir.write(
            "m/relationships.csv",
            "guardian_id,student_id,portal_access\nGB,S1,yes\nGB,S2,yes\nGA,S1,no\n")
        let r = try runBinary(
            ["roster", "import", dir.file("m"), "-o", "json", "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        let links = try #require((j["entities"] as? [String: [String: Int]])?["links"])
        #expect(
            links["created"] == 1 && links["updated"] == 0 && links["rejected"] == 0, "\(links)")
        #expect(try access("S1") == false, "B's row does not widen A's link")
        #expect(try access("S2") == true, "a child only B's row names is linked to A")
        // A's own row twice is still a duplicate.
        _ = dir.write(
            "m/relationships.csv",
            "guardian_id,student_id,portal_access\nGA,S1,no\nGB,S2,yes\nGA,S1,no\n")
        let twice = try runBinary(["roster", "import", dir.file("m"), "--district", "d1"], db: db)
        #expect(twice.code == 3)
        #expect(twice.err.contains("relationships.csv:4: guardian_id/student_id: duplicate link"))
        // Undone, the merge is no longer in force: B's rows are B's own again (its link to S2
        // is made for B; the one the merge had made A's is absent from the files now).
        let undo = try runBinary(["merge", "undo", "1", "--yes", "--district", "d1"], db: db)
        #expect(undo.code == 0, "\(undo.err)")
        _ = dir.write(
            "m/relationships.csv",
            "guardian_id,student_id,portal_access\nGB,S1,yes\nGB,S2,yes\nGA,S1,no\n")
        let after = try runBinary(
            ["roster", "import", dir.file("m"), "--yes", "--district", "d1"], db: db)
        #expect(after.code == 0, "\(after.err)")
        let lib = try reopen(db)
        #expect(
            try lib.query(
                "SELECT guardian_id FROM links WHERE district_id = 'd1' AND student_id = 'S2' AND status = 'active' ORDER BY 1"
            ).map { $0.text("guardian_id") } == ["GB"])
    }

    @Test func twoLoginsOneSurvives() throws {
        let dir = TempDir()
        let db = try matchingDistrict(dir)
        let ka = try issueKey(db, "NICK-A")
        let kb = try issueKey(db, "NICK-B")
        #expect(
            try activate(
                db, key: ka, username: "william", password: "correct horse battery staple",
                district: "d1"
            ).code == 0)
        #expect(
            try activate(
                db, key: kb, username: "billy", password: "another long passphrase here",
                district: "d1"
            ).code == 0)
        #expect(
            try login(
                db, username: "billy", password: "another long passphrase here", district: "d1",
                now: "2026-11-26T12:00:00Z"
            ).code == 0)
        let bad = try runBinary(
            [
                "guardian", "merge", "NICK-A", "NICK-B", "--keep-login", "nobody", "--district",
                "d1",
            ], db: db)
        #expect(bad.code == 64)
        let r = try runBinary(
            ["guardian", "merge", "NICK-A", "NICK-B", "-o", "json", "--district", "d1"], db: db,
            now: "2026-11-27T12:00:00Z")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        #expect(j["username"] as? String == "billy", "the most recently used login survives")
        #expect(r.err.contains("the parent logs in as billy"))
        #expect(
            try login(
                db, username: "william", password: "correct horse battery staple", district: "d1"
            ).code == 10)
        #expect(
            try login(
                db, username: "billy", password: "another long passphrase here", district: "d1"
            ).code == 0)
        let kids = try runBinary(
            ["guardian", "show", "NICK-A", "-o", "json", "--district", "d1"], db: db)
        #expect(
            ((try parseJSON(kids.out) as? [String: Any])?["students"] as? [[String: Any]])?.count
                == 2, "one login now sees both children")
        // Undo: both logins as they were.
        let id = try #require(j["merge_id"] as? Int)
        #expect(try runBinary(["merge", "undo", String(id), "--district", "d1"], db: db).code == 0)
        #expect(
            try login(
                db, username: "william", password: "correct horse battery staple", district: "d1"
            ).code == 0)
    }

    @Test func keepLoginChoosesAndUndoIsRefusedAfterALaterChange() throws {
        let dir = TempDir()
        let db = try matchingDistrict(dir)
        let ka = try issueKey(db, "MOVE-A")
        let kb = try issueKey(db, "MOVE-B")
        #expect(
            try activate(
                db, key: ka, username: "liz", password: "correct horse battery staple",
                district: "d1"
            ).code == 0)
        #expect(
            try activate(
                db, key: kb, username: "eolson", password: "another long passphrase here",
                district: "d1"
            ).code == 0)
        let r = try runBinary(
            [
                "guardian", "merge", "MOVE-A", "MOVE-B", "--keep-login", "eolson", "--prefer",
                "street=b", "-o", "json", "--district", "d1",
            ], db: db)
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        #expect(j["username"] as? String == "eolson")
        let id = try #require(j["merge_id"] as? Int)
        // A later change to a row the merge touched blocks the undo, and is named.
        #expect(
            try runBinary(
                ["account", "disable", "eolson", "--reason", "security risk", "--district", "d1"],
                db: db
            ).code == 0)
        let u = try runBinary(["merge", "undo", String(id), "--district", "d1"], db: db)
        #expect(
            u.code == 5 && u.err.contains("eolson") && u.err.contains("account disable"), "\(u.err)"
        )
        let badPrefer = try runBinary(
            ["guardian", "merge", "TYPO-A", "TYPO-B", "--prefer", "emial=b", "--district", "d1"],
            db: db)
        #expect(badPrefer.code == 64 && badPrefer.err.contains("did you mean 'email'?"))
    }

    @Test func refusalsAndPreview() throws {
        let dir = TempDir()
        let db = try matchingDistrict(dir)
        let cross = try runBinary(
            ["guardian", "merge", "TYPO-A", "d2:TYPO-B", "--district", "d1"], db: db)
        #expect(cross.code == 5 && cross.err.contains("two districts"))
        let same = try runBinary(
            ["guardian", "merge", "TYPO-A", "TYPO-A", "--district", "d1"], db: db)
        #expect(same.code == 64)
        let missing = try runBinary(
            ["guardian", "merge", "TYPO-A", "NOPE", "--district", "d1"], db: db)
        #expect(missing.code == 4)
        let before = try dump(db)
        let dry = try runBinary(
            ["guardian", "merge", "HYPH-A", "HYPH-B", "--dry-run", "--district", "d1"], db: db)
        #expect(
            dry.code == 0 && dry.out.contains("Preview") && dry.out.contains("links moved:   K7"))
        #expect(try dump(db) == before)
        // On a terminal the preview comes first and a "no" changes nothing.
        let no = runInProcess(
            ["guardian", "merge", "HYPH-A", "HYPH-B", "--district", "d1"], db: db, stdin: "n\n",
            tty: true)
        #expect(no.code == 2 && no.err.contains("Preview") && no.err.contains("family_name"))
        #expect(try dump(db) == before)
        let h = try runBinary(
            ["household", "merge", "H2", "H2b", "-o", "json", "--district", "d1"], db: db)
        let hj = try #require(try parseJSON(h.out) as? [String: Any])
        #expect(h.code == 0 && (hj["members_moved"] as? [String]) == ["NICK-B"])
        let hid = try #require(hj["merge_id"] as? Int)
        let moved = try runBinary(
            ["guardian", "show", "NICK-B", "-o", "json", "--district", "d1"], db: db)
        #expect((try parseJSON(moved.out) as? [String: Any])?["household_id"] as? String == "H2")
        #expect(
            try runBinary(["merge", "undo", String(hid), "--district", "d1"], db: db).code == 0)
        let back = try runBinary(
            ["guardian", "show", "NICK-B", "-o", "json", "--district", "d1"], db: db)
        #expect(
            (try parseJSON(back.out) as? [String: Any])?["household_id"] as? String == "H2b",
            "a household merge undoes too")
        #expect(
            try runBinary(["guardian", "merge", "TYPO-A", "TYPO-B", "--district", "d1"], db: db)
                .code == 0)
        let again = try runBinary(
            ["guardian", "merge", "TYPO-A", "TYPO-B", "--district", "d1"], db: db)
        #expect(
            again.code == 0 && again.err.contains("nothing to do: TYPO-B was merged into TYPO-A"))
    }
}
