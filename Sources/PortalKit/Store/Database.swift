internal import CSQLite
internal import FoundationEssentials
internal import Synchronization

#if canImport(Glibc)
    internal import Glibc
#endif

/// A value bound to or read from a statement.
enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    var string: String? {
        switch self {
        case .text(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .null: nil
        }
    }

    var int: Int64? {
        switch self {
        case .int(let i): i
        case .text(let s): Int64(s)
        case .double(let d): Int64(d)
        case .null: nil
        }
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral
{
    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    init(_ s: String?) { self = s.map { .text($0) } ?? .null }
    init(_ i: Int?) { self = i.map { .int(Int64($0)) } ?? .null }
    init(_ b: Bool) { self = .int(b ? 1 : 0) }
}

/// Arguments for a statement run once per row, packed one after another in one buffer: made
/// where there is time to spare, then bound in place by `Statement.bind(_:count:from:)`. Only
/// the buffer is kept, not the values it was made from: an array of them, kept with every row
/// until the row was let go of, was a tenth of the work of the thread making OneRoster rows
/// (its strings retained into it, then released cold, long after, once the writer was done);
/// the few that read a row's values again (a changed row's update, a key looked up) decode
/// them. (Sendable: its bytes never change once made.)
struct PackedArguments: @unchecked Sendable {
    let bytes: PackedBytes

    init(_ values: [SQLValue]) {
        // The values read in place: a copy of each (a retain and a release of its text) was
        // a sixth of the making of a row's arguments.
        let total = values.withUnsafeBufferPointer { v in
            var total = 0
            for i in v.indices {
                switch v[i] {
                case .text(let s): total += s.utf8.count
                case .int, .double: total += 8
                case .null: break
                }
            }
            return total
        }
        let box = unsafeDowncast(
            PackedBytes.create(minimumCapacity: PackedBytes.lengthBytes * values.count + total) {
                _ in values.count
            },
            to: PackedBytes.self)
        box.withUnsafeMutablePointerToElements { to in
            values.withUnsafeBufferPointer { v in
                var count = PackedBytes.lengthBytes * v.count
                for i in v.indices {
                    let length: UInt32
                    switch v[i] {
                    case .null: length = PackedBytes.null
                    case .int(let n):
                        length = PackedBytes.int
                        UnsafeMutableRawPointer(to + count).storeBytes(of: n, as: Int64.self)
                        count += 8
                    case .double(let d):
                        length = PackedBytes.double
                        UnsafeMutableRawPointer(to + count).storeBytes(of: d, as: Double.self)
                        count += 8
                    case .text(let s):
                        length = UInt32(s.utf8.count)
                        Self.copyUTF8(s, to: to + count)
                        count += Int(length)
                    }
                    UnsafeMutableRawPointer(to + PackedBytes.lengthBytes * i).storeBytes(
                        of: length, as: UInt32.self)
                }
            }
        }
        bytes = box
    }

    /// `count` texts (nil: NULL) of `textBytes` bytes in all, put by `fill` one after another
    /// (see `TextPacker`): no array of values made, and no text retained into one (a
    /// guardian's or student's row, a dozen texts, each retained into the array and released
    /// with it, about 970 instructions a row on the thread making OneRoster rows).
    @inline(__always)
    init(count: Int, textBytes: Int, _ fill: (inout TextPacker) -> Void) {
        let box = unsafeDowncast(
            PackedBytes.create(minimumCapacity: PackedBytes.lengthBytes * count + textBytes) {
                _ in count
            },
            to: PackedBytes.self)
        box.withUnsafeMutablePointerToElements { to in
            var packer = TextPacker(to: to, count: count, room: textBytes)
            fill(&packer)
            precondition(packer.i == count, "fewer texts packed than counted")
        }
        bytes = box
    }

    /// Puts texts one after another into arguments being packed (`init(count:textBytes:_:)`).
    struct TextPacker {
        fileprivate let to: UnsafeMutablePointer<UInt8>
        fileprivate let count: Int
        fileprivate let end: Int
        fileprivate var i = 0
        fileprivate var at: Int

        fileprivate init(to: UnsafeMutablePointer<UInt8>, count: Int, room: Int) {
            self.to = to
            self.count = count
            at = PackedBytes.lengthBytes * count
            end = at + room
        }

        /// The next value: `s`, or NULL when nil.
        @inline(__always)
        mutating func put(_ s: String?) {
            precondition(i < count, "more texts packed than counted")
            var length = PackedBytes.null
            if let s {
                length = UInt32(s.utf8.count)
                precondition(at + Int(length) <= end, "more text packed than counted")
                PackedArguments.copyUTF8(s, to: to + at)
                at += Int(length)
            }
            UnsafeMutableRawPointer(to + PackedBytes.lengthBytes * i).storeBytes(
                of: length, as: UInt32.self)
            i += 1
        }
    }

    /// Copies the UTF-8 of `s` to `to`, which has room for it.
    private static func copyUTF8(_ s: String, to: UnsafeMutablePointer<UInt8>) {
        func put(_ u: UnsafeBufferPointer<UInt8>) {
            if let from = u.baseAddress { to.initialize(from: from, count: u.count) }
        }
        if s.utf8.withContiguousStorageIfAvailable(put) == nil {
            var s = s
            s.withUTF8(put)
        }
    }

    /// A text whose bytes are `prefix` and then `text`, and after it `nulls` NULLs: packed
    /// from the bytes, no string or array made (a OneRoster bundle's households, tens of
    /// thousands written on the writer's thread alone).
    init(text prefix: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>, nulls: Int) {
        let count = 1 + nulls
        let length = prefix.count + text.count
        let box = unsafeDowncast(
            PackedBytes.create(minimumCapacity: PackedBytes.lengthBytes * count + length) { _ in
                count
            },
            to: PackedBytes.self)
        box.withUnsafeMutablePointerToElements { to in
            let raw = UnsafeMutableRawPointer(to)
            raw.storeBytes(of: UInt32(length), as: UInt32.self)
            for i in 1..<count {
                raw.storeBytes(
                    of: PackedBytes.null, toByteOffset: PackedBytes.lengthBytes * i,
                    as: UInt32.self)
            }
            let start = to + PackedBytes.lengthBytes * count
            if let p = prefix.baseAddress { start.initialize(from: p, count: prefix.count) }
            if let t = text.baseAddress {
                (start + prefix.count).initialize(from: t, count: text.count)
            }
        }
        bytes = box
    }

    /// `template`'s values with texts `first` and `second` in place of its first two, which
    /// are empty texts: packed from the bytes, no string or array made (a OneRoster first
    /// import's links, each its two ids and then its role's values, which are the same for
    /// every link of the role).
    init(
        _ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>,
        into template: PackedArguments
    ) {
        let count = template.count
        let keys = first.count + second.count
        bytes = template.bytes.withUnsafeMutablePointerToElements { from in
            let lengths = PackedBytes.lengthBytes * count
            // The template's values after its two empty texts: its bytes after the lengths.
            var rest = 0
            _ = template.bytes.each(upTo: count) { _, n, _ -> Bool? in
                rest += n == PackedBytes.null ? 0 : n > PackedBytes.longestText ? 8 : Int(n)
                return nil
            }
            let box = unsafeDowncast(
                PackedBytes.create(minimumCapacity: lengths + keys + rest) { _ in count },
                to: PackedBytes.self)
            box.withUnsafeMutablePointerToElements { to in
                to.initialize(from: from, count: lengths)
                let raw = UnsafeMutableRawPointer(to)
                raw.storeBytes(of: UInt32(first.count), as: UInt32.self)
                raw.storeBytes(
                    of: UInt32(second.count), toByteOffset: PackedBytes.lengthBytes,
                    as: UInt32.self)
                if let f = first.baseAddress {
                    (to + lengths).initialize(from: f, count: first.count)
                }
                if let s = second.baseAddress {
                    (to + lengths + first.count).initialize(from: s, count: second.count)
                }
                (to + lengths + keys).initialize(from: from + lengths, count: rest)
            }
            return box
        }
    }

    /// How many values.
    var count: Int { bytes.header }

    /// The values, decoded.
    var values: [SQLValue] { bytes.values(0..<count) }

    /// Value `i`, decoded.
    func value(_ i: Int) -> SQLValue { bytes.values(i..<(i + 1))[0] }

    /// Calls `body` with the text of value `i` in place (nil for a value that is not text, or
    /// past the last).
    func withText<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        var result: R? = nil
        _ = try bytes.each(upTo: i + 1) { j, length, at -> Bool? in
            guard j == i else { return nil }
            result = try body(
                length <= PackedBytes.longestText
                    ? UnsafeBufferPointer(start: at, count: Int(length)) : nil)
            return true
        }
        if let result { return result }
        return try body(nil)
    }
}

/// The packed values of `PackedArguments`: the number of values, then in the same allocation
/// each value's length in bytes (`null`, `int` or `double` for one that is not text), then
/// the values one after another (a number's 8 bytes, a text's UTF-8). Binding reads the
/// lengths, not the strings (reading each string's length copied it: a retain and a release,
/// for every value bound). Not a `[UInt8]`: making one looked up its storage's type metadata
/// every time, about 660 instructions of each row an import makes (callgrind, 30,000
/// students' OneRoster bundle). Never changed once made.
final class PackedBytes: ManagedBuffer<Int, UInt8> {
    static let lengthBytes = MemoryLayout<UInt32>.size
    /// The lengths that mark a value that is not text.
    static let null = UInt32.max
    static let int = UInt32.max - 1
    static let double = UInt32.max - 2
    /// The longest length that is a text's.
    static let longestText = UInt32.max - 3

    /// Calls `body` with each value's place (from 0), length (or mark) and where its bytes
    /// start, up to `end`, until it returns a result.
    func each<R>(
        upTo end: Int,
        _ body: (_ i: Int, _ length: UInt32, _ at: UnsafePointer<UInt8>) throws -> R?
    ) rethrows -> R? {
        try withUnsafeMutablePointers { count, bytes in
            let lengths = UnsafeRawPointer(bytes)
            var at = UnsafePointer(bytes + Self.lengthBytes * count.pointee)
            for i in 0..<min(end, count.pointee) {
                let n = lengths.load(fromByteOffset: Self.lengthBytes * i, as: UInt32.self)
                if let r = try body(i, n, at) { return r }
                at += n == Self.null ? 0 : n > Self.longestText ? 8 : Int(n)
            }
            return nil
        }
    }

    /// The values of `range`, decoded.
    func values(_ range: Range<Int>) -> [SQLValue] {
        var out: [SQLValue] = []
        out.reserveCapacity(range.count)
        _ = each(upTo: range.upperBound) { i, n, at -> Bool? in
            guard range.contains(i) else { return nil }
            switch n {
            case Self.null: out.append(.null)
            case Self.int: out.append(.int(UnsafeRawPointer(at).loadUnaligned(as: Int64.self)))
            case Self.double:
                out.append(.double(UnsafeRawPointer(at).loadUnaligned(as: Double.self)))
            default:
                out.append(
                    .text(
                        String(
                            decoding: UnsafeBufferPointer(start: at, count: Int(n)), as: UTF8.self))
                )
            }
            return nil
        }
        return out
    }
}

/// SQLite result codes matched by class, as GRDB's `ResultCode` does.
/// See https://www.sqlite.org/rescode.html
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    let resultCode: Int32
    let message: String
    let sql: String?
    /// The operating system's error behind an I/O failure (`sqlite3_system_errno`), 0 if none.
    var systemErrno: Int32 = 0

    var primary: Int32 { resultCode & 0xff }
    var isBusy: Bool { primary == SQLITE_BUSY || primary == SQLITE_LOCKED }
    /// The disk is full, or a file-size limit or quota was reached: SQLite says so as
    /// SQLITE_FULL, or as an I/O error whose system error says so.
    var isFull: Bool {
        primary == SQLITE_FULL
            || (primary == SQLITE_IOERR
                && (systemErrno == ENOSPC || systemErrno == EFBIG || systemErrno == EDQUOT))
    }
    var isConstraint: Bool { primary == SQLITE_CONSTRAINT }
    /// SQLITE_CONSTRAINT_PRIMARYKEY (a macro Swift does not import).
    var isPrimaryKeyConflict: Bool { resultCode == SQLITE_CONSTRAINT | 6 << 8 }
    var isInterrupt: Bool { primary == SQLITE_INTERRUPT }
    var isNotADatabase: Bool { primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT }
    var isCantOpen: Bool { primary == SQLITE_CANTOPEN }
    var isIO: Bool { primary == SQLITE_IOERR }
    var isReadOnly: Bool { primary == SQLITE_READONLY }

    /// The result code and SQLite's message (never a bound value), with the system error.
    public var description: String {
        "SQLite error \(resultCode): \(message)"
            + (systemErrno != 0 ? " (\(String(cString: strerror(systemErrno))))" : "")
    }

    /// The user-facing error for this SQLite failure. The message never carries bound values.
    public var portalError: PortalError {
        if isBusy {
            return PortalError(
                .busy, "the database is busy (another process is writing)",
                hint: "retry in a moment", cause: self)
        }
        if isFull {
            return PortalError(
                .ioError,
                systemErrno == EFBIG
                    ? "the file size limit was reached; nothing was written"
                    : "the disk is full; nothing was written",
                hint: systemErrno == EFBIG
                    ? "raise the limit (ulimit -f) or move the database, and run the command again"
                    : "free some space and run the command again", cause: self)
        }
        if isInterrupt {
            return PortalError(.interrupted, "interrupted; rolled back, nothing was written")
        }
        if isConstraint {
            return PortalError(
                .conflict, "the change conflicts with existing data",
                cause: self)
        }
        if isNotADatabase {
            return PortalError(
                .dataError, "the file is not a portaladmin database (or is damaged)",
                action: .chooseDatabase, cause: self)
        }
        if isCantOpen {
            return PortalError(
                .noInput, "cannot open the database file",
                hint: "check the path and its folder's permissions", cause: self)
        }
        if isReadOnly {
            return PortalError(
                .cannotCreate, "the database is read-only",
                hint: "check the file's permissions", cause: self)
        }
        if isIO {
            return PortalError(
                .ioError, "I/O error on the database file",
                hint: "check the disk", cause: self)
        }
        return PortalError(
            .internal, "database error", cause: self)
    }
}

