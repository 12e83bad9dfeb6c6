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
        /// A line its stored row was made from (see `LineHash`): no row is made; what it
        /// names besides itself comes with it, as read.
        case sameLine(SameLine)
        /// Links of a first import, whole and in key order, each its row's arguments: written
        /// as they are (see `RosterWriter.writeRun`).
        case linkRun([PackedArguments])
        /// Links the district holds, found unchanged, in key order: marked met as they are
        /// (see `RosterWriter.writeHeldLinks`).
        case heldLinks([HeldLink])
        /// Lines of a native links file the district holds unchanged, in the file's order:
        /// marked met as they are (see `RosterWriter.writeHeldLines`).
        case heldLines(HeldLines)
    }

    /// What a line found unchanged names besides its own row: a guardian's or student's
    /// household, a student's school. The record stays, for the writer to make the row after
    /// all when a guardian's household needs its address (see `RosterWriter.remade`); a
    /// OneRoster link found unchanged, which has no line, comes with an empty one.
    struct SameLine {
        let record: CSVRecord
        var household: String? = nil
        var school: String? = nil
    }
    /// What the row counts as: a table's name, or for a row of no table (a OneRoster user of
    /// another role, or one whose role cannot be told) the file's kind of row.
    let entity: String
    let table: RosterTable?
    let file: String
    let line: Int
    /// The id as reported (`guardian/student` for a link).
    var id: String { givenID ?? (claim ?? "").replacing("\u{1f}", with: "/") }
    /// The id as given; nil for a link whose claim spells it (its guardian not followed
    /// through a merge): a OneRoster link's id is wanted only when it is reported, and making
    /// it for every link was a tenth of the work of the thread that makes them.
    private let givenID: String?
    /// The column named when the id is a duplicate.
    let idField: String
    /// The id the row names in its table (`guardian␟student` for a link), when it is usable: it
    /// counts as present in the import (so a full import does not mark it inactive) even when
    /// another field is wrong.
    let claim: String?
    /// The claim names a guardian merged away, followed to the one kept (a link only).
    let viaMerge: Bool
    /// A OneRoster link's ends as its users are numbered (see `RosterWriter.People.exist`).
    var ends: UserPair?
    /// A row made from others (a OneRoster link, from a user's agentSourcedIds or a line of
    /// relationships.csv): the file and line that named it, where it is reported. (`line`
    /// stays 0: the row is no line of its own.)
    var namedOn: (file: String, line: Int)?
    /// Where the row is reported: its own file and line, or the line that named it.
    var reportedAt: (file: String, line: Int) { namedOn ?? (file, line) }
    /// A link one of whose ends the file does not give (a delta naming the district's own):
    /// created when missing, never changed, as one named through a merged guardian.
    var keepsStored = false
    /// The claim's slot among the rows of its table the district held (`KnownRows`), when the
    /// thread that made the row found it there (-1: not looked up, or not held surely): the
    /// writer then need not look it up again.
    var knownSlot = -1
    /// What the reader made of it, until `prepare` turns it into what the writer needs.
    private var payload: Payload?
    /// The row as read and its file's header, kept for the results file.
    var input: (columns: [String], fields: [String])?
    /// Optional values that were bad and left out: the row is imported without them.
    var warnings: [RowProblem] = []
    /// The hash of the line, when nothing in it was wrong (see `LineHash`), and of a native
    /// guardian's address as the line gives it: stored as the row's and the household's.
    var lineHash: UInt64?
    var addressHash: UInt64?
    /// Read out of its file's order (see `RankedLines`): its reports are held, to be told in
    /// the order of the lines.
    var readOutOfOrder = false
    /// The claim's number in the numbering the sets of ids met keep OneRoster's users by
    /// (`IDSet.number(elsewhere:)`), spelled as there, when the reader knew it (-1 otherwise).
    var claimNumber: Int32 = -1
    /// The number of the guardian who names the row's household (see `UserFacts`), -1 when not
    /// known: a household written in key order after the rows (`RosterWriter.householdsNamed`).
    var householdNamer: Int32 = -1
    /// (Kept, not told from `payload`: comparing that with nil copied all its bytes, for
    /// every row the writer wrote.)
    private(set) var isPrepared = false
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
    /// A link whose guardian and student both exist, written earlier in this import or held
    /// by the district (looked up on the reading thread, so the writer need not).
    private(set) var endsExist = false
    private(set) var problem: RowProblem?
    private(set) var skipped: String?
    /// The record of a line found unchanged (`row` is then nil).
    private(set) var sameLine: CSVRecord?
    /// Links written together, the row standing for them all (`Payload.linkRun`).
    private(set) var linkRun: [PackedArguments]?
    /// The district's links found unchanged together (`Payload.heldLinks`, `.heldLines`).
    private(set) var heldLinks: [HeldLink]?
    private(set) var heldLines: HeldLines?

    /// `table`: the table `entity` names, when the caller knows it (it saves a look-up a row).
    init(
        entity: String, table: RosterTable? = nil, file: String, line: Int, id: String?,
        idField: String, claim: String?, viaMerge: Bool = false, payload: Payload
    ) {
        self.entity = entity
        self.table = table ?? RosterTable(rawValue: entity)
        self.file = file
        self.line = line
        self.givenID = id
        self.idField = idField
        self.claim = claim
        self.viaMerge = viaMerge
        self.payload = payload
    }

    /// Moves the row out (nil after), for the writer to borrow it without copying (see
    /// `RosterWriter.process`); `putBack` moves it back.
    func takeRow() -> TableRow? { row.take() }
    func putBack(_ row: consuming TableRow) { self.row = row }

    /// Lets go of what writing the row would take, for a row that is only to be reported
    /// (a repeat held until its file is read again).
    func letGoOfRow() {
        row = nil
        householdRow = nil
        sameLine = nil
    }

    /// Follows merges, computes the search key, the values and their hash: work done on the
    /// reading thread to spare the writer. Reads only what does not change during an import;
    /// `people`: where a link's ends are looked up.
    func prepare(_ w: RosterWriter, _ people: RosterWriter.People) {
        // Moved out and consumed: a copy of the record's dozen strings, then two releases of
        // them, was a tenth of the work of the threads that make rows.
        guard let p = payload.take() else { return }
        isPrepared = true
        switch consume p {
        case .school(let x): row = x.tableRow(line: lineHash)
        case .guardian(var g):
            g.householdID = w.canonicalHousehold(g.householdID)
            row = g.tableRow(line: lineHash)
            household = g.householdID
            if let h = household, g.hasAddress {
                householdRow = g.householdRow(h, line: addressHash)
            }
            mergedAway = w.isMergedAway(g.guardianID)
        case .student(var st):
            st.householdID = w.canonicalHousehold(st.householdID)
            row = st.tableRow(line: lineHash)
            household = st.householdID
            school = st.schoolID
        case .link(let l):
            row = l.tableRow(line: lineHash)
            endsExist = people.exist(guardian: l.guardianID, student: l.studentID, numbers: ends)
        case .linkRun(let run): linkRun = run
        case .heldLinks(let run): heldLinks = run
        case .heldLines(let run): heldLines = run
        case .rejected(let why): problem = why
        case .skipped(let why): skipped = why
        case .sameLine(let same):
            sameLine = same.record
            household = w.canonicalHousehold(same.household)
            school = same.school
            if table == .guardians { mergedAway = w.isMergedAway(claim ?? "") }
            // The district held the link, stored from this very line, and no guardian or
            // student row is ever deleted: both ends are held still (two look-ups a link
            // spared on the thread that makes rows).
            if table == .links { endsExist = true }
        }
    }
}

