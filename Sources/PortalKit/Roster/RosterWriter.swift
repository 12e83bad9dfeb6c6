internal import Synchronization

/// Writes roster records into a district: insert, update or leave unchanged by comparing a hash
/// of the row, with one cached prepared statement per kind of write. Shared by the native and the
/// OneRoster readers. Rows stream through in batches; only the ids met in the import are kept
/// (compactly, see `IDSet`), to catch a repeated id, to know which link ends exist, and so that
/// a full import can mark the absent ones inactive once a file is read.
final class RosterWriter {
    let s: Session
    /// The import's day, against which birth dates are checked.
    let today: CivilDate
    let district: String
    /// As asked, but for a OneRoster bundle whose manifest gives users.csv as a delta.
    var options: ImportOptions
    let hooks: ImportHooks
    // The properties read and changed for every row are `@exclusivity(unchecked)`: Swift
    // checks each access to a class's property at run time for another one still open, and
    // those checks were 5% of a re-import's instructions. Each access here is short and opens
    // no other (a set's `insert`, a count's `add`), so none can overlap.
    /// Per table (by `RosterTable.index`), then per entity of no table.
    @exclusivity(unchecked) var counts = Array(
        repeating: EntityCounts(), count: RosterTable.allCases.count)
    @exclusivity(unchecked) var otherCounts: [String: EntityCounts] = [:]
    var notes: [String] = []
    /// Where a file read so far ends in the middle of a row (`CSVReader.cutShort`): a full
    /// import then marks no one inactive (see `completed`).
    var cutShort: String? = nil
    /// The folder the files are read from, for the command a refusal suggests.
    var folder = ""
    /// Links of the file being read to contacts who are not parents, left without portal
    /// access by default (see `LinkRecord.notParents`), for the import's notes; counted on the
    /// thread that makes rows.
    let contactsWithoutAccess = Atomic<Int>(0)
    /// Batches of `--batch-size` committed so far: a refusal then undoes only the last.
    var batchesCommitted = 0
    /// What a refusal leaves written, for its hint.
    var leftWritten: String {
        batchesCommitted == 0
            ? "nothing was imported"
            : "the \(batchesCommitted) batch\(batchesCommitted == 1 ? "" : "es") committed before stay, and no one was marked inactive"
    }

    /// Once `reader` has read `file` whole: a note on its rows that were not UTF-8, and where
    /// it ends in the middle of a row (the first such file is the one said).
    func finishedReading(_ reader: CSVReader, _ file: String) {
        if let note = reader.notUTF8Note(file) { notes.append(note) }
        cutShort = cutShort ?? reader.cutShortText(file)
    }

    /// Notes how many links of `file` just made were to contacts who are not parents, left
    /// without portal access (and counts from nought again).
    func noteContacts(_ file: String, remedy: String) {
        let n = contactsWithoutAccess.exchange(0, ordering: .relaxed)
        guard n > 0 else { return }
        notes.append(
            "\(file): \(grouped(n)) link\(n == 1 ? " is" : "s are") to a contact who is not a parent (an emergency contact, a neighbour, ...) and \(n == 1 ? "has" : "have") no portal access: \(remedy)"
        )
    }
    @exclusivity(unchecked) var rowsSinceCommit = 0
    /// The ids met in this import, per table, each with whether its row was written (and the
    /// line it was first met on, unless held as a number: see `IDSet`).
    @exclusivity(unchecked) var seenIDs: [IDSet] = []
    /// Where the sets move the ids they may not keep in memory.
    let spill: IDSpill
    /// Rows held until `eachRow` reads the file again: repeats (with their first line when
    /// the seen ids kept it, `IDSet.lineUnknown` when not), and (`suspect`) links the filter
    /// took for met before.
    @exclusivity(unchecked) var held: [(row: PendingRow, suspect: Bool, first: Int)] = []
    /// Links are told apart by the database's key instead of seen ids: into a table that held
    /// none of the district's links (nothing can be absent) while no guardian was merged away,
    /// a link named again fails the insert. The ids of 100,000 students' links would take 8 MB.
    var linksByKey = false
    /// Per table, rows waiting to be inserted with others by one statement (see `insertSoon`).
    @exclusivity(unchecked) var soon: [[PackedArguments]] = Array(
        repeating: [], count: RosterTable.allCases.count)
    /// OneRoster's links named by key are unique (its pairs are kept once each): an insert of
    /// one never meets a key, so it may wait for others (see `insertSoon`).
    var linksUnique = false
    /// In a re-import of native files, the links met are kept in a filter of fixed size: a link
    /// it takes for met before is held and settled by reading the file again, and the count of
    /// links met that are active (`linksWritten` and `rejectedActiveLinks`) tells whether it
    /// took an absent link for one met (then the file is read again, see `completed`). Made at
    /// the first link.
    @exclusivity(unchecked) var linkFilter: KeyFilter?
    var usesLinkFilter = false
    /// Links met in the file and active, counted at the first row naming each (see
    /// `process`): written, or named by a rejected row while active in the district.
    @exclusivity(unchecked) var linksWritten = 0
    @exclusivity(unchecked) var rejectedActiveLinks = 0
    /// Lines told unchanged before their rows were made (see `LineHash`).
    @exclusivity(unchecked) var linesUnchanged = 0
    /// Lines read in the order of their users' ids (see `RankedLines`).
    var linesInIDOrder = 0
    /// Times the links file was read again whole (see `completed`).
    var linkFilesReadAgain = 0
    /// The file being read and how its rows are read, and the links file so, to read them
    /// again (see `settleHeld` and `completed`).
    var source: (path: String, parse: (CSVRecord) throws -> PendingRow?)?

    /// Lets go of what the import holds, however it ends: the files' parse closures, which
    /// hold the writer (a cycle otherwise), and the reading of the district's rows on their
    /// own thread, stopped and waited for (an import that ends early, at a bad header say,
    /// leaves no thread reading, nor its connection open).
    func letGo() {
        source = nil
        linksSource = nil
        remake = nil
        knownLater?.ahead.finish()
        knownLater = nil
    }
    var linksSource: (path: String, parse: (CSVRecord) throws -> PendingRow?)?
    /// What the file's `parse` makes of a line found unchanged when it is not (see
    /// `remade`): set per file by `NativeFormat.run`.
    var remake: ((CSVRecord) throws -> PendingRow?)?
    /// Links named so far only through a merged guardian (see `write`).
    @exclusivity(unchecked) var linksOnlyViaMerge: Set<String> = []
    /// Records merged away (B into A): their rows in a later import go to A. Read by the
    /// reading thread too; never changed once the import has begun.
    @exclusivity(unchecked) var mergedGuardians: [String: String] = [:]
    @exclusivity(unchecked) var mergedHouseholds: [String: String] = [:]

