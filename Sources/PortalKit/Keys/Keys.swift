public import FoundationEssentials

/// A key just issued: the only moment the key itself exists outside the person's letter.
public struct IssuedKey: Sendable {
    /// The key's number (as `key revoke` takes it).
    public let keyID: Int
    /// Whose key it is: a guardian's (for their children) or a student's own.
    public let holder: People.Kind
    /// The guardian's or student's id.
    public let personID: String
    /// Given and family name of the holder.
    public let name: String
    /// The students the key will let its holder see (for a student's key, the student alone).
    public let students: [(id: String, name: String)]
    /// The key itself: shown once, then only its hash is kept.
    public let key: ActivationKey
    /// When it expires (ISO 8601, UTC).
    public let expiresAt: String
    /// How many of the holder's pending keys this one revoked.
    public let replaced: Int
    /// The letter's address: street, street2, city, state, postcode (a student's household's).
    public let address: [String?]
    /// A student's grade and school name, for the letter; nil for a guardian.
    public let school: (grade: String?, name: String?)?
}

/// The answer to a key a parent or student reads out.
public enum KeyCheck: Sendable {
    case valid(holder: People.Kind, personID: String, name: String, expiresAt: String)
    case mistyped
    case malformed(String)
    case unknown
    case used(at: String, username: String)
    case expired(at: String)
    case revoked(at: String, reason: String?)

    /// The answer's name: valid, mistyped, unknown, used, expired or revoked.
    public var answer: String {
        switch self {
        case .valid: "valid"
        case .mistyped, .malformed: "mistyped"
        case .unknown: "unknown"
        case .used: "used"
        case .expired: "expired"
        case .revoked: "revoked"
        }
    }
}

/// Activation keys (SPEC §6): one active key per person, single-use, expiring after
/// `key_ttl_days`; only a SHA-256 of the key and its last 4 characters are stored.
public enum Keys {
    /// Who may create activation keys, by any command (`key issue`, `account reset --new-key`):
    /// a key opens a child's records to whoever holds it, and who gets one is the school's call.
    /// The help desk checks keys and resets passwords; it passes a new key on to a registrar.
    public static let issuerRole = Role.registrar

    /// The guardian's row and the students they may see, or the reason no key may be issued.
    static func eligible(_ db: Database, district: District, guardianID: String, now: Date) throws
        -> (guardian: Row, students: [(id: String, name: String)])
    {
        let d = district.id
        guard
            let g = try db.first(
                "SELECT * FROM guardians WHERE district_id = ? AND guardian_id = ?",
                [.text(d), .text(guardianID)])
        else { throw try People.notFound(db, district: d, kind: .guardian, id: guardianID) }
        if g.text("status") != "active" {
            throw PortalError(
                .conflict, "guardian \(guardianID) is inactive (no longer in the roster)",
                hint: "import a roster that lists them, then issue the key")
        }
        try refuseExistingAccount(db, district: d, holder: .guardian, id: guardianID)
        // Linked with portal access, enrolled, not restricted by a court order, not ended at 18.
        let today = Zone.localDate(now, zone: district.setting("timezone"))
        let policy = AgeOut.Policy(district)
        var students: [(id: String, name: String)] = []
        let restricted =
            try db.count(
                "SELECT count(*) FROM restrictions WHERE district_id = ? AND guardian_id = ? AND removed_at IS NULL",
                [.text(d), .text(guardianID)]) > 0
        for r in try db.query(
            """
            SELECT s.student_id, s.given_name, s.family_name, s.birth_date FROM links l
            JOIN students s ON s.district_id = l.district_id AND s.student_id = l.student_id
            WHERE l.district_id = ? AND l.guardian_id = ? AND l.status = 'active' AND l.portal_access = 1 AND s.status = 'active'
            ORDER BY s.given_name
            """, [.text(d), .text(guardianID)])
        {
            let sid = r.text("student_id")
            if restricted,
                try Restrictions.active(
                    db, district: d, guardian: guardianID, student: sid, on: today) != nil
            {
                continue
            }
            switch try AgeOut.verdict(
                db, district: d, policy: policy, studentID: sid, birthDate: r.string("birth_date"),
                guardianID: guardianID, on: today)
            {
            case .ended, .requested: continue
            default: students.append((sid, r.text("given_name") + " " + r.text("family_name")))
            }
        }
        if students.isEmpty {
            throw PortalError(
                .conflict, "guardian \(guardianID) has no student they may see in the portal",
                hint: "see why", action: .explainAccess(guardian: guardianID))
        }
        if district.setting("aup_required") == "true" {
            let version = Int(district.setting("aup_version")) ?? 1
            let signed = try db.count(
                "SELECT count(*) FROM aup_signatures WHERE district_id = ? AND guardian_id = ? AND version >= ?",
                [.text(d), .text(guardianID), .int(Int64(version))])
            if signed == 0 {
                throw PortalError(
                    .conflict,
                    "guardian \(guardianID) has not signed version \(version) of the acceptable-use agreement",
                    hint: "record the signed form first",
                    action: .signAgreement(guardian: guardianID))
            }
        }
        return (g, students)
    }

