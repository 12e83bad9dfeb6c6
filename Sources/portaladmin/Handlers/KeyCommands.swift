import FoundationEssentials
import PortalKit

enum KeyCommands {
    static let all: [Command] = [
        Command(
            path: ["key", "issue"], summary: "issue activation keys to guardians or to students",
            discussion: """
                One key per guardian covers all the children they may see. Issuing a new key revokes the old one. A guardian who already has an account, has no student they may see, or (when aup_required) has not signed the current acceptable-use agreement is refused.
                Students have accounts of their own (--student-account, --all-students-without-account): a student's key makes an account that sees that student only, never a sibling. A student who is not enrolled, or already has an account, is refused. Grades are taken as the roster spells them (PK, K, KG, 01, 1, 1st, Grade 3); PK and K come before 1, and a student whose grade has no place in that order (UG, blank) is left out by --grade-min.
                The keys are printed once, on standard output; --letters also writes them to a mail-merge CSV (mode 0600), a student's addressed to the student. Only a hash of each key is stored.
                """,
            options: [
                Opt(long: "guardian", value: "id", help: "issue to this guardian"),
                Opt(long: "student", value: "id", help: "issue to the guardians of this student"),
                Opt(
                    long: "file", value: "csv",
                    help: "issue to every guardian_id in this CSV file ('-' for stdin)",
                    complete: .file),
                Opt(
                    long: "all-without-account",
                    help:
                        "issue to every guardian with a student to see and no account or pending key"
                ),
                Opt(
                    long: "student-account", value: "id",
                    help: "issue this student a key for their own account"),
                Opt(
                    long: "all-students-without-account",
                    help:
                        "issue a key to every enrolled student with no account or pending key (see --school, --grade-min)"
                ),
            ] + studentChoice + [
                Opt(
                    long: "letters", value: "file",
                    help:
                        "write a mail-merge CSV (name, address, children, key, expiry, portal URL)",
                    complete: .file),
                Opt(
                    long: "results", value: "file",
                    help:
                        "bulk forms: a CSV of every guardian (with --file, the input columns) and its status (issued, skipped, rejected) and message",
                    complete: .file),
            ],
            role: Keys.issuerRole, writes: true,
            examples: [
                "portaladmin key issue --guardian G1000123",
                "portaladmin key issue --all-without-account --letters letters.csv --yes",
                "portaladmin key issue --all-students-without-account --school 118 --grade-min 6 --letters student-letters.csv",
            ],
            run: issue),
        Command(
            path: ["key", "check"], summary: "check a key a parent reads out (from standard input)",
            discussion:
                "Reads the key from standard input, or asks for it on a terminal. Case, spaces and dashes do not matter; O reads as 0 and I or L as 1. Answers exactly one of: valid (exit 0), mistyped (65), unknown (4), used (5), expired (6), revoked (7).",
            role: .helpdesk,
            examples: ["echo 7KQ2-M9XD-... | portaladmin key check"],
            run: check),
        Command(
            path: ["key", "list"],
            summary: "list keys (never the keys themselves: their last 4 characters)",
            options: [
                Opt(
                    long: "status", value: "status", help: "active, used, revoked or expired",
                    choices: ["active", "used", "revoked", "expired"], complete: .choices),
                Opt(long: "guardian", value: "id", help: "keys of this guardian"),
                Opt(long: "student", value: "id", help: "the own keys of this student"),
                limitOption,
                columnsOption,
            ],
            role: .helpdesk, run: list),
        Command(
            path: ["key", "revoke"],
            summary: "revoke an active key (asks first: it cannot be undone)",
            args: [Arg(name: "key-id", help: "the key's number from 'key list'")],
            options: [Opt(long: "reason", value: "text", help: "(required) why")],
            role: .registrar, writes: true, run: revoke),
    ]

