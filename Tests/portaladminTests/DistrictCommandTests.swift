import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct DistrictCommandTests {
    /// A server's address is never taken for a file: a PostgreSQL one is connected to (here
    /// nothing answers), with no folder named "postgresql:" left behind; one with a password is
    /// refused without repeating it; another server's, or a file URL, is a usage error.
    @Test func aServerAddressIsNeverTakenForAFile() throws {
        let dir = TempDir()
        let env = ["PATH": "/usr/bin:/bin", "HOME": dir.path, "PORTALADMIN_OPERATOR": "tester"]
        let flag = try runProgram(
            binaryPath,
            [
                "district", "create", "x", "--name", "X", "--db",
                "postgresql://postgres@/portal?host=\(dir.path)",
            ],
            env: env, in: dir.path)
        #expect(flag.code == 74 && flag.err.contains("cannot connect to the PostgreSQL server"))
        #expect(flag.err.contains("hint:"), "\(flag.err)")
        var withEnv = env
        withEnv["PORTALADMIN_DB"] = "postgres://admin:s3cret@db.example.org:5432/portal"
        let fromEnv = try runProgram(binaryPath, ["district", "list"], env: withEnv, in: dir.path)
        #expect(fromEnv.code == 64 && fromEnv.err.contains("admin:***@db.example.org"))
        #expect(fromEnv.err.contains("has a password in it") && fromEnv.err.contains(".pgpass"))
        #expect(!fromEnv.err.contains("s3cret"), "the password is never repeated")
        withEnv["PORTALADMIN_DB"] = "postgresql://bob@db/portal?sslmode=require&PASSWORD=hunter2"
        let inQuery = try runProgram(binaryPath, ["district", "list"], env: withEnv, in: dir.path)
        #expect(inQuery.code == 64 && inQuery.err.contains("?sslmode=require&PASSWORD=***'"))
        #expect(!inQuery.err.contains("hunter2"), "nor a password given as a parameter")
        withEnv["PORTALADMIN_DB"] = "mysql://bob:pw@db/portal"
        let other = try runProgram(binaryPath, ["district", "list"], env: withEnv, in: dir.path)
        #expect(other.code == 64 && other.err.contains("is the address of a mysql server"))
        #expect(!other.err.contains(":pw@"), "\(other.err)")
        let file = try runProgram(
            binaryPath, ["district", "list", "--db", "file:///tmp/portal.db"], env: env,
            in: dir.path)
        #expect(file.code == 64 && file.err.contains("give the path itself: /tmp/portal.db"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

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
        // An id that differs from another district's only in case would be taken for it.
        let cased = try runBinary(["district", "create", "D1", "--name", "Again"], db: db)
        #expect(cased.code == 5, "\(cased.err)")
        #expect(
            cased.err.contains("error: district 'd1' exists: 'D1' differs from it only in case")
                && cased.err.contains("hint: use it, or choose an id of its own"), "\(cased.err)")
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
        // A folder of zones is no zone (the dates would go by UTC), nor a path with a gap.
        ("timezone=America", "IANA time zone"), ("timezone=america//chicago", "IANA time zone"),
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
                "district", "set", "age18_policy=Birthday", "timezone=america/CHICAGO", "-o",
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

    /// A dry run of the first district of a database not there yet creates neither the file
    /// nor the folders to it (it left an empty database behind a run saying nothing was
    /// written); the report is the same. The demo keeping its database at --db refuses one.
    @Test func aDryRunCreatesNoDatabaseNorFolder() throws {
        let dir = TempDir()
        let db = dir.file("new/folder/portal.db")
        let r = try runBinary(["district", "create", "d1", "--name", "One", "--dry-run"], db: db)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("district id:") && r.out.contains("d1"))
        #expect(
            r.err.contains("dry run: created district 'd1'")
                && r.err.contains("nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("new")), "no folder, no file")
        let real = try runBinary(["district", "create", "d1", "--name", "One"], db: db)
        #expect(real.code == 0 && FileManager.default.fileExists(atPath: db))
        // On a database that is there, the dry run checks against it: the district exists.
        let again = try runBinary(
            ["district", "create", "d1", "--name", "One", "--dry-run"], db: db)
        #expect(again.code != 0 && again.err.contains("d1"), "\(again.err)")
        let demo = try runBinary(["demo", "--db", dir.file("demo.db"), "--dry-run"])
        #expect(demo.code == 64 && demo.err.contains("error: --dry-run with --db"))
        #expect(demo.err.contains("hint: "))
        #expect(!FileManager.default.fileExists(atPath: dir.file("demo.db")))
    }
}
