import Foundation
import Testing

@testable import PortalKit

/// A district with three families: G1 (two children, signed the agreement), G2 (no portal access),
/// G3 (not signed), and a second district d2 with the same ids.
func familyDistrict(_ dir: TempDir) throws -> String {
    let db = try makeDistricts(dir, ["d1", "d2"])
    _ = dir.write(
        "fam/guardians.csv",
        "guardian_id,given_name,family_name,email,phone,street,city,state,postcode\nG1,José,Núñez,jose@example.com,320-234-2603,12 Main St,Hutchinson,MN,55350\nG2,Ann,Lee,ann@example.com,,,,,\nG3,Bo,Park,bo@example.com,,,,,\n"
    )
    _ = dir.write(
        "fam/students.csv",
        "student_id,given_name,family_name\nS1,Ana,Núñez\nS2,Luis,Núñez\nS3,Cy,Lee\nS4,Di,Park\n")
    _ = dir.write(
        "fam/relationships.csv",
        "guardian_id,student_id,portal_access\nG1,S1,yes\nG1,S2,yes\nG2,S3,no\nG3,S4,yes\n")
    for d in ["d1", "d2"] {
        #expect(
            try runBinary(["roster", "import", dir.path + "/fam", "--district", d], db: db).code
                == 0)
        #expect(
            try runBinary(
                ["aup", "sign", "--guardian", "G1", "--on", "2026-09-01", "--district", d], db: db
            ).code == 0)
    }
    #expect(
        try runBinary(
            ["district", "set", "portal_url=https://portal.example.org", "--district", "d1"], db: db
        ).code == 0)
    return db
}

func issueKey(
    _ db: String, _ g: String = "G1", district: String = "d1", now: String = "2026-11-25T12:00:00Z"
) throws -> String {
    let r = try runBinary(
        ["key", "issue", "--guardian", g, "-o", "json", "--district", district], db: db, now: now)
    #expect(r.code == 0, "\(r.err)")
    return try #require((try parseJSON(r.out) as? [String: Any])?["key"] as? String)
}

