import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

extension Process {
    /// Waits for the child to end and returns its exit status (for a signal, its number, as
    /// `terminationStatus` gives it). Foundation on Linux now and then misses a child's end
    /// when tests start children at once (the child stays a zombie and `waitUntilExit` never
    /// returns: a suite run hung so), so the child is also asked for directly.
    func waitForStatus() -> Int32 {
        let pid = processIdentifier
        while isRunning {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : signal
            }
            usleep(2_000)
        }
        return terminationStatus
    }
}

/// A temporary folder removed at the end of the test.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "portaladmin-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try! FileManager.default.createDirectory(
            atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}

struct RunResult {
    let code: Int32
    let out: String
    let err: String
}

/// The repository root, found from this file's path.
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The built `portaladmin` binary beside the test bundle (or $PORTALADMIN_BIN).
let binaryPath: String = {
    if let p = ProcessInfo.processInfo.environment["PORTALADMIN_BIN"] { return p }
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [
        dir.appendingPathComponent("portaladmin").path,
        dir.deletingLastPathComponent().appendingPathComponent("portaladmin").path,
        repoRoot + "/.build/debug/portaladmin",
    ] where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return repoRoot + "/.build/debug/portaladmin"
}()

/// Runs the real binary with a clean environment: no TTY, fixed clock, the given database.
@discardableResult
func runBinary(
    _ args: [String], db: String? = nil, env: [String: String] = [:], stdin: String = "",
    now: String = "2026-11-25T12:00:00Z"
) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binaryPath)
    p.arguments = args
    var e = [
        "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "PORTALADMIN_OPERATOR": "tester",
        "PORTALADMIN_NOW": now,
    ]
    if let db { e["PORTALADMIN_DB"] = db }
    for (k, v) in env { e[k] = v }
    p.environment = e
    // Output goes to files, so a large output can never fill a pipe and block the child.
    let outPath = NSTemporaryDirectory() + "pa-out-" + UUID().uuidString
    let errPath = NSTemporaryDirectory() + "pa-err-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    let outHandle = FileHandle(forWritingAtPath: outPath)!
    let errHandle = FileHandle(forWritingAtPath: errPath)!
    let inPipe = Pipe()
    p.standardOutput = outHandle
    p.standardError = errHandle
    p.standardInput = inPipe
    try p.run()
    inPipe.fileHandleForWriting.write(stdin.data(using: .utf8)!)
    try? inPipe.fileHandleForWriting.close()
    let status = p.waitForStatus()
    try? outHandle.close()
    try? errHandle.close()
    return RunResult(
        code: status,
        out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// Runs the command line in-process with buffers (for prompts and TTY behaviour).
func runInProcess(
    _ args: [String], db: String, stdin: String = "", tty: Bool = false,
    env: [String: String] = [:]
) -> RunResult {
    let out = BufferSink()
    let err = BufferSink()
    var e = ["PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester"]
    for (k, v) in env { e[k] = v }
    let io = IO(
        out: out, err: err, input: StringSource(stdin), stdoutIsTTY: tty, stderrIsTTY: false,
        stdinIsTTY: tty, env: e, now: Date(timeIntervalSince1970: 1_795_000_000), width: 80)
    let code = CLI.run(args, io: io)
    return RunResult(code: code, out: out.text, err: err.text)
}

/// Every row of every table, for "nothing was written" checks.
func dump(_ path: String) throws -> [String] {
    let postgres = path.hasPrefix("postgresql://")
    let db =
        postgres
        ? try Database.open(path: path, create: false) : try Database(path: path, create: false)
    var lines: [String] = []
    let tables =
        postgres
        ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        : "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
    for t in try db.query(tables) {
        let name = t.text("name")
        for r in try db.query("SELECT * FROM \"\(name)\" ORDER BY 1, 2") {
            lines.append(name + ": " + r.values.map { $0.string ?? "NULL" }.joined(separator: "|"))
        }
    }
    return lines
}

func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// The look-up indexes of `tables` in an SQLite database, in the order of its catalogue (the order
/// they were made in), without the ones SQLite makes for keys.
func indexesInSchemaOrder(_ d: Database, of tables: [String]) throws -> [String] {
    let names = tables.map { "'\($0)'" }.joined(separator: ", ")
    return try d.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (\(names)) AND sql IS NOT NULL ORDER BY rowid"
    ).map { $0.text("name") }
}

