/// Operator roles, lowest first. Each command declares the lowest role it needs.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case helpdesk, registrar, admin

    var rank: Int {
        switch self {
        case .helpdesk: 0
        case .registrar: 1
        case .admin: 2
        }
    }
    /// A lower role sorts first (helpdesk, registrar, admin).
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// A person allowed to work on a district, and their role.
public struct Operator: Sendable {
    /// The operator's name (their login on the machine).
    public let name: String
    /// What they may do.
    public let role: Role
    /// When they were added (ISO 8601, UTC).
    public let addedAt: String
}

/// Operators per district. This guards against mistakes on a shared SQLite file, not against
/// someone who can edit the file; the real boundary is the PostgreSQL backend's own roles.
public enum Operators {
    /// Checks that the acting operator may run a command needing `needed` in `district`.
    /// A district with no operators yet lets anyone act (so the first admin can be added).
    /// `action` names what needs the role in the message (`account reset --new-key`); the
    /// command by default.
    public static func authorize(
        _ s: Session, needed: Role?, district: String?, action: String? = nil
    ) throws {
        guard let needed else { return }
        if let district {
            let count = try s.db.count(
                "SELECT count(*) FROM operators WHERE district_id = ?", [.text(district)])
            if count == 0 { return }
            guard
                let row = try s.db.first(
                    "SELECT role FROM operators WHERE district_id = ? AND name = ?",
                    [.text(district), .text(s.operatorName)]),
                let role = Role(rawValue: row.text("role"))
            else {
                throw PortalError(
                    .permission,
                    "operator '\(s.operatorName)' is not an operator of district '\(district)'",
                    hint: "an admin can add you (or act as an operator who is one)",
                    action: .addOperator(name: s.operatorName, role: needed, district: district))
            }
            guard role >= needed else {
                throw PortalError(
                    .permission,
                    "'\(action ?? s.command)' needs the \(needed.rawValue) role; operator '\(s.operatorName)' is \(role.rawValue)",
                    hint:
                        "ask \(needed == .admin ? "an" : "a") \(needed.rawValue) of district '\(district)' to run it, or an admin to change your role",
                    action: .setRole(name: s.operatorName, role: needed))
            }
        } else {
            // Commands across districts (district create): any admin somewhere, or nobody set up yet.
            let total = try s.db.count("SELECT count(*) FROM operators")
            if total == 0 { return }
            let admin = try s.db.count(
                "SELECT count(*) FROM operators WHERE name = ? AND role = 'admin'",
                [.text(s.operatorName)])
            if admin == 0 {
                throw PortalError(
                    .permission,
                    "'\(s.command)' needs an admin; operator '\(s.operatorName)' is not an admin of any district",
                    hint: "ask an existing admin to run it")
            }
        }
    }

