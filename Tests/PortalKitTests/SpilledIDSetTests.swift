import Foundation
import Testing

@testable import PortalKit

@Suite struct SpilledIDSetTests {
    /// A set whose whole ids beyond `budget` bytes move to a real SQLite file's temporary table.
    func withSpill(budget: Int, _ body: (IDSpill) throws -> Void) throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        try db.write {
            let spill = IDSpill(db, budget: budget, filterBytes: 64)
            try body(spill)
            try spill.close()
        }
        #expect(
            try db.count("SELECT count(*) FROM sqlite_temp_master WHERE name = 'roster_import_ids'")
                == 0, "closing the spill drops its table")
    }

    /// A OneRoster bundle's users, numbered in its first reading, are held by those numbers
    /// (a line each, no copy of the id): the same answers as ids held whole, and an id not
    /// numbered (a guardian merged into one of the district's) still held whole.
    /// They take no room in memory: where every id held whole moves to disk (a budget of 0),
    /// they stay.
    @Test func idsNumberedElsewhereAnswerAsIdsHeldWhole() throws {
        try withSpill(budget: 0) { spill in try numberedElsewhere(spill) }
    }

    func numberedElsewhere(_ spill: IDSpill) throws {
        let uuid = { (i: Int) in String(format: "%08x-0000-4000-8000-%011xa", i, i * 7) }
        var ids = Interner()
        for i in 0..<1000 { _ = ids.number(uuid(i)) }
        _ = ids.number("T-teacher")
        _ = ids.number("G12")
        var numbered = IDSet(numbered: true, spill: spill)
        numbered.number(elsewhere: ids)
        var whole = IDSet(numbered: true, spill: spill)
        #expect(!numbered.keepsWholeIDs)
        for set in [numbered, whole] { #expect(set.count == 0) }
        func both(_ body: (inout IDSet) throws -> Int?) throws {
            let a = try body(&numbered)
            let b = try body(&whole)
            #expect(a == b)
        }
        for i in stride(from: 0, to: 1000, by: 3) {
            try both { try $0.insert(uuid(i), line: i + 2) }
            if i % 2 == 0 {
                try numbered.markLastWritten()
                try whole.markLastWritten()
            }
        }
        try both { try $0.insert("T-teacher", line: 5000) }
        try both { try $0.insert("G12", line: 5002) }  // a prefix and a number: as bits
        try numbered.markLastWritten()
        try whole.markLastWritten()
        #expect(!numbered.hasMovedIDs && whole.hasMovedIDs)
        try both { try $0.insert("merged-into-G9", line: 5001) }  // not numbered: whole
        try both { try $0.insert(uuid(300), line: 9000) }  // a repeat names line 302
        #expect(try numbered.insert(uuid(300), line: 9001) == 302)
        try both { try $0.insert(uuid(3), line: 9002) }  // met, not written: a repeat too
        try both { try $0.insertUnlessWritten(uuid(3), line: 9003) }  // met afresh
        try numbered.markLastWritten()
        try whole.markLastWritten()
        try both { try $0.insertUnlessWritten(uuid(6), line: 9004) }  // written: a repeat
        try both { try $0.insertUnlessWritten(uuid(1), line: 9005) }  // never met: added
        #expect(numbered.count == whole.count && numbered.keepsWholeIDs)
        // A copy, asked on another thread as the link rows are made, knows them too (of ids
        // moved to disk it knows nothing).
        let copy = numbered
        for id in (0..<1000).map(uuid) + ["T-teacher", "merged-into-G9", "none"] {
            #expect(try numbered.contains(id) == whole.contains(id), "\(id)")
            #expect(try numbered.wasWritten(id) == whole.wasWritten(id), "\(id)")
            if id != "merged-into-G9" { #expect(try copy.written(id) == whole.wasWritten(id)) }
        }
        #expect(copy.written(uuid(3)) && copy.written(uuid(6)) && !copy.written(uuid(9)))
        // Asked by number (a OneRoster link's ends): the same answer for every id met and
        // held by its number, none (ask by id) for one never met or held otherwise.
        for id in (0..<1000).map(uuid) + ["T-teacher"] {
            let n = try #require(ids.find(id))
            let met = try whole.contains(id)
            #expect(copy.written(elsewhere: n) == (met ? copy.written(id) : nil), "\(id)")
        }
        let g12 = try #require(ids.find("G12"))
        #expect(copy.written("G12") && copy.written(elsewhere: g12) == nil)
        #expect(copy.written(elsewhere: -1) == nil && copy.written(elsewhere: 1_000_000) == nil)
        #expect(whole.written(elsewhere: 0) == nil, "a set not numbered elsewhere")
        // A link's ends asked by their ids' bytes and numbers (a first import's links packed
        // from the bytes), as by their strings: by number where held so, else by the bytes.
        let people = RosterWriter.People(guardians: copy, students: copy, held: (nil, nil))
        let ends = [uuid(0), uuid(3), uuid(6), uuid(9), "G12", "T-teacher", "none"]
        for (g, s) in ends.flatMap({ g in ends.map { (g, $0) } }) {
            let pair = UserPair(
                guardian: Int32(ids.find(g) ?? -1), student: Int32(ids.find(s) ?? -1), role: 0)
            var (gu, su) = (g, s)
            let bytes = gu.withUTF8 { gb in
                su.withUTF8 { people.exist(guardian: gb, student: $0, numbers: pair) }
            }
            #expect(bytes == people.exist(guardian: g, student: s, numbers: pair), "\(g) \(s)")
        }
        #expect(
            people.exist(
                guardian: "G12", student: uuid(0),
                numbers: UserPair(
                    guardian: -1, student: -1, role: 0)), "both written")
        // A set that met ids already keeps them where they are.
        var started = IDSet(numbered: true, spill: spill)
        _ = try started.insert(uuid(5), line: 2)
        started.number(elsewhere: ids)
        #expect(try started.insert(uuid(5), line: 3) == 2)
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
            #expect(try set.insert("S600001", line: 9002) == 9001)
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
