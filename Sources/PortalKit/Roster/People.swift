/// Look-ups a help-desk call needs: list, show and find students and guardians.
public enum People {
    /// Which kind of person: a student or a guardian.
    public enum Kind: String, Sendable {
        case student, guardian
        var table: String { self == .student ? "students" : "guardians" }
        /// The kind a stored `person_kind` names (the schema allows only these two).
        init(stored kind: String) { self = kind == "student" ? .student : .guardian }
        var idColumn: String { self == .student ? "student_id" : "guardian_id" }
        /// The roster columns of this kind of person, in the order `Person.values` holds them.
        public var columns: [String] {
            self == .student
                ? [
                    "student_id", "given_name", "family_name", "middle_name", "birth_date", "grade",
                    "school_id", "email", "household_id", "status",
                ]
                : [
                    "guardian_id", "given_name", "family_name", "email", "phone", "street",
                    "street2", "city", "state", "postcode", "birth_date", "household_id", "status",
                ]
        }
    }

    /// A student or guardian as the roster holds them: each field under its roster column name
    /// (`Kind.columns`, in that order).
    public struct Person: Sendable {
        /// Whether this is a student or a guardian.
        public let kind: Kind
        /// The values of `kind.columns`, in that order; nil where not set.
        public let values: [String?]
        /// A guardian's birth date as the file gave it when it was no plausible date (read by
        /// `person` only).
        public let birthDateGiven: String?

        init(_ kind: Kind, _ r: Row) {
            self.kind = kind
            values = kind.columns.map { r.string($0) }
            birthDateGiven =
                r.columns.contains("birth_date_given") ? r.string("birth_date_given") : nil
        }

        /// The value of the roster column `field`; nil when not set or not a column of this kind.
        public subscript(field: String) -> String? {
            kind.columns.firstIndex(of: field).flatMap { values[$0] }
        }

        /// The student or guardian id.
        public var id: String { values[0] ?? "" }
        /// Given and family name, as the roster holds them.
        public var name: String {
            [self["given_name"], self["family_name"]].compactMap { $0 }.joined(separator: " ")
        }
        /// active, inactive or merged.
        public var status: String { self["status"] ?? "" }
    }

    /// A link seen from one end: the person at the other end and how they are linked.
    public struct Link: Sendable {
        /// The student's or guardian's id at the other end.
        public let id: String
        /// The given name of the person at the other end.
        public let givenName: String
        /// The family name of the person at the other end.
        public let familyName: String
        /// What the guardian is to the student (mother, father, grandparent, ...), when known.
        public let relationship: String?
        /// Whether the link lets the guardian see the student in the portal.
        public let portalAccess: Bool
        /// Whether the guardian has custody.
        public let custodial: Bool
        /// active or inactive (the link itself).
        public let status: String
    }

    /// The district's people of `kind` (with `status` only), by name, at most `limit` (0: all).
    public static func list(
        _ db: Database, district: String, kind: Kind, status: String?, limit: Int,
        _ body: (Person) throws -> Void
    ) throws {
        var sql =
            "SELECT \(kind.columns.joined(separator: ", ")) FROM \(kind.table) WHERE district_id = ?"
        var args: [SQLValue] = [.text(district)]
        if let status {
            sql += " AND status = ?"
            args.append(.text(status))
        }
        sql += " ORDER BY family_name, given_name, \(kind.idColumn)"
        if limit > 0 { sql += " LIMIT \(limit)" }
        try db.forEach(sql, args) { try body(Person(kind, $0)) }
    }

    /// How many people of `kind` the district has (with `status` only, when given).
    public static func count(_ db: Database, district: String, kind: Kind, status: String?) throws
        -> Int
    {
        var sql = "SELECT count(*) FROM \(kind.table) WHERE district_id = ?"
        var args: [SQLValue] = [.text(district)]
        if let status {
            sql += " AND status = ?"
            args.append(.text(status))
        }
        return try db.count(sql, args)
    }

