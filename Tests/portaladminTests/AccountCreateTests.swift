import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

private func json(_ r: RunResult) throws -> [String: Any] {
    try #require(try parseJSON(r.out) as? [String: Any], "\(r.out) \(r.err)")
}

/// Records the agreement signed by each of `guardians` in district d1.
private func signAgreements(_ db: String, _ guardians: [String]) throws {
    for g in guardians {
        let r = try runBinary(
            ["aup", "sign", "--guardian", g, "--on", "2026-09-01", "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
    }
}

/// Accounts the school creates (seed 003), from the built binary.
@Suite struct AccountCreateTests {
    @Test func oneParentAccountWithATemporaryPasswordToChangeFirst() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        // The agreement rule applies as for keys: G2 has not signed. Nothing is written.
        let before = try dump(db)
        let unsigned = try runBinary(
            ["account", "create", "--guardian", "G3", "--username", "ann", "--district", "d1"],
            db: db)
        #expect(unsigned.code == 5 && unsigned.err.contains("acceptable-use"))
        #expect(unsigned.err.contains("hint: record the signed form first"))
        let unknown = try runBinary(
            ["account", "create", "--guardian", "G9", "--username", "nine", "--district", "d1"],
            db: db)
        #expect(unknown.code == 4 && unknown.err.contains("hint:"))
        let noName = try runBinary(
            ["account", "create", "--guardian", "G1", "--district", "d1"], db: db)
        #expect(noName.code == 64 && noName.err.contains("--username"))
        #expect(try dump(db) == before)

        // A dry run shows no password and writes nothing.
        let dry = try runBinary(
            [
                "account", "create", "--guardian", "G1", "--username", "jose", "--dry-run", "-o",
                "json", "--district", "d1",
            ], db: db)
        let shown = try json(dry)
        #expect(dry.code == 0 && shown["temporary_password"] as? String == "(dry run)")
        #expect(try dry.err.contains("dry run:") && dump(db) == before)
        // A pending key is revoked by the account that replaces it.
        let key = try json(
            try runBinary(
                ["key", "issue", "--guardian", "G1", "-o", "json", "--district", "d1"], db: db))
        let r = try runBinary(
            [
                "account", "create", "--guardian", "G1", "--username", "Jose.Nunez", "-o", "json",
                "--district", "d1",
            ], db: db)
        #expect(r.code == 0, "\(r.err)")
        let made = try json(r)
        let temporary = try #require(made["temporary_password"] as? String)
        #expect(
            made["username"] as? String == "jose.nunez" && made["must_change"] as? Bool == true
                && made["revoked_keys"] as? Int == 1 && temporary.count >= 15)
        let check = try runBinary(
            ["key", "check", "--district", "d1"], db: db,
            stdin: (key["key"] as? String ?? "") + "\n")
        #expect(check.code == 7 && check.err.contains("replaced by an account the school created"))
        #expect(try login(db, username: "jose.nunez", password: temporary).code == 11)
        let change = try runBinary(
            ["portal", "change-password", "--username", "jose.nunez", "--district", "d1"], db: db,
            stdin: "\(temporary)\nfour quiet harbour lights\n")
        #expect(change.code == 0)
        #expect(
            try login(db, username: "jose.nunez", password: "four quiet harbour lights").code == 0)
        // Never a secret in the audit log.
        let audit = try runBinary(["audit", "list", "--limit", "0", "--district", "d1"], db: db)
        #expect(!audit.out.contains(temporary) && audit.out.contains("created_by_school"))
        // One account per person; a taken username is refused.
        let twice = try runBinary(
            ["account", "create", "--guardian", "G1", "--username", "other", "--district", "d1"],
            db: db)
        #expect(twice.code == 5 && twice.err.contains("jose.nunez"))
        let taken = try runBinary(
            [
                "account", "create", "--student-account", "S1", "--username", "JOSE.NUNEZ",
                "--district", "d1",
            ], db: db)
        #expect(taken.code == 5 && taken.err.contains("taken") && taken.err.contains("hint:"))
        // A student's own account, made by the school.
        let student = try json(
            try runBinary(
                [
                    "account", "create", "--student-account", "S1", "--username-pattern",
                    "{given}.{family}", "-o", "json", "--district", "d1",
                ], db: db))
        #expect(
            student["username"] as? String == "ana.nunez"
                && student["holder"] as? String == "student")
    }

    @Test func inBulkFromAFileWithResultsAndLetters() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        try signAgreements(db, ["G2", "G3", "G4"])
        _ = dir.write(
            "new.csv",
            "guardian_id,username\nG1,jose\n,nobody\nG9,nine\nG3,JOSE\nG4,\"bad name\"\n")
        let letters = dir.file("letters.csv")
        let results = dir.file("results.csv")
        let r = try runBinary(
            [
                "account", "create", "--file", dir.file("new.csv"), "--letters", letters,
                "--results", results, "--district", "d1",
            ], db: db)
        #expect(r.code == 3, "\(r.err)")
        #expect(r.err.contains("new.csv:3: guardian_id: missing"))
        #expect(
            r.err.contains("new.csv:4:") && r.err.contains("new.csv:5: the username jose is taken"))
        #expect(r.err.contains("new.csv:6: the username may only hold"))
        let text = try String(contentsOfFile: letters, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline)
        try #require(lines.count == 2, "\(text)\n\(r.err)")
        #expect(lines[0].hasPrefix("holder,id,name,street"))
        let password = try #require(
            lines[1].split(separator: ",", omittingEmptySubsequences: false).dropLast(2).last.map(
                String.init))
        #expect(!r.out.contains(password), "with --letters, the passwords are only in the file")
        #expect(
            (try FileManager.default.attributesOfItem(atPath: letters)[.posixPermissions]
                as? NSNumber)?.intValue == 0o600)
        let res = try String(contentsOfFile: results, encoding: .utf8)
        #expect(res.hasPrefix("guardian_id,username,username,status,message\r\n"))
        #expect(res.contains("G1,jose,jose,created,") && res.contains("G3,JOSE,,rejected,"))
        #expect(res.contains("G4,bad name,,rejected,"))
        #expect(!res.contains(password))
        #expect(try login(db, username: "jose", password: password).code == 11)

        // A file without the id column is refused before anything is written.
        _ = dir.write("wrong.csv", "person,username\nG1,x\n")
        let before = try dump(db)
        let wrong = try runBinary(
            ["account", "create", "--file", dir.file("wrong.csv"), "--district", "d1"], db: db)
        #expect(
            wrong.code == 65 && wrong.err.contains("guardian_id") && wrong.err.contains("hint:"))
        #expect(try dump(db) == before)
    }

    @Test func everyoneWithoutAnAccountWithUsernamesFromAPattern() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        try signAgreements(db, ["G2", "G3", "G4"])
        for (pattern, why) in [
            ("{given", "not closed"), ("{nickname}.{family}", "not a placeholder"),
            ("parent", "no placeholder"), ("{given} {family}", "may not"),
        ] {
            let r = try runBinary(
                [
                    "account", "create", "--all-without-account", "--username-pattern", pattern,
                    "--yes", "--district", "d1",
                ], db: db)
            #expect(r.code == 64 && r.err.contains(why) && r.err.contains("hint:"), "\(pattern)")
        }
        let noPattern = try runBinary(
            ["account", "create", "--all-without-account", "--yes", "--district", "d1"], db: db)
        #expect(noPattern.code == 64 && noPattern.err.contains("--username-pattern"))
        let noTTY = try runBinary(
            [
                "account", "create", "--all-without-account", "--username-pattern",
                "{given}.{family}", "--district", "d1",
            ], db: db)
        #expect(noTTY.code == 64 && noTTY.err.contains("--yes"))

        let r = try runBinary(
            [
                "account", "create", "--all-without-account", "--username-pattern",
                "{given}.{family}", "--yes", "-o", "jsonl", "--district", "d1",
            ], db: db)
        // G2 is over-18's parent (access ended: skipped); G4's name has no a-z letters.
        let made = r.out.split(separator: "\n").compactMap {
            (try? parseJSON(String($0)) as? [String: Any])?["username"] as? String
        }
        #expect(made == ["jose.nunez", "ann.lee"], "\(r.out) \(r.err)")
        #expect(r.code == 3 && r.err.contains("makes no usable username"))
        #expect(r.err.contains("skipped 1 guardian"))
        // A username that is taken gets a number: Ed and Flo Park, students.
        for (student, expected) in [("S5", "park.kid"), ("S6", "park.kid2")] {
            let made = try runBinary(
                [
                    "account", "create", "--student-account", student, "--username-pattern",
                    "{family}.kid", "-o", "json", "--district", "d1",
                ], db: db)
            #expect((try json(made))["username"] as? String == expected)
        }
    }
}

