/// What a district's own records say about the look-alikes that `Matcher.isSafe` guards
/// against. Where records are typed by hand for one person at a time (a roster with a father
/// and his adult son of one name at one address), two records of one name and home without a
/// birth date to tell them apart may be two people; where the records come from a list of
/// independent people, they are almost always one. The candidates say which: among the pairs
/// that share a home and both carry a birth date, how many are a generation apart (Sr. and
/// Jr.), and how many with given names alike but not the same were born on other days
/// (siblings, spouses, Jon and Joan), and how many born on one day have plainly different given
/// names (twins).
struct DistrictRisks: Sendable {
    /// Of the dated pairs sharing both names and a home: the share born 14 years apart or more
    /// (and not by one wrong digit).
    var generationApart = 1.0
    /// Of the dated pairs sharing the family name and a home, with given names alike but not
    /// the same (a nickname, a spelling, a typo): the share whose birth dates differ beyond a
    /// typo.
    var variantsApart = 1.0
    /// Of the pairs sharing the family name, a home and the birth date, given names not the
    /// same: the share whose given names are plainly different names (twins, or a couple born
    /// on one day).
    var twins = 1.0
    /// Pairs seen for each share (below `minimumSample` the share stays 1: nothing relaxed).
    var sample = (names: 0, variants: 0, twins: 0)

    /// Fewer pairs than this say nothing. 20 pairs none of which is of the kind put its share
    /// below one in seven at 95% confidence; a list of 445 records (about 20 such pairs) went
    /// from likely F1 0.84 to 0.96 with it (30 before), precision 1.0, and the sample
    /// generator's small districts of families keep every rule.
    static let minimumSample = 20
    /// A share below this is rare enough to relax a rule: at most one wrong pair in twenty of
    /// the kind relaxed, a small kind among the likely pairs.
    static let rare = 0.05

    /// Records of one name and home are hardly ever a generation apart here.
    var homeNamesakesRare: Bool { generationApart < Self.rare }
    /// Records of one family and home with alike given names are hardly ever two people here.
    var homeVariantsRare: Bool { variantsApart < Self.rare }
    /// Two people of one family and home born on one day (twins) are hardly ever seen here.
    var twinsRare: Bool { twins < Self.rare }
    /// None of the look-alikes of a family at one home is seen here: the records are of
    /// independent people (a list, not a roster of families).
    var independentPeople: Bool { homeNamesakesRare && homeVariantsRare && twinsRare }

    init() {}

    /// Counts over the candidate pairs (`a << 32 | b`) that share a family name, both with a
    /// real birth date (`Matcher.realDate`: a typed-in 4986 says nothing of a generation).
    init(_ r: MatchRecords, candidates: [UInt64]) {
        self.init(r, candidates: candidates, digests: Matcher.digests(r))
    }

    /// The same, with `Matcher.digests` of `r` already made: a pair whose street numbers and
    /// streets differ shares no home and is passed over without comparing its addresses.
    init(_ r: MatchRecords, candidates: [UInt64], digests: [UInt32]) {
        let counts = inParallel(candidates.count) { range -> [Int] in
            var c = [0, 0, 0, 0, 0, 0]  // names: all, apart; variants: all, apart; twins
            var parts: [UInt8] = [0, 0, 0, 0]
            for k in range {
                let i = Int(candidates[k] >> 32)
                let j = Int(candidates[k] & 0xFFFF_FFFF)
                guard r.familyHash[i] == r.familyHash[j], Matcher.realDate(r.birth[i]),
                    Matcher.realDate(r.birth[j]), !r.isEmpty(i, .family)
                else { continue }
                guard Matcher.mayShareHome(digests, i, j) else { continue }
                let home = Matcher.addressLevel(r, i, j, parts: &parts)
                guard home == 1 || home == 2 else { continue }
                if r.fullNameHash[i] == r.fullNameHash[j] {
                    c[0] += 1
                    // A generation apart, and not by one wrong digit of the year.
                    if abs(r.birth[i] / 10000 - r.birth[j] / 10000) >= 14
                        && Matcher.birthLevel(r.birth[i], r.birth[j]) >= 4
                    {
                        c[1] += 1
                    }
                    continue
                }
                let given = Matcher.nameLevel(
                    r, i, .given, j, .given, r.givenCode[i], r.givenCode[j], given: true)
                if r.birth[i] == r.birth[j] && given != 0 && given != 6 {
                    c[4] += 1
                    // Two names both known as names (a mangled name is mostly no name at all).
                    if given == 7 && r.givenKnown[i] && r.givenKnown[j] { c[5] += 1 }
                }
                guard (2...5).contains(given) else { continue }
                c[2] += 1
                if Matcher.birthLevel(r.birth[i], r.birth[j]) >= 4 { c[3] += 1 }
            }
            return c
        }
        let c = counts.reduce([0, 0, 0, 0, 0, 0]) { zip($0, $1).map(+) }
        sample = (c[0], c[2], c[4])
        if c[4] >= Self.minimumSample { twins = Double(c[5]) / Double(c[4]) }
        if c[0] >= Self.minimumSample { generationApart = Double(c[1]) / Double(c[0]) }
        if c[2] >= Self.minimumSample { variantsApart = Double(c[3]) / Double(c[2]) }
    }
}
