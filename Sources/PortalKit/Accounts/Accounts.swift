internal import FoundationEssentials

/// The answer to a login attempt.
public enum LoginResult: Sendable, Equatable {
    case ok
    case badCredentials
    case locked
    case disabled
    case mustChange

    /// The answer's name in output: ok, bad-credentials, locked, disabled, must-change.
    public var name: String {
        switch self {
        case .ok: "ok"
        case .badCredentials: "bad-credentials"
        case .locked: "locked"
        case .disabled: "disabled"
        case .mustChange: "must-change"
        }
    }
}

/// Portal accounts (SPEC §7): usernames unique per district (case-insensitive), scrypt password
/// hashes, lockout after `lockout_threshold` consecutive failures.
public enum Accounts {
    /// Usernames: 3-64 characters of letters, digits, '.', '_', '-', '@'; stored in lower case.
    public static func normalize(username: String) throws -> String {
        let u = username.trimmed().lowercased()
        let ok =
            (3...64).contains(u.count)
            && u.unicodeScalars.allSatisfy(allowedInUsername)
            && u.first.map { $0.isLetter || $0.isNumber } == true
        guard ok else {
            throw PortalError(
                .dataError,
                "the username may only hold letters, digits, '.', '_', '-' and '@' (3 to 64, starting with a letter or digit)",
                hint: "for example: maria.garcia or mgarcia@example.com")
        }
        return u
    }

    /// The characters a username may hold: ASCII letters, digits, '.', '_', '-', '@'.
    static func allowedInUsername(_ c: Unicode.Scalar) -> Bool {
        c.isASCII
            && (c.properties.isAlphabetic || ("0"..."9").contains(c)
                || "._-@".unicodeScalars.contains(c))
    }

    /// A portal login as the help desk sees it (never its password hash).
    public struct Account: Sendable {
        /// The login name, in lower case.
        public let username: String
        /// `guardian` or `student`: whose login it is.
        public let personKind: String
        /// Whose login it is: a guardian's, or a student's own.
        public var holder: People.Kind { People.Kind(stored: personKind) }
        /// The guardian's or student's id.
        public let personID: String
        /// disabled (or another stored status), locked, must-change or active.
        public let status: String
        /// Failed attempts since the last good one.
        public let failedCount: Int
        /// When the last attempt failed.
        public let lastFailureAt: String?
        /// When the account was locked; nil when it is not.
        public let lockedAt: String?
        /// When the person last logged in.
        public let lastLoginAt: String?
        /// When the account was made (by a key, or by the school).
        public let createdAt: String
        /// Why it was disabled or reset, as the operator said.
        public let statusReason: String?

        init(_ r: Row) {
            username = r.text("username")
            personKind = r.text("person_kind")
            personID = r.text("person_id")
            status = Accounts.status(r)
            failedCount = r.int("failed_count") ?? 0
            lastFailureAt = r.string("last_failure_at")
            lockedAt = r.string("locked_at")
            lastLoginAt = r.string("last_login_at")
            createdAt = r.text("created_at")
            statusReason = r.string("status_reason")
        }
    }

    /// The account `username` (any case), or not found with how to find it.
    public static func account(_ db: Database, district: String, username: String) throws
        -> Account
    {
        Account(try get(db, district: district, username: username))
    }

    /// The portal login of a guardian or of a student (their own), when they have one; a
    /// login reset with a new key only when there is no other.
    public static func account(
        _ db: Database, district: String, holder: People.Kind, id: String
    ) throws -> Account? {
        try db.first(
            """
            SELECT * FROM accounts WHERE district_id = ? AND person_kind = ? AND person_id = ?
            ORDER BY status = 'reset', status = 'disabled', username LIMIT 1
            """, [.text(district), .text(holder.rawValue), .text(id)]
        ).map(Account.init)
    }

