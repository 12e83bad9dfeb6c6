import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct DistrictCommandTests {
    @Test func createShowListInEveryFormat() throws {
        let dir = TempDir()
        let db = dir.file("sub/folder/portal.db")
        let r = try runBinary(
            [
                "district", "create", "hps-423", "--name", "Hutchinson Public Schools",
                "key_ttl_days=14", "-o", "json",
            ], db: db)
        #expect(r.code == 0)
        let obj = try #require(try parseJSON(r.out) as? [String: Any])
        #expect(obj["district_id"] as? String == "hps-423")
        // Numbers and booleans as JSON types, not strings.
        #expect(obj["key_ttl_days"] as? Int == 14 && !(obj["key_ttl_days"] is String))
        #expect(obj["password_min_length"] as? Int == 15)
        #expect(r.out.contains("\"aup_required\": true") && r.out.contains("\"timezone\": \"UTC\""))
        #expect(r.err.contains("created district 'hps-423'"))
        #expect(FileManager.default.fileExists(atPath: db), "the folder and file are created")

        let text = try runBinary(["district", "list"], db: db)
        #expect(
            text.out
                == "district_id\tname\tcreated_at\nhps-423\tHutchinson Public Schools\t2026-11-25T12:00:00Z\n"
        )
        let csv = try runBinary(["district", "list", "-o", "csv"], db: db)
        #expect(
            csv.out
                == "district_id,name,created_at\r\nhps-423,Hutchinson Public Schools,2026-11-25T12:00:00Z\r\n"
        )
        let jsonl = try runBinary(["district", "list", "--output=jsonl"], db: db)
        #expect(
            jsonl.out
                == "{\"district_id\":\"hps-423\",\"name\":\"Hutchinson Public Schools\",\"created_at\":\"2026-11-25T12:00:00Z\"}\n"
        )
        let tsv = try runBinary(["district", "list", "-otsv"], db: db)
        #expect(tsv.out == text.out)
        let arr = try #require(
            try parseJSON(try runBinary(["district", "list", "-o", "json"], db: db).out)
                as? [[String: Any]])
        #expect(arr.count == 1)

        let show = try runBinary(["district", "show", "hps-423"], db: db)
        #expect(show.out.contains("key ttl days:") && show.out.contains("14"))
    }

    @Test func createRefusesDuplicatesAndBadInput() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let dup = try runBinary(["district", "create", "d1", "--name", "Again"], db: db)
        #expect(dup.code == 5)
        #expect(
            dup.err.contains("error: district 'd1' already exists") && dup.err.contains("hint:"))
        let badID = try runBinary(["district", "create", "bad id!", "--name", "X"], db: db)
        #expect(badID.code == 64 && badID.err.contains("invalid district id"))
        let noName = try runBinary(["district", "create", "d9"], db: db)
        #expect(noName.code == 64 && noName.err.contains("needs --name"))
        let badSetting = try runBinary(
            ["district", "create", "d9", "--name", "X", "lockout=3"], db: db)
        #expect(badSetting.code == 64 && badSetting.err.contains("unknown setting 'lockout'"))
        #expect(badSetting.err.contains("lockout_threshold"))
        #expect(try dump(db) == before, "nothing written on any error")
    }

    @Test(arguments: [
        ("key_ttl_days=0", "key_ttl_days takes a whole number of days, 1 to 365"),
        ("password_min_length=7", "password_min_length takes a whole number, 8 to 64"),
        ("aup_required=maybe", "aup_required takes true or false"),
        ("age18_policy=graduation", "end-of-school-year, birthday or never"),
        ("school_year_end=02-30", "MM-DD"),
        ("leap_day_birthday=feb-29", "mar-01 or feb-28"),
        ("portal_url=portal.example.org", "http:// or https://"),
        ("timezone=Mars/Olympus", "IANA time zone"),
        ("timezone=../../etc/passwd", "IANA time zone"),
        ("nonsense", "is not KEY=VALUE"),
    ])
    func setRejectsBadValues(assignment: String, expected: String) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let r = try runBinary(["district", "set", assignment, "--district", "d1"], db: db)
        #expect(r.code == 64)
        #expect(r.err.contains(expected), "\(r.err)")
        #expect(r.err.contains("hint:"))
        #expect(try dump(db) == before)
    }

    @Test func setChangesAndAudits() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let r = try runBinary(
            [
                "district", "set", "age18_policy=Birthday", "timezone=America/Chicago", "-o",
                "jsonl",
            ],
            db: db, env: ["PORTALADMIN_DISTRICT": "d1"])
        #expect(r.code == 0)
        #expect(
            r.out
                == "{\"setting\":\"age18_policy\",\"before\":\"end-of-school-year\",\"after\":\"birthday\"}\n{\"setting\":\"timezone\",\"before\":\"UTC\",\"after\":\"America/Chicago\"}\n"
        )
        let again = try runBinary(
            ["district", "set", "age18_policy=birthday", "--district", "d1"], db: db)
        #expect(again.code == 0 && again.err.contains("nothing to change"))
        let audit = try runBinary(["audit", "list", "--district", "d1", "-o", "json"], db: db)
        let rows = try #require(try parseJSON(audit.out) as? [[String: Any]])
        #expect(rows.count == 2, "create + one set; the no-op set writes no audit row")
        #expect(rows[0]["command"] as? String == "district set")
    }

    @Test func dryRunLeavesTheFileUnchanged() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let r = try runBinary(
            ["district", "set", "key_ttl_days=7", "--district", "d1", "--dry-run"], db: db)
        #expect(r.code == 0)
        #expect(r.out.contains("key_ttl_days\t21\t7"), "reports what would change")
        let typed = try runBinary(
            [
                "district", "set", "key_ttl_days=7", "aup_required=false", "-o", "jsonl",
                "--dry-run",
            ],
            db: db, env: ["PORTALADMIN_DISTRICT": "d1"])
        #expect(
            typed.out
                == "{\"setting\":\"key_ttl_days\",\"before\":21,\"after\":7}\n{\"setting\":\"aup_required\",\"before\":true,\"after\":false}\n",
            "numbers and booleans as JSON types")
        #expect(r.err.contains("dry run:") && r.err.contains("nothing was written"))
        let create = try runBinary(
            ["district", "create", "d2", "--name", "Two", "--dry-run", "-o", "json"], db: db)
        #expect(create.code == 0 && create.out.contains("\"dry_run\": true"))
        let op = try runBinary(
            ["operator", "add", "tester", "--role", "admin", "--district", "d1", "--dry-run"],
            db: db)
        #expect(op.code == 0)
        #expect(try dump(db) == before)
    }
}

