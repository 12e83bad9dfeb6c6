import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

/// What an attacker or a careless registrar tried on the release build (login storms,
/// spreadsheet formulas, keys lost on the way, hostile files, terminal escapes, weak and
/// staff-chosen passwords, debris after a full disk, options that clash), each with a test that
/// fails on the code before the fix.
@Suite struct LoginStormTests {
    /// 24 logins at once (12 wrong passwords for one account, 12 made-up usernames) and a
    /// registrar's write among them: no one is told "busy", and the account locks at exactly
    /// the threshold. Hashing happens outside the write lock.
    @Test func aLoginStormKeepsWritersGoingAndCountsExactly() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        #expect(
            try activate(
                db, key: key, username: "jose", password: "correct horse battery staple"
            ).code == 0)
        var runs: [(args: [String], stdin: String)] = []
        for i in 0..<24 {
            let user = i % 2 == 0 ? "jose" : "nobody\(i)"
            runs.append(
                (["portal", "login", "--username", user, "--district", "d1"], "wrong \(i)\n"))
            if i == 12 {
                runs.append(
                    (
                        [
                            "feature", "disable", "grades", "--reason", "end of term",
                            "--district", "d1",
                        ], ""
                    ))
            }
        }
        let results = try runConcurrently(runs, db: db, env: ["PORTALADMIN_OPERATOR": "root"])
        #expect(!results.contains { $0.code == 75 }, "\(results.map(\.err))")
        #expect(results[13].code == 0, "the registrar's write: \(results[13].err)")
        let logins = results.enumerated().filter { $0.offset != 13 }.map(\.element)
        #expect(logins.allSatisfy { $0.code == 8 || $0.code == 9 })
        let show = try runBinary(
            ["account", "show", "jose", "-o", "json", "--district", "d1"], db: db)
        let j = try #require(try parseJSON(show.out) as? [String: Any])
        #expect(j["failed_count"] as? Int == 5, "locked at exactly the threshold: \(show.out)")
        #expect(j["status"] as? String == "locked")
        let verify = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(verify.code == 0)
    }
}

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

