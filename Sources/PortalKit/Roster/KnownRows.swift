/// The rows of one table a district held when a re-import began, for the import to tell an
/// unchanged row, a changed one and a new one without asking SQLite, and to mark which it met.
///
/// Each row is kept as a 64-bit fingerprint of its key (as the import spells it: `guardian␟
/// student` for a link) and the top 48 bits of its stored hash (once the import has written the
/// row, the line it came from instead), with marks (met, written, active), in an
/// open-addressing table of 16-byte slots, three quarters full: 21 bytes a row, where an id set
/// takes 30 to 55 for the same ids and beyond its budget goes to disk (measured at 300,000
/// students' OneRoster bundle with UUIDs, the re-import's links took 1.8 s with a look-up in
/// SQLite and the id set on disk for each).
///
/// Two keys of the district with one fingerprint are both marked `ambiguous`, and the import
/// treats such ids as it would without this table (exactly). A key the district does not hold
/// is taken for one it does only when their fingerprints agree: 1 in 2^64 per pair, about one
/// chance in 10^7 for an import naming a million new ids into a district of a million. Then the
/// new row is still inserted (a look-up finds no row to update), but the old one counts as met:
/// a full import does not mark it inactive, and when the files name it too, the later of the two
/// rows is reported as a repeat.
final class KnownRows {
    fileprivate struct Slot {
        var fingerprint: UInt64 = 0
        var info: UInt64 = 0
    }
    private static let hashBits: UInt64 = (1 << 48) - 1
    private static let hasHash: UInt64 = 1 << 48
    private static let metBit: UInt64 = 1 << 49
    private static let writtenBit: UInt64 = 1 << 50
    private static let ambiguousBit: UInt64 = 1 << 51
    private static let activeBit: UInt64 = 1 << 52

    // Read and marked for every row: unchecked at run time for overlapping accesses (see
    // `RosterWriter`); none overlaps another.
    @exclusivity(unchecked) private var slots: [Slot]
    /// Rows kept.
    @exclusivity(unchecked) private(set) var count = 0
    /// The bytes the table takes.
    var bytes: Int { slots.count * MemoryLayout<Slot>.stride }
    /// Spreads a key's FNV-1a into its fingerprint; tests pass a weak one to make keys collide.
    private let spread: (UInt64) -> UInt64

    /// The memory a table of `rows` rows takes.
    static func bytes(rows: Int) -> Int { capacity(rows) * MemoryLayout<Slot>.stride }

    private static func capacity(_ rows: Int) -> Int { rows + rows / 3 + 1 }

    /// The most rows a table of at most `bytes` holds.
    static func rows(within bytes: Int) -> Int {
        var n = max(0, (bytes / MemoryLayout<Slot>.stride - 1) * 3 / 4)
        while n > 0 && Self.bytes(rows: n) > bytes { n -= 1 }
        while Self.bytes(rows: n + 1) <= bytes { n += 1 }
        return n
    }

    /// Reads the district's rows of `t`: `rows` at most (the count the caller found).
    /// `onlyDistrict`: the database holds no other district, and the table is read whole (a
    /// district's range checked on every row was a fifth of SQLite's work a row).
    init(
        _ db: Database, _ t: RosterTable, district: String, rows: Int, onlyDistrict: Bool = false,
        spread: @escaping (UInt64) -> UInt64 = KnownRows.murmurFinalizer
    ) throws {
        self.spread = spread
        // Filled as a local buffer: this runs for every row of the district.
        var table = [Slot](repeating: Slot(), count: Self.capacity(rows))
        var n = 0
        // The key's columns apart, hashed as the import spells the key (joined by U+001F):
        // joined in SQL, a link's key cost SQLite a string per row (300k students' links read
        // in 0.19 s so, 0.11 s apart).
        let keys = t.keyColumns.count
        // Placed a few hundred rows at a time: each place is a miss of the cache (the table of
        // 300,000 students takes 6 MB), and one after another, each behind a row's reading,
        // they waited in turn; together, the processor looks them up at once.
        var read: [Slot] = []
        read.reserveCapacity(256)
        try table.withUnsafeMutableBufferPointer { table in
            try db.forEachRaw(
                Self.query(t, onlyDistrict: onlyDistrict), onlyDistrict ? [] : [.text(district)]
            ) { row in
                guard n < rows else { return }
                n += 1
                let info =
                    (Self.storedHash(row.bytes(keys)).map { $0 | Self.hasHash } ?? 0)
                    | (row.int(keys + 1) == 1 ? Self.activeBit : 0)
                let h = Self.keyHash(keys) { k, h in fnv1a(row.bytes(k), from: h) }
                read.append(Slot(fingerprint: Self.fingerprint(h, spread), info: info))
                if read.count == read.capacity { Self.place(&read, in: table) }
            }
            Self.place(&read, in: table)
        }
        slots = table
        count = n
    }

