import PortalKit

/// What `roster import` does while PortalKit imports: the results file, the first rejected
/// rows and warnings on standard error, the progress line, and the question before marking
/// people inactive.
final class ImportRun {
    /// How many rejected rows and warnings are shown; the rest are counted.
    static let shownRows = 20

    let c: Context
    let results: ImportResults?
    let progress: Progress
    /// Rejected rows and warnings met so far.
    private(set) var shown = 0

    init(_ c: Context, results: ImportResults?) {
        self.c = c
        self.results = results
        progress = Progress(c)
    }

    /// Shows how far the import has read on the progress line.
    private var showProgress: (_ file: String, _ rows: Int, _ bytes: Int, _ total: Int) -> Void {
        { [progress] file, rows, bytes, total in
            progress.update(file: file, rows: rows, bytes: bytes, total: total)
        }
    }

    /// The importer's hooks; `approved` holds what the person agreed to before the import
    /// began (see `askFirst`), nil when they were not asked then.
    func hooks(approved: [String: Int]?) -> ImportHooks {
        var hooks = ImportHooks()
        hooks.everyRow = results != nil
        hooks.columns = { [results] in try results?.header($0) }
        hooks.row = { [self] o in try self.record(o) }
        hooks.progress = showProgress
        hooks.confirmInactivation = { [self] pending in
            guard let approved else { return try self.ask(pending) }
            if let more = pending.first(where: { $0.count > approved[$0.entity] ?? 0 }) {
                throw PortalError(
                    .conflict,
                    "the district changed while you were asked: this import would now mark \(grouped(more.count)) \(more.entity) inactive",
                    hint: "run the import again")
            }
            self.c.say(
                "marking "
                    + pending.map { "\(grouped($0.count)) \($0.entity) inactive (\($0.why))" }
                    .joined(separator: ", "))
        }
        return hooks
    }

    /// On a terminal the question comes before the write lock is taken, so that no other
    /// writer waits on a person: a dry run first finds what the import would mark inactive.
    /// Returns what was agreed to, by entity; nil when the question is left to the import.
    func askFirst(_ s: Session, dir: String, format: RosterFormat?, options: ImportOptions)
        throws -> [String: Int]?
    {
        guard !options.delta && !c.dryRun && !c.yes && c.io.stdinIsTTY && !c.noInput else {
            return nil
        }
        var first = options
        first.dryRun = true
        var counting = ImportHooks()
        counting.everyRow = false
        counting.progress = showProgress
        var pending: [(entity: String, count: Int, active: Int, why: String)] = []
        counting.confirmInactivation = { pending = $0 }
        _ = try Roster.importBundle(s, dir: dir, format: format, options: first, hooks: counting)
        if !pending.isEmpty { try ask(pending) }
        return Dictionary(pending.map { ($0.entity, $0.count) }, uniquingKeysWith: max)
    }

    /// Asks before marking more than a tenth of the active people of a kind inactive; says
    /// what it does otherwise.
    private func ask(_ pending: [(entity: String, count: Int, active: Int, why: String)]) throws {
        let text = pending.map {
            "\(grouped($0.count)) of \(grouped($0.active)) \($0.entity) inactive (\($0.why))"
        }
        .joined(separator: ", ")
        progress.clear()
        if pending.contains(where: { $0.count * 10 > $0.active }) {
            try c.confirm("This import marks \(text).")
        } else {
            c.say("marking \(text)")
        }
    }

    /// Writes the row's outcome to the results file; shows the first rejected rows and
    /// warnings.
    private func record(_ o: RowOutcome) throws {
        try results?.add(o)
        guard o.status == .rejected || o.status == .warning else { return }
        shown += 1
        if shown <= Self.shownRows {
            progress.clear()
            // A row of no line (a school of orgs.csv, a link whose line is not known) by its id
            // instead.
            let at = o.line > 0 ? String(o.line) : o.id.isEmpty ? "-" : " " + o.id
            let text = "\(o.file):\(at): \(o.message)"
            if o.status == .rejected { c.rejected(text) } else { c.warn(text) }
        }
    }
}
