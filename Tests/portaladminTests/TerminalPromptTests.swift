import Foundation
import Testing

@testable import PortalKit

@Suite struct TerminalPromptTests {
    /// On a terminal the key and password are asked for, and the password is not echoed.
    @Test func activateAsksWithoutEchoOnATerminal() throws {
        try #require(Terminal.available, "util-linux script gives a terminal")
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        let password = "a quiet terminal password"
        // A parent types each answer once its prompt shows, as at a real terminal.
        let terminal = try Terminal(
            ["portal", "activate", "--username", "tty.parent", "--district", "d1"], db: db)
        try terminal.answer("Activation key:", key)
        try terminal.answer("New password:", password)
        try terminal.answer("Type it again:", password)
        let text = terminal.finish().text
        #expect(
            text.contains("Activation key:") && text.contains("New password:")
                && text.contains("Type it again:"), "\(text)")
        #expect(!text.contains(password), "the password is never echoed")
        #expect(text.contains("created the account tty.parent"), "\(text)")
    }
}
