import Foundation
import Testing

@testable import PortalKit

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

    /// Two strings' texts read at once are each one's as read alone, and as spelled: UUIDs of
    /// either case (packed), one of both cases (kept as it is), other ids, an empty one.
    @Test func twoStringsTextsAreEachOnesText() {
        var ids = Interner()
        let spelled = [
            "0f8fad5b-d9cb-469f-a165-70867728950e", "7C9E6679-7425-40DE-944B-E07FC1F90AE7",
            "7c9e6679-7425-40DE-944b-e07fc1f90ae7", "g1000001", "Zoë-7", "",
        ]
        let n = spelled.map { ids.number($0) }
        for (x, a) in n.enumerated() {
            for (y, b) in n.enumerated() {
                let both = ids.withTexts(a, b) {
                    (String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self))
                }
                #expect(both.0 == spelled[x] && both.1 == spelled[y], "\(x), \(y)")
                #expect(both.0 == ids.withText(a) { String(decoding: $0, as: UTF8.self) })
            }
        }
    }

    /// Runs `body` with users kept in memory and on disk (a real SQLite file's temporary tables).
    func eachTable(
        _ body: (inout OneRosterUsers<MemoryUserTable>) throws -> Void,
        _ disk: (inout OneRosterUsers<DiskUserTable>) throws -> Void
    ) throws {
        var memory = OneRosterUsers(MemoryUserTable())
        try body(&memory)
        let (db, path) = try tempDB()
        defer { removeDatabase(path) }
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
            // Two users' ids as the table spells them, in place.
            let pair = try users.table.withIDs(Int(n("g10")), Int(n("s4"))) {
                [String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self)]
            }
            #expect(pair == ["g10", "s4"])
        }
        try eachTable({ try check(&$0) }, { try check(&$0) })
    }

    /// What a row's facts read is read ahead for a batch of users, those with a household and
    /// those without (a namer of -1, skipped), users of no kind among them: in memory, the sum
    /// of their kinds' and listed orgs' numbers and the first byte of each household's namer's
    /// id; on disk (looked up by id through SQLite) nothing.
    @Test func aBatchsFactsAreReadAhead() throws {
        var users = OneRosterUsers(MemoryUserTable())
        #expect(users.table.touchFacts(of: []) == 0)
        let g = try users.number("g1")
        let s = try users.number("s1")
        let alone = try users.number("s2")
        let other = try users.number("t1")
        #expect(users.table.touchFacts(of: [0, 1, 2, 3]) == 0, "no field made yet")
        try users.setKind(g, "parent")
        try users.setKind(s, "student")
        try users.setKind(alone, "student")
        users.table.append(UserPair(guardian: Int32(g), student: Int32(s), role: 0))
        #expect(try users.deriveHouseholds() == 1)
        let kinds = [g, s, alone, other].map { UInt64(users.table.get(.kind, $0)) }
        let namerByte = UInt64(UInt8(ascii: "g"))
        #expect(
            users.table.touchFacts(of: [g, s, alone, other].map(Int32.init))
                == kinds.reduce(0, +) + 2 * namerByte)
        try eachTable(
            { _ in },
            { disk in
                _ = try disk.number("g1")
                #expect(disk.table.touchFacts(of: [0]) == 0)
            })
    }

    /// The ids' order that names households is `<`'s: by bytes for ASCII (a UUID by its text,
    /// in the case it is spelled), as strings otherwise (two spellings of é are equal).
    @Test func idsPrecedeOneAnotherAsStringsDo() {
        var ids = Interner()
        let spelled =
            [
                "g10", "g9", "6266bb6a-5bf9-5392-bee2-3ff5a6ed69de",
                "6266BB6A-5BF9-5392-BEE2-3FF5A6ED69DF",
                "G1", "\u{e9}", "e\u{301}", "\u{e9}a", "",
            ] + (0..<30).map { $0 % 2 == 0 ? UUID().uuidString : UUID().uuidString.lowercased() }
        for id in spelled { _ = ids.number(id) }
        for x in spelled.indices {
            for y in spelled.indices {
                #expect(
                    ids.precedes(x, y) == (spelled[x] < spelled[y]), "\(spelled[x]) \(spelled[y])")
            }
        }
        #expect(!ids.precedes(5, 6) && !ids.precedes(6, 5), "the same text to `<`")
    }

    /// Many pairs, each given twice (from either side's agentSourcedIds), through the growth
    /// of the set that finds repeats: each kept once, in the order first given.
    @Test func pairsGivenTwiceAreKeptOnceInTheirFirstOrder() throws {
        var users = OneRosterUsers(MemoryUserTable())
        for i in 0..<3000 {
            try users.setKind(users.number("g\(i)"), "parent")
            try users.setKind(users.number("s\(i)"), "student")
        }
        var order: [UserPair] = []
        for i in 0..<3000 {
            for s in [i, (i * 7 + 1) % 3000] {
                order.append(UserPair(guardian: Int32(2 * i), student: Int32(2 * s + 1), role: 0))
            }
        }
        for p in order + order.reversed() { users.table.append(p) }
        users.table.keepPairs { _, _ in true }
        var seen = Set<[Int32]>()
        let unique = order.filter { seen.insert([$0.guardian, $0.student]).inserted }
        #expect(unique.count == 6000)
        #expect(try users.table.pairs(from: 0, count: 10_000) == unique)
    }

    /// A guardian's pairs in the order of the students' ids however many: a few put in place
    /// one by one, many sorted.
    @Test func aGuardiansManyPairsAreOrderedByTheStudentsIds() throws {
        var users = OneRosterUsers(MemoryUserTable())
        var given: [(String, String)] = []
        for (g, n) in [("G1", 25), ("G2", 17), ("G3", 16), ("G4", 3), ("G5", 1)] {
            given += (1...n).map { (g, "S\($0)") }
        }
        var generator = SplitMix64(state: 36)
        for i in stride(from: given.count - 1, to: 0, by: -1) {
            given.swapAt(i, generator.int(i + 1))
        }
        for (g, st) in given {
            users.table.append(
                UserPair(
                    guardian: Int32(try users.number(g)), student: Int32(try users.number(st)),
                    role: 0))
        }
        #expect(try users.table.orderPairsByIDs(ranks: nil))
        let read = users.table.pairs(from: 0, count: 1000).map {
            "\(users.table.id(Int($0.guardian)))/\(users.table.id(Int($0.student)))"
        }
        let expected = given.sorted {
            $0.0 == $1.0
                ? Array($0.1.utf8).lexicographicallyPrecedes(Array($1.1.utf8))
                : Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8))
        }.map { "\($0.0)/\($0.1)" }
        #expect(read == expected)
        #expect(read.first == "G1/S1" && read[1] == "G1/S10" && read.last == "G5/S1")
    }

    /// Pairs kept in memory are put in the order of the links table's key (the guardian's id,
    /// then the student's, as SQLite orders text: bytes, not numbers), each with its role; on
    /// disk they keep their order.
    @Test func pairsInMemoryAreOrderedByTheirIds() throws {
        let uuid = "6266bb6a-5bf9-5392-bee2-3ff5a6ed69de"
        let appended = [
            ("g9", "s2"), ("g10", "s10"), (uuid.uppercased(), "s2"), ("g9", "S1"), ("G2", "s10"),
            (uuid.replacingOccurrences(of: "6266", with: "7266"), "s2"), ("g10", "s2"),
            ("g9", "s10"),
        ]
        func fill<T: UserTable>(_ users: inout OneRosterUsers<T>, ranks: [Int32]? = nil) throws
            -> Bool
        {
            for (i, (g, s)) in appended.enumerated() {
                try users.table.append(
                    UserPair(
                        guardian: Int32(try users.number(g)), student: Int32(try users.number(s)),
                        role: UInt8(i)))
            }
            return try users.table.orderPairsByIDs(ranks: ranks)
        }
        func read<T: UserTable>(_ users: OneRosterUsers<T>) throws -> [String] {
            try users.table.pairs(from: 0, count: 100).map {
                "\(try users.table.id(Int($0.guardian)))/\(try users.table.id(Int($0.student))) \($0.role)"
            }
        }
        let inKeyOrder = appended.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            return x.0 == y.0
                ? Array(x.1.utf8).lexicographicallyPrecedes(Array(y.1.utf8))
                : Array(x.0.utf8).lexicographicallyPrecedes(Array(y.0.utf8))
        }.map { "\($0.element.0)/\($0.element.1) \($0.offset)" }
        #expect(
            inKeyOrder.first == uuid.uppercased() + "/s2 2" && inKeyOrder[2] == "G2/s10 4"
                && inKeyOrder.last == "g9/s2 0")
        try eachTable(
            { (users: inout OneRosterUsers<MemoryUserTable>) throws in
                #expect(try fill(&users))
                #expect(try read(users) == inKeyOrder)
                // The ranks found beforehand on another thread give the same order; ranks not of
                // every user (found before some were numbered) are found again.
                for early in [true, false] {
                    var again = OneRosterUsers(MemoryUserTable())
                    for (g, s) in appended where !early || g != "g10" {
                        _ = try again.number(g)
                        _ = try again.number(s)
                    }
                    let ranks = try #require(again.table.numbering).ranks()
                    #expect(try fill(&again, ranks: ranks))
                    #expect(try read(again) == inKeyOrder)
                }
            },
            { (users: inout OneRosterUsers<DiskUserTable>) throws in
                #expect(try !fill(&users))
                #expect(
                    try read(users)
                        == appended.enumerated().map {
                            "\($0.element.0)/\($0.element.1) \($0.offset)"
                        })
            })
    }

    /// A first OneRoster import puts its links into their table in place, in key order: none
    /// is staged when its links are written (its guardians and students are: their ids are
    /// UUIDs), and the tables are those of the same files imported with the users on disk,
    /// whose links are staged.
    @Test func aFirstImportWritesItsLinksInPlaceUnlessItsUsersAreOnDisk() throws {
        var lines = ["sourcedId,role,givenName,familyName,agentSourcedIds"]
        var guardians: [String] = []
        for i in 0..<6 {
            let g = UUID().uuidString.lowercased()
            guardians.append(g)
            lines.append("\(g),parent,Pat\(i),Lee,")
        }
        for i in 0..<6 {
            let agents = [guardians[i], guardians[(i + 3) % 6]].joined(separator: ",")
            lines.append("\(UUID().uuidString.lowercased()),student,Kim\(i),Lee,\"\(agents)\"")
        }
        // A link to a guardian rejected (no family name): reported, not written.
        lines[1] = lines[1].replacingOccurrences(of: ",Lee,", with: ",,")
        let f = try twoDistricts(users: lines)
        var stagedAtLinks: [String: Set<String>] = [:]
        var cacheAtLinks: [String: Set<Int>] = [:]
        var reports: [String: [String]] = [:]
        let links = try importInMemoryAndOnDisk(f) { district, o in
            if o.id.contains("/") {
                cacheAtLinks[district, default: []].insert(
                    try f.db.scalar("PRAGMA cache_size")?.int.map { Int($0) } ?? 0)
                stagedAtLinks[district, default: []].formUnion(
                    try f.db.query(
                        "SELECT name FROM sqlite_temp_master WHERE name LIKE 'roster_staged_%'"
                    ).map { $0.text("name") })
            }
            if o.status == .rejected { reports[district, default: []].append(o.id) }
        }
        #expect(links.values.map(\.created) == [10, 10])
        // (Households are staged or not by the first id met: "hh-" and a UUID whose last group
        // is all digits looks numbered.)
        let staged = stagedAtLinks["x"] ?? []
        #expect(
            staged.isSuperset(of: ["roster_staged_guardians", "roster_staged_students"])
                && !staged.contains("roster_staged_links"), "\(staged)")
        #expect(stagedAtLinks["y"]?.contains("roster_staged_links") == true)
        // Links in key order need no larger cache than the end does; staged, the 16 MB that
        // the guardians' UUIDs took stays.
        #expect(cacheAtLinks["x"] == [-2048] && cacheAtLinks["y"] == [-16384])
        #expect(reports["x"]?.count == 3 && reports["x"]?.sorted() == reports["y"]?.sorted())
        func rows(_ district: String) throws -> [String] {
            try ["households", "guardians", "students", "links"].flatMap { t in
                try f.db.query(
                    "SELECT * FROM \(t) WHERE district_id = ? ORDER BY 2, 3", [.text(district)]
                )
                .map {
                    t + ": " + $0.values.dropFirst().map { $0.string ?? "-" }.joined(separator: "|")
                }
            }
        }
        #expect(try rows("x") == rows("y") && rows("x").count > 20)
    }

    /// The links of users in memory are made on two threads, every other batch each; they are
    /// written and reported in order, as one thread making them all (the users on disk) would:
    /// in key order into a district without links, else in the order the file first names
    /// them; links to rejected guardians spread over the batches.
    @Test func linksMadeOnTwoThreadsAreWrittenAndReportedInOrder() throws {
        var lines = ["sourcedId,role,givenName,familyName,agentSourcedIds"]
        for i in 0..<1_500 {
            // Every 97th guardian has no family name: rejected, its links reported.
            lines.append("g\(100_000 + i),parent,Pat\(i),\(i % 97 == 0 ? "" : "Lee"),")
        }
        for i in 0..<3_000 {
            let agents = "g\(100_000 + i / 2),g\(100_000 + (i * 7) % 1_500)"
            lines.append("s\(200_000 + i),student,Kim\(i),Lee,\"\(agents)\"")
        }
        let f = try twoDistricts(users: lines)
        var reports: [String: [String]] = [:]
        var counts: [String: [EntityCounts]] = [:]
        for run in ["first", "again"] {
            let links = try importInMemoryAndOnDisk(f) { district, o in
                if o.id.contains("/") {
                    reports[district + run, default: []].append("\(o.id) \(o.status)")
                }
            }
            for (district, c) in links { counts[district, default: []].append(c) }
        }
        let x = counts["x"] ?? []
        #expect(x.count == 2 && x[0].created > 5_000 && x[1].unchanged == x[0].created)
        #expect(x.allSatisfy { $0.rejected > 20 } && x == counts["y"], "\(x)")
        let first = reports["xfirst"] ?? []
        #expect(first.count > 5_000 && first == first.sorted())
        #expect(first.sorted() == reports["yfirst"]?.sorted())
        #expect(reports["xagain"]?.count == first.count && reports["xagain"] == reports["yagain"])
        func links(_ district: String) throws -> [String] {
            try f.db.query(
                "SELECT guardian_id, student_id, relationship, row_hash FROM links WHERE district_id = ? ORDER BY 1, 2",
                [.text(district)]
            ).map { $0.values.map { $0.string ?? "-" }.joined(separator: " ") }
        }
        #expect(try links("x") == links("y") && links("x").count == x[0].created)
    }

    /// A re-import tells a OneRoster link unchanged by its key and the hash its role gives,
    /// before making its row; a link whose role changed (a parent listed as a relative now) is
    /// still rewritten, without portal access, and links found unchanged count as no lines.
    @Test func aReimportTellsUnchangedLinksByTheirRoleAndRewritesChangedOnes() throws {
        let f = try Fixture()
        let s = f.session(nil)
        try s.transaction { _ = try Districts.create(s, id: "x", name: "X", settings: []) }
        for name in ["guardians.csv", "students.csv", "relationships.csv"] {
            try FileManager.default.removeItem(atPath: f.folder + "/" + name)
        }
        func importUsers(_ roleOfG2: String) throws -> ImportSummary {
            try """
            sourcedId,role,givenName,familyName,agentSourcedIds
            g1,parent,Ann,Lee,
            g2,\(roleOfG2),Bo,Lee,
            s1,student,Cy,Lee,"g1,g2"
            s2,student,Di,Lee,g2

            """.write(toFile: f.folder + "/users.csv", atomically: true, encoding: .utf8)
            return try Roster.importBundle(
                f.session("x"), dir: f.folder, format: .oneroster, options: ImportOptions())
        }
        func links() throws -> [String] {
            try f.db.query(
                "SELECT guardian_id, student_id, relationship, portal_access FROM links WHERE district_id = 'x' ORDER BY 1, 2"
            ).map { $0.values.map { $0.string ?? "-" }.joined(separator: " ") }
        }
        func counts(_ summary: ImportSummary) -> EntityCounts? {
            summary.entities.first { $0.name == "links" }?.counts
        }
        #expect(counts(try importUsers("parent"))?.created == 3)
        let same = try importUsers("parent")
        #expect(counts(same)?.unchanged == 3 && same.linesUnchanged == 4, "\(same)")
        let changed = try importUsers("relative")
        #expect(counts(changed)?.unchanged == 1 && counts(changed)?.updated == 2)
        #expect(
            try links() == ["g1 s1 parent 1", "g2 s1 relative 0", "g2 s2 relative 0"])
        #expect(counts(try importUsers("relative"))?.unchanged == 3)
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

    /// The users of a bundle are counted from the lines of users.csv: exactly in a small file,
    /// within a few in a hundred in a large one (read in eight pieces).
    @Test func usersAreCountedFromTheLinesOfUsersCsv() throws {
        let dir = NSTemporaryDirectory() + "oneroster-lines-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func lines(_ text: String) throws -> Int {
            try text.write(toFile: dir + "/f.csv", atomically: true, encoding: .utf8)
            return CSVReader.estimatedLines(dir + "/f.csv")
        }
        #expect(try lines("") == 0)
        #expect(try lines("sourcedId\n") == 1)
        #expect(try lines("sourcedId\nu1\nu2") == 3, "a last line without its newline counts")
        #expect(try lines("sourcedId\r\nu1\r\nu2\r\n") == 3)
        #expect(try lines("sourcedId\ru1\ru2") == 3, "old Mac line ends")
        #expect(CSVReader.estimatedLines(dir + "/none.csv") == 0)
        #expect(CSVReader.estimatedLines(dir) == 0, "a folder")
        #expect(mkfifo(dir + "/pipe.csv", 0o600) == 0)
        #expect(CSVReader.estimatedLines(dir + "/pipe.csv") == 0, "a pipe, without waiting")
        // 40,000 lines of 20 to 180 bytes (3.9 MB): the estimate is near.
        var text = "sourcedId,givenName\n"
        for i in 0..<40_000 {
            text += "u\(i)," + String(repeating: "x", count: 20 + i % 160) + "\n"
        }
        let estimate = try lines(text)
        #expect(abs(estimate - 40_001) < 40_001 / 20, "\(estimate)")
        let crOnly = try lines(text.replacingOccurrences(of: "\n", with: "\r"))
        #expect(abs(crOnly - 40_001) < 40_001 / 20, "\(crOnly)")
    }

    /// Whether a bundle's users are kept in memory goes by how many there are, not by the
    /// bytes of the files: an export with every column of OneRoster stays in memory where one
    /// with more users does not.
    @Test func usersAreKeptInMemoryByTheirCountNotTheBytesOfTheFiles() throws {
        let dir = NSTemporaryDirectory() + "oneroster-fit-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func bundle(
            _ name: String, users: Int, width: Int, demographics: Bool = false,
            numbered: Bool = false
        ) throws -> String {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            var text = "role,sourcedId,givenName,familyName,metadata.note\n"
            for i in 0..<users {
                let id = numbered ? "S\(i)" : String(format: "%08x-0000-4000-8000-%012x", i, i)
                text += "student,\(id),Ann,Lee,\(String(repeating: "n", count: width))\n"
            }
            try text.write(toFile: path + "/users.csv", atomically: true, encoding: .utf8)
            if demographics {
                try "sourcedId,birthDate\n".write(
                    toFile: path + "/demographics.csv", atomically: true, encoding: .utf8)
            }
            return path
        }
        var options = ImportOptions()
        // 450,000 bytes: 4,326 users with UUIDs, 3,515 with births, 6,250 numbered.
        options.idMemoryBytes = 100_000
        let wide = try bundle("wide", users: 4_000, width: 1_000)  // 4 MB
        let many = try bundle("many", users: 6_000, width: 0)  // 400 KB
        let births = try bundle("births", users: 4_000, width: 0, demographics: true)
        let numbered = try bundle("numbered", users: 6_000, width: 0, numbered: true)
        #expect(OneRosterBundle.usersFitInMemory(wide, options))
        #expect(!OneRosterBundle.usersFitInMemory(many, options))
        #expect(!OneRosterBundle.usersFitInMemory(births, options))
        #expect(OneRosterBundle.usersFitInMemory(numbered, options), "numbered ids take less")
        #expect(OneRosterBundle.idsAreUUIDs(many + "/users.csv"))
        #expect(!OneRosterBundle.idsAreUUIDs(numbered + "/users.csv"))
        #expect(OneRosterBundle.idsAreUUIDs(dir + "/none.csv"), "not told: as UUIDs")
        options.idMemoryBytes = 0
        #expect(!OneRosterBundle.usersFitInMemory(wide, options), "0: every user on disk")
    }

    /// A pair keeps the line that named it in the bytes it has to spare: 12 bytes a pair, the
    /// line and its file back as given, 0 beyond the lines it can hold.
    @Test func aPairKeepsItsLineInTwelveBytes() {
        #expect(MemoryLayout<UserPair>.stride == 12)
        for (line, rel) in [(Int32(1), false), (4, true), (65_536, false), (8_388_607, true)] {
            let p = UserPair(guardian: 7, student: 9, line: line, role: 3, inRelationships: rel)
            #expect(p.line == line && p.inRelationships == rel && p.role == 3)
            #expect(p.guardian == 7 && p.student == 9)
        }
        #expect(UserPair(guardian: 1, student: 2, line: 8_388_608, role: 0).line == 0)
        #expect(UserPair(guardian: 1, student: 2, line: -5, role: 0).line == 0)
        #expect(UserPair(guardian: 1, student: 2, role: 0, inRelationships: true).line == 0)
    }

    /// Keys that come in order, or fall back no further than a few thousand places behind
    /// the furthest, go into an index near where the last went; keys at random places (UUIDs),
    /// or one in 32 far behind, do not; nor do none.
    @Test func keysAreNearWhenTheyFallBackLittleAndSeldom() {
        func near(_ places: [Int32]) -> Bool {
            var order = KeyOrder()
            for p in places { order.meet(p) }
            return order.isNear
        }
        let n: Int32 = 100_000
        #expect(near(Array(0..<n)))
        // A household's students named by each of its guardians: a step back of a few.
        #expect(near((0..<n).map { $0 / 4 * 2 + $0 % 2 }))
        #expect(near((0..<n).map { $0 % 64 == 0 ? max(0, $0 - KeyOrder.nearBehind) : $0 }))
        var rng = SystemRandomNumberGenerator()
        #expect(!near(Array(0..<n).shuffled(using: &rng)))
        #expect(!near((0..<n).map { $0 % 32 == 0 && $0 > 5000 ? $0 - 5000 : $0 }))
        #expect(!near([]))
    }

    /// Each line's user as the first reading numbered it, for the second: -1 for a line not
    /// noted, and for one so far past those noted that keeping it would take more than 16
    /// bytes a line given (a file of blank lines).
    @Test func eachLineKeepsItsUserWhileTheLinesAreDense() {
        var users = LineUsers()
        users.note(0, line: 2)
        users.note(1, line: 3)
        users.note(0, line: 5)
        #expect([1, 2, 3, 4, 5, 6].map { users[$0] } == [-1, 0, 1, -1, 0, -1])
        #expect(users[-1] == -1 && users[1_000_000] == -1)
        users.note(9, line: 4 * (3 + 1024))
        #expect(users[4 * (3 + 1024)] == -1, "too far past: left out")
        users.note(9, line: 4 * (3 + 1024) - 1)
        #expect(users[4 * (3 + 1024) - 1] == 9)
        users.note(Int(Int32.max) + 1, line: 7)
        #expect(users[7] == -1, "a number past Int32: left out")
        users.note(3, line: -4)
        #expect(users[-4] == -1)
    }

    /// The bundle of `f` imported into x with the users in memory and into y with them on
    /// disk, `row` told of each row reported: the links' counts by district.
    func importInMemoryAndOnDisk(
        _ f: Fixture, row: @escaping (_ district: String, RowOutcome) throws -> Void
    ) throws -> [String: EntityCounts] {
        var links: [String: EntityCounts] = [:]
        for (district, onDisk) in [("x", false), ("y", true)] {
            var options = ImportOptions()
            if onDisk { options.idMemoryBytes = 0 }
            var hooks = ImportHooks()
            hooks.row = { try row(district, $0) }
            let summary = try Roster.importBundle(
                f.session(district), dir: f.folder, format: .oneroster, options: options,
                hooks: hooks)
            links[district] = summary.entities.first { $0.name == "links" }?.counts
        }
        return links
    }

    /// A fixture with districts x and y, and a OneRoster bundle of `users` (its lines) alone.
    func twoDistricts(users: [String]) throws -> Fixture {
        let f = try Fixture()
        let s = f.session(nil)
        try s.transaction {
            for d in ["x", "y"] { _ = try Districts.create(s, id: d, name: d, settings: []) }
        }
        try (users.joined(separator: "\n") + "\n").write(
            toFile: f.folder + "/users.csv", atomically: true, encoding: .utf8)
        for name in ["guardians.csv", "students.csv", "relationships.csv"] {
            try FileManager.default.removeItem(atPath: f.folder + "/" + name)
        }
        return f
    }
}
