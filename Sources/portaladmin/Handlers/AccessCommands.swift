import FoundationEssentials
import PortalKit

extension Context {
    /// Today in the district's time zone, or `--as-of` / `--at` when given.
    func day(_ s: Session, option: String) throws -> CivilDate {
        try date(option) ?? s.today()
    }
}

enum FeatureCommands {
    static let window: [Opt] = [
        Opt(long: "school", value: "id", help: "only this school (default: the whole district)"),
        Opt(long: "from", value: "date", help: "first day of the window (YYYY-MM-DD)"),
        Opt(long: "until", value: "date", help: "last day of the window (YYYY-MM-DD)"),
        Opt(long: "reason", value: "text", help: "(required) why, shown to staff who ask"),
        audienceOption(
            "whose accounts: students (their own), guardians, or all (default)",
            choices: [
                "all", "students", "guardians",
            ]),
    ]

    static func audienceOption(_ help: String, choices: [String]) -> Opt {
        Opt(long: "audience", value: "audience", help: help, choices: choices, complete: .choices)
    }
    static let all: [Command] = [
        Command(
            path: ["feature", "list"],
            summary: "the effective state of every portal feature, and where it comes from",
            discussion:
                "A school rule beats a district rule; within one level a rule with a window beats an open-ended one, and a newer rule beats an older one. Without rules a feature is on. A rule may be for one audience (students' own accounts, or guardians'): a feature that guardians and students see alike is one row (audience all), one they see differently is two rows, one per audience.",
            options: [
                Opt(long: "school", value: "id", help: "for this school"),
                audienceOption(
                    "only as students or as guardians see it", choices: ["students", "guardians"]),
                Opt(
                    long: "at", value: "date",
                    help: "on this date (default: today in the district's time zone)"),
            ],
            role: .helpdesk, run: list),
        Command(
            path: ["feature", "enable"],
            summary: "switch a feature on (district-wide or for a school, optionally for a window)",
            args: [Arg(name: "name", help: "feature: " + Features.catalog.joined(separator: ", "))],
            options: window,
            role: .registrar, writes: true, run: { c in try set(c, true) }),
        Command(
            path: ["feature", "disable"],
            summary:
                "switch a feature off (district-wide or for a school, optionally for a window)",
            args: [Arg(name: "name", help: "feature: " + Features.catalog.joined(separator: ", "))],
            options: window,
            role: .registrar, writes: true,
            examples: [
                "portaladmin feature disable attendance --from 2026-11-01 --until 2026-11-14 --reason \"14-day attendance repost window\""
            ],
            run: { c in try set(c, false) }),
        Command(
            path: ["feature", "remove"],
            summary: "remove a feature rule (it stays in the history, marked removed)",
            args: [
                Arg(
                    name: "rule-id",
                    help: "the rule's number from 'feature list' or 'feature history'")
            ],
            options: [
                Opt(long: "reason", value: "text", help: "(required) why, for the audit log")
            ],
            role: .registrar, writes: true,
            examples: ["portaladmin feature remove 7 --reason \"the repost window was cancelled\""],
            run: remove),
        Command(
            path: ["feature", "history"], summary: "every feature rule, newest first",
            args: [Arg(name: "name", help: "only this feature", optional: true)], role: .helpdesk,
            run: history),
    ]

    static func row(_ st: Features.State, audience: String) -> [JSONValue] {
        [
            .string(st.feature), .string(audience), .bool(st.enabled), .string(st.source),
            JSONValue(st.reason), JSONValue(st.from), JSONValue(st.until), JSONValue(st.ruleID),
        ]
    }
    static let columns = [
        "feature", "audience", "enabled", "source", "reason", "from", "until", "rule_id",
    ]

    static func list(_ c: Context) throws {
        let s = try c.session()
        let d = try s.district()
        let school = c.inv.value("school")
        let day = try c.day(s, option: "at")
        var t = Table(columns)
        if let only = try c.inv.value("audience").map({ try Features.Audience(validating: $0) }) {
            for st in try Features.effective(s.db, district: d, school: school, on: day, for: only)
            { t.add(row(st, audience: only.rawValue)) }
            return try c.emit(t)
        }
        let guardians = try Features.effective(
            s.db, district: d, school: school, on: day, for: .guardians)
        let students = try Features.effective(
            s.db, district: d, school: school, on: day, for: .students)
        for (g, st) in zip(guardians, students) {
            if g.ruleID == st.ruleID {
                t.add(row(g, audience: "all"))
            } else {
                t.add(row(g, audience: "guardians"))
                t.add(row(st, audience: "students"))
            }
        }
        try c.emit(t)
    }