    /// A student who may have a key (or an account the school creates) now: enrolled, and
    /// without a portal account of their own. The student's row, or why not.
    static func eligibleStudent(_ db: Database, district: String, studentID: String) throws
        -> Row
    {
        guard
            let st = try db.first(
                """
                SELECT s.*, h.street, h.street2, h.city, h.state, h.postcode, sc.name AS school_name
                FROM students s
                LEFT JOIN households h ON h.district_id = s.district_id AND h.household_id = s.household_id
                LEFT JOIN schools sc ON sc.district_id = s.district_id AND sc.school_id = s.school_id
                WHERE s.district_id = ? AND s.student_id = ?
                """, [.text(district), .text(studentID)])
        else {
            throw try People.notFound(db, district: district, kind: .student, id: studentID)
        }
        if st.text("status") != "active" {
            throw PortalError(
                .conflict, "student \(studentID) is not enrolled (inactive in the roster)",
                hint: "a student's account follows enrolment: import a roster that lists them")
        }
        try refuseExistingAccount(db, district: district, holder: .student, id: studentID)
        return st
    }

    /// Refuses a person who has a portal account (one reset with a new key does not count).
    static func refuseExistingAccount(
        _ db: Database, district d: String, holder: People.Kind, id: String
    ) throws {
        if let a = try Accounts.account(db, district: d, holder: holder, id: id),
            a.status != "reset"
        {
            throw PortalError(
                .conflict, "\(holder.rawValue) \(id) already has a portal account: \(a.username)",
                hint: "to let them in again, reset the account",
                action: .resetAccount(username: a.username))
        }
    }

    /// Revokes the person's pending keys; how many.
    static func revokePending(_ s: Session, holder: People.Kind, id: String, reason: String)
        throws -> Int
    {
        try s.db.run(
            """
            UPDATE activation_keys SET status = 'revoked', revoked_at = ?, revoked_reason = ?
            WHERE district_id = ? AND person_kind = ? AND person_id = ? AND status = 'active'
            """,
            [
                .text(s.nowISO), .text(reason), .text(try s.district()), .text(holder.rawValue),
                .text(id),
            ])
    }

    /// Issues a key to one guardian, revoking any key they still had. Bulk callers pass the
    /// district once instead of reading its settings for every key.
    public static func issue(_ s: Session, guardianID: String, district given: District? = nil)
        throws -> IssuedKey
    {
        try issue(s, holder: .guardian, id: guardianID, district: given)
    }

