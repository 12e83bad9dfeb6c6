/// Writing rows: one upsert per table, comparing the stored hash first.
extension RosterWriter {
    func sql(_ t: RosterTable) throws -> UpsertSQL {
        if let c = sqlCache[t.index] { return c }
        let whereClause = (["district_id"] + t.keyColumns).map { "\($0) = ?" }.joined(
            separator: " AND ")
        let cols = t.writtenColumns
        let into = staged[t.index] ? t.stagingTable : t.rawValue
        let values = "(" + cols.map { _ in "?" }.joined(separator: ",") + ")"
        let c = UpsertSQL(
            hash: try s.db.statement("SELECT row_hash FROM \(t.rawValue) WHERE \(whereClause)"),
            row: try s.db.statement(
                "SELECT \(t.columns.joined(separator: ", ")) FROM \(t.rawValue) WHERE \(whereClause)"
            ),
            insert: try s.db.statement(
                "INSERT INTO \(into)(\(cols.joined(separator: ","))) VALUES \(values)"),
            update: try s.db.statement(
                "UPDATE \(t.rawValue) SET \(t.columns.map { "\($0) = ?" }.joined(separator: ", ")), row_hash = ? WHERE \(whereClause)"
            ),
            // OR FAIL: a statement of many rows that may abort keeps a journal of its own
            // (every page it changes copied first, to undo the statement alone), which no
            // insert here needs: none can meet a key, and a failure fails the import.
            // https://www.sqlite.org/lang_conflict.html
            // The district is the first argument of every row, bound once (`?1`).
            insertMany: try s.db.statement(
                "INSERT OR FAIL INTO \(into)(\(cols.joined(separator: ","))) VALUES "
                    + (0..<Self.insertRows).map { i in
                        "(?1,"
                            + (1..<cols.count).map { "?\(1 + i * (cols.count - 1) + $0)" }
                            .joined(separator: ",") + ")"
                    }.joined(separator: ",")))
        sqlCache[t.index] = c
        return c
    }

    /// Insert, update (with an audit row naming the changed fields) or leave unchanged, deciding
    /// by the row's hash so that an unchanged row costs one indexed read. Arguments are bound
    /// one by one: this runs once per input row.
    func upsert(
        _ t: RosterTable, _ row: TableRow, changing: Bool = true, target: (TableRow) -> String
    ) throws -> RowStatus {
        if fresh[t.index] { try stageIfRandom(t) }
        let q = try sql(t)
        // The district's rows in memory: unchanged without a look-up, and a row it did not
        // hold is inserted straight away (unless this import wrote it already: a link named
        // first through a merged guardian; the insert then meets the key, and the look-up
        // below settles it).
        if let known = known[t.index] {
            if let i = known.slot(key: row.arguments, count: row.keyCount) {
                if !known.isAmbiguous(i) && known.isUnchanged(i, row) { return .unchanged }
            } else {
                do {
                    try insert(row, q)
                    return .created
                } catch let e as SQLiteError where e.isPrimaryKeyConflict {}
            }
        }
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
        if fresh[t.index] && t != .schools && !(t == .links && linksByKey && !linksUnique) {
            try insertSoon(t, row.arguments)
            return .created
        }
        do {
            try insert(row, q)
        } catch let e as SQLiteError where e.isPrimaryKeyConflict && t == .links && linksByKey {
            throw RepeatedKey()
        }
        return .created
    }

    private func insert(_ row: TableRow, _ q: UpsertSQL) throws { try insert(row.arguments, q) }

    private func insert(_ arguments: PackedArguments, _ q: UpsertSQL) throws {
        try s.db.run(q.insert) { (st: Statement) in
            try st.bind(districtArgument, from: 1)
            try st.bind(arguments, from: 2)
        }
    }

    /// Rows a statement inserts at once into a table that held none of the district's rows:
    /// each execution of an insert opens its table and looks for the row's place from the
    /// root, where one inserting many keeps its cursor from row to row (measured in C with
    /// SQLite, 320,000 links in key order: 14,450 instructions a row one at a time, 9,045 in
    /// 32s, 8,885 in 128s).
    static let insertRows = 32

