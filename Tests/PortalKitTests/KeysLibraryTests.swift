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
        guard case .valid(.guardian, let guardian, _, _) = answer else {
            Issue.record("valid expected, got \(answer)")
            return
        }
        #expect(guardian == "G2" && record?.last4 == issued.key.last4)
        // Another district does not know the key.
        #expect(
            try Keys.check(f.db, district: "e", text: issued.key.grouped, now: f.now).1 == nil)
        let later = f.now.addingTimeInterval(40 * 86400)
        let listed = try Keys.list(
            f.db, district: "d", status: nil, holder: (.guardian, "G2"), now: later, limit: 0)
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

    @Test func bulkIssueReportsEveryTargetAndGoesOn() throws {
        let f = try Fixture()
        try f.sign("G1", "G2")
        let s = f.session()
        let results = try CSVFileWriter(path: f.folder + "/results.csv")
        let letters = try CSVFileWriter(path: f.folder + "/letters.csv")
        let district = try Districts.get(f.db, "d")
        let targets = [
            Keys.Target(guardianID: "G1"),
            Keys.Target(guardianID: "G3", row: ["G3", "x"], line: 3),  // agreement unsigned
            Keys.Target(guardianID: "", row: ["", "y"], line: 4),
            Keys.Target(guardianID: "G2", row: ["G2", "z"], line: 5, problem: "name: bad UTF-8"),
            Keys.Target(guardianID: "G9", row: ["G9", "w"], line: 6),
        ]
        let outcome = try s.transaction {
            let o = try Keys.issue(
                s, targets: targets, district: district, skipIneligible: false, results: results)
            try Keys.writeLetters(letters, o.issued, district: district)
            return o
        }
        try results.finish()
        try letters.finish()
        #expect(outcome.issued.map(\.personID) == ["G1"])
        #expect(outcome.refused.map(\.line) == [3, 4, 5, 6])
        #expect(outcome.refused[1].message == "guardian_id: missing")
        #expect(outcome.refused[2].message == "name: bad UTF-8", "a damaged row is never acted on")
        let rows = try String(contentsOfFile: f.folder + "/results.csv", encoding: .utf8)
            .split(separator: "\r\n").map(String.init)
        #expect(rows.count == 5)
        #expect(rows[0].hasPrefix("G1,issued,\"key 1, expires "))
        #expect(rows[2] == ",y,rejected,guardian_id: missing")
        let letter = try String(contentsOfFile: f.folder + "/letters.csv", encoding: .utf8)
            .split(separator: "\r\n").map(String.init)
        #expect(
            letter.count == 2
                && letter[1].hasPrefix(
                    "G1,Kathryn Nunez,1287 Park Ave,,Lakeview,MN,55350,Ana Nunez,")
        )
        #expect(letter[1].contains(outcome.issued[0].key.grouped))
        // Skipping: the unsigned guardian is skipped, not refused.
        let again = try s.transaction {
            try Keys.issue(
                s, targets: [Keys.Target(guardianID: "G3")], district: district,
                skipIneligible: true, results: nil)
        }
        #expect(again.skipped == 1 && again.refused.isEmpty && again.issued.isEmpty)
    }
}
