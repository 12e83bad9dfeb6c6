import Foundation
import Testing

@testable import PortalKit

func readAll(_ bytes: [UInt8], chunk: Int = 1 << 18) throws -> [CSVRecord] {
    let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try CSVReader(path: path, chunk: chunk)
    var out: [CSVRecord] = []
    while let rec = try r.next() { out.append(rec) }
    return out
}

@Suite struct CSVReaderTests {
    @Test func bomCRLFQuotesAndBlankLines() throws {
        let text =
            "\u{FEFF}id,name\r\n1,\"Smith, Jr.\"\r\n\r\n2,\"say \"\"hi\"\"\"\r\n3,\"two\nlines\"\r\n4,last"
        let recs = try readAll(Array(text.utf8))
        #expect(
            recs.map(\.fields) == [
                ["id", "name"], ["1", "Smith, Jr."], ["2", "say \"hi\""], ["3", "two\nlines"],
                ["4", "last"],
            ])
        #expect(
            recs.map(\.line) == [1, 2, 4, 5, 7],
            "lines count the blank line and the break inside quotes")
        #expect(recs.allSatisfy { $0.problem == nil })
    }

    @Test func loneCarriageReturnsAndEmptyFields() throws {
        let recs = try readAll(Array("a,b,c\r1,,3\r,,\r".utf8))
        #expect(recs.map(\.fields) == [["a", "b", "c"], ["1", "", "3"], ["", "", ""]])
    }

    @Test func nonASCIIIsKept() throws {
        let recs = try readAll(Array("n\nJosé Núñez\n山田 太郎\n".utf8))
        #expect(recs.map(\.fields) == [["n"], ["José Núñez"], ["山田 太郎"]])
    }

    @Test func badUTF8AndUnterminatedQuotesAreReported() throws {
        var bytes = Array("id,name\n1,".utf8)
        bytes += [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]  // "Müller" in Latin-1
        bytes += Array("\n2,\"open\n3,x\n".utf8)
        let recs = try readAll(bytes)
        #expect(recs.count == 3)
        #expect(recs[1].problem?.contains("not UTF-8") == true)
        #expect(recs[2].problem?.contains("no closing quote") == true)
        #expect(recs[2].line == 3)
    }

    @Test func largeFilesStreamAcrossChunks() throws {
        var text = "id,note\n"
        for i in 0..<20000 { text += "\(i),\"quoted, with comma \(i)\"\n" }
        let recs = try readAll(Array(text.utf8))
        #expect(recs.count == 20001)
        #expect(recs.last?.fields == ["19999", "quoted, with comma 19999"])
        #expect(recs.last?.line == 20001)
    }

    @Test func everyChunkSizeReadsTheSameRecords() throws {
        var bytes = Array(
            ("\u{FEFF}\"id\",name,note\r\n1,\"Smith, Jr.\" ,\"say \"\"hi\"\"\"\r\n\r\n"
                + "2,  \"two\nlines\",a\"b\r3,José Núñez,\"\"\n,,\n4,\"open").utf8)
        bytes.insert(contentsOf: [0x4D, 0xFC, 0x6C], at: bytes.count - 6)  // Latin-1 "Mül"
        let whole = try readAll(bytes)
        #expect(whole.count == 6)
        #expect(whole[1].fields == ["1", "Smith, Jr. ", "say \"hi\""])
        #expect(whole[2].fields == ["2", "two\nlines", "a\"b"] && whole[2].line == 4)
        #expect(whole[3].fields == ["3", "José Núñez", ""])
        // Reads of at least 3 bytes, so that the first one shows the whole byte-order mark.
        for chunk in 3...17 {
            let recs = try readAll(bytes, chunk: chunk)
            #expect(recs.map(\.fields) == whole.map(\.fields), "chunk \(chunk)")
            #expect(recs.map(\.line) == whole.map(\.line), "chunk \(chunk)")
            #expect(recs.map(\.problem) == whole.map(\.problem), "chunk \(chunk)")
        }
    }

    @Test func missingFileIsNoInput() {
        do {
            _ = try CSVReader(path: "/nonexistent/x.csv")
            Issue.record("expected an error")
        } catch let e as PortalError {
            #expect(e.code == .noInput)
        } catch { Issue.record("\(error)") }
    }

    @Test func headerFindsColumnsByNameInAnyCase() {
        let h = CSVHeader([" Student_ID ", "GIVEN_NAME", "x", "x"])
        #expect(h.column("student_id") == 0 && h.column("given_name") == 1)
        #expect(h.column(anyOf: ["agents", "x"]) == 2)
        #expect(h.duplicates == ["x"])
    }
}

