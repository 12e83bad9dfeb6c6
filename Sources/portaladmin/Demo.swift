import FoundationEssentials
import PortalKit

#if canImport(Glibc)
    import Glibc
#endif

/// `portaladmin demo`: the whole story on a throw-away database, each step printed as the command
/// a registrar, a script or the portal would run, then run through the same code path.
enum Demo {
    static func run(_ c: Context) throws {
        let keep = c.inv.value("db") != nil
        if keep && c.dryRun {
            throw PortalError.usage(
                "--dry-run with --db: the demo would build and keep a database at that path",
                hint:
                    "leave out --db for a demo that keeps nothing, or --dry-run to keep the database"
            )
        }
        guard let dir = makeTemporaryFolder("/tmp/portaladmin-demo-") else {
            throw PortalError(
                .cannotCreate, "cannot create a temporary folder for the demo",
                hint: "check that /tmp is writable, or pass --db PATH")
        }
        let path = c.inv.value("db") ?? dir + "/demo.db"
        defer {
            if !keep { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
            _ = try? FileManager.default.removeItem(atPath: dir)
        }
        if keep && FileManager.default.fileExists(atPath: path) {
            throw PortalError(
                .conflict, "'\(path)' already exists",
                hint: "the demo builds a new database: pass a new path, or leave out --db")
        }
        let env = c.io.env.merging([
            "PORTALADMIN_DB": path, "PORTALADMIN_OPERATOR": "registrar-demo",
            "PORTALADMIN_DISTRICT": "demo-isd",
        ]) { $1 }
        let day = Zone.localDate(c.io.now, zone: "America/Chicago")
        let today = day.description
        var step = 0

        @discardableResult
        func run(_ title: String, _ args: [String], stdin: String = "", shownStdin: String? = nil)
            throws -> String
        {
            if !title.isEmpty {
                step += 1
                try c.out("\n## \(step). \(title)\n")
            }
            let shown = args.map { $0.contains(" ") || $0.isEmpty ? "\"\($0)\"" : $0 }.joined(
                separator: " ")
            try c.out((shownStdin.map { "$ \($0) | " } ?? "$ ") + "portaladmin " + shown + "\n")
            let out = BufferSink()
            let err = BufferSink()
            let io = IO(
                out: out, err: err, input: StringSource(stdin), stdoutIsTTY: c.io.stdoutIsTTY,
                stderrIsTTY: false,
                stdinIsTTY: false, env: env, now: c.io.now, width: c.io.width)
            let code = CLI.run(args, io: io)
            try c.out(out.text)
            try c.out(err.text.split(separator: "\n").map { "  \($0)\n" }.joined())
            if code != 0 { try c.out("  (exit \(code))\n") }
            return out.text
        }

        try c.out("portaladmin demo: a throw-away database at \(path)\n")
        try run(
            "A district, and its first admin",
            [
                "district", "create", "demo-isd", "--name", "Demo Independent School District",
                "timezone=America/Chicago", "portal_url=https://portal.demo-isd.example", "-q",
            ])
        try run("", ["operator", "add", "registrar-demo", "--role", "admin"])
        try run("", ["operator", "add", "helpdesk-sam", "--role", "helpdesk"])
        try run(
            "A typo in a setting is caught, with the valid keys",
            ["district", "set", "key_ttl_days=14", "aup_versoin=2"])
        try run(
            "A realistic sample district (with known duplicates), imported",
            ["sample", "generate", "--students", "400", "--out", dir + "/sis", "-q"])
        try run("", ["roster", "import", dir + "/sis", "--results", dir + "/results.csv"])
        try run(
            "Importing the same files again changes nothing",
            ["roster", "import", dir + "/sis", "-q"])
        try run("", ["roster", "stats"])

        // Pick a family to follow: a guardian with two children.
        let db = try Database.open(path: path, create: false)
        guard let g = try People.guardian(withStudents: 2, db, district: "demo-isd") else { return }
        let gid = g.id
        try run(
            "The help desk looks a parent up (case and accents do not matter)",
            ["guardian", "find", searchFold(g.familyName), "--limit", "3"])
        try run("", ["guardian", "show", gid])
        try run(
            "No key before the acceptable-use agreement is signed",
            ["key", "issue", "--guardian", gid])
        try run("", ["aup", "sign", "--guardian", gid, "--on", today])
        let issued = try run(
            "",
            ["key", "issue", "--guardian", gid, "--letters", dir + "/letters.csv", "-o", "json"])
        let key =
            issued.split(separator: "\"").drop { $0 != "key" }.dropFirst(2).first.map(String.init)
            ?? ""
        try run(
            "The parent reads the key out over the phone; one character is wrong",
            ["key", "check"],
            stdin: String(key.prefix(5)) + (key.dropFirst(5).first == "7" ? "8" : "7")
                + String(key.dropFirst(6)) + "\n", shownStdin: "echo <key with a typo>")
        try run("", ["key", "check"], stdin: key + "\n", shownStdin: "echo <key>")
        try run(
            "The parent activates the portal account (key and password on stdin, never as arguments)",
            ["portal", "activate", "--username", "demo.parent"],
            stdin: "\(key)\ncorrect horse battery staple\n",
            shownStdin: "printf '<key>\\n<password>\\n'")
        try run("", ["key", "check"], stdin: key + "\n", shownStdin: "echo <key>")
        try run(
            "A wrong password counts towards the lockout",
            ["portal", "login", "--username", "demo.parent"], stdin: "wrong password\n",
            shownStdin: "echo <wrong password>")
        try run("", ["account", "show", "demo.parent"])
        try run(
            "Attendance is off during the 14-day repost window",
            [
                "feature", "disable", "attendance", "--from", today,
                "--until", day.adding(days: 13).description, "--reason",
                "attendance repost window",
            ])
        try run(
            "Why can this parent see (or not see) each child?",
            ["access", "explain", "--guardian", gid])
        try studentSteps(
            run: { try run($0, $1, stdin: $2, shownStdin: $3) }, db: db, guardian: gid, dir: dir,
            today: today)

        try run(
            "Duplicate parents: the reason for \"I see one of my children but not the other\"",
            ["guardian", "duplicates", "--limit", "5"])
        let pairs = try Matcher.guardians(db, district: "demo-isd").filter { $0.level == "likely" }
        if let p = pairs.first {
            try run(
                "Merge the first likely pair (B into A); nothing is lost",
                ["guardian", "merge", p.a, p.b])
            try run("", ["merge", "list"])
            try run("And undo it: exactly as before", ["merge", "undo", "1"])
        }
        try run(
            "Students who turn 18: guardian access ends at the end of that school year",
            ["age18", "scan", "--limit", "5"])
        try run(
            "A court order wins over every other rule",
            [
                "restriction", "add", "--guardian", gid, "--all-students",
                "--reason", "protective order", "--document", "case 26-FA-0001",
            ])
        try run("", ["access", "explain", "--guardian", gid])
        try run(
            "Every change above is in the audit log, a SHA-256 chain",
            ["audit", "list", "--limit", "5"])
        try run("", ["audit", "verify"])
        try c.out(
            keep
                ? "\nThe database is kept at \(path).\n"
                : "\nDone; the demo database was removed (pass --db PATH to keep one).\n")
    }

    /// Students' own accounts (policy 1050 II.D), an account the school creates for a parent
    /// (seed 003) with its forced password change, a feature hidden from students, and a
    /// student who leaves.
    static func studentSteps(
        run: (String, [String], String, String?) throws -> String, db: Database,
        guardian gid: String,
        dir: String, today: String
    ) throws {
        let children = try People.links(db, district: "demo-isd", kind: .guardian, id: gid)
        guard let sid = children.first?.id else { return }
        let issued = try run(
            "A student gets a key for their own account (it shows their record, never a sibling's)",
            ["key", "issue", "--student-account", sid, "-o", "json"], "", nil)
        let key =
            issued.split(separator: "\"").drop { $0 != "key" }.dropFirst(2).first.map(String.init)
            ?? ""
        _ = try run(
            "", ["portal", "activate", "--username", "demo.student"],
            "\(key)\nmy own locker combination\n", "printf '<key>\\n<password>\\n'")
        _ = try run("", ["account", "list", "--holder", "student"], "", nil)
        _ = try run(
            "Discipline is shown to guardians, hidden from students",
            [
                "feature", "disable", "discipline", "--audience", "students", "--reason",
                "discipline notes are for parents",
            ], "", nil)
        _ = try run("", ["access", "explain", "--username", "demo.student"], "", nil)
        if let other = try Keys.withoutAccount(db, district: "demo-isd", now: Date()).first(
            where: { $0 != gid })
        {
            _ = try run(
                "The school creates a parent's account itself; the password must be changed first",
                ["aup", "sign", "--guardian", other, "--on", today, "-q"], "", nil)
            let made = try run(
                "",
                [
                    "account", "create", "--guardian", other, "--username-pattern",
                    "{given}.{family}", "-o", "json",
                ], "", nil)
            let field = { (name: String) in
                made.split(separator: "\"").drop { $0 != name }.dropFirst(2).first.map(String.init)
                    ?? ""
            }
            let user = field("username")
            let temporary = field("temporary_password")
            _ = try run(
                "", ["portal", "login", "--username", user], temporary + "\n",
                "echo <temporary password>")
            _ = try run(
                "", ["portal", "change-password", "--username", user],
                "\(temporary)\nfour quiet harbour lights\n", "printf '<temporary>\\n<new>\\n'")
            _ = try run(
                "", ["portal", "login", "--username", user], "four quiet harbour lights\n",
                "echo <new password>")
        }
        // The SIS sends the withdrawal as one row of students.csv, status inactive.
        let students =
            (try? String(contentsOfFile: dir + "/sis/students.csv", encoding: .utf8)) ?? ""
        let lines = students.split(whereSeparator: \.isNewline)
        if let header = lines.first, let row = lines.first(where: { $0.hasPrefix(sid + ",") }),
            row.hasSuffix(",active")
        {
            let withdrawn = "\(header)\n\(row.dropLast("active".count))inactive\n"
            _ = try run(
                "The student leaves: their account is disabled (and enabled again if they re-enrol)",
                ["roster", "import", "-", "--delta"], withdrawn, "cat withdrawal.csv")
            _ = try run(
                "", ["portal", "login", "--username", "demo.student"],
                "my own locker combination\n",
                "echo <password>")
        }
    }
}
