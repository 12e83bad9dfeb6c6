import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct PasswordHardeningTests {
    @Test func weakPasswordsAreRefusedWithAReason() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        for (pw, why) in [
            ("aaaaaaaaaaaaaaa", "same few characters"), ("123456789012345", "sequence"),
            ("passwordpassword", "over and over"), ("qwertyuiopasdfgh", "sequence"),
            ("abcdefghijklmnop", "sequence"), ("               ", "same few characters"),
            ("jose nunez 2024 2024", "built from names"),
        ] {
            let r = try activate(db, key: key, username: "parent7", password: pw)
            #expect(r.code == 65, "\(pw): \(r.err)")
            #expect(r.err.contains(why) && r.err.contains("hint:"), "\(pw): \(r.err)")
        }
        #expect(
            try activate(db, key: key, username: "jose", password: "purple elephants dance at noon")
                .code == 0)
    }
}
