/// Court orders and custody decisions (SPEC §11): a restriction blocks one guardian's access to
/// one student, or to all; it wins over every other rule, survives merges, imports and resets,
/// and only `remove` with a reason lifts it.
public enum Restrictions {
    /// Records a restriction of `guardian` from `student` (nil: every student) until the given day
    /// (nil: until removed); `created` is false when the same one is already in force.
    public static func add(
        _ s: Session, guardian: String, student: String?, reason: String, document: String?,
        until: CivilDate?
    ) throws -> (id: Int, created: Bool) {
        let d = try s.district()
        _ = try People.get(s.db, district: d, kind: .guardian, id: guardian)
        if let student { _ = try People.get(s.db, district: d, kind: .student, id: student) }
        guard !reason.trimmed().isEmpty else {
            throw PortalError.usage(
                "the reason is empty",
                hint: "name the order, e.g. \"protective order, case 23-1234\""
            )
        }
        // An end before today is a slip of the year (a court order is recorded as it begins),
        // and would have the restriction never apply.
        if let until {
            let today = try s.today()
            guard until >= today else {
                throw PortalError.usage(
                    "the restriction would end on \(until), before today (\(today)): it would never apply",
                    hint: "give the last day the order applies, from today on, or no end date")
            }
        }
        // The same restriction in force already (same guardian, student, order and end): kept.
        if let same = try s.db.scalar(
            """
            SELECT restriction_id FROM restrictions WHERE district_id = ? AND guardian_id = ?
              AND student_id IS ? AND document IS ? AND until_date IS ? AND removed_at IS NULL
            """,
            [
                .text(d), .text(guardian), SQLValue(student), SQLValue(document),
                SQLValue(until?.description),
            ])?.int
        {
            return (Int(same), false)
        }
        let id =
            (try s.db.scalar(
                "SELECT max(restriction_id) FROM restrictions WHERE district_id = ?", [.text(d)])?
                .int ?? 0) + 1
        try s.db.run(
            """
            INSERT INTO restrictions(district_id, restriction_id, guardian_id, student_id, reason, document, until_date, created_at, created_by)
            VALUES (?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(d), .int(id), .text(guardian), SQLValue(student), .text(reason),
                SQLValue(document), SQLValue(until?.description),
                .text(s.nowISO), .text(s.operatorName),
            ])
        try s.audit(
            target: "guardian:\(guardian)",
            after: .object([
                ("restriction_id", .int(Int(id))), ("student_id", .string(student ?? "all")),
                ("document", JSONValue(document)),
                ("until", JSONValue(until?.description)),
            ]), reason: reason)
        return (Int(id), true)
    }

    /// The restriction, and whether this call removed it (false: it was removed already).
    public static func remove(_ s: Session, id: Int, reason: String) throws -> (
        restriction: Restriction, removed: Bool
    ) {
        let d = try s.district()
        guard
            let r = try s.db.first(
                "SELECT * FROM restrictions WHERE district_id = ? AND restriction_id = ?",
                [.text(d), .int(Int64(id))])
        else {
            throw PortalError.notFound(
                "restriction", String(id), action: .list(.restrictions))
        }
        guard r["removed_at"] == .null else { return (Restriction(r), false) }
        guard !reason.trimmed().isEmpty else {
            throw PortalError.usage("the reason is empty", hint: "say why the restriction ends")
        }
        try s.db.run(
            "UPDATE restrictions SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE district_id = ? AND restriction_id = ?",
            [.text(s.nowISO), .text(s.operatorName), .text(reason), .text(d), .int(Int64(id))])
        try s.audit(
            target: "guardian:\(r.text("guardian_id"))",
            before: .object([("restriction_id", .int(id)), ("active", .bool(true))]),
            after: .object([("restriction_id", .int(id)), ("active", .bool(false))]), reason: reason
        )
        return (Restriction(r), true)
    }

    /// A court order or custody decision that keeps a guardian from a student (or from all of
    /// them), as recorded.
    public struct Restriction: Sendable {
        /// The restriction's number, as `remove` takes it.
        public let restrictionID: Int
        /// The guardian it restricts.
        public let guardianID: String
        /// nil: every student.
        public let studentID: String?
        /// Why, as the operator gave it (a court order, a custody decision).
        public let reason: String
        /// The document it rests on (a case number), when given.
        public let document: String?
        /// The last day it applies; nil: until removed.
        public let until: String?
        /// When it was recorded (ISO 8601, UTC).
        public let createdAt: String
        /// The operator who recorded it.
        public let createdBy: String
        /// When it was lifted; nil while in force.
        public let removedAt: String?
        /// Why it was lifted.
        public let removedReason: String?

        init(_ r: Row) {
            restrictionID = r.int("restriction_id") ?? 0
            guardianID = r.text("guardian_id")
            studentID = r.string("student_id")
            reason = r.text("reason")
            document = r.string("document")
            until = r.string("until_date")
            createdAt = r.text("created_at")
            createdBy = r.text("created_by")
            removedAt = r.string("removed_at")
            removedReason = r.string("removed_reason")
        }
    }

    /// The district's restrictions (of one guardian, or touching one student), oldest first;
    /// those removed only with `includeRemoved`.
    public static func list(
        _ db: Database, district: String, guardian: String?, student: String?, includeRemoved: Bool
    ) throws -> [Restriction] {
        var sql = "SELECT * FROM restrictions WHERE district_id = ?"
        var args: [SQLValue] = [.text(district)]
        if let guardian {
            sql += " AND guardian_id = ?"
            args.append(.text(guardian))
        }
        if let student {
            sql += " AND (student_id = ? OR student_id IS NULL)"
            args.append(.text(student))
        }
        if !includeRemoved { sql += " AND removed_at IS NULL" }
        return try db.query(sql + " ORDER BY restriction_id", args).map(Restriction.init)
    }

    /// The restriction in force between a guardian and a student on `day`, if any.
    public static func active(
        _ db: Database, district: String, guardian: String, student: String, on day: CivilDate
    ) throws -> Restriction? {
        try db.first(
            """
            SELECT * FROM restrictions WHERE district_id = ? AND guardian_id = ? AND (student_id = ? OR student_id IS NULL)
            AND removed_at IS NULL AND (until_date IS NULL OR until_date >= ?) ORDER BY restriction_id LIMIT 1
            """, [.text(district), .text(guardian), .text(student), .text(day.description)]
        ).map(Restriction.init)
    }
}
