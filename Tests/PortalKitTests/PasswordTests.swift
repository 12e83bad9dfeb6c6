import Foundation
import Testing

@testable import PortalKit

@Suite struct PasswordTests {
    @Test func hashIsSelfDescribingAndVerifies() throws {
        let h = try PasswordHash.make("correct horse battery staple")
        #expect(h.hasPrefix("$scrypt$ln=17,r=8,p=1$"))
        #expect(try PasswordHash.verify("correct horse battery staple", against: h))
        #expect(try !PasswordHash.verify("correct horse battery stapler", against: h))
        // Older, cheaper parameters still verify.
        let salt = [UInt8](repeating: 7, count: 16)
        let old = try PasswordHash.derive("pw", salt: salt, logN: 14, r: 8, p: 1)
        #expect(
            try PasswordHash.verify(
                "pw", against: "$scrypt$ln=14,r=8,p=1$\(Crypto.hex(salt))$\(Crypto.hex(old))"))
        #expect(try !PasswordHash.verify("pw", against: "garbage"))
    }

    func district(min: Int = 15) -> District {
        District(
            id: "hps-423", name: "Hutchinson Public Schools", createdAt: "",
            settings: [(key: "password_min_length", value: String(min), isDefault: false)])
    }

    @Test(arguments: [
        ("short phrase", "too short"),
        (String(repeating: "x", count: 129), "too long"),
        ("maria.garcia and more words", "contains the username"),
        ("i love hutchinson public schools", "district's name"),
        ("my hps-423 password is long", "district's name"),
    ])
    func policyRefuses(password: String, expected: String) {
        do {
            try PasswordPolicy.check(password, username: "maria.garcia", district: district())
            Issue.record("accepted \(password)")
        } catch let e as PortalError {
            #expect(e.message.contains(expected) && e.code == .dataError && e.hint != nil)
        } catch { Issue.record("\(error)") }
    }

    @Test func commonPasswordsAreRefusedWhenShortOnesAreAllowed() throws {
        #expect(throws: PortalError.self) {
            try PasswordPolicy.check("password1", username: "x", district: district(min: 8))
        }
        #expect(throws: PortalError.self) {
            try PasswordPolicy.check("Baseball", username: "x", district: district(min: 8))
        }
        try PasswordPolicy.check(
            "correct horse battery staple", username: "maria", district: district())
        try PasswordPolicy.check("日本語のパスワードです、長い", username: "maria", district: district(min: 8))
    }

    @Test func temporaryPasswordsAreLongEnoughAndRandom() throws {
        let a = try PasswordPolicy.temporary(minimum: 15)
        let b = try PasswordPolicy.temporary(minimum: 15)
        #expect(a != b && a.filter { $0 != "-" }.count >= 20)
        #expect(try PasswordPolicy.temporary(minimum: 40).filter { $0 != "-" }.count >= 40)
    }
}
