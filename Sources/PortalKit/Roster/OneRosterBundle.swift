internal import FoundationEssentials

#if canImport(Glibc)
    internal import Glibc
#endif

/// OneRoster 1.1 and 1.2 CSV bundles (and the close cousin, Microsoft SDS v2.1). Students are
/// users with role `student`; guardians have role `parent`, `guardian` or `relative`; schools are
/// orgs of type `school`; links come from `agentSourcedIds` in either direction (1.0: `agents`)
/// or from an SDS `relationships.csv`; birth dates from `demographics.csv`. In 1.2 the role is in
/// `roles.csv`. Households are derived: guardians linked to the same students share one.
enum OneRosterBundle {
    static let guardianRoles = ["parent", "guardian", "relative"]
    /// Whether `role` is a guardian's. (Compared with each, not looked up in a set: hashing the
    /// role of every user was 0.7% of a re-import's instructions, on the thread that bounds it.)
    static func isGuardianRole(_ role: String) -> Bool { guardianRoles.contains(role) }

    /// Imports the bundle in `dir`, keeping what its files say of each user in memory when they
    /// fit (see `usersFitInMemory`), or else on disk; then users.csv's rows are read on the
    /// writing thread, which owns the connection. On disk each user is a look-up in SQLite's
    /// tree: at 300,000 students with GUIDs and every column of OneRoster 1.1, 16.1 s instead
    /// of 7.2.
    static func run(_ w: RosterWriter, dir: String) throws -> [String] {
        guard !usersFitInMemory(dir, w.options) else {
            return try run(w, dir: dir, users: OneRosterUsers(MemoryUserTable()), inline: false)
        }
        let table = try DiskUserTable(w.s.db)
        let files = try run(w, dir: dir, users: OneRosterUsers(table), inline: true)
        try table.close()
        return files
    }

    /// The memory of the import a user may take: in the users' table (its id, its fields, its
    /// links, see `MemoryUserTable`) and as the writer meets it (by that number, see
    /// `IDSet.number`), about 104 bytes with GUIDs and 72 with numbered ids; with
    /// demographics.csv, its birth date too. Measured peaks, first import: with GUIDs, 570,000
    /// users (300,000 students) 112 MB, with every column of OneRoster 1.1 and demographics.csv
    /// 136, and 946,000 users 145 and 168 MB; numbered, 946,000 users 102 MB (the re-import 111).
    /// (Those were measured with 96 for GUIDs; the ids' table then took 8 bytes a slot more,
    /// its strings' hashes: up to 16 a user. Numbered ids keep 72: their peaks leave the room.)
    static let bytesPerUser = (uuid: 104, numbered: 72)
    static let bytesPerBirth = 24

    /// Whether the users fit in memory: 4.5 times the memory an import's ids may take
    /// (`ImportOptions.idMemoryBytes`, 72 MB; the import peaks at about 60 MB more): about
    /// 690,000 users with GUIDs, 560,000 with demographics, 1,000,000 numbered. Decided by the
    /// users' count, estimated from users.csv's size and the length of its lines, not by the
    /// files' size: an export with every column of OneRoster has twice the bytes a user of one
    /// with the few the import reads, and the same users.
    static func usersFitInMemory(_ dir: String, _ options: ImportOptions) -> Bool {
        guard let users = path(dir, "users.csv") else { return true }
        let perUser =
            (idsAreUUIDs(users) ? bytesPerUser.uuid : bytesPerUser.numbered)
            + (path(dir, "demographics.csv") == nil ? 0 : bytesPerBirth)
        return CSVReader.estimatedLines(users) * perUser <= options.idMemoryBytes * 9 / 2
    }

    /// Whether most of the `sourcedId`s of users.csv's first 200 rows are UUIDs; true when it
    /// cannot tell (no such column, no rows), which keeps the users on disk sooner.
    static func idsAreUUIDs(_ path: String) -> Bool {
        guard let text = try? CSVReader(path: path) else { return true }
        guard let head = try? text.next(), let column = CSVHeader(head.fields).column("sourcedid")
        else { return true }
        var uuids = 0
        var others = 0
        for _ in 0..<200 {
            guard let rec = try? text.next() else { break }
            var id = column < rec.fields.count ? rec.fields[column].trimmed() : ""
            if id.withUTF8({ CompactID.isUUID($0) }) { uuids += 1 } else { others += 1 }
        }
        return uuids >= others
    }

    /// The path of the file `name` in `dir`, whatever the case of its name (see
    /// `BundleFolder`); nil also when two files differ only in case (the import says so).
    private static func path(_ dir: String, _ name: String) -> String? {
        (try? BundleFolder(dir).path(name)) ?? nil
    }

    private static let caseRepeat = RowProblem(
        "sourcedId",
        "duplicate id (the same UUID as another line's, in another case); this row was skipped")