    static func set(_ c: Context, _ enabled: Bool) throws {
        let name = try Features.validate(c.inv.positionals[0])
        let reason = try c.inv.required("reason")
        let from = try c.date("from")
        let until = try c.date("until")
        let audience = try Features.Audience(validating: c.inv.value("audience") ?? "all")
        let (id, added, today) = try c.transaction { s in
            let (id, added) = try Features.set(
                s, feature: name, enabled: enabled, school: c.inv.value("school"), from: from,
                until: until, audience: audience, reason: reason)
            return (id, added, try s.today())
        }
        try c.emit(record: [
            ("rule_id", .int(id)), ("feature", .string(name)), ("enabled", .bool(enabled)),
            ("audience", .string(audience.rawValue)),
            ("school_id", JSONValue(c.inv.value("school"))),
            ("from", JSONValue(from?.description)), ("until", JSONValue(until?.description)),
            ("reason", .string(reason)),
        ])
        guard added else {
            c.say("nothing to do: rule \(id) already says so")
            return
        }
        // A window already over is kept for the history (`access explain --as-of` a day in it),
        // but changes nothing now: a year mistyped, most likely.
        if let until, until < today {
            c.warn(
                "the window ended on \(until), before today (\(today)): the rule changes nothing from today on (remove it with: portaladmin feature remove \(id) --reason ...)"
            )
        }
        c.done(
            "\(enabled ? "enabled" : "disabled") \(name)"
                + (audience == .all ? "" : " for \(audience.rawValue)")
                + (c.inv.value("school").map { " at \($0)" } ?? " district-wide")
                + (from != nil || until != nil
                    ? " from \(from?.description ?? "now") until \(until?.description ?? "further notice")"
                    : ""))
    }

    static func remove(_ c: Context) throws {
        let id = try c.inv.number(0, "feature rule", list: "feature history")
        let reason = try c.inv.required("reason")
        try c.confirm("Rule \(id) will stop applying (it stays in the history).")
        let removed = try c.transaction { s in try Features.remove(s, ruleID: id, reason: reason) }
        try c.emit(record: [("rule_id", .int(id)), ("removed", .bool(true))])
        if removed {
            c.done("removed feature rule \(id)")
        } else {
            c.say("nothing to do: rule \(id) was removed already")
        }
    }

    static func history(_ c: Context) throws {
        let s = try c.session()
        var t = Table([
            "rule_id", "feature", "school_id", "audience", "enabled", "from", "until", "reason",
            "created_at", "created_by", "removed_at", "removed_reason",
        ])
        for r in try Features.history(
            s.db, district: try s.district(), feature: c.inv.positionals.first)
        {
            t.add([
                .int(r.ruleID), .string(r.feature), JSONValue(r.schoolID), .string(r.audience),
                .bool(r.enabled),
                JSONValue(r.from), JSONValue(r.until), JSONValue(r.reason), .string(r.createdAt),
                .string(r.createdBy), JSONValue(r.removedAt), JSONValue(r.removedReason),
            ])
        }
        try c.emit(t)
    }
}

enum Age18Commands {
    static let reason = Opt(
        long: "reason", value: "text",
        help: "(required) e.g. \"written request received 2026-10-02\"")
    static let all: [Command] = [
        Command(
            path: ["age18", "scan"],
            summary: "students whose guardians' access ends at 18, soon or already",
            discussion:
                "Status: upcoming (ends within --within days), due (ended, not yet applied), ended, continued (the student consents), unknown-birthdate (never guessed).",
            options: [
                Opt(
                    long: "as-of", value: "date",
                    help: "the day to judge (default: today in the district's time zone)"),
                Opt(
                    long: "within", value: "days",
                    help: "include access ending within this many days (default 60)"), limitOption,
                columnsOption,
            ],
            role: .helpdesk, run: scan),
        Command(
            path: ["age18", "apply"], summary: "end the guardian access that is due (idempotent)",
            options: [
                Opt(
                    long: "as-of", value: "date",
                    help: "the day to judge (default: today in the district's time zone)")
            ],
            role: .registrar, writes: true, run: apply),
        Command(
            path: ["age18", "request"],
            summary: "record an 18-year-old student's written request to end guardian access now",
            args: [Arg(name: "student", help: "the student's id")],
            options: [
                Opt(long: "guardian", value: "id", help: "only this guardian (default: all)"),
                reason,
            ],
            role: .registrar, writes: true, run: request),
        Command(
            path: ["age18", "consent"],
            summary: "record the student's consent that a guardian keeps access",
            args: [Arg(name: "student", help: "the student's id")],
            options: [
                Opt(
                    long: "guardian", value: "id", help: "(required) the guardian who keeps access"),
                Opt(long: "until", value: "date", help: "consent ends after this day"), reason,
            ],
            role: .registrar, writes: true, run: consent),
    ]

