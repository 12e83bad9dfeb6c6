/// Portal features switched on and off per district, with school overrides and date windows
/// (SPEC §9). A rule is never edited or deleted; a newer rule wins over an older one of the same
/// kind, so the history explains every state.
public enum Features {
    /// The portal features that can be switched on and off.
    public static let catalog = [
        "attendance", "grades", "assignments", "schedule", "discipline", "lunch", "payments",
        "messages", "documents",
    ]

    /// The catalog name for `name` (any case); throws with the nearest name when unknown.
    public static func validate(_ name: String) throws -> String {
        let n = name.lowercased()
        guard catalog.contains(n) else {
            var hint = "features: " + catalog.joined(separator: ", ")
            if let near = nearest(n, in: catalog) { hint = "did you mean '\(near)'? " + hint }
            throw PortalError.usage("unknown feature '\(name)'", hint: hint)
        }
        return n
    }

    /// Whom a rule is for: every account, students' own accounts, or guardians' accounts.
    public enum Audience: String, Sendable, CaseIterable {
        case all, students, guardians

        /// The audience of an account holder.
        public init(_ holder: People.Kind) { self = holder == .student ? .students : .guardians }

        /// The audience named `name` (any case); throws a usage error naming the three.
        public init(validating name: String) throws {
            guard let a = Audience(rawValue: name.lowercased()) else {
                throw PortalError.usage(
                    "unknown audience '\(name)'", hint: "audiences: all, students, guardians")
            }
            self = a
        }
    }

    /// A feature as a school sees it on one day, and the rule that decided.
    public struct State: Sendable {
        /// The feature's name.
        public let feature: String
        /// Whom the deciding rule is for (`all` for the default).
        public let audience: String
        /// Whether it is on.
        public let enabled: Bool
        /// `default`, `district`, or `school:ID`.
        public let source: String
        /// The reason of the deciding rule.
        public let reason: String?
        /// The deciding rule's first day (YYYY-MM-DD), when it has one.
        public let from: String?
        /// The deciding rule's last day, when it has one.
        public let until: String?
        /// The deciding rule's number; nil for the default.
        public let ruleID: Int?
    }

