public import FoundationEssentials

#if canImport(Glibc)
    internal import Glibc
#endif

/// Who is acting, on which district, at what time, for which command. Domain operations take a
/// session so that every write can be audited in the same transaction.
public final class Session {
    /// The store the session reads and writes (an opaque handle PortalKit's calls take).
    public let db: Database
    /// Who is working; every audit row names them.
    public let operatorName: String
    /// The command being run, as the audit log records it.
    public let command: String
    /// The moment the session works at (fixed for the whole command).
    public let now: Date
    /// The district worked on; nil for commands across districts.
    public let districtID: String?

    /// A session of `operatorName` running `command` on `districtID`, at `now`.
    public init(db: Database, operatorName: String, command: String, now: Date, districtID: String?)
    {
        self.db = db
        self.operatorName = operatorName
        self.command = command
        self.now = now
        self.districtID = districtID
    }

    /// The audit chain's head as this transaction left it: bulk commands append thousands of rows
    /// and need not read it back each time. Valid only within the transaction that set it.
    var auditHead: (transaction: Int, district: String, seq: Int, hash: String)?
    /// The next key number, likewise cached within one transaction.
    var nextKeyID: (transaction: Int, district: String, id: Int64)?

    /// The session's time as ISO 8601, formatted once.
    public private(set) lazy var nowISO: String = Timestamp.iso(now)

    /// Runs `body` in one write transaction: all of it is kept, or (when it throws, or with
    /// `rollback`, a dry run or a preview) none of it. Operations called inside join it.
    @discardableResult
    public func transaction<T>(rollback: Bool = false, _ body: () throws -> T) throws -> T {
        try db.write(rollback: rollback, body)
    }

    /// The district this command works on; a usage error when none was given.
    public func district() throws -> String {
        guard let d = districtID, !d.isEmpty else {
            throw PortalError.usage(
                "no district given",
                action: .chooseDistrict)
        }
        return d
    }

    /// Today in the district's time zone, at the session's time.
    public func today() throws -> CivilDate {
        Zone.localDate(now, zone: try Districts.get(db, try district()).setting("timezone"))
    }

    /// Records one audit row in the current transaction.
    public func audit(
        target: String, before: JSONValue? = nil, after: JSONValue? = nil,
        reason: String? = nil, district: String? = nil
    ) throws {
        try AuditLog.append(
            self, district: district ?? self.district(), target: target,
            before: before, after: after, reason: reason)
    }
}

/// Opening a database: the path rules of SPEC §3 and creation of the folder.
extension Database {
    /// `--db`, else `$PORTALADMIN_DB`, else `$XDG_DATA_HOME/portaladmin/portaladmin.db`
    /// (`~/.local/share/...` when XDG_DATA_HOME is unset).
    public static func defaultPath(flag: String?, env: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let p = env["PORTALADMIN_DB"], !p.isEmpty { return p }
        let base =
            env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((env["HOME"] ?? "") + "/.local/share")
        return base + "/portaladmin/portaladmin.db"
    }

    /// The scheme of a URL (`postgresql` of `postgresql://host/db`), or nil for a file path.
    static func urlScheme(_ path: String) -> String? {
        guard let colon = path.firstRange(of: "://") else { return nil }
        let scheme = path[..<colon.lowerBound]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
        else { return nil }
        return String(scheme).lowercased()
    }

    /// A URL with its passwords shown as `***`: the user part's (`user:password@`) and a
    /// `password=` parameter's (libpq takes both).
    static func redactingPassword(_ url: String) -> String {
        var url = url
        if let start = url.firstRange(of: "://"),
            let at = url[start.upperBound...].firstIndex(of: "@"),
            let colon = url[start.upperBound..<at].firstIndex(of: ":")
        {
            url = String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
        }
        guard let query = url.firstIndex(of: "?") else { return url }
        let parameters = url[url.index(after: query)...].split(
            separator: "&", omittingEmptySubsequences: false
        ).map { p in
            p.lowercased().hasPrefix("password=") ? p.prefix(9) + "***" : p
        }
        return String(url[...query]) + parameters.joined(separator: "&")
    }

    /// How the hint of "no database at" ends: the caller may say where the path came from.
    public static let noDatabaseAdvice = "check the database named, or create a district first"

