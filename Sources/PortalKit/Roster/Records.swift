/// A problem with one field of one input row, reported as `file:line: field: problem`.
public struct RowProblem: Error, Sendable {
    /// The column the problem is in.
    public let field: String
    /// What is wrong with its value, in words.
    public let problem: String
    /// Where the value came from when that is not the row's own file and line (a OneRoster
    /// birth date is read from demographics.csv for a row of users.csv).
    public var source: (file: String, line: Int)? = nil
    /// The column the bad value was kept in as the file gave it (a guardian's
    /// `birth_date_given`), when it was kept; nil when the row was imported without it.
    public var keptAs: String? = nil
    /// A problem with `field`, described by `problem`.
    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }
}

struct SchoolRecord: Sendable {
    var schoolID: String
    var name: String
    /// "active" or "inactive" (native schools.csv's optional status; OneRoster orgs.csv's,
    /// where tobedeleted is inactive).
    var status = "active"
}

struct StudentRecord: Sendable {
    var studentID: String
    var givenName: String
    var familyName: String
    var middleName: String?
    var birthDate: String?
    var grade: String?
    var schoolID: String?
    var email: String?
    var householdID: String?
    var status: String

    /// What `student find` matches besides the email: the names, folded.
    var searchKey: String { searchFold(joining: [givenName, middleName ?? "", familyName]) }
}

struct GuardianRecord: Sendable {
    var guardianID: String
    var givenName: String
    var familyName: String
    var email: String?
    var phone: String?
    var street: String?
    var street2: String?
    var city: String?
    var state: String?
    var postcode: String?
    var birthDate: String?
    /// The file's birth date when it was no plausible date, as given (see `Field.givenDate`).
    var birthDateGiven: String?
    var householdID: String?
    var status: String = "active"
    /// What `guardian find` matches besides the email and the phone: the names, folded.
    var searchKey: String { searchFold(joining: [givenName, familyName]) }

    var hasAddress: Bool {
        street != nil || street2 != nil || city != nil || state != nil || postcode != nil
    }
}

struct LinkRecord: Sendable {
    var guardianID: String
    var studentID: String
    var relationship: String?
    var portalAccess: Bool
    var custodial: Bool

    /// Relationships of contacts who are not a parent or anyone acting as one: an SIS's
    /// contacts list has them beside the parents (the emergency contact, the neighbour who
    /// picks a child up). The portal is for parents and guardians (FERPA's "parent"), so such
    /// a link has no portal access and is not custodial unless the file says so.
    static let notParents: Set<String> = [
        "emergency contact", "emergency", "emergency only", "emergency contact only",
        "doctor", "physician", "dentist", "neighbor", "neighbour", "friend", "family friend",
        "babysitter", "baby sitter", "sitter", "nanny", "daycare", "day care",
        "daycare provider", "childcare", "child care", "childcare provider", "coach",
        "employer", "clergy", "pastor", "pickup", "pick up", "pickup only", "pick up only",
        "authorized pickup", "carpool",
    ]

    /// `notParents` as compared: a hash of their letters in lower case, spaces left out.
    private static let notParentsSquashed = Set(notParents.map { squashed($0) })

    /// FNV-1a of `s`'s bytes, ASCII letters in lower case, without spaces, hyphens and
    /// underscores: made for every link, so it makes no string.
    private static func squashed(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { u in
            var h = fnv1aBasis
            for var b in u where b != 0x20 && b != 0x2D && b != 0x5F {
                if b >= 0x41 && b <= 0x5A { b += 0x20 }
                h = (h ^ UInt64(b)) &* 0x100_0000_01b3
            }
            return h
        }
    }

    /// Whether `relationship` names a contact who is not a parent, in any case and spacing
    /// (`Emergency Contact`, `emergency-contact`, OneRoster's `emergencyContact`).
    static func isNotParent(_ relationship: String?) -> Bool {
        guard let r = relationship, !r.isEmpty else { return false }
        return notParentsSquashed.contains(squashed(r))
    }
}

