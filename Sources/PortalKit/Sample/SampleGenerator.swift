#if canImport(Glibc)
    internal import Glibc
#endif

/// A small, fast, seedable generator (SplitMix64) so the same seed gives the same district.
/// Not for secrets: keys and passwords use the system CSPRNG.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}

/// What `generate` wrote: how many of each record, and the planted duplicates.
public struct SampleSummary: Sendable {
    public var schools = 0, students = 0, guardians = 0, households = 0, links = 0
    public var duplicateGuardians = 0, duplicateHouseholds = 0
    /// Students who turn 18 in the current school year (for trying `age18 scan`).
    public var turning18ThisYear = 0
}

/// `sample generate`: a realistic synthetic district as a native bundle, with a known share of
/// duplicate guardians and households whose truth goes to `truth.csv` beside the bundle.
public enum SampleGenerator {
    struct Origin {
        let given: [String]
        let family: [String]
        let weight: Int
        /// Names drawn by their rank in a long list, as real names are (a few very common,
        /// most rare), rather than evenly from a short one.
        var ranked = false

        func pickGiven(_ rng: inout SplitMix64) -> String {
            guard ranked else { return rng.pick(given) }
            let list = rng.chance(0.5) ? CensusNames.female : CensusNames.male
            return list[Ranks.pick(list.count, &rng)]
        }

        func pickFamily(_ rng: inout SplitMix64) -> String {
            ranked ? family[Ranks.pick(family.count, &rng)] : rng.pick(family)
        }
    }

    /// Picks a rank with a chance falling as 1/(rank + 10): about the spread of US census
    /// names (Smith about 1%, most names rarer than 1 in 10,000).
    enum Ranks {
        static func pick(_ count: Int, _ rng: inout SplitMix64) -> Int {
            // The inverse of the cumulative 1/(k + 10): ln((k + 10) / 10) / ln((n + 10) / 10).
            let u = Double(rng.next() % 1_000_000) / 1_000_000
            let k = 10 * exp(u * log(Double(count + 10) / 10)) - 10
            return min(count - 1, max(0, Int(k)))
        }
    }

