import Foundation
import Testing

@testable import PortalKit

/// The import's results file: every row under its own file's columns, the results' own
/// columns told apart from input columns of the same name.
@Suite struct ImportResultsTests {
    @Test func rowsGoUnderTheirFilesColumns() throws {
        let f = try Fixture()
        let path = f.folder + "/results.csv"
        let results = try ImportResults(path: path)
        try results.header(["guardian_id", "Given_Name", "student_id", "Status"])
        var g = RowOutcome(
            file: "guardians.csv", line: 2, id: "G1", status: .created, message: "")
        g.columns = ["given_name", "guardian_id"]
        g.fields = ["Kathryn", "G1"]
        var st = RowOutcome(
            file: "students.csv", line: 5, id: "S1", status: .rejected, message: "grade: 14?")
        st.columns = ["student_id", "status"]
        st.fields = ["S1", "active"]
        let link = RowOutcome(
            file: "enrollments.csv", line: 0, id: "G1/S1", status: .unchanged, message: "")
        for o in [g, st, link] { try results.add(o) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing in place before finish")
        try results.finish()
        let rows = try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\r\n").map(String.init)
        #expect(
            rows == [
                "file,line,id,guardian_id,Given_Name,student_id,Status (in file),status,message",
                "guardians.csv,2,G1,G1,Kathryn,,,created,",
                "students.csv,5,S1,,,S1,active,rejected,grade: 14?",
                "enrollments.csv,,G1/S1,,,,,unchanged,",
            ])
    }
}