@Suite struct SecretsOnlyAfterCommitTests {
    /// A district of `n` guardians who may all be given a key, the database checkpointed so that
    /// the next write grows the files.
    func bigDistrict(_ dir: TempDir, _ n: Int) throws -> String {
        let db = try makeDistricts(dir)
        var g = "guardian_id,given_name,family_name,street,city,state,postcode\n"
        var s = "student_id,given_name,family_name\n"
        var l = "guardian_id,student_id\n"
        for i in 0..<n {
            g += "G\(i),Given\(i),Family\(i),\(i) Main St,Hutchinson,MN,55350\n"
            s += "S\(i),Kid\(i),Family\(i)\n"
            l += "G\(i),S\(i)\n"
        }
        _ = dir.write("big/guardians.csv", g)
        _ = dir.write("big/students.csv", s)
        _ = dir.write("big/relationships.csv", l)
        #expect(
            try runBinary(["roster", "import", dir.file("big"), "--district", "d1"], db: db).code
                == 0)
        #expect(
            try runBinary(["district", "set", "aup_required=false", "--district", "d1"], db: db)
                .code == 0)
        return db
    }

    /// The commit fails (the files may not grow: as on a full disk): exit 74 with a message,
    /// no letters file, no key on standard output, nothing stored.
    @Test func aFailedCommitLeavesNoLettersAndShowsNoKey() throws {
        let dir = TempDir()
        let db = try bigDistrict(dir, 1500)
        let before = try dump(db)
        _ = try runShell("sqlite3 \(db) 'PRAGMA wal_checkpoint(TRUNCATE)'", db: db)
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
        let r = try runLimited(
            "ulimit -f \(size / 1024 + 64)",
            [
                "key", "issue", "--all-without-account", "--yes", "--letters",
                dir.file("letters.csv"), "--district", "d1",
            ], db: db)
        #expect(r.code == 74, "\(r.code) \(r.err)")
        #expect(r.err.contains("error:") && r.err.contains("hint:"))
        #expect(r.err.contains("size limit") || r.err.contains("disk is full"), "\(r.err)")
        #expect(r.out.isEmpty, "no key shown")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!left.contains { $0.hasPrefix("letters.csv") }, "\(left)")
        #expect(try dump(db) == before)
    }

    /// A letters file is never replaced without --yes (it may be the only copy of keys
    /// already mailed), and a dry run writes no file at all.
    @Test func lettersAreNeverReplacedSilentlyAndADryRunWritesNone() throws {
        let dir = TempDir()
        let db = try bigDistrict(dir, 3)
        let letters = dir.write("letters.csv", "the only copy\n")
        let refused = try runBinary(
            ["key", "issue", "--guardian", "G1", "--letters", letters, "--district", "d1"], db: db)
        #expect(refused.code == 64 && refused.err.contains("--yes") && refused.out.isEmpty)
        #expect(try String(contentsOfFile: letters, encoding: .utf8) == "the only copy\n")
        #expect(!(try dump(db)).contains { $0.hasPrefix("activation_keys:") })
        let dry = try runBinary(
            [
                "key", "issue", "--guardian", "G1", "--letters", dir.file("dry.csv"), "--dry-run",
                "--district", "d1",
            ], db: db)
        #expect(dry.code == 0 && !FileManager.default.fileExists(atPath: dir.file("dry.csv")))
        #expect(dry.err.contains("no portal_url"), "letters without a portal address are warned of")
        let replaced = try runBinary(
            [
                "key", "issue", "--guardian", "G1", "--letters", letters, "--yes", "--district",
                "d1",
            ],
            db: db)
        #expect(replaced.code == 0)
        let text = try String(contentsOfFile: letters, encoding: .utf8)
        #expect(text.hasPrefix("guardian_id,name") && text.contains("G1,Given1 Family1"))
        let mode =
            (try FileManager.default.attributesOfItem(atPath: letters)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // The same rule for the audit export.
        let audit = dir.write("audit.jsonl", "kept\n")
        let again = try runBinary(["audit", "export", "--out", audit, "--district", "d1"], db: db)
        let kept = try String(contentsOfFile: audit, encoding: .utf8)
        #expect(again.code == 64 && kept == "kept\n")
    }

    /// No command option shares a name with a global one (`aup sign --version` printed the
    /// version and recorded nothing).
    @Test func noCommandOptionSharesANameWithAGlobalOne() throws {
        let globals = Globals.all
        for command in CommandTable.main.commands {
            for o in command.options {
                #expect(!globals.contains { $0.long == o.long }, "\(command.name) --\(o.long)")
                if let s = o.short {
                    #expect(!globals.contains { $0.short == s }, "\(command.name) -\(s)")
                }
            }
        }
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let r = try runBinary(
            [
                "aup", "sign", "--guardian", "G3", "--on", "2026-09-01", "--agreement-version", "1",
                "--district", "d1",
            ], db: db)
        #expect(r.code == 0 && !r.out.contains("portaladmin 0."))
        #expect(try dump(db).contains { $0.hasPrefix("aup_signatures: d1|G3|1|2026-09-01") })
    }
}

@Suite struct HostileFileTests {
    @Test func onlyRegularFilesAreRead() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        try FileManager.default.createDirectory(
            atPath: dir.file("fifo"), withIntermediateDirectories: true)
        #expect(mkfifo(dir.file("fifo/guardians.csv"), 0o600) == 0)
        let r = try runBinary(["roster", "import", dir.file("fifo"), "--district", "d1"], db: db)
        #expect(r.code == 66 && r.err.contains("not a regular file") && r.err.contains("hint:"))
        try FileManager.default.createDirectory(
            atPath: dir.file("dev"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("dev/guardians.csv"), withDestinationPath: "/dev/zero")
        let zero = try runBinary(["roster", "import", dir.file("dev"), "--district", "d1"], db: db)
        #expect(zero.code == 66)
        let pw = try runBinary(
            ["account", "reset", "nobody", "--password-file", "/dev/zero", "--district", "d1"],
            db: db)
        #expect(pw.code == 66 || pw.code == 4)
    }

