/// The ids met in one import, each with whether its row was written, held compactly and exactly.
///
/// An id that is a prefix and a number (`G1000001`, `S600001`, `123456`: how SIS exports number
/// people and households) is held as two bits (met, written) in a span of numbers per prefix, when
/// the set is made `numbered`: a few kilobytes for 100,000 ids numbered in a row, so the memory of
/// an import does not grow with its files. The first line of each (of the first `mostLines`) is
/// kept in a small table of the span's (8 to 16 bytes an id), so that a repeat names it without
/// the file being read again (a guardians.csv listing each guardian once a child, as contact
/// exports do, was read again every 4,096 repeats: six times as long to import). Other ids (and
/// the
/// numbers of a prefix too sparse for a span) are kept whole with their first line: their bytes
/// one after another in one buffer (a UUID in 17 bytes, see `CompactID`), and an open-addressing
/// table of (hash, where, line); 30 to 50 bytes an id. With `pairs`, a link's key (two numbered ids joined by U+001F) is kept as one
/// 8-byte number in a table of its own, 16 bytes a link, also without its line.
///
/// Made with the rows a district held when a re-import began (`KnownRows`), an id among them is
/// held there, as marks in its row's slot, before any other form: it takes no memory of the
/// set's. Its line is kept once its row is written (in place of the row's hash, no longer
/// needed then); a repeat of a row met but not written says `lineUnknown`.
///
/// Made with an `IDSpill`, the set keeps whole ids in memory only up to the spill's budget: then
/// it moves them, lines and marks, to the spill's table on disk, and remembers them in a filter
/// of fixed size that answers most look-ups of ids never met without reading the disk. So the
/// memory of an import whose ids are not numbered (GUIDs) does not grow with its files either.
struct IDSet {
    /// What `insert` says of a repeat whose first line was not kept.
    static let lineUnknown = -1

    /// One slot of the table: the id's offset in `bytes` plus one (0: empty), its line plus
    /// one (negative once its row is written; `Int32.max` when not known), and its hash; side by
    /// side, so that a probe touches one cache line.
    private struct Slot {
        var offset: UInt32 = 0
        var line: Int32 = 0
        var hash: UInt32 = 0
    }
    private var slots = [Slot](repeating: Slot(), count: 64)
    /// Each id as a 4-byte length and its UTF-8 bytes.
    private var bytes: [UInt8] = []
    /// Ids met, and of them those in the table in memory.
    private(set) var count = 0
    private var inTable = 0

    /// Where whole ids go beyond the memory allowed them; nil: all are kept in memory.
    private let spill: IDSpill?
    /// The bytes this set keeps whole ids in before moving them (a share of the spill's).
    private let budget: Int
    /// This set's number in the spill's table (0: nothing moved yet), and a filter of the ids
    /// moved there: an id it has not seen was not moved.
    private var spillSet = 0
    private var moved: KeyFilter?
    /// Whether some ids were moved to disk (`written` does not look there).
    var hasMovedIDs: Bool { spillSet != 0 }
    /// Whether some ids met are not numbered: kept whole, in memory or on disk, or among the
    /// district's rows.
    var keepsWholeIDs: Bool { inTable > 0 || inElsewhere > 0 || spillSet != 0 || knownUnnumbered }

    /// The district's rows, when a re-import keeps them (see above). A class shared by the
    /// set's copies: only the writer's thread may read it (`written`, which copies on other
    /// threads ask, does not).
    private let known: KnownRows?
    private var knownUnnumbered = false

    /// Whether ids that are a prefix and a number are held as bits in `spans`.
    private let numbered: Bool
    /// The spans of numbers, one per prefix and digit count (none unless `numbered`).
    private var spans: [NumberSpan] = []
    /// Prefixes beyond this many keep their ids whole (a span pays for itself only when many ids
    /// share the prefix).
    private static let maxSpans = 16
    /// The numbers whose first line the spans keep, at most (4 to 8 MB), so that memory stays
    /// flat however large the file: a repeat of one met after them says `lineUnknown`, and
    /// the writer reads the file again for its line, as it did for every number.
    var mostLines = 1 << 19
    private var linesKept = 0

    /// Whole ids numbered before the import met them (a OneRoster bundle's users, numbered in
    /// its first reading): each one's stored line (as a slot keeps it; 0: not met) by its
    /// number. Four bytes an id where the table takes 30 to 50, never moved to disk; an id
    /// they do not number (a guardian merged into one of the district's) goes to the table.
    private var elsewhere: Interner?
    private var elsewhereLines: [Int32] = []
    private var inElsewhere = 0

    /// The keys of pairs, when the set takes them (see `PairTable`).
    private var pairs: PairTable?

    /// What the last `insert` added, for `markLastWritten`.
    private enum Added {
        case none
        case slot(Int)
        case number(span: Int, Int)
        case pair(Int)
        case elsewhere(Int)
        case known(Int, line: Int)
        /// An id on disk, met afresh on a line (stored as in a slot).
        case moved([UInt8], Int32)
    }
    private var lastAdded = Added.none