    private static func run<T: UserTable>(
        _ w: RosterWriter, dir: String, users: OneRosterUsers<T>, inline: Bool
    ) throws -> [String] {
        var users = users
        let folder = BundleFolder(dir)
        func path(_ name: String) throws -> String? { try folder.path(name) }
        guard let usersPath = try path("users.csv") else {
            throw PortalError(
                .noInput, "no users.csv in '\(dir)'",
                hint:
                    "a OneRoster bundle has users.csv (and orgs.csv, demographics.csv, ...); these look like native files"
            )
        }
        var files = ["users.csv"]
        if let m = try path("manifest.csv") {
            files.append("manifest.csv")
            let r = try CSVReader(path: m)
            _ = try r.next()
            var usersMode: String? = nil
            while let rec = try r.next() {
                guard rec.fields.count >= 2 else { continue }
                switch rec.fields[0].trimmed().lowercased() {
                case "oneroster.version":
                    w.notes.append("OneRoster version \(rec.fields[1].trimmed())")
                case "file.users": usersMode = rec.fields[1].trimmed().lowercased()
                default: break
                }
            }
            // users.csv beside a manifest that says the export has none: left from another
            // export, most likely (its users may be a year old).
            if usersMode == "absent" {
                throw PortalError(
                    .dataError,
                    "manifest.csv says the export has no users.csv (file.users,absent), yet '\(usersPath)' is there",
                    hint:
                        "it may be left from an earlier export: export the bundle into an empty folder, or correct manifest.csv; nothing was imported"
                )
            }
            // A mode that is none of OneRoster's (a typo, most likely): read as a whole export,
            // a delta would mark the rest of the district inactive. Asked for as a delta, it is
            // read as one whatever the manifest meant.
            if let mode = usersMode, !mode.isEmpty, !["bulk", "delta"].contains(mode),
                !w.options.delta
            {
                throw PortalError(
                    .dataError,
                    "manifest.csv gives users.csv the processing mode '\(mode)', which is none of bulk, delta, absent",
                    hint:
                        "nothing was imported; correct file.users in manifest.csv (bulk: a whole export; delta: only changed users), or import the bundle as a delta",
                    action: .importAsDelta(folder: dir))
            }
            // A delta export (OneRoster's processing mode `delta`) gives only the users that
            // changed: read as a whole export, every other user of the district would be
            // marked inactive (a script passing --yes would not be asked).
            if usersMode == "delta" && !w.options.delta {
                w.options.delta = true
                w.notes.append(
                    "manifest.csv gives users.csv as a delta (file.users=delta): only its rows are applied and no one is marked inactive (a delta import)"
                )
            }
        }
        // Small lookup files first, checking each header before any write.
        let usersReader = try CSVReader(path: usersPath, windows1252: w.options.windows1252)
        guard let usersHead = try usersReader.next() else {
            throw PortalError(
                .dataError, "users.csv: the file is empty (no header)",
                hint: "export the bundle again")
        }
        if let e = usersHead.headerError("users.csv", "nothing was imported") { throw e }
        let uh = CSVHeader(usersHead.fields)
        let missing = ["sourcedid", "givenname", "familyname"].filter { !uh.has($0) }
        if !missing.isEmpty {
            throw PortalError(
                .dataError,
                "users.csv:1: missing required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))",
                hint: uh.separatorHint
                    ?? "OneRoster users.csv needs sourcedId, givenName and familyName; nothing was imported"
            )
        }
        try ColumnSample.check(
            path: usersPath, file: "users.csv", columns: ColumnSample.oneRosterUsers,
            today: w.today)
        try w.beginRows(columns: [uh.spelled])
        var schoolNames: [String: String] = [:]
        // The id of each school as orgs.csv spells it, by its key (a UUID in any case: see
        // `CompactID.caselessKey`).
        var schoolIDs: [String: String] = [:]
        var closedSchools: Set<String> = []
        if let p = try path("orgs.csv") {
            files.append("orgs.csv")
            try table(
                w, p, "orgs.csv", entity: "schools", need: ["sourcedid", "name", "type"],
                reads: ["status"]
            ) { h, rec in
                guard h.value(rec, "type")?.lowercased() == "school",
                    let id = h.value(rec, "sourcedid")
                else { return }
                schoolNames[id] = h.value(rec, "name") ?? id
                // An org to be deleted (OneRoster's tobedeleted) is a school no longer in use.
                if (try? Field.status(h.value(rec, "status"), "status")) == "inactive" {
                    closedSchools.insert(id)
                }
                let key = CompactID.caselessKey(id)
                if schoolIDs[key] == nil { schoolIDs[key] = id }
            }
        }
        if let p = try path("roles.csv") {
            files.append("roles.csv")
            try table(
                w, p, "roles.csv", entity: "users", need: ["usersourcedid", "role"],
                reads: ["roletype", "isprimary", "orgsourcedid"]
            ) { h, rec in
                guard let u = h.value(rec, "usersourcedid"),
                    let role = h.value(rec, "role")?.lowercased()
                else { return }
                let primary =
                    h.value(rec, "roletype")?.lowercased() == "primary"
                    || h.value(rec, "isprimary")?.lowercased() == "true"
                try users.list(
                    u, role: role, org: h.value(rec, "orgsourcedid"), primary: primary)
            }
        }
        // The line of each birth date that is not one, so that its warning names
        // demographics.csv and that line (only the bad ones are kept).
        var badBirthLines: [String: Int] = [:]
        if let p = try path("demographics.csv") {
            files.append("demographics.csv")
            try ColumnSample.check(
                path: p, file: "demographics.csv", columns: ColumnSample.oneRosterDemographics,
                today: w.today)
            try table(
                w, p, "demographics.csv", entity: "users", need: ["birthdate"],
                reads: ["sourcedid", "usersourcedid"]
            ) { h, rec in
                guard let u = h.value(rec, "sourcedid") ?? h.value(rec, "usersourcedid"),
                    let b = h.value(rec, "birthdate")
                else { return }
                if (try? Field.date(b, "birthDate", today: w.today)) == nil && !b.trimmed().isEmpty
                {
                    badBirthLines[CompactID.caselessKey(u)] = rec.line
                }
                try users.setBirth(u, b)
            }
        }
        // (A constant from here on: a variable, read for every row, was checked for exclusive
        // access at each read.)
        let birthLines = badBirthLines
        func birthSource(_ id: String) -> (file: String, line: Int)? {
            birthLines.isEmpty
                ? nil : birthLines[CompactID.caselessKey(id)].map { ("demographics.csv", $0) }
        }
        if let p = try path("relationships.csv") {
            files.append("relationships.csv")
            try table(
                w, p, "relationships.csv", entity: "links",
                need: ["usersourcedid", "relationshipusersourcedid"],
                reads: ["relationshiprole"]
            ) { h, rec in
                guard let s = h.value(rec, "usersourcedid"),
                    let g = h.value(rec, "relationshipusersourcedid")
                else { return }
                let role = h.value(rec, "relationshiprole")?.lowercased()
                let gn = Int32(try users.number(g))
                try users.table.append(
                    UserPair(
                        guardian: gn, student: Int32(try users.number(s)),
                        line: Int32(truncatingIfNeeded: rec.line),
                        role: role.map { users.code($0) } ?? 0, inRelationships: true))
                try users.nameInRelationships(g, role: role ?? "guardian")
            }
        }
        try w.write(
            schoolNames.sorted(by: { $0.key < $1.key }).map { id, name in
                PendingRow(
                    entity: "schools", file: "orgs.csv", line: 0, id: id, idField: "sourcedId",
                    claim: id,
                    payload: .school(
                        SchoolRecord(
                            schoolID: id, name: name,
                            status: closedSchools.contains(id) ? "inactive" : "active")))
            })
        if try path("orgs.csv") != nil { try w.completed("schools") }

        // Pass 1 over users.csv: each user's role and the agent links, to derive households.
        let col = UserColumns(uh)
        // What the bundle does not give at all, a row the district holds keeps (see
        // `RosterWriter.keptColumns`): OneRoster has no addresses; the rest by its columns.
        let noBirth = try path("demographics.csv") == nil
        let noRoles = try path("roles.csv") == nil
        let noSchool = col.orgs == nil && col.primaryOrg == nil && noRoles
        try w.columnsNotGiven(
            .guardians,
            Set(
                ["street", "street2", "city", "state", "postcode"]
                    + (col.email == nil ? ["email"] : [])
                    + (col.phone == nil && col.sms == nil ? ["phone"] : [])
                    + (noBirth ? ["birth_date", "birth_date_given"] : [])))
        try w.columnsNotGiven(
            .students,
            Set(
                (col.middleName == nil ? ["middle_name"] : [])
                    + (col.grades == nil ? ["grade"] : [])
                    + (col.email == nil ? ["email"] : []) + (noBirth ? ["birth_date"] : [])
                    + (noSchool ? ["school_id"] : [])))
        // In a delta, the users whose line lists their agents (see `endLinks(notNamedBy:)`).
        let delta = w.options.delta
        var listingAgents: [Int32] = []
        usersReader.keepOnly([col.id, col.role, col.agents], of: uh.names.count)
        // Into a district with no people yet, in one transaction, the second reading may read
        // the users' first lines in the order of their ids (see `RankedLines`): where each is.
        let keepsFirstLines =
            !inline && !delta && w.options.orderWindowBytes > 0 && w.options.maxRows == nil
            && !w.hooks.everyRow
            && [RosterTable.guardians, .students].allSatisfy {
                w.fresh[$0.index] && w.stageable[$0.index]
            }
        var firstLines = FirstLines()
        // Otherwise each line's user, for the second reading (see `LineUsers`).
        var lineUsers = LineUsers()
        // Read on a second thread, taking from each line only what is needed; the users are
        // numbered on this one.
        try ReadAhead<UserLines>.pipeline(
            sameThread: false,
            produce: { put in
                var lines = UserLines()
                while true {
                    // A simple line's values are taken from the read buffer as they stand, any
                    // other's from its record (see `CSVReader.nextSimple`).
                    let simple = try usersReader.nextSimple { line, bytes, fields, place in
                        lines.add(line: line, bytes, fields, col, place: place)
                    }
                    if simple == nil { break }
                    if simple == false {
                        guard let rec = try usersReader.next() else { break }
                        lines.add(rec, uh, col)
                    }
                    if lines.count == RosterWriter.batchRows {
                        guard try put(lines) else { return }
                        lines = UserLines()
                    }
                }
                _ = try put(lines)
            },
            take: { lines in
                try lines.forEach { line, id, listedRole, agents in
                    let before = users.table.count
                    let n = try users.number(utf8: id)
                    if keepsFirstLines {
                        firstLines.note(n, line: line.line, place: line.place)
                    } else {
                        lineUsers.note(n, line: line.line)
                    }
                    guard let r = try users.role(listed: listedRole, of: n) else { return }
                    // The first line that gives the user a role gives its kind (a later one
                    // is a repeat, rejected) and, met before in another file or as an agent
                    // maybe spelled in another case, its spelling from now on: its row's, so
                    // that its links and household name it so.
                    if try users.table.get(.kind, n) == 0 {
                        if n < before { try users.table.respell(n, as: CompactID.string(id)) }
                        try users.setKind(n, r)
                        if delta && line.listsAgents { listingAgents.append(Int32(n)) }
                    }
                    for agent in agents {
                        let a = Int32(try users.number(utf8: agent))
                        try users.table.append(
                            r == "student"
                                ? UserPair(guardian: a, student: Int32(n), line: line.line, role: 0)
                                : UserPair(guardian: Int32(n), student: a, line: line.line, role: 0)
                        )
                    }
                }
            })
        // The users' places in the order of their ids (for the links' key order, below),
        // found on a thread of their own while this one keeps the pairs and derives the
        // households, which change no id (a delta may number the district's users too): at
        // 300,000 students with UUIDs, 88 ms of 0.27 s on one core while the other waited.
        let ranking =
            !delta && (w.fresh[RosterTable.links.index] || keepsFirstLines)
            ? users.table.numbering : nil
        let ranks = try ranking.map { ids in
            let ahead = ReadAhead<[Int32]>(depth: 1)
            try ahead.start { put in _ = put(ids.ranks()) }
            return ahead
        }
        // (Birth dates counted before users the district gives take kinds: theirs are not
        // used either.)
        let unusedBirths = try users.table.birthsOfNoKind()
        let heldHere = w.options.delta ? try users.takeKinds(fromDistrict: w) : []
        // A list naming someone neither the bundle nor the district has (a damaged or
        // mistyped id) may not be all the user's agents: its links are kept.
        if !listingAgents.isEmpty {
            let naming = try users.namingNoOne(among: Set(listingAgents))
            if !naming.isEmpty { listingAgents.removeAll { naming.contains($0) } }
        }
        // Keep only student–guardian pairs, once each. A pair naming a user of no role (an id
        // no line of users.csv gives, or one whose role is missing) is said, by count: a link
        // the file meant may be lost there.
        let guardianCodes = guardianRoles.map { users.code($0) }
        let studentCode = users.code("student")
        var namingNoOne = 0
        try users.table.keepPairs { guardian, student in
            if guardian == 0 || student == 0 { namingNoOne += 1 }
            return student == studentCode
                && guardianCodes.contains(UInt8(truncatingIfNeeded: guardian))
        }
        if unusedBirths > 0 {
            w.notes.append(
                "demographics.csv: \(grouped(unusedBirths)) birth date\(unusedBirths == 1 ? "" : "s") of a user that users.csv does not give a role (no such sourcedId, or no role): not used"
            )
        }
        if namingNoOne > 0 {
            w.notes.append(
                "users.csv: \(grouped(namingNoOne)) link\(namingNoOne == 1 ? "" : "s") in agentSourcedIds or relationships.csv name\(namingNoOne == 1 ? "s" : "") a user that users.csv does not give as a student or guardian (no such sourcedId, or no role): not made"
            )
        }
        let households = try users.deriveHouseholds()
        if w.options.delta { try users.nameHouseholdsAsTheDistrict(w) }
        try users.table.doneAdding()
        // Into a district with no links yet (and no guardian merged away, which would change a
        // link's key), the links are made in the order of their table's key, after the
        // households are derived (whose ids follow the pairs' first order): they then go into
        // their table in place and in order, not staged and sorted at the end (ids that are
        // not numbered) nor at random places of the table (numbered ones).
        let idRanks = try ranks?.next()
        // The students' and guardians' first lines, when they are not in the order of their
        // ids already: the first window of them gathered while the pairs are put in order.
        let ranked = try idRanks.flatMap { ranks in
            try RankedLines(
                path: usersPath, windows1252: w.options.windows1252, first: firstLines,
                ranks: ranks,
                taken: { n in
                    let kind = UInt8(truncatingIfNeeded: (try? users.table.get(.kind, n)) ?? 0)
                    return kind == studentCode || guardianCodes.contains(kind)
                }, keep: (col.hashed.map(\.at), uh.names.count),
                windowBytes: w.options.orderWindowBytes, tables: [.guardians, .students])
        }
        firstLines = FirstLines()
        try ranked?.gatherAhead()
        let linksInKeyOrder =
            try w.fresh[RosterTable.links.index] && w.mergedGuardians.isEmpty
            && users.table.orderPairsByIDs(ranks: idRanks)
        if linksInKeyOrder { w.stageable[RosterTable.links.index] = false }
        let table = users.table
        let numbering = table.numbering
        // Rows in key order need no more than the import's small cache (a school's UUID may
        // have made it larger): in the larger one, the pages of the guardians and students
        // written in place held 16 MB more at 100,000 students.
        if ranked != nil { try w.useSmallCache() }
        // With them the households, which a row names by its guardian's number: written in the
        // order of those guardians' ids (theirs: `hh-` and the id) a slice before each batch of
        // rows (see `writeHouseholds`).
        let householdsInOrder =
            ranked != nil && numbering != nil && idRanks != nil
            && w.fresh[RosterTable.households.index] && w.stageable[RosterTable.households.index]
        if householdsInOrder { w.householdsNamed = Array(repeating: false, count: table.count) }
        if let ranks = idRanks {
            try keepIndexesInOrder(
                w, users, ranks: ranks, linksInKeyOrder: linksInKeyOrder,
                studentCode: studentCode, guardianCodes: guardianCodes)
        }
        // (Before the guardians' and students' sets are numbered: each is made again with the
        // district's rows.)
        for t in [RosterTable.households, .guardians, .students] { try w.knownReady(t) }
        if let ids = users.table.numbering { w.numberPeople(by: ids) }
        if households > 0 {
            w.notes.append(
                "derived \(grouped(households)) households from the guardian–student links (OneRoster has no household id)"
            )
        }

        // The first of a student's orgs (its list of them, then its primary org, then the org
        // roles.csv gives it) that orgs.csv names a school: as spelled, else a UUID in another
        // case (the orgs looked at in place: arrays of them were work for every student).
        let (schoolsNamed, schoolsByKey) = (schoolNames, schoolIDs)
        func firstSchool(listed: String?, primary: String?, inRoles: String?) -> String? {
            func first(_ school: (String) -> String?) -> String? {
                listed.flatMap { firstListItem($0, school) } ?? primary.flatMap(school)
                    ?? inRoles.flatMap(school)
            }
            return first { schoolsNamed[$0] != nil ? $0 : nil }
                ?? first { schoolsByKey[CompactID.caselessKey($0)] }
        }
        // The first of a student's listed orgs that orgs.csv names a school as spelled, read in
        // place when the field is printable ASCII that `CSVHeader.value` gives as it is (nil:
        // none, or other bytes: `firstSchool` tells).
        let schoolLookup = TextLookup(schoolNames.keys)
        // (Apart from the closure making rows, not inlined into it: there, the strings it
        // reads were copied through generic value witnesses.)
        @inline(never) func school(_ rec: CSVRecord, listedOrg: String?) -> String? {
            if let i = col.orgs, i < rec.fieldCount,
                let listed = rec.withField(i, { schoolLookup.firstListed($0) })
            {
                return listed
            }
            return firstSchool(
                listed: uh.value(rec, at: col.orgs), primary: uh.value(rec, at: col.primaryOrg),
                inRoles: listedOrg)
        }

        // Pass 2: write guardians and students. The users are only read from here on, through
        // a constant: the closures below would otherwise copy the variable (a dozen retains
        // and releases) for every row and link.
        let known = users
        let usersOfLines = lineUsers
        let r2 = try CSVReader(path: usersPath, windows1252: w.options.windows1252)
        _ = try r2.next()
        // Every field is kept only for a list of every row with its input (`everyRow`).
        if !w.hooks.everyRow { r2.keepOnly(col.hashed.map(\.at), of: uh.names.count) }
        // Each line's fields are hashed, a few read once (see `FieldBytes`).
        r2.keepsBytes = true
        // Counted in the first reading only (a line's hash made by the reader): the writer may
        // read the file again (for the first line of a repeated id), on its own thread while
        // this one reads on.
        var otherRoles: [String: Int] = [:]
        // The guardians and students the district held, to tell a line unchanged by.
        let same = (guardians: w.sameLines(.guardians), students: w.sameLines(.students))
        let hashing = LineHash.Fields(fields: col.hashed, seed: LineHash.oneRosterUser)
        // The households, a slice before each batch of rows is written (see
        // `writeHouseholds`).
        var namers: [Int32]? = nil
        var householdsWritten = 0
        var householdSlices: (() throws -> Bool)? = nil
        if householdsInOrder, let ids = numbering, let ranks = idRanks {
            householdSlices = {
                let all = try namers ?? householdNamers(known.table, ranks: ranks)
                namers = all
                let end = min(householdsWritten + RosterWriter.batchRows, all.count)
                try writeHouseholds(w, ids, all[householdsWritten..<end])
                householdsWritten = end
                return end == all.count
            }
        }
        // What a line is, read the second time (see `UserLineAgain`).
        func readAgain(_ rec: CSVRecord, _ made: UInt64?) throws -> UserLineAgain {
            let id = uh.value(rec, at: col.id) ?? ""
            let user = rec.user >= 0 ? rec.user : usersOfLines[rec.line]
            let facts = try known.facts(of: id, user: user >= 0 ? Int(user) : nil)
            let r = facts.kind ?? ""
            let entity = r == "student" ? "students" : isGuardianRole(r) ? "guardians" : ""
            let isStudent = entity == "students"
            // A student's school: the first of its orgs that orgs.csv names a school (as
            // spelled, else a UUID in another case).
            let school = isStudent ? school(rec, listedOrg: facts.listedOrg) : nil
            var lineHash: UInt64? = nil
            if rec.problem == nil && !id.isEmpty && !entity.isEmpty {
                // (Made by the reader, but for a line read again: see `settleHeld`.)
                let h = made ?? hashing.of(rec)
                lineHash = LineHash.mix(
                    LineHash.mix(
                        LineHash.mix(LineHash.mix(h, 1, facts.kind), 2, facts.household), 3,
                        facts.birth), 4, school)
            }
            // (Looked up here rather than by the writer too.)
            var knownSlot = -1
            var unchanged = false
            if let lineHash, let same = isStudent ? same.students : same.guardians {
                knownSlot = same.slot(id)
                // Unchanged since its row was stored from it: nothing to make (see `LineHash`).
                unchanged =
                    knownSlot >= 0 && same.acceptsStill(birthDate: facts.birth)
                    && same.holds(slot: knownSlot, hash: lineHash)
            }
            return UserLineAgain(
                id: id, user: user, facts: facts, entity: entity, school: school,
                lineHash: lineHash, knownSlot: knownSlot, unchanged: unchanged)
        }
        // In a re-import, the lines found unchanged go in runs, with no row each (see
        // `RosterWriter.writeHeldUsers`). (Not with lines read out of the file's order, whose
        // reports wait for the lines before them.)
        let heldUser: ((CSVRecord, UInt64, inout HeldLines) -> Bool)? =
            ranked != nil || (same.guardians == nil && same.students == nil)
            ? nil
            : { rec, made, run in
                let line: UserLineAgain
                do { line = try readAgain(rec, made) } catch { return false }
                guard line.unchanged else { return false }
                let user = HeldLines.HeldUser(
                    table: line.entity == "students" ? .students : .guardians,
                    number: line.user >= 0 && line.facts.sameCase ? line.user : -1,
                    namer: line.facts.householdNamer, household: line.facts.household,
                    school: line.school)
                var id = line.id
                id.withUTF8 { run.appendUser($0, user, slot: line.knownSlot, line: rec.line) }
                return true
            }
        try w.eachRow(
            r2, file: "users.csv", header: uh.spelled, sameThread: inline, hashing: hashing,
            ranked: ranked, meanwhile: householdSlices,
            ahead: { records in
                known.table.touchFacts(of: records.compactMap { $0.user >= 0 ? $0.user : nil })
            }, heldLine: heldUser
        ) { rec, made in
            let line = try readAgain(rec, made)
            // (Its parts read where they are used, not copied out first: a retain and a
            // release each. Its table's name is a literal.)
            let entity = line.entity
            let r = line.facts.kind ?? ""
            let isStudent = entity == "students"
            func row(_ entity: String, _ payload: consuming PendingRow.Payload) -> PendingRow {
                // (Not `RosterTable(rawValue:)`: a switch over its names, twice a row, was 1%
                // of a first import of UUIDs.)
                let table: RosterTable? =
                    entity == "students" ? .students : entity == "guardians" ? .guardians : nil
                let row = PendingRow(
                    entity: entity, table: table, file: "users.csv", line: rec.line, id: line.id,
                    idField: "sourcedId",
                    claim: rec.problem != nil || line.id.isEmpty || table == nil ? nil : line.id,
                    payload: payload)
                row.lineHash = line.lineHash
                // (The number the reader knew, for the set of ids met: see `IDSet.insert`.)
                if line.user >= 0 && line.facts.sameCase { row.claimNumber = line.user }
                row.householdNamer = line.facts.householdNamer
                if table != nil { row.knownSlot = line.knownSlot }
                return row
            }
            if line.unchanged {
                // (No user's row is made again: see `CSVRecord.withoutFields`.)
                return row(
                    entity,
                    .sameLine(
                        PendingRow.SameLine(
                            record: rec.withoutFields, household: line.facts.household,
                            school: line.school)))
            }
            if let p = rec.problem(in: uh.spelled) { return row("users", .rejected(p)) }
            guard !line.id.isEmpty else {
                return row("users", .rejected(RowProblem("sourcedId", "missing")))
            }
            if entity.isEmpty {
                if made != nil { otherRoles[r.isEmpty ? "(none)" : r, default: 0] += 1 }
                return row(
                    "other",
                    .skipped("role \(r.isEmpty ? "missing" : r): not a student or guardian"))
            }
            // The UUID of a user another line gives, in another case: the same id (see
            // `CompactID.caselessKey`), a repeat.
            if !line.facts.sameCase { return row(entity, .rejected(caseRepeat)) }
            var optional = OptionalValues()
            do {
                let active = try Field.status(
                    uh.value(rec, at: col.status).map { $0 == "tobedeleted" ? "inactive" : $0 },
                    "status")
                let given = try Field.requiredName(uh.value(rec, at: col.givenName), "givenName")
                let family = try Field.requiredName(
                    uh.value(rec, at: col.familyName), "familyName")
                if isStudent {
                    let made = row(
                        entity,
                        .student(
                            StudentRecord(
                                studentID: line.id, givenName: given, familyName: family,
                                middleName: try Field.name(
                                    uh.value(rec, at: col.middleName), "middleName"),
                                birthDate: optional.read(source: birthSource(line.id)) {
                                    try Field.date(line.facts.birth, "birthDate", today: w.today)
                                },
                                grade: uh.value(rec, at: col.grades)?.split(separator: ",")
                                    .first.map {
                                        $0.trimmed()
                                    },
                                schoolID: line.school,
                                email: optional.read {
                                    try Field.email(uh.value(rec, at: col.email), "email")
                                },
                                householdID: line.facts.household, status: active)))
                    return optional.warn(made)
                }
                let email = optional.read { try Field.email(uh.value(rec, at: col.email), "email") }
                let phone = optional.read {
                    try Field.phone(
                        uh.value(rec, at: col.phone) ?? uh.value(rec, at: col.sms), "phone")
                }
                let birth = optional.read(source: birthSource(line.id)) {
                    try Field.date(line.facts.birth, "birthDate", today: w.today)
                }
                var g = GuardianRecord(
                    guardianID: line.id, givenName: given, familyName: family, email: email,
                    phone: phone, birthDate: birth,
                    birthDateGiven: optional.kept(
                        Field.givenDate(line.facts.birth, read: birth), field: "birthDate",
                        in: "birth_date_given"),
                    householdID: line.facts.household)
                g.status = active
                return optional.warn(row(entity, .guardian(g)))
            } catch let p as RowProblem {
                return row(entity, .rejected(p))
            } catch {
                return row(entity, .rejected(RowProblem("row", "\(error)")))
            }
        }
        if !otherRoles.isEmpty {
            w.notes.append(
                "users.csv: skipped \(otherRoles.values.reduce(0, +)) users with other roles ("
                    + otherRoles.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                        separator: ", ") + ")")
        }
        if householdsInOrder, let named = w.householdsNamed, let ids = numbering {
            w.householdsNamed = nil
            // A household no row written names (each of its rows rejected) is no household.
            try w.insertWaiting()
            for n in namers ?? [] where !named[Int(n)] {
                try w.s.db.run(
                    "DELETE FROM households WHERE district_id = ? AND household_id = ?",
                    [.text(w.district), .text(ids.string(Int(n), prefix: householdPrefix))])
            }
        }
        w.finishedReading(r2, "users.csv")
        w.linesInIDOrder = ranked?.read ?? 0
        // Links last, once both ends exist; a batch at a time, as the rows of a file.
        // Made on two more threads from the users (in memory: nothing changes them now; on
        // disk they are read through the writer's connection, so on its thread).
        try w.knownReady(.links)
        if linksInKeyOrder { try w.useSmallCache() }
        // In a re-import, a link the district holds unchanged is told by its key and the hash
        // its role gives (a OneRoster link's row is its two ids and its role), as a line of
        // users.csv is (`LineHash`): its row is not made.
        let sameLinks = w.sameLines(.links)
        // Each thread with its own memory of the last guardian and of the roles' hashes. (One
        // thread making links was the end of a re-import: a core idle, the writer waiting.)
        try w.writeMade(sameThread: inline, threads: 2) {
            let memory = LinkMakerMemory()
            /// What the role of `code` makes of a link, worked out once.
            func role(_ code: UInt8) -> LinkRole {
                if let r = memory.roles[Int(code)] { return r }
                let r = LinkRole(relationship: known.roleName(code) ?? "guardian")
                memory.roles[Int(code)] = r
                return r
            }
            // A first import's links whose ends both exist go in runs (see
            // `RosterWriter.writesLinkRuns`), and a re-import's the district holds unchanged
            // (`RosterWriter.writeHeldLinks`), when no row is reported but a rejected one and
            // every row is read; any other link is a row of its own.
            let runs = sameLinks == nil && heldHere.isEmpty && w.writesLinkRuns
            let heldRuns =
                sameLinks != nil && heldHere.isEmpty && !w.hooks.everyRow
                && w.options.maxRows == nil
            let people = w.people(forLinks: true)
            // A link's ends told written, and its row packed, from their ids' bytes: users in
            // memory (on disk an id is read through SQL, the guardian's once for its links
            // below), no guardian merged away (whose links name the one kept) and no
            // guardian or student held (looked up by their strings). So, too, a re-import's
            // links looked up among the district's, and the keys of those it held unchanged
            // made (at 10k students with UUIDs, 4.7k instructions a link by made strings).
            let bytesAsMade = known.table.numbering != nil && w.mergedGuardians.isEmpty
            let runsFromBytes =
                runs && bytesAsMade && people.held.guardians == nil && people.held.students == nil
            let heldFromBytes = sameLinks != nil && bytesAsMade
            return { batch in
                let start = batch * RosterWriter.batchRows
                guard start < known.table.pairCount else { return nil }
                let pairs = try known.table.pairs(from: start, count: RosterWriter.batchRows)
                func made(_ p: UserPair) throws -> MadeLink {
                    if p.guardian != memory.last.n {
                        memory.last = (p.guardian, try known.table.id(Int(p.guardian)))
                    }
                    let named = memory.last.id
                    let student = try known.table.id(Int(p.student))
                    return MadeLink(
                        named: named, student: student, guardian: w.canonicalGuardian(named))
                }
                // The batch's links looked up among the district's together (see `slots`), by
                // their keys: made from their ends' texts as the users' table holds them when
                // it is in memory and no guardian was merged away (`heldFromBytes`).
                let madeFirst =
                    heldFromBytes ? nil : try sameLinks.map { _ in try pairs.map(made) }
                let claims =
                    try heldFromBytes
                    ? pairs.map { p in
                        try known.table.withIDs(Int(p.guardian), Int(p.student)) {
                            concatenated($0, 0x1f, $1)
                        }
                    } : madeFirst.map { $0.map(\.claim) }
                let slots = claims.flatMap { sameLinks?.slots($0) }
                var rows: [PendingRow] = []
                var run: [PackedArguments] = []
                var held: [HeldLink] = []
                func endRun() {
                    func row(_ payload: PendingRow.Payload) -> PendingRow {
                        PendingRow(
                            entity: "links", table: .links, file: "users.csv", line: 0, id: nil,
                            idField: "agentSourcedIds", claim: nil, payload: payload)
                    }
                    if !run.isEmpty { rows.append(row(.linkRun(run))) }
                    if !held.isEmpty { rows.append(row(.heldLinks(held))) }
                    run = []
                    held = []
                }
                for k in pairs.indices {
                    let p = pairs[k]
                    // The pair's role, else its guardian's kind (code 0: none, "guardian").
                    let role = role(
                        p.role != 0
                            ? p.role
                            : UInt8(truncatingIfNeeded: try known.table.get(.kind, Int(p.guardian)))
                    )
                    let slot = slots?[k] ?? -1
                    let same = slot >= 0 && sameLinks?.holds(slot: slot, hash: role.hash) == true
                    if role.contact && !same {
                        w.contactsWithoutAccess.add(1, ordering: .relaxed)
                    }
                    // (Making the ids' strings and the row's values was most of the work of the
                    // threads making a first import's links.)
                    if runsFromBytes,
                        let row = try known.table.withIDs(
                            Int(p.guardian), Int(p.student),
                            { g, s in
                                people.exist(guardian: g, student: s, numbers: p) == true
                                    ? role.row(g, s) : nil
                            })
                    {
                        if !held.isEmpty { endRun() }
                        run.append(row)
                        continue
                    }
                    // One the district holds unchanged, not named through a merge (none is
                    // when the keys came from the bytes).
                    if heldRuns && same, let claim = claims?[k],
                        heldFromBytes || madeFirst.map({ $0[k].guardian == $0[k].named }) == true
                    {
                        if !run.isEmpty { endRun() }
                        held.append(
                            HeldLink(claim: claim, slot: slot, file: p.namedIn, line: p.line))
                        continue
                    }
                    let link = try madeFirst?[k] ?? made(p)
                    let (named, student, guardian) = (link.named, link.student, link.guardian)
                    if runs && guardian == named
                        && people.exist(guardian: guardian, student: student, numbers: p)
                    {
                        if !held.isEmpty { endRun() }
                        run.append(role.link(guardian, student).tableRow(line: nil).arguments)
                        continue
                    }
                    endRun()
                    let row = PendingRow(
                        entity: "links", table: .links, file: "users.csv", line: 0,
                        id: guardian == named ? nil : joined(named, "/", student),
                        idField: "agentSourcedIds", claim: claims?[k] ?? link.claim,
                        viaMerge: guardian != named,
                        payload: same
                            ? .sameLine(
                                PendingRow.SameLine(
                                    record: CSVRecord(line: 0, fields: [], problem: nil)))
                            : .link(role.link(guardian, student)))
                    // (Not through a merge: the numbers are of the guardian named.)
                    if guardian == named { row.ends = p }
                    if p.line > 0 {
                        row.namedOn = (p.namedIn, Int(p.line))
                    }
                    row.keepsStored =
                        !heldHere.isEmpty
                        && (heldHere.contains(p.guardian) || heldHere.contains(p.student))
                    row.knownSlot = slot
                    rows.append(row)
                }
                endRun()
                return rows
            }
        }
        w.noteContacts(
            "relationships.csv",
            remedy: "their role there says so (a parent's or guardian's role gives access)")
        for entity in ["students", "guardians", "links"] { try w.completed(entity) }
        // (After the ids met are let go of. Not in a trial of the first rows, which writes
        // only those.)
        if !listingAgents.isEmpty && w.options.maxRows == nil {
            try users.endLinks(notNamedBy: listingAgents, w)
        }
        return files
    }

    /// Reads a small file of the bundle whose columns `need` (required) and `reads` (those
    /// `body` reads besides) are all it looks at: the other fields are left out (checked,
    /// not made into strings), after checking its header. A row not read cleanly (not UTF-8,
    /// a control character, a quote left open) is rejected at its line as a row of `entity`,
    /// as in users.csv, and `body` never sees it: an org named with a terminal's escape
    /// codes, or a school or user id of replacement characters, was taken as it came.
    private static func table(
        _ w: RosterWriter, _ path: String, _ name: String, entity: String, need: [String],
        reads: [String], _ body: (CSVHeader, CSVRecord) throws -> Void
    ) throws {
        let r = try CSVReader(path: path, windows1252: w.options.windows1252)
        guard let head = try r.next() else { return }
        if let e = head.headerError(name, "nothing was imported") { throw e }
        let h = CSVHeader(head.fields)
        r.keepOnly((need + reads).map { h.column($0) }, of: h.names.count)
        let missing = need.filter { !h.has($0) }
        if !missing.isEmpty {
            // A native file of the same name (relationships.csv) beside a OneRoster export.
            let native = NativeFormat.file(forHeader: head.fields).map {
                "its columns are those of a native \($0.name) (\($0.required.joined(separator: ", "))), not OneRoster's: import it as a native bundle, from a folder of its own; nothing was imported"
            }
            throw PortalError(
                .dataError,
                "\(name):1: missing required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))",
                hint: h.separatorHint ?? native ?? "check the export; nothing was imported")
        }
        var rejected: [PendingRow] = []
        while let rec = try r.next() {
            guard let p = rec.problem(in: h.spelled) else {
                try body(h, rec)
                continue
            }
            let idField = ["sourcedid", "usersourcedid"].first { h.has($0) }
            rejected.append(
                PendingRow(
                    entity: entity, file: name, line: rec.line,
                    id: idField.flatMap { h.value(rec, $0) } ?? "",
                    idField: idField.flatMap { h.column($0).map { h.spelled[$0] } } ?? "",
                    claim: nil, payload: .rejected(p)))
            // Reported a batch at a time: a file of damaged rows takes no more memory.
            if rejected.count == RosterWriter.batchRows {
                try w.write(rejected)
                rejected.removeAll(keepingCapacity: true)
            }
        }
        w.finishedReading(r, name)
        try w.write(rejected)
    }

}