    @Test func tooLongFieldsAndImplausibleDatesAreBadValues() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let long = String(repeating: "a", count: 300)
        let huge = String(repeating: "b", count: 40_000)
        _ = dir.write(
            "b/guardians.csv",
            "guardian_id,given_name,family_name,birth_date\nG1,\(long),Lee,\nG2,Ann,\(huge),\nG3,Bo,Lee,9999-12-31\nG4,Cy,Lee,1900-01-01\nG5,Di,Lee,1980-02-29\n"
        )
        let r = try runBinary(["roster", "import", dir.file("b"), "--district", "d1"], db: db)
        #expect(r.code == 3)
        #expect(r.err.contains("guardians.csv:2: given_name: too long"))
        #expect(r.err.contains("guardians.csv:3: family_name: too long"))
        #expect(r.err.contains("guardians.csv:4: birth_date: not a plausible birth date"))
        #expect(r.err.contains("guardians.csv:5: birth_date: not a plausible birth date"))
        #expect(!r.err.contains(":6:"))
        _ = dir.write("h/guardians.csv", "guardian_id," + huge + "\nG1,Ann\n")
        let header = try runBinary(["roster", "import", dir.file("h"), "--district", "d1"], db: db)
        #expect(header.code == 65 && header.err.contains("guardians.csv:1: header: too long"))
    }

    /// An endless line or a quote that never closes costs a bounded amount of memory.
    @Test func memoryStaysBoundedOnEndlessRecords() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/time"),
            "GNU time measures the peak memory (installed by scripts/setup.sh)")
        let dir = TempDir()
        let db = try makeDistricts(dir)
        try FileManager.default.createDirectory(
            atPath: dir.file("q"), withIntermediateDirectories: true)
        let path = dir.file("q/guardians.csv")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.write(Data("guardian_id,given_name,family_name\nG1,\"Ann,Lee\n".utf8))
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<40 { h.write(chunk) }
        try h.close()
        let r = try runShell(
            "/usr/bin/time -f 'peak %M' '\(binaryPath)' roster import '\(dir.file("q"))' --district d1",
            db: db)
        #expect(r.code == 3, "\(r.err)")
        #expect(r.err.contains("guardians.csv:2: given_name: too long"))
        let peak = r.err.split(separator: "\n").last { $0.hasPrefix("peak ") }.flatMap {
            Int($0.dropFirst(5))
        }
        #expect((peak ?? .max) < 150_000, "peak \(peak ?? -1) KB")
    }

    /// OneRoster users with no role at all, and one relationship: no crash.
    @Test func aOneRosterBundleWithoutRolesDoesNotCrash() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "or/users.csv", "sourcedId,status,givenName,familyName\nu1,active,Ann,Lee\n")
        _ = dir.write(
            "or/relationships.csv",
            "sourcedId,userSourcedId,relationshipUserSourcedId,relationshipRole\nr1,u1,u2,parent\n")
        let r = try runBinary(
            ["roster", "import", dir.file("or"), "--format", "oneroster", "--district", "d1"],
            db: db)
        #expect(r.code == 0, "\(r.code) \(r.err)")
    }

    /// Terminal escapes and bidi overrides are refused at import; any already stored are shown
    /// escaped, never sent raw to the help desk's terminal.
    @Test func controlCharactersAreRefusedAndEscapedOnOutput() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "e/guardians.csv",
            "guardian_id,given_name,family_name,city\nG1,Ann\u{1b}]0;owned\u{07},Lee,\nG2,Bo,Lee\u{1b}[2J,\nG3,Cy,\u{202e}eeL,\nG4,Di,Lee,Hutch\u{85}inson\nG5,Ed,Lee,Tab\tCity\n"
        )
        let r = try runBinary(["roster", "import", dir.file("e"), "--district", "d1"], db: db)
        #expect(r.code == 3)
        #expect(r.err.contains("guardians.csv:2: given_name: holds a control character"))
        #expect(r.err.contains("guardians.csv:3: family_name: holds a control character"))
        #expect(r.err.contains("guardians.csv:4: family_name: holds a control character"))
        #expect(r.err.contains("guardians.csv:5: city: holds a control character"))
        #expect(!r.err.contains(":6:") && !r.err.contains("\u{1b}"))
        // A value stored before the rule (written here behind the tool's back).
        let handle = try Database(path: db, create: false)
        try handle.run(
            "UPDATE guardians SET given_name = ? WHERE district_id = 'd1' AND guardian_id = 'G5'",
            [.text("Ed\u{1b}[2J\u{202e}")])
        for format in ["text", "tsv", "csv"] {
            let show = try runBinary(
                ["guardian", "list", "-o", format, "--district", "d1"], db: db)
            #expect(!show.out.contains("\u{1b}") || format != "text", "\(format)")
        }
        let text = try runBinary(["guardian", "show", "G5", "--district", "d1"], db: db)
        #expect(!text.out.contains("\u{1b}") && text.out.contains("Ed\\u{1B}[2J\\u{202E}"))
    }
}

