/// The typed columns of a file (e-mail, phone, birth date), looked at in its first rows before
/// anything is written. An export with two columns swapped (phone numbers under `email`, e-mail
/// addresses under `phone`) would otherwise import every row without either, each a warning,
/// and a re-import would clear the addresses and numbers the district held. A column whose
/// values are nearly all of another kind rejects the bundle, saying which.
///
/// Values are never echoed: they are parents' personal data.
enum ColumnSample {
    /// (In the order looked at for what a column's values are instead: a birth date also
    /// passes for a phone number, not the other way.)
    enum Kind: CaseIterable {
        case email, birthDate, phone

        var plural: String {
            switch self {
            case .email: "e-mail addresses"
            case .phone: "phone numbers"
            case .birthDate: "birth dates"
            }
        }

        func fits(_ v: String, today: CivilDate) -> Bool {
            switch self {
            case .email: (try? Field.email(v, "")) != nil
            case .phone: (try? Field.normalizePhone(v, "")) != nil
            case .birthDate: (try? Field.date(v, "", today: today)) != nil
            }
        }
    }

    /// The typed columns of native files and of OneRoster's, by normalised header name.
    static let native: [(name: String, kind: Kind)] = [
        ("email", .email), ("phone", .phone), ("birth_date", .birthDate),
    ]
    static let oneRosterUsers: [(name: String, kind: Kind)] = [
        ("email", .email), ("phone", .phone), ("sms", .phone),
    ]
    static let oneRosterDemographics: [(name: String, kind: Kind)] = [("birthdate", .birthDate)]

    /// Rows looked at, and the fewest values a column must have among them to be judged.
    static let rows = 200
    static let fewest = 10

    /// Refuses the file at `path` (`file` in messages) when one of `columns` (normalised
    /// header names with their kinds) that its header names holds, in the first `rows` rows,
    /// at least `fewest` values of which nine in ten or more are not of its kind but of
    /// another.
    static func check(
        path: String, file: String, columns: [(name: String, kind: Kind)], today: CivilDate
    ) throws {
        let reader = try CSVReader(path: path)
        guard let head = try reader.next() else { return }
        let header = CSVHeader(head.fields)
        let present = columns.compactMap { c in header.column(c.name).map { (c.name, c.kind, $0) } }
        guard !present.isEmpty else { return }
        var values = [[String]](repeating: [], count: present.count)
        var read = 0
        while read < rows, let rec = try reader.next() {
            read += 1
            // (As the import reads a value: trimmed, a spreadsheet guard taken off.)
            for (k, c) in present.enumerated() {
                if let v = header.value(rec, at: c.2) { values[k].append(v) }
            }
        }
        for (k, c) in present.enumerated() where values[k].count >= fewest {
            let bad = values[k].filter { !c.1.fits($0, today: today) }.count
            guard bad * 10 >= values[k].count * 9 else { continue }
            // What the values are instead, and the column of that kind they may have swapped with.
            let looks = Kind.allCases.first { other in
                other != c.1
                    && values[k].filter { other.fits($0, today: today) }.count * 10
                        >= values[k].count * 9
            }
            // Values of no kind (placeholders such as "N/A") are bad values as any: each row
            // imported without it, with a warning.
            guard let looks else { continue }
            let partner = present.first { $0.1 == looks }?.2
            let spelled = header.spelled[c.2]
            let what =
                "they look like \(looks.plural)"
                + (partner.map {
                    " (the \(spelled) and \(header.spelled[$0]) columns may be swapped)"
                } ?? "")
            throw PortalError(
                .dataError,
                "\(file): the \(spelled) column holds no \(c.1.plural): \(bad) of its first \(values[k].count) values are not",
                hint: what + "; fix the file or its header and import again; nothing was imported")
        }
    }
}