/// A prepared statement of the SQLite store. Cached by it and reset before each use.
final class Statement {
    let handle: OpaquePointer
    unowned let db: SQLiteStore
    let sql: String
    private var names: [String]?

    /// Column names, read once per statement.
    var columnNames: [String] {
        if let names { return names }
        let n = (0..<columnCount).map { columnName($0) }
        names = n
        return n
    }

    init(db: SQLiteStore, sql: String) throws {
        var h: OpaquePointer?
        let rc = sqlite3_prepare_v3(db.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &h, nil)
        guard rc == SQLITE_OK, let h else { throw db.error(rc, sql: sql) }
        self.handle = h
        self.db = db
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        if values.count < Int(sqlite3_bind_parameter_count(handle)) {
            sqlite3_clear_bindings(handle)
        }
        for (i, v) in values.enumerated() { try set(i + 1, v) }
    }

    /// Binds one argument (positions count from 1); hot loops bind in place instead of
    /// building an array.
    func set(_ position: Int, _ v: SQLValue) throws {
        let idx = Int32(position)
        let rc: Int32
        switch v {
        case .null: rc = sqlite3_bind_null(handle, idx)
        case .int(let n): rc = sqlite3_bind_int64(handle, idx, n)
        case .double(let d): rc = sqlite3_bind_double(handle, idx, d)
        case .text(var s):
            // With the length given, SQLite copies the bytes without scanning for the end.
            rc = s.withUTF8 {
                sqlite3_bind_text(
                    handle, idx, $0.baseAddress, Int32($0.count), portal_sqlite_transient())
            }
        }
        if rc != SQLITE_OK { throw db.error(rc, sql: sql) }
    }