@Suite struct FieldTests {
    @Test(arguments: [
        ("(320) 234-2603", "3202342603"), ("+1 320 234 2603", "3202342603"),
        ("320.234.2603 ext. 12", "3202342603x12"),
        ("+44 20 7946 0958", "+442079460958"),
    ])
    func phones(input: String, expected: String) throws {
        #expect(try Field.phone(input, "phone") == expected)
    }

    @Test(arguments: ["12", "call me", "555-CALL-NOW"])
    func badPhones(input: String) {
        #expect(throws: RowProblem.self) { try Field.phone(input, "phone") }
    }

    @Test func emailsNamesFlagsAndFolding() throws {
        #expect(try Field.email(" Jose.Nunez@Example.COM ", "email") == "jose.nunez@example.com")
        #expect(throws: RowProblem.self) { try Field.email("a@b", "email") }
        #expect(try Field.requiredName("  Mary   Ann ", "n") == "Mary Ann")
        #expect(throws: RowProblem.self) { try Field.requiredName("  ", "given_name") }
        #expect(try Field.name("", "middle_name") == nil)
        #expect(try Field.flag("N", "f", default: true) == false)
        #expect(try Field.flag("", "f", default: true) == true)
        #expect(
            try Field.flag(" TRUE ", "f", default: false)
                && !(try Field.flag("0", "f", default: true)))
        #expect(throws: RowProblem.self) { try Field.flag("yess", "f", default: true) }
        #expect(try Field.status("Withdrawn", "s") == "inactive")
        #expect(try Field.status("ENROLLED", "s") == "active" && Field.status(nil, "s") == "active")
        #expect(throws: RowProblem.self) { try Field.status("activ", "s") }
        let today = CivilDate(year: 2026, month: 12, day: 2)!
        #expect(
            try Field.date("2012-02-29", "d", today: today) == "2012-02-29"
                && Field.date("3/5/2012", "d", today: today) == "2012-03-05")
        #expect(throws: RowProblem.self) { try Field.date("2011-02-29", "d", today: today) }
        // Implausible birth dates: in the future, or more than 120 years ago.
        #expect(throws: RowProblem.self) { try Field.date("1899-12-31", "d", today: today) }
        #expect(throws: RowProblem.self) { try Field.date("9999-12-31", "d", today: today) }
        #expect(throws: RowProblem.self) { try Field.date("2026-12-03", "d", today: today) }
        #expect(throws: RowProblem.self) { try Field.date("1906-12-01", "d", today: today) }
        #expect(try Field.date("1906-12-02", "d", today: today) == "1906-12-02")
        #expect(try Field.date("2026-12-02", "d", today: today) == "2026-12-02")
        #expect(searchFold("José NÚÑEZ Łukasz Müller") == "jose nunez lukasz muller")
        #expect(
            Nicknames.same("bill", "william") && Nicknames.same("liz", "elizabeth")
                && !Nicknames.same("bill", "robert"))
    }
}

@Suite struct RowHashTests {
    @Test func theRowHashIsTheFNV1aOfEarlierVersionsAndTheirFormStillMatches() {
        // Known values: a changed function would make every row of a re-import look changed.
        let row = TableRow(
            keyCount: 1,
            [
                .text("G1"), .text("Ana"), .text(""), .null, .int(1), .text("José"),
                TableRow.hashSlot,
            ])
        #expect(row.key == ["G1"] && row.values.count == 5)
        #expect(String(row.fnv, radix: 16) == "4b4e04a5c2a78108")
        #expect(row.hash == "S04EpcKn" && row.hash.utf8.count == 8)
        #expect(row.matches(.text("S04EpcKn")) && row.matches(.text("4b4e04a5c2a78108")))
        #expect(!row.matches(.text("4b4e04a5c2a78109")) && !row.matches(.text("S04EpcKo")))
        #expect(!row.matches(.null))
        #expect(String(TableRow.fnv1a([.null]), radix: 16) == "af63bd4c8601b7df")
        #expect(TableRow.fnv1a([.int(1)]) == TableRow.fnv1a([.text("1")]))
        #expect(TableRow.fnv1a([.int(42)]) == TableRow.fnv1a([.text("42")]))
        #expect(TableRow.fnv1a([.text("a"), .null]) != TableRow.fnv1a([.null, .text("a")]))
        #expect(TableRow.stored(0) == "AAAAAAAA" && TableRow.stored(.max) == "________")
    }
}

