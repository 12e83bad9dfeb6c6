public import FoundationEssentials

/// Households at a glance (seed 003: "check the household"): list, find, and one household with
/// its members, its students, who can see each student, and the households it may duplicate.
public enum Households {
    /// One household as a list shows it.
    public struct Summary: Sendable, Equatable {
        /// The household's id.
        public let id: String
        /// The household's own address, else that of its first active guardian.
        public let street: String
        /// The second address line.
        public let street2: String
        /// The city.
        public let city: String
        /// The state or region.
        public let state: String
        /// The postal code.
        public let postcode: String
        /// How many guardians belong to it.
        public let guardians: Int
        /// How many students belong to it.
        public let students: Int
    }

    /// A guardian of the household and what they are to its students.
    public struct Guardian: Sendable, Equatable {
        /// The guardian's id.
        public let id: String
        /// Given and family name.
        public let name: String
        /// The relationships the guardian's links name (mother, father, …), one each.
        public let roles: [String]
        /// active, inactive or merged.
        public let status: String
        /// The portal account's username and state, when the guardian has one.
        public let account: String?
        /// The account's status (see `Accounts.Account.status`), when there is one.
        public let accountStatus: String?
    }

    /// A student of the household and the accounts that can see them today.
    public struct Student: Sendable, Equatable {
        /// The student's id.
        public let id: String
        /// Given and family name.
        public let name: String
        /// The grade as the roster spells it.
        public let grade: String?
        /// The school the student attends.
        public let schoolID: String?
        /// active or inactive.
        public let status: String
        /// Usernames of the guardian accounts that can see the student, every rule applied.
        public let seenBy: [String]
        /// Linked guardians who cannot see the student, each with the rule that decided.
        public let notSeenBy: [Blocked]
    }

    /// A linked guardian who cannot see a student, and the rule that decided.
    public struct Blocked: Sendable, Equatable {
        /// The guardian who cannot see the student.
        public let guardianID: String
        /// The rule that decided (as `Access.explain` names it).
        public let rule: String
    }

    /// One household, whole.
    public struct Detail: Sendable {
        /// The household's address and counts.
        public let summary: Summary
        /// Its guardians, by name.
        public let guardians: [Guardian]
        /// Its students, by name.
        public let students: [Student]
        /// Other households that are probably the same home (as `household duplicates` finds).
        public let duplicates: [Matcher.Pair]
    }

    static let summarySQL = """
        SELECT h.household_id,
          coalesce(h.street, (SELECT g.street FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active' ORDER BY g.guardian_id LIMIT 1), '') AS street,
          coalesce(h.street2, (SELECT g.street2 FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active' ORDER BY g.guardian_id LIMIT 1), '') AS street2,
          coalesce(h.city, (SELECT g.city FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active' ORDER BY g.guardian_id LIMIT 1), '') AS city,
          coalesce(h.state, (SELECT g.state FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active' ORDER BY g.guardian_id LIMIT 1), '') AS state,
          coalesce(h.postcode, (SELECT g.postcode FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active' ORDER BY g.guardian_id LIMIT 1), '') AS postcode,
          (SELECT count(*) FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id AND g.status = 'active') AS guardians,
          (SELECT count(*) FROM students s WHERE s.district_id = h.district_id AND s.household_id = h.household_id AND s.status = 'active') AS students
        FROM households h
        """

    static func summary(_ r: Row) -> Summary {
        Summary(
            id: r.text("household_id"), street: r.text("street"), street2: r.text("street2"),
            city: r.text("city"), state: r.text("state"), postcode: r.text("postcode"),
            guardians: r.int("guardians") ?? 0, students: r.int("students") ?? 0)
    }

    /// The district's households by id; `limit` 0 for all.
    public static func list(_ db: Database, district: String, limit: Int) throws -> [Summary] {
        try db.query(
            summarySQL + " WHERE h.district_id = ? ORDER BY h.household_id"
                + (limit > 0 ? " LIMIT \(limit)" : ""), [.text(district)]
        ).map(summary)
    }

    /// How many households the district has.
    public static func count(_ db: Database, district: String) throws -> Int {
        try db.count("SELECT count(*) FROM households WHERE district_id = ?", [.text(district)])
    }

