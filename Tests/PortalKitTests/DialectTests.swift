import Testing

@testable import PortalKit

/// SQLite's SQL as PostgreSQL is given it (`Dialect`).
@Suite struct DialectTests {
    @Test func parametersAreNumbered() {
        #expect(Dialect.postgres("VALUES (?,?,?)") == "VALUES ($1,$2,$3)")
        #expect(
            Dialect.postgres("WHERE a = ?1 AND (?2 IS NULL OR b = ?2) LIMIT ?")
                == "WHERE a = $1 AND ($2::text IS NULL OR b = $2) LIMIT $3")
        #expect(Dialect.postgres("WHERE a = '?' AND b = ?") == "WHERE a = '?' AND b = $1")
    }

    @Test func sqliteWordsBecomePostgresOnes() {
        #expect(
            Dialect.postgres("SELECT 1 FROM t WHERE a IS ? AND b IS NOT ? AND c IS NULL")
                == "SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM $1 AND b IS DISTINCT FROM $2 AND c IS NULL"
        )
        #expect(
            Dialect.postgres("SELECT x FROM t WHERE k LIKE ? ESCAPE '\\' AND unlike = 'LIKE'")
                == "SELECT x FROM t WHERE k ILIKE $1 ESCAPE '\\' AND unlike = 'LIKE'")
        #expect(
            Dialect.postgres("SELECT k FROM t WHERE k COLLATE BINARY >= ? AND n = 'COLLATE BINARY'")
                == "SELECT k FROM t WHERE k COLLATE \"C\" >= $1 AND n = 'COLLATE BINARY'")
        #expect(
            Dialect.postgres("INSERT OR IGNORE INTO temp.keys(a) VALUES (?)")
                == "INSERT INTO pg_temp.keys(a) VALUES ($1) ON CONFLICT DO NOTHING")
        #expect(
            Dialect.postgres("SELECT a || char(31) || b, group_concat(DISTINCT lower(r)) FROM t")
                == "SELECT a || chr(31) || b, string_agg(DISTINCT lower(r), ',') FROM t")
        #expect(
            Dialect.postgres("SELECT varchar(1), attempt.x FROM attempt")
                == "SELECT varchar(1), attempt.x FROM attempt")
    }

    @Test func schemaStepsLoseWhatIsSQLitesOwn() {
        let sql = """
            CREATE TABLE l (d TEXT NOT NULL REFERENCES districts(district_id), g TEXT,
                FOREIGN KEY (d, g) REFERENCES guardians(district_id, guardian_id)) WITHOUT ROWID;
            PRAGMA defer_foreign_keys = ON; PRAGMA cache_size = -2048
            """
        #expect(
            Dialect.postgres(sql) == """
                CREATE TABLE l (d TEXT NOT NULL REFERENCES districts(district_id) DEFERRABLE, g TEXT,
                    FOREIGN KEY (d, g) REFERENCES guardians(district_id, guardian_id) DEFERRABLE); SET CONSTRAINTS ALL DEFERRED;
                """)
    }
}
