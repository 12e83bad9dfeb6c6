import Foundation
import Testing

@testable import PortalKit

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
