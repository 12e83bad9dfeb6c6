internal import FoundationEssentials

/// Age 18 (SPEC §10): FERPA rights pass to the student; guardian access ends by the district's
/// `age18_policy`, unless the student consents. A missing birth date is reported, never guessed.
public enum AgeOut {
    /// The district's age-18 settings, read once.
    public struct Policy: Sendable {
        /// end-of-school-year, birthday or never.
        public let kind: String  // end-of-school-year, birthday, never
        /// The last day of the school year.
        public let yearEnd: (month: Int, day: Int)
        /// Where a Feb 29 birthday falls in a common year: mar-01 or feb-28.
        public let leapDay: String  // mar-01 or feb-28
        /// The district's time zone (an IANA name).
        public let zone: String

        /// The policy the district `d` has set.
        public init(_ d: District) {
            kind = d.setting("age18_policy")
            let p = d.setting("school_year_end").split(separator: "-").compactMap { Int($0) }
            yearEnd = p.count == 2 ? (p[0], p[1]) : (6, 30)
            leapDay = d.setting("leap_day_birthday")
            zone = d.setting("timezone")
        }

        /// Whether access that `accessEnds` puts at `ends` is over on `day`. Under
        /// end-of-school-year access lasts through the last day of the school year (policy 1050:
        /// "to June 30th of that year") and is over from the next day; under birthday the rights
        /// pass to the student on the birthday itself.
        public func hasEnded(_ ends: CivilDate, on day: CivilDate) -> Bool {
            kind == "birthday" ? ends <= day : ends < day
        }
    }

    /// The 18th birthday; a Feb 29 birth falls on Mar 1 or Feb 28 in common years, as the district says.
    public static func turns18(_ birth: CivilDate, leapDay: String) -> CivilDate {
        let y = birth.year + 18
        if birth.month == 2 && birth.day == 29 && !CivilDate.isLeap(y) {
            return leapDay == "feb-28"
                ? CivilDate(clampingYear: y, month: 2, day: 28)
                : CivilDate(clampingYear: y, month: 3, day: 1)
        }
        return CivilDate(clampingYear: y, month: birth.month, day: birth.day)
    }

    /// When guardian access ends: the 18th birthday (the first day without it), or the last day
    /// of the school year on or after the birthday (the last day with it; a student turning 18
    /// on June 30 keeps guardian access through that day, one turning 18 on July 1 a year
    /// longer). `Policy.hasEnded` tells the two apart. Nil under `never`.
    public static func accessEnds(_ turns: CivilDate, _ p: Policy) -> CivilDate? {
        switch p.kind {
        case "never": return nil
        case "birthday": return turns
        default:
            let end = CivilDate(
                clampingYear: turns.year, month: p.yearEnd.month, day: p.yearEnd.day)
            return end >= turns
                ? end
                : CivilDate(
                    clampingYear: turns.year + 1, month: p.yearEnd.month, day: p.yearEnd.day)
        }
    }

    /// Whether the rule ends a guardian's access to a student on `day`, and why.
    public enum Verdict: Sendable {
        case notYet(endsOn: CivilDate?)
        case unknownBirthDate
        case ended(turns18: CivilDate, endedOn: CivilDate)
        case requested(on: String)
        case consent(until: String?)
    }

    static func verdict(
        _ db: Database, district: String, policy: Policy, studentID: String, birthDate: String?,
        guardianID: String, on day: CivilDate
    ) throws -> Verdict {
        // Before 18 nothing recorded can apply (a request needs an 18-year-old), so the common
        // case costs no query.
        guard let birth = birthDate.flatMap(CivilDate.init(parsing:)) else {
            return .unknownBirthDate
        }
        let turns = turns18(birth, leapDay: policy.leapDay)
        let ends = accessEnds(turns, policy)
        if turns > day { return .notYet(endsOn: ends) }
        let decisions = try db.query(
            """
            SELECT kind, effective_on, until_date FROM age18_decisions WHERE district_id = ? AND student_id = ? AND guardian_id = ?
            ORDER BY decision_id DESC
            """, [.text(district), .text(studentID), .text(guardianID)])
        if let r = decisions.first(where: { $0.text("kind") == "request" }),
            r.text("effective_on") <= day.description
        {
            return .requested(on: r.text("effective_on"))
        }
        guard let ends, policy.hasEnded(ends, on: day) else { return .notYet(endsOn: ends) }
        if let c = decisions.first(where: { $0.text("kind") == "consent" }),
            c.string("until_date").map({ $0 >= day.description }) ?? true
        {
            return .consent(until: c.string("until_date"))
        }
        return .ended(turns18: turns, endedOn: ends)
    }

