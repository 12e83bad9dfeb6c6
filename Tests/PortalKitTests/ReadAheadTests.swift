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

    /// Producer `i` of three makes items i, i + 3, ...; they come in the sequence's order,
    /// whichever thread is ahead (each sleeps at random), and end with the first to stop.
    @Test func severalProducersTakeTurnsInTheSequencesOrder() throws {
        var got: [Int] = []
        try ReadAhead<Int>.pipeline(
            threads: 3,
            produce: { i, put in
                var k = i
                while k < 1000 {
                    if Int.random(in: 0..<50) == 0 { usleep(200) }
                    guard try put(k) else { return }
                    k += 3
                }
            },
            take: { got.append($0) })
        #expect(got == Array(0..<1000))
    }

    @Test func aProducersErrorComesInItsPlaceAndStopsTheOthers() throws {
        var got: [Int] = []
        #expect(throws: Broken.self) {
            try ReadAhead<Int>.pipeline(
                threads: 2,
                produce: { i, put in
                    var k = i
                    while k < 1_000_000 {
                        if k == 7 { throw Broken() }
                        guard try put(k) else { return }
                        k += 2
                    }
                },
                take: { got.append($0) })
        }
        #expect(got == Array(0..<7), "every item before the failing one, none after")
    }

    @Test func aFailingTakeStopsEveryProducer() throws {
        #expect(throws: Broken.self) {
            try ReadAhead<Int>.pipeline(
                threads: 2,
                produce: { i, put in
                    var k = i
                    while try put(k) { k += 2 }
                },
                take: { if $0 == 5 { throw Broken() } })
        }
        // (Returning at all says so: the producers never end by themselves.)
    }
}
