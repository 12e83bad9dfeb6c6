import FoundationEssentials
import PortalKit

#if canImport(Glibc)
    import Glibc
#endif

/// Where text goes. A file descriptor for the real process; a buffer for tests.
protocol TextSink: AnyObject {
    func write(_ text: String) throws
}

/// Written when the reader of stdout went away (`portaladmin key list | head`).
struct BrokenPipe: Error {}

final class FDSink: TextSink {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }

    func write(_ text: String) throws {
        var text = text
        let failed = text.withUTF8 { writeFully(fd, UnsafeRawBufferPointer($0)) }
        if failed == EPIPE { throw BrokenPipe() }
        if failed != 0 {
            throw PortalError(
                .ioError, "cannot write output: \(String(cString: strerror(failed)))",
                hint: "check the disk or the pipe it goes to")
        }
    }
}

final class BufferSink: TextSink {
    private(set) var text = ""
    func write(_ t: String) throws { text += t }
}

/// Where input comes from: stdin of the process, or a string in tests.
protocol InputSource: AnyObject {
    /// One line without its terminator; nil at end of input.
    func readLine() -> String?
    /// Reads everything left, as bytes.
    func readAll() -> [UInt8]
    /// Copies everything left to the open file `fd`, a piece at a time; returns the bytes
    /// copied.
    func copyAll(to fd: Int32) throws -> Int
}

/// A new folder of the caller's own (mode 0700) whose path starts with `prefix`, e.g.
/// `/tmp/portaladmin-demo-`; nil when it cannot be made.
func makeTemporaryFolder(_ prefix: String) -> String? {
    var template = Array((prefix + "XXXXXX").utf8CString)
    return template.withUnsafeMutableBufferPointer {
        $0.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
    }
}

/// The contents of a small regular file the user named (a device or a pipe is refused rather
/// than waited on: exit 66).
func readRegularFile(_ path: String) throws -> Data {
    var st = stat()
    guard stat(path, &st) == 0 else {
        throw PortalError(
            .noInput, "cannot read '\(path)': \(String(cString: strerror(errno)))",
            hint: "check the path and its permissions")
    }
    guard (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= 1 << 20,
        let data = FileManager.default.contents(atPath: path)
    else {
        throw PortalError(
            .noInput, "'\(path)' is not a readable regular file of at most 1 MB",
            hint: "save the text to an ordinary file, or pass '-' to read standard input")
    }
    return data
}

/// Writes all of `bytes` to `fd`.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
    let failed = writeFully(fd, bytes)
    guard failed == 0 else {
        throw PortalError(
            failed == ENOSPC ? .ioError : .cannotCreate,
            "cannot write a temporary file: \(String(cString: strerror(failed)))",
            hint: "check the disk (TMPDIR) has room")
    }
}

final class StdinSource: InputSource {
    func readLine() -> String? { Swift.readLine(strippingNewline: true) }
    func readAll() -> [UInt8] {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(0, &buf, buf.count)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
    func copyAll(to fd: Int32) throws -> Int {
        var total = 0
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(0, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return total }
            try buf.withUnsafeBytes {
                try writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
            total += n
        }
    }
}

final class StringSource: InputSource {
    var lines: [String]
    let raw: [UInt8]
    init(_ text: String) {
        raw = Array(text.utf8)
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
    }
    func readLine() -> String? { lines.isEmpty ? nil : lines.removeFirst() }
    func readAll() -> [UInt8] { raw }
    func copyAll(to fd: Int32) throws -> Int {
        try raw.withUnsafeBytes { try writeAll(fd, $0) }
        return raw.count
    }
}

/// The one I/O context (gh's IOStreams): streams, TTY flags, terminal width, environment and
/// clock, passed to every handler so tests can run them with buffers and a fixed date.
final class IO {
    let out: any TextSink
    let err: any TextSink
    let input: any InputSource
    let stdoutIsTTY: Bool
    let stderrIsTTY: Bool
    let stdinIsTTY: Bool
    let env: [String: String]
    let now: Date
    let width: Int

    init(
        out: any TextSink, err: any TextSink, input: any InputSource, stdoutIsTTY: Bool,
        stderrIsTTY: Bool, stdinIsTTY: Bool, env: [String: String], now: Date, width: Int = 100
    ) {
        self.out = out
        self.err = err
        self.input = input
        self.stdoutIsTTY = stdoutIsTTY
        self.stderrIsTTY = stderrIsTTY
        self.stdinIsTTY = stdinIsTTY
        self.env = env
        self.now = now
        self.width = width
    }

