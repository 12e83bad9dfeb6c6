/// How one input row ended.
public enum RowStatus: String, Sendable {
    case created, updated, unchanged, rejected, skipped
}

public struct RowOutcome: Sendable {
    public let file: String
    public let line: Int
    public let id: String
    public let status: RowStatus
    public let message: String
}

public struct EntityCounts: Sendable, Equatable {
    public var created = 0, updated = 0, unchanged = 0, rejected = 0, inactivated = 0
    public init() {}
}

public struct ImportOptions: Sendable {
    public var delta = false
    /// Commit every N input rows (0: the whole bundle in one transaction).
    public var batchSize = 0
    /// Read at most N data rows of each file (a trial run; no one is marked inactive).
    public var maxRows: Int? = nil
    public var dryRun = false
    public init() {}
}

/// What the importer tells its caller while it runs; domain code never prints.
public struct ImportHooks {
    public var row: (RowOutcome) throws -> Void = { _ in }
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
        }
    }
}

/// One input row, read and checked by a reader, waiting to be written.
struct PendingRow {
    enum Payload {
        case school(SchoolRecord)
        case guardian(GuardianRecord)
        case student(StudentRecord)
        case link(LinkRecord)
        case rejected(RowProblem)
        case skipped(String)
    }
    let entity: String
    let file: String
    let line: Int
    /// The id as reported (`guardian/student` for a link).
    let id: String
    /// The column named when the id is a duplicate.
    let idField: String
    /// The kind and id the row names, when its id is usable: it counts as present in the import
    /// (so a full import does not mark it inactive) even when another field is wrong.
    let claim: (kind: String, id: String)?
    var payload: Payload

    /// Computes the search keys here, on the reading thread, to spare the writer.
    mutating func fold() {
        switch payload {
        case .guardian(var g):
            g.searchKey = g.foldedKey
            payload = .guardian(g)
        case .student(var st):
            st.searchKey = st.foldedKey
            payload = .student(st)
        default: break
        }
    }
}

/// Writes roster records into a district: insert, update or leave unchanged by comparing a hash
/// of the row, with one cached prepared statement per kind of write. Shared by the native and the
/// OneRoster readers. Rows stream through in batches; only the ids met in the import are kept
/// (compactly, see `IDSet`), to catch a repeated id and so that a full import can mark the
/// absent ones inactive once a file is read.
final class RosterWriter {
    let s: Session
    let district: String
    let options: ImportOptions
    let hooks: ImportHooks
    var counts: [String: EntityCounts] = [:]
    var notes: [String] = []
    private var rowsSinceCommit = 0
    /// The ids met in this import, by kind ("student", "link", "household", ...), each with the
    /// line it was first met on.
    private var seenIDs: [String: IDSet] = [:]
    /// Records merged away (B into A): their rows in a later import go to A.
    private var mergedGuardians: [String: String] = [:]
    private var mergedHouseholds: [String: String] = [:]

    func canonicalGuardian(_ id: String) -> String { mergedGuardians[id] ?? id }
    func canonicalHousehold(_ id: String?) -> String? { id.map { mergedHouseholds[$0] ?? $0 } }
    private var fresh: Set<String> = []
    /// Per entity, the district's active rows that a completely read file left out, and how
    /// many active rows there were.
    private var absent: [String: (keys: [[SQLValue]], active: Int)] = [:]

    init(_ s: Session, options: ImportOptions, hooks: ImportHooks) throws {
        self.s = s
        self.district = try s.district()
        self.options = options
        self.hooks = hooks
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
        // import are caught by the seen table first), so the look-up before the insert is skipped.
        for t in ["schools", "households", "guardians", "students", "links"]
        where try s.db.first("SELECT 1 FROM \(t) WHERE district_id = ? LIMIT 1", [.text(district)])
            == nil
        {
            fresh.insert(t)
        }
    }

    // MARK: bookkeeping

    /// Records that `id` occurs in the input; returns the line it was first met on when this is
    /// a repeat (a duplicate id within one import).
    private func seen(_ kind: String, _ id: String, line: Int) -> Int? {
        seenIDs[kind, default: IDSet()].insert(id, line: line)
    }

    func bump(_ entity: String, _ status: RowStatus) {
        var c = counts[entity] ?? EntityCounts()
        switch status {
        case .created: c.created += 1
        case .updated: c.updated += 1
        case .unchanged: c.unchanged += 1
        case .rejected: c.rejected += 1
        case .skipped: break
        }
        counts[entity] = c
    }

