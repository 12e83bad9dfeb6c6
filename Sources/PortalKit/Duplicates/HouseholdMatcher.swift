/// Households that are likely the same, by the guardian finder's machinery: candidates blocked
/// by address and by the homes of duplicate guardians; a comparison vector of address
/// similarity (number, street, postcode, city), shared family names and member matches;
/// Fellegi–Sunter weights with u from random household pairs and m by EM near their priors.
public enum HouseholdMatcher {
    static let fields: [(name: String, levels: [String])] = [
        ("street_number", ["missing", "same", "different"]),
        ("street", ["missing", "same", "similar", "different"]),
        ("postcode", ["missing", "same", "one character off", "different"]),
        ("city", ["missing", "same", "similar", "different"]),
        ("family_name", ["missing", "shared", "similar", "different"]),
        ("members", ["missing", "duplicate guardian", "possible duplicate", "none"]),
    ]
    static let mPrior: [[Double]] = [
        [1, 0.75, 0.25], [1, 0.72, 0.08, 0.20], [1, 0.72, 0.05, 0.23], [1, 0.75, 0.05, 0.20],
        [1, 0.85, 0.05, 0.10], [1, 0.60, 0.15, 0.25],
    ]
    static let uPrior: [[Double]] = [
        [1, 0.005, 0.995], [1, 0.02, 0.01, 0.97], [1, 0.1, 0.05, 0.85], [1, 0.15, 0.02, 0.83],
        [1, 0.02, 0.01, 0.97], [1, 0.0005, 0.0005, 0.999],
    ]

    /// One household: its address (its own, else its first guardian's) and its members.
    struct Home {
        var id: String
        var number: [UInt8] = []
        var street: [UInt8] = []
        var postcode: [UInt8] = []
        var city: [UInt8] = []
        var families: Set<[UInt8]> = []
        var members: [Int] = []
    }