    static func scan(_ c: Context) throws {
        let s = try c.session()
        let district = try Districts.get(s.db, try s.district())
        let rows = try AgeOut.scan(
            s.db, district: district, asOf: try c.day(s, option: "as-of"),
            within: try c.inv.int("within") ?? 60)
        let limit = try c.limit
        var t = Table([
            "student_id", "name", "birth_date", "turns_18_on", "access_ends_on", "guardians",
            "status",
        ])
        for r in rows.prefix(limit == 0 ? rows.count : limit) {
            t.add([
                .string(r.studentID), .string(r.name), JSONValue(r.birthDate),
                JSONValue(r.turns18On), JSONValue(r.accessEndsOn),
                c.format == .text || c.format == .csv || c.format == .tsv
                    ? .string(r.guardians.map { "\($0.id) (\($0.state))" }.joined(separator: ", "))
                    : .array(
                        r.guardians.map {
                            .object([
                                ("guardian_id", .string($0.id)), ("status", .string($0.state)),
                            ])
                        }),
                .string(r.status),
            ])
        }
        try c.emit(t, total: rows.count)
        let due = rows.filter { $0.status == "due" }.count
        if due > 0 {
            c.say(
                "\(due) student\(due == 1 ? "" : "s") due: run 'portaladmin age18 apply' to end that access"
            )
        }
    }

    static func apply(_ c: Context) throws {
        let s = try c.session()
        let asOf = try c.day(s, option: "as-of")
        let preview = try AgeOut.scan(
            s.db, district: try Districts.get(s.db, try s.district()), asOf: asOf, within: 0
        ).filter { $0.status == "due" }
        let count = preview.reduce(0) { $0 + $1.guardians.filter { $0.state == "due" }.count }
        if count == 0 {
            c.say("nothing to do: no guardian access is due to end on \(asOf)")
            return
        }
        if !c.dryRun {
            try c.confirm(
                "This ends \(count) guardian link\(count == 1 ? "" : "s") to \(preview.count) student\(preview.count == 1 ? "" : "s") who turned 18."
            )
        }
        let done = try c.transaction { s in try AgeOut.apply(s, asOf: asOf) }
        var t = Table(["student_id", "guardian_id", "ended_on"])
        for d in done { t.add([.string(d.student), .string(d.guardian), .string(d.endedOn)]) }
        try c.emit(t)
        c.done("ended \(done.count) guardian link\(done.count == 1 ? "" : "s") at age 18")
    }

    static func request(_ c: Context) throws {
        let reason = try c.inv.required("reason")
        let student = c.inv.positionals[0]
        let (ended, already) = try c.transaction { s in
            try AgeOut.request(
                s, student: student, guardian: c.inv.value("guardian"), today: try s.today(),
                reason: reason)
        }
        try c.emit(record: [
            ("student_id", .string(student)),
            ("guardians", .array((ended + already).map { .string($0) })),
            ("access", .string("ended")),
        ])
        if !already.isEmpty {
            c.say(
                "nothing to do for \(already.joined(separator: ", ")): access to \(student) already ended at the student's request"
            )
        }
        if !ended.isEmpty {
            c.done(
                "ended the access of \(ended.joined(separator: ", ")) to \(student) at the student's request"
            )
        }
    }

    static func consent(_ c: Context) throws {
        let reason = try c.inv.required("reason")
        let g = try c.inv.required("guardian")
        let student = c.inv.positionals[0]
        let until = try c.date("until")
        let recorded = try c.transaction { s in
            try AgeOut.consent(
                s, student: student, guardian: g, until: until, today: try s.today(),
                reason: reason)
        }
        try c.emit(record: [
            ("student_id", .string(student)), ("guardian_id", .string(g)),
            ("access", .string("continued")), ("until", JSONValue(until?.description)),
        ])
        let keeps =
            "\(g) keeps access to \(student) with the student's consent"
            + (until.map { " until \($0)" } ?? "")
        if recorded {
            c.done(keeps + "; a court-order restriction still wins")
        } else {
            c.say("nothing to do: \(keeps) already")
        }
    }
}

