import Foundation
import Testing

@testable import PortalKit

/// A district for students' own accounts: two schools, grades spelled as SIS exports spell
/// them, one student over 18, a household address for the letters. G1 (signed the agreement)
/// has S1 and S2; G2 (not signed) has S3.
func studentDistrict(_ dir: TempDir) throws -> String {
    let db = try makeDistricts(dir)
    _ = dir.write("sis/schools.csv", "school_id,name\nN,North Middle\nS,South High\n")
    _ = dir.write(
        "sis/guardians.csv",
        "guardian_id,given_name,family_name,email,street,city,state,postcode,household_id\nG1,José,Núñez,jose@example.com,12 Main St,Hutchinson,MN,55350,H1\nG2,Ann,Lee,ann@example.com,,,,,\nG3,Ann,Lee,ann.lee@example.com,,,,,\nG4,李,明,li@example.com,,,,,\n"
    )
    _ = dir.write(
        "sis/students.csv",
        """
        student_id,given_name,family_name,birth_date,grade,school_id,household_id,status
        S1,Ana,Núñez,2013-05-02,07,N,H1,active
        S2,Luis,Núñez,2020-01-09,K,N,H1,active
        S3,Cy,Lee,2007-02-01,12th,S,,active
        S4,Di,Park,2012-03-03,UG,N,,active
        S5,Ed,Park,2019-03-03,PK,N,,active
        S6,Flo,Park,2014-03-03,Grade 6,S,,active

        """)
    _ = dir.write(
        "sis/relationships.csv",
        "guardian_id,student_id,portal_access\nG1,S1,yes\nG1,S2,yes\nG2,S3,yes\nG3,S4,yes\nG4,S5,yes\n"
    )
    _ = dir.write(
        "sis/households.csv",
        "household_id,street,city,state,postcode\nH1,12 Main St,Hutchinson,MN,55350\n")
    let r = try runBinary(["roster", "import", dir.file("sis"), "--district", "d1"], db: db)
    #expect(r.code == 0, "\(r.err)")
    #expect(
        try runBinary(
            ["aup", "sign", "--guardian", "G1", "--on", "2026-09-01", "--district", "d1"], db: db
        ).code == 0)
    return db
}

private func json(_ r: RunResult) throws -> [String: Any] {
    try #require(try parseJSON(r.out) as? [String: Any], "\(r.out) \(r.err)")
}

private func rows(_ r: RunResult) throws -> [[String: Any]] {
    try r.out.split(separator: "\n").map {
        try #require(try parseJSON(String($0)) as? [String: Any])
    }
}

/// A student's key and activation: the account sees that student only.
private func studentAccount(_ db: String, _ student: String, _ username: String) throws {
    let issued = try json(
        try runBinary(
            ["key", "issue", "--student-account", student, "-o", "json", "--district", "d1"],
            db: db))
    let key = try #require(issued["key"] as? String)
    let made = try activate(
        db, key: key, username: username, password: "my own locker combination")
    #expect(made.code == 0, "\(made.err)")
}