    /// Binds the first `count` of `arguments` (all by default) from `position` on, their text
    /// read in place from the packed buffer (`SQLITE_STATIC`): no copy and no allocation per
    /// field. The caller keeps `arguments` alive until the bindings are cleared (as
    /// `run(_:binding:)` and `firstValue(_:binding:)` do once the statement ran).
    /// `cleared`: the statement's bindings are all NULL already (cleared after its last run),
    /// so a NULL is not bound again (OneRoster's guardians have eight of sixteen, each bound
    /// for nothing).
    func bind(
        _ arguments: PackedArguments, count: Int? = nil, from position: Int, cleared: Bool = false
    ) throws {
        _ = try arguments.bytes.each(upTo: count ?? arguments.count) { i, n, at -> Bool? in
            let idx = Int32(position + i)
            let rc: Int32
            switch n {
            case PackedBytes.null:
                if cleared { return nil }
                rc = sqlite3_bind_null(handle, idx)
            case PackedBytes.int:
                rc = sqlite3_bind_int64(
                    handle, idx, UnsafeRawPointer(at).loadUnaligned(as: Int64.self))
            case PackedBytes.double:
                rc = sqlite3_bind_double(
                    handle, idx, UnsafeRawPointer(at).loadUnaligned(as: Double.self))
            default: rc = sqlite3_bind_text(handle, idx, at, Int32(n), nil)
            }
            if rc != SQLITE_OK { throw db.error(rc, sql: sql) }
            return nil
        }
    }