/// Where users.csv has the columns a row is read by (nil for those it lacks).
private struct UserColumns {
    let id, role, agents, status, givenName, familyName, middleName, orgs, primaryOrg, grades,
        email, phone, sms: Int?

    init(_ h: CSVHeader) {
        id = h.column("sourcedid")
        role = h.column("role")
        // OneRoster 1.0 says `agents`, 1.1 `agentSourcedIds`.
        agents = h.column(anyOf: ["agentsourcedids", "agents"])
        status = h.column("status")
        givenName = h.column("givenname")
        familyName = h.column("familyname")
        middleName = h.column("middlename")
        orgs = h.column("orgsourcedids")
        primaryOrg = h.column("primaryorgsourcedid")
        grades = h.column("grades")
        email = h.column("email")
        phone = h.column("phone")
        sms = h.column("sms")
    }

    /// The columns a user's line hash reads (see `LineHash`), each with its tag.
    var hashed: [LineHash.Field] {
        [
            id, role, agents, status, givenName, familyName, middleName, orgs, primaryOrg, grades,
            email, phone, sms,
        ].enumerated().compactMap { tag, at in
            at.map { LineHash.Field(at: $0, tag: UInt64(0x80 + tag)) }
        }
    }
}

/// Texts found by the bytes that spell them, without a string made of those: orgs.csv's
/// schools, looked up by a student's orgs (the field made a string, split, each item hashed by
/// the dictionary: 1,320 instructions a student with UUIDs, 470 so). (Not an `Interner`: a
/// UUID packed to be found there, 770 instructions more a student.)
struct TextLookup {
    private let texts: [String]
    /// Open addressing by FNV-1a: the place in `texts` of each, -1 for none.
    private let slots: [Int32]