/// The optional values of one row read leniently: a bad one (an e-mail, a birth date) leaves
/// the row in without it, with a warning, where a bad required value rejects the row. (A
/// structure: a class was an allocation for every row an import makes; `warn` is called once
/// the row is made, apart: `warn(row(... read ...))` would see the values as they were before
/// the reads in its argument.)
struct OptionalValues {
    private var problems: [RowProblem] = []

    /// The value `check` makes of the field, or nil (and a warning) when it is bad. `source`:
    /// the file and line the value came from, when another than the row's.
    mutating func read<V>(source: (file: String, line: Int)? = nil, _ check: () throws -> V?)
        -> V?
    {
        do {
            return try check()
        } catch var p as RowProblem {
            p.source = source
            problems.append(p)
            return nil
        } catch {
            return nil
        }
    }

    /// `value` (what the file gave for `field`, kept as it was: see `Field.givenDate`),
    /// with the warning about `field` saying that it was kept in `column`.
    mutating func kept(_ value: String?, field: String, in column: String) -> String? {
        if value != nil, let k = problems.lastIndex(where: { $0.field == field }) {
            problems[k].keptAs = column
        }
        return value
    }

    /// A problem met before the fields were read (a field the reader refused).
    mutating func add(_ p: RowProblem) { problems.append(p) }

    /// `row` with the warnings met: then it is stored by the hash of its values, not of its
    /// line (its line is made again each time, to report them).
    func warn(_ row: PendingRow) -> PendingRow {
        row.warnings = problems
        if !problems.isEmpty {
            row.lineHash = nil
            row.addressHash = nil
        }
        return row
    }
}

/// Field clean-up shared by the readers: trimmed, empty as nil, and checked.
enum Field {
    /// The longest name or address line, in characters (the man page says so).
    static let maxTextLength = 200

    /// What the file gave for a date that `date` refused, kept for matching and for the export:
    /// the text trimmed, when it has something of a date's length (at most 32 characters);
    /// nil when the date was read or nothing was given.
    static func givenDate(_ s: String?, read: String?) -> String? {
        guard read == nil, let t = optional(s), t.count <= 32 else { return nil }
        return t
    }

    static func optional(_ s: String?) -> String? {
        guard let t = s?.trimmed(), !t.isEmpty else { return nil }
        return t
    }

    /// An optional free-text value (address lines, grade, relationship): at most
    /// `maxTextLength` characters.
    static func text(_ s: String?, _ name: String) throws -> String? {
        guard let v = optional(s) else { return nil }
        guard v.utf8.count <= maxTextLength || v.count <= maxTextLength else {
            throw RowProblem(name, "too long (at most \(maxTextLength) characters)")
        }
        return v
    }

    /// An optional postal code: letters, digits, spaces and hyphens, at most 10 of them, with a
    /// digit or a letter (55350, 55350-1234, K1A 0B6, SW1A 1AA, 1010).
    static func postcode(_ s: String?, _ name: String) throws -> String? {
        guard let v = optional(s) else { return nil }
        let ok =
            v.count <= 10
            && v.unicodeScalars.allSatisfy {
                ("0"..."9").contains($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0)
                    || $0 == " " || $0 == "-"
            } && v.unicodeScalars.contains { $0 != " " && $0 != "-" }
        guard ok else {
            throw RowProblem(name, "not a postal code (letters, digits, spaces and hyphens)")
        }
        return v
    }

    static func required(_ s: String?, _ name: String) throws -> String {
        guard let v = optional(s) else {
            throw RowProblem(name, "missing (the column is required)")
        }
        return v
    }

    static func id(_ s: String?, _ name: String) throws -> String {
        var v = try required(s, name)
        // Byte checks first: an ASCII id of at most 128 bytes without CR/LF is fine.
        let ascii = v.withUTF8 { u in
            u.count <= 128 && !u.contains { $0 >= 0x80 || $0 == 10 || $0 == 13 }
        }
        guard ascii || (v.count <= 128 && !v.contains(where: { $0.isNewline })) else {
            throw RowProblem(name, "not a usable id (too long or holds a line break)")
        }
        return v
    }