@Suite struct IDSetTests {
    @Test func remembersTheFirstLineOfEveryIdThroughGrowth() throws {
        var set = IDSet()
        for i in 0..<50_000 { #expect(try set.insert("G\(i)\u{1f}S\(i % 7)", line: i + 2) == nil) }
        #expect(set.count == 50_000)
        #expect(
            try set.insert("G49999\u{1f}S5", line: 9) == 50_001, "a repeat gives the first line")
        #expect(try set.insert("G7\u{1f}S0", line: 9) == 9)
        #expect(try set.contains("G123\u{1f}S4") && !set.contains("G123\u{1f}S5"))
        #expect(set.count == 50_000, "repeats change nothing")
    }

    @Test func onlyAnIdJustAddedIsMarkedWritten() throws {
        var set = IDSet()
        _ = try set.insert("A", line: 2)
        try set.markLastWritten()
        _ = try set.insert("B", line: 3)
        #expect(try set.insert("A", line: 4) == 2)
        try set.markLastWritten()  // after a repeat: marks nothing, not B
        #expect(set.written("A") && !set.written("B"))
    }

    @Test func idsAreComparedByteForByte() throws {
        var set = IDSet()
        #expect(try set.insert("José", line: 2) == nil)
        #expect(try set.insert("Jose\u{301}", line: 3) == nil, "another spelling is another id")
        #expect(try set.insert("", line: 4) == nil)
        #expect(try set.insert("", line: 5) == 4)
        #expect(try set.insert(String(repeating: "x", count: 70_000), line: 6) == nil)
        #expect(try set.contains(String(repeating: "x", count: 70_000)))
        #expect(try !set.contains(String(repeating: "x", count: 70_001)))
        #expect(try !set.contains("jose"))
    }
}