    /// `numbered`: hold ids that are a prefix and a number as bits; `pairs`: hold two such ids
    /// joined by U+001F as one number (see above); `share`: the part of the spill's budget this
    /// set may keep in memory.
    /// `known`: the district's rows, whose memory comes out of this set's budget (down to a
    /// quarter of it).
    init(
        numbered: Bool = false, pairs: Bool = false, spill: IDSpill? = nil, share: Double = 1,
        known: KnownRows? = nil
    ) {
        self.numbered = numbered
        self.pairs = pairs ? PairTable() : nil
        self.spill = spill
        self.known = known
        let budget = Int(Double(spill?.budget ?? 0) * share)
        self.budget = max(budget - (known?.bytes ?? 0), budget / 4)
    }

    /// Adds `id` first met on `line`; when it was met before, returns that line (or
    /// `lineUnknown`) and changes nothing.
    /// `number`: the id's number in the numbering of `number(elsewhere:)`, spelled as there,
    /// when known (-1 otherwise): an id kept whole (of a UUID's shape) is not looked up.
    /// `knownSlot`: the id's slot among the district's rows (`KnownRows`, exactly), when the
    /// caller found it there (-1 otherwise): not looked up again.
    mutating func insert(_ id: String, line: Int, number: Int32 = -1, knownSlot: Int = -1) throws
        -> Int?
    {
        var id = id
        if number >= 0 && elsewhere != nil && known == nil
            && id.withUTF8({ CompactID.hasUUIDShape($0) })
        {
            return insertElsewhere(Int(number), Int32(clamping: line + 1))
        }
        return try id.withUTF8 { u in
            if known != nil, let i = knownSlot >= 0 ? knownSlot : known?.exactSlot(u) {
                return insert(known: u, slot: i, line: line)
            }
            if let key = pairs?.key(u, adding: true) { return insertPair(key) }
            if let (s, n) = spanOf(u, adding: true) {
                if let first = try insertNumber(s, n, line: line) { return first }
                if !spans[s].isSpilled { return nil }
            }
            return try CompactID.with(u) { try insertWhole($0, Int32(clamping: line + 1)) }
        }
    }

    /// Whether the set keeps the district's rows (see `init`), as `insert(known:slot:line:)`
    /// needs.
    var keepsKnownRows: Bool { known != nil }

    /// `insert` of the id spelled by `u`, held by the district in slot `i` of its rows (only
    /// when the set `keepsKnownRows`).
    mutating func insert(known u: UnsafeBufferPointer<UInt8>, slot i: Int, line: Int) -> Int? {
        guard let known else { preconditionFailure("the set keeps no district's rows") }
        return meetKnown(known, i, line: line) { Self.split(u) == nil }
    }

    /// Like `insert`, except that an id met before whose row was not written is met afresh
    /// (from `line`): a rejected row does not make a later one with its id a repeat. For
    /// whole ids and pairs (numbers keep no line to move).
    mutating func insertUnlessWritten(_ id: String, line: Int) throws -> Int? {
        var id = id
        if let known, let i = id.withUTF8({ known.exactSlot($0) }) {
            return try insertUnlessWritten(id, knownSlot: i, line: line)
        }
        let stored = Int32(clamping: line + 1)
        let again = try id.withUTF8 { u -> Added? in
            if let p = pairs, let key = p.key(u), let i = p.slot(key) {
                return p.slots[i] & PairTable.writtenBit == 0 ? .pair(i) : nil
            }
            guard spanOf(u) == nil else { return nil }
            return try CompactID.with(u) { u in
                if inElsewhere > 0, let n = elsewhere?.find(packed: u) {
                    return elsewhereLines[n] > 0 ? .elsewhere(n) : nil
                }
                if let i = slot(u) { return slots[i].line > 0 ? .slot(i) : nil }
                if let old = try movedLine(u), old > 0 {
                    try spill?.setLine(spillSet, u, stored)
                    return .moved(Array(u), stored)
                }
                return nil
            }
        }
        switch again {
        case .pair(let i)?:
            lastAdded = .pair(i)
            return nil
        case .slot(let i)?:
            slots[i].line = stored
            lastAdded = .slot(i)
            return nil
        case .elsewhere(let n)?:
            elsewhereLines[n] = stored
            lastAdded = .elsewhere(n)
            return nil
        case .moved(let u, let stored)?:
            lastAdded = .moved(u, stored)
            return nil
        default:
            return try insert(id, line: line)
        }
    }

    /// `insertUnlessWritten` for an id the caller found among the district's rows, in slot `i`
    /// of the set's `KnownRows` (exactly: not one two keys share).
    mutating func insertUnlessWritten(_ id: String, knownSlot i: Int, line: Int) throws -> Int? {
        guard let known else { return try insertUnlessWritten(id, line: line) }
        if known.isMet(i) && !known.isWritten(i) {
            lastAdded = .known(i, line: line)
            return nil
        }
        // (The id looked at only while no id met was unnumbered: a copy of it, for every link
        // a re-import found unchanged, was a share of the writer's work at its end.)
        return meetKnown(known, i, line: line) {
            var id = id
            return id.withUTF8 { Self.split($0) == nil }
        }
    }

