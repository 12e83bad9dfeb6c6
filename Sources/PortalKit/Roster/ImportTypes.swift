/// How one input row ended.
public enum RowStatus: String, Sendable {
    case created, updated, unchanged, rejected, skipped
    /// Imported without an optional value that was bad (reported besides how it was written).
    case warning
}

/// How one input row of an import ended, and where it is.
public struct RowOutcome: Sendable {
    /// The file's name within the bundle (e.g. `guardians.csv`).
    public let file: String
    /// The row's line in its file; 0 for a row no file line holds.
    public let line: Int
    /// The row's id (guardian, student, school or link), as far as it could be read.
    public let id: String
    /// How the row ended.
    public let status: RowStatus
    /// Why it was rejected or warned about; empty otherwise.
    public let message: String
    /// The row as read, with its file's header (empty for a row no file holds, like a
    /// OneRoster link); only when `ImportHooks.everyRow` is on.
    public var columns: [String] = []
    /// The row's values, in the order of `columns`.
    public var fields: [String] = []
}

/// How the rows of one kind of record ended.
public struct EntityCounts: Sendable, Equatable {
    public var created = 0, updated = 0, unchanged = 0, rejected = 0, inactivated = 0
    /// Rows imported without a bad optional value (counted in created, updated or unchanged
    /// too).
    public var warnings = 0
    /// No rows yet.
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

/// How an import runs.
public struct ImportOptions: Sendable {
    /// Only the rows in the files change; no one absent from them is marked inactive.
    public var delta = false
    /// Commit every N input rows (0: the whole bundle in one transaction).
    public var batchSize = 0
    /// Read at most N data rows of each file (a trial run; no one is marked inactive).
    public var maxRows: Int? = nil
    /// A full import that would mark every active row of a kind the district holds inactive
    /// (the files give none of them: an export cut short, another district's) is refused
    /// unless this is set.
    public var allowAllAbsent = false
    /// Checks and counts everything, then rolls back: nothing is written.
    public var dryRun = false
    /// Fields that are not UTF-8 are read as Windows-1252 (see `CSVReader.windows1252`).
    public var windows1252 = false
    /// The size of the filter a re-import keeps its links' keys in (see `KeyFilter`): the
    /// memory it takes, whatever the files' size; nil: 4 to 12 MB by the links in the file
    /// (`KeyFilter.bytes(forLinks:)`).
    public var linkFilterBytes: Int? = nil
    /// The bytes each set of ids met keeps ids that are not numbered in before moving them to
    /// disk (see `IDSpill`): the memory they take, whatever the files' size.
    public var idMemoryBytes = IDSpill.defaultBudget
    /// Rows of a table the district had none of written in place before the rest are staged
    /// and written in key order (when its ids are not numbered; see `RosterWriter.stageIfRandom`).
    public var rowsBeforeStaging = RosterWriter.rowsBeforeStaging
    /// The bytes of users.csv's lines a first OneRoster import reads at a time in the order of
    /// the users' ids (see `RankedLines`); 0: none, every row comes in the file's order.
    public var orderWindowBytes = RankedLines.defaultWindowBytes
    /// The reports of rows read out of their file's order held at most: beyond, the rest of
    /// the file is read in its order (see `RosterWriter.tellHeldReports`).
    var mostHeldReports = RosterWriter.mostHeldReports
    /// Whether a re-import keeps the district's rows in memory (`KnownRows`): nil when the
    /// files are large enough beside the district for it to pay (see `RosterWriter`).
    public var keepKnownRows: Bool? = nil
    /// A full import in one transaction.
    public init() {}
}

/// What the importer tells its caller while it runs; domain code never prints.
public struct ImportHooks {
    /// Told how each row ended: every row, or with `everyRow` off only the rejected and
    /// skipped ones (the call per written row is then spared).
    public var row: (RowOutcome) throws -> Void = { _ in }
    /// Whether `row` hears of every row (for a results file) or only the rejected and skipped.
    public var everyRow = true
    /// Told once, before any row, every column of the files the rows come from (as the files
    /// spell them, each name once), when `everyRow` is on.
    public var columns: ([String]) throws -> Void = { _ in }
    /// Told how far the import has read in the file it is on, now and then.
    public var progress: (_ file: String, _ rows: Int, _ bytes: Int, _ totalBytes: Int) -> Void = {
        _, _, _, _ in
    }
    /// Asked before an import marks rows inactive (a full import the people and links absent
    /// from its files, a OneRoster delta the links its users no longer name), with how many
    /// of how many active rows and why; throws to stop (and roll back).
    public var confirmInactivation:
        (_ counts: [(entity: String, count: Int, active: Int, why: String)]) throws -> Void = {
            _ in
        }
    /// Hooks that hear nothing and never stop the import.
    public init() {}
}

/// What an import did, per kind of record.
public struct ImportSummary: Sendable {
    /// The counts per kind of record (schools, students, guardians, links), in import order.
    public var entities: [(name: String, counts: EntityCounts)]
    /// Things worth knowing about the run (a trial run's limit, merges followed, ...).
    public var notes: [String]
    /// The bundle's format, as detected or given (`native` or `oneroster`).
    public var format: String
    /// Lines told unchanged before their rows were made (see `LineHash`).
    var linesUnchanged = 0
    /// Lines read in the order of their users' ids (see `RankedLines`).
    var linesInIDOrder = 0
    /// Times a links file was read again whole, to tell the absent links from those the
    /// filter took for met (see `RosterWriter.completed`).
    var linkFilesReadAgain = 0

    /// The counts of every kind of record added up.
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