    /// Adds a rule after checking the school and the window; returns its id and whether it is
    /// new (a rule in force that says the same is not added twice: its id, false).
    public static func set(
        _ s: Session, feature: String, enabled: Bool, school: String?, from: CivilDate?,
        until: CivilDate?, audience: Audience = .all, reason: String
    ) throws -> (id: Int, added: Bool) {
        let d = try s.district()
        let f = try validate(feature)
        if let from, let until, until < from {
            throw PortalError.usage(
                "the window ends (\(until)) before it starts (\(from))",
                hint: "a window runs from its first day to its last, both included")
        }
        if let school { try requireSchool(s.db, district: d, school) }
        guard !reason.trimmed().isEmpty else {
            throw PortalError.usage("the reason is empty", hint: "say why, for the parents who ask")
        }
        if let same = try s.db.scalar(
            """
            SELECT rule_id FROM feature_rules WHERE district_id = ? AND feature = ? AND removed_at IS NULL
              AND school_id IS ? AND enabled = ? AND from_date IS ? AND until_date IS ? AND audience = ?
            ORDER BY rule_id DESC LIMIT 1
            """,
            [
                .text(d), .text(f), SQLValue(school), SQLValue(enabled),
                SQLValue(from?.description), SQLValue(until?.description), .text(audience.rawValue),
            ])?.int
        {
            return (Int(same), false)
        }
        let id =
            (try s.db.scalar(
                "SELECT max(rule_id) FROM feature_rules WHERE district_id = ?", [.text(d)])?.int
                ?? 0) + 1
        try s.db.run(
            """
            INSERT INTO feature_rules(district_id, rule_id, feature, school_id, enabled, from_date, until_date, audience, reason, created_at, created_by)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(d), .int(id), .text(f), SQLValue(school), SQLValue(enabled),
                SQLValue(from?.description), SQLValue(until?.description), .text(audience.rawValue),
                .text(reason), .text(s.nowISO), .text(s.operatorName),
            ])
        try s.audit(
            target: "feature:\(f)" + (school.map { "@\($0)" } ?? ""),
            after: .object([
                ("rule_id", .int(Int(id))), ("enabled", .bool(enabled)),
                ("school_id", JSONValue(school)),
                ("from", JSONValue(from?.description)), ("until", JSONValue(until?.description)),
                ("audience", .string(audience.rawValue)),
            ]), reason: reason)
        return (Int(id), true)
    }

    /// Removes rule `ruleID` (marked, kept in the history), audited with `reason`; false when
    /// it was removed already (nothing to do).
    public static func remove(_ s: Session, ruleID: Int, reason: String) throws -> Bool {
        let d = try s.district()
        guard
            let r = try s.db.first(
                "SELECT * FROM feature_rules WHERE district_id = ? AND rule_id = ?",
                [.text(d), .int(Int64(ruleID))])
        else {
            throw PortalError.notFound(
                "feature rule", String(ruleID), action: .list(.featureRules))
        }
        if r.string("removed_at") != nil { return false }
        try s.db.run(
            "UPDATE feature_rules SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE district_id = ? AND rule_id = ?",
            [.text(s.nowISO), .text(s.operatorName), .text(reason), .text(d), .int(Int64(ruleID))])
        try s.audit(
            target: "feature:\(r.text("feature"))" + (r.string("school_id").map { "@\($0)" } ?? ""),
            before: .object([("rule_id", .int(ruleID)), ("enabled", .bool(r.bool("enabled")))]),
            reason: reason)
        return true
    }

    /// The effective state of every feature for a school (or the district) on a date. A school
    /// rule beats a district rule; within a level, a rule with a window beats an open-ended one,
    /// and then the newer rule wins.
    /// Not found unless the district has the school; the hint names the school meant (in
    /// another case, or a slip away) and, for a district of a few schools, all of them.
    static func requireSchool(_ db: Database, district: String, _ school: String) throws {
        guard
            try db.count(
                "SELECT count(*) FROM schools WHERE district_id = ? AND school_id = ?",
                [.text(district), .text(school)]) == 0
        else { return }
        let ids = try db.query(
            "SELECT school_id FROM schools WHERE district_id = ? ORDER BY school_id",
            [.text(district)]
        ).map { $0.text("school_id") }
        let typed = school.trimmed().lowercased()
        let near = ids.first { $0.lowercased() == typed } ?? nearest(typed, in: ids)
        let hint =
            ids.isEmpty
            ? "the district has no schools yet: import its roster first"
            : ids.count <= 12
                ? "the district's schools: " + ids.joined(separator: ", ")
                : "a school's id is as the roster spells it (schools.csv, or orgs.csv)"
        throw PortalError.notFound(
            "school", school, hint: near.map { "did you mean '\($0)'? " + hint } ?? hint)
    }

    /// Each feature's state on `date`, district-wide or at `school` (which must exist), as the
    /// accounts of `audience` see it (`.all`: rules for every account only; the default: as
    /// guardians see it).
    public static func effective(
        _ db: Database, district: String, school: String?, on date: CivilDate,
        for audience: Audience = .guardians
    ) throws -> [State] {
        if let school { try requireSchool(db, district: district, school) }
        let day = date.description
        let rules = try db.query(
            """
            SELECT * FROM feature_rules WHERE district_id = ? AND removed_at IS NULL AND (school_id IS NULL OR school_id = ?)
            AND (from_date IS NULL OR from_date <= ?) AND (until_date IS NULL OR until_date >= ?)
            AND audience IN ('all', ?)
            ORDER BY (school_id IS NOT NULL) DESC, (from_date IS NOT NULL OR until_date IS NOT NULL) DESC, rule_id DESC
            """,
            [.text(district), SQLValue(school), .text(day), .text(day), .text(audience.rawValue)])
        return catalog.map { f in
            guard let r = rules.first(where: { $0.text("feature") == f }) else {
                return State(
                    feature: f, audience: "all", enabled: true, source: "default", reason: nil,
                    from: nil, until: nil, ruleID: nil)
            }
            return State(
                feature: f, audience: r.text("audience"), enabled: r.bool("enabled"),
                source: r.string("school_id").map { "school:\($0)" } ?? "district",
                reason: r.string("reason"), from: r.string("from_date"),
                until: r.string("until_date"), ruleID: r.int("rule_id"))
        }
    }

    /// A feature rule as recorded, removed ones included.
    public struct Rule: Sendable {
        /// The rule's number.
        public let ruleID: Int
        /// The feature it switches.
        public let feature: String
        /// nil: district-wide.
        public let schoolID: String?
        /// Whom it is for: all, students or guardians.
        public let audience: String
        /// Whether it switches the feature on.
        public let enabled: Bool
        /// Its first day (YYYY-MM-DD); nil: from the start.
        public let from: String?
        /// Its last day; nil: with no end.
        public let until: String?
        /// Why, as the operator said.
        public let reason: String?
        /// When it was recorded (ISO 8601, UTC).
        public let createdAt: String
        /// The operator who recorded it.
        public let createdBy: String
        /// When it was removed; nil while it applies.
        public let removedAt: String?
        /// Why it was removed.
        public let removedReason: String?

        init(_ r: Row) {
            ruleID = r.int("rule_id") ?? 0
            feature = r.text("feature")
            schoolID = r.string("school_id")
            audience = r.text("audience")
            enabled = r.bool("enabled")
            from = r.string("from_date")
            until = r.string("until_date")
            reason = r.string("reason")
            createdAt = r.text("created_at")
            createdBy = r.text("created_by")
            removedAt = r.string("removed_at")
            removedReason = r.string("removed_reason")
        }
    }

    /// Every rule of the district (or of one feature), newest first.
    public static func history(_ db: Database, district: String, feature: String?) throws -> [Rule]
    {
        var sql =
            "SELECT rule_id, feature, school_id, audience, enabled, from_date, until_date, reason, created_at, created_by, removed_at, removed_reason FROM feature_rules WHERE district_id = ?"
        var args: [SQLValue] = [.text(district)]
        if let feature {
            sql += " AND feature = ?"
            args.append(.text(try validate(feature)))
        }
        return try db.query(sql + " ORDER BY rule_id DESC", args).map(Rule.init)
    }
}