    /// Notes that the row of the id `insert` added last was written to the database.
    mutating func markLastWritten() throws {
        switch lastAdded {
        case .none: break
        case .slot(let i): if slots[i].line > 0 { slots[i].line = -slots[i].line }
        case .elsewhere(let n):
            if elsewhereLines[n] > 0 { elsewhereLines[n] = -elsewhereLines[n] }
        case .number(let s, let n): spans[s].mark(n, written: true)
        case .pair(let i): pairs?.slots[i] |= PairTable.writtenBit
        case .known(let i, let line): known?.markWritten(i, line: line)
        case .moved(let u, let stored):
            try u.withUnsafeBufferPointer { try spill?.setLine(spillSet, $0, -abs(stored)) }
            lastAdded = .none
        }
    }

    func contains(_ id: String) throws -> Bool {
        var id = id
        return try id.withUTF8 { try contains($0) }
    }

    /// Whether the id spelled by these UTF-8 bytes was met.
    func contains(_ u: UnsafeBufferPointer<UInt8>) throws -> Bool {
        if let known, let i = known.exactSlot(u) { return known.isMet(i) }
        if let p = pairs, let key = p.key(u) { return p.slot(key) != nil }
        if let (s, n) = spanOf(u) { return spans[s].bits(n) & 1 != 0 }
        return try CompactID.with(u) {
            try wholeLine($0).map { $0 != 0 } ?? false || movedLine($0) != nil
        }
    }

    /// Whether `id` was met and then marked written; of the ids moved to disk (see
    /// `hasMovedIDs`) it knows nothing, and says false. It reads memory only, so that a copy
    /// may be asked on another thread.
    func written(_ id: String) -> Bool {
        // (A closure, not `written(utf8:)` itself: that copied the set for every call.)
        var id = id
        return id.withUTF8 { written(utf8: $0) }
    }

    /// `written` of the id spelled by these UTF-8 bytes.
    func written(utf8 u: UnsafeBufferPointer<UInt8>) -> Bool {
        if let p = pairs, let key = p.key(u) {
            return p.slot(key).map { p.slots[$0] & PairTable.writtenBit != 0 } ?? false
        }
        if let (s, n) = spanOf(u) { return spans[s].bits(n) == 3 }
        return CompactID.with(u) { wholeLine($0).map { $0 < 0 } ?? false }
    }

    /// What `written` says of the id numbered `n` by the numbering the set keeps whole ids by
    /// (`number(elsewhere:)`), when the set holds that id so; nil when it does not (never met,
    /// or held some other way: ask `written` with the id).
    func written(elsewhere n: Int) -> Bool? {
        guard elsewhere != nil, n >= 0, n < elsewhereLines.count, elsewhereLines[n] != 0 else {
            return nil
        }
        return elsewhereLines[n] < 0
    }

    /// Whether `id` was met and marked written, in memory, on disk or among the district's
    /// rows: the writer's thread only.
    func wasWritten(_ id: String) throws -> Bool {
        var id = id
        if let known, let i = id.withUTF8({ known.exactSlot($0) }) { return known.isWritten(i) }
        if written(id) { return true }
        guard spillSet != 0 else { return false }
        return try id.withUTF8 { u in
            try CompactID.with(u) { try movedLine($0).map { $0 < 0 } ?? false }
        }
    }

    /// Meets an id among the district's rows (`known`, this set's) in slot `i` on `line`: nil
    /// when new to this import; when met before, the line its written row was on
    /// (`lineUnknown` when none was written). `unnumbered`: whether the id is not a prefix and
    /// a number, asked only while no id met was.
    private mutating func meetKnown(
        _ known: KnownRows, _ i: Int, line: Int, unnumbered: () -> Bool
    ) -> Int? {
        if known.isMet(i) {
            lastAdded = .none  // a repeat adds nothing to mark
            return known.writtenLine(i) ?? Self.lineUnknown
        }
        known.meet(i)
        if !knownUnnumbered && unnumbered() { knownUnnumbered = true }
        count += 1
        lastAdded = .known(i, line: line)
        return nil
    }

    // MARK: numbers

    /// A prefix's numbers of one digit count (leading zeros are part of the id, so `S007` and
    /// `S07` are told apart by it), two bits each from `base`: met, then written.
    private struct NumberSpan {
        let prefix: [UInt8]
        let digits: Int
        var base = 0
        var words: [UInt64] = []
        var lines = NumberLines()
        var count = 0
        /// Too sparse for a span: its ids were moved to the table, where later ones go too.
        var isSpilled = false

        func bits(_ n: Int) -> UInt64 {
            let k = n - base
            guard k >= 0, k < words.count * 32 else { return 0 }
            return words[k >> 5] >> UInt64((k & 31) * 2) & 3
        }