    /// Whether `id` takes a field of these bytes as it is, read through `Spreadsheet.unguarded`
    /// and `trimmed`: at most 128 bytes that read as they are (`Spreadsheet.readsAsIs`).
    static func isPlainID(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        u.count <= 128 && Spreadsheet.readsAsIs(u)
    }

    /// Birth dates as `YYYY-MM-DD` or US `M/D/YYYY`, stored as `YYYY-MM-DD`, and plausible:
    /// not after `today`, not more than 120 years before it. Never echoes the value: a birth
    /// date is personal data.
    static func date(_ s: String?, _ name: String, today: CivilDate) throws -> String? {
        guard let v = optional(s) else { return nil }
        // Exports sometimes carry a time (OneRoster's after a `T`, a spreadsheet's datetime
        // column's after a space: `1980-02-28 00:00:00`, `2/28/1980 12:00 AM`): the date part
        // is the date.
        guard let d = isISODate(v) ? CivilDate(parsing: v) : CivilDate(parsing: withoutTime(v))
        else {
            throw RowProblem(name, "not a date (use YYYY-MM-DD or M/D/YYYY)")
        }
        guard d <= today else {
            throw RowProblem(name, "not a plausible birth date (in the future)")
        }
        let oldest = CivilDate(clampingYear: today.year - 120, month: today.month, day: today.day)
        guard d >= oldest else {
            throw RowProblem(name, "not a plausible birth date (more than 120 years ago)")
        }
        return isISODate(v) ? v : d.description
    }