@Suite struct TenancyAndRoleTests {
    @Test func districtsNeverSeeEachOther() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["d1", "d2"])
        #expect(
            try runBinary(
                ["operator", "add", "ann", "--role", "admin", "--district", "d1"], db: db,
                env: ["PORTALADMIN_OPERATOR": "ann"]
            ).code == 0)
        let list2 = try runBinary(["operator", "list", "--district", "d2"], db: db)
        #expect(list2.code == 0 && !list2.out.contains("ann"))
        // An operator that exists only in d1 is not one of d2: nothing to do there.
        let rm = try runBinary(
            ["operator", "remove", "ann", "--reason", "left", "--district", "d2"], db: db)
        #expect(
            rm.code == 0
                && rm.err.contains("nothing to do: 'ann' is not an operator of district 'd2'"))
        let audit2 = try runBinary(["audit", "list", "--district", "d2", "-o", "jsonl"], db: db)
        #expect(!audit2.out.contains("ann") && !audit2.out.contains("\"d1\""))
        let missing = try runBinary(["operator", "list", "--district", "d3"], db: db)
        #expect(missing.code == 4 && missing.err.contains("district 'd3' not found"))
    }

    /// An admin changes a role in one command (it was remove and add again), audited; the
    /// last admin stays one; the same role again is nothing to do.
    @Test func setRoleChangesARoleAndKeepsAnAdmin() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for (name, role) in [("tester", "admin"), ("hal", "helpdesk")] {
            #expect(
                try runBinary(
                    ["operator", "add", name, "--role", role, "--district", "d1"], db: db
                ).code == 0)
        }
        let denied = try runBinary(
            ["district", "set", "aup_version=2", "--district", "d1"], db: db,
            env: ["PORTALADMIN_OPERATOR": "hal"])
        #expect(denied.err.contains("operator set-role"), "the role hint names the command")
        let r = try runBinary(
            [
                "operator", "set-role", "hal", "registrar", "--reason", "took over onboarding",
                "--district", "d1",
            ],
            db: db)
        #expect(r.code == 0 && r.err.contains("'hal' is registrar now"), "\(r.err)")
        let list = try runBinary(["operator", "list", "-o", "json", "--district", "d1"], db: db)
        let roles = (try parseJSON(list.out) as? [[String: Any]])?.reduce(into: [String: String]())
        {
            $0[$1["name"] as? String ?? ""] = $1["role"] as? String
        }
        #expect(roles?["hal"] == "registrar")
        let audit = try runBinary(
            ["audit", "list", "--target", "operator:hal", "-o", "jsonl", "--district", "d1"], db: db
        )
        #expect(
            audit.out.contains("took over onboarding")
                && audit.out.contains("\"before\":{\"role\":\"helpdesk\"}"))
        let again = try runBinary(
            ["operator", "set-role", "hal", "registrar", "--reason", "x", "--district", "d1"],
            db: db)
        #expect(again.code == 0 && again.err.contains("nothing to do"))
        let last = try runBinary(
            ["operator", "set-role", "tester", "helpdesk", "--reason", "x", "--district", "d1"],
            db: db)
        #expect(last.code == 5 && last.err.contains("last admin"))
        let typo = try runBinary(
            ["operator", "set-role", "hal", "registar", "--reason", "x", "--district", "d1"], db: db
        )
        #expect(typo.code == 64 && typo.err.contains("did you mean 'registrar'?"))
        let nobody = try runBinary(
            ["operator", "set-role", "zed", "admin", "--reason", "x", "--district", "d1"], db: db)
        #expect(nobody.code == 4)
    }

    @Test func rolesAreEnforcedOnceADistrictHasOperators() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let asHelp = ["PORTALADMIN_OPERATOR": "hal"]
        // "$USER" where USER is not set: the hint says so, and how to get the login name.
        let empty = try runBinary(
            ["operator", "add", "", "--role", "admin", "--district", "d1"], db: db)
        #expect(empty.code == 64 && empty.err.contains("error: the operator name is empty"))
        #expect(empty.err.contains("(is $USER set?)") && empty.err.contains("$(id -un)"))
        #expect(
            try runBinary(
                ["operator", "add", "hal", "--role", "helpdesk", "--district", "d1"], db: db
            ).code == 64,
            "first operator must be an admin")
        #expect(
            try runBinary(
                ["operator", "add", "tester", "--role", "admin", "--district", "d1"], db: db
            ).code == 0)
        #expect(
            try runBinary(
                ["operator", "add", "hal", "--role", "helpdesk", "--district", "d1"], db: db
            ).code == 0)
        let denied = try runBinary(
            ["district", "set", "aup_version=2", "--district", "d1"], db: db, env: asHelp)
        #expect(
            denied.code == 77 && denied.err.contains("needs the admin role")
                && denied.err.contains("hint:"))
        #expect(
            try runBinary(["operator", "list", "--district", "d1"], db: db, env: asHelp).code == 0)
        let stranger = try runBinary(
            ["district", "show", "d1"], db: db, env: ["PORTALADMIN_OPERATOR": "mallory"])
        #expect(stranger.code == 77)
        let create = try runBinary(
            ["district", "create", "d5", "--name", "Five"], db: db, env: asHelp)
        #expect(create.code == 77, "only an admin may create districts once operators exist")
        let last = try runBinary(
            ["operator", "remove", "tester", "--reason", "x", "--yes", "--district", "d1"], db: db)
        #expect(last.code == 5 && last.err.contains("last admin"))
        let dupe = try runBinary(
            ["operator", "add", "hal", "--role", "registrar", "--district", "d1"], db: db)
        #expect(dupe.code == 5)
        let noReason = try runBinary(["operator", "remove", "hal", "--district", "d1"], db: db)
        #expect(noReason.code == 64 && noReason.err.contains("--reason"))
        let unasked = try runBinary(
            ["operator", "remove", "hal", "--reason", "moved on", "--district", "d1"], db: db)
        #expect(unasked.code == 64 && unasked.err.contains("--yes"), "it asks like the others")
        #expect(
            try runBinary(
                ["operator", "remove", "hal", "--reason", "moved on", "--yes", "--district", "d1"],
                db: db
            ).code == 0)
        let audit = try runBinary(
            ["audit", "list", "--target", "operator:hal", "-o", "jsonl", "--district", "d1"], db: db
        )
        #expect(audit.out.contains("\"reason\":\"moved on\""), "\(audit.out)")
        let again = try runBinary(
            ["operator", "remove", "hal", "--reason", "moved on", "--district", "d1"], db: db)
        #expect(again.code == 0 && again.err.contains("nothing to do"))
    }
}