    /// Inserts a row (its arguments after the district) with others, `insertRows` at a time,
    /// into a table that held none of the district's rows and whose keys are unique by then
    /// (the ids met tell repeats before the insert, the links filter or the ids met a link's;
    /// only links told apart by key may meet one, and OneRoster's are unique): no insert can
    /// fail on a row's key, so the row counts as created now. Nothing reads such a table
    /// while rows are written, and the rows still waiting are inserted at the end of each
    /// batch written and before each commit of `--batch-size` (`insertWaiting`). The writer
    /// keeps the rows, and so the text bound in place, until then.
    func insertSoon(_ t: RosterTable, _ row: PackedArguments) throws {
        soon[t.index].append(row)
        guard soon[t.index].count == Self.insertRows else { return }
        try soon[t.index].withUnsafeBufferPointer { try insertMany(t, $0) }
        soon[t.index].removeAll(keepingCapacity: true)
    }

    /// Inserts `insertRows` rows at once (see `insertSoon`), their arguments read where they
    /// are: a copy of each was two retains and two releases on this thread of objects the
    /// threads making rows made.
    func insertMany(_ t: RosterTable, _ rows: UnsafeBufferPointer<PackedArguments>) throws {
        let q = try sql(t)
        let width = rows[0].count
        // (`run` clears the bindings after each run: a NULL need not be bound.)
        try s.db.run(q.insertMany) { (st: Statement) in
            try st.bind(districtArgument, from: 1)
            for i in rows.indices {
                try st.bind(rows[i], from: 2 + i * width, cleared: true)
            }
        }
    }

    /// Inserts the rows still waiting, one at a time.
    func insertWaiting() throws {
        for t in RosterTable.allCases where !soon[t.index].isEmpty {
            let q = try sql(t)
            for row in soon[t.index] { try insert(row, q) }
            soon[t.index].removeAll(keepingCapacity: true)
        }
    }

    /// Rewrites a row whose hash differs, and records in the audit log which fields changed.
    /// The columns the files do not give (`keptColumns`) keep their stored values. The hash
    /// stored is the row's as made (its line's): the same input next time is unchanged by it.
    func update(
        _ t: RosterTable, _ row: TableRow, _ q: UpsertSQL, target: (TableRow) -> String
    ) throws -> RowStatus {
        let keyArgs = [SQLValue.text(district)] + row.key.map { SQLValue.text($0) }
        let old = try s.db.first(q.row, keyArgs)
        var values = Array(row.values)
        if let old, !keptColumns[t.index].isEmpty {
            for (i, c) in t.columns.enumerated() where keptColumns[t.index].contains(c) {
                values[i] = old[i]
            }
        }
        var before: [(String, JSONValue)] = []
        var after: [(String, JSONValue)] = []
        for (i, (c, v)) in zip(t.columns, values).enumerated()
        where c != "search_key" && old?[i] != v {
            before.append((c, JSONValue(old?[i] ?? .null)))
            after.append((c, JSONValue(v)))
        }
        try s.db.run(q.update, values + [.text(row.hash)] + keyArgs)
        if before.isEmpty { return .unchanged }
        try s.audit(target: target(row), before: .object(before), after: .object(after))
        return .updated
    }

    /// Creates (or updates) the household the first time an import names it; the first row
    /// to name it gives the household its address (the row a guardian's address gives). A
    /// guardian's line found unchanged gives it unchanged when the address stored is the one
    /// that line gives (by its hash), and otherwise makes its row after all. A household
    /// without an address, this import's or the district's, whose first guardian here gave
    /// none (a parent listed without one before the other) takes the first address a later
    /// guardian gives, at `close` (see `addressLater`).
    func household(_ id: String, of r: PendingRow) throws {
        try household(
            id, line: r.line, table: r.table, namer: r.householdNamer, sameLine: r.sameLine != nil,
            addressHash: r.addressHash
        ) { try r.sameLine != nil ? remade(r)?.householdRow : r.householdRow }
    }