        mutating func mark(_ n: Int, written: Bool) {
            let k = n - base
            words[k >> 5] |= (written ? 2 : 1) << UInt64((k & 31) * 2)
        }

        /// The first line of `n` plus one (0: not known).
        func line(_ n: Int) -> Int32 { lines.line(n) }

        mutating func setLine(_ n: Int, _ line: Int) { lines.set(n, line) }

        /// Widens the span to hold `n`, unless the span would then take more than about what
        /// the table takes for its ids (40 bytes an id): returns false.
        mutating func reach(_ n: Int) -> Bool {
            if words.isEmpty {
                base = n & ~31
                words = [0]
                return true
            }
            let k = n - base
            if k >= 0 && k < words.count * 32 { return true }
            let low = min(base, n & ~31)
            let high = max(base + words.count * 32, (n & ~31) + 32)
            let allowed = 5 * (count + 1) + 64
            guard (high - low) / 32 <= allowed else { return false }
            if low < base {
                // Room below with slack, so that ids met in falling order do not shift the
                // span at every step.
                let slack = min(words.count / 2, allowed - (high - low) / 32)
                let newBase = max(0, low - slack * 32)
                words.insert(contentsOf: repeatElement(0, count: (base - newBase) / 32), at: 0)
                base = newBase
            }
            if (high - base) / 32 > words.count {
                words.append(contentsOf: repeatElement(0, count: (high - base) / 32 - words.count))
            }
            return true
        }
    }

    /// The first lines of a span's numbers: each number (from the span's first, which stays its
    /// anchor) and its line plus one in one word of an open-addressing table, at most half
    /// full. A span is far narrower than 2^32 numbers; were it wider, two numbers 2^32 apart
    /// would share a line (the one reported for a repeat, never whether it is one).
    private struct NumberLines {
        var anchor = 0
        var slots: [UInt64] = []
        var count = 0

        mutating func set(_ n: Int, _ line: Int) {
            if slots.isEmpty {
                anchor = n
                slots = [UInt64](repeating: 0, count: 64)
            }
            if (count + 1) * 2 > slots.count {
                let old = slots
                slots = [UInt64](repeating: 0, count: old.count * 2)
                for o in old where o != 0 { slots[free(UInt32(truncatingIfNeeded: o))] = o }
            }
            let k = UInt32(truncatingIfNeeded: n &- anchor)
            let i = free(k)
            if slots[i] == 0 { count += 1 }
            slots[i] = UInt64(UInt32(clamping: max(line + 1, 1))) << 32 | UInt64(k)
        }

        /// The line of `n` plus one; 0 when not set.
        func line(_ n: Int) -> Int32 {
            guard !slots.isEmpty else { return 0 }
            let s = slots[free(UInt32(truncatingIfNeeded: n &- anchor))]
            return s == 0 ? 0 : Int32(clamping: s >> 32)
        }

        /// The slot of `k`, or the empty one where it would go.
        private func free(_ k: UInt32) -> Int {
            var i =
                Int(truncatingIfNeeded: (UInt64(k) &* 0x9E37_79B9_7F4A_7C15) >> 32)
                & (slots.count - 1)
            while slots[i] != 0 && UInt32(truncatingIfNeeded: slots[i]) != k {
                i = (i + 1) & (slots.count - 1)
            }
            return i
        }
    }

    /// The span and number of an id that is a prefix and 1 to 18 digits; with `adding`, a new
    /// prefix gets a span while there are fewer than `maxSpans`. Nil: the id is kept whole.
    private func spanOf(_ u: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        guard numbered, !spans.isEmpty, let (prefix, digits, n) = Self.split(u) else { return nil }
        for (i, s) in spans.enumerated() where s.digits == digits && s.prefix.elementsEqual(prefix)
        {
            return s.isSpilled ? nil : (i, n)
        }
        return nil
    }

    private mutating func spanOf(_ u: UnsafeBufferPointer<UInt8>, adding: Bool) -> (Int, Int)? {
        guard numbered, let (prefix, digits, n) = Self.split(u) else { return nil }
        for (i, s) in spans.enumerated() where s.digits == digits && s.prefix.elementsEqual(prefix)
        {
            return s.isSpilled ? nil : (i, n)
        }
        guard spans.count < Self.maxSpans else { return nil }
        spans.append(NumberSpan(prefix: Array(prefix), digits: digits))
        return (spans.count - 1, n)
    }

    /// Adds the number `n` to span `s`: nil when new (or when the span had to be spilled, which
    /// the caller sees by `isSpilled`), `lineUnknown` when met before.
    private mutating func insertNumber(_ s: Int, _ n: Int, line: Int) throws -> Int? {
        guard spans[s].reach(n) else {
            try spillSpan(s)
            return nil
        }
        if spans[s].bits(n) & 1 != 0 {
            lastAdded = .none  // a repeat adds nothing to mark
            let first = spans[s].line(n)
            return first > 0 ? Int(first) - 1 : Self.lineUnknown
        }
        spans[s].mark(n, written: false)
        if linesKept < mostLines {
            spans[s].setLine(n, line)
            linesKept += 1
        }
        spans[s].count += 1
        count += 1
        lastAdded = .number(span: s, n)
        return nil
    }

