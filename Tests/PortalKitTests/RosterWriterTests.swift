import Foundation
import Testing

@testable import PortalKit

@Suite struct RosterWriterTests {
    /// Keys met near where the last went (numbered ids) are near; random ones (UUIDs) are far,
    /// and found so within the first few of them: `isFar(within:)` then holds, and nothing
    /// more met of at most that many turns them near.
    @Test func keysAtRandomPlacesAreFoundFarEarly() {
        var inOrder = KeyOrder()
        for k in 0..<10_000 { inOrder.meet(Int32(k)) }
        #expect(inOrder.isNear)
        #expect(!inOrder.isFar(within: 10_000))
        var random = KeyOrder()
        var rng = SplitMix64(state: 19)  // (the same keys every run)
        let keys = (0..<10_000).map { _ in Int32.random(in: 0..<1_000_000, using: &rng) }
        var decidedAt: Int? = nil
        for (i, k) in keys.enumerated() {
            random.meet(k)
            if decidedAt == nil && random.isFar(within: keys.count) { decidedAt = i + 1 }
        }
        #expect(!random.isNear)
        #expect((decidedAt ?? .max) < 1_000, "\(String(describing: decidedAt))")
        // Told far: the same keys again, in order, do not make it near.
        for k in 0..<10_000 { random.meet(Int32(k)) }
        #expect(random.isFar(within: 20_000) && !random.isNear)
    }

    /// Rows into a district's new tables are inserted several at a time; with `--batch-size`,
    /// each commit still holds every row reported before it: another connection, reading what
    /// is committed, finds as many rows as the batches committed so far (not the rows of whole
    /// inserts only). And at the end every row is there.
    @Test func eachBatchCommittedHoldsEveryRowReportedBeforeIt() throws {
        let f = try Fixture()
        let s = f.session(nil)
        try s.transaction { _ = try Districts.create(s, id: "x", name: "X", settings: []) }
        let guardians = (1...150).map { "G\($0),Pat\($0),Lee" }
        try ("guardian_id,given_name,family_name\n" + guardians.joined(separator: "\n") + "\n")
            .write(toFile: f.folder + "/guardians.csv", atomically: true, encoding: .utf8)
        for name in ["students.csv", "relationships.csv"] {
            try FileManager.default.removeItem(atPath: f.folder + "/" + name)
        }
        let reader = try Database(path: f.path, create: false)
        var options = ImportOptions()
        options.batchSize = 40
        var reported = 0
        var seen: [(reported: Int, committed: Int)] = []
        var hooks = ImportHooks()
        hooks.row = { _ in
            let committed = try reader.count(
                "SELECT count(*) FROM guardians WHERE district_id = 'x'")
            seen.append((reported, committed))
            reported += 1
        }
        let summary = try Roster.importBundle(
            f.session("x"), dir: f.folder, format: .csv, options: options, hooks: hooks)
        #expect(summary.entities.first { $0.name == "guardians" }?.counts.created == 150)
        #expect(seen.count == 150)
        for (before, committed) in seen {
            #expect(committed == before / 40 * 40, "\(before) rows reported before")
        }
        #expect(try reader.count("SELECT count(*) FROM guardians WHERE district_id = 'x'") == 150)
    }

    /// A statement inserting many rows keeps no journal of its own (each page it changes
    /// copied first, so that it alone could be undone: 16 KB written to a temporary file for
    /// every 32 rows). None of its rows can meet a key, and were one to, the import fails and
    /// rolls back as a whole: so a statement that does fail leaves the rows before the failing
    /// one, for the import's rollback to take back.
    @Test func rowsInsertedManyToAStatementKeepNoJournalOfTheirOwn() throws {
        let f = try Fixture()
        let s = f.session(nil)
        try s.transaction { _ = try Districts.create(s, id: "x", name: "X", settings: []) }
        let x = f.session("x")
        let n = RosterWriter.insertRows
        try x.db.write(rollback: true) {
            let w = try RosterWriter(
                x, format: .csv, options: ImportOptions(), hooks: ImportHooks(), inputBytes: 0)
            defer { w.letGo() }
            // The last row repeats the first's key.
            let ids = (1..<n).map { "H\($0)" } + ["H1"]
            #expect(throws: (any Error).self) {
                for id in ids {
                    try w.insertSoon(
                        .households, PackedArguments([.text(id)] + RosterWriter.noAddress))
                }
            }
            #expect(
                try x.db.count("SELECT count(*) FROM households WHERE district_id = 'x'") == n - 1)
        }
        #expect(try x.db.count("SELECT count(*) FROM households WHERE district_id = 'x'") == 0)
    }

    /// A re-import of native files keeps the links it meets in a filter of fixed size; a link
    /// the filter takes for met is held, and settled by reading the file again up to it. One
    /// settled as the first row of its link counts among the links met, as a row the filter
    /// knew new does: so when every active link of the district was met, the file is not read
    /// again whole to look for absent ones (at 1,000,000 students, 7 s of a 16 s re-import).
    /// When one is absent it is, and finds it.
    @Test func aLinkTheFilterTookForMetCountsAsMetOnceSettled() throws {
        let f = try Fixture()
        let s = f.session(nil)
        try s.transaction { _ = try Districts.create(s, id: "x", name: "X", settings: []) }
        func people(_ prefix: String) -> String {
            (1...600).map { "\(prefix)\($0),Pat\($0),Lee\n" }.joined()
        }
        try ("guardian_id,given_name,family_name\n" + people("G")).write(
            toFile: f.folder + "/guardians.csv", atomically: true, encoding: .utf8)
        try ("student_id,given_name,family_name\n" + people("S")).write(
            toFile: f.folder + "/students.csv", atomically: true, encoding: .utf8)
        let links = (1...600).flatMap { i in
            ["G\(i),S\(i)"] + (i < 600 ? ["G\(i),S\(i + 1)"] : [])
        }
        func run(_ links: [String]) throws -> (ImportSummary, EntityCounts?) {
            try ("guardian_id,student_id\n" + links.map { $0 + "\n" }.joined())
                .write(toFile: f.folder + "/relationships.csv", atomically: true, encoding: .utf8)
            var options = ImportOptions()
            // Every link looks met to a filter of 64 bytes after a few hundred; the district's
            // rows are not kept (they would tell that every link was met without the counts).
            options.linkFilterBytes = 64
            options.keepKnownRows = false
            let summary = try Roster.importBundle(
                f.session("x"), dir: f.folder, format: .csv, options: options,
                hooks: ImportHooks())
            return (summary, summary.entities.first { $0.name == "links" }?.counts)
        }
        _ = try run(links)
        let (again, unchanged) = try run(links)
        #expect(unchanged?.unchanged == 1199 && unchanged?.inactivated == 0, "\(again)")
        #expect(again.linkFilesReadAgain == 0)
        let (fewer, counts) = try run(links.filter { $0 != "G3,S4" })
        #expect(counts?.unchanged == 1198 && counts?.inactivated == 1, "\(fewer)")
        #expect(fewer.linkFilesReadAgain == 1)
        #expect(
            try f.db.query(
                "SELECT student_id FROM links WHERE district_id = 'x' AND status = 'inactive'"
            ).map { $0.text("student_id") } == ["S4"])
    }
}
