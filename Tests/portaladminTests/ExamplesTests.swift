import Foundation
import Testing

/// The scripts in examples/ run as a registrar would run them: as is, with the built binary on
/// the PATH, each against its own throw-away database (which it removes when done).
@Suite struct ExamplesTests {
    static let scripts: [(name: String, says: [String])] = [
        (
            "start-of-year.sh",
            [
                "dry run: imported:", "recorded 7 signed agreements", "issued 6 keys; letters in",
                "letters: 6 in",
            ]
        ),
        (
            "help-desk.sh",
            [
                "fix: merge the two records of this guardian: portaladmin guardian merge G-2002 G-2003",
                "valid: the key belongs to Kathryn",
                "unlocked jose.nunez", "logged in as jose.nunez",
                "this login is disabled until the parent activates the new key",
            ]
        ),
        (
            "duplicates.sh",
            [
                "G-2002\tG-2003\t", "dry run: merged G-2003 into G-2002",
                "merged G-2003 into G-2002 as merge 1", "undid merge 1",
            ]
        ),
        (
            "student-accounts.sh",
            [
                "issued 3 keys; letters in", "student letters: 3 in",
                "created the account pa.vang; the student can log in now, to their own record",
                "features off for students: discipline (district, for students: discipline notes are for parents)",
                "features off for guardians: none",
                "created the account luis.nunez with a temporary password",
                "temporary password: (in the letters)",
                "note: disabled 1 student account: the student is no longer enrolled",
                "error: the account pa.vang is disabled",
                "note: enabled 1 student account again: the student is enrolled again",
                "logged in as pa.vang",
            ]
        ),
        (
            "end-of-year.sh",
            [
                "1 student due", "ended 3 guardian links at age 18",
                "disabled grades district-wide from 2027-06-15 until 2027-08-20",
            ]
        ),
    ]

    @Test(arguments: scripts.map(\.name))
    func scriptRunsAsIs(_ name: String) throws {
        let says = try #require(Self.scripts.first { $0.name == name }?.says)
        let tmp = TempDir()
        let binDir = URL(fileURLWithPath: binaryPath).deletingLastPathComponent().path
        let r = try runProgram(
            repoRoot + "/examples/" + name,
            env: [
                "PATH": binDir + ":/usr/bin:/bin", "HOME": tmp.path, "TMPDIR": tmp.path,
                "PORTALADMIN_NOW": "2026-11-25T12:00:00Z",
            ])
        let (o, e) = (r.out, r.err)
        #expect(r.code == 0, "\(name)\n\(e)")
        for line in says {
            #expect((o + e).contains(line), "\(name): '\(line)' in\n\(o)\n\(e)")
        }
        if name == "start-of-year.sh" || name == "duplicates.sh" {
            #expect(!e.contains("error:"), "\(name)\n\(e)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(left.isEmpty, "\(name) leaves its throw-away database behind: \(left)")
    }
}