@Suite struct AuditTests {
    func seeded() throws -> (TempDir, String) {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for (i, v) in ["2", "3", "4"].enumerated() {
            let r = try runBinary(
                ["district", "set", "aup_version=\(v)", "--district", "d1"], db: db,
                now: "2026-11-2\(5 + i)T12:00:00Z")
            #expect(r.code == 0)
        }
        return (dir, db)
    }

    @Test func verifyPassesThenFailsAfterAnEdit() throws {
        let (dir, db) = try seeded()
        _ = dir
        let ok = try runBinary(["audit", "verify", "--district", "d1", "-o", "json"], db: db)
        #expect(ok.code == 0)
        #expect(ok.out.contains("\"ok\": true") && ok.out.contains("\"rows_checked\": 4"))
        let raw = try Database(path: db, create: false)
        try raw.run("UPDATE audit_log SET after_json = '{\"aup_version\":\"9\"}' WHERE seq = 3")
        let bad = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(bad.code == 1)
        #expect(bad.err.contains("broken at row 3") && bad.err.contains("edited"))
    }

    @Test func verifyFindsDeletedAndReorderedRows() throws {
        let (dir, db) = try seeded()
        _ = dir
        let raw = try Database(path: db, create: false)
        try raw.run("DELETE FROM audit_log WHERE seq = 4")
        let tail = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(tail.code == 1 && tail.err.contains("removed from the end"))
        try raw.run("DELETE FROM audit_log WHERE seq = 2")
        let middle = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(middle.code == 1 && middle.err.contains("row 2 is missing"))

        let (dir2, db2) = try seeded()
        _ = dir2
        let raw2 = try Database(path: db2, create: false)
        try raw2.run("UPDATE audit_log SET seq = 99 WHERE seq = 2")
        try raw2.run("UPDATE audit_log SET seq = 2 WHERE seq = 3")
        try raw2.run("UPDATE audit_log SET seq = 3 WHERE seq = 99")
        let swapped = try runBinary(["audit", "verify", "--district", "d1"], db: db2)
        #expect(swapped.code == 1 && swapped.err.contains("row 2"))
    }

