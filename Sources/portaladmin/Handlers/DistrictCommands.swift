import PortalKit

enum DistrictCommands {
    static let all: [Command] = [
        Command(
            path: ["district", "create"], summary: "create a district",
            discussion:
                "Creates the database file when it does not exist yet. Settings may be given as KEY=VALUE; the rest take their defaults (see 'portaladmin district set --help').",
            args: [
                Arg(name: "id", help: "short id for the district, e.g. hutchinson-423"),
                Arg(
                    name: "setting", help: "KEY=VALUE settings", optional: true, variadic: true,
                    complete: .setting),
            ],
            options: [
                Opt(long: "name", value: "name", help: "(required) the district's full name")
            ],
            role: .admin, district: .none, writes: true, createsDB: true,
            examples: [
                "portaladmin district create hutchinson-423 --name \"Hutchinson Public Schools\" timezone=America/Chicago"
            ],
            run: create),
        Command(
            path: ["district", "list"], summary: "list districts",
            options: [limitOption, columnsOption], district: .none, run: list),
        Command(
            path: ["district", "show"], summary: "show a district and its settings",
            args: [
                Arg(
                    name: "id", help: "district id (default: --district)", optional: true,
                    complete: .district)
            ],
            role: .helpdesk, districtArg: true, run: show),
        Command(
            path: ["district", "set"], summary: "change district settings",
            discussion: "Settings and defaults:\n"
                + Settings.all.map {
                    "  \($0.key)=\($0.defaultValue.isEmpty ? "\"\"" : $0.defaultValue)  \($0.help); \($0.valid)"
                }.joined(separator: "\n"),
            args: [Arg(name: "setting", help: "KEY=VALUE", variadic: true, complete: .setting)],
            role: .admin, writes: true,
            examples: [
                "portaladmin district set key_ttl_days=14 aup_version=2 --district hutchinson-423"
            ],
            run: set),
    ]

    static func create(_ c: Context) throws {
        let id = c.inv.positionals[0]
        let name = try c.inv.required("name")
        try Districts.validateID(id)
        _ = try Array(c.inv.positionals.dropFirst()).map(Settings.parseAssignment)
        let d = try c.transaction { s in
            try Districts.create(
                s, id: id, name: name, settings: Array(c.inv.positionals.dropFirst()))
        }
        try c.emit(record: record(d))
        c.done("created district '\(d.id)' in \(c.dbPath)")
        if !c.dryRun {
            c.say(
                "next: portaladmin operator add \(c.operatorName) --role admin --district \(d.id)")
        }
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        let all = try Districts.list(s.db)
        let limit = try c.limit
        var t = Table(["district_id", "name", "created_at"])
        for d in all.prefix(limit == 0 ? Int.max : limit) {
            t.add([.string(d.id), .string(d.name), .string(d.createdAt)])
        }
        try c.emit(t, total: all.count)
    }

    static func show(_ c: Context) throws {
        let s = try c.session()
        try c.emit(record: record(try Districts.get(s.db, try s.district())))
    }

    static func set(_ c: Context) throws {
        let changes = try c.transaction { s in try Districts.set(s, c.inv.positionals) }
        var t = Table(["setting", "before", "after"])
        for ch in changes {
            t.add([.string(ch.key), typed(ch.key, ch.old), typed(ch.key, ch.new)])
        }
        try c.emit(t)
        c.done(
            changes.isEmpty
                ? "nothing to change: the settings already have those values"
                : "changed \(changes.count) setting\(changes.count == 1 ? "" : "s")")
    }

    /// A district and its settings, each setting as its JSON type (numbers and booleans are not
    /// strings).
    static func record(_ d: District) -> [(String, JSONValue)] {
        [
            ("district_id", .string(d.id)), ("name", .string(d.name)),
            ("created_at", .string(d.createdAt)),
        ]
            + d.settings.map { ($0.key, typed($0.key, $0.value)) }
    }

    /// A setting's value as its JSON type: numbers and booleans are not strings.
    static func typed(_ key: String, _ value: String) -> JSONValue {
        if value == "true" || value == "false" { return .bool(value == "true") }
        if numeric.contains(key), let n = Int(value) { return .int(n) }
        return .string(value)
    }

    /// The settings that hold a whole number.
    static let numeric: Set<String> = [
        "key_ttl_days", "lockout_threshold", "password_min_length", "aup_version",
    ]
}

