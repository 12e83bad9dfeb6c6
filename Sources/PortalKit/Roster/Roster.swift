internal import FoundationEssentials

#if canImport(Glibc)
    internal import Glibc
#endif

/// The layouts of roster bundles the importer reads.
public enum RosterFormat: String, Sendable, CaseIterable {
    case oneroster, csv
}

/// Roster import, export and look-ups for one district.
public enum Roster {
    /// Every file an import reads from a bundle's folder, of either format.
    public static let bundleFiles =
        NativeFormat.files.map(\.name)
        + ["manifest.csv", "orgs.csv", "users.csv", "roles.csv", "demographics.csv"]

    /// The folder `path` is in, as the path spells it ("." for a name alone).
    static func folder(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        let folder = parentFolder(String(p))
        return folder.isEmpty ? "." : folder
    }

    /// Which format a folder holds, when `--format` is not given (`given`: it is, and only the
    /// folder is checked).
    public static func detect(_ dir: String, given: RosterFormat? = nil) throws -> RosterFormat {
        var st = stat()
        guard stat(dir, &st) == 0 else {
            throw PortalError(
                .noInput, "no folder '\(dir)'",
                hint: "an import reads the folder that holds the CSV files")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw PortalError(
                .noInput,
                "'\(dir)' is a file; an import reads the folder that holds the CSV files",
                hint: "name the folder the files are in (every roster file there is read)",
                action: .importRoster(folder: folder(of: dir)))
        }
        if let given { return given }
        let folder = BundleFolder(dir)
        let names = folder.names
        // Both formats' own files (two exports in one folder): which to read is not a guess.
        let native = ["schools.csv", "guardians.csv", "students.csv"].filter(names.contains)
        if names.contains("users.csv") && !native.isEmpty {
            throw PortalError.usage(
                "'\(dir)' holds a OneRoster users.csv and native files (\(native.joined(separator: ", ")))",
                hint:
                    "put each export in a folder of its own, or say which format to read (csv for the native files)",
                action: .importAs(format: .oneroster, folder: dir))
        }
        if names.contains("users.csv") { return .oneroster }
        if NativeFormat.files.contains(where: { names.contains($0.name) }) { return .csv }
        let expected =
            "expected users.csv (OneRoster) or schools.csv / guardians.csv / students.csv / relationships.csv (native)"
        throw PortalError(
            .noInput, "no roster files in '\(dir)'",
            hint: folder.renamingHint(["users.csv"] + NativeFormat.files.map(\.name)).map {
                $0 + "; nothing was imported"
            } ?? expected)
    }

    /// Imports one bundle. Without `batchSize` the whole bundle is one transaction: it completes
    /// or changes nothing. With it, every batch commits, and a rerun picks up where it stopped
    /// (rows already imported come back `unchanged`).
    public static func importBundle(
        _ s: Session, dir: String, format: RosterFormat?, options: ImportOptions,
        hooks: ImportHooks = ImportHooks()
    ) throws -> ImportSummary {
        if s.db.sqlite == nil {
            return try onLocalCopy(s, dir: dir, format: format, options: options, hooks: hooks)
        }
        let fmt = try detect(dir, given: format)
        // The import checks every reference itself (the district, a student's school and
        // household, a guardian's household, both ends of a link), which spares SQLite a look-up
        // per foreign key per row. Inside a caller's transaction the pragma is a no-op and the
        // foreign keys keep checking too. https://www.sqlite.org/foreignkeys.html#fk_enable
        try s.db.execute("PRAGMA foreign_keys = OFF")
        defer { try? s.db.execute("PRAGMA foreign_keys = ON") }
        // An import writes mostly at the right edge of each table's tree, so a small page
        // cache does (measured at 100k students: as fast as 8 MB, peak memory 8 MB lower); it
        // also bounds the memory of building the look-up indexes put off (see `close`). Random
        // ids (GUIDs) get 16 MB instead (see `RosterWriter.useLargeCache`).
        try s.db.execute("PRAGMA cache_size = \(RosterWriter.cacheSize)")
        defer { try? s.db.execute("PRAGMA cache_size = \(SQLiteStore.cacheSize)") }
        // The import's own tables (rows staged, ids moved to disk) are in the connection's
        // temporary file, deleted with it: nothing there needs overwriting when freed, as
        // SQLite built with SECURE_DELETE (Debian's is) does by default, a page at a time.
        // The district's tables keep the library's setting.
        try s.db.execute("PRAGMA temp.secure_delete = OFF")
        // A new database's first import (no district has roster rows yet) only adds pages to
        // the file: with a rollback journal nothing of it is written twice (see
        // `SQLiteStore.withRollbackJournal`). Measured, alternated first imports: 300,000
        // students, OneRoster with UUIDs 5.76 -> 4.86 s, numbered 3.17 -> 2.63 s, native UUIDs
        // 6.10 -> 5.17 s; 100,000 OneRoster UUIDs 1.95 -> 1.47 s. Not in batches, each of which
        // would hold the file to itself again.
        let holdsRoster = try s.db.first(
            """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM students) OR EXISTS (SELECT 1 FROM guardians)
                OR EXISTS (SELECT 1 FROM links) OR EXISTS (SELECT 1 FROM households)
            """)
        guard let sqlite = s.db.sqlite, options.batchSize == 0, holdsRoster == nil else {
            return try importInto(s, fmt, dir, options, hooks)
        }
        return try sqlite.withRollbackJournal { try importInto(s, fmt, dir, options, hooks) }
    }