    func isMergedAway(_ guardian: String) -> Bool {
        !mergedGuardians.isEmpty && mergedGuardians[guardian] != nil
    }
    func canonicalGuardian(_ id: String) -> String {
        mergedGuardians.isEmpty ? id : mergedGuardians[id] ?? id
    }
    func canonicalHousehold(_ id: String?) -> String? {
        mergedHouseholds.isEmpty ? id : id.map { mergedHouseholds[$0] ?? $0 }
    }
    /// Per table: it held none of the district's rows when the import began.
    @exclusivity(unchecked) var fresh = Array(repeating: false, count: RosterTable.allCases.count)
    /// Per table: the columns (of `RosterTable.columns`) the files do not give at all (a file
    /// without a phone column, a OneRoster bundle without demographics.csv). A row the district
    /// holds keeps its stored values there: a missing column says nothing, where an empty
    /// field clears (see `update`). Set by `columnsNotGiven`.
    private(set) var keptColumns = Array(
        repeating: Set<String>(), count: RosterTable.allCases.count)
    {
        didSet {
            guardiansGiveAddresses = RosterTable.households.columns.contains {
                !keptColumns[RosterTable.guardians.index].contains($0)
            }
        }
    }
    /// Whether the guardians' file has an address column (OneRoster's never has). Kept with
    /// `keptColumns`: asked for each household, the five names hashed each time were 0.7% of
    /// a OneRoster first import.
    private(set) var guardiansGiveAddresses = true
    /// Per table: its rows may be staged, and are (see `stageIfRandom`): they go to a table of
    /// SQLite's temporary file as they come, and into the district's table in the order of
    /// their key at `close`.
    @exclusivity(unchecked) var stageable = Array(
        repeating: false, count: RosterTable.allCases.count)
    @exclusivity(unchecked) var staged = Array(repeating: false, count: RosterTable.allCases.count)
    /// Per entity, the district's active rows that a completely read file left out (or, in a
    /// OneRoster delta, links its users no longer name), how many active rows there were, and
    /// why they end.
    /// (Their keys go to a table of SQLite's temporary file: there may be as many as the
    /// district has rows, see `noteAbsent`.)
    var absent: [RosterTable: (count: Int, active: Int, why: String)] = [:]
    var absentRows: Statement?

    /// The district as the first argument of every upsert, packed once.
    let districtArgument: PackedArguments

    /// Per table, the district's rows when the import began, when kept (see `keepKnownRows`).
    @exclusivity(unchecked) var known = [KnownRows?](
        repeating: nil, count: RosterTable.allCases.count)

    /// `inputBytes`: the size of the bundle's files.
    init(
        _ s: Session, format: RosterFormat, options: ImportOptions, hooks: ImportHooks,
        inputBytes: Int
    ) throws {
        self.s = s
        // A day's slack: the import's clock is UTC, a district's day may be ahead of it.
        self.today = Timestamp.utcDate(s.now).adding(days: 1)
        self.district = try s.district()
        self.districtArgument = PackedArguments([.text(district)])
        self.options = options
        self.hooks = hooks
        spill = IDSpill(s.db, budget: options.idMemoryBytes)
        // Guardians and households merged away, looked for only when a merge of the district's
        // is in force: every merge has its row in `merges` (made with the same change of the
        // schema), and neither table has an index to find them by (a scan of each was a
        // twentieth of a re-import of 100,000 students' files, on the one thread then working).
        if try s.db.first(
            "SELECT 1 FROM merges WHERE district_id = ? AND status = 'applied' LIMIT 1",
            [.text(district)]) != nil
        {
            for r in try s.db.query(
                "SELECT guardian_id, merged_into FROM guardians WHERE district_id = ? AND status = 'merged'",
                [.text(district)])
            {
                mergedGuardians[r.text("guardian_id")] = r.text("merged_into")
            }
            for r in try s.db.query(
                "SELECT household_id, merged_into FROM households WHERE district_id = ? AND merged_into IS NOT NULL",
                [.text(district)])
            {
                mergedHouseholds[r.text("household_id")] = r.text("merged_into")
            }
        }
        // Tables with no rows for this district yet: every row is new (duplicates within the
        // import are caught by the seen ids first), so the look-up before the insert is skipped.
        for t in RosterTable.allCases {
            fresh[t.index] =
                try s.db.first(
                    "SELECT 1 FROM \(t.rawValue) WHERE district_id = ? LIMIT 1", [.text(district)])
                == nil
        }
        try keepKnownRows(inputBytes: inputBytes, format: format)
        seenIDs = RosterTable.allCases.map { $0.emptySet(spill, known: known[$0.index]) }
        if options.batchSize == 0 {
            for t in RosterTable.allCases where t != .schools && fresh[t.index] {
                stageable[t.index] = true
            }
        }
        // Links of native files that may be staged are told apart by the filter (no insert
        // meets a key); OneRoster's are unique by then (its pairs are kept once each).
        linksByKey =
            fresh[RosterTable.links.index] && mergedGuardians.isEmpty
            && !(stageable[RosterTable.links.index] && format == .csv)
        usesLinkFilter = !linksByKey && format == .csv
        linksUnique = linksByKey && format == .oneroster
        try deferIndexes()
    }

    /// Keeps the district's rows of each table that has some in memory (`KnownRows`), so that
    /// a re-import tells an unchanged line before making its row (see `LineHash`), an
    /// unchanged row without a look-up in SQLite, and its ids take no room in the sets: when
    /// the table takes at most `knownRowsBytes` and the files are large enough to name a good
    /// part of it (a tenth of its rows at 100 bytes a row: reading the district's rows took
    /// 0.4 s for all four tables at 300,000 students, and the re-import still went from 3.3
    /// to 3.0 s). Before lines were told unchanged, numbered ids did without (SQLite's cache
    /// serves their look-ups in key order: the table made OneRoster re-imports 8% slower at
    /// 100k students); since, a re-import of 20,000 students' numbered OneRoster files takes
    /// 3,079 -> 1,962 M instructions with it (100k alternated: 0.79-0.81 -> 0.54-0.65 s),
    /// native files likewise.
    func keepKnownRows(inputBytes: Int, format: RosterFormat) throws {
        guard options.keepKnownRows != false else { return }
        var later: [RosterTable] = []
        var now: [RosterTable] = []
        for t in RosterTable.allCases where t != .schools && !fresh[t.index] {
            if t == .students || t == .links || format == .oneroster, let store = s.db.sqlite,
                store.isOutermostWrite,
                store.path != ":memory:"
            {
                later.append(t)
            } else {
                now.append(t)
            }
        }
        // (The tables this thread reads come before those of the second, which may wait for
        // this one to decide them: see `KnownRowsBudget`.)
        assert(now.allSatisfy { n in later.allSatisfy { n.index < $0.index } })
        // (A first import: no table holds the district's rows, nothing to count or read.)
        guard !now.isEmpty || !later.isEmpty else { return }
        // The most rows worth keeping: counted no further (a small delta into a large district
        // costs a look at a few rows, not a count of all).
        let within = KnownRows.rows(within: Self.knownRowsBytes(options, format))
        let most = options.keepKnownRows == nil ? min(within, inputBytes / 10) : within
        // Together at most what the four kinds of ids met may take.
        let budget = KnownRowsBudget(bytes: 4 * options.idMemoryBytes, tables: now + later)
        let district = district
        // A database of one district (most are) holds only its rows: each table is counted and
        // read whole (see `KnownRows.init`).
        let onlyDistrict = try s.db.count("SELECT count(*) FROM districts") == 1
        /// The district's rows of `t`, when there are no more than `most` and the budget
        /// has room for them.
        func rows(_ t: RosterTable, _ db: Database) throws -> KnownRows? {
            // Counted through a subquery that stops past `most` only when that is few (a small
            // delta's): without it SQLite counts a third faster (the links of 300,000 students,
            // pages cached: 28 against 19 ms; a 30k OneRoster re-import's counts, callgrind:
            // 69M -> 53M instructions), and a table worth keeping is read whole anyway.
            let whereDistrict = onlyDistrict ? "" : " WHERE district_id = ?"
            let arguments: [SQLValue] = onlyDistrict ? [] : [.text(district)]
            let rows =
                most < Self.fewRows
                ? try db.count(
                    "SELECT count(*) FROM (SELECT 1 FROM \(t.rawValue)\(whereDistrict) LIMIT ?)",
                    arguments + [.int(Int64(most) + 1)])
                : try db.count("SELECT count(*) FROM \(t.rawValue)\(whereDistrict)", arguments)
            guard budget.take(rows <= most ? KnownRows.bytes(rows: rows) : nil, for: t) else {
                return nil
            }
            return try KnownRows(db, t, district: district, rows: rows, onlyDistrict: onlyDistrict)
        }
        if !later.isEmpty, let path = s.db.sqlite?.path { try keepLater(later, from: path, rows) }
        // The others once that thread is started: it then reads beside this one rather than
        // beside the reading of the first file (native files: the guardians' and households'
        // rows, 0.2 s of this thread alone at 300,000 students).
        do {
            for t in now { known[t.index] = try rows(t, s.db) }
        } catch {
            budget.cancel()  // (the second thread may be waiting for these tables)
            letGo()  // (no connection is left reading, as when an import ends early)
            throw error
        }
    }

