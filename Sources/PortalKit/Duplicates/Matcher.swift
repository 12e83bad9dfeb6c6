#if canImport(Glibc)
    internal import Glibc
#endif

/// Duplicate detection for guardians (SPEC §8), for records typed by different people years
/// apart: a slipped key, a name spelt by ear, a missing e-mail, a move, day and month swapped,
/// given and family name in the wrong columns.
///
/// 1. Blocking in many passes (`blockingKeys`), so that an error in any one field still leaves
///    the pair a key in common: phonetic codes (NYSIIS) of the names, the birth date with an
///    initial, postcode with birth year or street number, contact, shared children. A block too
///    large to compare whole is sorted and compared in a sliding window.
/// 2. A comparison vector per candidate pair with graded levels (`Level`): Jaro–Winkler and
///    phonetic levels for names, street and city; birth dates same, day and month swapped, one
///    digit off or same year.
/// 3. Fellegi–Sunter weights: u-probabilities from random pairs (exact name agreement adjusted
///    by the name's frequency, so a shared rare surname counts for more than Smith), and
///    m-probabilities and the share of matches by EM over a sample of the candidates, held
///    near their priors.
/// 4. `likely` only when it is safe to merge (see `isSafe`); the rest, above `minScore`, is
///    `possible`. Pairs are grouped into clusters by complete linkage of likely pairs.
public enum Matcher {
    /// Two records that are probably one, with the score and the evidence.
    public struct Pair: Sendable {
        /// One record's id (the lower).
        public let a: String
        /// The other record's id.
        public let b: String
        /// The probability that they are one, 0 to 1.
        public let score: Double
        /// `likely` (safe to merge) or `possible` (worth a look).
        public let level: String  // likely / possible
        /// The cluster the pair belongs to (records of one person share one).
        public var cluster: String
        /// A guardian comparison, packed (`Matcher.pack`): the words are made when asked for,
        /// so that a million pairs do not each hold a handful of strings.
        let packed: UInt64
        /// The evidence as words, where it is not packed (households).
        let text: [String]?

        /// What agreed and what differed, field by field, with its level.
        public var evidence: [String] { text ?? Matcher.evidence(packed) }

        init(
            a: String, b: String, score: Double, level: String, cluster: String = "",
            evidence: [String]
        ) {
            (self.a, self.b, self.score, self.level, self.cluster) = (a, b, score, level, cluster)
            packed = 0
            text = evidence
        }

        init(a: String, b: String, score: Double, level: String, packed: UInt64) {
            (self.a, self.b, self.score, self.level, cluster) = (a, b, score, level, "")
            self.packed = packed
            text = nil
        }
    }

    /// What is compared, and the levels each comparison can take (0 is always "missing").
    static let fields: [(name: String, levels: [String])] = [
        (
            "given_name",
            [
                "missing", "same", "nickname", "sounds alike", "similar", "typo", "initial",
                "different",
            ]
        ),
        (
            "family_name",
            ["missing", "same", "shared part", "sounds alike", "similar", "typo", "different"]
        ),
        (
            "birth_date",
            ["missing", "same", "day and month swapped", "one digit off", "same year", "different"]
        ),
        ("address", ["missing", "same", "close", "same area", "different"]),
        ("email", ["missing", "same", "different"]),
        ("phone", ["missing", "same", "different"]),
        ("household", ["missing", "same", "different"]),
        ("child", ["missing", "shared", "none shared"]),
        ("unit", ["missing", "same", "different"]),
    ]

    enum F {
        static let given = 0, family = 1, birth = 2, address = 3, email = 4, phone = 5
        static let household = 6, child = 7, unit = 8
    }

    /// The level index meaning "different" (or "none shared") for each field.
    static let differentLevel = fields.map { $0.levels.count - 1 }

    /// A comparison: the level of each field, and whether the names were found swapped.
    struct Vector {
        var levels = [UInt8](repeating: 0, count: fields.count)
        var swapped = false
        /// How the address parts compared (street number, street, city, postcode), for the
        /// evidence: each 0 missing, 1 same, 2 similar, 3 different.
        var addressParts: [UInt8] = [0, 0, 0, 0]
    }

    // MARK: comparison

    static func compare(_ r: MatchRecords, _ i: Int, _ j: Int) -> Vector {
        var v = Vector()
        compare(r, i, j, into: &v)
        return v
    }

    /// Compares records `i` and `j` into `out` (reused from pair to pair: no allocation). With
    /// `stopAtDifferentNames`, a pair whose given names differ is left with only its names
    /// compared: it cannot reach the scores listed.
    static func compare(
        _ r: MatchRecords, _ i: Int, _ j: Int, into out: inout Vector,
        stopAtDifferentNames: Bool = false
    ) {
        var g = nameLevel(r, i, .given, j, .given, r.givenCode[i], r.givenCode[j], given: true)
        // Two different given names that cannot be swapped ones: the family name waits until
        // the pair proves worth comparing whole (`familyLevel` fills `notCompared` then).
        if stopAtDifferentNames && g == 7 && !mayBeSwapped(r, i, j) {
            out.levels[F.given] = 7
            out.levels[F.family] = notCompared
            out.swapped = false
            return
        }
        var f = familyLevel(r, i, j)
        var swapped = false
        if g >= 5 && f >= 4 && mayBeSwapped(r, i, j) {
            // Given and family name in the wrong columns.
            let g2 = nameLevel(
                r, i, .given, j, .family, r.givenCode[i], r.familyCode[j], given: true)
            let f2 = nameLevel(
                r, i, .family, j, .given, r.familyCode[i], r.givenCode[j], given: false)
            // Both within a typo the other way round, and better so than as they stand (a
            // swapped record may carry a typo in each name too).
            if g2 <= 5 && f2 <= 5 && g2 > 0 && f2 > 0 && (min(g2, f2) <= 2 || g2 + f2 < g + f) {
                g = g2
                f = f2 == 1 ? 1 : min(f2, 5)
                swapped = true
            }
        }
        out.levels[F.given] = g
        out.levels[F.family] = f
        out.swapped = swapped
        if stopAtDifferentNames && g == 7 { return }
        compareBeyondNames(r, i, j, into: &out)
    }

    /// The fields other than the names, into `out` (for a pair compared with
    /// `stopAtDifferentNames` that turns out worth comparing whole).
    static func compareBeyondNames(_ r: MatchRecords, _ i: Int, _ j: Int, into out: inout Vector) {
        out.levels[F.birth] = birthLevel(r.birth[i], r.birth[j])
        out.levels[F.address] = addressLevel(r, i, j, parts: &out.addressParts)
        out.levels[F.email] = exact(r, i, j, .email)
        out.levels[F.phone] = exact(r, i, j, .phone)
        out.levels[F.household] =
            r.household[i] == 0 || r.household[j] == 0
            ? 0 : r.household[i] == r.household[j] ? 1 : 2
        out.levels[F.child] = r.childLevel(i, j)
        out.levels[F.unit] = unitLevel(r, i, j)
    }

    /// One level for the address, from its parts (number, street, city, postcode: 0 missing,
    /// 1 same, 2 similar, 3 different): compared as one, since a move changes them all at once
    /// and counting each would count the move four times. 1 same, 2 close (a typo in a part),
    /// 3 same area (postcode or city, another street), 4 different.
    static func addressLevel(_ r: MatchRecords, _ i: Int, _ j: Int, parts: inout [UInt8])
        -> UInt8
    {
        parts[0] = similar(r, i, j, .number, 1)
        parts[1] = similar(r, i, j, .street, 0.9)
        parts[2] = similar(r, i, j, .city, 0.9)
        parts[3] = postcodeLevel(r, i, j)
        return addressLevel(parts)
    }

