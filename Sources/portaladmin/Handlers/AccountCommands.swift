import FoundationEssentials
import PortalKit

enum PortalCommands {
    static let username = Opt(
        long: "username", value: "name", help: "(required) the portal username")
    static let all: [Command] = [
        Command(
            path: ["portal", "activate"],
            summary: "create a portal account from an activation key (the parent's first visit)",
            discussion:
                "Reads the key, then the new password, from standard input, one per line (on a terminal it asks, without echoing the password). Neither is ever taken as an argument.",
            options: [username], writes: true,
            examples: [
                "printf '%s\\n%s\\n' \"$KEY\" \"$PASSWORD\" | portaladmin portal activate --username maria.garcia"
            ],
            run: activate),
        Command(
            path: ["portal", "login"],
            summary: "log in as the portal would (password on standard input)",
            discussion:
                "Exit 0 when the login succeeds; 8 wrong username or password; 9 locked; 10 disabled; 11 must change the password first.",
            options: [username], writes: true, run: login),
        Command(
            path: ["portal", "change-password"],
            summary: "change a password (old, then new, on standard input)",
            options: [username], writes: true, run: changePassword),
    ]

    static func secret(_ c: Context, _ prompt: String, _ what: String) throws -> String {
        guard let v = c.io.readSecret(prompt: prompt), !v.isEmpty else {
            throw PortalError.usage(
                "no \(what) on standard input",
                hint: "give it on its own line of standard input (never as an argument)")
        }
        return v
    }

    static func newPassword(_ c: Context) throws -> String {
        let p = try secret(c, "New password: ", "new password")
        if c.io.stdinIsTTY {
            let again = try secret(c, "Type it again: ", "new password")
            guard again == p else {
                throw PortalError(
                    .dataError, "the two passwords differ", hint: "run the command again")
            }
        }
        return p
    }

    static func activate(_ c: Context) throws {
        let user = try c.inv.required("username")
        let key = try secret(c, "Activation key: ", "activation key")
        let password = try newPassword(c)
        // PortalKit hashes the password before it takes the write lock.
        let r = try Accounts.activate(
            try c.session(), keyText: key, username: user, password: password, rollback: c.dryRun)
        try c.emit(record: [
            ("username", .string(r.username)), ("holder", .string(r.holder.rawValue)),
            ("\(r.holder.rawValue)_id", .string(r.personID)), ("status", .string("active")),
        ])
        c.done(
            "created the account \(r.username); "
                + (r.holder == .student
                    ? "the student can log in now, to their own record"
                    : "the parent can log in now"))
    }

    static func outcome(_ r: LoginResult, _ user: String) throws {
        switch r {
        case .ok: return
        case .badCredentials:
            throw PortalError(
                .badCredentials, "wrong username or password",
                hint: "check the username with: portaladmin account whois --name NAME")
        case .locked:
            throw PortalError(
                .locked, "the account \(user) is locked after too many failed logins",
                hint: "portaladmin account unlock \(user) (or account reset)")
        case .disabled:
            throw PortalError(
                .disabled, "the account \(user) is disabled",
                hint: "see why with: portaladmin account show \(user)")
        case .mustChange:
            throw PortalError(
                .mustChange, "the password of \(user) must be changed first",
                hint: "portaladmin portal change-password --username \(user)")
        }
    }

    static func login(_ c: Context) throws {
        let user = try c.inv.required("username").lowercased()
        let pw = try secret(c, "Password: ", "password")
        // A failed login is recorded (failure count, lock), so it commits like a success; the
        // hashing happens before the short write, so a login storm keeps no writer waiting.
        let r = try Accounts.login(
            try c.session(), username: user, password: pw, rollback: c.dryRun)
        try c.emit(record: [("username", .string(user)), ("result", .string(r.name))])
        try outcome(r, user)
        c.say("logged in as \(user)")
    }

    static func changePassword(_ c: Context) throws {
        let user = try c.inv.required("username").lowercased()
        let old = try secret(c, "Current password: ", "current password")
        let new = try newPassword(c)
        let r = try Accounts.changePassword(
            try c.session(), username: user, old: old, new: new, rollback: c.dryRun)
        try outcome(r, user)
        try c.emit(record: [("username", .string(user)), ("result", .string("changed"))])
        c.done("changed the password of \(user)")
    }
}