/// A OneRoster link the district holds, found unchanged (its key and its role's hash), not
/// named through a merge: what `RosterWriter.writeHeldLinks` marks met, and the row it would
/// have been (`row`).
struct HeldLink {
    /// The link's key (`guardian␟student`) and its slot among the district's links.
    let claim: String
    let slot: Int
    /// The file and line that named it (line 0: none).
    let file: String
    let line: Int32

    /// The link as a row of its own, found unchanged.
    func row() -> PendingRow {
        let r = PendingRow(
            entity: "links", table: .links, file: "users.csv", line: 0, id: nil,
            idField: "agentSourcedIds", claim: claim,
            payload: .sameLine(
                PendingRow.SameLine(record: CSVRecord(line: 0, fields: [], problem: nil))))
        if line > 0 { r.namedOn = (file, Int(line)) }
        r.knownSlot = slot
        return r
    }
}

/// Lines of a native links file whose links the district holds, stored from those very lines,
/// none named through a merge, or of a OneRoster bundle's users.csv whose guardians and
/// students the district holds so (`appendUser`): what `RosterWriter.writeHeldLines` marks
/// met, in the file's order. Each line's key (a link's `guardian␟student`, a user's id) is
/// kept as its bytes, one after another (made on the thread that makes rows and let go of on
/// the writer's: a few blocks of memory a run, not a string a line), with its slot among the
/// district's rows and its line.
struct HeldLines {
    let file: String
    private var keys: [UInt8] = []
    private var lines: [(end: Int, slot: Int, line: Int)] = []
    /// Each user's line, what it names besides its own row as `PendingRow.SameLine` gives it
    /// (empty for a links file).
    private var users: [HeldUser] = []

