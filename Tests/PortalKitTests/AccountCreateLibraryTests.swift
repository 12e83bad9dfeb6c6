import Foundation
import Testing

@testable import PortalKit

/// `Accounts.create` as a web portal would call it: the rows that cannot have an account get
/// no password, and each row's outcome names its reason.
@Suite struct AccountCreateLibraryTests {
    @Test func aRowWithoutAPasswordIsRefusedWithItsReason() throws {
        let f = try Fixture()
        let s = f.session()
        try f.sign("G2")
        let district = try Districts.get(f.db, "d")
        let targets = [
            Accounts.NewAccount(.guardian, "G2", username: "jose"),
            Accounts.NewAccount(.guardian, "G9", username: "nobody"),
        ]
        #expect(
            Accounts.creatable(s, targets: targets, pattern: nil, district: district)
                == [true, false])
        // G2 could have had an account but got no password (it changed in between): refused,
        // and said so; G9 is refused with the reason it could not.
        let outcome = try s.transaction {
            try Accounts.create(
                s, targets: targets, pattern: nil, secrets: [nil, nil], district: district)
        }
        #expect(outcome.created.isEmpty)
        #expect(outcome.refused.map(\.message).first?.contains("changed while") == true)
        #expect(outcome.refused.map(\.message).last?.contains("not found") == true)
        let made = try Accounts.temporaryPasswords(1, district: district)
        let second = try s.transaction {
            try Accounts.create(
                s, targets: [targets[0]], pattern: nil, secrets: made, district: district)
        }
        #expect(second.created.map(\.username) == ["jose"])
        #expect(try PasswordHash.verify(made[0].password, against: made[0].hash))
    }
}
