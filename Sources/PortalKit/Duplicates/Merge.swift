internal import FoundationEssentials

/// Merging duplicate records (SPEC §8): B is folded into A. Every row touched is recorded, so
/// `undo` restores exactly the state before, or names the later change in the way. A merge never
/// drops a restriction and never widens access.
public enum Merges {
    /// A field the two records disagreed on, and which value was kept.
    public struct Conflict: Sendable {
        /// The field's column name.
        public let field: String
        /// The kept record's value.
        public let a: String?
        /// The folded record's value.
        public let b: String?
        /// "a", "b" or "filled from b".
        public let kept: String  // "a", "b" or "filled from b"
    }

    /// What one merge did, all of it undone by `undo`.
    public struct Result: Sendable {
        /// The merge's number, as `undo` takes it.
        public let mergeID: Int
        /// `guardian` or `household`.
        public let kind: String
        /// The record kept.
        public let a: String
        /// The record folded into `a`.
        public let b: String
        /// The fields that differed and which value was kept.
        public let conflicts: [Conflict]
        /// Students whose link moved from `b` to `a`.
        public let linksMoved: [String]
        /// Students linked to both, whose two links became one.
        public let linksJoined: [String]
        /// What happened to the two records' accounts, one note each (which moved, which was
        /// disabled).
        public let accounts: [String]
        /// The account kept, when either record had one.
        public let survivingUsername: String?
        /// Pending keys of `b` revoked (a key is for one record).
        public let keysRevoked: [Int]
        /// Restrictions moved from `b` to `a` (they survive merges).
        public let restrictionsMoved: [Int]
        /// Guardians and students moved from household `b` to `a`.
        public let membersMoved: [String]
    }

    /// The guardian fields a merge compares and fills.
    public static let guardianFields = [
        "given_name", "family_name", "email", "phone", "street", "street2", "city", "state",
        "postcode", "birth_date", "household_id",
    ]
    /// The household fields a merge compares and fills.
    public static let householdFields = ["street", "street2", "city", "state", "postcode"]

    /// `--prefer b` (all fields) or `--prefer FIELD=b` / `FIELD=a`, checked against `fields`.
    public static func preferences(_ values: [String], fields: [String]) throws -> [String: String]
    {
        var out: [String: String] = [:]
        for v in values {
            if v == "a" || v == "b" {
                for f in fields { out[f] = v }
                continue
            }
            let p = v.split(separator: "=").map(String.init)
            guard p.count == 2, p[1] == "a" || p[1] == "b" else {
                throw PortalError.usage(
                    "a preference is a, b or FIELD=a|b, not '\(v)'",
                    hint: "for example: b, or email=b")
            }
            guard fields.contains(p[0]) else {
                throw PortalError.usage(
                    "unknown field '\(p[0])' in a preference",
                    hint: suggesting(p[0], in: fields, "fields: " + fields.joined(separator: ", ")))
            }
            out[p[0]] = p[1]
        }
        return out
    }

    /// Splits `DISTRICT:ID`; an id of another district cannot be merged into this one.
    static func local(_ id: String, district: String) throws -> String {
        if let colon = id.firstIndex(of: ":") {
            let d = String(id[..<colon])
            if d != district {
                throw PortalError(
                    .conflict,
                    "\(id) belongs to district \(d); records of two districts are never merged",
                    hint: "merge within one district (\(district))")
            }
            return String(id[id.index(after: colon)...])
        }
        return id
    }

    /// The district and the two local ids of a merge, refused when they name one record.
    static func pair(_ s: Session, _ rawA: String, _ rawB: String, _ what: String) throws
        -> (String, String, String)
    {
        let d = try s.district()
        let a = try local(rawA, district: d)
        let b = try local(rawB, district: d)
        guard a != b else {
            throw PortalError.usage(
                "A and B are the same record", hint: "name two different \(what)")
        }
        return (d, a, b)
    }

    /// Field by field: A wins unless --prefer says B; an empty A field takes B's value.
    static func resolve(_ fields: [String], _ ra: Row, _ rb: Row, _ prefer: [String: String])
        -> ([Conflict], [(String, SQLValue)])
    {
        var conflicts: [Conflict] = []
        var set: [(String, SQLValue)] = []
        for f in fields {
            let va = ra.string(f)
            guard let vb = rb.string(f), va != vb else { continue }
            if va == nil {
                conflicts.append(Conflict(field: f, a: nil, b: vb, kept: "filled from b"))
                set.append((f, .text(vb)))
            } else {
                let choice = prefer[f] ?? "a"
                conflicts.append(Conflict(field: f, a: va, b: vb, kept: choice))
                if choice == "b" { set.append((f, .text(vb))) }
            }
        }
        return (conflicts, set)
    }