@Suite struct NumberedIDSetTests {
    @Test func numberedIdsAreExactButTheirFirstLineIsNotKept() throws {
        var set = IDSet(numbered: true)
        for i in 1...100_000 { #expect(try set.insert("G\(1_000_000 + i)", line: i + 1) == nil) }
        #expect(set.count == 100_000)
        #expect(try set.insert("G1000005", line: 9) == IDSet.lineUnknown)
        #expect(try set.contains("G1000001") && set.contains("G1100000"))
        #expect(
            try !set.contains("G1000000") && !set.contains("G1100001") && !set.contains("G100001"))
        #expect(try !set.contains("H1000001"), "another prefix")
        #expect(try set.insert("X-A", line: 3) == nil && set.insert("X-A", line: 4) == 3)
        #expect(
            try set.insert("no digits", line: 5) == nil && set.insert("no digits", line: 6) == 5)
        #expect(set.count == 100_002)
    }

    @Test func leadingZerosMakeOtherIds() throws {
        var set = IDSet(numbered: true)
        #expect(try set.insert("S007", line: 2) == nil)
        #expect(try set.insert("S07", line: 3) == nil)
        #expect(try set.insert("S7", line: 4) == nil)
        #expect(try set.insert("7", line: 5) == nil)
        #expect(try set.insert("007", line: 6) == nil)
        #expect(try set.insert("S07", line: 7) == IDSet.lineUnknown)
        #expect(set.count == 5)
        // 19 digits do not fit a number: kept whole.
        #expect(try set.insert("1234567890123456789", line: 8) == nil)
        #expect(try set.insert("1234567890123456789", line: 9) == 8)
    }

    @Test func writtenMarksFollowTheIdJustAdded() throws {
        var set = IDSet(numbered: true)
        _ = try set.insert("G10", line: 2)
        try set.markLastWritten()
        _ = try set.insert("G11", line: 3)
        #expect(try set.insert("G10", line: 4) == IDSet.lineUnknown)
        try set.markLastWritten()  // after a repeat: marks nothing, not G11
        #expect(set.written("G10") && !set.written("G11") && !set.written("G12"))
    }

    @Test func idsMetInFallingOrderOrFarApartStayExact() throws {
        var falling = IDSet(numbered: true)
        for i in stride(from: 50_000, to: 0, by: -1) {
            #expect(try falling.insert("S\(i)", line: i) == nil)
            if i % 2 == 0 { try falling.markLastWritten() }
        }
        #expect(try (1...50_000).allSatisfy { try falling.contains("S\($0)") })
        #expect(try falling.written("S2") && !falling.written("S1") && !falling.contains("S0"))
        // Numbers too far apart for bits: the span's ids move to the table, marks and all.
        var sparse = IDSet(numbered: true)
        for i in 0..<3000 {
            #expect(try sparse.insert("P\(i * 1_000_003)", line: i + 2) == nil)
            if i % 3 == 0 { try sparse.markLastWritten() }
        }
        #expect(sparse.count == 3000)
        #expect(try (0..<3000).allSatisfy { try sparse.contains("P\($0 * 1_000_003)") })
        #expect(try !sparse.contains("P1000004") && !sparse.contains("P1"))
        #expect(sparse.written("P0") && sparse.written("P3000009") && !sparse.written("P1000003"))
        #expect(
            try sparse.insert("P0", line: 9) == IDSet.lineUnknown, "moved: its line was not kept")
        #expect(try sparse.insert("P\(2999 * 1_000_003)", line: 9) != nil, "added after the move")
    }

    @Test func linkKeysOfNumberedIdsAreExact() throws {
        var set = IDSet(pairs: true)
        for g in 0..<300 {
            for s in 0..<3 {
                #expect(
                    try set.insert("G\(1_000_000 + g)\u{1f}S\(600_000 + g + s)", line: 2) == nil)
                if s == 1 { try set.markLastWritten() }
            }
        }
        #expect(set.count == 900)
        #expect(try set.insert("G1000007\u{1f}S600008", line: 9) == IDSet.lineUnknown)
        #expect(try set.contains("G1000007\u{1f}S600009") && !set.contains("G1000007\u{1f}S600010"))
        #expect(
            try !set.contains("G1000007\u{1f}S0600009") && !set.contains("G01000007\u{1f}S600009"))
        #expect(set.written("G1000007\u{1f}S600008") && !set.written("G1000007\u{1f}S600007"))
        // The same bytes as a query spells them.
        let key = Array("G1000299\u{1f}S600301".utf8)
        #expect(try key.withUnsafeBufferPointer { try set.contains($0) })
        // Not two numbered ids, or numbers over 27 bits: kept whole, with the line.
        #expect(
            try set.insert("G1\u{1f}S-x", line: 3) == nil && set.insert("G1\u{1f}S-x", line: 4) == 3
        )
        #expect(try set.insert("G1\u{1f}S134217728", line: 5) == nil)
        #expect(try set.insert("G1\u{1f}S134217728", line: 6) == 5)
        #expect(try set.insert("G1\u{1f}S134217727", line: 7) == nil)
        #expect(try set.insert("G1\u{1f}S134217727", line: 8) == IDSet.lineUnknown)
        #expect(set.count == 903)
        // Beyond 15 prefixes on a side, the ids are kept whole.
        var many = IDSet(pairs: true)
        for p in 0..<20 { #expect(try many.insert("K\(p)-1\u{1f}S1", line: p + 2) == nil) }
        #expect(try many.insert("K0-1\u{1f}S1", line: 30) == IDSet.lineUnknown)
        #expect(try many.insert("K19-1\u{1f}S1", line: 30) == 21)
        #expect(try (0..<20).allSatisfy { try many.contains("K\($0)-1\u{1f}S1") })
        #expect(try !many.contains("K19-1\u{1f}S2") && many.count == 20)
    }

    @Test func aLinkMetAfterRejectedRowsIsMetAfresh() throws {
        for key in ["G1\u{1f}S1", "Ga\u{1f}Sb"] {  // a pair, and one kept whole
            var set = IDSet(pairs: true)
            #expect(try set.insertUnlessWritten(key, line: 2) == nil)  // rejected: not marked
            #expect(try set.insertUnlessWritten(key, line: 3) == nil, "met afresh")
            try set.markLastWritten()
            let first = try set.insertUnlessWritten(key, line: 4)
            #expect(first == (key == "Ga\u{1f}Sb" ? 3 : IDSet.lineUnknown), "\(key)")
            #expect(set.count == 1 && set.written(key))
        }
    }

    @Test func manyPrefixesFallBackToWholeIds() throws {
        var set = IDSet(numbered: true)
        for p in 0..<40 { #expect(try set.insert("K\(p)-1", line: p + 2) == nil) }
        #expect(set.count == 40)
        #expect(
            try (0..<40).allSatisfy { try set.contains("K\($0)-1") && !set.contains("K\($0)-2") })
        #expect(try set.insert("K39-1", line: 99) == 41, "a prefix beyond the spans keeps its line")
    }
}

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

