import Testing

@testable import PortalKit

/// The weak-password rules of NIST SP 800-63B rev. 4 beyond the common list: each refusal
/// says why, and ordinary passphrases still pass.
@Suite struct PasswordPolicyTests {
    func district() -> District {
        District(id: "hps-423", name: "Hutchinson Public Schools", createdAt: "", settings: [])
    }

    @Test(arguments: [
        ("aaaaaaaaaaaaaaa", "same few characters"),
        ("               ", "same few characters"),
        ("123456789012345", "sequence"),
        ("qwertyuiopasdfgh", "sequence"),
        ("abcdefghijklmnop", "sequence"),
        ("zyxwvutsrqponmlk", "sequence"),
        ("2wsx3edc4rfv5tgb", "sequence"),
        ("passwordpassword", "over and over"),
        ("sunshine2024sunshine", "one common word"),
        ("password12345678", "one common word"),
        ("dragonmonkeydragon!!", "two common words"),
        ("abcxyzabcxyzabcxyz", "over and over"),
        ("mariagarcia2024!!", "built from names"),
        ("portalschool2024", "built from names"),
        ("GarciaMaria19851985", "built from names"),
    ])
    func refuses(password: String, why: String) {
        do {
            try PasswordPolicy.check(
                password, username: "mgarcia7", district: district(),
                names: ["Maria", "García"])
            Issue.record("accepted \(password)")
        } catch let e as PortalError {
            #expect(e.message.contains(why), "\(password): \(e.message)")
            #expect(e.code == .dataError && e.hint?.isEmpty == false)
        } catch { Issue.record("\(error)") }
    }

    @Test(arguments: [
        "correct horse battery staple",
        "purple elephants dance at noon",
        "maria likes green tea and long walks",
        "Tr0ub4dor&3 is not my password",
        "日本語のパスワードです、とても長い",
    ])
    func passesOrdinaryPassphrases(password: String) throws {
        try PasswordPolicy.check(
            password, username: "mgarcia7", district: district(), names: ["Maria", "García"])
    }
}