enum AccountCommands {
    static let user = Arg(name: "username", help: "the portal username")
    static let reason = Opt(
        long: "reason", value: "text", help: "(required) why, for the audit log")
    static let all: [Command] = [
        Command(
            path: ["account", "list"], summary: "list portal accounts",
            options: [
                Opt(
                    long: "status", value: "status",
                    help: "locked, disabled, must-change, never-activated, active or reset",
                    choices: Accounts.statuses, complete: .choices),
                Opt(
                    long: "holder", value: "holder",
                    help: "only students' own accounts, or only guardians'",
                    choices: ["student", "guardian"], complete: .choices),
                limitOption, columnsOption,
            ],
            role: .helpdesk, run: list),
        AccountCreateCommand.command,
        Command(
            path: ["account", "show"], summary: "show one account: state, failures, last login",
            args: [user], role: .helpdesk, run: show),
        Command(
            path: ["account", "reset"],
            summary: "let a parent in again: temporary password, a given one, or a new key",
            discussion:
                "By default: unlocks and sets a random temporary password, printed once, that must be changed at the next login. --password-file sets the password in the file instead; the parent did not choose it either, so it too must be changed at the next login. --new-key disables this login and issues a fresh activation key (for a parent who cannot prove the old username).",
            args: [user],
            options: [
                Opt(
                    long: "password-file", value: "file",
                    help: "read the new password from this file (first line)", complete: .file),
                Opt(
                    long: "new-key", help: "disable this login and issue a new activation key",
                    role: Keys.issuerRole),
                Opt(long: "reason", value: "text", help: "why, for the audit log"),
            ],
            role: .helpdesk, writes: true, run: reset),
        Command(
            path: ["account", "unlock"],
            summary: "unlock after too many failed logins (keeps the password)", args: [user],
            role: .helpdesk, writes: true, run: unlock),
        Command(
            path: ["account", "disable"],
            summary: "disable a login (e.g. a security risk under the acceptable-use policy)",
            args: [user], options: [reason], role: .registrar, writes: true,
            run: { c in try setEnabled(c, false) }),
        Command(
            path: ["account", "enable"], summary: "enable a disabled login", args: [user],
            options: [reason],
            role: .registrar, writes: true, run: { c in try setEnabled(c, true) }),
        Command(
            path: ["account", "whois"],
            summary: "find the username of a parent (or a student) who forgot it",
            options: [
                Opt(long: "email", value: "email", help: "the parent's email"),
                Opt(
                    long: "phone", value: "phone",
                    help:
                        "the parent's phone, any format (seven digits: the numbers ending in them)"),
                Opt(
                    long: "name", value: "name",
                    help:
                        "the parent's name (case and accents do not matter; when no one matches it as typed, the names close to it)"
                ),
                Opt(
                    long: "exact", help: "(with --name) only what matches as typed: no close names"),
                columnsOption,
            ],
            role: .helpdesk, examples: ["portaladmin account whois --phone \"(320) 234-2603\""],
            run: whois),
    ]

    static func list(_ c: Context) throws {
        let s = try c.session()
        let limit = try c.limit
        let rows = try Accounts.list(
            s.db, district: try s.district(), status: c.inv.value("status"),
            holder: c.inv.value("holder").flatMap(People.Kind.init(rawValue:)), limit: limit)
        let shown = limit > 0 ? Array(rows.prefix(limit)) : rows
        var t = Table(["username", "holder", "person_id", "status", "last_login_at", "since"])
        for a in shown {
            t.add([
                JSONValue(a.username), .string(a.personKind), .string(a.personID),
                .string(a.status), JSONValue(a.lastLoginAt), JSONValue(a.since),
            ])
        }
        try c.emit(t)
        if rows.count > shown.count { c.say("Showing the first \(limit); use --limit 0 for all") }
    }

