/// A string's number and the first bytes of its text, as `Interner.ranks` sorts them.
struct RankedID: Comparable {
    let head: UInt64
    let n: Int32
    static func < (a: RankedID, b: RankedID) -> Bool { (a.head, a.n) < (b.head, b.n) }

    /// Sorts `ids` as `sort()` would when they come in the order of their numbers: by their
    /// heads, a byte at a time from the last (a radix sort, which keeps the order of equal
    /// heads), passing over a byte that every head has alike. A comparison sort of 190,000
    /// ids (100,000 students with UUIDs) took 20 ms, on the thread the writer then waits for.
    static func sortByHeads(_ ids: inout [RankedID]) {
        guard ids.count > 1 else { return }
        // How many heads have each value of each byte, all eight counted at once.
        var counts = [Int](repeating: 0, count: 8 * 256)
        for e in ids {
            for b in 0..<8 {
                counts[b << 8 | Int(truncatingIfNeeded: e.head >> (b * 8)) & 255] += 1
            }
        }
        var other = ids
        for b in 0..<8 where !counts[b << 8..<(b + 1) << 8].contains(ids.count) {
            var next = [Int](repeating: 0, count: 256)
            var at = 0
            for v in 0..<256 {
                next[v] = at
                at += counts[b << 8 | v]
            }
            for e in ids {
                let v = Int(truncatingIfNeeded: e.head >> (b * 8)) & 255
                other[next[v]] = e
                next[v] += 1
            }
            swap(&ids, &other)
        }
    }
}

/// Strings kept once each and numbered in the order first met: their bytes one after another in
/// one buffer (a UUID in 17, see `CompactID`), and an open-addressing table of their numbers,
/// each beside its string's hash, at most three quarters full. About 15 to 25 bytes a string
/// besides its own, where a dictionary of strings takes some 80 (and a heap block for each
/// string longer than 15 bytes, as a GUID is).
///
/// A UUID is one string whatever its case (`CompactID.caselessKey`), spelled as first met
/// until `respell`; `find(packed:)` alone tells the cases apart.
struct Interner {
    private var bytes: [UInt8] = []
    /// Where string `n` starts in `bytes`; it ends where `n + 1` starts.
    private var starts: [UInt32] = [0]
    /// Each string's hash (`foldedFNV1a`) in the high half, its number + 1 in the low; 0 for
    /// an empty slot. With the number alone, every slot passed on the way to a string (eight on
    /// average for one not there yet, at three quarters full) read where a string starts, a
    /// miss of the cache each: a twentieth of a OneRoster import's work.
    private var slots = [UInt64](repeating: 0, count: 64)
    /// Whether a UUID was ever met, or respelled, in a case other than the one kept for it.
    /// Until one is, every spelling numbered is the one kept (see `spells(_:asNumbered:)`).
    private(set) var metInAnotherCase = false

    var count: Int { starts.count - 1 }

    /// The number of `s`, added if new.
    mutating func number(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { number(utf8: $0) }
    }

    /// The number of the string whose UTF-8, or compact form (`CompactID`), is `u`, added if
    /// new.
    mutating func number(utf8 u: UnsafeBufferPointer<UInt8>) -> Int {
        CompactID.with(u) { u in
            let h = Self.hash(u)
            if let n = find(packed: u, hash: h, caseless: true) {
                // (Its bytes just compared: in the cache.)
                if !metInAnotherCase && !spells(n, u) { metInAnotherCase = true }
                return n
            }
            if (count + 1) * 4 > slots.count * 3 { grow() }
            let n = count
            bytes.append(contentsOf: u)
            starts.append(UInt32(bytes.count))
            place(n, h)
            return n
        }
    }

    /// The number of `s`, if it was added.
    func find(_ s: String) -> Int? { lookUp(s)?.n }

    /// The number of `s`, if it was added, and whether `s` spells it in the case it has.
    func lookUp(_ s: String) -> (n: Int, sameCase: Bool)? {
        var s = s
        return s.withUTF8 {
            CompactID.with($0) { u in
                find(packed: u, hash: Self.hash(u), caseless: true).map { ($0, spells($0, u)) }
            }
        }
    }

    /// Whether `s`, a spelling of string `n` that was numbered (`number`), spells it in the
    /// case it has: surely, while no UUID was met in another case. (This runs for every row
    /// of users.csv, whose users are numbered at random places: where a string starts and its
    /// first byte, two misses of the cache, were nine tenths of the time that a first import
    /// of 100,000 students with UUIDs took to look up each user's facts.)
    func spells(_ n: Int, asNumbered s: String) -> Bool {
        guard metInAnotherCase else { return true }
        // `s`'s case told without packing it.
        var s = s
        return s.withUTF8 { CompactID.caseTag($0).map { $0 == bytes[Int(starts[n])] } ?? true }
    }

    /// `spells(n, as:)` of the packed string `u` (a packed UUID's first byte is its case).
    private func spells(_ n: Int, _ u: UnsafeBufferPointer<UInt8>) -> Bool {
        !CompactID.isPackedUUID(u) || bytes[Int(starts[n])] == u[0]
    }

    /// Spells string `n` as `s` from now on, when `s` is the same UUID in another case.
    mutating func respell(_ n: Int, as s: String) {
        var s = s
        let tag = s.withUTF8 { CompactID.with($0) { CompactID.isPackedUUID($0) ? $0[0] : nil } }
        let a = Int(starts[n])
        if let tag, Int(starts[n + 1]) - a == CompactID.packedCount, bytes[a] != tag {
            bytes[a] = tag
            metInAnotherCase = true
        }
    }

    /// A string's hash; a UUID's leaves out its case.
    @inline(__always)
    private static func hash(_ u: UnsafeBufferPointer<UInt8>) -> UInt32 {
        foldedFNV1a(CompactID.isPackedUUID(u) ? UnsafeBufferPointer(rebasing: u[1...]) : u)
    }

