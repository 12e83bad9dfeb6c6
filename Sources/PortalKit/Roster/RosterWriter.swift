/// How one input row ended.
public enum RowStatus: String, Sendable {
    case created, updated, unchanged, rejected, skipped
    /// Imported without an optional value that was bad (reported besides how it was written).
    case warning
}

public struct RowOutcome: Sendable {
    public let file: String
    public let line: Int
    public let id: String
    public let status: RowStatus
    public let message: String
    /// The row as read, with its file's header (empty for a row no file holds, like a
    /// OneRoster link); only when `ImportHooks.everyRow` is on.
    public var columns: [String] = []
    public var fields: [String] = []
}

public struct EntityCounts: Sendable, Equatable {
    public var created = 0, updated = 0, unchanged = 0, rejected = 0, inactivated = 0
    /// Rows imported without a bad optional value (counted in created, updated or unchanged
    /// too).
    public var warnings = 0
    public init() {}

    /// Counts one row that ended so (a skipped row counts nowhere).
    mutating func add(_ status: RowStatus) {
        switch status {
        case .created: created += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        case .rejected: rejected += 1
        case .warning: warnings += 1
        case .skipped: break
        }
    }
}

public struct ImportOptions: Sendable {
    public var delta = false
    /// Commit every N input rows (0: the whole bundle in one transaction).
    public var batchSize = 0
    /// Read at most N data rows of each file (a trial run; no one is marked inactive).
    public var maxRows: Int? = nil
    public var dryRun = false
    /// The size of the filter a re-import keeps its links' keys in (see `KeyFilter`): the
    /// memory it takes, whatever the files' size.
    public var linkFilterBytes = KeyFilter.defaultBytes
    /// The bytes each set of ids met keeps ids that are not numbered in before moving them to
    /// disk (see `IDSpill`): the memory they take, whatever the files' size.
    public var idMemoryBytes = IDSpill.defaultBudget
    public init() {}
}

/// What the importer tells its caller while it runs; domain code never prints.
public struct ImportHooks {
    /// Told how each row ended: every row, or with `everyRow` off only the rejected and
    /// skipped ones (the call per written row is then spared).
    public var row: (RowOutcome) throws -> Void = { _ in }
    public var everyRow = true
    /// Told once, before any row, every column of the files the rows come from (as the files
    /// spell them, each name once), when `everyRow` is on.
    public var columns: ([String]) throws -> Void = { _ in }
    public var progress: (_ file: String, _ rows: Int, _ bytes: Int, _ totalBytes: Int) -> Void = {
        _, _, _, _ in
    }
    /// Asked before a full import marks many people inactive; throws to stop (and roll back).
    public var confirmInactivation:
        (_ counts: [(entity: String, count: Int, active: Int)]) throws -> Void = { _ in }
    public init() {}
}

public struct ImportSummary: Sendable {
    public var entities: [(name: String, counts: EntityCounts)]
    public var notes: [String]
    public var format: String

    public var total: EntityCounts {
        entities.reduce(into: EntityCounts()) { t, e in
            t.created += e.counts.created
            t.updated += e.counts.updated
            t.unchanged += e.counts.unchanged
            t.rejected += e.counts.rejected
            t.inactivated += e.counts.inactivated
            t.warnings += e.counts.warnings
        }
    }
}

/// The roster tables an import writes, in the order it writes them.
enum RosterTable: String, CaseIterable, Sendable {
    case schools, households, guardians, students, links

    /// Position in `allCases`: the writer keeps its per-table state in arrays.
    var index: Int {
        switch self {
        case .schools: 0
        case .households: 1
        case .guardians: 2
        case .students: 3
        case .links: 4
        }
    }

    /// A set for the ids of this table met in an import: numbered ids held as bits, a link's
    /// two as one 8-byte key, others whole up to the spill's budget.
    func emptySet(_ spill: IDSpill) -> IDSet {
        IDSet(numbered: self != .links, pairs: self == .links, spill: spill)
    }

    /// What one row is: school, household, guardian, student or link.
    var kind: String { String(rawValue.dropLast()) }

    var keyColumns: [String] { self == .links ? ["guardian_id", "student_id"] : [kind + "_id"] }

    /// The columns an import writes, besides the district, the key and `row_hash`.
    var columns: [String] {
        switch self {
        case .schools: ["name", "status"]
        case .households: ["street", "street2", "city", "state", "postcode"]
        case .guardians:
            [
                "given_name", "family_name", "email", "phone", "street", "street2", "city", "state",
                "postcode", "birth_date", "household_id", "status", "search_key",
            ]
        case .students:
            [
                "given_name", "family_name", "middle_name", "birth_date", "grade", "school_id",
                "email", "household_id", "status", "search_key",
            ]
        case .links: ["relationship", "portal_access", "custodial", "status"]
        }
    }
}