    @Test func listFiltersAndExport() throws {
        let (dir, db) = try seeded()
        let since = try runBinary(
            ["audit", "list", "--since", "2026-11-27", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(since.out.split(separator: "\n").count == 1)
        let byOp = try runBinary(
            ["audit", "list", "--operator", "nobody", "--district", "d1"], db: db)
        #expect(
            byOp.code == 0
                && byOp.out == "seq\tat\toperator\tcommand\ttarget\tbefore\tafter\treason\n")
        let target = try runBinary(
            ["audit", "list", "--target", "d1", "--district", "d1", "-o", "json"], db: db)
        #expect((try parseJSON(target.out) as? [Any])?.count == 4)
        let limited = try runBinary(["audit", "list", "--limit", "2", "--district", "d1"], db: db)
        #expect(limited.out.split(separator: "\n").count == 3)
        #expect(limited.err.contains("Showing 2 of 4; use --limit 0 for all"))
        let badSince = try runBinary(
            ["audit", "list", "--since", "yesterday", "--district", "d1"], db: db)
        #expect(badSince.code == 64 && badSince.err.contains("hint:"))

        let export = try runBinary(["audit", "export", "--district", "d1"], db: db)
        let dash = try runBinary(["audit", "export", "--out", "-", "--district", "d1"], db: db)
        #expect(dash.out == export.out, "--out - is standard output")
        let lines = export.out.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].contains("\"seq\":1") && lines[0].contains("\"hash\":"))
        let out = dir.file("audit.jsonl")
        #expect(
            try runBinary(["audit", "export", "--out", out, "--district", "d1"], db: db).code == 0)
        let attrs = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        let cantWrite = try runBinary(
            ["audit", "export", "--out", "/nonexistent/dir/a.jsonl", "--district", "d1"], db: db)
        #expect(cantWrite.code == 73)
    }
}

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
            !FileManager.default.fileExists(atPath: dir.file("nope.db")),
            "a read never creates the file")
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
        let raw = try Database(path: db, create: false)
        try raw.run("INSERT INTO schema_migrations(name) VALUES ('999-from-the-future')")
        let r = try runBinary(["district", "list"], db: db)
        #expect(r.code == 65 && r.err.contains("newer version") && r.err.contains("hint: upgrade"))
    }

    @Test func brokenPipeExitsQuietly() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        // Enough rows that the output is far larger than a pipe buffer.
        let lib = try Database(path: db, create: false)
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
        p.waitUntilExit()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(e.isEmpty, "no 'broken pipe' noise: \(e)")
        #expect(o.hasPrefix("seq\t"))
        #expect(p.terminationStatus == 0)
    }
}

