/// What PortalKit's domain code needs of a database: statements and queries, transactions, an
/// interrupt, and its migrations. `SQLiteStore` is the one there is; a second backend is another
/// implementation of this, behind the same `Database`, with no edit to the domain code.
protocol Store: AnyObject {
    /// Where the data is (a file path, a server address), for messages.
    var path: String { get }
    /// Increases with every write transaction (see `Database.transactionNumber`).
    var transactionNumber: Int { get }
    var inTransaction: Bool { get }

    /// Runs statements that take no arguments and return no rows.
    func execute(_ sql: String) throws
    /// Runs one statement; the number of rows it changed.
    func run(_ sql: String, _ args: [SQLValue]) throws -> Int
    /// Each row of a query, as it is read.
    func forEach(_ sql: String, _ args: [SQLValue], _ body: (Row) throws -> Void) throws
    func query(_ sql: String, _ args: [SQLValue]) throws -> [Row]
    func first(_ sql: String, _ args: [SQLValue]) throws -> Row?
    func scalar(_ sql: String, _ args: [SQLValue]) throws -> SQLValue?

    /// One write transaction around `body`: committed, or rolled back when it throws or with
    /// `rollback`; a nested call joins the outer one (a nested rollback is an error).
    func write<T>(rollback: Bool, _ body: () throws -> T) throws -> T
    /// One read snapshot around `body`.
    func read<T>(_ body: () throws -> T) throws -> T
    /// Commits the work so far and opens the next write transaction.
    func commitBatch() throws

    /// Stops the running statement and makes the open transaction roll back.
    func interrupt()
    func checkInterrupted() throws

    /// Brings the schema up to date, refusing data written by a newer version.
    func migrate(_ migrations: [Migration]) throws
    /// The names of the migrations applied, in order.
    func appliedMigrations() throws -> [String]
}

/// A database as PortalKit's callers hold it: a handle to pass to PortalKit's operations, over
/// whichever `Store` keeps the data. SQL runs only inside PortalKit.
public final class Database {
    let store: any Store
    /// The SQLite store when that is the one (its bulk paths need it); nil for another.
    let sqlite: SQLiteStore?

    init(store: any Store) {
        self.store = store
        sqlite = store as? SQLiteStore
    }

    /// Opens (creating if asked) the SQLite database at `path`; see `SQLiteStore`.
    public convenience init(path: String, create: Bool = true, busyTimeoutMs: Int32 = 5000) throws {
        self.init(store: try SQLiteStore(path: path, create: create, busyTimeoutMs: busyTimeoutMs))
    }

    /// Where the data is, for messages.
    public var path: String { store.path }

    /// The SQLite library this program runs on.
    public static var libraryVersion: String { SQLiteStore.libraryVersion }

    /// Stops this database's work from another thread: the running statement ends, and the
    /// open write transaction throws `.interrupted` at its next check and rolls back.
    public func interrupt() { store.interrupt() }

    /// Throws `.interrupted` when Ctrl-C was pressed or `interrupt()` was called.
    public func checkInterrupted() throws { try store.checkInterrupted() }

    /// Increases with every write transaction, so callers can tell whether a value they cached
    /// belongs to the transaction still open.
    var transactionNumber: Int { store.transactionNumber }
    var inTransaction: Bool { store.inTransaction }

    func execute(_ sql: String) throws { try store.execute(sql) }
    @discardableResult
    func run(_ sql: String, _ args: [SQLValue] = []) throws -> Int { try store.run(sql, args) }
    func forEach(_ sql: String, _ args: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
        try store.forEach(sql, args, body)
    }
    func query(_ sql: String, _ args: [SQLValue] = []) throws -> [Row] {
        try store.query(sql, args)
    }
    func first(_ sql: String, _ args: [SQLValue] = []) throws -> Row? {
        try store.first(sql, args)
    }
    func scalar(_ sql: String, _ args: [SQLValue] = []) throws -> SQLValue? {
        try store.scalar(sql, args)
    }
    func count(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
        Int(try scalar(sql, args)?.int ?? 0)
    }
    @discardableResult
    func write<T>(rollback: Bool = false, _ body: () throws -> T) throws -> T {
        try store.write(rollback: rollback, body)
    }
    func read<T>(_ body: () throws -> T) throws -> T { try store.read(body) }
    func commitBatch() throws { try store.commitBatch() }

    // MARK: the SQLite store's bulk paths

    /// The SQLite store, for the paths that bind text in place; another store has none yet.
    func bulk() throws -> SQLiteStore {
        guard let sqlite else {
            throw PortalError(
                .failure,
                "this command reads and writes in bulk, which this version does only on SQLite; the database at '\(path)' is PostgreSQL",
                hint:
                    "run it on an SQLite database (the one the district came from, or a copy)"
            )
        }
        return sqlite
    }

    func statement(_ sql: String) throws -> Statement { try bulk().statement(sql) }
    @discardableResult
    func run(_ s: Statement, _ args: [SQLValue]) throws -> Int { try bulk().run(s, args) }
    @discardableResult
    func run(_ s: Statement, binding bind: (Statement) throws -> Void) throws -> Int {
        try bulk().run(s, binding: bind)
    }
    func firstValue(_ s: Statement, binding bind: (Statement) throws -> Void) throws -> SQLValue? {
        try bulk().firstValue(s, binding: bind)
    }
    func first(_ s: Statement, _ args: [SQLValue]) throws -> Row? { try bulk().first(s, args) }
    func forEachText(
        _ sql: String, _ args: [SQLValue],
        _ body: (UnsafeBufferPointer<UInt8>, _ rest: () -> [SQLValue]) throws -> Void
    ) throws {
        try bulk().forEachText(sql, args, body)
    }
    func forEachRaw(_ sql: String, _ args: [SQLValue], _ body: (RawRow) throws -> Void) throws {
        try bulk().forEachRaw(sql, args, body)
    }
}