    /// What `init` reads of `t`: each row's key, stored hash and whether it is active, in the
    /// order of the table's key, its rows read one after another (without the order, SQLite
    /// read the people of a large district through their smaller household index, finding each
    /// row by its key: 300,000 guardians of a database of one district 0.16 -> 0.05 s, on the
    /// thread a re-import's first reading waits for; a 300k numbered OneRoster re-import
    /// 1.19 -> 1.07 s).
    static func query(_ t: RosterTable, onlyDistrict: Bool) -> String {
        let key = t.keyColumns.joined(separator: ", ")
        // Households have no status: never absent.
        let active = t.columns.contains("status") ? "status = 'active'" : "0"
        return "SELECT \(key), row_hash, \(active) FROM \(t.rawValue)"
            + (onlyDistrict ? "" : " WHERE district_id = ?") + " ORDER BY district_id, \(key)"
    }

    /// Places the rows `read` in `table` (a key met twice marks its slot ambiguous), and
    /// empties `read`. (A function of its own: nested in `init`, capturing `read`, each use of
    /// it was checked for exclusive access.)
    private static func place(_ read: inout [Slot], in table: UnsafeMutableBufferPointer<Slot>) {
        let size = UInt64(table.count)
        for r in read {
            var i = Int(truncatingIfNeeded: r.fingerprint.multipliedFullWidth(by: size).high)
            while table[i].fingerprint != 0 {
                if table[i].fingerprint == r.fingerprint {
                    table[i].info |= ambiguousBit | (r.info & activeBit)
                    break
                }
                i = i + 1 == table.count ? 0 : i + 1
            }
            if table[i].fingerprint == 0 { table[i] = r }
        }
        read.removeAll(keepingCapacity: true)
    }

    // MARK: fingerprints: FNV-1a over the key's bytes, spread by MurmurHash3's finalizer

    static func murmurFinalizer(_ h: UInt64) -> UInt64 {
        var h = h
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        return h ^ h >> 33
    }

    /// Never 0, which marks an empty slot.
    private static func fingerprint(_ fnv: UInt64, _ spread: (UInt64) -> UInt64) -> UInt64 {
        let f = spread(fnv)
        return f == 0 ? 1 : f
    }

    private func fingerprint(_ fnv: UInt64) -> UInt64 { Self.fingerprint(fnv, spread) }

    /// The top 48 bits of a stored `row_hash`: 8 characters of URL-safe base 64 as written now,
    /// or the 64 bits in hex as earlier versions wrote them (see `TableRow.matches`); nil for
    /// none (an inactivated row) or anything else.
    static func storedHash(_ u: UnsafeBufferPointer<UInt8>) -> UInt64? {
        if u.count == 8 {
            return base64Values.withUnsafeBufferPointer { values in
                var h: UInt64 = 0
                var bad: UInt8 = 0
                for b in u {
                    let v = values[Int(b)]
                    bad |= v
                    h = h << 6 | UInt64(v & 63)
                }
                return bad & 64 == 0 ? h : nil
            }
        }
        guard !u.isEmpty, u.count <= 16 else { return nil }
        var h: UInt64 = 0
        for b in u {
            guard let v = hexValue(b) else { return nil }
            h = h << 4 | v
        }
        return h >> 16
    }

    /// Per byte: its value in the URL-safe base-64 alphabet (as `TableRow.stored` writes), or
    /// 64 for a byte not in it.
    private static let base64Values: [UInt8] = {
        var values = [UInt8](repeating: 64, count: 256)
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        for (v, b) in alphabet.utf8.enumerated() { values[Int(b)] = UInt8(v) }
        return values
    }()