    /// Moves a span's ids into the table, with their lines, for a prefix whose numbers are too
    /// far apart for a span to pay.
    private mutating func spillSpan(_ s: Int) throws {
        let span = spans[s]
        spans[s] = NumberSpan(prefix: span.prefix, digits: span.digits, isSpilled: true)
        count -= span.count
        for (w, word) in span.words.enumerated() where word != 0 {
            for j in 0..<32 where word >> UInt64(j * 2) & 1 != 0 {
                let n = span.base + w * 32 + j
                var digits = Array(String(n).utf8)
                digits.insert(
                    contentsOf: repeatElement(UInt8(ascii: "0"), count: span.digits - digits.count),
                    at: 0)
                let written = word >> UInt64(j * 2 + 1) & 1 != 0
                let first = span.line(n)
                let stored = first > 0 ? first : .max
                try (span.prefix + digits).withUnsafeBufferPointer { u in
                    _ = try insertWhole(u, written ? -stored : stored)
                }
            }
        }
    }

    // MARK: pairs

    /// Keys of two numbered ids joined by U+001F: 4 bits for each side's prefix and digit count
    /// (15 of each side), 27 bits for each number, in an open-addressing table whose slots also
    /// hold a written mark and an in-use bit.
    private struct PairTable {
        static let writtenBit: UInt64 = 1 << 62
        static let used: UInt64 = 1 << 63
        var slots = [UInt64](repeating: 0, count: 64)
        var count = 0
        /// Each side's prefixes and digit counts, by the 4-bit number a key gives them.
        var sides: [[(prefix: [UInt8], digits: Int)]] = [[], []]

        /// The key of `u`; nil when it is not two numbered ids (or a side has too many
        /// prefixes, or a number over 27 bits): then it is kept whole.
        func key(_ u: UnsafeBufferPointer<UInt8>) -> UInt64? {
            guard let (l, r) = Self.halves(u) else { return nil }
            guard let lc = side(0, l.0, l.1), let rc = side(1, r.0, r.1) else { return nil }
            return Self.key(lc, rc, l.2, r.2)
        }

        mutating func key(_ u: UnsafeBufferPointer<UInt8>, adding: Bool) -> UInt64? {
            guard let (l, r) = Self.halves(u) else { return nil }
            var classes: [Int] = []
            for (i, (prefix, digits, _)) in [l, r].enumerated() {
                if let c = side(i, prefix, digits) {
                    classes.append(c)
                } else if sides[i].count < 15 {
                    sides[i].append((Array(prefix), digits))
                    classes.append(sides[i].count - 1)
                } else {
                    return nil
                }
            }
            return Self.key(classes[0], classes[1], l.2, r.2)
        }

        private func side(_ i: Int, _ prefix: UnsafeBufferPointer<UInt8>, _ digits: Int) -> Int? {
            sides[i].firstIndex { $0.digits == digits && $0.prefix.elementsEqual(prefix) }
        }

        private static func key(_ lc: Int, _ rc: Int, _ ln: Int, _ rn: Int) -> UInt64 {
            UInt64(lc) << 58 | UInt64(rc) << 54 | UInt64(ln) << 27 | UInt64(rn)
        }

        private static func halves(_ u: UnsafeBufferPointer<UInt8>) -> (
            (UnsafeBufferPointer<UInt8>, Int, Int), (UnsafeBufferPointer<UInt8>, Int, Int)
        )? {
            guard let j = u.firstIndex(of: 0x1f),
                let l = split(UnsafeBufferPointer(rebasing: u[0..<j])),
                let r = split(UnsafeBufferPointer(rebasing: u[(j + 1)...])),
                l.2 < 1 << 27, r.2 < 1 << 27
            else { return nil }
            return (l, r)
        }

        func slot(_ key: UInt64) -> Int? {
            var i = Self.start(key, slots.count)
            while slots[i] != 0 {
                if slots[i] & ~(Self.used | Self.writtenBit) == key { return i }
                i = (i + 1) & (slots.count - 1)
            }
            return nil
        }

        /// Adds `key`: its slot, or nil when it was there.
        mutating func insert(_ key: UInt64) -> Int? {
            if (count + 1) * 4 > slots.count * 3 {
                let old = slots
                slots = [UInt64](repeating: 0, count: old.count * 2)
                for o in old where o != 0 {
                    var i = Self.start(o & ~(Self.used | Self.writtenBit), slots.count)
                    while slots[i] != 0 { i = (i + 1) & (slots.count - 1) }
                    slots[i] = o
                }
            }
            var i = Self.start(key, slots.count)
            while slots[i] != 0 {
                if slots[i] & ~(Self.used | Self.writtenBit) == key { return nil }
                i = (i + 1) & (slots.count - 1)
            }
            slots[i] = key | Self.used
            count += 1
            return i
        }