    /// `household(_:of:)` of a row given by its parts: its line, table, household namer,
    /// whether its line was found unchanged and its address's hash; `address`: the household
    /// row its address gives (a line found unchanged: its row made after all). (Inlined into
    /// both callers: called, with `address` a closure, a native re-import took 0.6% more
    /// instructions, retains and releases of the row.)
    @inline(__always) func household(
        _ id: String, line: Int, table: RosterTable?, namer: Int32, sameLine: Bool,
        addressHash: UInt64?, address: () throws -> TableRow?
    ) throws {
        let t = RosterTable.households
        // A first import's household named by its guardian's number: told new by that number,
        // written a slice before each batch of rows (see `householdsNamed`; OneRoster gives no
        // address).
        if householdsNamed != nil && namer >= 0 {
            if householdsNamed?[Int(namer)] == false {
                householdsNamed?[Int(namer)] = true
                counts[t.index].add(.created)
            }
            return
        }
        guard try seenIDs[t.index].insert(id, line: line) == nil else {
            if !addressLater.isEmpty && table == .guardians && addressLater.contains(id),
                let address = try address()
            {
                addressLater.remove(id)
                addressGiven.append(address)
            }
            return
        }
        let status: RowStatus
        let sameGuardian = sameLine && table == .guardians && addressHash != nil
        if sameGuardian, let a = addressHash, known[t.index]?.keys.holds(id, hash: a) == true {
            status = .unchanged
        } else if let address = try sameGuardian || !sameLine ? address() : nil {
            // (A line found unchanged without its address's hash: no address of its own.)
            status = try upsert(t, address) { _ in "household:\(id)" }
        } else if try !fresh[t.index] && held(t, id) {
            status = .unchanged
            if table == .guardians && addressLater.count < Self.addressLaterLimit
                && guardiansGiveAddresses, try heldWithoutAddress(id)
            {
                addressLater.insert(id)
                heldWithout.insert(id)
            }
        } else {
            if fresh[t.index] {
                try stageIfRandom(t)
                try insertSoon(t, PackedArguments([.text(id)] + Self.noAddress))
            } else {
                try s.db.run(
                    "INSERT INTO households(district_id, household_id) VALUES (?,?)",
                    [.text(district), .text(id)])
            }
            status = .created
            if table == .guardians && addressLater.count < Self.addressLaterLimit
                && guardiansGiveAddresses
            {
                addressLater.insert(id)
            }
        }
        try seenIDs[t.index].markLastWritten()
        counts[t.index].add(status)
    }

    /// The households `addressLater` holds at most (about 5 MB of ids): beyond, one created
    /// without an address keeps none, as before.
    static let addressLaterLimit = 65_536

    /// Whether the district holds household `id` with no address at all.
    func heldWithoutAddress(_ id: String) throws -> Bool {
        try s.db.first(
            """
            SELECT 1 FROM households WHERE district_id = ? AND household_id = ?
                AND coalesce(street, street2, city, state, postcode) IS NULL
            """, [.text(district), .text(id)]) != nil
    }

    /// Gives the households without an address the address a later guardian gave (see
    /// `household`), once their rows are in their table: one the district held is updated
    /// as any row (audited, and counted updated instead of unchanged).
    func giveLaterAddresses() throws {
        guard !addressGiven.isEmpty else { return }
        let q = try sql(.households)
        let h = RosterTable.households.index
        for row in addressGiven {
            let values = row.arguments.values
            let id = values[0].string ?? ""
            if heldWithout.contains(id) {
                if try update(.households, row, q, target: { _ in "household:\(id)" }) == .updated {
                    counts[h].unchanged -= 1
                    counts[h].updated += 1
                }
            } else {
                // The upsert's own update: the address, the hash, then the key.
                try s.db.run(q.update, Array(values.dropFirst()) + [.text(district), values[0]])
            }
        }
        addressGiven = []
        addressLater = []
        heldWithout = []
    }

    /// A household's columns after its id when no address gives them: the address and the
    /// hash (none).
    static let noAddress = [SQLValue](
        repeating: .null, count: RosterTable.households.writtenColumns.count - 2)

    /// Before a guardian's row is written (or found unchanged): its household, which the
    /// reader has already followed through merges. False for a guardian merged away, whose row
    /// is not written.
    func guardianIsWritten(_ r: PendingRow) throws -> Bool {
        if r.mergedAway { return false }
        if let h = r.household { try household(h, of: r) }
        return true
    }

