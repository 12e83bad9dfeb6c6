import Foundation
import Testing

@testable import PortalKit

/// Merges through the library: the links move, the record is kept for undo, an undo restores
/// every row exactly (through the change log), and asking again is recognised.
@Suite struct MergeLibraryTests {
    /// Every row of the roster tables, for comparing before and after.
    func rows(_ db: Database) throws -> [String] {
        try ["guardians", "students", "links", "households", "accounts", "activation_keys"].flatMap
        {
            table in
            try db.query("SELECT * FROM \(table) ORDER BY 1, 2, 3").map {
                table + ":" + $0.values.map { "\($0)" }.joined(separator: "|")
            }
        }
    }

    @Test func aMergeMovesTheLinksAndUndoRestoresEveryRow() throws {
        let f = try Fixture()
        let s = f.session()
        let before = try rows(f.db)
        let r = try s.transaction {
            try Merges.guardians(s, a: "G1", b: "G3", prefer: [:], keepLogin: nil)
        }
        #expect(r.linksMoved == ["S2"] && r.kind == "guardian")
        #expect(r.conflicts.contains { $0.field == "given_name" && $0.kept == "a" })
        let kids = try People.links(f.db, district: "d", kind: .guardian, id: "G1").map(\.id)
        #expect(kids.sorted() == ["S1", "S2"])
        #expect(
            try People.person(f.db, district: "d", kind: .guardian, id: "G3").status == "merged")
        let record = try #require(try Merges.applied(s, kind: "guardian", a: "G1", b: "G3"))
        #expect(record.mergeID == r.mergeID && record.status == "applied")
        #expect(try Merges.list(f.db, district: "d").map(\.mergeID) == [r.mergeID])
        let (undone, did) = try s.transaction { try Merges.undo(s, id: r.mergeID) }
        #expect(did && undone.a == "G1" && undone.b == "G3")
        #expect(try rows(f.db) == before, "every row as it was")
        #expect(try !s.transaction { try Merges.undo(s, id: r.mergeID) }.undone)
        #expect(try Merges.applied(s, kind: "guardian", a: "G1", b: "G3") == nil)
        #expect(try Merges.get(f.db, district: "d", id: r.mergeID).undoneAt != nil)
    }

    @Test func refusals() throws {
        let f = try Fixture()
        let s = f.session()
        #expect(throws: PortalError.self) {
            _ = try Merges.guardians(s, a: "G1", b: "G1", prefer: [:], keepLogin: nil)
        }
        #expect(throws: PortalError.self) {
            _ = try Merges.guardians(s, a: "G1", b: "e:G3", prefer: [:], keepLogin: nil)
        }
        #expect(throws: PortalError.self) { _ = try Merges.get(f.db, district: "d", id: 99) }
    }
}