    /// Reports a row and commits a batch when one is full.
    func finish(
        _ entity: String, file: String, line: Int, id: String, _ status: RowStatus,
        _ message: String = ""
    ) throws {
        bump(entity, status)
        try hooks.row(RowOutcome(file: file, line: line, id: id, status: status, message: message))
        rowsSinceCommit += 1
        if options.batchSize > 0 && rowsSinceCommit >= options.batchSize && !options.dryRun {
            try s.db.commitBatch()
            rowsSinceCommit = 0
        }
        if rowsSinceCommit % 512 == 0 { try Interrupts.check() }
    }

    func reject(_ entity: String, file: String, line: Int, id: String, _ p: RowProblem) throws {
        try finish(entity, file: file, line: line, id: id, .rejected, "\(p.field): \(p.problem)")
    }

    /// Reads every record of `reader` after its header, turning each into a row with `parse`,
    /// and writes them in batches; stops at `--max-rows`. Reading and checking run on a second
    /// thread, a few batches ahead of the writing: `parse` runs there, so it may only read
    /// what does not change during the import.
    func eachRow(
        _ reader: CSVReader, file: String, _ parse: @escaping (CSVRecord) throws -> PendingRow?
    ) throws {
        let maxRows = options.maxRows
        let ahead = ReadAhead<ReadBatch>()
        defer { ahead.finish() }
        try ahead.start { put in
            var batch = ReadBatch()
            while let rec = try reader.next() {
                if rec.fields.allSatisfy({ $0.trimmed().isEmpty }) && rec.problem == nil {
                    continue
                }
                if let max = maxRows, batch.rowsRead >= max {
                    batch.stoppedAtMax = true
                    break
                }
                batch.rowsRead += 1
                if var row = try parse(rec) {
                    row.fold()
                    batch.rows.append(row)
                }
                if batch.rows.count == Self.batchRows {
                    batch.bytesRead = reader.bytesRead
                    guard put(batch) else { return }
                    batch.rows.removeAll(keepingCapacity: true)
                }
            }
            batch.bytesRead = reader.bytesRead
            _ = put(batch)
        }
        while let batch = try ahead.next() {
            try write(batch.rows)
            hooks.progress(file, batch.rowsRead, batch.bytesRead, reader.totalBytes)
            if batch.stoppedAtMax, let max = maxRows {
                notes.append("\(file): stopped after \(grouped(max)) rows (--max-rows)")
            }
        }
    }

    /// Rows read ahead of the writer, with how far into the file they reach.
    private struct ReadBatch {
        var rows: [PendingRow] = []
        var rowsRead = 0
        var bytesRead = 0
        var stoppedAtMax = false
    }

    /// Rows per batch: enough that handing batches between the threads costs nothing per row,
    /// few enough that the batches waiting stay small.
    static let batchRows = 2048

    /// Writes a batch of rows in input order: each is inserted, updated or left unchanged, and
    /// reported.
    func write(_ batch: [PendingRow]) throws {
        for r in batch {
            do {
                if let c = r.claim, let first = seen(c.kind, c.id, line: r.line) {
                    let what = c.kind == "link" ? "duplicate link" : "duplicate id"
                    throw RowProblem(
                        r.idField, "\(what) (first seen on line \(first)); this row was skipped")
                }
                let status: RowStatus
                switch r.payload {
                case .school(let x): status = try school(x)
                case .guardian(let x): status = try guardian(x, line: r.line)
                case .student(let x): status = try student(x, line: r.line)
                case .link(let x): status = try link(x)
                case .rejected(let p): throw p
                case .skipped(let why):
                    try finish(r.entity, file: r.file, line: r.line, id: r.id, .skipped, why)
                    continue
                }
                try finish(r.entity, file: r.file, line: r.line, id: r.id, status)
            } catch let p as RowProblem {
                try reject(r.entity, file: r.file, line: r.line, id: r.id, p)
            }
        }
    }

    // MARK: upserts

    /// The statements of one table's upsert, built once per import.
    private struct UpsertSQL {
        let hash: Statement, row: Statement, insert: Statement, update: Statement
    }
    private var sqlCache: [String: UpsertSQL] = [:]