    static func issue(_ c: Context) throws {
        let selector = try issueSelector(c)
        let lettersPath = try c.outputFile("letters")
        let resultsPath = try c.outputFile("results")
        let s = try c.session()
        let district = try Districts.get(s.db, try s.district())
        if c.inv.has("letters") && district.setting("portal_url").isEmpty {
            c.warn(
                "the district has no portal_url: the letters will not say where to go (set it with: portaladmin district set portal_url=https://...)"
            )
        }
        let letters = try lettersPath.map { try CSVFileWriter(path: $0) }
        if selector == "guardian" || selector == "student-account" {
            return try issueOne(c, selector == "guardian" ? .guardian : .student, district, letters)
        }
        guard let (input, targets) = try bulkTargets(c, selector, s, district) else { return }
        let results = try resultsPath.map { try CSVFileWriter(path: $0) }
        try results?.row(
            (input?.header
                ?? [selector == "all-students-without-account" ? "student_id" : "guardian_id"])
                + Keys.resultColumns)
        let outcome = try c.transaction { s in
            let outcome = try Keys.issue(
                s, targets: targets, district: district,
                skipIneligible: selector.hasPrefix("all-"), results: results)
            // Written out of sight before the commit (a full disk rolls the keys back), put in
            // place only after it.
            if let letters { try Keys.writeLetters(letters, outcome.issued, district: district) }
            try results?.flush()
            return outcome
        }
        for r in outcome.refused.prefix(20) {
            c.rejected((input.map { "\($0.path):\(r.line): " } ?? "") + r.message)
        }
        // The keys are stored: only now are they shown, and the letters put in place.
        try delivered(c, outcome.issued.count) {
            try letters?.finish()
            try results?.finish()
            try c.emit(issuedTable(outcome.issued, dryRun: c.dryRun))
        }
        try bulkSummary(c, outcome, letters: lettersPath, results: resultsPath)
    }

    /// `key issue --guardian` or `--student-account`: one key, shown as a record; any refusal is
    /// the command's error.
    static func issueOne(
        _ c: Context, _ holder: People.Kind, _ district: District, _ letters: CSVFileWriter?
    ) throws {
        let id = try c.inv.required(holder == .guardian ? "guardian" : "student-account")
        let k = try c.transaction { s in
            let k = try Keys.issue(s, holder: holder, id: id, district: district)
            if let letters { try Keys.writeLetters(letters, [k], district: district) }
            return k
        }
        try delivered(c, 1) {
            try letters?.finish()
            try c.emit(record: fields(k, dryRun: c.dryRun))
        }
        c.done("issued 1 key" + (letters.map { "; letters in \($0.path)" } ?? ""))
    }

    /// The one way of choosing whom `key issue` serves, refusing none or more than one.
    static func issueSelector(_ c: Context) throws -> String {
        let selectors = [
            "guardian", "student", "file", "all-without-account", "student-account",
            "all-students-without-account",
        ].filter { c.inv.has($0) }
        guard selectors.count == 1 else {
            throw PortalError.usage(
                selectors.isEmpty
                    ? "say whom to issue keys to"
                    : "give only one of --\(selectors.joined(separator: ", --"))",
                hint:
                    "use one of --guardian ID, --student ID (its guardians), --file CSV, --all-without-account, --student-account ID (the student's own), --all-students-without-account"
            )
        }
        if c.inv.has("results") && ["guardian", "student-account"].contains(selectors[0]) {
            throw PortalError.usage(
                "--results goes with the bulk forms",
                hint: "--file, --student or --all-without-account; one key's outcome is on screen")
        }
        try refuseStrayStudentChoice(c, selector: selectors[0])
        return selectors[0]
    }

