internal import Dispatch

#if canImport(Glibc)
    internal import Glibc
#endif

/// The guardians of a district as the duplicate finder compares them: every field folded (case,
/// accents and punctuation gone) and kept as bytes in one arena, the birth date as a number,
/// household and children as hashes. Built once per run; read-only afterwards, and read by
/// both cores at once.
final class MatchRecords: @unchecked Sendable {
    /// The text fields, in the arena.
    enum Field: Int, CaseIterable {
        case id, given, family, familyParts, street, number, city, postcode, email, phone, unit
    }
    static let fieldCount = Field.allCases.count

    private(set) var count = 0
    private var arena: [UInt8] = []
    private var start: [UInt32] = []
    private var length: [UInt16] = []
    /// The arena and its index as fixed memory once built (`finish`): the comparisons read
    /// millions of fields, and a pointer costs less than an array's checks.
    private var base = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private var starts = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private var lengths = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
    /// The nickname groups of each given name (up to four, each plus one, 16 bits apiece).
    private(set) var nicknames: [UInt64] = []
    /// How often each record's given and family name occur in the district (a share).
    private(set) var givenShare: [Double] = []
    private(set) var familyShare: [Double] = []
    /// How many records of the district bear each record's given and family name together
    /// (names go together: Kou with Yang, far more than the two shares multiplied say).
    private(set) var fullNameCount: [Int32] = []
    /// Hashes of the family name and of the full name (given and family), to tell at once
    /// whether two records bear the same.
    private(set) var familyHash: [UInt64] = []
    private(set) var fullNameHash: [UInt64] = []
    /// How many records bear the same given and family name and the same birth date (dated
    /// records only; 0 for a record without a birth date).
    private(set) var fullNameBirthCount: [Int32] = []
    /// Whether each record's given name is a known name (census lists, nickname groups): a
    /// slip of the keyboard mostly makes a word that is not.
    private(set) var givenKnown: [Bool] = []
    /// yyyymmdd, 0 when unknown.
    private(set) var birth: [Int32] = []
    /// Hash of the household id, 0 when none.
    private(set) var household: [UInt64] = []
    /// 1 "jr", 2 "sr", 3 "ii", 4 "iii", 5 "iv"; 0 none.
    private(set) var suffix: [UInt8] = []
    private(set) var givenCode: [UInt64] = []
    private(set) var familyCode: [UInt64] = []
    /// The children of record i: `children[childStart[i] ..< childStart[i + 1]]` (hashes of
    /// student ids), filled by `setChildren`.
    private(set) var childStart: [Int32] = []
    private(set) var children: [UInt64] = []

    init(capacity: Int) {
        arena.reserveCapacity(capacity * 64)
        start.reserveCapacity(capacity * Self.fieldCount)
        length.reserveCapacity(capacity * Self.fieldCount)
    }

    deinit {
        base.deallocate()
        starts.deallocate()
        lengths.deallocate()
    }

    /// The bytes of `field` of record `i` (after `finish`).
    @inline(__always)
    func bytes(_ i: Int, _ field: Field) -> UnsafeBufferPointer<UInt8> {
        let k = i * Self.fieldCount + field.rawValue
        return UnsafeBufferPointer(start: base + Int(starts[k]), count: Int(lengths[k]))
    }

    /// The same, for callers that read a field in a closure.
    @inline(__always)
    func with<T>(_ i: Int, _ field: Field, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        body(bytes(i, field))
    }

    @inline(__always)
    func isEmpty(_ i: Int, _ field: Field) -> Bool {
        lengths[i * Self.fieldCount + field.rawValue] == 0
    }

    /// Whether the given names of `i` and `j` share a nickname group (Bill and William).
    @inline(__always)
    func nicknamesMeet(_ i: Int, _ j: Int) -> Bool {
        var a = nicknames[i]
        let b = nicknames[j]
        guard a != 0 && b != 0 else { return false }
        while a != 0 {
            let g = a & 0xFFFF
            var c = b
            while c != 0 {
                if c & 0xFFFF == g { return true }
                c >>= 16
            }
            a >>= 16
        }
        return false
    }

