#if canImport(Glibc)
    internal import Glibc
#endif

/// Duplicate detection for guardians (SPEC §8): multi-pass blocking, a comparison vector per
/// candidate pair, and Fellegi–Sunter weights whose m-probabilities are estimated from the data
/// by EM (u-probabilities from random pairs), giving each pair a match probability.
public enum Matcher {
    public struct Pair: Sendable {
        public let a: String
        public let b: String
        public let score: Double
        public let level: String  // likely / possible
        public var cluster: String
        public let evidence: [String]
    }

    /// What is compared, and the levels each comparison can take (0 is always "missing").
    static let fields: [(name: String, levels: [String])] = [
        ("given_name", ["missing", "same", "nickname", "similar", "different"]),
        ("family_name", ["missing", "same", "shared part", "similar", "different"]),
        ("email", ["missing", "same", "different"]),
        ("phone", ["missing", "same", "different"]),
        ("address", ["missing", "same", "different"]),
        ("household", ["missing", "same", "different"]),
        ("child", ["missing", "shared", "none shared"]),
    ]

    struct Rec {
        let id: String
        let given: String
        let family: String
        let familyParts: [String]
        let email: String?
        let phone: String?
        let address: String?
        let household: String?
        var students: [Int32]
    }

    static func fold(_ s: String?) -> String {
        searchFold(s ?? "").filter { $0.isLetter || $0 == " " || $0 == "-" }
    }

    static func record(_ r: Row) -> Rec {
        let given = fold(r.string("given_name")).filter { $0.isLetter }
        let famRaw = fold(r.string("family_name"))
        let parts = famRaw.split(whereSeparator: { $0 == "-" || $0 == " " }).map(String.init).filter
        { !$0.isEmpty }
        var email = r.string("email")?.lowercased()
        if let e = email, let at = e.firstIndex(of: "@") {
            var local = String(e[..<at])
            var domain = String(e[e.index(after: at)...])
            if domain == "googlemail.com" { domain = "gmail.com" }
            if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
            if domain == "gmail.com" { local = local.filter { $0 != "." } }
            email = local + "@" + domain
        }
        let phone = r.string("phone").map { String($0.filter(\.isNumber).suffix(10)) }.flatMap {
            $0.count >= 7 ? $0 : nil
        }
        var address: String? = nil
        if let street = r.string("street") {
            let words = fold(street).split(separator: " ")
            let number = street.prefix { $0.isNumber }
            let name = words.first { $0.first?.isLetter == true }.map(String.init) ?? ""
            let post = String((r.string("postcode") ?? "").prefix(5))
            if !number.isEmpty || !name.isEmpty {
                address = "\(number) \(name) \(post.isEmpty ? fold(r.string("city")) : post)"
            }
        }
        return Rec(
            id: r.text("guardian_id"), given: given, family: parts.joined(), familyParts: parts,
            email: email, phone: phone,
            address: address, household: r.string("household_id"), students: [])
    }

    // MARK: comparison

    static func compare(_ a: Rec, _ b: Rec) -> (levels: [Int], swapped: Bool) {
        func given(_ x: String, _ y: String) -> Int {
            if x.isEmpty || y.isEmpty { return 0 }
            if x == y { return 1 }
            if Nicknames.same(x, y) { return 2 }
            return jaroWinkler(x, y) >= 0.9 ? 3 : 4
        }
        func family(_ x: Rec, _ y: Rec) -> Int {
            if x.family.isEmpty || y.family.isEmpty { return 0 }
            if x.family == y.family { return 1 }
            if x.familyParts.contains(where: { p in p.count > 1 && y.familyParts.contains(p) }) {
                return 2
            }
            return jaroWinkler(x.family, y.family) >= 0.9 ? 3 : 4
        }
        var g = given(a.given, b.given)
        var f = family(a, b)
        var swapped = false
        if g == 4 && f == 4, !a.given.isEmpty, a.given == b.family, a.family == b.given {
            g = 1
            f = 1
            swapped = true
        }
        func same(_ x: String?, _ y: String?) -> Int { x == nil || y == nil ? 0 : x == y ? 1 : 2 }
        let child =
            a.students.isEmpty || b.students.isEmpty
            ? 0 : (a.students.contains { b.students.contains($0) } ? 1 : 2)
        return (
            [
                g, f, same(a.email, b.email), same(a.phone, b.phone), same(a.address, b.address),
                same(a.household, b.household), child,
            ], swapped
        )
    }

