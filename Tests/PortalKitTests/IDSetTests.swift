import Foundation
import Testing

@testable import PortalKit

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