    static let origins: [Origin] = [
        Origin(given: [], family: CensusNames.family, weight: 45, ranked: true),
        Origin(
            given: [
                "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
                "William", "Elizabeth",
                "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
                "Charles", "Karen",
                "Christopher", "Nancy", "Daniel", "Margaret", "Matthew", "Betty", "Anthony",
                "Sandra", "Andrew", "Ashley",
                "Katherine", "Samuel", "Rebecca", "Benjamin", "Olivia", "Nicholas", "Abigail",
                "Timothy", "Deborah", "Jacob",
            ],
            family: [
                "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
                "Anderson", "Taylor",
                "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
                "Lewis", "Robinson",
                "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
                "Baker", "Nelson",
                "Carlson", "Olson", "Peterson", "Hansen", "Larson", "O'Brien", "McDonald",
                "Schmidt", "Johnston",
            ],
            weight: 15),
        Origin(
            given: [
                "José", "María", "Juan", "Guadalupe", "Luis", "Sofía", "Carlos", "Ana", "Jesús",
                "Lucía", "Francisco",
                "Valentina", "Alejandro", "Camila", "Miguel", "Ximena", "Eduardo", "Dolores",
                "Ángel", "Inés",
            ],
            family: [
                "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
                "Sánchez", "Ramírez",
                "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Núñez", "Peña", "Muñoz",
                "García-López", "Ortiz", "Castillo",
            ],
            weight: 22),
        Origin(
            given: ["Minh", "Linh", "Huy", "Thảo", "Anh", "Ngọc", "Tuấn", "Hương"],
            family: ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"], weight: 5),
        Origin(
            given: ["Pa", "Kou", "Mai", "Tou", "Yer", "Chue", "Nou", "Shoua"],
            family: ["Vang", "Xiong", "Lee", "Yang", "Thao", "Her", "Moua", "Lor"], weight: 5),
        Origin(
            given: ["Abdi", "Hodan", "Mohamed", "Fadumo", "Ahmed", "Amina", "Abdirahman", "Hawa"],
            family: ["Hassan", "Ali", "Mohamed", "Farah", "Warsame", "Abdi", "Osman", "Jama"],
            weight: 5),
        Origin(
            given: ["Wei", "Li", "Jun", "Mei", "Hao", "Xin"],
            family: ["Wang", "Li", "Zhang", "Liu", "Chen", "Zhao"], weight: 4),
        Origin(
            given: ["Haruto", "Yui", "Sota", "Hina", "翔太", "さくら"],
            family: ["Sato", "Suzuki", "Takahashi", "Tanaka", "山田", "佐藤"], weight: 2),
        Origin(
            given: [
                "Łukasz", "Zofia", "Jürgen", "Anneliese", "Søren", "Björn", "Chloé", "Zoë",
                "François", "Noémie",
            ],
            family: [
                "Kowalski", "Müller", "Schröder", "Nowak", "Jørgensen", "Lefèvre", "Dubois",
                "Öztürk", "Þórsson", "Wójcik",
            ], weight: 2),
        Origin(
            given: ["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya"],
            family: ["Patel", "Sharma", "Singh", "Kumar", "Reddy", "Gupta"], weight: 3),
        Origin(
            given: ["Omar", "Layla", "Yusuf", "Fatima", "Karim", "Noor"],
            family: ["Haddad", "Khalil", "Nasser", "Saleh", "Al-Amin", "El-Sayed"], weight: 2),
    ]

    static let streets = [
        "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Ave",
        "Lake Rd",
        "Hillcrest Dr", "Park Ave", "Sunset Blvd", "River Rd", "2nd St NE", "5th Ave S",
        "Prairie View Ct",
    ]
    /// More street names, as a large district has: a name and a kind of street.
    static let streetNames = [
        "Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Aspen", "Spruce", "Walnut",
        "Lake", "River", "Park", "Hill", "Meadow", "Prairie", "Sunset", "Ridge", "Forest",
        "Garden", "Lincoln", "Jefferson", "Madison", "Franklin", "Adams", "Jackson", "Grant",
        "Harrison", "Cleveland", "Monroe", "Orchard", "Valley", "Highland", "Spring", "Mill",
        "Church", "School", "Center", "Union", "Liberty",
    ]
    static let streetKinds = ["St", "Ave", "Dr", "Ln", "Rd", "Ct", "Blvd", "Way", "Pl"]
    static let cities = [
        ("Hutchinson", "MN", "55350"), ("Glencoe", "MN", "55336"), ("Litchfield", "MN", "55355"),
        ("Minneapolis", "MN", "55407"), ("Saint Paul", "MN", "55104"),
        ("Elizabethtown", "KY", "42701"),
    ]
    static let relationships = [
        "mother", "father", "guardian", "stepmother", "stepfather", "grandmother", "grandfather",
    ]

    struct Person {
        var id: String, given: String, family: String, email: String?, phone: String?
        var street: String?, city: String?, state: String?, postcode: String?, household: String
        var birth: String = ""
        var unit: String = ""
    }

    /// A UUID for a numbered id of the generator (`G1000001`, `S600001`, `HH100001`): the prefix
    /// and number, mixed with the seed by a function that gives each its own value (so no two
    /// ids meet), in the usual lower-case spelling. Anything else is returned as it is.
    public static func uuid(for id: String, seed: UInt64) -> String {
        let digits = id.drop { !$0.isNumber }
        let prefix = id.prefix(id.count - digits.count)
        let tags: [Substring: UInt64] = ["G": 1, "S": 2, "HH": 3]
        guard let tag = tags[prefix], let n = UInt64(digits), n < 1 << 48 else { return id }
        // SplitMix64's finishing steps: each one undoable, so different ids give different values.
        func mix(_ x: UInt64) -> UInt64 {
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let a = mix(tag << 48 | n ^ (seed &* 0x9E37_79B9_7F4A_7C15))
        let b = mix(a ^ 0x5851_F42D_4C95_7F2D)
        let hex = Array(
            (String(a, radix: 16).leftPadded(to: 16) + String(b, radix: 16).leftPadded(to: 16))
        )
        return [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]]
            .map { String($0) }.joined(separator: "-")
    }

    /// The files `generate` writes.
    public static let files = [
        "schools.csv", "guardians.csv", "students.csv", "relationships.csv", "truth.csv",
    ]

    /// Writes schools.csv, guardians.csv, students.csv, relationships.csv and truth.csv into `dir`.
    /// `year` is the calendar year the school year ends in, so some students turn 18 in it.
    /// `contact: false` leaves every guardian's e-mail and phone out, as exports that carry
    /// neither do; `uuids: true` spells the guardians', students' and households' ids as UUIDs
    /// (see `uuid(for:seed:)`), as many SIS exports do, the rest of the files unchanged.
    public static func generate(
        students n: Int, seed: UInt64, year: Int, to dir: String, contact: Bool = true,
        uuids: Bool = false
    ) throws -> SampleSummary {
        guard n > 0 else { throw PortalError.usage("the number of students must be at least 1") }
        var st = stat()
        if stat(dir, &st) != 0 && mkdir(dir, 0o755) != 0 {
            throw PortalError(
                .cannotCreate,
                "cannot create the folder '\(dir)': \(String(cString: strerror(errno)))",
                hint: "check the parent folder exists and is writable")
        }
        var rng = SplitMix64(state: seed)
        var summary = SampleSummary()
        let schoolCount = max(3, n / 450)
        let schools = try CSVFileWriter(path: dir + "/schools.csv")
        try schools.row(["school_id", "name"])
        let kinds = ["Elementary", "Middle", "High"]
        for i in 0..<schoolCount {
            try schools.row([
                "SCH\(100 + i)",
                "\(cities[i % cities.count].0) \(kinds[i % 3]) School\(i >= 3 ? " \(i / 3 + 1)" : "")",
            ])
        }
        summary.schools = schoolCount
        try schools.finish()

        let spell = uuids ? { uuid(for: $0, seed: seed) } : nil
        let guardians = try BundleFile(dir + "/guardians.csv", ids: [0, 11], spell)
        try guardians.row([
            "guardian_id", "given_name", "family_name", "email", "phone", "street", "street2",
            "city", "state", "postcode", "birth_date", "household_id",
        ])
        let students = try BundleFile(dir + "/students.csv", ids: [0, 8], spell)
        try students.row([
            "student_id", "given_name", "family_name", "middle_name", "birth_date", "grade",
            "school_id", "email", "household_id", "status",
        ])
        let links = try BundleFile(dir + "/relationships.csv", ids: [0, 1], spell)
        try links.row(["guardian_id", "student_id", "relationship", "portal_access", "custodial"])
        let truth = try BundleFile(dir + "/truth.csv", ids: [1, 2], spell)
        try truth.row(["kind", "id", "duplicate_of", "variation"])

        let totalWeight = origins.reduce(0) { $0 + $1.weight }
        func origin() -> Origin {
            var r = rng.int(totalWeight)
            for o in origins {
                if r < o.weight { return o }
                r -= o.weight
            }
            return origins[0]
        }
        func phone() -> String {
            let a = 200 + rng.int(800)
            let b = 200 + rng.int(800)
            let c = rng.int(10000)
            let c4 = String(repeating: "0", count: 4 - String(c).count) + String(c)
            switch rng.int(4) {
            case 0: return "(\(a)) \(b)-\(c4)"
            case 1: return "\(a)-\(b)-\(c4)"
            case 2: return "\(a).\(b).\(c4)"
            default: return "+1 \(a) \(b) \(c4)"
            }
        }
        func ascii(_ s: String) -> String {
            searchFold(s).filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
        var usedEmails = Set<String>()
        /// The ASCII letters of two names joined by `dot` (when both have some: a name in
        /// another script has none, and an address never starts or ends with a dot).
        func local(_ g: String, _ f: String, dot: Bool) -> String {
            let (a, b) = (ascii(g), ascii(f))
            return a + (dot && !a.isEmpty && !b.isEmpty ? "." : "") + b
        }
        func email(_ g: String, _ f: String) -> String? {
            let dot = rng.chance(0.5)
            let local = local(g, f, dot: dot)
            // (Counted with the dot as it was, so that the rest of a seed's district stays.)
            guard local.count + (dot && !local.contains(".") ? 1 : 0) > 1 else { return nil }
            let domain = rng.pick([
                "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "comcast.net",
            ])
            // An address has one owner: when the plain name is taken, a number is added.
            var e = local + (rng.chance(0.85) ? String(10 + rng.int(9990)) : "") + "@" + domain
            // Gmail ignores dots ("a.b@gmail.com" is "ab@gmail.com"), so dots never make an address unique.
            func mailbox(_ x: String) -> String {
                String(x.lowercased().prefix { $0 != "@" }.filter { $0 != "." }) + "@" + domain
            }
            while usedEmails.contains(mailbox(e)) {
                e = local + String(10 + rng.int(99990)) + "@" + domain
            }
            usedEmails.insert(mailbox(e))
            return rng.chance(0.2) ? e.uppercased() : e
        }

        /// A street: one of the common ones, or one of the many more a large district has.
        func streetName() -> String {
            rng.chance(0.3)
                ? rng.pick(streets) : "\(rng.pick(streetNames)) \(rng.pick(streetKinds))"
        }
        /// A town and one of its twelve postcodes.
        func place() -> (String, String, String) {
            let c = rng.pick(cities)
            return (c.0, c.1, String(c.2.prefix(3)) + String(10 + 7 * rng.int(12)))
        }
        /// A birth date of an adult aged `low` to `high` at the end of the school year.
        func adultBirth(_ low: Int, _ high: Int) -> String {
            guard rng.chance(0.95) else { return "" }
            let y = year - low - rng.int(high - low + 1)
            let m = 1 + rng.int(12)
            return CivilDate(
                clampingYear: y, month: m, day: 1 + rng.int(CivilDate.daysIn(month: m, year: y))
            ).description
        }
        // Large apartment buildings: many households at one street address, told apart by the
        // unit (common names meet there).
        let buildings = (0..<max(1, n / 400)).map { _ in
            ("\(10 + rng.int(9900)) \(streetName())", place())
        }

        var nextGuardian = 1
        var nextStudent = 1
        var nextHousehold = 1
        var written = 0
        while written < n {
            let o = origin()
            let family = o.pickFamily(&rng)
            let hh = "HH\(100000 + nextHousehold)"
            nextHousehold += 1
            summary.households += 1
            var city = place()
            var street = "\(10 + rng.int(9900)) \(streetName())"
            var street2: String? = rng.chance(0.08) ? "Apt \(1 + rng.int(40))" : nil
            if rng.chance(0.1) {
                (street, city) = rng.pick(buildings)
                street2 = "Apt \(1 + rng.int(300))"
            }
            // One or two guardians at home.
            var home: [Person] = []
            for k in 0..<(rng.chance(0.62) ? 2 : 1) {
                var given = o.pickGiven(&rng)
                // Two parents, two names (not one the nickname of the other), or the truth file would lie.
                while k == 1 && Nicknames.same(searchFold(given), searchFold(home[0].given)) {
                    given = o.pickGiven(&rng)
                }
                let fam = k == 1 && rng.chance(0.2) ? o.pickFamily(&rng) : family
                home.append(
                    Person(
                        id: "G\(1_000_000 + nextGuardian)", given: given, family: fam,
                        email: contact && rng.chance(0.85) ? email(given, fam) : nil,
                        phone: contact && rng.chance(0.9) ? phone() : nil,
                        street: street, city: city.0, state: city.1, postcode: city.2,
                        household: hh,
                        birth: adultBirth(24, 55), unit: street2 ?? ""))
                nextGuardian += 1
            }
            // A grandparent of the same name living with the family (Sr. and Jr.): not a
            // duplicate, whatever the names say.
            if rng.chance(0.02) {
                let p = home[0]
                var g = p
                g.id = "G\(1_000_000 + nextGuardian)"
                nextGuardian += 1
                g.email = contact && rng.chance(0.5) ? email(p.given, p.family) : nil
                g.phone = contact && rng.chance(0.5) ? phone() : nil
                g.birth = adultBirth(58, 80)
                if rng.chance(0.5) { g.family += " Sr" }
                home.append(g)
            }
            // A parent living elsewhere for some families.
            var away: Person? = nil
            if rng.chance(0.1) {
                var given = o.pickGiven(&rng)
                let c2 = place()
                while home.contains(where: {
                    Nicknames.same(searchFold(given), searchFold($0.given))
                }) { given = o.pickGiven(&rng) }
                away = Person(
                    id: "G\(1_000_000 + nextGuardian)", given: given, family: family,
                    email: contact ? email(given, family) : nil,
                    phone: contact ? phone() : nil,
                    street: "\(10 + rng.int(9900)) \(streetName())",
                    city: c2.0, state: c2.1,
                    postcode: c2.2, household: "HH\(100000 + nextHousehold)",
                    birth: adultBirth(24, 55))
                nextGuardian += 1
                nextHousehold += 1
                summary.households += 1
            }
            func write(_ p: Person) throws {
                try guardians.row([
                    p.id, p.given, p.family, p.email ?? "", p.phone ?? "", p.street ?? "", p.unit,
                    p.city ?? "", p.state ?? "", p.postcode ?? "", p.birth, p.household,
                ])
                summary.guardians += 1
            }
            for p in home + (away.map { [$0] } ?? []) { try write(p) }
            // Children.
            let kids = min(n - written, [1, 1, 1, 2, 2, 2, 3, 4][rng.int(8)])
            // About 4% of families get a duplicate record of a guardian. As in the help-desk story,
            // a younger child is attached to the duplicate instead of the original record.
            let makeDuplicate = rng.chance(0.04)
            var kidIDs: [String] = []
            for _ in 0..<kids {
                let sid = "S\(600_000 + nextStudent)"
                nextStudent += 1
                kidIDs.append(sid)
                // Grade K..12; age at the end of the school year is grade + 6, give or take.
                let grade = rng.int(13)
                let ageAtEnd = grade + 6 + (rng.chance(0.15) ? 1 : 0)
                var birthYear = year - ageAtEnd
                var month = 1 + rng.int(12)
                if grade == 12 && rng.chance(0.5) {
                    birthYear = year - 18
                    month = 1 + rng.int(12)
                }
                let day = 1 + rng.int(CivilDate.daysIn(month: month, year: birthYear))
                if birthYear == year - 18 { summary.turning18ThisYear += 1 }
                var birth = CivilDate(clampingYear: birthYear, month: month, day: day).description
                if rng.chance(0.05) { birth = "\(month)/\(day)/\(birthYear)" }
                if rng.chance(0.01) { birth = "" }
                let given = o.pickGiven(&rng)
                let school =
                    "SCH\(100 + (grade < 6 ? 0 : grade < 9 ? 1 : 2) + 3 * rng.int(max(1, schoolCount / 3)))"
                let schoolID = min(Int(school.dropFirst(3)) ?? 100, 100 + schoolCount - 1)
                try students.row([
                    sid, given, family, rng.chance(0.3) ? o.pickGiven(&rng) : "", birth,
                    grade == 0 ? "KG" : (grade < 10 ? "0\(grade)" : "\(grade)"), "SCH\(schoolID)",
                    grade >= 6
                        ? (local(given, family, dot: true) + String(sid.suffix(4))
                            + "@students.example.org").lowercased() : "",
                    hh, "active",
                ])
                summary.students += 1
                for (i, p) in home.enumerated()
                where !(makeDuplicate && i == 0 && kids >= 2 && kidIDs.count == kids) {
                    try links.row([
                        p.id, sid,
                        i == 0
                            ? rng.pick(["mother", "father", "guardian"])
                            : rng.pick(["father", "mother", "stepfather", "stepmother"]), "yes",
                        "yes",
                    ])
                    summary.links += 1
                }
                if let a = away {
                    try links.row([a.id, sid, rng.pick(["father", "mother"]), "yes", "no"])
                    summary.links += 1
                }
            }
            written += kids
            /// A birth date with one digit wrong that is still a plausible date.
            func wrongDigit(_ birth: String) -> String {
                for _ in 0..<20 {
                    let changed = Corruption.digit(birth, &rng)
                    if let d = CivilDate(parsing: changed), d.year > year - 100, d.year < year - 16
                    {
                        return changed
                    }
                }
                return birth
            }
            // The duplicate records: "I can see one of my children but not the other".
            if makeDuplicate {
                let p = home[0]
                let copies = rng.int(100) < 85 ? 1 : rng.int(100) < 80 ? 2 : 3
                for _ in 0..<copies {
                    var d = p
                    d.id = "G\(1_000_000 + nextGuardian)"
                    nextGuardian += 1
                    var applied: [String] = []
                    for _ in 0..<Corruption.count(&rng) {
                        let c = Corruption.pick(&rng)
                        if applied.contains(c.rawValue) { continue }
                        applied.append(c.rawValue)
                        switch c {
                        case .typoGiven: d.given = Corruption.typo(d.given, &rng)
                        case .typoFamily: d.family = Corruption.typo(d.family, &rng)
                        case .byEarGiven: d.given = Corruption.byEar(d.given, &rng)
                        case .byEarFamily: d.family = Corruption.byEar(d.family, &rng)
                        case .ocr:
                            if rng.chance(0.5) {
                                d.family = Corruption.ocr(d.family, &rng)
                            } else {
                                d.street = d.street.map { Corruption.ocr($0, &rng) }
                            }
                        case .nickname:
                            let key = searchFold(d.given)
                            if let alt = Nicknames.equivalents[key]?.filter({ $0 != key }).sorted()
                                .first
                            {
                                d.given = alt.prefix(1).uppercased() + alt.dropFirst()
                            } else {
                                d.given = d.given.uppercased()
                            }
                        case .swappedNames: (d.given, d.family) = (d.family, d.given)
                        case .missingEmail: d.email = nil
                        case .missingPhone: d.phone = nil
                        case .missingBirth: d.birth = ""
                        case .missingAddress:
                            d.street = nil
                            d.unit = ""
                        case .dayMonthSwapped:
                            if let b = CivilDate(parsing: d.birth), b.day <= 12, b.day != b.month {
                                d.birth =
                                    CivilDate(clampingYear: b.year, month: b.day, day: b.month)
                                    .description
                            } else {
                                d.birth = wrongDigit(d.birth)
                            }
                        case .birthDigit: d.birth = wrongDigit(d.birth)
                        case .postcodeDigit:
                            d.postcode = d.postcode.map { Corruption.digit($0, &rng) }
                        case .typoStreet: d.street = d.street.map { Corruption.typo($0, &rng) }
                        case .typoCity: d.city = d.city.map { Corruption.typo($0, &rng) }
                        case .moved:
                            let c2 = place()
                            d.street = "\(10 + rng.int(9900)) \(streetName())"
                            d.unit = ""
                            d.city = c2.0
                            d.state = c2.1
                            d.postcode = c2.2
                            d.household = "HH\(100000 + nextHousehold)"
                            nextHousehold += 1
                            summary.households += 1
                            try truth.row(["household", d.household, p.household, "moved"])
                            summary.duplicateHouseholds += 1
                        case .surname:
                            d.family =
                                d.family.contains("-")
                                ? String(d.family.split(separator: "-")[0])
                                : d.family + "-" + o.pickFamily(&rng)
                        case .reformatted:
                            d.email = d.email?.uppercased()
                            if let ph = d.phone { d.phone = ph.filter(\.isNumber) }
                        case .accentsDropped:
                            d.given = searchFold(d.given).capitalizedFirst
                            d.family = searchFold(d.family).capitalizedFirst
                        }
                    }
                    if d.household == p.household && rng.chance(0.5) {
                        // The duplicate sits in its own household record at the same address.
                        d.household = "HH\(100000 + nextHousehold)"
                        nextHousehold += 1
                        summary.households += 1
                        try truth.row(["household", d.household, p.household, "same-address"])
                        summary.duplicateHouseholds += 1
                    }
                    try write(d)
                    try links.row([d.id, kidIDs.last ?? "", "guardian", "yes", "yes"])
                    try truth.row(["guardian", d.id, p.id, applied.joined(separator: "+")])
                    summary.links += 1
                    summary.duplicateGuardians += 1
                }
            }
        }
        try guardians.finish()
        try students.finish()
        try links.finish()
        try truth.finish()
        return summary
    }
}

extension SampleGenerator.Person: Equatable {}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

/// One file of the generated bundle, with its id columns spelled by `spell` (nil: as made).
private struct BundleFile {
    let file: CSVFileWriter
    let ids: [Int]
    let spell: ((String) -> String)?

    init(_ path: String, ids: [Int], _ spell: ((String) -> String)?) throws {
        file = try CSVFileWriter(path: path)
        self.ids = ids
        self.spell = spell
    }

    func row(_ fields: [String]) throws {
        guard let spell else { return try file.row(fields) }
        var fields = fields
        for i in ids where i < fields.count { fields[i] = spell(fields[i]) }
        try file.row(fields)
    }

    func finish() throws { try file.finish() }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String {
        String(repeating: "0", count: max(0, n - count)) + self
    }
}
