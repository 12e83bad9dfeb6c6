/// A grade as rosters spell it, put in school order: infant/toddler and pre-school before
/// pre-kindergarten, then transitional kindergarten, kindergarten, 1 to 13, and post-secondary.
/// Spellings vary by SIS: `PK`, `Pre-K`, `K`, `KG`, `00`, `01`, `1`, `1st`, `Grade 3`, `12th`,
/// `9th Grade` (the OneRoster/CEDS codes among them). `UG` (ungraded), `Other` and blanks have no
/// place in the order: `Grade("UG")` is nil.
public struct Grade: Comparable, Sendable, CustomStringConvertible {
    /// The place in school order: kindergarten is 0, grade 1 is 1, pre-kindergarten -2.
    public let rank: Int

    /// The grade `text` names, or nil when it names none that can be ordered.
    public init?(_ text: String) {
        var t = text.trimmed().uppercased()
        for prefix in ["GRADE ", "GRADE", "GR ", "GR.", "GR"] where t.hasPrefix(prefix) {
            t = String(t.dropFirst(prefix.count)).trimmed()
            break
        }
        // "9th Grade", "1st grade": the word after the number.
        if t.hasSuffix(" GRADE") { t = String(t.dropLast(6)).trimmed() }
        for suffix in ["ST", "ND", "RD", "TH"]
        where t.hasSuffix(suffix) && t.dropLast(2).allSatisfy(\.isNumber) && t.count > 2 {
            t = String(t.dropLast(2))
            break
        }
        let named: [String: Int] = [
            "IT": -4, "INFANT": -4, "PR": -3, "PRESCHOOL": -3, "PRE-SCHOOL": -3,
            "PK": -2, "PREK": -2, "PRE-K": -2, "P": -2, "PRE-KINDERGARTEN": -2,
            "PREKINDERGARTEN": -2, "TK": -1, "K": 0, "KG": 0, "KN": 0, "KINDERGARTEN": 0,
            "PS": 14, "POSTSECONDARY": 14,
        ]
        if let r = named[t] {
            rank = r
        } else if !t.isEmpty, t.count <= 2, t.allSatisfy(\.isNumber), let n = Int(t), n <= 13 {
            rank = n
        } else {
            return nil
        }
    }

    /// How the grade is said back: PK, K, 1..13.
    public var description: String {
        switch rank {
        case -4: "IT"
        case -3: "PR"
        case -2: "PK"
        case -1: "TK"
        case 0: "K"
        case 14: "PS"
        default: String(rank)
        }
    }

    /// Lower grades first.
    public static func < (a: Grade, b: Grade) -> Bool { a.rank < b.rank }
}