    static func get(_ db: Database, district: String, username: String) throws -> Row {
        let u = username.trimmed().lowercased()
        guard
            let r = try db.first(
                "SELECT * FROM accounts WHERE district_id = ? AND username = ?",
                [.text(district), .text(u)])
        else {
            let near = try nearUsername(db, district: district, u)
            throw PortalError.notFound(
                "account", u,
                hint: (near.map { "did you mean '\($0)'? or " } ?? "")
                    + "find it by the parent's name, e-mail or phone", action: .findAccount)
        }
        return r
    }

    /// The district's username closest to `u` as staff mistype one: with a part added or
    /// left off (`mai.vang` for `mai`, `mai` for `mai.vang2`), or a slip or two; among those
    /// that begin with its first two characters (a range of the usernames' key). Staff
    /// commands only: a login never says which usernames exist.
    static func nearUsername(_ db: Database, district: String, _ u: String) throws -> String? {
        guard u.count >= 3 else { return nil }
        let head = String(u.prefix(2))
        var best: (name: String, distance: Int)? = nil
        for row in try db.query(
            "SELECT username FROM accounts WHERE district_id = ? AND username >= ? AND username < ? LIMIT 5000",
            [.text(district), .text(head), .text(head + "\u{10FFFF}")])
        {
            let name = row.text("username")
            let extended = name.count >= 3 && (u.hasPrefix(name) || name.hasPrefix(u))
            let d = extended ? 1 : levenshtein(u, name)
            if d <= 2 && d < (best?.distance ?? .max) { best = (name, d) }
        }
        return best?.name
    }

    /// `portal activate`: a valid key, a new username and a password make an account.
    ///
    /// The key, the username and the password are checked and the password hashed before the
    /// write lock is taken (scrypt takes about half a second); the short write that follows
    /// checks the key and the username again, since another process may have used them since.
    public static func activate(
        _ s: Session, keyText: String, username: String, password: String, rollback: Bool = false
    ) throws -> (username: String, holder: People.Kind, personID: String) {
        let d = try s.district()
        let district = try Districts.get(s.db, d)
        let row = try usableKey(s, keyText)
        let u = try normalize(username: username)
        try PasswordPolicy.check(
            password, username: u, district: district,
            names: try personNames(
                s.db, district: d, kind: row.text("person_kind"), id: row.text("person_id")))
        try refuseTaken(
            s, username: u, kind: row.text("person_kind"), person: row.text("person_id"))
        let hash = try PasswordHash.make(password)
        return try s.db.write(rollback: rollback) {
            let row = try usableKey(s, keyText)
            let person = row.text("person_id")
            let kind = row.text("person_kind")
            try refuseTaken(s, username: u, kind: kind, person: person)
            if kind == "student" {
                // A key issued before the student left (the import revokes it; this is the
                // moment in between).
                _ = try Keys.eligibleStudent(s.db, district: d, studentID: person)
            }
            let previous = try s.db.first(
                "SELECT username, status FROM accounts WHERE district_id = ? AND person_kind = ? AND person_id = ?",
                [.text(d), .text(kind), .text(person)])
            if let previous {
                // A login reset with --new-key is replaced by the new one.
                try s.db.run(
                    "DELETE FROM accounts WHERE district_id = ? AND username = ?",
                    [.text(d), .text(previous.text("username"))])
            }
            try s.db.run(
                """
                INSERT INTO accounts(district_id, username, person_kind, person_id, password_hash, created_at) VALUES (?,?,?,?,?,?)
                """, [.text(d), .text(u), .text(kind), .text(person), .text(hash), .text(s.nowISO)])
            try s.db.run(
                "UPDATE activation_keys SET status = 'used', used_at = ?, used_by = ? WHERE district_id = ? AND key_id = ?",
                [.text(s.nowISO), .text(u), .text(d), row["key_id"]])
            try s.audit(
                target: "\(kind):\(person)",
                before: previous.map {
                    .object([
                        ("username", .string($0.text("username"))),
                        ("status", .string($0.text("status"))),
                    ])
                },
                after: .object([
                    ("username", .string(u)), ("key_id", JSONValue(row["key_id"])),
                    ("status", .string("active")),
                ]))
            return (u, People.Kind(stored: kind), person)
        }
    }