    static func show(_ c: Context) throws {
        let s = try c.session()
        let a = try Accounts.account(
            s.db, district: try s.district(), username: c.inv.positionals[0])
        let name = try Accounts.holderName(s.db, district: try s.district(), a)
        try c.emit(record: [
            ("username", .string(a.username)), ("holder", .string(a.holder.rawValue)),
            ("\(a.holder.rawValue)_id", .string(a.personID)), ("name", .string(name)),
            ("status", .string(a.status)),
            ("failed_count", .int(a.failedCount)), ("last_failure_at", JSONValue(a.lastFailureAt)),
            ("locked_at", JSONValue(a.lockedAt)), ("last_login_at", JSONValue(a.lastLoginAt)),
            ("created_at", .string(a.createdAt)), ("status_reason", JSONValue(a.statusReason)),
        ])
    }

    static func reset(_ c: Context) throws {
        let user = c.inv.positionals[0]
        if c.inv.has("password-file") && c.inv.has("new-key") {
            throw PortalError.usage("give --password-file or --new-key, not both")
        }
        var mode = Accounts.ResetMode.temporary
        if let f = c.inv.value("password-file") {
            // "-" reads the password from standard input, like every other file argument.
            let data = f == "-" ? Data(c.io.input.readAll()) : try readRegularFile(f)
            guard
                let first = String(decoding: data, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: false
                ).first,
                !first.isEmpty
            else {
                throw PortalError(
                    .dataError, "the password file is empty",
                    hint: "put the password on the first line")
            }
            mode = .password(String(first.hasSuffix("\r") ? first.dropLast() : first))
        }
        if c.inv.has("new-key") { mode = .newKey }
        let out = try Accounts.reset(
            try c.session(), username: user, mode: mode, reason: c.inv.value("reason"),
            rollback: c.dryRun)
        // Shown only once stored; if it cannot be shown, say how to replace it.
        do {
            switch out {
            case .temporary(let pw):
                try c.emit(record: [
                    ("username", .string(user.lowercased())),
                    ("temporary_password", .string(c.dryRun ? "(dry run)" : pw)),
                    ("must_change", .bool(true)),
                ])
            case .password:
                try c.emit(record: [
                    ("username", .string(user.lowercased())), ("must_change", .bool(true)),
                ])
            case .newKey(let k):
                try KeyCommands.delivered(c, 1) {
                    try c.emit(
                        record: [
                            ("username", .string(user.lowercased())), ("status", .string("reset")),
                        ] + KeyCommands.fields(k, dryRun: c.dryRun))
                }
            }
        } catch {
            guard case .temporary = out, !c.dryRun else { throw error }
            throw PortalError(
                .ioError,
                "the temporary password was set, but could not be shown: \(CLI.portalError(error).message)",
                hint:
                    "reset the account again for a new one: portaladmin account reset \(user.lowercased())"
            )
        }
        switch out {
        case .temporary:
            c.done(
                "reset \(user.lowercased()): unlocked, with a temporary password the parent must change at the next login"
            )
        case .password:
            c.done(
                "reset \(user.lowercased()): unlocked, with the password from the file; the parent must change it at the next login"
            )
        case .newKey:
            c.done(
                "reset \(user.lowercased()): this login is disabled until the parent activates the new key"
            )
        }
    }

    static func unlock(_ c: Context) throws {
        let user = c.inv.positionals[0].lowercased()
        let changed = try c.transaction { s in try Accounts.unlock(s, username: user) }
        try c.emit(record: [("username", .string(user)), ("locked", .bool(false))])
        c.done(
            changed
                ? "unlocked \(user); the password is unchanged"
                : "nothing to do: \(user) is not locked")
    }

    static func setEnabled(_ c: Context, _ enabled: Bool) throws {
        let user = c.inv.positionals[0].lowercased()
        let reason = try c.inv.required("reason")
        let changed = try c.transaction { s in
            try Accounts.setEnabled(s, username: user, enabled: enabled, reason: reason)
        }
        try c.emit(record: [
            ("username", .string(user)), ("status", .string(enabled ? "active" : "disabled")),
        ])
        c.done(
            changed
                ? "\(enabled ? "enabled" : "disabled") \(user)"
                : "nothing to do: \(user) is already \(enabled ? "enabled" : "disabled")")
    }

