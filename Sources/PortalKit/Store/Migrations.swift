/// One named schema step. Steps run in order, once, each in its own transaction, and their names
/// are recorded in `schema_migrations` (the pattern of GRDB's `DatabaseMigrator`).
struct Migration: Sendable {
    let name: String
    let sql: String
}

enum Migrator {
    /// Marks the file as ours: `PRAGMA application_id` (see https://www.sqlite.org/pragma.html).
    static let applicationID: Int64 = 0x5041_444D  // "PADM"

    /// Brings the database up to date. Refuses a file written by a newer version (one that has
    /// migrations this binary does not know) and a SQLite file that is not a portaladmin database.
    public static func migrate(_ db: Database, migrations: [Migration] = Schema.migrations) throws {
        try db.store.migrate(migrations)
    }

    /// The names of the migrations applied to `db`, in order.
    public static func applied(_ db: Database) throws -> [String] {
        try db.store.appliedMigrations()
    }

    /// `migrate` for SQLite: the migrations ledger in a table, the file marked as ours.
    static func migrate(_ db: SQLiteStore, _ migrations: [Migration]) throws {
        // Fast path for every command after the first: one read, no write lock.
        if let applied = try? db.query("SELECT name FROM schema_migrations").map({ $0.text("name") }
        ),
            Set(applied) == Set(migrations.map(\.name))
        {
            return
        }
        let appID = try db.scalar("PRAGMA application_id")?.int ?? 0
        let tables = try db.count("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        if appID != applicationID && tables > 0 && appID != 0 {
            throw notOurs(db)
        }
        let hasLedger =
            try db.count(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
            ) > 0
        if appID == 0 && tables > 0 && !hasLedger {
            throw notOurs(db)
        }
        try db.write {
            try db.execute("PRAGMA application_id = \(applicationID)")
            try db.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name TEXT PRIMARY KEY,
                    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
                )
                """)
        }
        let applied = Set(
            try db.query("SELECT name FROM schema_migrations").map { $0.text("name") })
        let known = Set(migrations.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw PortalError(
                .dataError,
                "the database was written by a newer version of portaladmin (it has schema step '\(unknown)')",
                hint: "upgrade portaladmin, or name another database", action: .chooseDatabase)
        }
        for m in migrations where !applied.contains(m.name) {
            try db.write {
                // Another process may have applied it while we waited for the write lock.
                if try db.count(
                    "SELECT count(*) FROM schema_migrations WHERE name = ?", [.text(m.name)]) > 0
                {
                    return
                }
                try db.execute(m.sql)
                try db.run("INSERT INTO schema_migrations(name) VALUES (?)", [.text(m.name)])
            }
        }
    }

    static func applied(_ db: SQLiteStore) throws -> [String] {
        try db.query("SELECT name FROM schema_migrations ORDER BY rowid").map { $0.text("name") }
    }

    private static func notOurs(_ db: SQLiteStore) -> PortalError {
        PortalError(
            .dataError, "'\(db.path)' is a SQLite file but not a portaladmin database",
            hint: "name a portaladmin database or a new path", action: .chooseDatabase)
    }
}
