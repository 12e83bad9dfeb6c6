import FoundationEssentials
import PortalKit

#if canImport(Glibc)
    import Glibc
#endif

enum RosterCommands {
    static let all: [Command] = [
        Command(
            path: ["roster", "import"],
            summary: "import a roster bundle (OneRoster 1.1/1.2 or native CSV)",
            discussion: """
                PATH is a folder. Native CSV: schools.csv, guardians.csv, students.csv, relationships.csv (any of them; see FILES in the man page). OneRoster: users.csv with orgs.csv, demographics.csv, roles.csv, manifest.csv. The format is told by the files (a folder holding both users.csv and native files is refused until --format names one). PATH - reads one native file from standard input, told by its header (guardian_id, student_id, both, or school_id).
                A bad row is reported as rejected: file:line: field: problem and skipped; the rest import and the exit code is 3. A OneRoster link has no line of its own: it is reported at the line that named it (a user's agentSourcedIds in users.csv, or a line of relationships.csv) as rejected: users.csv:4: link GUARDIAN/STUDENT: field: problem. A bad value in a required field (an id, a name, a link's ends) or in status, school_id or portal_access rejects its row; a bad value in an optional field of a person (address lines, postcode, birth date, e-mail, phone, grade, middle name) is left out, the row imported without it (a guardian's birth date is kept as given in birth_date_given), and reported as a warning (warning: file:line: field: problem) at the file and line it came from (demographics.csv for a OneRoster birth date), counted in the summary and in --results (status warning). A column a file does not have says nothing of it: the rows the district holds keep their values there (a delta of names alone keeps e-mails, phones, addresses and birth dates; a relationships.csv without portal_access keeps access refused), while an empty field clears. A missing required column rejects the whole bundle before anything is written (exit 65), and so does an e-mail, phone or birth-date column whose first values are nearly all of another of these kinds (columns swapped in an export would otherwise import every row without them, and clear what a re-import's district held).
                The whole bundle is one transaction, unless --batch-size commits every N rows (a rerun then resumes: rows already in come back unchanged). The first import into an SQLite database that holds no roster rows yet (a new installation), when no other command has the database open, writes the file through a rollback journal instead of the WAL (nothing is written twice): other commands wait for it for their busy time (PORTALADMIN_BUSY_TIMEOUT_MS).
                A full import (without --delta) marks students, guardians and links that are absent from a complete file inactive, never deleting them; when that touches more than a tenth of the students, guardians or links, it asks first, however few they are (without a terminal: --yes); --dry-run never asks. One that gives none of the district's active students (or guardians, or links) at all, a header alone or another district's export, is refused (exit 65), --yes or not, unless --allow-all-absent; so is one whose file ends in the middle of a row (no line end after a last row with fewer fields than the row before it, or a quote left open: a copy or export cut short), when it would mark anyone inactive (--delta imports the rows before the cut); the row the file is cut in is rejected either way, its last field most likely cut too. A OneRoster delta ends the district's links of a user it gives with agentSourcedIds that the field (on either side) and relationships.csv no longer name, asked as above. A OneRoster bundle whose manifest.csv gives users.csv as a delta (file.users,delta) is imported as with --delta; one whose mode is none of bulk, delta, absent is refused unless --delta is given.
                """,
            args: [
                Arg(
                    name: "path",
                    help: "the folder holding the CSV files (-: one native file on standard input)",
                    complete: .dir)
            ],
            options: [
                Opt(
                    long: "format", value: "format",
                    help: "oneroster or csv (default: detected from the file names)",
                    choices: RosterFormat.allCases.map(\.rawValue), complete: .choices),
                Opt(long: "delta", help: "apply only the rows given; mark no one inactive"),
                Opt(
                    long: "encoding", value: "name",
                    help:
                        "utf-8 (the default) or windows-1252: read fields that are not UTF-8 as Windows-1252, as Excel's \"CSV (Comma delimited)\" writes accented letters on a Western Windows (fields that are UTF-8 stay so)",
                    choices: ["utf-8", "windows-1252"], complete: .choices),
                Opt(
                    long: "allow-all-absent",
                    help:
                        "let a full import that gives none of the district's students (or guardians, or links) mark them all inactive"
                ),
                Opt(
                    long: "batch-size", value: "n",
                    help:
                        "commit every N rows (default: one transaction for the bundle; on PostgreSQL always one)"
                ),
                Opt(
                    long: "results", value: "file",
                    help:
                        "write every row to FILE (CSV): file, line, id, the input columns, status, message (a password or PIN column's values are withheld)",
                    complete: .file),
                Opt(
                    long: "max-rows", value: "n",
                    help: "read at most N rows of each file (a trial run; marks no one inactive)"),
            ],
            role: .registrar, writes: true,
            examples: [
                "portaladmin roster import ./sis-export --format csv --results results.csv",
                "portaladmin roster import ./oneroster --delta",
                "sis-export-students | portaladmin roster import - --delta",
            ],
            run: importBundle),
        Command(
            path: ["roster", "export"], summary: "write the district as native CSV files",
            discussion:
                "Writes schools.csv, guardians.csv, students.csv and relationships.csv (mode 0600) that 'roster import --format csv' reads back unchanged, here or into another district. A guardian merged into another is left out (the one kept stands for both; 'merge list' keeps the history), and a household's address comes first from a member who gives it.",
            options: [
                Opt(
                    long: "out", value: "dir",
                    help:
                        "(required) the folder to write to (created if missing; asks before replacing files)",
                    complete: .dir)
            ],
            role: .registrar, run: export),
        Command(
            path: ["roster", "stats"],
            summary: "count schools, students, guardians, households and links",
            role: .helpdesk, run: stats),
    ]

