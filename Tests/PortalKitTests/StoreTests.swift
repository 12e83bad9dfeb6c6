import Foundation
import Testing

@testable import PortalKit

func tempDB() throws -> (Database, String) {
    let path = NSTemporaryDirectory() + "portalkit-" + UUID().uuidString + ".db"
    let db = try Database.open(path: path, create: true)
    return (db, path)
}

/// Removes a test's database and the files SQLite keeps beside it (the WAL, its shared memory,
/// a rollback journal): removing the database alone left two files behind for every test.
func removeDatabase(_ path: String) {
    for p in [path, path + "-wal", path + "-shm", path + "-journal"] {
        try? FileManager.default.removeItem(atPath: p)
    }
}

@Suite struct StoreTests {
    /// Arguments packed once and bound in place: text of every length (none, short, long,
    /// beyond ASCII) among values that are not text, each where it was, in part or whole.
    @Test func packedArgumentsBindEachValueWhereItWas() throws {
        let db = try Database(path: ":memory:", create: true)
        try db.execute("CREATE TABLE t(a, b, c, d, e, f, g)")
        let long = String(repeating: "x", count: 300) + "é"
        let values: [SQLValue] = [
            .text(""), .null, .int(-7), .text("Ñandú"), .double(1.5), .text(long), .text("G1"),
        ]
        let packed = PackedArguments(values)
        let insert = try db.statement("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)")
        _ = try db.run(insert) { try $0.bind(packed, from: 1) }
        let row = try #require(try db.query("SELECT * FROM t").first)
        #expect(["a", "b", "c", "d", "e", "f", "g"].map { row[$0] } == values)
        // The first values only (a row's key), then none packed at all.
        _ = try db.run("DELETE FROM t")
        let key = try db.statement("INSERT INTO t(a, b, c, d) VALUES (?, ?, ?, ?)")
        _ = try db.run(key) { try $0.bind(packed, count: 4, from: 1) }
        let first = try #require(try db.query("SELECT * FROM t").first)
        #expect(["a", "b", "c", "d"].map { first[$0] } == Array(values[..<4]))
        // Only the packed buffer is kept: every value decodes from it as it was, one or all,
        // text read in place (none for a value that is not text).
        #expect(packed.values == values && packed.count == values.count)
        #expect(values.indices.allSatisfy { packed.value($0) == values[$0] })
        #expect(packed.withText(3) { $0.map { String(decoding: $0, as: UTF8.self) } } == "Ñandú")
        #expect(packed.withText(2) { $0 == nil } && packed.withText(0) { $0?.count == 0 })
        let numbers: [SQLValue] = [.int(.min), .null, .double(-0.25), .int(.max)]
        #expect(PackedArguments(numbers).values == numbers)
        #expect(PackedArguments([]).values.isEmpty)
        // A text packed from its bytes (a prefix, then the rest) and NULLs after it: as the
        // values would pack.
        func texts(_ a: String, _ b: String, nulls: Int) -> PackedArguments {
            var (a, b) = (a, b)
            return a.withUTF8 { p in b.withUTF8 { PackedArguments(text: p, $0, nulls: nulls) } }
        }
        for (a, b, nulls) in [("hh-", "G1", 5), ("", long, 0), ("hh-", "", 2), ("", "", 1)] {
            let made = texts(a, b, nulls: nulls)
            let expected = [SQLValue.text(a + b)] + Array(repeating: .null, count: nulls)
            #expect(made.values == expected && made.count == expected.count, "\(a)\(b) \(nulls)")
        }
        // Two texts from their bytes put in place of a template's first two, empty texts: as
        // the values with those texts would pack (a link's ids and its role's values).
        let tails: [[SQLValue]] = [
            [.text("guardian"), .int(1), .int(1), .text("active"), .text("Ab-_09xZ")],
            [.null, .int(0), .double(-1.5), .text(long), .null], [],
        ]
        for tail in tails {
            let template = PackedArguments([.text(""), .text("")] + tail)
            for (a, b) in [("G1", "S-7"), ("", "Ñandú"), (long, ""), ("", "")] {
                var (a, b) = (a, b)
                let made = a.withUTF8 { x in b.withUTF8 { PackedArguments(x, $0, into: template) } }
                let expected = [SQLValue.text(a), .text(b)] + tail
                #expect(made.values == expected && made.count == expected.count, "\(a) \(b)")
            }
        }
        // Into a statement whose bindings the last run cleared, a NULL is left unbound: NULL
        // all the same, after a row that had a value there.
        _ = try db.run("DELETE FROM t")
        let full: [SQLValue] = [
            .text("a"), .int(2), .int(-7), .text("b"), .double(1.5), .null, .null,
        ]
        _ = try db.run(insert) { try $0.bind(PackedArguments(full), from: 1, cleared: true) }
        _ = try db.run(insert) { try $0.bind(packed, from: 1, cleared: true) }
        let rows = try db.query("SELECT * FROM t ORDER BY rowid")
        #expect(
            rows.map { r in ["a", "b", "c", "d", "e", "f", "g"].map { r[$0] } } == [full, values])
    }
    @Test func migrationsAreRecordedInOrderAndRunOnce() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        #expect(try Migrator.applied(db) == Schema.migrations.map(\.name))
        try Migrator.migrate(db)
        #expect(try Migrator.applied(db).count == Schema.migrations.count)
        #expect(try db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try db.scalar("PRAGMA foreign_keys")?.int == 1)
    }

    /// An import frees its own pages (staged rows, ids moved to disk) without overwriting
    /// them: they are in the connection's temporary file. The district's tables keep the
    /// library's setting (Debian's SQLite overwrites freed content with zeros).
    @Test func anImportOverwritesFreedPagesOfTheDistrictOnlyAsTheLibrarySays() throws {
        let fresh = try Database(path: ":memory:")
        let library = try fresh.scalar("PRAGMA main.secure_delete")
        let f = try Fixture()  // imports a bundle
        #expect(try f.db.scalar("PRAGMA main.secure_delete") == library)
        #expect(try f.db.scalar("PRAGMA temp.secure_delete") == .int(0))
    }

    /// The pages a write through a rollback journal changed are written back through SQLite's
    /// own descriptor of the file (found by its device and inode: the one open before), never
    /// one opened and closed beside it, whose close would drop SQLite's locks: while the write
    /// goes on, another connection still cannot take the file, and the write commits whole.
    /// None in memory.
    @Test func theWriteBackGoesThroughSQLitesOwnDescriptor() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        let store = try #require(db.sqlite)
        let fd = try #require(store.descriptorOfFile())
        var open = stat()
        var file = stat()
        #expect(fstat(fd, &open) == 0 && stat(path, &file) == 0 && open.st_ino == file.st_ino)
        let memory = try #require(try Database(path: ":memory:").sqlite)
        #expect(memory.descriptorOfFile() == nil && !memory.startWritingBack())
        try store.withRollbackJournal {
            #expect(store.writesThroughRollbackJournal)
            _ = try db.write {
                try db.execute("CREATE TABLE t(x)")
                for i in 0..<2000 {
                    try db.run(
                        "INSERT INTO t VALUES (?)",
                        [.text(String(repeating: "x", count: 100) + "\(i)")])
                }
                #expect(store.descriptorOfFile() == fd)
                #expect(store.startWritingBack())
                #expect(throws: (any Error).self) {
                    _ = try Database(path: path, create: false, busyTimeoutMs: 0)
                }
            }
        }
        #expect(!store.writesThroughRollbackJournal)
        let again = try Database.open(path: path, create: false)
        #expect(try again.count("SELECT count(*) FROM t") == 2000)
    }

    @Test func aNewFileHas16KBPagesAndAnOlderFileKeepsItsOwn() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        #expect(try db.scalar("PRAGMA page_size")?.int == 16384)
        // A file made with 4 KB pages (as earlier versions made them, or 8 KB) stays so, and works.
        try db.execute("PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;")
        try db.execute("PRAGMA journal_mode = WAL")
        let again = try Database.open(path: path, create: false)
        #expect(try again.scalar("PRAGMA page_size")?.int == 4096)
        #expect(try again.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try Migrator.applied(again) == Schema.migrations.map(\.name))
        _ = try again.write {
            try again.execute(
                "INSERT INTO districts(district_id, name, created_at) VALUES ('x', 'X', '2026-01-01')"
            )
        }
        #expect(try again.count("SELECT count(*) FROM districts") == 1)
    }

    @Test func lookUpsByEmailPhoneHouseholdAndStudentUseTheirIndexes() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        // A district of 300 families, analysed as an import leaves it.
        try db.execute(
            """
            INSERT INTO districts VALUES ('d', 'D', '2026-01-01');
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
            INSERT INTO households(district_id, household_id) SELECT 'd', 'H' || i FROM n;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
            INSERT INTO guardians(district_id, guardian_id, given_name, family_name, email, phone,
                household_id)
            SELECT 'd', 'G' || i, 'A', 'B', CASE WHEN i % 3 > 0 THEN 'g' || i || '@example.org' END,
                CASE WHEN i % 3 = 1 THEN '555' || i END, 'H' || ((i + 1) / 2)
            FROM n;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
            INSERT INTO students(district_id, student_id, given_name, family_name, household_id)
            SELECT 'd', 'S' || i, 'C', 'B', 'H' || ((i + 1) / 2) FROM n;
            INSERT INTO links(district_id, guardian_id, student_id)
            SELECT 'd', guardian_id, 'S' || substr(guardian_id, 2) FROM guardians;
            PRAGMA analysis_limit = 1000; ANALYZE;
            """)
        for (sql, index) in [
            (
                "SELECT guardian_id FROM guardians WHERE district_id = ? AND email = ?",
                "guardians_by_email"
            ),
            (
                "SELECT guardian_id FROM guardians WHERE district_id = ? AND phone = ?",
                "guardians_by_phone"
            ),
            (
                // `whois --phone`: the number, or the number and an extension.
                "SELECT guardian_id FROM guardians WHERE district_id = ? AND (phone = ? OR (phone > ? AND phone < ?))",
                "guardians_by_phone"
            ),
            (
                "SELECT guardian_id FROM guardians WHERE district_id = ? AND household_id = ?",
                "guardians_by_household"
            ),
            (
                "SELECT student_id FROM students WHERE district_id = ? AND household_id = ?",
                "students_by_household"
            ),
            (
                "SELECT guardian_id FROM links WHERE district_id = ? AND student_id = ? AND status = 'active' ORDER BY guardian_id",
                "links_by_student"
            ),
        ] {
            let values: [SQLValue] = [.text("d"), .text("S7"), .text("S7x"), .text("S7y")]
            let plan = try db.query(
                "EXPLAIN QUERY PLAN " + sql, Array(values.prefix(sql.filter { $0 == "?" }.count))
            )
            .map { $0.text("detail") }.joined(separator: "; ")
            #expect(
                plan.contains("USING INDEX \(index)")
                    || plan.contains("USING COVERING INDEX \(index)"), "\(sql): \(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(sql): \(plan)")
        }
        // The address and number indexes hold only the guardians that have one (a third have
        // neither, a third an address alone): no query looks up a missing one.
        let partial = try db.query("PRAGMA index_list(guardians)").filter { $0.int("partial") == 1 }
            .map { $0.text("name") }.sorted()
        #expect(partial == ["guardians_by_email", "guardians_by_phone"])
    }

    /// `access explain` looks for another record of a guardian by a range of folded names. The
    /// statistics an import samples (`analysis_limit` 1,000) put every district at about 1,000
    /// guardians, whatever its size; for a district of 270,000 (300,000 students), SQLite's
    /// planner then took the range of names for a 64th of the index, 4,200 rows, and read the
    /// district's every guardian by the primary key instead, unless the district is compared as
    /// an expression.
    @Test func theSearchByNameReadsTheNameIndexAloneInALargeDistrict() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        try db.execute(
            """
            INSERT INTO districts VALUES ('d', 'D', '2026-01-01');
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
            INSERT INTO guardians(district_id, guardian_id, given_name, family_name, search_key)
            SELECT 'd', 'G' || i, 'N' || (i % 40), 'F' || (i % 97), 'n' || (i % 40) || ' f' || (i % 97)
            FROM n;
            PRAGMA analysis_limit = 1000; ANALYZE;
            UPDATE sqlite_stat1 SET stat = '270000 1001 1' WHERE idx = 'guardians';
            UPDATE sqlite_stat1 SET stat = '270000 12 12' WHERE idx = 'guardians_by_name';
            ANALYZE sqlite_schema;
            """)
        func plan(_ sql: String) throws -> String {
            try db.query(
                "EXPLAIN QUERY PLAN " + sql,
                [.text("d"), .text("n12"), .text("n13"), .text("%f5%")]
            ).map { $0.text("detail") }.joined(separator: "; ")
        }
        let range = try plan(Access.nameRangeSQL)
        #expect(range.contains("USING COVERING INDEX guardians_by_name"), "\(range)")
        // What the statistics alone would do with the district compared as a column.
        let byKey = try plan(
            Access.nameRangeSQL.replacingOccurrences(
                of: "district_id || '' = ?1", with: "district_id = ?1"))
        // (Every guardian of the district, by the primary key or another index scanned whole.)
        #expect(!byKey.contains("guardians_by_name"), "\(byKey)")
    }

    @Test func laterMigrationsApplyToAnOlderFile() throws {
        let path = NSTemporaryDirectory() + "portalkit-" + UUID().uuidString + ".db"
        defer { removeDatabase(path) }
        let db = try Database(path: path)
        try Migrator.migrate(db, migrations: Array(Schema.migrations.prefix(1)))
        #expect(try db.count("SELECT count(*) FROM sqlite_master WHERE name = 'students'") == 0)
        try Migrator.migrate(db)
        #expect(try db.count("SELECT count(*) FROM sqlite_master WHERE name = 'students'") == 1)
    }

    @Test func writeRollsBackOnErrorAndOnDryRun() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.write {
                try db.run("INSERT INTO districts VALUES ('a', 'A', 'x')")
                throw Boom()
            }
        }
        try db.write(rollback: true) { try db.run("INSERT INTO districts VALUES ('b', 'B', 'x')") }
        #expect(try db.count("SELECT count(*) FROM districts") == 0)
        try db.write { try db.run("INSERT INTO districts VALUES ('c', 'C', 'x')") }
        #expect(try db.count("SELECT count(*) FROM districts") == 1)
    }

    @Test func resultCodesMapByClass() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        try db.run("INSERT INTO districts VALUES ('a', 'A', 'x')")
        do {
            try db.run("INSERT INTO districts VALUES ('a', 'A', 'x')")
            Issue.record("expected a constraint error")
        } catch let e as SQLiteError {
            #expect(e.isConstraint)
            #expect(e.portalError.code == .conflict)
            #expect(!e.portalError.message.contains("'a'"), "no bound values in the message")
        }
    }

    @Test func aSecondWriterWaitsThenReportsBusy() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        let other = try Database(path: path, create: false, busyTimeoutMs: 50)
        try db.execute("BEGIN IMMEDIATE")
        defer { try? db.execute("ROLLBACK") }
        do {
            try other.write { try other.run("INSERT INTO districts VALUES ('z', 'Z', 'x')") }
            Issue.record("expected busy")
        } catch let e as SQLiteError {
            #expect(e.isBusy && e.portalError.code == .busy)
        }
    }
}