    /// The key's row when the key can make an account now; otherwise the answer as an error.
    private static func usableKey(_ s: Session, _ keyText: String) throws -> Row {
        let (answer, row) = try Keys.lookUp(
            s.db, district: try s.district(), text: keyText, now: s.now)
        switch answer {
        case .valid: break
        case .mistyped, .malformed:
            throw PortalError(
                .dataError, "the key is mistyped: a character is wrong",
                hint: "read the key again from the letter; O and 0, I and 1 are the same")
        case .unknown:
            throw PortalError(
                .notFound, "the key is not known",
                hint: "check the district, or ask the school for a new key")
        case .used(let at, let u):
            throw PortalError(
                .conflict,
                "the key was already used on \(at.prefix(10)) to create the account \(u)",
                hint: "ask the school to reset that account", action: .resetAccount(username: u))
        case .expired(let at):
            throw PortalError(
                .conflict, "the key expired on \(at.prefix(10))",
                hint: "ask the school to issue a new key")
        case .revoked:
            throw PortalError(
                .conflict, "the key was revoked",
                hint: "a newer key may have been issued; ask the school")
        }
        guard let row else { throw PortalError(.internal, "key row missing") }
        return row
    }

    /// Refuses a username that another person's login has (the same person's, reset with a new
    /// key, is replaced). A guardian and a student may share an id: the kind tells them apart.
    static func refuseTaken(_ s: Session, username u: String, kind: String, person: String)
        throws
    {
        if let taken = try s.db.first(
            "SELECT person_kind, person_id FROM accounts WHERE district_id = ? AND username = ?",
            [.text(try s.district()), .text(u)]),
            taken.text("person_id") != person || taken.text("person_kind") != kind
        {
            throw PortalError(
                .conflict, "the username \(u) is taken", hint: "choose another username")
        }
    }

    /// Checks a username and password the way the portal does, then records the outcome in a
    /// short write transaction: an unknown username costs the same hashing as a wrong password,
    /// and a failure counts towards the lockout.
    ///
    /// The password is hashed with no lock held (scrypt takes about half a second, and a login
    /// storm must not keep the district's writers waiting); the write reads the account again
    /// and counts from what it finds there, so parallel failures lock at exactly the threshold.
    /// If the password was changed in between, the attempt starts over. `onSuccess` runs in
    /// the write when the password is right and the account may log in.
    private static func authenticate(
        _ s: Session, district: District, username u: String, password: String,
        rollback: Bool, onSuccess: (Row) throws -> LoginResult
    ) throws -> LoginResult {
        let select = "SELECT * FROM accounts WHERE district_id = ? AND username = ?"
        let args: [SQLValue] = [.text(district.id), .text(u)]
        for _ in 0..<5 {
            guard let read = try s.db.first(select, args) else {
                // Same answer, and the same time, as a wrong password: never confirm a username
                // exists.
                _ = try PasswordHash.verify(password, against: dummyHash)
                return .badCredentials
            }
            if read.text("status") != "active" { return .disabled }
            if read["locked_at"] != .null { return .locked }
            let hash = read.text("password_hash")
            let right = try PasswordHash.verify(password, against: hash)
            let outcome: LoginResult? = try s.db.write(rollback: rollback) {
                guard let a = try s.db.first(select, args) else { return .badCredentials }
                guard a.text("password_hash") == hash else { return nil }
                if a.text("status") != "active" { return .disabled }
                if a["locked_at"] != .null { return .locked }
                guard right else { return try recordFailure(s, account: a, district: district) }
                return try onSuccess(a)
            }
            if let outcome { return outcome }
        }
        throw PortalError(
            .busy, "the account kept changing during the login", hint: "retry in a moment")
    }

