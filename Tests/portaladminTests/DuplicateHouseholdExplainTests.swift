import Foundation
import Testing

@testable import PortalKit

@Suite struct DuplicateHouseholdExplainTests {
    @Test func aChildFiledUnderADuplicateHouseholdIsNamed() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "h/guardians.csv",
            "guardian_id,given_name,family_name,street,postcode,household_id\nG1,Rosa,Diaz,5 Oak St,55350,H1\nG2,Tomas,Diaz,5 Oak  St.,55350,H2\n"
        )
        _ = dir.write(
            "h/students.csv", "student_id,given_name,family_name,household_id\nS1,Eva,Diaz,H2\n")
        _ = dir.write("h/relationships.csv", "guardian_id,student_id\nG2,S1\n")
        #expect(
            try runBinary(["roster", "import", dir.path + "/h", "--district", "d1"], db: db).code
                == 0)
        let e = try explain(db, "G1", "S1")
        #expect(e["decided_by"] as? String == "link")
        #expect(
            (e["fix"] as? String)?.contains("portaladmin household merge H1 H2") == true, "\(e)")
    }
}