    /// Whom a bulk `key issue` serves, and the input file they came from (for `--file`); nil
    /// when there is nothing to do.
    static func bulkTargets(_ c: Context, _ selector: String, _ s: Session, _ district: District)
        throws -> (BulkFile?, [Keys.Target])?
    {
        switch selector {
        case "student":
            let student = try c.inv.required("student")
            let ids = try Keys.guardians(ofStudent: student, s.db, district: district.id)
            if ids.isEmpty {
                throw PortalError(
                    .conflict,
                    "student \(student) has no guardian who may see them in the portal",
                    hint: "check with 'portaladmin student show \(student)'")
            }
            return (nil, ids.map { Keys.Target(guardianID: $0) })
        case "file":
            let file = try BulkFile(path: try c.inv.required("file"), required: ["guardian_id"])
            return (
                file,
                file.rows.map {
                    Keys.Target(
                        guardianID: file.value("guardian_id", $0.fields), row: $0.fields,
                        line: $0.line, problem: file.problems[$0.line])
                }
            )
        case "all-students-without-account":
            return try studentTargets(c, s, district)
        default:
            let ids = try Keys.withoutAccount(s.db, district: district.id, now: c.io.now)
            if ids.isEmpty {
                c.say(
                    "nothing to do: every guardian who may use the portal has an account or a pending key"
                )
                return nil
            }
            try c.confirm(
                "This issues a key to each of up to \(grouped(ids.count)) guardian\(ids.count == 1 ? "" : "s") without an account or a pending key (those who may not have one now are skipped)."
            )
            return (nil, ids.map { Keys.Target(guardianID: $0) })
        }
    }

    /// `--all-students-without-account`: the students, after saying how many and asking.
    static func studentTargets(_ c: Context, _ s: Session, _ district: District) throws
        -> (BulkFile?, [Keys.Target])?
    {
        try studentsWithoutAccount(c, s, district, doing: "issues a key to").map {
            (nil, $0.map { Keys.Target(studentID: $0) })
        }
    }

    /// The enrolled students with neither an account nor a pending key, of `--school` and in
    /// `--grade-min` or above, after saying how many and asking; nil when there are none.
    /// `doing` says what the command does to each ("issues a key to").
    static func studentsWithoutAccount(
        _ c: Context, _ s: Session, _ district: District, doing: String
    ) throws -> [String]? {
        let minimum = try c.inv.value("grade-min").map { g in
            guard let grade = Grade(g) else {
                throw PortalError.usage(
                    "--grade-min: '\(g)' is not a grade that can be put in order",
                    hint: "give a grade as the roster spells it: PK, K, 1 to 12 (or 01, 1st, KG)")
            }
            return grade
        }
        let (ids, ungraded) = try Keys.studentsWithoutAccount(
            s.db, district: district.id, school: c.inv.value("school"), minimumGrade: minimum,
            now: c.io.now)
        if ungraded > 0 {
            c.warn(
                "left out \(grouped(ungraded)) student\(ungraded == 1 ? "" : "s") whose grade has no place in the order (UG, blank or another word)"
            )
        }
        if ids.isEmpty {
            c.say(
                "nothing to do: "
                    + (minimum.map {
                        "no enrolled student in grade \($0) or above is without an account or a pending key"
                    } ?? "every enrolled student chosen has an account or a pending key"))
            return nil
        }
        try c.confirm(
            "This \(doing) each of \(grouped(ids.count)) student\(ids.count == 1 ? "" : "s") for their own account."
        )
        return ids
    }

    /// The options that choose the students of `--all-students-without-account`.
    static let studentChoice: [Opt] = [
        Opt(
            long: "school", value: "id",
            help: "(with --all-students-without-account) only students of this school"),
        Opt(
            long: "grade-min", value: "grade",
            help:
                "(with --all-students-without-account) only students in this grade or above (e.g. 6, K)"
        ),
    ]

    /// Refuses `--school` and `--grade-min` without `--all-students-without-account`.
    static func refuseStrayStudentChoice(_ c: Context, selector: String) throws {
        for option in ["school", "grade-min"]
        where c.inv.has(option) && selector != "all-students-without-account" {
            throw PortalError.usage(
                "--\(option) goes with --all-students-without-account",
                hint:
                    "for example: \(c.command.name) --all-students-without-account --school 118 --grade-min 6"
            )
        }
    }