enum RestrictionCommands {
    static let all: [Command] = [
        Command(
            path: ["restriction", "add"],
            summary: "block a guardian's access to a student (court order, custody decision)",
            discussion:
                "A restriction wins over every other rule and survives merges, imports, resets and age-18 consent. Only 'restriction remove' with a reason lifts it.",
            options: [
                Opt(long: "guardian", value: "id", help: "(required) the guardian"),
                Opt(long: "student", value: "id", help: "the student"),
                Opt(long: "all-students", help: "every student, present and future"),
                Opt(long: "reason", value: "text", help: "(required) e.g. \"protective order\""),
                Opt(
                    long: "document", value: "ref",
                    help: "reference of the order, e.g. a case number"),
                Opt(
                    long: "until", value: "date",
                    help: "last day the order applies (today or later)"),
            ],
            role: .registrar, writes: true,
            examples: [
                "portaladmin restriction add --guardian G1000123 --student S600456 --reason \"protective order\" --document \"case 26-FA-1187\""
            ],
            run: add),
        Command(
            path: ["restriction", "list"], summary: "restrictions in force (or all, with --all)",
            options: [
                Opt(long: "guardian", value: "id", help: "of this guardian"),
                Opt(long: "student", value: "id", help: "about this student"),
                Opt(long: "all", help: "include removed ones"),
            ],
            role: .helpdesk, run: list),
        Command(
            path: ["restriction", "remove"], summary: "lift a restriction",
            args: [Arg(name: "id", help: "the restriction's number")],
            options: [Opt(long: "reason", value: "text", help: "(required) why it ends")],
            role: .registrar, writes: true, run: remove),
    ]

    static func add(_ c: Context) throws {
        let g = try c.inv.required("guardian")
        let student = c.inv.value("student")
        guard (student != nil) != c.inv.has("all-students") else {
            throw PortalError.usage(
                "give --student ID or --all-students (one of them)",
                hint: "a restriction is about one student or all of them")
        }
        let reason = try c.inv.required("reason")
        let until = try c.date("until")
        let (id, created) = try c.transaction { s in
            try Restrictions.add(
                s, guardian: g, student: student, reason: reason, document: c.inv.value("document"),
                until: until)
        }
        try c.emit(record: [
            ("restriction_id", .int(id)), ("guardian_id", .string(g)),
            ("student_id", .string(student ?? "all")),
            ("reason", .string(reason)), ("document", JSONValue(c.inv.value("document"))),
            ("until", JSONValue(until?.description)),
        ])
        if created {
            c.done("restriction \(id): \(g) may not see \(student ?? "any student")")
        } else {
            c.say("nothing to do: restriction \(id) already says so")
        }
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        var t = Table([
            "restriction_id", "guardian_id", "student_id", "reason", "document", "until",
            "created_at", "created_by", "removed_at", "removed_reason",
        ])
        for r in try Restrictions.list(
            s.db, district: try s.district(), guardian: c.inv.value("guardian"),
            student: c.inv.value("student"), includeRemoved: c.inv.has("all"))
        {
            t.add([
                .int(r.restrictionID), .string(r.guardianID), .string(r.studentID ?? "all"),
                .string(r.reason), JSONValue(r.document), JSONValue(r.until),
                .string(r.createdAt), .string(r.createdBy), JSONValue(r.removedAt),
                JSONValue(r.removedReason),
            ])
        }
        try c.emit(t)
    }

    static func remove(_ c: Context) throws {
        let id = try c.inv.number(0, "restriction", list: "restriction list")
        let reason = try c.inv.required("reason")
        let (r, removed) = try c.transaction { s in
            try Restrictions.remove(s, id: id, reason: reason)
        }
        try c.emit(record: [
            ("restriction_id", .int(id)), ("guardian_id", .string(r.guardianID)),
            ("removed", .bool(true)),
        ])
        if removed {
            c.done("removed restriction \(id)")
        } else {
            c.say(
                "nothing to do: restriction \(id) was removed on \((r.removedAt ?? "").prefix(10))"
            )
        }
    }
}

enum AccessCommands {
    static let all: [Command] = [
        Command(
            path: ["access", "explain"],
            summary:
                "why a parent can or cannot see a child: every rule, the one that decided, and the fix",
            discussion:
                "Without --student, every linked child is explained, and every child linked to a probable duplicate record of the guardian (the SIS holding the parent twice), with the merge that fixes it.",
            options: [
                Opt(long: "guardian", value: "id", help: "the parent or guardian (or --username)"),
                Opt(
                    long: "username", value: "name",
                    help: "the portal account whose holder to explain (or --guardian)"),
                Opt(long: "student", value: "id", help: "the child (default: every linked child)"),
                Opt(
                    long: "as-of", value: "date",
                    help: "judge on this day (default: today in the district's time zone)"),
            ],
            role: .helpdesk,
            examples: [
                "portaladmin access explain --guardian G1000123 --student S600456",
                "portaladmin access explain --username maria.garcia",
            ],
            run: explain)
    ]

