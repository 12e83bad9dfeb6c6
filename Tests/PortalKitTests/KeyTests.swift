import Foundation
import Testing

@testable import PortalKit

@Suite struct ActivationKeyTests {
    @Test func formatIs32CrockfordCharactersIn8Groups() throws {
        for _ in 0..<200 {
            let k = try ActivationKey.generate()
            #expect(k.canonical.count == 32)
            #expect(k.canonical.allSatisfy { ActivationKey.alphabet.contains($0) })
            #expect(!k.canonical.contains(where: { "ILOU".contains($0) }))
            #expect(k.grouped.split(separator: "-").count == 8 && k.grouped.count == 39)
            #expect(ActivationKey.parse(k.grouped) == .ok(k))
        }
    }

    @Test func keysDoNotRepeat() throws {
        var seen = Set<String>()
        for _ in 0..<2000 { seen.insert(try ActivationKey.generate().canonical) }
        #expect(seen.count == 2000)
    }

    @Test func inputIsForgiving() throws {
        let k = try ActivationKey.generate()
        let messy = " " + k.grouped.lowercased().replacingOccurrences(of: "-", with: " - ") + "\t"
        #expect(ActivationKey.parse(messy) == .ok(k))
        let confusable = String(
            k.canonical.map { $0 == "0" ? "O" : $0 == "1" ? (Bool.random() ? "I" : "l") : $0 })
        #expect(ActivationKey.parse(confusable) == .ok(k))
        if case .malformed = ActivationKey.parse(String(k.canonical.dropLast())) {
        } else {
            Issue.record("short key must be malformed")
        }
        if case .malformed(let why) = ActivationKey.parse("U" + k.canonical.dropFirst()) {
            #expect(why.contains("U"))
        } else {
            Issue.record("U is not in the alphabet")
        }
    }

    /// Every single wrong character and every swap of two different characters is caught.
    @Test func everySubstitutionAndSwapIsCaught() throws {
        for _ in 0..<40 {
            let k = try ActivationKey.generate()
            let chars = Array(k.canonical)
            for i in 0..<32 {
                for c in ActivationKey.alphabet where c != chars[i] {
                    var m = chars
                    m[i] = c
                    #expect(ActivationKey.parse(String(m)) == .mistyped, "substitution at \(i)")
                }
                for j in (i + 1)..<32 where chars[i] != chars[j] {
                    var m = chars
                    m.swapAt(i, j)
                    #expect(ActivationKey.parse(String(m)) == .mistyped, "swap \(i) and \(j)")
                }
            }
        }
    }

    @Test func onlyTheHashIsStored() throws {
        let k = try ActivationKey.generate()
        #expect(k.hash.count == 64 && !k.hash.contains(k.canonical.lowercased()))
        #expect(k.last4 == String(k.canonical.suffix(4)))
    }
}

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
