/// How a duplicate guardian record differs from the original, as records typed by different
/// people years apart do. `sample generate` applies one to four of these to each duplicate
/// (one 35%, two 35%, three 20%, four 10%), each drawn by its weight below (out of 100), and
/// writes their names to truth.csv.
enum Corruption: String, CaseIterable {
    /// A slipped key: a neighbour key, an extra or missing letter, two letters swapped.
    case typoGiven = "typo-given"
    case typoFamily = "typo-family"
    case byEarGiven = "by-ear-given"  // spelt as heard: Jon/John, Kathryn/Catherine
    case byEarFamily = "by-ear-family"
    case ocr  // read off paper: rn/m, cl/d, l/1, O/0
    case nickname  // Bill for William
    case swappedNames = "swapped-names"  // given and family name in the wrong columns
    case missingEmail = "missing-email"
    case missingPhone = "missing-phone"
    case missingBirth = "missing-birth-date"
    case missingAddress = "missing-address"
    case dayMonthSwapped = "day-month-swapped"
    case birthDigit = "birth-date-digit"  // one digit of the birth date wrong
    case postcodeDigit = "postcode-digit"
    case typoStreet = "typo-street"
    case typoCity = "typo-city"
    case moved  // a new address (and household)
    case surname  // a second surname added or dropped (García-López / García)
    case reformatted  // e-mail in capitals, phone as bare digits
    case accentsDropped = "accents-dropped"

    var weight: Int {
        switch self {
        case .typoGiven: 9
        case .typoFamily: 10
        case .byEarGiven: 6
        case .byEarFamily: 6
        case .ocr: 3
        case .nickname: 5
        case .swappedNames: 4
        case .missingEmail: 8
        case .missingPhone: 5
        case .missingBirth: 4
        case .missingAddress: 2
        case .dayMonthSwapped: 4
        case .birthDigit: 5
        case .postcodeDigit: 4
        case .typoStreet: 5
        case .typoCity: 3
        case .moved: 7
        case .surname: 4
        case .reformatted: 3
        case .accentsDropped: 3
        }
    }

    static func pick(_ rng: inout SplitMix64) -> Corruption {
        var r = rng.int(allCases.reduce(0) { $0 + $1.weight })
        for c in allCases {
            if r < c.weight { return c }
            r -= c.weight
        }
        return .typoFamily
    }

    /// How many corruptions a duplicate gets.
    static func count(_ rng: inout SplitMix64) -> Int {
        let r = rng.int(100)
        return r < 35 ? 1 : r < 70 ? 2 : r < 90 ? 3 : 4
    }

    // MARK: text

    /// Neighbouring keys on a QWERTY keyboard.
    static let neighbours: [Character: String] = [
        "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij",
        "i": "uok", "o": "ipl", "p": "ol", "a": "qsz", "s": "awdz", "d": "sefx", "f": "drgc",
        "g": "fthv", "h": "gyjb", "j": "hukn", "k": "jilm", "l": "kop", "z": "asx", "x": "zsdc",
        "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
    ]

    /// A keyboard slip: a neighbour key, a letter doubled or dropped, two letters swapped.
    static func typo(_ s: String, _ rng: inout SplitMix64) -> String {
        var c = Array(s)
        guard c.count >= 3 else { return s + String(c.last ?? "e") }
        let i = 1 + rng.int(c.count - 1)
        switch rng.int(4) {
        case 0:
            let lower = Character(c[i].lowercased())
            if let n = neighbours[lower], let pick = n.randomElement(using: &rng) {
                c[i] = c[i].isUppercase ? Character(pick.uppercased()) : pick
            } else {
                c.remove(at: i)
            }
        case 1: c.insert(c[i], at: i)
        case 2: c.remove(at: i)
        default: if i + 1 < c.count { c.swapAt(i, i + 1) } else { c.swapAt(i, i - 1) }
        }
        return String(c)
    }

    /// Names that sound the same and are spelt otherwise.
    static let soundAlike: [[String]] = [
        ["Jon", "John"], ["Kathryn", "Catherine", "Katherine"], ["Nguyen", "Ngyuen", "Nguen"],
        ["Mohamed", "Mohammed", "Muhammad"], ["Steven", "Stephen"], ["Sara", "Sarah"],
        ["Ann", "Anne"], ["Jeffrey", "Geoffrey"], ["Philip", "Phillip"], ["Isabel", "Isabelle"],
        ["Brian", "Bryan"], ["Carl", "Karl"], ["Erik", "Eric"], ["Lee", "Li"], ["Thao", "Tao"],
        ["Smith", "Smyth"], ["Reid", "Reed"], ["Peterson", "Petersen"], ["Hansen", "Hanson"],
        ["Larson", "Larsen"], ["Schmidt", "Schmitt"], ["Meyer", "Meier"], ["Xiong", "Shiong"],
    ]

    /// Spelt by ear: a known sound-alike, else a rule (ph/f, c/k, y/i, doubled or single
    /// letters, -son/-sen, a vowel for another).
    static func byEar(_ s: String, _ rng: inout SplitMix64) -> String {
        if let group = soundAlike.first(where: { $0.contains(s) }) {
            return group.filter { $0 != s }[rng.int(group.count - 1)]
        }
        let rules: [(String, String)] = [
            ("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"), ("y", "i"), ("i", "y"),
            ("ie", "y"), ("ck", "k"), ("th", "t"), ("son", "sen"), ("sen", "son"), ("ll", "l"),
            ("l", "ll"), ("nn", "n"), ("n", "nn"), ("tt", "t"), ("ei", "ie"), ("ou", "u"),
            ("w", "v"), ("a", "e"), ("e", "a"), ("o", "u"), ("z", "s"), ("s", "z"),
        ]
        let lower = s.lowercased()
        for _ in 0..<8 {
            let (from, to) = rules[rng.int(rules.count)]
            guard let r = lower.range(of: from, after: 1) else { continue }
            var out = lower
            out.replaceSubrange(r, with: to)
            return out.prefix(1).uppercased() + out.dropFirst()
        }
        return typo(s, &rng)
    }

    /// Misread off paper.
    static func ocr(_ s: String, _ rng: inout SplitMix64) -> String {
        let rules: [(String, String)] = [
            ("m", "rn"), ("rn", "m"), ("d", "cl"), ("l", "1"), ("o", "0"), ("s", "5"), ("b", "6"),
            ("g", "9"), ("e", "c"), ("h", "b"), ("u", "v"),
        ]
        for _ in 0..<8 {
            let (from, to) = rules[rng.int(rules.count)]
            guard let r = s.range(of: from, after: 1) else { continue }
            var out = s
            out.replaceSubrange(r, with: to)
            return out
        }
        return typo(s, &rng)
    }

    /// One digit of `s` replaced by another.
    static func digit(_ s: String, _ rng: inout SplitMix64) -> String {
        var c = Array(s)
        let positions = c.indices.filter { c[$0].isNumber }
        guard !positions.isEmpty else { return s }
        let i = positions[rng.int(positions.count)]
        var d = Character(String(rng.int(10)))
        while d == c[i] { d = Character(String(rng.int(10))) }
        c[i] = d
        return String(c)
    }
}

extension String {
    /// The first range of `s` at or after character `offset`.
    fileprivate func range(of s: String, after offset: Int) -> Range<String.Index>? {
        guard offset < count else { return nil }
        let start = index(startIndex, offsetBy: offset)
        var i = start
        while i < endIndex {
            if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
            i = index(after: i)
        }
        return nil
    }
}

extension SplitMix64: RandomNumberGenerator {}
