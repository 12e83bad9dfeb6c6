import Foundation
import Testing

@testable import PortalKit

/// `Access.explain` called as a web portal would: every rule, the one that decided, the fix.
@Suite struct AccessTests {
    @Test func explainNamesTheDecidingRuleAndTheDuplicateHoldingAChild() throws {
        let f = try Fixture()
        let district = try Districts.get(f.db, "d")
        let a = try Access.explain(
            f.db, district: district, guardianID: "G1", studentID: nil, now: f.now, asOf: nil)
        #expect(a.name == "Kathryn Nunez" && a.asOf == "2026-11-25")
        // No account and no agreement: the agreement decides, since no key is issued before it.
        let ana = try #require(a.students.first { $0.studentID == "S1" })
        #expect(!ana.visible && ana.decidedBy == "acceptable-use agreement")
        #expect(ana.action == .signAgreement(guardian: "G1"))
        // Once it is signed, the missing account decides, and a key is the fix.
        try f.sign("G1")
        let signed = try Access.explain(
            f.db, district: district, guardianID: "G1", studentID: "S1", now: f.now, asOf: nil)
        #expect(signed.students.first?.decidedBy == "portal account")
        #expect(signed.students.first?.action == .issueKey(guardian: "G1"))
        // Luis is linked to her other record (G3): the answer says so, and how to fix it.
        let luis = try #require(a.students.first { $0.studentID == "S2" })
        #expect(!luis.visible && luis.decidedBy == "link")
        #expect(luis.action == .mergeGuardians("G1", "G3"), "\(luis.fix ?? "")")
    }

    @Test func aLinkWithoutPortalAccessAndARestrictionDecide() throws {
        let f = try Fixture()
        let district = try Districts.get(f.db, "d")
        let grandmother = try Access.explain(
            f.db, district: district, guardianID: "G4", studentID: "S1", now: f.now, asOf: nil)
        #expect(grandmother.students.first?.decidedBy == "portal access")
        let s = f.session()
        _ = try s.transaction {
            try Restrictions.add(
                s, guardian: "G2", student: "S2", reason: "protective order", document: nil,
                until: nil)
        }
        let father = try Access.explain(
            f.db, district: district, guardianID: "G2", studentID: "S2", now: f.now, asOf: nil)
        let check = try #require(father.students.first?.checks.first { $0.rule == "restriction" })
        #expect(!check.ok && check.detail.contains("protective order"))
        #expect(father.students.first?.decidedBy == "restriction", "a restriction wins over all")
    }

    @Test func anUnknownGuardianIsNotFound() throws {
        let f = try Fixture()
        let district = try Districts.get(f.db, "d")
        #expect(throws: PortalError.self) {
            _ = try Access.explain(
                f.db, district: district, guardianID: "G9", studentID: nil, now: f.now, asOf: nil)
        }
    }
}
