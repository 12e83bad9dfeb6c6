public import FoundationEssentials
internal import Dispatch
internal import Synchronization

/// Accounts the school creates (seed 003: "Some schools automatically create a Parent Portal
/// account for their parents. They will create the username & password and give that to the
/// parent."): a username given or made from a pattern, and a random temporary password that must
/// be changed at the first login. The same rules as a key apply: a guardian must be able to see
/// a child and (when `aup_required`) have signed the agreement; a student must be enrolled; and
/// the person's pending key is revoked, since the account replaces it.
extension Accounts {
    /// One person to create an account for, with the input row reported beside the outcome.
    public struct NewAccount: Sendable {
        /// A guardian's account, or a student's own.
        public let holder: People.Kind
        /// The guardian's or student's id; empty when the input row had none.
        public let personID: String
        /// The username asked for; nil to make one from the pattern.
        public let username: String?
        /// The input row as read, copied to the results file.
        public let row: [String]
        /// The row's line in its input file; 0 when there is no file.
        public let line: Int
        /// Why the input row could not be read cleanly; the row is refused with it.
        public let problem: String?

        /// A person of kind `holder`, from row `row` at `line` of an input file (or found by a
        /// query: the row is just the id, the line 0).
        public init(
            _ holder: People.Kind, _ id: String, username: String?, row: [String]? = nil,
            line: Int = 0, problem: String? = nil
        ) {
            self.holder = holder
            self.personID = id
            self.username = username
            self.row = row ?? [id]
            self.line = line
            self.problem = problem
        }
    }

    /// An account just created: the only moment its temporary password exists outside the letter.
    public struct Created: Sendable {
        /// The new login, in lower case.
        public let username: String
        /// Whose login it is.
        public let holder: People.Kind
        /// The guardian's or student's id.
        public let personID: String
        /// Given and family name.
        public let name: String
        /// The temporary password, to be changed at the first login.
        public let temporaryPassword: String
        /// The letter's address: street, street2, city, state, postcode.
        public let address: [String?]
        /// How many pending keys of the person the account replaced.
        public let revokedKeys: Int
    }

    /// What a run created, skipped and refused.
    public struct CreateOutcome: Sendable {
        /// The accounts made, in the order of the targets.
        public var created: [Created] = []
        /// People who may not have an account now (only when skipping was asked for).
        public var skipped = 0
        /// Targets refused, each with its line (0: none) and why.
        public var refused: [(line: Int, message: String)] = []
    }

    /// The results file's columns after the input's own (never the password).
    public static let createResultColumns = ["username", "status", "message"]

    /// How many passwords are hashed at once: the cores, at most four (128 MB each).
    public static var hashingThreads: Int { min(activeCores(), 4) }

