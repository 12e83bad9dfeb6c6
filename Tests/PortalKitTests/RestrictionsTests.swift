import Foundation
import Testing

@testable import PortalKit

/// Restrictions through the library: one in force per order, its end date included, removed
/// once; a repeat is recognised rather than added twice.
@Suite struct RestrictionsTests {
    @Test func addActiveOnItsDaysAndRemove() throws {
        let f = try Fixture()
        let s = f.session()
        let (id, created) = try s.transaction {
            try Restrictions.add(
                s, guardian: "G2", student: nil, reason: "protective order", document: "23-1",
                until: date("2026-12-31"))
        }
        #expect(created)
        let again = try s.transaction {
            try Restrictions.add(
                s, guardian: "G2", student: nil, reason: "same order", document: "23-1",
                until: date("2026-12-31"))
        }
        #expect(again.id == id && !again.created)
        for (day, inForce) in [("2026-12-31", true), ("2027-01-01", false)] {
            let r = try Restrictions.active(
                f.db, district: "d", guardian: "G2", student: "S1", on: date(day))
            #expect((r != nil) == inForce, "\(day)")
        }
        let listed = try Restrictions.list(
            f.db, district: "d", guardian: "G2", student: nil, includeRemoved: false)
        #expect(listed.map(\.restrictionID) == [id] && listed.first?.studentID == nil)
        #expect(try s.transaction { try Restrictions.remove(s, id: id, reason: "lifted") }.removed)
        #expect(try !s.transaction { try Restrictions.remove(s, id: id, reason: "again") }.removed)
        #expect(
            try Restrictions.list(
                f.db, district: "d", guardian: "G2", student: nil, includeRemoved: false
            )
            .isEmpty)
        #expect(throws: PortalError.self) {
            _ = try Restrictions.add(
                s, guardian: "G9", student: nil, reason: "x", document: nil, until: nil)
        }
        // An end before today (the fixture's 2026-11-25) would never apply: refused, nothing
        // written; today itself is the order's last day.
        let before = try f.db.count("SELECT count(*) FROM restrictions", [])
        let past = #expect(throws: PortalError.self) {
            _ = try s.transaction {
                try Restrictions.add(
                    s, guardian: "G2", student: "S1", reason: "order", document: nil,
                    until: date("2025-11-25"))
            }
        }
        #expect(past?.code == .usage && past?.message.contains("before today (2026-11-25)") == true)
        #expect(try f.db.count("SELECT count(*) FROM restrictions", []) == before)
        #expect(
            try s.transaction {
                try Restrictions.add(
                    s, guardian: "G2", student: "S1", reason: "order", document: nil,
                    until: date("2026-11-25"))
            }.created)
    }
}