/// One row as it is written: its key, its values in the order of `RosterTable.columns`, and a
/// hash of the values that tells an unchanged row at the cost of one indexed read. Made on the
/// reading thread, with the text of all three packed once, so that the writer binds it in
/// place instead of SQLite copying each field into an allocation of its own.
struct TableRow {
    /// The key, the values and the hash, in the order the insert takes them after the
    /// district.
    let arguments: PackedArguments
    let keyCount: Int
    /// The values' FNV-1a, and as stored: `hash`.
    let fnv: UInt64
    let hash: String

    /// `columns`: the key's columns then the values, as the insert takes them, then
    /// `hashSlot`, which the hash of the values takes (so the array is not made again).
    init(keyCount: Int, _ columns: [SQLValue]) {
        self.keyCount = keyCount
        fnv = Self.fnv1a(columns[keyCount..<(columns.count - 1)])
        hash = Self.stored(fnv)
        var all = columns
        all[all.count - 1] = .text(hash)
        arguments = PackedArguments(all)
    }

    /// The place of the hash at the end of `columns`.
    static let hashSlot = SQLValue.null

    var key: [String] { arguments.values[..<keyCount].map { $0.string ?? "" } }
    var values: ArraySlice<SQLValue> { arguments.values[keyCount..<(arguments.values.count - 1)] }

    /// Whether `stored` (a row's `row_hash`) is this row's hash: as written now, or as earlier
    /// versions wrote it (all 64 bits in hex), so that their rows still count as unchanged.
    func matches(_ stored: SQLValue) -> Bool {
        guard case .text(let s) = stored else { return false }
        return s == hash || (s.utf8.count != 8 && s == String(fnv, radix: 16))
    }

    /// The stored form: the top 48 bits in 8 characters of the URL-safe base-64 alphabet, half
    /// the 16 hex digits earlier versions stored (every row carries one). A change goes
    /// unnoticed only when the two hashes agree: 1 in 2^48 changed rows.
    static func stored(_ h: UInt64) -> String {
        String(unsafeUninitializedCapacity: 8) { out in
            for i in 0..<8 { out[i] = alphabet[Int((h >> (58 - 6 * UInt64(i))) & 0x3f)] }
            return 8
        }
    }

    private static let alphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// FNV-1a, 64-bit: a change detector for imported rows (not a security hash; nothing
    /// secret or adversarial goes through it). Each value's text (an integer's digits) then a
    /// 0x1F, or nothing for NULL.
    static func fnv1a(_ values: some Sequence<SQLValue>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in values {
            var text: String
            switch v {
            case .null:
                h = h &* 0x100_0000_01b3
                continue
            case .text(let s): text = s
            case .int, .double: text = v.string ?? ""
            }
            h = text.withUTF8 { u in
                var x = h
                for b in u { x = (x ^ UInt64(b)) &* 0x100_0000_01b3 }
                return (x ^ 0x1f) &* 0x100_0000_01b3
            }
        }
        return h
    }
}

extension SchoolRecord {
    var tableRow: TableRow {
        TableRow(keyCount: 1, [.text(schoolID), .text(name), .text("active"), TableRow.hashSlot])
    }
}

extension GuardianRecord {
    var tableRow: TableRow {
        TableRow(
            keyCount: 1,
            [
                .text(guardianID),
                .text(givenName), .text(familyName), SQLValue(email), SQLValue(phone),
                SQLValue(street), SQLValue(street2), SQLValue(city), SQLValue(state),
                SQLValue(postcode), SQLValue(birthDate), SQLValue(householdID), .text(status),
                .text(searchKey), TableRow.hashSlot,
            ])
    }

    /// The household row this guardian's address gives.
    func householdRow(_ id: String) -> TableRow {
        TableRow(
            keyCount: 1,
            [
                .text(id), SQLValue(street), SQLValue(street2), SQLValue(city), SQLValue(state),
                SQLValue(postcode), TableRow.hashSlot,
            ])
    }
}

extension StudentRecord {
    var tableRow: TableRow {
        TableRow(
            keyCount: 1,
            [
                .text(studentID),
                .text(givenName), .text(familyName), SQLValue(middleName), SQLValue(birthDate),
                SQLValue(grade), SQLValue(schoolID), SQLValue(email), SQLValue(householdID),
                .text(status), .text(searchKey), TableRow.hashSlot,
            ])
    }
}

extension LinkRecord {
    var tableRow: TableRow {
        TableRow(
            keyCount: 2,
            [
                .text(guardianID), .text(studentID),
                SQLValue(relationship), SQLValue(portalAccess), SQLValue(custodial),
                .text("active"),
                TableRow.hashSlot,
            ])
    }
}

