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
    /// two as one 8-byte key, others whole up to the spill's budget (a link's, up to half: its
    /// set is made while the guardians' and the students' are still held, and a re-import of
    /// 300,000 students' OneRoster bundle with UUIDs peaked at 147 to 152 MB with a whole one).
    /// `known`: the district's rows of this table, when a re-import keeps them.
    func emptySet(_ spill: IDSpill, known: KnownRows? = nil) -> IDSet {
        IDSet(
            numbered: self != .links, pairs: self == .links, spill: spill,
            share: self == .links ? 0.5 : 1, known: known)
    }

    /// What one row is: school, household, guardian, student or link.
    var kind: String { String(rawValue.dropLast()) }

    var keyColumns: [String] { self == .links ? ["guardian_id", "student_id"] : [kind + "_id"] }

    /// Every column an insert names, in the order of its arguments.
    var writtenColumns: [String] { ["district_id"] + keyColumns + columns + ["row_hash"] }

    /// The key as the import spells it, in SQL: the id, or for a link `guardian␟student`.
    var keySQL: String { keyColumns.joined(separator: " || char(31) || ") }

    /// Where an import stages this table's rows (see `RosterWriter.stageIfRandom`).
    var stagingTable: String { "temp.roster_staged_" + rawValue }

    /// The columns an import writes, besides the district, the key and `row_hash`.
    var columns: [String] {
        switch self {
        case .schools: ["name", "status"]
        case .households: ["street", "street2", "city", "state", "postcode"]
        case .guardians:
            [
                "given_name", "family_name", "email", "phone", "street", "street2", "city", "state",
                "postcode", "birth_date", "household_id", "status", "search_key",
                "birth_date_given",
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
/// hash that tells an unchanged row at the cost of one indexed read. Made on the reading
/// thread, with the text of all three packed once, so that the writer binds it in place
/// instead of SQLite copying each field into an allocation of its own.
///
/// The hash stored is the values' own, or for a row made from a line that had nothing wrong in
/// it, the line's (`LineHash`): a re-import then tells that line unchanged before making its
/// row. A row counts as unchanged when the stored hash is either.
struct TableRow {
    /// The key, the values and the hash, in the order the insert takes them after the
    /// district.
    let arguments: PackedArguments
    let keyCount: Int
    /// The line's hash, when the row was made from a clean line (0 when not: an optional made
    /// every copy of a row go through its type's metadata, 1% of a re-import; a line that
    /// hashes to 0, once in 2^64, is stored by that hash all the same, only `matches` does not
    /// also take its values' then); and as stored (the line's when there is one): `hash`.
    let line: UInt64
    let hash: String
    /// The values' FNV-1a when the row has no line's hash (it is then the one stored), and
    /// where the values it takes end.
    private let valuesHash: UInt64
    private let hashedEnd: Int

    /// `columns`: the key's columns then the values, as the insert takes them, then
    /// `hashSlot`, which the hash takes (so the array is not made again). `optionalLast`: the
    /// last value is hashed only when set, so that rows stored before its column existed
    /// still count as unchanged. `line`: the hash of the line the row was made from.
    init(keyCount: Int, _ columns: [SQLValue], optionalLast: Bool = false, line: UInt64? = nil) {
        self.keyCount = keyCount
        hashedEnd = columns.count - (optionalLast && columns[columns.count - 2] == .null ? 2 : 1)
        self.line = line ?? 0
        // With a line's hash, the values' is wanted only against a row the district holds
        // (`matches`): a first import never does, and hashing every value of every row was a
        // tenth of the work of the thread that makes OneRoster rows.
        valuesHash = self.line == 0 ? Self.fnv1a(columns[keyCount..<hashedEnd]) : 0
        hash = Self.stored(line ?? valuesHash)
        var all = columns
        all[all.count - 1] = .text(hash)
        arguments = PackedArguments(all)
    }

    /// A row of texts (nil: NULL), the key's then the values, put by `texts`, which is called
    /// twice (to measure and hash them, then to pack them, the hash after them): the row
    /// `init(keyCount:_:optionalLast:line:)` makes of them, without an array of values (see
    /// `PackedArguments(count:textBytes:_:)`).
    @inline(__always)
    init(
        keyCount: Int, optionalLast: Bool = false, line: UInt64?,
        texts: ((String?) -> Void) -> Void
    ) {
        self.keyCount = keyCount
        self.line = line ?? 0
        let hashing = self.line == 0
        var count = 0
        var textBytes = 0
        var lastIsNull = false
        var h = fnv1aBasis
        var beforeLast = h
        texts { s in
            textBytes += s?.utf8.count ?? 0
            if hashing && count >= keyCount {
                beforeLast = h
                h = Self.fnv1a(h, s)
            }
            lastIsNull = s == nil
            count += 1
        }
        let leftOut = optionalLast && lastIsNull
        hashedEnd = count - (leftOut ? 1 : 0)
        valuesHash = hashing ? (leftOut ? beforeLast : h) : 0
        let hash = Self.stored(line ?? valuesHash)
        self.hash = hash
        arguments = PackedArguments(count: count + 1, textBytes: textBytes + hash.utf8.count) {
            p in
            texts { p.put($0) }
            p.put(hash)
        }
    }

    /// The place of the hash at the end of `columns`.
    static let hashSlot = SQLValue.null

    var key: [String] { arguments.bytes.values(0..<keyCount).map { $0.string ?? "" } }
    var values: [SQLValue] { arguments.bytes.values(keyCount..<(arguments.count - 1)) }

    /// The values' FNV-1a (see `fnv1a`).
    var fnv: UInt64 {
        line == 0 ? valuesHash : Self.fnv1a(arguments.bytes.values(keyCount..<hashedEnd))
    }

    /// Whether `stored` (a row's `row_hash`) is this row's hash: of its line or of its values,
    /// as written now, or as earlier versions wrote the values' (all 64 bits in hex), so that
    /// their rows still count as unchanged.
    func matches(_ stored: SQLValue) -> Bool {
        guard case .text(let s) = stored else { return false }
        return s == hash || (line != 0 && s == Self.stored(fnv))
            || (s.utf8.count != 8 && s == String(fnv, radix: 16))
    }

    /// Whether the top 48 bits of a stored hash (see `KnownRows`) are this row's.
    func matches(top48 h: UInt64) -> Bool {
        // (The line's first: the values' are decoded from the packed row.)
        (line != 0 && h == line >> 16) || h == fnv >> 16
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
        var h = fnv1aBasis
        for v in values {
            switch v {
            case .null: h = fnv1a(h, nil)
            case .text(let s): h = fnv1a(h, s)
            case .int(let n) where n >= 0 && n <= 9:
                // A flag's digit, as its text would hash (a link has two): without making the
                // text, which took most of a link's hash.
                h =
                    (((h ^ UInt64(UInt8(ascii: "0") + UInt8(n))) &* 0x100_0000_01b3) ^ 0x1f)
                    &* 0x100_0000_01b3
            case .int, .double: h = fnv1a(h, v.string)
            }
        }
        return h
    }

    /// `h` continued with one value: a text's bytes then 0x1F, or for NULL nothing.
    private static func fnv1a(_ h: UInt64, _ s: String?) -> UInt64 {
        guard var text = s else { return h &* 0x100_0000_01b3 }
        return text.withUTF8 { (PortalKit.fnv1a($0, from: h) ^ 0x1f) &* 0x100_0000_01b3 }
    }
}

extension SchoolRecord {
    func tableRow(line: UInt64?) -> TableRow {
        TableRow(
            keyCount: 1, [.text(schoolID), .text(name), .text(status), TableRow.hashSlot],
            line: line)
    }
}

extension GuardianRecord {
    func tableRow(line: UInt64?) -> TableRow {
        let searchKey = searchKey
        return TableRow(keyCount: 1, optionalLast: true, line: line) { put in
            put(guardianID)
            put(givenName)
            put(familyName)
            put(email)
            put(phone)
            put(street)
            put(street2)
            put(city)
            put(state)
            put(postcode)
            put(birthDate)
            put(householdID)
            put(status)
            put(searchKey)
            put(birthDateGiven)
        }
    }

    /// The household row this guardian's address gives; `line`: the hash of the address as
    /// the line gave it.
    func householdRow(_ id: String, line: UInt64?) -> TableRow {
        TableRow(
            keyCount: 1,
            [
                .text(id), SQLValue(street), SQLValue(street2), SQLValue(city), SQLValue(state),
                SQLValue(postcode), TableRow.hashSlot,
            ], line: line)
    }
}

extension StudentRecord {
    func tableRow(line: UInt64?) -> TableRow {
        let searchKey = searchKey
        return TableRow(keyCount: 1, line: line) { put in
            put(studentID)
            put(givenName)
            put(familyName)
            put(middleName)
            put(birthDate)
            put(grade)
            put(schoolID)
            put(email)
            put(householdID)
            put(status)
            put(searchKey)
        }
    }
}

extension LinkRecord {
    func tableRow(line: UInt64?) -> TableRow {
        TableRow(
            keyCount: 2,
            [
                .text(guardianID), .text(studentID),
                SQLValue(relationship), SQLValue(portalAccess), SQLValue(custodial),
                .text("active"),
                TableRow.hashSlot,
            ], line: line)
    }
}

/// Whether keys met one after another, each by its place in the order of an index's key, go
/// into the index near where the last went: fewer than one in 64 lands more than `nearBehind`
/// places behind the furthest so far. Such keys keep an index up to date as cheaply as rows
/// appended (see `RosterWriter.keepUpToDate`); keys at random places (UUIDs) do not.
struct KeyOrder {
    private var count = 0
    private var far = 0
    private var furthest: Int32 = -1
    /// About 100 KB of an index of ids (a few pages), well within the import's 2 MB cache.
    static let nearBehind: Int32 = 4096

    mutating func meet(_ place: Int32) {
        count += 1
        if place < furthest - Self.nearBehind { far += 1 }
        furthest = max(furthest, place)
    }

    var isNear: Bool { count > 0 && far * 64 < count }

    /// Whether so many keys were far already that no more than `most` in all are near.
    func isFar(within most: Int) -> Bool { far * 64 >= most }
}
