import FoundationEssentials
import PortalKit

#if canImport(Glibc)
    import Glibc
#endif

/// What a handler gets: the parsed invocation, the I/O context, the database and session, and
/// helpers for output, talk on stderr and confirmation.
final class Context {
    let io: IO
    let inv: Invocation
    let format: Format
    let quiet: Bool
    let verbose: Bool
    let color: Bool
    let dryRun: Bool
    let yes: Bool
    let noInput: Bool
    private var _session: Session?

    init(io: IO, inv: Invocation) {
        self.io = io
        self.inv = inv
        format = Format(rawValue: inv.value("output") ?? "text") ?? .text
        quiet = inv.has("quiet")
        verbose = inv.has("verbose")
        color = !inv.has("no-color") && (io.env["NO_COLOR"] ?? "").isEmpty && io.stderrIsTTY
        dryRun = inv.has("dry-run")
        yes = inv.has("yes")
        noInput = inv.has("no-input")
    }

    var command: Command { inv.command }

    /// The date option `long`, within `Self.yearsAway` of today: a year typed with a slipped
    /// digit ("--until 3026-01-01", a court order or a consent meant to last a year) would
    /// otherwise be taken, and last a thousand years.
    func date(_ long: String) throws -> CivilDate? {
        guard let d = try inv.date(long) else { return nil }
        let today = Timestamp.utcDate(io.now)
        let years = abs(d.year - today.year)
        guard years <= Self.yearsAway else {
            throw PortalError.usage(
                "--\(long) \(d) is \(grouped(years)) years \(d < today ? "ago" : "from now")",
                hint: "check the year (today is \(today))")
        }
        return d
    }

    /// How many years from today a date option may be.
    static let yearsAway = 100

    var dbPath: String { Database.defaultPath(flag: inv.value("db"), env: io.env) }