    static func whois(_ c: Context) throws {
        let given = ["email", "phone", "name"].filter { c.inv.has($0) }
        guard given.count == 1 else {
            throw PortalError.usage(
                "give one of --email, --phone or --name",
                hint: "for example: portaladmin account whois --email parent@example.com")
        }
        let exact = c.inv.has("exact")
        if exact && given != ["name"] {
            throw PortalError.usage(
                "--exact goes with --name", hint: "an e-mail or a phone is always matched as given")
        }
        let s = try c.session()
        let rows: [Accounts.Match]
        do {
            rows = try Accounts.whois(
                s.db, district: try s.district(), email: c.inv.value("email"),
                phone: c.inv.value("phone"), name: c.inv.value("name"), exact: exact)
        } catch let p as RowProblem {
            throw PortalError.usage(
                "--phone: \(p.problem)", hint: "give the number with its area code")
        }
        var t = Table([
            "holder", "person_id", "name", "email", "phone", "username", "account_status",
        ])
        for m in rows {
            t.add([
                .string(m.holder.rawValue), .string(m.personID), .string(m.name),
                JSONValue(m.email), JSONValue(m.phone),
                JSONValue(m.username), .string(m.accountStatus),
            ])
        }
        if rows.first?.closeSpelling == true {
            // A warning, shown under -q too: a script reading the rows must know they are guesses.
            c.warn("no one matches that name as typed; names close to it:")
        }
        try c.emit(t)
        if rows.isEmpty { c.say("no guardian (nor student with an account) matches") }
    }
}

enum AupCommands {
    static let all: [Command] = [
        Command(
            path: ["aup", "sign"],
            summary:
                "record a signed acceptable-use agreement (one, or a stack of them from a file)",
            discussion:
                "With --file, each row of the CSV (columns guardian_id, signed_on, and optionally agreement_version) is one signed form; rows that cannot be recorded (an unknown guardian, a date that is not one, lies ahead or is 30 years or more ago) are reported with their line and left out, the rest are recorded in one transaction. --results repeats the file's rows with a status (recorded, already recorded, rejected) and a message. Exit 3 when some rows were rejected.",
            options: [
                Opt(long: "guardian", value: "id", help: "who signed (or --file)"),
                Opt(
                    long: "on", value: "date",
                    help:
                        "(with --guardian) the date on the signed form (YYYY-MM-DD; not ahead, nor 30 years or more ago)"
                ),
                Opt(
                    long: "agreement-version", value: "n",
                    help: "the agreement version signed (default: the current one)"),
                Opt(
                    long: "file", value: "csv",
                    help: "signed forms: columns guardian_id, signed_on[, agreement_version]",
                    complete: .file),
                Opt(
                    long: "results", value: "file",
                    help: "(with --file) write each row with its outcome to this CSV",
                    complete: .file),
            ],
            role: .registrar, writes: true,
            examples: [
                "portaladmin aup sign --guardian G1001 --on 2026-09-01",
                "portaladmin aup sign --file signed-forms.csv --results signed-results.csv",
            ],
            run: sign),
        Command(
            path: ["aup", "status"],
            summary: "who has signed the current agreement, and who must sign (again)",
            options: [
                Opt(long: "guardian", value: "id", help: "only this guardian"),
                Opt(long: "missing", help: "only those who must sign"), limitOption, columnsOption,
            ],
            role: .helpdesk, run: status),
    ]

    static func sign(_ c: Context) throws {
        if c.inv.has("file") { return try signFile(c) }
        if c.inv.has("results") {
            throw PortalError.usage(
                "--results goes with --file",
                hint: "the results file repeats the rows of the input file")
        }
        let g = try c.inv.required("guardian")
        guard let date = try c.date("on") else {
            throw PortalError.usage(
                "'aup sign' needs --on DATE",
                hint: "the date on the signed form, e.g. --on 2026-09-01")
        }
        let version = try c.inv.int("agreement-version", min: 1)
        let n = try c.transaction { s in try AUP.sign(s, guardianID: g, on: date, version: version)
        }
        try c.emit(record: [
            ("guardian_id", .string(g)), ("signed_on", .string(date.description)),
            ("status", .string(n > 0 ? "recorded" : "unchanged")),
        ])
        c.done(
            n > 0
                ? "recorded the agreement signed by \(g) on \(date)"
                : "nothing to do: already recorded")
    }

