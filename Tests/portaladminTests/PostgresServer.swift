import Foundation
import Testing

/// A throw-away PostgreSQL server for the tests: a cluster made by `initdb` in a temporary
/// folder, listening only on a Unix socket there, started once per test run and stopped when
/// the run ends. As root it runs as the `postgres` system user (the server refuses root). When
/// it cannot start, `shared` says why, and the tests that need it fail with that reason.
final class PostgresServer: @unchecked Sendable {
    let folder: String
    var socket: String { folder + "/sock" }

    /// The server of this test run, started at first use.
    static let shared: Result<PostgresServer, PostgresServerError> = {
        do {
            let s = try PostgresServer()
            atexit { if case .success(let s) = PostgresServer.shared { s.stop() } }
            return .success(s)
        } catch let e as PostgresServerError {
            return .failure(e)
        } catch {
            return .failure(PostgresServerError(reason: "\(error)"))
        }
    }()

    /// The running server, or a failed expectation naming why there is none.
    static func running(sourceLocation: SourceLocation = #_sourceLocation) throws -> PostgresServer
    {
        switch shared {
        case .success(let s): return s
        case .failure(let e):
            Issue.record(
                "no PostgreSQL server for the tests: \(e.reason)", sourceLocation: sourceLocation)
            throw e
        }
    }

    /// The folder of the server's programs (initdb, pg_ctl), the newest installed.
    static func binaries() -> String? {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "\(base)/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") ? $0 : nil }
    }

    private init() throws {
        guard let bin = Self.binaries() else {
            throw PostgresServerError(
                reason:
                    "initdb and pg_ctl not found under /usr/lib/postgresql (scripts/setup.sh installs the postgresql package)"
            )
        }
        folder = "/tmp/portaladmin-pg-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(
            atPath: folder + "/sock", withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot {
            try Self.run(["/bin/chown", "-R", "postgres", folder], what: "chown")
        }
        func asServer(_ args: [String]) -> [String] {
            asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + args : args
        }
        try Self.run(
            asServer([
                bin + "/initdb", "-D", folder + "/data", "--auth=trust", "-U", "postgres",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ]), what: "initdb")
        try Self.run(
            asServer([
                bin + "/pg_ctl", "-D", folder + "/data", "-l", folder + "/server.log", "-w",
                "-o", "-k \(folder)/sock -c listen_addresses='' -c fsync=off -c max_connections=60",
                "start",
            ]), what: "pg_ctl start")
        self.bin = bin
        self.asRoot = asRoot
    }

    private var bin = ""
    private var asRoot = false

    func stop() {
        var args = [bin + "/pg_ctl", "-D", folder + "/data", "-m", "immediate", "stop"]
        if asRoot { args = ["/usr/sbin/runuser", "-u", "postgres", "--"] + args }
        _ = try? Self.run(args, what: "pg_ctl stop")
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A new empty database, as a `postgresql://` address for `--db`.
    func newDatabase() throws -> String {
        let name =
            "t_"
            + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(
                of: "-", with: "")
        try psql("CREATE DATABASE \(name)", database: "postgres")
        return url(name)
    }

    func url(_ database: String, user: String = "postgres") -> String {
        "postgresql:///\(database)?host=\(socket)&user=\(user)"
    }

    /// Runs SQL with psql as `user`; what it printed (unaligned, tuples only).
    @discardableResult
    func psql(
        _ sql: String, database: String, user: String = "postgres", allowFailure: Bool = false
    )
        throws -> (code: Int32, out: String, err: String)
    {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = ["-h", socket, "-U", user, "-d", database, "-X", "-A", "-t", "-c", sql]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        let status = p.waitForStatus()
        let result = (
            status, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self)
        )
        if status != 0 && !allowFailure {
            throw PostgresServerError(reason: "psql failed on \(sql): \(result.2)")
        }
        return result
    }

    /// Runs a program to its end (posix_spawn and waitpid: the server pg_ctl starts keeps what
    /// it inherits open, and outlives the program); what it printed. Its output goes to a file.
    @discardableResult
    static func run(_ args: [String], what: String) throws -> String {
        let logPath = NSTemporaryDirectory() + "pa-pg-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeInherited(&actions)
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, nil, &argv, environ)
        guard rc == 0 else {
            throw PostgresServerError(
                reason: "\(what): cannot start \(args[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status >> 8) & 0xff
        let text = String(
            decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
        guard status & 0x7f == 0 && code == 0 else {
            throw PostgresServerError(
                reason: "\(what) failed (status \(status)): " + text.suffix(600))
        }
        return text
    }
}

/// Closes in the spawned program every descriptor above 2. The server outlives the test that
/// starts it, and a pipe another test had open at that moment (Foundation's pipes are inherited)
/// stayed open in it: that test then waited for the end of its program's output for ever.
/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34, not in Swift's Glibc module) closes
/// them all; without it, those open when the program is started, by `/proc/self/fd`.
private func closeInherited(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32
        ) -> Int32
    if let f = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"),
        unsafeBitCast(f, to: CloseFrom.self)(&actions, 3) == 0
    {
        return
    }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap(Int32.init) where fd > 2 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
}

struct PostgresServerError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Where an end-to-end test keeps its data: an SQLite file, or a database of the test run's
/// PostgreSQL server.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// A new, empty database of this kind.
    func newDatabase(_ dir: TempDir) throws -> String {
        switch self {
        case .sqlite: return dir.file("portal.db")
        case .postgres: return try PostgresServer.running().newDatabase()
        }
    }

    /// A new database with districts `ids`, created by the binary.
    func districts(_ dir: TempDir, _ ids: [String] = ["d1"]) throws -> String {
        let db = try newDatabase(dir)
        for id in ids {
            let r = try runBinary(["district", "create", id, "--name", "District \(id)"], db: db)
            #expect(r.code == 0, "\(r.err)")
        }
        return db
    }
}
