import Foundation
import Testing

@testable import PortalKit

@Suite struct CompactIDTests {
    func compact(_ s: String) -> [UInt8] {
        var s = s
        return s.withUTF8 { CompactID.with($0) { Array($0) } }
    }

    func back(_ b: [UInt8]) -> String { b.withUnsafeBufferPointer { CompactID.string($0) } }

    static let lower = "6266bb6a-5bf9-5392-bee2-3ff5a6ed69de"
    static let upper = lower.uppercased()

    @Test func aUUIDTakesSeventeenBytesAndReadsBackAsWritten() {
        for id in [Self.lower, Self.upper, "00000000-0000-0000-0000-000000000000"] {
            let c = compact(id)
            #expect(c.count == 17, "\(id)")
            #expect(back(c) == id)
        }
        #expect(compact(Self.lower) != compact(Self.upper), "the case is part of the id")
        #expect(compact(Self.lower)[1...] == compact(Self.upper)[1...])
    }

    /// Every byte's two digits read back, in either case.
    @Test func everyDigitReadsBack() {
        var ids = ["01234567-89ab-cdef-fedc-ba9876543210"]
        for _ in 0..<300 { ids.append(UUID().uuidString) }
        for id in ids + ids.map({ $0.lowercased() }) {
            #expect(back(compact(id)) == id)
        }
    }

    @Test func aLinkOfTwoUUIDsTakesThirtyFourBytes() {
        for (g, s) in [
            (Self.lower, Self.upper), (Self.upper, Self.lower), (Self.lower, Self.lower),
        ] {
            let key = g + "\u{1f}" + s
            let c = compact(key)
            #expect(c.count == 34 && back(c) == key, "\(key)")
        }
        let keys = [Self.lower, Self.upper].flatMap { g in
            [Self.lower, Self.upper].map { compact(g + "\u{1f}" + $0) }
        }
        #expect(Set(keys).count == 4, "each case of each end is its own key")
    }

    @Test(arguments: [
        "6266bb6a-5bf9-5392-Bee2-3ff5a6ed69de",  // mixed case: kept as written
        "6266bb6a-5bf9-5392-bee2-3ff5a6ed69dg",  // not hex
        "6266bb6a+5bf9-5392-bee2-3ff5a6ed69de",  // a dash missing
        "6266bb6a-5bf9-5392-bee2-3ff5a6ed69d",  // 35 characters
        "6266bb6a5bf953920bee203ff5a6ed69de00",  // 36 characters without dashes
        "Niño-5bf9-5392-bee2-3ff5a6ed69de-00",  // 36 bytes, not characters
        "6266bb6a-5bf9-5392-bee2-3ff5a6ed69de\u{1f}S600001",
        "S600001\u{1f}6266bb6a-5bf9-5392-bee2-3ff5a6ed69de-x",
        "",
    ])
    func anythingElseIsKeptAsItsBytes(_ id: String) {
        #expect(compact(id) == Array(id.utf8))
        #expect(back(compact(id)) == id)
    }

    @Test func setsTellUUIDsApartByCaseAndFromOtherIds() throws {
        var set = IDSet(numbered: true)
        #expect(try set.insert(Self.lower, line: 2) == nil)
        #expect(try set.insert(Self.upper, line: 3) == nil, "another id")
        #expect(try set.insert(Self.lower, line: 4) == 2, "a repeat names its first line")
        try set.markLastWritten()
        #expect(!set.written(Self.lower), "a repeat marks nothing")
        #expect(try set.insertUnlessWritten(Self.upper, line: 5) == nil, "met afresh")
        try set.markLastWritten()
        #expect(set.written(Self.upper) && !set.written(Self.lower))
        let link = Self.lower + "\u{1f}" + Self.upper
        #expect(try set.insert(link, line: 6) == nil)
        #expect(try set.contains(link) && !set.contains(Self.upper + "\u{1f}" + Self.lower))
        #expect(set.count == 3)
    }

    @Test(arguments: [0, 1 << 30])
    func uuidsMovedToDiskAreFoundThere(budget: Int) throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        try db.write {
            let spill = IDSpill(db, budget: budget, filterBytes: 64)
            var set = IDSet(spill: spill)
            let ids = (0..<500).map { _ in UUID().uuidString }  // upper case, as Foundation writes
            for (i, id) in ids.enumerated() { #expect(try set.insert(id, line: i + 2) == nil) }
            #expect(set.hasMovedIDs == (budget == 0))
            #expect(try set.insert(ids[321], line: 900) == 323)
            #expect(try ids.allSatisfy { try set.contains($0) })
            #expect(try !set.contains(ids[0].lowercased()), "another id")
            try spill.close()
        }
    }

