/// The end of an import: absent rows marked inactive, the indexes put off built, the summary.
extension RosterWriter {
    /// Called when the file of `entity` was read completely: in a full import, the district's
    /// active rows it left out are no longer enrolled. Notes them (marked at `close`).
    func completed(_ entity: String) throws {
        guard let t = RosterTable(rawValue: entity) else { return }
        var met = seenIDs[t.index]
        var filter = t == .links ? linkFilter : nil
        if t == .links { linkFilter = nil }
        // Let go of ids no longer needed: households are named only by guardians and students
        // (read before them), and guardians and students are needed only for the links' ends.
        switch t {
        case .students:
            seenIDs[RosterTable.households.index] = RosterTable.households.emptySet(spill)
        case .links:
            for done in [RosterTable.links, .guardians, .students] {
                seenIDs[done.index] = done.emptySet(spill)
            }
        default: break
        }
        // A table that held none of the district's rows before has nothing absent; nor has one
        // whose rows were all met, when the rows kept in memory say so (the links of native
        // files are met in the filter and marked there too, see `write`).
        guard !options.delta, options.maxRows == nil, !fresh[t.index] else { return }
        if let known = known[t.index], !known.someActiveUnmet { return }
        // The key as the import spells it (`guardian␟student` for a link), compared as bytes:
        // this looks at every active row of the district, so it makes no strings.
        var left = 0
        var active = 0
        var perhapsMet = 0
        let columns = t.keyColumns.joined(separator: ", ")
        let scan = {
            try self.forgetAbsent(t)
            left = 0
            active = 0
            try self.s.db.forEachText(
                "SELECT \(t.keySQL), \(columns) FROM \(t.rawValue) WHERE district_id = ? AND status = 'active'",
                [.text(self.district)]
            ) { key, row in
                active += 1
                if let filter, filter.contains(key) {
                    perhapsMet += 1
                } else if try filter != nil || !met.contains(key) {
                    try self.noteAbsent(t, row())
                    left += 1
                }
            }
        }
        try scan()
        // The filter took more active links for met than were counted met: some absent ones may
        // be among them (the count is never above the truth, so equal counts mean none). Rare;
        // they are found exactly, from the file read again into a set of every link.
        if filter != nil, perhapsMet != linksWritten + rejectedActiveLinks,
            let (path, parse) = linksSource
        {
            // Kept whole, so that beyond the budget they go to disk too.
            met = IDSet(spill: spill)
            linkFilesReadAgain += 1
            try reread(path, parse) { r in
                if let c = r.claim { _ = try met.insert(c, line: r.line) }
            }
            filter = nil
            try scan()
        }
        // Every active one would end: none given at all (an export cut short, most likely), or
        // none of the district's given (the wrong district, or the wrong folder). A nightly job
        // passes --yes to the question: refused unless asked for.
        // (`active` counts the rows this import created too: none of the district's given is
        // none updated or found unchanged.)
        let c = counts[t.index]
        if left > 0 && c.updated + c.unchanged == 0 && !options.allowAllAbsent {
            let given = c.created + c.updated + c.unchanged + c.rejected
            throw PortalError(
                .dataError,
                given == 0
                    ? "the files give no \(entity): a full import would mark all \(grouped(left)) active \(entity) of the district inactive"
                    : "none of the district's \(grouped(left)) active \(entity) is in the files: a full import would mark them all inactive",
                hint: (given == 0
                    ? "check the export (cut short, or the wrong folder?)"
                    : "check the district and the folder (another district's export?)")
                    + "; \(leftWritten). To end them all on purpose",
                action: .importEndingAllAbsent(folder: folder))
        }
        // A file that ends in the middle of a row was cut short (a copy or an export stopped
        // part way): the rows after the cut are absent from it, not from the district. A
        // nightly job's --yes would mark them inactive, so it is refused.
        if left > 0, let cut = cutShort {
            throw PortalError(
                .dataError,
                "\(cut): the file looks cut short, and a full import would mark the \(grouped(left)) active \(left == 1 ? String(entity.dropLast()) : entity) it leaves out inactive",
                hint:
                    "copy or export the file again and import it whole; \(leftWritten). To import only the rows it has, marking no one inactive",
                action: .importAsDelta(folder: folder))
        }
        if left > 0 { absent[t] = (left, active, "absent from the files") }
    }

    /// Keeps the key of a row `completed` found absent, in a table of SQLite's temporary file.
    func noteAbsent(_ t: RosterTable, _ key: [SQLValue]) throws {
        if absentRows == nil {
            try s.db.execute(
                """
                CREATE TABLE IF NOT EXISTS temp.roster_import_absent(
                    tbl INTEGER NOT NULL, k1 TEXT NOT NULL, k2 TEXT);
                DELETE FROM temp.roster_import_absent;
                """)
        }
        let insert =
            try absentRows
            ?? s.db.statement("INSERT INTO temp.roster_import_absent(tbl, k1, k2) VALUES (?, ?, ?)")
        absentRows = insert
        try s.db.run(insert, [.int(Int64(t.index)), key[0], key.count > 1 ? key[1] : .null])
    }