    /// Fixes the arena in memory and counts the names, once every record is in.
    func finish() {
        base.deallocate()
        starts.deallocate()
        lengths.deallocate()
        base = .allocate(capacity: max(1, arena.count))
        starts = .allocate(capacity: max(1, start.count))
        lengths = .allocate(capacity: max(1, length.count))
        arena.withUnsafeBufferPointer {
            if let b = $0.baseAddress { base.update(from: b, count: $0.count) }
        }
        start.withUnsafeBufferPointer {
            if let b = $0.baseAddress { starts.update(from: b, count: $0.count) }
        }
        length.withUnsafeBufferPointer {
            if let b = $0.baseAddress { lengths.update(from: b, count: $0.count) }
        }
        arena = []
        start = []
        length = []
        var given: [UInt64: Int32] = [:]
        var family: [UInt64: Int32] = [:]
        var full: [UInt64: Int32] = [:]
        var dated: [UInt64: Int32] = [:]
        var gh = [UInt64](repeating: 0, count: count)
        var fh = [UInt64](repeating: 0, count: count)
        var nh = [UInt64](repeating: 0, count: count)
        for i in 0..<count {
            gh[i] = fnv1a(bytes(i, .given))
            fh[i] = fnv1a(bytes(i, .family))
            nh[i] = gh[i] &* 0x9E37_79B9_7F4A_7C15 ^ fh[i]
            given[gh[i], default: 0] += 1
            family[fh[i], default: 0] += 1
            full[nh[i], default: 0] += 1
            if birth[i] != 0 { dated[nh[i] ^ UInt64(birth[i]), default: 0] += 1 }
        }
        let total = Double(max(1, count))
        givenShare = gh.map { Double(given[$0] ?? 1) / total }
        familyShare = fh.map { Double(family[$0] ?? 1) / total }
        fullNameCount = nh.map { full[$0] ?? 1 }
        familyHash = fh
        fullNameHash = nh
        fullNameBirthCount = (0..<count).map {
            birth[$0] == 0 ? 0 : dated[nh[$0] ^ UInt64(birth[$0])] ?? 1
        }
    }

    func string(_ i: Int, _ field: Field) -> String {
        with(i, field) { String(decoding: $0, as: UTF8.self) }
    }

