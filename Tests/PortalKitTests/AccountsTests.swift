import Foundation
import Testing

@testable import PortalKit

/// Accounts through the library: a key makes an account, logins count failures and lock, the
/// help desk unlocks and resets, whois finds the parent once.
@Suite struct AccountsTests {
    @Test func activateLoginLockUnlockAndReset() throws {
        let f = try Fixture()
        try f.sign("G2")
        let s = f.session()
        let issued = try s.transaction { try Keys.issue(s, guardianID: "G2") }
        let password = "quiet harbour morning tea"
        let made = try Accounts.activate(
            s, keyText: issued.key.grouped, username: "Jose.Nunez", password: password)
        #expect(made.username == "jose.nunez" && made.holder == .guardian && made.personID == "G2")
        #expect(try Accounts.login(s, username: "jose.nunez", password: password) == .ok)
        let district = try Districts.get(f.db, "d")
        let threshold = Int(district.setting("lockout_threshold")) ?? 5
        for _ in 0..<threshold {
            _ = try Accounts.login(s, username: "jose.nunez", password: "wrong")
        }
        #expect(try Accounts.login(s, username: "jose.nunez", password: password) == .locked)
        #expect(
            try Accounts.account(f.db, district: "d", username: "jose.nunez").status == "locked")
        #expect(try s.transaction { try Accounts.unlock(s, username: "jose.nunez") })
        #expect(try !s.transaction { try Accounts.unlock(s, username: "jose.nunez") })
        #expect(try Accounts.login(s, username: "jose.nunez", password: password) == .ok)
        // A temporary password must be changed at the next login.
        guard
            case .temporary(let temp) = try Accounts.reset(
                s, username: "jose.nunez", mode: .temporary, reason: "forgot")
        else {
            Issue.record("a temporary password was expected")
            return
        }
        #expect(try Accounts.login(s, username: "jose.nunez", password: temp) == .mustChange)
        #expect(
            try Accounts.account(f.db, district: "d", username: "jose.nunez").status
                == "must-change")
    }

    @Test func aKeyMakesOneAccountAndAnUnknownUserIsNotFound() throws {
        let f = try Fixture()
        try f.sign("G1")
        let s = f.session()
        let issued = try s.transaction { try Keys.issue(s, guardianID: "G1") }
        _ = try Accounts.activate(
            s, keyText: issued.key.grouped, username: "kathryn",
            password: "slow river evening bread")
        #expect(throws: PortalError.self) {
            _ = try Accounts.activate(
                s, keyText: issued.key.grouped, username: "kathryn2",
                password: "slow river evening bread")
        }
        #expect(throws: PortalError.self) {
            _ = try Accounts.account(f.db, district: "d", username: "nobody")
        }
        let found = try Accounts.whois(
            f.db, district: "d", email: "KATHRYN@example.com", phone: nil, name: nil)
        #expect(found.map(\.personID) == ["G1", "G3"])
        #expect(found.first?.username == "kathryn" && found.last?.accountStatus == "no account")
    }
}