    /// A user of a line found unchanged: the row's table, its number and household namer (see
    /// `PendingRow.claimNumber`, `.householdNamer`), its household and school as read.
    struct HeldUser {
        let table: RosterTable
        let number: Int32
        let namer: Int32
        let household: String?
        let school: String?
    }

    init(file: String) { self.file = file }

    var count: Int { lines.count }
    var isEmpty: Bool { lines.isEmpty }
    var lastLine: Int { lines.last?.line ?? 0 }

    /// Adds the line of the link from `guardian` to `student`, in `slot`.
    mutating func append(
        _ guardian: UnsafeBufferPointer<UInt8>, _ student: UnsafeBufferPointer<UInt8>,
        slot: Int, line: Int
    ) {
        keys.append(contentsOf: guardian)
        keys.append(0x1f)
        keys.append(contentsOf: student)
        lines.append((keys.count, slot, line))
    }

    /// Adds the line of a user the district holds in `slot` (of `user.table`), spelled `id`.
    mutating func appendUser(
        _ id: UnsafeBufferPointer<UInt8>, _ user: HeldUser, slot: Int, line: Int
    ) {
        keys.append(contentsOf: id)
        lines.append((keys.count, slot, line))
        users.append(user)
    }

    /// The lines are users' (`appendUser`), not links.
    var holdsUsers: Bool { !users.isEmpty }
    func user(_ k: Int) -> HeldUser { users[k] }
    func slot(_ k: Int) -> Int { lines[k].slot }
    func line(_ k: Int) -> Int { lines[k].line }

    /// `body` with the bytes of line `k`'s key (a link's `guardian␟student`, a user's id).
    func withKey<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = k == 0 ? 0 : lines[k - 1].end
        return try keys.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[start..<lines[k].end]))
        }
    }

    /// Line `k` as the row its line makes (`NativeFormat.parse`, a OneRoster user's as
    /// `OneRosterBundle.run` makes it): to be written as any row when it is not only to be
    /// marked met (a repeat of an earlier one, a guardian merged away...).
    func row(_ k: Int) -> PendingRow {
        let line = lines[k].line
        let key = withKey(k) { String(decoding: $0, as: UTF8.self) }
        let record = CSVRecord(line: line, fields: [], problem: nil)
        let r: PendingRow
        if holdsUsers {
            let user = users[k]
            r = PendingRow(
                entity: user.table.rawValue, table: user.table, file: file, line: line, id: key,
                idField: "sourcedId", claim: key,
                payload: .sameLine(
                    PendingRow.SameLine(
                        record: record, household: user.household, school: user.school)))
            r.claimNumber = user.number
            r.householdNamer = user.namer
        } else {
            r = PendingRow(
                entity: "links", table: .links, file: file, line: line, id: nil,
                idField: "guardian_id/student_id", claim: key,
                payload: .sameLine(PendingRow.SameLine(record: record)))
        }
        r.knownSlot = lines[k].slot
        return r
    }
}