    /// String `n` after `prefix`, made at once (a OneRoster user's household: `hh-` and an id).
    func string(_ n: Int, prefix: String) -> String {
        var prefix = prefix
        return prefix.withUTF8 { p in
            bytes.withUnsafeBufferPointer { b in
                CompactID.withText(
                    UnsafeBufferPointer(rebasing: b[Int(starts[n])..<Int(starts[n + 1])])
                ) { concatenated(p, nil, $0) }
            }
        }
    }

    /// Reads where each of strings `ns` starts and its first byte, in a loop of their own: at
    /// random places, each a miss of the cache, which the processor makes at once here where,
    /// one a row, each was waited for in turn (see `UserTable.touchFacts`). Returns a value
    /// made of what was read, for the reads to be made.
    func touch(_ ns: [Int32]) -> UInt64 {
        bytes.withUnsafeBufferPointer { b in
            starts.withUnsafeBufferPointer { s in
                var seen: UInt64 = 0
                for n in ns { seen &+= UInt64(b[Int(s[Int(n)])]) }
                return seen
            }
        }
    }

    /// Calls `body` with the text of string `n` (its bytes as `string(n)` spells them).
    /// (Where the string lies is read before the closure, which then holds no more than that.)
    func withText<R>(_ n: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = Int(starts[n])..<Int(starts[n + 1])
        return bytes.withUnsafeBufferPointer { b in
            CompactID.withText(UnsafeBufferPointer(rebasing: b[s]), body)
        }
    }

    /// Calls `body` with the texts of strings `x` and `y`, as `withText` gives each.
    func withTexts<R>(
        _ x: Int, _ y: Int, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let (sx, sy) = (Int(starts[x])..<Int(starts[x + 1]), Int(starts[y])..<Int(starts[y + 1]))
        return bytes.withUnsafeBufferPointer { b in
            CompactID.withText(UnsafeBufferPointer(rebasing: b[sx])) { tx in
                CompactID.withText(UnsafeBufferPointer(rebasing: b[sy])) { body(tx, $0) }
            }
        }
    }

    func string(_ n: Int) -> String {
        bytes.withUnsafeBufferPointer { b in
            CompactID.string(UnsafeBufferPointer(rebasing: b[Int(starts[n])..<Int(starts[n + 1])]))
        }
    }

    /// Whether string `x` comes before string `y` as `<` orders them: by their bytes when both
    /// are ASCII (the same order, without making either; two UUIDs of one case packed), else
    /// as strings.
    func precedes(_ x: Int, _ y: Int) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            let px = UnsafeBufferPointer(rebasing: b[Int(starts[x])..<Int(starts[x + 1])])
            let py = UnsafeBufferPointer(rebasing: b[Int(starts[y])..<Int(starts[y + 1])])
            if let p = CompactID.uuidTextPrecedes(px, py) { return p }
            return CompactID.withText(px) { tx in
                CompactID.withText(py) { ty in
                    tx.allSatisfy { $0 < 0x80 } && ty.allSatisfy { $0 < 0x80 }
                        ? tx.lexicographicallyPrecedes(ty) : string(x) < string(y)
                }
            }
        }
    }

    /// Each string's place in the byte order of all of them (SQLite's BINARY collation: the
    /// order of a table keyed by them), by number.
    func ranks() -> [Int32] {
        bytes.withUnsafeBufferPointer { b in
            starts.withUnsafeBufferPointer { starts in
                func id(_ n: Int32) -> UnsafeBufferPointer<UInt8> {
                    UnsafeBufferPointer(rebasing: b[Int(starts[Int(n)])..<Int(starts[Int(n) + 1])])
                }
                func precedes(_ x: Int32, _ y: Int32) -> Bool {
                    if let p = CompactID.uuidTextPrecedes(id(x), id(y)) { return p }
                    return CompactID.withText(id(x)) { t in
                        CompactID.withText(id(y)) { t.lexicographicallyPrecedes($0) }
                    }
                }
                // Sorted by each text's first 8 bytes as a number (0 after its end), then
                // where those are equal by the texts.
                var order = (0..<Int32(count)).map { n in
                    RankedID(head: CompactID.textHead(id(n)), n: n)
                }
                RankedID.sortByHeads(&order)
                var i = 0
                while i < order.count {
                    var end = i + 1
                    while end < order.count && order[end].head == order[i].head { end += 1 }
                    if end - i > 1 {
                        order[i..<end].sort { precedes($0.n, $1.n) }
                    }
                    i = end
                }
                var rank = [Int32](repeating: 0, count: count)
                for (i, e) in order.enumerated() { rank[Int(e.n)] = Int32(i) }
                return rank
            }
        }
    }

    /// Lets go of the room the buffers kept for more strings (up to half of them).
    mutating func shrink() {
        bytes = Array(bytes[...])
        starts = Array(starts[...])
    }

    /// The number of the string whose bytes, packed as `CompactID` packs them, are `u`, in the
    /// same case. Read through unsafe buffers: every row of users.csv looks its user up here.
    func find(packed u: UnsafeBufferPointer<UInt8>) -> Int? {
        find(packed: u, hash: Self.hash(u), caseless: false)
    }

    /// (`caseless`: a UUID in either case; the case is a packed UUID's first byte.)
    private func find(packed u: UnsafeBufferPointer<UInt8>, hash h: UInt32, caseless: Bool)
        -> Int?
    {
        let skip = caseless && CompactID.isPackedUUID(u) ? 1 : 0
        return bytes.withUnsafeBufferPointer { b in
            starts.withUnsafeBufferPointer { starts in
                slots.withUnsafeBufferPointer { slots in
                    let mask = slots.count - 1
                    var i = Int(h) & mask
                    while slots[i] != 0 {
                        let n = Int(truncatingIfNeeded: slots[i] & 0xffff_ffff) - 1
                        if UInt32(truncatingIfNeeded: slots[i] >> 32) == h,
                            case let a = Int(starts[n]), Int(starts[n + 1]) - a == u.count,
                            u.isEmpty
                                || b.baseAddress.map({
                                    // (Skipping the case: a packed UUID's, as the first byte
                                    // of the string found says.)
                                    (skip == 0 || $0[a] >= CompactID.upperTag)
                                        && memcmpEqual(
                                            $0 + a + skip, u.baseAddress.map { $0 + skip },
                                            u.count - skip)
                                }) == true
                        {
                            return n
                        }
                        i = (i + 1) & mask
                    }
                    return nil
                }
            }
        }
    }

    private mutating func place(_ n: Int, _ h: UInt32) {
        var i = Int(h) & (slots.count - 1)
        while slots[i] != 0 { i = (i + 1) & (slots.count - 1) }
        slots[i] = UInt64(h) << 32 | UInt64(n + 1)
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        for s in old where s != 0 {
            place(Int(truncatingIfNeeded: s & 0xffff_ffff) - 1, UInt32(truncatingIfNeeded: s >> 32))
        }
    }

}