    init(_ texts: some Sequence<String>) {
        let texts = Array(texts)
        var size = 8
        while size < 2 * texts.count { size *= 2 }
        var slots = [Int32](repeating: -1, count: size)
        for (n, t) in texts.enumerated() {
            var t = t
            var k = t.withUTF8 { fnv1a($0) } & UInt64(size - 1)
            while slots[Int(k)] >= 0 { k = (k + 1) & UInt64(size - 1) }
            slots[Int(k)] = Int32(n)
        }
        (self.texts, self.slots) = (texts, slots)
    }

    /// The first text of a comma-separated list in `u` that spells one, when `u` is printable
    /// ASCII (spaces around an item left out) with no space or spreadsheet guard at its start
    /// nor space at its end: nil when none does, or `u` is not such (as `CSVHeader.value` and
    /// `firstListItem` read the field then: the same text, when this finds one).
    func firstListed(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        guard Spreadsheet.readsAsIs(u) else { return nil }
        var start = 0
        while start <= u.count {
            var end = start
            while end < u.count && u[end] != UInt8(ascii: ",") { end += 1 }
            var (a, b) = (start, end)
            while a < b && u[a] == 0x20 { a += 1 }
            while b > a && u[b - 1] == 0x20 { b -= 1 }
            if a < b, let text = find(UnsafeBufferPointer(rebasing: u[a..<b])) { return text }
            start = end + 1
        }
        return nil
    }

