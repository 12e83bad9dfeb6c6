import PortalKit

enum PeopleCommands {
    static func commands(_ kind: People.Kind) -> [Command] {
        let noun = kind.rawValue
        return [
            Command(
                path: [noun, "list"], summary: "list \(noun)s",
                options: [
                    Opt(
                        long: "status", value: "status", help: "active or inactive (default: both)",
                        choices: ["active", "inactive"], complete: .choices), limitOption,
                    columnsOption,
                ],
                role: .helpdesk, run: { c in try list(c, kind) }),
            Command(
                path: [noun, "show"],
                summary:
                    "show one \(noun) and their linked \(kind == .student ? "guardians" : "students")",
                args: [Arg(name: "id", help: "the \(noun)'s id")], role: .helpdesk,
                run: { c in try show(c, kind) }),
            Command(
                path: [noun, "find"],
                summary: "find \(noun)s by name, email, \(kind == .guardian ? "phone, " : "")or id",
                discussion:
                    "Case and accents do not matter (\"jose nunez\" finds José Núñez); every word must match. A given name also finds its common nicknames and formal name, as a whole word (\"bill\" finds William, \"katherine\" Kathy). A phone number matches whatever its formatting; an id in any case. When nothing matches as typed, the names close to it are shown (and said to be that, on standard error): each word a slip of the hand or ear from a word of the name (\"smtih\" finds Smith, \"stephens\" Stevens, \"braun\" Brown; no slip in a word of three letters or fewer), closest first; --exact shows only what matches as typed (a script that must not act on a guess).",
                args: [Arg(name: "text", help: "what to look for", variadic: true)],
                options: [
                    Opt(long: "exact", help: "only what matches as typed: no close names"),
                    limitOption, columnsOption,
                ], role: .helpdesk,
                examples: [
                    "portaladmin \(noun) find garcia maria",
                    kind == .guardian
                        ? "portaladmin guardian find \"(320) 234-2603\""
                        : "portaladmin student find 604863",
                ],
                run: { c in try find(c, kind) }),
        ]
    }

    static let all = commands(.student) + commands(.guardian)

    static func table(_ kind: People.Kind, _ people: [People.Person]) -> Table {
        var t = Table(kind.columns)
        for p in people { t.add(p.values.map { JSONValue($0) }) }
        return t
    }

    static func list(_ c: Context, _ kind: People.Kind) throws {
        let s = try c.session()
        let d = try s.district()
        let status = c.inv.value("status")
        var rows: [People.Person] = []
        let limit = try c.limit
        try People.list(s.db, district: d, kind: kind, status: status, limit: limit) {
            rows.append($0)
        }
        let total =
            limit > 0 && rows.count == limit
            ? try People.count(s.db, district: d, kind: kind, status: status) : rows.count
        try c.emit(table(kind, rows), total: total)
    }

    static func show(_ c: Context, _ kind: People.Kind) throws {
        let s = try c.session()
        let d = try s.district()
        let id = c.inv.positionals[0]
        let person = try People.person(s.db, district: d, kind: kind, id: id)
        let links = try People.links(s.db, district: d, kind: kind, id: id)
        let other = kind == .student ? "guardians" : "students"
        let linked: [JSONValue] = links.map { l in
            .object([
                (kind == .student ? "guardian_id" : "student_id", .string(l.id)),
                ("name", .string(l.givenName + " " + l.familyName)),
                ("relationship", JSONValue(l.relationship)),
                ("portal_access", .bool(l.portalAccess)),
                ("custodial", .bool(l.custodial)), ("status", .string(l.status)),
            ])
        }
        var fields = zip(kind.columns, person.values).map { ($0, JSONValue($1)) }
        if kind == .guardian, let i = fields.firstIndex(where: { $0.0 == "birth_date" }) {
            // What the file said when it was no date, beside the date it then lacks.
            fields.insert(("birth_date_given", JSONValue(person.birthDateGiven)), at: i + 1)
        }
        // The person's own login: a parent's, or a student's (policy 1050 II.D).
        let account = try Accounts.account(s.db, district: d, holder: kind, id: id)
        fields += [
            ("username", JSONValue(account?.username)),
            ("account_status", .string(account?.status ?? "no account")),
        ]
        if c.format == .text {
            fields.append(
                (
                    other,
                    .string(
                        links.map { l in
                            "\(l.id) \(l.givenName) \(l.familyName)"
                                + (l.relationship.map { " (\($0))" } ?? "")
                                + (l.portalAccess ? "" : " [no portal access]")
                                + (l.status == "active" ? "" : " [inactive link]")
                        }.joined(separator: "; "))
                ))
        } else {
            fields.append((other, .array(linked)))
        }
        try c.emit(record: fields)
    }

    static func find(_ c: Context, _ kind: People.Kind) throws {
        let s = try c.session()
        let limit = try c.limit
        let text = c.inv.positionals.joined(separator: " ")
        let exact = c.inv.has("exact")
        let (district, probe) = (try s.district(), limit == 0 ? 0 : limit + 1)
        let (rows, close) =
            exact
            ? (
                try People.find(s.db, district: district, kind: kind, text: text, limit: probe),
                false
            )
            : try People.findOrClose(s.db, district: district, kind: kind, text: text, limit: probe)
        if close {
            // A warning, shown under -q too: a script reading the rows must know they are guesses.
            c.warn("no \(kind.rawValue) matches '\(text)' as typed; names close to it:")
        }
        try c.emit(table(kind, Array(rows.prefix(limit == 0 ? rows.count : limit))))
        if limit > 0 && rows.count > limit {
            c.say(
                "Showing the first \(limit) \(close ? "close names" : "matches"); use --limit 0 for all"
            )
        }
        if rows.isEmpty {
            c.say("no \(kind.rawValue) matches '\(text)'\(exact ? "" : ", nor a name close to it")")
        }
    }
}
