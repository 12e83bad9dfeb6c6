import PortalKit

enum DuplicateCommands {
    static func find(_ kind: String) -> Command {
        Command(
            path: [kind, "duplicates"],
            summary:
                "pairs of \(kind) records that are probably the same \(kind == "guardian" ? "person" : "home")",
            discussion: kind == "guardian"
                ? "Candidates come from many blocking passes (phonetic codes of the names, also swapped; the birth date with an initial; postcode and street number; e-mail; phone; shared children), so an error in any one field still finds the pair, at a cost near-linear in the records. Each pair is compared field by field in graded levels (names, accents and case aside, in any script, letters beyond the Latin ones compared as written: same, nickname or spelling, sounds alike, similar, typo; birth date: same, day and month swapped, one digit off, same year; address: same, close, same area; e-mail, phone, household, children) and gets a match probability from Fellegi-Sunter weights: u from random pairs of this district, with rare names counting for more than common ones, m by EM near their priors. likely: safe to merge; people who really differ (a parent and an adult child, twins, spouses, Sr. and Jr., namesakes in one building or born the same day) never are. How much a home and a name must be backed by a birth date depends on the district's own records: where records of one name and home are never a generation apart, and people of one family and home with alike names never born on other days, the records are of independent people (a list, not a roster of families) and a missing birth date or a slip in a name is not held against the pair. possible: a person should look. The evidence names the level of each field that agreed, then those that differed (both records holding a value: a birth date, an e-mail, a generational suffix such as Jr on one only), which a person looking at a possible pair weighs. --min-score 0 lists every pair compared."
                : "Households compared by the same machinery: address (number, street, postcode, city), family names and their members' duplicate records, with weights estimated from this district's data. likely needs a duplicate member, or the address and a family name shared. The evidence names what agreed, then what differed (an address whose every part differs as address: different: two homes told one by a duplicate member alone, worth a look before merging).",
            options: [
                Opt(
                    long: "min-score", value: "p", help: "lowest score shown, 0 to 1 (default 0.5)"),
                limitOption, columnsOption,
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
                throw PortalError.usage(
                    "--min-score takes a number from 0 to 1, not '\(v)'",
                    hint:
                        "0.5 (the default) lists likely and possible pairs; 0 lists every pair compared"
                )
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
        let structured = c.format == .json || c.format == .jsonl
        try c.emit(
            columns: ["a", "b", "score", "level", "cluster", "evidence"],
            count: limit == 0 ? pairs.count : min(limit, pairs.count), total: pairs.count
        ) { k in
            let p = pairs[k]
            return [
                .string(p.a), .string(p.b), .double(p.score), .string(p.level), .string(p.cluster),
                structured
                    ? .array(p.evidence.map { .string($0) })
                    : .string(p.evidence.joined(separator: "; ")),
            ]
        }
        let likely = pairs.filter { $0.level == "likely" }.count
        c.say(
            "\(grouped(pairs.count)) pair\(pairs.count == 1 ? "" : "s"): \(grouped(likely)) likely, \(grouped(pairs.count - likely)) possible"
                + (likely > 0 ? "; merge with: portaladmin \(kind) merge A B" : ""))
    }
}