    /// Binds text read in place (`SQLITE_STATIC`): the caller keeps the bytes alive until the
    /// bindings are cleared, as `run(_:binding:)` and `firstValue(_:binding:)` do.
    func set(_ position: Int, text u: UnsafeBufferPointer<UInt8>) throws {
        let rc =
            u.isEmpty
            ? sqlite3_bind_text(handle, Int32(position), "", 0, nil)
            : sqlite3_bind_text(handle, Int32(position), u.baseAddress, Int32(u.count), nil)
        if rc != SQLITE_OK { throw db.error(rc, sql: sql) }
    }

    /// Binds `values` and steps once: true when a row is available (its columns read with
    /// `value`, and more with `step`); the caller calls `reset` when done.
    func bindAndStep(_ values: [SQLValue]) throws -> Bool {
        try bind(values)
        return try step()
    }

    /// Ends the statement's run and clears its bindings, for the next.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Steps once; true when a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let err = db.error(rc, sql: sql)
        sqlite3_reset(handle)
        throw err
    }

    var columnCount: Int { Int(sqlite3_column_count(handle)) }

    func columnName(_ i: Int) -> String { String(cString: sqlite3_column_name(handle, Int32(i))) }

    func value(_ i: Int) -> SQLValue {
        let idx = Int32(i)
        switch sqlite3_column_type(handle, idx) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(handle, idx))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(handle, idx))
        default:
            guard let p = sqlite3_column_text(handle, idx) else { return .null }
            return .text(String(cString: p))
        }
    }
}