    /// The text spelled by `u`, byte for byte; nil when none is.
    func find(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        let mask = UInt64(slots.count - 1)
        var k = fnv1a(u) & mask
        while case let n = Int(slots[Int(k)]), n >= 0 {
            let same = texts[n].utf8.withContiguousStorageIfAvailable { t in
                t.count == u.count
                    && (t.baseAddress.map { memcmpEqual($0, u.baseAddress, u.count) } ?? true)
            }
            if same == true { return texts[n] }
            k = (k + 1) & mask
        }
        return nil
    }
}

/// A link's ids (the guardian named, the student, the guardian kept), as its batch is made.
/// (A structure: as a tuple, each was copied through the runtime's generic copy, a tenth of
/// the making of a re-import's links.)
private struct MadeLink {
    let named: String
    let student: String
    let guardian: String
    /// The link's key as the writer and the district's rows name it (`guardian␟student`).
    var claim: String { joined(guardian, "\u{1f}", student) }
}

/// What a link's role makes of it: the relationship stored, whether it is a contact who is not a
/// parent, whether it gives no portal access (a relative, or such a contact), and the hash of
/// a link's values with it.
private struct LinkRole {
    let relationship: String
    let contact: Bool
    let relative: Bool
    let hash: UInt64
    /// The arguments of a link's row with this role, its ids left empty (see `row`).
    private let template: PackedArguments