extension AccountCreateTests {
    /// Students' own accounts in bulk, chosen as for keys: a school, a lowest grade.
    @Test func everyStudentWithoutAnAccountOfAGrade() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        let stray = try runBinary(
            [
                "account", "create", "--all-without-account", "--grade-min", "6",
                "--username-pattern", "{given}.{family}", "--yes", "--district", "d1",
            ], db: db)
        #expect(stray.code == 64 && stray.err.contains("--all-students-without-account"))
        let letters = dir.file("students.csv")
        let r = try runBinary(
            [
                "account", "create", "--all-students-without-account", "--grade-min", "6",
                "--username-pattern", "{given}.{family}", "--letters", letters, "--yes", "-o",
                "jsonl", "--district", "d1",
            ], db: db)
        #expect(r.code == 0, "\(r.err)")
        let made = r.out.split(separator: "\n").compactMap {
            (try? parseJSON(String($0)) as? [String: Any])?["username"] as? String
        }
        #expect(made == ["ana.nunez", "cy.lee", "flo.park"], "\(r.out)")
        #expect(r.err.contains("left out 1 student whose grade"))
        let text = try String(contentsOfFile: letters, encoding: .utf8)
        #expect(text.contains("student,S1,Ana Núñez,12 Main St"), "\(text)")
        let pw = try #require(
            text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("student,S3,") }?.split(
                separator: ",", omittingEmptySubsequences: false
            ).dropLast(2).last.map(String.init))
        #expect(try login(db, username: "cy.lee", password: pw).code == 11)
    }

    /// Passwords are made only for the rows that can have an account: a file of rows that
    /// cannot never costs the hashing (a quarter of a second each).
    @Test func onlyRowsThatCanHaveAnAccountGetAPassword() throws {
        let dir = TempDir()
        let db = try oneChildFamilies(dir, 9)
        var csv = "guardian_id,username\n"
        for i in 0..<9 { csv += "G\(i),parent\(i)\n" }
        for i in 0..<30 { csv += "X\(i),nobody\(i)\n" }
        _ = dir.write("rows.csv", csv)
        let r = try runBinary(
            ["account", "create", "--file", dir.file("rows.csv"), "--district", "d1"], db: db)
        #expect(r.code == 3 && r.err.contains("making 9 temporary passwords"), "\(r.err)")
        #expect(r.err.contains("rows.csv:11: guardian 'X0' not found") && r.err.contains("30 rows"))
        #expect(r.out.split(separator: "\n").count == 10, "a header and the nine accounts")
    }

    /// Hashing many temporary passwords takes minutes: the time is said first, and the count on
    /// a terminal as it goes (never without one).
    @Test func manyPasswordsShowTheirProgressOnATerminal() throws {
        let dir = TempDir()
        let db = try oneChildFamilies(dir, 9)
        let args = [
            "account", "create", "--all-without-account", "--username-pattern", "{given}.{family}",
            "--yes", "--district", "d1", "--dry-run",
        ]
        let shown = runWithTerminalStderr(args, db: db)
        #expect(shown.code == 0, "\(shown.err)")
        #expect(shown.err.contains("making 9 temporary passwords"), "\(shown.err)")
        #expect(shown.err.contains("temporary passwords: ") && shown.err.contains(" hashed, "))
        let piped = try runBinary(args, db: db)
        #expect(
            piped.code == 0 && !piped.err.contains(" hashed, "), "no progress without a terminal")
    }
}

