import Foundation
import Testing

@testable import PortalKit

/// The same commands on SQLite and on PostgreSQL (a throw-away server, see `PostgresServer`):
/// the same output, exit codes and audit chain; PostgreSQL's own failures; and row-level
/// security as the boundary between districts for operators with database roles of their own.
@Suite(.serialized) struct PostgresBackendTests {
    /// A registrar's day without a roster: districts, operators and their roles, settings,
    /// feature rules and their history, a refused role, a mistyped setting, the audit chain.
    func story(_ db: String) throws -> [String] {
        let steps: [[String]] = [
            ["district", "create", "d1", "--name", "North"],
            ["district", "create", "d2", "--name", "South", "key_ttl_days=14"],
            ["operator", "add", "tester", "--role", "admin", "--district", "d1"],
            ["operator", "add", "rita", "--role", "registrar", "--district", "d1"],
            ["operator", "add", "hugo", "--role", "helpdesk", "--district", "d1"],
            ["operator", "list", "--district", "d1"],
            [
                "district", "set", "lockout_threshold=3", "timezone=America/Chicago", "--district",
                "d1",
            ],
            ["district", "set", "lockout_treshold=3", "--district", "d1"],
            ["feature", "disable", "grades", "--reason", "report cards due", "--district", "d1"],
            [
                "feature", "enable", "grades", "--school", "SCH1", "--reason", "pilot",
                "--district", "d1",
            ],
            ["feature", "disable", "grades", "--reason", "report cards due", "--district", "d1"],
            ["feature", "list", "-o", "json", "--district", "d1"],
            ["feature", "remove", "1", "--reason", "done", "--yes", "--district", "d1"],
            ["feature", "history", "--district", "d1"],
            ["operator", "set-role", "hugo", "--role", "registrar", "--district", "d1"],
            ["district", "list"],
            ["district", "show", "d2", "-o", "json"],
            ["guardian", "show", "G1", "--district", "d1"],
            ["restriction", "list", "--district", "d1"],
            ["audit", "list", "--district", "d1"],
            ["audit", "verify", "--district", "d1"],
        ]
        var seen = try transcript(steps, db)
        // As the helpdesk operator: a change above the role is refused.
        let refused = try runBinary(
            ["district", "set", "key_ttl_days=7", "--district", "d1"], db: db,
            env: ["PORTALADMIN_OPERATOR": "hugo"])
        seen.append("refused: exit \(refused.code)\n\(refused.err)")
        return seen.map { $0.replacingOccurrences(of: db, with: "DB") }
    }

    /// Each command run with the binary: what it printed and its exit code.
    func transcript(_ steps: [[String]], _ db: String) throws -> [String] {
        try steps.map { args in
            let r = try runBinary(args, db: db)
            return "$ \(args.joined(separator: " "))\nexit \(r.code)\n\(r.out)\(r.err)"
        }
    }

    /// Expects the two runs to be the same, line for line; the second, joined.
    func expectSame<S: StringProtocol>(
        _ a: [S], _ b: [S], sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        for (x, y) in zip(a, b) { #expect(x == y, sourceLocation: sourceLocation) }
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        return b.joined(separator: "\n")
    }

    /// The server is started while other tests run programs through pipes: it must not keep
    /// their ends open (one test waited for the end of a program's output for ever so).
    @Test func theServerIsStartedWithNoneOfTheTestsOpenFiles() throws {
        let pipe = Pipe()
        let mine = [pipe.fileHandleForReading, pipe.fileHandleForWriting].map {
            String($0.fileDescriptor)
        }
        let open = try PostgresServer.run(["/bin/ls", "/proc/self/fd"], what: "ls").split(
            separator: "\n"
        ).map(String.init)
        #expect(open.contains("0") && open.contains("2"), "\(open)")
        #expect(!open.contains { mine.contains($0) }, "\(open) holds \(mine)")
        #expect(open.count <= 4, "\(open)")
    }

    @Test func theSameStoryOnBothBackends() throws {
        let dir = TempDir()
        let onSQLite = try story(try Backend.sqlite.newDatabase(dir))
        let onPostgres = try story(try Backend.postgres.newDatabase(dir))
        let all = expectSame(onSQLite, onPostgres)
        #expect(all.contains("ok:            true"), "\(all)")
        #expect(all.contains("refused: exit 77"), "\(all)")
        #expect(all.contains("unknown setting 'lockout_treshold'"), "\(all)")
    }

    @Test func aPasswordInTheAddressIsRefusedAndNothingConnects() throws {
        let server = try PostgresServer.running()
        let url = server.url("postgres").replacingOccurrences(
            of: "user=postgres", with: "user=postgres&password=s3cret")
        let r = try runBinary(["district", "create", "d1", "--name", "North"], db: url)
        #expect(r.code == 64, "\(r.err)")
        #expect(r.err.contains("has a password in it") && r.err.contains("~/.pgpass"), "\(r.err)")
        #expect(!r.err.contains("s3cret") && !r.out.contains("s3cret"))
        let userPart = "postgresql://postgres:s3cret@localhost/portal"
        let r2 = try runBinary(["district", "list"], db: userPart)
        #expect(r2.code == 64 && !r2.err.contains("s3cret"), "\(r2.err)")
    }

    @Test func aServerThatDoesNotAnswerIsNamedWithAHint() throws {
        let dir = TempDir()
        let url = "postgresql:///portal?host=\(dir.path)&user=postgres"
        let r = try runBinary(["district", "list"], db: url)
        #expect(r.code == 74, "\(r.err)")
        #expect(
            r.err.contains("error: cannot connect to the PostgreSQL server at '\(url)'"), "\(r.err)"
        )
        #expect(r.err.contains("hint: check the server is running"), "\(r.err)")
    }

