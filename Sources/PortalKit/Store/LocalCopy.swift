internal import FoundationEssentials

#if canImport(Glibc)
    internal import Glibc
#endif

/// A district's rows copied from a PostgreSQL store into a scratch SQLite file, for the work
/// whose bulk paths are SQLite's (the roster import, the duplicate finders): it runs there as
/// it does on SQLite, every check and message the same, and what it changed goes back to the
/// server with COPY, in the caller's transaction (`writeBack`). The audit log is not copied
/// (only its head, which new rows chain from). The file is removed with the copy.
final class LocalCopy {
    let db: Database
    private let folder: String
    /// The tables copied, each with its key's columns.
    private var tables: [(name: String, columns: [String], key: [String])] = []

    /// Copies `district`'s rows of `only` (every table of the district when nil) from `source`.
    init(of district: String, from source: Database, only: Set<String>? = nil) throws {
        let base = TemporaryFolder.path
        var template = Array((base + "/portaladmin-copy-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TemporaryFolder.cannotMake(in: base, why: String(cString: strerror(errno)))
        }
        folder = String(cString: made)
        do {
            db = try Database(path: folder + "/district.db", create: true)
            db.sqlite?.countsCommits = false
            try Migrator.migrate(db)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        for t in try db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' AND name NOT LIKE 'sqlite%' ORDER BY name"
        ) {
            let name = t.text("name")
            if let only, !only.contains(name) { continue }
            let info = try db.query("SELECT name, pk FROM pragma_table_info(?)", [.text(name)])
            guard info.contains(where: { $0.text("name") == "district_id" }) else { continue }
            let key = info.filter { ($0.int("pk") ?? 0) > 0 }.sorted {
                ($0.int("pk") ?? 0) < ($1.int("pk") ?? 0)
            }.map { $0.text("name") }
            tables.append((name, info.map { $0.text("name") }, key))
        }
        try db.write {
            try db.execute("PRAGMA defer_foreign_keys = ON")
            for t in tables {
                let columns = t.columns.joined(separator: ", ")
                if t.name != "audit_log" {
                    let insert = try db.statement(
                        "INSERT INTO \(t.name)(\(columns)) VALUES (\(t.columns.map { _ in "?" }.joined(separator: ", ")))"
                    )
                    try source.forEach(
                        "SELECT \(columns) FROM \(t.name) WHERE district_id = ?", [.text(district)]
                    ) { row in try db.run(insert, row.values) }
                }
                try db.execute("CREATE TABLE copied_\(t.name) AS SELECT * FROM \(t.name)")
            }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// Writes what changed in the copy since it was made to `target`: rows new or changed
    /// (COPY into a temporary table, then inserted or updated by key), and rows gone.
    func writeBack(to target: Database) throws {
        #if PORTALADMIN_NO_POSTGRES
            throw PortalError(.internal, "a local copy writes back to PostgreSQL only")
        #else
            guard let pg = target.store as? PostgresStore else {
                throw PortalError(.internal, "a local copy writes back to PostgreSQL only")
            }
            try writeBack(to: target, pg)
        #endif
    }

    #if !PORTALADMIN_NO_POSTGRES
        private func writeBack(to target: Database, _ pg: PostgresStore) throws {
            try target.execute("SET CONSTRAINTS ALL DEFERRED")
            for t in tables {
                let columns = t.columns.joined(separator: ", ")
                let keys = t.key.joined(separator: ", ")
                let gone = try db.query(
                    "SELECT \(keys) FROM copied_\(t.name) EXCEPT SELECT \(keys) FROM \(t.name)")
                for row in gone {
                    _ = try target.run(
                        "DELETE FROM \(t.name) WHERE \(t.key.map { "\($0) = ?" }.joined(separator: " AND "))",
                        row.values)
                }
                let changed =
                    "SELECT \(columns) FROM \(t.name) EXCEPT SELECT \(columns) FROM copied_\(t.name)"
                guard try db.first("SELECT 1 FROM (\(changed)) AS c LIMIT 1") != nil else {
                    continue
                }
                try target.execute(
                    "DROP TABLE IF EXISTS pg_temp.incoming; CREATE TEMP TABLE incoming ON COMMIT DROP AS SELECT * FROM \(t.name) WHERE false"
                )
                try pg.copyIn("pg_temp.incoming", columns: t.columns) { send in
                    try db.forEach(changed) { try send($0.values) }
                }
                let others = t.columns.filter { !t.key.contains($0) }
                let update =
                    others.isEmpty
                    ? "DO NOTHING"
                    : "DO UPDATE SET "
                        + others.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
                try target.execute(
                    "INSERT INTO \(t.name) (\(columns)) SELECT \(columns) FROM pg_temp.incoming ON CONFLICT (\(keys)) \(update); DROP TABLE pg_temp.incoming"
                )
            }
        }
    #endif
}