    /// Below this many rows worth keeping, a table's rows are counted no further than that
    /// (see `keepKnownRows`).
    static let fewRows = 50_000

    /// The memory the district's rows of one table may take when kept (`KnownRows`): what an
    /// id set may (16 MB: about 780,000 rows), and for native files half as much again (24 MB:
    /// 1,180,000 rows); all of them together, four times what an id set may (64 MB). Measured
    /// re-imports of 1,000,000 students' native files, which then keep the households',
    /// guardians' and students' rows (51 MB; the links' 37 MB do not fit):
    /// UUIDs 38-40 -> 12.7 s and a peak of 117 -> 107 MB (the sets no longer hold their ids),
    /// numbered 8.4 -> 6.8 s and 51 -> 95 MB. A OneRoster bundle that large keeps its users'
    /// table on disk, which takes memory of its own: numbered, it peaked at 177 MB so (90
    /// without) for 24.2 -> 22.6 s, and keeps the ids' budget.
    static func knownRowsBytes(_ options: ImportOptions, _ format: RosterFormat) -> Int {
        format == .csv ? options.idMemoryBytes * 3 / 2 : options.idMemoryBytes
    }

    /// Reads the district's rows of `later` on a thread of its own (see `keepKnownRows`).
    private func keepLater(
        _ later: [RosterTable], from path: String,
        _ rows: @escaping (RosterTable, Database) throws -> KnownRows?
    ) throws {
        // The students' and links' rows are read on a thread of their own, through a second
        // connection, while the first files are read: reading the district's rows on this
        // thread before anything else was a fifth of a re-import of numbered files (0.15 of
        // 0.67 s at 100k students; 0.47-0.56 against 0.49-0.64 s so, alternated). Nothing
        // writes those tables before their files (see `knownReady`) and the import's
        // transaction is no caller's, so the second connection reads them as they were when
        // the import began, even when batches commit. A OneRoster bundle's households and
        // guardians too: nothing needs them before the first reading of users.csv is done.
        // Counted there too (a count of each table's rows in the district: 0.1 s of this thread
        // at the start of a re-import of 300,000 students).
        let ahead = ReadAhead<(RosterTable, KnownRows?)>(depth: later.count)
        try ahead.start { put in
            let db = try Database(path: path, create: false)
            for t in later {
                guard put((t, try rows(t, db))) else { return }
            }
        }
        knownLater = (ahead, later)
    }

    /// The rows of tables still being read on their own thread (see `keepKnownRows`).
    var knownLater: (ahead: ReadAhead<(RosterTable, KnownRows?)>, tables: [RosterTable])?

    /// Waits for the district's rows of `t`, when they are being read on their own thread:
    /// before `t`'s rows are written, or their ids met (its set is made again, with them).
    func knownReady(_ t: RosterTable) throws {
        guard let later = knownLater, later.tables.contains(t) else { return }
        while let (table, rows) = try later.ahead.next() {
            known[table.index] = rows
            seenIDs[table.index] = table.emptySet(spill, known: rows)
            knownLater?.tables.removeAll { $0 == table }
            if table == t { break }
        }
        if knownLater?.tables.isEmpty == true {
            later.ahead.finish()
            knownLater = nil
        }
    }

    /// Stages the rest of a table's rows once an id that is not numbered (a GUID) is met. Such
    /// a row lands at a random page of its table's tree, and beyond the page cache each insert
    /// reads and writes pages all over the file; appended to a table of their own and inserted
    /// in key order at the end, each page is written once. Numbered ids come in order already
    /// (staging them cost a third more time). Only into a table that held none of the
    /// district's rows (nothing to compare a row with: the ids met tell repeats and link ends)
    /// and only when the import is one transaction, so that a commit never leaves rows staged.
    /// Rows written in place before the rest are staged: none. The first 100,000 were, while
    /// the end of the import sorted in the 16 MB cache random ids take (at 100,000 students
    /// staging every row then took 2.09 s, writing them in place 1.64). Since the end works in
    /// the import's 2 MB (`close`), staging from the first row is as fast or faster and holds
    /// less: UUIDs, alternated, native 100k 1.79-1.99 -> 1.68-1.83 s and 66 -> 48-52 MB,
    /// OneRoster 100k 1.90-2.21 -> 1.84-2.21 s and 67 -> 47-52 MB, native 300k 6.4-6.5 ->
    /// 5.2-5.7 s and 90 -> 84 MB, OneRoster 300k 6.5-6.6 -> 5.6-6.3 s and 104 -> 95 MB;
    /// 10k 0.16-0.19 -> 0.20-0.21 s.
    static let rowsBeforeStaging = 0

