import Foundation
import Synchronization
import Testing

@testable import PortalKit

@Suite struct KnownRowsTests {
    func bytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var s = s
        return s.withUTF8 { body($0) }
    }

    @Test func aStoredHashReadsAsItsTop48BitsInEitherForm() {
        for fnv: UInt64 in [0, 1, 0xcbf2_9ce4_8422_2325, .max, 0x0000_1234_5678_9abc] {
            #expect(bytes(TableRow.stored(fnv)) { KnownRows.storedHash($0) } == fnv >> 16)
            // As earlier versions stored it: the 64 bits in hex (leading zeros dropped).
            let hex = String(fnv, radix: 16)
            if hex.utf8.count != 8 {
                #expect(bytes(hex) { KnownRows.storedHash($0) } == fnv >> 16, "\(hex)")
            }
        }
        for bad in ["", "abc!defg", "0123456789abcdef0", "ABCDEF"] {
            #expect(bytes(bad) { KnownRows.storedHash($0) } == nil, "\(bad)")
        }
    }

    /// The district's people are read in the order of their table's key, one row after another,
    /// with or without the district's range, never through the smaller household index (each
    /// row then found by its key, three times the time), which SQLite chooses for a large
    /// district (its statistics as `ANALYZE` left them at 300,000 students).
    @Test func theDistrictsRowsAreReadInTheOrderOfTheirTable() throws {
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
        try db.execute(
            """
            ANALYZE;
            DELETE FROM sqlite_stat1;
            INSERT INTO sqlite_stat1 VALUES
                ('guardians', 'guardians_by_household', '108108 2 2'),
                ('guardians', 'guardians', '240198 1001 1'),
                ('students', 'students_by_household', '114957 3 3'),
                ('students', 'students', '282768 1001 1');
            """)
        let again = try Database.open(path: path, create: false)
        #expect(
            try again.query("EXPLAIN QUERY PLAN SELECT guardian_id, row_hash FROM guardians")
                .contains { $0.string("detail")?.contains("USING INDEX") == true },
            "the statistics make SQLite choose the household index")
        for t in [RosterTable.guardians, .students, .links, .households] {
            for only in [true, false] {
                let plan = try again.query(
                    "EXPLAIN QUERY PLAN " + KnownRows.query(t, onlyDistrict: only),
                    only ? [] : [.text("d1")]
                )
                .compactMap { $0.string("detail") }
                #expect(
                    plan.count == 1
                        && (plan[0] == "SCAN \(t.rawValue)"
                            || plan[0].hasPrefix("SEARCH \(t.rawValue) USING PRIMARY KEY")),
                    "\(t.rawValue), only district \(only): \(plan)")
            }
        }
    }

    @Test func aBudgetHoldsTheRowsItSays() {
        for bytes in [0, 16, 100, 4096, 16 << 20] {
            let rows = KnownRows.rows(within: bytes)
            #expect(rows == 0 || KnownRows.bytes(rows: rows) <= bytes, "\(bytes)")
            #expect(KnownRows.bytes(rows: rows + 1) > bytes, "\(bytes)")
        }
        #expect(KnownRows.rows(within: 16 << 20) > 780_000)
    }

    @Test func theDistrictsRowsAreFoundByTheirKeysAndNoOthers() throws {
        let f = try Fixture()
        let guardians = try KnownRows(f.db, .guardians, district: "d", rows: 4)
        #expect(guardians.count == 4)
        let slots = ["G1", "G2", "G3", "G4"].compactMap { id in bytes(id) { guardians.slot($0) } }
        #expect(Set(slots).count == 4)
        #expect(bytes("G5") { guardians.slot($0) } == nil)
        #expect(guardians.slot(key: [.text("G1")]) == slots[0])
        // A row's key read in place from its packed arguments (the values after it ignored).
        #expect(
            guardians.slot(key: PackedArguments([.text("G1"), .text("x")]), count: 1) == slots[0])
        #expect(guardians.slot(key: PackedArguments([.text("G5"), .null]), count: 1) == nil)
        // The copy the reading thread asks says the same.
        #expect(guardians.keys.holds("G1") && guardians.keys.holds("G4"))
        #expect(!guardians.keys.holds("G5"))
        #expect(["G1", "G4", "G5"].map { guardians.keys.slot($0) } == [slots[0], slots[3], -1])
        let stored = try #require(
            try f.db.first(
                "SELECT row_hash FROM guardians WHERE district_id = 'd' AND guardian_id = 'G1'"
            )?.string("row_hash"))
        let top = try #require(bytes(stored) { KnownRows.storedHash($0) })
        func row(line: UInt64) -> TableRow {
            TableRow(keyCount: 1, [.text("G1"), .text("x"), TableRow.hashSlot], line: line)
        }
        #expect(guardians.isUnchanged(slots[0], row(line: top << 16 | 0xbeef)))
        #expect(!guardians.isUnchanged(slots[0], row(line: (top ^ 1) << 16)))
        // Asked by id and hash through the keys, as the reading thread asks them and as the
        // writer asks a household it has just met (the mark leaves the hash as it was).
        #expect(guardians.keys.holds("G1", hash: top << 16))
        #expect(!guardians.keys.holds("G1", hash: (top ^ 1) << 16))
        #expect(!guardians.keys.holds("G5", hash: top << 16))
        guardians.meet(slots[0])
        #expect(guardians.keys.holds("G1", hash: top << 16))
        #expect(!guardians.keys.holds("G1", hash: (top ^ 1) << 16))

        // A link's key is its two ids joined by U+001F, whichever way it is given.
        let links = try KnownRows(f.db, .links, district: "d", rows: 5)
        let link = try #require(links.slot(key: [.text("G1"), .text("S1")]))
        #expect(bytes("G1\u{1f}S1") { links.slot($0) } == link)
        #expect(links.slot(key: [.text("G1"), .text("S2")]) == nil)
        #expect(
            links.slot(key: PackedArguments([.text("G1"), .text("S1"), .int(1)]), count: 2) == link)
        // Looked up a batch at a time, as a OneRoster bundle's links are, with the hash asked
        // of the slot found; and a link met through its slot is met, as through its key.
        let batch = links.keys.slots(["G1\u{1f}S2", "G1\u{1f}S1", "G5"])
        #expect(batch == [-1, link, -1])
        // And from its two ends' bytes, as a native links file's line gives them.
        func ends(_ g: String, _ s: String) -> Int {
            bytes(g) { g in bytes(s) { links.keys.slot(g, $0) } }
        }
        #expect(ends("G1", "S1") == link)
        #expect(
            [ends("G1", "S2"), ends("G1S", "1"), ends("G", "1S1")] == [Int](repeating: -1, count: 3)
        )
        let linkHash = try #require(
            try f.db.first(
                "SELECT row_hash FROM links WHERE district_id = 'd' AND guardian_id = 'G1' AND student_id = 'S1'"
            )?.string("row_hash"))
        let linkTop = try #require(bytes(linkHash) { KnownRows.storedHash($0) })
        #expect(links.keys.stored(link, is: linkTop << 16))
        #expect(!links.keys.stored(link, is: (linkTop ^ 1) << 16))
        var met = IDSet(pairs: true, known: links)
        #expect(try met.insertUnlessWritten("G1\u{1f}S1", knownSlot: link, line: 0) == nil)
        #expect(links.isMet(link))
        #expect(try met.insert("G1\u{1f}S1", line: 3) == IDSet.lineUnknown, "a repeat")
        // An id met through the slot its row's maker found, as through the id.
        var people = IDSet(numbered: true, known: guardians)
        #expect(try people.insert("G2", line: 4, knownSlot: slots[1]) == nil)
        #expect(guardians.isMet(slots[1]))
        #expect(try people.insert("G2", line: 6) == IDSet.lineUnknown, "a repeat")
        // Met through its slot unless written: once written, a repeat naming its line.
        #expect(try people.insertUnlessWritten("G3", knownSlot: slots[2], line: 7) == nil)
        #expect(try people.insertUnlessWritten("G3", knownSlot: slots[2], line: 8) == nil)
        try people.markLastWritten()
        #expect(try people.insertUnlessWritten("G3", knownSlot: slots[2], line: 9) == 8)
        // Another district's rows are not among them.
        #expect(try KnownRows(f.db, .guardians, district: "other", rows: 4).count == 0)
        // The only district's, read whole, are the same rows in the same slots.
        let whole = try KnownRows(f.db, .guardians, district: "d", rows: 4, onlyDistrict: true)
        #expect(whole.count == 4)
        #expect(["G1", "G2", "G3", "G4"].map { whole.keys.slot($0) } == slots)
    }

    /// A set keeps whole ids (and the import the larger cache they need) once it meets one of
    /// the district's ids that is not a prefix and a number, however it meets it.
    @Test func aSetKnowsWhenItMetAnUnnumberedIdOfTheDistricts() throws {
        let f = try Fixture()
        let uuid = "6266bb6a-5bf9-5392-bee2-3ff5a6ed69de"
        try f.db.run(
            "INSERT INTO guardians (district_id, guardian_id, given_name, family_name, row_hash) VALUES ('d', ?, 'Ana', 'Lee', 'x')",
            [.text(uuid)])
        for way in 0..<3 {
            let known = try KnownRows(f.db, .guardians, district: "d", rows: 5)
            let slot = known.keys.slot(uuid)
            #expect(slot >= 0)
            var set = IDSet(numbered: true, known: known)
            let g1 = known.keys.slot("G1")
            #expect(try set.insertUnlessWritten("G1", knownSlot: g1, line: 1) == nil)
            #expect(!set.keepsWholeIDs, "G1 is a prefix and a number")
            switch way {
            case 0: #expect(try set.insertUnlessWritten(uuid, knownSlot: slot, line: 2) == nil)
            case 1: #expect(try set.insert(uuid, line: 2, knownSlot: slot) == nil)
            default: #expect(try set.insertUnlessWritten(uuid, line: 2) == nil)
            }
            #expect(known.isMet(slot))
            #expect(set.keepsWholeIDs, "way \(way)")
        }
    }

    @Test func aTableKnowsWhenEveryActiveRowWasMet() throws {
        let f = try Fixture()
        try f.db.execute(
            "UPDATE guardians SET status = 'inactive' WHERE district_id = 'd' AND guardian_id = 'G4'"
        )
        let known = try KnownRows(f.db, .guardians, district: "d", rows: 4)
        var set = IDSet(numbered: true, known: known)
        for id in ["G1", "G2"] { _ = try set.insert(id, line: 2) }
        #expect(known.someActiveUnmet, "G3 is not met yet")
        _ = try set.insert("G3", line: 4)
        #expect(!known.someActiveUnmet, "G4 is not active")
        // Where two keys share a slot, the table cannot tell: the import looks.
        let same = try KnownRows(f.db, .guardians, district: "d", rows: 4, spread: { _ in 42 })
        var other = IDSet(numbered: true, known: same)
        for id in ["G1", "G2", "G3", "G4"] { _ = try other.insert(id, line: 2) }
        #expect(same.someActiveUnmet)
        #expect(!same.keys.holds("G1"), "a shared slot is not surely the district's")
        #expect(same.keys.slots(["G1", "G2"]) == [-1, -1])
        #expect(same.keys.slot("G1") == -1)
    }

    @Test func keysSharingAFingerprintAreMarkedAndGoTheExactWay() throws {
        let f = try Fixture()
        let same = try KnownRows(f.db, .guardians, district: "d", rows: 4, spread: { _ in 42 })
        let i = try #require(bytes("G1") { same.slot($0) })
        #expect(same.isAmbiguous(i))
        #expect(bytes("G2") { same.exactSlot($0) } == nil)
        let links = try KnownRows(f.db, .links, district: "d", rows: 5, spread: { _ in 42 })
        #expect(bytes("G1") { g in bytes("S1") { links.keys.slot(g, $0) } } == -1)
        // A set with them holds such ids itself: a repeat is still one.
        var set = IDSet(numbered: true, known: same)
        #expect(try set.insert("G1", line: 2) == nil)
        #expect(try set.insert("G1", line: 3) == 2)
        #expect(try set.insert("G7", line: 4) == nil)
    }

    @Test func aSetMeetsTheDistrictsIdsInTheirSlots() throws {
        let f = try Fixture()
        let known = try KnownRows(f.db, .guardians, district: "d", rows: 4)
        var set = IDSet(numbered: true, known: known)
        #expect(try set.insert("G1", line: 2) == nil)
        try set.markLastWritten()
        #expect(try set.insert("G1", line: 5) == 2, "a repeat of a written row names its line")
        #expect(try set.contains("G1") && !set.contains("G2"))
        #expect(try set.wasWritten("G1"))
        // Met by a row that was not written, then named again: met afresh, not a repeat.
        #expect(try set.insert("G2", line: 3) == nil)
        #expect(try set.insertUnlessWritten("G2", line: 6) == nil)
        #expect(try !set.wasWritten("G2"))
        try set.markLastWritten()
        #expect(try set.wasWritten("G2"))
        #expect(try set.insertUnlessWritten("G2", line: 7) == 6)
        // Met on a row that was not written: its line is not kept.
        #expect(try set.insert("G3", line: 8) == nil)
        #expect(try set.insert("G3", line: 9) == IDSet.lineUnknown)
        // Copies on the reading thread do not read the shared slots.
        #expect(!set.written("G1"))
        // An id the district did not hold is kept as without them.
        #expect(try set.insert("G9", line: 8) == nil)
        try set.markLastWritten()
        #expect(set.written("G9") && set.count == 4)
        #expect(!set.keepsWholeIDs, "numbered ids")
        #expect(try set.insert("7c9e6679-7425-40de-944b-e07fc1f90aef", line: 9) == nil)
        #expect(set.keepsWholeIDs)
    }

    /// The district's rows a re-import keeps take at most four times what a set of ids may,
    /// handed out in the tables' order: households, guardians, students, links. A table that
    /// does not fit what is left is not kept; the first, read on the importing thread, are
    /// decided before the second thread's.
    @Test func theRowsKeptTakeAtMostTheirBudgetInTheTablesOrder() throws {
        let f = try Fixture()
        let s = f.session(nil)
        try s.transaction { _ = try Districts.create(s, id: "x", name: "X", settings: []) }
        let x = f.session("x")
        // 10 households, 20 guardians, 20 students, 25 links: 224, 432, 432 and 544 bytes kept.
        let files = [
            "guardians.csv": "guardian_id,given_name,family_name,household_id\n"
                + (1...20).map { "G\($0),Pat,Lee,H\(($0 + 1) / 2)\n" }.joined(),
            "students.csv": "student_id,given_name,family_name\n"
                + (1...20).map { "S\($0),Ann,Lee\n" }.joined(),
            "relationships.csv": "guardian_id,student_id\n"
                + (1...20).map { "G\($0),S\($0)\n" }.joined()
                + (1...5).map { "G\($0),S\($0 + 10)\n" }.joined(),
        ]
        for (name, text) in files {
            try text.write(toFile: f.folder + "/" + name, atomically: true, encoding: .utf8)
        }
        _ = try Roster.importBundle(
            x, dir: f.folder, format: .csv, options: ImportOptions(), hooks: ImportHooks())
        func kept(idMemory: Int, format: RosterFormat = .csv) throws -> [RosterTable] {
            var options = ImportOptions()
            options.idMemoryBytes = idMemory
            options.keepKnownRows = true
            return try x.db.write(rollback: true) {
                let w = try RosterWriter(
                    x, format: format, options: options, hooks: ImportHooks(), inputBytes: 0)
                defer { w.letGo() }
                try w.knownReady(.links)
                return RosterTable.allCases.filter { w.known[$0.index] != nil }
            }
        }
        // 416 bytes an id set: a table may take 624 (native files), all 1,664: every table.
        #expect(try kept(idMemory: 416) == [.households, .guardians, .students, .links])
        // 400: 600 a table, 1,600 in all: the links, last, do not fit what is left.
        #expect(try kept(idMemory: 400) == [.households, .guardians, .students])
        // 300: 450 a table (the links alone are more), 1,200 in all.
        #expect(try kept(idMemory: 300) == [.households, .guardians, .students])
        // OneRoster keeps a table within what an id set may (its users take memory besides).
        #expect(
            try kept(idMemory: 440, format: .oneroster) == [.households, .guardians, .students])
        #expect(try kept(idMemory: 200) == [.households])
    }

    /// A table waits for the tables before it to be decided (on the other thread), and a
    /// cancelled budget ends the wait, keeping nothing more.
    @Test func aBudgetDecidesTheTablesInOrderAndACancelEndsTheWait() throws {
        let budget = KnownRowsBudget(bytes: 100, tables: [.links, .guardians, .students])
        let decided = Mutex<[String]>([])
        let thread = Thread {
            let students = budget.take(60, for: .students)
            decided.withLock { $0.append("students \(students)") }
            let links = budget.take(30, for: .links)
            decided.withLock { $0.append("links \(links)") }
        }
        thread.start()
        usleep(100_000)
        #expect(decided.withLock { $0 }.isEmpty, "the students wait for the guardians")
        #expect(budget.take(50, for: .guardians))
        let deadline = Date().addingTimeInterval(10)
        while decided.withLock({ $0.count }) < 2 && Date() < deadline { usleep(1_000) }
        #expect(decided.withLock { $0 } == ["students false", "links true"])
        let waiting = KnownRowsBudget(bytes: 100, tables: [.guardians, .links])
        let ended = Mutex<Bool?>(nil)
        Thread {
            let links = waiting.take(1, for: .links)
            ended.withLock { $0 = links }
        }.start()
        usleep(100_000)
        #expect(ended.withLock { $0 } == nil)
        waiting.cancel()
        while ended.withLock({ $0 }) == nil && Date() < deadline { usleep(1_000) }
        #expect(ended.withLock { $0 } == false)
    }
}