    /// The real process. `PORTALADMIN_NOW` fixes the clock (for tests and reproducible demos).
    static func process() -> IO {
        let env = ProcessInfo.processInfo.environment
        var now = Date()
        if let fixed = env["PORTALADMIN_NOW"], let d = Timestamp.parse(fixed) { now = d }
        var ws = winsize()
        // $COLUMNS first (as ls and git do), then the terminal, then 100.
        let width =
            env["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? (ioctl(1, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : 100)
        return IO(
            out: FDSink(1), err: FDSink(2), input: StdinSource(),
            stdoutIsTTY: isatty(1) == 1, stderrIsTTY: isatty(2) == 1, stdinIsTTY: isatty(0) == 1,
            env: env, now: now, width: width)
    }

    /// Reads a secret from the terminal without echo (or a line from stdin when not a TTY).
    func readSecret(prompt: String) -> String? {
        guard stdinIsTTY else { return input.readLine() }
        // Echo goes off before the prompt shows, so nothing typed after it is echoed.
        var old = termios()
        tcgetattr(0, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &quiet)
        try? err.write(prompt)
        defer {
            tcsetattr(0, TCSANOW, &old)
            try? err.write("\n")
        }
        return input.readLine()
    }
}

/// A file the command writes text to (mode 0600: it may hold personal data), put in place only
/// by `commit` (see `AtomicFile`): a failure leaves nothing behind.
final class FileOutput: TextSink {
    private let file: AtomicFile

    init(path: String) throws { file = try AtomicFile(path: path) }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try file.write(UnsafeRawBufferPointer($0)) }
    }

    func commit() throws { try file.commit() }
}

extension Context {
    /// The end of a bulk run (`key issue --file`, `aup sign --file`) that turned some rows down:
    /// how many beyond the 20 shown as warnings, then exit 3 with where to look.
    func turnedDown(_ count: Int, _ noun: String, _ verb: String, results: String?) throws {
        if count > 20 {
            warn(
                "\(grouped(count - 20)) more \(noun)s \(verb), not shown"
                    + (results.map { "; see \($0)" } ?? ""))
        }
        if count > 0 {
            throw PortalError(
                .rejectedRows,
                "\(grouped(count)) \(noun)\(count == 1 ? " was" : "s were") \(verb)",
                hint: results.map { "see \($0); fix those rows and run them again" }
                    ?? "the reasons are above; fix those rows and run them again")
        }
    }
}

/// The rows of a bulk command's input file (`key issue --file`, `aup sign --file`): its header,
/// and each non-blank row with its fields and physical line. A missing or empty file, or one
/// without the `required` columns, is refused before anything is written.
struct BulkFile {
    let path: String
    let header: [String]
    let columns: CSVHeader
    let rows: [(fields: [String], line: Int)]
    /// The rows the reader could not read cleanly (bad UTF-8, a control character, an
    /// unterminated quote), by line: each is turned down with this, never acted on.
    let problems: [Int: String]

    init(path: String, required: [String], optional: [String] = []) throws {
        self.path = path
        let reader = try CSVReader(path: path)
        let names = (required + optional).joined(separator: ",")
        guard let head = try reader.next() else {
            throw PortalError(
                .dataError, "\(path): the file is empty",
                hint: "the first line names the columns: \(names)")
        }
        if let e = head.headerError(path, "nothing was written") { throw e }
        header = head.fields
        columns = CSVHeader(head.fields)
        for name in required where columns.column(name) == nil {
            throw PortalError(
                .dataError, "\(path):1: missing required column \(name)",
                hint: columns.separatorHint
                    ?? "the first line names the columns: \(names); nothing was written")
        }
        var rows: [(fields: [String], line: Int)] = []
        var problems: [Int: String] = [:]
        while let rec = try reader.next() {
            if rec.isBlank { continue }
            if let p = rec.problem(in: columns.spelled) {
                problems[rec.line] = "\(p.field): \(p.problem)"
            }
            rows.append((rec.fields, rec.line))
        }
        self.rows = rows
        self.problems = problems
    }

    /// Throws the reader's problem with the row at `line`, if it had one.
    func check(line: Int) throws {
        if let p = problems[line] { throw PortalError(.dataError, p) }
    }

    /// The trimmed value of `name` in `fields`, empty when the column or the value is missing.
    func value(_ name: String, _ fields: [String]) -> String {
        guard let k = columns.column(name), k < fields.count else { return "" }
        return fields[k].trimmed()
    }
}