        private static func start(_ key: UInt64, _ n: Int) -> Int {
            Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & (n - 1)
        }
    }

    private mutating func insertPair(_ key: UInt64) -> Int? {
        guard let i = pairs?.insert(key) ?? nil else {
            lastAdded = .none  // a repeat adds nothing to mark
            return Self.lineUnknown
        }
        count += 1
        lastAdded = .pair(i)
        return nil
    }

    /// Splits an id into the bytes before its last run of digits, the run's length and its value.
    /// A UUID is no prefix and number, even when it ends in digits (`…-8987c105f2e7`): each
    /// would take a span of its own, without its line, until the spans ran out.
    private static func split(_ u: UnsafeBufferPointer<UInt8>) -> (
        UnsafeBufferPointer<UInt8>, Int, Int
    )? {
        if CompactID.hasUUIDShape(u) { return nil }
        var i = u.count
        while i > 0 && u[i - 1] &- UInt8(ascii: "0") < 10 { i -= 1 }
        let digits = u.count - i
        guard digits > 0 && digits <= 18 else { return nil }
        var n = 0
        for k in i..<u.count { n = n &* 10 &+ Int(u[k] &- UInt8(ascii: "0")) }
        return (UnsafeBufferPointer(rebasing: u[0..<i]), digits, n)
    }

    // MARK: whole ids

    /// `insertWhole` of the id numbered `n` elsewhere.
    private mutating func insertElsewhere(_ n: Int, _ stored: Int32) -> Int? {
        if elsewhereLines[n] != 0 {
            lastAdded = .none  // a repeat adds nothing to mark
            return Self.firstLine(elsewhereLines[n])
        }
        elsewhereLines[n] = stored
        count += 1
        inElsewhere += 1
        lastAdded = .elsewhere(n)
        return nil
    }

    /// Adds an id kept whole, with `stored` as its slot's line; returns the first line of a
    /// repeat.
    private mutating func insertWhole(_ u: UnsafeBufferPointer<UInt8>, _ stored: Int32) throws
        -> Int?
    {
        if let n = elsewhere?.find(packed: u) { return insertElsewhere(n, stored) }
        if let spill, inTable > 0,
            bytes.count + 4 + u.count + slots.count * MemoryLayout<Slot>.stride > budget
        {
            try moveToDisk(spill)
        }
        if (inTable + 1) * 10 > slots.count * 7 { grow() }
        let h = Self.hash(u)
        var i = Int(h) & (slots.count - 1)
        while slots[i].offset != 0 {
            if slots[i].hash == h && matches(i, u) {
                lastAdded = .none  // a repeat adds nothing to mark
                return Self.firstLine(slots[i].line)
            }
            i = (i + 1) & (slots.count - 1)
        }
        if let line = try movedLine(u) {
            lastAdded = .none
            return Self.firstLine(line)
        }
        slots[i] = Slot(offset: UInt32(bytes.count + 1), line: stored, hash: h)
        // Grow by half, not double: for a large import the buffer is most of the set.
        let needed = bytes.count + 4 + u.count
        if needed > bytes.capacity {
            bytes.reserveCapacity(max(needed, bytes.capacity + bytes.capacity / 2))
        }
        withUnsafeBytes(of: UInt32(u.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: u)
        count += 1
        inTable += 1
        lastAdded = .slot(i)
        return nil
    }

    /// The first line of a repeat, from a stored line (its line plus one, negative once
    /// written, `Int32.max` when not known).
    private static func firstLine(_ stored: Int32) -> Int {
        let first = abs(stored)
        return first == .max ? lineUnknown : Int(first) - 1
    }

    // MARK: ids moved to disk

    /// The stored line of an id moved to disk; nil when it was not moved.
    private func movedLine(_ u: UnsafeBufferPointer<UInt8>) throws -> Int32? {
        guard spillSet != 0, moved?.contains(u) == true, let spill else { return nil }
        return try spill.line(spillSet, u)
    }

    /// Moves every id of the table in memory, with its line and mark, to the spill's table (in
    /// the order of their bytes, so that SQLite writes each page of its tree once per move),
    /// and empties the table. Only at the start of an insert, which adds the id the next
    /// `markLastWritten` marks.
    private mutating func moveToDisk(_ spill: IDSpill) throws {
        if spillSet == 0 {
            spillSet = try spill.newSet()
            moved = KeyFilter(bytes: spill.filterBytes)
        }
        try bytes.withUnsafeBufferPointer { b in
            func id(_ slot: Slot) -> UnsafeBufferPointer<UInt8> { Self.id(of: slot, in: b) }
            let used = slots.filter { $0.offset != 0 }.sorted {
                id($0).lexicographicallyPrecedes(id($1))
            }
            for slot in used {
                try spill.add(spillSet, id(slot), line: slot.line)
                moved?.insert(id(slot))
            }
        }
        slots = [Slot](repeating: Slot(), count: 64)
        bytes.removeAll(keepingCapacity: true)
        inTable = 0
    }

    /// Keeps the whole ids `ids` numbers by their numbers (see `elsewhere`), in memory (a copy
    /// asked on another thread reads them too). Only before any id is met: a set that met some
    /// already stays as it is (an id must be held in one place only).
    mutating func number(elsewhere ids: Interner) {
        guard count == 0 else { return }
        elsewhere = ids
        elsewhereLines = [Int32](repeating: 0, count: ids.count)
    }

    /// The stored line of a whole id in memory (0 for an id numbered elsewhere but not met);
    /// nil when the set holds it in neither place.
    private func wholeLine(_ u: UnsafeBufferPointer<UInt8>) -> Int32? {
        // None met yet (a re-import meets the district's among its rows): no look-up.
        if inElsewhere > 0, let n = elsewhere?.find(packed: u) { return elsewhereLines[n] }
        return slot(u).map { slots[$0].line }
    }

    private func slot(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(u)
        var i = Int(h) & (slots.count - 1)
        while slots[i].offset != 0 {
            if slots[i].hash == h && matches(i, u) { return i }
            i = (i + 1) & (slots.count - 1)
        }
        return nil
    }

    private func matches(_ slot: Int, _ u: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            let id = Self.id(of: slots[slot], in: b)
            guard id.count == u.count, let a = id.baseAddress else { return id.count == u.count }
            return memcmpEqual(a, u.baseAddress, u.count)
        }
    }

