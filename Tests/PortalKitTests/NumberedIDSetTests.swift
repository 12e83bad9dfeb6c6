import Foundation
import Testing

@testable import PortalKit

@Suite struct NumberedIDSetTests {
    /// Numbered ids are held exactly, each with its first line: a repeat names it without the
    /// file being read again.
    @Test func numberedIdsAreExactWithTheirFirstLine() throws {
        var set = IDSet(numbered: true)
        for i in 1...100_000 { #expect(try set.insert("G\(1_000_000 + i)", line: i + 1) == nil) }
        #expect(set.count == 100_000)
        #expect(try set.insert("G1000005", line: 9) == 6)
        #expect(try set.insert("G1100000", line: 9) == 100_001)
        #expect(try set.contains("G1000001") && set.contains("G1100000"))
        #expect(
            try !set.contains("G1000000") && !set.contains("G1100001") && !set.contains("G100001"))
        #expect(try !set.contains("H1000001"), "another prefix")
        #expect(try set.insert("X-A", line: 3) == nil && set.insert("X-A", line: 4) == 3)
        #expect(
            try set.insert("no digits", line: 5) == nil && set.insert("no digits", line: 6) == 5)
        #expect(set.count == 100_002)
    }

    /// A UUID that ends in digits is held whole with its line, as one ending in a letter is
    /// (and as the district's rows hold it in a re-import): a repeat names its first line at
    /// once, and UUIDs leave the spans to numbered ids.
    @Test func uuidsEndingInDigitsAreHeldWholeWithTheirLine() throws {
        var set = IDSet(numbered: true)
        let uuid = { (i: Int) in String(format: "567a5ac2-28ab-5e0c-a7a2-%012d", i) }
        for i in 0..<40 { #expect(try set.insert(uuid(i), line: i + 2) == nil) }
        #expect(try set.insert(uuid(3), line: 99) == 5)
        var links = IDSet(pairs: true)
        #expect(try links.insert(uuid(1) + "\u{1f}" + uuid(2), line: 7) == nil)
        #expect(try links.insert(uuid(1) + "\u{1f}" + uuid(2), line: 8) == 7)
        for i in 0..<20 { _ = try set.insert("P\(i)-\(i)", line: 200 + i) }
        #expect(try set.insert("P1-1", line: 300) == 201, "still numbered")
    }

    @Test func leadingZerosMakeOtherIds() throws {
        var set = IDSet(numbered: true)
        #expect(try set.insert("S007", line: 2) == nil)
        #expect(try set.insert("S07", line: 3) == nil)
        #expect(try set.insert("S7", line: 4) == nil)
        #expect(try set.insert("7", line: 5) == nil)
        #expect(try set.insert("007", line: 6) == nil)
        #expect(try set.insert("S07", line: 7) == 3)
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
        #expect(try set.insert("G10", line: 4) == 2)
        try set.markLastWritten()  // after a repeat: marks nothing, not G11
        #expect(set.written("G10") && !set.written("G11") && !set.written("G12"))
    }

    @Test func idsMetInFallingOrderOrFarApartStayExact() throws {
        var falling = IDSet(numbered: true)
        for i in stride(from: 50_000, to: 0, by: -1) {
            #expect(try falling.insert("S\(i)", line: i) == nil)
            if i % 2 == 0 { try falling.markLastWritten() }
        }
        #expect(
            try falling.insert("S1", line: 60_000) == 1
                && falling.insert("S50000", line: 1) == 50_000)
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
        #expect(try sparse.insert("P0", line: 9) == 2, "moved with its line")
        #expect(try sparse.insert("P\(1500 * 1_000_003)", line: 9) == 1502)
        #expect(try sparse.insert("P\(2999 * 1_000_003)", line: 9) != nil, "added after the move")
    }

    /// Numbers a few apart (ids given out over the years) stay in their span, each with its
    /// first line.
    @Test func spacedNumbersKeepTheirLinesInTheirSpan() throws {
        var set = IDSet(numbered: true)
        let ids = (0..<20_000).map { "S\(6_000_000 + 15 * $0)" }
        for (i, id) in ids.enumerated() { #expect(try set.insert(id, line: i + 2) == nil) }
        let numbers = !set.keepsWholeIDs
        #expect(numbers, "held as numbers")
        for i in [0, 1, 4_999, 19_999] { #expect(try set.insert(ids[i], line: 50_000) == i + 2) }
        #expect(try set.insert("S6000001", line: 50_001) == nil, "between two: new")
    }

    /// Lines are kept for so many numbers at most (memory stays flat): a repeat of one met
    /// after them says its line is unknown, and is a repeat all the same.
    @Test func linesAreKeptForSoManyNumbersAtMost() throws {
        var set = IDSet(numbered: true)
        set.mostLines = 10
        for i in 0..<20 { #expect(try set.insert("G\(100 + i)", line: i + 2) == nil) }
        #expect(try set.insert("G100", line: 50) == 2 && set.insert("G109", line: 51) == 11)
        #expect(try set.insert("G110", line: 52) == IDSet.lineUnknown)
        #expect(try set.insert("G119", line: 53) == IDSet.lineUnknown)
        #expect(set.count == 20)
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