    /// `portal login`: counts consecutive failures and locks at the district's threshold.
    public static func login(
        _ s: Session, username: String, password: String, rollback: Bool = false
    ) throws -> LoginResult {
        let district = try Districts.get(s.db, try s.district())
        let u = username.trimmed().lowercased()
        return try authenticate(
            s, district: district, username: u, password: password, rollback: rollback
        ) { a in
            if a.bool("must_change") { return .mustChange }
            try s.db.run(
                "UPDATE accounts SET failed_count = 0, last_login_at = ? WHERE district_id = ? AND username = ?",
                [.text(s.nowISO), .text(district.id), .text(u)])
            try s.audit(
                target: "account:\(u)", after: .object([("last_login_at", .string(s.nowISO))]),
                reason: "login")
            return .ok
        }
    }

    /// Counts a failed password; locks the account at the district's threshold.
    private static func recordFailure(_ s: Session, account a: Row, district: District) throws
        -> LoginResult
    {
        let u = a.text("username")
        let threshold = Int(district.setting("lockout_threshold")) ?? 5
        let failures = (a.int("failed_count") ?? 0) + 1
        let locks = failures >= threshold
        try s.db.run(
            "UPDATE accounts SET failed_count = ?, last_failure_at = ?, locked_at = ? WHERE district_id = ? AND username = ?",
            [
                .int(Int64(failures)), .text(s.nowISO), locks ? .text(s.nowISO) : .null,
                .text(district.id), .text(u),
            ])
        try s.audit(
            target: "account:\(u)",
            after: .object([("failed_count", .int(failures)), ("locked", .bool(locks))]),
            reason: locks ? "locked after \(failures) failed logins" : "failed login")
        return locks ? .locked : .badCredentials
    }

    /// `portal change-password`: the old password (or the temporary one) and a new one.
    public static func changePassword(
        _ s: Session, username: String, old: String, new: String, rollback: Bool = false
    ) throws -> LoginResult {
        let district = try Districts.get(s.db, try s.district())
        let d = district.id
        let u = username.trimmed().lowercased()
        if old == new {
            throw PortalError(
                .dataError, "the new password is the same as the old one",
                hint: "choose a new password")
        }
        let person = try s.db.first(
            "SELECT person_kind, person_id FROM accounts WHERE district_id = ? AND username = ?",
            [.text(d), .text(u)])
        try PasswordPolicy.check(
            new, username: u, district: district,
            names: try person.map {
                try personNames(
                    s.db, district: d, kind: $0.text("person_kind"), id: $0.text("person_id"))
            } ?? [])
        let newHash = try PasswordHash.make(new)
        return try authenticate(
            s, district: district, username: u, password: old, rollback: rollback
        ) { _ in
            try s.db.run(
                "UPDATE accounts SET password_hash = ?, must_change = 0, failed_count = 0 WHERE district_id = ? AND username = ?",
                [.text(newHash), .text(d), .text(u)])
            try s.audit(
                target: "account:\(u)",
                after: .object([("password_changed", .bool(true)), ("must_change", .bool(false))]))
            return .ok
        }
    }

    /// The given and family name of an account's holder (empty when the record is gone).
    public static func holderName(_ db: Database, district: String, _ a: Account) throws -> String {
        try personNames(db, district: district, kind: a.personKind, id: a.personID).joined(
            separator: " ")
    }

    /// The names of an account's holder, which a password must not be built from.
    static func personNames(_ db: Database, district: String, kind: String, id: String) throws
        -> [String]
    {
        let table = kind == "student" ? "students" : "guardians"
        let key = kind == "student" ? "student_id" : "guardian_id"
        guard
            let r = try db.first(
                "SELECT given_name, family_name FROM \(table) WHERE district_id = ? AND \(key) = ?",
                [.text(district), .text(id)])
        else { return [] }
        return [r.text("given_name"), r.text("family_name")]
    }

    /// How `reset` gives the person a way back in.
    public enum ResetMode: Sendable {
        case temporary
        case password(String)
        case newKey
    }

    /// What `reset` made: the temporary password (shown once), or the new key.
    public enum ResetOutcome: Sendable {
        case temporary(String)
        case password
        case newKey(IssuedKey)
    }