/// The database at `db` (a file or a server's address), as the binary left it.
func reopen(_ db: String) throws -> Database {
    db.contains("://")
        ? try Database.open(path: db, create: false) : try Database(path: db, create: false)
}

/// Which store the end-to-end tests that use `makeDistricts` run on: SQLite, or with
/// PORTALADMIN_TEST_BACKEND=postgres the test run's PostgreSQL server (`.ci/run` runs them so
/// too). Tests of SQLite's own file (damaged, locked, out of room) run on SQLite only.
extension Backend {
    static let underTest: Backend =
        ProcessInfo.processInfo.environment["PORTALADMIN_TEST_BACKEND"] == "postgres"
        ? .postgres : .sqlite
    static let sqliteFileOnly = ConditionTrait.enabled(
        if: underTest == .sqlite,
        "works on the SQLite file itself (PORTALADMIN_TEST_BACKEND=postgres)")
}

/// A database with district `d1` (and optionally `d2`) created by the binary.
func makeDistricts(_ dir: TempDir, _ ids: [String] = ["d1"]) throws -> String {
    let db = try Backend.underTest.newDatabase(dir)
    for id in ids {
        let r = try runBinary(["district", "create", id, "--name", "District \(id)"], db: db)
        #expect(r.code == 0, "\(r.err)")
    }
    return db
}

/// The parent's first visit: key and password on standard input, never as arguments.
func activate(
    _ db: String, key: String, username: String, password: String, district: String = "d1"
) throws -> RunResult {
    try runBinary(
        ["portal", "activate", "--username", username, "--district", district], db: db,
        stdin: "\(key)\n\(password)\n")
}

/// A portal login with the password on standard input.
func login(
    _ db: String, username: String, password: String, district: String = "d1",
    now: String = "2026-11-25T12:00:00Z"
) throws -> RunResult {
    try runBinary(
        ["portal", "login", "--username", username, "--district", district], db: db,
        stdin: "\(password)\n", now: now)
}