    /// One student in an age-18 scan: when access ends and where each guardian stands.
    public struct ScanRow: Sendable {
        /// The student's id.
        public let studentID: String
        /// Given and family name.
        public let name: String
        /// YYYY-MM-DD; nil when the roster has none.
        public let birthDate: String?
        /// The 18th birthday.
        public let turns18On: String?
        /// The day guardian access ends under the policy.
        public let accessEndsOn: String?
        /// Each linked guardian and where their access stands: upcoming, due (to be ended),
        /// ended, continued (the student consented) or unknown.
        public let guardians: [(id: String, state: String)]
        /// The student's standing over all guardians: due, upcoming, continued, ended or
        /// unknown-birthdate.
        public let status: String
    }

    /// Students whose guardians' access ends by `asOf + within` days (or has ended), and every
    /// student with guardians but no birth date.
    public static func scan(_ db: Database, district: District, asOf: CivilDate, within: Int) throws
        -> [ScanRow]
    {
        let p = Policy(district)
        let horizon = asOf.adding(days: within)
        // Born on or before this date: 18 by the horizon (plus a year's margin for the school-year end).
        let bornBy = CivilDate(clampingYear: horizon.year - 17, month: 12, day: 31).description
        var out: [ScanRow] = []
        try db.forEach(
            """
            SELECT s.student_id, s.given_name, s.family_name, s.birth_date FROM students s
            WHERE s.district_id = ? AND s.status = 'active' AND (s.birth_date IS NULL OR s.birth_date <= ?)
            AND EXISTS (SELECT 1 FROM links l WHERE l.district_id = s.district_id AND l.student_id = s.student_id AND l.status = 'active')
            ORDER BY s.birth_date IS NOT NULL, s.birth_date, s.student_id
            """, [.text(district.id), .text(bornBy)]
        ) { r in
            let id = r.text("student_id")
            let name = r.text("given_name") + " " + r.text("family_name")
            let guardians = try db.query(
                "SELECT guardian_id FROM links WHERE district_id = ? AND student_id = ? AND status = 'active' ORDER BY guardian_id",
                [.text(district.id), .text(id)]
            ).map { $0.text("guardian_id") }
            guard let b = r.string("birth_date").flatMap(CivilDate.init(parsing:)) else {
                out.append(
                    ScanRow(
                        studentID: id, name: name, birthDate: nil, turns18On: nil,
                        accessEndsOn: nil,
                        guardians: guardians.map { ($0, "unknown") }, status: "unknown-birthdate"))
                return
            }
            let turns = turns18(b, leapDay: p.leapDay)
            guard let ends = accessEnds(turns, p), ends <= horizon else { return }
            var states: [(String, String)] = []
            for g in guardians {
                let ended =
                    try db.count(
                        "SELECT count(*) FROM age18_decisions WHERE district_id = ? AND student_id = ? AND guardian_id = ? AND kind IN ('ended','request')",
                        [.text(district.id), .text(id), .text(g)]) > 0
                switch try verdict(
                    db, district: district.id, policy: p, studentID: id, birthDate: b.description,
                    guardianID: g, on: asOf)
                {
                case .consent: states.append((g, "continued"))
                case .requested: states.append((g, "ended"))
                case .ended: states.append((g, ended ? "ended" : "due"))
                default: states.append((g, "upcoming"))
                }
            }
            let s = states.map(\.1)
            let status =
                s.contains("due")
                ? "due"
                : s.contains("upcoming")
                    ? "upcoming" : s.contains("continued") ? "continued" : "ended"
            out.append(
                ScanRow(
                    studentID: id, name: name, birthDate: b.description,
                    turns18On: turns.description,
                    accessEndsOn: ends.description, guardians: states, status: status))
        }
        return out
    }

    /// Records the end of every access that is due; running it again changes nothing.
    public static func apply(_ s: Session, asOf: CivilDate) throws -> [(
        student: String, guardian: String, endedOn: String
    )] {
        let d = try s.district()
        let district = try Districts.get(s.db, d)
        var done: [(String, String, String)] = []
        for row in try scan(s.db, district: district, asOf: asOf, within: 0)
        where row.status == "due" {
            for (g, state) in row.guardians where state == "due" {
                try record(
                    s, student: row.studentID, guardian: g, kind: "ended",
                    on: row.accessEndsOn ?? asOf.description, until: nil,
                    reason: "age 18 (\(district.setting("age18_policy")))")
                done.append((row.studentID, g, row.accessEndsOn ?? ""))
            }
        }
        return done
    }

