internal import FoundationEssentials

/// The native CSV files of a SIS export (SPEC §5). Header names are fixed, order is free, unknown
/// columns are ignored; only ids and names are required.
public enum NativeFormat {
    /// One file of the native bundle: its name, the record it holds and its columns.
    public struct FileSpec: Sendable {
        /// The file's name (e.g. `guardians.csv`).
        public let name: String
        /// The kind of record it holds (schools, students, guardians, links).
        public let entity: String
        /// The columns every row must have.
        public let required: [String]
        /// The columns a row may leave out or empty.
        public let optional: [String]
        /// What each column holds, in words, by column name.
        public let help: [String: String]
    }

    /// The native file a header belongs to, told by the ids it names (a link names a guardian
    /// and a student); nil when it names none of them.
    public static func file(forHeader fields: [String]) -> FileSpec? {
        let names = Set(fields.map(CSVHeader.normalize))
        let name =
            names.contains("guardian_id") && names.contains("student_id")
            ? "relationships.csv"
            : names.contains("guardian_id")
                ? "guardians.csv"
                : names.contains("student_id")
                    ? "students.csv" : names.contains("school_id") ? "schools.csv" : nil
        return files.first { $0.name == name }
    }

    /// The four files of a native bundle, in the order they are imported.
    public static let files: [FileSpec] = [
        FileSpec(
            name: "schools.csv", entity: "schools", required: ["school_id", "name"],
            optional: ["status"],
            help: [
                "school_id": "the school's id in the SIS", "name": "the school's name",
                "status":
                    "active (default) or inactive (closed counts as inactive): a school no longer in use, which the district's students may still name",
            ]),
        FileSpec(
            name: "guardians.csv", entity: "guardians",
            required: ["guardian_id", "given_name", "family_name"],
            optional: [
                "email", "phone", "street", "street2", "city", "state", "postcode", "birth_date",
                "household_id", "status",
            ],
            help: [
                "guardian_id": "the parent's or guardian's id in the SIS",
                "given_name": "given (first) name",
                "family_name": "family (last) name",
                "email": "email address (stored in lower case)",
                "phone": "phone number, any format (stored as digits)", "street": "street address",
                "street2": "second address line", "city": "city", "state": "state",
                "postcode": "postal code",
                "birth_date": "YYYY-MM-DD, YYYYMMDD or M/D/YYYY",
                "household_id": "the household (address) the guardian belongs to",
                "status": "active (default) or inactive",
            ]),
        FileSpec(
            name: "students.csv", entity: "students",
            required: ["student_id", "given_name", "family_name"],
            optional: [
                "middle_name", "birth_date", "grade", "school_id", "email", "household_id",
                "status",
            ],
            help: [
                "student_id": "the student's id in the SIS", "given_name": "given (first) name",
                "family_name": "family (last) name", "middle_name": "middle name",
                "birth_date": "YYYY-MM-DD, YYYYMMDD or M/D/YYYY (needed for the age-18 rules)",
                "grade": "grade level, e.g. 09 or KG",
                "school_id": "a school_id from schools.csv (or already in the district)",
                "email": "the student's email",
                "household_id": "the household the student lives in",
                "status":
                    "active (default) or inactive (withdrawn, graduated, transferred, exited or no show count as inactive; enrolled, pre-registered, future or incoming as active)",
            ]),
        FileSpec(
            name: "relationships.csv", entity: "links", required: ["guardian_id", "student_id"],
            optional: ["relationship", "portal_access", "custodial"],
            help: [
                "guardian_id": "a guardian_id", "student_id": "a student_id",
                "relationship": "mother, father, guardian, grandparent, ...",
                "portal_access":
                    "yes or no: may this guardian see this student in the portal (default yes; no when relationship names a contact who is not a parent: emergency contact, neighbor, friend, babysitter, doctor, pickup, ...)",
                "custodial": "yes or no (default as portal_access's)",
            ]),
    ]