    /// The row of a line found unchanged, made after all: a guardian's household needs the
    /// address the line gives.
    func remade(_ r: PendingRow) throws -> PendingRow? {
        guard let rec = r.sameLine, let made = try remake?(rec) else { return nil }
        made.prepare(self, people())
        return made
    }

    func schoolExists(_ id: String) throws -> Bool {
        if knownSchools.contains(id) { return true }
        guard
            try s.db.count(
                "SELECT count(*) FROM schools WHERE district_id = ? AND school_id = ?",
                [.text(district), .text(id)]) > 0
        else { return false }
        knownSchools.insert(id)
        return true
    }

    /// Before a student's row is written (or found unchanged): its school exists (the import
    /// runs with foreign keys off), and its household, which the reader has already followed
    /// through merges.
    func checkStudent(_ r: PendingRow) throws {
        if let sc = r.school, !(try schoolExists(sc)) {
            throw RowProblem("school_id", unknown("school", r))
        }
        if let h = r.household { try household(h, of: r) }
    }

    /// Why the school, guardian or student a row names is unknown: no row of the import gave it
    /// (a rejected one does not), and the district has none. Names the file such rows come
    /// from in the bundle's format (OneRoster's users and orgs, or the native files).
    private func unknown(_ kind: String, _ r: PendingRow) -> String {
        let native = NativeFormat.files.contains { $0.name == r.file }
        let file = native ? kind + "s.csv" : kind == "school" ? "orgs.csv" : "users.csv"
        return "unknown \(kind) (not imported from \(file), nor in the district)"
    }

    /// Before a link's row is written (its guardian already followed through merges): both of
    /// its ends exist (`row` nil: its line was found unchanged).
    func checkLinkEnds(_ r: PendingRow, _ row: TableRow?) throws {
        if !r.endsExist {
            let (guardian, student) = row.map(Self.ends) ?? Self.ends(r.claim ?? "")
            guard try exists(.guardians, guardian) else {
                throw RowProblem(
                    "guardian_id",
                    unknown("guardian", r) + (try nearEnd(.guardians, guardian, other: student)))
            }
            guard try exists(.students, student) else {
                throw RowProblem(
                    "student_id",
                    unknown("student", r) + (try nearEnd(.students, student, other: guardian)))
            }
        }
    }

    /// A link's audit target.
    static func linkTarget(_ row: TableRow) -> String {
        let (guardian, student) = ends(row)
        return "link:\(guardian)/\(student)"
    }

    /// What a link's end that does not exist may have meant, for its row's message: the
    /// district's id in another case ("g1000001" for G1000001), or both ends the other way
    /// round (a row whose guardian_id is a student's and student_id a guardian's: its columns
    /// swapped). Looked up only for a row rejected so.
    func nearEnd(_ t: RosterTable, _ id: String, other: String) throws -> String {
        let otherTable: RosterTable = t == .guardians ? .students : .guardians
        if !id.isEmpty, try exists(otherTable, id), try exists(t, other) {
            return "; '\(id)' is a \(otherTable.kind)'s id and '\(other)' a \(t.kind)'s:"
                + " are guardian_id and student_id swapped?"
        }
        for spelling in [id.uppercased(), id.lowercased()] where spelling != id {
            if try exists(t, spelling) { return "; did you mean '\(spelling)'?" }
        }
        return ""
    }

    /// A link's guardian and student, from its row or its key.
    static func ends(_ row: TableRow) -> (String, String) {
        (row.arguments.value(0).string ?? "", row.arguments.value(1).string ?? "")
    }
    static func ends(_ key: String) -> (String, String) {
        let ends = linkEnds(key)
        return (ends[0], ends.count == 2 ? ends[1] : "")
    }

    /// Holds the guardians and students met by the numbers `ids` gives them (a OneRoster
    /// bundle's users, numbered in its first reading), not whole: see `IDSet.number`.
    func numberPeople(by ids: Interner) {
        for t in [RosterTable.guardians, .students] { seenIDs[t.index].number(elsewhere: ids) }
    }