    /// `account reset`: unlock and set a temporary password, or a password the staff give
    /// (both must be changed at the next login: the parent did not choose them), or disable
    /// the login and issue a fresh key. The password is hashed before the write lock is taken.
    public static func reset(
        _ s: Session, username: String, mode: ResetMode, reason: String?, rollback: Bool = false
    ) throws -> ResetOutcome {
        let d = try s.district()
        let district = try Districts.get(s.db, d)
        let first = try get(s.db, district: d, username: username)
        let u = first.text("username")
        var temp: String? = nil
        var hash: String? = nil
        switch mode {
        case .temporary:
            let t = try PasswordPolicy.temporary(
                minimum: Int(district.setting("password_min_length")) ?? 15)
            temp = t
            hash = try PasswordHash.make(t)
        case .password(let p):
            try PasswordPolicy.check(
                p, username: u, district: district,
                names: try personNames(
                    s.db, district: d, kind: first.text("person_kind"),
                    id: first.text("person_id")))
            hash = try PasswordHash.make(p)
        case .newKey: break
        }
        return try s.db.write(rollback: rollback) {
            let a = try get(s.db, district: d, username: username)
            let before: JSONValue = .object([
                ("status", .string(a.text("status"))), ("locked", .bool(a["locked_at"] != .null)),
                ("must_change", .bool(a.bool("must_change"))),
            ])
            if let hash {
                if a.text("status") == "disabled" {
                    throw PortalError(
                        .conflict, "the account \(u) is disabled",
                        hint: "enable it first", action: .enableAccount(username: u))
                }
                try s.db.run(
                    """
                    UPDATE accounts SET password_hash = ?, must_change = 1, failed_count = 0, locked_at = NULL, status = 'active'
                    WHERE district_id = ? AND username = ?
                    """, [.text(hash), .text(d), .text(u)])
                try s.audit(
                    target: "account:\(u)", before: before,
                    after: .object([
                        ("status", .string("active")), ("locked", .bool(false)),
                        ("must_change", .bool(true)),
                    ]),
                    reason: reason
                        ?? (temp != nil ? "temporary password" : "password set by staff"))
                return temp.map { .temporary($0) } ?? .password
            }
            try s.db.run(
                "UPDATE accounts SET status = 'reset', status_reason = ? WHERE district_id = ? AND username = ?",
                [.text(reason ?? "reset with a new key"), .text(d), .text(u)])
            try s.audit(
                target: "account:\(u)", before: before,
                after: .object([("status", .string("reset"))]),
                reason: reason ?? "reset with a new key")
            return .newKey(
                try Keys.issue(
                    s, holder: People.Kind(stored: a.text("person_kind")),
                    id: a.text("person_id")))
        }
    }

    /// Clears the lockout and the failure count; false when the account was not locked.
    public static func unlock(_ s: Session, username: String) throws -> Bool {
        let d = try s.district()
        let a = try get(s.db, district: d, username: username)
        guard a["locked_at"] != .null || (a.int("failed_count") ?? 0) > 0 else { return false }
        try s.db.run(
            "UPDATE accounts SET locked_at = NULL, failed_count = 0 WHERE district_id = ? AND username = ?",
            [.text(d), .text(a.text("username"))])
        try s.audit(
            target: "account:\(a.text("username"))",
            before: .object([
                ("locked", .bool(a["locked_at"] != .null)),
                ("failed_count", JSONValue(a["failed_count"])),
            ]),
            after: .object([("locked", .bool(false)), ("failed_count", .int(0))]))
        return true
    }

    /// Disables or enables a login (e.g. a security risk under the acceptable-use policy).
    public static func setEnabled(_ s: Session, username: String, enabled: Bool, reason: String)
        throws -> Bool
    {
        let d = try s.district()
        let a = try get(s.db, district: d, username: username)
        let target = enabled ? "active" : "disabled"
        if a.text("status") == target { return false }
        if enabled && a.text("person_kind") == "student",
            try s.db.first(
                "SELECT 1 FROM students WHERE district_id = ? AND student_id = ? AND status = 'active'",
                [.text(d), .text(a.text("person_id"))]) == nil
        {
            throw PortalError(
                .conflict,
                "student \(a.text("person_id")) is not enrolled, so their account stays disabled",
                hint: "it is enabled again by the import that enrols the student")
        }
        if enabled && a.text("status") == "reset" {
            throw PortalError(
                .conflict, "the account \(a.text("username")) was reset with a new key",
                hint: "the parent activates the new key to get a login again")
        }
        try s.db.run(
            "UPDATE accounts SET status = ?, status_reason = ? WHERE district_id = ? AND username = ?",
            [.text(target), .text(reason), .text(d), .text(a.text("username"))])
        try s.audit(
            target: "account:\(a.text("username"))",
            before: .object([("status", .string(a.text("status")))]),
            after: .object([("status", .string(target))]), reason: reason)
        return true
    }