    /// Columns of a header that look meant as names of `wanted` it lacks, with the name each
    /// should have: spelled otherwise ("Guardian ID", "e-mail") or as other systems name them
    /// ("First Name", "zip"). Each column is suggested once, and none the file's columns name.
    public static func nearMisses(_ h: CSVHeader, wanted: [String], known: [String]) -> [(
        spelled: String, name: String
    )] {
        func squashed(_ s: String) -> String {
            String(
                s.lowercased().unicodeScalars.filter {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
                })
        }
        var used = Set<Int>()
        var found: [(spelled: String, name: String)] = []
        for name in wanted where !h.has(name) {
            let forms = Set([squashed(name)] + (otherNames[name] ?? []))
            if let i = h.spelled.indices.first(where: {
                !used.contains($0) && !known.contains(h.names[$0])
                    && forms.contains(squashed(h.spelled[$0]))
            }) {
                used.insert(i)
                found.append((h.spelled[i], name))
            }
        }
        return found
    }

    /// What other systems call a native column, letters and digits only, in lower case.
    private static let otherNames: [String: [String]] = [
        "guardian_id": ["parentid", "contactid"],
        "student_id": ["studentnumber", "pupilid"],
        "school_id": ["schoolnumber", "schoolcode"],
        "name": ["schoolname"],
        "given_name": ["firstname", "first", "forename", "fname"],
        "family_name": ["lastname", "last", "surname", "lname"],
        "middle_name": ["middle", "middleinitial"],
        "email": ["emailaddress", "mail"],
        "phone": ["phonenumber", "telephone", "tel", "mobile", "cell", "cellphone", "homephone"],
        "street": ["address", "streetaddress", "address1", "addressline1"],
        "street2": ["address2", "addressline2"],
        "postcode": ["zip", "zipcode", "postalcode"],
        "birth_date": ["dateofbirth", "dob", "birthday"],
        "grade": ["gradelevel"],
        "household_id": ["familyid"],
        "relationship": ["relation", "relationshiptype"],
    ]

    /// `nearMisses` in words: "rename 'First Name' to given_name, ...".
    static func renaming(_ misses: [(spelled: String, name: String)]) -> String {
        "rename " + misses.map { "'\($0.spelled)' to \($0.name)" }.joined(separator: ", ")
    }

    /// The optional columns of `t` a file with `header` does not have: a row the district holds
    /// keeps its values there (`RosterWriter.keptColumns`). A status column left out means
    /// active, as the file lists the row.
    static func keptColumns(_ t: RosterTable, _ header: CSVHeader) -> Set<String> {
        let optional: [String] =
            switch t {
            case .guardians:
                [
                    "email", "phone", "street", "street2", "city", "state", "postcode",
                    "birth_date", "household_id",
                ]
            case .students:
                ["middle_name", "birth_date", "grade", "school_id", "email", "household_id"]
            case .links: ["relationship", "portal_access", "custodial"]
            case .schools, .households: []
            }
        var kept = Set(optional.filter { !header.has($0) })
        if t == .guardians && kept.contains("birth_date") { kept.insert("birth_date_given") }
        return kept
    }