/// What is kept of each user, by the user's number.
enum UserField: Int, CaseIterable {
    /// Codes (see `OneRosterUsers.code`), 0 for none: the role users.csv gives (or roles.csv,
    /// or relationships.csv), the role listed in roles.csv, the role a guardian has in
    /// relationships.csv.
    case kind, listedRole, relationshipRole
    /// Numbers, -1 for none: the org of the listed role (in `OneRosterUsers.orgs`), the
    /// guardian whose id names the user's household, and the union-find's parent and each
    /// group's smallest guardian while households are derived.
    case listedOrg, householdNamer, parent, smallest

    var isCode: Bool { rawValue < UserField.listedOrg.rawValue }
    var initial: Int32 { isCode ? 0 : -1 }
}

/// A guardian–student pair by the users' numbers, with the relationship's role (a code, 0 for
/// none).
struct UserPair: Equatable {
    var guardian: Int32
    var student: Int32
    var role: UInt8
    /// The line that named the pair, where a link made from it is reported, in the three bytes
    /// a pair has to spare (12 bytes a pair, a million of them at 300,000 students: four more
    /// took the first import's peak from 68 to 84 MB): its low 23 bits, and the top bit for a
    /// line of relationships.csv rather than users.csv. 0 beyond 8,388,607 lines (reported by
    /// the link's ids then).
    private var lineHigh: UInt8 = 0
    private var lineLow: UInt16 = 0

    init(
        guardian: Int32, student: Int32, line: Int32 = 0, role: UInt8,
        inRelationships: Bool = false
    ) {
        self.guardian = guardian
        self.student = student
        self.role = role
        let kept = line > 0 && line <= 0x7F_FFFF ? line : 0
        lineHigh = UInt8(kept >> 16) | (inRelationships ? 0x80 : 0)
        lineLow = UInt16(truncatingIfNeeded: kept)
    }

    /// The line that named the pair (0: not known).
    var line: Int32 { Int32(lineHigh & 0x7F) << 16 | Int32(lineLow) }
    /// Whether that line is relationships.csv's (else users.csv's).
    var inRelationships: Bool { lineHigh & 0x80 != 0 }
    /// The file of the line that named the pair.
    var namedIn: String { inRelationships ? "relationships.csv" : "users.csv" }
}

/// What a household's id is made of besides the id of the guardian who names it (OneRoster has
/// no household ids: see `OneRosterUsers.deriveHouseholds`).
let householdPrefix = "hh-"

/// What users.csv's second reading needs of a user (see `UserTable.facts`).
struct UserFacts {
    var kind: Int32
    var listedOrg: Int32
    var birth: String?
    /// The household's id: `hh-` and the id of the guardian who names it.
    var household: String?
    /// False: the id asked for is the user's UUID in another case (see `Interner`).
    var sameCase = true
    /// The number of the guardian who names the household, when the household's id is `hh-`
    /// and that guardian's id as the ids' table spells it (-1 otherwise).
    var householdNamer: Int32 = -1
}

/// Where `OneRosterUsers` keeps its users, their fields and the pairs: in memory
/// (`MemoryUserTable`), or for a bundle too large for the memory an import allows, on disk
/// (`DiskUserTable`).
protocol UserTable {
    var count: Int { get }
    /// The number of `id`, added with every field at its initial value if new.
    mutating func number(_ id: String) throws -> Int
    /// `number` of the id whose UTF-8, or compact form (`CompactID`), is `u` (in memory,
    /// without making a string of it).
    mutating func number(utf8 u: UnsafeBufferPointer<UInt8>) throws -> Int
    func find(_ id: String) throws -> Int?
    func id(_ n: Int) throws -> String
    /// Calls `body` with the texts of the ids of users `a` and `b`, as `id` spells them.
    func withIDs<R>(
        _ a: Int, _ b: Int,
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R
    ) throws -> R
    /// Spells user `n`'s id as `id` from now on (the same UUID in another case: see
    /// `CompactID.caselessKey`).
    mutating func respell(_ n: Int, as id: String) throws
    func get(_ f: UserField, _ n: Int) throws -> Int32
    mutating func set(_ f: UserField, _ n: Int, _ v: Int32) throws
    /// Lets go of a field no longer needed: every user's is then at its initial value.
    mutating func release(_ f: UserField) throws
    /// No user or pair is added from now on: lets go of room kept for more.
    mutating func doneAdding() throws
    func birth(_ n: Int) throws -> String?
    mutating func setBirth(_ n: Int, _ date: String) throws
    /// How many users have a birth date (demographics.csv) and no kind: no line of users.csv
    /// gives them a role, so the date is never used.
    func birthsOfNoKind() throws -> Int
    /// The kind, listed org and birth of the user `id`, and the id of the guardian who names its
    /// household, at once (a row of users.csv needs them all); nil for an id never met.
    func facts(_ id: String) throws -> UserFacts?
    /// `facts(id)` of user `n`, whose id `id` is known to be: the spelling numbered `n` (in any
    /// case; see `Interner.spells(_:asNumbered:)`).
    func facts(_ id: String, user n: Int) throws -> UserFacts?
    /// Reads what `facts(_:user:)` will read of each of `users` (their fields, the id of the
    /// guardian naming each one's household), before their rows are made; returns a value made
    /// of what was read, for the reads to be made. Users numbered in the file's order and read
    /// in their ids' (`RankedLines`) lie at random places: read one a row, each miss of the
    /// cache was waited for in turn.
    func touchFacts(of users: [Int32]) -> UInt64
    /// Whether user `a`'s id comes before user `b`'s (as `<` orders strings).
    func idPrecedes(_ a: Int, _ b: Int) throws -> Bool
    /// Names the household of the users whose household the guardian `namer` names `id`, not
    /// after the guardian (in a delta, the district's household of that guardian).
    mutating func nameHousehold(of namer: Int, _ id: String) throws