    /// Random temporary passwords and their hashes, made before any write lock is taken: scrypt
    /// takes about a quarter of a second and 128 MB each, so they are hashed on up to four cores
    /// at once (at most half a gigabyte). Ctrl-C stops it. `progress` is told how many are
    /// done after each, one call at a time.
    public static func temporaryPasswords(
        _ count: Int, district: District, progress: (@Sendable (Int) -> Void)? = nil
    ) throws -> [(password: String, hash: String)] {
        let minimum = Int(district.setting("password_min_length")) ?? 15
        let passwords = try (0..<count).map { _ in try PasswordPolicy.temporary(minimum: minimum) }
        let hashes = Mutex<(done: Int, slots: [Result<String, any Error>?])>(
            (0, Array(repeating: nil, count: count)))
        let workers = min(count, hashingThreads)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in stride(from: w, to: count, by: workers) {
                let r = Result {
                    try Interrupts.check()
                    return try PasswordHash.make(passwords[i])
                }
                hashes.withLock {
                    $0.slots[i] = r
                    $0.done += 1
                    progress?($0.done)
                }
            }
        }
        return try hashes.withLock { made in
            try zip(passwords, made.slots).map { p, h in
                (p, try (h ?? .failure(PortalError(.internal, "a hash is missing"))).get())
            }
        }
    }

    /// Which targets can have an account now (read only, before any password is hashed: a
    /// file of rows that cannot must not cost hours of hashing). `create` checks again.
    public static func creatable(
        _ s: Session, targets: [NewAccount], pattern: UsernamePattern?, district: District
    ) -> [Bool] {
        targets.map { (try? prepare(s, $0, pattern: pattern, district: district)) != nil }
    }

    /// Creates an account for each target within the caller's transaction, each with its entry
    /// of `secrets` (one per target; nil for a target `creatable` turned down, which is refused
    /// with its reason). A username that is not given is made from `pattern`.
    /// A target that cannot have an account is refused (and the run goes on), or, with
    /// `skipIneligible`, skipped when the reason is that they may not have one now; with
    /// `stopAtRefusal` (one account asked for by name) the refusal is thrown as it is. Each
    /// target's outcome goes on a row of `results`.
    public static func create(
        _ s: Session, targets: [NewAccount], pattern: UsernamePattern?,
        secrets: [(password: String, hash: String)?], district: District,
        skipIneligible: Bool = false, stopAtRefusal: Bool = false, results: CSVFileWriter? = nil
    ) throws -> CreateOutcome {
        precondition(secrets.count == targets.count, "one entry of secrets per target")
        var outcome = CreateOutcome()
        for (t, secret) in zip(targets, secrets) {
            var username = ""
            do {
                guard let secret else {
                    _ = try prepare(s, t, pattern: pattern, district: district)
                    throw PortalError(
                        .conflict,
                        "\(t.holder.rawValue) \(t.personID) changed while the passwords were made",
                        hint: "run the command again for this row")
                }
                let made = try createOne(
                    s, t, pattern: pattern, secret: secret, district: district)
                username = made.username
                outcome.created.append(made)
                try results?.row(
                    t.row + [
                        made.username, "created",
                        "temporary password, to be changed at the first login",
                    ])
            } catch let e as PortalError where skipIneligible && e.code == .conflict {
                outcome.skipped += 1
                try results?.row(t.row + [username, "skipped", e.message])
            } catch let e as PortalError where e.code != .interrupted && !stopAtRefusal {
                outcome.refused.append((t.line, e.message))
                try results?.row(t.row + [username, "rejected", e.message])
            }
        }
        return outcome
    }

    /// The person's row and the username their account would have, or why it cannot be made.
    private static func prepare(
        _ s: Session, _ t: NewAccount, pattern: UsernamePattern?, district: District
    ) throws -> (person: Row, username: String) {
        if let p = t.problem { throw PortalError(.dataError, p) }
        guard !t.personID.isEmpty else {
            throw PortalError(.dataError, "\(t.holder.rawValue)_id: missing")
        }
        let d = district.id
        let person: Row
        switch t.holder {
        case .guardian:
            person = try Keys.eligible(s.db, district: district, guardianID: t.personID, now: s.now)
                .guardian
        case .student:
            person = try Keys.eligibleStudent(s.db, district: d, studentID: t.personID)
        }
        let u: String
        if let given = t.username {
            u = try normalize(username: given)
            try refuseTaken(s, username: u, kind: t.holder.rawValue, person: t.personID)
        } else if let pattern {
            u = try pattern.username(for: person, district: d, db: s.db)
        } else {
            throw PortalError.usage(
                "no username for \(t.holder.rawValue) \(t.personID)",
                hint: "give a username, or a pattern to make one from the names")
        }
        return (person, u)
    }

    private static func createOne(
        _ s: Session, _ t: NewAccount, pattern: UsernamePattern?,
        secret: (password: String, hash: String), district: District
    ) throws -> Created {
        let d = district.id
        let (person, u) = try prepare(s, t, pattern: pattern, district: district)
        // A login reset with --new-key is replaced, as activating the new key would.
        let previous = try s.db.first(
            "SELECT username, status FROM accounts WHERE district_id = ? AND person_kind = ? AND person_id = ?",
            [.text(d), .text(t.holder.rawValue), .text(t.personID)])
        if let previous {
            try s.db.run(
                "DELETE FROM accounts WHERE district_id = ? AND username = ?",
                [.text(d), .text(previous.text("username"))])
        }
        let revoked = try Keys.revokePending(
            s, holder: t.holder, id: t.personID, reason: "replaced by an account the school created"
        )
        try s.db.run(
            """
            INSERT INTO accounts(district_id, username, person_kind, person_id, password_hash, must_change, created_at)
            VALUES (?,?,?,?,?,1,?)
            """,
            [
                .text(d), .text(u), .text(t.holder.rawValue), .text(t.personID),
                .text(secret.hash), .text(s.nowISO),
            ])
        try s.audit(
            target: "\(t.holder.rawValue):\(t.personID)",
            before: previous.map {
                .object([
                    ("username", .string($0.text("username"))),
                    ("status", .string($0.text("status"))),
                ])
            },
            after: .object([
                ("username", .string(u)), ("status", .string("active")),
                ("must_change", .bool(true)), ("created_by_school", .bool(true)),
                ("revoked_keys", .int(revoked)),
            ]))
        return Created(
            username: u, holder: t.holder, personID: t.personID,
            name: person.text("given_name") + " " + person.text("family_name"),
            temporaryPassword: secret.password,
            address: ["street", "street2", "city", "state", "postcode"].map { person.string($0) },
            revokedKeys: revoked)
    }

    /// Writes the letters for accounts the school created: one row per person with the
    /// address, the username, the temporary password, and the district's portal address and name.
    public static func writeLetters(_ w: CSVFileWriter, _ made: [Created], district: District)
        throws
    {
        try w.row([
            "holder", "id", "name", "street", "street2", "city", "state", "postcode", "username",
            "temporary_password", "portal_url", "district",
        ])
        for a in made {
            try w.row(
                [a.holder.rawValue, a.personID, a.name] + a.address.map { $0 ?? "" }
                    + [
                        a.username, a.temporaryPassword, district.setting("portal_url"),
                        district.name,
                    ])
        }
    }

}