    /// The first 8 bytes of a field as a number, for sorting by it.
    func prefix(_ i: Int, _ field: Field) -> UInt64 {
        with(i, field) { u in
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(k < u.count ? u[k] : 0) }
            return v
        }
    }

    // MARK: building

    private var scratch: [UInt8] = []

    /// Appends one guardian from the row (guardian_id, given_name, family_name, email, phone,
    /// street, street2, city, postcode, birth_date, household_id).
    func append(_ r: StagedRows.Row) {
        let base = count * Self.fieldCount
        start.append(contentsOf: repeatElement(0, count: Self.fieldCount))
        length.append(contentsOf: repeatElement(0, count: Self.fieldCount))
        func put(_ f: Field, _ bytes: ArraySlice<UInt8>) {
            let n = min(bytes.count, Int(UInt16.max))
            start[base + f.rawValue] = UInt32(arena.count)
            length[base + f.rawValue] = UInt16(n)
            arena.append(contentsOf: bytes.prefix(n))
        }
        put(.id, ArraySlice(r.bytes(0)))
        // Names: letters only; the family name's parts kept apart by single spaces.
        var given = Self.fold(r.bytes(1))
        var family = Self.fold(r.bytes(2))
        var sfx = Self.takeSuffix(&given)
        if sfx == 0 { sfx = Self.takeSuffix(&family) }
        suffix.append(sfx)
        let givenLetters = given.filter(Self.isLetter)
        put(.given, givenLetters[...])
        var groups: UInt64 = 0
        if let gs = Nicknames.groupsOf[String(decoding: givenLetters, as: UTF8.self)] {
            for g in gs.prefix(4) { groups = groups << 16 | UInt64(g + 1) }
        }
        nicknames.append(groups)
        givenKnown.append(Self.knownGiven.contains(givenLetters.withUnsafeBufferPointer(fnv1a)))
        let familyLetters = family.filter(Self.isLetter)
        put(.family, familyLetters[...])
        put(.familyParts, family[...])
        // (NYSIIS reads the ASCII letters: a name of another script has no code, 0.)
        givenCode.append(givenLetters.withUnsafeBufferPointer(Phonetic.nysiis))
        familyCode.append(familyLetters.withUnsafeBufferPointer(Phonetic.nysiis))
        // Contact, as the import stored them (e-mail lower case, phone digits), normalised
        // further: the same mailbox and the same ten digits.
        put(.email, Self.mailbox(r.bytes(3))[...])
        // The number without its extension (stored after an x): one person's work number with
        // and without it is one number, and its digits would push the number's first ones
        // out of the last ten.
        let phone = r.bytes(4).prefix { $0 != UInt8(ascii: "x") }.filter { $0 >= 48 && $0 <= 57 }
        put(.phone, phone.count >= 7 ? phone.suffix(10) : [])
        // Street: its number apart from its name; a unit in the street line goes with street2.
        let (number, name, unitInStreet) = Self.street(Self.fold(r.bytes(5), keepDigits: true))
        put(.number, number[...])
        put(.street, name[...])
        put(.city, Self.fold(r.bytes(7))[...])
        put(.postcode, Self.postcode(r.bytes(8))[...])
        let unit = Self.fold(r.bytes(6), keepDigits: true).filter { $0 != 32 } + unitInStreet
        put(.unit, unit.filter { !(97...122).contains($0) || unit.count < 12 }[...])
        birth.append(Self.date(r.bytes(9)))
        household.append(r.bytes(10).isEmpty ? 0 : Self.hash(r.bytes(10)))
        count += 1
    }

    /// The records of `parts` one after another (each built apart, on its own core).
    static func joined(_ parts: [MatchRecords]) -> MatchRecords {
        let all = MatchRecords(capacity: 0)
        for p in parts {
            let shift = UInt32(all.arena.count)
            all.arena += p.arena
            all.start += p.start.map { $0 + shift }
            all.length += p.length
            all.birth += p.birth
            all.household += p.household
            all.suffix += p.suffix
            all.givenCode += p.givenCode
            all.familyCode += p.familyCode
            all.nicknames += p.nicknames
            all.givenKnown += p.givenKnown
            all.count += p.count
        }
        return all
    }

    /// Sets the children of every record: `links` pairs a record with a student id's hash.
    func setChildren(_ links: [(Int32, UInt64)]) {
        childStart = [Int32](repeating: 0, count: count + 1)
        for (g, _) in links { childStart[Int(g) + 1] += 1 }
        for i in 0..<count { childStart[i + 1] += childStart[i] }
        var fill = childStart
        children = [UInt64](repeating: 0, count: links.count)
        for (g, s) in links {
            children[Int(fill[Int(g)])] = s
            fill[Int(g)] += 1
        }
    }

    /// 0 when either has no children on record, 1 when they share one, 2 when none.
    @inline(__always)
    func childLevel(_ i: Int, _ j: Int) -> UInt8 {
        guard !childStart.isEmpty else { return 0 }
        let a = Int(childStart[i])..<Int(childStart[i + 1])
        let b = Int(childStart[j])..<Int(childStart[j + 1])
        if a.isEmpty || b.isEmpty { return 0 }
        for x in a { for y in b where children[x] == children[y] { return 1 } }
        return 2
    }

    func children(of i: Int) -> ArraySlice<UInt64> {
        guard !childStart.isEmpty else { return [] }
        return children[Int(childStart[i])..<Int(childStart[i + 1])]
    }

    // MARK: folding

    /// A postcode as compared: its letters and digits, at most 10, and a US ZIP+4 as its ZIP
    /// (one record has 55101-1234, its duplicate 55101; 7102-1234, its leading zero lost to a
    /// spreadsheet, is 7102, one character off 07102 as 7102 is). Only digits in groups of 5
    /// and 4 or 4 and 4, or 9 together, are changed: a lone 4 digits is many countries' whole
    /// postcode, and padding it would put its typos two characters off.
    static func postcode(_ u: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let folded = fold(u, keepDigits: true)
        let groups = folded.split(separator: 32)
        if groups.allSatisfy({ $0.allSatisfy { (48...57).contains($0) } }) {
            switch groups.map(\.count) {
            case [5, 4], [4, 4]: return Array(groups[0])
            case [9]: return Array(groups[0].prefix(5))
            default: break
            }
        }
        return Array(folded.filter { $0 != 32 }.prefix(10))
    }

    /// Lower-case ASCII letters (and digits when asked), other characters as spaces, accents
    /// taken off; runs of spaces become one, none at either end. A letter of another script
    /// (Cyrillic, Greek, Chinese, Arabic...) is kept as its UTF-8 bytes: taken for a space, a
    /// name written only so was no name, and two parents sharing a home, a phone and a child
    /// (王芳 and 李伟) were listed as one person with nothing said of their names.
    static func fold(_ u: UnsafeBufferPointer<UInt8>, keepDigits: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        func add(_ b: UInt8) {
            let c = b >= 65 && b <= 90 ? b + 32 : b
            if (c >= 97 && c <= 122) || (keepDigits && c >= 48 && c <= 57) {
                out.append(c)
            } else if c == 39 {
                // An apostrophe joins: O'Brien is obrien.
            } else if out.last != 32 && !out.isEmpty {
                out.append(32)
            }
        }
        if u.contains(where: { $0 >= 0x80 }) {
            for c in searchFold(String(decoding: u, as: UTF8.self)).unicodeScalars {
                if c.isASCII {
                    add(UInt8(c.value))
                } else if c.properties.isAlphabetic {
                    UTF8.encode(c) { out.append($0) }
                } else {
                    add(32)
                }
            }
        } else {
            for b in u { add(b) }
        }
        while out.last == 32 { out.removeLast() }
        return out
    }

    /// A byte of a folded name's letters: an ASCII letter, or part of a letter of another
    /// script (see `fold`).
    static func isLetter(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || b >= 0x80 }

    /// A generational suffix at the end of a name ("John Smith Jr."), taken off and returned:
    /// 1 jr, 2 sr, 3 ii, 4 iii, 5 iv; 0 none. On the bytes (it runs for every name).
    static func takeSuffix(_ name: inout [UInt8]) -> UInt8 {
        guard let space = name.lastIndex(of: 32), space > 0 else { return 0 }
        let word = packed(name[(space + 1)...])
        guard let code = suffixCodes[word] else { return 0 }
        name.removeSubrange(space...)
        return code
    }

    /// Hashes of known given names, folded as the records' are: the census lists the sample
    /// generator draws from and every name of the nickname groups.
    static let knownGiven: Set<UInt64> = {
        var known = Set<UInt64>()
        for name in CensusNames.female + CensusNames.male + Nicknames.groups.joined() {
            let letters = Array(searchFold(name).utf8).filter { $0 >= 97 && $0 <= 122 }
            known.insert(letters.withUnsafeBufferPointer(fnv1a))
        }
        return known
    }()

    /// Up to 8 bytes as one number, for looking short words up without making strings. A
    /// longer word packs to `longWord`, which no table holds (so "cleveland" is never taken
    /// for a unit word).
    static func packed<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        guard bytes.count <= 8 else { return longWord }
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        return v
    }

    /// What every word of more than 8 bytes packs to: no word of 8 bytes or fewer does.
    static let longWord = UInt64.max

    static let suffixCodes: [UInt64: UInt8] = [
        packed(Array("jr".utf8)): 1, packed(Array("sr".utf8)): 2, packed(Array("ii".utf8)): 3,
        packed(Array("iii".utf8)): 4, packed(Array("iv".utf8)): 5,
    ]

    /// The street line split into its number, its name (common words abbreviated one way) and
    /// a unit written into it ("apt 4", "unit 2", "#3").
    static func street(_ folded: [UInt8]) -> (number: [UInt8], name: [UInt8], unit: [UInt8]) {
        var number: [UInt8] = []
        var name: [UInt8] = []
        var unit: [UInt8] = []
        name.reserveCapacity(folded.count)
        var takeUnit = false
        for w in folded.split(separator: 32) {
            if takeUnit {
                unit = Array(w)
                takeUnit = false
                continue
            }
            let isNumber = w.first.map { $0 >= 48 && $0 <= 57 } ?? false
            if number.isEmpty && name.isEmpty && isNumber {
                number = Array(w)
                continue
            }
            let key = packed(w)
            if unitWords.contains(key) || (key == longWord && w.elementsEqual("apartment".utf8)) {
                takeUnit = true
                continue
            }
            if !name.isEmpty { name.append(32) }
            if let short = key == longWord ? longAbbreviations[Array(w)] : abbreviations[key] {
                name += short
            } else {
                name += w
            }
        }
        return (number, name, unit)
    }

    /// Words that introduce a unit ("apartment", longer than 8 bytes, is looked for apart).
    static let unitWords: Set<UInt64> = Set(
        ["apt", "unit", "suite", "ste", "flat", "lot"].map { packed(Array($0.utf8)) })

    static let abbreviations: [UInt64: [UInt8]] = {
        let words = [
            "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr",
            "lane": "ln", "court": "ct", "place": "pl", "circle": "cir",
            "parkway": "pkwy", "highway": "hwy", "terrace": "ter", "crescent": "cres",
            "square": "sq", "north": "n", "south": "s", "east": "e", "west": "w",
            "mount": "mt", "saint": "st", "first": "1st", "second": "2nd", "third": "3rd",
            "fourth": "4th", "fifth": "5th",
        ]
        var m: [UInt64: [UInt8]] = [:]
        for (long, short) in words {
            m[packed(Array(long.utf8))] = Array(short.utf8)
        }
        return m
    }()

    /// The abbreviations of words longer than 8 bytes, looked up only for those.
    static let longAbbreviations: [[UInt8]: [UInt8]] = [
        "boulevard": "blvd", "northeast": "ne", "northwest": "nw", "southeast": "se",
        "southwest": "sw",
    ].reduce(into: [:]) { $0[Array($1.key.utf8)] = Array($1.value.utf8) }

    /// The mailbox of an e-mail address: lower case, "+tag" dropped, Gmail's dots ignored.
    static func mailbox(_ u: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let lower = u.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        guard let at = lower.firstIndex(of: 64) else { return [] }
        var local = Array(lower[..<at])
        var domain = Array(lower[(at + 1)...])
        if domain == Array("googlemail.com".utf8) { domain = Array("gmail.com".utf8) }
        if let plus = local.firstIndex(of: 43) { local = Array(local[..<plus]) }
        if domain == Array("gmail.com".utf8) { local.removeAll { $0 == 46 } }
        return local + [64] + domain
    }

    /// A stored date (YYYY-MM-DD, or a guardian's `birth_date_given` in that shape or as
    /// YYYYMMDD) as yyyymmdd; 0 when there is none or it cannot be read.
    static func date(_ u: UnsafeBufferPointer<UInt8>) -> Int32 {
        let dashed = u.count == 10 && u[4] == 45 && u[7] == 45
        guard dashed || u.count == 8 else { return 0 }
        var v: Int32 = 0
        for k in 0..<u.count where !dashed || (k != 4 && k != 7) {
            guard u[k] >= 48 && u[k] <= 57 else { return 0 }
            v = v * 10 + Int32(u[k] - 48)
        }
        return v
    }

    static func hash(_ u: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let h = fnv1a(u)
        return h == 0 ? 1 : h
    }
}