    /// Households whose id is `text`, or whose address or members' names hold every word of it
    /// (case and accents ignored): "check the household" of a parent whose id nobody has.
    public static func find(_ db: Database, district: String, text: String, limit: Int) throws
        -> [Summary]
    {
        let words = searchFold(text).split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else {
            throw PortalError.usage(
                "nothing to search for",
                hint: "give part of an address, a member's name or a household id")
        }
        var args: [SQLValue] = [.text(district), .text(text.trimmed())]
        var clauses: [String] = []
        for w in words {
            args.append(.text("%" + People.escapeLike(w) + "%"))
            let p = "?\(args.count)"
            // A word matches the address (its own or a guardian's) or a member's name.
            clauses.append(
                """
                (lower(coalesce(h.street, '') || ' ' || coalesce(h.city, '') || ' ' || coalesce(h.postcode, '')) LIKE \(p) ESCAPE '\\'
                 OR EXISTS (SELECT 1 FROM guardians g WHERE g.district_id = h.district_id AND g.household_id = h.household_id
                     AND (g.search_key LIKE \(p) ESCAPE '\\' OR lower(coalesce(g.street, '') || ' ' || coalesce(g.city, '') || ' ' || coalesce(g.postcode, '')) LIKE \(p) ESCAPE '\\'))
                 OR EXISTS (SELECT 1 FROM students s WHERE s.district_id = h.district_id AND s.household_id = h.household_id
                     AND s.search_key LIKE \(p) ESCAPE '\\'))
                """)
        }
        let sql =
            summarySQL
            + " WHERE h.district_id = ?1 AND (h.household_id = ?2 OR (\(clauses.joined(separator: " AND "))))"
            + " ORDER BY h.household_id LIMIT \(limit > 0 ? limit : Int.max)"
        return try db.query(sql, args).map(summary)
    }

    /// One household: address, guardians with their roles and accounts, students with the
    /// accounts that can see them (by `Access.explain`, so every rule counts), and its likely
    /// or possible duplicates.
    public static func show(_ db: Database, district: District, id: String, now: Date) throws
        -> Detail
    {
        let d = district.id
        guard
            let row = try db.first(
                summarySQL + " WHERE h.district_id = ? AND h.household_id = ?",
                [.text(d), .text(id)])
        else {
            let near =
                try People.spelledAs(
                    db, district: d, table: "households", column: "household_id", id
                ).map { "'\($0)'" }
                ?? People.slipsOf(
                    db, district: d, table: "households", column: "household_id", id)
            throw PortalError.notFound(
                "household", id,
                hint: near.map {
                    "did you mean \($0)? or look for it by an address or a member's name"
                }
                    ?? "look for it by an address or a member's name", action: .findHousehold)
        }
        let guardians = try db.query(
            """
            SELECT g.guardian_id, g.given_name, g.family_name, g.status, a.username, a.status AS account_status,
              (SELECT group_concat(DISTINCT l.relationship) FROM links l
               WHERE l.district_id = g.district_id AND l.guardian_id = g.guardian_id AND l.status = 'active' AND l.relationship IS NOT NULL) AS roles
            FROM guardians g LEFT JOIN accounts a ON a.district_id = g.district_id AND a.person_kind = 'guardian' AND a.person_id = g.guardian_id
            WHERE g.district_id = ? AND g.household_id = ? ORDER BY g.family_name, g.given_name, g.guardian_id
            """, [.text(d), .text(id)]
        ).map { g in
            Guardian(
                id: g.text("guardian_id"), name: g.text("given_name") + " " + g.text("family_name"),
                roles: g.string("roles")?.split(separator: ",").map(String.init).sorted() ?? [],
                status: g.text("status"), account: g.string("username"),
                accountStatus: g.string("account_status"))
        }
        var students: [Student] = []
        for s in try db.query(
            """
            SELECT student_id, given_name, family_name, grade, school_id, status FROM students
            WHERE district_id = ? AND household_id = ? ORDER BY family_name, given_name, student_id
            """, [.text(d), .text(id)])
        {
            let sid = s.text("student_id")
            var seen: [String] = []
            var unseen: [Blocked] = []
            for l in try db.query(
                """
                SELECT l.guardian_id, a.username FROM links l
                LEFT JOIN accounts a ON a.district_id = l.district_id AND a.person_kind = 'guardian' AND a.person_id = l.guardian_id
                WHERE l.district_id = ? AND l.student_id = ? ORDER BY l.guardian_id
                """, [.text(d), .text(sid)])
            {
                let gid = l.text("guardian_id")
                let answer = try Access.explain(
                    db, district: district, guardianID: gid, studentID: sid, now: now, asOf: nil)
                if let a = answer.students.first, a.visible, let user = l.string("username") {
                    seen.append(user)
                } else {
                    unseen.append(
                        Blocked(
                            guardianID: gid,
                            rule: answer.students.first?.decidedBy ?? "portal account"))
                }
            }
            students.append(
                Student(
                    id: sid, name: s.text("given_name") + " " + s.text("family_name"),
                    grade: s.string("grade"), schoolID: s.string("school_id"),
                    status: s.text("status"), seenBy: seen, notSeenBy: unseen))
        }
        let duplicates = try HouseholdMatcher.households(db, district: d).filter {
            $0.a == id || $0.b == id
        }
        return Detail(
            summary: summary(row), guardians: guardians, students: students,
            duplicates: duplicates)
    }
}