    /// The guardians and students a link's ends are looked up among on the reading thread.
    /// (An object, not a value: each closure making rows that named it copied both sets, a
    /// dozen arrays retained and released, for every link.)
    final class People {
        /// Copies of the sets of those met so far (no file being read changes them).
        let guardians: IDSet
        let students: IDSet
        /// The keys of the district's guardians and students when the import began, when kept
        /// (see `KnownRows.keys`).
        let held: (guardians: KnownRows.Keys?, students: KnownRows.Keys?)

        init(
            guardians: IDSet, students: IDSet,
            held: (guardians: KnownRows.Keys?, students: KnownRows.Keys?)
        ) {
            self.guardians = guardians
            self.students = students
            self.held = held
        }

        /// Whether both ends of a link surely exist, as `exists` would say: held by the
        /// district (asked first: in a re-import nearly every end is) or written earlier in
        /// this import. False: the writer looks. `numbers`: the ends' numbers in the numbering
        /// the sets keep OneRoster's users by (`numberPeople`), which spares packing, hashing
        /// and finding each id again (two looked up a link).
        func exist(guardian: String, student: String, numbers: UserPair? = nil) -> Bool {
            (held.guardians?.holds(guardian) == true
                || numbers.flatMap { guardians.written(elsewhere: Int($0.guardian)) }
                    ?? guardians.written(guardian))
                && (held.students?.holds(student) == true
                    || numbers.flatMap { students.written(elsewhere: Int($0.student)) }
                        ?? students.written(student))
        }

        /// `exist` of ends spelled by these UTF-8 bytes (`numbers` as there), when the district
        /// held no guardian or student (nil: ask with the ids' strings).
        func exist(
            guardian: UnsafeBufferPointer<UInt8>, student: UnsafeBufferPointer<UInt8>,
            numbers p: UserPair
        ) -> Bool? {
            guard held.guardians == nil, held.students == nil else { return nil }
            return
                (guardians.written(elsewhere: Int(p.guardian))
                ?? guardians.written(utf8: guardian))
                && (students.written(elsewhere: Int(p.student)) ?? students.written(utf8: student))
        }
    }

    /// The guardians and students met so far in this import, and `forLinks` (once both are
    /// written), the keys of those the district held. In a re-import nearly every link's ends
    /// are among those: looked up on the reading thread instead of twice on the writer's (the
    /// thread that bounded the links), a re-import of 20,000 students with UUIDs took 3,081 ->
    /// 2,850 M instructions, and of 300,000 (alternated) 4.76 -> 4.12 s.
    func people(forLinks: Bool = false) -> People {
        let g = RosterTable.guardians.index
        let s = RosterTable.students.index
        return People(
            guardians: seenIDs[g], students: seenIDs[s],
            held: forLinks ? (known[g]?.keys, known[s]?.keys) : (nil, nil))
    }

    /// Whether the district has the guardian or student `id`: written by this import (known to
    /// the ids met, in memory or moved to disk: all there is when the table held none of the
    /// district's rows before, and its rows may still be staged), or already in the database.
    func exists(_ t: RosterTable, _ id: String) throws -> Bool {
        if seenIDs[t.index].written(id) { return true }
        if fresh[t.index] { return try seenIDs[t.index].wasWritten(id) }
        return try held(t, id)
    }

    /// Whether the district has the row of `id` in `t` (a household, guardian or student):
    /// held when the import began, or written by it since.
    func held(_ t: RosterTable, _ id: String) throws -> Bool {
        if let known = known[t.index] {
            guard let i = known.slot(key: [.text(id)]) else {
                return try seenIDs[t.index].wasWritten(id)
            }
            if !known.isAmbiguous(i) { return true }
        }
        // A statement of its own, bound in place: a re-import of numbered files asks this of
        // every household a student names (a re-import of 20k students' OneRoster files took
        // 3,089 -> 3,031 M instructions).
        let q =
            try heldSQL[t.index]
            ?? s.db.statement(
                "SELECT 1 FROM \(t.rawValue) WHERE district_id = ? AND \(t.kind)_id = ?")
        heldSQL[t.index] = q
        var id = id
        return try id.withUTF8 { u in
            try s.db.firstValue(q) {
                try $0.bind(districtArgument, from: 1)
                try $0.set(2, text: u)
            } != nil
        }
    }

}