    /// The keys a bulk run issued, one row each (the keys themselves only outside a dry run).
    static func issuedTable(_ keys: [IssuedKey], dryRun: Bool) -> Table {
        let students = keys.first?.holder == .student
        var t = Table([
            "key_id", students ? "student_id" : "guardian_id",
            students ? "student_name" : "guardian_name", "students", "key", "expires_at",
        ])
        for k in keys {
            t.add([
                .int(k.keyID), .string(k.personID), .string(k.name),
                .array(k.students.map { .string($0.name) }),
                .string(dryRun ? "(dry run)" : k.key.grouped), .string(k.expiresAt),
            ])
        }
        return t
    }

    /// The closing lines of a bulk run: who was skipped, how many keys, and the refused rows.
    static func bulkSummary(
        _ c: Context, _ outcome: Keys.BulkOutcome, letters: String?, results: String?
    ) throws {
        let skipped = outcome.skipped
        if skipped > 0 {
            c.say(
                "skipped \(grouped(skipped)) \(outcome.issued.first?.holder == .student ? "student" : "guardian")\(skipped == 1 ? "" : "s") who may not be given a key now (agreement unsigned, court order, age 18, not enrolled); "
                    + (results.map { "each is in \($0) with the reason" }
                        ?? "--results FILE lists them, 'portaladmin access explain --guardian ID' says why")
            )
        }
        let n = outcome.issued.count
        c.done(
            "issued \(grouped(n)) key\(n == 1 ? "" : "s")"
                + (letters.map { "; letters in \($0)" } ?? ""))
        try c.turnedDown(outcome.refused.count, "guardian", "refused", results: results)
    }

    /// Shows keys that are already stored; when they cannot all be shown or written, says so
    /// and how to replace them.
    static func delivered(_ c: Context, _ count: Int, _ show: () throws -> Void) throws {
        try c.deliver(
            count, count == 1 ? "the key was stored" : "the \(grouped(count)) keys were stored",
            replace:
                "issue them again (each new key revokes the one not delivered): the same 'portaladmin key issue' command, or 'key issue --all-without-account'",
            show)
    }

    static func fields(_ k: IssuedKey, dryRun: Bool) -> [(String, JSONValue)] {
        [
            ("key_id", .int(k.keyID)), ("holder", .string(k.holder.rawValue)),
            ("\(k.holder.rawValue)_id", .string(k.personID)),
            ("\(k.holder.rawValue)_name", .string(k.name)),
            (
                "students",
                .array(
                    k.students.map {
                        .object([("student_id", .string($0.id)), ("name", .string($0.name))])
                    })
            ),
            ("key", .string(dryRun ? "(dry run)" : k.key.grouped)),
            ("expires_at", .string(k.expiresAt)),
            ("replaced_keys", .int(k.replaced)),
        ]
    }