    /// `v` without a time of day after its date: after a `T` at the 11th character, or after a
    /// space when all that follows is a time (`H:MM`, seconds and their fractions, AM or PM, a
    /// zone).
    static func withoutTime(_ v: String) -> String {
        if v.count > 10 && v.dropFirst(10).first == "T" { return String(v.prefix(10)) }
        guard let space = v.firstIndex(of: " ") else { return v }
        var time = v[v.index(after: space)...].trimmed().uppercased()
        func digits(_ p: Substring, _ counts: ClosedRange<Int>) -> Bool {
            counts.contains(p.count) && p.allSatisfy { $0.isASCII && $0.isNumber }
        }
        for half in ["AM", "PM"] where time.hasSuffix(half) {
            time = String(time.dropLast(2)).trimmed()
        }
        // A zone after the time, as a database writes a timestamp: `Z`, `UTC`, `+00`, `-05:00`.
        for zone in ["Z", "UTC"] where time.hasSuffix(zone) {
            time = String(time.dropLast(zone.count)).trimmed()
        }
        if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = time[time.index(after: sign)...].split(separator: ":")
            if (1...2).contains(zone.count) && zone.allSatisfy({ digits($0, 2...2) }) {
                time = String(time[..<sign]).trimmed()
            }
        }
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        var isTime =
            (2...3).contains(parts.count) && digits(parts[0], 1...2) && digits(parts[1], 2...2)
        if isTime && parts.count == 3 {
            // Seconds, and perhaps their fraction.
            let s = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            isTime = digits(s[0], 2...2) && (s.count == 1 || digits(s[1], 1...9))
        }
        return isTime ? String(v[..<space]) : v
    }

    /// Whether `v` already is a valid `YYYY-MM-DD` from 1900 on (most dates are), read from
    /// its bytes: then it is stored as it is.
    private static func isISODate(_ v: String) -> Bool {
        var v = v
        return v.withUTF8 { u in
            guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else {
                return false
            }
            func number(_ r: Range<Int>) -> Int? {
                var n = 0
                for i in r {
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[i]) else { return nil }
                    n = n * 10 + Int(u[i] - UInt8(ascii: "0"))
                }
                return n
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else {
                return false
            }
            return y >= 1900 && CivilDate(year: y, month: m, day: d) != nil
        }
    }

    static func email(_ s: String?, _ name: String) throws -> String? {
        guard let v = optional(s) else { return nil }
        let lower = lowered(v)
        if isEmail(lower) { return lower }
        // As a mail program copies an address ("Ann Lee <ann@example.org>", "mailto:ann@...").
        // Tried only when the field is not an address by itself.
        if let bare = withoutMailDecoration(lower), isEmail(bare) { return bare }
        throw RowProblem(name, "not an email address")
    }

    /// Whether `v` is local@domain.tld as mail is sent to: one @, a dot in the domain, no
    /// dot at either end of a part or two together, none of the characters that need quoting
    /// (space , ; : < > ( ) [ ] \ ") or control characters.
    static func isEmail(_ v: String) -> Bool {
        var v = v
        return v.withUTF8 { u in
            var at: Int? = nil
            var dotAfterAt = false
            var previous: UInt8 = 0
            for (i, b) in u.enumerated() {
                switch b {
                case UInt8(ascii: "@"):
                    if at != nil || i == 0 || previous == UInt8(ascii: ".") { return false }
                    at = i
                case UInt8(ascii: "."):
                    if i == 0 || previous == UInt8(ascii: ".") || previous == UInt8(ascii: "@") {
                        return false
                    }
                    if at != nil { dotAfterAt = true }
                case UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"),
                    UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"),
                    UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
                    0..<0x20, 0x7F:
                    return false
                default: break
                }
                previous = b
            }
            return at != nil && dotAfterAt && previous != UInt8(ascii: ".")
        }
    }

    /// The address in `v` as a mail program writes it: between < and > at its end, or after
    /// mailto:; nil when it is neither.
    static func withoutMailDecoration(_ v: String) -> String? {
        if v.hasSuffix(">"), let open = v.lastIndex(of: "<") {
            return String(v[v.index(after: open)..<v.index(before: v.endIndex)]).trimmed()
        }
        if v.hasPrefix("mailto:") { return String(v.dropFirst(7)).trimmed() }
        return nil
    }

    /// Phone numbers are kept as digits (a leading + kept), so "(320) 234-2603" and
    /// "320.234.2603" are the same number; extensions after "x" are kept as "x123".
    static func phone(_ s: String?, _ name: String) throws -> String? {
        guard let v = optional(s) else { return nil }
        return try normalizePhone(v, name)
    }

    static func normalizePhone(_ v: String, _ name: String) throws -> String {
        if let number = phoneNumber(v) { return number }
        // A label a person typed with the number ("Cell: 320-555-0188", "320-555-0188 (home)"):
        // the number. Tried only when the field is not a number by itself.
        if let bare = withoutPhoneLabel(v), let number = phoneNumber(bare) { return number }
        throw RowProblem(name, "not a phone number")
    }

    /// The words a phone number is labelled with in a roster's field.
    static let phoneLabels: Set<String> = [
        "cell", "cellphone", "mobile", "mob", "home", "work", "office", "day", "evening",
        "night", "tel", "phone", "ph", "c", "h", "w", "m", "o",
    ]

    /// `v` without one label before the number (a word of `phoneLabels` and a colon, or the
    /// word alone) or after it (the word, in parentheses or not); nil when it has none.
    static func withoutPhoneLabel(_ v: String) -> String? {
        let t = Substring(v.trimmed())
        func label(_ w: Substring) -> Bool { phoneLabels.contains(w.lowercased()) }
        // Before: "Cell: 320...", "Home 320...", "(cell) 320...", "c: 320..." (a letter alone
        // only with its colon or parentheses).
        let opened = t.first == "("
        let head = opened ? t.dropFirst() : t
        if let end = head.firstIndex(where: { !$0.isLetter }) {
            let word = head[..<end]
            var rest = head[end...]
            let marked = opened ? rest.first == ")" : rest.first == ":" || rest.first == "."
            if marked { rest = rest.dropFirst() }
            if label(word) && (marked || (word.count > 1 && !opened))
                && rest.first.map({ $0 == " " || $0 == "(" || $0 == "+" || $0.isNumber }) == true
            {
                return String(rest).trimmed()
            }
        }
        // After: "320... (cell)", "320... (h)", "320... cell", "320... - home".
        var rest = t
        let closed = rest.last == ")"
        if closed { rest = rest.dropLast() }
        guard let start = rest.lastIndex(where: { !$0.isLetter }) else { return nil }
        let word = rest[rest.index(after: start)...]
        guard label(word) && (word.count > 1 || (closed && rest[start] == "(")) else { return nil }
        var number = t[...start]
        while let c = number.last, c == " " || c == "(" || c == "-" { number = number.dropLast() }
        return number.isEmpty ? nil : String(number)
    }

    /// `v` as a phone number (digits, an extension after x or ext), or nil.
    private static func phoneNumber(_ v: String) -> String? {
        // One pass over the bytes: digits of the number, then of an extension after "x"/"ext".
        var digits: [UInt8] = []
        var ext: [UInt8] = []
        var inExt = false
        var plus = false
        var ok = true
        for b in v.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExt { ext.append(b) } else { digits.append(b) }
            case UInt8(ascii: "+"):
                if digits.isEmpty && !inExt { plus = true } else { ok = false }
            case UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "/"):
                break
            case UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "e"), UInt8(ascii: "E"),
                UInt8(ascii: "t"), UInt8(ascii: "T"):
                if digits.isEmpty { ok = false }
                inExt = true
            default:
                ok = false
            }
        }
        guard ok, (7...15).contains(digits.count) else { return nil }
        // North American numbers: "+1 320 234 2603" and "320-234-2603" are the same number.
        if digits.count == 11 && digits[0] == UInt8(ascii: "1") {
            digits.removeFirst()
            plus = false
        }
        return (plus ? "+" : "") + String(decoding: digits, as: UTF8.self)
            + (ext.isEmpty ? "" : "x" + String(decoding: ext, as: UTF8.self))
    }

    static func flag(_ s: String?, _ name: String, default value: Bool) throws -> Bool {
        guard let v = optional(s) else { return value }
        if v.isOneOf(["y", "yes", "true", "t", "1"]) { return true }
        if v.isOneOf(["n", "no", "false", "f", "0"]) { return false }
        throw RowProblem(name, "not yes or no")
    }

    /// A row's status: active or inactive, as SIS exports spell an enrolment's state (a
    /// student who graduated, transferred or left is no longer enrolled).
    static func status(_ s: String?, _ name: String) throws -> String {
        guard let v = optional(s) else { return "active" }
        if v.isOneOf(["active", "a", "enrolled", "current"]) { return "active" }
        if v.isOneOf([
            "inactive", "i", "withdrawn", "withdrew", "tobedeleted", "graduated", "transferred",
            "dropped", "exited", "expelled", "deceased", "no show",
        ]) {
            return "inactive"
        }
        // Other words SIS exports use, in any spacing ("Pre-Registered", "NO_SHOW").
        let w = String(v.lowercased().unicodeScalars.filter { $0 != " " && $0 != "-" && $0 != "_" })
        if activeWords.contains(w) { return "active" }
        if inactiveWords.contains(w) { return "inactive" }
        throw RowProblem(
            name,
            "not a status (active or inactive, or as an SIS writes them: enrolled, pre-registered, withdrawn, graduated, transferred, ...)"
        )
    }

    /// Statuses of a student enrolled, or enrolled for the coming year (whose parents sign up
    /// before it starts), with spaces, hyphens and underscores left out.
    static let activeWords: Set<String> = [
        "active", "enrolled", "current", "registered", "preregistered", "preenrolled",
        "future", "incoming", "reenrolled", "summerschool",
    ]

    /// Statuses of a student no longer enrolled (or of a school closed), as `activeWords`.
    static let inactiveWords: Set<String> = [
        "inactive", "withdrawn", "withdrew", "tobedeleted", "graduated", "transferred",
        "transferredout", "dropped", "droppedout", "dropout", "exited", "expelled", "deceased",
        "noshow", "left", "moved", "movedaway", "completed", "archived", "deleted", "closed",
    ]

    /// A name that must be there: a missing one is the row's problem.
    static func requiredName(_ s: String?, _ field: String) throws -> String {
        guard let v = try name(s, field) else {
            throw RowProblem(field, "missing (the column is required)")
        }
        return v
    }

    /// A name, white space collapsed, bounded; nil when empty.
    static func name(_ s: String?, _ field: String) throws -> String? {
        guard let v = optional(s) else { return nil }
        guard v.utf8.count <= maxTextLength || v.count <= maxTextLength else {
            throw RowProblem(field, "too long (at most \(maxTextLength) characters)")
        }
        // Collapse runs of inner white space: "Mary  Ann" and "Mary Ann" are one name.
        var previousSpace = false
        var clean = true
        for b in v.utf8 {
            if b < 0x20 || (b == 0x20 && previousSpace) {
                clean = false
                break
            }
            previousSpace = b == 0x20
        }
        if clean { return v }
        return v.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

extension String {
    /// Whether the string is one of `words` (lower-case ASCII), ignoring ASCII case; on the
    /// bytes, for values checked on every row.
    func isOneOf(_ words: [StaticString]) -> Bool {
        var s = self
        return s.withUTF8 { (u: UnsafeBufferPointer<UInt8>) -> Bool in
            words.contains { (w: StaticString) -> Bool in
                guard w.utf8CodeUnitCount == u.count else { return false }
                let word = w.utf8Start
                for i in 0..<u.count {
                    let b = u[i]
                    if word[i] != (b >= 65 && b <= 90 ? b + 32 : b) { return false }
                }
                return true
            }
        }
    }
}

/// A key for case- and accent-insensitive search: "José Núñez" → "jose nunez".
public func searchFold(_ s: String) -> String { searchFold(joining: [s]) }

/// `searchFold(parts.joined(separator: " "))`, written as UTF-8 into one new string: ASCII
/// byte by byte (most letters even of non-English names), other letters through the tables.
func searchFold(joining parts: [String]) -> String {
    // All ASCII (most names): lowered straight into the string, not through an array of
    // bytes decoded again (a student's key was about 2,000 instructions that way).
    var total = parts.count - 1
    var ascii = true
    for p in parts {
        total += p.utf8.count
        if ascii {
            ascii = p.utf8.withContiguousStorageIfAvailable { $0.reduce(0, |) < 0x80 } ?? false
        }
    }
    if ascii && total > 0 {
        return String(unsafeUninitializedCapacity: total) { out in
            var i = 0
            for (k, p) in parts.enumerated() {
                if k > 0 {
                    out[i] = 0x20
                    i += 1
                }
                _ = p.utf8.withContiguousStorageIfAvailable { u in
                    for b in u {
                        out[i] = b >= 65 && b <= 90 ? b + 32 : b
                        i += 1
                    }
                }
            }
            return i
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(parts.reduce(parts.count) { $0 + $1.utf8.count })
    for (k, var p) in parts.enumerated() {
        if k > 0 { out.append(0x20) }
        let ascii = p.withUTF8 { u in
            guard u.reduce(0, |) < 0x80 else { return false }
            for b in u { out.append(b >= 65 && b <= 90 ? b + 32 : b) }
            return true
        }
        if !ascii { foldScalars(p, into: &out) }
    }
    return String(decoding: out, as: UTF8.self)
}

private func foldScalars(_ s: String, into out: inout [UInt8]) {
    for var u in s.unicodeScalars {
        // Full-width letters, digits and signs (typed with an East Asian input method) and the
        // ideographic space as their ASCII selves.
        if (0xFF01...0xFF5E).contains(u.value) || u.value == 0x3000 {
            u = Unicode.Scalar(u.value == 0x3000 ? 0x20 : u.value - 0xFEE0) ?? u
        }
        if u.isASCII {
            let v = UInt8(u.value)
            out.append(v >= 65 && v <= 90 ? v + 32 : v)
            continue
        }
        if let i = latinFoldIndex(u.value) {
            out.append(contentsOf: latinFolds[i])
        } else {
            fold(u, into: &out)
        }
    }
}

/// One letter beyond ASCII: in lower case, its letters without their accents (`foldTable`,
/// else the base letter its Unicode name gives: "LATIN SMALL LETTER E WITH CIRCUMFLEX AND
/// TILDE" is an e), marks dropped, any other letter kept as it is.
private func fold(_ u: Unicode.Scalar, into out: inout [UInt8]) {
    for l in u.properties.lowercaseMapping.unicodeScalars {
        if let base = foldTable[l] {
            out.append(contentsOf: base.utf8)
        } else if let base = latinBase(l) {
            out.append(base)
        } else if l.properties.generalCategory != .nonspacingMark {
            UTF8.encode(l) { out.append($0) }
        }
    }
}

/// The ASCII letter (in lower case) of a Latin letter with a diacritic, by its Unicode name:
/// Vietnamese's ễ and ơ, Pinyin's ǎ, transliterations' ḥ and ṣ. Nil for any other scalar.
private func latinBase(_ l: Unicode.Scalar) -> UInt8? {
    guard let name = l.properties.name else { return nil }
    for prefix in ["LATIN SMALL LETTER ", "LATIN CAPITAL LETTER "] where name.hasPrefix(prefix) {
        let rest = name.utf8.dropFirst(prefix.utf8.count)
        guard let c = rest.first, c >= 65 && c <= 90,
            rest.count == 1 || rest.dropFirst().starts(with: " WITH ".utf8)
        else { return nil }
        return c + 32
    }
    return nil
}

/// Where the fold of a letter of Latin-1, Latin Extended-A and -B or Latin Extended
/// Additional (U+0080 to U+024F, U+1E00 to U+1EFF) is kept in `latinFolds`.
private func latinFoldIndex(_ v: UInt32) -> Int? {
    if v >= 0x80 && v < 0x250 { return Int(v - 0x80) }
    if v >= 0x1E00 && v < 0x1F00 { return 0x1D0 + Int(v - 0x1E00) }
    return nil
}

/// The fold of each of those letters, made once: a name with accents folded a letter at a
/// time through Unicode's tables (a district of Vietnamese names imported a tenth slower).
private let latinFolds: [[UInt8]] = (Array(0x80..<0x250) + Array(0x1E00..<0x1F00)).map {
    var out: [UInt8] = []
    if let u = Unicode.Scalar(UInt32($0)) { fold(u, into: &out) }
    return out
}

/// Lower case, byte by byte for ASCII text.
func lowered(_ s: String) -> String {
    var s = s
    let ascii = s.withUTF8 { $0.reduce(0, |) < 0x80 }
    return ascii ? asciiLowercased(s) : s.lowercased()
}

private let foldTable: [Unicode.Scalar: String] = {
    let pairs: [(String, String)] = [
        ("àáâãäåāăą", "a"), ("çćĉċč", "c"), ("ďđ", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"), ("ĵ", "j"), ("ķ", "k"), ("ĺļľŀł", "l"), ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("ŕŗř", "r"), ("śŝşšș", "s"), ("ţťŧț", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"),
        ("źżž", "z"), ("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"), ("ð", "d"),
    ]
    var t: [Unicode.Scalar: String] = [:]
    for (chars, base) in pairs { for u in chars.unicodeScalars { t[u] = base } }
    return t
}()

/// Lower case for ASCII text, byte by byte (String.lowercased() walks Unicode tables); the
/// string itself when it has no capital.
func asciiLowercased(_ s: String) -> String {
    var s = s
    return s.withUTF8 { u -> String? in
        guard u.contains(where: { $0 >= 65 && $0 <= 90 }) else { return nil }
        return String(unsafeUninitializedCapacity: u.count) { out in
            for (i, b) in u.enumerated() { out[i] = b >= 65 && b <= 90 ? b + 32 : b }
            return u.count
        }
    } ?? s
}