    private static func hexValue(_ b: UInt8) -> UInt64? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(b - UInt8(ascii: "a") + 10)
        default: nil
        }
    }

    /// The slot of the key spelled by `u`; nil when the district did not hold it. A slot may
    /// stand for two keys (`isAmbiguous`): the caller then goes the exact way.
    func slot(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        slot(fingerprint: fingerprint(fnv1a(u)))
    }

    /// The slot of a row's key given as its values (a link's two joined by U+001F, as the
    /// import spells it).
    func slot(key values: ArraySlice<SQLValue>) -> Int? {
        let h = Self.keyHash(values.count) { k, h in
            var text = values[values.startIndex + k].string ?? ""
            return text.withUTF8 { fnv1a($0, from: h) }
        }
        return slot(fingerprint: fingerprint(h))
    }

    /// `slot(key:)` of a row's key, its first `count` arguments, read in place.
    func slot(key arguments: PackedArguments, count: Int) -> Int? {
        let h = Self.keyHash(count) { k, h in
            arguments.withText(k) { u in
                if let u { return fnv1a(u, from: h) }
                var text = arguments.value(k).string ?? ""
                return text.withUTF8 { fnv1a($0, from: h) }
            }
        }
        return slot(fingerprint: fingerprint(h))
    }

    /// The FNV-1a of a key of `count` columns as the import spells it, joined by U+001F:
    /// `column(k, h)` goes on from `h` over the text of column `k`.
    private static func keyHash(_ count: Int, _ column: (_ k: Int, _ h: UInt64) -> UInt64)
        -> UInt64
    {
        var h = fnv1aBasis
        for k in 0..<count {
            if k > 0 { h = (h ^ 0x1f) &* 0x100_0000_01b3 }
            h = column(k, h)
        }
        return h
    }

    private func slot(fingerprint f: UInt64) -> Int? { Self.slot(fingerprint: f, in: slots) }

    fileprivate static func slot(fingerprint f: UInt64, in slots: [Slot]) -> Int? {
        var i = Int(truncatingIfNeeded: f.multipliedFullWidth(by: UInt64(slots.count)).high)
        while slots[i].fingerprint != 0 {
            if slots[i].fingerprint == f { return i }
            i = i + 1 == slots.count ? 0 : i + 1
        }
        return nil
    }

    /// The keys the district held, for the reading thread to ask while the writer marks rows
    /// here: a copy of the table, which shares its memory until the writer next marks one (the
    /// writer's is copied then). Taken for the links' ends, once guardians and students are
    /// written and their tables no longer marked.
    var keys: Keys { Keys(slots: slots, spread: spread) }

    /// (`@unchecked`: the slots are a copy no one changes, and `spread` a pure function.)
    struct Keys: @unchecked Sendable {
        fileprivate let slots: [Slot]
        fileprivate let spread: (UInt64) -> UInt64

        /// Whether the district held the row of `id`, surely (a slot two keys share says no:
        /// the writer then goes the exact way).
        func holds(_ id: String) -> Bool { exactSlot(id) != nil }

        /// Whether the district held the row of `id` (for a link, `guardian␟student`) stored
        /// with the hash `h` when the import began, surely.
        func holds(_ id: String, hash h: UInt64) -> Bool {
            exactSlot(id).map { KnownRows.stored(slots[$0].info, is: h) } ?? false
        }

        /// The slot of each id the district held, surely (-1 for one it did not: see
        /// `exactSlot`), looked up together: every look-up is a miss of the cache (a table of
        /// 300,000 students' links takes 10 MB), and one after another, each waiting on the
        /// work around it, they were most of the work of a re-import's links.
        func slot(_ id: String) -> Int { exactSlot(id) ?? -1 }
        func slot(_ id: UnsafeBufferPointer<UInt8>) -> Int {
            exactSlot(fingerprint: KnownRows.fingerprint(fnv1a(id), spread)) ?? -1
        }

        func slots(_ ids: [String]) -> [Int] {
            let fingerprints = ids.map { id in
                var id = id
                return id.withUTF8 { KnownRows.fingerprint(fnv1a($0), spread) }
            }
            return fingerprints.map { f in
                guard let i = KnownRows.slot(fingerprint: f, in: slots),
                    slots[i].info & KnownRows.ambiguousBit == 0
                else { return -1 }
                return i
            }
        }

        /// `slot(_:)` of the key `a` and `b` spell joined by U+001F (a link's), read in place.
        func slot(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
            let h = KnownRows.keyHash(2) { k, h in fnv1a(k == 0 ? a : b, from: h) }
            return exactSlot(fingerprint: KnownRows.fingerprint(h, spread)) ?? -1
        }

        /// Whether the row in slot `i` was stored with the hash `h`.
        func stored(_ i: Int, is h: UInt64) -> Bool { KnownRows.stored(slots[i].info, is: h) }

        private func exactSlot(_ id: String) -> Int? {
            var id = id
            let i = id.withUTF8 { slot($0) }
            return i >= 0 ? i : nil
        }

        private func exactSlot(fingerprint f: UInt64) -> Int? {
            guard let i = KnownRows.slot(fingerprint: f, in: slots),
                slots[i].info & KnownRows.ambiguousBit == 0
            else { return nil }
            return i
        }
    }

    /// The slot of a key the district held whose fingerprint no other key of it has.
    func exactSlot(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        slot(u).flatMap { isAmbiguous($0) ? nil : $0 }
    }

    /// The marks and hash of slot `i` (for a read ahead of their use: see
    /// `RosterWriter.touchKnownSlots`).
    func info(_ i: Int) -> UInt64 { slots[i].info }
    /// Reads the marks of `count` slots, `slot(k)` for each `k`, in a loop of their own (each
    /// a miss of the cache, made at once here): returns what it read, for the reads to be made.
    func touch(_ count: Int, slot: (Int) -> Int) -> UInt64 {
        var seen: UInt64 = 0
        for k in 0..<count { seen |= slots[slot(k)].info }
        return seen
    }
    func isAmbiguous(_ i: Int) -> Bool { slots[i].info & Self.ambiguousBit != 0 }
    func isMet(_ i: Int) -> Bool { slots[i].info & Self.metBit != 0 }
    func isWritten(_ i: Int) -> Bool { slots[i].info & Self.writtenBit != 0 }
    func meet(_ i: Int) { slots[i].info |= Self.metBit }
    /// Marks the row written, from `line` of its file: its hash is not needed again, and a
    /// repeat of its id can name that line.
    func markWritten(_ i: Int, line: Int) {
        let line = UInt64(clamping: max(0, line)) & Self.hashBits
        slots[i].info = slots[i].info & ~(Self.hashBits | Self.hasHash) | Self.writtenBit | line
    }

    /// The line a written row came from.
    func writtenLine(_ i: Int) -> Int? {
        isWritten(i) ? Int(slots[i].info & Self.hashBits) : nil
    }

    /// Whether some row that was active when the import began has not been met since (or may
    /// not have been: a slot two keys share). False: a full import has no absent rows to look
    /// for in this table (every row it wrote was met, and every other row was here).
    var someActiveUnmet: Bool {
        slots.contains { slot in
            slot.info & Self.activeBit != 0
                && (slot.info & Self.metBit == 0 || slot.info & Self.ambiguousBit != 0)
        }
    }

    /// Whether the row stored in slot `i` is `row` (its hash is the row's values' or its
    /// line's, see `TableRow`): false when its hash is not known.
    func isUnchanged(_ i: Int, _ row: TableRow) -> Bool {
        let info = slots[i].info
        return info & Self.hasHash != 0 && row.matches(top48: info & Self.hashBits)
    }

    fileprivate static func stored(_ info: UInt64, is h: UInt64) -> Bool {
        info & hasHash != 0 && info & hashBits == h >> 16
    }
}

