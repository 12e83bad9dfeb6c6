import Foundation
import Testing

@testable import PortalKit

@Suite struct SpilledIDSetTests {
    /// A set whose whole ids beyond `budget` bytes move to a real SQLite file's temporary table.
    func withSpill(budget: Int, _ body: (IDSpill) throws -> Void) throws {
        let (db, path) = try tempDB()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.write {
            let spill = IDSpill(db, budget: budget, filterBytes: 64)
            try body(spill)
            try spill.close()
        }
        #expect(
            try db.count("SELECT count(*) FROM sqlite_temp_master WHERE name = 'roster_import_ids'")
                == 0, "closing the spill drops its table")
    }

    @Test(arguments: [0, 4096, 1 << 30])
    func idsMovedToDiskKeepTheirLinesAndMarks(budget: Int) throws {
        try withSpill(budget: budget) { spill in
            var set = IDSet(numbered: true, spill: spill)
            let id = { (i: Int) in "0f8fad5b-\(i)-d9cb-469f-a165-cafe" }  // not numbered
            for i in 0..<3000 {
                #expect(try set.insert(id(i), line: i + 2) == nil)
                if i % 3 == 0 { try set.markLastWritten() }
            }
            #expect(set.hasMovedIDs == (budget < 1 << 20), "a large budget keeps all in memory")
            #expect(set.count == 3000)
            #expect(try set.insert(id(1234), line: 9000) == 1236, "a repeat names its first line")
            try set.markLastWritten()  // after a repeat: marks nothing
            #expect(try (0..<3000).allSatisfy { try set.contains(id($0)) })
            #expect(try !set.contains(id(3000)) && !set.contains("0f8fad5b"))
            // Numbered ids stay bits in memory whatever the budget.
            #expect(try set.insert("S600001", line: 9001) == nil)
            #expect(try set.insert("S600001", line: 9002) == IDSet.lineUnknown)
            // `written` reads memory only: of the moved ids it knows nothing, and says no.
            let written = (0..<3000).filter { set.written(id($0)) }
            #expect(written.allSatisfy { $0 % 3 == 0 })
            #expect(set.hasMovedIDs ? written.count < 1000 : written.count == 1000)
        }
    }

    @Test(arguments: [0, 1 << 30])
    func aLinkKeptWholeIsMetAfreshAfterARejectedRowOnDiskToo(budget: Int) throws {
        try withSpill(budget: budget) { spill in
            var set = IDSet(pairs: true, spill: spill)
            #expect(try set.insertUnlessWritten("Ga\u{1f}Sb", line: 2) == nil)  // rejected
            #expect(try set.insertUnlessWritten("Gc\u{1f}Sd", line: 3) == nil)  // moves Ga/Sb
            #expect(try set.insertUnlessWritten("Ga\u{1f}Sb", line: 4) == nil, "met afresh")
            try set.markLastWritten()
            #expect(try set.insertUnlessWritten("Gc\u{1f}Sd", line: 5) == nil, "not written")
            #expect(try set.insertUnlessWritten("Ga\u{1f}Sb", line: 6) == 4, "written on line 4")
            #expect(set.count == 2)
        }
    }
}
