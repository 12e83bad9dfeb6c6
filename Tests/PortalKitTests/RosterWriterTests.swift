import Foundation
import Testing

@testable import PortalKit

@Suite struct RosterWriterTests {
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
}