/// Splits `0..<count` into one chunk per core and runs `body` on each at once; returns the
/// chunks' results in order.
func inParallel<T>(_ count: Int, _ body: (Range<Int>) -> T) -> [T] {
    let parts = max(1, min(count / 1024, activeCores()))
    if parts == 1 { return [body(0..<count)] }
    let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: parts)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let shared = SendableBox(results)
    withoutActuallyEscaping(body) { body in
        let work = SendableBox(body)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = count * p / parts
            let hi = count * (p + 1) / parts
            shared.value[p] = work.value(lo..<hi)
        }
    }
    // Moved out, not copied: the buffer is freed without its elements' release, so a copy
    // would keep every chunk's result alive for good (at a million guardians, the records and
    // the blocking keys twice over: 300 MB).
    return (0..<parts).compactMap { results.moveElement(from: $0) }
}

/// Hands a value to the threads of `inParallel`, which each touch their own part of it.
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The cores this process may use.
func activeCores() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

/// Rows read from the database as bytes, kept whole so that they can be folded into
/// `MatchRecords` on both cores (SQLite is read on one).
struct StagedRows {
    private(set) var bytes: [UInt8] = []
    /// Where each field of each row ends in `bytes` (the next starts there).
    private(set) var ends: [UInt32] = []
    let width: Int
    var count: Int { ends.count / width }

    init(width: Int) { self.width = width }

    mutating func add(_ r: RawRow) {
        for c in 0..<width {
            bytes.append(contentsOf: r.bytes(c))
            ends.append(UInt32(bytes.count))
        }
    }

    /// One row's fields, read in place.
    struct Row {
        let base: UnsafePointer<UInt8>
        let ends: UnsafePointer<UInt32>
        let first: Int

        func bytes(_ c: Int) -> UnsafeBufferPointer<UInt8> {
            let k = first + c
            let from = k == 0 ? 0 : Int(ends[k - 1])
            return UnsafeBufferPointer(start: base + from, count: Int(ends[k]) - from)
        }
    }

    /// Calls `body` with rows `range`.
    func rows(_ range: Range<Int>, _ body: (Row) -> Void) {
        bytes.withUnsafeBufferPointer { b in
            ends.withUnsafeBufferPointer { e in
                guard let base = b.baseAddress ?? UnsafePointer(bitPattern: 1),
                    let ends = e.baseAddress
                else { return }
                for i in range { body(Row(base: base, ends: ends, first: i * width)) }
            }
        }
    }
}