    /// The bytes of the id a slot holds, in `b` (the set's `bytes`).
    private static func id(of slot: Slot, in b: UnsafeBufferPointer<UInt8>)
        -> UnsafeBufferPointer<UInt8>
    {
        let at = Int(slot.offset) - 1
        let n = (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) }
        return UnsafeBufferPointer(rebasing: b[(at + 4)..<(at + 4 + n)])
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        for o in old where o.offset != 0 {
            var i = Int(o.hash) & (slots.count - 1)
            while slots[i].offset != 0 { i = (i + 1) & (slots.count - 1) }
            slots[i] = o
        }
    }

    /// The table's hash; the bytes are compared in full on a match.
    private static func hash(_ u: UnsafeBufferPointer<UInt8>) -> UInt32 { foldedFNV1a(u) }
}

/// Where the sets of one import move the whole ids they may not keep in memory: a table of the
/// connection's temporary database (a file of SQLite's, removed when the connection closes),
/// written in the import's transaction, each set's ids under a number of their own. A look-up
/// here costs a read of SQLite's tree, so the sets keep ids in memory up to `budget` and ask
/// here only for ids their filter has seen moved.
final class IDSpill {
    /// The default bytes a set keeps whole ids in before moving them to disk, and the size of
    /// the filter a set that moved ids keeps of them (at 1,000,000 ids about one id never met in
    /// 20,000 costs a look-up). 16 MB holds about 450,000 UUIDs: measured at 300,000 students
    /// with UUIDs (native files), 8 MB moved students and guardians to disk and the import took
    /// 9.1 s, 16 MB kept them and took 6.9 s, each peaking at 88 MB.
    static let defaultBudget = 16 << 20
    static let filterBytes = 2 << 20

    let budget: Int
    let filterBytes: Int
    private let db: Database
    private var sets = 0
    /// Prepared once the table is made.
    private var statements: (insert: Statement, find: Statement, update: Statement)?

    private func prepared() throws -> (insert: Statement, find: Statement, update: Statement) {
        guard let statements else {
            throw PortalError(.internal, "the import's id table was used before it was made")
        }
        return statements
    }

    init(
        _ db: Database, budget: Int = IDSpill.defaultBudget, filterBytes: Int = IDSpill.filterBytes
    ) {
        self.db = db
        self.budget = budget
        self.filterBytes = filterBytes
    }

    private static let table = "temp.roster_import_ids"

    /// A number for a set's ids; the first makes the table (emptied of what an import that
    /// failed after a commit may have left).
    func newSet() throws -> Int {
        if sets == 0 {
            try db.execute(
                """
                CREATE TABLE IF NOT EXISTS \(Self.table)(
                    set_no INTEGER NOT NULL, id TEXT NOT NULL, line INTEGER NOT NULL,
                    PRIMARY KEY (set_no, id)) WITHOUT ROWID;
                DELETE FROM \(Self.table);
                """)
            statements = (
                insert: try db.statement(
                    "INSERT INTO \(Self.table)(set_no, id, line) VALUES (?, ?, ?)"),
                find: try db.statement(
                    "SELECT line FROM \(Self.table) WHERE set_no = ? AND id = ?"),
                update: try db.statement(
                    "UPDATE \(Self.table) SET line = ? WHERE set_no = ? AND id = ?")
            )
        }
        sets += 1
        return sets
    }