    init(relationship: String) {
        self.relationship = relationship
        // A relative, or a contact who is not a parent (relationships.csv's role): no portal
        // access, not custodial.
        contact = LinkRecord.isNotParent(relationship)
        relative = relationship == "relative" || contact
        // (A link's hash is of its values, which its ids are not.)
        let row = LinkRole.link(relationship, relative: relative, "", "").tableRow(line: nil)
        hash = row.fnv
        template = row.arguments
    }

    /// The link of `guardian` and `student` with this role.
    func link(_ guardian: String, _ student: String) -> LinkRecord {
        Self.link(relationship, relative: relative, guardian, student)
    }

    /// The arguments of the row of `link(guardian, student)`, packed from the ids' text.
    func row(_ guardian: UnsafeBufferPointer<UInt8>, _ student: UnsafeBufferPointer<UInt8>)
        -> PackedArguments
    {
        PackedArguments(guardian, student, into: template)
    }

    private static func link(
        _ relationship: String, relative: Bool, _ guardian: String, _ student: String
    ) -> LinkRecord {
        LinkRecord(
            guardianID: guardian, studentID: student, relationship: relationship,
            portalAccess: !relative, custodial: !relative)
    }
}

/// What a thread making OneRoster links keeps from batch to batch: in a class, whose fields are
/// not checked for exclusive access (variables captured by the closure that makes batches were,
/// at every use: a fiftieth of a re-import's instructions).
private final class LinkMakerMemory {
    /// Each role, by its code, worked out once: a dictionary by its name hashed the name for
    /// every link, and telling a contact squashed the name into a new string.
    @exclusivity(unchecked) var roles = [LinkRole?](repeating: nil, count: 256)
    /// The last guardian's id, made once for its links (in key order they come together).
    @exclusivity(unchecked) var last: (n: Int32, id: String) = (-1, "")
}

/// The number of the user each line of users.csv gives, by line, as the first reading found
/// it: the second then need not look the id up again (a miss of the cache a line: a seventh
/// of the making of a re-import's rows). Lines far past those noted (a file mostly blank
/// lines) are left out, so that the numbers take at most 16 bytes a line given; a line left
/// out is looked up.
struct LineUsers: Sendable {
    private var users: [Int32] = []
    private var noted = 0

    mutating func note(_ n: Int, line: Int32) {
        let l = Int(line)
        guard l >= 0, l < 4 * (noted + 1024), let n = Int32(exactly: n) else { return }
        if l >= users.count {
            users.append(contentsOf: repeatElement(-1, count: l + 1 - users.count))
        }
        users[l] = n
        noted += 1
    }

    /// The user of `line`, -1 when not noted.
    subscript(line: Int) -> Int32 { line >= 0 && line < users.count ? users[line] : -1 }
}

/// What the first reading of users.csv takes from its lines, a batch at a time: each line's
/// user id, the role it names (in lower case) and the ids of its agents, as bytes one after
/// another in one buffer, numbered from there (no string made). A record, strings and arrays
/// made for each line on one thread and freed on another, were most of that reading. Measured,
/// alternated: OneRoster 100k numbered first imports 1.02-1.07 -> 0.98-0.99 s, with UUIDs
/// 1.59-1.67 -> 1.49-1.52 s; 300k numbered re-imports 1.65-1.74 -> 1.47-1.48 s.
/// The ids are kept in their compact form (`CompactID`: a UUID in 17 bytes), made here, on
/// the thread reading the file: the thread numbering them, which bounds that reading, spent a
/// seventh of its time packing UUIDs (300,000 students).
private struct UserLines {
    private var text: [UInt8] = []
    private var lines: [Line] = []
    /// The agents' ids, in `text`.
    private var agents: [Range<Int>] = []

    struct Line {
        let line: Int32
        fileprivate let id: Range<Int>
        fileprivate let role: Range<Int>?
        fileprivate let agents: Range<Int>
        /// The line was read cleanly and its agentSourcedIds names someone: all the user's
        /// agents (see `endLinks(notNamedBy:)`).
        let listsAgents: Bool
        /// Where a simple line is in the file (see `RankedLines`).
        var place: LinePlace? = nil
    }

    var count: Int { lines.count }