    /// The district's households that are probably one home, scoring at least `minScore`.
    public static func households(_ db: Database, district: String, minScore: Double = 0.5) throws
        -> [Matcher.Pair]
    {
        var homes: [Home] = []
        var index: [String: Int] = [:]
        try db.forEach(
            """
            SELECT h.household_id, coalesce(h.street, g.street) AS street, coalesce(h.postcode, g.postcode) AS postcode,
                   coalesce(h.city, g.city) AS city, g.family_name
            FROM households h LEFT JOIN guardians g ON g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active'
            WHERE h.district_id = ?
            """, [.text(district)]
        ) { row in
            let id = row.text("household_id")
            let k = index[id] ?? homes.count
            if k == homes.count {
                index[id] = k
                var h = Home(id: id)
                var street = row.text("street")
                let folded = street.withUTF8 { MatchRecords.fold($0, keepDigits: true) }
                let parts = MatchRecords.street(folded)
                h.number = parts.number
                h.street = parts.name
                var postcode = row.text("postcode")
                h.postcode = postcode.withUTF8(MatchRecords.postcode)
                var city = row.text("city")
                h.city = city.withUTF8 { MatchRecords.fold($0) }
                homes.append(h)
            }
            if var family = row.string("family_name") {
                let folded = family.withUTF8 { MatchRecords.fold($0) }
                for part in folded.split(separator: 32) where part.count > 1 {
                    homes[k].families.insert(Array(part))
                }
            }
        }
        // The guardians, and which of them the guardian finder pairs.
        let r = try Matcher.load(db, district: district)
        var homeOf = [Int](repeating: -1, count: r.count)
        var guardianIndex: [String: Int] = [:]
        for i in 0..<r.count { guardianIndex[r.string(i, .id)] = i }
        try db.forEach(
            "SELECT guardian_id, household_id FROM guardians WHERE district_id = ? AND status = 'active' AND household_id IS NOT NULL",
            [.text(district)]
        ) { row in
            if let g = guardianIndex[row.text("guardian_id")],
                let h = index[row.text("household_id")]
            {
                homeOf[g] = h
                homes[h].members.append(g)
            }
        }
        let guardianPairs = Matcher.run(r, minScore: 0.8)
        var memberLevel: [UInt64: UInt8] = [:]
        func key(_ x: Int, _ y: Int) -> UInt64 {
            x < y ? UInt64(x) << 32 | UInt64(y) : UInt64(y) << 32 | UInt64(x)
        }
        var candidates = Set<UInt64>()
        for p in guardianPairs {
            guard let a = guardianIndex[p.a], let b = guardianIndex[p.b] else { continue }
            let ha = homeOf[a]
            let hb = homeOf[b]
            guard ha >= 0, hb >= 0, ha != hb else { continue }
            let level: UInt8 = p.level == "likely" ? 1 : 2
            memberLevel[key(ha, hb)] = min(memberLevel[key(ha, hb)] ?? 3, level)
            candidates.insert(key(ha, hb))
        }
        // Blocks by address: postcode and number, number and the street's first letters.
        var blocks: [[UInt8]: [Int]] = [:]
        for (k, h) in homes.enumerated() where !h.number.isEmpty {
            if !h.postcode.isEmpty {
                blocks[[1] + h.postcode + [0] + h.number, default: []].append(k)
            }
            if !h.street.isEmpty {
                blocks[[2] + h.number + [0] + h.street.prefix(4), default: []].append(k)
            }
        }
        for (_, members) in blocks where members.count > 1 {
            if members.count > 12 { continue }  // a large building: left to member matches
            for x in 0..<members.count {
                for y in (x + 1)..<members.count { candidates.insert(key(members[x], members[y])) }
            }
        }
        func compare(_ x: Int, _ y: Int) -> [UInt8] {
            let a = homes[x]
            let b = homes[y]
            func exact(_ p: [UInt8], _ q: [UInt8]) -> UInt8 {
                p.isEmpty || q.isEmpty ? 0 : p == q ? 1 : 2
            }
            func similar(_ p: [UInt8], _ q: [UInt8]) -> UInt8 {
                if p.isEmpty || q.isEmpty { return 0 }
                if p == q { return 1 }
                let jw = p.withUnsafeBufferPointer { pp in
                    q.withUnsafeBufferPointer { Phonetic.jaroWinkler(pp, $0) }
                }
                return jw >= 0.9 ? 2 : 3
            }
            let postcode: UInt8 =
                a.postcode.isEmpty || b.postcode.isEmpty
                ? 0
                : a.postcode == b.postcode
                    ? 1
                    : a.postcode.withUnsafeBufferPointer { pa in
                        b.postcode.withUnsafeBufferPointer {
                            Phonetic.editDistance(pa, $0, limit: 1) <= 1 ? 2 : 3
                        }
                    }
            var family: UInt8 = 0
            if !a.families.isEmpty && !b.families.isEmpty {
                family = !a.families.isDisjoint(with: b.families) ? 1 : 3
                if family == 3 {
                    let close = a.families.contains { p in
                        b.families.contains { q in
                            p.withUnsafeBufferPointer { pp in
                                q.withUnsafeBufferPointer { Phonetic.jaroWinkler(pp, $0) }
                            } >= 0.9
                        }
                    }
                    if close { family = 2 }
                }
            }
            let members: UInt8 =
                a.members.isEmpty || b.members.isEmpty ? 0 : memberLevel[key(x, y)] ?? 3
            return [
                exact(a.number, b.number), similar(a.street, b.street), postcode,
                similar(a.city, b.city), family, members,
            ]
        }
        // u from random pairs, m by EM over the candidates.
        var model = Matcher.Model(m: mPrior, u: uPrior, prior: 0.05)
        if homes.count >= 1000 {
            var rng = SplitMix64(state: 0x5EED)
            var u = fields.map { f in [Double](repeating: 1, count: f.levels.count) }
            for _ in 0..<50_000 {
                let x = rng.int(homes.count)
                let y = rng.int(homes.count)
                if x != y { for (f, l) in compare(x, y).enumerated() { u[f][Int(l)] += 1 } }
            }
            u = u.indices.map { f in
                let total = u[f].dropFirst().reduce(0, +) - Double(u[f].count - 1)
                return [1]
                    + zip(u[f].dropFirst(), uPrior[f].dropFirst()).map { c, p in
                        (c - 1 + 200 * p) / (total + 200)
                    }
            }
            model.u = u
            let sample = candidates.map {
                (compare(Int($0 >> 32), Int($0 & 0xFFFF_FFFF)), (Double, Double)?.none)
            }
            model = Matcher.estimate(model, sample: sample, fixed: [])
        }
        let weights = model.weights
        var out: [Matcher.Pair] = []
        for c in candidates {
            let x = Int(c >> 32)
            let y = Int(c & 0xFFFF_FFFF)
            let v = compare(x, y)
            var p = model.probability(v, weights: weights, tf: nil)
            let address = v[0] == 1 && (v[1] == 1 || v[1] == 2 || v[2] == 1)
            let safe = v[5] == 1 || (address && v[4] == 1)
            if !safe { p = min(p, 0.9) }
            guard p >= minScore else { continue }
            let (a, b) =
                homes[x].id < homes[y].id ? (homes[x].id, homes[y].id) : (homes[y].id, homes[x].id)
            out.append(
                Matcher.Pair(
                    a: a, b: b, score: (p * 1000).rounded() / 1000,
                    level: p >= 0.99 && safe ? "likely" : "possible", evidence: evidence(v)))
        }
        return Matcher.clustered(out)
    }

    /// A comparison in words: what agreed, then what differed (an address whose every part
    /// differs as one: two homes told the same by a member alone are worth a look).
    static func evidence(_ v: [UInt8]) -> [String] {
        var evidence: [String] = []
        var differed: [String] = []
        let address = 0..<4
        let moved = address.allSatisfy { Int(v[$0]) == fields[$0].levels.count - 1 }
        if moved { differed.append("address: different") }
        for (f, l) in v.enumerated() where l != 0 {
            let text = "\(fields[f].name): \(fields[f].levels[Int(l)])"
            if Int(l) != fields[f].levels.count - 1 {
                evidence.append(text)
            } else if !(moved && address.contains(f)) {
                differed.append(f == 5 ? "members: none shared" : text)
            }
        }
        return evidence + differed
    }
}