    /// The person `id` of `kind`, or not found with how to find them.
    public static func person(_ db: Database, district: String, kind: Kind, id: String) throws
        -> Person
    {
        Person(kind, try get(db, district: district, kind: kind, id: id))
    }

    static func get(_ db: Database, district: String, kind: Kind, id: String) throws -> Row {
        guard
            let r = try db.first(
                "SELECT \((kind.columns + (kind == .guardian ? ["birth_date_given"] : [])).joined(separator: ", ")) FROM \(kind.table) WHERE district_id = ? AND \(kind.idColumn) = ?",
                [.text(district), .text(id)])
        else { throw try notFound(db, district: district, kind: kind, id: id) }
        return r
    }

    /// `kind 'id' not found`, with where to look, led by the id the district holds when `id`
    /// is one of its ids typed in another case or with spaces around it, or by what `id` is
    /// when it is the other kind's (a student's id given for a guardian).
    static func notFound(_ db: Database, district: String, kind: Kind, id: String) throws
        -> PortalError
    {
        let other: Kind = kind == .student ? .guardian : .student
        var hint: String? = nil
        if let near = try spelledAs(
            db, district: district, table: kind.table, column: kind.idColumn, id)
        {
            hint = "did you mean '\(near)'? or find them"
        } else if let theirs = try spelledAs(
            db, district: district, table: other.table, column: other.idColumn, id,
            asGiven: true)
        {
            hint = "'\(theirs)' is a \(other.rawValue)'s id; or find the \(kind.rawValue)"
        } else if let near = try slipsOf(
            db, district: district, table: kind.table, column: kind.idColumn, id)
        {
            hint = "did you mean \(near)? or find them"
        }
        return PortalError.notFound(kind.rawValue, id, hint: hint, action: .findPerson(kind))
    }

    /// The id of `table` that `id` is when typed in another case (all upper or all lower: ids
    /// are numbers, prefixed numbers or UUIDs) or with spaces around it (a help desk types
    /// what a parent reads out: "g1000001" for G1000001), or as given too when `asGiven`; nil
    /// when none is. Looks up each spelling by the table's key: no scan, however large the
    /// district.
    static func spelledAs(
        _ db: Database, district: String, table: String, column: String, _ id: String,
        asGiven: Bool = false
    ) throws -> String? {
        let t = id.trimmed()
        var tried: Set = asGiven ? [""] : [id, ""]
        for v in [id, t, t.uppercased(), t.lowercased()] where tried.insert(v).inserted {
            if let r = try db.first(
                "SELECT \(column) FROM \(table) WHERE district_id = ? AND \(column) = ?",
                [.text(district), .text(v)])
            {
                return r.text(column)
            }
        }
        return nil
    }

    /// The ids of `table` that `id` is as a help desk types what a parent reads out: with
    /// O for 0 or I or L for 1, or with its letters left off or added ("600001" for S600001);
    /// else one slip from it (a character left out, added, changed, or two swapped: "S600010"
    /// for S600001 in a small district). Quoted and listed ("'A' or 'B'"); nil for none, or
    /// for more than three (dense numbers: no guess). Only for an id of four characters or
    /// more. A scan of the district's ids, on the way to "not found" only.
    static func slipsOf(
        _ db: Database, district: String, table: String, column: String, _ id: String
    ) throws -> String? {
        // Upper case, O read as 0 and I and L as 1 where the rest are digits.
        func plain(_ s: String) -> [UInt8] {
            let b = Array(s.trimmed().uppercased().utf8)
            let number = b.drop { !(48...57).contains($0) }
            return Array(b[..<number.startIndex])
                + number.map { $0 == 79 ? 48 : ($0 == 73 || $0 == 76) ? 49 : $0 }
        }
        func digits(_ b: [UInt8]) -> ArraySlice<UInt8> { b.drop { !(48...57).contains($0) } }
        let given = plain(id)
        let number = digits(given)
        guard given.count >= 4 else { return nil }
        var same: [String] = []
        var slips: [String] = []
        try db.forEach(
            "SELECT \(column) FROM \(table) WHERE district_id = ?", [.text(district)]
        ) { row in
            guard same.count <= 3, let candidate = row[0].string else { return }
            let c = plain(candidate)
            if c == given || number.count >= 4 && digits(c) == number {
                same.append(candidate)
            } else if slips.count <= 3,
                c.withUnsafeBufferPointer({ cb in
                    given.withUnsafeBufferPointer { Phonetic.editDistance($0, cb, limit: 1) <= 1 }
                })
            {
                slips.append(candidate)
            }
        }
        let near = same.isEmpty ? slips : same
        guard !near.isEmpty && near.count <= 3 else { return nil }
        return orList(near.map { "'\($0)'" })
    }