    /// Calls `body` with each line: its user's id, the role it names and its agents' ids (the
    /// ids in their compact form).
    func forEach(
        _ body: (
            _ line: Line, _ id: UnsafeBufferPointer<UInt8>, _ role: String?,
            _ agents: [UnsafeBufferPointer<UInt8>]
        ) throws -> Void
    ) throws {
        try text.withUnsafeBufferPointer { t in
            func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: t[r])
            }
            var named: [UnsafeBufferPointer<UInt8>] = []
            for line in lines {
                named.removeAll(keepingCapacity: true)
                for k in line.agents { named.append(bytes(agents[k])) }
                try body(
                    line, bytes(line.id),
                    line.role.map { String(decoding: bytes($0), as: UTF8.self) }, named)
            }
        }
    }

    /// A line read as a record: its values as `CSVHeader.value` makes them.
    mutating func add(_ rec: CSVRecord, _ uh: CSVHeader, _ col: UserColumns) {
        guard let id = uh.value(rec, at: col.id) else { return }
        let named =
            col.agents.map { c in
                c < rec.fields.count ? listItems(Spreadsheet.unguarded(rec.fields[c])) : []
            } ?? []
        let first = agents.count
        for a in named { agents.append(appendID(a)) }
        lines.append(
            Line(
                line: Int32(truncatingIfNeeded: rec.line), id: appendID(id),
                role: uh.value(rec, at: col.role).map { append($0.lowercased().utf8) },
                agents: first..<agents.count,
                listsAgents: rec.problem == nil && !named.isEmpty))
    }

    /// A simple line (see `CSVReader.nextSimple`): its values made as `add(_:_:_:)` makes them
    /// of a record, on the bytes (every field read is printable ASCII: white space is a space,
    /// lower case is ASCII's, and a character is a byte).
    mutating func add(
        line: Int, _ b: UnsafeBufferPointer<UInt8>, _ fields: [Range<Int>], _ col: UserColumns,
        place: LinePlace
    ) {
        func field(_ c: Int?) -> Range<Int>? { c.flatMap { $0 < fields.count ? fields[$0] : nil } }
        func trimmed(_ r: Range<Int>) -> Range<Int> {
            var (i, j) = (r.lowerBound, r.upperBound)
            while i < j && isASCIIWhiteSpace(b[i]) { i += 1 }
            while j > i && isASCIIWhiteSpace(b[j - 1]) { j -= 1 }
            return i..<j
        }
        func unguarded(_ r: Range<Int>) -> Range<Int> {
            Spreadsheet.isGuarded(b[r]) ? r.dropFirst() : r
        }
        guard let i = field(col.id), case let id = unguarded(trimmed(i)), !id.isEmpty else {
            return
        }
        let first = agents.count
        if let a = field(col.agents).map(unguarded) {
            var start = a.lowerBound
            for k in a.lowerBound...a.upperBound where k == a.upperBound || b[k] == 0x2C {
                let item = trimmed(start..<k)
                if !item.isEmpty { agents.append(appendID(UnsafeBufferPointer(rebasing: b[item]))) }
                start = k + 1
            }
        }
        var role: Range<Int>? = nil
        if let r = field(col.role).map({ unguarded(trimmed($0)) }), !r.isEmpty {
            let at = text.count
            for c in b[r] { text.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c) }
            role = at..<text.count
        }
        lines.append(
            Line(
                line: Int32(truncatingIfNeeded: line),
                id: appendID(UnsafeBufferPointer(rebasing: b[id])), role: role,
                agents: first..<agents.count, listsAgents: agents.count > first, place: place))
    }

    private mutating func append<C: Collection<UInt8>>(_ bytes: C) -> Range<Int> {
        let at = text.count
        text.append(contentsOf: bytes)
        return at..<text.count
    }

    /// Appends the compact form of the id whose UTF-8 is `u`.
    private mutating func appendID(_ u: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        CompactID.with(u) { append($0) }
    }

    private mutating func appendID(_ id: String) -> Range<Int> {
        var id = id
        return id.withUTF8 { appendID($0) }
    }
}

extension CSVHeader {
    /// The trimmed value of a named column in a record; nil when absent or empty. A cell
    /// written with a spreadsheet guard (`'+1 947 874 0467`, as `roster export` and exports that
    /// follow OWASP's advice write them) comes back as it was, as in native files.
    func value(_ rec: CSVRecord, _ name: String) -> String? { value(rec, at: column(name)) }

    /// `value(rec, name)` by the column's index, found once for a file: users.csv is read by
    /// name a dozen times a row (a seventh of the making of its rows went to finding columns).
    func value(_ rec: CSVRecord, at i: Int?) -> String? {
        guard let i, i < rec.fieldCount else { return nil }
        // Most values begin and end with printable ASCII other than the guard: the field as
        // it is, looked at in place (trimming and unguarding each made copies of the string,
        // a dozen retains and releases a value, read on another thread than the one that made
        // it).
        let asIs = rec.withField(i) { u in
            guard let f = u.first, let l = u.last else { return false }
            return f > 0x20 && f < 0x7F && f != Spreadsheet.guardByte && l > 0x20 && l < 0x7F
        }
        if asIs { return rec.field(i) }
        let v = Spreadsheet.unguarded(rec.field(i).trimmed())
        return v.isEmpty ? nil : v
    }
}

extension OneRosterBundle {
    /// The guardians who name a household (see `deriveHouseholds`), in the order of their ids
    /// (`ranks`: the users' places in it), which is the order of the households' key (`hh-`
    /// and the id). Each put at its rank, not sorted by it: the sort was a fifth of the time
    /// the writer alone took between the rows and the links.
    fileprivate static func householdNamers(_ users: some UserTable, ranks: [Int32]) throws
        -> [Int32]
    {
        var byRank = [Int32](repeating: -1, count: ranks.count)
        for n in 0..<ranks.count {
            let namer = try users.get(.householdNamer, n)
            if namer >= 0 { byRank[Int(ranks[Int(namer)])] = namer }
        }
        return byRank.filter { $0 >= 0 }
    }

    /// Writes the households `namers` name. A first import's, a slice before each batch of
    /// users.csv's rows (see `RosterWriter.eachRow`), rather than once every row is, with the
    /// other core idle (20-25 ms at 100,000 students with UUIDs, 0.1 s at 300,000); all at
    /// once, they held the threads making rows back for as long, the writer's queue full.
    /// (Those that no row written names are deleted at the end, see `run`.)
    fileprivate static func writeHouseholds(
        _ w: RosterWriter, _ ids: Interner, _ namers: ArraySlice<Int32>
    ) throws {
        // (Packed from the id's bytes: a string and an array of values each, made and let go
        // of on this thread, were a third of the households' time.)
        var prefix = householdPrefix
        try prefix.withUTF8 { p in
            for n in namers {
                try w.insertSoon(
                    .households,
                    ids.withText(Int(n)) {
                        PackedArguments(text: p, $0, nulls: RosterWriter.noAddress.count)
                    })
            }
        }
    }

    /// Keeps the look-up indexes whose keys the rows will come in the order of up to date as
    /// the rows are written, rather than built at the end (see `RosterWriter.keepUpToDate`):
    /// the links' by student, when the links go in in key order; the students' and guardians'
    /// by household, their rows going in in the order of their ids (the file's, when it is
    /// that order but for a few lines). `ranks`: each user's place in the order of the ids.
    fileprivate static func keepIndexesInOrder(
        _ w: RosterWriter, _ users: OneRosterUsers<some UserTable>, ranks: [Int32],
        linksInKeyOrder: Bool, studentCode: UInt8, guardianCodes: [UInt8]
    ) throws {
        guard ranks.count == users.table.count else { return }
        if linksInKeyOrder {
            var students = KeyOrder()
            try users.eachPair { students.meet(ranks[Int($0.student)]) }
            if students.isNear { try w.keepUpToDate(index: "links_by_student") }
        }
        var byRank = [Int32](repeating: -1, count: ranks.count)
        for (n, r) in ranks.enumerated() { byRank[Int(r)] = Int32(n) }
        var students = KeyOrder()
        var guardians = KeyOrder()
        for n in byRank where n >= 0 {
            let namer = try users.table.get(.householdNamer, Int(n))
            guard namer >= 0 else { continue }
            let kind = UInt8(truncatingIfNeeded: try users.table.get(.kind, Int(n)))
            if kind == studentCode {
                students.meet(ranks[Int(namer)])
            } else if guardianCodes.contains(kind) {
                guardians.meet(ranks[Int(namer)])
            }
            // (Random ids are far within a few thousand: the rest would not change the answer.)
            if students.isFar(within: byRank.count) && guardians.isFar(within: byRank.count) {
                break
            }
        }
        if students.isNear { try w.keepUpToDate(index: "students_by_household") }
        if guardians.isNear { try w.keepUpToDate(index: "guardians_by_household") }
    }
}