@Suite struct PasswordHardeningTests {
    @Test func weakPasswordsAreRefusedWithAReason() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        for (pw, why) in [
            ("aaaaaaaaaaaaaaa", "same few characters"), ("123456789012345", "sequence"),
            ("passwordpassword", "over and over"), ("qwertyuiopasdfgh", "sequence"),
            ("abcdefghijklmnop", "sequence"), ("               ", "same few characters"),
            ("jose nunez 2024 2024", "built from names"),
        ] {
            let r = try activate(db, key: key, username: "parent7", password: pw)
            #expect(r.code == 65, "\(pw): \(r.err)")
            #expect(r.err.contains(why) && r.err.contains("hint:"), "\(pw): \(r.err)")
        }
        #expect(
            try activate(db, key: key, username: "jose", password: "purple elephants dance at noon")
                .code == 0)
    }
}

@Suite struct FullDiskTests {
    /// Under a file-size limit the process is not killed by SIGXFSZ: the write error becomes
    /// exit 74 with a message, and no partial results file is left.
    @Test func aFileSizeLimitIsAnIOErrorAndLeavesNoPartialFile() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = try runShell("sqlite3 \(db) 'PRAGMA wal_checkpoint(TRUNCATE)'", db: db)
        var g = "guardian_id,given_name,family_name,street,city\n"
        for i in 0..<6000 {
            g += "G\(i),Given\(i),Family\(i),\(i) Long Street Name Avenue,Hutchinson\n"
        }
        _ = dir.write("in/guardians.csv", g)
        let before = try dump(db)
        try FileManager.default.createDirectory(
            atPath: dir.file("out"), withIntermediateDirectories: true)
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
        let r = try runLimited(
            "ulimit -f \(size / 1024 + 200)",
            [
                "roster", "import", dir.file("in"), "--results", dir.file("out/results.csv"),
                "--district", "d1",
            ], db: db)
        #expect(r.code == 74, "\(r.code) \(r.err)")
        #expect(r.err.contains("error:") && r.err.contains("hint:"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).isEmpty)
        #expect(try dump(db) == before)
    }
}

@Suite struct HiddenCommandTests {
    /// A hidden command parses, but a typo is never answered with it.
    @Test func hiddenCommandsAreNeverSuggested() throws {
        let r = try runBinary(["man"])
        #expect(r.code == 64 && r.err.contains("unknown command") && !r.err.contains("__man"))
        let near = try runBinary(["distrct", "list"])
        #expect(near.code == 64 && near.err.contains("did you mean 'district'?"))
    }
}