    static func explain(_ c: Context) throws {
        guard c.inv.has("guardian") != c.inv.has("username") else {
            throw PortalError.usage(
                c.inv.has("guardian")
                    ? "give --guardian or --username, not both" : "say whom to explain",
                hint: "--guardian ID, or --username NAME for the holder of a portal account")
        }
        let s = try c.session()
        let district = try Districts.get(s.db, try s.district())
        var guardian = c.inv.value("guardian") ?? ""
        var ownAccount: String? = nil
        if let user = c.inv.value("username") {
            let account = try Accounts.account(s.db, district: district.id, username: user)
            if account.holder == .student {
                if let other = c.inv.value("student"), other != account.personID {
                    throw PortalError.usage(
                        "'\(account.username)' is the own account of student \(account.personID), who sees only their own record",
                        hint: "leave out --student, or explain a guardian's account")
                }
                ownAccount = account.personID
            }
            guardian = account.personID
        }
        let a =
            try ownAccount.map {
                try Access.explain(
                    s.db, district: district, studentID: $0, now: c.io.now,
                    asOf: try c.date("as-of"))
            }
            ?? Access.explain(
                s.db, district: district, guardianID: guardian,
                studentID: c.inv.value("student"),
                now: c.io.now, asOf: try c.date("as-of"))
        func check(_ k: Access.Check) -> JSONValue {
            .object([
                ("rule", .string(k.rule)), ("ok", .bool(k.ok)), ("detail", .string(k.detail)),
                ("fix", JSONValue(Remedies.text(k.fix, k.action))),
            ])
        }
        if c.format == .text {
            let title = a.holder == .student ? "Student (own account)" : "Guardian"
            var out = "\(title) \(a.personID) \(a.name), as of \(a.asOf)\n"
            for k in a.holderChecks {
                out += "  \(k.ok ? "ok " : "NO ") \(k.rule.padding(26))\(k.detail)\n"
            }
            if a.students.isEmpty { out += "\nNo linked students.\n" }
            for st in a.students {
                out +=
                    "\n\(st.studentID) \(st.name): "
                    + (st.visible ? "VISIBLE" : "NOT VISIBLE (\(st.decidedBy ?? ""))") + "\n"
                for k in st.checks where !a.holderChecks.contains(where: { $0.rule == k.rule }) {
                    out += "  \(k.ok ? "ok " : "NO ") \(k.rule.padding(26))\(k.detail)\n"
                }
                out += "  features off for \(a.holder.rawValue)s: \(offList(st.features))\n"
                if let fix = Remedies.text(st.fix, st.action) { out += "  fix: \(fix)\n" }
            }
            try c.out(out)
            return
        }
        let students: [JSONValue] = a.students.map { st in
            .object([
                ("student_id", .string(st.studentID)), ("name", .string(st.name)),
                ("visible", .bool(st.visible)),
                ("decided_by", JSONValue(st.decidedBy)),
                ("fix", JSONValue(Remedies.text(st.fix, st.action))),
                ("checks", .array(st.checks.map(check))),
                (
                    "features",
                    .array(
                        st.features.map {
                            .object([
                                ("feature", .string($0.feature)), ("enabled", .bool($0.enabled)),
                                ("source", .string($0.source)), ("audience", .string($0.audience)),
                                ("reason", JSONValue($0.reason)),
                            ])
                        })
                ),
            ])
        }
        try c.emit(record: [
            ("holder", .string(a.holder.rawValue)),
            ("\(a.holder.rawValue)_id", .string(a.personID)), ("name", .string(a.name)),
            ("as_of", .string(a.asOf)),
            ("\(a.holder.rawValue)_checks", .array(a.holderChecks.map(check))),
            ("students", .array(students)),
        ])
    }

    /// The features that are off, each with the rule that says so (and its audience when it
    /// is not everyone).
    static func offList(_ features: [Features.State]) -> String {
        let off = features.filter { !$0.enabled }
        if off.isEmpty { return "none" }
        return off.map { f in
            let audience = f.audience == "all" ? "" : ", for \(f.audience)"
            return "\(f.feature) (\(f.source)\(audience)\(f.reason.map { ": \($0)" } ?? ""))"
        }.joined(separator: ", ")
    }
}