    /// Issues a key to a guardian (for the children they may see) or to a student (for their own
    /// account: enrolled, with no account yet), revoking any key they still had.
    public static func issue(
        _ s: Session, holder: People.Kind, id: String, district given: District? = nil
    ) throws -> IssuedKey {
        let d = try s.district()
        let district = try given ?? Districts.get(s.db, d)
        let person: Row
        let students: [(id: String, name: String)]
        switch holder {
        case .guardian:
            (person, students) = try eligible(s.db, district: district, guardianID: id, now: s.now)
        case .student:
            person = try eligibleStudent(s.db, district: d, studentID: id)
            students = [(id, person.text("given_name") + " " + person.text("family_name"))]
        }
        let replaced = try revokePending(s, holder: holder, id: id, reason: "replaced by a new key")
        let ttl = Int(district.setting("key_ttl_days")) ?? 21
        let expires = Timestamp.iso(s.now.addingTimeInterval(Double(ttl) * 86400))
        let key = try ActivationKey.generate()
        let keyID: Int64
        if let n = s.nextKeyID, n.transaction == s.db.transactionNumber, n.district == d {
            keyID = n.id
        } else {
            keyID =
                (try s.db.scalar(
                    "SELECT max(key_id) FROM activation_keys WHERE district_id = ?", [.text(d)])?
                    .int ?? 0) + 1
        }
        s.nextKeyID = (s.db.transactionNumber, d, keyID + 1)
        try s.db.run(
            """
            INSERT INTO activation_keys(district_id, key_id, person_kind, person_id, key_hash, last4, issued_at, expires_at, issued_by)
            VALUES (?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(d), .int(keyID), .text(holder.rawValue), .text(id), .text(key.hash),
                .text(key.last4), .text(s.nowISO),
                .text(expires), .text(s.operatorName),
            ])
        try s.audit(
            target: "\(holder.rawValue):\(id)",
            after: .object([
                ("key_id", .int(Int(keyID))), ("expires_at", .string(expires)),
                ("revoked_keys", .int(replaced)),
            ]))
        return IssuedKey(
            keyID: Int(keyID), holder: holder, personID: id,
            name: person.text("given_name") + " " + person.text("family_name"),
            students: students, key: key, expiresAt: expires, replaced: replaced,
            address: ["street", "street2", "city", "state", "postcode"].map { person.string($0) },
            school: holder == .student
                ? (person.string("grade"), person.string("school_name")) : nil)
    }

    /// The guardians a student's key request goes to: those who may see the student.
    public static func guardians(ofStudent studentID: String, _ db: Database, district: String)
        throws -> [String]
    {
        _ = try People.get(db, district: district, kind: .student, id: studentID)
        return try db.query(
            """
            SELECT guardian_id FROM links WHERE district_id = ? AND student_id = ? AND status = 'active' AND portal_access = 1
            ORDER BY guardian_id
            """, [.text(district), .text(studentID)]
        ).map { $0.text("guardian_id") }
    }

    /// Active guardians with a portal-eligible link and no account (nor a pending key).
    public static func withoutAccount(_ db: Database, district: String, now: Date) throws
        -> [String]
    {
        try db.query(
            """
            SELECT g.guardian_id FROM guardians g WHERE g.district_id = ? AND g.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.district_id = g.district_id AND a.person_kind = 'guardian' AND a.person_id = g.guardian_id AND a.status <> 'reset')
            AND NOT EXISTS (SELECT 1 FROM activation_keys k WHERE k.district_id = g.district_id AND k.person_kind = 'guardian' AND k.person_id = g.guardian_id AND k.status = 'active' AND k.expires_at > ?)
            AND EXISTS (SELECT 1 FROM links l JOIN students s ON s.district_id = l.district_id AND s.student_id = l.student_id
                        WHERE l.district_id = g.district_id AND l.guardian_id = g.guardian_id AND l.status = 'active' AND l.portal_access = 1 AND s.status = 'active')
            ORDER BY g.guardian_id
            """, [.text(district), .text(Timestamp.iso(now))]
        )
        .map { $0.text("guardian_id") }
    }

    /// Enrolled students with no account of their own and no pending key, at `school` (when
    /// given) and in grade `minimumGrade` or above (when given: a student whose grade cannot be
    /// ordered is left out and counted in `ungraded`).
    public static func studentsWithoutAccount(
        _ db: Database, district: String, school: String?, minimumGrade: Grade?, now: Date
    ) throws -> (ids: [String], ungraded: Int) {
        if let school { try Features.requireSchool(db, district: district, school) }
        var ids: [String] = []
        var ungraded = 0
        for r in try db.query(
            """
            SELECT s.student_id, s.grade FROM students s WHERE s.district_id = ?1 AND s.status = 'active'
            AND (?2 IS NULL OR s.school_id = ?2)
            AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.district_id = s.district_id AND a.person_kind = 'student' AND a.person_id = s.student_id AND a.status <> 'reset')
            AND NOT EXISTS (SELECT 1 FROM activation_keys k WHERE k.district_id = s.district_id AND k.person_kind = 'student' AND k.person_id = s.student_id AND k.status = 'active' AND k.expires_at > ?3)
            ORDER BY s.student_id
            """, [.text(district), SQLValue(school), .text(Timestamp.iso(now))])
        {
            if let minimumGrade {
                guard let g = Grade(r.string("grade") ?? "") else {
                    ungraded += 1
                    continue
                }
                if g < minimumGrade { continue }
            }
            ids.append(r.text("student_id"))
        }
        return (ids, ungraded)
    }

    /// An activation key as stored: never the key itself, its last 4 characters.
    public struct Record: Sendable {
        /// The key's number.
        public let keyID: Int
        /// Whose key it is.
        public let holder: People.Kind
        /// The guardian's or student's id.
        public let personID: String
        /// The key's last 4 characters.
        public let last4: String
        /// active, used, revoked or expired (an active key past its expiry).
        public let status: String
        /// When it was issued (ISO 8601, UTC).
        public let issuedAt: String
        let issuedBy: String
        /// When it expires.
        public let expiresAt: String
        /// When it was used to create an account.
        public let usedAt: String?
        /// The username the key created.
        public let usedBy: String?
        let revokedAt: String?
        let revokedReason: String?

        init(_ r: Row, now: Date? = nil) {
            keyID = r.int("key_id") ?? 0
            holder = People.Kind(stored: r.text("person_kind"))
            personID = r.text("person_id")
            last4 = r.text("last4")
            let expires = r.text("expires_at")
            let stored = r.text("status")
            expiresAt = expires
            status =
                stored == "active" && now.map { expires <= Timestamp.iso($0) } == true
                ? "expired" : stored
            issuedAt = r.text("issued_at")
            issuedBy = r.text("issued_by")
            usedAt = r.string("used_at")
            usedBy = r.string("used_by")
            revokedAt = r.string("revoked_at")
            revokedReason = r.string("revoked_reason")
        }
    }

    /// Looks a typed key up in one district. A key of another district is `unknown`.
    public static func check(_ db: Database, district: String, text: String, now: Date) throws -> (
        KeyCheck, Record?
    ) {
        let (answer, row) = try lookUp(db, district: district, text: text, now: now)
        return (answer, row.map { Record($0, now: now) })
    }

    /// `check`, with the key's stored row.
    static func lookUp(_ db: Database, district: String, text: String, now: Date) throws -> (
        KeyCheck, Row?
    ) {
        let key: ActivationKey
        switch ActivationKey.parse(text) {
        case .malformed(let why): return (.malformed(why), nil)
        case .mistyped: return (.mistyped, nil)
        case .ok(let k): key = k
        }
        guard
            let row = try db.first(
                "SELECT * FROM activation_keys WHERE district_id = ? AND key_hash = ?",
                [.text(district), .text(key.hash)])
        else {
            return (.unknown, nil)
        }
        switch row.text("status") {
        case "used": return (.used(at: row.text("used_at"), username: row.text("used_by")), row)
        case "revoked":
            return (.revoked(at: row.text("revoked_at"), reason: row.string("revoked_reason")), row)
        default:
            if row.text("expires_at") <= Timestamp.iso(now) {
                return (.expired(at: row.text("expires_at")), row)
            }
            let holder = People.Kind(stored: row.text("person_kind"))
            let id = row.text("person_id")
            let names = try Accounts.personNames(
                db, district: district, kind: holder.rawValue, id: id)
            return (
                .valid(
                    holder: holder, personID: id, name: names.joined(separator: " "),
                    expiresAt: row.text("expires_at")), row
            )
        }
    }

    /// The district's keys, newest first: one more than `limit` (when not 0) so a caller can
    /// tell that more are left.
    public static func list(
        _ db: Database, district: String, status: String?, holder: (People.Kind, String)? = nil,
        now: Date, limit: Int
    ) throws -> [Record] {
        var sql = """
            SELECT key_id, person_kind, person_id, last4,
              CASE WHEN status = 'active' AND expires_at <= ? THEN 'expired' ELSE status END AS status,
              issued_at, expires_at, issued_by, used_at, used_by, revoked_at, revoked_reason
            FROM activation_keys WHERE district_id = ?
            """
        var args: [SQLValue] = [.text(Timestamp.iso(now)), .text(district)]
        if let (kind, id) = holder {
            sql += " AND person_kind = ? AND person_id = ?"
            args += [.text(kind.rawValue), .text(id)]
        }
        sql = "SELECT * FROM (\(sql)) AS listed WHERE 1 = 1"
        if let status {
            sql += " AND status = ?"
            args.append(.text(status))
        }
        sql += " ORDER BY key_id DESC"
        if limit > 0 { sql += " LIMIT \(limit + 1)" }
        return try db.query(sql, args).map { Record($0) }
    }

    /// An active key by number, or why it cannot be revoked (so a command can check before it asks).
    /// The key `keyID` of district `d`.
    public static func get(_ db: Database, district d: String, keyID: Int) throws -> Record {
        Record(try row(db, district: d, keyID: keyID))
    }

    static func row(_ db: Database, district d: String, keyID: Int) throws -> Row {
        guard
            let row = try db.first(
                "SELECT * FROM activation_keys WHERE district_id = ? AND key_id = ?",
                [.text(d), .int(Int64(keyID))])
        else {
            throw PortalError.notFound("key", String(keyID), action: .list(.keys))
        }
        return row
    }

    /// The key `keyID` if it can be revoked; nil when it is revoked already (nothing to do).
    public static func revocable(_ db: Database, district d: String, keyID: Int) throws -> Record? {
        let row = try row(db, district: d, keyID: keyID)
        if row.text("status") == "revoked" { return nil }
        guard row.text("status") == "active" else {
            throw PortalError(
                .conflict, "key \(keyID) is already \(row.text("status"))",
                hint: row.text("status") == "used"
                    ? "it made an account; to stop that login, disable it"
                    : "only an active key can be revoked",
                action: row.text("status") == "used"
                    ? .disableAccount(username: row.text("used_by")) : nil)
        }
        return Record(row)
    }

    /// Revokes key `keyID`; nil when it was revoked already.
    public static func revoke(_ s: Session, keyID: Int, reason: String) throws -> Record? {
        let d = try s.district()
        guard let key = try revocable(s.db, district: d, keyID: keyID) else { return nil }
        try s.db.run(
            "UPDATE activation_keys SET status = 'revoked', revoked_at = ?, revoked_reason = ? WHERE district_id = ? AND key_id = ?",
            [.text(s.nowISO), .text(reason), .text(d), .int(Int64(keyID))])
        try s.audit(
            target: "\(key.holder.rawValue):\(key.personID)",
            before: .object([("key_id", .int(keyID)), ("status", .string("active"))]),
            after: .object([("key_id", .int(keyID)), ("status", .string("revoked"))]),
            reason: reason)
        return key
    }
}