/// The current row of a statement, read in place: valid only inside the call that gives it.
struct RawRow {
    let handle: OpaquePointer

    /// The bytes of column `i` (empty for NULL).
    func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let p = sqlite3_column_text(handle, Int32(i))
        let n = Int(sqlite3_column_bytes(handle, Int32(i)))
        return UnsafeBufferPointer(start: p, count: p == nil ? 0 : n)
    }

    func isNull(_ i: Int) -> Bool { sqlite3_column_type(handle, Int32(i)) == SQLITE_NULL }

    /// Column `i` as an integer (0 for NULL), read as one: an integer read as text is made
    /// into text by SQLite first, in memory it allocates.
    func int(_ i: Int) -> Int64 { sqlite3_column_int64(handle, Int32(i)) }
}

/// A row read from a query: values by position or by column name.
struct Row: Sendable {
    let columns: [String]
    let values: [SQLValue]

    subscript(_ name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }
    subscript(_ i: Int) -> SQLValue { values[i] }

    func string(_ name: String) -> String? { self[name].string }
    func text(_ name: String) -> String { self[name].string ?? "" }
    func int(_ name: String) -> Int? { self[name].int.map { Int($0) } }
    func bool(_ name: String) -> Bool { (self[name].int ?? 0) != 0 }
}