/// The memory the district's rows kept in memory (`KnownRows`) may take together, handed out
/// table by table in the order of the tables, whichever of the import's two threads reads
/// one: a table waits until those before it are decided, so that which are kept never depends
/// on which thread counted first. (The importing thread reads the first tables, the second
/// thread the rest: the second may wait for the first, never the other way.)
final class KnownRowsBudget: @unchecked Sendable {
    private var left: Int
    /// The tables still to decide, in order.
    private var pending: [RosterTable]
    private var cancelled = false
    private let monitor = Monitor()

    init(bytes: Int, tables: [RosterTable]) {
        left = bytes
        pending = tables.sorted { $0.index < $1.index }
    }

    /// Whether `t`'s rows, taking `bytes` (nil: more than a table may), are kept: once the
    /// tables before it are decided, when that much is left. False once `cancel`led.
    func take(_ bytes: Int?, for t: RosterTable) -> Bool {
        monitor.locked {
            monitor.wait { cancelled || pending.first == t }
            if cancelled { return false }
            pending.removeFirst()
            monitor.broadcast()
            guard let bytes, bytes <= left else { return false }
            left -= bytes
            return true
        }
    }

    /// Ends every wait: nothing more is kept (the import is ending early).
    func cancel() {
        monitor.locked {
            cancelled = true
            monitor.broadcast()
        }
    }
}
