import Foundation
import Testing

@testable import PortalKit

/// The generator: the same seed writes the same files, its truth names real duplicates, and
/// what it writes imports cleanly.
@Suite struct SampleGeneratorTests {
    func scratchFolder() throws -> String {
        let base = NSTemporaryDirectory() + "portalkit-sample-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        return base
    }

    /// The bundle in `dir` imported into a new district `g`, with no row rejected.
    func imported(_ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> Fixture
    {
        let f = try Fixture()
        let s = f.session(nil)
        _ = try s.transaction { try Districts.create(s, id: "g", name: "G", settings: []) }
        let summary = try Roster.importBundle(
            f.session("g"), dir: dir, format: .csv, options: ImportOptions())
        #expect(summary.total.rejected == 0, sourceLocation: sourceLocation)
        // Every value is one the import takes (an e-mail from a name in another script once
        // began with a dot).
        #expect(summary.total.warnings == 0, sourceLocation: sourceLocation)
        return f
    }

    @Test func sameSeedSameFilesAndTheyImport() throws {
        let base = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let one = try SampleGenerator.generate(students: 300, seed: 7, year: 2027, to: base + "/a")
        _ = try SampleGenerator.generate(students: 300, seed: 7, year: 2027, to: base + "/b")
        for file in ["guardians.csv", "students.csv", "relationships.csv", "truth.csv"] {
            #expect(
                FileManager.default.contents(atPath: base + "/a/" + file)
                    == FileManager.default.contents(atPath: base + "/b/" + file), "\(file)")
        }
        #expect(one.students == 300 && one.guardians > 0 && one.duplicateGuardians > 0)
        let f = try imported(base + "/a")
        #expect(
            try People.count(f.db, district: "g", kind: .student, status: nil) == one.students)
    }

    @Test func uuidsStandForTheNumberedIdsOneForOne() throws {
        let seed: UInt64 = 7
        // The three prefixes' numbers overlap (S1600001 and G1600001 at a million students).
        let ids = (0..<20_000).flatMap { i in
            ["G\(1_000_000 + i)", "S\(1_590_000 + i)", "HH\(100_000 + i)", "G\(1_590_000 + i)"]
        }
        let spelled = ids.map { SampleGenerator.uuid(for: $0, seed: seed) }
        #expect(Set(spelled).count == Set(ids).count, "no two ids meet")
        let shape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
        #expect(spelled.allSatisfy { $0.wholeMatch(of: shape) != nil })
        #expect(SampleGenerator.uuid(for: "G1000000", seed: seed) == spelled[0], "the same seed")
        #expect(SampleGenerator.uuid(for: "G1000000", seed: 8) != spelled[0])
        for other in ["SCH100", "guardian_id", "", "X12", "G", "G12a"] {
            #expect(SampleGenerator.uuid(for: other, seed: seed) == other)
        }
    }

    @Test func aBundleWithUUIDsIsTheSameBundleAndImports() throws {
        let base = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let one = try SampleGenerator.generate(students: 200, seed: 5, year: 2027, to: base + "/n")
        _ = try SampleGenerator.generate(
            students: 200, seed: 5, year: 2027, to: base + "/u", uuids: true)
        let idColumns = [
            "guardians.csv": [0, 11], "students.csv": [0, 8], "relationships.csv": [0, 1],
            "truth.csv": [1, 2],
        ]
        for (file, columns) in idColumns {
            func rows(_ dir: String) throws -> [[String]] {
                try String(contentsOfFile: base + "/\(dir)/" + file, encoding: .utf8)
                    .split(separator: "\n").map {
                        $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    }
            }
            let numbered = try rows("n")
            let spelled = try rows("u")
            #expect(numbered.count == spelled.count, "\(file)")
            for (a, b) in zip(numbered, spelled).dropFirst() {
                let expected = a.enumerated().map { i, v in
                    columns.contains(i) ? SampleGenerator.uuid(for: v, seed: 5) : v
                }
                #expect(b == expected, "\(file): \(a)")
            }
        }
        let f = try imported(base + "/u")
        #expect(
            try People.count(f.db, district: "g", kind: .guardian, status: nil) == one.guardians)
    }
}
