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

@Suite struct OutputTests {
    @Test func alignedTableOnATerminal() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let r = runInProcess(["district", "list"], db: db, tty: true)
        #expect(r.out.hasPrefix("DISTRICT ID  NAME"), "\(r.out)")
    }

    @Test func wideCharactersAndCutting() {
        #expect(Render.displayWidth("日本") == 4)
        #expect(Render.displayWidth("José") == 4)
        #expect(Render.cut("abcdefghij", 5) == "abcd…")
        var t = Table(["name", "note"])
        t.add([.string("Zoë"), .string(String(repeating: "x", count: 200))])
        let s = Render.table(t, format: .text, tty: true, width: 40)
        #expect(s.split(separator: "\n").allSatisfy { Render.displayWidth(String($0)) <= 40 })
        let piped = Render.table(t, format: .text, tty: false, width: 40)
        #expect(piped.contains(String(repeating: "x", count: 200)), "piped output is never cut")
    }

    @Test func csvQuotingAndTSVCleaning() {
        var t = Table(["a", "b"])
        t.add([.string("x, \"y\""), .string("line1\nline2")])
        #expect(
            Render.table(t, format: .csv, tty: false, width: 0)
                == "a,b\r\n\"x, \"\"y\"\"\",\"line1\nline2\"\r\n")
        #expect(
            Render.table(t, format: .tsv, tty: false, width: 0) == "a\tb\nx, \"y\"\tline1 line2\n")
    }
}

@Suite struct InterruptTests {
    /// An interrupted connection rolls its transaction back; other connections (other tests
    /// running at the same time) are not touched: nothing process-wide is set.
    @Test func interruptRollsBackTheTransaction() throws {
        let dir = TempDir()
        let db = try Database(path: dir.file("i.db"))
        try Migrator.migrate(db)
        let other = try Database(path: dir.file("other.db"))
        try Migrator.migrate(other)
        #expect(throws: PortalError.self) {
            try db.write {
                try db.run("INSERT INTO districts VALUES ('x', 'X', 'now')")
                db.interrupt()
            }
        }
        #expect(try db.count("SELECT count(*) FROM districts") == 0)
        try other.write { try other.run("INSERT INTO districts VALUES ('y', 'Y', 'now')") }
        #expect(try other.count("SELECT count(*) FROM districts") == 1)
        #expect(!Interrupts.isInterrupted)
    }

    /// A dry run inside another transaction would join it and commit: it is refused.
    @Test func aNestedRollbackIsAnError() throws {
        let dir = TempDir()
        let db = try Database(path: dir.file("n.db"))
        try Migrator.migrate(db)
        #expect(throws: PortalError.self) {
            try db.write {
                try db.write(rollback: true) {
                    try db.run("INSERT INTO districts VALUES ('x', 'X', 'now')")
                }
            }
        }
        #expect(try db.count("SELECT count(*) FROM districts") == 0)
    }
}

@Suite struct ExitCodeMappingTests {
    @Test func sqliteResultClassesMapToExitCodes() {
        #expect(
            SQLiteError(resultCode: 13, message: "database or disk is full", sql: nil).portalError
                .code.exitCode == 74)
        #expect(
            SQLiteError(resultCode: 5, message: "database is locked", sql: nil).portalError.code
                .exitCode == 75)
        #expect(
            SQLiteError(resultCode: 517, message: "busy snapshot", sql: nil).portalError.code
                .exitCode == 75, "extended codes match by class")
        #expect(
            SQLiteError(resultCode: 2067, message: "UNIQUE constraint failed", sql: nil).portalError
                .code.exitCode == 5)
        #expect(
            SQLiteError(resultCode: 26, message: "file is not a database", sql: nil).portalError
                .code.exitCode == 65)
        let full = SQLiteError(resultCode: 13, message: "database or disk is full", sql: nil)
            .portalError
        #expect(full.hint?.contains("free some space") == true)
    }

    @Test func anythingUnexpectedIsAnInternalErrorWithAHint() {
        struct Surprise: Error {}
        let e = CLI.portalError(Surprise())
        #expect(e.code.exitCode == 70 && e.hint?.contains("-v") == true)
    }

    @Test func everyExitCodeIsDistinctAndDocumented() {
        let codes = ErrorCode.allCases.map(\.exitCode)
        #expect(Set(codes).count == codes.count)
        #expect(ErrorCode.allCases.allSatisfy { !$0.meaning.isEmpty })
    }
}