    /// A size in bytes from the environment variable `name`, nil when it is not set.
    private static func bytes(
        _ c: Context, _ name: String, _ range: ClosedRange<Int>, default: String
    ) throws -> Int? {
        guard let text = c.io.env[name], !text.isEmpty else { return nil }
        guard let n = byteCount(text), range.contains(n) else {
            // (An example the variable takes: 32 MB was refused by one that takes 16 MB at most.)
            let example =
                [("32 MB", 32 << 20), ("8 MB", 8 << 20), ("64 KB", 64 << 10)].first {
                    range.contains($0.1)
                }?.0 ?? "\(range.upperBound)"
            throw PortalError.usage(
                "\(name) takes a number of bytes from \(range.lowerBound) to \(range.upperBound), not '\(text)'",
                hint:
                    "give bytes, or KB, MB or GB (\(example)); unset it for the default (\(`default`))"
            )
        }
        return n
    }

    /// A size as people write it: 4194304, 4MB, 4 MB, 512 kb, 1 GiB (K, M and G are 1024s).
    static func byteCount(_ text: String) -> Int? {
        let t = text.trimmed().lowercased()
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard let n = Int(digits) else { return nil }
        let units = ["": 0, "b": 0, "kb": 10, "kib": 10, "mb": 20, "mib": 20, "gb": 30, "gib": 30]
        guard let shift = units[t.dropFirst(digits.count).trimmed()], n <= Int.max >> shift
        else { return nil }
        return n << shift
    }

    static func importBundle(_ c: Context) throws {
        var dir = c.inv.positionals[0]
        let format = c.inv.value("format").flatMap(RosterFormat.init(rawValue:))
        if dir == "-" && format == .oneroster {
            throw PortalError.usage(
                "a OneRoster bundle is several files: roster import reads it from a folder",
                hint: "save the files into a folder and pass its path")
        }
        let options = try importOptions(c)
        let resultsPath = try c.outputFile(
            "results", reads: dir == "-" ? [] : Roster.bundleFiles.map { dir + "/" + $0 })
        let s = try c.session()
        let results = try resultsPath.map { try ImportResults(path: $0) }
        // Standard input is read once every argument has been checked.
        var staged: String?
        defer { if let staged { _ = try? FileManager.default.removeItem(atPath: staged) } }
        if dir == "-" {
            let folder = try stageStandardInput(c)
            staged = folder
            dir = folder
        }
        let run = ImportRun(c, results: results)
        let summary: ImportSummary
        do {
            let approved = try run.askFirst(s, dir: dir, format: format, options: options)
            summary = try Roster.importBundle(
                s, dir: dir, format: format, options: options, hooks: run.hooks(approved: approved))
        } catch var e as PortalError {
            // The command to suggest reads standard input again, not the folder it was put in.
            switch e.action {
            case .importAsDelta(let folder) where folder == staged:
                e.action = .importAsDelta(folder: "-")
            case .importEndingAllAbsent(let folder) where folder == staged:
                e.action = .importEndingAllAbsent(folder: "-")
            default: break
            }
            throw e
        }
        run.progress.clear()
        try results?.finish()
        try report(c, summary, shown: run.shown, results: resultsPath)
    }