    /// Records a decision about one link; a request or consent that the link's latest of its
    /// kind already says (with the same end) is not recorded again. True when recorded.
    @discardableResult
    static func record(
        _ s: Session, student: String, guardian: String, kind: String, on: String, until: String?,
        reason: String?
    ) throws -> Bool {
        let d = try s.district()
        if kind != "ended",
            let last = try s.db.first(
                """
                SELECT until_date FROM age18_decisions
                WHERE district_id = ? AND student_id = ? AND guardian_id = ? AND kind = ?
                ORDER BY decision_id DESC LIMIT 1
                """, [.text(d), .text(student), .text(guardian), .text(kind)]),
            last.string("until_date") == until
        {
            return false
        }
        let id =
            (try s.db.scalar(
                "SELECT max(decision_id) FROM age18_decisions WHERE district_id = ?", [.text(d)])?
                .int ?? 0) + 1
        try s.db.run(
            """
            INSERT INTO age18_decisions(district_id, decision_id, student_id, guardian_id, kind, effective_on, until_date, reason, created_at, created_by)
            VALUES (?,?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(d), .int(id), .text(student), .text(guardian), .text(kind), .text(on),
                SQLValue(until), SQLValue(reason),
                .text(s.nowISO), .text(s.operatorName),
            ])
        try s.audit(
            target: "link:\(guardian)/\(student)",
            after: .object([
                ("age18", .string(kind)), ("effective_on", .string(on)),
                ("until", JSONValue(until)),
            ]), reason: reason)
        return true
    }

    /// The linked guardians a request or consent applies to.
    static func guardians(_ s: Session, student: String, guardian: String?) throws -> (
        row: Row, guardians: [String]
    ) {
        let d = try s.district()
        let st = try People.get(s.db, district: d, kind: .student, id: student)
        let linked = try s.db.query(
            "SELECT guardian_id FROM links WHERE district_id = ? AND student_id = ? AND status = 'active'",
            [.text(d), .text(student)]
        ).map { $0.text("guardian_id") }
        if let guardian {
            guard linked.contains(guardian) else {
                throw PortalError.notFound(
                    "link between guardian \(guardian) and student", student,
                    action: .showStudent(student))
            }
            return (st, [guardian])
        }
        guard !linked.isEmpty else {
            throw PortalError(
                .conflict, "student \(student) has no linked guardians", hint: "nothing to change")
        }
        return (st, linked)
    }

    /// The student's written request ends guardian access now (the student must be 18).
    public static func request(
        _ s: Session, student: String, guardian: String?, today: CivilDate, reason: String
    ) throws -> (ended: [String], already: [String]) {
        let district = try Districts.get(s.db, try s.district())
        let (st, gs) = try guardians(s, student: student, guardian: guardian)
        guard let b = st.string("birth_date").flatMap(CivilDate.init(parsing:)) else {
            throw PortalError(
                .conflict, "student \(student) has no birth date on record",
                hint: "import the birth date first; age is never guessed")
        }
        let turns = turns18(b, leapDay: AgeOut.Policy(district).leapDay)
        guard turns <= today else {
            throw PortalError(
                .conflict,
                "student \(student) turns 18 on \(turns); before then the rights are the parents'",
                hint:
                    "a restriction (court order) is the way to end a guardian's access before 18",
                action: .addRestriction
            )
        }
        var ended: [String] = []
        var already: [String] = []
        for g in gs {
            let recorded = try record(
                s, student: student, guardian: g, kind: "request", on: today.description,
                until: nil, reason: reason)
            if recorded { ended.append(g) } else { already.append(g) }
        }
        return (ended, already)
    }

    /// Access continues with the student's consent (or because the student is a tax dependant).
    public static func consent(
        _ s: Session, student: String, guardian: String, until: CivilDate?, today: CivilDate,
        reason: String
    ) throws -> Bool {
        _ = try guardians(s, student: student, guardian: guardian)
        if let until, until < today {
            throw PortalError.usage(
                "the end date is in the past", hint: "give a date from today on, or none")
        }
        return try record(
            s, student: student, guardian: guardian, kind: "consent", on: today.description,
            until: until?.description, reason: reason)
    }
}