    // MARK: guardians

    /// Folds guardian `b` into `a`: links, account, restrictions and empty fields move to `a`;
    /// every row change is logged for `undo`.
    public static func guardians(
        _ s: Session, a rawA: String, b rawB: String, prefer: [String: String], keepLogin: String?
    ) throws -> Result {
        let (d, a, b) = try pair(s, rawA, rawB, "guardians")
        let log = ChangeLog(s.db)
        let ra = try People.get(s.db, district: d, kind: .guardian, id: a)
        let rb = try People.get(s.db, district: d, kind: .guardian, id: b)
        for (id, r) in [(a, ra), (b, rb)] where r.text("status") == "merged" {
            let into = try s.db.first(
                "SELECT merge_id, a FROM merges WHERE district_id = ? AND kind = 'guardian' AND b = ? AND status = 'applied' ORDER BY merge_id DESC LIMIT 1",
                [.text(d), .text(id)])
            throw PortalError(
                .conflict,
                "guardian \(id) was already merged into "
                    + (into.map { "\($0.text("a")) (merge \($0.text("merge_id")))" }
                        ?? "another record"),
                hint: into.map { "merge with \($0.text("a")) instead, or undo that merge first" },
                action: into.map { .undoMerge($0.int("merge_id") ?? 0) } ?? .list(.merges))
        }
        let key: (String) -> [String: SQLValue] = {
            ["district_id": .text(d), "guardian_id": .text($0)]
        }

        let (conflicts, set) = resolve(guardianFields, ra, rb, prefer)
        if !set.isEmpty {
            var merged: [String: String?] = [:]
            for f in ["given_name", "family_name"] { merged[f] = ra.string(f) }
            for (f, v) in set { merged[f] = v.string }
            // The same key an import gives (GuardianRecord.searchKey): the names, folded.
            let search = searchFold(
                joining: [merged["given_name"] ?? "", merged["family_name"] ?? ""].map { $0 ?? "" })
            try log.update(
                "guardians", key(a),
                set: set + [("search_key", .text(search)), ("row_hash", .null)])
        }

        // Links: B's move to A; where both had one, the joint link takes the narrower access.
        var moved: [String] = []
        var joined: [String] = []
        for l in try s.db.query(
            "SELECT * FROM links WHERE district_id = ? AND guardian_id = ?", [.text(d), .text(b)])
        {
            let sid = l.text("student_id")
            let lk: (String) -> [String: SQLValue] = {
                ["district_id": .text(d), "guardian_id": .text($0), "student_id": .text(sid)]
            }
            if let mine = try s.db.first(
                "SELECT * FROM links WHERE district_id = ? AND guardian_id = ? AND student_id = ?",
                [.text(d), .text(a), .text(sid)])
            {
                let pa = mine.bool("portal_access") && l.bool("portal_access")
                let cu = mine.bool("custodial") && l.bool("custodial")
                if pa != mine.bool("portal_access") || cu != mine.bool("custodial") {
                    try log.update(
                        "links", lk(a),
                        set: [
                            ("portal_access", SQLValue(pa)), ("custodial", SQLValue(cu)),
                            ("row_hash", .null),
                        ])
                }
                try log.delete("links", lk(b))
                joined.append(sid)
            } else {
                try log.update(
                    "links", lk(b), set: [("guardian_id", .text(a)), ("row_hash", .null)])
                moved.append(sid)
            }
        }

        // Logins: one survives; the other is disabled, and the parent is told which to use.
        var accountNotes: [String] = []
        var surviving: String? = nil
        let accA = try s.db.first(
            "SELECT * FROM accounts WHERE district_id = ? AND person_kind = 'guardian' AND person_id = ? AND status <> 'reset'",
            [.text(d), .text(a)])
        let accB = try s.db.first(
            "SELECT * FROM accounts WHERE district_id = ? AND person_kind = 'guardian' AND person_id = ? AND status <> 'reset'",
            [.text(d), .text(b)])
        let ak: (Row) -> [String: SQLValue] = {
            ["district_id": .text(d), "username": $0["username"]]
        }
        switch (accA, accB) {
        case (nil, let y?):
            try log.update("accounts", ak(y), set: [("person_id", .text(a))])
            surviving = y.text("username")
            accountNotes.append("\(y.text("username")) moves from \(b) to \(a)")
        case (let x?, nil):
            surviving = x.text("username")
        case (let x?, let y?):
            let names = [x.text("username"), y.text("username")]
            if let k = keepLogin?.lowercased(), !names.contains(k) {
                throw PortalError.usage(
                    "the login to keep, \(k), is not one of the two logins (\(names.joined(separator: ", ")))"
                )
            }
            let keepB =
                keepLogin.map { $0.lowercased() == y.text("username") }
                ?? ((y.string("last_login_at") ?? "") > (x.string("last_login_at") ?? ""))
            let (keep, drop) = keepB ? (y, x) : (x, y)
            surviving = keep.text("username")
            if keepB { try log.update("accounts", ak(y), set: [("person_id", .text(a))]) }
            try log.update(
                "accounts", ak(drop),
                set: [
                    ("status", "disabled"),
                    (
                        "status_reason",
                        .text(
                            "merged: guardian \(b) into \(a); use the login \(keep.text("username"))"
                        )
                    ),
                ])
            accountNotes.append(
                "\(keep.text("username")) kept (\(keepLogin != nil ? "chosen" : "most recently used")); \(drop.text("username")) disabled"
            )
        case (nil, nil):
            break
        }

        // Keys of B are revoked: the merged record has one way in.
        var revoked: [Int] = []
        for k in try s.db.query(
            "SELECT key_id FROM activation_keys WHERE district_id = ? AND person_kind = 'guardian' AND person_id = ? AND status = 'active'",
            [.text(d), .text(b)])
        {
            try log.update(
                "activation_keys", ["district_id": .text(d), "key_id": k["key_id"]],
                set: [
                    ("status", "revoked"), ("revoked_at", .text(s.nowISO)),
                    ("revoked_reason", .text("guardian \(b) merged into \(a)")),
                ])
            revoked.append(k.int("key_id") ?? 0)
        }
        // Restrictions follow the person: never dropped. So do age-18 decisions and signatures.
        var restrictions: [Int] = []
        for r in try s.db.query(
            "SELECT restriction_id FROM restrictions WHERE district_id = ? AND guardian_id = ?",
            [.text(d), .text(b)])
        {
            try log.update(
                "restrictions", ["district_id": .text(d), "restriction_id": r["restriction_id"]],
                set: [("guardian_id", .text(a))])
            restrictions.append(r.int("restriction_id") ?? 0)
        }
        for r in try s.db.query(
            "SELECT decision_id FROM age18_decisions WHERE district_id = ? AND guardian_id = ?",
            [.text(d), .text(b)])
        {
            try log.update(
                "age18_decisions", ["district_id": .text(d), "decision_id": r["decision_id"]],
                set: [("guardian_id", .text(a))])
        }
        for r in try s.db.query(
            "SELECT * FROM aup_signatures WHERE district_id = ? AND guardian_id = ?",
            [.text(d), .text(b)])
        {
            if try log.row(
                "aup_signatures",
                ["district_id": .text(d), "guardian_id": .text(a), "version": r["version"]]) == nil
            {
                try log.insert(
                    "aup_signatures",
                    [
                        "district_id": .text(d), "guardian_id": .text(a), "version": r["version"],
                        "signed_on": r["signed_on"], "recorded_at": .text(s.nowISO),
                    ])
            }
        }
        try log.update("guardians", key(b), set: [("status", "merged"), ("merged_into", .text(a))])

        return try record(
            s, log: log, kind: "guardian", a: a, b: b,
            result: { id in
                Result(
                    mergeID: id, kind: "guardian", a: a, b: b, conflicts: conflicts,
                    linksMoved: moved, linksJoined: joined,
                    accounts: accountNotes, survivingUsername: surviving, keysRevoked: revoked,
                    restrictionsMoved: restrictions, membersMoved: [])
            })
    }