    var pairCount: Int { get }
    /// The users' numbers, when the table holds them in memory (see `IDSet.number`).
    var numbering: Interner? { get }
    mutating func append(_ p: UserPair) throws
    /// Keeps the pairs whose two users' kinds `keep` accepts, in order, each guardian and
    /// student once (the first).
    mutating func keepPairs(_ keep: (_ guardian: Int32, _ student: Int32) -> Bool) throws
    /// Puts the pairs in the order of the links table's key (the guardian's id, then the
    /// student's, as SQLite orders text); false when the table cannot (the pairs keep theirs).
    /// `ranks`: the users' places in the order of their ids, when found already (see
    /// `Interner.ranks`); found here when nil, or when not of every user.
    mutating func orderPairsByIDs(ranks: [Int32]?) throws -> Bool
    /// At most `count` pairs from position `start` on.
    func pairs(from start: Int, count: Int) throws -> [UserPair]
    /// Connected guardian–student groups of the pairs share a household, named after the
    /// group's smallest guardian id (`householdNamer`). Returns how many households.
    mutating func deriveHouseholds() throws -> Int
}

extension UserTable {
    func withIDs<R>(
        _ a: Int, _ b: Int,
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R
    ) throws -> R {
        var (x, y) = (try id(a), try id(b))
        return x.withUTF8 { x in y.withUTF8 { body(x, $0) } }
    }

    /// `deriveHouseholds` through the fields `parent` and `smallest` (a table on disk).
    /// (The pairs are walked here, not through a closure: one changing the table while it is
    /// read made Swift copy the table for every pair.)
    mutating func deriveHouseholds() throws -> Int {
        // Parents start at -1: in no pair.
        var start = 0
        while case let batch = try pairs(from: start, count: 4096), !batch.isEmpty {
            start += batch.count
            for p in batch {
                if try get(.parent, Int(p.guardian)) < 0 {
                    try set(.parent, Int(p.guardian), p.guardian)
                }
                if try get(.parent, Int(p.student)) < 0 {
                    try set(.parent, Int(p.student), p.student)
                }
                let a = try root(p.guardian)
                let b = try root(p.student)
                if a != b { try set(.parent, Int(max(a, b)), min(a, b)) }
            }
        }
        // Each group's smallest guardian id, by the group's root.
        start = 0
        while case let batch = try pairs(from: start, count: 4096), !batch.isEmpty {
            start += batch.count
            for p in batch {
                let r = Int(try root(p.guardian))
                let smallest = try get(.smallest, r)
                if try smallest < 0 || idPrecedes(Int(p.guardian), Int(smallest)) {
                    try set(.smallest, r, p.guardian)
                }
            }
        }
        var households = 0
        for n in 0..<count where try get(.parent, n) >= 0 {
            let r = Int(try root(Int32(n)))
            try set(.householdNamer, n, get(.smallest, r))
            if r == n { households += 1 }
        }
        try release(.parent)
        try release(.smallest)
        return households
    }

    mutating func number(utf8 u: UnsafeBufferPointer<UInt8>) throws -> Int {
        try number(CompactID.string(u))
    }

    /// The root of `x`'s group in the union-find of `UserField.parent`, the path to it
    /// shortened on the way.
    mutating func root(_ x: Int32) throws -> Int32 {
        var r = x
        while case let p = try get(.parent, Int(r)), p != r { r = p }
        var c = x
        while case let next = try get(.parent, Int(c)), next != r {
            try set(.parent, Int(c), r)
            c = next
        }
        return r
    }
}

/// Users in memory: ids kept once (`Interner`), fields in arrays of small values rather than
/// dictionaries of strings (measured at 100,000 students: peak memory 230 MB with numbered ids
/// and 373 MB with GUIDs before, 28 and 62 MB so).
struct MemoryUserTable: UserTable {
    private var ids = Interner()
    private var codes = [[UInt8]](repeating: [], count: 3)
    private var numbers = [[Int32]](repeating: [], count: 4)
    /// Birth dates as written (short enough to be kept inline).
    /// Made at the first `setBirth`, like the fields (a bundle without demographics.csv has no
    /// birth dates).
    private var births: [String?] = []
    private var pairList: [UserPair] = []
    /// Households named otherwise than after their guardian, by the guardian's number.
    private var households: [Int32: String] = [:]

    var count: Int { ids.count }
    var numbering: Interner? { ids }

    mutating func number(_ id: String) -> Int {
        var id = id
        return id.withUTF8 { number(utf8: $0) }
    }