    /// The statuses `list` can filter by.
    public static let statuses = [
        "locked", "disabled", "must-change", "never-activated", "active", "reset",
    ]

    /// One line of `list`: a login (or, for `never-activated`, a guardian with an unused key).
    public struct Listed: Sendable {
        /// nil for a guardian who has not activated their key.
        public let username: String?
        /// `guardian` or `student`.
        public let personKind: String
        /// The guardian's or student's id.
        public let personID: String
        /// See `Account.status`; or never-activated.
        public let status: String
        /// When the person last logged in.
        public let lastLoginAt: String?
        /// When the login (or the unused key) was made.
        public let since: String?
    }

    /// Accounts by state; `never-activated` lists guardians holding a key they have not used.
    /// One more than `limit` (when not 0), so a caller can tell that more are left.
    public static func list(
        _ db: Database, district: String, status: String?, holder: People.Kind? = nil, limit: Int
    ) throws -> [Listed] {
        try listRows(db, district: district, status: status, holder: holder, limit: limit).map {
            Listed(
                username: $0.string("username"), personKind: $0.text("person_kind"),
                personID: $0.text("person_id"), status: $0.text("state"),
                lastLoginAt: $0.string("last_login_at"), since: $0.string("since"))
        }
    }

    static func listRows(
        _ db: Database, district: String, status: String?, holder: People.Kind?, limit: Int
    ) throws -> [Row] {
        if status == "never-activated" {
            return try db.query(
                """
                SELECT NULL AS username, k.person_kind, k.person_id, 'never-activated' AS state, NULL AS last_login_at, k.issued_at AS since
                FROM activation_keys k WHERE k.district_id = ?1 AND k.status = 'active' AND (?2 IS NULL OR k.person_kind = ?2)
                AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.district_id = k.district_id AND a.person_kind = k.person_kind AND a.person_id = k.person_id AND a.status <> 'reset')
                ORDER BY k.person_kind, k.person_id LIMIT ?3
                """,
                [
                    .text(district), SQLValue(holder?.rawValue),
                    .int(limit > 0 ? Int64(limit + 1) : .max),
                ])
        }
        let state =
            "CASE WHEN status <> 'active' THEN status WHEN locked_at IS NOT NULL THEN 'locked' WHEN must_change = 1 THEN 'must-change' ELSE 'active' END"
        var sql =
            "SELECT username, person_kind, person_id, \(state) AS state, last_login_at, created_at AS since FROM accounts WHERE district_id = ?"
        var args: [SQLValue] = [.text(district)]
        if let holder {
            sql += " AND person_kind = ?"
            args.append(.text(holder.rawValue))
        }
        if let status {
            sql = "SELECT * FROM (\(sql)) AS listed WHERE state = ?"
            args.append(.text(status))
        }
        sql += " ORDER BY username LIMIT ?"
        args.append(.int(limit > 0 ? Int64(limit + 1) : .max))
        return try db.query(sql, args)
    }

    /// A guardian that `whois` found, and their login if they have one.
    public struct Match: Sendable {
        /// A guardian, or a student with an account of their own.
        public let holder: People.Kind
        /// The guardian's or student's id.
        public let personID: String
        /// Given and family name.
        public let name: String
        /// The e-mail address on the roster.
        public let email: String?
        /// The phone number on the roster.
        public let phone: String?
        /// The login, when the person has one.
        public let username: String?
        /// The login's status (see `Account.status`), or "no account".
        public let accountStatus: String
        /// Found by a name close to the one asked for (none matched it as typed).
        public let closeSpelling: Bool
    }

