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

public struct SampleSummary: Sendable {
    public var schools = 0, students = 0, guardians = 0, households = 0, links = 0
    public var duplicateGuardians = 0, duplicateHouseholds = 0
    public var turning18ThisYear = 0
}

/// `sample generate`: a realistic synthetic district as a native bundle, with a known share of
/// duplicate guardians and households whose truth goes to `truth.csv` beside the bundle.
public enum SampleGenerator {
    struct Origin {
        let given: [String]
        let family: [String]
        let weight: Int
    }

    static let origins: [Origin] = [
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
            weight: 50),
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
    }

    /// The files `generate` writes.
    public static let files = [
        "schools.csv", "guardians.csv", "students.csv", "relationships.csv", "truth.csv",
    ]

    /// Writes schools.csv, guardians.csv, students.csv, relationships.csv and truth.csv into `dir`.
    /// `year` is the calendar year the school year ends in, so some students turn 18 in it.
    public static func generate(students n: Int, seed: UInt64, year: Int, to dir: String) throws
        -> SampleSummary
    {
        guard n > 0 else { throw PortalError.usage("--students must be at least 1") }
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

        let guardians = try CSVFileWriter(path: dir + "/guardians.csv")
        try guardians.row([
            "guardian_id", "given_name", "family_name", "email", "phone", "street", "street2",
            "city", "state", "postcode", "birth_date", "household_id",
        ])
        let students = try CSVFileWriter(path: dir + "/students.csv")
        try students.row([
            "student_id", "given_name", "family_name", "middle_name", "birth_date", "grade",
            "school_id", "email", "household_id", "status",
        ])
        let links = try CSVFileWriter(path: dir + "/relationships.csv")
        try links.row(["guardian_id", "student_id", "relationship", "portal_access", "custodial"])
        let truth = try CSVFileWriter(path: dir + "/truth.csv")
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
        func email(_ g: String, _ f: String) -> String? {
            let local = ascii(g) + (rng.chance(0.5) ? "." : "") + ascii(f)
            guard local.count > 1 else { return nil }
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

        var nextGuardian = 1
        var nextStudent = 1
        var nextHousehold = 1
        var written = 0
        while written < n {
            let o = origin()
            let family = rng.pick(o.family)
            let hh = "HH\(100000 + nextHousehold)"
            nextHousehold += 1
            summary.households += 1
            let city = rng.pick(cities)
            let street = "\(10 + rng.int(9900)) \(rng.pick(streets))"
            let street2: String? = rng.chance(0.08) ? "Apt \(1 + rng.int(40))" : nil
            // One or two guardians at home.
            var home: [Person] = []
            for k in 0..<(rng.chance(0.62) ? 2 : 1) {
                var given = rng.pick(o.given)
                // Two parents, two names (not one the nickname of the other), or the truth file would lie.
                while k == 1 && Nicknames.same(searchFold(given), searchFold(home[0].given)) {
                    given = rng.pick(o.given)
                }
                let fam = k == 1 && rng.chance(0.2) ? rng.pick(o.family) : family
                home.append(
                    Person(
                        id: "G\(1_000_000 + nextGuardian)", given: given, family: fam,
                        email: rng.chance(0.85) ? email(given, fam) : nil,
                        phone: rng.chance(0.9) ? phone() : nil,
                        street: street, city: city.0, state: city.1, postcode: city.2, household: hh
                    ))
                nextGuardian += 1
            }
            // A parent living elsewhere for some families.
            var away: Person? = nil
            if rng.chance(0.1) {
                var given = rng.pick(o.given)
                let c2 = rng.pick(cities)
                while home.contains(where: {
                    Nicknames.same(searchFold(given), searchFold($0.given))
                }) { given = rng.pick(o.given) }
                away = Person(
                    id: "G\(1_000_000 + nextGuardian)", given: given, family: family,
                    email: email(given, family),
                    phone: phone(), street: "\(10 + rng.int(9900)) \(rng.pick(streets))",
                    city: c2.0, state: c2.1,
                    postcode: c2.2, household: "HH\(100000 + nextHousehold)")
                nextGuardian += 1
                nextHousehold += 1
                summary.households += 1
            }
            for p in home + (away.map { [$0] } ?? []) {
                try guardians.row([
                    p.id, p.given, p.family, p.email ?? "", p.phone ?? "", p.street ?? "",
                    p == away ? "" : (street2 ?? ""),
                    p.city ?? "", p.state ?? "", p.postcode ?? "", "", p.household,
                ])
                summary.guardians += 1
            }
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
                let given = rng.pick(o.given)
                let school =
                    "SCH\(100 + (grade < 6 ? 0 : grade < 9 ? 1 : 2) + 3 * rng.int(max(1, schoolCount / 3)))"
                let schoolID = min(Int(school.dropFirst(3)) ?? 100, 100 + schoolCount - 1)
                try students.row([
                    sid, given, family, rng.chance(0.3) ? rng.pick(o.given) : "", birth,
                    grade == 0 ? "KG" : (grade < 10 ? "0\(grade)" : "\(grade)"), "SCH\(schoolID)",
                    grade >= 6
                        ? (ascii(given) + "." + ascii(family) + String(sid.suffix(4))
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
            // The duplicate record: "I can see one of my children but not the other".
            if makeDuplicate {
                let p = home[0]
                var d = p
                d.id = "G\(1_000_000 + nextGuardian)"
                nextGuardian += 1
                let variation = rng.int(8)
                var label = ""
                switch variation {
                case 0:
                    label = "typo"
                    var chars = Array(d.family)
                    if chars.count > 3 {
                        let i = 1 + rng.int(chars.count - 2)
                        chars.swapAt(i, i - 1)
                    }
                    d.family = String(chars)
                case 1:
                    label = "nickname"
                    let key = searchFold(d.given)
                    if let alt = Nicknames.equivalents[key]?.filter({ $0 != key }).sorted().first {
                        d.given = alt.prefix(1).uppercased() + alt.dropFirst()
                    } else {
                        d.given = d.given.uppercased()
                    }
                case 2:
                    label = "swapped-names"
                    (d.given, d.family) = (d.family, d.given)
                case 3:
                    label = "reformatted-contact"
                    d.email = d.email?.uppercased()
                    if let ph = d.phone { d.phone = ph.filter(\.isNumber) }
                case 4:
                    label = "moved"
                    let c2 = rng.pick(cities)
                    d.street = "\(10 + rng.int(9900)) \(rng.pick(streets))"
                    d.city = c2.0
                    d.state = c2.1
                    d.postcode = c2.2
                    d.household = "HH\(100000 + nextHousehold)"
                    nextHousehold += 1
                    summary.households += 1
                    try truth.row(["household", d.household, p.household, "moved"])
                    summary.duplicateHouseholds += 1
                case 5:
                    label = "missing-contact"
                    d.email = nil
                case 6:
                    label = "accents-dropped"
                    d.given =
                        ascii(d.given).isEmpty ? d.given : searchFold(d.given).capitalizedFirst
                    d.family = searchFold(d.family).capitalizedFirst
                default:
                    label = "double-surname"
                    d.family =
                        d.family.contains("-")
                        ? String(d.family.split(separator: "-")[0])
                        : d.family + "-" + rng.pick(o.family)
                }
                if variation != 4 && rng.chance(0.5) {
                    // The duplicate sits in its own household record at the same address.
                    d.household = "HH\(100000 + nextHousehold)"
                    nextHousehold += 1
                    summary.households += 1
                    try truth.row(["household", d.household, p.household, "same-address"])
                    summary.duplicateHouseholds += 1
                }
                try guardians.row([
                    d.id, d.given, d.family, d.email ?? "", d.phone ?? "", d.street ?? "", "",
                    d.city ?? "",
                    d.state ?? "", d.postcode ?? "", "", d.household,
                ])
                try links.row([d.id, kidIDs.last ?? "", "guardian", "yes", "yes"])
                try truth.row(["guardian", d.id, p.id, label])
                summary.guardians += 1
                summary.links += 1
                summary.duplicateGuardians += 1
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