    mutating func number(utf8 u: UnsafeBufferPointer<UInt8>) -> Int {
        let before = ids.count
        let n = ids.number(utf8: u)
        if n == before {
            // A field is made at its first `set` (so the union-find's take no memory before
            // households are derived); until then, and once released, it reads as initial.
            for i in codes.indices where !codes[i].isEmpty { codes[i].append(0) }
            for i in numbers.indices where !numbers[i].isEmpty { numbers[i].append(-1) }
            if !births.isEmpty { births.append(nil) }
        }
        return n
    }

    func find(_ id: String) -> Int? { ids.find(id) }
    func id(_ n: Int) -> String { ids.string(n) }
    func withIDs<R>(
        _ a: Int, _ b: Int,
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        // (Not `withText` twice: the closure between them copied the whole table each time.)
        ids.withTexts(a, b, body)
    }
    mutating func respell(_ n: Int, as id: String) { ids.respell(n, as: id) }

    func get(_ f: UserField, _ n: Int) -> Int32 {
        if f.isCode { return codes[f.rawValue].isEmpty ? 0 : Int32(codes[f.rawValue][n]) }
        return numbers[f.rawValue - 3].isEmpty ? -1 : numbers[f.rawValue - 3][n]
    }

    mutating func set(_ f: UserField, _ n: Int, _ v: Int32) {
        if f.isCode {
            if codes[f.rawValue].isEmpty { codes[f.rawValue] = Array(repeating: 0, count: count) }
            codes[f.rawValue][n] = UInt8(v)
        } else {
            let i = f.rawValue - 3
            if numbers[i].isEmpty { numbers[i] = Array(repeating: -1, count: count) }
            numbers[i][n] = v
        }
    }

    mutating func release(_ f: UserField) {
        if f.isCode { codes[f.rawValue] = [] } else { numbers[f.rawValue - 3] = [] }
    }

    mutating func doneAdding() {
        ids.shrink()
        pairList = Array(pairList[...])
    }

    func birth(_ n: Int) -> String? { births.isEmpty ? nil : births[n] }
    func birthsOfNoKind() -> Int {
        births.indices.reduce(0) { $0 + (births[$1] != nil && get(.kind, $1) == 0 ? 1 : 0) }
    }
    mutating func setBirth(_ n: Int, _ date: String) {
        if births.isEmpty { births = Array(repeating: nil, count: count) }
        births[n] = date
    }

    func facts(_ id: String) -> UserFacts? {
        guard let (n, sameCase) = ids.lookUp(id) else { return nil }
        return facts(of: n, sameCase: sameCase)
    }

    func facts(_ id: String, user n: Int) -> UserFacts? {
        facts(of: n, sameCase: ids.spells(n, asNumbered: id))
    }

    private func facts(of n: Int, sameCase: Bool) -> UserFacts {
        let namer = get(.householdNamer, n)
        let named = namer < 0 || households.isEmpty ? nil : households[namer]
        return UserFacts(
            kind: get(.kind, n), listedOrg: get(.listedOrg, n), birth: birth(n),
            household: namer < 0
                ? nil : named ?? ids.string(Int(namer), prefix: householdPrefix),
            sameCase: sameCase, householdNamer: named == nil ? namer : -1)
    }

    func touchFacts(of users: [Int32]) -> UInt64 {
        let kinds = codes[UserField.kind.rawValue]
        let orgs = numbers[UserField.listedOrg.rawValue - 3]
        let namers = numbers[UserField.householdNamer.rawValue - 3]
        var seen: UInt64 = 0
        var named: [Int32] = []
        named.reserveCapacity(users.count)
        for n in users.lazy.map(Int.init) {
            if !kinds.isEmpty { seen &+= UInt64(kinds[n]) }
            if !orgs.isEmpty { seen &+= UInt64(bitPattern: Int64(orgs[n])) }
            if !namers.isEmpty, namers[n] >= 0 { named.append(namers[n]) }
        }
        return seen &+ ids.touch(named)
    }

    mutating func nameHousehold(of namer: Int, _ id: String) { households[Int32(namer)] = id }
    func idPrecedes(_ a: Int, _ b: Int) -> Bool { ids.precedes(a, b) }

    var pairCount: Int { pairList.count }
    mutating func append(_ p: UserPair) { pairList.append(p) }

    mutating func keepPairs(_ keep: (_ guardian: Int32, _ student: Int32) -> Bool) {
        var seen = PairSet(expecting: pairList.count / 2)
        // The kinds read from a copy of their field (empty when no user has a role): the table
        // read in the closure was copied for every pair.
        let kinds = codes[UserField.kind.rawValue]
        func kind(_ n: Int32) -> Int32 { kinds.isEmpty ? 0 : Int32(kinds[Int(n)]) }
        pairList = pairList.filter { p in
            keep(kind(p.guardian), kind(p.student))
                && seen.insert(guardian: p.guardian, student: p.student)
        }
    }

    /// `deriveHouseholds` in arrays of its own: through the fields, each read and written
    /// through its field's array, it was half the time between the readings of users.csv, on
    /// the one core then working. The same households: a group's root is its smallest number
    /// either way, and its namer its smallest guardian id.
    mutating func deriveHouseholds() -> Int {
        var parent = [Int32](repeating: -1, count: count)
        var smallest = [Int32](repeating: -1, count: count)
        func root(_ x: Int32) -> Int32 {
            var x = Int(x)
            while parent[x] != Int32(x) {
                parent[x] = parent[Int(parent[x])]  // (halving the path)
                x = Int(parent[x])
            }
            return Int32(x)
        }
        for p in pairList {
            if parent[Int(p.guardian)] < 0 { parent[Int(p.guardian)] = p.guardian }
            if parent[Int(p.student)] < 0 { parent[Int(p.student)] = p.student }
            let a = root(p.guardian)
            let b = root(p.student)
            if a != b { parent[Int(max(a, b))] = min(a, b) }
        }
        for p in pairList {
            let r = Int(root(p.guardian))
            if smallest[r] < 0 || ids.precedes(Int(p.guardian), Int(smallest[r])) {
                smallest[r] = p.guardian
            }
        }
        var households = 0
        for n in 0..<count where parent[n] >= 0 {
            let r = Int(root(Int32(n)))
            set(.householdNamer, n, smallest[r])
            if r == n { households += 1 }
        }
        return households
    }