    /// `account whois`: the username of a parent who forgot it, by email, phone or name; and
    /// of a student, by email or name, when the student has an account of their own (every
    /// child of a family shares its name: only those with a login are the answer). `exact`: by
    /// the name as typed only, never the names close to it.
    public static func whois(
        _ db: Database, district: String, email: String?, phone: String?, name: String?,
        exact: Bool = false
    ) throws -> [Match] {
        var people: [(People.Kind, Row)] = []
        if let email {
            // As the import keeps addresses (pasted from a mail program: "Ann <ann@...>").
            let e = (try? Field.email(email, "email")) ?? email.trimmed().lowercased()
            for kind in [People.Kind.guardian, .student] {
                people += try db.query(
                    "SELECT \(kind.idColumn) AS id, given_name, family_name, email, \(kind == .guardian ? "phone" : "NULL AS phone") FROM \(kind.table) WHERE district_id = ? AND email = ? AND status != 'merged'",
                    [.text(district), .text(e)]
                ).map { (kind, $0) }
            }
        } else if let phone {
            // The number without an extension: the roster's number is found with its
            // extension or without (a parent rarely says it).
            let p = String(try Field.normalizePhone(phone, "phone").prefix { $0 != "x" })
            // Seven digits are a number said without its area code, as a parent on the phone
            // may give it: the roster's numbers ending in them (a scan, for a command run while
            // the parent waits; the phone column shows which matched).
            let local = p.utf8.count == 7 && p.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            // A whole number by the phone's index: itself, or itself and an extension (stored
            // after an x: between "...x" and "...y").
            let (matching, values) =
                local
                ? ("phone LIKE ? OR phone LIKE ?", ["%" + p, "%" + p + "x%"])
                : ("phone = ? OR (phone > ? AND phone < ?)", [p, p + "x", p + "y"])
            people = try db.query(
                "SELECT guardian_id AS id, given_name, family_name, email, phone FROM guardians WHERE district_id = ? AND (\(matching)) AND status != 'merged'",
                [.text(district)] + values.map { .text($0) }
            ).map { (.guardian, $0) }
        } else if let name {
            // By the name as typed, else by the names close to it (`People.closeRows`): a
            // parent spelling it on the phone.
            for close in exact ? [false] : [false, true] {
                for kind in [People.Kind.guardian, .student] {
                    let rows =
                        try (close ? People.closeRows : People.findRows)(
                            db, district, kind, name, 50)
                    people += rows.filter { $0.text("status") != "merged" }.map { (kind, $0) }
                }
                let found = try matches(db, district: district, people, close: close)
                if !found.isEmpty || close || exact { return found }
                people = []
            }
        }
        return try matches(db, district: district, people, close: false)
    }

    /// The guardians among `people`, and the students with an account of their own.
    private static func matches(
        _ db: Database, district: String, _ people: [(People.Kind, Row)], close: Bool
    ) throws -> [Match] {
        try people.compactMap { kind, p in
            let id = p.string("id") ?? p.text(kind.idColumn)
            let a = try account(db, district: district, holder: kind, id: id)
            if kind == .student && a == nil { return nil }
            return Match(
                holder: kind, personID: id,
                name: p.text("given_name") + " " + p.text("family_name"), email: p.string("email"),
                phone: p.string("phone"), username: a?.username,
                accountStatus: a?.status ?? "no account", closeSpelling: close)
        }
    }

    /// An account's status as the help desk speaks of it: disabled (or another stored status),
    /// locked, must-change or active.
    static func status(_ a: Row) -> String {
        a.text("status") != "active"
            ? a.text("status")
            : a["locked_at"] != .null ? "locked" : a.bool("must_change") ? "must-change" : "active"
    }

    /// A hash to verify against when the username is unknown, so both answers take as long.
    static let dummyHash =
        "$scrypt$ln=17,r=8,p=1$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000"
}

