import Foundation
import Testing

@testable import PortalKit

/// The generator: the same seed writes the same files, its truth names real duplicates, and
/// what it writes imports cleanly.
@Suite struct SampleGeneratorTests {
    @Test func sameSeedSameFilesAndTheyImport() throws {
        let base = NSTemporaryDirectory() + "portalkit-sample-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let one = try SampleGenerator.generate(students: 300, seed: 7, year: 2027, to: base + "/a")
        _ = try SampleGenerator.generate(students: 300, seed: 7, year: 2027, to: base + "/b")
        for file in ["guardians.csv", "students.csv", "relationships.csv", "truth.csv"] {
            #expect(
                FileManager.default.contents(atPath: base + "/a/" + file)
                    == FileManager.default.contents(atPath: base + "/b/" + file), "\(file)")
        }
        #expect(one.students == 300 && one.guardians > 0 && one.duplicateGuardians > 0)
        let f = try Fixture()
        let s = f.session(nil)
        _ = try s.transaction { try Districts.create(s, id: "g", name: "G", settings: []) }
        let summary = try Roster.importBundle(
            f.session("g"), dir: base + "/a", format: .csv, options: ImportOptions())
        #expect(summary.total.rejected == 0)
        #expect(
            try People.count(f.db, district: "g", kind: .student, status: nil) == one.students)
    }
}
