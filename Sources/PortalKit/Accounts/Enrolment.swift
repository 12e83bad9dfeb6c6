/// A student's own account follows enrolment (policy 1050 II.D: *enrolled* students have the
/// Student Portal): disabled when the roster marks the student inactive, enabled again when they
/// are enrolled again. Only a login this rule disabled is enabled by it; one a registrar
/// disabled stays disabled.
extension Accounts {
    /// The reason recorded on a student's account disabled because the student left.
    public static let notEnrolledReason = "the student is no longer enrolled"

    /// What `followEnrolment` changed.
    public struct EnrolmentChanges: Sendable, Equatable {
        /// Student accounts disabled because the student left.
        public var disabled = 0
        /// Student accounts enabled again because the student is enrolled again.
        public var enabled = 0
        /// Pending keys of students who left, revoked.
        public var revokedKeys = 0
    }

    /// Brings every student account of the session's district in line with enrolment, each
    /// change audited; runs within the caller's transaction (the import's).
    static func followEnrolment(_ s: Session) throws -> EnrolmentChanges {
        let d = try s.district()
        var changes = EnrolmentChanges()
        let join = """
            FROM accounts a JOIN students st ON st.district_id = a.district_id AND st.student_id = a.person_id
            WHERE a.district_id = ? AND a.person_kind = 'student'
            """
        for a in try s.db.query(
            "SELECT a.username, a.person_id \(join) AND a.status = 'active' AND st.status <> 'active'",
            [.text(d)])
        {
            try setStatus(s, a, from: "active", to: "disabled", reason: notEnrolledReason)
            changes.disabled += 1
        }
        for a in try s.db.query(
            "SELECT a.username, a.person_id \(join) AND a.status = 'disabled' AND a.status_reason = ? AND st.status = 'active'",
            [.text(d), .text(notEnrolledReason)])
        {
            try setStatus(
                s, a, from: "disabled", to: "active", reason: "the student is enrolled again")
            changes.enabled += 1
        }
        for k in try s.db.query(
            """
            SELECT k.key_id, k.person_id FROM activation_keys k JOIN students st ON st.district_id = k.district_id AND st.student_id = k.person_id
            WHERE k.district_id = ? AND k.person_kind = 'student' AND k.status = 'active' AND st.status <> 'active'
            """, [.text(d)])
        {
            try s.db.run(
                "UPDATE activation_keys SET status = 'revoked', revoked_at = ?, revoked_reason = ? WHERE district_id = ? AND key_id = ?",
                [.text(s.nowISO), .text(notEnrolledReason), .text(d), k["key_id"]])
            try s.audit(
                target: "student:\(k.text("person_id"))",
                before: .object([("key_id", JSONValue(k["key_id"])), ("status", .string("active"))]
                ),
                after: .object([("key_id", JSONValue(k["key_id"])), ("status", .string("revoked"))]
                ),
                reason: notEnrolledReason)
            changes.revokedKeys += 1
        }
        return changes
    }

    private static func setStatus(
        _ s: Session, _ a: Row, from: String, to: String, reason: String
    ) throws {
        let u = a.text("username")
        try s.db.run(
            "UPDATE accounts SET status = ?, status_reason = ? WHERE district_id = ? AND username = ?",
            [.text(to), to == "active" ? .null : .text(reason), .text(try s.district()), .text(u)])
        try s.audit(
            target: "account:\(u)", before: .object([("status", .string(from))]),
            after: .object([("status", .string(to)), ("student_id", .string(a.text("person_id")))]),
            reason: reason)
    }
}