    /// `aup sign --file`: the stack of signed forms at the start of the year, in one
    /// transaction; a row that cannot be recorded is reported and left out.
    static func signFile(_ c: Context) throws {
        for other in ["guardian", "on", "agreement-version"] where c.inv.has(other) {
            throw PortalError.usage(
                "--\(other) does not go with --file",
                hint: "the file gives guardian_id, signed_on and agreement_version for each row")
        }
        let resultsPath = try c.outputFile("results")
        let file = try BulkFile(
            path: try c.inv.required("file"), required: ["guardian_id", "signed_on"],
            optional: ["agreement_version"])
        let results = try resultsPath.map { try CSVFileWriter(path: $0) }
        try results?.row(file.header + ["status", "message"])
        var recorded = 0
        var already = 0
        var refused = 0
        try c.transaction { s in
            for row in file.rows {
                let g = file.value("guardian_id", row.fields)
                let on = file.value("signed_on", row.fields)
                let v = file.value("agreement_version", row.fields)
                do {
                    try file.check(line: row.line)
                    guard !g.isEmpty else { throw PortalError(.dataError, "guardian_id: missing") }
                    guard let date = CivilDate(parsing: on) else {
                        throw PortalError(
                            .dataError,
                            on.isEmpty
                                ? "signed_on: missing"
                                : "signed_on: '\(on)' is not a date (YYYY-MM-DD)")
                    }
                    var version: Int? = nil
                    if !v.isEmpty {
                        guard let n = Int(v), n >= 1 else {
                            throw PortalError(
                                .dataError, "agreement_version: '\(v)' is not a version number")
                        }
                        version = n
                    }
                    let n = try AUP.sign(s, guardianID: g, on: date, version: version)
                    if n > 0 { recorded += 1 } else { already += 1 }
                    try results?.row(
                        row.fields
                            + (n > 0 ? ["recorded", ""] : ["already recorded", "nothing to do"]))
                } catch let e as PortalError where e.code != .interrupted {
                    refused += 1
                    try results?.row(row.fields + ["rejected", e.message])
                    if refused <= 20 { c.rejected("\(file.path):\(row.line): \(e.message)") }
                }
            }
            try results?.flush()
        }
        try results?.finish()
        try c.emit(record: [
            ("recorded", .int(recorded)), ("already_recorded", .int(already)),
            ("rejected", .int(refused)),
        ])
        c.done(
            "recorded \(grouped(recorded)) signed agreement\(recorded == 1 ? "" : "s")"
                + (already > 0 ? "; \(grouped(already)) already recorded" : "")
                + (resultsPath.map { "; results in \($0)" } ?? ""))
        try c.turnedDown(refused, "row", "rejected", results: resultsPath)
    }

    static func status(_ c: Context) throws {
        let s = try c.session()
        let district = try Districts.get(s.db, try s.district())
        let limit = try c.limit
        let rows = try AUP.status(
            s.db, district: district, guardian: c.inv.value("guardian"),
            onlyMissing: c.inv.has("missing"), limit: limit)
        if let g = c.inv.value("guardian"), rows.isEmpty {
            throw PortalError.notFound("guardian", g)
        }
        let shown = limit > 0 ? Array(rows.prefix(limit)) : rows
        var t = Table(["guardian_id", "name", "signed_version", "signed_on", "status"])
        for g in shown {
            t.add([
                .string(g.guardianID), .string(g.name), JSONValue(g.signedVersion),
                JSONValue(g.signedOn), .string(g.status),
            ])
        }
        try c.emit(t)
        if rows.count > shown.count { c.say("Showing the first \(limit); use --limit 0 for all") }
        c.say(
            "current agreement: version \(district.setting("aup_version"))"
                + (district.setting("aup_required") == "true"
                    ? " (required before a key is issued)" : " (not required)"))
    }
}