/// The SQLite store: one connection, not shared between threads. Besides what every store does,
/// it has prepared statements with text bound in place, for the roster import's bulk path.
final class SQLiteStore: Store {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]
    private var depth = 0
    /// Set by `interrupt()`: this connection's transaction stops at its next check.
    private let stopped = Atomic<Bool>(false)
    /// Increases with every write transaction, so callers can tell whether a value they cached
    /// belongs to the transaction still open.
    private(set) var transactionNumber = 0
    /// Whether this connection's commits are the caller's changes (`Interrupts.anyCommitted`);
    /// not a scratch copy's, whose work reaches the caller's database only later.
    var countsCommits = true

    /// Opens (creating if asked) the database at `path` in WAL mode with foreign keys on and a
    /// busy timeout, so a second writer waits a little before reporting "busy".
    init(path: String, create: Bool = true, busyTimeoutMs: Int32 = 5000) throws {
        _ = SQLiteStore.configured
        var h: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        let rc = sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let msg = h.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let h { sqlite3_close_v2(h) }
            throw SQLiteError(resultCode: rc, message: msg, sql: nil)
        }
        self.handle = h
        self.path = path
        sqlite3_busy_timeout(h, busyTimeoutMs)
        sqlite3_extended_result_codes(h, 1)
        try execute("PRAGMA foreign_keys = ON")
        // 16 KB pages for a new database (an existing one keeps its own: WAL mode cannot change
        // it). Measured at 100k students: the first roster import 6% faster with 8 KB pages than
        // with 4 KB (fewer pages to split, log and checkpoint), look-ups as fast, the file the
        // same size; at 300k with UUIDs 16 KB took 5-8% off the first import again (native
        // 6.71 -> 6.15 s, OneRoster 6.32 -> 6.03, medians of alternated runs) and the re-import
        // of numbered files 10% (2.42 -> 2.16 s).
        try execute("PRAGMA page_size = \(SQLiteStore.pageSize)")
        // The switch does not wait as statements do: while another connection writes the file
        // through a rollback journal (a new database's first import, see
        // `withRollbackJournal`), it says "locked" at once. Tried again for the busy time, as
        // PostgreSQL's writes are (`WriteRetries`).
        let retries = WriteRetries(budget: .milliseconds(max(busyTimeoutMs, 0)))
        let start = ContinuousClock.now
        var attempt = 1
        var mode = ""
        while true {
            do {
                mode = try scalar("PRAGMA journal_mode = WAL")?.string ?? ""
                break
            } catch let e as SQLiteError where e.isBusy {
                guard let pause = retries.pause(after: attempt, elapsed: .now - start) else {
                    throw e
                }
                attempt += 1
                usleep(UInt32(pause / .microseconds(1)))
            }
        }
        if mode.lowercased() != "wal" && path != ":memory:" {
            throw PortalError(
                .ioError, "cannot switch the database to WAL mode",
                hint: "the file system may not support shared memory")
        }
        try execute("PRAGMA synchronous = NORMAL")
        // 8 MB of page cache: measured, a 64 MB cache imported 100k students no faster (the OS
        // keeps the file's pages anyway) and held 60 MB more; memory stays flat as districts grow.
        // https://www.sqlite.org/pragma.html#pragma_cache_size
        try execute("PRAGMA cache_size = \(SQLiteStore.cacheSize)")
        Interrupts.attach(h)
    }

    /// The page size of a new database file.
    static let pageSize = 16384

    /// The page cache of a connection (negative: in KiB).
    static let cacheSize = -8192

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let configured: Int32 = portal_sqlite_configure()

    /// Stops this connection's work from another thread: the running statement ends, and the
    /// open write transaction throws `.interrupted` at its next check and rolls back.
    func interrupt() {
        stopped.store(true, ordering: .relaxed)
        sqlite3_interrupt(handle)
    }

    /// Throws `.interrupted` when Ctrl-C was pressed or `interrupt()` was called.
    func checkInterrupted() throws {
        if stopped.load(ordering: .relaxed) { throw Interrupts.interrupted }
        try Interrupts.check()
    }

    deinit {
        Interrupts.detach(handle)
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        let code = sqlite3_extended_errcode(handle)
        return SQLiteError(
            resultCode: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql,
            systemErrno: systemErrno(code))
    }

    /// The system error behind an I/O failure. SQLite keeps the errno of the last system call,
    /// which later calls may have cleared, and reports a write cut short by a file-size limit as
    /// a plain write error: so a full disk (almost no space left in the database's folder) and
    /// a file-size limit in force are recognised here too.
    private func systemErrno(_ code: Int32) -> Int32 {
        guard code & 0xff == SQLITE_IOERR else { return 0 }
        let known = sqlite3_system_errno(handle)
        if known != 0 { return known }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0
            && limit.rlim_cur != rlim_t.max
        {
            return EFBIG
        }
        var fs = statvfs()
        let dir = parentFolder(path)
        if statvfs(dir.isEmpty ? "." : dir, &fs) == 0
            && UInt64(fs.f_bavail) * UInt64(fs.f_frsize) < 1 << 20
        {
            return ENOSPC
        }
        return 0
    }

    /// Runs one or more statements that take no arguments and return no rows.
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? ""
            sqlite3_free(err)
            let code = sqlite3_extended_errcode(handle)
            throw SQLiteError(
                resultCode: code, message: msg, sql: sql, systemErrno: systemErrno(code))
        }
    }

    /// A prepared statement, cached for the life of the connection.
    func statement(_ sql: String) throws -> Statement {
        if let s = cache[sql] { return s }
        let s = try Statement(db: self, sql: sql)
        cache[sql] = s
        return s
    }

    /// Runs a statement that changes rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
        try run(try statement(sql), args)
    }

    /// The same, with a statement the caller holds (hot loops skip the cache look-up).
    @discardableResult
    func run(_ s: Statement, _ args: [SQLValue]) throws -> Int {
        try s.bind(args)
        while try s.step() {}
        sqlite3_reset(s.handle)
        return Int(sqlite3_changes(handle))
    }

    /// The same, with the arguments bound one by one by `bind` (no array per call). The
    /// bindings are cleared afterwards, so that none points at text bound in place.
    @discardableResult
    func run(_ s: Statement, binding bind: (Statement) throws -> Void) throws -> Int {
        sqlite3_reset(s.handle)
        defer { sqlite3_clear_bindings(s.handle) }
        try bind(s)
        while try s.step() {}
        sqlite3_reset(s.handle)
        return Int(sqlite3_changes(handle))
    }

    /// The first column of the first row (nil: no row), with the arguments bound by `bind`,
    /// and cleared afterwards.
    func firstValue(_ s: Statement, binding bind: (Statement) throws -> Void) throws -> SQLValue? {
        sqlite3_reset(s.handle)
        try bind(s)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return s.value(0)
    }

    /// Calls `body` for each row, without building an array (for streaming exports).
    func forEach(_ sql: String, _ args: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
        let s = try statement(sql)
        try s.bind(args)
        defer { sqlite3_reset(s.handle) }
        while try s.step() {
            let names = s.columnNames
            try body(Row(columns: names, values: (0..<names.count).map { s.value($0) }))
        }
    }

    /// Calls `body` with the bytes of the first column of each row, making no strings (for
    /// scans of many rows that mostly only compare them), and a function that reads the
    /// other columns when a row is wanted.
    func forEachText(
        _ sql: String, _ args: [SQLValue],
        _ body: (UnsafeBufferPointer<UInt8>, _ rest: () -> [SQLValue]) throws -> Void
    ) throws {
        let s = try statement(sql)
        try s.bind(args)
        defer { sqlite3_reset(s.handle) }
        while try s.step() {
            let p = sqlite3_column_text(s.handle, 0)
            let n = Int(sqlite3_column_bytes(s.handle, 0))
            try body(UnsafeBufferPointer(start: p, count: p == nil ? 0 : n)) {
                (1..<s.columnCount).map { s.value($0) }
            }
        }
    }

    /// Calls `body` for each row with a reader of its columns' bytes, making no strings: for
    /// scans of a whole district into compact structures (the duplicate finder).
    func forEachRaw(_ sql: String, _ args: [SQLValue], _ body: (RawRow) throws -> Void) throws {
        let s = try statement(sql)
        try s.bind(args)
        defer { sqlite3_reset(s.handle) }
        while try s.step() { try body(RawRow(handle: s.handle)) }
    }

    func query(_ sql: String, _ args: [SQLValue] = []) throws -> [Row] {
        var rows: [Row] = []
        try forEach(sql, args) { rows.append($0) }
        return rows
    }

    func first(_ sql: String, _ args: [SQLValue] = []) throws -> Row? {
        try first(try statement(sql), args)
    }

    func first(_ s: Statement, _ args: [SQLValue]) throws -> Row? {
        try s.bind(args)
        defer { sqlite3_reset(s.handle) }
        guard try s.step() else { return nil }
        let names = s.columnNames
        return Row(columns: names, values: (0..<names.count).map { s.value($0) })
    }

    func scalar(_ sql: String, _ args: [SQLValue] = []) throws -> SQLValue? {
        try first(sql, args)?[0]
    }

    func count(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
        Int(try scalar(sql, args)?.int ?? 0)
    }

    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Whether the write transaction open is this connection's only one (not joined to a
    /// caller's): another connection then reads what was there when it began.
    var isOutermostWrite: Bool { depth == 1 }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`, so a second writer waits at the
    /// start rather than failing half-way). Commits, or rolls back when `body` throws or when
    /// `rollback` (a dry run) is set. Nested calls join the outer transaction.
    @discardableResult
    func write<T>(rollback: Bool = false, _ body: () throws -> T) throws -> T {
        if depth > 0 && rollback {
            // Joining the outer transaction would commit what the caller wanted rolled back.
            throw PortalError(
                .internal, "a rolled-back write was asked for inside another transaction")
        }
        if depth > 0 {
            depth += 1
            defer { depth -= 1 }
            return try body()
        }
        try execute("BEGIN IMMEDIATE")
        depth = 1
        transactionNumber += 1
        do {
            let result = try body()
            try checkInterrupted()
            depth = 0
            if rollback {
                try execute("ROLLBACK")
            } else {
                try execute("COMMIT")
                if countsCommits { Interrupts.noteCommitted() }
            }
            return result
        } catch {
            depth = 0
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Whether `withRollbackJournal` runs, with the journal (see `startWritingBack`).
    private(set) var writesThroughRollbackJournal = false

    /// Runs `body` with a rollback journal instead of the WAL, when this connection is the only
    /// one the database has open (SQLite changes the mode only then: it says "locked" at once
    /// otherwise), then goes back to the WAL. For a write that only adds pages to the
    /// file (a new database's first import): in the WAL every page is written twice, to the
    /// log and by the checkpoint into the file, where a rollback journal records none of the
    /// pages added beyond the file's end. While such a write spills pages, it holds the file
    /// to itself: other connections wait for it for their busy time. A crash leaves the journal,
    /// which the next connection plays back (the file as it was) before it goes back to the WAL
    /// on opening; so does a failure to go back here, when another connection came in.
    /// https://www.sqlite.org/pragma.html#pragma_journal_mode
    func withRollbackJournal<T>(_ body: () throws -> T) throws -> T {
        var mode: String?
        if depth == 0 && path != ":memory:" {
            do {
                mode = try scalar("PRAGMA journal_mode = DELETE")?.string
            } catch let e as SQLiteError where e.isBusy {}
        }
        guard mode?.lowercased() == "delete" else { return try body() }
        writesThroughRollbackJournal = true
        defer { writesThroughRollbackJournal = false }
        // NORMAL is safe in WAL mode only: with a rollback journal a power cut at the wrong
        // moment could damage the file. https://www.sqlite.org/pragma.html#pragma_synchronous
        // (It costs a few syncs: 300k OneRoster UUIDs 4.44 -> 4.69 s alternated, 100k 0.94 ->
        // 0.96 s.)
        try execute("PRAGMA synchronous = FULL")
        defer {
            _ = try? scalar("PRAGMA journal_mode = WAL")
            try? execute("PRAGMA synchronous = NORMAL")
        }
        return try body()
    }

    /// Commits the work so far and opens the next write transaction (for `--batch-size`).
    func commitBatch() throws {
        guard depth == 1, inTransaction else { return }
        try execute("COMMIT")
        if countsCommits { Interrupts.noteCommitted() }
        try execute("BEGIN IMMEDIATE")
        transactionNumber += 1
    }

    /// A read transaction, so that several queries see one snapshot.
    func read<T>(_ body: () throws -> T) throws -> T {
        if depth > 0 || inTransaction { return try body() }
        try execute("BEGIN")
        depth = 1
        defer {
            depth = 0
            try? execute("COMMIT")
        }
        return try body()
    }

    static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    func migrate(_ migrations: [Migration]) throws { try Migrator.migrate(self, migrations) }
    func appliedMigrations() throws -> [String] { try Migrator.applied(self) }
}