/// Every visible command path, from the command table.
func visibleCommandPaths() -> [[String]] {
    CommandTable.main.commands.filter { !$0.hidden }.map(\.path)
}

@Suite struct ConcurrencyTests {
    /// A second writer waits, then says "busy" with exit 75 and writes nothing.
    @Test func aSecondWriterGetsBusyAndExit75() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let holder = try Database(path: db, create: false)
        try holder.execute("BEGIN IMMEDIATE")
        let r = try runBinary(
            ["district", "set", "aup_version=3", "--district", "d1"], db: db,
            env: ["PORTALADMIN_BUSY_TIMEOUT_MS": "200"])
        try holder.execute("ROLLBACK")
        #expect(r.code == 75 && r.err.contains("busy") && r.err.contains("hint: retry"))
        let show = try runBinary(["district", "show", "d1", "-o", "json"], db: db)
        #expect(show.out.contains("\"aup_version\": 1,"), "\(show.out)")
    }

    /// Several processes importing and issuing at once: every command either completes or
    /// reports busy, and the audit chain stays intact.
    @Test func parallelWritersKeepTheChainIntact() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        final class Codes: @unchecked Sendable {
            let lock = NSLock()
            var list: [Int32] = []
            func add(_ c: Int32) {
                lock.lock()
                list.append(c)
                lock.unlock()
            }
        }
        let results = Codes()
        let group = DispatchGroup()
        for i in 0..<6 {
            group.enter()
            DispatchQueue.global().async {
                let r = try? runBinary(
                    ["district", "set", "key_ttl_days=\(10 + i)", "--district", "d1"], db: db)
                results.add(r?.code ?? -1)
                group.leave()
            }
        }
        group.wait()
        let codes = results.list
        #expect(codes.allSatisfy { $0 == 0 || $0 == 75 }, "\(codes)")
        #expect(codes.filter { $0 == 0 }.count >= 1)
        #expect(try runBinary(["audit", "verify", "--district", "d1"], db: db).code == 0)
    }
}

@Suite struct AuditTargetTests {
    @Test func targetMatchesWholeIdsInAnyPosition() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for name in ["ann", "anne"] {
            #expect(
                try runBinary(
                    ["operator", "add", name, "--role", "admin", "--district", "d1"], db: db,
                    env: ["PORTALADMIN_OPERATOR": "ann"]
                ).code == 0)
        }
        let r = try runBinary(
            ["audit", "list", "--target", "ann", "-o", "jsonl", "--district", "d1"], db: db,
            env: ["PORTALADMIN_OPERATOR": "ann"])
        #expect(
            r.out.split(separator: "\n").count == 1 && r.out.contains("operator:ann\""),
            "not operator:anne")
    }
}