    /// The text a compact form stands for, made on the stack, is the id as written: a UUID of
    /// either case, a link's pair of them, any other id as it is.
    @Test func eachFormsTextIsTheIdAsWritten() {
        let pair = Self.lower + "\u{1f}" + Self.upper
        for id in [Self.lower, Self.upper, pair, "6266bb6a-5bf9-5392-Bee2-3ff5a6ed69de", "G12", ""]
        {
            let packed = compact(id)
            #expect(
                packed.withUnsafeBufferPointer { CompactID.withText($0) { Array($0) } }
                    == Array(id.utf8), "\(id)")
        }
        #expect(compact(pair).count == 34, "the pair is packed (the case made no difference)")
    }

    /// A row's id is told its case without being packed: the case `with` packs it in, none for
    /// an id it does not pack (mixed case, not hex, a pair, another length).
    @Test func anIdsCaseIsToldAsPackingWouldTellIt() {
        var ids = [
            Self.lower, Self.upper, "01234567-8901-2345-6789-012345678901",
            "6266bb6a-5bf9-5392-Bee2-3ff5a6ed69de", "6266bb6a-5bf9-5392-bee2-3ff5a6ed69dg",
            "6266bb6a+5bf9-5392-bee2-3ff5a6ed69de", "Niño-5bf9-5392-bee2-3ff5a6ed69de-00",
            Self.lower + "\u{1f}" + Self.upper, "G12", "",
        ]
        for _ in 0..<100 { ids += [UUID().uuidString, UUID().uuidString.lowercased()] }
        for id in ids {
            let packed = compact(id)
            let told = id.utf8.withContiguousStorageIfAvailable { CompactID.caseTag($0) } ?? nil
            #expect(told == (packed.count == 17 ? packed[0] : nil), "\(id)")
        }
    }

    /// Two UUIDs of one case compare by their packed bytes as their texts compare; any other
    /// two are left to their texts.
    @Test func packedUUIDsOfOneCaseCompareAsTheirTexts() {
        var ids = ["00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-000000000009"]
        for _ in 0..<60 { ids.append(UUID().uuidString) }
        ids += ids.map { $0.lowercased() }
        for x in ids {
            for y in ids {
                let (px, py) = (compact(x), compact(y))
                let told = px.withUnsafeBufferPointer { a in
                    py.withUnsafeBufferPointer { CompactID.uuidTextPrecedes(a, $0) }
                }
                let sameCase = (x == x.lowercased()) == (y == y.lowercased())
                #expect(told == (sameCase ? Array(x.utf8).lexicographicallyPrecedes(y.utf8) : nil))
            }
            let head = compact(x).withUnsafeBufferPointer { CompactID.textHead($0) }
            #expect(head == x.utf8.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        #expect(compact("G1").withUnsafeBufferPointer { CompactID.textHead($0) } == 0x4731 << 48)
    }

    /// An id is numbered alike from its text and from its compact form (the first reading of
    /// users.csv keeps its ids compact), and the compact form reads back as the text.
    @Test func anIdIsNumberedAlikeFromItsTextAndItsCompactForm() {
        var ids = Interner()
        let mixed = "6266bb6a-5bf9-5392-Bee2-3ff5a6ed69de"
        for s in [Self.lower, "G1", mixed, Self.upper, "6266BB6A-5BF9-5392-BEE2-3FF5A6ED69DF"] {
            var text = s
            let (compact, fromCompact) = text.withUTF8 { u in
                CompactID.with(u) { (CompactID.string($0), ids.number(utf8: $0)) }
            }
            #expect(compact == s)
            #expect(fromCompact == ids.number(s), "\(s)")
        }
        #expect(ids.count == 4, "the UUID in either case is one id")
    }

    /// The ids' heads sorted a byte at a time come out as a comparison sort puts them: heads
    /// alike in some bytes, in all, repeated, and none or one id.
    @Test func headsSortedAByteAtATimeAsByComparison() {
        var g = SystemRandomNumberGenerator()
        let shapes: [() -> UInt64] = [
            { UInt64.random(in: 0...UInt64.max, using: &g) },
            { 0x4731_3030_3030_0000 | UInt64.random(in: 0...0xFFFF, using: &g) },  // "G1000..."
            { UInt64.random(in: 0...3, using: &g) << 56 | UInt64.random(in: 0...3, using: &g) },
            { 0x3636_3636_6262_3661 },
        ]
        for shape in shapes {
            for count in [0, 1, 2, 300, 5000] {
                let ids = (0..<count).map { RankedID(head: shape(), n: Int32($0)) }
                var radix = ids
                RankedID.sortByHeads(&radix)
                #expect(radix == ids.sorted(), "\(count)")
            }
        }
    }

    /// Users are ranked in the order SQLite keeps text (bytes, then length): UUIDs of either
    /// case and mixed, numbered ids of different lengths, ids alike in their first eight bytes,
    /// prefixes, a NUL, letters beyond ASCII, a pair's shape. Checked against SQLite itself.
    @Test func internedIdsRankAsSQLiteOrdersThem() throws {
        let ids =
            [
                Self.lower, "6266BB6A-5BF9-5392-BEE2-3FF5A6ED69DD",
                "6266bb6a-5bf9-5392-Bee2-3ff5a6ed69de", "6266BB6A-5BF9-5392-BEE2-3FF5A6ED69DF",
                "6266bb6a-0000-5392-bee2-3ff5a6ed69de",
                "G9", "G10", "G100000002", "G100000001", "G1000000", "G10000000", "S600001",
                "A", "AB", "A\u{0}", "a", "Ñandú", "Nandu", "éclair", "ZZZZZZZZ", "ZZZZZZZZZ", "",
                Self.lower + "\u{1f}" + Self.upper, Self.lower + "\u{1f}" + Self.lower,
            ] + (0..<40).map { $0 % 2 == 0 ? UUID().uuidString : UUID().uuidString.lowercased() }
        var interner = Interner()
        for id in ids { _ = interner.number(id) }
        let rank = interner.ranks()
        let byRank = (0..<ids.count).sorted { rank[$0] < rank[$1] }.map { ids[$0] }
        let db = try Database(path: ":memory:", create: true)
        try db.execute("CREATE TABLE t(id TEXT)")
        for id in ids { try db.run("INSERT INTO t VALUES (?)", [.text(id)]) }
        // (Read back by row: a text with a NUL in it comes back cut there.)
        let sqlite = try db.query("SELECT rowid AS r FROM t ORDER BY id").map {
            ids[($0.int("r") ?? 0) - 1]
        }
        #expect(byRank == sqlite)
        #expect(Set(rank).count == ids.count, "each its own place")
    }

    /// A UUID is one id in either case (one SIS file spells it upper, another lower), spelled
    /// as first met until respelled; a UUID mixing cases is an id of its own, as is a numbered
    /// id in another case. Only `find(packed:)` tells the cases apart (the import's sets of
    /// rows written).
    @Test func internedUUIDsAreOneInEitherCaseAndReadBackAsSpelled() {
        var ids = Interner()
        let mixed = "6266bb6a-5bf9-5392-Bee2-3ff5a6ed69de"
        #expect(ids.number(Self.lower) == 0)
        #expect(ids.number(Self.upper) == 0 && ids.find(Self.upper) == 0)
        #expect(ids.number(mixed) == 1 && ids.number("G1") == 2 && ids.number("g1") == 3)
        #expect(ids.string(0) == Self.lower && ids.string(1) == mixed && ids.string(3) == "g1")
        func exact(_ s: String) -> Int? {
            var s = s
            return s.withUTF8 { CompactID.with($0) { ids.find(packed: $0) } }
        }
        #expect(exact(Self.lower) == 0 && exact(Self.upper) == nil)
        #expect(ids.spells(0, asNumbered: Self.lower) && !ids.spells(0, asNumbered: Self.upper))
        #expect(
            ids.spells(1, asNumbered: mixed) && ids.spells(3, asNumbered: "g1"),
            "no case of their own")
        ids.respell(0, as: Self.upper)
        #expect(ids.spells(0, asNumbered: Self.upper) && !ids.spells(0, asNumbered: Self.lower))
        ids.respell(2, as: "g1")  // not a UUID: spelled as it was
        #expect(ids.string(0) == Self.upper && ids.string(0, prefix: "hh-") == "hh-" + Self.upper)
        #expect(exact(Self.upper) == 0 && exact(Self.lower) == nil && ids.find(Self.lower) == 0)
        #expect(ids.string(2) == "G1" && ids.string(1, prefix: "hh-") == "hh-" + mixed)
        // Past growing the table, found in either case still.
        for n in 0..<200 { _ = ids.number(String(format: "%08x-0000-4000-8000-000000000000", n)) }
        #expect(ids.find("0000007B-0000-4000-8000-000000000000") == 4 + 123)
        #expect(ids.number(Self.lower) == 0 && ids.count == 204)
    }

    /// Until a UUID is met in another case than the one kept for it, every spelling numbered
    /// is the one kept, and `spells(_:asNumbered:)` says so without reading it; met in another
    /// case, by `number` or by `respell`, and each spelling is read again.
    @Test func anInternerKnowsWhetherAUUIDWasMetInAnotherCase() {
        var ids = Interner()
        #expect(ids.number(Self.lower) == 0 && ids.number("G1") == 1 && ids.number("g1") == 2)
        #expect(ids.number(Self.lower) == 0, "met again in its own case")
        #expect(!ids.metInAnotherCase, "a numbered id in another case is an id of its own")
        #expect(ids.spells(0, asNumbered: Self.lower) && ids.spells(2, asNumbered: "g1"))
        #expect(ids.number(Self.upper) == 0 && ids.metInAnotherCase)
        #expect(!ids.spells(0, asNumbered: Self.upper) && ids.spells(0, asNumbered: Self.lower))

        var respelled = Interner()
        #expect(respelled.number(Self.upper) == 0)
        respelled.respell(0, as: Self.upper)
        #expect(!respelled.metInAnotherCase, "respelled as it was")
        respelled.respell(0, as: Self.lower)
        #expect(respelled.metInAnotherCase)
        #expect(!respelled.spells(0, asNumbered: Self.upper))
        #expect(respelled.spells(0, asNumbered: Self.lower))
    }
}