    // MARK: households

    /// Folds household `b` into `a`: its members move, empty address fields are filled; logged for
    /// `undo`.
    public static func households(
        _ s: Session, a rawA: String, b rawB: String, prefer: [String: String]
    ) throws -> Result {
        let (d, a, b) = try pair(s, rawA, rawB, "households")
        let log = ChangeLog(s.db)
        func get(_ id: String) throws -> Row {
            guard
                let r = try s.db.first(
                    "SELECT * FROM households WHERE district_id = ? AND household_id = ?",
                    [.text(d), .text(id)])
            else {
                throw PortalError.notFound(
                    "household", id, action: .list(.householdDuplicates))
            }
            if r["merged_into"] != .null {
                throw PortalError(
                    .conflict, "household \(id) was already merged into \(r.text("merged_into"))",
                    action: .list(.merges))
            }
            return r
        }
        let ra = try get(a)
        let rb = try get(b)
        let (conflicts, set) = resolve(householdFields, ra, rb, prefer)
        if !set.isEmpty {
            try log.update(
                "households", ["district_id": .text(d), "household_id": .text(a)],
                set: set + [("row_hash", .null)])
        }
        var members: [String] = []
        for g in try s.db.query(
            "SELECT guardian_id FROM guardians WHERE district_id = ? AND household_id = ?",
            [.text(d), .text(b)])
        {
            try log.update(
                "guardians", ["district_id": .text(d), "guardian_id": g["guardian_id"]],
                set: [("household_id", .text(a)), ("row_hash", .null)])
            members.append(g.text("guardian_id"))
        }
        for st in try s.db.query(
            "SELECT student_id FROM students WHERE district_id = ? AND household_id = ?",
            [.text(d), .text(b)])
        {
            try log.update(
                "students", ["district_id": .text(d), "student_id": st["student_id"]],
                set: [("household_id", .text(a)), ("row_hash", .null)])
            members.append(st.text("student_id"))
        }
        try log.update(
            "households", ["district_id": .text(d), "household_id": .text(b)],
            set: [("merged_into", .text(a))])
        return try record(
            s, log: log, kind: "household", a: a, b: b,
            result: { id in
                Result(
                    mergeID: id, kind: "household", a: a, b: b, conflicts: conflicts,
                    linksMoved: [], linksJoined: [], accounts: [],
                    survivingUsername: nil, keysRevoked: [], restrictionsMoved: [],
                    membersMoved: members)
            })
    }