    func stageIfRandom(_ t: RosterTable) throws {
        guard stageable[t.index] && !staged[t.index],
            counts[t.index].created >= options.rowsBeforeStaging
        else { return }
        let random =
            t == .links
            ? seenIDs[RosterTable.guardians.index].keepsWholeIDs
                || seenIDs[RosterTable.students.index].keepsWholeIDs
            : seenIDs[t.index].keepsWholeIDs
        guard random else { return }
        try s.db.execute(
            """
            DROP TABLE IF EXISTS \(t.stagingTable);
            CREATE TABLE \(t.stagingTable)(\(t.writtenColumns.joined(separator: ", ")));
            """)
        staged[t.index] = true
        sqlCache[t.index] = nil
    }

    /// Inserts the staged rows into the district's tables in the order of their keys, and
    /// drops the staging tables.
    func unstage() throws {
        for t in RosterTable.allCases where staged[t.index] {
            let columns = t.writtenColumns.joined(separator: ", ")
            try s.db.execute(
                """
                INSERT INTO \(t.rawValue)(\(columns)) SELECT \(columns) FROM \(t.stagingTable)
                    ORDER BY \(t.keyColumns.joined(separator: ", "));
                DROP TABLE \(t.stagingTable);
                """)
            staged[t.index] = false
            try s.db.checkInterrupted()
        }
    }

    /// The look-up indexes of tables that no district has rows in yet, to build at `close`.
    var deferredIndexes: [(name: String, table: String, sql: String)] = []

    /// Builds the index `name` now, on its table still empty, when it was put off (see
    /// `deferIndexes`): for rows that come in the order of its key (see `KeyOrder`), which keep
    /// it up to date at its right edge, in the import's small cache, for less than building it
    /// by sorting at the end. Measured, alternated first imports of numbered OneRoster files
    /// at 100,000 students, medians of five: links_by_student kept so 1.01 -> 0.94 s, with the
    /// two by household as well 0.90 s; at 300,000, 2.79 -> 2.63 s. (With UUIDs, which come
    /// at random places of those indexes, 1.37 -> 1.85 s: there they are put off.)
    func keepUpToDate(index name: String) throws {
        guard let i = deferredIndexes.firstIndex(where: { $0.name == name }) else { return }
        try s.db.execute(deferredIndexes[i].sql)
        deferredIndexes.remove(at: i)
    }

    /// Sets the columns of `t` the files do not give at all (see `keptColumns`), and keeps up
    /// to date from the start each look-up index put off that holds only the rows giving one of
    /// them (`WHERE phone IS NOT NULL`): no row of this import enters it, where building it at
    /// the end read the whole table for nothing (a OneRoster users.csv has no phone column
    /// unless the SIS fills it: 89,000 guardians read at 100k students).
    func columnsNotGiven(_ t: RosterTable, _ columns: Set<String>) throws {
        keptColumns[t.index] = columns
        for index in deferredIndexes
        where index.table == t.rawValue
            && columns.contains(where: { index.sql.hasSuffix(" WHERE \($0) IS NOT NULL") })
        {
            try keepUpToDate(index: index.name)
        }
    }

