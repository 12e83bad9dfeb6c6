#if !PORTALADMIN_NO_POSTGRES
    internal import CPostgres
#endif
internal import FoundationEssentials
internal import Synchronization

#if canImport(Glibc)
    internal import Glibc
#endif

/// A failure the PostgreSQL server reported, by its SQLSTATE
/// (https://www.postgresql.org/docs/current/errcodes-appendix.html). Its message never carries a
/// bound value: values travel apart from the statement.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    let sqlState: String
    let message: String

    /// A serialization failure or a deadlock: the transaction is run again.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// The SQLSTATE and the server's message.
    public var description: String { "PostgreSQL error \(sqlState): \(message)" }

    /// The user-facing error for this failure.
    public var portalError: PortalError {
        switch sqlState {
        case "57014":
            return Interrupts.interrupted
        case "40001", "40P01", "55P03":
            return PortalError(
                .busy, "the database is busy (other operators are changing the same rows)",
                hint: "retry in a moment", cause: self)
        case "42501":
            return PortalError(
                .permission,
                "the database role this connection uses may not do this (a grant or a row-level security policy refuses it)",
                hint: "connect as a role of this district, or ask the database administrator",
                cause: self)
        case "53100":
            return PortalError(
                .ioError, "the database server's disk is full; nothing was written",
                hint: "free space on the server and run the command again", cause: self)
        case let s where s.hasPrefix("08") || s.hasPrefix("57P"):
            return PortalError(
                .ioError, "the connection to the PostgreSQL server was lost; nothing was written",
                hint: "check the server is running and run the command again", cause: self)
        default:
            return PortalError(
                .internal, "the PostgreSQL server refused a statement (\(sqlState): \(message))",
                hint: "report what you ran", cause: self)
        }
    }
}

/// How a write transaction the server made fail by another's (a serialization failure, a
/// deadlock) is run again, and SQLite's switch to WAL that another connection's rollback
/// journal made fail (see `SQLiteStore.init`): until `budget` has passed since its first try,
/// the time SQLite waits for a lock (`PORTALADMIN_BUSY_TIMEOUT_MS`), each pause twice the last
/// up to 64 ms, with as much again at random, so that writers that collided collide less. Five
/// tries, as before, were spent in about 50 ms: under load, one of eight writers to one
/// district's audit chain at once met the others five times and gave up busy.
struct WriteRetries {
    let budget: Duration

    /// The pause before the try after try `attempt` (1 for the first), or nil when no time is left
    /// for it `elapsed` after the first began.
    func pause(after attempt: Int, elapsed: Duration) -> Duration? {
        let ms = 1 << min(max(attempt, 1), 6)
        let pause = Duration.microseconds(ms * 1000 + Int.random(in: 0..<(ms * 1000)))
        return elapsed + pause <= budget ? pause : nil
    }
}