    // MARK: record, list, undo

    static func record(
        _ s: Session, log: ChangeLog, kind: String, a: String, b: String, result: (Int) -> Result
    ) throws -> Result {
        let d = try s.district()
        let id = Int(
            (try s.db.scalar("SELECT max(merge_id) FROM merges WHERE district_id = ?", [.text(d)])?
                .int ?? 0) + 1)
        let r = result(id)
        let summary = json(r)
        try s.db.run(
            """
            INSERT INTO merges(district_id, merge_id, kind, a, b, created_at, created_by, summary, changes) VALUES (?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(d), .int(Int64(id)), .text(kind), .text(a), .text(b), .text(s.nowISO),
                .text(s.operatorName),
                .text(summary.serialized()), .text(try log.encoded()),
            ])
        try s.audit(
            target: "\(kind):\(a)", before: .object([("\(kind)_b", .string(b))]), after: summary,
            reason: "merge \(id): \(b) into \(a)")
        return r
    }

    /// The merge's outcome as a JSON object (the fields `merge show` prints).
    public static func json(_ r: Result) -> JSONValue {
        .object([
            ("merge_id", .int(r.mergeID)), ("kind", .string(r.kind)), ("a", .string(r.a)),
            ("b", .string(r.b)),
            (
                "conflicts",
                .array(
                    r.conflicts.map {
                        .object([
                            ("field", .string($0.field)), ("a", JSONValue($0.a)),
                            ("b", JSONValue($0.b)), ("kept", .string($0.kept)),
                        ])
                    })
            ),
            ("links_moved", .array(r.linksMoved.map { .string($0) })),
            ("links_joined", .array(r.linksJoined.map { .string($0) })),
            ("accounts", .array(r.accounts.map { .string($0) })),
            ("username", JSONValue(r.survivingUsername)),
            ("keys_revoked", .array(r.keysRevoked.map { .int($0) })),
            ("restrictions_moved", .array(r.restrictionsMoved.map { .int($0) })),
            ("members_moved", .array(r.membersMoved.map { .string($0) })),
        ])
    }

    /// One merge as recorded: which record was folded into which, by whom, and whether it was
    /// undone.
    public struct Record: Sendable {
        /// The merge's number.
        public let mergeID: Int
        /// `guardian` or `household`.
        public let kind: String
        /// The record kept.
        public let a: String
        /// The record folded into `a`.
        public let b: String
        /// `applied` or `undone`.
        public let status: String
        /// When it was made (ISO 8601, UTC).
        public let createdAt: String
        /// The operator who made it.
        public let createdBy: String
        /// When it was undone; nil while in force.
        public let undoneAt: String?
        /// What the merge changed, as the merge reported it.
        public let summary: JSONValue

        init(_ r: Row) {
            mergeID = r.int("merge_id") ?? 0
            kind = r.text("kind")
            a = r.text("a")
            b = r.text("b")
            status = r.text("status")
            createdAt = r.text("created_at")
            createdBy = r.text("created_by")
            undoneAt = r.string("undone_at")
            summary = JSONValue.parse(r.text("summary")) ?? .string(r.text("summary"))
        }
    }

    /// The district's merges, newest first.
    public static func list(_ db: Database, district: String) throws -> [Record] {
        try db.query(
            "SELECT * FROM merges WHERE district_id = ? ORDER BY merge_id DESC", [.text(district)]
        ).map(Record.init)
    }

    /// The merge numbered `id` in the district.
    public static func get(_ db: Database, district: String, id: Int) throws -> Record {
        Record(try row(db, district: district, id: id))
    }

    static func row(_ db: Database, district: String, id: Int) throws -> Row {
        guard
            let r = try db.first(
                "SELECT * FROM merges WHERE district_id = ? AND merge_id = ?",
                [.text(district), .int(Int64(id))])
        else {
            throw PortalError.notFound("merge", String(id), action: .list(.merges))
        }
        return r
    }

    /// The merge in force that folded `b` into `a` (the same merge asked for again), if any.
    public static func applied(_ s: Session, kind: String, a rawA: String, b rawB: String) throws
        -> Record?
    {
        let (d, a, b) = try pair(s, rawA, rawB, kind + "s")
        return try s.db.first(
            "SELECT * FROM merges WHERE district_id = ? AND kind = ? AND a = ? AND b = ? AND status = 'applied'",
            [.text(d), .text(kind), .text(a), .text(b)]
        ).map(Record.init)
    }

    /// Restores exactly the state before the merge, or refuses naming the later change in the way.
    /// Returns the merge, and whether this call undid it (false: it was undone already).
    public static func undo(_ s: Session, id: Int) throws -> (merge: Record, undone: Bool) {
        let d = try s.district()
        let m = try row(s.db, district: d, id: id)
        guard m.text("status") == "applied" else { return (Record(m), false) }
        let changes = try ChangeLog.decode(m.text("changes"))
        if let (c, fields) = try ChangeLog.conflicts(s.db, changes) {
            let what = c.key.filter { $0.key != "district_id" }.sorted { $0.key < $1.key }.map {
                v -> String in
                if case .text(let t) = v.value { return t }
                if case .int(let i) = v.value { return String(i) }
                return ""
            }.joined(separator: "/")
            let later = try s.db.first(
                """
                SELECT seq, at, command, operator FROM audit_log WHERE district_id = ? AND at >= ? AND command NOT IN ('guardian merge','household merge')
                AND (target LIKE ? OR target LIKE ?) ORDER BY seq DESC LIMIT 1
                """,
                [
                    .text(d), .text(m.text("created_at")),
                    .text("%:" + (what.split(separator: "/").first.map(String.init) ?? what) + "%"),
                    .text("%" + what + "%"),
                ])
            throw PortalError(
                .conflict,
                "merge \(id) cannot be undone: \(c.table.dropLast(c.table.hasSuffix("s") ? 1 : 0)) \(what) changed after it (\(fields.joined(separator: ", ")))"
                    + (later.map {
                        "; see audit row \($0.text("seq")): '\($0.text("command"))' by \($0.text("operator")) at \($0.text("at"))"
                    } ?? ""),
                hint: "undo that change first, or fix the records by hand")
        }
        try ChangeLog.restore(s.db, changes)
        try s.db.run(
            "UPDATE merges SET status = 'undone', undone_at = ?, undone_by = ? WHERE district_id = ? AND merge_id = ?",
            [.text(s.nowISO), .text(s.operatorName), .text(d), .int(Int64(id))])
        try s.audit(
            target: "\(m.text("kind")):\(m.text("a"))",
            before: .object([("merge_id", .int(id)), ("status", .string("applied"))]),
            after: .object([("merge_id", .int(id)), ("status", .string("undone"))]),
            reason: "undo merge \(id)")
        return (Record(m), true)
    }
}
