import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct ConfirmationTests {
    func context(tty: Bool, stdin: String, args: [String] = []) throws -> (Context, BufferSink) {
        let err = BufferSink()
        let io = IO(
            out: BufferSink(), err: err, input: StringSource(stdin), stdoutIsTTY: tty,
            stderrIsTTY: tty,
            stdinIsTTY: tty, env: [:], now: Date(), width: 80)
        guard case .run(let inv) = try Parser(table: .main).parse(["district", "list"] + args)
        else {
            throw PortalError(.internal, "parse")
        }
        return (Context(io: io, inv: inv), err)
    }

    @Test func withoutATerminalYesIsRequired() throws {
        let (c, _) = try context(tty: false, stdin: "y\n")
        #expect(throws: PortalError.self) { try c.confirm("Change 3 rows.") }
        do { try c.confirm("x") } catch let e as PortalError {
            #expect(e.code == .usage && e.hint?.contains("--yes") == true)
        }
        let (yes, _) = try context(tty: false, stdin: "", args: ["--yes"])
        try yes.confirm("Change 3 rows.")
    }

    @Test func onATerminalTheAnswerDecides() throws {
        let (c, err) = try context(tty: true, stdin: "y\n")
        try c.confirm("Change 3 rows.")
        #expect(err.text.contains("Change 3 rows. Proceed? [y/N]"))
        let (no, _) = try context(tty: true, stdin: "\n")
        do {
            try no.confirm("x")
            Issue.record("an empty answer must cancel")
        } catch let e as PortalError {
            #expect(e.code == .cancelled && e.code.exitCode == 2)
        }
        let (noInput, _) = try context(tty: true, stdin: "y\n", args: ["--no-input"])
        #expect(throws: PortalError.self) { try noInput.confirm("x") }
    }
}
