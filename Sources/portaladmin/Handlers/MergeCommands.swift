import FoundationEssentials
import PortalKit

enum MergeCommands {
    static func mergeCommand(_ kind: String) -> Command {
        let fields = kind == "guardian" ? Merges.guardianFields : Merges.householdFields
        var options = [
            Opt(
                long: "prefer", value: "a|b|FIELD=b",
                help: "which side wins a field conflict: b for all, or FIELD=b (default a)",
                repeatable: true)
        ]
        if kind == "guardian" {
            options.append(
                Opt(
                    long: "keep-login", value: "username",
                    help: "when both have logins, the one to keep (default: the most recently used)"
                ))
        }
        return Command(
            path: [kind, "merge"], summary: "fold \(kind) record B into A (undo with 'merge undo')",
            discussion: kind == "guardian"
                ? "B's links, login, restrictions, age-18 decisions and agreement signatures move to A; B's pending keys are revoked; B is kept, marked merged. Conflicting fields keep A's value unless --prefer says b; an empty field of A takes B's. Where both were linked to a child, the narrower access wins. A restriction is never dropped. On a terminal the preview is shown first. Fields: \(fields.joined(separator: ", "))."
                : "B's guardians and students move to household A; address conflicts keep A's value unless --prefer says b. Fields: \(fields.joined(separator: ", ")).",
            args: [
                Arg(name: "a", help: "the record that stays"),
                Arg(name: "b", help: "the record folded into A"),
            ],
            options: options, role: .registrar, writes: true,
            examples: [
                "portaladmin \(kind) merge \(kind == "guardian" ? "G1000123 G1000456 --prefer email=b" : "HH100012 HH100957")"
            ],
            run: { c in try merge(c, kind, fields) })
    }

    static let all: [Command] = [
        mergeCommand("guardian"), mergeCommand("household"),
        Command(
            path: ["merge", "list"], summary: "merges, newest first",
            options: [limitOption, columnsOption],
            role: .helpdesk, run: list),
        Command(
            path: ["merge", "show"], summary: "what a merge changed",
            args: [Arg(name: "merge-id", help: "the merge's number")],
            role: .helpdesk, run: show),
        Command(
            path: ["merge", "undo"], summary: "restore exactly the state before a merge",
            discussion:
                "Refuses (exit 5), naming the later change, when a record the merge touched has changed since.",
            args: [Arg(name: "merge-id", help: "the merge's number")], role: .registrar,
            writes: true, run: undo),
    ]

    static func merge(_ c: Context, _ kind: String, _ fields: [String]) throws {
        let (a, b) = (c.inv.positionals[0], c.inv.positionals[1])
        let prefer = try Merges.preferences(c.inv.all("prefer"), fields: fields)
        let s = try c.session()
        // The same merge again: it is in force already.
        if let m = try Merges.applied(s, kind: kind, a: a, b: b) {
            if c.format != .text, case .object(let pairs) = m.summary {
                try c.emit(record: pairs)
            }
            c.say("nothing to do: \(b) was merged into \(a) as merge \(m.mergeID)")
            return
        }
        func run(_ s: Session) throws -> Merges.Result {
            kind == "guardian"
                ? try Merges.guardians(
                    s, a: a, b: b, prefer: prefer, keepLogin: c.inv.value("keep-login"))
                : try Merges.households(s, a: a, b: b, prefer: prefer)
        }
        // On a terminal: preview (a rolled-back run), then ask.
        if c.io.stdinIsTTY && !c.yes && !c.dryRun && !c.noInput {
            let preview = try s.transaction(rollback: true) { try run(s) }
            try? c.io.err.write(describe(preview, preview: true))
            try c.confirm("Merge \(b) into \(a)?")
        }
        let r = try c.transaction(run)
        if c.format == .text {
            try c.out(describe(r, preview: c.dryRun))
        } else {
            var fields: [(String, JSONValue)] = []
            if case .object(let pairs) = Merges.json(r) { fields = pairs }
            try c.emit(record: fields)
        }
        c.done(
            "merged \(b) into \(a) as merge \(r.mergeID)"
                + (r.survivingUsername.map { "; the parent logs in as \($0)" } ?? "")
                + "; undo with: portaladmin merge undo \(r.mergeID)")
    }