    /// Drops the look-up indexes of the tables that are empty for every district: building an
    /// index once from the finished table is cheaper than keeping it up to date row by row (the
    /// first import of a new database is the big one). Only when the import is one transaction,
    /// so that no commit can ever leave an index missing: a failure rolls the drop back.
    func deferIndexes() throws {
        guard options.batchSize == 0 else { return }
        for t in RosterTable.allCases
        where try fresh[t.index] && s.db.first("SELECT 1 FROM \(t.rawValue) LIMIT 1") == nil {
            for r in try s.db.query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                [.text(t.rawValue)])
            {
                try s.db.execute("DROP INDEX \(r.text("name"))")
                deferredIndexes.append((r.text("name"), t.rawValue, r.text("sql")))
            }
        }
    }

    // MARK: bookkeeping

    func bump(_ r: PendingRow, _ status: RowStatus) {
        if let t = r.table {
            counts[t.index].add(status)
        } else if status != .skipped {
            otherCounts[r.entity, default: EntityCounts()].add(status)
        }
    }

    /// Tells the caller every column of the files the rows will come from, before any row.
    func beginRows(columns headers: [[String]]) throws {
        guard hooks.everyRow else { return }
        var seen = Set<String>()
        try hooks.columns(headers.joined().filter { seen.insert(CSVHeader.normalize($0)).inserted })
    }

    /// Reports a row and commits a batch when one is full.
    func finish(_ r: PendingRow, _ status: RowStatus, _ message: String = "") throws {
        bump(r, status)
        let written = status == .created || status == .updated || status == .unchanged
        if written && !r.warnings.isEmpty {
            // Reported like a rejected row (every time: the file still holds the bad value),
            // and counted apart; at the file and line each bad value came from.
            bump(r, .warning)
            var places: [(file: String, line: Int)] = []
            for w in r.warnings {
                let at = w.source ?? r.reportedAt
                if !places.contains(where: { $0 == at }) { places.append(at) }
            }
            for at in places {
                try tell(
                    r,
                    RowOutcome(
                        file: at.file, line: at.line, id: r.id, status: .warning,
                        message: r.warnings.filter { ($0.source ?? r.reportedAt) == at }
                            .map {
                                "\($0.field): \($0.problem); "
                                    + ($0.keptAs.map { "kept as given in \($0)" }
                                        ?? "imported without it")
                            }
                            .joined(separator: "; "),
                        columns: r.input?.columns ?? [], fields: r.input?.fields ?? []))
            }
        } else if hooks.everyRow || status == .rejected || status == .skipped {
            // A link reported at the line that named it says which of the line's links it is.
            try tell(
                r,
                RowOutcome(
                    file: r.reportedAt.file, line: r.reportedAt.line, id: r.id,
                    status: status,
                    message: r.namedOn == nil || message.isEmpty
                        ? message : "link \(r.id): \(message)",
                    columns: r.input?.columns ?? [], fields: r.input?.fields ?? []))
        }
        try countRow()
    }

    /// Counts a row finished: commits a batch when one is full (`--batch-size`), and checks for
    /// an interruption now and then.
    func countRow() throws {
        rowsSinceCommit += 1
        if options.batchSize > 0 && rowsSinceCommit >= options.batchSize && !options.dryRun {
            try insertWaiting()
            try s.db.commitBatch()
            rowsSinceCommit = 0
            batchesCommitted += 1
        }
        if rowsSinceCommit % 512 == 0 { try s.db.checkInterrupted() }
    }

    /// Tells the caller how row `r` ended: now, or when it was read out of its file's order,
    /// once the rows of the lines before it were told (`tellHeldReports`).
    private func tell(_ r: PendingRow, _ o: RowOutcome) throws {
        if r.readOutOfOrder {
            heldReports.append((r.line, heldReports.count, o))
            heldReportsSorted = false
            heldReportCount.store(heldReports.count, ordering: .relaxed)
            return
        }
        if !heldReports.isEmpty { try tellHeldReports(before: r.line) }
        try hooks.row(o)
    }

    /// Reports of rows read out of their file's order, with the line of each row and the order
    /// they came in (a row may have several), to be told in the order of their lines.
    private var heldReports: [(line: Int, k: Int, outcome: RowOutcome)] = []
    private var heldReportsSorted = true
    private var heldReportsTold = 0
    /// How many reports are held, for the thread that reads: beyond `mostHeldReports`, the
    /// rest of the file is read in its order (a file of which every line gave a warning would
    /// otherwise hold a report a line: some 200 bytes each).
    private let heldReportCount = Atomic<Int>(0)
    /// 16,384 reports: about 3 MB.
    static let mostHeldReports = 16_384

    /// Tells the held reports of the rows before line `line` (all by default).
    func tellHeldReports(before line: Int = .max) throws {
        guard heldReportsTold < heldReports.count else { return }
        if !heldReportsSorted {
            heldReports[heldReportsTold...].sort { ($0.line, $0.k) < ($1.line, $1.k) }
            heldReportsSorted = true
        }
        while heldReportsTold < heldReports.count && heldReports[heldReportsTold].line < line {
            try hooks.row(heldReports[heldReportsTold].outcome)
            heldReportsTold += 1
        }
        if heldReportsTold == heldReports.count {
            heldReports = []
            heldReportsTold = 0
            heldReportCount.store(0, ordering: .relaxed)
        }
    }

    /// Reads every record of `reader` after its header, turning each into a row with `parse`,
    /// and writes them in batches; stops at `--max-rows`. Reading and checking run on a second
    /// thread, a few batches ahead of the writing: `parse` runs there, so it may only read
    /// what does not change during the import. With `sameThread`, everything runs on the
    /// calling thread (for a `parse` that reads the database).
    /// `ranked`: lines of the file to read first, in an order of their own (see
    /// `RankedLines`); their rows go into their tables in place, not staged.
    /// `meanwhile`: work this thread does a slice at a time while the rows are made, called
    /// before each batch is written until it returns true (done), and at the end until then.
    /// `ahead`: reads, for a batch of records, what `parse` will read of each at a random
    /// place (see `UserTable.touchFacts`) before their rows are made; returns a value made of
    /// what it read, kept so that the reads are made.
    func eachRow(
        _ reader: CSVReader, file: String, header: [String], sameThread: Bool = false,
        links: Bool = false, hashing: LineHash.Fields? = nil, ranked: RankedLines? = nil,
        meanwhile: (() throws -> Bool)? = nil, ahead: (([CSVRecord]) -> UInt64)? = nil,
        heldLine: ((CSVRecord, _ lineHash: UInt64, inout HeldLines) -> Bool)? = nil,
        _ parse: @escaping (CSVRecord, _ lineHash: UInt64?) throws -> PendingRow?
    ) throws {
        let keepInput = hooks.everyRow
        let maxRows = options.maxRows
        // A line read again is hashed where it is made.
        let parseAgain = { (rec: CSVRecord) in try parse(rec, nil) }
        source = (reader.path, parseAgain)
        // Copies (the buffers are shared until written): no file being read now changes them.
        let people = self.people(forLinks: links)
        // Records are read (CSV decoded) on a thread of their own and made into rows on
        // another: on one thread both bounded a re-import (measured at 100k students, numbered
        // 0.76 -> 0.70 s, OneRoster with UUIDs 1.30 -> 1.18 s; first imports the same).
        let mostHeld = options.mostHeldReports
        let records = Self.records(of: reader, hashing: hashing, ranked: ranked) {
            [unowned self] in heldReportCount.load(ordering: .relaxed) < mostHeld
        }
        // Staged again once the lines read in order are written (a line of the rest may name
        // any id).
        var restage: [RosterTable] = []
        for t in ranked?.tables ?? [] where stageable[t.index] {
            stageable[t.index] = false
            restage.append(t)
        }
        // Lines `heldLine` takes (none when every row is reported) go in runs, a row for each.
        // (Without it, the run is never looked at: each look at a variable the closures share
        // is checked at run time, 0.7% of a first import's work.)
        let heldLine = keepInput || hashing == nil ? nil : heldLine
        let runs = heldLine != nil
        let produce = { [unowned self] (put: (ReadBatch) throws -> Bool) throws in
            var batch = ReadBatch()
            var run = HeldLines(file: file)
            var linesHeld = 0
            func endRun() {
                guard !run.isEmpty else { return }
                let row = PendingRow(
                    entity: "links", table: .links, file: file, line: run.lastLine, id: nil,
                    idField: "", claim: nil, payload: .heldLines(run))
                row.prepare(self, people)
                batch.rows.append(row)
                run = HeldLines(file: file)
            }
            func putBatch() throws {
                endRun()
                guard try put(batch) else { throw StopReading() }
                batch.rows.removeAll(keepingCapacity: true)
                linesHeld = 0
            }
            do {
                try ReadAhead.pipeline(sameThread: sameThread, produce: records) { chunk in
                    if chunk.outOfOrder != batch.outOfOrder {
                        if !batch.rows.isEmpty || !run.isEmpty { try putBatch() }
                        batch.outOfOrder = chunk.outOfOrder
                    }
                    batch.bytesRead = chunk.bytesRead
                    if let ahead { batch.touched |= ahead(chunk.records) }
                    for (i, rec) in chunk.records.enumerated() {
                        if let max = maxRows, batch.rowsRead >= max {
                            batch.stoppedAtMax = true
                            throw StopReading()
                        }
                        batch.rowsRead += 1
                        if let heldLine, heldLine(rec, chunk.lineHashes[i], &run) {
                            linesHeld += 1
                        } else if let row = try parse(
                            rec, hashing == nil ? nil : chunk.lineHashes[i])
                        {
                            if runs { endRun() }
                            if keepInput { row.input = (header, rec.fields) }
                            row.readOutOfOrder = chunk.outOfOrder
                            row.prepare(self, people)
                            batch.rows.append(row)
                        }
                        if batch.rows.count + (runs ? linesHeld : 0) >= Self.batchRows {
                            try putBatch()
                        }
                    }
                }
            } catch is StopReading {
                if !batch.stoppedAtMax { return }
            }
            endRun()
            _ = try put(batch)
        }
        // Held rows stay few: a file of repeats is read again every few thousand, then every
        // twice as many (a file read again every 4,096 of its 175,000 repeated links was read
        // 21 times over, in 11 s instead of 1).
        var settleAt = 4096
        var meanwhile = meanwhile
        func consume(_ batch: ReadBatch) throws {
            touched |= batch.touched
            if let slice = meanwhile, try slice() { meanwhile = nil }
            if !batch.outOfOrder && !restage.isEmpty {
                for t in restage { stageable[t.index] = true }
                restage = []
            }
            try write(batch.rows)
            if held.count >= settleAt {
                try tellHeldReports(before: batch.rows.last.map { $0.line + 1 } ?? 0)
                try settleHeld(reader.path, parseAgain)
                settleAt = min(settleAt * 2, Self.mostHeld)
            }
            hooks.progress(file, batch.rowsRead, batch.bytesRead, reader.totalBytes)
            if batch.stoppedAtMax, let max = maxRows {
                notes.append(
                    "\(file): stopped after \(grouped(max)) rows (the most it was asked to read)")
            }
        }
        try ReadAhead.pipeline(sameThread: sameThread, produce: produce, take: consume)
        while let slice = meanwhile, try !slice() {}
        for t in restage { stageable[t.index] = true }
        try tellHeldReports()
        try settleHeld(reader.path, parseAgain)
    }

    /// Reads the slots among the district's rows that the batch's rows were found in
    /// (`PendingRow.knownSlot`) before any row is written: each read is a miss of the cache,
    /// and made one after another, each behind a row's writing, they waited in turn; together,
    /// the processor makes them at once (as `KnownRows.init` places rows).
    private func touchKnownSlots(of batch: [PendingRow]) {
        var table: RosterTable? = nil
        var rows: KnownRows? = nil
        var seen: UInt64 = 0
        for r in batch where r.knownSlot >= 0 {
            if r.table != table {
                table = r.table
                rows = table.flatMap { known[$0.index] }
            }
            if let rows { seen |= rows.info(r.knownSlot) }
        }
        touched = seen
    }

    /// What `touchKnownSlots` read (kept, so that the reads are made).
    private var touched: UInt64 = 0

    /// The most rows held before their file is read again (a repeat's row keeps only what it
    /// is reported with and its input for the results file, a link the filter holds its row: up
    /// to about 25 MB).
    static let mostHeld = 16_384

    /// Writes the rows of batches 0, 1, 2... as `make(k)` makes batch `k`, until it returns
    /// nil: made and prepared a few batches ahead of the writing on `threads` threads, each
    /// making every `threads`-th batch with a `make` of its own (`maker` is called once a
    /// thread, for what its `make` keeps from batch to batch); with `sameThread`, all on this
    /// one (for a `make` that reads the database). Rows not read from a file: nothing is held
    /// or read again.
    func writeMade(
        sameThread: Bool, threads: Int,
        _ maker: () -> (_ batch: Int) throws -> [PendingRow]?
    ) throws {
        let people = self.people(forLinks: true)
        if sameThread {
            let make = maker()
            var k = 0
            while let rows = try make(k) {
                for row in rows { row.prepare(self, people) }
                try write(rows)
                k += 1
            }
            return
        }
        let makers = (0..<threads).map { _ in maker() }
        try ReadAhead.pipeline(
            threads: threads,
            produce: { [unowned self] i, put in
                var k = i
                while let rows = try makers[i](k) {
                    for row in rows { row.prepare(self, people) }
                    guard try put(rows) else { return }
                    k += threads
                }
            },
            take: { try write($0) })
    }

    /// Records read ahead of their making into rows, with how far into the file they reach.
    struct Records {
        var records: [CSVRecord] = []
        /// Each record's hash, when asked for (`LineHash.Fields`).
        var lineHashes: [UInt64] = []
        var bytesRead = 0
        /// Read out of the file's order (`RankedLines`).
        var outOfOrder = false

        /// Adds a record, and its hash when asked for.
        mutating func add(_ rec: CSVRecord, _ hashing: LineHash.Fields?) {
            if let hashing { lineHashes.append(hashing.of(rec)) }
            records.append(rec)
        }

        /// Hands the records on with `put`, as reaching `bytes` into the file, and starts
        /// again; false once they are no longer wanted.
        mutating func handOn(reaching bytes: Int, _ put: (Records) throws -> Bool) throws
            -> Bool
        {
            bytesRead = bytes
            guard try put(self) else { return false }
            records.removeAll(keepingCapacity: true)
            lineHashes.removeAll(keepingCapacity: true)
            return true
        }
    }

    /// Reads the records of `reader` that are not blank, a batch at a time: the producer of a
    /// `ReadAhead.pipeline`.
    /// `hashing`: each record's line hash is made here too, on the thread that reads the file,
    /// which waits on the thread that makes rows (hashing lines was a fifth of that thread's
    /// work in a re-import of OneRoster users).
    /// `ranked`: lines to read first, in an order of their own, while `orderStill` holds
    /// (asked as each batch of them is handed on).
    static func records(
        of reader: CSVReader, hashing: LineHash.Fields? = nil, ranked: RankedLines? = nil,
        orderStill: @escaping () -> Bool = { true }
    )
        -> (_ put: (Records) throws -> Bool) throws -> Void
    {
        { put in
            var chunk = Records()
            // First the lines read in an order of their own, then the file's other lines.
            var bytesBefore = 0
            if let ranked {
                chunk.outOfOrder = true
                do {
                    try ranked.forEachRecord { rec in
                        chunk.add(rec, hashing)
                        guard chunk.records.count == batchRows else { return true }
                        guard try chunk.handOn(reaching: ranked.bytesRead, put) else {
                            throw StopReading()
                        }
                        return orderStill()
                    }
                } catch is StopReading { return }
                guard try chunk.handOn(reaching: ranked.bytesRead, put) else { return }
                chunk.outOfOrder = false
                bytesBefore = ranked.bytesRead
                reader.skip(ranked.takePlaces())
            }
            func bytesRead() -> Int {
                min(bytesBefore + reader.bytesRead - reader.skippedBytes, reader.totalBytes)
            }
            while let rec = try reader.next() {
                if rec.isBlank { continue }
                chunk.add(rec, hashing)
                if chunk.records.count == batchRows {
                    guard try chunk.handOn(reaching: bytesRead(), put) else { return }
                }
            }
            _ = try chunk.handOn(reaching: bytesRead(), put)
        }
    }

    /// Rows read ahead of the writer, with how far into the file they reach.
    struct ReadBatch {
        var rows: [PendingRow] = []
        /// Rows of lines read out of the file's order (`RankedLines`).
        var outOfOrder = false
        var rowsRead = 0
        var bytesRead = 0
        var stoppedAtMax = false
        /// What was read ahead of the rows (`eachRow`'s `ahead`).
        var touched: UInt64 = 0
    }

    /// Rows per batch: enough that handing batches between the threads costs nothing per row,
    /// few enough that the batches waiting stay small (a prepared row takes about a kilobyte;
    /// measured at 100k students: 2,048 rows a batch peaked at 53 MB, 1,024 at 45 MB, 512 at
    /// 42 MB but ran 3% slower).
    static let batchRows = 1024

    /// Writes a batch of rows in input order: each is inserted, updated or left unchanged, and
    /// reported.
    func write(_ batch: [PendingRow]) throws {
        touchKnownSlots(of: batch)
        for r in batch {
            if !r.isPrepared { r.prepare(self, people()) }
            if let run = r.linkRun {
                try writeRun(run)
            } else if let run = r.heldLinks {
                try writeHeldLinks(run)
            } else if let run = r.heldLines {
                try writeHeldLines(run)
            } else {
                try writeOne(r)
            }
        }
        try insertWaiting()
    }

    /// Writes a row of a batch (see `write`).
    private func writeOne(_ r: PendingRow) throws {
        if r.table == .links && r.line > 0 && usesLinkFilter, let c = r.claim {
            // The district's links kept in memory are marked met too: when every active
            // one was, there is none absent to look for (see `completed`). (They do not
            // replace the filter: a repeat would then be reported at once, not with the
            // rows the filter holds, and the order of the reports would depend on memory.)
            if let known = known[RosterTable.links.index] {
                var key = c
                if let i = r.knownSlot >= 0 ? r.knownSlot : key.withUTF8({ known.slot($0) }) {
                    known.meet(i)
                }
            }
            var key = c
            guard key.withUTF8({ filterLink($0) }) else {
                held.append((r, true, IDSet.lineUnknown))
                return
            }
            try process(r, firstOfItsLink: true)
            return
        }
        if let t = r.table, let c = r.claim, !(t == .links && linksByKey) {
            // A link named again after rows that were rejected is written, as by key.
            let first =
                t != .links
                ? try seenIDs[t.index].insert(
                    c, line: r.line, number: r.claimNumber, knownSlot: r.knownSlot)
                : r.knownSlot >= 0
                    ? try seenIDs[t.index].insertUnlessWritten(
                        c, knownSlot: r.knownSlot, line: r.line)
                    : try seenIDs[t.index].insertUnlessWritten(c, line: r.line)
            if let first {
                // B merged into A: B's link to a child is A's link, named again (the SIS
                // still has both). A's own row, after B's, is the one that counts.
                if r.viaMerge {
                    try finish(r, .unchanged)
                    return
                }
                if linksOnlyViaMerge.remove(c) == nil {
                    try repeated(r, first: first)
                    return
                }
            } else if r.viaMerge {
                linksOnlyViaMerge.insert(c)
            }
            // (Rows read in the order of their ids go in in key order: see `RankedLines`.)
            if !largeCache && !r.readOutOfOrder && t != .links
                && seenIDs[t.index].keepsWholeIDs
            {
                try useLargeCache()
            }
        }
        try process(r)
    }

    /// Puts a link's key (`guardian␟student`) in the filter of the links met (made at the
    /// first): false when the filter takes it for one met before.
    private func filterLink(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        if linkFilter == nil {
            linkFilter = KeyFilter(
                bytes: options.linkFilterBytes
                    ?? KeyFilter.bytes(forLinks: CSVReader.estimatedLines(source?.path ?? "")))
            linksSource = source
        }
        return linkFilter?.insert(key) != false
    }

    /// Marks the lines of a native links file found unchanged (`PendingRow.Payload.heldLines`)
    /// met, as `writeOne` and `process` mark each such row: counted unchanged. A line whose
    /// link the filter takes for one met before is held, as `writeOne` holds it.
    func writeHeldLines(_ run: HeldLines) throws {
        if run.holdsUsers { return try writeHeldUsers(run) }
        let t = RosterTable.links.index
        let rows = known[t]
        // (Their slots read together first: see `writeHeldLinks`.)
        if let rows { touched |= rows.touch(run.count, slot: run.slot) }
        for k in 0..<run.count {
            rows?.meet(run.slot(k))
            guard run.withKey(k, { filterLink($0) }) else {
                let r = run.row(k)
                r.prepare(self, people())
                held.append((r, true, IDSet.lineUnknown))
                continue
            }
            try seenIDs[t].markLastWritten()
            linesUnchanged += 1
            linksWritten += 1
            counts[t].add(.unchanged)
            try countRow()
        }
    }

    /// Marks the lines of a OneRoster bundle's users.csv found unchanged (`HeldLines`) met, as
    /// `writeOne` and `process` mark each such row: counted unchanged, its household named. A
    /// line whose row is more than that (its id met before in this import, a guardian when one
    /// was merged away, a school not yet looked up) is written as its row.
    func writeHeldUsers(_ run: HeldLines) throws {
        // (Their slots read together first: see `writeHeldLinks`.)
        var seen: UInt64 = 0
        for k in 0..<run.count {
            if let rows = known[run.user(k).table.index] { seen |= rows.info(run.slot(k)) }
        }
        touched |= seen
        for k in 0..<run.count {
            let user = run.user(k)
            let t = user.table
            let slot = run.slot(k)
            guard let rows = known[t.index], seenIDs[t.index].keepsKnownRows, !rows.isMet(slot),
                t == .students
                    ? user.school.map { knownSchools.contains($0) } ?? true
                    : mergedGuardians.isEmpty
            else {
                let r = run.row(k)
                r.prepare(self, people())
                try writeOne(r)
                continue
            }
            let line = run.line(k)
            // (Not met before, as told above: nothing to report.)
            _ = run.withKey(k) { seenIDs[t.index].insert(known: $0, slot: slot, line: line) }
            if !largeCache && seenIDs[t.index].keepsWholeIDs { try useLargeCache() }
            if let h = canonicalHousehold(user.household) {
                try household(
                    h, line: line, table: t, namer: user.namer, sameLine: true, addressHash: nil,
                    address: {
                        let r = run.row(k)
                        r.prepare(self, people())
                        return try remade(r)?.householdRow
                    })
            }
            try seenIDs[t.index].markLastWritten()
            linesUnchanged += 1
            counts[t.index].add(.unchanged)
            try countRow()
        }
    }

    /// Marks a run of the district's links found unchanged (`PendingRow.Payload.heldLinks`)
    /// met, as `writeOne` marks each such row: counted unchanged. A link met already in this
    /// import (a district's row named twice) goes the ordinary way, to be reported.
    func writeHeldLinks(_ run: [HeldLink]) throws {
        let t = RosterTable.links.index
        // Their slots read together first, as `touchKnownSlots` reads a batch's: one after
        // another, each behind a link's marking, the misses of the cache were waited for in
        // turn (two fifths of this thread's time at the end of a re-import of 300,000 students).
        if let rows = known[t] { touched |= rows.touch(run.count) { run[$0].slot } }
        for link in run {
            guard
                try seenIDs[t].insertUnlessWritten(link.claim, knownSlot: link.slot, line: 0) == nil
            else {
                let r = link.row()
                r.prepare(self, people())
                try writeOne(r)
                continue
            }
            try seenIDs[t].markLastWritten()
            counts[t].add(.unchanged)
            try countRow()
        }
    }

    /// Households of a OneRoster bundle's first import that rows named, by the number of the
    /// guardian who names each (see `UserFacts.householdNamer`), when they are written in key
    /// order a slice before each batch of rows, those no row names deleted once every row is
    /// (instead of staged and sorted at the end; see `OneRosterBundle.writeHouseholds`): a
    /// household is told new here, not among the ids met (30k students with UUIDs: 76.0M ->
    /// 4.1M instructions for the households, 4,656.7M -> 4,587.9M for the import).
    var householdsNamed: [Bool]? = nil

    /// Whether the page cache was made larger for ids that are not numbered.
    var largeCache = false

    /// The import's page cache, as `PRAGMA cache_size` takes it: 2 MB (see
    /// `Roster.importBundle`), 16 MB while ids that are not numbered come (`useLargeCache`).
    static let cacheSize = "-2048"
    static let largeCacheSize = "-16384"

    /// Ids that are not numbered (GUIDs) put each row at a random place in its table's tree,
    /// where the import's 2 MB page cache misses nearly every time: the cache grows to 16 MB
    /// once such an id is met (measured at 100k students with UUIDs: 2.24 -> 1.62 s; numbered
    /// ids, written in order, gain nothing and keep 2 MB). `close` sets it back to 2 MB for the
    /// end, which works in key order.
    func useLargeCache() throws {
        try s.db.execute("PRAGMA cache_size = \(Self.largeCacheSize)")
        largeCache = true
    }

    /// Back to the 2 MB cache, for rows that go in in key order: the end (`close`), and a
    /// OneRoster bundle's links made in that order (in the larger cache the links of 100,000
    /// students with UUIDs took the peak from 52 to 72 MB).
    func useSmallCache() throws {
        guard largeCache else { return }
        try s.db.execute("PRAGMA cache_size = \(Self.cacheSize)")
        largeCache = false
    }

    /// Whether a OneRoster bundle's links may come in runs (`PendingRow.Payload.linkRun`): into
    /// a links table that held none of the district's rows, each link unique (no merge to
    /// follow), in one transaction, with no row reported but a rejected one, and every row
    /// read.
    var writesLinkRuns: Bool {
        fresh[RosterTable.links.index] && linksByKey && linksUnique && options.batchSize == 0
            && options.maxRows == nil && !hooks.everyRow
    }

    /// Writes a run of links (see `writesLinkRuns`) as `process` writes each: inserted with
    /// others, counted created. Made one row each, a link was as much work for the writer
    /// (the thread that bounds the links) as SQLite's inserting it: moving every row in and
    /// out of the batch, looking its table's statements up, copying its arguments.
    /// Whole groups of `insertRows` are inserted where the run holds them (the batch keeps it
    /// until written): put among the rows waiting (`insertSoon`), each link was a retain and a
    /// release of its two objects, made on another thread, a tenth of the writer's time.
    func writeRun(_ run: [PackedArguments]) throws {
        let t = RosterTable.links
        try stageIfRandom(t)
        try run.withUnsafeBufferPointer { rows in
            var next = 0
            // (Those waiting go first: the links come in key order.)
            while !soon[t.index].isEmpty && next < rows.count {
                try insertSoon(t, rows[next])
                next += 1
            }
            while rows.count - next >= Self.insertRows {
                try insertMany(
                    t, UnsafeBufferPointer(rebasing: rows[next..<next + Self.insertRows]))
                next += Self.insertRows
            }
            for i in next..<rows.count { try insertSoon(t, rows[i]) }
        }
        for _ in run {
            counts[t.index].add(.created)
            try countRow()
        }
    }

    /// Writes a row whose id is not a repeat (or rejects it), and reports it.
    /// `firstOfItsLink`: a link row the filter knows to be the first naming its link; only
    /// those are counted as links met (see `completed`): the count must never exceed the truth.
    func process(_ r: PendingRow, firstOfItsLink: Bool = false) throws {
        do {
            if let p = r.problem { throw p }
            if let why = r.skipped {
                try finish(r, .skipped, why)
                return
            }
            guard let t = r.table else { return }
            let status: RowStatus
            // The row moved out while it is written and back after: a copy of it was two
            // retains and two releases a row, each a locked instruction on the writer's thread,
            // of objects another thread made. (A row rejected here is only reported after.)
            if let row = r.takeRow() {
                switch t {
                case .schools: status = try upsert(.schools, row) { _ in "school:\(r.id)" }
                case .guardians:
                    status =
                        try guardianIsWritten(r)
                        ? upsert(.guardians, row) { "guardian:\($0.key[0])" } : .unchanged
                case .students:
                    try checkStudent(r)
                    status = try upsert(.students, row) { "student:\($0.key[0])" }
                case .links:
                    try checkLinkEnds(r, row)
                    // A link named through a merged guardian (`viaMerge`) is created when
                    // missing but never changed: the merge decided the link it kept (the
                    // narrower access where both had one), and the row of a merged-away record
                    // must not widen it again.
                    status = try upsert(
                        .links, row, changing: !r.viaMerge && !r.keepsStored,
                        target: Self.linkTarget)
                case .households: return  // never a row of its own
                }
                r.putBack(consume row)
            } else if r.sameLine != nil {
                // A line found unchanged: its row is the one stored.
                switch t {
                case .guardians: _ = try guardianIsWritten(r)
                case .students: try checkStudent(r)
                case .links: try checkLinkEnds(r, nil)
                case .schools, .households: break
                }
                status = .unchanged
            } else {
                return
            }
            if r.claim != nil { try seenIDs[t.index].markLastWritten() }
            // (A OneRoster link found unchanged has no line of its own.)
            if r.sameLine != nil && r.line > 0 { linesUnchanged += 1 }
            // A link named through a merged guardian is left as it is: active or not.
            if firstOfItsLink, let c = r.claim,
                try status != .unchanged || !r.viaMerge || linkIsActive(c)
            {
                linksWritten += 1
            }
            try finish(r, status)
        } catch let p as RowProblem {
            // A link named by a rejected row stays: it counts as met when it is active.
            if firstOfItsLink && r.problem != nil, let c = r.claim, try linkIsActive(c) {
                rejectedActiveLinks += 1
            }
            try finish(r, .rejected, "\(p.field): \(p.problem)")
        } catch is RepeatedKey {
            try repeated(r, first: IDSet.lineUnknown)
        }
    }

    // MARK: state of the upserts (RosterWriter+Upserts.swift)

    /// The statements of one table's upsert, built once per import. A class: handed out for
    /// every row written, a structure of five statements was five retains and five releases
    /// (a tenth of the writer's work while it wrote links).
    final class UpsertSQL {
        let hash: Statement, row: Statement, insert: Statement, update: Statement
        /// The insert of `insertRows` rows at once.
        let insertMany: Statement

        init(
            hash: Statement, row: Statement, insert: Statement, update: Statement,
            insertMany: Statement
        ) {
            self.hash = hash
            self.row = row
            self.insert = insert
            self.update = update
            self.insertMany = insertMany
        }
    }
    @exclusivity(unchecked) var sqlCache: [UpsertSQL?] = Array(
        repeating: nil, count: RosterTable.allCases.count)
    /// Per table, the look-up of `held`.
    @exclusivity(unchecked) var heldSQL: [Statement?] = Array(
        repeating: nil, count: RosterTable.allCases.count)
    /// Households without an address (this import's, or the district's in `heldWithout`),
    /// named first by a guardian who gave none (at most `addressLaterLimit`), and the address
    /// rows a later guardian gave some of them (see `household`).
    @exclusivity(unchecked) var addressLater: Set<String> = []
    @exclusivity(unchecked) var heldWithout: Set<String> = []
    @exclusivity(unchecked) var addressGiven: [TableRow] = []
    /// Schools known to exist; a district has a few hundred at most.
    @exclusivity(unchecked) var knownSchools: Set<String> = []
}

/// Ends the reading of a file early (at `--max-rows`, or once the writer has stopped).
struct StopReading: Error {}