/// A username made from a person's names, e.g. `{given}.{family}`: lower-case ASCII (accents
/// dropped, other characters left out), made unique in the district with a number after it
/// (`maria.garcia2`, `maria.garcia3`).
public struct UsernamePattern: Sendable {
    /// The placeholders a pattern may hold.
    public static let placeholders = ["given", "family", "middle", "initial", "id"]
    let parts: [(literal: Bool, text: String)]
    let pattern: String

    /// Reads `pattern`; throws a usage error naming the placeholders when it is not one.
    public init(_ pattern: String) throws {
        var parts: [(Bool, String)] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append((true, String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw Self.bad(pattern, "a '{' is not closed")
            }
            let name = String(rest[rest.index(after: open)..<close]).lowercased()
            guard Self.placeholders.contains(name) else {
                throw Self.bad(pattern, "'{\(name)}' is not a placeholder")
            }
            parts.append((false, name))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append((true, String(rest))) }
        guard parts.contains(where: { !$0.0 }) else {
            throw Self.bad(pattern, "it names no placeholder, so every username would be the same")
        }
        for (literal, text) in parts where literal {
            guard text.unicodeScalars.allSatisfy(Accounts.allowedInUsername) else {
                throw Self.bad(
                    pattern,
                    "'\(text)' holds a character a username may not (letters, digits, . _ - @)")
            }
        }
        self.parts = parts
        self.pattern = pattern
    }

    private static func bad(_ pattern: String, _ why: String) -> PortalError {
        PortalError.usage(
            "the username pattern '\(pattern)': \(why)",
            hint: "placeholders: "
                + placeholders.map { "{\($0)}" }.joined(separator: ", ")
                + "; for example '{given}.{family}'")
    }

    /// `s` as a username's part: folded to ASCII, lower case, letters and digits only.
    static func fold(_ s: String) -> String {
        String(
            searchFold(s).unicodeScalars.filter {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
            }.map(Character.init))
    }

    /// The username for `person` (a guardian's or student's row), unique in the district (the
    /// accounts made earlier in the run are in it already): the pattern's, else with 2, 3, ...
    /// after it.
    func username(for person: Row, district: String, db: Database) throws -> String {
        let id = person.string("guardian_id") ?? person.text("student_id")
        var base = ""
        for (literal, text) in parts {
            if literal {
                base += text.lowercased()
                continue
            }
            switch text {
            case "given": base += Self.fold(person.text("given_name"))
            case "family": base += Self.fold(person.text("family_name"))
            case "middle": base += Self.fold(person.string("middle_name") ?? "")
            case "initial": base += String(Self.fold(person.text("given_name")).prefix(1))
            default: base += Self.fold(id)
            }
        }
        // Separators left at either end or doubled by an empty part ("{given}.{middle}.{family}").
        var trimmed = ""
        for ch in base {
            if ".-_@".contains(ch), trimmed.isEmpty || ".-_@".contains(trimmed.last ?? " ") {
                continue
            }
            trimmed.append(ch)
        }
        while let last = trimmed.last, ".-_@".contains(last) { trimmed.removeLast() }
        let stem = String(trimmed.prefix(60))
        guard stem.count >= 3, stem.first?.isLetter == true || stem.first?.isNumber == true else {
            throw PortalError(
                .dataError,
                "the pattern '\(pattern)' makes no usable username from this name (too short, or no letters a-z)",
                hint:
                    "give the username in a file: columns \(person.string("guardian_id") != nil ? "guardian_id" : "student_id"),username"
            )
        }
        var n = 1
        while true {
            let u = n == 1 ? stem : stem + String(n)
            if try db.first(
                "SELECT 1 FROM accounts WHERE district_id = ? AND username = ?",
                [.text(district), .text(u)]) == nil
            {
                return u
            }
            n += 1
        }
    }
}
