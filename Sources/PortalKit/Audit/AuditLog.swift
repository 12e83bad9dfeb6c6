/// One audit row (SPEC §14). Before/after hold field values, never secrets.
public struct AuditEntry: Sendable {
    /// The district the entry belongs to.
    public let districtID: String
    /// The entry's place in the district's chain, from 1.
    public let seq: Int
    /// When it was written (ISO 8601, UTC).
    public let at: String
    /// Who ran the command.
    public let operatorName: String
    /// The command, as typed (without secrets).
    public let command: String
    /// What it changed, e.g. `guardian:G1001`.
    public let target: String
    /// The state before, as JSON text; nil for a creation.
    public let before: String?
    /// The state after, as JSON text; nil for a removal.
    public let after: String?
    /// The reason the operator gave, when one was needed.
    public let reason: String?
    let prevHash: String
    /// SHA-256 of this entry and the previous hash: a change anywhere breaks the chain.
    public let hash: String

    init(_ r: Row) {
        districtID = r.text("district_id")
        seq = r.int("seq") ?? 0
        at = r.text("at")
        operatorName = r.text("operator")
        command = r.text("command")
        target = r.text("target")
        before = r.string("before_json")
        after = r.string("after_json")
        reason = r.string("reason")
        prevHash = r.text("prev_hash")
        hash = r.text("hash")
    }

    /// The entry as a JSON object, `before` and `after` as JSON values.
    public var json: JSONValue {
        .object([
            ("district_id", .string(districtID)), ("seq", .int(seq)), ("at", .string(at)),
            ("operator", .string(operatorName)), ("command", .string(command)),
            ("target", .string(target)),
            ("before", Self.nested(before)), ("after", Self.nested(after)),
            ("reason", JSONValue(reason)),
            ("prev_hash", .string(prevHash)), ("hash", .string(hash)),
        ])
    }

    /// A before or after state as the JSON it holds (an object in the export, not a string of
    /// JSON inside JSON; keys in sorted order). The hash covers the stored text, which
    /// `audit verify` checks.
    public static func nested(_ text: String?) -> JSONValue {
        text.flatMap(JSONValue.parse) ?? JSONValue(text)
    }
}

/// Which audit entries to read.
public struct AuditFilter: Sendable {
    /// Entries from this time on (ISO 8601 or a date).
    public var since: String?
    /// Only this operator's entries.
    public var operatorName: String?
    /// Only entries about this target (e.g. `guardian:G1001`).
    public var target: String?
    /// At most this many (0: all).
    public var limit: Int
    /// A filter; every part is optional.
    public init(
        since: String? = nil, operatorName: String? = nil, target: String? = nil, limit: Int = 0
    ) {
        self.since = since
        self.operatorName = operatorName
        self.target = target
        self.limit = limit
    }
}

/// What `verify` found: how many entries it checked, and the first that breaks the chain.
public struct AuditVerification: Sendable {
    /// The district whose chain was checked.
    public let districtID: String
    /// How many entries were checked.
    public let checked: Int
    /// The first row that does not verify, and why; nil when the chain is intact.
    public let firstBad: (seq: Int, problem: String)?
}