    /// The address level from parts already compared (see above).
    static func addressLevel(_ p: [UInt8]) -> UInt8 {
        let (number, street, city, postcode) = (p[0], p[1], p[2], p[3])
        if number == 0 && street == 0 && city == 0 && postcode == 0 { return 0 }
        let area = city == 1 || postcode == 1
        let areaClose = city <= 2 && postcode <= 2 && (city != 0 || postcode != 0)
        if number == 1 && street == 1 && (area || (city == 0 && postcode == 0)) && city != 3
            && postcode != 3
        {
            return 1
        }
        if (number == 1 && street <= 2 && street != 0 && (areaClose || area))
            || (number == 2 && street == 1 && area)
        {
            return 2
        }
        if area || (number == 0 && street == 1 && areaClose) { return 3 }
        return 4
    }

    /// Whether the names of `i` could be those of `j` the other way round: each name starts
    /// like (see `startAlike`), or sounds like, the other record's other name (a cheap test
    /// before comparing).
    @inline(__always)
    static func mayBeSwapped(_ r: MatchRecords, _ i: Int, _ j: Int) -> Bool {
        let gi = r.bytes(i, .given)
        let fi = r.bytes(i, .family)
        let gj = r.bytes(j, .given)
        let fj = r.bytes(j, .family)
        guard gi.count > 1, fi.count > 1, gj.count > 1, fj.count > 1 else { return false }
        return (startAlike(gi, fj) || r.givenCode[i] == r.familyCode[j])
            && (startAlike(fi, gj) || r.familyCode[i] == r.givenCode[j])
    }

    /// The share of the letters of the longer of two given names found in the other (each
    /// letter counted as often as it occurs): Carol and Kaorl share 4 of 5.
    static func lettersShared(_ r: MatchRecords, _ i: Int, _ j: Int) -> Double {
        r.with(i, .given) { a in
            r.with(j, .given) { b -> Double in
                guard !a.isEmpty, !b.isEmpty else { return 0 }
                var counts = [Int](repeating: 0, count: 256)
                for c in a { counts[Int(c)] += 1 }
                var shared = 0
                for c in b where counts[Int(c)] > 0 {
                    counts[Int(c)] -= 1
                    shared += 1
                }
                return Double(shared) / Double(max(a.count, b.count))
            }
        }
    }

    /// Whether two names of two letters or more start alike: one of their first two letters
    /// in place, or in the other's other place (a letter slipped in or dropped at the start, or
    /// the first two swapped). Two names that do not could not be one name with one slip.
    @inline(__always)
    static func startAlike(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        a[0] == b[0] || a[1] == b[1] || a[0] == b[1] || a[1] == b[0]
    }

    /// Name levels: 1 same, 2 nickname (given names), 3 sounds alike, 4 similar (Jaro–Winkler
    /// 0.92 or one edit), 5 a typo (0.85, or two edits in a long name), 6 an initial against a
    /// name, 7 different (for family names `familyLevel` maps these).
    static func nameLevel(
        _ r: MatchRecords, _ i: Int, _ fi: MatchRecords.Field, _ j: Int, _ fj: MatchRecords.Field,
        _ ci: UInt64, _ cj: UInt64, given: Bool
    ) -> UInt8 {
        r.with(i, fi) { a in
            r.with(j, fj) { b -> UInt8 in
                if a.isEmpty || b.isEmpty { return 0 }
                if same(a, b) { return 1 }
                if a.count == 1 || b.count == 1 { return a.first == b.first ? 6 : 7 }
                // Nicknames: by the groups found at loading; names in the wrong columns (rare)
                // are looked up.
                if given {
                    if fi == .given && fj == .given {
                        if r.nicknamesMeet(i, j) { return 2 }
                    } else if Nicknames.same(
                        String(decoding: a, as: UTF8.self), String(decoding: b, as: UTF8.self))
                    {
                        return 2
                    }
                }
                // A phonetic code of three letters or more: short names share short codes.
                if ci == cj && ci >= 1 << 16 { return 3 }
                // Most pairs compared share no start at all: neither letter of the first two
                // in place or swapped, which one slip cannot do. Told apart without counting.
                if !startAlike(a, b) { return 7 }
                let edits = Phonetic.editDistance(a, b, limit: 2)
                let short = min(a.count, b.count) <= 4
                // In a short name one letter makes another name (Kou and Tou): a typo at most.
                if edits <= 1 { return short ? 5 : 4 }
                if edits == 2 && min(a.count, b.count) >= 6 {
                    return Phonetic.jaroWinkler(a, b) >= 0.92 ? 4 : 5
                }
                // Further apart: similar only by Jaro–Winkler, which needs the first letter or
                // most of the letters in common.
                if a[0] != b[0] && a.count < 6 { return 7 }
                let jw = Phonetic.jaroWinkler(a, b)
                return jw >= 0.92 && !short ? 4 : jw >= 0.85 ? 5 : 7
            }
        }
    }

    /// The family level of a pair left with its given names only (see `compare`).
    static let notCompared = UInt8.max

    /// Family-name levels: 1 same, 2 a shared part (hyphenated or double surnames), 3 sounds
    /// alike, 4 similar, 5 a typo, 6 different.
    static func familyLevel(_ r: MatchRecords, _ i: Int, _ j: Int) -> UInt8 {
        let l = nameLevel(r, i, .family, j, .family, r.familyCode[i], r.familyCode[j], given: false)
        if l == 1 || l == 0 { return l }
        let shared = r.with(i, .familyParts) { a in
            r.with(j, .familyParts) { b -> Bool in
                // Only a name of two parts or more can share one.
                guard a.contains(32) || b.contains(32) else { return false }
                let pa = a.split(separator: 32)
                let pb = b.split(separator: 32)
                guard pa.count > 1 || pb.count > 1 else { return false }
                return pa.contains { x in x.count > 1 && pb.contains { $0.elementsEqual(x) } }
            }
        }
        if shared { return 2 }
        return l >= 6 ? 6 : l  // an initial for a family name counts as different
    }