/// Runs several invocations of the real binary at the same time (each its own process, started
/// before any is waited for) and returns their results in order.
func runConcurrently(
    _ runs: [(args: [String], stdin: String)], db: String, env: [String: String] = [:]
) throws -> [RunResult] {
    var started: [(Process, String, String)] = []
    for run in runs {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binaryPath)
        p.arguments = run.args
        var e = [
            "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(),
            "PORTALADMIN_OPERATOR": "tester", "PORTALADMIN_NOW": "2026-11-25T12:00:00Z",
            "PORTALADMIN_DB": db,
        ]
        for (k, v) in env { e[k] = v }
        p.environment = e
        let outPath = NSTemporaryDirectory() + "pa-out-" + UUID().uuidString
        let errPath = NSTemporaryDirectory() + "pa-err-" + UUID().uuidString
        let inPath = NSTemporaryDirectory() + "pa-in-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        _ = FileManager.default.createFile(atPath: inPath, contents: Data(run.stdin.utf8))
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        p.standardError = FileHandle(forWritingAtPath: errPath)
        p.standardInput = FileHandle(forReadingAtPath: inPath)
        try p.run()
        try? FileManager.default.removeItem(atPath: inPath)
        started.append((p, outPath, errPath))
    }
    return started.map { p, outPath, errPath in
        let status = p.waitForStatus()
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        return RunResult(
            code: status,
            out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

/// Runs the binary under a shell limit (e.g. `ulimit -f 400`, a file-size limit in KB), to
/// make writes fail as on a full disk.
func runLimited(_ limit: String, _ args: [String], db: String, stdin: String = "") throws
    -> RunResult
{
    let quoted = ([binaryPath] + args).map {
        "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    return try runShell("\(limit); exec \(quoted.joined(separator: " "))", db: db, stdin: stdin)
}

/// Runs a bash command line with the test environment.
func runShell(_ command: String, db: String, stdin: String = "") throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", command]
    p.environment = [
        "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "PORTALADMIN_OPERATOR": "tester",
        "PORTALADMIN_NOW": "2026-11-25T12:00:00Z", "PORTALADMIN_DB": db,
    ]
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try? input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    let status = p.waitForStatus()
    return RunResult(
        code: status, out: String(decoding: o, as: UTF8.self),
        err: String(decoding: e, as: UTF8.self))
}

/// The built binary run on a terminal (util-linux `script`), typed into as a person would: wait
/// for a prompt on the screen, then answer it. Its screen is filled from another thread, under a
/// lock.
final class Terminal: @unchecked Sendable {
    let process = Process()
    private let typed = Pipe()
    private let out = Pipe()
    private let lock = NSLock()
    private var bytes = Data()

    /// Starts `portaladmin ARGS` (each argument quoted for the shell) on a terminal.
    init(_ args: [String], db: String) throws {
        let line = ([binaryPath] + args).map { "'" + $0 + "'" }.joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", line, "/dev/null"]
        process.environment = [
            "PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester", "PATH": "/usr/bin:/bin",
            "TERM": "dumb",
        ]
        process.standardInput = typed
        process.standardOutput = out
        process.standardError = out
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.bytes.append(d) }
        }
        try process.run()
    }

    /// What the screen has shown so far.
    var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }

    /// Waits (up to 20 s) until `prompt` has shown `count` times, then types `reply`.
    func answer(_ prompt: String, _ reply: String, after count: Int = 1) throws {
        try waitFor(prompt, count: count)
        typed.fileHandleForWriting.write(Data((reply + "\n").utf8))
    }

    /// Waits (up to 20 s) until `prompt` has shown `count` times.
    func waitFor(_ prompt: String, count: Int = 1) throws {
        let deadline = Date().addingTimeInterval(20)
        while text.components(separatedBy: prompt).count - 1 < count {
            try #require(Date() < deadline, "no prompt \(prompt): \(text)")
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Waits for the program to end; its exit status, and all it showed.
    func finish() -> (code: Int32, text: String) {
        let status = process.waitForStatus()
        out.fileHandleForReading.readabilityHandler = nil
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        lock.withLock { bytes.append(rest) }
        return (status, text)
    }

    /// Whether util-linux `script` is there to give a terminal.
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/script") }
}

/// Runs a program (a script, bash, git) with nothing on standard input; its exit status and
/// output. Standard error is read on another thread, so that neither pipe fills up.
func runProgram(
    _ path: String, _ args: [String] = [], env: [String: String]? = nil, in folder: String? = nil
) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let env { p.environment = env }
    if let folder { p.currentDirectoryURL = URL(fileURLWithPath: folder) }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    nonisolated(unsafe) var e = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
        e = err.fileHandleForReading.readDataToEndOfFile()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let status = p.waitForStatus()
    return RunResult(
        code: status, out: String(decoding: o, as: UTF8.self),
        err: String(decoding: e, as: UTF8.self))
}

/// Runs the command line in-process with standard error on a (pretend) terminal, standard
/// output piped: where progress lines are drawn.
func runWithTerminalStderr(_ args: [String], db: String) -> RunResult {
    let out = BufferSink()
    let err = BufferSink()
    let io = IO(
        out: out, err: err, input: StringSource(""), stdoutIsTTY: false, stderrIsTTY: true,
        stdinIsTTY: false,
        env: ["PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester"], now: Date(), width: 80)
    let code = CLI.run(args, io: io)
    return RunResult(code: code, out: out.text, err: err.text)
}
