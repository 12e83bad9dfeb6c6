import Foundation
import Testing

@testable import PortalKit

/// Keys through the library: issued only with the agreement signed, checked, listed by their
/// last 4 characters, revoked once.
@Suite struct KeysLibraryTests {
    @Test func issueCheckListAndRevoke() throws {
        let f = try Fixture()
        let s = f.session()
        #expect(throws: PortalError.self, "no key before the agreement is signed") {
            _ = try s.transaction { try Keys.issue(s, guardianID: "G2") }
        }
        try f.sign("G2")
        let issued = try s.transaction { try Keys.issue(s, guardianID: "G2") }
        #expect(issued.students.map(\.id).sorted() == ["S1", "S2"])
        let (answer, record) = try Keys.check(
            f.db, district: "d", text: issued.key.grouped.lowercased(), now: f.now)
        guard case .valid(let guardian, _, _) = answer else {
            Issue.record("valid expected, got \(answer)")
            return
        }
        #expect(guardian == "G2" && record?.last4 == issued.key.last4)
        // Another district does not know the key.
        #expect(
            try Keys.check(f.db, district: "e", text: issued.key.grouped, now: f.now).1 == nil)
        let later = f.now.addingTimeInterval(40 * 86400)
        let listed = try Keys.list(
            f.db, district: "d", status: nil, guardian: "G2", now: later, limit: 0)
        #expect(
            listed.map(\.status) == ["expired"], "an active key past its expiry lists as expired")
        let revoked = try s.transaction { try Keys.revoke(s, keyID: issued.keyID, reason: "lost") }
        #expect(revoked?.keyID == issued.keyID)
        #expect(
            try s.transaction { try Keys.revoke(s, keyID: issued.keyID, reason: "again") } == nil)
        guard
            case .revoked = try Keys.check(
                f.db, district: "d", text: issued.key.grouped, now: f.now
            ).0
        else {
            Issue.record("revoked expected")
            return
        }
    }

    @Test func aGuardianWithoutPortalAccessGetsNoKey() throws {
        let f = try Fixture()
        try f.sign("G4")
        let s = f.session()
        #expect(throws: PortalError.self) {
            _ = try s.transaction { try Keys.issue(s, guardianID: "G4") }
        }
        #expect(try Keys.guardians(ofStudent: "S1", f.db, district: "d").sorted() == ["G1", "G2"])
    }
}