    static func describe(_ r: Merges.Result, preview: Bool) -> String {
        var s =
            preview
            ? "Preview: \(r.kind) \(r.b) folded into \(r.a)\n"
            : "merge \(r.mergeID): \(r.kind) \(r.b) folded into \(r.a)\n"
        if r.conflicts.isEmpty { s += "  fields: no conflicts\n" }
        for f in r.conflicts {
            s +=
                "  \(f.field.padding(14)) a: \(f.a ?? "(empty)")  b: \(f.b ?? "(empty)")  -> \(f.kept == "a" ? "keeps a" : f.kept == "b" ? "takes b" : "takes b (a was empty)")\n"
        }
        if !r.linksMoved.isEmpty {
            s += "  links moved:   \(r.linksMoved.joined(separator: ", "))\n"
        }
        if !r.linksJoined.isEmpty {
            s +=
                "  links joined:  \(r.linksJoined.joined(separator: ", ")) (the narrower access wins)\n"
        }
        if !r.membersMoved.isEmpty {
            s += "  members moved: \(r.membersMoved.joined(separator: ", "))\n"
        }
        for a in r.accounts { s += "  login:         \(a)\n" }
        if let u = r.survivingUsername { s += "  the parent now logs in as: \(u)\n" }
        if !r.keysRevoked.isEmpty {
            s += "  keys revoked:  \(r.keysRevoked.map(String.init).joined(separator: ", "))\n"
        }
        if !r.restrictionsMoved.isEmpty {
            s +=
                "  restrictions kept on \(r.a): \(r.restrictionsMoved.map(String.init).joined(separator: ", "))\n"
        }
        return s
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        let rows = try Merges.list(s.db, district: try s.district())
        let limit = try c.limit
        var t = Table([
            "merge_id", "kind", "a", "b", "status", "created_at", "created_by", "undone_at",
        ])
        for m in rows.prefix(limit == 0 ? rows.count : limit) { t.add(fields(m).map(\.1)) }
        try c.emit(t, total: rows.count)
    }

    /// A merge's own fields, as `merge list` and `merge show` print them.
    static func fields(_ m: Merges.Record) -> [(String, JSONValue)] {
        [
            ("merge_id", .int(m.mergeID)), ("kind", .string(m.kind)), ("a", .string(m.a)),
            ("b", .string(m.b)), ("status", .string(m.status)),
            ("created_at", .string(m.createdAt)),
            ("created_by", .string(m.createdBy)), ("undone_at", JSONValue(m.undoneAt)),
        ]
    }

    static func id(_ c: Context) throws -> Int { try c.inv.number(0, "merge", list: "merge list") }

    static func show(_ c: Context) throws {
        let s = try c.session()
        let m = try Merges.get(s.db, district: try s.district(), id: try id(c))
        let summary = m.summary
        var fields = fields(m)
        if c.format == .text, case .object(let pairs) = summary {
            fields += pairs.filter {
                $0.0 != "merge_id" && $0.0 != "kind" && $0.0 != "a" && $0.0 != "b"
            }
        } else {
            fields.append(("summary", summary))
        }
        try c.emit(record: fields)
    }

    static func undo(_ c: Context) throws {
        let id = try id(c)
        let (m, undone) = try c.transaction { s in try Merges.undo(s, id: id) }
        try c.emit(record: [
            ("merge_id", .int(id)), ("kind", .string(m.kind)), ("a", .string(m.a)),
            ("b", .string(m.b)), ("status", .string("undone")),
        ])
        if undone {
            c.done(
                "undid merge \(id): \(m.a) and \(m.b) are as they were before it")
        } else {
            c.say("nothing to do: merge \(id) was undone on \((m.undoneAt ?? "").prefix(10))")
        }
    }
}
