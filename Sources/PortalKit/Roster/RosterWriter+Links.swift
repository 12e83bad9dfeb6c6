/// Links met before their ends, or taken for repeats by the filter: held, then settled by
/// reading the file again.
extension RosterWriter {
    /// Whether the district has the link `guardian␟student`, active.
    func linkIsActive(_ claim: String) throws -> Bool {
        let ends = Self.linkEnds(claim)
        guard ends.count == 2 else { return false }
        return try s.db.first(
            "SELECT 1 FROM links WHERE district_id = ? AND guardian_id = ? AND student_id = ? AND status = 'active'",
            [.text(district), .text(ends[0]), .text(ends[1])]) != nil
    }

    /// An insert that met the key of a row this import wrote (see `linksByKey`).
    struct RepeatedKey: Error {}

    /// Rejects a row whose id was met before, naming the line it was first met on. A row of a
    /// file is held until `eachRow` has read the file again, whether or not the first line
    /// was kept: kept it is for some ids and not others depending on memory (a numbered id's
    /// is not; a district's row kept in memory says it), and the reports of a file must come
    /// in one order every way (after the file's other rows, in the order of their lines).
    func repeated(_ r: PendingRow, first: Int) throws {
        if r.line > 0 {
            r.letGoOfRow()
            held.append((r, false, first))
        } else {
            try finish(r, .rejected, Self.repeatMessage(r, first: first))
        }
    }

    static func repeatMessage(_ r: PendingRow, first: Int) -> String {
        let what = r.table == .links ? "duplicate link" : "duplicate id"
        let before = first > 0 ? "first seen on line \(first)" : "met earlier in this import"
        return "\(r.idField): \(what) (\(before)); this row was skipped"
    }

    /// Reads the file at `path` again up to the last row held, to find the line each held
    /// row's id was first met on when it was not kept (for a link: the first row not
    /// rejected, the one written). Then, in the order of their lines, reports the repeats, and
    /// writes the links the filter took for met before that were not (or reports them as
    /// repeats when they were).
    func settleHeld(_ path: String, _ parse: (CSVRecord) throws -> PendingRow?) throws {
        guard let last = held.map(\.row.line).max() else { return }
        // The first line of each held row's id: of any row, of a row not rejected (the one
        // written), and of such a row not named through a merged guardian.
        var first: [String: (any: Int, written: Int, own: Int)] = [:]
        for h in held where h.suspect || h.first <= 0 { first[h.row.claim ?? ""] = (0, 0, 0) }
        if !first.isEmpty {
            try reread(path, parse, before: last) { r in
                guard let c = r.claim, var f = first[c] else { return }
                if f.any == 0 { f.any = r.line }
                if f.written == 0 && !r.isRejected { f.written = r.line }
                if f.own == 0 && !r.isRejected && !r.viaMerge { f.own = r.line }
                first[c] = f
            }
        }
        let rows = held.sorted { $0.row.line < $1.row.line }
        held = []
        for (r, suspect, kept) in rows {
            let f = first[r.claim ?? ""] ?? (0, 0, 0)
            var line = kept > 0 ? kept : r.table == .links ? f.written : f.any
            // A link held by the filter is a repeat only when an earlier row was written; as
            // with the ids met, one named through a merged guardian after it is left as it is,
            // and the guardian's own row counts after those.
            if suspect {
                if !r.viaMerge { line = f.own }
                guard try line > 0 && line < r.line && linkEndsExist(r) else {
                    // When no row before it named its link, it is the link's first: counted
                    // among the links met, as a row the filter knew new is (see `completed`).
                    // Left uncounted, one such row made the counts differ and the file was
                    // read again whole into a set of every link: with 1,750,000 links
                    // (1,000,000 students) a few hundred such rows a re-import, 7 of its 16 s.
                    try process(r, firstOfItsLink: f.any == 0 || f.any >= r.line)
                    continue
                }
                if r.viaMerge {
                    try finish(r, .unchanged)
                    continue
                }
            }
            try finish(r, .rejected, Self.repeatMessage(r, first: line))
        }
        try insertWaiting()
    }

    /// Reads a file again from its first row up to the line `before`, giving each row as
    /// `parse` makes it.
    func reread(
        _ path: String, _ parse: (CSVRecord) throws -> PendingRow?, before: Int = .max,
        _ body: (PendingRow) throws -> Void
    ) throws {
        let reader = try CSVReader(path: path, windows1252: options.windows1252)
        _ = try reader.next()  // the header
        while let rec = try reader.next(), rec.line < before {
            if rec.isBlank { continue }
            if let r = try parse(rec) { try body(r) }
        }
    }

    /// Whether both ends of the link a row names exist (its key: the row itself may have
    /// been rejected).
    func linkEndsExist(_ r: PendingRow) throws -> Bool {
        guard let ends = r.claim.map(Self.linkEnds), ends.count == 2 else { return false }
        return try exists(.guardians, ends[0]) && exists(.students, ends[1])
    }

    /// A link's key, `guardian␟student`, as its two ids.
    static func linkEnds(_ key: String) -> [String] {
        key.split(separator: "\u{1f}", maxSplits: 1, omittingEmptySubsequences: false).map(
            String.init)
    }

}