    static func validateName(_ name: String) throws {
        guard !name.isEmpty else {
            throw PortalError.usage(
                "the operator name is empty",
                hint:
                    "a shell variable that is not set gives an empty name (is $USER set?); the login name is: $(id -un)"
            )
        }
        let ok =
            !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                        || "-_.@".unicodeScalars.contains($0))
            }
        guard ok else {
            throw PortalError.usage(
                "invalid operator name '\(name)'",
                hint: "use the login name: letters, digits, '-', '_', '.', '@'")
        }
    }

    /// Adds an operator; one already there with this role is returned as it is (`added` false).
    public static func add(_ s: Session, name: String, role: Role) throws -> (
        op: Operator, added: Bool
    ) {
        let d = try s.district()
        try validateName(name)
        return try s.db.write {
            _ = try Districts.get(s.db, d)
            if let existing = try s.db.first(
                "SELECT role FROM operators WHERE district_id = ? AND name = ?",
                [.text(d), .text(name)])
            {
                if existing.text("role") == role.rawValue,
                    let op = try get(s.db, district: d, name: name)
                {
                    return (op, false)
                }
                throw PortalError(
                    .conflict,
                    "operator '\(name)' already exists in district '\(d)' (role \(existing.text("role")))",
                    hint: "change the role instead", action: .setRole(name: name, role: nil))
            }
            // The first operator must be an admin, or nobody could manage operators afterwards.
            let count = try s.db.count(
                "SELECT count(*) FROM operators WHERE district_id = ?", [.text(d)])
            if count == 0 && role != .admin {
                throw PortalError.usage(
                    "the first operator of a district must be an admin",
                    action: .addOperator(name: s.operatorName, role: .admin, district: nil))
            }
            try s.db.run(
                "INSERT INTO operators(district_id, name, role, added_at) VALUES (?,?,?,?)",
                [.text(d), .text(name), .text(role.rawValue), .text(s.nowISO)])
            try s.audit(
                target: "operator:\(name)", after: .object([("role", .string(role.rawValue))]))
            return (Operator(name: name, role: role, addedAt: s.nowISO), true)
        }
    }

    /// Gives operator `name` another role, audited with `reason`; nil when it has that role
    /// already. The last admin keeps the role while there are other operators.
    public static func setRole(_ s: Session, name: String, role: Role, reason: String) throws
        -> Operator?
    {
        let d = try s.district()
        return try s.db.write {
            guard let op = try get(s.db, district: d, name: name) else {
                throw PortalError.notFound(
                    "operator", name, action: .list(.operators))
            }
            let old = op.role
            if old == role { return nil }
            let adminCount = try admins(s.db, district: d)
            if old == .admin && adminCount == 1 {
                throw PortalError(
                    .conflict, "'\(name)' is the last admin of district '\(d)'",
                    hint: "make another operator an admin first")
            }
            try s.db.run(
                "UPDATE operators SET role = ? WHERE district_id = ? AND name = ?",
                [.text(role.rawValue), .text(d), .text(name)])
            try s.audit(
                target: "operator:\(name)", before: .object([("role", .string(old.rawValue))]),
                after: .object([("role", .string(role.rawValue))]), reason: reason)
            return Operator(name: name, role: role, addedAt: op.addedAt)
        }
    }

    /// Operator `name` of `district`, nil when there is none.
    public static func get(_ db: Database, district: String, name: String) throws -> Operator? {
        try db.first(
            "SELECT * FROM operators WHERE district_id = ? AND name = ?",
            [.text(district), .text(name)]
        ).map(operatorOf)
    }

    static func operatorOf(_ row: Row) -> Operator {
        Operator(
            name: row.text("name"), role: Role(rawValue: row.text("role")) ?? .helpdesk,
            addedAt: row.text("added_at"))
    }

    static func admins(_ db: Database, district: String) throws -> Int {
        try db.count(
            "SELECT count(*) FROM operators WHERE district_id = ? AND role = 'admin'",
            [.text(district)])
    }

    /// The district's operators, by name.
    public static func list(_ db: Database, district: String) throws -> [Operator] {
        _ = try Districts.get(db, district)
        return try db.query(
            "SELECT * FROM operators WHERE district_id = ? ORDER BY name", [.text(district)]
        ).map(operatorOf)
    }

    /// Removes operator `name` from the session's district, audited with `reason`; nil when
    /// `name` is not an operator of it (nothing to do).
    public static func remove(_ s: Session, name: String, reason: String) throws -> Operator? {
        let d = try s.district()
        return try s.db.write {
            guard let op = try get(s.db, district: d, name: name) else { return nil }
            let role = op.role
            if role == .admin {
                let others = try s.db.count(
                    "SELECT count(*) FROM operators WHERE district_id = ?", [.text(d)])
                if try admins(s.db, district: d) == 1 && others > 1 {
                    throw PortalError(
                        .conflict, "'\(name)' is the last admin of district '\(d)'",
                        hint: "add another admin first, or remove the other operators")
                }
            }
            try s.db.run(
                "DELETE FROM operators WHERE district_id = ? AND name = ?", [.text(d), .text(name)])
            try s.audit(
                target: "operator:\(name)", before: .object([("role", .string(role.rawValue))]),
                reason: reason)
            return op
        }
    }
}
