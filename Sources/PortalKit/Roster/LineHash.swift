/// A hash of a line as the import reads it: the fields of the columns it reads, by column (not
/// by place: the same values with the columns moved are the same line), each as written in
/// the file, and whatever else the row is made from (a OneRoster user's role, household, birth
/// date and school, from other files). A row made from a line with nothing wrong in it stores
/// the line's hash instead of its values' (see `TableRow`); a re-import then tells that line
/// unchanged before making its row (`SameLines`), which was most of its work (measured in
/// `Benchmarks/README.md`). A native guardian's address gets a hash of its own, stored with
/// the household it gives.
///
/// A seed must change whenever what the import makes of its lines does (a rule of a field, a
/// column added): every row stored under the old one is then made and compared by its values
/// once, as before.
enum LineHash {
    // Version 2: e-mail addresses with a dot at a part's end or two together, or with
    // characters that need quoting, are no longer taken as they are; a link to a contact who
    // is not a parent has no portal access unless the file says so. Native version 3: a
    // schools.csv status column is read (it was left out, every school listed active).
    // Native version 4, OneRoster version 3: a name's search key folds every Latin letter
    // with a diacritic to its base letter (Vietnamese's "Nguyễn" is "nguyen", it kept its ễ);
    // the first import after it stores the new keys (and those of full-width names, folded
    // to ASCII since an earlier version without a new seed).
    static let native = seed("roster native line, version 4")
    static let nativeAddress = seed("roster native address, version 1")
    static let oneRosterUser = seed("roster OneRoster user, version 3")

    private static func seed(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { fnv1a($0) }
    }

    /// A field of a line (its place) and its column's tag.
    struct Field {
        let at: Int
        let tag: UInt64
    }

    /// The fields a line's hash is made of, and its seed.
    struct Fields {
        let fields: [Field]
        let seed: UInt64
        func of(_ rec: CSVRecord) -> UInt64 { LineHash.of(rec, fields, seed: seed) }
    }

    /// The hash of `fields` of `rec` from `seed`.
    static func of(_ rec: CSVRecord, _ fields: [Field], seed: UInt64) -> UInt64 {
        if rec.keptAsBytes {
            var h = seed
            for f in fields where f.at < rec.fieldCount {
                h = rec.withField(f.at) { mix(h, f.tag, bytes: $0) }
            }
            return h
        }
        // Read in place: a copy of each field (and its release) cost twice the hashing.
        return rec.fields.withUnsafeBufferPointer { values in
            var h = seed
            for f in fields where f.at < values.count { h = mix(h, f.tag, values[f.at]) }
            return h
        }
    }

    /// `h` with a value of tag `tag` (none hashes apart from an empty one).
    static func mix(_ h: UInt64, _ tag: UInt64, _ value: String?) -> UInt64 {
        guard let value else {
            let h = (h ^ tag) &* k
            return fold((h ^ 0xff << 56) &* k)
        }
        if let done = value.utf8.withContiguousStorageIfAvailable({ mix(h, tag, bytes: $0) }) {
            return done
        }
        var copy = value
        return copy.withUTF8 { mix(h, tag, bytes: $0) }
    }

    /// `mix` of a value whose UTF-8 is `u` (a field kept as bytes, see `FieldBytes`).
    static func mix(_ h: UInt64, _ tag: UInt64, bytes u: UnsafeBufferPointer<UInt8>) -> UInt64 {
        words(u, into: (h ^ tag) &* k)
    }

    private static let k: UInt64 = 0x9e37_79b9_7f4a_7c15

    private static func fold(_ h: UInt64) -> UInt64 { h ^ h >> 32 }

    /// The bytes of `u` into `h`, eight at a time: each word xored in, the sum multiplied by an
    /// odd constant and its high half folded down. Each step is one-to-one in `h` for a given
    /// word and in the word for a given `h`, so lines that differ in one word always hash
    /// apart, and the fold carries every bit into the next product. The last word holds the
    /// bytes left and their count (in its top byte: 0 to 7, where 255 stands for no value).
    /// A byte at a time, FNV-1a took five instructions a byte, a third of the cost of
    /// hashing lines (measured with callgrind; 20k students' OneRoster first import).
    private static func words(_ u: UnsafeBufferPointer<UInt8>, into h: UInt64) -> UInt64 {
        guard let base = u.baseAddress else { return fold(h &* k) }
        let raw = UnsafeRawPointer(base)
        var h = h
        var i = 0
        while i + 8 <= u.count {
            h = fold((h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k)
            i += 8
        }
        // The bytes left, four, two and one at a time.
        var last = UInt64(u.count - i) << 56
        var shift: UInt64 = 0
        if u.count - i >= 4 {
            last |= UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            shift = 32
            i += 4
        }
        if u.count - i >= 2 {
            last |= UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt16.self)) << shift
            shift += 16
            i += 2
        }
        if i < u.count { last |= UInt64(u[i]) << shift }
        return fold((h ^ last) &* k)
    }
}

/// The rows of a table the district held when the import began, with their hashes, for the
/// reading thread to tell a line unchanged (see `LineHash`).
struct SameLines: Sendable {
    let keys: KnownRows.Keys
    /// A birth date's year after this is accepted today if it was when its row was stored
    /// (before or in it, it may have become more than 120 years ago since).
    let latestOldYear: Int

    /// The slot of the row of `id` the district held, surely (-1: see `KnownRows.Keys.slots`).
    func slot(_ id: String) -> Int { keys.slot(id) }
    func slot(_ id: UnsafeBufferPointer<UInt8>) -> Int { keys.slot(id) }

    /// The slot of the link whose ends `guardian` and `student` spell (-1 as `slot(_:)`).
    func slot(_ guardian: UnsafeBufferPointer<UInt8>, _ student: UnsafeBufferPointer<UInt8>)
        -> Int
    { keys.slot(guardian, student) }

    /// The slots of the rows of `ids` the district held (see `KnownRows.Keys.slots`).
    func slots(_ ids: [String]) -> [Int] { keys.slots(ids) }

    /// Whether the row in slot `i` was stored from a line of hash `h`.
    func holds(slot i: Int, hash h: UInt64) -> Bool { keys.stored(i, is: h) }

    /// Whether a birth date, as the line gives it, was surely accepted then and now: none, or
    /// one whose year (its first four digits, or its last: M/D/YYYY) is recent enough.
    /// Anything else is made and checked again.
    func acceptsStill(birthDate v: String?) -> Bool {
        guard var v = v?.trimmed(), !v.isEmpty else { return true }
        let year: Int? = v.withUTF8 { u in
            func digits(_ r: Range<Int>) -> Int? {
                var n = 0
                for i in r {
                    guard u[i] >= UInt8(ascii: "0") && u[i] <= UInt8(ascii: "9") else {
                        return nil
                    }
                    n = n * 10 + Int(u[i] - UInt8(ascii: "0"))
                }
                return n
            }
            guard u.count >= 8 else { return nil }
            return digits(0..<4) ?? digits((u.count - 4)..<u.count)
        }
        return year.map { $0 > latestOldYear } ?? false
    }
}

extension RosterWriter {
    /// The rows of `t` the district held, to tell a line unchanged by (nil: every row is made).
    /// Taken before the file's first row: the writer's own copy changes as it marks them.
    func sameLines(_ t: RosterTable) -> SameLines? {
        known[t.index].map { SameLines(keys: $0.keys, latestOldYear: today.year - 120) }
    }
}