    var districtFlag: String? {
        if command.districtArg, let id = inv.positionals.first { return id }
        return inv.value("district")
            ?? io.env["PORTALADMIN_DISTRICT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The operator: `$PORTALADMIN_OPERATOR`, else the login name.
    var operatorName: String {
        if let o = io.env["PORTALADMIN_OPERATOR"], !o.isEmpty { return o }
        if let u = io.env["USER"] ?? io.env["LOGNAME"], !u.isEmpty { return u }
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name {
            return String(cString: name)
        }
        return "unknown"
    }

    /// Opens the database, checks the district exists and the operator's role, once.
    func session() throws -> Session {
        if let s = _session { return s }
        let busy = io.env["PORTALADMIN_BUSY_TIMEOUT_MS"].flatMap { Int32($0) } ?? 5000
        let db: Database
        // A dry run of a command that creates the database, when there is none yet, works on
        // one in memory: opening the path would leave an empty database (and the folders to
        // it) behind a run that says nothing was written.
        let path =
            dryRun && command.createsDB && !dbPath.contains("://")
                && !FileManager.default.fileExists(atPath: dbPath) ? ":memory:" : dbPath
        do {
            db = try Database.open(path: path, create: command.createsDB, busyTimeoutMs: busy)
        } catch var e as PortalError where e.code == .noInput {
            // Where the path came from is this program's to say: --db or $PORTALADMIN_DB.
            e.hint = e.hint?.replacingOccurrences(
                Database.noDatabaseAdvice,
                "check --db / $PORTALADMIN_DB, or create a district first")
            throw e
        }
        var district: String? = nil
        if command.district == .required {
            guard let d = districtFlag else {
                // A district named as a plain word ("district set north key=value").
                let named = try inv.positionals.first { try Districts.exists(db, $0) }
                throw PortalError.usage(
                    "'\(command.name)' needs a district",
                    hint: named.map {
                        "name it with the option: --district \($0) (or set $PORTALADMIN_DISTRICT)"
                    }
                        ?? "pass --district ID or set $PORTALADMIN_DISTRICT (see 'portaladmin district list')"
                )
            }
            guard try Districts.exists(db, d) else {
                let ids = try Districts.list(db).map(\.id)
                throw PortalError.notFound(
                    "district", d, hint: suggesting(d, in: ids, "see 'portaladmin district list'"))
            }
            district = d
        }
        let s = Session(
            db: db, operatorName: operatorName, command: command.name, now: io.now,
            districtID: district)
        let needed = command.neededRole(given: inv.has)
        try Operators.authorize(
            s, needed: needed.role, district: district,
            action: needed.option.map { "\(command.name) --\($0)" })
        _session = s
        return s
    }

    /// Runs `body` in one write transaction; a dry run rolls it back.
    func transaction<T>(_ body: (Session) throws -> T) throws -> T {
        let s = try session()
        return try s.transaction(rollback: dryRun) { try body(s) }
    }

    // MARK: output

    func out(_ text: String) throws { try io.out.write(text) }

    func emit(_ table: Table, total: Int? = nil, limit: Int? = nil) throws {
        let table = try chosenColumns(table)
        try out(Render.table(table, format: format, tty: io.stdoutIsTTY, width: io.width))
        if let total, total > table.rows.count {
            say("Showing \(grouped(table.rows.count)) of \(grouped(total)); use --limit 0 for all")
        }
    }

    /// Rows made one at a time (`row(k)` for `k` in `0..<count`) and written in chunks where
    /// the format allows (JSON lines, CSV, TSV, text off a terminal), so that a long listing
    /// never holds all its rows, nor all its text, at once; JSON and a terminal's aligned table
    /// need every row and take the table's path.
    func emit(
        columns: [String], count: Int, total: Int? = nil, row: (Int) -> [JSONValue]
    ) throws {
        let chunk = 4096
        let streams =
            format == .jsonl || format == .csv || format == .tsv
            || (format == .text && !io.stdoutIsTTY)
        guard streams && count > chunk else {
            var t = Table(columns)
            for k in 0..<count { t.add(row(k)) }
            return try emit(t, total: total)
        }
        for start in stride(from: 0, to: count, by: chunk) {
            var t = Table(columns)
            for k in start..<min(count, start + chunk) { t.add(row(k)) }
            let text = Render.table(try chosenColumns(t), format: format, tty: false, width: 0)
            // The header line goes out once, with the first chunk.
            if start > 0 && format != .jsonl, let end = text.utf8.firstIndex(of: 10) {
                try out(String(text[text.index(after: end)...]))
            } else {
                try out(text)
            }
        }
        if let total, total > count {
            say("Showing \(grouped(count)) of \(grouped(total)); use --limit 0 for all")
        }
    }

    /// When `hint` sends the caller to a command their role may not run (the help desk told to
    /// issue a key), who may: " (that needs the registrar role: ask a registrar)". Only with a
    /// session open, in a district with operators; nil otherwise.
    func whoMayRun(_ hint: String, table: CommandTable) -> String? {
        let tokens = hint.split(separator: " ").map(String.init)
        guard let s = _session, let d = s.districtID,
            let at = tokens.firstIndex(of: "portaladmin")
        else { return nil }
        let words = Array(tokens[(at + 1)...].prefix(2))
        guard let command = table.command(words),
            let needed = command.neededRole(given: { tokens.contains("--" + $0) }).role,
            let mine = (try? Operators.get(s.db, district: d, name: s.operatorName))??.role,
            mine < needed
        else { return nil }
        return " (that needs the \(needed.rawValue) role: ask a \(needed.rawValue))"
    }

    /// `table` with only the `--columns` asked for, in their order; an unknown name is a usage
    /// error that lists the names there are.
    func chosenColumns(_ table: Table) throws -> Table {
        guard let spec = inv.value("columns") else { return table }
        let names = spec.split(separator: ",").map { $0.trimmed().lowercased() }.filter {
            !$0.isEmpty
        }
        var picked: [Int] = []
        for n in names {
            guard let k = table.columns.firstIndex(of: n) else {
                throw PortalError.usage(
                    "--columns: no column '\(n)'",
                    hint: suggesting(
                        n, in: table.columns,
                        "the columns are: " + table.columns.joined(separator: ",")))
            }
            picked.append(k)
        }
        guard !picked.isEmpty else {
            throw PortalError.usage(
                "--columns names no column",
                hint: "e.g. --columns " + table.columns.prefix(2).joined(separator: ","))
        }
        var t = Table(picked.map { table.columns[$0] })
        for row in table.rows { t.add(picked.map { row[$0] }) }
        return t
    }

    func emit(record fields: [(String, JSONValue)]) throws {
        var fields = fields
        if dryRun && format != .text { fields.append(("dry_run", .bool(true))) }
        try out(Render.record(fields, format: format))
    }

    /// The `--limit` of list commands (default 100, 0 = all).
    var limit: Int {
        get throws { try inv.int("limit") ?? 100 }
    }

    /// Talk on stderr (suppressed by -q).
    func say(_ text: String) {
        guard !quiet else { return }
        try? io.err.write(Text.escaped(text) + "\n")
    }

    /// A change that was made: under --dry-run, says it was not.
    func done(_ text: String) {
        say(dryRun ? "dry run: \(text) (rolled back: nothing was written)" : text)
    }

    func warn(_ text: String) {
        try? io.err.write(paint("warning:", 33) + " " + Text.escaped(text) + "\n")
    }

    /// A row of a bulk run left out (`file:line: field: problem`): labelled apart from a
    /// warning, which a row imported without a bad optional value gets.
    func rejected(_ text: String) {
        try? io.err.write(paint("rejected:", 31) + " " + Text.escaped(text) + "\n")
    }

    /// Asks before a command replaces files of its own naming in the folder `--out` names (a
    /// registrar may point it at the SIS export the district was imported from).
    func confirmReplacing(_ names: [String], in dir: String) throws {
        let existing = names.filter { FileManager.default.fileExists(atPath: dir + "/" + $0) }
        try confirmReplacing(
            existing.count, "'\(dir)' already has \(existing.joined(separator: ", ")), which",
            other: "name another folder with --out")
    }

    /// The file the option `name` names for the command to write (`--letters`, `--results`,
    /// `--out`): nil when not given, and nil under --dry-run, which writes no file. One rule for
    /// every such file: an existing file is replaced only when confirmed (a letters file may be
    /// the only copy of keys already mailed), asked before any work is done.
    func outputFile(_ name: String, reads inputs: [String] = []) throws -> String? {
        guard let path = inv.value(name), !dryRun else { return nil }
        // Never over what the command reads (its --file, the files of a bundle), whatever
        // --yes says: a script passes --yes for the questions it expects, and the SIS export
        // would be gone. Nor over another file it writes.
        let reads = inputs + [inv.value("file")].compactMap { $0 }.filter { $0 != "-" }
        if let input = reads.first(where: { Self.sameFile($0, path) }) {
            throw PortalError.usage(
                "--\(name) names '\(path)', which this command reads ('\(input)')",
                hint: "name another file with --\(name): what is written would replace what is read"
            )
        }
        for other in ["letters", "results", "out"] where other != name {
            if let o = inv.value(other), o != "-", Self.sameFile(o, path) {
                throw PortalError.usage(
                    "--\(name) and --\(other) name the same file '\(path)'",
                    hint: "name a file of its own for each")
            }
        }
        try confirmReplacing(
            FileManager.default.fileExists(atPath: path) ? 1 : 0, "'\(path)' already exists and",
            other: "name another file with --\(name)")
        return path
    }

    /// Whether two paths name one file: the same file on disk (through a link, or spelled
    /// otherwise), or the same path where neither is there yet.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat()
        var sb = stat()
        if stat(a, &sa) == 0 && stat(b, &sb) == 0 {
            return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
        }
        func absolute(_ p: String) -> String {
            (p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p)
                .split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        }
        return absolute(a) == absolute(b)
    }

    /// Asks before `count` existing files are replaced; `subject` begins the question.
    private func confirmReplacing(_ count: Int, _ subject: String, other: String) throws {
        guard count > 0 else { return }
        try confirm(
            "\(subject) would be replaced.",
            hint: "add --yes to replace \(count == 1 ? "it" : "them"), or \(other)")
    }

    func paint(_ s: String, _ code: Int) -> String {
        color ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s
    }

    /// Shows secrets that are already stored (keys, temporary passwords). When they cannot all
    /// be shown or written, says that `stored` and how to `replace` them, since only their hashes
    /// are kept.
    func deliver(_ count: Int, _ stored: String, replace: String, _ show: () throws -> Void)
        throws
    {
        do {
            try show()
        } catch {
            guard count > 0, !dryRun else { throw error }
            let e =
                error is BrokenPipe
                ? PortalError(.ioError, "the output was closed before everything was shown")
                : CLI.portalError(error)
            throw PortalError(
                e.code == .internal ? .ioError : e.code,
                "\(stored), but could not all be shown or written: \(e.message)",
                hint: "only hashes are kept, so " + replace)
        }
    }

    /// `Proceed? [y/N]` on a terminal; without one (or with --no-input) `--yes` is required.
    /// A dry run writes nothing, so it never asks. Whether a command asks never depends on how
    /// many things it would change.
    func confirm(
        _ question: String, hint: String = "add --yes to confirm (or --dry-run to preview)"
    ) throws {
        if yes || dryRun { return }
        guard io.stdinIsTTY && !noInput else {
            throw PortalError.usage(
                "\(question) This needs confirmation and there is no terminal to ask.", hint: hint)
        }
        try? io.err.write(question + " Proceed? [y/N] ")
        let answer = io.input.readLine()?.trimmed().lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            throw PortalError(.cancelled, "cancelled; nothing was written")
        }
    }
}