    func add(_ set: Int, _ id: UnsafeBufferPointer<UInt8>, line: Int32) throws {
        try db.run(try prepared().insert) { st in
            try st.set(1, .int(Int64(set)))
            try st.set(2, text: id)
            try st.set(3, .int(Int64(line)))
        }
    }

    /// The line stored with an id of the set; nil when the id is not there.
    func line(_ set: Int, _ id: UnsafeBufferPointer<UInt8>) throws -> Int32? {
        try db.firstValue(try prepared().find) { st in
            try st.set(1, .int(Int64(set)))
            try st.set(2, text: id)
        }?.int.map { Int32(truncatingIfNeeded: $0) }
    }

    func setLine(_ set: Int, _ id: UnsafeBufferPointer<UInt8>, _ line: Int32) throws {
        try db.run(try prepared().update) { st in
            try st.set(1, .int(Int64(line)))
            try st.set(2, .int(Int64(set)))
            try st.set(3, text: id)
        }
    }

    /// Removes the table, at the end of an import that made it.
    func close() throws {
        if sets > 0 { try db.execute("DROP TABLE IF EXISTS \(Self.table)") }
        sets = 0
        statements = nil
    }
}

/// FNV-1a's offset basis, where a hash of nothing starts.
let fnv1aBasis: UInt64 = 0xcbf2_9ce4_8422_2325

/// 64-bit FNV-1a of some bytes: the hash of the import's in-memory sets and filter (not a
/// security hash; ids are compared in full where a match matters).
func fnv1a(_ u: UnsafeBufferPointer<UInt8>) -> UInt64 { fnv1a(u, from: fnv1aBasis) }

/// FNV-1a of some bytes continued from `h`, to hash several pieces as one.
func fnv1a(_ u: UnsafeBufferPointer<UInt8>, from h: UInt64) -> UInt64 {
    var h = h
    for b in u {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}

/// FNV-1a folded to 32 bits, for open-addressing tables.
func foldedFNV1a(_ u: UnsafeBufferPointer<UInt8>) -> UInt32 {
    let h = fnv1a(u)
    return UInt32(truncatingIfNeeded: h ^ (h >> 32))
}

func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
    guard n > 0, let b else { return true }
    for k in 0..<n where a[k] != b[k] { return false }
    return true
}

/// A Bloom filter of fixed size: a key is certainly new, or perhaps met before. Each key sets 8
/// bits in one 64-byte block (one cache line a look-up). A re-import keeps its links' keys so,
/// and settles every "perhaps" exactly (see `RosterWriter`): the filter's size bounds memory,
/// its false hits cost only time.
struct KeyFilter {
    /// 4 MB: at 100,000 students' 173,000 links, about one new key in a billion is taken for one
    /// met (each such costs reading the file again, never a wrong result).
    static let defaultBytes = 4 << 20
    static let mostBytes = 12 << 20

    /// The filter for a file of `lines` links: 7 bytes (56 bits) a link, from 4 to 12 MB. 4 MB
    /// for 1,000,000 students' 1,750,000 links took a few hundred new links for met, and the
    /// last of them had the file read again to its end (1.5 s of a 10 s re-import); at 56 bits
    /// a link, about one in ten million is (up to 1,800,000 links).
    static func bytes(forLinks lines: Int) -> Int {
        min(max(lines * 7, defaultBytes), mostBytes)
    }

    private var words: [UInt64]
    private let blocks: UInt64

    init(bytes: Int) {
        let blocks = max(1, bytes / 64)
        self.blocks = UInt64(blocks)
        words = [UInt64](repeating: 0, count: blocks * 8)
    }

    /// Adds the key; returns whether it was certainly new.
    @discardableResult
    mutating func insert(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { insert($0) }
    }

    /// Adds the key given as its UTF-8 bytes; returns whether it was certainly new.
    @discardableResult
    mutating func insert(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let (block, bits) = Self.probe(u, blocks)
        var new = false
        for i in 0..<8 where bits[i] != 0 {
            let w = block * 8 + i
            if words[w] & bits[i] != bits[i] { new = true }
            words[w] |= bits[i]
        }
        return new
    }

    /// Whether the key (its UTF-8 bytes) was perhaps added.
    func contains(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let (block, bits) = Self.probe(u, blocks)
        for i in 0..<8 where words[block * 8 + i] & bits[i] != bits[i] { return false }
        return true
    }

    /// The key's block and its 8 bits there, as masks of the block's 8 words.
    private static func probe(_ u: UnsafeBufferPointer<UInt8>, _ blocks: UInt64) -> (
        Int, SIMD8<UInt64>
    ) {
        var h = fnv1a(u)
        // A finishing mix (MurmurHash3's), so that every bit depends on every byte.
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        let block = Int(((h >> 32) &* blocks) >> 32)
        var bits = SIMD8<UInt64>()
        var g = h &* 0x9e37_79b9_7f4a_7c15
        for _ in 0..<8 {
            let bit = Int(g >> 55)  // 0..<512
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
            g = (g &* 0x9e37_79b9_7f4a_7c15) &+ h
        }
        return (block, bits)
    }
}