@Suite struct PagedArrayTests {
    @Test func valuesSurviveEvictionAndThoseNeverSetReadAsInitial() throws {
        // One page of cache: every other page read goes to the file.
        let a = try PagedArray(initial: -1, cacheBytes: 1)
        let far = 50 * PagedArray.pageValues + 7  // leaves a hole of pages never written
        for i in stride(from: 0, to: 5 * PagedArray.pageValues, by: 3) {
            try a.set(i, Int32(i % 5))
        }
        try a.set(far, 0)  // 0 where the initial is -1: still 0 after a round trip
        #expect(try a[far] == 0)
        for i in stride(from: 0, to: 5 * PagedArray.pageValues, by: 1) {
            #expect(try a[i] == (i % 3 == 0 ? Int32(i % 5) : -1), "\(i)")
        }
        #expect(try a[far] == 0 && a[far - 1] == -1 && a[20 * PagedArray.pageValues] == -1)
        #expect(try a[far + 10 * PagedArray.pageValues] == -1, "beyond the end of the file")
    }
}

@Suite struct OneRosterUsersTests {
    @Test func internedStringsKeepTheirNumbersThroughGrowth() {
        var ids = Interner()
        for i in 0..<20_000 { #expect(ids.number("0f8fad5b-d9cb-469f-a165-\(i)") == i) }
        #expect(ids.number("0f8fad5b-d9cb-469f-a165-7") == 7, "met before: its number")
        #expect(ids.count == 20_000)
        #expect(ids.find("0f8fad5b-d9cb-469f-a165-19999") == 19_999)
        #expect(ids.find("0f8fad5b-d9cb-469f-a165-20000") == nil)
        #expect(ids.string(12_345) == "0f8fad5b-d9cb-469f-a165-12345")
        #expect(ids.number("") == 20_000 && ids.string(20_000) == "")
        #expect(ids.number("José") == 20_001 && ids.find("Jose\u{301}") == nil)
    }

    /// Runs `body` with users kept in memory and on disk (a real SQLite file's temporary tables).
    func eachTable(
        _ body: (inout OneRosterUsers<MemoryUserTable>) throws -> Void,
        _ disk: (inout OneRosterUsers<DiskUserTable>) throws -> Void
    ) throws {
        var memory = OneRosterUsers(MemoryUserTable())
        try body(&memory)
        let (db, path) = try tempDB()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.write {
            let table = try DiskUserTable(db)
            var users = OneRosterUsers(table)
            try disk(&users)
            try table.close()
        }
        #expect(
            try db.count("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'oneroster%'")
                == 0, "closing drops the tables")
    }

