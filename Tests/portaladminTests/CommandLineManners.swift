import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct CommandLineManners {
    /// A key or a password typed as an argument is refused with why and how to give it, and
    /// never echoed back.
    @Test func aSecretOnTheCommandLineIsExplainedNotEchoed() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for args in [
            ["key", "check", "7KQ2-M9XD-SECRET"], ["key", "check", "--key", "7KQ2-M9XD-SECRET"],
            ["key", "check", "--key=7KQ2-M9XD-SECRET"],
            ["portal", "login", "--username", "ann", "--password", "7KQ2-M9XD-SECRET"],
            ["portal", "activate", "--username", "ann", "7KQ2-M9XD-SECRET"],
        ] {
            let r = try runBinary(args + ["--district", "d1"], db: db)
            #expect(r.code == 64, "\(args)")
            #expect(r.err.contains("is never given on the command line"), "\(args): \(r.err)")
            #expect(r.err.contains("hint: run '") && r.err.contains("or pipe it"))
            #expect(!r.err.contains("SECRET") && !r.out.contains("SECRET"), "never echoed")
        }
    }

    /// "Did you mean" knows the words people type for the tool's own.
    @Test func suggestionsKnowSynonymsAndShortWordsNeedOneSlip() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for (args, suggestion) in [
            (["district", "new", "x"], "did you mean 'create'?"),
            (["guardian", "search", "ann"], "did you mean 'find'?"),
            (["parent", "find", "ann"], "did you mean 'guardian'?"),
            (["key", "rm", "1"], "did you mean 'revoke'?"),
            (["student", "view", "S1"], "did you mean 'show'?"),
        ] {
            let r = try runBinary(args + ["--district", "d1"], db: db)
            #expect(r.code == 64 && r.err.contains(suggestion), "\(args): \(r.err)")
        }
        let key = try runBinary(["aup", "sign", "--key", "--district", "d1"], db: db)
        #expect(
            key.code == 64 && !key.err.contains("did you mean"),
            "'--key' is not '--yes': \(key.err)")
    }

    /// A verb typed without its noun (`portaladmin import b`) names the commands it ends;
    /// a word that is no verb gets the nearest noun, as before.
    @Test func aVerbWithoutItsNounNamesTheCommandsItEnds() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        for (args, hint) in [
            (["import", "b"], "hint: did you mean 'roster import'? see 'portaladmin --help'"),
            (["Whois", "--phone", "555"], "hint: did you mean 'account whois'?"),
            (
                ["duplicates"],
                "hint: did you mean 'guardian duplicates' or 'household duplicates'?"
            ),
            (
                ["find", "lee"],
                "hint: did you mean 'student find', 'guardian find' or 'household find'?"
            ),
            (
                ["list"],
                "hint: did you mean 'district list', 'operator list', 'student list', 'guardian list' or another of the 11 'list' commands?"
            ),
            (["gaurdian", "find", "lee"], "hint: did you mean 'guardian'?"),
        ] {
            let r = try runBinary(args + ["--district", "d1"], db: db)
            #expect(r.code == 64, "\(args)")
            #expect(r.err.contains("error: unknown command: '\(args[0])'"), "\(args): \(r.err)")
            #expect(r.err.contains(hint), "\(args): \(r.err)")
        }
        let help = try runBinary(["help", "import"], db: db)
        #expect(
            help.code == 64 && help.err.contains("error: no help for 'import': no such command"))
        #expect(help.err.contains("hint: did you mean 'roster import'? see 'portaladmin help'"))
        #expect(try dump(db) == before)
    }

    /// A word where an option was meant gets a hint that names the option, and nothing is done.
    @Test func aPositionalWordWhereAnOptionWasMeantIsNamed() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["north"])
        let before = try dump(db)
        let set = try runBinary(["district", "set", "north", "lockout_threshold=3"], db: db)
        #expect(set.code == 64 && set.err.contains("error: 'district set' needs a district"))
        #expect(set.err.contains("hint: name it with the option: --district north"), "\(set.err)")
        let key = try runBinary(["key", "issue", "G1", "--district", "north"], db: db)
        #expect(key.code == 64 && key.err.contains("unexpected argument 'G1'"))
        #expect(
            key.err.contains("hint: name the option it belongs to: --guardian G1 or --student G1"))
        let explain = try runBinary(["access", "explain", "G7", "--district", "north"], db: db)
        #expect(explain.code == 64 && explain.err.contains("--guardian G7"), "\(explain.err)")
        // Not a district here: the usual hint.
        let other = try runBinary(["district", "set", "south", "lockout_threshold=3"], db: db)
        #expect(other.code == 64 && other.err.contains("hint: pass --district ID"))
        #expect(try dump(db) == before)
    }

    @Test func usageErrorsSuggestTheNearestName() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let cmd = try runBinary(["distrct", "list"], db: db)
        #expect(
            cmd.code == 64 && cmd.err.contains("unknown command: 'distrct'")
                && cmd.err.contains("did you mean 'district'?"))
        let verb = try runBinary(["district", "lst"], db: db)
        #expect(verb.code == 64 && verb.err.contains("did you mean 'list'?"))
        let opt = try runBinary(["district", "show", "--distrct", "d1"], db: db)
        #expect(opt.code == 64 && opt.err.contains("did you mean '--district'?"))
        let value = try runBinary(["district", "list", "-o", "jsn"], db: db)
        #expect(value.code == 64 && value.err.contains("did you mean 'json'?"))
        let missingValue = try runBinary(["district", "list", "--output"], db: db)
        #expect(missingValue.code == 64 && missingValue.err.contains("needs a value"))
        let extra = try runBinary(["district", "list", "surplus"], db: db)
        #expect(extra.code == 64 && extra.err.contains("unexpected argument 'surplus'"))
        let flagValue = try runBinary(["district", "list", "--quiet=yes"], db: db)
        #expect(flagValue.code == 64)
        let noSub = try runBinary(["district"], db: db)
        #expect(noSub.code == 64 && noSub.err.contains("needs a subcommand"))
        let noDistrict = try runBinary(["operator", "list"], db: db)
        #expect(noDistrict.code == 64 && noDistrict.err.contains("$PORTALADMIN_DISTRICT"))
    }

    /// A date that is no day says what is wrong with it: the month, or the month's length.
    @Test(arguments: [
        ("2027-13-01", "hint: there is no month 13: write dates as YYYY-MM-DD, month before day"),
        ("2027-02-29", "hint: February 2027 has 28 days"),
        ("2028-04-31", "hint: April 2028 has 30 days"),
        ("2027-06-00", "hint: there is no day 00"),
        ("2027-06-31", "hint: June 2027 has 30 days"),
        ("27-06-01", "hint: write dates as YYYY-MM-DD"),
        ("next week", "hint: write dates as YYYY-MM-DD"),
    ])
    func aDateThatIsNoDaySaysWhy(date: String, hint: String) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let r = try runBinary(["age18", "scan", "--as-of", date, "--district", "d1"], db: db)
        #expect(r.code == 64, "\(r.err)")
        #expect(r.err.contains("error: --as-of takes a date, not '\(date)'"), "\(r.err)")
        #expect(r.err.contains(hint), "\(r.err)")
    }

    /// A date a century or more from today is a slipped digit of the year (3026 for 2026): a
    /// feature window, a consent or a court order would last a thousand years. Refused, with
    /// today's date; nothing written. A hundred years is taken.
    @Test func aDateCenturiesAwayIsRefused() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let window = ["feature", "disable", "grades", "--reason", "summer", "--district", "d1"]
        let late = try runBinary(
            window + ["--from", "2027-06-15", "--until", "3027-08-20"], db: db)
        #expect(late.code == 64, "\(late.err)")
        #expect(
            late.err.contains("error: --until 3027-08-20 is 1,001 years from now"), "\(late.err)")
        #expect(late.err.contains("hint: check the year (today is 2026-11-25)"), "\(late.err)")
        #expect(try dump(db) == before, "nothing written")
        let early = try runBinary(
            ["age18", "scan", "--as-of", "1026-11-25", "--district", "d1"], db: db)
        #expect(early.code == 64 && early.err.contains("--as-of 1026-11-25 is 1,000 years ago"))
        let century = try runBinary(
            window + ["--from", "2027-06-15", "--until", "2126-08-20"], db: db)
        #expect(century.code == 0, "\(century.err)")
    }

    @Test(arguments: [
        (["key", "revoke", "abc", "--reason", "x"], "key list"),
        (["merge", "undo", "first"], "merge list"),
        (["restriction", "remove", "#3", "--reason", "x"], "restriction list"),
    ])
    func recordNumbersAreChecked(args: [String], list: String) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let r = try runBinary(args + ["--district", "d1"], db: db)
        #expect(
            r.code == 64 && r.err.contains("is not a")
                && r.err.contains("hint: see 'portaladmin \(list)'"))
    }

    @Test func optionsAnywhereBundledFlagsAndDoubleDash() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try runBinary(["--district", "d1", "-o", "json", "district", "show"], db: db)
        #expect(before.code == 0 && before.out.contains("\"district_id\": \"d1\""))
        let bundled = try runBinary(
            ["district", "set", "-qy", "aup_version=5", "--district=d1"], db: db)
        #expect(bundled.code == 0 && bundled.err.isEmpty, "-q silences talk")
        let dashes = try runBinary(
            ["district", "create", "--name", "Dash", "--", "dash-1"], db: db)
        #expect(dashes.code == 0)
    }

    @Test func helpForEveryCommand() throws {
        for c in visibleCommandPaths() {
            let r = try runBinary(c + ["--help"])
            #expect(r.code == 0, "\(c)")
            #expect(
                r.out.hasPrefix("OVERVIEW:")
                    && r.out.contains("USAGE: portaladmin \(c.joined(separator: " "))"), "\(c)")
            let viaHelp = try runBinary(["help"] + c)
            #expect(viaHelp.out == r.out)
        }
        let top = try runBinary(["--help"])
        #expect(top.code == 0 && top.out.contains("district create"))
        let codes = try runBinary(["help", "exit-codes"])
        for code in [
            "0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "64", "65", "66", "70", "73", "74", "75", "77",
            "130",
        ] {
            #expect(codes.out.contains("  \(code)"), "exit code \(code) listed")
        }
        let unknown = try runBinary(["help", "distrct"])
        #expect(unknown.code == 64 && unknown.err.contains("did you mean 'district'?"))
        let unknownVerb = try runBinary(["help", "district", "shwo"])
        #expect(unknownVerb.code == 64 && unknownVerb.err.contains("did you mean 'district show'?"))
        let version = try runBinary(["--version"])
        #expect(version.code == 0 && version.out.hasPrefix("portaladmin "))
        let late = try runBinary(["district", "list", "--version"])
        #expect(late.code == 0 && late.out == version.out, "--version anywhere prints the version")
    }

    @Test func missingAndForeignDatabases() throws {
        let dir = TempDir()
        let missing = try runBinary(["district", "list"], db: dir.file("nope.db"))
        #expect(missing.code == 66 && missing.err.contains("no database at"))
        #expect(
            missing.err.contains(
                "hint: check --db / $PORTALADMIN_DB, or create a district first: portaladmin district create"
            ), "\(missing.err)")
        #expect(
            !FileManager.default.fileExists(atPath: dir.file("nope.db")),
            "a read never creates the file")
        // A slip in the name of a database beside it: that one is named (a file that is no
        // database, as close, is not).
        #expect(
            try runBinary(["district", "create", "d1", "--name", "D"], db: dir.file("portal.db"))
                .code == 0)
        _ = dir.write("portal.db2", "not a database")
        for typed in ["portal.dbb", "protal.db", "portal.db3"] {
            let slip = try runBinary(["district", "list"], db: dir.file(typed))
            #expect(slip.code == 66, "\(slip.err)")
            #expect(
                slip.err.contains(
                    "hint: did you mean '\(dir.file("portal.db"))'? check --db / $PORTALADMIN_DB"),
                "\(typed): \(slip.err)")
        }
        let far = try runBinary(["district", "list"], db: dir.file("other.db"))
        #expect(far.code == 66 && !far.err.contains("did you mean"), "\(far.err)")
        let junk = dir.write(
            "junk.db", "this is not sqlite at all, just text that is long enough to be a header...."
        )
        let r = try runBinary(["district", "list"], db: junk)
        #expect(r.code == 65 && r.err.contains("not a portaladmin database"))
        let other = dir.file("other.db")
        let o = try Database(path: other)
        try o.execute("CREATE TABLE something(x)")
        let r2 = try runBinary(["district", "list"], db: other)
        #expect(r2.code == 65 && r2.err.contains("not a portaladmin database"))
        let unwritable = try runBinary(
            ["district", "create", "x", "--name", "X"], db: "/proc/forbidden/portal.db")
        #expect(unwritable.code == 73)
    }

    @Test func newerDatabaseIsRefused() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let raw = try reopen(db)
        try raw.run("INSERT INTO schema_migrations(name) VALUES ('999-from-the-future')")
        let r = try runBinary(["district", "list"], db: db)
        #expect(r.code == 65 && r.err.contains("newer version") && r.err.contains("hint: upgrade"))
    }

    @Test func brokenPipeExitsQuietly() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        // Enough rows that the output is far larger than a pipe buffer.
        let lib = try reopen(db)
        let s = Session(
            db: lib, operatorName: "tester", command: "district set", now: Date(), districtID: "d1")
        try lib.write {
            for i in 0..<2000 { _ = try Districts.set(s, ["aup_version=\(i + 2)"]) }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [
            "-c",
            "'\(binaryPath)' audit list --limit 0 --district d1 | head -n 1; exit ${PIPESTATUS[0]}",
        ]
        p.environment = [
            "PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester", "PATH": "/usr/bin:/bin",
        ]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let status = p.waitForStatus()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(e.isEmpty, "no 'broken pipe' noise: \(e)")
        #expect(o.hasPrefix("seq\t"))
        #expect(status == 0)
    }
}

/// Every visible command path, from the command table.
func visibleCommandPaths() -> [[String]] {
    CommandTable.main.commands.filter { !$0.hidden }.map(\.path)
}