    /// Imports a folder of native CSV files. Headers of every present file are checked before
    /// anything is written.
    static func run(_ w: RosterWriter, dir: String) throws -> [String] {
        let folder = BundleFolder(dir)
        let present: [(spec: FileSpec, path: String)] = try files.compactMap { spec in
            try folder.path(spec.name).map { (spec, $0) }
        }
        guard !present.isEmpty else {
            let has =
                "a native bundle has schools.csv, guardians.csv, students.csv and/or relationships.csv"
            throw PortalError(
                .noInput, "no roster files in '\(dir)'",
                hint: folder.names.contains("users.csv")
                    ? has + " (these look like OneRoster files)"
                    : folder.renamingHint(files.map(\.name)) ?? has)
        }
        // 1. Open every file and check its header: a bad header rejects the whole bundle.
        var readers: [(FileSpec, CSVReader, CSVHeader)] = []
        for (spec, path) in present {
            let r = try CSVReader(path: path, windows1252: w.options.windows1252)
            guard let head = try r.next() else {
                throw PortalError(
                    .dataError, "\(spec.name): the file is empty (no header)",
                    hint:
                        "the first line must name the columns: \((spec.required + spec.optional).joined(separator: ","))"
                )
            }
            if let e = head.headerError(spec.name, "nothing was imported") { throw e }
            let h = CSVHeader(head.fields)
            let missing = spec.required.filter { !h.has($0) }
            let known = spec.required + spec.optional
            let misses = nearMisses(h, wanted: known, known: known)
            if !missing.isEmpty {
                let must = "the header must name \(spec.required.joined(separator: ", "))"
                // Another file's columns whole: saved under the other's name (or swapped).
                let other = file(forHeader: head.fields).flatMap {
                    $0.name != spec.name && $0.required.allSatisfy(h.has) ? $0 : nil
                }
                throw PortalError(
                    .dataError,
                    "\(spec.name):\(head.line): missing required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))",
                    hint: h.separatorHint
                        ?? other.map {
                            "its columns are those of \($0.name): was it saved under the wrong name? (\(must))"
                        }
                        ?? (misses.isEmpty ? must : "\(renaming(misses)) (\(must))")
                        + "; nothing was imported"
                )
            }
            // Unknown columns are not read; one that looks meant as a column the file lacks is
            // said, or its values would go unnoticed.
            if !misses.isEmpty {
                w.notes.append(
                    "\(spec.name): \(misses.count == 1 ? "a column is" : "columns are") not read: \(renaming(misses)) to import \(misses.count == 1 ? "it" : "them")"
                )
            }
            if let dup = h.duplicates.first(where: { known.contains($0) }) {
                throw PortalError(
                    .dataError, "\(spec.name):\(head.line): the column \(dup) appears twice",
                    hint: "remove one of them; nothing was imported")
            }
            try ColumnSample.check(
                path: path, file: spec.name, columns: ColumnSample.native,
                today: w.today)
            readers.append((spec, r, h))
        }
        // 2. Stream each file in dependency order.
        try w.beginRows(columns: readers.map(\.2.spelled))
        for (spec, reader, header) in readers {
            let columns = try Columns(header, spec)
            try w.columnsNotGiven(columns.table, keptColumns(columns.table, header))
            if !w.hooks.everyRow { reader.keepOnly(columns.at, of: header.names.count) }
            try w.knownReady(columns.table)
            // Taken before the file's first row: the rows the district held when the import
            // began (the writer's own copy changes as it marks them).
            let same = w.sameLines(columns.table)
            // Most lines of a re-import are found unchanged, their rows not made: their fields
            // kept as bytes, strings made only of the few such a line needs (`sameLine`), or of
            // every field of a line whose row is made.
            reader.keepsBytes = same != nil && !w.hooks.everyRow
            w.remake = { [unowned w] rec in
                parse(w, spec, header, columns, rec, lineHash: nil, same: nil, tally: false)
            }
            try w.eachRow(
                reader, file: spec.name, header: header.spelled, links: columns.table == .links,
                hashing: columns.hashed, heldLine: heldLine(w, header, columns, same)
            ) { [unowned w] rec, lineHash in
                guard let place = rec.place else {
                    return parse(w, spec, header, columns, rec, lineHash: lineHash, same: same)
                }
                if let same, let lineHash,
                    let row = sameLine(spec, header, columns, rec, place, lineHash, same)
                {
                    return row
                }
                return parse(
                    w, spec, header, columns, rec.withStrings, lineHash: lineHash, same: same)
            }
            w.finishedReading(reader, spec.name)
            w.noteContacts(spec.name, remedy: "give portal_access yes where one should")
            try w.completed(spec.entity)
        }
        return present.map(\.spec.name)
    }