    private func sql(_ table: String, _ keyColumns: [String], _ columns: [String]) throws
        -> UpsertSQL
    {
        if let c = sqlCache[table] { return c }
        let whereClause = (["district_id"] + keyColumns).map { "\($0) = ?" }.joined(
            separator: " AND ")
        let cols = ["district_id"] + keyColumns + columns + ["row_hash"]
        let c = UpsertSQL(
            hash: try s.db.statement("SELECT row_hash FROM \(table) WHERE \(whereClause)"),
            row: try s.db.statement(
                "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(whereClause)"),
            insert: try s.db.statement(
                "INSERT INTO \(table)(\(cols.joined(separator: ","))) VALUES (\(cols.map { _ in "?" }.joined(separator: ",")))"
            ),
            update: try s.db.statement(
                "UPDATE \(table) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")), row_hash = ? WHERE \(whereClause)"
            ))
        sqlCache[table] = c
        return c
    }

    /// Insert, update (with an audit row naming the changed fields) or leave unchanged, deciding
    /// by a hash of the row so an unchanged row costs one indexed read.
    private func upsert(
        table: String, keyColumns: [String], key: [String], columns: [String],
        values: [SQLValue], target: String
    ) throws -> RowStatus {
        let q = try sql(table, keyColumns, columns)
        let hash = fnv1a(values.lazy.map(\.string))
        var keyArgs: [SQLValue] = [.text(district)]
        keyArgs.reserveCapacity(1 + key.count + values.count + 1)
        for k in key { keyArgs.append(.text(k)) }
        func insert() throws -> RowStatus {
            var args = keyArgs
            args.append(contentsOf: values)
            args.append(.text(hash))
            try s.db.run(q.insert, args)
            return .created
        }
        if fresh.contains(table) { return try insert() }
        guard let existing = try s.db.first(q.hash, keyArgs) else { return try insert() }
        if existing.string("row_hash") == hash { return .unchanged }
        let old = try s.db.first(q.row, keyArgs)
        var before: [(String, JSONValue)] = []
        var after: [(String, JSONValue)] = []
        for (i, (c, v)) in zip(columns, values).enumerated() where c != "search_key" && old?[i] != v
        {
            before.append((c, JSONValue(old?[i] ?? .null)))
            after.append((c, JSONValue(v)))
        }
        try s.db.run(q.update, values + [.text(hash)] + keyArgs)
        if before.isEmpty { return .unchanged }
        try s.audit(target: target, before: .object(before), after: .object(after))
        return .updated
    }

    func school(_ r: SchoolRecord) throws -> RowStatus {
        try upsert(
            table: "schools", keyColumns: ["school_id"], key: [r.schoolID],
            columns: ["name", "status"], values: [.text(r.name), .text("active")],
            target: "school:\(r.schoolID)")
    }

    /// Creates (or updates) the household the first time an import names it; the first row
    /// to name it gives the household its address.
    func household(_ id: String, address g: GuardianRecord?, line: Int) throws {
        guard seen("household", id, line: line) == nil else { return }
        let exists =
            try !fresh.contains("households")
            && s.db.count(
                "SELECT count(*) FROM households WHERE district_id = ? AND household_id = ?",
                [.text(district), .text(id)]) > 0
        guard let g, g.hasAddress else {
            if !exists {
                try s.db.run(
                    "INSERT INTO households(district_id, household_id) VALUES (?,?)",
                    [.text(district), .text(id)])
                bump("households", .created)
            } else {
                bump("households", .unchanged)
            }
            return
        }
        let status = try upsert(
            table: "households", keyColumns: ["household_id"], key: [id],
            columns: ["street", "street2", "city", "state", "postcode"],
            values: [
                SQLValue(g.street), SQLValue(g.street2), SQLValue(g.city), SQLValue(g.state),
                SQLValue(g.postcode),
            ],
            target: "household:\(id)")
        bump("households", status)
    }

    func guardian(_ g0: GuardianRecord, line: Int) throws -> RowStatus {
        // A guardian merged into another stays merged: the SIS row is the same person as A.
        if mergedGuardians[g0.guardianID] != nil { return .unchanged }
        var g = g0
        g.householdID = canonicalHousehold(g.householdID)
        if let h = g.householdID { try household(h, address: g, line: line) }
        let key = g.searchKey.isEmpty ? g.foldedKey : g.searchKey
        return try upsert(
            table: "guardians", keyColumns: ["guardian_id"], key: [g.guardianID],
            columns: [
                "given_name", "family_name", "email", "phone", "street", "street2", "city", "state",
                "postcode", "birth_date", "household_id", "status", "search_key",
            ],
            values: [
                .text(g.givenName), .text(g.familyName), SQLValue(g.email), SQLValue(g.phone),
                SQLValue(g.street), SQLValue(g.street2), SQLValue(g.city), SQLValue(g.state),
                SQLValue(g.postcode), SQLValue(g.birthDate), SQLValue(g.householdID),
                .text(g.status), .text(key),
            ],
            target: "guardian:\(g.guardianID)")
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

    func student(_ st0: StudentRecord, line: Int) throws -> RowStatus {
        var st = st0
        st.householdID = canonicalHousehold(st.householdID)
        if let sc = st.schoolID, !(try schoolExists(sc)) {
            throw RowProblem("school_id", "unknown school (not in schools.csv or the district)")
        }
        if let h = st.householdID { try household(h, address: nil, line: line) }
        let key = st.searchKey.isEmpty ? st.foldedKey : st.searchKey
        return try upsert(
            table: "students", keyColumns: ["student_id"], key: [st.studentID],
            columns: [
                "given_name", "family_name", "middle_name", "birth_date", "grade", "school_id",
                "email",
                "household_id", "status", "search_key",
            ],
            values: [
                .text(st.givenName), .text(st.familyName), SQLValue(st.middleName),
                SQLValue(st.birthDate),
                SQLValue(st.grade), SQLValue(st.schoolID), SQLValue(st.email),
                SQLValue(st.householdID),
                .text(st.status), .text(key),
            ],
            target: "student:\(st.studentID)")
    }

    /// Writes a link whose guardian id the reader has already followed through merges.
    func link(_ l: LinkRecord) throws -> RowStatus {
        // The foreign keys check both ends; only when they refuse is it worth asking which end.
        do {
            return try upsert(
                table: "links", keyColumns: ["guardian_id", "student_id"],
                key: [l.guardianID, l.studentID],
                columns: ["relationship", "portal_access", "custodial", "status"],
                values: [
                    SQLValue(l.relationship), SQLValue(l.portalAccess), SQLValue(l.custodial),
                    .text("active"),
                ],
                target: "link:\(l.guardianID)/\(l.studentID)")
        } catch let e as SQLiteError where e.isConstraint {
            try explainLink(l)
            throw e
        }
    }

    private func explainLink(_ l: LinkRecord) throws {
        if try s.db.count(
            "SELECT count(*) FROM guardians WHERE district_id = ? AND guardian_id = ?",
            [.text(district), .text(l.guardianID)]) == 0
        {
            throw RowProblem(
                "guardian_id", "unknown guardian (not in guardians.csv or the district)")
        }
        if try s.db.count(
            "SELECT count(*) FROM students WHERE district_id = ? AND student_id = ?",
            [.text(district), .text(l.studentID)]) == 0
        {
            throw RowProblem("student_id", "unknown student (not in students.csv or the district)")
        }
    }

    // MARK: the end

    /// Per entity: its table, the kind its ids are claimed under, and its key columns.
    static let tables: [String: (table: String, kind: String, keys: [String])] = [
        "schools": ("schools", "school", ["school_id"]),
        "guardians": ("guardians", "guardian", ["guardian_id"]),
        "students": ("students", "student", ["student_id"]),
        "links": ("links", "link", ["guardian_id", "student_id"]),
    ]

    /// Called when the file of `entity` was read completely: in a full import, the district's
    /// active rows it left out are no longer enrolled. Notes them (marked at `close`) and lets
    /// go of the entity's ids.
    func completed(_ entity: String) throws {
        guard let t = Self.tables[entity] else { return }
        let met = seenIDs.removeValue(forKey: t.kind) ?? IDSet()
        // A table that held none of the district's rows before has nothing absent.
        guard !options.delta, options.maxRows == nil, !fresh.contains(t.table) else { return }
        var keys: [[SQLValue]] = []
        var active = 0
        try s.db.forEach(
            "SELECT \(t.keys.joined(separator: ", ")) FROM \(t.table) WHERE district_id = ? AND status = 'active'",
            [.text(district)]
        ) { r in
            active += 1
            if !met.contains(r.values.map { $0.string ?? "" }.joined(separator: "\u{1f}")) {
                keys.append(r.values)
            }
        }
        if !keys.isEmpty { absent[entity] = (keys, active) }
    }

    /// Marks the rows `completed` found absent inactive (never deleting them), after asking
    /// when there are many; then writes the summary audit row.
    func close(format: String, files: [String]) throws -> ImportSummary {
        let order = ["schools", "households", "guardians", "students", "links"]
        let pending = order.compactMap { e in absent[e].map { (e, $0.keys.count, $0.active) } }
        if !pending.isEmpty { try hooks.confirmInactivation(pending) }
        for (entity, rows) in absent {
            let t = Self.tables[entity]!
            let update = try s.db.statement(
                "UPDATE \(t.table) SET status = 'inactive', row_hash = NULL WHERE district_id = ? AND "
                    + t.keys.map { "\($0) = ?" }.joined(separator: " AND "))
            for k in rows.keys { try s.db.run(update, [.text(district)] + k) }
            counts[entity, default: EntityCounts()].inactivated += rows.keys.count
        }
        let summary = ImportSummary(
            entities: order.map { ($0, counts[$0] ?? EntityCounts()) }, notes: notes, format: format
        )
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