    /// Forgets the rows of `t` found absent (before a table is looked at again).
    func forgetAbsent(_ t: RosterTable) throws {
        guard absentRows != nil else { return }
        try s.db.run(
            "DELETE FROM temp.roster_import_absent WHERE tbl = ?", [.int(Int64(t.index))])
    }

    /// Marks the rows `completed` found absent inactive (never deleting them), builds the
    /// indexes put off at the start, then writes the summary audit row.
    func close(format: String, files: [String]) throws -> ImportSummary {
        try insertWaiting()
        // The reading of the district's rows ends before the import does, needed or not.
        for t in knownLater?.tables ?? [] { try knownReady(t) }
        // Staged rows go into their tables in key order, and the indexes put off are built by
        // sorting: neither needs the larger cache that random ids took (`useLargeCache`).
        // Measured with UUIDs (first imports, alternated): at 100k students 2.37-2.44 s ->
        // 2.10-2.20 s and a peak of 77 -> 69 MB; at 300k native 5.88-6.97 -> 5.54-5.65 s,
        // OneRoster 7.3-8.8 -> 6.9-7.9 s (a busy hour) and 122 -> 107 MB.
        try useSmallCache()
        // Both sorts (staged rows into key order, the indexes put off) run while no other
        // thread of the import works: SQLite's sorter may hand sorted runs to a second thread.
        // Measured, alternated first imports with UUIDs at 300,000 students: OneRoster
        // 5.92 -> 5.34 s, native 6.48 -> 5.90 s (user time 0.2-0.3 s more; the peak is
        // reached before the end and stayed the same). Measured twice before without a gain
        // (Benchmarks/README.md); the end has since come to run alone on one core.
        try s.db.execute("PRAGMA threads = 2")
        defer { try? s.db.execute("PRAGMA threads = 0") }
        try unstage()
        try giveLaterAddresses()
        let pending = RosterTable.allCases.compactMap { t in
            absent[t].map { (t.rawValue, $0.count, $0.active, $0.why) }
        }
        if !pending.isEmpty { try hooks.confirmInactivation(pending) }
        for (t, rows) in absent {
            let keys = t.keyColumns.indices.map { "k\($0 + 1)" }.joined(separator: ", ")
            try s.db.run(
                """
                UPDATE \(t.rawValue) SET status = 'inactive', row_hash = NULL
                WHERE district_id = ? AND (\(t.keyColumns.joined(separator: ", "))) IN
                    (SELECT \(keys) FROM temp.roster_import_absent WHERE tbl = ?)
                """, [.text(district), .int(Int64(t.index))])
            counts[t.index].inactivated += rows.count
        }
        if absentRows != nil {
            try s.db.execute("DROP TABLE temp.roster_import_absent")
            absentRows = nil
        }
        // A student's own account follows enrolment, whichever way the import changed it.
        let enrolment = try Accounts.followEnrolment(s)
        let ended = [
            (enrolment.disabled, "student account", "disabled"),
            (enrolment.revokedKeys, "pending student key", "revoked"),
        ].filter { $0.0 > 0 }.map { "\($0.2) \($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }
        if !ended.isEmpty {
            notes.append(ended.joined(separator: " and ") + ": \(Accounts.notEnrolledReason)")
        }
        if enrolment.enabled > 0 {
            notes.append(
                "enabled \(enrolment.enabled) student account\(enrolment.enabled == 1 ? "" : "s") again: the student is enrolled again"
            )
        }
        // The pages written so far go to the disk while the indexes are built (a core is idle
        // then), not all at the commit: at 100,000 students with UUIDs the commit's sync 46-60
        // -> 19-23 ms (see `SQLiteStore.startWritingBack`).
        if !deferredIndexes.isEmpty, let db = s.db.sqlite, db.writesThroughRollbackJournal {
            db.startWritingBack()
        }
        // Built within the import's small page cache: SQLite sorts an index's entries in memory
        // of that size and merges sorted runs from temporary files beyond it, so memory stays
        // the same however large the district (measured at 100k students: 3% slower than with
        // 8 MB, which held 11 MB more at the peak).
        for index in deferredIndexes { try s.db.execute(index.sql) }
        deferredIndexes = []
        try spill.close()
        let summary = ImportSummary(
            entities: RosterTable.allCases.map { ($0.rawValue, counts[$0.index]) }
                + otherCounts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            notes: notes, format: format, linesUnchanged: linesUnchanged,
            linesInIDOrder: linesInIDOrder,
            linkFilesReadAgain: linkFilesReadAgain)
        let t = summary.total
        if t.created + t.updated + t.inactivated > 0 {
            try s.audit(
                target: "roster:import",
                after: .object([
                    ("format", .string(format)), ("files", .array(files.map { .string($0) })),
                    ("delta", .bool(options.delta)),
                    ("created", .int(t.created)), ("updated", .int(t.updated)),
                    ("unchanged", .int(t.unchanged)),
                    ("rejected", .int(t.rejected)), ("inactivated", .int(t.inactivated)),
                ]))
        }
        return summary
    }
}