    /// The import on SQLite, its connection set up (see `importBundle`).
    private static func importInto(
        _ s: Session, _ fmt: RosterFormat, _ dir: String, _ options: ImportOptions,
        _ hooks: ImportHooks
    ) throws -> ImportSummary {
        // What batches committed leave written, when some did (`RosterWriter.leftWritten`).
        var leftWritten: String? = nil
        let summary: ImportSummary
        do {
            summary = try s.db.write(rollback: options.dryRun) {
                let w = try RosterWriter(
                    s, format: fmt, options: options, hooks: hooks, inputBytes: bundleBytes(dir))
                w.folder = dir
                // The readers' parse closures hold the writer, and the district's rows may
                // still be being read on a thread of their own: let go of both whatever
                // happens, or an import would keep a connection open.
                defer {
                    w.letGo()
                    if w.batchesCommitted > 0 { leftWritten = w.leftWritten }
                }
                let files: [String]
                switch fmt {
                case .csv: files = try NativeFormat.run(w, dir: dir)
                case .oneroster: files = try OneRosterBundle.run(w, dir: dir)
                }
                return try w.close(format: fmt.rawValue, files: files)
            }
        } catch let e where leftWritten != nil && Interrupts.isInterruption(e) {
            throw PortalError(
                .interrupted, "interrupted; the batch under way was rolled back",
                hint: (leftWritten ?? "")
                    + "; import the files again to finish (the rows already in count as unchanged)"
            )
        }
        // Fresh statistics after a bulk change, so the planner picks the per-student indexes
        // (https://www.sqlite.org/lang_analyze.html); a sample of each index is enough. The
        // import is committed: Ctrl-C here leaves the statistics as they were, and is said as
        // coming after the change (`Interrupts.tooLate`), not as the import's failure.
        if !options.dryRun && summary.total.created + summary.total.updated > 0 {
            do {
                try s.db.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
            } catch let e where Interrupts.isInterruption(e) {}
        }
        return summary
    }

    /// The size of the files in `dir`.
    static func bundleBytes(_ dir: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.reduce(0) { total, name in
            var st = stat()
            return total + (stat(dir + "/" + name, &st) == 0 ? Int(st.st_size) : 0)
        }
    }

    /// The import on PostgreSQL: the district copied to a scratch SQLite file, imported there
    /// as on SQLite, and what changed written back with COPY, all in one transaction of the
    /// server, so the copy is imported in one transaction too (`--batch-size` batches would
    /// commit nothing the server keeps, and a refusal would say they stay). A transaction
    /// another writer made fail is not run again here (the rows were reported already): the
    /// import says busy.
    static func onLocalCopy(
        _ s: Session, dir: String, format: RosterFormat?, options: ImportOptions,
        hooks: ImportHooks
    ) throws -> ImportSummary {
        var options = options
        options.batchSize = 0
        let district = try s.district()
        return try s.db.write(rollback: options.dryRun) {
            do {
                let local = try LocalCopy(of: district, from: s.db)
                let summary = try importBundle(
                    Session(
                        db: local.db, operatorName: s.operatorName, command: s.command, now: s.now,
                        districtID: s.districtID), dir: dir, format: format, options: options,
                    hooks: hooks)
                if !options.dryRun { try local.writeBack(to: s.db) }
                return summary
            } catch let e as PostgresError where e.isRetryable {
                throw e.portalError
            }
        }
    }
}

/// The files of a bundle's folder by name, whatever the case of their names (exporters and
/// copies from Windows differ: Students.CSV, userProfiles.csv).
struct BundleFolder {
    let dir: String
    private let items: [String]

    init(_ dir: String) {
        self.dir = dir
        items = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    }

    /// The names in the folder, in lower case.
    var names: Set<String> { Set(items.map { $0.lowercased() }) }

    /// The path of the file `name` (in lower case); nil when there is none. Two files whose
    /// names differ only in case (one export saved twice) leave which to read to the user.
    func path(_ name: String) throws -> String? {
        let found = items.filter { $0.lowercased() == name }.sorted()
        if found.count > 1 {
            throw PortalError(
                .dataError,
                "'\(dir)' holds \(found.map { "'\($0)'" }.joined(separator: " and ")): one file under names that differ only in case",
                hint:
                    "keep the one to import and move the other away (the same export saved twice?); nothing was imported"
            )
        }
        return found.first.map { dir + "/" + $0 }
    }

    /// The CSV files named like one of `wanted` without being it (students (1).csv,
    /// Student.csv, guardians_2026.csv: a download saved twice, a name typed by hand), each
    /// with the name meant, as the hint of a folder without the files it needs; nil for none.
    func renamingHint(_ wanted: [String]) -> String? {
        let misses = items.sorted().compactMap { item -> (found: String, meant: String)? in
            let lower = item.lowercased()
            guard lower.hasSuffix(".csv"), !wanted.contains(lower) else { return nil }
            let letters = String(lower.dropLast(4).prefix { $0.isLetter })
            let meant = wanted.first { w in
                let stem = String(w.dropLast(4))
                return letters == stem || letters + "s" == stem
            }
            return meant.map { (item, $0) }
        }
        guard !misses.isEmpty else { return nil }
        return misses.map { "found '\($0.found)': name it \($0.meant)" }.joined(separator: "; ")
            + " (the import reads the files by these names)"
    }
}
