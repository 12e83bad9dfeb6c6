/// A district as shown by `district show` / `district list`.
public struct District: Sendable {
    /// The district's id (as `--district` takes it).
    public let id: String
    /// The district's name.
    public let name: String
    /// When it was created (ISO 8601, UTC).
    public let createdAt: String
    /// Every setting with its value, and whether that is the default.
    public let settings: [(key: String, value: String, isDefault: Bool)]

    /// The value of setting `key` (its default when not set).
    public func setting(_ key: String) -> String {
        settings.first { $0.key == key }?.value ?? Settings.spec(key)?.defaultValue ?? ""
    }
}

/// The districts a database holds; each is a tenant of its own.
public enum Districts {
    /// District ids are short, case-sensitive, and safe in file names and URLs.
    public static func validateID(_ id: String) throws {
        let ok =
            !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                        || "-_.".unicodeScalars.contains($0))
            }
            && !id.hasPrefix("-") && !id.hasPrefix(".")
        guard ok else {
            throw PortalError(
                .usage, "invalid district id '\(id)'",
                hint: "use 1-64 letters, digits, '-', '_' or '.', e.g. hutchinson-423")
        }
    }

    /// Creates a district with `settings` given as `key=value`; the session's operator becomes its
    /// first admin.
    public static func create(_ s: Session, id: String, name: String, settings: [String]) throws
        -> District
    {
        try validateID(id)
        let name = name.trimmed()
        guard !name.isEmpty else {
            throw PortalError.usage(
                "the district name is empty", hint: "give the district's full name")
        }
        let assignments = try settings.map(Settings.parseAssignment)
        return try s.db.write {
            if try exists(s.db, id) {
                throw PortalError(
                    .conflict, "district '\(id)' already exists",
                    hint: "use it, or choose another id", action: .showDistrict(id))
            }
            // An id another district's differs from only in case would be taken for it (by a
            // person, and by a script that lower-cases): refused. (Few districts: a scan.)
            if let other = try s.db.first(
                "SELECT district_id FROM districts WHERE lower(district_id) = lower(?)", [.text(id)]
            ) {
                let existing = other.text("district_id")
                throw PortalError(
                    .conflict,
                    "district '\(existing)' exists: '\(id)' differs from it only in case",
                    hint: "use it, or choose an id of its own", action: .showDistrict(existing))
            }
            try s.db.run(
                "INSERT INTO districts(district_id, name, created_at) VALUES (?,?,?)",
                [.text(id), .text(name), .text(s.nowISO)])
            for a in assignments {
                try s.db.run(
                    "INSERT INTO district_settings(district_id, key, value) VALUES (?,?,?)",
                    [.text(id), .text(a.key), .text(a.value)])
            }
            let d = try get(s.db, id)
            try s.audit(target: "district:\(id)", after: json(d), district: id)
            return d
        }
    }

    /// Whether district `id` exists.
    public static func exists(_ db: Database, _ id: String) throws -> Bool {
        try db.count("SELECT count(*) FROM districts WHERE district_id = ?", [.text(id)]) > 0
    }

    /// District `id` with its settings.
    public static func get(_ db: Database, _ id: String) throws -> District {
        guard let row = try db.first("SELECT * FROM districts WHERE district_id = ?", [.text(id)])
        else {
            throw PortalError.notFound("district", id, action: .list(.districts))
        }
        let stored = Dictionary(
            uniqueKeysWithValues: try db.query(
                "SELECT key, value FROM district_settings WHERE district_id = ?", [.text(id)]
            ).map { ($0.text("key"), $0.text("value")) })
        let settings = Settings.all.map { spec in
            (
                key: spec.key, value: stored[spec.key] ?? spec.defaultValue,
                isDefault: stored[spec.key] == nil
            )
        }
        return District(
            id: row.text("district_id"), name: row.text("name"),
            createdAt: row.text("created_at"), settings: settings)
    }

    /// Every district, by id.
    public static func list(_ db: Database) throws -> [District] {
        try db.query("SELECT district_id FROM districts ORDER BY district_id").map {
            try get(db, $0.text("district_id"))
        }
    }

    /// Applies `KEY=VALUE` assignments; returns the changed keys with old and new values.
    public static func set(_ s: Session, _ assignments: [String]) throws -> [(
        key: String, old: String, new: String
    )] {
        let id = try s.district()
        guard !assignments.isEmpty else {
            throw PortalError.usage(
                "no settings given",
                hint: "the settings are: \(Settings.keys.joined(separator: ", "))",
                action: .setSetting(key: "key_ttl_days", value: "14"))
        }
        let parsed = try assignments.map(Settings.parseAssignment)
        return try s.db.write {
            let before = try get(s.db, id)
            var changes: [(key: String, old: String, new: String)] = []
            for (key, value) in parsed {
                let old = before.setting(key)
                try s.db.run(
                    """
                    INSERT INTO district_settings(district_id, key, value) VALUES (?,?,?)
                    ON CONFLICT(district_id, key) DO UPDATE SET value = excluded.value
                    """, [.text(id), .text(key), .text(value)])
                if old != value {
                    changes.removeAll { $0.key == key }
                    changes.append((key, old, value))
                }
            }
            if !changes.isEmpty {
                try s.audit(
                    target: "district:\(id)",
                    before: .object(changes.map { ($0.key, .string($0.old)) }),
                    after: .object(changes.map { ($0.key, .string($0.new)) }))
            }
            return changes
        }
    }

    /// The district as a JSON object: id, name, created_at and settings.
    public static func json(_ d: District) -> JSONValue {
        .object([
            ("district_id", .string(d.id)), ("name", .string(d.name)),
            ("created_at", .string(d.createdAt)),
            ("settings", .object(d.settings.map { ($0.key, .string($0.value)) })),
        ])
    }
}