    /// What tells a line of a links file unchanged without making its row (see
    /// `RosterWriter.writeHeldLines`), when the district held links: a line read cleanly whose
    /// ids are taken as they are (`Field.isPlainID`), its guardian not merged away, its link
    /// held, stored from a line of its hash. Such a line's row, made, would be found the same
    /// way (`parse`), then only marked met: making it was most of the work of a re-import's
    /// links (at 300,000 students, 525,000 rows on a thread of their own, busy throughout).
    private static func heldLine(
        _ w: RosterWriter, _ h: CSVHeader, _ columns: Columns, _ same: SameLines?
    ) -> ((CSVRecord, _ lineHash: UInt64, inout HeldLines) -> Bool)? {
        guard columns.table == .links, w.usesLinkFilter, let same,
            let g = columns.at[Column.guardianID.rawValue],
            let s = columns.at[Column.studentID.rawValue],
            // (A birth date would be checked again: see `SameLines.acceptsStill`.)
            columns.at[Column.birthDate.rawValue] == nil
        else { return nil }
        let fields = h.names.count
        let merges = !w.mergedGuardians.isEmpty
        return { [unowned w] rec, lineHash, run in
            guard rec.problem == nil, rec.fieldCount == fields else { return false }
            return rec.withField(g) { guardian in
                rec.withField(s) { student in
                    guard Field.isPlainID(guardian), Field.isPlainID(student),
                        !merges || !w.isMergedAway(String(decoding: guardian, as: UTF8.self))
                    else { return false }
                    let slot = same.slot(guardian, student)
                    guard slot >= 0, same.holds(slot: slot, hash: lineHash) else { return false }
                    run.append(guardian, student, slot: slot, line: rec.line)
                    return true
                }
            }
        }
    }

    /// The row `parse` makes of a guardian's or student's line kept as bytes (see
    /// `FieldBytes`) that it finds unchanged, the line's id read as it is (`Field.isPlainID`):
    /// strings made only of the id and what the line names besides its own row (a household,
    /// a school); nil for any other line. (A function of its own: `parse` reading fields kept
    /// either way copied its record through generic value witnesses, 2% more work in a first
    /// import, which keeps its fields as strings.)
    private static func sameLine(
        _ spec: FileSpec, _ h: CSVHeader, _ columns: Columns, _ rec: CSVRecord,
        _ place: FieldBytes.Place, _ lineHash: UInt64, _ same: SameLines
    ) -> PendingRow? {
        let at = columns.at
        guard columns.table == .guardians || columns.table == .students,
            rec.fieldCount == h.names.count, let idAt = at[columns.id.rawValue]
        else { return nil }
        func f(_ c: Column) -> String? {
            at[c.rawValue].map { Spreadsheet.unguarded(place.string($0)) }
        }
        let slot = rec.withField(idAt) { Field.isPlainID($0) ? same.slot($0) : -1 }
        guard slot >= 0, same.acceptsStill(birthDate: f(.birthDate)),
            same.holds(slot: slot, hash: lineHash)
        else { return nil }
        let id = place.string(idAt)
        let r = PendingRow(
            entity: spec.entity, table: columns.table, file: spec.name, line: rec.line, id: id,
            idField: spec.required[0], claim: id,
            payload: .sameLine(namedBesides(columns.table, rec, f)))
        r.lineHash = lineHash
        if columns.table == .guardians { r.addressHash = addressHash(rec, columns) }
        r.knownSlot = slot
        return r
    }