@Suite struct StudentAccountTests {
    @Test func aStudentKeyMakesAnAccountThatSeesThatStudentOnly() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        let r = try runBinary(
            ["key", "issue", "--student-account", "S1", "-o", "json", "--district", "d1"], db: db)
        let issued = try json(r)
        #expect(issued["holder"] as? String == "student" && issued["student_id"] as? String == "S1")
        #expect(issued["guardian_id"] == nil)
        #expect(
            (issued["students"] as? [[String: Any]])?.compactMap { $0["student_id"] as? String }
                == ["S1"], "never a sibling")
        let key = try #require(issued["key"] as? String)
        let check = try json(
            try runBinary(
                ["key", "check", "-o", "json", "--district", "d1"], db: db, stdin: key + "\n"))
        #expect(
            check["answer"] as? String == "valid" && check["holder"] as? String == "student"
                && check["student_id"] as? String == "S1"
                && check["student_name"] as? String == "Ana Núñez")
        let made = try runBinary(
            ["portal", "activate", "--username", "ana.n", "-o", "json", "--district", "d1"],
            db: db, stdin: "\(key)\nmy own locker combination\n")
        #expect(made.code == 0 && made.err.contains("the student can log in now"))
        #expect(try json(made)["student_id"] as? String == "S1")
        #expect(try login(db, username: "ana.n", password: "my own locker combination").code == 0)

        let show = try json(
            try runBinary(["account", "show", "ana.n", "-o", "json", "--district", "d1"], db: db))
        #expect(
            show["holder"] as? String == "student" && show["student_id"] as? String == "S1"
                && show["guardian_id"] == nil && show["name"] as? String == "Ana Núñez")
        let text = try runBinary(["account", "show", "ana.n", "--district", "d1"], db: db)
        #expect(text.out.contains("holder:") && text.out.contains("student id:"))

        let explain = try json(
            try runBinary(
                ["access", "explain", "--username", "ana.n", "-o", "json", "--district", "d1"],
                db: db))
        let seen = try #require(explain["students"] as? [[String: Any]])
        #expect(seen.compactMap { $0["student_id"] as? String } == ["S1"], "never a sibling")
        #expect(
            seen.first?["visible"] as? Bool == true && explain["holder"] as? String == "student")
        let other = try runBinary(
            ["access", "explain", "--username", "ana.n", "--student", "S2", "--district", "d1"],
            db: db)
        #expect(other.code == 64 && other.err.contains("sees only their own record"))

        let record = try json(
            try runBinary(["student", "show", "S1", "-o", "json", "--district", "d1"], db: db))
        #expect(
            record["username"] as? String == "ana.n"
                && record["account_status"] as? String == "active")
        let sibling = try json(
            try runBinary(["student", "show", "S2", "-o", "json", "--district", "d1"], db: db))
        #expect(sibling["account_status"] as? String == "no account")
        // The help desk finds a forgotten username of a student too; a sibling without an
        // account is no answer.
        let whois = try rows(
            try runBinary(
                ["account", "whois", "--name", "núñez", "-o", "jsonl", "--district", "d1"], db: db))
        #expect(
            whois.map { "\($0["holder"] ?? "") \($0["person_id"] ?? "") \($0["username"] ?? "-")" }
                == ["guardian G1 <null>", "student S1 ana.n"], "\(whois)")
        // One account per student: a second key is refused, naming the login.
        let again = try runBinary(
            ["key", "issue", "--student-account", "S1", "--district", "d1"], db: db)
        #expect(again.code == 5 && again.err.contains("ana.n") && again.err.contains("hint:"))
        // The guardian still gets a key for both children; the student's account is not theirs.
        let parent = try json(
            try runBinary(
                ["key", "issue", "--guardian", "G1", "-o", "json", "--district", "d1"], db: db))
        #expect((parent["students"] as? [Any])?.count == 2)

        // Lists by holder.
        let students = try rows(
            try runBinary(
                ["account", "list", "--holder", "student", "-o", "jsonl", "--district", "d1"],
                db: db))
        #expect(students.compactMap { $0["username"] as? String } == ["ana.n"])
        let never = try rows(
            try runBinary(
                [
                    "account", "list", "--status", "never-activated", "--holder", "guardian",
                    "-o", "jsonl", "--district", "d1",
                ], db: db))
        #expect(never.compactMap { $0["person_id"] as? String } == ["G1"])
        let typo = try runBinary(
            ["account", "list", "--holder", "students", "--district", "d1"], db: db)
        #expect(typo.code == 64 && typo.err.contains("hint:"))
        let keys = try rows(
            try runBinary(
                ["key", "list", "--student", "S1", "-o", "jsonl", "--district", "d1"], db: db))
        #expect(
            keys.count == 1 && keys[0]["holder"] as? String == "student"
                && keys[0]["status"] as? String == "used")
    }

    @Test func aStudentAccountHasTheWholeLifecycle() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        #expect(
            try runBinary(["district", "set", "lockout_threshold=2", "--district", "d1"], db: db)
                .code == 0)
        try studentAccount(db, "S3", "cy.lee")
        #expect(try login(db, username: "cy.lee", password: "wrong guess").code == 8)
        #expect(try login(db, username: "cy.lee", password: "wrong again").code == 9)
        #expect(
            try runBinary(["account", "unlock", "cy.lee", "--district", "d1"], db: db).code == 0)
        #expect(try login(db, username: "cy.lee", password: "my own locker combination").code == 0)
        let reset = try json(
            try runBinary(["account", "reset", "cy.lee", "-o", "json", "--district", "d1"], db: db))
        let temporary = try #require(reset["temporary_password"] as? String)
        #expect(try login(db, username: "cy.lee", password: temporary).code == 11)
        #expect(
            try runBinary(
                [
                    "account", "disable", "cy.lee", "--reason", "shared password", "--district",
                    "d1",
                ],
                db: db
            ).code == 0)
        #expect(try login(db, username: "cy.lee", password: temporary).code == 10)
        #expect(
            try runBinary(
                ["account", "enable", "cy.lee", "--reason", "talked to", "--district", "d1"], db: db
            ).code == 0)
        // A new key for a student's own account, too.
        let newKey = try json(
            try runBinary(
                ["account", "reset", "cy.lee", "--new-key", "-o", "json", "--district", "d1"],
                db: db))
        #expect(newKey["holder"] as? String == "student" && newKey["student_id"] as? String == "S3")
        // Age 18 ends the guardian's access (S3 was born 2007), never the student's own.
        let own = try json(
            try runBinary(
                ["access", "explain", "--username", "cy.lee", "-o", "json", "--district", "d1"],
                db: db))
        let checks = try #require(
            (own["students"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        #expect(
            checks.contains {
                $0["rule"] as? String == "age 18" && $0["ok"] as? Bool == true
            })
        let parent = try json(
            try runBinary(
                ["access", "explain", "--guardian", "G2", "-o", "json", "--district", "d1"],
                db: db))
        #expect(
            (parent["students"] as? [[String: Any]])?.first?["decided_by"] as? String == "age 18")
    }

    @Test func theSchoolsStudentsWithoutAccountBySchoolAndGrade() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        let before = try dump(db)
        let bad = try runBinary(
            [
                "key", "issue", "--all-students-without-account", "--grade-min", "sixth",
                "--yes", "--district", "d1",
            ], db: db)
        #expect(bad.code == 64 && bad.err.contains("'sixth'") && bad.err.contains("hint:"))
        let stray = try runBinary(
            ["key", "issue", "--guardian", "G1", "--grade-min", "6", "--district", "d1"], db: db)
        #expect(stray.code == 64 && stray.err.contains("--all-students-without-account"))
        let noSchool = try runBinary(
            [
                "key", "issue", "--all-students-without-account", "--school", "Q", "--yes",
                "--district", "d1",
            ], db: db)
        #expect(noSchool.code == 4)
        #expect(try dump(db) == before, "nothing written")

        let letters = dir.file("student-letters.csv")
        let r = try runBinary(
            [
                "key", "issue", "--all-students-without-account", "--school", "N", "--grade-min",
                "K", "--letters", letters, "--yes", "-o", "jsonl", "--district", "d1",
            ], db: db)
        #expect(r.code == 0, "\(r.err)")
        // N holds S1 (07), S2 (K), S4 (UG: left out and said), S5 (PK: below K).
        #expect(try rows(r).compactMap { $0["student_id"] as? String } == ["S1", "S2"])
        #expect(r.err.contains("left out 1 student whose grade"))
        let text = try String(contentsOfFile: letters, encoding: .utf8)
        #expect(text.hasPrefix("student_id,name,grade,school,street"))
        #expect(text.contains("S1,Ana Núñez,07,North Middle,12 Main St,,Hutchinson,MN,55350,"))
        let mode = try FileManager.default.attributesOfItem(atPath: letters)[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
        // Those with a pending key are not served twice; grade 6 and above across schools.
        let next = try runBinary(
            [
                "key", "issue", "--all-students-without-account", "--grade-min", "6", "--yes",
                "-o", "jsonl", "--district", "d1",
            ], db: db)
        #expect(try rows(next).compactMap { $0["student_id"] as? String } == ["S3", "S6"])
        let none = try runBinary(
            [
                "key", "issue", "--all-students-without-account", "--grade-min", "6", "--yes",
                "--district", "d1",
            ], db: db)
        #expect(
            none.code == 0
                && none.err.contains(
                    "nothing to do: no enrolled student in grade 6 or above is without an account")
        )
    }

    @Test func enrolmentEndsAccessEndsAndReenrolmentBringsItBack() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        try studentAccount(db, "S1", "ana.n")
        try studentAccount(db, "S6", "flo.p")
        #expect(
            try runBinary(
                ["account", "disable", "flo.p", "--reason", "misuse", "--district", "d1"], db: db
            ).code == 0)
        let pending = try json(
            try runBinary(
                ["key", "issue", "--student-account", "S5", "-o", "json", "--district", "d1"],
                db: db))
        let pendingKey = try #require(pending["key"] as? String)
        let header = "student_id,given_name,family_name,grade,school_id,status\n"
        _ = dir.write(
            "leave/students.csv",
            header
                + "S1,Ana,Núñez,07,N,inactive\nS5,Ed,Park,PK,N,inactive\nS6,Flo,Park,6,S,inactive\n"
        )
        let left = try runBinary(
            ["roster", "import", dir.file("leave"), "--delta", "--district", "d1"], db: db)
        #expect(left.code == 0, "\(left.err)")
        #expect(left.err.contains("disabled 1 student account and revoked 1 pending student key"))
        #expect(try login(db, username: "ana.n", password: "my own locker combination").code == 10)
        let show = try json(
            try runBinary(["account", "show", "ana.n", "-o", "json", "--district", "d1"], db: db))
        #expect(show["status_reason"] as? String == "the student is no longer enrolled")
        let revoked = try runBinary(
            ["key", "check", "--district", "d1"], db: db, stdin: pendingKey + "\n")
        #expect(revoked.code == 7)
        let enable = try runBinary(
            ["account", "enable", "ana.n", "--reason", "asked", "--district", "d1"], db: db)
        #expect(
            enable.code == 5 && enable.err.contains("not enrolled") && enable.err.contains("hint:"))
        let audit = try runBinary(
            ["audit", "list", "--target", "account:ana.n", "-o", "jsonl", "--district", "d1"],
            db: db)
        #expect(audit.out.contains("the student is no longer enrolled"))

        _ = dir.write(
            "back/students.csv",
            header + "S1,Ana,Núñez,07,N,active\nS6,Flo,Park,6,S,active\n")
        let back = try runBinary(
            ["roster", "import", dir.file("back"), "--delta", "--district", "d1"], db: db)
        #expect(back.code == 0 && back.err.contains("enabled 1 student account again"))
        #expect(try login(db, username: "ana.n", password: "my own locker combination").code == 0)
        #expect(
            try login(db, username: "flo.p", password: "my own locker combination").code == 10,
            "a login a registrar disabled stays disabled")
        let again = try runBinary(
            ["audit", "list", "--target", "account:ana.n", "-o", "jsonl", "--district", "d1"],
            db: db)
        #expect(again.out.contains("the student is enrolled again"))
    }

    /// A SIS may number guardians and students alike: a student's login never takes over the
    /// username of the guardian who bears the same id.
    @Test func aGuardianAndAStudentOfOneIdKeepTheirOwnLogins() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write("same/guardians.csv", "guardian_id,given_name,family_name\n1001,Ruth,Berg\n")
        _ = dir.write("same/students.csv", "student_id,given_name,family_name\n1001,Ivy,Berg\n")
        _ = dir.write("same/relationships.csv", "guardian_id,student_id\n1001,1001\n")
        #expect(
            try runBinary(["roster", "import", dir.file("same"), "--district", "d1"], db: db).code
                == 0)
        #expect(
            try runBinary(["district", "set", "aup_required=false", "--district", "d1"], db: db)
                .code == 0)
        let parent = try json(
            try runBinary(
                ["key", "issue", "--guardian", "1001", "-o", "json", "--district", "d1"], db: db))
        #expect(
            try activate(
                db, key: parent["key"] as? String ?? "", username: "berg.family",
                password: "my own locker combination"
            ).code == 0)
        let own = try json(
            try runBinary(
                ["key", "issue", "--student-account", "1001", "-o", "json", "--district", "d1"],
                db: db))
        let taken = try activate(
            db, key: own["key"] as? String ?? "", username: "berg.family",
            password: "another locker combination")
        #expect(taken.code == 5 && taken.err.contains("is taken"), "\(taken.err)")
        let made = try runBinary(
            [
                "account", "create", "--student-account", "1001", "--username", "BERG.FAMILY",
                "--district", "d1",
            ], db: db)
        #expect(made.code == 5 && made.err.contains("is taken"), "\(made.err)")
        #expect(
            try login(db, username: "berg.family", password: "my own locker combination").code == 0)
    }

    @Test func featuresPerAudience() throws {
        let dir = TempDir()
        let db = try studentDistrict(dir)
        try studentAccount(db, "S1", "ana.n")
        let typo = try runBinary(
            [
                "feature", "disable", "discipline", "--audience", "kids", "--reason", "x",
                "--district", "d1",
            ], db: db)
        #expect(typo.code == 64 && typo.err.contains("hint:"))
        let off = try runBinary(
            [
                "feature", "disable", "discipline", "--audience", "students", "--reason",
                "for parents", "--district", "d1",
            ], db: db)
        #expect(off.code == 0 && off.err.contains("for students"))
        let list = try rows(
            try runBinary(["feature", "list", "-o", "jsonl", "--district", "d1"], db: db))
        let discipline = list.filter { $0["feature"] as? String == "discipline" }
        #expect(
            discipline.map { "\($0["audience"] ?? "")=\($0["enabled"] ?? "")" }
                == ["guardians=1", "students=0"])
        #expect(
            list.first { $0["feature"] as? String == "grades" }?["audience"] as? String == "all")
        let asStudents = try rows(
            try runBinary(
                ["feature", "list", "--audience", "students", "-o", "jsonl", "--district", "d1"],
                db: db))
        #expect(asStudents.count == 9)
        let student = try runBinary(
            ["access", "explain", "--username", "ana.n", "--district", "d1"], db: db)
        #expect(
            student.out.contains(
                "features off for students: discipline (district, for students: for parents)"))
        let parent = try runBinary(
            ["access", "explain", "--guardian", "G1", "--district", "d1"], db: db)
        #expect(parent.out.contains("features off for guardians: none"))
        let history = try rows(
            try runBinary(["feature", "history", "-o", "jsonl", "--district", "d1"], db: db))
        #expect(history.first?["audience"] as? String == "students")
        // An 'all' rule that is newer wins for both audiences.
        #expect(
            try runBinary(
                [
                    "feature", "enable", "discipline", "--reason", "open to all", "--district",
                    "d1",
                ], db: db
            ).code == 0)
        let after = try rows(
            try runBinary(["feature", "list", "-o", "jsonl", "--district", "d1"], db: db))
        #expect(after.filter { $0["feature"] as? String == "discipline" }.count == 1)
    }
}
