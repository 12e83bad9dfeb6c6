internal import FoundationEssentials

/// A value as stored in a merge's change list.
enum StoredValue: Codable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    init(_ v: SQLValue) {
        switch v {
        case .null: self = .null
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .text(let s): self = .text(s)
        }
    }

    var sql: SQLValue {
        switch self {
        case .null: .null
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .text(let s): .text(s)
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else {
            self = .text(try c.decode(String.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .text(let s): try c.encode(s)
        }
    }
}

/// One row changed by a merge: its table and key, and the whole row before and after (nil when
/// the row did not exist). Undo puts every `before` back, after checking every `after` is still
/// what the database holds.
struct RowChange: Codable {
    let table: String
    let key: [String: StoredValue]
    var before: [String: StoredValue]?
    var after: [String: StoredValue]?
}

/// Records every row a merge touches, so the merge can be undone exactly.
final class ChangeLog {
    static let keys: [String: [String]] = [
        "guardians": ["district_id", "guardian_id"], "households": ["district_id", "household_id"],
        "students": ["district_id", "student_id"],
        "links": ["district_id", "guardian_id", "student_id"],
        "accounts": ["district_id", "username"], "activation_keys": ["district_id", "key_id"],
        "restrictions": ["district_id", "restriction_id"],
        "aup_signatures": ["district_id", "guardian_id", "version"],
        "age18_decisions": ["district_id", "decision_id"],
    ]

    /// Login bookkeeping that moves on its own (a parent logging in after the merge): it neither
    /// blocks an undo nor is wound back by one.
    static let volatile: [String: Set<String>] = [
        "accounts": ["last_login_at", "failed_count", "last_failure_at", "locked_at"]
    ]

    let db: Database
    private(set) var changes: [RowChange] = []

    init(_ db: Database) { self.db = db }

    /// The primary-key columns of a table a merge may touch.
    static func keyColumns(_ table: String) -> [String] { keys[table] ?? ["district_id"] }

    static func whereClause(_ table: String) -> String {
        keyColumns(table).map { "\($0) = ?" }.joined(separator: " AND ")
    }

    func row(_ table: String, _ key: [String: SQLValue]) throws -> [String: StoredValue]? {
        let cols = ChangeLog.keyColumns(table)
        guard
            let r = try db.first(
                "SELECT * FROM \(table) WHERE \(ChangeLog.whereClause(table))",
                cols.map { key[$0] ?? .null })
        else { return nil }
        return Dictionary(uniqueKeysWithValues: zip(r.columns, r.values.map(StoredValue.init)))
    }

    private func keyOf(_ table: String, _ row: [String: StoredValue]) -> [String: SQLValue] {
        Dictionary(
            uniqueKeysWithValues: ChangeLog.keyColumns(table).map { ($0, row[$0]?.sql ?? .null) })
    }

    func update(_ table: String, _ key: [String: SQLValue], set: [(String, SQLValue)]) throws {
        guard let before = try row(table, key) else { return }
        let cols = ChangeLog.keyColumns(table)
        try db.run(
            "UPDATE \(table) SET \(set.map { "\($0.0) = ?" }.joined(separator: ", ")) WHERE \(ChangeLog.whereClause(table))",
            set.map(\.1) + cols.map { key[$0] ?? .null })
        // The key itself may have changed (a link moved to another guardian).
        var newKey = key
        for (c, v) in set where cols.contains(c) { newKey[c] = v }
        let after = try row(table, newKey)
        record(table, key: key, before: before, after: after, afterKey: newKey)
    }

    func insert(_ table: String, _ values: [String: SQLValue]) throws {
        let cols = Array(values.keys).sorted()
        try db.run(
            "INSERT INTO \(table)(\(cols.joined(separator: ","))) VALUES (\(cols.map { _ in "?" }.joined(separator: ",")))",
            cols.map { values[$0] ?? .null })
        let key = Dictionary(
            uniqueKeysWithValues: ChangeLog.keyColumns(table).map { ($0, values[$0] ?? .null) })
        changes.append(
            RowChange(
                table: table, key: key.mapValues(StoredValue.init), before: nil,
                after: try row(table, key)))
    }

    func delete(_ table: String, _ key: [String: SQLValue]) throws {
        guard let before = try row(table, key) else { return }
        try db.run(
            "DELETE FROM \(table) WHERE \(ChangeLog.whereClause(table))",
            ChangeLog.keyColumns(table).map { key[$0] ?? .null })
        changes.append(
            RowChange(
                table: table, key: key.mapValues(StoredValue.init), before: before, after: nil))
    }

    private func record(
        _ table: String, key: [String: SQLValue], before: [String: StoredValue],
        after: [String: StoredValue]?, afterKey: [String: SQLValue]
    ) {
        if afterKey == key {
            changes.append(
                RowChange(
                    table: table, key: key.mapValues(StoredValue.init), before: before, after: after
                ))
        } else {
            // A key change is a delete of the old row and an insert of the new one.
            changes.append(
                RowChange(
                    table: table, key: key.mapValues(StoredValue.init), before: before, after: nil))
            changes.append(
                RowChange(
                    table: table, key: afterKey.mapValues(StoredValue.init), before: nil,
                    after: after))
        }
    }

    func encoded() throws -> String {
        String(decoding: try JSONEncoder().encode(changes), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [RowChange] {
        try JSONDecoder().decode([RowChange].self, from: Data(text.utf8))
    }

    /// The first change whose row is no longer as the merge left it, with the fields that differ.
    static func conflicts(_ db: Database, _ changes: [RowChange]) throws -> (RowChange, [String])? {
        let log = ChangeLog(db)
        var checked = Set<String>()
        // Only the last change of each row says how the merge left it.
        for c in changes.reversed() {
            let id =
                c.table + "\u{1f}"
                + c.key.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: ",")
            if !checked.insert(id).inserted { continue }
            let current = try log.row(c.table, c.key.mapValues(\.sql))
            let skip = volatile[c.table] ?? []
            let fields = Set((current ?? [:]).keys).union((c.after ?? [:]).keys)
                .filter { !skip.contains($0) && current?[$0] != c.after?[$0] }.sorted()
            if (current == nil) != (c.after == nil) || !fields.isEmpty {
                return (
                    c,
                    current == nil ? ["(row removed)"] : c.after == nil ? ["(row added)"] : fields
                )
            }
        }
        return nil
    }

    /// Puts every row back as it was before, newest change first.
    static func restore(_ db: Database, _ changes: [RowChange]) throws {
        // Rows come back in reverse order; foreign keys are checked once, at the commit.
        try db.execute("PRAGMA defer_foreign_keys = ON")
        for c in changes.reversed() {
            let key = c.key.mapValues(\.sql)
            let cols = keyColumns(c.table)
            switch (c.before, c.after) {
            case (let before?, _?):
                let names = Array(before.keys).filter { !(volatile[c.table] ?? []).contains($0) }
                    .sorted()
                try db.run(
                    "UPDATE \(c.table) SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(whereClause(c.table))",
                    names.map { before[$0]?.sql ?? .null } + cols.map { key[$0] ?? .null })
            case (nil, _?):
                try db.run(
                    "DELETE FROM \(c.table) WHERE \(whereClause(c.table))",
                    cols.map { key[$0] ?? .null })
            case (let before?, nil):
                let names = Array(before.keys).sorted()
                try db.run(
                    "INSERT INTO \(c.table)(\(names.joined(separator: ","))) VALUES (\(names.map { _ in "?" }.joined(separator: ",")))",
                    names.map { before[$0]?.sql ?? .null })
            case (nil, nil):
                break
            }
        }
    }
}