    mutating func orderPairsByIDs(ranks: [Int32]?) -> Bool {
        let rank = ranks.flatMap { $0.count == ids.count ? $0 : nil } ?? ids.ranks()
        // Counted into place by the guardian's rank, then each guardian's few by the
        // student's (no two pairs are the same): a sort comparing a million pairs took 0.1 s of
        // a 300,000-student import, on the one thread then working.
        var next = [Int](repeating: 0, count: rank.count + 1)
        for p in pairList { next[Int(rank[Int(p.guardian)]) + 1] += 1 }
        for r in rank.indices { next[r + 1] += next[r] }
        var sorted = pairList
        for p in pairList {
            let r = Int(rank[Int(p.guardian)])
            sorted[next[r]] = p
            next[r] += 1
        }
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count && sorted[j].guardian == sorted[i].guardian { j += 1 }
            if j - i > 16 {
                sorted[i..<j].sort { rank[Int($0.student)] < rank[Int($1.student)] }
            } else if j - i > 1 {
                // Most guardians have two or three: put in place one by one (the library's
                // sort, a closure and its scratch memory for each guardian, was a third of
                // this function's time).
                for k in (i + 1)..<j {
                    let p = sorted[k]
                    let r = rank[Int(p.student)]
                    var m = k
                    while m > i && rank[Int(sorted[m - 1].student)] > r {
                        sorted[m] = sorted[m - 1]
                        m -= 1
                    }
                    sorted[m] = p
                }
            }
            i = j
        }
        pairList = sorted
        return true
    }

    func pairs(from start: Int, count: Int) -> [UserPair] {
        Array(pairList[min(start, pairList.count)..<min(start + count, pairList.count)])
    }
}

/// The pairs met, each a guardian's and a student's number in one word, in an open-addressing
/// table at most three quarters full. A `Set` of the same words hashed each with its seeded
/// hasher and grew by steps: 0.1 s of a 300,000-student OneRoster import's (a million pairs,
/// most given twice) on the one thread then working.
struct PairSet {
    private var slots: [UInt64]
    private var count = 0

    init(expecting n: Int) {
        var capacity = 64
        while capacity * 3 < n * 4 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
    }

    /// The pair as a word, with the top bit set: never 0, an empty slot.
    private static func key(_ guardian: Int32, _ student: Int32) -> UInt64 {
        1 << 63 | UInt64(UInt32(guardian)) << 32 | UInt64(UInt32(student))
    }

    private static func start(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Adds the pair; false when it was there.
    mutating func insert(guardian: Int32, student: Int32) -> Bool {
        let key = Self.key(guardian, student)
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var i = Self.start(key, mask)
        while slots[i] != 0 {
            if slots[i] == key { return false }
            i = (i + 1) & mask
        }
        slots[i] = key
        count += 1
        return true
    }

    func contains(guardian: Int32, student: Int32) -> Bool {
        let key = Self.key(guardian, student)
        let mask = slots.count - 1
        var i = Self.start(key, mask)
        while slots[i] != 0 {
            if slots[i] == key { return true }
            i = (i + 1) & mask
        }
        return false
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        let mask = slots.count - 1
        for key in old where key != 0 {
            var i = Self.start(key, mask)
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = key
        }
    }
}

/// Users on disk: ids, birth dates and pairs in tables of the import connection's temporary
/// database (a file of SQLite's, removed when the connection closes), in the import's
/// transaction, and the fields in a `PagedArray` each (512 KB of cache a field). A look-up by id
/// reads SQLite's tree, so this is for bundles too large to hold in memory; users.csv's rows are
/// then read on the writing thread (see `RosterWriter.eachRow`), the connection's own.
final class DiskUserTable: UserTable {
    private let db: Database
    private(set) var count = 0
    private(set) var pairCount = 0
    var numbering: Interner? { nil }
    /// Households named otherwise than after their guardian, by the guardian's number.
    private var households: [Int32: String] = [:]
    /// The table the pairs are in (`keepPairs` moves the kept ones to the other).
    private var pairTable = Pairs.all

    /// The two tables of pairs: as named, and those kept.
    private enum Pairs: Int {
        case all, kept
        var name: String { self == .all ? "temp.oneroster_pairs" : "temp.oneroster_kept" }
        var other: Pairs { self == .all ? .kept : .all }
    }

    // Statements prepared once: a look-up costs a few microseconds, and an import makes
    // millions.
    private let findID, insertUser, idOf, respellID, birthOf, setBirthOf, factsOf,
        insertKey: Statement
    private let insertPairs, pairsFrom: [Statement]
    private let fields: [PagedArray]