    /// The import's options from the command line and the environment.
    static func importOptions(_ c: Context) throws -> ImportOptions {
        var options = ImportOptions()
        options.delta = c.inv.has("delta")
        options.batchSize = try c.inv.int("batch-size", min: 1) ?? 0
        options.maxRows = try c.inv.int("max-rows", min: 1)
        options.allowAllAbsent = c.inv.has("allow-all-absent")
        options.windows1252 = c.inv.value("encoding") == "windows-1252"
        options.dryRun = c.dryRun
        options.linkFilterBytes = try bytes(
            c, "PORTALADMIN_LINK_FILTER_BYTES", 64...(1 << 30),
            default: "4 to 12 MB, by the links in relationships.csv")
        options.idMemoryBytes =
            try bytes(c, "PORTALADMIN_ID_MEMORY_BYTES", 0...(1 << 30), default: "16 MB")
            ?? options.idMemoryBytes
        options.orderWindowBytes =
            try bytes(c, "PORTALADMIN_ORDER_WINDOW_BYTES", 0...(16 << 20), default: "16 MB")
            ?? options.orderWindowBytes
        if let text = c.io.env["PORTALADMIN_STAGE_AFTER_ROWS"], !text.isEmpty {
            guard let n = Int(text.trimmed()), n >= 0 else {
                throw PortalError.usage(
                    "PORTALADMIN_STAGE_AFTER_ROWS takes a number of rows, 0 or more, not '\(text)'",
                    hint: "unset it for the default (\(ImportOptions().rowsBeforeStaging))")
            }
            options.rowsBeforeStaging = n
        }
        if let text = c.io.env["PORTALADMIN_KNOWN_ROWS"], !text.isEmpty {
            switch text.trimmed().lowercased() {
            case "always": options.keepKnownRows = true
            case "never": options.keepKnownRows = false
            default:
                throw PortalError.usage(
                    "PORTALADMIN_KNOWN_ROWS takes 'always' or 'never', not '\(text)'",
                    hint: suggesting(
                        text.trimmed().lowercased(), in: ["always", "never"],
                        "unset it to let the import decide by the size of the files"))
            }
        }
        return options
    }

    /// The import's summary table, its notes, the count of warnings not shown, the closing
    /// line, and exit 3 when rows were rejected.
    static func report(_ c: Context, _ summary: ImportSummary, shown: Int, results: String?)
        throws
    {
        try c.emit(summaryTable(summary), format: summary)
        for n in summary.notes {
            c.say(
                "note: "
                    + n.replacingOccurrences(
                        CSVReader.readAsWindows1252,
                        CSVReader.readAsWindows1252 + " (--encoding windows-1252)"))
        }
        let t = summary.total
        if shown > ImportRun.shownRows {
            c.warn(
                "\(grouped(shown - ImportRun.shownRows)) more rejected rows and warnings not shown"
                    + (results.map { "; see \($0)" } ?? "; use --results FILE to list them all"))
        }
        c.done(
            "imported: \(grouped(t.created)) created, \(grouped(t.updated)) updated, \(grouped(t.unchanged)) unchanged, \(grouped(t.rejected)) rejected, \(grouped(t.inactivated)) marked inactive"
                + (t.warnings > 0
                    ? "; \(grouped(t.warnings)) imported without a bad optional value (see the warnings)"
                    : ""))
        if t.rejected > 0 {
            throw PortalError(
                .rejectedRows,
                "\(grouped(t.rejected)) row\(t.rejected == 1 ? " was" : "s were") rejected; the rest were imported",
                hint: results.map {
                    "see \($0), fix the rows and import again (imported rows come back unchanged)"
                }
                    ?? "rerun with --results FILE to list every row, fix them and import again")
        }
    }

