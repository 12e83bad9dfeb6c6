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

    /// The users of a bundle are counted from the lines of users.csv: exactly in a small file,
    /// within a few in a hundred in a large one (read in eight pieces).
    @Test func usersAreCountedFromTheLinesOfUsersCsv() throws {
        let dir = NSTemporaryDirectory() + "oneroster-lines-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func lines(_ text: String) throws -> Int {
            try text.write(toFile: dir + "/f.csv", atomically: true, encoding: .utf8)
            return OneRosterBundle.estimatedLines(dir + "/f.csv")
        }
        #expect(try lines("") == 0)
        #expect(try lines("sourcedId\n") == 1)
        #expect(try lines("sourcedId\nu1\nu2") == 3, "a last line without its newline counts")
        #expect(try lines("sourcedId\r\nu1\r\nu2\r\n") == 3)
        #expect(try lines("sourcedId\ru1\ru2") == 3, "old Mac line ends")
        #expect(OneRosterBundle.estimatedLines(dir + "/none.csv") == 0)
        #expect(OneRosterBundle.estimatedLines(dir) == 0, "a folder")
        #expect(mkfifo(dir + "/pipe.csv", 0o600) == 0)
        #expect(OneRosterBundle.estimatedLines(dir + "/pipe.csv") == 0, "a pipe, without waiting")
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
        // 450,000 bytes: 4,687 users with UUIDs, 3,750 with births, 6,250 numbered.
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
}
