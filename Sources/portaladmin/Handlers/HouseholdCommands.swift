import PortalKit

/// `household list`, `show` and `find`: the household the help desk is told to check.
enum HouseholdCommands {
    static let all: [Command] = [
        Command(
            path: ["household", "list"], summary: "list households with their address and members",
            options: [limitOption, columnsOption], role: .helpdesk, run: list),
        Command(
            path: ["household", "show"],
            summary:
                "show one household: address, members and roles, students, who can see each, possible duplicates",
            discussion:
                "For each student, 'seen by' names the portal accounts that can see the student today (every rule of 'access explain' applied); 'not seen by' names each linked guardian who cannot, with the rule that decided. Duplicates are the households 'household duplicates' pairs with this one.",
            args: [Arg(name: "id", help: "the household's id")], role: .helpdesk,
            examples: [
                "portaladmin household show HH100141",
                "portaladmin household show HH100141 -o json",
            ],
            run: show),
        Command(
            path: ["household", "find"],
            summary: "find households by address, a member's name or id",
            discussion:
                "Case and accents do not matter; every word must match the address (the household's or a guardian's) or a member's name.",
            args: [Arg(name: "text", help: "what to look for", variadic: true)],
            options: [limitOption, columnsOption], role: .helpdesk,
            examples: [
                "portaladmin household find 1287 park", "portaladmin household find nguyen",
            ],
            run: find),
    ]

    static let columns = [
        "household_id", "street", "street2", "city", "state", "postcode", "guardian_count",
        "student_count",
    ]

    static func table(_ rows: [Households.Summary]) -> Table {
        var t = Table(columns)
        for h in rows { t.add(values(h).map(\.1)) }
        return t
    }

    static func values(_ h: Households.Summary) -> [(String, JSONValue)] {
        [
            ("household_id", .string(h.id)), ("street", .string(h.street)),
            ("street2", .string(h.street2)), ("city", .string(h.city)),
            ("state", .string(h.state)), ("postcode", .string(h.postcode)),
            ("guardian_count", .int(h.guardians)), ("student_count", .int(h.students)),
        ]
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        let d = try s.district()
        let limit = try c.limit
        let rows = try Households.list(s.db, district: d, limit: limit)
        let total =
            limit > 0 && rows.count == limit ? try Households.count(s.db, district: d) : rows.count
        try c.emit(table(rows), total: total)
    }

    static func find(_ c: Context) throws {
        let s = try c.session()
        let limit = try c.limit
        let text = c.inv.positionals.joined(separator: " ")
        let rows = try Households.find(
            s.db, district: try s.district(), text: text, limit: limit == 0 ? 0 : limit + 1)
        try c.emit(table(Array(rows.prefix(limit == 0 ? rows.count : limit))))
        if limit > 0 && rows.count > limit {
            c.say("Showing the first \(limit) matches; use --limit 0 for all")
        }
        if rows.isEmpty { c.say("no household matches '\(text)'") }
    }

    static func show(_ c: Context) throws {
        let s = try c.session()
        let h = try Households.show(
            s.db, district: try Districts.get(s.db, try s.district()),
            id: c.inv.positionals[0], now: s.now)
        let json = c.format != .text
        // The counts of a list row become the lists themselves.
        var fields = values(h.summary).filter { !$0.0.hasSuffix("_count") }
        let guardians: [JSONValue] = h.guardians.map { g in
            .object([
                ("guardian_id", .string(g.id)), ("name", .string(g.name)),
                ("roles", .array(g.roles.map { .string($0) })), ("status", .string(g.status)),
                ("username", g.account.map { .string($0) } ?? .null),
                ("account_status", g.accountStatus.map { .string($0) } ?? .null),
            ])
        }
        let students: [JSONValue] = h.students.map { st in
            .object([
                ("student_id", .string(st.id)), ("name", .string(st.name)),
                ("grade", st.grade.map { .string($0) } ?? .null),
                ("school_id", st.schoolID.map { .string($0) } ?? .null),
                ("status", .string(st.status)),
                ("seen_by", .array(st.seenBy.map { .string($0) })),
                (
                    "not_seen_by",
                    .array(
                        st.notSeenBy.map {
                            .object([
                                ("guardian_id", .string($0.guardianID)), ("rule", .string($0.rule)),
                            ])
                        })
                ),
            ])
        }
        let duplicates: [JSONValue] = h.duplicates.map { p in
            .object([
                ("household_id", .string(p.a == h.summary.id ? p.b : p.a)),
                ("score", .double(p.score)), ("level", .string(p.level)),
                ("evidence", .array(p.evidence.map { .string($0) })),
            ])
        }
        if json {
            fields += [
                ("guardians", .array(guardians)), ("students", .array(students)),
                ("duplicates", .array(duplicates)),
            ]
            try c.emit(record: fields)
            return
        }
        // Text: one line per member, student and duplicate, readable on the phone.
        let a = h.summary
        var lines = ["household:  \(a.id)"]
        let address = [
            a.street, a.street2, a.city,
            [a.state, a.postcode].filter { !$0.isEmpty }.joined(separator: " "),
        ].filter { !$0.isEmpty }.joined(separator: ", ")
        lines.append("address:    " + (address.isEmpty ? "(none)" : address))
        lines.append("guardians:")
        if h.guardians.isEmpty { lines.append("  (none)") }
        for g in h.guardians {
            var line = "  \(g.id)  \(g.name)"
            if !g.roles.isEmpty { line += " (\(g.roles.joined(separator: ", ")))" }
            if g.status != "active" { line += " [inactive]" }
            line +=
                g.account.map {
                    "  account \($0)"
                        + (g.accountStatus == "active" ? "" : " [\(g.accountStatus ?? "")]")
                }
                ?? "  no account"
            lines.append(line)
        }
        lines.append("students:")
        if h.students.isEmpty { lines.append("  (none)") }
        for st in h.students {
            var line = "  \(st.id)  \(st.name)"
            if let g = st.grade { line += ", grade \(g)" }
            if let sc = st.schoolID { line += ", school \(sc)" }
            if st.status != "active" { line += " [inactive]" }
            lines.append(line)
            lines.append(
                "    seen by: "
                    + (st.seenBy.isEmpty ? "nobody" : st.seenBy.joined(separator: ", ")))
            for b in st.notSeenBy {
                lines.append(
                    "    not seen by \(b.guardianID): \(b.rule) (portaladmin access explain --guardian \(b.guardianID) --student \(st.id))"
                )
            }
        }
        lines.append("possible duplicates:")
        if h.duplicates.isEmpty { lines.append("  (none)") }
        for p in h.duplicates {
            let other = p.a == a.id ? p.b : p.a
            lines.append(
                "  \(other)  \(p.level) \(p.score): \(p.evidence.joined(separator: "; "))")
        }
        if h.duplicates.contains(where: { $0.level == "likely" }) {
            lines.append("merge with: portaladmin household merge A B")
        }
        try c.out(lines.map { Text.escaped($0) }.joined(separator: "\n") + "\n")
    }
}