    @Test func householdsAreGroupsOfLinkedPeopleNamedAfterTheirSmallestGuardianId() throws {
        func check<T: UserTable>(_ users: inout OneRosterUsers<T>) throws {
            func n(_ id: String) throws -> Int32 { Int32(try users.number(id)) }
            // g9 and g10 share s1; s2 has g10 too; g3 alone with s3; s4 has no guardian; a
            // teacher's pair and a pair named twice are left out.
            let parent = users.code("parent")
            for id in ["g9", "g10", "g3"] { try users.setKind(Int(n(id)), "parent") }
            for id in ["s1", "s2", "s3", "s4"] { try users.setKind(Int(n(id)), "student") }
            try users.setKind(Int(n("t1")), "teacher")
            for (g, s, role) in [
                ("g9", "s1", parent), ("g10", "s1", 0), ("t1", "s4", 0), ("g10", "s2", 0),
                ("g3", "s3", 0), ("g9", "s1", 0),
            ] {
                try users.table.append(UserPair(guardian: n(g), student: n(s), role: role))
            }
            let student = Int32(users.code("student"))
            try users.table.keepPairs { $0 == Int32(parent) && $1 == student }
            #expect(
                try users.table.pairs(from: 0, count: 10).map {
                    [try users.table.id(Int($0.guardian)), try users.table.id(Int($0.student))]
                } == [["g9", "s1"], ["g10", "s1"], ["g10", "s2"], ["g3", "s3"]])
            #expect(try users.table.pairs(from: 0, count: 1).first?.role == parent, "the first")
            #expect(try users.table.pairs(from: 3, count: 10).count == 1)
            #expect(try users.deriveHouseholds() == 2)
            for id in ["g9", "g10", "s1", "s2"] {
                #expect(
                    try users.facts(of: id).household == "hh-g10", "ids compare as text: g10 < g9")
            }
            #expect(try users.facts(of: "g3").household == "hh-g3")
            #expect(try users.facts(of: "s3").household == "hh-g3")
            #expect(try users.facts(of: "s4").household == nil)
            #expect(try users.facts(of: "nobody").household == nil)
        }
        try eachTable({ try check(&$0) }, { try check(&$0) })
    }

    @Test func aPrimaryRoleWinsOverOneListedBefore() throws {
        func check<T: UserTable>(_ users: inout OneRosterUsers<T>) throws {
            try users.list("u1", role: "teacher", org: "o1", primary: false)
            try users.list("u1", role: "parent", org: "o2", primary: true)
            try users.list("u1", role: "aide", org: nil, primary: false)
            let u1 = try users.number("u1")
            #expect(try users.roleName(.listedRole, of: u1) == "parent")
            #expect(try users.facts(of: "u1").listedOrg == "o2")
            try users.setBirth("u1", "2010-02-03")
            #expect(try users.facts(of: "u1").birth == "2010-02-03")
            #expect(try users.facts(of: "u2").birth == nil)
        }
        try eachTable({ try check(&$0) }, { try check(&$0) })
    }
}

@Suite struct ReadAheadTests {
    struct Broken: Error {}

    @Test func itemsArriveInOrderThenTheEnd() throws {
        let ahead = ReadAhead<Int>(depth: 2)
        defer { ahead.finish() }
        try ahead.start { put in for i in 0..<1000 { _ = put(i) } }
        var got: [Int] = []
        while let i = try ahead.next() { got.append(i) }
        #expect(got == Array(0..<1000))
        #expect(try ahead.next() == nil, "the end stays the end")
    }

    @Test func theProducersErrorComesAfterItsItems() throws {
        let ahead = ReadAhead<Int>()
        defer { ahead.finish() }
        try ahead.start { put in
            _ = put(1)
            _ = put(2)
            throw Broken()
        }
        #expect(try ahead.next() == 1)
        #expect(try ahead.next() == 2)
        #expect(throws: Broken.self) { try ahead.next() }
    }

    @Test func stoppingEarlyStopsTheProducer() throws {
        final class Count: @unchecked Sendable { var made = 0 }
        let count = Count()
        let ahead = ReadAhead<Int>(depth: 3)
        try ahead.start { put in
            for i in 0..<1_000_000 {
                guard put(i) else { return }
                count.made += 1
            }
        }
        #expect(try ahead.next() == 0)
        ahead.finish()  // returns only once the producer has returned
        #expect(count.made < 10, "the producer stopped a few items ahead, not at the end")
    }
}
