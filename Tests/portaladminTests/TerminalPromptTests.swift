import Foundation
import Testing

@testable import PortalKit

@Suite struct TerminalPromptTests {
    /// On a terminal the key and password are asked for, and the password is not echoed.
    @Test func activateAsksWithoutEchoOnATerminal() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
            "util-linux script gives a terminal")
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        let password = "a quiet terminal password"
        // A parent types each answer once its prompt shows, as at a real terminal.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = [
            "-qc", "'\(binaryPath)' portal activate --username tty.parent --district d1",
            "/dev/null",
        ]
        p.environment = [
            "PORTALADMIN_DB": db, "PORTALADMIN_OPERATOR": "tester", "PATH": "/usr/bin:/bin",
            "TERM": "dumb",
        ]
        let typed = Pipe()
        let out = Pipe()
        p.standardInput = typed
        p.standardOutput = out
        p.standardError = out
        let screen = Screen()
        out.fileHandleForReading.readabilityHandler = { screen.add($0.availableData) }
        try p.run()
        func answer(_ prompt: String, _ reply: String, after count: Int) throws {
            let deadline = Date().addingTimeInterval(20)
            while screen.text.components(separatedBy: prompt).count - 1 < count {
                try #require(Date() < deadline, "no prompt \(prompt): \(screen.text)")
                Thread.sleep(forTimeInterval: 0.02)
            }
            typed.fileHandleForWriting.write(Data((reply + "\n").utf8))
        }
        try answer("Activation key:", key, after: 1)
        try answer("New password:", password, after: 1)
        try answer("Type it again:", password, after: 1)
        p.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        let text =
            screen.text
            + String(
                decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(
            text.contains("Activation key:") && text.contains("New password:")
                && text.contains("Type it again:"), "\(text)")
        #expect(!text.contains(password), "the password is never echoed")
        #expect(text.contains("created the account tty.parent"), "\(text)")
    }
}