/// Acceptable-use agreements (SPEC §7): which version each guardian signed, and when.
public enum AUP {
    /// Records that the guardian signed `version` (nil: the current one) on `date`; returns 0 when
    /// it was already recorded.
    public static func sign(_ s: Session, guardianID: String, on date: CivilDate, version: Int?)
        throws -> Int
    {
        let d = try s.district()
        let district = try Districts.get(s.db, d)
        _ = try People.get(s.db, district: d, kind: .guardian, id: guardianID)
        let current = Int(district.setting("aup_version")) ?? 1
        let v = version ?? current
        guard v >= 1 && v <= current else {
            throw PortalError.usage(
                "version \(v) of the agreement does not exist (the current one is \(current))",
                hint: "raise the district's version first",
                action: .setSetting(key: "aup_version", value: "\(v)"))
        }
        let today = Timestamp.utcDate(s.now)
        guard date <= today.adding(days: 1) else {
            throw PortalError.usage(
                "the signing date \(date) is in the future",
                hint: "give the date written on the signed form")
        }
        // A form signed before parent portals were (1890 for 1990, 2106 for 2016 is caught
        // above): a slip of the keyboard, not a form.
        guard date.year > today.year - Self.oldestForm else {
            throw PortalError.usage(
                "the signing date \(date) is more than \(Self.oldestForm) years ago",
                hint: "give the date written on the signed form")
        }
        let n = try s.db.run(
            "INSERT OR IGNORE INTO aup_signatures(district_id, guardian_id, version, signed_on, recorded_at) VALUES (?,?,?,?,?)",
            [.text(d), .text(guardianID), .int(Int64(v)), .text(date.description), .text(s.nowISO)])
        if n > 0 {
            try s.audit(
                target: "guardian:\(guardianID)",
                after: .object([("aup_version", .int(v)), ("signed_on", .string(date.description))])
            )
        }
        return n
    }

    /// The most years ago a form may have been signed.
    static let oldestForm = 30

    /// A guardian and the agreement they signed last.
    public struct Standing: Sendable {
        /// The guardian's id.
        public let guardianID: String
        /// Given and family name.
        public let name: String
        /// The version signed last; nil when never signed.
        public let signedVersion: Int?
        /// When it was signed (YYYY-MM-DD).
        public let signedOn: String?
        /// signed, never signed, or must sign again.
        public let status: String
    }

    /// Guardians who may use the portal and the agreement version they signed last; one more
    /// than `limit` (when not 0).
    public static func status(
        _ db: Database, district: District, guardian: String?, onlyMissing: Bool, limit: Int
    ) throws -> [Standing] {
        let current = Int(district.setting("aup_version")) ?? 1
        var sql = """
            SELECT g.guardian_id, g.given_name || ' ' || g.family_name AS name,
              (SELECT max(version) FROM aup_signatures a WHERE a.district_id = g.district_id AND a.guardian_id = g.guardian_id) AS signed_version,
              (SELECT signed_on FROM aup_signatures a WHERE a.district_id = g.district_id AND a.guardian_id = g.guardian_id ORDER BY version DESC LIMIT 1) AS signed_on
            FROM guardians g WHERE g.district_id = ? AND g.status = 'active'
            """
        var args: [SQLValue] = [.text(district.id)]
        if let guardian {
            sql += " AND g.guardian_id = ?"
            args.append(.text(guardian))
        }
        sql =
            "SELECT *, CASE WHEN signed_version >= \(current) THEN 'signed' WHEN signed_version IS NULL THEN 'never signed' ELSE 'must sign again' END AS status FROM (\(sql)) AS signatures"
        if onlyMissing { sql += " WHERE signed_version IS NULL OR signed_version < \(current)" }
        sql += " ORDER BY guardian_id LIMIT ?"
        args.append(.int(limit > 0 ? Int64(limit + 1) : .max))
        return try db.query(sql, args).map {
            Standing(
                guardianID: $0.text("guardian_id"), name: $0.text("name"),
                signedVersion: $0.int("signed_version"), signedOn: $0.string("signed_on"),
                status: $0.text("status"))
        }
    }
}