/// The audit log: one row per change, written in the same transaction as the change, each row
/// hashing the previous row's hash (SHA-256), per district, so `verify` finds an edited, deleted or
/// reordered row. The head (last seq and hash) is kept apart so a deleted last row is found too.
public enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    static func rowHash(
        prev: String, district: String, seq: Int, at: String, op: String, command: String,
        target: String, before: String?, after: String?, reason: String?
    ) -> String {
        // Unit separator between fields, and a marker for NULL, so no two rows encode alike.
        let fields = [
            district, String(seq), at, op, command, target, before ?? "\u{0}", after ?? "\u{0}",
            reason ?? "\u{0}",
        ]
        return Crypto.sha256Hex(prev + "\n" + fields.joined(separator: "\u{1f}"))
    }

    static func append(
        _ s: Session, district: String, target: String, before: JSONValue?,
        after: JSONValue?, reason: String?
    ) throws {
        precondition(s.db.inTransaction, "audit rows are written inside the change's transaction")
        let seq: Int
        let prev: String
        if let h = s.auditHead, h.transaction == s.db.transactionNumber, h.district == district {
            (seq, prev) = (h.seq + 1, h.hash)
        } else {
            let head = try s.db.first(
                "SELECT seq, hash FROM audit_heads WHERE district_id = ?", [.text(district)])
            (seq, prev) = ((head?.int("seq") ?? 0) + 1, head?.text("hash") ?? genesis)
        }
        let b = before?.serialized()
        let a = after?.serialized()
        let hash = rowHash(
            prev: prev, district: district, seq: seq, at: s.nowISO, op: s.operatorName,
            command: s.command, target: target, before: b, after: a, reason: reason)
        try s.db.run(
            """
            INSERT INTO audit_log(district_id, seq, at, operator, command, target, before_json, after_json, reason, prev_hash, hash)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(district), .int(Int64(seq)), .text(s.nowISO), .text(s.operatorName),
                .text(s.command),
                .text(target), SQLValue(b), SQLValue(a), SQLValue(reason), .text(prev), .text(hash),
            ])
        try s.db.run(
            """
            INSERT INTO audit_heads(district_id, seq, hash) VALUES (?,?,?)
            ON CONFLICT(district_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
            """, [.text(district), .int(Int64(seq)), .text(hash)])
        s.auditHead = (s.db.transactionNumber, district, seq, hash)
    }

    /// The WHERE clause and arguments of a filter.
    static func condition(_ district: String, _ filter: AuditFilter) -> (String, [SQLValue]) {
        var sql = "district_id = ?"
        var args: [SQLValue] = [.text(district)]
        if let since = filter.since {
            sql += " AND at >= ?"
            args.append(.text(since))
        }
        if let op = filter.operatorName {
            sql += " AND operator = ?"
            args.append(.text(op))
        }
        if let t = filter.target {
            // "G123" finds "guardian:G123", "link:G123/S9" and "link:G9/G123", never "G1234".
            let e = People.escapeLike(t)
            sql +=
                " AND (target = ? OR target LIKE ? ESCAPE '\\' OR target LIKE ? ESCAPE '\\' OR target LIKE ? ESCAPE '\\')"
            args += [.text(t), .text("%:" + e), .text("%:" + e + "/%"), .text("%/" + e)]
        }
        return (sql, args)
    }

    /// Rows of one district, newest first for `list` (or oldest first for `export`).
    public static func entries(
        _ db: Database, district: String, filter: AuditFilter = AuditFilter(),
        oldestFirst: Bool = false, _ body: (AuditEntry) throws -> Void
    ) throws {
        let (cond, args) = condition(district, filter)
        var sql =
            "SELECT * FROM audit_log WHERE \(cond) ORDER BY seq " + (oldestFirst ? "ASC" : "DESC")
        if filter.limit > 0 { sql += " LIMIT \(filter.limit)" }
        try db.forEach(sql, args) { try body(AuditEntry($0)) }
    }

    /// How many entries the filter selects (its limit aside).
    public static func count(_ db: Database, district: String, filter: AuditFilter) throws -> Int {
        let (cond, args) = condition(district, filter)
        return try db.count("SELECT count(*) FROM audit_log WHERE \(cond)", args)
    }

    /// Walks the chain of one district from the first row and names the first row that is wrong.
    public static func verify(_ db: Database, district: String) throws -> AuditVerification {
        var expectedSeq = 1
        var prev = genesis
        var bad: (Int, String)?
        var checked = 0
        try db.forEach(
            "SELECT * FROM audit_log WHERE district_id = ? ORDER BY seq", [.text(district)]
        ) { r in
            guard bad == nil else { return }
            let e = AuditEntry(r)
            checked += 1
            if e.seq != expectedSeq {
                bad = (
                    expectedSeq,
                    e.seq > expectedSeq
                        ? "row \(expectedSeq) is missing (next row is \(e.seq))"
                        : "row \(e.seq) is out of order"
                )
                return
            }
            if e.prevHash != prev {
                bad = (
                    e.seq,
                    "its link to the previous row does not match (a row before it was changed, removed or reordered)"
                )
                return
            }
            let h = rowHash(
                prev: prev, district: e.districtID, seq: e.seq, at: e.at, op: e.operatorName,
                command: e.command, target: e.target, before: e.before, after: e.after,
                reason: e.reason)
            if h != e.hash {
                bad = (e.seq, "its content does not match its hash (the row was edited)")
                return
            }
            prev = e.hash
            expectedSeq += 1
        }
        if bad == nil {
            let head = try db.first(
                "SELECT seq, hash FROM audit_heads WHERE district_id = ?", [.text(district)])
            let headSeq = head?.int("seq") ?? 0
            if headSeq != expectedSeq - 1 || (headSeq > 0 && head?.text("hash") != prev) {
                bad = (
                    expectedSeq,
                    "the log ends at row \(expectedSeq - 1) but \(headSeq) rows were written (rows were removed from the end)"
                )
            }
        }
        return AuditVerification(districtID: district, checked: checked, firstBad: bad)
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
