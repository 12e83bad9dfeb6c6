import PortalKit

enum AuditCommands {
    static let all: [Command] = [
        Command(
            path: ["audit", "list"], summary: "list audit rows, newest first",
            options: [
                Opt(
                    long: "since", value: "date",
                    help: "rows at or after this date (YYYY-MM-DD) or time (ISO 8601)"),
                Opt(long: "operator", value: "name", help: "rows by this operator"),
                Opt(
                    long: "target", value: "id",
                    help: "rows about this target (e.g. guardian:G123, or just G123)"),
                limitOption, columnsOption,
            ],
            role: .registrar, run: list),
        Command(
            path: ["audit", "verify"], summary: "check the audit chain; names the first bad row",
            discussion:
                "Each row holds the SHA-256 of the previous row, so a row edited, removed or reordered with plain SQL breaks the chain. Exits 1 when it is broken.",
            role: .registrar, run: verify),
        Command(
            path: ["audit", "export"],
            summary: "write every audit row, oldest first (JSON lines unless -o says otherwise)",
            options: [
                Opt(
                    long: "out", value: "file", help: "write to FILE instead of stdout",
                    complete: .file)
            ],
            role: .admin, run: export),
    ]

    static func filter(_ c: Context) throws -> AuditFilter {
        var since: String? = nil
        if let v = c.inv.value("since") {
            guard let d = Timestamp.parse(v) else {
                throw PortalError.usage(
                    "--since takes a date or time, not '\(v)'",
                    hint: "for example: --since 2026-09-01")
            }
            since = Timestamp.iso(d)
        }
        return AuditFilter(
            since: since, operatorName: c.inv.value("operator"), target: c.inv.value("target"),
            limit: try c.limit)
    }

    static let columns = [
        "seq", "at", "operator", "command", "target", "before", "after", "reason",
    ]

    static func row(_ e: AuditEntry) -> [JSONValue] {
        [
            .int(e.seq), .string(e.at), .string(e.operatorName), .string(e.command),
            .string(e.target),
            AuditEntry.nested(e.before), AuditEntry.nested(e.after), JSONValue(e.reason),
        ]
    }

    static func list(_ c: Context) throws {
        let s = try c.session()
        let d = try s.district()
        let f = try filter(c)
        var t = Table(columns)
        try AuditLog.entries(s.db, district: d, filter: f) { t.add(row($0)) }
        let total =
            f.limit > 0 && t.rows.count == f.limit
            ? try AuditLog.count(s.db, district: d, filter: f) : t.rows.count
        try c.emit(t, total: total)
    }

    static func verify(_ c: Context) throws {
        let s = try c.session()
        let v = try AuditLog.verify(s.db, district: try s.district())
        try c.emit(record: [
            ("district_id", .string(v.districtID)), ("rows_checked", .int(v.checked)),
            ("ok", .bool(v.firstBad == nil)),
            ("first_bad_seq", JSONValue(v.firstBad?.seq)),
            ("problem", JSONValue(v.firstBad?.problem)),
        ])
        if let bad = v.firstBad {
            throw PortalError(
                .failure, "the audit chain is broken at row \(bad.seq): \(bad.problem)",
                hint: "compare with a backup; 'portaladmin audit list --limit 0' shows the rows")
        }
        c.say("audit chain intact: \(grouped(v.checked)) rows")
    }

    static func export(_ c: Context) throws {
        let s = try c.session()
        let d = try s.district()
        let format: Format = c.inv.has("output") ? c.format : .jsonl
        let out = c.inv.value("out") == "-" ? nil : try c.outputFile("out")
        let file = try out.map { try FileOutput(path: $0) }
        let sink: any TextSink = file ?? c.io.out
        var n = 0
        if format == .jsonl {
            try AuditLog.entries(s.db, district: d, oldestFirst: true) { e in
                try sink.write(e.json.serialized() + "\n")
                n += 1
            }
        } else {
            var t = Table([
                "district_id", "seq", "at", "operator", "command", "target", "before", "after",
                "reason", "prev_hash", "hash",
            ])
            try AuditLog.entries(s.db, district: d, oldestFirst: true) { e in
                if case .object(let pairs) = e.json { t.add(pairs.map(\.1)) }
                n += 1
            }
            try sink.write(Render.table(t, format: format, tty: false, width: 0))
        }
        try file?.commit()
        c.say("exported \(grouped(n)) audit rows" + (out.map { " to \($0)" } ?? ""))
    }
}