    /// What a line found unchanged names besides its own row (`PendingRow.SameLine`): a
    /// guardian's or student's household, a student's school, read through `f`. Only a
    /// guardian's row may be made again, for its household's address: any other keeps its
    /// record without its fields (see `CSVRecord.withoutFields`). (Inlined: called, it took a
    /// re-import of 10k UUIDs 0.1% more instructions.)
    @inline(__always)
    private static func namedBesides(
        _ table: RosterTable, _ rec: CSVRecord, _ f: (Column) -> String?
    ) -> PendingRow.SameLine {
        var s = PendingRow.SameLine(record: table == .guardians ? rec : rec.withoutFields)
        if table == .guardians || table == .students {
            s.household = Field.optional(f(.householdID))
        }
        if table == .students { s.school = Field.optional(f(.schoolID)) }
        return s
    }

    /// The hash of the address a guardian's line gives, nil when it gives none: a field of
    /// ASCII white space only is none, as the record says; another blank, such as a no-break
    /// space, counts as some (its row is made).
    private static func addressHash(_ rec: CSVRecord, _ columns: Columns) -> UInt64? {
        guard columns.address.contains(where: { !rec.withField($0.at, isBlank) }) else {
            return nil
        }
        return LineHash.of(rec, columns.address, seed: LineHash.nativeAddress)
    }

    /// The native columns, each found in a file's header once rather than on every row.
    private enum Column: Int, CaseIterable {
        case schoolID, guardianID, studentID, name, givenName, familyName, middleName, email
        case phone, street, street2, city, state, postcode, birthDate, grade, householdID
        case status, relationship, portalAccess, custodial

        static let headers = [
            "school_id", "guardian_id", "student_id", "name", "given_name", "family_name",
            "middle_name", "email", "phone", "street", "street2", "city", "state", "postcode",
            "birth_date", "grade", "household_id", "status", "relationship", "portal_access",
            "custodial",
        ]
        var header: String { Self.headers[rawValue] }
    }

    /// Where each `Column` is in one file (nil: the file has no such column), and which one
    /// holds the file's id.
    private struct Columns {
        let at: [Int?]
        let id: Column
        let table: RosterTable
        /// The fields a line's hash reads, with its seed, and a guardian's address's (see
        /// `LineHash`): each field with its column's tag.
        let hashed: LineHash.Fields
        let address: [LineHash.Field]
        init(_ h: CSVHeader, _ spec: FileSpec) throws {
            let at = Column.allCases.map { h.column($0.header) }
            self.at = at
            func fields(_ columns: [Column]) -> [LineHash.Field] {
                columns.compactMap { c in
                    at[c.rawValue].map { LineHash.Field(at: $0, tag: UInt64(0x80 + c.rawValue)) }
                }
            }
            hashed = LineHash.Fields(fields: fields(Column.allCases), seed: LineHash.native)
            address = fields([.street, .street2, .city, .state, .postcode])
            guard let id = Column.allCases.first(where: { $0.header == spec.required.first }),
                let table = RosterTable(rawValue: spec.entity)
            else {
                throw PortalError(.internal, "the file spec of \(spec.name) names no id or table")
            }
            self.id = id
            self.table = table
        }
    }

    /// Whether a field holds nothing but ASCII spaces, tabs and line ends.
    private static func isBlank(_ u: UnsafeBufferPointer<UInt8>) -> Bool { u.allSatisfy(isBlank) }
    private static func isBlank(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d
    }

    /// The optional fields of a person that a row can do without: left out when bad. A bad
    /// status, school, household or portal_access rejects the row (blank would mean active,
    /// no school, another home, access granted).
    static let droppable: Set<String> = [
        "middle_name", "email", "phone", "street", "street2", "city", "state", "postcode",
        "birth_date", "grade",
    ]