    /// Opens and migrates. With `create: false` a missing file is "not found" (exit 66), so a
    /// read command with a mistyped --db does not leave an empty database behind.
    public static func open(path: String, create: Bool, busyTimeoutMs: Int32 = 5000) throws
        -> Database
    {
        // A server's address (postgresql://...) is never taken for a file name: it would make
        // a folder named "postgresql:" and a database nobody else sees.
        if let scheme = urlScheme(path) {
            if scheme == "file", let start = path.firstRange(of: "://") {
                let file = String(path[start.upperBound...])
                throw PortalError(
                    .usage, "'\(path)' is a URL, not a file path",
                    hint: "give the path itself: \(file.hasPrefix("/") ? file : "/" + file)",
                    action: .chooseDatabase)
            }
            guard scheme == "postgresql" || scheme == "postgres" else {
                throw PortalError(
                    .usage,
                    "'\(redactingPassword(path))' is the address of a \(scheme) server, not a database file",
                    hint:
                        "name an SQLite file (e.g. /var/lib/portaladmin/portal.db) or a PostgreSQL server (postgresql://user@host/database)",
                    action: .chooseDatabase)
            }
            if redactingPassword(path) != path {
                throw PortalError(
                    .usage,
                    "'\(redactingPassword(path))' has a password in it, where every user of the machine can read it",
                    hint:
                        "leave it out of the address: put it in ~/.pgpass (or the file PGPASSFILE names), which libpq reads",
                    action: .chooseDatabase)
            }
            #if PORTALADMIN_NO_POSTGRES
                throw PortalError(
                    .usage,
                    "this build of portaladmin has no PostgreSQL support (the static binary)",
                    hint:
                        "use a build with PostgreSQL support (the dynamically linked one), with libpq installed",
                    action: .chooseDatabase)
            #else
                let db = Database(store: try PostgresStore(url: path, busyTimeoutMs: busyTimeoutMs))
                do {
                    try Migrator.migrate(db)
                } catch let e as PostgresError {
                    throw e.portalError
                }
                return db
            #endif
        }
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else {
                throw PortalError(
                    .noInput, "no database at '\(path)'",
                    hint: (nearDatabase(path).map { "did you mean '\($0)'? " } ?? "")
                        + noDatabaseAdvice,
                    action: .createDistrict)
            }
            let dir = parentFolder(path)
            if !dir.isEmpty && !fm.fileExists(atPath: dir) {
                do {
                    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw PortalError(
                        .cannotCreate, "cannot create the folder '\(dir)'",
                        hint: "check permissions, or name another database",
                        action: .chooseDatabase, cause: CauseText("\(error)"))
                }
            }
        }
        do {
            let db = try Database(path: path, create: create, busyTimeoutMs: busyTimeoutMs)
            try Migrator.migrate(db)
            return db
        } catch let e as SQLiteError {
            if e.isCantOpen && create {
                throw PortalError(
                    .cannotCreate, "cannot create the database '\(path)'",
                    hint: "check the folder exists and is writable", cause: e)
            }
            throw e.portalError
        }
    }
}

/// The SQLite database beside `path` whose name is close to its name (a slip in typing it:
/// "portal.dbb", "protal.db"), as a path spelled like `path`; nil for none.
func nearDatabase(_ path: String) -> String? {
    let folder = parentFolder(path)
    let name = String(path.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
    func inFolder(_ n: String) -> String {
        folder.isEmpty ? n : folder == "/" ? "/" + n : folder + "/" + n
    }
    let names =
        (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
    // One slip (a transposition is one), two in a name of ten characters or more; closest
    // first.
    let slips = name.utf8.count >= 10 ? 2 : 1
    let near = names.filter { $0 != name }.map { n in
        (
            n,
            Array(name.utf8).withUnsafeBufferPointer { a in
                Array(n.utf8).withUnsafeBufferPointer { Phonetic.editDistance(a, $0, limit: slips) }
            }
        )
    }.filter { $0.1 <= slips }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    // The first that begins as an SQLite database does (only the close names are opened).
    return near.lazy.map { inFolder($0.0) }.first { path in
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 16)
        return read(fd, &head, 16) == 16 && head == Array("SQLite format 3\0".utf8)
    }
}

/// The folder part of a path ("" when there is none).
func parentFolder(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