    static func check(_ c: Context) throws {
        let s = try c.session()
        guard let text = c.io.readSecret(prompt: "Activation key: "), !text.trimmed().isEmpty else {
            throw PortalError.usage(
                "no key given",
                hint:
                    "pipe the key in: echo KEY | portaladmin key check (keys are never taken as arguments)"
            )
        }
        let (answer, key) = try Keys.check(
            s.db, district: try s.district(), text: text, now: c.io.now)
        var fields: [(String, JSONValue)] = [("answer", .string(answer.answer))]
        if let key {
            fields += [
                ("key_id", .int(key.keyID)), ("holder", .string(key.holder.rawValue)),
                ("\(key.holder.rawValue)_id", .string(key.personID)),
                ("last4", .string(key.last4)),
            ]
        }
        let reissue =
            key.map {
                "portaladmin key issue --\($0.holder == .student ? "student-account" : "guardian") \($0.personID)"
            } ?? "portaladmin key issue --guardian ID"
        switch answer {
        case .valid(let holder, _, let name, let expires):
            fields += [
                ("\(holder.rawValue)_name", .string(name)), ("expires_at", .string(expires)),
            ]
            try c.emit(record: fields)
            c.say(
                "valid: the key belongs to \(name)"
                    + (holder == .student ? " (the student's own account)" : "")
                    + " and can be used until \(expires.prefix(10))")
        case .mistyped:
            try c.emit(record: fields)
            throw PortalError(
                .dataError, "mistyped: a character is wrong",
                hint: "read the key again, slowly, from the letter (O and 0, I and 1 are the same)")
        case .malformed(let why):
            try c.emit(record: fields)
            throw PortalError(
                .dataError, "mistyped: \(why)",
                hint: "read the key again from the letter: 32 characters in 8 groups of 4")
        case .unknown:
            try c.emit(record: fields)
            throw PortalError(
                .notFound, "unknown: no such key in district \(try s.district())",
                hint: "check the district, or issue a new key: portaladmin key issue --guardian ID")
        case .used(let at, let username):
            fields += [("used_at", .string(at)), ("username", .string(username))]
            try c.emit(record: fields)
            throw PortalError(
                .conflict,
                "used: the key was used on \(at.prefix(10)) to create the account \(username)",
                hint:
                    "the account exists already; use: portaladmin account reset \(username)")
        case .expired(let at):
            fields += [("expires_at", .string(at))]
            try c.emit(record: fields)
            throw PortalError(
                .keyExpired, "expired: the key expired on \(at.prefix(10))",
                hint: "issue a new key: \(reissue)")
        case .revoked(let at, let reason):
            fields += [("revoked_at", .string(at)), ("reason", JSONValue(reason))]
            try c.emit(record: fields)
            throw PortalError(
                .keyRevoked, "revoked on \(at.prefix(10))" + (reason.map { ": \($0)" } ?? ""),
                hint:
                    "a newer key may exist: portaladmin key list --\(key?.holder.rawValue ?? "guardian") \(key?.personID ?? "ID")"
            )
        }
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        let limit = try c.limit
        if c.inv.has("guardian") && c.inv.has("student") {
            throw PortalError.usage(
                "give --guardian or --student, not both", hint: "a key has one holder")
        }
        let holder =
            (c.inv.value("guardian").map { (People.Kind.guardian, $0) })
            ?? c.inv.value("student").map { (People.Kind.student, $0) }
        let rows = try Keys.list(
            s.db, district: try s.district(), status: c.inv.value("status"), holder: holder,
            now: c.io.now, limit: limit)
        let shown = limit > 0 ? Array(rows.prefix(limit)) : rows
        var t = Table([
            "key_id", "holder", "person_id", "last4", "status", "issued_at", "expires_at",
            "used_by", "used_at",
        ])
        for k in shown {
            t.add([
                .int(k.keyID), .string(k.holder.rawValue), .string(k.personID), .string(k.last4),
                .string(k.status),
                .string(k.issuedAt), .string(k.expiresAt), JSONValue(k.usedBy), JSONValue(k.usedAt),
            ])
        }
        try c.emit(t)
        if rows.count > shown.count { c.say("Showing the newest \(limit); use --limit 0 for all") }
    }

    static func revoke(_ c: Context) throws {
        let id = try c.inv.number(0, "key", list: "key list")
        let reason = try c.inv.required("reason")
        // A revoked key cannot be brought back (a new one can be issued): check, then ask.
        // Revoked already: nothing to do, as for every repeated command (exit 0).
        let s = try c.session()
        let d = try s.district()
        let key = try Keys.get(s.db, district: d, keyID: id)
        let already = try Keys.revocable(s.db, district: d, keyID: id) == nil
        if !already { try c.confirm("Key \(id) will stop working for good.") }
        let revoked =
            already ? nil : try c.transaction { s in try Keys.revoke(s, keyID: id, reason: reason) }
        try c.emit(record: [
            ("key_id", .int(id)), ("holder", .string(key.holder.rawValue)),
            ("\(key.holder.rawValue)_id", .string(key.personID)), ("status", .string("revoked")),
        ])
        guard revoked != nil else {
            c.say("nothing to do: key \(id) is already revoked")
            return
        }
        c.done("revoked key \(id) of \(key.holder.rawValue) \(key.personID)")
    }
}