enum OperatorCommands {
    static let roleOption = Opt(
        long: "role", value: "role", help: "(required) admin, registrar or helpdesk",
        choices: Role.allCases.map(\.rawValue), complete: .choices)
    static let all: [Command] = [
        Command(
            path: ["operator", "add"], summary: "add an operator to the district",
            discussion:
                "Until a district has an operator, anyone may act on it; the first operator must be an admin. The acting operator is $PORTALADMIN_OPERATOR, else the login name. On a shared SQLite file this guards against mistakes, not against someone who can edit the file.",
            args: [Arg(name: "name", help: "login name of the operator")],
            options: [roleOption], role: .admin, writes: true,
            examples: [
                "portaladmin operator add kristin --role registrar --district hutchinson-423"
            ],
            run: add),
        Command(
            path: ["operator", "set-role"], summary: "give an operator another role",
            args: [
                Arg(name: "name", help: "login name of the operator"),
                Arg(name: "role", help: "helpdesk, registrar or admin"),
            ],
            options: [
                Opt(long: "reason", value: "text", help: "(required) why, for the audit log")
            ],
            role: .admin, writes: true,
            examples: ["portaladmin operator set-role kristin admin --reason \"new IT lead\""],
            run: setRole),
        Command(
            path: ["operator", "list"], summary: "list the district's operators",
            options: [limitOption, columnsOption], role: .helpdesk, run: list),
        Command(
            path: ["operator", "remove"], summary: "remove an operator from the district",
            discussion:
                "Asks first (without a terminal: --yes). Removing someone who is not an operator of the district is nothing to do (exit 0).",
            args: [Arg(name: "name", help: "login name of the operator")],
            options: [
                Opt(long: "reason", value: "text", help: "(required) why, for the audit log")
            ],
            role: .admin, writes: true, run: remove),
    ]

    static func add(_ c: Context) throws {
        let name = c.inv.positionals[0]
        guard let role = Role(rawValue: try c.inv.required("role")) else { return }
        let (op, added) = try c.transaction { s in try Operators.add(s, name: name, role: role) }
        try c.emit(record: [
            ("name", .string(op.name)), ("role", .string(op.role.rawValue)),
            ("added_at", .string(op.addedAt)),
        ])
        if added {
            c.done("added operator '\(op.name)' as \(op.role.rawValue)")
        } else {
            c.say("nothing to do: '\(op.name)' is \(op.role.rawValue) already")
        }
    }

    static func setRole(_ c: Context) throws {
        let name = c.inv.positionals[0]
        let text = c.inv.positionals[1].lowercased()
        guard let role = Role(rawValue: text) else {
            throw PortalError.usage(
                "'\(c.inv.positionals[1])' is not a role",
                hint: suggesting(
                    text, in: ["helpdesk", "registrar", "admin"],
                    "roles: helpdesk, registrar, admin"))
        }
        let reason = try c.inv.required("reason")
        let op = try c.transaction { s in
            try Operators.setRole(s, name: name, role: role, reason: reason)
        }
        try c.emit(record: [("name", .string(name)), ("role", .string(role.rawValue))])
        if op == nil {
            c.say("nothing to do: '\(name)' is \(role.rawValue) already")
        } else {
            c.done("'\(name)' is \(role.rawValue) now")
        }
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        let ops = try Operators.list(s.db, district: try s.district())
        let limit = try c.limit
        var t = Table(["name", "role", "added_at"])
        for o in ops.prefix(limit == 0 ? Int.max : limit) {
            t.add([.string(o.name), .string(o.role.rawValue), .string(o.addedAt)])
        }
        try c.emit(t, total: ops.count)
    }

    static func remove(_ c: Context) throws {
        let name = c.inv.positionals[0]
        let reason = try c.inv.required("reason")
        let s = try c.session()
        let d = try s.district()
        let existing = try Operators.get(s.db, district: d, name: name)
        if let existing {
            try c.confirm(
                "'\(name)' (\(existing.role.rawValue)) will no longer be able to use portaladmin on district '\(d)'."
            )
        }
        let op =
            existing == nil
            ? nil : try c.transaction { s in try Operators.remove(s, name: name, reason: reason) }
        try c.emit(record: [
            ("name", .string(name)), ("role", op.map { .string($0.role.rawValue) } ?? .null),
            ("removed", .bool(op != nil)),
        ])
        if op == nil {
            c.say(
                "nothing to do: '\(name)' is not an operator of district '\(d)' (see 'portaladmin operator list')"
            )
            return
        }
        c.done("removed operator '\(name)'")
    }
}
