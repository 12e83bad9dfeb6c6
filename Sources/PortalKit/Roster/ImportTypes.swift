/// How one input row ended.
public enum RowStatus: String, Sendable {
    case created, updated, unchanged, rejected, skipped
    /// Imported without an optional value that was bad (reported besides how it was written).
    case warning
}

public struct RowOutcome: Sendable {
    public let file: String
    public let line: Int
    public let id: String
    public let status: RowStatus
    public let message: String
    /// The row as read, with its file's header (empty for a row no file holds, like a
    /// OneRoster link); only when `ImportHooks.everyRow` is on.
    public var columns: [String] = []
    public var fields: [String] = []
}

public struct EntityCounts: Sendable, Equatable {
    public var created = 0, updated = 0, unchanged = 0, rejected = 0, inactivated = 0
    /// Rows imported without a bad optional value (counted in created, updated or unchanged
    /// too).
    public var warnings = 0
    public init() {}

    /// Counts one row that ended so (a skipped row counts nowhere).
    mutating func add(_ status: RowStatus) {
        switch status {
        case .created: created += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        case .rejected: rejected += 1
        case .warning: warnings += 1
        case .skipped: break
        }
    }
}

public struct ImportOptions: Sendable {
    public var delta = false
    /// Commit every N input rows (0: the whole bundle in one transaction).
    public var batchSize = 0
    /// Read at most N data rows of each file (a trial run; no one is marked inactive).
    public var maxRows: Int? = nil
    public var dryRun = false
    /// The size of the filter a re-import keeps its links' keys in (see `KeyFilter`): the
    /// memory it takes, whatever the files' size.
    public var linkFilterBytes = KeyFilter.defaultBytes
    /// The bytes each set of ids met keeps ids that are not numbered in before moving them to
    /// disk (see `IDSpill`): the memory they take, whatever the files' size.
    public var idMemoryBytes = IDSpill.defaultBudget
    public init() {}
}

/// What the importer tells its caller while it runs; domain code never prints.
public struct ImportHooks {
    /// Told how each row ended: every row, or with `everyRow` off only the rejected and
    /// skipped ones (the call per written row is then spared).
    public var row: (RowOutcome) throws -> Void = { _ in }
    public var everyRow = true
    /// Told once, before any row, every column of the files the rows come from (as the files
    /// spell them, each name once), when `everyRow` is on.
    public var columns: ([String]) throws -> Void = { _ in }
    public var progress: (_ file: String, _ rows: Int, _ bytes: Int, _ totalBytes: Int) -> Void = {
        _, _, _, _ in
    }
    /// Asked before a full import marks many people inactive; throws to stop (and roll back).
    public var confirmInactivation:
        (_ counts: [(entity: String, count: Int, active: Int)]) throws -> Void = { _ in }
    public init() {}
}

public struct ImportSummary: Sendable {
    public var entities: [(name: String, counts: EntityCounts)]
    public var notes: [String]
    public var format: String

    public var total: EntityCounts {
        entities.reduce(into: EntityCounts()) { t, e in
            t.created += e.counts.created
            t.updated += e.counts.updated
            t.unchanged += e.counts.unchanged
            t.rejected += e.counts.rejected
            t.inactivated += e.counts.inactivated
            t.warnings += e.counts.warnings
        }
    }
}