#if !PORTALADMIN_NO_POSTGRES
    /// The PostgreSQL store: one connection (libpq), not shared between threads. Statements are
    /// SQLite's, rewritten once by `Dialect`; values are sent as text beside the statement, and
    /// the server gives each the type its place needs. Write transactions are serializable and run
    /// again when the server reports a serialization failure or a deadlock, for as long as SQLite
    /// waits for a lock (`WriteRetries`; so the audit chain, read and extended by every change,
    /// never forks). The roster import's bulk
    /// paths are SQLite's (see `Database.bulk`).
    final class PostgresStore: Store {
        private let conn: OpaquePointer
        private let canceller: OpaquePointer?
        let path: String
        private(set) var transactionNumber = 0
        private var depth = 0
        private let stopped = Atomic<Bool>(false)
        private var translated: [String: String] = [:]
        private let retries: WriteRetries

        var inTransaction: Bool { depth > 0 }

        /// Connects to the server at `url` (libpq's connection URI, e.g.
        /// `postgresql://portal@db.example.org/portal` or `postgresql:///portal?host=/run/postgresql`).
        /// `busyTimeoutMs`: how long a write transaction others keep making fail is tried again.
        init(url: String, busyTimeoutMs: Int32 = 5000) throws {
            let shown = Database.redactingPassword(url)
            guard let c = PQconnectdb(url) else {
                throw PortalError(.internal, "out of memory connecting to '\(shown)'")
            }
            guard PQstatus(c) == CONNECTION_OK else {
                let why =
                    String(cString: PQerrorMessage(c)).split(separator: "\n").first.map(
                        String.init) ?? ""
                PQfinish(c)
                throw PortalError(
                    .ioError, "cannot connect to the PostgreSQL server at '\(shown)'",
                    hint:
                        "check the server is running and the address (host, port, database, user); a password goes in ~/.pgpass or PGPASSFILE, never in the address",
                    action: .chooseDatabase, cause: CauseText(why))
            }
            conn = c
            retries = WriteRetries(budget: .milliseconds(max(busyTimeoutMs, 0)))
            canceller = PQgetCancel(c)
            path = shown
            // Ctrl-C asks the server to stop the running statement (PQcancel may be called from
            // any thread); the transaction then rolls back.
            if let canceller {
                let cancel = Canceller(pointer: canceller)
                Interrupts.attach(id: Int(bitPattern: canceller)) { cancel.send() }
            }
            try execute("SET client_min_messages = warning")
        }

        deinit {
            if let canceller {
                Interrupts.detach(id: Int(bitPattern: canceller))
                PQfreeCancel(canceller)
            }
            PQfinish(conn)
        }

        /// libpq's cancel handle, which it allows to be used from another thread.
        private struct Canceller: @unchecked Sendable {
            let pointer: OpaquePointer
            func send() {
                var buffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(pointer, &buffer, 256)
            }
        }

        // MARK: statements

        private func dialect(_ sql: String) -> String {
            if let t = translated[sql] { return t }
            let t = Dialect.postgres(sql)
            translated[sql] = t
            return t
        }

        private func error(_ result: OpaquePointer?) -> PostgresError {
            func field(_ code: Int32) -> String {
                guard let result, let p = PQresultErrorField(result, code) else { return "" }
                return String(cString: p)
            }
            let state = field(Int32(UInt8(ascii: "C")))  // PG_DIAG_SQLSTATE
            let message = field(Int32(UInt8(ascii: "M")))  // PG_DIAG_MESSAGE_PRIMARY
            if state.isEmpty {
                // No result from the server: the connection itself failed.
                let why = String(cString: PQerrorMessage(conn)).split(separator: "\n").first ?? ""
                return PostgresError(sqlState: "08000", message: String(why))
            }
            return PostgresError(sqlState: state, message: message)
        }

        /// Runs one statement with its values; the result, checked.
        private func exec(_ sql: String, _ args: [SQLValue]) throws -> OpaquePointer {
            drain()
            let text = dialect(sql)
            return try checked(
                withParameters(args) {
                    PQexecParams(conn, text, Int32(args.count), nil, $0, nil, nil, 0)
                })
        }

        /// Calls `body` with the values as libpq takes them: text, NULL as a null pointer.
        private func withParameters<R>(
            _ args: [SQLValue], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
        ) -> R {
            let values: [UnsafeMutablePointer<CChar>?] = args.map {
                $0.string.map { strdup($0) } ?? nil
            }
            defer { for v in values { free(v) } }
            return values.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: UnsafePointer<CChar>?.self) { body($0.baseAddress) }
            }
        }

        private func checked(_ result: OpaquePointer?) throws -> OpaquePointer {
            guard let result else { throw error(nil) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                return result
            default:
                let e = error(result)
                PQclear(result)
                throw e
            }
        }

        func execute(_ sql: String) throws {
            drain()
            PQclear(try checked(PQexec(conn, dialect(sql))))
        }

        func run(_ sql: String, _ args: [SQLValue]) throws -> Int {
            let r = try exec(sql, args)
            defer { PQclear(r) }
            return Int(String(cString: PQcmdTuples(r))) ?? 0
        }

        /// The rows of a query being read a row at a time (see `forEach`).
        private final class Stream {
            var rows: [Row] = []
            var next = 0
            var done = false
            var failure: (any Error)?
            var columns: [String] = []
            var types: [Oid] = []
        }
        /// The stream the connection is in the middle of, if any.
        private var open: Stream?

        /// Reads one result of the open stream: a row, its end, or its error.
        private func readStream(_ stream: Stream) {
            guard let r = PQgetResult(conn) else {
                stream.done = true
                if open === stream { open = nil }
                return
            }
            defer { PQclear(r) }
            switch PQresultStatus(r) {
            case PGRES_SINGLE_TUPLE:
                if stream.columns.isEmpty {
                    stream.columns = (0..<PQnfields(r)).map { String(cString: PQfname(r, $0)) }
                    stream.types = (0..<PQnfields(r)).map { PQftype(r, $0) }
                }
                stream.rows.append(
                    Row(
                        columns: stream.columns,
                        values: stream.types.indices.map { c in
                            value(r, 0, Int32(c), stream.types[c])
                        }))
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                break
            default:
                if stream.failure == nil { stream.failure = error(r) }
            }
        }

        /// Reads the rest of the open stream into its buffer: the connection takes one command at
        /// a time, and a statement run while a query's rows are read (SQLite allows that) must wait.
        private func drain() {
            while let stream = open { readStream(stream) }
        }

        /// Each row as the server sends it (libpq's single-row mode), so that a large result is
        /// never held whole; when `body` runs a statement of its own, the rest is read first.
        func forEach(_ sql: String, _ args: [SQLValue], _ body: (Row) throws -> Void) throws {
            drain()
            let text = dialect(sql)
            let sent = withParameters(args) {
                PQsendQueryParams(conn, text, Int32(args.count), nil, $0, nil, nil, 0)
            }
            guard sent == 1 else { throw error(nil) }
            PQsetSingleRowMode(conn)
            let stream = Stream()
            open = stream
            defer { drain() }  // a body that throws leaves the rest unread
            while true {
                if stream.next < stream.rows.count {
                    let row = stream.rows[stream.next]
                    stream.next += 1
                    if stream.next == stream.rows.count {
                        stream.rows.removeAll(keepingCapacity: true)
                        stream.next = 0
                    }
                    try body(row)
                    continue
                }
                if let failure = stream.failure { throw failure }
                if stream.done { return }
                readStream(stream)
            }
        }

        /// A value as its column's type reads: integers and true/false as numbers, the rest as text.
        private func value(_ r: OpaquePointer, _ row: Int32, _ column: Int32, _ type: Oid)
            -> SQLValue
        {
            if PQgetisnull(r, row, column) != 0 { return .null }
            let text = String(cString: PQgetvalue(r, row, column))
            switch type {
            case 20, 21, 23, 26:  // int8, int2, int4, oid
                return Int64(text).map { .int($0) } ?? .text(text)
            case 16:  // bool
                return .int(text == "t" ? 1 : 0)
            case 700, 701:  // float4, float8
                return Double(text).map { .double($0) } ?? .text(text)
            case 1700:  // numeric: a sum of integers is one
                return Int64(text).map { .int($0) } ?? Double(text).map { .double($0) }
                    ?? .text(text)
            default:
                return .text(text)
            }
        }

        func query(_ sql: String, _ args: [SQLValue]) throws -> [Row] {
            var rows: [Row] = []
            try forEach(sql, args) { rows.append($0) }
            return rows
        }

        func first(_ sql: String, _ args: [SQLValue]) throws -> Row? {
            try query(sql, args).first
        }

        func scalar(_ sql: String, _ args: [SQLValue]) throws -> SQLValue? {
            try first(sql, args)?.values.first
        }

        // MARK: transactions

        func write<T>(rollback: Bool, _ body: () throws -> T) throws -> T {
            if depth > 0 {
                if rollback {
                    throw PortalError(.internal, "a nested transaction cannot roll back on its own")
                }
                return try body()
            }
            let start = ContinuousClock.now
            var attempt = 1
            while true {
                try execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                depth = 1
                transactionNumber += 1
                do {
                    let value = try body()
                    try execute(rollback ? "ROLLBACK" : "COMMIT")
                    if !rollback { Interrupts.noteCommitted() }
                    depth = 0
                    return value
                } catch {
                    try? execute("ROLLBACK")
                    depth = 0
                    guard (error as? PostgresError)?.isRetryable == true,
                        let pause = retries.pause(after: attempt, elapsed: .now - start)
                    else { throw error }
                    attempt += 1
                    try checkInterrupted()
                    usleep(UInt32(pause / .microseconds(1)))
                }
            }
        }

        func read<T>(_ body: () throws -> T) throws -> T {
            if depth > 0 { return try body() }
            try execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            depth = 1
            defer {
                try? execute("COMMIT")
                depth = 0
            }
            return try body()
        }

        func commitBatch() throws {
            guard depth > 0 else { return }
            try execute("COMMIT")
            Interrupts.noteCommitted()
            try execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            transactionNumber += 1
        }

        func interrupt() {
            stopped.store(true, ordering: .relaxed)
            if let canceller { Canceller(pointer: canceller).send() }
        }

        func checkInterrupted() throws {
            if stopped.load(ordering: .relaxed) { throw Interrupts.interrupted }
            try Interrupts.check()
        }

        // MARK: migrations

        /// The advisory lock migrators take, so that two first commands do not both migrate.
        private static let migrationLock: Int64 = 0x5041_444D  // "PADM"

        func migrate(_ migrations: [Migration]) throws {
            let all = migrations + PostgresSchema.migrations
            if let applied = try? appliedMigrations(), Set(applied) == Set(all.map(\.name)) {
                return
            }
            let hasLedger =
                try scalar("SELECT to_regclass('schema_migrations') IS NOT NULL", [])?.int == 1
            let tables = Int(
                try scalar(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", [])?.int
                    ?? 0)
            if !hasLedger && tables > 0 {
                throw PortalError(
                    .dataError,
                    "the PostgreSQL database at '\(path)' has tables but is not a portaladmin database",
                    hint: "name an empty database or one portaladmin made", action: .chooseDatabase)
            }
            try write(rollback: false) {
                try execute(
                    """
                    SELECT pg_advisory_xact_lock(\(Self.migrationLock));
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        seq BIGSERIAL,
                        name TEXT PRIMARY KEY,
                        applied_at TEXT NOT NULL
                            DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    )
                    """)
            }
            let applied = Set(try appliedMigrations())
            if let unknown = applied.subtracting(all.map(\.name)).sorted().first {
                throw PortalError(
                    .dataError,
                    "the database was written by a newer version of portaladmin (it has schema step '\(unknown)')",
                    hint: "upgrade portaladmin, or name another database", action: .chooseDatabase)
            }
            for m in all where !applied.contains(m.name) {
                try write(rollback: false) {
                    try execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
                    if try scalar("SELECT 1 FROM schema_migrations WHERE name = ?", [.text(m.name)])
                        != nil
                    {
                        return
                    }
                    try execute(m.sql)
                    _ = try run("INSERT INTO schema_migrations(name) VALUES (?)", [.text(m.name)])
                }
            }
        }

        func appliedMigrations() throws -> [String] {
            try query("SELECT name FROM schema_migrations ORDER BY seq", []).map { $0.text("name") }
        }
    }

    extension PostgresStore {
        /// Sends the rows `produce` gives to `table` with COPY (text format, NULL as `\N`).
        func copyIn(
            _ table: String, columns: [String],
            _ produce: (_ row: ([SQLValue]) throws -> Void) throws -> Void
        ) throws {
            let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
            drain()
            guard let started = PQexec(conn, sql) else { throw error(nil) }
            guard PQresultStatus(started) == PGRES_COPY_IN else {
                PQclear(try checked(started))
                throw PortalError(.internal, "the server did not take COPY for \(table)")
            }
            PQclear(started)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            func flush() throws {
                guard !buffer.isEmpty else { return }
                let ok = buffer.withUnsafeBufferPointer { b in
                    b.withMemoryRebound(to: CChar.self) {
                        PQputCopyData(conn, $0.baseAddress, Int32($0.count))
                    }
                }
                guard ok == 1 else { throw error(nil) }
                buffer.removeAll(keepingCapacity: true)
            }
            func send(_ row: [SQLValue]) throws {
                for (i, v) in row.enumerated() {
                    if i > 0 { buffer.append(9) }
                    guard let text = v.string else {
                        buffer.append(contentsOf: Array("\\N".utf8))
                        continue
                    }
                    for b in text.utf8 {
                        switch b {
                        case UInt8(ascii: "\\"): buffer.append(contentsOf: [92, 92])
                        case 9: buffer.append(contentsOf: [92, UInt8(ascii: "t")])
                        case 10: buffer.append(contentsOf: [92, UInt8(ascii: "n")])
                        case 13: buffer.append(contentsOf: [92, UInt8(ascii: "r")])
                        default: buffer.append(b)
                        }
                    }
                }
                buffer.append(10)
                if buffer.count > 1 << 16 { try flush() }
            }
            do {
                try produce(send)
            } catch {
                _ = PQputCopyEnd(conn, "the rows could not be read")
                while let r = PQgetResult(conn) { PQclear(r) }
                throw error
            }
            try flush()
            guard PQputCopyEnd(conn, nil) == 1 else { throw error(nil) }
            while let r = PQgetResult(conn) {
                defer { PQclear(r) }
                if PQresultStatus(r) != PGRES_COMMAND_OK { throw error(r) }
            }
        }
    }
#endif