    /// The first guardian (by id) linked to exactly `count` students, with the family name.
    public static func guardian(
        withStudents count: Int, _ db: Database, district: String
    ) throws -> (id: String, familyName: String)? {
        try db.first(
            """
            SELECT l.guardian_id, g.family_name FROM links l JOIN guardians g ON g.district_id = l.district_id AND g.guardian_id = l.guardian_id
            WHERE l.district_id = ? GROUP BY l.guardian_id, g.family_name HAVING count(*) = ? ORDER BY l.guardian_id LIMIT 1
            """, [.text(district), .int(Int64(count))]
        ).map { ($0.text("guardian_id"), $0.text("family_name")) }
    }

    /// The other side of the links: a student's guardians or a guardian's students.
    public static func links(_ db: Database, district: String, kind: Kind, id: String) throws
        -> [Link]
    {
        try linkRows(db, district: district, kind: kind, id: id).map {
            Link(
                id: $0.text("id"), givenName: $0.text("given_name"),
                familyName: $0.text("family_name"), relationship: $0.string("relationship"),
                portalAccess: $0.bool("portal_access"), custodial: $0.bool("custodial"),
                status: $0.text("status"))
        }
    }

    static func linkRows(_ db: Database, district: String, kind: Kind, id: String) throws -> [Row] {
        if kind == .student {
            return try db.query(
                """
                SELECT g.guardian_id AS id, g.given_name, g.family_name, l.relationship, l.portal_access, l.custodial, l.status
                FROM links l JOIN guardians g ON g.district_id = l.district_id AND g.guardian_id = l.guardian_id
                WHERE l.district_id = ? AND l.student_id = ? ORDER BY g.family_name, g.given_name
                """, [.text(district), .text(id)])
        }
        return try db.query(
            """
            SELECT s.student_id AS id, s.given_name, s.family_name, l.relationship, l.portal_access, l.custodial, l.status
            FROM links l JOIN students s ON s.district_id = l.district_id AND s.student_id = l.student_id
            WHERE l.district_id = ? AND l.guardian_id = ? ORDER BY s.family_name, s.given_name
            """, [.text(district), .text(id)])
    }

    /// Finds people by name, email, phone or id, ignoring case and accents; every word must match.
    /// A phone number matches whatever its formatting; a given name its nicknames and formal
    /// name (Kathy finds Katherine, Bill William); an id its spelling in another case.
    public static func find(_ db: Database, district: String, kind: Kind, text: String, limit: Int)
        throws -> [Person]
    {
        try findRows(db, district: district, kind: kind, text: text, limit: limit).map {
            Person(kind, $0)
        }
    }