@Suite struct KeyEndToEndTests {
    @Test func issueShowsTheKeyOnceWithStudentsAndExpiry() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let r = try runBinary(
            ["key", "issue", "--guardian", "G1", "-o", "json", "--district", "d1"], db: db)
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        #expect(j["expires_at"] as? String == "2026-12-16T12:00:00Z", "21 days by default")
        #expect(
            (j["students"] as? [[String: Any]])?.compactMap { $0["student_id"] as? String }.sorted()
                == ["S1", "S2"])
        let key = try #require(j["key"] as? String)
        #expect(!r.err.contains(key))
        let list = try runBinary(["key", "list", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(list.out.contains("\"last4\":\"\(key.suffix(4))\"") && !list.out.contains(key))
        // A new key revokes the old one; the ttl follows the district setting.
        #expect(
            try runBinary(["district", "set", "key_ttl_days=7", "--district", "d1"], db: db).code
                == 0)
        let second = try runBinary(
            ["key", "issue", "--guardian", "G1", "-o", "json", "--district", "d1"], db: db)
        let j2 = try #require(try parseJSON(second.out) as? [String: Any])
        #expect(
            j2["replaced_keys"] as? Int == 1
                && j2["expires_at"] as? String == "2026-12-02T12:00:00Z")
        let old = try runBinary(["key", "check", "--district", "d1"], db: db, stdin: key + "\n")
        #expect(
            old.code == 7 && old.out.contains("revoked")
                && old.err.contains("replaced by a new key"))
    }

    @Test func refusalsNameTheReasonAndTheFix() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let noAccess = try runBinary(
            ["key", "issue", "--guardian", "G2", "--district", "d1"], db: db)
        #expect(
            noAccess.code == 5 && noAccess.err.contains("no student they may see")
                && noAccess.err.contains("hint:"))
        let unsigned = try runBinary(
            ["key", "issue", "--guardian", "G3", "--district", "d1"], db: db)
        #expect(
            unsigned.code == 5 && unsigned.err.contains("has not signed version 1")
                && unsigned.err.contains("aup sign --guardian G3"))
        let missing = try runBinary(
            ["key", "issue", "--guardian", "G9", "--district", "d1"], db: db)
        #expect(missing.code == 4)
        let key = try issueKey(db)
        #expect(
            try activate(
                db, key: key, username: "jose", password: "correct horse battery staple",
                district: "d1"
            ).code == 0)
        let hasAccount = try runBinary(
            ["key", "issue", "--guardian", "G1", "--district", "d1"], db: db)
        #expect(
            hasAccount.code == 5 && hasAccount.err.contains("already has a portal account: jose")
                && hasAccount.err.contains("account reset jose"))
        let none = try runBinary(["key", "issue", "--district", "d1"], db: db)
        #expect(none.code == 64)
        let two = try runBinary(
            ["key", "issue", "--guardian", "G1", "--student", "S1", "--district", "d1"], db: db)
        #expect(two.code == 64 && two.err.contains("only one"))
        // Raising the agreement version makes signers sign again.
        #expect(
            try runBinary(["district", "set", "aup_version=2", "--district", "d1"], db: db).code
                == 0)
        let status = try runBinary(
            ["aup", "status", "--missing", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(
            status.out.contains("\"guardian_id\":\"G1\"") && status.out.contains("must sign again"))
        let off = try runBinary(
            ["district", "set", "aup_required=false", "--district", "d1"], db: db)
        #expect(off.code == 0)
        #expect(
            try runBinary(["key", "issue", "--guardian", "G3", "--district", "d1"], db: db).code
                == 0)
    }

    @Test func everyAnswerOfKeyCheck() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        func check(_ text: String, district: String = "d1", now: String = "2026-11-26T12:00:00Z")
            throws -> RunResult
        {
            try runBinary(
                ["key", "check", "-o", "json", "--district", district], db: db, stdin: text + "\n",
                now: now)
        }
        let valid = try check(key.lowercased().replacingOccurrences(of: "-", with: " "))
        #expect(
            valid.code == 0 && valid.out.contains("\"answer\": \"valid\"")
                && valid.out.contains("\"guardian_id\": \"G1\""))
        var chars = Array(key)
        chars.swapAt(0, 1)
        if chars[0] == chars[1] { chars[0] = chars[0] == "A" ? "B" : "A" }
        let mistyped = try check(String(chars))
        #expect(
            mistyped.code == 65 && mistyped.out.contains("mistyped")
                && mistyped.err.contains("read the key again"))
        let short = try check("ABCD")
        #expect(short.code == 65 && short.out.contains("mistyped"))
        let other = try ActivationKey.generate()
        let unknown = try check(other.grouped)
        #expect(unknown.code == 4 && unknown.out.contains("unknown"))
        let otherDistrict = try check(key, district: "d2")
        #expect(
            otherDistrict.code == 4 && otherDistrict.out.contains("unknown"),
            "another district's key is unknown")
        let expired = try check(key, now: "2026-12-17T12:00:00Z")
        #expect(
            expired.code == 6 && expired.out.contains("expired")
                && expired.err.contains("issue a new key"))
        #expect(
            try activate(
                db, key: key, username: "jose.n", password: "correct horse battery staple",
                district: "d1"
            ).code == 0)
        let used = try check(key)
        #expect(
            used.code == 5 && used.out.contains("\"username\": \"jose.n\"")
                && used.err.contains("account reset jose.n"))
        let list = try runBinary(
            ["key", "list", "--status", "active", "--district", "d1", "-o", "json"], db: db)
        let rows = try #require(try parseJSON(list.out) as? [[String: Any]])
        #expect(rows.count == 0, "the only key was used")
        let revokeMe = try runBinary(
            ["district", "set", "aup_required=false", "--district", "d1"], db: db)
        #expect(revokeMe.code == 0)
        let k3 = try issueKey(db, "G3")
        let listed = try #require(
            try parseJSON(
                try runBinary(
                    ["key", "list", "--guardian", "G3", "--district", "d1", "-o", "json"], db: db
                ).out) as? [[String: Any]])
        let id = try #require(listed.first?["key_id"] as? Int)
        let noReason = try runBinary(["key", "revoke", String(id), "--district", "d1"], db: db)
        #expect(noReason.code == 64 && noReason.err.contains("--reason"))
        let unconfirmed = try runBinary(
            ["key", "revoke", String(id), "--reason", "letter lost", "--district", "d1"], db: db)
        #expect(
            unconfirmed.code == 64 && unconfirmed.err.contains("--yes"),
            "it cannot be undone, so it asks")
        #expect(
            try runBinary(
                [
                    "key", "revoke", String(id), "--reason", "letter lost", "--yes", "--district",
                    "d1",
                ],
                db: db
            ).code == 0)
        let revoked = try check(k3)
        #expect(revoked.code == 7 && revoked.err.contains("letter lost"))
        // Revoking it again: nothing to do, exit 0, without asking; nothing written.
        let before = try dump(db)
        let again = try runBinary(
            ["key", "revoke", String(id), "--reason", "x", "--district", "d1"], db: db)
        #expect(
            again.code == 0 && again.err.contains("nothing to do: key \(id) is already revoked"))
        #expect(try dump(db) == before)
        // A used key made an account: the hint says how to stop that login instead.
        let keys = try runBinary(["key", "list", "--district", "d1", "-o", "json"], db: db)
        let usedID = try #require(
            (try parseJSON(keys.out) as? [[String: Any]])?.first {
                $0["status"] as? String == "used"
            }?["key_id"] as? Int)
        let usedRevoke = try runBinary(
            ["key", "revoke", String(usedID), "--reason", "x", "--yes", "--district", "d1"], db: db)
        #expect(
            usedRevoke.code == 5 && usedRevoke.err.contains("hint: it made an account"),
            "\(usedRevoke.err)")
        let noKey = try runBinary(["key", "check", "--district", "d1"], db: db, stdin: "")
        #expect(noKey.code == 64 && noKey.err.contains("never taken as arguments"))
    }

    @Test func bulkIssuingFromAFileAndForEveryone() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let input = dir.write("who.csv", "guardian_id,note\nG1,first\nG2,no access\nG9,unknown\n")
        let results = dir.file("res.csv")
        let letters = dir.file("letters.csv")
        let r = try runBinary(
            [
                "key", "issue", "--file", input, "--results", results, "--letters", letters, "-o",
                "json", "--district", "d1",
            ], db: db)
        #expect(r.code == 3)
        let rows = try #require(try parseJSON(r.out) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["guardian_id"] as? String == "G1")
        let key = try #require(rows[0]["key"] as? String)
        let res = try String(contentsOfFile: results, encoding: .utf8)
        #expect(res.hasPrefix("guardian_id,note,status,message\r\n"))
        #expect(
            res.contains("G1,first,issued,") && res.contains("G2,no access,rejected,")
                && res.contains("G9,unknown,rejected,guardian 'G9' not found"))
        #expect(!res.contains(key))
        let l = try String(contentsOfFile: letters, encoding: .utf8)
        #expect(
            l.contains(key) && l.contains("Ana Núñez") && l.contains("https://portal.example.org")
                && l.contains("12 Main St"))
        #expect(
            (try FileManager.default.attributesOfItem(atPath: letters)[.posixPermissions] as? Int)
                == 0o600)
        // From stdin.
        let stdin = try runBinary(
            ["key", "issue", "--file", "-", "--district", "d2"], db: db, stdin: "guardian_id\nG1\n")
        #expect(stdin.code == 0)
        // Everyone without an account or a pending key: G1 has a pending key now, G3 has not signed.
        let unasked = try runBinary(
            ["key", "issue", "--all-without-account", "--district", "d1"], db: db)
        #expect(
            unasked.code == 64 && unasked.err.contains("This issues a key to each of up to "),
            "\(unasked.err)")
        let all = try runBinary(
            ["key", "issue", "--all-without-account", "--yes", "--district", "d1"], db: db)
        #expect(
            all.code == 0 && all.err.contains("skipped 1 guardian")
                && all.err.contains("issued 0 keys"), "\(all.err)")
        let student = try runBinary(
            ["key", "issue", "--student", "S3", "--district", "d1"], db: db)
        #expect(student.code == 5 && student.err.contains("no guardian who may see them"))
    }

    /// On a terminal, tables fit $COLUMNS by cutting names and addresses, never ids, e-mails or
    /// phones; --columns picks and orders the columns (an unknown one is named, with the list).
    @Test func terminalTablesKeepIdsWholeAndHonourColumns() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        func onTerminal(_ columns: Int, _ args: String) throws -> String {
            // script(1) gives the binary a terminal.
            let r = try runShell(
                "COLUMNS=\(columns) script -qec \"'\(binaryPath)' \(args) --db '\(db)' --district d1\" /dev/null",
                db: db)
            return r.out.replacingOccurrences(of: "\r", with: "")
        }
        let narrow = try onTerminal(60, "guardian list")
        #expect(narrow.contains("…"), "something had to give at 60 columns:\n\(narrow)")
        for whole in ["G1", "jose@example.com", "3202342603", "GUARDIAN ID"] {
            #expect(narrow.contains(whole), "\(whole) whole in\n\(narrow)")
        }
        let wide = try onTerminal(250, "guardian list")
        #expect(!wide.contains("…") && wide.contains("12 Main St"), "\(wide)")
        let picked = try runBinary(
            ["guardian", "list", "--columns", "phone,guardian_id", "--district", "d1"], db: db)
        #expect(picked.out == "phone\tguardian_id\n\tG2\n3202342603\tG1\n\tG3\n", "\(picked.out)")
        let typo = try runBinary(
            ["guardian", "list", "--columns", "guardian_id,phnoe", "--district", "d1"], db: db)
        #expect(typo.code == 64 && typo.err.contains("--columns: no column 'phnoe'"))
        #expect(typo.err.contains("did you mean 'phone'?") && typo.err.contains("the columns are:"))
    }

    /// Keys for everyone without an account: the ones that cannot have one now are skipped,
    /// and --results lists every guardian with what happened and why.
    @Test func bulkKeysListTheSkippedGuardiansInTheResults() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let results = dir.file("results.csv")
        let r = try runBinary(
            [
                "key", "issue", "--all-without-account", "--results", results, "--yes",
                "--district", "d1",
            ],
            db: db)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("skipped 1 guardian") && r.err.contains("each is in \(results)"))
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(
            whereSeparator: \.isNewline)
        #expect(lines.first == "guardian_id,status,message")
        #expect(lines.contains { $0.hasPrefix("G1,issued,\"key ") }, "\(lines)")
        #expect(
            lines.contains {
                $0.hasPrefix("G3,skipped,") && $0.contains("acceptable-use agreement")
            },
            "\(lines)")
        let single = try runBinary(
            ["key", "issue", "--guardian", "G1", "--results", results, "--district", "d1"], db: db)
        #expect(single.code == 64 && single.err.contains("--results goes with the bulk forms"))
    }

    /// A hint that sends the help desk to a command of a higher role says who may run it.
    @Test func hintsSayWhoMayRunTheCommandTheyName() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        for (name, role) in [("tester", "admin"), ("hal", "helpdesk"), ("rita", "registrar")] {
            #expect(
                try runBinary(
                    ["operator", "add", name, "--role", role, "--district", "d1"], db: db
                ).code == 0)
        }
        func expired(_ who: String) throws -> RunResult {
            try runBinary(
                ["key", "check", "--district", "d1"], db: db,
                env: ["PORTALADMIN_OPERATOR": who], stdin: key + "\n",
                now: "2026-12-17T12:00:00Z")
        }
        let helpdesk = try expired("hal")
        #expect(helpdesk.code == 6)
        #expect(
            helpdesk.err.contains(
                "portaladmin key issue --guardian G1 (that needs the registrar role: ask a registrar)"
            ),
            "\(helpdesk.err)")
        let registrar = try expired("rita")
        #expect(
            registrar.code == 6 && !registrar.err.contains("that needs the"), "\(registrar.err)")
    }

    /// One rule for who may create keys: `account reset --new-key` needs the registrar role,
    /// like `key issue`; the help desk still resets passwords, and is told who may do the rest.
    @Test func onlyRegistrarsCreateKeysWhicheverCommand() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        #expect(
            try activate(db, key: key, username: "jose", password: "correct horse battery staple")
                .code == 0)
        for (name, role) in [("tester", "admin"), ("hal", "helpdesk"), ("rita", "registrar")] {
            #expect(
                try runBinary(
                    ["operator", "add", name, "--role", role, "--district", "d1"], db: db
                ).code == 0)
        }
        func reset(_ who: String, _ extra: [String]) throws -> RunResult {
            try runBinary(
                ["account", "reset", "jose", "--reason", "lost it", "--district", "d1"] + extra,
                db: db, env: ["PORTALADMIN_OPERATOR": who])
        }
        let before = try dump(db)
        let refused = try reset("hal", ["--new-key", "--yes"])
        #expect(refused.code == 77, "\(refused.err)")
        #expect(
            refused.err.contains(
                "error: 'account reset --new-key' needs the registrar role; operator 'hal' is helpdesk"
            ), "\(refused.err)")
        #expect(
            refused.err.contains(
                "hint: ask a registrar of district 'd1' to run it, or an admin to change your role: portaladmin operator set-role hal registrar"
            ), "\(refused.err)")
        #expect(try refused.out.isEmpty && dump(db) == before)
        let help = try runBinary(["account", "reset", "--help"], db: db)
        #expect(help.out.contains("--new-key needs the registrar role or higher"), "\(help.out)")
        // The same operator may reset the password; a registrar may issue the new key.
        #expect(try reset("hal", []).code == 0)
        let issued = try reset("rita", ["--new-key", "--yes", "-o", "json"])
        #expect(issued.code == 0, "\(issued.err)")
        #expect((try parseJSON(issued.out) as? [String: Any])?["key"] is String)
    }

    /// Text mode shows a list of records as their values, never raw JSON.
    @Test func textModeShowsStudentsAsTextNotJSON() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let r = try runBinary(["key", "issue", "--guardian", "G1", "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("students:      S1 Ana Núñez; S2 Luis Núñez"), "\(r.out)")
        #expect(!r.out.contains("{") && !r.out.contains("\"student_id\""))
    }

    /// A dry run writes nothing, so it never asks, even where the real run would.
    @Test func aDryRunNeverAsks() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let before = try dump(db)
        let keys = try runBinary(
            ["key", "issue", "--all-without-account", "--dry-run", "--district", "d1"], db: db)
        #expect(keys.code == 0 && keys.err.contains("dry run: issued 1 key"), "\(keys.err)")
        // A full import of an empty students file would mark every student inactive (allowed).
        _ = dir.write("empty/students.csv", "student_id,given_name,family_name\n")
        let roster = try runBinary(
            [
                "roster", "import", dir.file("empty"), "--allow-all-absent", "--dry-run",
                "--district",
                "d1",
            ], db: db)
        #expect(roster.code == 0 && roster.err.contains("dry run"), "\(roster.err)")
        let real = try runBinary(
            ["roster", "import", dir.file("empty"), "--allow-all-absent", "--district", "d1"],
            db: db)
        #expect(real.code == 64 && real.err.contains("--yes"), "the real run asks: \(real.err)")
        #expect(try dump(db) == before)
    }

    @Test func dryRunShowsNoKeyAndKeepsNothing() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let before = try dump(db)
        let r = try runBinary(
            ["key", "issue", "--guardian", "G1", "--dry-run", "-o", "json", "--district", "d1"],
            db: db)
        #expect(
            r.code == 0 && r.out.contains("\"key\": \"(dry run)\"")
                && r.out.contains("\"dry_run\": true"))
        #expect(try dump(db) == before)
    }
}
