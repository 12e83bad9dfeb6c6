import FoundationEssentials
import PortalKit

/// `account create`: accounts the school makes for parents (seed 003) or students, each with a
/// random temporary password that must be changed at the first login.
enum AccountCreateCommand {
    static let command = Command(
        path: ["account", "create"],
        summary: "create portal accounts for parents or students, with temporary passwords",
        discussion: """
            For schools that create the accounts themselves instead of mailing keys. Each account gets a random temporary password (at least the district's password_min_length) that must be changed at the first login; until then a login answers must-change (exit 11). The same rules as for keys apply: a guardian must have a student they may see and, when aup_required, a signed agreement; a student must be enrolled; a pending key of the person is revoked.
            The passwords are printed once, on standard output, or, with --letters, written only to a mail-merge CSV (mode 0600). Each password is hashed with scrypt before anything is written, on up to four cores at once: about a quarter of a second per account and core, said before it starts; only rows that can have an account get one.
            --username-pattern makes usernames from names: {given}, {family}, {middle}, {initial} (the given name's first letter) and {id}, in lower-case ASCII (accents dropped, spaces and apostrophes left out), made unique with a number (maria.garcia2).
            """,
        options: [
            Opt(long: "guardian", value: "id", help: "for this guardian"),
            Opt(long: "student-account", value: "id", help: "for this student's own account"),
            Opt(
                long: "file", value: "csv",
                help:
                    "for each row: columns guardian_id (or student_id) and username ('-' for stdin)",
                complete: .file),
            Opt(
                long: "all-without-account",
                help: "for every guardian with a student to see and no account or pending key"),
            Opt(
                long: "all-students-without-account",
                help:
                    "for every enrolled student with no account or pending key (see --school, --grade-min)"
            ),
        ] + KeyCommands.studentChoice + [
            Opt(
                long: "username", value: "name",
                help: "the username (with --guardian or --student-account)"),
            Opt(
                long: "username-pattern", value: "pattern",
                help:
                    "make usernames from names, e.g. '{given}.{family}' (for rows without a username)"
            ),
            Opt(
                long: "letters", value: "file",
                help:
                    "write usernames and temporary passwords to a mail-merge CSV instead of the screen",
                complete: .file),
            Opt(
                long: "results", value: "file",
                help:
                    "bulk forms: a CSV of every row (or person) with its username, status (created, skipped, rejected) and message",
                complete: .file),
        ],
        role: Keys.issuerRole, writes: true,
        examples: [
            "portaladmin account create --guardian G1000123 --username maria.garcia",
            "portaladmin account create --all-without-account --username-pattern '{given}.{family}' --letters accounts.csv --yes",
            "portaladmin account create --file new-accounts.csv --results created.csv",
        ],
        run: create)