@Suite struct UsernamePatternTests {
    @Test func namesAreFoldedToLowerCaseASCII() throws {
        #expect(UsernamePattern.fold("María José") == "mariajose")
        #expect(UsernamePattern.fold("O'Brien-Smith") == "obriensmith")
        #expect(UsernamePattern.fold("Łukasz Øster") == "lukaszoster")
        #expect(UsernamePattern.fold("李") == "")
        #expect(UsernamePattern.fold("Nguyễn Thị") == "nguyenthi")
    }

    @Test func aTakenUsernameGetsANumber() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        let database = try Database.open(path: db, create: false)
        let p = try UsernamePattern("{given}.{family}")
        let row = Row(
            columns: ["guardian_id", "given_name", "family_name"],
            values: [.text("G5"), .text("Ann"), .text("Lee")])
        #expect(try p.username(for: row, district: "d1", db: database) == "ann.lee")
        try database.execute(
            "INSERT INTO accounts(district_id, username, person_kind, person_id, password_hash, created_at) VALUES ('d1','ann.lee','guardian','G2','x','now'), ('d1','ann.lee2','guardian','G3','x','now')"
        )
        #expect(try p.username(for: row, district: "d1", db: database) == "ann.lee3")
        let dotted = try UsernamePattern("{given}.{middle}.{family}")
        #expect(try dotted.username(for: row, district: "d1", db: database) == "ann.lee3")
    }
}