    static func birthLevel(_ a: Int32, _ b: Int32) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        if a == b { return 1 }
        let (ya, ma, da) = (a / 10000, a / 100 % 100, a % 100)
        let (yb, mb, db) = (b / 10000, b / 100 % 100, b % 100)
        if ya == yb && ma == db && da == mb { return 2 }
        // One digit of the eight wrong, or two neighbouring digits swapped.
        var diff = 0
        var x = a
        var y = b
        var first = 0
        var second = 0
        for k in 0..<8 {
            if x % 10 != y % 10 {
                diff += 1
                if diff == 1 { first = k } else { second = k }
            }
            x /= 10
            y /= 10
        }
        if diff == 1 { return 3 }
        if diff == 2 && second == first + 1 {
            let p = Int32(pow10(first))
            let a0 = a / p % 10
            let a1 = a / (p * 10) % 10
            let b0 = b / p % 10
            let b1 = b / (p * 10) % 10
            if a0 == b1 && a1 == b0 { return 3 }
        }
        if ya == yb { return 4 }
        return 5
    }

    private static func pow10(_ k: Int) -> Int {
        var v = 1
        for _ in 0..<k { v *= 10 }
        return v
    }

    /// 0 missing, 1 same, 2 similar (Jaro–Winkler at `threshold` or more; for a number, one
    /// digit wrong), 3 different.
    static func similar(
        _ r: MatchRecords, _ i: Int, _ j: Int, _ f: MatchRecords.Field, _ threshold: Double
    ) -> UInt8 {
        r.with(i, f) { a in
            r.with(j, f) { b -> UInt8 in
                if a.isEmpty || b.isEmpty { return 0 }
                if same(a, b) { return 1 }
                if f == .number { return Phonetic.editDistance(a, b, limit: 1) <= 1 ? 2 : 3 }
                // Similar takes the first letter in common (a slip there is rare, and the
                // check spares most comparisons of two different streets or towns).
                if a[0] != b[0] { return 3 }
                return Phonetic.jaroWinkler(a, b) >= threshold ? 2 : 3
            }
        }
    }

    static func exact(_ r: MatchRecords, _ i: Int, _ j: Int, _ f: MatchRecords.Field) -> UInt8 {
        r.with(i, f) { a in
            r.with(j, f) { b -> UInt8 in
                a.isEmpty || b.isEmpty ? 0 : same(a, b) ? 1 : 2
            }
        }
    }

    /// 0 missing, 1 same, 2 different. One flat written two ways ("apt 4", "#4", "unit 4")
    /// is the same: its numbers are; a building's name with a typo in it too. Two numbers that
    /// differ are two flats.
    static func unitLevel(_ r: MatchRecords, _ i: Int, _ j: Int) -> UInt8 {
        r.with(i, .unit) { a in
            r.with(j, .unit) { b -> UInt8 in
                if a.isEmpty || b.isEmpty { return 0 }
                if same(a, b) { return 1 }
                let digits = { (u: UnsafeBufferPointer<UInt8>) in
                    u.filter { (48...57).contains($0) }
                }
                let (da, db) = (digits(a), digits(b))
                if !da.isEmpty || !db.isEmpty { return da == db ? 1 : 2 }
                return Phonetic.editDistance(a, b, limit: 2) <= 2 && min(a.count, b.count) >= 5
                    ? 1 : 2
            }
        }
    }

    /// 0 missing, 1 same, 2 one character off, 3 different.
    static func postcodeLevel(_ r: MatchRecords, _ i: Int, _ j: Int) -> UInt8 {
        r.with(i, .postcode) { a in
            r.with(j, .postcode) { b -> UInt8 in
                if a.isEmpty || b.isEmpty { return 0 }
                if same(a, b) { return 1 }
                return Phonetic.editDistance(a, b, limit: 1) <= 1 ? 2 : 3
            }
        }
    }

    /// Whether two byte strings are equal.
    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return a.count == 0 }
        return memcmp(x, y, a.count) == 0
    }

    /// Jaro–Winkler similarity of two strings (for callers outside the byte arena).
    static func jaroWinkler(_ s1: String, _ s2: String) -> Double {
        var a = s1
        var b = s2
        return a.withUTF8 { x in b.withUTF8 { y in Phonetic.jaroWinkler(x, y) } }
    }

    // MARK: blocking

    /// The blocking keys of record `i`, as 64-bit hashes tagged by pass. Each pass survives an
    /// error in the fields the others use.
    static func blockingKeys(_ r: MatchRecords, _ i: Int, into keys: inout [UInt64]) {
        func key(_ tag: UInt64, _ parts: UInt64...) {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ tag
            for p in parts { h = (h ^ p) &* 0x100_0000_01b3 ^ (h >> 29) }
            // The pass's tag in bits 24-31 (kept by `candidates`, which sorts by bits 24 up).
            keys.append((h ^ (h >> 31)) & ~0xFFFF_FFFF | tag << 24)
        }
        func bytes(_ f: MatchRecords.Field, max: Int = 64) -> UInt64 {
            r.with(i, f) { u in fnv1a(UnsafeBufferPointer(rebasing: u.prefix(max))) }
        }
        let given = r.isEmpty(i, .given) ? 0 : bytes(.given)
        let g1 = r.with(i, .given) { UInt64($0.first ?? 0) }
        let f1 = r.with(i, .family) { UInt64($0.first ?? 0) }
        let gc = r.givenCode[i]
        let fc = r.familyCode[i]
        let birth = r.birth[i]
        let postcode = r.isEmpty(i, .postcode) ? 0 : bytes(.postcode)
        let number = r.isEmpty(i, .number) ? 0 : bytes(.number)
        if !r.isEmpty(i, .email) { key(1, bytes(.email)) }
        if !r.isEmpty(i, .phone) { key(2, bytes(.phone)) }
        for c in r.children(of: i) { key(3, c) }
        if fc != 0 { key(4, fc, g1) }
        if gc != 0 && fc != 0 { key(5, min(gc, fc), max(gc, fc)) }
        if given != 0 && fc != 0 { key(6, given, r.with(i, .family) { UInt64($0.count) }) }
        if birth != 0 {
            let y = UInt64(birth / 10000)
            let m = UInt64(birth / 100 % 100)
            let d = UInt64(birth % 100)
            // Day and month in either order: a swapped date keeps its key.
            let md = min(m, d) << 8 | max(m, d)
            key(7, y, md, g1)
            key(8, y, md, f1)
            // Both initials, in either order: names in the wrong columns keep this key.
            key(9, y, md, min(g1, f1) << 8 | max(g1, f1))
        }
        // The birth date where the person lives: both names mangled, the address typed again.
        if birth != 0 && postcode != 0 { key(10, UInt64(bitPattern: Int64(birth)), postcode) }
        if postcode != 0 && number != 0 { key(11, postcode, number) }
        // The postcode, the first two letters of the family name and the given name's initial:
        // a move within the town with both names mistyped past their start.
        if postcode != 0 && g1 != 0 {
            let f2 = r.with(i, .family) { $0.count >= 2 ? UInt64($0[0]) << 8 | UInt64($0[1]) : 0 }
            if f2 != 0 { key(13, postcode, f2, g1) }
        }
        if number != 0 && !r.isEmpty(i, .street) {
            key(12, number, bytes(.street, max: 4))
        }
        if r.household[i] != 0 { key(14, r.household[i]) }
        // The ends of the names, for names mistyped at their start (DSyteve and Steve): the
        // last three letters of both, in either order, and the family name's first three with
        // the given name's last two.
        let gEnd = r.with(i, .given) {
            $0.count >= 3 ? fnv1a(UnsafeBufferPointer(rebasing: $0.suffix(3))) : 0
        }
        let fEnd = r.with(i, .family) {
            $0.count >= 3 ? fnv1a(UnsafeBufferPointer(rebasing: $0.suffix(3))) : 0
        }
        if gEnd != 0 && fEnd != 0 { key(15, min(gEnd, fEnd), max(gEnd, fEnd)) }
        let g2End = r.with(i, .given) {
            $0.count >= 2 ? fnv1a(UnsafeBufferPointer(rebasing: $0.suffix(2))) : 0
        }
        if g2End != 0 && fEnd != 0 { key(16, bytes(.family, max: 3), g2End) }
        // The day and month (either order) with both initials (either order): a slip in the
        // year and a move.
        if birth != 0 {
            let m = UInt64(birth / 100 % 100)
            let d = UInt64(birth % 100)
            key(17, min(m, d) << 8 | max(m, d), min(g1, f1) << 8 | max(g1, f1))
        }
    }

    /// The passes keyed on names, whose large blocks are compared in windows by birth date (or,
    /// for pass 5, by address).
    static let nameKeys: Set<UInt64> = [4, 5, 6, 15, 16]
    /// The passes for records mangled in several fields, whose pairs are kept only where they
    /// share something besides the names (`sharesMoreThanNames`).
    static let rescueKeys: Set<UInt64> = [15, 16, 17]

    /// Candidate pairs (`a << 32 | b`, a < b), each once: records sharing a blocking key. A
    /// block larger than `cap` is sorted by name and compared in windows of `window`, so that a
    /// common name or a large building does not make the cost quadratic.
    /// `digests`: `Matcher.digests(r)`, when already made.
    static func candidates(
        _ r: MatchRecords, digests: [UInt32]? = nil, cap: Int = 8, window: Int = 2
    ) -> [UInt64] {
        // (key hash's top 40 bits) << 24 | record: sorted, equal keys are neighbours.
        var parts = inParallel(r.count) { range -> [UInt64] in
            var out: [UInt64] = []
            out.reserveCapacity(range.count * 14)
            var keys: [UInt64] = []
            for i in range {
                keys.removeAll(keepingCapacity: true)
                blockingKeys(r, i, into: &keys)
                for k in keys { out.append(k & ~0xFF_FFFF | UInt64(i)) }
            }
            return out
        }
        var entries = drained(&parts)
        radixSort(&entries, fromBit: 24)
        var found = pairs(
            inBlocks: consume entries, r, digests: digests ?? Self.digests(r), cap: cap,
            window: window)
        var pairs = drained(&found)
        radixSort(&pairs, fromBit: 0)
        var unique = 0
        for k in 0..<pairs.count where k == 0 || pairs[k] != pairs[k - 1] {
            pairs[unique] = pairs[k]
            unique += 1
        }
        pairs.removeLast(pairs.count - unique)
        return pairs
    }

    /// The pairs of each block of `sorted` (blocking entries, equal keys side by side), on
    /// both cores, each core's part starting at a block's first entry; a pair may come twice.
    static func pairs(
        inBlocks sorted: [UInt64], _ r: MatchRecords, digests: [UInt32], cap: Int, window: Int
    ) -> [[UInt64]] {
        let n = r.count
        let nameOrder = (0..<n).map { r.prefix($0, .family) ^ (r.prefix($0, .given) >> 1) }
        // Orderings for the windows over a block of one name: by birth date, and by address
        // (a duplicate whose birth date is wrong still sorts beside its original by address).
        let placeOrder = (0..<n).map { r.prefix($0, .postcode) ^ (r.prefix($0, .street) >> 3) }
        func startOfBlock(_ k: Int) -> Int {
            var k = k
            while k > 0 && k < sorted.count && sorted[k] >> 24 == sorted[k - 1] >> 24 { k += 1 }
            return k
        }
        return inParallel(sorted.count) { range -> [UInt64] in
            var pairs: [UInt64] = []
            pairs.reserveCapacity(range.count)
            var rescue = false
            func add(_ x: Int, _ y: Int) {
                if x == y { return }
                // The passes on the ends of names and on the day and month find records mangled
                // in several fields: worth comparing only where something besides the names
                // agrees (the postcode, not the town: a district's few towns would let most
                // pairs through), as nothing less can make them likely.
                if rescue && !sharesMoreThanNames(digests, area: false, x, y)
                    && (digests[x * digestWidth] == 0
                        || digests[x * digestWidth] != digests[y * digestWidth])
                {
                    return
                }
                pairs.append(x < y ? UInt64(x) << 32 | UInt64(y) : UInt64(y) << 32 | UInt64(x))
            }
            var s = startOfBlock(range.lowerBound)
            let end = startOfBlock(range.upperBound)
            while s < end {
                var e = s + 1
                let key = sorted[s] >> 24
                while e < sorted.count && sorted[e] >> 24 == key { e += 1 }
                let size = e - s
                let tag = key & 0xFF
                rescue = rescueKeys.contains(tag)
                if size > 1 && size <= cap {
                    for x in s..<e {
                        for y in (x + 1)..<e {
                            add(Int(sorted[x] & 0xFF_FFFF), Int(sorted[y] & 0xFF_FFFF))
                        }
                    }
                } else if size > cap {
                    // A block of a name is compared in windows by birth date, a block of a date
                    // or a place by name.
                    let byPlace = tag == 5
                    let byBirth = nameKeys.contains(tag)
                    let members = sorted[s..<e].map { Int($0 & 0xFF_FFFF) }.sorted {
                        if byPlace {
                            return (placeOrder[$0], r.birth[$0]) < (placeOrder[$1], r.birth[$1])
                        }
                        if byBirth {
                            return (r.birth[$0], placeOrder[$0]) < (r.birth[$1], placeOrder[$1])
                        }
                        return (nameOrder[$0], r.birth[$0]) < (nameOrder[$1], r.birth[$1])
                    }
                    for x in 0..<members.count {
                        for y in (x + 1)..<min(members.count, x + 1 + window) {
                            add(members[x], members[y])
                        }
                    }
                }
                s = e
            }
            return pairs
        }
    }

    /// The parts made on each core, one after the other, each freed as soon as it is copied.
    static func drained(_ parts: inout [[UInt64]]) -> [UInt64] {
        if parts.count == 1 { return parts.removeFirst() }
        var all: [UInt64] = []
        all.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for k in parts.indices {
            all += parts[k]
            parts[k] = []
        }
        return all
    }

    /// Sorts by the bits from `fromBit` up, 11 bits a pass (least significant first).
    static func radixSort(_ a: inout [UInt64], fromBit: Int) {
        guard a.count > 1 else { return }
        var buffer = [UInt64](repeating: 0, count: a.count)
        var shift = fromBit
        while shift < 64 {
            var counts = [Int](repeating: 0, count: 2049)
            for v in a { counts[Int((v >> UInt64(shift)) & 0x7FF) + 1] += 1 }
            if counts[1...].contains(a.count) {
                shift += 11
                continue  // every value has the same digit here
            }
            for k in 1..<2049 { counts[k] += counts[k - 1] }
            for v in a {
                let d = Int((v >> UInt64(shift)) & 0x7FF)
                buffer[counts[d]] = v
                counts[d] += 1
            }
            swap(&a, &buffer)
            shift += 11
        }
    }

    // MARK: scoring

    /// Prior m-probabilities (chance of each level for two records of the same person).
    static let mPrior: [[Double]] = [
        [1, 0.80, 0.03, 0.04, 0.07, 0.03, 0.01, 0.02],
        [1, 0.82, 0.03, 0.03, 0.06, 0.03, 0.03],
        [1, 0.82, 0.04, 0.07, 0.03, 0.04],
        [1, 0.70, 0.12, 0.06, 0.12],
        [1, 0.85, 0.15],
        [1, 0.85, 0.15],
        [1, 0.55, 0.45],
        [1, 0.40, 0.60],
        [1, 0.80, 0.20],
    ]

    /// Prior u-probabilities (two different people), used when a district is too small to
    /// estimate them from random pairs.
    static let uPrior: [[Double]] = [
        [1, 0.02, 0.002, 0.004, 0.006, 0.01, 0.003, 0.955],
        [1, 0.01, 0.001, 0.003, 0.004, 0.008, 0.974],
        [1, 0.0001, 0.00005, 0.0004, 0.015, 0.9845],
        [1, 0.0002, 0.0002, 0.15, 0.85],
        [1, 0.0005, 0.9995],
        [1, 0.0005, 0.9995],
        [1, 0.001, 0.999],
        [1, 0.0005, 0.9995],
        [1, 0.05, 0.95],
    ]

    struct Model {
        var m: [[Double]]
        var u: [[Double]]
        var prior: Double

        func with(prior p: Double) -> Model { Model(m: m, u: u, prior: p) }

        /// Log2 of the Bayes factor of each field's level, precomputed.
        var weights: [[Double]] {
            var w: [[Double]] = []
            for f in 0..<m.count {
                var row: [Double] = [0]
                for l in 1..<m[f].count { row.append(Glibc.log2(m[f][l] / max(u[f][l], 1e-9))) }
                w.append(row)
            }
            return w
        }

        /// The match probability. `tf` replaces u of an exact agreement of the first two
        /// fields (the names) by the name's frequency (a shared "Maria Garcia" says less than a
        /// shared "Þórsson"); nil keeps the fields' own weights.
        func probability(_ v: [UInt8], weights w: [[Double]], tf: (Double, Double)?) -> Double {
            var logRatio = Glibc.log2(prior / (1 - prior))
            for (f, l) in v.enumerated() where l != 0 {
                if l == 1 && f <= 1, let tf {
                    let freq = f == 0 ? tf.0 : tf.1
                    logRatio += Glibc.log2(m[f][1] / max(freq, 1e-7))
                } else {
                    logRatio += w[f][Int(l)]
                }
            }
            return 1 / (1 + Glibc.exp2(-max(-60, min(60, logRatio))))
        }
    }

    /// u from random pairs; m and the share of matches by EM over (a sample of) the candidates.
    /// The m-probabilities are pulled towards their priors (pseudo-counts), names most of all:
    /// spouses share everything but the given name, and EM left free would learn "a couple" as
    /// the match class.
    static func fit(_ r: MatchRecords, candidates: [UInt64]) -> Model {
        guard r.count >= 1000 else { return Model(m: mPrior, u: uPrior, prior: 0.01) }
        // Random pairs, on both cores (each part its own seed, so a run is repeatable).
        let counts = inParallel(min(40_000, max(2000, r.count * 2))) { range -> [[Double]] in
            var rng = SplitMix64(state: 0x5EED &+ UInt64(range.lowerBound))
            var u = fields.map { f in [Double](repeating: 0, count: f.levels.count) }
            var v = Vector()
            for _ in range {
                let i = rng.int(r.count)
                let j = rng.int(r.count)
                if i == j { continue }
                compare(r, i, j, into: &v)
                for f in fields.indices { u[f][Int(v.levels[f])] += 1 }
            }
            return u
        }
        var u = fields.map { f in [Double](repeating: 1, count: f.levels.count) }
        for part in counts {
            for f in u.indices { for l in u[f].indices { u[f][l] += part[f][l] } }
        }
        // Smoothed towards the prior (as 200 pairs' worth), so that a field mostly missing (no
        // birth dates in the district) or a level never met keeps a sensible weight.
        u = u.indices.map { f in
            let total = u[f].dropFirst().reduce(0, +) - Double(u[f].count - 1)
            return [1]
                + zip(u[f].dropFirst(), uPrior[f].dropFirst()).map { c, p in
                    (c - 1 + 200 * p) / (total + 200)
                }
        }
        // Birth dates agree by chance too rarely for random pairs to count (one pair in ten
        // thousand): their chances come from the district's own dates instead.
        if let birth = birthChances(r.birth) { u[F.birth] = birth }
        // EM learns from the candidates whose names agree (give or take a typo): a mixture of
        // the same people and namesakes, which the other fields tell apart. Over all candidates
        // it would learn what couples share (a home, a surname, children) as the match class.
        let step = max(1, candidates.count / 100_000)
        let looked = (candidates.count + step - 1) / step
        let sample = Array(
            inParallel(looked) { range -> [([UInt8], (Double, Double)?)] in
                var out: [([UInt8], (Double, Double)?)] = []
                var v = Vector()
                for n in range {
                    let i = Int(candidates[n * step] >> 32)
                    let j = Int(candidates[n * step] & 0xFFFF_FFFF)
                    compare(r, i, j, into: &v, stopAtDifferentNames: true)
                    guard
                        (1...4).contains(v.levels[F.given]) && (1...4).contains(v.levels[F.family])
                    else { continue }
                    out.append((v.levels, (r.givenShare[i], r.familyShare[i])))
                }
                return out
            }.joined())
        let named = sample.count
        // A duplicate for about one record in fifty, among the candidates.
        let share = min(0.1, max(1e-6, 0.02 * Double(r.count) / Double(max(1, candidates.count))))
        return estimate(
            Model(m: mPrior, u: u, prior: share * Double(looked) / Double(max(1, named))),
            sample: sample, fixed: [F.given, F.family]
        ).with(prior: share)
    }

    /// The chance of each birth-date level for two different people of the district (given
    /// both dates): the same date, day and month swapped, one digit off, the same year, other.
    /// Counted from how many people share each date, not sampled; nil with too few dates.
    static func birthChances(_ births: [Int32]) -> [Double]? {
        var count: [Int32: Double] = [:]
        var years: [Int32: Double] = [:]
        for b in births where b != 0 {
            count[b, default: 0] += 1
            years[b / 10000, default: 0] += 1
        }
        let n = count.values.reduce(0, +)
        guard n >= 1000 else { return nil }
        var same = 0.0
        var swapped = 0.0
        var digit = 0.0
        for (d, c) in count {
            same += c * (c - 1)
            let (y, m, day) = (d / 10000, d / 100 % 100, d % 100)
            if day <= 12 && day != m { swapped += c * (count[y * 10000 + day * 100 + m] ?? 0) }
            // Every date one digit off, or with two neighbouring digits swapped.
            var p: Int32 = 1
            for _ in 0..<8 {
                let digitHere = d / p % 10
                for k in Int32(0)...9 where k != digitHere {
                    digit += c * (count[d + (k - digitHere) * p] ?? 0)
                }
                let next = d / (p * 10) % 10
                if p < 10_000_000 && next != digitHere {
                    let t = d + (next - digitHere) * p + (digitHere - next) * p * 10
                    if birthLevel(d, t) == 3 {
                        digit += c * (count[t] ?? 0)
                    }
                }
                p *= 10
            }
        }
        let pairs = n * (n - 1)
        let year = years.values.reduce(0) { $0 + $1 * ($1 - 1) } / pairs
        let levels = [same, swapped, digit].map { max($0 / pairs, 1e-7) }
        // The same year, less what the finer levels took of it (a wrong digit of the year
        // leaves it, which this ignores: a small share).
        let sameYear = max(year - levels.reduce(0, +), 1e-6)
        return [1] + levels + [sameYear, max(1e-6, 1 - levels.reduce(0, +) - sameYear)]
    }

    /// EM for the m-probabilities over `sample` (comparison vectors with their names'
    /// frequencies): two rounds in which each pair counts for each field's level by its match
    /// probability, each field pulled towards its prior by pseudo-counts worth the sample and
    /// kept at `floor` or more for exact agreement (a duplicate mostly keeps what it says of the
    /// person), except the `fixed` fields. The share of matches is not estimated: measured, EM
    /// takes the many namesakes of a district with few distinct names for matches and drifts;
    /// the caller sets it from the expected share of duplicates.
    static func estimate(
        _ start: Model, sample: [([UInt8], (Double, Double)?)], fixed: [Int], floor: Double = 0.7
    ) -> Model {
        var model = start
        guard sample.count >= 200 else { return model }
        let prior = start.m
        let pseudo = Double(sample.count)
        for _ in 0..<2 {
            let w = model.weights
            var counts = prior.map { levels in levels.map { $0 * pseudo } }
            for (v, t) in sample {
                let p = model.probability(v, weights: w, tf: t)
                for (f, l) in v.enumerated() { counts[f][Int(l)] += p }
            }
            for f in prior.indices where !fixed.contains(f) {
                let total = counts[f].dropFirst().reduce(0, +)
                var m = counts[f].dropFirst().map { max(1e-4, $0 / total) }
                // Disagreement stays rare for the same person: at most twice its prior (the
                // candidates' namesakes would otherwise teach that the same people differ).
                let last = m.count - 1
                let most = 2 * prior[f][last + 1]
                if m[last] > most {
                    m[0] += m[last] - most
                    m[last] = most
                }
                let least = min(floor, prior[f][1])
                if m[0] < least {
                    let rest = m.dropFirst().reduce(0, +)
                    m[0] = least
                    for k in 1..<m.count { m[k] = m[k] / rest * (1 - least) }
                }
                model.m[f] = [1] + m
            }
        }
        return model
    }

    /// Whether a pair the model finds probable is safe to merge without a person looking:
    /// people who really differ (a parent and an adult child, twins, two parents at one address,
    /// Sr. and Jr., namesakes in a large building or born the same year) must not be.
    ///
    /// `namesakes`: how many others in the district (besides the pair) bear the same given and
    /// family name.
    /// `chance`: the chance that two
    /// different people agree on the birth date and the address as this pair does (the product
    /// of u of their levels).
    /// `misspelt`: the two given names start alike and one of them is no known name and occurs
    /// at most twice in the district, as a slip of the keyboard makes (twins' names, Ella and
    /// Emma, Anna and Hanna, are names, or differ in their first letter).
    ///
    /// `risks`: how often this district's records of one home are look-alikes of different
    /// people (see `DistrictRisks`); where they hardly ever are, a record without a birth date
    /// may be likely on its names and home.
    static func isSafe(
        _ v: Vector, _ r: MatchRecords, _ i: Int, _ j: Int, namesakes: Double,
        chance: Double, misspelt: Bool, risks: DistrictRisks = DistrictRisks()
    ) -> Bool {
        let l = v.levels
        let given = l[F.given]
        let family = l[F.family]
        // Names: the same person, give or take a typo; never two different given names but
        // for a given name mangled beyond a typo among independent people (`farGivenAtHome`).
        guard given != 0, given != 7 || farGivenAtHome(v, r, i, j, risks), given != 6,
            family != 0
        else { return false }
        let contact = l[F.email] == 1 || l[F.phone] == 1
        let birthExact = l[F.birth] == 1
        let birth = l[F.birth] >= 1 && l[F.birth] <= 3
        let sameAddress = l[F.address] == 1
        let address = sameAddress || l[F.address] == 2
        let home = l[F.child] == 1 || l[F.household] == 1
        // A family name not recognisably the same (a typo beyond repair, a new married name)
        // takes the given name and the birth date agreeing, and the address or the contact.
        // Among independent people an address with a slip in it will do.
        let nearHome = sameAddress || (risks.independentPeople && address)
        if family == 6 && !(given <= 4 && birthExact && (nearHome || contact)) { return false }
        // Birth dates that differ beyond a typo are different people (a parent and an adult
        // child), unless both the e-mail and the phone say otherwise.
        if l[F.birth] >= 4 && !(l[F.email] == 1 && l[F.phone] == 1) { return false }
        // Sr. and Jr.; two flats of one building.
        if r.suffix[i] != r.suffix[j] { return false }
        if l[F.unit] == 2 && address { return false }
        guard birth || contact || address || home else { return false }
        // Nothing but the names, the birth date and perhaps the town (a move): it takes one
        // name exact, the other close, and so rare a name that nobody else here is likely to
        // share it, the birth date and the town (a common name shares its birthday with
        // someone in a large district). The bound keeps such pairs right 99 times in 100 when
        // about one record in two hundred is a moved duplicate (measured on the generator);
        // among independent people it is ten times looser (the linkage-style files keep a
        // precision of 0.9993 or more with it, Benchmarks/README.md). There both names may
        // carry a slip (similar at most), with the birth date exact, when the number of others
        // expected to bear names that common and the birth date is as small (about three
        // spellings near each name, as many as the names' shares make).
        if !contact && !address && !home {
            let bound = risks.independentPeople ? 0.001 : 0.0001
            let n = Double(r.count)
            let lookalikes =
                3 * n * max(r.givenShare[i], r.givenShare[j])
                * max(r.familyShare[i], r.familyShare[j])
            let oneExact =
                min(given, family) <= 2 && max(given, family) <= 5 && namesakes * chance < bound
            let bothClose =
                risks.independentPeople && birthExact && max(given, family) <= 4
                && lookalikes * chance < bound
            if !(birth && (oneExact || bothClose)) { return false }
        }
        // Where this district's records show none of the look-alikes of a family at one home
        // (see `DistrictRisks`), they are records of independent people and the probability
        // decides; elsewhere these rules keep relatives apart.
        if !risks.independentPeople {
            // Without a birth date on both, a home and the family name are enough for a given
            // name spelt another way only where this district's records of one family and home
            // with alike given names are hardly ever two people.
            let variantAtHome =
                l[F.birth] == 0 && family <= 2 && sameAddress && risks.homeVariantsRare
            // A given name that differs by a typo or a spelling: what spouses share (a home, a
            // surname, children) says nothing; it takes the birth date or the contact.
            if given > 2 && !birth && !contact && !variantAtHome { return false }
            // A typo that may make another name (Wei and Mei, Anna and Hanna: twins share a birth
            // date and a home) takes the contact, or a misspelling (a slip makes a word that is no
            // name; twins are given names) with the birth date and the address.
            // Where twins are hardly ever seen here, a typo with the birth date, the family name
            // and the home is enough.
            let typoAtHome = birthExact && family <= 2 && sameAddress && risks.twinsRare
            if given == 5 && !contact
                && !(misspelt && (birth || variantAtHome) && (birthExact || address)) && !typoAtHome
            {
                return false
            }
            // A family name with a typo: the same home and given name, or the birth date.
            if family > 2 && !birth && !contact && !(given == 1 && sameAddress) { return false }
            // Contact that disagrees (another e-mail, another phone) and none that agrees: two
            // namesakes, or Sr. and Jr. at one home. It takes the birth date and a home in common.
            let contactDiffers = l[F.email] == 2 || l[F.phone] == 2
            if contactDiffers && !contact && !(birth && (address || home)) { return false }
            // One record without a birth date, a home and both names in common: the same person,
            // or a father and a son of the same name (Sr. and Jr.) with nothing to tell them apart.
            // A family name or an address with a slip in it is a record typed twice (a son's name
            // and address are his father's, letter for letter). With no birth date on either
            // record, a home in common, or the given name, the address and a family name close to
            // equal.
            // Where this district's records of one name and home are hardly ever a generation
            // apart, the names and the home are enough.
            if l[F.birth] == 0 && !contact {
                let oneDated = r.birth[i] != 0 || r.birth[j] != 0
                let typedTwice = (given <= 2 || variantAtHome) && address && family <= 5
                let slip = family >= 2 || !sameAddress || given >= 3 || risks.homeNamesakesRare
                if oneDated ? !(typedTwice && slip) : !(home || typedTwice) { return false }
            }
        }
        return true
    }

    // MARK: the run

    /// The district's guardians that are probably one person, scoring at least `minScore`.
    public static func guardians(_ db: Database, district: String, minScore: Double = 0.5) throws
        -> [Pair]
    {
        run(try load(db, district: district), minScore: minScore)
    }

    /// The district's active guardians and their children, read into a `MatchRecords`.
    static func load(_ db: Database, district: String) throws -> MatchRecords {
        if db.sqlite == nil {
            // PostgreSQL: read from a local copy of what the finder looks at.
            let local = try db.read {
                try LocalCopy(
                    of: district, from: db,
                    only: ["districts", "schools", "households", "guardians", "students", "links"])
            }
            return try load(local.db, district: district)
        }
        let count = try db.count(
            "SELECT count(*) FROM guardians WHERE district_id = ? AND status = 'active'",
            [.text(district)])
        var staged = StagedRows(width: 11)
        var index: [UInt64: Int32] = [:]
        index.reserveCapacity(count)
        try db.forEachRaw(
            """
            SELECT guardian_id, given_name, family_name, email, phone, street, street2, city, postcode,
                coalesce(birth_date, birth_date_given), household_id
            FROM guardians WHERE district_id = ? AND status = 'active'
            """, [.text(district)]
        ) { row in
            index[fnv1a(row.bytes(0))] = Int32(staged.count)
            staged.add(row)
        }
        // Folding the fields is most of the work: both cores, each on its own rows.
        let r = MatchRecords.joined(
            inParallel(staged.count) { range in
                let part = MatchRecords(capacity: range.count)
                staged.rows(range) { part.append($0) }
                return part
            })
        var links: [(Int32, UInt64)] = []
        try db.forEachRaw(
            "SELECT guardian_id, student_id FROM links WHERE district_id = ? AND status = 'active'",
            [.text(district)]
        ) { row in
            if let g = index[fnv1a(row.bytes(0))] {
                links.append((g, MatchRecords.hash(row.bytes(1))))
            }
        }
        r.finish()
        r.setChildren(links)
        return r
    }

    /// Scores the candidates of `r` and keeps the pairs at `minScore` or above, clustered.
    static func run(_ r: MatchRecords, minScore: Double) -> [Pair] {
        let digests = digests(r)
        let pairs = candidates(r, digests: digests)
        let model = fit(r, candidates: pairs)
        // A list of a few hundred records is judged by its own pairs too (DistrictRisks relaxes
        // nothing on fewer than 20 pairs of a kind); below 100 records, nothing is relaxed and
        // names are not weighed by how common they are. Measured on linkage-style files of
        // about 550 and 900 records: likely F1 0.777 -> 0.938 and 0.778 -> 0.930, precision 1.
        let small = r.count < 100
        let risks = small ? DistrictRisks() : DistrictRisks(r, candidates: pairs, digests: digests)
        let weights = model.weights
        // The model's probability that makes a pair likely among independent people: 0.95 up
        // to 6,000 records, then stricter in proportion to the district's size (more pairs,
        // more namesakes): 0.967 at 9,000, 0.997 at 100,000, 0.9985 at 200,000, 0.9997 at a
        // million. Measured on linkage-style files, precision 1.0 at 360 to 2,900 records and
        // 0.9985 at 9,000 with it, 0.9983 at 89,000 with 0.995, 0.998 at 205,000 with 0.998
        // (0.9952 with 0.99).
        let modelBound = 1 - 0.05 * min(1, 6_000 / Double(max(r.count, 1)))
        let found = inParallel(pairs.count) { range -> [Pair] in
            var out: [Pair] = []
            var v = Vector()
            // Pairs of two different given names score 0.3 at most: not compared further when
            // those are not asked for.
            let stop = minScore > 0.3
            let bareBelow = minScore > 0.45
            for k in range {
                let i = Int(pairs[k] >> 32)
                let j = Int(pairs[k] & 0xFFFF_FFFF)
                // A pair with nothing of one person beyond the names scores 0.45 at most.
                if bareBelow
                    && !sharesMoreThanNames(digests, area: risks.independentPeople, i, j)
                {
                    continue
                }
                compare(r, i, j, into: &v, stopAtDifferentNames: stop)
                if stop && v.levels[F.given] == 7 {
                    // Among independent people, a given name mangled beyond a typo may still be
                    // this person's when the birth date or the address agrees (`modelDecides`,
                    // `farGivenAtHome`): then compared whole. The rest score 0.3 at most.
                    guard risks.independentPeople,
                        (1...3).contains(birthLevel(r.birth[i], r.birth[j]))
                            || (1...3).contains(addressLevel(r, i, j, parts: &v.addressParts))
                    else { continue }
                    if v.levels[F.family] == notCompared {
                        v.levels[F.family] = familyLevel(r, i, j)
                    }
                    compareBeyondNames(r, i, j, into: &v)
                }
                var p = model.probability(
                    v.levels, weights: weights,
                    tf: small ? nil : (r.givenShare[i], r.familyShare[i]))
                let probability = p
                // Two different given names (a couple sharing a home, children and a phone) are
                // not the same person, whatever else agrees.
                if v.levels[F.given] == 7 && !farGivenAtHome(v, r, i, j, risks) {
                    p = min(p, 0.3)
                }
                let n = Double(r.count)
                let safe = isSafe(
                    v, r, i, j, namesakes: namesakes(r, i, j, v),
                    chance: model.u[F.birth][Int(v.levels[F.birth])]
                        * (v.levels[F.address] == 0
                            ? 1 : model.u[F.address][Int(v.levels[F.address])]),
                    misspelt: r.bytes(i, .given).first == r.bytes(j, .given).first
                        && ((!r.givenKnown[i] && r.givenShare[i] * n < 2.5)
                            || (!r.givenKnown[j] && r.givenShare[j] * n < 2.5)),
                    risks: risks
                )
                // What namesakes share (a name, a town, a birth year) stays below the default
                // --min-score: only pairs with something of one person in common are listed.
                let l = v.levels
                let something =
                    (1...3).contains(l[F.birth]) || l[F.address] == 1 || l[F.address] == 2
                    || l[F.email] == 1 || l[F.phone] == 1 || l[F.child] == 1 || l[F.household] == 1
                if !something || (l[F.birth] >= 4 && l[F.email] != 1 && l[F.phone] != 1) {
                    p = min(p, 0.45)
                }
                if !safe { p = min(p, 0.9) }
                var likely = p >= 0.99 && safe
                // Among independent people the model decides, held to a probability that grows
                // stricter with the district's size, when something besides the names agrees
                // and nothing says two people (see `modelDecides`).
                if !likely && risks.independentPeople && probability >= modelBound
                    && modelDecides(v, r, i, j)
                {
                    likely = true
                    p = probability
                }
                guard p >= minScore else { continue }
                out.append(pair(r, i, j, v, p, likely))
            }
            return out
        }
        return clustered(Array(found.joined()))
    }

    /// What `sharesMoreThanNames` looks at, eight 32-bit words a record, side by side so that
    /// one read from memory brings them all (the pairs meet their second record at random):
    /// the postcode, town, street number and street by a hash of their first eight letters,
    /// the e-mail and the phone by a hash of the whole (0 where missing); the birth date; the
    /// household's hash in the top half of the last word and a 16-bit mask of the children's
    /// hashes in the bottom half. A shared hash or mask bit says "perhaps", never "no".
    static let digestWidth = 8
    static func digests(_ r: MatchRecords) -> [UInt32] {
        Array(
            inParallel(r.count) { range -> [UInt32] in
                func fold(_ h: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: h ^ h >> 32) | 1 }
                var out: [UInt32] = []
                out.reserveCapacity(range.count * digestWidth)
                for i in range {
                    for f in [MatchRecords.Field.postcode, .city, .number, .street] {
                        out.append(r.isEmpty(i, f) ? 0 : fold(r.prefix(i, f)))
                    }
                    for f in [MatchRecords.Field.email, .phone] {
                        out.append(r.isEmpty(i, f) ? 0 : fold(r.with(i, f) { fnv1a($0) }))
                    }
                    out.append(UInt32(bitPattern: r.birth[i]))
                    let home = r.household[i] == 0 ? 0 : fold(r.household[i]) | 1 << 16
                    var children: UInt32 = 0
                    for c in r.children(of: i) { children |= 1 << UInt32(c % 16) }
                    out.append(home & 0xFFFF_0000 | children)
                }
                return out
            }.joined())
    }

    /// Whether records `i` and `j` may be at one address (the same or close): their street
    /// numbers or streets agree (`digests`).
    @inline(__always)
    static func mayShareHome(_ digests: [UInt32], _ i: Int, _ j: Int) -> Bool {
        let (a, b) = (i * digestWidth, j * digestWidth)
        return (digests[a + 2] != 0 && digests[a + 2] == digests[b + 2])
            || (digests[a + 3] != 0 && digests[a + 3] == digests[b + 3])
    }

    /// Whether records `i` and `j` may share something besides their names, told cheaply
    /// before they are compared (`digests`): a birth date give or take a slip, a part of the
    /// address, the e-mail, the phone, the household or a child. A pair sharing none of them
    /// has nothing the scores count as one person's (`something` in `run`) and nothing
    /// `modelDecides` takes: 0.45 at most. `area`: whether the postcode and the town count
    /// (the same area, another street, is something only where the model decides, among
    /// independent people); the number and the street always do (an address the same or
    /// close shares one of them exactly).
    @inline(__always)
    static func sharesMoreThanNames(_ digests: [UInt32], area: Bool, _ i: Int, _ j: Int) -> Bool {
        let (a, b) = (i * digestWidth, j * digestWidth)
        for k in (area ? 0 : 2)..<6 where digests[a + k] != 0 {
            if digests[a + k] == digests[b + k] { return true }
        }
        let (x, y) = (digests[a + 7], digests[b + 7])
        return (x >> 16 != 0 && x >> 16 == y >> 16) || x & y & 0xFFFF != 0
            || (1...3).contains(
                birthLevel(Int32(bitPattern: digests[a + 6]), Int32(bitPattern: digests[b + 6])))
    }

    /// Where this district's records are of independent people (`DistrictRisks`: no families
    /// at one home, no twins, no parents and adult children of one name), the rules that keep
    /// relatives apart hold back what the model knows: measured on linkage-style files of
    /// 9,000 to 1,000,000 records, the model's probability at 0.99 (stricter beyond 30,000
    /// records) with these conditions keeps a precision of 0.998 or more and lifts the recall
    /// of `likely` from 0.82 to about 0.90. The conditions: the birth date (give or take a
    /// typo) or the address (give or take a move within the town) agrees, since a name alone
    /// is shared by namesakes; Sr. and Jr., two flats of one building, contact that disagrees
    /// and birth years a generation apart stay apart.
    static func modelDecides(_ v: Vector, _ r: MatchRecords, _ i: Int, _ j: Int) -> Bool {
        let l = v.levels
        return ((1...3).contains(l[F.birth]) || (1...3).contains(l[F.address]))
            && r.suffix[i] == r.suffix[j] && l[F.unit] != 2 && l[F.email] != 2 && l[F.phone] != 2
            && !(l[F.birth] >= 4 && generationApart(r.birth[i], r.birth[j]))
    }

    /// Two real birth years a generation apart (14 to 79 years): a parent and a child, however
    /// alike the rest, even where the district's records are of independent people (unless
    /// the dates are one digit apart: 1961-02-11 and 1981-02-11 is a slip). A year that cannot
    /// be one (1371, 3986) is a typo and says nothing.
    static func generationApart(_ a: Int32, _ b: Int32) -> Bool {
        guard realDate(a), realDate(b) else { return false }
        return (14..<80).contains(abs(a / 10000 - b / 10000))
    }

    /// Whether a yyyymmdd can be a birth date at all: a year from 1900, a month, a day. A
    /// guardian's `birth_date_given` (4986-07-15, 1986-13-07) is compared digit by digit but
    /// says nothing of an age.
    static func realDate(_ d: Int32) -> Bool {
        (1900...2099).contains(d / 10000) && (1...12).contains(d / 100 % 100)
            && (1...31).contains(d % 100)
    }

    /// A given name beyond a typo, with the family name (give or take a slip), the birth date
    /// and the address (give or take a slip) the same and half the letters of the given names
    /// shared (Carol and Kaorl), in a district
    /// of independent people, where two people of one family, home and birthday (twins) are
    /// not seen: a name typed badly, not another person.
    static func farGivenAtHome(
        _ v: Vector, _ r: MatchRecords, _ i: Int, _ j: Int, _ risks: DistrictRisks
    ) -> Bool {
        let l = v.levels
        return l[F.given] == 7 && risks.independentPeople && (1...4).contains(l[F.family])
            && l[F.birth] == 1 && (1...2).contains(l[F.address]) && lettersShared(r, i, j) >= 0.5
    }

    /// How many others in the district bear the pair's name: for a pair of one name and one
    /// birth date, those born on another day (or undated), since the records that share both
    /// are most likely this person's further duplicates.
    static func namesakes(_ r: MatchRecords, _ i: Int, _ j: Int, _ v: Vector) -> Double {
        let exact = v.levels[F.given] == 1 && v.levels[F.family] == 1
        if exact && v.levels[F.birth] == 1 {
            return Double(max(0, r.fullNameCount[i] - r.fullNameBirthCount[i]))
        }
        return Double(max(r.fullNameCount[i], r.fullNameCount[j]) - (exact ? 2 : 1))
    }

    static func pair(
        _ r: MatchRecords, _ i: Int, _ j: Int, _ v: Vector, _ p: Double, _ likely: Bool
    )
        -> Pair
    {
        let a = r.string(i, .id)
        let b = r.string(j, .id)
        // The generational suffixes of a and b, as the pair orders them.
        let suffixes = a <= b ? (r.suffix[i], r.suffix[j]) : (r.suffix[j], r.suffix[i])
        return Pair(
            a: min(a, b), b: max(a, b), score: (p * 1000).rounded() / 1000,
            level: likely ? "likely" : "possible", packed: pack(v, suffixes: suffixes))
    }

    /// A comparison in 51 bits: each field's level in 4 bits, then each address part's in 2,
    /// whether the names were swapped, then the generational suffix of a and of b in 3 each.
    static func pack(_ v: Vector, suffixes: (UInt8, UInt8) = (0, 0)) -> UInt64 {
        var x: UInt64 = 0
        for (f, l) in v.levels.enumerated() { x |= UInt64(l & 0xF) << (4 * f) }
        for (k, part) in v.addressParts.enumerated() {
            x |= UInt64(part & 0x3) << (36 + 2 * k)
        }
        x |= UInt64(suffixes.0 & 0x7) << 45 | UInt64(suffixes.1 & 0x7) << 48
        return v.swapped ? x | 1 << 44 : x
    }

    /// The generational suffixes as `MatchRecords.takeSuffix` codes them.
    static let suffixNames = ["", "Jr", "Sr", "II", "III", "IV", "", ""]

    /// The evidence of a packed comparison, in words: each field's level but missing (the
    /// address with the parts that agreed), a swap, then what differed (a parent and an
    /// adult child of one name differ in the birth date or the suffix: a person looking at a
    /// possible pair is told).
    static func evidence(_ x: UInt64) -> [String] {
        var evidence: [String] = []
        var differed: [String] = []
        for f in fields.indices {
            let l = Int(x >> (4 * f) & 0xF)
            guard l != 0 else { continue }
            if l == differentLevel[f] {
                differed.append("\(fields[f].name): \(fields[f].levels[l])")
                continue
            }
            var text = "\(fields[f].name): \(fields[f].levels[l])"
            if f == F.address && l >= 2 {
                // Which parts agreed, and how.
                let names = ["street number", "street", "city", "postcode"]
                let parts = names.indices.compactMap { k -> String? in
                    let p = x >> (36 + 2 * k) & 0x3
                    return p == 1 ? "\(names[k]) same" : p == 2 ? "\(names[k]) similar" : nil
                }
                if !parts.isEmpty { text += " (" + parts.joined(separator: ", ") + ")" }
            }
            evidence.append(text)
        }
        if x >> 44 & 1 == 1 { evidence.append("names swapped") }
        let (sa, sb) = (Int(x >> 45 & 0x7), Int(x >> 48 & 0x7))
        if sa != sb {
            differed.append(
                "suffix: "
                    + (min(sa, sb) == 0
                        ? "\(suffixNames[max(sa, sb)]) on one only"
                        : "\(suffixNames[sa]) and \(suffixNames[sb])"))
        }
        return evidence + differed
    }

    /// Groups pairs into clusters (connected components), each named after its smallest id.
    static func clustered(_ pairs: [Pair]) -> [Pair] {
        // Records by number, numbered in the order of their ids, so that the smallest number
        // of a group is its smallest id and every comparison below is of integers.
        var number: [String: Int32] = [:]
        number.reserveCapacity(pairs.count)
        var ids: [String] = []
        func numbered(_ x: String) -> Int32 {
            if let n = number[x] { return n }
            let n = Int32(ids.count)
            number[x] = n
            ids.append(x)
            return n
        }
        var a = pairs.map { numbered($0.a) }
        var b = pairs.map { numbered($0.b) }
        let byID = ids.indices.sorted { ids[$0] < ids[$1] }
        var rank = [Int32](repeating: 0, count: ids.count)
        for (k, x) in byID.enumerated() { rank[x] = Int32(k) }
        for k in pairs.indices {
            a[k] = rank[Int(a[k])]
            b[k] = rank[Int(b[k])]
        }
        func key(_ x: Int32, _ y: Int32) -> UInt64 {
            UInt64(UInt32(min(x, y))) << 32 | UInt64(UInt32(max(x, y)))
        }
        // Complete linkage over the strongest pairs: two groups join only when every record of
        // one is a likely match of every record of the other, so one doubtful pair cannot chain
        // two families into one cluster. Weaker pairs join nothing; they show the cluster of `a`.
        let strong = pairs.indices.filter { pairs[$0].level == "likely" }
            .sorted { (-pairs[$0].score, $0) < (-pairs[$1].score, $1) }
        let linked = Set(strong.map { key(a[$0], b[$0]) })
        // Union-find whose root is the smallest member (the union keeps the smaller root).
        var parent = Array(Int32(0)..<Int32(ids.count))
        func find(_ x: Int32) -> Int32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var c = x
            while parent[Int(c)] != r {
                let next = parent[Int(c)]
                parent[Int(c)] = r
                c = next
            }
            return r
        }
        var members: [Int32: [Int32]] = [:]
        for k in strong {
            let x = find(a[k])
            let y = find(b[k])
            if x == y { continue }
            let mx = members[x] ?? [a[k]]
            let my = members[y] ?? [b[k]]
            guard mx.allSatisfy({ p in my.allSatisfy { linked.contains(key(p, $0)) } })
            else { continue }
            parent[Int(max(x, y))] = min(x, y)
            members[min(x, y)] = mx + my
        }
        let cluster = pairs.indices.map { find(a[$0]) }
        let order = pairs.indices.sorted {
            (cluster[$0], -pairs[$0].score, a[$0], b[$0])
                < (cluster[$1], -pairs[$1].score, a[$1], b[$1])
        }
        return order.map {
            var q = pairs[$0]
            q.cluster = ids[byID[Int(cluster[$0])]]
            return q
        }
    }
}