    /// Jaro–Winkler similarity of two short strings.
    static func jaroWinkler(_ s1: String, _ s2: String) -> Double {
        let a = Array(s1.unicodeScalars)
        let b = Array(s2.unicodeScalars)
        if a.isEmpty || b.isEmpty { return 0 }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        var am = [Bool](repeating: false, count: a.count)
        var bm = [Bool](repeating: false, count: b.count)
        var matches = 0
        for i in 0..<a.count {
            let lo = max(0, i - window)
            let hi = min(b.count - 1, i + window)
            if lo > hi { continue }
            for j in lo...hi where !bm[j] && a[i] == b[j] {
                am[i] = true
                bm[j] = true
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        var t = 0
        var k = 0
        for i in 0..<a.count where am[i] {
            while !bm[k] { k += 1 }
            if a[i] != b[k] { t += 1 }
            k += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(a.count) + m / Double(b.count) + (m - Double(t) / 2) / m) / 3
        var prefix = 0
        while prefix < min(4, a.count, b.count) && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    // MARK: blocking

    static func blockingKeys(_ r: Rec, students: [String]) -> [String] {
        var keys: [String] = []
        if let e = r.email { keys.append("e:" + e) }
        if let p = r.phone { keys.append("p:" + p) }
        if let a = r.address { keys.append("a:" + a) }
        let gi = r.given.first.map(String.init) ?? ""
        for part in r.familyParts where part.count > 1 { keys.append("f:" + part + ":" + gi) }
        if !r.given.isEmpty && !r.family.isEmpty {
            keys.append("n:" + min(r.given, r.family) + "|" + max(r.given, r.family))
        }
        for s in students { keys.append("s:" + s) }
        return keys
    }

    /// Candidate pairs: records sharing any blocking key. A block larger than `cap` is not
    /// compared all-to-all (a common surname would make cost quadratic): it is sorted and each
    /// record is compared with its `window` neighbours.
    static func candidates(_ recs: [Rec], keys: [[String]], cap: Int = 40, window: Int = 8) -> [(
        Int32, Int32
    )] {
        var blocks: [String: [Int32]] = [:]
        blocks.reserveCapacity(recs.count * 4)
        for (i, ks) in keys.enumerated() { for k in ks { blocks[k, default: []].append(Int32(i)) } }
        var seen = Set<Int64>()
        var out: [(Int32, Int32)] = []
        func add(_ x: Int32, _ y: Int32) {
            let (a, b) = x < y ? (x, y) : (y, x)
            if seen.insert(Int64(a) << 32 | Int64(b)).inserted { out.append((a, b)) }
        }
        for (key, members) in blocks where members.count > 1 {
            // A name alone is weak evidence: a big block of one common name is left to the
            // contact, address and children passes.
            let nameOnly = key.hasPrefix("f:") || key.hasPrefix("n:")
            if nameOnly && members.count > 12 { continue }
            if members.count <= cap {
                for i in 0..<members.count {
                    for j in (i + 1)..<members.count { add(members[i], members[j]) }
                }
            } else {
                let sorted = members.sorted {
                    (recs[Int($0)].given, recs[Int($0)].family) < (
                        recs[Int($1)].given, recs[Int($1)].family
                    )
                }
                for i in 0..<sorted.count {
                    for j in (i + 1)..<min(sorted.count, i + 1 + window) {
                        add(sorted[i], sorted[j])
                    }
                }
            }
        }
        return out
    }

    // MARK: scoring

    /// Prior m-probabilities (chance of each level for two records of the same person). Given
    /// names are held at their prior: spouses share everything but the given name, and EM left
    /// free would learn "a couple" as the match class.
    static let mPrior: [[Double]] = [
        [1, 0.90, 0.04, 0.04, 0.02],
        [1, 0.88, 0.04, 0.05, 0.03],
        [1, 0.85, 0.15],
        [1, 0.85, 0.15],
        [1, 0.80, 0.20],
        [1, 0.55, 0.45],
        [1, 0.40, 0.60],
    ]

    /// Prior u-probabilities (chance of each level for two different people), used when a
    /// district is too small to estimate them from random pairs.
    static let uPrior: [[Double]] = [
        [1, 0.02, 0.002, 0.01, 0.968],
        [1, 0.01, 0.002, 0.01, 0.978],
        [1, 0.0005, 0.9995],
        [1, 0.0005, 0.9995],
        [1, 0.002, 0.998],
        [1, 0.001, 0.999],
        [1, 0.0005, 0.9995],
    ]

    struct Model {
        var m: [[Double]]
        var u: [[Double]]
        var prior: Double

        /// The match probability. `uSame` overrides u for an exact name agreement with the
        /// frequency of that name (a shared "Maria Garcia" says less than a shared "Þórsson").
        func probability(_ levels: [Int], uSame: (given: Double, family: Double)? = nil) -> Double {
            var logRatio = Glibc.log2(prior / (1 - prior))
            for (f, l) in levels.enumerated() where l != 0 {
                var uf = u[f][l]
                if let t = uSame, l == 1, f <= 1 { uf = max(f == 0 ? t.given : t.family, 1e-6) }
                logRatio += Glibc.log2(m[f][l] / uf)
            }
            return 1 / (1 + Glibc.exp2(-max(-60, min(60, logRatio))))
        }
    }

    /// u from random pairs; m of the contact and household comparisons, and the prior, by EM over
    /// the candidates. Name m-probabilities stay at their priors (see `mPrior`), and the EM
    /// estimates are kept within bounds: a duplicate record rarely carries a different phone or
    /// email than the original, whatever the data's mix of candidates.
    static func fit(_ recs: [Rec], vectors: [[Int]], tf: [(Double, Double)]) -> Model {
        if recs.count < 1000 { return Model(m: mPrior, u: uPrior, prior: 0.01) }
        // Counts start at one (add-one smoothing), so no level is ever impossible.
        var u = fields.map { f in [Double](repeating: 1, count: f.levels.count) }
        var rng = SplitMix64(state: 0x5EED)
        let samples = min(50_000, max(1000, recs.count * 2))
        if recs.count > 1 {
            for _ in 0..<samples {
                let i = rng.int(recs.count)
                let j = rng.int(recs.count)
                if i == j { continue }
                for (f, l) in compare(recs[i], recs[j]).levels.enumerated() { u[f][l] += 1 }
            }
        }
        for f in 0..<u.count {
            let total = u[f].dropFirst().reduce(0, +)
            u[f] = [1] + u[f].dropFirst().map { $0 / total }
        }
        var model = Model(m: mPrior, u: u, prior: 0.05)
        guard vectors.count >= 200 else { return model }
        for _ in 0..<30 {
            var counts = fields.map { f in [Double](repeating: 0.5, count: f.levels.count) }
            var matchSum = 0.0
            for (k, v) in vectors.enumerated() {
                let p = model.probability(v, uSame: tf[k])
                matchSum += p
                for (f, l) in v.enumerated() { counts[f][l] += p }
            }
            for f in 2..<fields.count {
                let total = counts[f].dropFirst().reduce(0, +)
                var m = counts[f].dropFirst().map { max(1e-4, $0 / total) }
                if f <= 4 {
                    m[1] = max(m[1], 0.6)
                    m[m.count - 1] = 1 - m[1]
                }  // email, phone, address: mostly kept
                model.m[f] = [1] + m
            }
            model.prior = min(0.5, max(1e-4, matchSum / Double(vectors.count)))
        }
        return model
    }

    // MARK: the run

    public static func guardians(_ db: Database, district: String, minScore: Double = 0.5) throws
        -> [Pair]
    {
        var recs: [Rec] = []
        var index: [String: Int] = [:]
        try db.forEach(
            """
            SELECT guardian_id, given_name, family_name, email, phone, street, city, postcode, household_id
            FROM guardians WHERE district_id = ? AND status = 'active'
            """, [.text(district)]
        ) { r in
            index[r.text("guardian_id")] = recs.count
            recs.append(record(r))
        }
        var studentNo: [String: Int32] = [:]
        var studentsOf = [[String]](repeating: [], count: recs.count)
        try db.forEach(
            "SELECT guardian_id, student_id FROM links WHERE district_id = ? AND status = 'active'",
            [.text(district)]
        ) { r in
            guard let i = index[r.text("guardian_id")] else { return }
            let s = r.text("student_id")
            let n = studentNo[s] ?? Int32(studentNo.count)
            studentNo[s] = n
            recs[i].students.append(n)
            studentsOf[i].append(s)
        }
        let keys = recs.indices.map { blockingKeys(recs[$0], students: studentsOf[$0]) }
        let pairs = candidates(recs, keys: keys)
        let compared = pairs.map { compare(recs[Int($0.0)], recs[Int($0.1)]) }
        // How common each name is, for the term-frequency u of an exact agreement.
        var givenCount: [String: Int] = [:]
        var familyCount: [String: Int] = [:]
        for r in recs {
            givenCount[r.given, default: 0] += 1
            familyCount[r.family, default: 0] += 1
        }
        let n = Double(max(1, recs.count))
        let tf = pairs.map { (i, _) -> (Double, Double) in
            let a = recs[Int(i)]
            return (Double(givenCount[a.given] ?? 1) / n, Double(familyCount[a.family] ?? 1) / n)
        }
        let model = fit(recs, vectors: compared.map(\.levels), tf: tf)
        var out: [Pair] = []
        for (k, (i, j)) in pairs.enumerated() {
            let v = compared[k]
            var p = model.probability(v.levels, uSame: recs.count < 1000 ? nil : tf[k])
            // Two different given names (a couple sharing a home, children and a phone) are not
            // the same person, whatever else agrees.
            if v.levels[0] == 4 { p = min(p, 0.3) }
            // A name alone is what namesakes share: such a pair stays below the default
            // --min-score (0.5), shown only to whoever asks for weaker pairs.
            let corroborated =
                v.levels[2] == 1 || v.levels[3] == 1 || v.levels[4] == 1 || v.levels[5] == 1
                || v.levels[6] == 1
            if !corroborated { p = min(p, 0.45) }
            guard p >= minScore else { continue }
            // Two different given names are never merged without a person looking.
            let namesAgree = v.levels[0] != 4 && v.levels[1] != 4
            let level =
                p >= 0.995 && namesAgree && corroborated && v.levels[0] != 0 ? "likely" : "possible"
            var evidence: [String] = []
            for (f, l) in v.levels.enumerated()
            where l != 0
                && !(fields[f].levels[l] == "different" || fields[f].levels[l] == "none shared")
            {
                evidence.append("\(fields[f].name): \(fields[f].levels[l])")
            }
            if v.swapped { evidence.append("names swapped") }
            let (a, b) =
                recs[Int(i)].id < recs[Int(j)].id
                ? (recs[Int(i)].id, recs[Int(j)].id) : (recs[Int(j)].id, recs[Int(i)].id)
            out.append(
                Pair(
                    a: a, b: b, score: (p * 1000).rounded() / 1000, level: level, cluster: "",
                    evidence: evidence))
        }
        return clustered(out)
    }

    /// Groups pairs into clusters (connected components), each named after its smallest id.
    static func clustered(_ pairs: [Pair]) -> [Pair] {
        // Complete linkage over the strongest pairs: two groups join only when every record of
        // one is a likely match of every record of the other, so one doubtful pair cannot chain
        // two families into one cluster. Weaker pairs join nothing; they show the cluster of `a`.
        let strong = pairs.filter { $0.level == "likely" }.sorted { $0.score > $1.score }
        let linked = Set(strong.map { $0.a + "\u{1f}" + $0.b })
        func isLinked(_ x: String, _ y: String) -> Bool {
            linked.contains(x < y ? x + "\u{1f}" + y : y + "\u{1f}" + x)
        }
        var groups = UnionFind()
        var members: [String: [String]] = [:]
        for p in strong {
            let x = groups.find(p.a)
            let y = groups.find(p.b)
            if x == y { continue }
            let mx = members[x] ?? [p.a]
            let my = members[y] ?? [p.b]
            guard mx.allSatisfy({ a in my.allSatisfy { b in isLinked(a, b) } }) else { continue }
            groups.union(x, y)
            members[groups.find(x)] = mx + my
        }
        return pairs.map {
            var q = $0
            q.cluster = groups.find($0.a)
            return q
        }
        .sorted { ($0.cluster, -$0.score, $0.a, $0.b) < ($1.cluster, -$1.score, $1.a, $1.b) }
    }
}

/// Households that are likely the same: the same address under two household ids, or the homes
/// of a likely duplicate guardian.
public enum HouseholdMatcher {
    public static func households(_ db: Database, district: String, minScore: Double = 0.5) throws
        -> [Matcher.Pair]
    {
        var address: [String: [String]] = [:]
        var families: [String: Set<String>] = [:]
        try db.forEach(
            """
            SELECT h.household_id, coalesce(h.street, g.street) AS street, coalesce(h.postcode, g.postcode) AS postcode,
                   coalesce(h.city, g.city) AS city, g.family_name
            FROM households h LEFT JOIN guardians g ON g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active'
            WHERE h.district_id = ?
            """, [.text(district)]
        ) { r in
            let h = r.text("household_id")
            if let f = r.string("family_name") {
                families[h, default: []].formUnion(
                    Matcher.fold(f).split(whereSeparator: { $0 == "-" || $0 == " " }).map(
                        String.init))
            }
            guard let street = r.string("street") else { return }
            let number = street.prefix { $0.isNumber }
            let name =
                Matcher.fold(street).split(separator: " ").first { $0.first?.isLetter == true }.map(
                    String.init) ?? ""
            let key =
                "\(number) \(name) \(String((r.string("postcode") ?? Matcher.fold(r.string("city"))).prefix(5)))"
            if !(address[key]?.contains(h) ?? false) { address[key, default: []].append(h) }
        }
        var scored: [String: (Double, [String])] = [:]
        func note(_ a: String, _ b: String, _ p: Double, _ why: String) {
            guard a != b else { return }
            let k = a < b ? a + "\u{1f}" + b : b + "\u{1f}" + a
            let old = scored[k] ?? (0, [])
            // Independent pieces of evidence combine: 1 - Π(1 - p).
            scored[k] = (1 - (1 - old.0) * (1 - p), old.1 + [why])
        }
        for (_, hs) in address where hs.count > 1 && hs.count <= 6 {
            for i in 0..<hs.count {
                for j in (i + 1)..<hs.count {
                    let shared = !(families[hs[i]] ?? []).isDisjoint(with: families[hs[j]] ?? [])
                    note(
                        hs[i], hs[j], shared ? 0.97 : 0.6,
                        shared ? "address: same, family name: shared" : "address: same")
                }
            }
        }
        let gpairs = try Matcher.guardians(db, district: district, minScore: 0.9).filter {
            $0.level == "likely"
        }
        if !gpairs.isEmpty {
            var home: [String: String] = [:]
            try db.forEach(
                "SELECT guardian_id, household_id FROM guardians WHERE district_id = ? AND household_id IS NOT NULL",
                [.text(district)]
            ) {
                home[$0.text("guardian_id")] = $0.text("household_id")
            }
            for p in gpairs {
                if let x = home[p.a], let y = home[p.b], x != y {
                    note(x, y, 0.97, "members: duplicate guardian \(p.a) ~ \(p.b)")
                }
            }
        }
        let pairs = scored.compactMap { k, v -> Matcher.Pair? in
            guard v.0 >= minScore else { return nil }
            let ab = k.split(separator: "\u{1f}").map(String.init)
            return Matcher.Pair(
                a: ab[0], b: ab[1], score: (v.0 * 1000).rounded() / 1000,
                level: v.0 >= 0.995 ? "likely" : "possible",
                cluster: "", evidence: v.1)
        }
        return Matcher.clustered(pairs)
    }
}
