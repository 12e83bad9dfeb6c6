import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct ImportSafetyTests {
    /// With UUIDs the rows are staged in a temporary table when the signal comes: none of them
    /// reach the district either.
    @Test(arguments: [
        ("numbered", Backend.sqlite), ("uuid", Backend.sqlite), ("numbered", Backend.postgres),
    ])
    func ctrlCRollsBackAndExits130(ids: String, backend: Backend) throws {
        let dir = TempDir()
        let db = try backend.districts(dir)
        let sample = dir.file("big")
        #expect(
            try runBinary([
                "sample", "generate", "--students", "40000", "--out", sample, "--ids", ids,
            ]).code == 0)
        let before = try dump(db)
        let indexes = backend == .sqlite ? try indexNames(db) : []
        let (p, err) = try started(["roster", "import", sample, "--district", "d1"], db: db)
        // Wait until the import has read a megabyte of its ~10 MB of CSV, then press Ctrl-C.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let io =
                (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/io", encoding: .utf8))
                ?? ""
            let rchar =
                io.split(separator: "\n").first { $0.hasPrefix("rchar:") }.flatMap {
                    Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces))
                } ?? 0
            if rchar > 1_000_000 { break }
            usleep(5_000)
        }
        let (status, e) = ended(p, err, by: [SIGINT])
        #expect(status == 130, "\(e)")
        #expect(e.contains("interrupted: stopping (press Ctrl-C again to quit at once)"), "\(e)")
        #expect(e.contains("error: interrupted; rolled back, nothing was written"), "\(e)")
        #expect(try dump(db) == before, "nothing of the interrupted import remains")
        if backend == .sqlite {
            #expect(try indexNames(db) == indexes, "the look-up indexes put off are there")
            // The districts have no roster rows: the import wrote through a rollback journal,
            // and the WAL is back after the rollback.
            let lib = try Database.open(path: db, create: false)
            #expect(try lib.scalar("PRAGMA journal_mode")?.string == "wal")
            #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
        }
    }

    /// Ctrl-C in an import of `--batch-size` batches rolls back the batch under way; the
    /// batches committed before stay, and the message says so (it said "nothing was written"
    /// over 49,778 guardians a Ctrl-C had left in place). Imported again, the files finish.
    /// (On PostgreSQL an import is one transaction whatever its batches: see
    /// `Roster.onLocalCopy`.)
    @Test(Backend.sqliteFileOnly) func ctrlCBetweenBatchesSaysWhatStays() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let sample = dir.file("s")
        #expect(
            try runBinary(["sample", "generate", "--students", "6000", "--out", sample]).code == 0)
        let (p, err) = try started(
            ["roster", "import", sample, "--district", "d1", "--batch-size", "100"], db: db)
        // Ctrl-C once the first batch is in.
        let lib = try Database.open(path: db, create: false)
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline,
            (try? lib.count("SELECT count(*) FROM guardians")) ?? 0 == 0
        {
            usleep(1_000)
        }
        let (status, e) = ended(p, err, by: [SIGINT])
        #expect(status == 130, "\(e)")
        #expect(e.contains("error: interrupted; the batch under way was rolled back"), "\(e)")
        #expect(e.contains("committed before stay, and no one was marked inactive"), "\(e)")
        #expect(!e.contains("nothing was written"), "\(e)")
        let kept = try lib.count("SELECT count(*) FROM guardians")
        #expect(kept > 0)
        let again = try runBinary(["roster", "import", sample, "--district", "d1"], db: db)
        #expect(again.code == 0, "\(again.err)")
        let otherDir = TempDir()
        let other = try makeDistricts(otherDir)
        #expect(
            try runBinary(["roster", "import", sample, "--district", "d1"], db: other).code == 0)
        let roster = ["households", "guardians", "students", "links"]
        #expect(
            try dump(db).filter { roster.contains(String($0.prefix { $0 != ":" })) }
                == dump(other).filter { roster.contains(String($0.prefix { $0 != ":" })) })
    }

    /// Ctrl-C that comes after the import committed (while the planner's statistics are
    /// made, or the summary printed) leaves the import in place, and says so: it said
    /// "interrupted; rolled back, nothing was written" over every row. Still exit 130, so that
    /// a script running the import stops too. The moment is caught by the rollback journal of
    /// a new database's first import going away at the commit (the process stopped there);
    /// tried until a run is caught there (one that ends before the signal exits 0).
    @Test(Backend.sqliteFileOnly) func ctrlCAfterTheCommitSaysTheImportStands() throws {
        let dir = TempDir()
        let sample = dir.file("s")
        #expect(
            try runBinary(["sample", "generate", "--students", "3000", "--out", sample]).code == 0)
        var caught = false
        for attempt in 0..<5 where !caught {
            let dbDir = TempDir()
            let db = try makeDistricts(dbDir)
            let (p, err) = try started(["roster", "import", sample, "--district", "d1"], db: db)
            // The import's journal is the one that lasts (switching the journal mode and the
            // statistics made after the commit each have one for a moment).
            var since: Date? = nil
            var st = stat()
            while p.isRunning {
                if stat(db + "-journal", &st) == 0 {
                    since = since ?? Date()
                } else if let s = since {
                    if Date().timeIntervalSince(s) > 0.05 { break }
                    since = nil
                }
                usleep(100)
            }
            // Held still while the signal is sent, so that it cannot end first.
            let (status, e) = ended(p, err, by: [SIGSTOP, SIGINT, SIGCONT])
            let rows = try Database.open(path: db, create: false).count(
                "SELECT count(*) FROM guardians")
            if status == 130 && rows > 0 {
                caught = true
                #expect(
                    e.contains("error: interrupted after the change was committed: it stands"),
                    "\(e)")
                #expect(!e.contains("nothing was written") && !e.contains("rolling back"), "\(e)")
            } else {
                #expect(
                    status == 0 || (status == 130 && e.contains("nothing was written")),
                    "attempt \(attempt): \(e)")
            }
        }
        #expect(caught, "no run was interrupted between its commit and its end")
    }

    /// Ctrl-C late in a OneRoster import, while it writes the last users' rows or makes its
    /// links (two threads make them, the writer takes them in turn): every thread stops, the
    /// import rolls back, and nothing of it remains. The signal comes once users.csv has been
    /// read twice (the links are made after the second reading), then 0.4 and 0.8 s later;
    /// one that lands after the commit is told by the rows left, and is said so.
    @Test(Backend.sqliteFileOnly) func ctrlCWhileOneRosterLinksAreMadeRollsBack() throws {
        let dir = TempDir()
        let bundle = dir.file("or")
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        var lines = ["sourcedId,role,givenName,familyName,agentSourcedIds"]
        for i in 0..<20_000 { lines.append("g\(100_000 + i),parent,Pat\(i),Lee,") }
        for i in 0..<40_000 {
            lines.append(
                "s\(200_000 + i),student,Kim\(i),Lee,\"g\(100_000 + i / 2),g\(100_000 + (i * 7) % 20_000)\""
            )
        }
        let users = lines.joined(separator: "\n") + "\n"
        try users.write(toFile: bundle + "/users.csv", atomically: true, encoding: .utf8)
        var rolledBack = 0
        for (attempt, delay) in [0, 400_000, 800_000].enumerated() {
            let dbDir = TempDir()
            let db = try makeDistricts(dbDir)
            let before = try dump(db)
            let (p, err) = try started(["roster", "import", bundle, "--district", "d1"], db: db)
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Date() < deadline {
                let io =
                    (try? String(
                        contentsOfFile: "/proc/\(p.processIdentifier)/io", encoding: .utf8)) ?? ""
                let rchar =
                    io.split(separator: "\n").first { $0.hasPrefix("rchar:") }.flatMap {
                        Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces))
                    } ?? 0
                if rchar >= 2 * users.utf8.count { break }
                usleep(1_000)
            }
            usleep(UInt32(delay))
            let (status, e) = ended(p, err, by: [SIGINT])
            let links = try Database.open(path: db, create: false).count(
                "SELECT count(*) FROM links")
            if status == 130 && links == 0 {
                rolledBack += 1
                #expect(e.contains("error: interrupted; rolled back, nothing was written"), "\(e)")
                #expect(try dump(db) == before, "attempt \(attempt): nothing remains")
            } else {
                // Finished first, or interrupted after its commit: every link is there (80,000
                // pairs, two of them named twice).
                #expect(links == 79_998, "attempt \(attempt): \(links)")
                #expect(status == 0 || e.contains("it stands"), "attempt \(attempt): \(e)")
            }
        }
        #expect(rolledBack > 0, "no run was interrupted before its commit")
    }

    /// `p` sent `signals` in turn, then waited for: its exit status and standard error.
    func ended(_ p: Process, _ err: Pipe, by signals: [Int32]) -> (Int32, String) {
        for signal in signals { kill(p.processIdentifier, signal) }
        let status = p.waitForStatus()
        return (
            status, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        )
    }

    /// The program running `args` on `db`, its standard error piped.
    func started(_ args: [String], db: String) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binaryPath)
        p.arguments = args
        p.environment = [
            "PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester", "PATH": "/usr/bin:/bin",
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }

    /// A full import that would mark most guardians inactive asks on a terminal, and asks
    /// before it takes the write lock: while the registrar reads the question, another
    /// operator's change goes through at once (it used to wait, and fail as busy after 5 s).
    @Test func theInactivationQuestionHoldsNoLockWhileAPersonReadsIt() throws {
        try #require(Terminal.available, "util-linux script gives a terminal")
        let (dir, db) = try lakeviewWithFewGuardians()
        let terminal = try Terminal(
            ["roster", "import", dir.file("few"), "--district", "d1"], db: db)
        try terminal.waitFor("Proceed? [y/N]")
        #expect(terminal.text.contains("marks 7 of 9 guardians inactive"), "\(terminal.text)")
        // The question is on the screen: another writer is not kept waiting.
        let started = Date()
        let other = try runBinary(
            ["district", "set", "key_ttl_days=14", "--district", "d1"], db: db,
            env: ["PORTALADMIN_BUSY_TIMEOUT_MS": "0"])
        #expect(other.code == 0, "\(other.err)")
        #expect(Date().timeIntervalSince(started) < 4, "it did not wait for the busy timeout")
        try terminal.answer("Proceed? [y/N]", "y")
        let end = terminal.finish()
        #expect(end.code == 0, "\(end.text)")
        let inactive = try runBinary(
            ["guardian", "list", "-o", "tsv", "--limit", "0", "--district", "d1"], db: db
        ).out.split(separator: "\n").filter { $0.hasSuffix("\tinactive") }
        #expect(inactive.count == 7)
    }

    /// What was asked is what is done: when others add people while the question waits, the
    /// import would mark more inactive than was agreed, and stops without writing.
    @Test func anImportStopsWhenTheDistrictChangedWhileItAsked() throws {
        try #require(Terminal.available, "util-linux script gives a terminal")
        let (dir, db) = try lakeviewWithFewGuardians()
        let terminal = try Terminal(
            ["roster", "import", dir.file("few"), "--district", "d1"], db: db)
        try terminal.waitFor("Proceed? [y/N]")
        let added = try runBinary(
            ["roster", "import", "-", "--delta", "--district", "d1"], db: db,
            stdin: "guardian_id,given_name,family_name\nG-9001,Ann,Berg\nG-9002,Tom,Berg\n")
        #expect(added.code == 0, "\(added.err)")
        let before = try dump(db)
        try terminal.answer("Proceed? [y/N]", "y")
        let end = terminal.finish()
        #expect(end.code == 5, "\(end.text)")
        #expect(
            end.text.contains(
                "the district changed while you were asked: this import would now mark 9 guardians inactive"
            ), "\(end.text)")
        #expect(try dump(db) == before, "nothing written")
    }

    /// Lakeview imported into d1, and a folder whose guardians.csv keeps only two of its nine.
    func lakeviewWithFewGuardians() throws -> (TempDir, String) {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let lakeview = repoRoot + "/examples/lakeview"
        #expect(
            try runBinary(["roster", "import", lakeview, "--district", "d1", "--yes"], db: db).code
                == 0)
        let guardians = try String(contentsOfFile: lakeview + "/guardians.csv", encoding: .utf8)
            .split(separator: "\n").prefix(3).joined(separator: "\n")
        _ = dir.write("few/guardians.csv", guardians + "\n")
        return (dir, db)
    }

    /// A re-import reads the district's rows on a thread of its own, through a second
    /// connection; an import that ends early (here a users.csv without familyName) stops that
    /// thread and waits for it, so that nothing of it is still reading, or holds the database
    /// open, once the import has returned (a portal process runs many).
    @Test(Backend.sqliteFileOnly) func anImportThatEndsEarlyLeavesNoConnectionOpen() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let gen = runInProcess(
            ["sample", "generate", "--students", "4000", "--out", dir.file("native"), "-q"],
            db: db)
        #expect(gen.code == 0, "\(gen.err)")
        let first = runInProcess(
            ["roster", "import", dir.file("native"), "--district", "d1", "-q"], db: db)
        #expect(first.code == 0 || first.code == 3, "\(first.err)")
        _ = dir.write("or/users.csv", "sourcedId,givenName\nU1,Ann\n")
        for _ in 0..<3 {
            let r = runInProcess(
                ["roster", "import", dir.file("or"), "--format", "oneroster", "--district", "d1"],
                db: db, env: ["PORTALADMIN_KNOWN_ROWS": "always"])
            #expect(r.code == 65 && r.err.contains("familyName"), "\(r.err)")
            let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
                .compactMap {
                    try? FileManager.default.destinationOfSymbolicLink(
                        atPath: "/proc/self/fd/" + $0)
                }
                .filter { $0.hasPrefix(dir.path) }
            #expect(open.isEmpty, "still open once the import returned: \(open)")
        }
    }

    @Test(Backend.sqliteFileOnly) func aFailureMidImportLeavesTheDatabaseAsItWas() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let sample = dir.file("s")
        #expect(
            try runBinary(["sample", "generate", "--students", "200", "--out", sample]).code == 0)
        let before = try dump(db)
        let (lib, s) = try importSession(db)
        var hooks = ImportHooks()
        var n = 0
        struct Crash: Error {}
        hooks.row = { _ in
            n += 1
            if n == 150 { throw Crash() }
        }
        let indexes = try indexNames(db)
        #expect(throws: Crash.self) {
            _ = try Roster.importBundle(
                s, dir: sample, format: .csv, options: ImportOptions(), hooks: hooks)
        }
        #expect(try dump(db) == before)
        #expect(try indexNames(db) == indexes, "the look-up indexes put off are back")
        #expect(try lib.scalar("PRAGMA foreign_keys")?.int == 1, "foreign keys are on again")
        #expect(try lib.scalar("PRAGMA cache_size")?.int == -8192, "and the page cache as it was")
    }

    @Test(Backend.sqliteFileOnly) func thePageCacheGrowsOnlyForIdsThatAreNotNumbered() throws {
        // Numbered ids are written in order and keep the import's 2 MB page cache; the first id
        // kept whole (a GUID) makes it 16 MB; either way it is as it was after the import.
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let (lib, s) = try importSession(db)
        for (ids, cache) in [(["S1", "S2"], -2048), (["S1", "7d1c-aa-Sx"], -16384)] {
            _ = dir.write(
                "b/students.csv",
                "student_id,given_name,family_name\n" + ids.map { "\($0),Ana,Lee\n" }.joined())
            var hooks = ImportHooks()
            var seen: Int64?
            hooks.row = { _ in seen = try lib.scalar("PRAGMA cache_size")?.int }
            _ = try Roster.importBundle(
                s, dir: dir.file("b"), format: .csv, options: ImportOptions(), hooks: hooks)
            #expect(seen == Int64(cache), "\(ids)")
            #expect(try lib.scalar("PRAGMA cache_size")?.int == -8192)
        }
    }

    /// A new database's first import writes the file through a rollback journal (nothing
    /// written twice), and the WAL is back once it ends, committed or not; an import into a
    /// database with roster rows, or while another connection has it open, keeps the WAL.
    @Test(Backend.sqliteFileOnly) func aNewDatabasesFirstImportWritesWithoutTheWAL() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "b/students.csv", "student_id,given_name,family_name\nS1,Ana,Lee\nS2,Bo,Lee\n")
        let (lib, s) = try importSession(db)
        func modeDuring(dryRun: Bool = false, failing: Bool = false) throws -> String? {
            var hooks = ImportHooks()
            var seen: String?
            struct Stop: Error {}
            hooks.row = { _ in
                seen = try lib.scalar("PRAGMA journal_mode")?.string
                // Synced in full then (NORMAL is safe from a power cut in WAL mode only).
                #expect(try lib.scalar("PRAGMA synchronous")?.int == (seen == "delete" ? 2 : 1))
                if failing { throw Stop() }
            }
            var options = ImportOptions()
            options.dryRun = dryRun
            do {
                _ = try Roster.importBundle(
                    s, dir: dir.file("b"), format: .csv, options: options, hooks: hooks)
            } catch is Stop {}
            #expect(try lib.scalar("PRAGMA journal_mode")?.string == "wal")
            #expect(try lib.scalar("PRAGMA synchronous")?.int == 1)
            #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
            return seen
        }
        #expect(try modeDuring(failing: true) == "delete")
        #expect(try modeDuring(dryRun: true) == "delete")
        #expect(try lib.count("SELECT count(*) FROM students") == 0)
        // Another connection open: SQLite keeps the WAL, and the import goes on in it.
        do {
            let other = try Database.open(path: db, create: false)
            #expect(try other.count("SELECT count(*) FROM districts") == 1)
            #expect(try modeDuring(dryRun: true) == "wal")
        }
        #expect(try modeDuring() == "delete")
        #expect(try lib.count("SELECT count(*) FROM students") == 2)
        #expect(try lib.scalar("PRAGMA integrity_check")?.string == "ok")
        _ = dir.write("b/students.csv", "student_id,given_name,family_name\nS1,Ana,Lee\n")
        #expect(try modeDuring() == "wal", "the district has rows now")
    }

    /// While a new database's first import holds the file, another command opening the
    /// database waits for it (for its busy time), as for any writer, then goes on in WAL: the
    /// switch back to WAL on opening said "locked" at once. Past its busy time it says busy.
    @Test(Backend.sqliteFileOnly, arguments: [120_000, 100])
    func aCommandDuringAFirstImportWaitsForIt(busyMs: Int) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write("b/students.csv", "student_id,given_name,family_name\nS1,Ana,Lee\n")
        let (lib, s) = try importSession(db)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: binaryPath)
        reader.arguments = ["district", "show", "d1"]
        reader.environment = [
            "PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester", "PATH": "/usr/bin:/bin",
            "PORTALADMIN_BUSY_TIMEOUT_MS": String(busyMs),
        ]
        let out = Pipe()
        reader.standardOutput = out
        reader.standardError = out
        var hooks = ImportHooks()
        hooks.row = { _ in
            guard !reader.isRunning && reader.processIdentifier == 0 else { return }
            #expect(try lib.scalar("PRAGMA journal_mode")?.string == "delete")
            try reader.run()
            usleep(800_000)  // the command opens the database meanwhile
        }
        _ = try Roster.importBundle(
            s, dir: dir.file("b"), format: .csv, options: ImportOptions(), hooks: hooks)
        let status = reader.waitForStatus()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if busyMs > 1000 {
            #expect(status == 0, "\(text)")
            #expect(text.contains("district id:") && text.contains("d1"), "\(text)")
        } else {
            #expect(status == 75, "\(text)")
            #expect(text.contains("error:") && text.contains("hint:"), "\(text)")
        }
        #expect(try lib.scalar("PRAGMA journal_mode")?.string == "wal")
    }

    /// Starts the import of 20,000 students with UUIDs into `db`'s new district d1, and waits
    /// until it writes through a rollback journal (false: it ended first).
    func startFirstImport(_ dir: TempDir, _ db: String) throws -> (Process, Bool) {
        let sample = dir.file("big")
        #expect(
            try runBinary([
                "sample", "generate", "--students", "20000", "--out", sample, "--ids", "uuid",
            ]).code == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binaryPath)
        p.arguments = ["roster", "import", sample, "--district", "d1", "-q"]
        p.environment = [
            "PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester", "PATH": "/usr/bin:/bin",
        ]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let size = {
            ((try? FileManager.default.attributesOfItem(atPath: db))?[.size] as? Int) ?? 0
        }
        let start = size()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && p.isRunning {
            if FileManager.default.fileExists(atPath: db + "-journal") && size() > start + 100_000 {
                return (p, true)
            }
            usleep(1_000)
        }
        return (p, false)
    }

    /// Killed in the middle of a new database's first import (written through a rollback
    /// journal), the next command finds the database as it was, in WAL mode again.
    @Test(Backend.sqliteFileOnly) func aFirstImportKilledLeavesTheDatabaseAsItWas() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let (p, grown) = try startFirstImport(dir, db)
        #expect(grown, "the import ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        _ = p.waitForStatus()
        let r = try runBinary(["district", "show", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        #expect(try dump(db) == before, "nothing of the killed import remains")
        let lib = try Database.open(path: db, create: false)
        #expect(try lib.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try lib.scalar("PRAGMA integrity_check")?.string == "ok")
        #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
    }

    @Test func withoutEveryRowOnlyRejectedAndSkippedRowsAreReported() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let (_, s) = try importSession(db)
        var hooks = ImportHooks()
        hooks.everyRow = false
        var told: [RowStatus] = []
        hooks.row = { told.append($0.status) }
        let summary = try Roster.importBundle(
            s, dir: dirtyBundle(dir), format: .csv, options: ImportOptions(), hooks: hooks)
        #expect(summary.total.created == 18 && summary.total.rejected == 8)
        #expect(summary.total.warnings == 2)
        #expect(told.count == 10 && told.allSatisfy { $0 == .rejected || $0 == .warning })
    }

    @Test func progressIsShownOnATerminalOnly() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let sample = dir.file("s")
        #expect(
            try runBinary(["sample", "generate", "--students", "3000", "--out", sample]).code == 0)
        let shown = runWithTerminalStderr(["roster", "import", sample, "--district", "d1"], db: db)
        #expect(shown.code == 0)
        #expect(
            shown.err.contains("guardians.csv: ") && shown.err.contains(" rows, ")
                && shown.err.contains("/s"), "\(shown.err.prefix(300))")
        let piped = try runBinary(["roster", "import", sample, "--district", "d1"], db: db)
        #expect(!piped.err.contains("rows,"), "no progress without a terminal")
    }
}

/// The database at `db` opened in this process, and a session importing into district d1.
func importSession(_ db: String) throws -> (Database, Session) {
    let lib = try Database.open(path: db, create: false)
    return (
        lib,
        Session(
            db: lib, operatorName: "tester", command: "roster import", now: Date(),
            districtID: "d1")
    )
}