    static func create(_ c: Context) throws {
        let selector = try selector(c)
        let pattern = try c.inv.value("username-pattern").map { try UsernamePattern($0) }
        let lettersPath = try c.outputFile("letters")
        let resultsPath = try c.outputFile("results")
        let s = try c.session()
        let district = try Districts.get(s.db, try s.district())
        guard let (input, targets) = try targets(c, selector, s, district, pattern: pattern) else {
            return
        }
        // Hashed before the write lock is taken, on up to four cores, with the time left shown
        // on a terminal: scrypt takes about a quarter of a second each. Only for the rows that
        // can have an account: a file of rows that cannot costs no hashing.
        let creatable = Accounts.creatable(
            s, targets: targets, pattern: pattern, district: district)
        let count = creatable.filter { $0 }.count
        if count > 8 {
            let minutes = Double(count) * 0.3 / Double(Accounts.hashingThreads) / 60
            c.say(
                "making \(grouped(count)) temporary passwords"
                    + (minutes >= 1 ? " (about \(Int(minutes.rounded(.up))) minutes)" : ""))
        }
        let shown = ProgressBox(Progress(c))
        var made = try Accounts.temporaryPasswords(count, district: district) { done in
            shown.progress.update(
                file: "temporary passwords", rows: done, bytes: done, total: count,
                unit: "hashed")
        }.makeIterator()
        shown.progress.clear()
        let secrets = creatable.map { $0 ? made.next() : nil }
        let letters = try lettersPath.map { try CSVFileWriter(path: $0) }
        let results = try resultsPath.map { try CSVFileWriter(path: $0) }
        try results?.row(
            (input?.header ?? [targets.first?.holder == .student ? "student_id" : "guardian_id"])
                + Accounts.createResultColumns)
        let single = selector == "guardian" || selector == "student-account"
        let outcome = try c.transaction { s in
            let outcome = try Accounts.create(
                s, targets: targets, pattern: pattern, secrets: secrets, district: district,
                skipIneligible: selector.hasPrefix("all-"), stopAtRefusal: single,
                results: results)
            if let letters {
                try Accounts.writeLetters(letters, outcome.created, district: district)
            }
            try results?.flush()
            return outcome
        }
        for r in outcome.refused.prefix(20) {
            c.rejected((input.map { "\($0.path):\(r.line): " } ?? "") + r.message)
        }
        try delivered(c, outcome.created) {
            try letters?.finish()
            try results?.finish()
            let password: (Accounts.Created) -> JSONValue = {
                .string(
                    c.dryRun
                        ? "(dry run)"
                        : lettersPath == nil ? $0.temporaryPassword : "(in the letters)")
            }
            if single, let a = outcome.created.first {
                try c.emit(record: [
                    ("username", .string(a.username)), ("holder", .string(a.holder.rawValue)),
                    ("\(a.holder.rawValue)_id", .string(a.personID)), ("name", .string(a.name)),
                    ("temporary_password", password(a)), ("must_change", .bool(true)),
                    ("revoked_keys", .int(a.revokedKeys)),
                ])
                return
            }
            var t = Table(["username", "holder", "person_id", "name", "temporary_password"])
            for a in outcome.created {
                t.add([
                    .string(a.username), .string(a.holder.rawValue), .string(a.personID),
                    .string(a.name), password(a),
                ])
            }
            try c.emit(t)
        }
        if outcome.skipped > 0 {
            c.say(
                "skipped \(grouped(outcome.skipped)) \(targets.first?.holder.rawValue ?? "guardian")\(outcome.skipped == 1 ? "" : "s") who may not have an account now (agreement unsigned, court order, age 18, not enrolled); "
                    + (resultsPath.map { "each is in \($0) with the reason" }
                        ?? "--results FILE lists them"))
        }
        let n = outcome.created.count
        c.done(
            (single
                ? "created the account \(outcome.created.first?.username ?? "")"
                    + " with a temporary password to be changed at the first login"
                : "created \(grouped(n)) account\(n == 1 ? "" : "s"), each with a temporary password to be changed at the first login")
                + (lettersPath.map { "; letters in \($0)" } ?? ""))
        try c.turnedDown(outcome.refused.count, "row", "refused", results: resultsPath)
    }

    /// The one way of choosing whom the accounts are for, and the options that go with it.
    static func selector(_ c: Context) throws -> String {
        let selectors = [
            "guardian", "student-account", "file", "all-without-account",
            "all-students-without-account",
        ].filter { c.inv.has($0) }
        guard selectors.count == 1 else {
            throw PortalError.usage(
                selectors.isEmpty
                    ? "say whom to create accounts for"
                    : "give only one of --\(selectors.joined(separator: ", --"))",
                hint:
                    "use one of --guardian ID, --student-account ID, --file CSV, --all-without-account, --all-students-without-account"
            )
        }
        let single = selectors[0] == "guardian" || selectors[0] == "student-account"
        if c.inv.has("username") && !single {
            throw PortalError.usage(
                "--username goes with --guardian or --student-account",
                hint: "in bulk, give a username column in --file, or --username-pattern")
        }
        if single && !c.inv.has("username") && !c.inv.has("username-pattern") {
            throw PortalError.usage(
                "say what the username is", hint: "add --username NAME (or --username-pattern)")
        }
        try KeyCommands.refuseStrayStudentChoice(c, selector: selectors[0])
        if selectors[0].hasPrefix("all-") && !c.inv.has("username-pattern") {
            throw PortalError.usage(
                "--\(selectors[0]) needs --username-pattern",
                hint: "for example: --username-pattern '{given}.{family}'")
        }
        if c.inv.has("results") && single {
            throw PortalError.usage(
                "--results goes with the bulk forms",
                hint: "--file or --all-without-account; one account's outcome is on screen")
        }
        return selectors[0]
    }