    static func findRows(
        _ db: Database, district: String, kind: Kind, text: String, limit: Int
    ) throws -> [Row] {
        let words = searchFold(text).split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else {
            throw PortalError.usage(
                "nothing to search for",
                hint: "give part of a name, an email, a phone number or an id")
        }
        // The number as stored, without an extension: a number stored with one is found by
        // the number alone.
        let digits = ((try? Field.normalizePhone(text, "phone")) ?? "").prefix { $0 != "x" }
        // Each word in the folded names, the email or (guardians) the phone: the search key
        // holds only the names, which the other two would repeat.
        let searched = ["search_key", "email"] + (kind == .guardian ? ["phone"] : [])
        var clauses: [String] = []
        var args: [SQLValue] = [.text(district)]
        for w in words {
            args.append(.text("%" + escapeLike(w) + "%"))
            let p = "?\(args.count)"
            var alike = searched.map { "\($0) LIKE \(p) ESCAPE '\\'" }
            // The names a nickname stands for, and the nicknames of a formal name, as the
            // given name (first in the search key) whole: Ed is not the "ed" of Fred.
            for v in Nicknames.variants(of: w) where v != w {
                args.append(.text(escapeLike(v) + " %"))
                alike.append("search_key LIKE ?\(args.count) ESCAPE '\\'")
            }
            clauses.append("(" + alike.joined(separator: " OR ") + ")")
        }
        // (A scan whatever the words: the id in any case costs nothing more.)
        var sql =
            "SELECT \(kind.columns.joined(separator: ", ")) FROM \(kind.table) WHERE district_id = ? AND ((\(clauses.joined(separator: " AND ")))"
        sql += " OR lower(\(kind.idColumn)) = lower(?)"
        args.append(.text(text.trimmed()))
        if kind == .guardian && !digits.isEmpty {
            sql += " OR phone LIKE ? OR phone LIKE ?"
            args += [.text("%" + digits), .text("%" + digits + "x%")]
        }
        // An address as a mail program copies it ("Ann Lee <ann@...>", "mailto:ann@..."): by
        // the address as the import keeps it.
        if text.contains("@"), let email = try? Field.email(text, "email") {
            sql += " OR email = ?"
            args.append(.text(email))
        }
        sql += ") ORDER BY family_name, given_name LIMIT \(limit > 0 ? limit : Int.max)"
        return try db.query(sql, args)
    }

    /// `find`, or when nothing matches the text as typed, the people whose names are close to
    /// it (`closeRows`), with `close` set: a name heard on the phone or typed in haste.
    public static func findOrClose(
        _ db: Database, district: String, kind: Kind, text: String, limit: Int
    ) throws -> (people: [Person], close: Bool) {
        let exact = try findRows(db, district: district, kind: kind, text: text, limit: limit)
        if !exact.isEmpty { return (exact.map { Person(kind, $0) }, false) }
        let close = try closeRows(db, district: district, kind: kind, text: text, limit: limit)
        return (close.map { Person(kind, $0) }, !close.isEmpty)
    }