/// One input row, read and checked by a reader, waiting to be written. A class: the writer
/// reads what it needs in place, where copying a row of a dozen strings in and out of the
/// batch cost a sixth of its work.
final class PendingRow {
    /// What a reader makes of a record.
    enum Payload {
        case school(SchoolRecord)
        case guardian(GuardianRecord)
        case student(StudentRecord)
        case link(LinkRecord)
        case rejected(RowProblem)
        case skipped(String)
    }
    /// What the row counts as: a table's name, or for a row of no table (a OneRoster user of
    /// another role, or one whose role cannot be told) the file's kind of row.
    let entity: String
    let table: RosterTable?
    let file: String
    let line: Int
    /// The id as reported (`guardian/student` for a link).
    let id: String
    /// The column named when the id is a duplicate.
    let idField: String
    /// The id the row names in its table (`guardian␟student` for a link), when it is usable: it
    /// counts as present in the import (so a full import does not mark it inactive) even when
    /// another field is wrong.
    let claim: String?
    /// The claim names a guardian merged away, followed to the one kept (a link only).
    let viaMerge: Bool
    /// What the reader made of it, until `prepare` turns it into what the writer needs.
    private var payload: Payload?
    /// The row as read and its file's header, kept for the results file.
    var input: (columns: [String], fields: [String])?
    /// Optional values that were bad and left out: the row is imported without them.
    var warnings: [RowProblem] = []
    var isPrepared: Bool { payload == nil }
    /// The reader rejected the row (read before `prepare`).
    var isRejected: Bool {
        if case .rejected = payload { true } else { false }
    }

    // Set by `prepare`.
    /// The row as it will be written.
    private(set) var row: TableRow?
    /// The household a guardian or student names (followed through merges), and for a
    /// guardian with an address, the household row that address gives.
    private(set) var household: String?
    private(set) var householdRow: TableRow?
    /// A student's school.
    private(set) var school: String?
    /// A guardian merged into another: the SIS row is the same person as the one kept.
    private(set) var mergedAway = false
    /// A link whose guardian and student were both written earlier in this import (looked up
    /// on the reading thread, so the writer need not).
    private(set) var endsWritten = false
    private(set) var problem: RowProblem?
    private(set) var skipped: String?

    /// `table`: the table `entity` names, when the caller knows it (it saves a look-up a row).
    init(
        entity: String, table: RosterTable? = nil, file: String, line: Int, id: String,
        idField: String, claim: String?, viaMerge: Bool = false, payload: Payload
    ) {
        self.entity = entity
        self.table = table ?? RosterTable(rawValue: entity)
        self.file = file
        self.line = line
        self.id = id
        self.idField = idField
        self.claim = claim
        self.viaMerge = viaMerge
        self.payload = payload
    }