    /// Reads and checks one record; the writer settles duplicates and writes it.
    /// `same`: the rows of the file's table the district held, to tell a line unchanged by;
    /// nil, every row is made.
    private static func parse(
        _ w: RosterWriter, _ spec: FileSpec, _ h: CSVHeader, _ columns: Columns, _ read: CSVRecord,
        lineHash made: UInt64?, same: SameLines?, tally: Bool = true
    ) -> PendingRow {
        // A bad optional value (a control character in a grade, a postcode of 20,000 bytes) is
        // left out with a warning, like any other bad optional value; in a required one (an
        // id, a name) it rejects the row.
        // A constant, not a variable: the closures below capture it, and a captured variable
        // is checked for exclusive access at every read of a field.
        let rec: CSVRecord
        var optional = OptionalValues()
        if let p = read.problem(in: h.spelled), let k = read.problemField,
            k < h.names.count, read.fields.count == h.names.count,
            droppable.contains(h.names[k]), spec.optional.contains(h.names[k])
        {
            var fields = read.fields
            fields[k] = ""
            rec = CSVRecord(line: read.line, fields: fields, problem: nil)
            optional.add(p)
        } else {
            rec = read
        }
        // A value written by `roster export` with a spreadsheet guard comes back as it was.
        // (The fields and places read through constants of their own: through the record's
        // and the columns', every value read copied the record, a share of a native import's
        // work.)
        let fields = rec.fields
        let at = columns.at
        func f(_ c: Column) -> String? {
            guard let i = at[c.rawValue], i < fields.count else { return nil }
            return Spreadsheet.unguarded(fields[i])
        }
        let idField = spec.required[0]
        let idValue = f(columns.id)
        let rawID = idValue?.trimmed() ?? ""
        let isLink = columns.table == .links
        // Each id is checked once, for the row's claim and for its record. A link has two: its
        // guardian (followed through merges) and its student.
        let firstID = Result { try Field.id(idValue, idField) }
        let guardianID = isLink ? firstID.map(w.canonicalGuardian) : firstID
        let studentID = isLink ? Result { try Field.id(f(.studentID), "student_id") } : firstID
        let claim: String?
        if isLink {
            claim = (try? guardianID.get()).flatMap { g in
                (try? studentID.get()).map { joined(g, "\u{1f}", $0) }
            }
        } else {
            claim = try? firstID.get()
        }
        let clean = rec.problem == nil && rec.fields.count == h.names.count
        let viaMerge = isLink && (try? guardianID.get()) != (try? firstID.get())
        // A link's id as reported, `guardian/student`, is made only when its claim does not
        // spell it (see `PendingRow.id`), as a OneRoster link's is: made for every link, it
        // was 2% of the instructions of a first import of native files with UUIDs.
        let id: String? =
            !isLink
            ? rawID
            : clean && claim != nil && !viaMerge
                ? nil : "\(rawID)/\(f(.studentID)?.trimmed() ?? "")"
        // Only a line with nothing wrong in it has a hash (a bad value left out is reported
        // every time); one named through a merged guardian is made every time (see
        // `RosterWriter.link`).
        let hashed = clean && read.problem == nil && !viaMerge
        // (Made by the reader, but for a line read again: see `settleHeld`.)
        let lineHash = hashed ? made ?? columns.hashed.of(rec) : nil
        // A guardian's address, when the line gives one.
        let addressHash =
            hashed && columns.table == .guardians ? Self.addressHash(rec, columns) : nil
        // The claim's slot among the district's rows, looked up here rather than by the
        // writer too (-1: not held surely, or a line not hashed).
        let knownSlot =
            lineHash != nil && columns.table != .schools
            ? claim.flatMap { same?.slot($0) } ?? -1 : -1
        func row(_ payload: PendingRow.Payload) -> PendingRow {
            let r = PendingRow(
                entity: spec.entity, table: columns.table, file: spec.name, line: rec.line, id: id,
                idField: isLink ? "guardian_id/student_id" : idField,
                claim: clean ? claim : nil, viaMerge: viaMerge, payload: payload)
            r.lineHash = lineHash
            r.addressHash = addressHash
            if clean { r.knownSlot = knownSlot }
            return r
        }
        // Unchanged since its row was stored from it: nothing to make, only what it names
        // besides itself (the writer settles those as for any row).
        if let same, let lineHash, knownSlot >= 0, same.acceptsStill(birthDate: f(.birthDate)),
            same.holds(slot: knownSlot, hash: lineHash)
        {
            return row(.sameLine(namedBesides(columns.table, rec, f)))
        }
        if let p = rec.problem(in: h.spelled) { return row(.rejected(p)) }
        if rec.fields.count != h.names.count {
            return row(
                .rejected(
                    RowProblem(
                        "row", "has \(rec.fields.count) fields but the header has \(h.names.count)"
                    )))
        }
        do {
            switch columns.table {
            case .schools:
                return row(
                    .school(
                        SchoolRecord(
                            schoolID: try firstID.get(),
                            name: try Field.requiredName(f(.name), "name"),
                            status: try Field.status(f(.status), "status"))))
            case .guardians:
                let birth = optional.read {
                    try Field.date(f(.birthDate), "birth_date", today: w.today)
                }
                let made = row(
                    .guardian(
                        GuardianRecord(
                            guardianID: try firstID.get(),
                            givenName: try Field.requiredName(
                                f(.givenName), "given_name"),
                            familyName: try Field.requiredName(
                                f(.familyName), "family_name"),
                            email: optional.read { try Field.email(f(.email), "email") },
                            phone: optional.read { try Field.phone(f(.phone), "phone") },
                            street: optional.read { try Field.text(f(.street), "street") },
                            street2: optional.read { try Field.text(f(.street2), "street2") },
                            city: optional.read { try Field.text(f(.city), "city") },
                            state: optional.read { try Field.text(f(.state), "state") },
                            postcode: optional.read {
                                try Field.postcode(f(.postcode), "postcode")
                            },
                            birthDate: birth,
                            birthDateGiven: optional.kept(
                                Field.givenDate(f(.birthDate), read: birth),
                                field: "birth_date", in: "birth_date_given"),
                            householdID: Field.optional(f(.householdID)),
                            status: try Field.status(f(.status), "status"))))
                return optional.warn(made)
            case .students:
                let made = row(
                    .student(
                        StudentRecord(
                            studentID: try firstID.get(),
                            givenName: try Field.requiredName(
                                f(.givenName), "given_name"),
                            familyName: try Field.requiredName(
                                f(.familyName), "family_name"),
                            middleName: optional.read {
                                try Field.name(f(.middleName), "middle_name")
                            },
                            birthDate: optional.read {
                                try Field.date(f(.birthDate), "birth_date", today: w.today)
                            },
                            grade: optional.read { try Field.text(f(.grade), "grade") },
                            schoolID: Field.optional(f(.schoolID)),
                            email: optional.read { try Field.email(f(.email), "email") },
                            householdID: Field.optional(f(.householdID)),
                            status: try Field.status(f(.status), "status"))))
                return optional.warn(made)
            case .links, .households:  // (households have no file of their own)
                let relationship = try Field.text(f(.relationship), "relationship").map(lowered)
                // A contact who is not a parent (an emergency contact) sees nothing unless the
                // file says so (see `LinkRecord.notParents`).
                let parent = !LinkRecord.isNotParent(relationship)
                let access = try Field.flag(f(.portalAccess), "portal_access", default: parent)
                if !parent && !access && Field.optional(f(.portalAccess)) == nil && tally {
                    w.contactsWithoutAccess.add(1, ordering: .relaxed)
                }
                return row(
                    .link(
                        LinkRecord(
                            guardianID: try guardianID.get(),
                            studentID: try studentID.get(), relationship: relationship,
                            portalAccess: access,
                            custodial: try Field.flag(f(.custodial), "custodial", default: parent)))
                )
            }
        } catch let p as RowProblem {
            return row(.rejected(p))
        } catch {
            return row(.rejected(RowProblem("row", "\(error)")))
        }
    }
}
