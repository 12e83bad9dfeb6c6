import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

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
        #expect(e.code.exitCode == 70 && e.hint == "report what you ran" && e.cause != nil)
    }

    @Test func everyExitCodeIsDistinctAndDocumented() {
        let codes = ErrorCode.allCases.map(\.exitCode)
        #expect(Set(codes).count == codes.count)
        #expect(ErrorCode.allCases.allSatisfy { !$0.meaning.isEmpty })
    }
}