    @Test func aDatabaseOfOtherTablesIsNotTakenOver() throws {
        let server = try PostgresServer.running()
        let url = try server.newDatabase()
        let name = String(url.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        try server.psql("CREATE TABLE invoices (id int)", database: name)
        let r = try runBinary(["district", "create", "d1", "--name", "North"], db: url)
        #expect(r.code == 65, "\(r.err)")
        #expect(r.err.contains("has tables but is not a portaladmin database"), "\(r.err)")
        let tables = try server.psql(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: name)
        #expect(tables.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    /// The roster import, the duplicate finders, a merge and its undo, and the export: on
    /// PostgreSQL they run on a local copy of the district (`LocalCopy`) and write back what
    /// changed; every message, count and exported file is the same as on SQLite.
    func rosterStory(_ db: String, _ dir: TempDir, _ tag: String) throws -> [String] {
        let lakeview = repoRoot + "/examples/lakeview"
        let dirty = dir.file("dirty-\(tag)")
        _ = dir.write(
            "dirty-\(tag)/guardians.csv",
            "guardian_id,given_name,family_name,email,birth_date\nG-2002,Maria,Garcia,not-an-email,1980-02-30\nG-77,=HYPERLINK(1),Tab\tby,,\nG-77,Dup,Line,,\n"
        )
        let steps: [[String]] = [
            ["operator", "add", "tester", "--role", "admin", "--district", "d1"],
            ["roster", "import", lakeview, "--district", "d1", "--yes", "--dry-run"],
            ["roster", "stats", "--district", "d1"],
            ["roster", "import", lakeview, "--district", "d1", "--yes", "-o", "json"],
            ["roster", "import", lakeview, "--district", "d1", "--yes"],
            ["roster", "import", dirty, "--district", "d1", "--delta", "--yes"],
            ["guardian", "show", "G-77", "--district", "d1", "-o", "json"],
            ["guardian", "duplicates", "--district", "d1"],
            ["household", "duplicates", "--district", "d1"],
            ["guardian", "merge", "G-2002", "G-2003", "--yes", "--district", "d1"],
            ["guardian", "show", "G-2002", "--district", "d1"],
            ["merge", "undo", "1", "--yes", "--district", "d1"],
            ["roster", "export", "--out", dir.file("export-\(tag)"), "--district", "d1"],
            ["audit", "verify", "--district", "d1"],
        ]
        var seen = try transcript(steps, db)
        for file in ["schools.csv", "guardians.csv", "students.csv", "relationships.csv"] {
            seen.append(
                try String(contentsOfFile: dir.file("export-\(tag)/\(file)"), encoding: .utf8))
        }
        return seen.map {
            $0.replacingOccurrences(of: db, with: "DB").replacingOccurrences(
                of: "-\(tag)", with: "")
        }
    }

    @Test func theImportAndTheFindersOnBothBackends() throws {
        let dir = TempDir()
        let onSQLite = try rosterStory(try Backend.sqlite.districts(dir), dir, "sqlite")
        let onPostgres = try rosterStory(try Backend.postgres.districts(dir), dir, "pg")
        let all = expectSame(onSQLite, onPostgres)
        #expect(all.contains("imported: 0 created, 0 updated, 37 unchanged"), "\(all)")
        #expect(all.contains("merged G-2003 into G-2002"), "\(all)")
        #expect(all.contains("audit chain intact"), "\(all)")
        #expect(all.contains("'=HYPERLINK(1)"), "a formula is neutralised in the export: \(all)")
    }

    /// The whole demo (keys, the parent's first visit, logins and a lockout, resets, merges and
    /// their undo, the age-18 rules, a court order, access explained, features, the audit
    /// chain) prints the same on both, but for the secrets each run draws.
    @Test func theDemoOnBothBackends() throws {
        let dir = TempDir()
        func demo(_ db: String) throws -> String {
            let r = try runBinary(["demo", "--db", db])
            #expect(r.code == 0, "\(r.out.suffix(2000))\(r.err)")
            var text = (r.out + r.err).replacingOccurrences(of: db, with: "DB")
            text = text.replacing(/\/tmp\/portaladmin-demo-[A-Za-z0-9]+/, with: "TMP")
            text = text.replacing(/[0-9A-Z]{4}(-[0-9A-Z]{4}){7}/, with: "KEY")
            text = text.replacing(/[0-9a-z]{5}(-[0-9a-z]{5}){3}/, with: "PASSWORD")
            text = text.replacing(/last4: *[0-9A-Z]{4}/, with: "LAST4")
            return text
        }
        let onSQLite = try demo(dir.file("demo.db")).split(separator: "\n")
        let onPostgres = try demo(try Backend.postgres.newDatabase(dir)).split(separator: "\n")
        _ = expectSame(onSQLite, onPostgres)
        #expect(onSQLite.count > 300)
    }

    /// What Citus needs to distribute the tables by district (no Citus can be installed here to
    /// run `create_distributed_table` itself): every table but the ledger of schema steps has
    /// `district_id` first in its primary key, and every foreign key includes it.
    @Test func everyKeyLeadsWithTheDistrict() throws {
        let server = try PostgresServer.running()
        let db = try Backend.postgres.districts(TempDir())
        let name = String(db.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        let keys = try server.psql(
            """
            SELECT c.conrelid::regclass::text || ' ' || c.contype::text || ' '
                || (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
            FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
            WHERE s.nspname = 'public' AND c.contype IN ('p', 'f') ORDER BY 1
            """, database: name
        ).out.split(separator: "\n").map(String.init)
        let tables = try server.psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database: name
        ).out.split(separator: "\n").map(String.init)
        #expect(tables.count == 19, "\(tables)")
        for t in tables where t != "schema_migrations" {
            #expect(keys.contains { $0.hasPrefix("\(t) p district_id") }, "\(t): \(keys)")
        }
        let foreign = keys.filter { $0.split(separator: " ")[1] == "f" }
        #expect(foreign.count >= 10, "\(foreign)")
        for f in foreign {
            #expect(
                f.split(separator: " ")[2].split(separator: ",").contains("district_id"), "\(f)")
        }
    }

    /// SQLite runs a statement while a query's rows are being read; one PostgreSQL connection
    /// takes one command at a time, so the store reads the rest of the rows first.
    @Test func aStatementRunWhileRowsAreReadWaitsForThem() throws {
        let db = try Backend.postgres.districts(TempDir(), ["d1", "d2", "d3"])
        let store = try reopen(db)
        var seen: [String] = []
        try store.write {
            try store.forEach("SELECT district_id FROM districts ORDER BY district_id") { row in
                seen.append(row.text("district_id"))
                try store.run(
                    "UPDATE districts SET name = ? WHERE district_id = ?",
                    [.text("Renamed"), row["district_id"]])
                try store.execute("SELECT 1")
                #expect(try store.count("SELECT count(*) FROM districts") == 3)
            }
        }
        #expect(seen == ["d1", "d2", "d3"])
        #expect(try store.count("SELECT count(*) FROM districts WHERE name = 'Renamed'") == 3)
    }

    @Test func eightWritersAtOnceAllGetThrough() throws {
        let dir = TempDir()
        let db = try Backend.postgres.districts(dir)
        #expect(
            try runBinary(
                ["operator", "add", "tester", "--role", "admin", "--district", "d1"], db: db
            )
            .code == 0)
        // Each adds an operator: eight changes to one district's audit chain at once.
        let runs = (0..<8).map { i in
            (
                args: ["operator", "add", "op\(i)", "--role", "helpdesk", "--district", "d1"],
                stdin: ""
            )
        }
        let results = try runConcurrently(runs, db: db)
        for r in results { #expect(r.code == 0, "\(r.err)") }
        let verify = try runBinary(["audit", "verify", "--district", "d1", "-o", "json"], db: db)
        let chain = try #require(try parseJSON(verify.out) as? [String: Any])
        #expect(chain["ok"] as? Bool == true && chain["rows_checked"] as? Int == 10, "\(chain)")
        let operators = try runBinary(
            ["operator", "list", "--district", "d1", "-o", "tsv"], db: db)
        #expect(operators.out.split(separator: "\n").count == 10, "\(operators.out)")
    }

    /// A change others keep making fail is run again for as long as SQLite waits for a lock,
    /// not five times: five were spent in about 50 ms, and under load one of the eight writers
    /// above gave up busy. No time left (PORTALADMIN_BUSY_TIMEOUT_MS=0) is no try again.
    @Test func aWriteIsTriedAgainForTheBusyTimeNotACountOfTimes() {
        let retries = WriteRetries(budget: .seconds(5))
        #expect(retries.pause(after: 5, elapsed: .milliseconds(50)) != nil)
        #expect(retries.pause(after: 40, elapsed: .seconds(4)) != nil)
        #expect(retries.pause(after: 40, elapsed: .milliseconds(4_999)) == nil)
        // Each pause twice the last, with as much again at random, up to 64 ms (and 128).
        for attempt in 1...10 {
            let ms = 1 << min(attempt, 6)
            let pause = retries.pause(after: attempt, elapsed: .zero)
            #expect(pause.map { $0 >= .milliseconds(ms) && $0 < .milliseconds(2 * ms) } == true)
        }
        #expect(WriteRetries(budget: .zero).pause(after: 1, elapsed: .zero) == nil)
    }

    /// An operator who connects as a database role of district d1 reads and changes nothing of
    /// d2, with portaladmin or with psql.
    @Test func rowLevelSecurityKeepsARoleToItsDistrict() throws {
        let server = try PostgresServer.running()
        let dir = TempDir()
        let db = try Backend.postgres.districts(dir, ["d1", "d2"])
        let name = String(db.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        for d in ["d1", "d2"] {
            #expect(
                try runBinary(
                    ["operator", "add", "tester", "--role", "admin", "--district", d], db: db
                )
                .code == 0)
        }
        #expect(
            try runBinary(["district", "set", "key_ttl_days=14", "--district", "d2"], db: db).code
                == 0)
        let role = "op_" + name
        try server.psql(
            """
            CREATE ROLE \(role) LOGIN;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(role);
            INSERT INTO district_roles(district_id, role_name) VALUES ('d1', '\(role)');
            """, database: name)
        // psql as the role: d1's rows only; d2's can be neither changed nor added.
        let seen = try server.psql(
            "SELECT string_agg(DISTINCT district_id, ',') FROM operators", database: name,
            user: role)
        #expect(seen.out.trimmingCharacters(in: .whitespacesAndNewlines) == "d1")
        let update = try server.psql(
            "UPDATE district_settings SET value = '1' WHERE district_id = 'd2'", database: name,
            user: role)
        #expect(update.out.contains("UPDATE 0"), "\(update.out)\(update.err)")
        let insert = try server.psql(
            "INSERT INTO operators VALUES ('d2', 'mallory', 'admin', 'now')", database: name,
            user: role, allowFailure: true)
        #expect(insert.code != 0 && insert.err.contains("row-level security"), "\(insert.err)")
        let roles = try server.psql(
            "INSERT INTO district_roles VALUES ('d2', '\(role)')", database: name, user: role,
            allowFailure: true)
        #expect(roles.code != 0, "a role cannot give itself another district")
        // portaladmin as the role: its own district works, the other is not there.
        let asRole = server.url(name, user: role)
        let own = try runBinary(["feature", "list", "--district", "d1"], db: asRole)
        #expect(own.code == 0, "\(own.err)")
        let other = try runBinary(["district", "show", "d2"], db: asRole)
        #expect(other.code == 4, "\(other.err)")
        let change = try runBinary(
            ["district", "set", "key_ttl_days=3", "--district", "d2"], db: asRole)
        #expect(change.code != 0, "\(change.err)")
        let settings = try server.psql(
            "SELECT value FROM district_settings WHERE district_id = 'd2' AND key = 'key_ttl_days'",
            database: name)
        #expect(settings.out.trimmingCharacters(in: .whitespacesAndNewlines) == "14")
    }
}