    /// Whom the accounts are for, and the input file they came from (for `--file`); nil when
    /// there is nothing to do.
    static func targets(
        _ c: Context, _ selector: String, _ s: Session, _ district: District,
        pattern: UsernamePattern?
    ) throws -> (BulkFile?, [Accounts.NewAccount])? {
        switch selector {
        case "guardian", "student-account":
            let holder: People.Kind = selector == "guardian" ? .guardian : .student
            return (
                nil,
                [
                    Accounts.NewAccount(
                        holder, try c.inv.required(selector), username: c.inv.value("username"))
                ]
            )
        case "file":
            let file = try BulkFile(
                path: try c.inv.required("file"), required: [],
                optional: ["guardian_id", "student_id", "username"])
            let has = { (name: String) in file.columns.column(name) != nil }
            guard has("guardian_id") != has("student_id") else {
                throw PortalError(
                    .dataError,
                    "\(file.path):1: "
                        + (has("guardian_id")
                            ? "give guardian_id or student_id, not both"
                            : "missing required column guardian_id (or student_id)"),
                    hint:
                        "the first line names the columns: guardian_id,username (or student_id,username); nothing was written"
                )
            }
            if !has("username") && pattern == nil {
                throw PortalError(
                    .dataError, "\(file.path):1: missing column username",
                    hint:
                        "add a username column, or make them with --username-pattern '{given}.{family}'; nothing was written"
                )
            }
            let holder: People.Kind = has("student_id") ? .student : .guardian
            return (
                file,
                file.rows.map {
                    let u = file.value("username", $0.fields)
                    return Accounts.NewAccount(
                        holder, file.value("\(holder.rawValue)_id", $0.fields),
                        username: u.isEmpty ? nil : u, row: $0.fields, line: $0.line,
                        problem: file.problems[$0.line])
                }
            )
        case "all-students-without-account":
            return try KeyCommands.studentsWithoutAccount(
                c, s, district, doing: "creates an account for"
            ).map { (nil, $0.map { Accounts.NewAccount(.student, $0, username: nil) }) }
        default:
            let ids = try Keys.withoutAccount(s.db, district: district.id, now: c.io.now)
            if ids.isEmpty {
                c.say(
                    "nothing to do: every guardian who may use the portal has an account or a pending key"
                )
                return nil
            }
            try c.confirm(
                "This creates an account for each of up to \(grouped(ids.count)) guardian\(ids.count == 1 ? "" : "s") without an account or a pending key (those who may not have one now are skipped)."
            )
            return (nil, ids.map { Accounts.NewAccount(.guardian, $0, username: nil) })
        }
    }

    /// Shows the temporary passwords, which are stored already: when they cannot all be shown
    /// or written, says so and how to replace them.
    static func delivered(_ c: Context, _ made: [Accounts.Created], _ show: () throws -> Void)
        throws
    {
        try c.deliver(
            made.count,
            made.count == 1
                ? "the account was created"
                : "the \(grouped(made.count)) accounts were created",
            replace:
                "give each a new temporary password: portaladmin account reset \(made.count == 1 ? made[0].username : "USERNAME")",
            show)
    }
}

/// The progress line, handed to the hashing threads, which call it one at a time.
private final class ProgressBox: @unchecked Sendable {
    let progress: Progress
    init(_ progress: Progress) { self.progress = progress }
}