    /// The people whose names are close to `text` (closest first, then by name): each of its
    /// words like a word of the name, or the start of one, within a slip of the hand or ear:
    /// no slip for a word of up to three letters, one for four to six (a transposition counts
    /// one: Smtih, Jonh), two beyond (Stephens and Stevens); or sounding alike (their NYSIIS
    /// codes, for words of four letters or more: Braun and Brown); or a nickname of it. Only
    /// names: a text holding a digit or an @ (a phone number, an email, an id) finds none.
    /// Reads the name of every person of the district, for a look-up while a parent waits
    /// (100,000 in about a tenth of a second).
    static func closeRows(
        _ db: Database, district: String, kind: Kind, text: String, limit: Int
    ) throws -> [Row] {
        // Words apart at hyphens too: Smith-Jones is Smith Jones, and García López
        // García-López.
        let words = searchFold(text).split(whereSeparator: { $0.isWhitespace || $0 == "-" })
            .map(String.init)
        guard !words.isEmpty,
            !words.contains(where: { $0.contains("@") || $0.contains(where: \.isNumber) })
        else { return [] }
        struct Word {
            let bytes: [UInt8]
            let sound: UInt64
            let slips: Int
            let nicknames: Set<String>
        }
        let wanted = words.map { w in
            let bytes = Array(w.utf8)
            return Word(
                bytes: bytes,
                sound: bytes.count >= 4 ? bytes.withUnsafeBufferPointer(Phonetic.nysiis) : 0,
                slips: bytes.count <= 3 ? 0 : bytes.count <= 6 ? 1 : 2,
                nicknames: Set(Nicknames.variants(of: w)))
        }
        // The slips between `w` and the name's word `n`, nil when too many.
        func slips(_ w: Word, _ n: ArraySlice<UInt8>) -> Int? {
            if n.starts(with: w.bytes) || w.nicknames.contains(String(decoding: n, as: UTF8.self)) {
                return 0
            }
            guard w.slips > 0 else { return nil }
            return n.withUnsafeBufferPointer { name in
                w.bytes.withUnsafeBufferPointer { word in
                    var best = Phonetic.editDistance(word, name, limit: w.slips)
                    if name.count > word.count {
                        let start = UnsafeBufferPointer(rebasing: name.prefix(word.count))
                        best = min(best, Phonetic.editDistance(word, start, limit: w.slips))
                    }
                    if best > w.slips && w.sound != 0 && name.count >= 4
                        && Phonetic.nysiis(name) == w.sound
                    {
                        best = 1
                    }
                    return best <= w.slips ? best : nil
                }
            }
        }
        var found: [(slips: Int, id: String)] = []
        try db.forEach(
            "SELECT \(kind.idColumn), search_key FROM \(kind.table) WHERE district_id = ?",
            [.text(district)]
        ) { row in
            let key = Array((row[1].string ?? "").utf8)
            let names = key.split { $0 == 0x20 || $0 == 0x2D }
            var total = 0
            for w in wanted {
                guard let best = names.compactMap({ slips(w, $0) }).min() else { return }
                total += best
            }
            found.append((total, row[0].string ?? ""))
        }
        guard !found.isEmpty else { return [] }
        // The closest (by id among as close, so that a limit cuts the same way every time),
        // then shown by name.
        found.sort { ($0.slips, $0.id) < ($1.slips, $1.id) }
        let kept = limit > 0 ? Array(found.prefix(limit)) : found
        let rank = Dictionary(kept.map { ($0.id, $0.slips) }, uniquingKeysWith: min)
        var rows: [Row] = []
        for chunk in stride(from: 0, to: kept.count, by: 500) {
            let ids = kept[chunk..<min(chunk + 500, kept.count)].map { SQLValue.text($0.id) }
            rows += try db.query(
                "SELECT \(kind.columns.joined(separator: ", ")) FROM \(kind.table) WHERE district_id = ? AND \(kind.idColumn) IN (\(ids.map { _ in "?" }.joined(separator: ", ")))",
                [.text(district)] + ids)
        }
        func order(_ r: Row) -> (Int, String, String, String) {
            let id = r.text(kind.idColumn)
            return (rank[id] ?? 0, r.text("family_name"), r.text("given_name"), id)
        }
        return rows.sorted { order($0) < order($1) }
    }

    /// `s` as a LIKE pattern's literal text, for `ESCAPE '\'`: backslash, % and _ escaped.
    static func escapeLike(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "\\" || c == "%" || c == "_" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The district's counts per kind of record and status, for `roster stats`.
    public static func stats(_ db: Database, district: String) throws -> [(
        entity: String, active: Int, inactive: Int
    )] {
        var out: [(String, Int, Int)] = []
        for t in ["schools", "students", "guardians", "links"] {
            let a = try db.count(
                "SELECT count(*) FROM \(t) WHERE district_id = ? AND status = 'active'",
                [.text(district)])
            let i = try db.count(
                "SELECT count(*) FROM \(t) WHERE district_id = ? AND status <> 'active'",
                [.text(district)])
            out.append((t, a, i))
        }
        out.append(
            (
                "households",
                try db.count(
                    "SELECT count(*) FROM households WHERE district_id = ?", [.text(district)]), 0
            ))
        out.append(
            (
                "students without birth date",
                try db.count(
                    "SELECT count(*) FROM students WHERE district_id = ? AND birth_date IS NULL AND status = 'active'",
                    [.text(district)]), 0
            ))
        out.append(
            (
                "students without guardian",
                try db.count(
                    """
                    SELECT count(*) FROM students s WHERE s.district_id = ? AND s.status = 'active' AND NOT EXISTS
                    (SELECT 1 FROM links l WHERE l.district_id = s.district_id AND l.student_id = s.student_id AND l.status = 'active')
                    """, [.text(district)]), 0
            ))
        return out
    }
}