    init(_ db: Database) throws {
        self.db = db
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.oneroster_users;
            DROP TABLE IF EXISTS temp.oneroster_pairs;
            DROP TABLE IF EXISTS temp.oneroster_kept;
            DROP TABLE IF EXISTS temp.oneroster_pair_keys;
            CREATE TABLE temp.oneroster_users(
                n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, id TEXT, birth TEXT);
            CREATE TABLE temp.oneroster_pairs(
                seq INTEGER PRIMARY KEY, guardian INTEGER, student INTEGER, role INTEGER,
                line INTEGER);
            CREATE TABLE temp.oneroster_kept(
                seq INTEGER PRIMARY KEY, guardian INTEGER, student INTEGER, role INTEGER,
                line INTEGER);
            CREATE TABLE temp.oneroster_pair_keys(
                guardian INTEGER, student INTEGER, PRIMARY KEY (guardian, student)) WITHOUT ROWID;
            """)
        let users = "temp.oneroster_users"
        // A user's `key` is its id as matched (`CompactID.caselessKey`), its `id` how it is
        // spelled when that differs.
        findID = try db.statement("SELECT n FROM \(users) WHERE key = ?")
        insertUser = try db.statement("INSERT INTO \(users)(n, key, id) VALUES (?, ?, ?)")
        idOf = try db.statement("SELECT coalesce(id, key) FROM \(users) WHERE n = ?")
        respellID = try db.statement("UPDATE \(users) SET id = ? WHERE n = ?")
        birthOf = try db.statement("SELECT birth FROM \(users) WHERE n = ?")
        setBirthOf = try db.statement("UPDATE \(users) SET birth = ? WHERE n = ?")
        factsOf = try db.statement(
            "SELECT n, birth, coalesce(id, key) = ?2 FROM \(users) WHERE key = ?1")
        insertKey = try db.statement(
            "INSERT OR IGNORE INTO temp.oneroster_pair_keys(guardian, student) VALUES (?, ?)")
        fields = try UserField.allCases.map {
            try PagedArray(initial: $0.initial, cacheBytes: 512 << 10)
        }
        insertPairs = try [Pairs.all, .kept].map {
            try db.statement(
                "INSERT INTO \($0.name)(seq, guardian, student, role, line) VALUES (?, ?, ?, ?, ?)"
            )
        }
        pairsFrom = try [Pairs.all, .kept].map {
            try db.statement(
                "SELECT guardian, student, role, line FROM \($0.name) WHERE seq > ? ORDER BY seq LIMIT ?"
            )
        }
    }

    /// Removes the tables, at the end of the import.
    func close() throws {
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.oneroster_users; DROP TABLE IF EXISTS temp.oneroster_pairs;
            DROP TABLE IF EXISTS temp.oneroster_kept; DROP TABLE IF EXISTS temp.oneroster_pair_keys;
            """)
    }

    private func value(_ st: Statement, _ args: SQLValue...) throws -> SQLValue? {
        try db.firstValue(st) { st in
            for (i, a) in args.enumerated() { try st.set(i + 1, a) }
        }
    }

    func number(_ id: String) throws -> Int {
        let key = CompactID.caselessKey(id)
        if let n = try value(findID, .text(key))?.int { return Int(n) }
        try db.run(insertUser, [.int(Int64(count)), .text(key), spelling(id, key)])
        count += 1
        return count - 1
    }

    /// How `id` is spelled, when not as its key.
    private func spelling(_ id: String, _ key: String) -> SQLValue {
        key == id ? .null : .text(id)
    }

    func find(_ id: String) throws -> Int? {
        try value(findID, .text(CompactID.caselessKey(id)))?.int.map { Int($0) }
    }

    func respell(_ n: Int, as id: String) throws {
        guard id.utf8.count == 36 else { return }  // (only a UUID has another spelling)
        try db.run(respellID, [spelling(id, CompactID.caselessKey(id)), .int(Int64(n))])
    }

    func id(_ n: Int) throws -> String {
        try value(idOf, .int(Int64(n)))?.string ?? ""
    }

    func get(_ f: UserField, _ n: Int) throws -> Int32 { try fields[f.rawValue][n] }

    func set(_ f: UserField, _ n: Int, _ v: Int32) throws { try fields[f.rawValue].set(n, v) }

    func release(_ f: UserField) {}  // a field on disk takes only its cache
    func doneAdding() {}

    func birth(_ n: Int) throws -> String? {
        try value(birthOf, .int(Int64(n)))?.string
    }

    func setBirth(_ n: Int, _ date: String) throws {
        try db.run(setBirthOf, [.text(date), .int(Int64(n))])
    }

    func birthsOfNoKind() throws -> Int {
        var count = 0
        try db.forEach("SELECT n FROM temp.oneroster_users WHERE birth IS NOT NULL") { r in
            if try get(.kind, r.int("n") ?? 0) == 0 { count += 1 }
        }
        return count
    }

    func facts(_ id: String, user n: Int) throws -> UserFacts? { try facts(id) }
    /// (Looked up by id in SQLite's tables, read through its page cache: nothing to read ahead.)
    func touchFacts(of users: [Int32]) -> UInt64 { 0 }

    func facts(_ id: String) throws -> UserFacts? {
        let found = try factsOf.bindAndStep([.text(CompactID.caselessKey(id)), .text(id)])
        let n = found ? Int(factsOf.value(0).int ?? 0) : 0
        let birth = found ? factsOf.value(1).string : nil
        let sameCase = found && factsOf.value(2).int == 1
        factsOf.reset()
        guard found else { return nil }
        let namer = try get(.householdNamer, n)
        return UserFacts(
            kind: try get(.kind, n), listedOrg: try get(.listedOrg, n), birth: birth,
            household: namer < 0
                ? nil : try households[namer] ?? householdPrefix + self.id(Int(namer)),
            sameCase: sameCase)
    }

    func nameHousehold(of namer: Int, _ id: String) { households[Int32(namer)] = id }
    func idPrecedes(_ a: Int, _ b: Int) throws -> Bool { try id(a) < id(b) }

    func append(_ p: UserPair) throws {
        pairCount += 1
        try insertPair(into: pairTable, seq: pairCount, p)
    }

    private func insertPair(into table: Pairs, seq: Int, _ p: UserPair) throws {
        try db.run(
            insertPairs[table.rawValue],
            [
                .int(Int64(seq)), .int(Int64(p.guardian)), .int(Int64(p.student)),
                .int(Int64(p.role)),
                // (The file by the sign: relationships.csv's lines are kept negative.)
                .int(Int64(p.inRelationships ? -p.line : p.line)),
            ])
    }

