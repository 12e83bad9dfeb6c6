import PortalKit

enum DuplicateCommands {
    static func find(_ kind: String) -> Command {
        Command(
            path: [kind, "duplicates"],
            summary:
                "pairs of \(kind) records that are probably the same \(kind == "guardian" ? "person" : "home")",
            discussion: kind == "guardian"
                ? "Blocking on email, phone, address, names (also swapped) and shared children keeps the cost near-linear; each candidate pair gets a match probability from Fellegi–Sunter weights estimated from this district's data by EM. likely: safe to merge; possible: a person should look. Two different given names are never likely."
                : "Households at the same address under two ids, and the homes of likely duplicate guardians (a parent who moved).",
            options: [
                Opt(
                    long: "min-score", value: "p", help: "lowest score shown, 0 to 1 (default 0.5)"),
                limitOption,
            ],
            role: .registrar,
            examples: ["portaladmin \(kind) duplicates -o jsonl --min-score 0.9"],
            run: { c in try run(c, kind) })
    }

    static let all: [Command] = [find("guardian"), find("household")]

    static func run(_ c: Context, _ kind: String) throws {
        var minScore = 0.5
        if let v = c.inv.value("min-score") {
            guard let d = Double(v), (0...1).contains(d) else {
                throw PortalError.usage("--min-score takes a number from 0 to 1, not '\(v)'")
            }
            minScore = d
        }
        let s = try c.session()
        let d = try s.district()
        let pairs =
            kind == "guardian"
            ? try Matcher.guardians(s.db, district: d, minScore: minScore)
            : try HouseholdMatcher.households(s.db, district: d, minScore: minScore)
        let limit = try c.limit
        var t = Table(["a", "b", "score", "level", "cluster", "evidence"])
        for p in pairs.prefix(limit == 0 ? pairs.count : limit) {
            t.add([
                .string(p.a), .string(p.b), .double(p.score), .string(p.level), .string(p.cluster),
                c.format == .json || c.format == .jsonl
                    ? .array(p.evidence.map { .string($0) })
                    : .string(p.evidence.joined(separator: "; ")),
            ])
        }
        try c.emit(t, total: pairs.count)
        let likely = pairs.filter { $0.level == "likely" }.count
        c.say(
            "\(grouped(pairs.count)) pair\(pairs.count == 1 ? "" : "s"): \(grouped(likely)) likely, \(grouped(pairs.count - likely)) possible"
                + (likely > 0 ? "; merge with: portaladmin \(kind) merge A B" : ""))
    }
}