    /// Saves standard input, one native file, into a temporary folder under the name of the
    /// file its header makes it (guardians, students, relationships or schools), for the
    /// import to read (and read again) like a folder; returns the folder.
    static func stageStandardInput(_ c: Context) throws -> String {
        let base = c.io.env["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        guard let dir = makeTemporaryFolder(base + "/portaladmin-stdin-") else {
            throw PortalError(
                .cannotCreate, "cannot create a temporary folder in \(base) for standard input",
                hint: "set TMPDIR to a writable folder")
        }
        do {
            let path = dir + "/input.csv"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw PortalError(
                    .cannotCreate, "cannot save standard input in \(dir)",
                    hint: "set TMPDIR to a writable folder")
            }
            let size = try {
                defer { close(fd) }
                return try c.io.input.copyAll(to: fd)
            }()
            guard size > 0, let head = try CSVReader(path: path, shownAs: "standard input").next()
            else {
                throw PortalError(
                    .noInput, "standard input is empty",
                    hint:
                        "pipe one roster file into it, e.g. cat students.csv | portaladmin roster import -"
                )
            }
            if let e = head.headerError("standard input", "nothing was imported") { throw e }
            guard let spec = NativeFormat.file(forHeader: head.fields) else {
                let header = CSVHeader(head.fields)
                let ids = ["guardian_id", "student_id", "school_id"]
                let misses = NativeFormat.nearMisses(header, wanted: ids, known: [])
                throw PortalError(
                    .dataError,
                    "standard input:1: the header names none of guardian_id, student_id, school_id",
                    hint: header.separatorHint
                        ?? misses.first.map {
                            "rename '\($0.spelled)' to \($0.name) (native files' headers are fixed) and pipe it again"
                        }
                        ?? "pipe one native roster file (guardians, students, relationships or schools), or save the files into a folder and pass its path"
                )
            }
            guard rename(path, dir + "/" + spec.name) == 0 else {
                throw PortalError(
                    .cannotCreate, "cannot save standard input in \(dir)",
                    hint: "set TMPDIR to a writable folder")
            }
            c.say("reading standard input as \(spec.name)")
            return dir
        } catch {
            _ = try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    static func summaryTable(_ s: ImportSummary) -> Table {
        var t = Table([
            "entity", "created", "updated", "unchanged", "rejected", "inactivated", "warnings",
        ])
        for (name, c) in s.entities {
            t.add([
                .string(name), .int(c.created), .int(c.updated), .int(c.unchanged),
                .int(c.rejected), .int(c.inactivated), .int(c.warnings),
            ])
        }
        return t
    }

    static func export(_ c: Context) throws {
        let dir = try c.inv.required("out")
        let s = try c.session()
        let district = try s.district()
        try c.confirmReplacing(Roster.exportFiles, in: dir)
        let files = try Roster.export(s.db, district: district, to: dir)
        var t = Table(["file", "rows"])
        for f in files { t.add([.string(dir + "/" + f.file), .int(f.rows)]) }
        try c.emit(t)
        c.say(
            "exported \(files.map { "\(grouped($0.rows)) \($0.file.replacingOccurrences(".csv", ""))" }.joined(separator: ", ")) to \(dir)"
        )
    }

    static func stats(_ c: Context) throws {
        let s = try c.session()
        var t = Table(["entity", "active", "inactive"])
        for r in try People.stats(s.db, district: try s.district()) {
            t.add([.string(r.entity), .int(r.active), .int(r.inactive)])
        }
        try c.emit(t)
    }
}

extension Context {
    /// The import summary: per-entity rows as a table, or one JSON object with totals.
    func emit(_ t: Table, format summary: ImportSummary) throws {
        if format == .json || format == .jsonl {
            let tot = summary.total
            func obj(_ c: EntityCounts) -> JSONValue {
                .object([
                    ("created", .int(c.created)), ("updated", .int(c.updated)),
                    ("unchanged", .int(c.unchanged)),
                    ("rejected", .int(c.rejected)), ("inactivated", .int(c.inactivated)),
                    ("warnings", .int(c.warnings)),
                ])
            }
            var fields: [(String, JSONValue)] = [
                ("format", .string(summary.format)),
                ("created", .int(tot.created)), ("updated", .int(tot.updated)),
                ("unchanged", .int(tot.unchanged)),
                ("rejected", .int(tot.rejected)), ("inactivated", .int(tot.inactivated)),
                ("warnings", .int(tot.warnings)),
                ("entities", .object(summary.entities.map { ($0.name, obj($0.counts)) })),
                ("notes", .array(summary.notes.map { .string($0) })),
            ]
            if dryRun { fields.append(("dry_run", .bool(true))) }
            try out(
                format == .json
                    ? JSONValue.object(fields).serialized(pretty: true) + "\n"
                    : JSONValue.object(fields).serialized() + "\n")
        } else {
            try emit(t)
        }
    }
}

/// Progress on a terminal only: redrawn at most ten times a second, with rows, rate and time left.
final class Progress {
    let c: Context
    let enabled: Bool
    let start = Date()
    var last = Date(timeIntervalSince1970: 0)
    var lastFile = ""
    var drawn = false

    init(_ c: Context) {
        self.c = c
        enabled = c.io.stderrIsTTY && !c.quiet
    }

    func update(file: String, rows: Int, bytes: Int, total: Int, unit: String = "rows") {
        guard enabled else { return }
        // At most ten redraws a second, but a new file shows at once (a small file may be
        // read in less than that).
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1 || file != lastFile else { return }
        last = now
        lastFile = file
        let elapsed = max(0.001, now.timeIntervalSince(start))
        let rate = Int(Double(rows) / elapsed)
        var text = "\r\(file): \(grouped(rows)) \(unit), \(grouped(rate))/s"
        if total > 0 && bytes > 0 && bytes < total {
            let left = elapsed * Double(total - bytes) / Double(bytes)
            text += ", ~\(Int(left.rounded(.up)))s left"
        }
        try? c.io.err.write(text + "\u{1b}[K")
        drawn = true
    }

    func clear() {
        guard drawn else { return }
        try? c.io.err.write("\r\u{1b}[K")
        drawn = false
    }
}
