import Foundation
import Testing

@testable import PortalKit

/// A district of its own in a temporary SQLite file, for PortalKit's own tests: two parents and
/// their two children at one address, a second record of the mother (Kathy, one child on it), and
/// a grandmother without portal access. Removed when the fixture goes.
final class Fixture {
    let path: String
    let db: Database
    let now = Date(timeIntervalSince1970: 1_795_608_000)  // 2026-11-25T12:00:00Z
    let folder: String

    init(district: String = "d") throws {
        path = NSTemporaryDirectory() + "portalkit-" + UUID().uuidString + ".db"
        folder = NSTemporaryDirectory() + "portalkit-roster-" + UUID().uuidString
        db = try Database.open(path: path, create: true)
        let s = session(nil)
        try s.transaction {
            _ = try Districts.create(s, id: district, name: "Test District", settings: [])
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = [
            "guardians.csv": """
            guardian_id,given_name,family_name,email,phone,street,city,state,postcode,birth_date
            G1,Kathryn,Nunez,kathryn@example.com,3205550143,1287 Park Ave,Lakeview,MN,55350,1986-07-02
            G2,Jose,Nunez,jose@example.com,3205550142,1287 Park Ave,Lakeview,MN,55350,1984-03-11
            G3,Kathy,Nunez,kathryn@example.com,3205550143,1287 Park Avenue,Lakeview,MN,55350,1986-07-02
            G4,Rosa,Nunez,,,9 Elm St,Lakeview,MN,55350,1950-01-01

            """,
            "students.csv": """
            student_id,given_name,family_name,birth_date
            S1,Ana,Nunez,2015-05-02
            S2,Luis,Nunez,2013-10-19

            """,
            "relationships.csv": """
            guardian_id,student_id,relationship,portal_access
            G1,S1,mother,yes
            G2,S1,father,yes
            G2,S2,father,yes
            G3,S2,mother,yes
            G4,S1,grandmother,no

            """,
        ]
        for (name, text) in files {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        let d = session(district)
        _ = try Roster.importBundle(d, dir: folder, format: .csv, options: ImportOptions())
    }

    deinit {
        removeDatabase(path)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A session of operator "t" on `district` at the fixture's time (or `now`).
    func session(_ district: String? = "d", now: Date? = nil) -> Session {
        Session(
            db: db, operatorName: "t", command: "test", now: now ?? self.now, districtID: district)
    }

    /// Records the signed agreement of `guardians` (keys need it).
    func sign(_ guardians: String...) throws {
        let s = session()
        for g in guardians {
            try s.transaction {
                _ = try AUP.sign(s, guardianID: g, on: date("2026-09-01"), version: nil)
            }
        }
    }
}