    func keepPairs(_ keep: (_ guardian: Int32, _ student: Int32) -> Bool) throws {
        let kept = pairTable.other
        try db.execute("DELETE FROM \(kept.name)")
        var count = 0
        var start = 0
        while case let batch = try pairs(from: start, count: 4096), !batch.isEmpty {
            start += batch.count
            for p in batch
            where try keep(get(.kind, Int(p.guardian)), get(.kind, Int(p.student)))
                && db.run(insertKey, [.int(Int64(p.guardian)), .int(Int64(p.student))]) == 1
            {
                count += 1
                try insertPair(into: kept, seq: count, p)
            }
        }
        try db.execute("DELETE FROM \(pairTable.name); DELETE FROM temp.oneroster_pair_keys")
        pairTable = kept
        pairCount = count
    }

    /// On disk the pairs keep their order (and the links their staging): ranking the users
    /// from the ids' index and copying the pairs in the order of their ranks took 0.25 to 0.37
    /// s at 100,000 students, and the imports so ordered 0.6 to 0.8 s longer.
    func orderPairsByIDs(ranks: [Int32]?) -> Bool { false }

    func pairs(from start: Int, count: Int) throws -> [UserPair] {
        let st = pairsFrom[pairTable.rawValue]
        var out: [UserPair] = []
        var more = try st.bindAndStep([.int(Int64(start)), .int(Int64(count))])
        defer { st.reset() }
        while more {
            let line = Int32(truncatingIfNeeded: st.value(3).int ?? 0)
            out.append(
                UserPair(
                    guardian: Int32(truncatingIfNeeded: st.value(0).int ?? -1),
                    student: Int32(truncatingIfNeeded: st.value(1).int ?? -1),
                    line: abs(line), role: UInt8(truncatingIfNeeded: st.value(2).int ?? 0),
                    inRelationships: line < 0))
            more = try st.step()
        }
        return out
    }
}

/// `UserFacts` with the role and org named (`OneRosterUsers.facts`). (A structure, of no
/// generic type: as a tuple, it was copied through the runtime's generic copy for every row of
/// users.csv.)
struct NamedUserFacts {
    var kind: String? = nil
    var listedOrg: String? = nil
    var birth: String? = nil
    var household: String? = nil
    var sameCase = true
    var householdNamer: Int32 = -1
}

/// What the files of a OneRoster bundle say of each user, kept in a `UserTable` by the user's
/// number, and the guardian–student pairs they name.
struct OneRosterUsers<Table: UserTable> {
    var table: Table
    /// Role names, by the code the table holds (0: none).
    private var roleNames = [""]
    /// The orgs roles.csv names (a few hundred at most).
    private var orgs = Interner()

    init(_ table: Table) { self.table = table }

    mutating func number(_ id: String) throws -> Int { try table.number(id) }
    mutating func number(utf8 u: UnsafeBufferPointer<UInt8>) throws -> Int {
        try table.number(utf8: u)
    }

    mutating func code(_ role: String) -> UInt8 {
        if let i = roleNames.firstIndex(of: role) { return UInt8(i) }
        roleNames.append(role)
        return UInt8(roleNames.count - 1)
    }

    func roleName(_ code: UInt8) -> String? { code == 0 ? nil : roleNames[Int(code)] }

    /// The role of user `n` from a line of users.csv that lists `listed`: that, else the role
    /// roles.csv lists, else as relationships.csv names the user ("relative", else "guardian").
    func role(listed: String?, of n: Int) throws -> String? {
        if let r = listed { return r }
        if let r = try roleName(.listedRole, of: n) { return r }
        return try roleName(.relationshipRole, of: n).map {
            $0 == "relative" ? "relative" : "guardian"
        }
    }
    func roleName(_ f: UserField, of n: Int) throws -> String? {
        roleName(UInt8(truncatingIfNeeded: try table.get(f, n)))
    }

    mutating func setKind(_ n: Int, _ role: String) throws {
        try table.set(.kind, n, Int32(code(role)))
    }

    /// roles.csv: the first role listed for a user, unless a later one is primary.
    mutating func list(_ id: String, role: String, org: String?, primary: Bool) throws {
        let n = try number(id)
        guard try table.get(.listedRole, n) == 0 || primary else { return }
        try table.set(.listedRole, n, Int32(code(role)))
        try table.set(.listedOrg, n, org.map { Int32(orgs.number($0)) } ?? -1)
    }

    mutating func setBirth(_ id: String, _ date: String) throws {
        try table.setBirth(number(id), date)
    }

    mutating func nameInRelationships(_ guardian: String, role: String) throws {
        try table.set(.relationshipRole, number(guardian), Int32(code(role)))
    }

    /// What users.csv's second reading needs of the user `id`: the role users.csv gave, the
    /// org of the role listed in roles.csv, the birth date, and the household (see
    /// `deriveHouseholds`).
    /// `user`: the number the first reading gave this line's `id`, when known (see
    /// `RankedLines`).
    func facts(of id: String, user: Int? = nil) throws -> NamedUserFacts {
        guard let f = try user.map({ try table.facts(id, user: $0) }) ?? table.facts(id) else {
            return NamedUserFacts()
        }
        return NamedUserFacts(
            kind: roleName(UInt8(truncatingIfNeeded: f.kind)),
            listedOrg: f.listedOrg >= 0 ? orgs.string(Int(f.listedOrg)) : nil, birth: f.birth,
            household: f.household, sameCase: f.sameCase, householdNamer: f.householdNamer)
    }

    /// Calls `body` with every pair, in order, a batch at a time (on disk, 4,096 read at once).
    func eachPair(_ body: (UserPair) throws -> Void) throws {
        var start = 0
        while case let batch = try table.pairs(from: start, count: 4096), !batch.isEmpty {
            start += batch.count
            for p in batch { try body(p) }
        }
    }

    /// The households of the pairs kept (see `UserTable.deriveHouseholds`): how many.
    mutating func deriveHouseholds() throws -> Int { try table.deriveHouseholds() }
}
