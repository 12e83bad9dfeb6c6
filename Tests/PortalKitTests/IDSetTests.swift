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

    /// A re-import's link filter grows with the links in the file, 7 bytes each, from 4 to
    /// 12 MB: at 1,000,000 students (1,750,000 links) 4 MB took a few hundred new links for
    /// met, and the file was read again to settle them.
    @Test func theLinkFilterIsSizedByTheLinksInTheFile() {
        #expect(KeyFilter.bytes(forLinks: 0) == 4 << 20)
        #expect(KeyFilter.bytes(forLinks: 500_000) == 4 << 20)
        #expect(KeyFilter.bytes(forLinks: 1_000_000) == 7_000_000)
        #expect(KeyFilter.bytes(forLinks: 1_750_000) == 12_250_000)
        #expect(KeyFilter.bytes(forLinks: 3_000_000) == 12 << 20)
        // Few false hits at that size: 1,750,000 links in 12 MB, none of 100,000 others met
        // (about 18 in 4 MB).
        var filter = KeyFilter(bytes: KeyFilter.bytes(forLinks: 1_750_000))
        for i in 0..<1_750_000 { filter.insert("G\(i / 2)\u{1f}S\(i)") }
        var met = 0
        for i in 0..<100_000 {
            var key = "G\(i)\u{1f}X\(i)"
            if key.withUTF8({ filter.contains($0) }) { met += 1 }
        }
        #expect(met == 0)
    }
}