    /// Follows merges, computes the search key, the values and their hash: work done on the
    /// reading thread to spare the writer. Reads only what does not change during an import;
    /// `people` are the guardians and students met so far (for a link's ends).
    func prepare(_ w: RosterWriter, _ people: (guardians: IDSet, students: IDSet)) {
        guard let p = payload else { return }
        payload = nil
        switch p {
        case .school(let x): row = x.tableRow
        case .guardian(var g):
            g.householdID = w.canonicalHousehold(g.householdID)
            row = g.tableRow
            household = g.householdID
            if let h = household, g.hasAddress { householdRow = g.householdRow(h) }
            mergedAway = w.isMergedAway(g.guardianID)
        case .student(var st):
            st.householdID = w.canonicalHousehold(st.householdID)
            row = st.tableRow
            household = st.householdID
            school = st.schoolID
        case .link(let l):
            row = l.tableRow
            endsWritten =
                people.guardians.written(l.guardianID) && people.students.written(l.studentID)
        case .rejected(let why): problem = why
        case .skipped(let why): skipped = why
        }
    }
}

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
    let options: ImportOptions
    let hooks: ImportHooks
    /// Per table (by `RosterTable.index`), then per entity of no table.
    private var counts = Array(repeating: EntityCounts(), count: RosterTable.allCases.count)
    private var otherCounts: [String: EntityCounts] = [:]
    var notes: [String] = []
    private var rowsSinceCommit = 0
    /// The ids met in this import, per table, each with whether its row was written (and the
    /// line it was first met on, unless held as a number: see `IDSet`).
    private var seenIDs: [IDSet] = []
    /// Where the sets move the ids they may not keep in memory.
    private let spill: IDSpill
    /// Rows held until `eachRow` reads the file again: repeats whose first line the seen ids
    /// did not keep, and (`suspect`) links the filter took for met before.
    private var held: [(row: PendingRow, suspect: Bool)] = []
    /// Links are told apart by the database's key instead of seen ids: into a table that held
    /// none of the district's links (nothing can be absent) while no guardian was merged away,
    /// a link named again fails the insert. The ids of 100,000 students' links would take 8 MB.
    private var linksByKey = false
    /// In a re-import of native files, the links met are kept in a filter of fixed size: a link
    /// it takes for met before is held and settled by reading the file again, and the count of
    /// links met that are active (`linksWritten` and `rejectedActiveLinks`) tells whether it
    /// took an absent link for one met (then the file is read again, see `completed`). Made at
    /// the first link.
    private var linkFilter: KeyFilter?
    private var usesLinkFilter = false
    /// Links met in the file and active, counted at the first row naming each (see
    /// `process`): written, or named by a rejected row while active in the district.
    private var linksWritten = 0
    private var rejectedActiveLinks = 0
    /// The file being read and how its rows are read, and the links file so, to read them
    /// again (see `settleHeld` and `completed`).
    private var source: (path: String, parse: (CSVRecord) throws -> PendingRow?)?

    /// Lets go of the files' parse closures, which hold the writer (a cycle otherwise).
    func releaseSources() {
        source = nil
        linksSource = nil
    }
    private var linksSource: (path: String, parse: (CSVRecord) throws -> PendingRow?)?
    /// Links named so far only through a merged guardian (see `write`).
    private var linksOnlyViaMerge: Set<String> = []
    /// Records merged away (B into A): their rows in a later import go to A. Read by the
    /// reading thread too; never changed once the import has begun.
    private var mergedGuardians: [String: String] = [:]
    private var mergedHouseholds: [String: String] = [:]

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
    private var fresh = Array(repeating: false, count: RosterTable.allCases.count)
    /// Per entity, the district's active rows that a completely read file left out, and how
    /// many active rows there were.
    /// (Their keys go to a table of SQLite's temporary file: there may be as many as the
    /// district has rows, see `noteAbsent`.)
    private var absent: [RosterTable: (count: Int, active: Int)] = [:]
    private var absentRows: Statement?

    /// The district as the first argument of every upsert, packed once.
    private let districtArgument: PackedArguments

    init(_ s: Session, format: RosterFormat, options: ImportOptions, hooks: ImportHooks) throws {
        self.s = s
        // A day's slack: the import's clock is UTC, a district's day may be ahead of it.
        self.today = Timestamp.utcDate(s.now).adding(days: 1)
        self.district = try s.district()
        self.districtArgument = PackedArguments([.text(district)])
        self.options = options
        self.hooks = hooks
        spill = IDSpill(s.db, budget: options.idMemoryBytes)
        seenIDs = RosterTable.allCases.map { $0.emptySet(spill) }
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
        // Tables with no rows for this district yet: every row is new (duplicates within the
        // import are caught by the seen ids first), so the look-up before the insert is skipped.
        for t in RosterTable.allCases {
            fresh[t.index] =
                try s.db.first(
                    "SELECT 1 FROM \(t.rawValue) WHERE district_id = ? LIMIT 1", [.text(district)])
                == nil
        }
        linksByKey = fresh[RosterTable.links.index] && mergedGuardians.isEmpty
        usesLinkFilter = !linksByKey && format == .csv
        try deferIndexes()
    }

    /// The look-up indexes of tables that no district has rows in yet, to build at `close`.
    private var deferredIndexes: [String] = []

    /// Drops the look-up indexes of the tables that are empty for every district: building an
    /// index once from the finished table is cheaper than keeping it up to date row by row (the
    /// first import of a new database is the big one). Only when the import is one transaction,
    /// so that no commit can ever leave an index missing: a failure rolls the drop back.
    private func deferIndexes() throws {
        guard options.batchSize == 0 else { return }
        for t in RosterTable.allCases
        where try fresh[t.index] && s.db.first("SELECT 1 FROM \(t.rawValue) LIMIT 1") == nil {
            for r in try s.db.query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                [.text(t.rawValue)])
            {
                try s.db.execute("DROP INDEX \(r.text("name"))")
                deferredIndexes.append(r.text("sql"))
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
    private func finish(_ r: PendingRow, _ status: RowStatus, _ message: String = "") throws {
        bump(r, status)
        let written = status == .created || status == .updated || status == .unchanged
        if written && !r.warnings.isEmpty {
            // Reported like a rejected row (every time: the file still holds the bad value),
            // and counted apart; at the file and line each bad value came from.
            bump(r, .warning)
            var places: [(file: String, line: Int)] = []
            for w in r.warnings {
                let at = w.source ?? (r.file, r.line)
                if !places.contains(where: { $0 == at }) { places.append(at) }
            }
            for at in places {
                try hooks.row(
                    RowOutcome(
                        file: at.file, line: at.line, id: r.id, status: .warning,
                        message: r.warnings.filter { ($0.source ?? (r.file, r.line)) == at }
                            .map { "\($0.field): \($0.problem); imported without it" }
                            .joined(separator: "; "),
                        columns: r.input?.columns ?? [], fields: r.input?.fields ?? []))
            }
        } else if hooks.everyRow || status == .rejected || status == .skipped {
            try hooks.row(
                RowOutcome(
                    file: r.file, line: r.line, id: r.id, status: status, message: message,
                    columns: r.input?.columns ?? [], fields: r.input?.fields ?? []))
        }
        rowsSinceCommit += 1
        if options.batchSize > 0 && rowsSinceCommit >= options.batchSize && !options.dryRun {
            try s.db.commitBatch()
            rowsSinceCommit = 0
        }
        if rowsSinceCommit % 512 == 0 { try s.db.checkInterrupted() }
    }

    /// Reads every record of `reader` after its header, turning each into a row with `parse`,
    /// and writes them in batches; stops at `--max-rows`. Reading and checking run on a second
    /// thread, a few batches ahead of the writing: `parse` runs there, so it may only read
    /// what does not change during the import. With `sameThread`, everything runs on the
    /// calling thread (for a `parse` that reads the database).
    func eachRow(
        _ reader: CSVReader, file: String, header: [String], sameThread: Bool = false,
        _ parse: @escaping (CSVRecord) throws -> PendingRow?
    ) throws {
        let keepInput = hooks.everyRow
        let maxRows = options.maxRows
        source = (reader.path, parse)
        // Copies (the buffers are shared until written): no file being read now changes them.
        let people = self.people
        let produce = { [unowned self] (put: (ReadBatch) throws -> Bool) throws in
            var batch = ReadBatch()
            while let rec = try reader.next() {
                if rec.isBlank { continue }
                if let max = maxRows, batch.rowsRead >= max {
                    batch.stoppedAtMax = true
                    break
                }
                batch.rowsRead += 1
                if let row = try parse(rec) {
                    if keepInput { row.input = (header, rec.fields) }
                    row.prepare(self, people)
                    batch.rows.append(row)
                }
                if batch.rows.count == Self.batchRows {
                    batch.bytesRead = reader.bytesRead
                    guard try put(batch) else { return }
                    batch.rows.removeAll(keepingCapacity: true)
                }
            }
            batch.bytesRead = reader.bytesRead
            _ = try put(batch)
        }
        func consume(_ batch: ReadBatch) throws {
            try write(batch.rows)
            // Held rows stay few: a file of repeats is read again every few thousand.
            if held.count >= 4096 { try settleHeld(reader.path, parse) }
            hooks.progress(file, batch.rowsRead, batch.bytesRead, reader.totalBytes)
            if batch.stoppedAtMax, let max = maxRows {
                notes.append(
                    "\(file): stopped after \(grouped(max)) rows (the most it was asked to read)")
            }
        }
        if sameThread {
            try produce { batch in
                try consume(batch)
                return true
            }
        } else {
            let ahead = ReadAhead<ReadBatch>()
            defer { ahead.finish() }
            try ahead.start { put in try produce { put($0) } }
            while let batch = try ahead.next() {
                try consume(batch)
                ahead.giveBack(consume batch)
            }
        }
        try settleHeld(reader.path, parse)
    }

    /// Rows read ahead of the writer, with how far into the file they reach.
    private struct ReadBatch {
        var rows: [PendingRow] = []
        var rowsRead = 0
        var bytesRead = 0
        var stoppedAtMax = false
    }

    /// Rows per batch: enough that handing batches between the threads costs nothing per row,
    /// few enough that the batches waiting stay small (a prepared row takes about a kilobyte;
    /// measured at 100k students: 2,048 rows a batch peaked at 53 MB, 1,024 at 45 MB, 512 at
    /// 42 MB but ran 3% slower).
    static let batchRows = 1024

    /// Writes a batch of rows in input order: each is inserted, updated or left unchanged, and
    /// reported.
    func write(_ batch: [PendingRow]) throws {
        for r in batch {
            if !r.isPrepared { r.prepare(self, people) }
            if r.table == .links && r.line > 0 && usesLinkFilter, let c = r.claim {
                if linkFilter == nil {
                    linkFilter = KeyFilter(bytes: options.linkFilterBytes)
                    linksSource = source
                }
                if linkFilter?.insert(c) == false {
                    held.append((r, true))
                    continue
                }
                try process(r, firstOfItsLink: true)
                continue
            }
            if let t = r.table, let c = r.claim, !(t == .links && linksByKey) {
                // A link named again after rows that were rejected is written, as by key.
                let first =
                    t == .links
                    ? try seenIDs[t.index].insertUnlessWritten(c, line: r.line)
                    : try seenIDs[t.index].insert(c, line: r.line)
                if let first {
                    // B merged into A: B's link to a child is A's link, named again (the SIS
                    // still has both). A's own row, after B's, is the one that counts.
                    if r.viaMerge {
                        try finish(r, .unchanged)
                        continue
                    }
                    if linksOnlyViaMerge.remove(c) == nil {
                        try repeated(r, first: first)
                        continue
                    }
                } else if r.viaMerge {
                    linksOnlyViaMerge.insert(c)
                }
                if !largeCache && t != .links && seenIDs[t.index].keepsWholeIDs {
                    try useLargeCache()
                }
            }
            try process(r)
        }
    }

    /// Whether the page cache was made larger for ids that are not numbered.
    private var largeCache = false

    /// Ids that are not numbered (GUIDs) put each row at a random place in its table's tree,
    /// where the import's 2 MB page cache misses nearly every time: the cache grows to 16 MB
    /// once such an id is met (measured at 100k students with UUIDs: 2.24 -> 1.62 s; numbered
    /// ids, written in order, gain nothing and keep 2 MB). The import sets it back at the end.
    private func useLargeCache() throws {
        try s.db.execute("PRAGMA cache_size = -16384")
        largeCache = true
    }

    /// Writes a row whose id is not a repeat (or rejects it), and reports it.
    /// `firstOfItsLink`: a link row the filter knows to be the first naming its link; only
    /// those are counted as links met (see `completed`): the count must never exceed the truth.
    private func process(_ r: PendingRow, firstOfItsLink: Bool = false) throws {
        do {
            if let p = r.problem { throw p }
            if let why = r.skipped {
                try finish(r, .skipped, why)
                return
            }
            guard let t = r.table, let row = r.row else { return }
            let status: RowStatus
            switch t {
            case .schools: status = try upsert(.schools, row) { "school:\(r.id)" }
            case .guardians: status = try guardian(r, row)
            case .students: status = try student(r, row)
            case .links: status = try link(r, row)
            case .households: return  // never a row of its own
            }
            if r.claim != nil { try seenIDs[t.index].markLastWritten() }
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

    /// Whether the district has the link `guardian␟student`, active.
    private func linkIsActive(_ claim: String) throws -> Bool {
        let ends = Self.linkEnds(claim)
        guard ends.count == 2 else { return false }
        return try s.db.first(
            "SELECT 1 FROM links WHERE district_id = ? AND guardian_id = ? AND student_id = ? AND status = 'active'",
            [.text(district), .text(ends[0]), .text(ends[1])]) != nil
    }

    /// An insert that met the key of a row this import wrote (see `linksByKey`).
    private struct RepeatedKey: Error {}

    /// Rejects a row whose id was met before, naming the line it was first met on; when that
    /// line was not kept, holds the row until `eachRow` has read the file again.
    private func repeated(_ r: PendingRow, first: Int) throws {
        if first == IDSet.lineUnknown && r.line > 0 {
            held.append((r, false))
        } else {
            try finish(r, .rejected, Self.repeatMessage(r, first: first))
        }
    }

    private static func repeatMessage(_ r: PendingRow, first: Int) -> String {
        let what = r.table == .links ? "duplicate link" : "duplicate id"
        let before = first > 0 ? "first seen on line \(first)" : "met earlier in this import"
        return "\(r.idField): \(what) (\(before)); this row was skipped"
    }

    /// Reads the file at `path` again up to the last row held, to find the line each held
    /// row's id was first met on (for a link: the first row not rejected, the one written).
    /// Then, in the order of their lines, reports the repeats, and writes the links the filter
    /// took for met before that were not (or reports them as repeats when they were).
    private func settleHeld(_ path: String, _ parse: (CSVRecord) throws -> PendingRow?) throws {
        guard let last = held.map(\.row.line).max() else { return }
        // The first line of each held row's id: of any row, of a row not rejected (the one
        // written), and of such a row not named through a merged guardian.
        var first: [String: (any: Int, written: Int, own: Int)] = [:]
        for h in held { first[h.row.claim ?? ""] = (0, 0, 0) }
        try reread(path, parse, before: last) { r in
            guard let c = r.claim, var f = first[c] else { return }
            if f.any == 0 { f.any = r.line }
            if f.written == 0 && !r.isRejected { f.written = r.line }
            if f.own == 0 && !r.isRejected && !r.viaMerge { f.own = r.line }
            first[c] = f
        }
        let rows = held.sorted { $0.row.line < $1.row.line }
        held = []
        for (r, suspect) in rows {
            let f = first[r.claim ?? ""] ?? (0, 0, 0)
            var line = r.table == .links ? f.written : f.any
            // A link held by the filter is a repeat only when an earlier row was written; as
            // with the ids met, one named through a merged guardian after it is left as it is,
            // and the guardian's own row counts after those.
            if suspect {
                if !r.viaMerge { line = f.own }
                guard try line > 0 && line < r.line && linkEndsExist(r) else {
                    try process(r)
                    continue
                }
                if r.viaMerge {
                    try finish(r, .unchanged)
                    continue
                }
            }
            try finish(r, .rejected, Self.repeatMessage(r, first: line))
        }
    }

    /// Reads a file again from its first row up to the line `before`, giving each row as
    /// `parse` makes it.
    private func reread(
        _ path: String, _ parse: (CSVRecord) throws -> PendingRow?, before: Int = .max,
        _ body: (PendingRow) throws -> Void
    ) throws {
        let reader = try CSVReader(path: path)
        _ = try reader.next()  // the header
        while let rec = try reader.next(), rec.line < before {
            if rec.isBlank { continue }
            if let r = try parse(rec) { try body(r) }
        }
    }

    /// Whether both ends of the link a row names exist (its key: the row itself may have
    /// been rejected).
    private func linkEndsExist(_ r: PendingRow) throws -> Bool {
        guard let ends = r.claim.map(Self.linkEnds), ends.count == 2 else { return false }
        return try exists(.guardians, ends[0]) && exists(.students, ends[1])
    }

    /// A link's key, `guardian␟student`, as its two ids.
    private static func linkEnds(_ key: String) -> [String] {
        key.split(separator: "\u{1f}", maxSplits: 1, omittingEmptySubsequences: false).map(
            String.init)
    }

    // MARK: upserts

    /// The statements of one table's upsert, built once per import.
    private struct UpsertSQL {
        let hash: Statement, row: Statement, insert: Statement, update: Statement
    }
    private var sqlCache: [UpsertSQL?] = Array(repeating: nil, count: RosterTable.allCases.count)

    private func sql(_ t: RosterTable) throws -> UpsertSQL {
        if let c = sqlCache[t.index] { return c }
        let whereClause = (["district_id"] + t.keyColumns).map { "\($0) = ?" }.joined(
            separator: " AND ")
        let cols = ["district_id"] + t.keyColumns + t.columns + ["row_hash"]
        let c = UpsertSQL(
            hash: try s.db.statement("SELECT row_hash FROM \(t.rawValue) WHERE \(whereClause)"),
            row: try s.db.statement(
                "SELECT \(t.columns.joined(separator: ", ")) FROM \(t.rawValue) WHERE \(whereClause)"
            ),
            insert: try s.db.statement(
                "INSERT INTO \(t.rawValue)(\(cols.joined(separator: ","))) VALUES (\(cols.map { _ in "?" }.joined(separator: ",")))"
            ),
            update: try s.db.statement(
                "UPDATE \(t.rawValue) SET \(t.columns.map { "\($0) = ?" }.joined(separator: ", ")), row_hash = ? WHERE \(whereClause)"
            ))
        sqlCache[t.index] = c
        return c
    }

    /// Insert, update (with an audit row naming the changed fields) or leave unchanged, deciding
    /// by the row's hash so that an unchanged row costs one indexed read. Arguments are bound
    /// one by one: this runs once per input row.
    private func upsert(
        _ t: RosterTable, _ row: TableRow, changing: Bool = true, target: () -> String
    ) throws -> RowStatus {
        let q = try sql(t)
        if !fresh[t.index],
            let existing = try s.db.firstValue(
                q.hash,
                binding: {
                    try $0.bind(districtArgument, from: 1)
                    try $0.bind(row.arguments, count: row.keyCount, from: 2)
                })
        {
            if row.matches(existing) || !changing { return .unchanged }
            return try update(t, row, q, target: target)
        }
        do {
            try s.db.run(q.insert) { (st: Statement) in
                try st.bind(districtArgument, from: 1)
                try st.bind(row.arguments, from: 2)
            }
        } catch let e as SQLiteError where e.isPrimaryKeyConflict && t == .links && linksByKey {
            throw RepeatedKey()
        }
        return .created
    }

    /// Rewrites a row whose hash differs, and records in the audit log which fields changed.
    private func update(_ t: RosterTable, _ row: TableRow, _ q: UpsertSQL, target: () -> String)
        throws -> RowStatus
    {
        let keyArgs = [SQLValue.text(district)] + row.key.map { SQLValue.text($0) }
        let old = try s.db.first(q.row, keyArgs)
        var before: [(String, JSONValue)] = []
        var after: [(String, JSONValue)] = []
        for (i, (c, v)) in zip(t.columns, row.values).enumerated()
        where c != "search_key" && old?[i] != v {
            before.append((c, JSONValue(old?[i] ?? .null)))
            after.append((c, JSONValue(v)))
        }
        try s.db.run(q.update, Array(row.values) + [.text(row.hash)] + keyArgs)
        if before.isEmpty { return .unchanged }
        try s.audit(target: target(), before: .object(before), after: .object(after))
        return .updated
    }

    /// Creates (or updates) the household the first time an import names it; the first row
    /// to name it gives the household its address (`address`, the row a guardian's address
    /// gives).
    func household(_ id: String, address: TableRow?, line: Int) throws {
        let t = RosterTable.households
        guard try seenIDs[t.index].insert(id, line: line) == nil else { return }
        let status: RowStatus
        if let address {
            status = try upsert(t, address) { "household:\(id)" }
        } else if try !fresh[t.index]
            && s.db.count(
                "SELECT count(*) FROM households WHERE district_id = ? AND household_id = ?",
                [.text(district), .text(id)]) > 0
        {
            status = .unchanged
        } else {
            try s.db.run(
                "INSERT INTO households(district_id, household_id) VALUES (?,?)",
                [.text(district), .text(id)])
            status = .created
        }
        try seenIDs[t.index].markLastWritten()
        counts[t.index].add(status)
    }

    /// Writes a guardian whose household the reader has already followed through merges.
    func guardian(_ r: PendingRow, _ row: TableRow) throws -> RowStatus {
        if r.mergedAway { return .unchanged }
        if let h = r.household { try household(h, address: r.householdRow, line: r.line) }
        return try upsert(.guardians, row) { "guardian:\(row.key[0])" }
    }

    /// Schools known to exist; a district has a few hundred at most.
    private var knownSchools: Set<String> = []

    private func schoolExists(_ id: String) throws -> Bool {
        if knownSchools.contains(id) { return true }
        guard
            try s.db.count(
                "SELECT count(*) FROM schools WHERE district_id = ? AND school_id = ?",
                [.text(district), .text(id)]) > 0
        else { return false }
        knownSchools.insert(id)
        return true
    }

    /// Writes a student whose household the reader has already followed through merges, once
    /// its school is known to exist (the import runs with foreign keys off).
    func student(_ r: PendingRow, _ row: TableRow) throws -> RowStatus {
        if let sc = r.school, !(try schoolExists(sc)) {
            throw RowProblem("school_id", "unknown school (not in schools.csv or the district)")
        }
        if let h = r.household { try household(h, address: nil, line: r.line) }
        return try upsert(.students, row) { "student:\(row.key[0])" }
    }

    /// Writes a link (its guardian already followed through merges) once both of its ends are
    /// known to exist. A link named through a merged guardian (`viaMerge`) is created when missing but never
    /// changed: the merge decided the link it kept (the narrower access where both had one),
    /// and the row of a merged-away record must not widen it again.
    func link(_ r: PendingRow, _ row: TableRow) throws -> RowStatus {
        let guardian = row.arguments.values[0].string ?? ""
        let student = row.arguments.values[1].string ?? ""
        if !r.endsWritten {
            guard try exists(.guardians, guardian) else {
                throw RowProblem(
                    "guardian_id", "unknown guardian (not in guardians.csv or the district)")
            }
            guard try exists(.students, student) else {
                throw RowProblem(
                    "student_id", "unknown student (not in students.csv or the district)")
            }
        }
        return try upsert(.links, row, changing: !r.viaMerge) { "link:\(guardian)/\(student)" }
    }

    /// The guardians and students met so far in this import.
    private var people: (guardians: IDSet, students: IDSet) {
        (seenIDs[RosterTable.guardians.index], seenIDs[RosterTable.students.index])
    }

    /// Whether the district has the guardian or student `id`: written by this import (known in
    /// memory), or already in the database, which holds every row written by this import too
    /// (asked unless its table was empty before the import and no id was moved to disk).
    private func exists(_ t: RosterTable, _ id: String) throws -> Bool {
        if seenIDs[t.index].written(id) { return true }
        if fresh[t.index] && !seenIDs[t.index].hasMovedIDs { return false }
        return try s.db.first(
            "SELECT 1 FROM \(t.rawValue) WHERE district_id = ? AND \(t.kind)_id = ?",
            [.text(district), .text(id)]) != nil
    }

    // MARK: the end

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
        // A table that held none of the district's rows before has nothing absent.
        guard !options.delta, options.maxRows == nil, !fresh[t.index] else { return }
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
                "SELECT \(t.keyColumns.joined(separator: " || char(31) || ")), \(columns) FROM \(t.rawValue) WHERE district_id = ? AND status = 'active'",
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
            try reread(path, parse) { r in
                if let c = r.claim { _ = try met.insert(c, line: r.line) }
            }
            filter = nil
            try scan()
        }
        if left > 0 { absent[t] = (left, active) }
    }

    /// Keeps the key of a row `completed` found absent, in a table of SQLite's temporary file.
    private func noteAbsent(_ t: RosterTable, _ key: [SQLValue]) throws {
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
    private func forgetAbsent(_ t: RosterTable) throws {
        guard absentRows != nil else { return }
        try s.db.run(
            "DELETE FROM temp.roster_import_absent WHERE tbl = ?", [.int(Int64(t.index))])
    }

    /// Marks the rows `completed` found absent inactive (never deleting them), builds the
    /// indexes put off at the start, then writes the summary audit row.
    func close(format: String, files: [String]) throws -> ImportSummary {
        let pending = RosterTable.allCases.compactMap { t in
            absent[t].map { (t.rawValue, $0.count, $0.active) }
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
        // Built within the import's small page cache: SQLite sorts an index's entries in memory
        // of that size and merges sorted runs from temporary files beyond it, so memory stays
        // the same however large the district (measured at 100k students: 3% slower than with
        // 8 MB, which held 11 MB more at the peak).
        for sql in deferredIndexes { try s.db.execute(sql) }
        deferredIndexes = []
        try spill.close()
        let summary = ImportSummary(
            entities: RosterTable.allCases.map { ($0.rawValue, counts[$0.index]) }
                + otherCounts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            notes: notes, format: format)
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