/// What a delta import asks of the district about the users a bundle names.
extension OneRosterUsers {
    /// A delta gives only the users that changed: an agent it names but does not give may be
    /// the district's own (a new student's parent). Each such user the district has takes the
    /// kind it has there (a guardian the role of its links there, a student "student"), so that
    /// its links are made; returns their numbers.
    mutating func takeKinds(fromDistrict w: RosterWriter) throws -> Set<Int32> {
        var unknown = Set<Int32>()
        try eachPair { p in
            for n in [p.guardian, p.student] where try table.get(.kind, Int(n)) == 0 {
                unknown.insert(n)
            }
        }
        var held = Set<Int32>()
        for n in unknown.sorted() {
            let id = try table.id(Int(n))
            let kind: String
            if let g = try w.s.db.first(
                """
                SELECT (SELECT relationship FROM links WHERE district_id = ?1 AND guardian_id = ?2
                        ORDER BY status = 'active' DESC LIMIT 1) AS role
                FROM guardians WHERE district_id = ?1 AND guardian_id = ?2
                """, [.text(w.district), .text(w.canonicalGuardian(id))])
            {
                kind =
                    g.string("role").flatMap {
                        OneRosterBundle.isGuardianRole($0) ? $0 : nil
                    } ?? "guardian"
            } else if try w.s.db.first(
                "SELECT 1 FROM students WHERE district_id = ? AND student_id = ?",
                [.text(w.district), .text(id)]) != nil
            {
                kind = "student"
            } else {
                continue
            }
            try setKind(Int(n), kind)
            held.insert(n)
        }
        return held
    }

    /// A household named after a guardian the district has (one the delta gives, or only
    /// names) is the one the district has for that guardian: a delta gives no households, and
    /// deriving them from its few links alone moved a parent whose e-mail changed out of the
    /// household the district has for it, into one of its own.
    mutating func nameHouseholdsAsTheDistrict(_ w: RosterWriter) throws {
        var isNamer = [Bool](repeating: false, count: table.count)
        var namers: [Int] = []
        for n in 0..<table.count {
            let namer = Int(try table.get(.householdNamer, n))
            if namer >= 0 && !isNamer[namer] {
                isNamer[namer] = true
                namers.append(namer)
            }
        }
        // Kept only when it is not the one derived: a whole export given as a delta names
        // nearly every household so, and keeping each (a string a household) took a 300,000-
        // student one over the memory allowed.
        func name(_ n: Int, _ household: String) throws {
            if household != householdPrefix + (try table.id(n)) {
                try table.nameHousehold(of: n, household)
            }
        }
        func lookUp(_ n: Int) throws {
            if let h = try w.s.db.first(
                "SELECT household_id FROM guardians WHERE district_id = ? AND guardian_id = ?",
                [.text(w.district), .text(w.canonicalGuardian(try table.id(n)))]
            )?.string("household_id") {
                try name(n, h)
            }
        }
        guard namers.count > 1000 else {
            for n in namers.sorted() { try lookUp(n) }
            return
        }
        // Many: the district's guardians read once, in the order stored (a look-up each was a
        // second of random reads at 300,000 students); one merged away looked up, as another.
        try w.s.db.forEachRaw(
            "SELECT guardian_id, household_id FROM guardians WHERE district_id = ? AND household_id IS NOT NULL",
            [.text(w.district)]
        ) { row in
            let g = String(decoding: row.bytes(0), as: UTF8.self)
            guard let n = try table.find(g), isNamer[n], try table.id(n) == g else { return }
            try name(n, String(decoding: row.bytes(1), as: UTF8.self))
        }
        if !w.mergedGuardians.isEmpty {
            for n in namers where w.canonicalGuardian(try table.id(n)) != (try table.id(n)) {
                try lookUp(n)
            }
        }
    }
}

extension OneRosterUsers {
    /// The users of `users` whose pairs name a user of no kind (before `keepPairs`).
    func namingNoOne(among users: Set<Int32>) throws -> Set<Int32> {
        var naming = Set<Int32>()
        try eachPair { p in
            if try table.get(.kind, Int(p.guardian)) == 0, users.contains(p.student) {
                naming.insert(p.student)
            }
            if try table.get(.kind, Int(p.student)) == 0, users.contains(p.guardian) {
                naming.insert(p.guardian)
            }
        }
        return naming
    }

    /// A user a delta gives with agentSourcedIds gives all its agents (OneRoster's field is
    /// the list, not what changed): a link the district has between it and someone the bundle
    /// no longer pairs it with (in agentSourcedIds on either side, or relationships.csv) has
    /// ended, as a full import ends a link its files no longer have. Notes those links absent,
    /// to be marked inactive at the end (asked first as a full import asks). `listing`: the
    /// users whose line was read cleanly and names agents, each of whom the bundle or the
    /// district has; one given with the field empty keeps its links (exporters leave it empty
    /// in deltas), as does a guardian merged away (its links are another's now) and one
    /// another was merged into (some of its links came from a record the SIS still has
    /// apart, whose agents the delta need not give).
    func endLinks(notNamedBy listing: [Int32], _ w: RosterWriter) throws {
        let mergedInto = Set(w.mergedGuardians.values)
        // The users listing their agents whose links may end, by number.
        var listed = [Bool](repeating: false, count: table.count)
        for n in listing {
            guard let kind = try roleName(.kind, of: Int(n)) else { continue }
            if kind != "student" {
                guard OneRosterBundle.isGuardianRole(kind) else { continue }
                let id = try table.id(Int(n))
                if w.canonicalGuardian(id) != id || mergedInto.contains(id) { continue }
            }
            listed[Int(n)] = true
        }
        let listedUsers = listed.lazy.filter { $0 }.count
        guard listedUsers > 0 else { return }
        // The pairs the bundle names, by number; one whose guardian was merged away as the
        // link it names now (the guardian kept, the student), by id.
        var named = PairSet(expecting: table.pairCount)
        var namedViaMerge = Set<[String]>()
        try eachPair { p in
            _ = named.insert(guardian: p.guardian, student: p.student)
            if !w.mergedGuardians.isEmpty {
                let id = try table.id(Int(p.guardian))
                let kept = w.canonicalGuardian(id)
                if kept != id { namedViaMerge.insert([kept, try table.id(Int(p.student))]) }
            }
        }
        // A link of the district ends when a user at either end lists its agents and the
        // bundle does not name it.
        var ended = 0
        func consider(_ g: String, _ s: String) throws {
            let gn = try table.find(g)
            let sn = try table.find(s)
            guard sn.map({ listed[$0] }) == true || gn.map({ listed[$0] }) == true else { return }
            if let gn, let sn, named.contains(guardian: Int32(gn), student: Int32(sn)) { return }
            if namedViaMerge.contains([g, s]) { return }
            try w.noteAbsent(.links, [.text(g), .text(s)])
            ended += 1
        }
        let active =
            try w.s.db.scalar(
                "SELECT count(*) FROM links WHERE district_id = ? AND status = 'active'",
                [.text(w.district)])?.int.map(Int.init) ?? 0
        if listedUsers * 8 > active {
            // Many: every active link of the district looked at once.
            try w.s.db.forEachRaw(
                "SELECT guardian_id, student_id FROM links WHERE district_id = ? AND status = 'active'",
                [.text(w.district)]
            ) { row in
                try consider(
                    String(decoding: row.bytes(0), as: UTF8.self),
                    String(decoding: row.bytes(1), as: UTF8.self))
            }
        } else {
            // Few: each one's links looked up (a guardian's that go to a student listed too
            // are that student's, looked at once).
            for n in listing where listed[Int(n)] {
                let isStudent = try roleName(.kind, of: Int(n)) == "student"
                for row in try w.s.db.query(
                    """
                    SELECT guardian_id, student_id FROM links
                    WHERE district_id = ? AND \(isStudent ? "student_id" : "guardian_id") = ?
                        AND status = 'active'
                    """, [.text(w.district), .text(try table.id(Int(n)))])
                {
                    guard let g = row.string("guardian_id"), let s = row.string("student_id")
                    else { continue }
                    if !isStudent, let sn = try table.find(s), listed[sn] { continue }
                    try consider(g, s)
                }
            }
        }
        guard ended > 0 else { return }
        w.absent[.links] = (
            ended, active, "no longer among the agents of the users the delta gives"
        )
        w.notes.append(
            "users.csv: \(grouped(ended)) link\(ended == 1 ? "" : "s") of users the delta gives to someone their agentSourcedIds no longer name (nor relationships.csv): ended, marked inactive (a user given with agentSourcedIds empty keeps its links)"
        )
    }
}

/// What a line of users.csv is, read the second time (see `OneRosterBundle.run`'s
/// `readAgain`). (A structure of no generic type: see `NamedUserFacts`.)
private struct UserLineAgain {
    let id: String
    /// Its user's number as the first reading found it (-1: not found).
    let user: Int32
    let facts: NamedUserFacts
    /// Its table's name (empty: a user of another role).
    let entity: String
    /// A student's school.
    let school: String?
    /// The hash of the line and all else its row is made from (nil: a line not read cleanly).
    let lineHash: UInt64?
    /// The id's slot among the district's rows (-1: not held surely, or a line not read
    /// cleanly).
    let knownSlot: Int
    /// The row stored was made from that very line.
    let unchanged: Bool
}
