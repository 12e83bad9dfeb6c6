import Foundation
import Testing

/// The README's quick start works as pasted: its lines run in bash, one after the other, from
/// the top of the repository, and every one succeeds.
@Suite struct ReadmeTests {
    static let buildLine = #"swift build -c release && export PATH="$PWD/.build/release:$PATH""#

    /// The first `sh` block after the heading.
    func block(after heading: String) throws -> [String] {
        let readme = try String(contentsOfFile: repoRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "\n" + heading + "\n"))
        let start = try #require(
            readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        return readme[start.upperBound..<end.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test func theQuickStartWorksAsPasted() throws {
        let lines = try block(after: "## Quick start")
        // The build line is the one line not run here: the tests run the binary already built.
        #expect(lines.filter { !$0.hasPrefix("#") }.first == Self.buildLine)
        let binDir = URL(fileURLWithPath: binaryPath).deletingLastPathComponent().path
        let script = lines.map {
            $0 == Self.buildLine ? "export PATH=\"\(binDir):$PATH\"" : $0
        }
        // Each line echoed before it runs, so a failure names the line.
        let traced = script.map { "printf '%s\\n' \(shellQuote("+ " + $0)) >&2\n\($0)" }
        let tmp = TempDir()
        // USER is left unset: the acting operator is then the login name, as `id -un` says.
        let r = try runProgram(
            "/bin/bash", ["-e", "-o", "pipefail", "-c", traced.joined(separator: "\n")],
            env: [
                "PATH": "/usr/bin:/bin", "HOME": tmp.path, "TMPDIR": tmp.path,
                "PORTALADMIN_NOW": "2026-11-25T12:00:00Z",
            ], in: repoRoot)
        #expect(r.code == 0, "\(r.err.suffix(2000))")
        let (o, e) = (r.out, r.err)
        // The story happened: the key checked, the reason named, the merge made.
        for said in [
            "answer:        valid", ": portaladmin guardian merge G-2002 G-2003",
            "merged G-2003 into G-2002 as merge 1", "audit chain intact",
        ] {
            #expect(o.contains(said) || e.contains(said), "\(said)")
        }
        // The scratch folder is the only place written: nothing was left in the repository.
        let status = try runGit(["status", "--porcelain", "--untracked-files=all", "examples"])
        #expect(status.isEmpty, "\(status)")
    }

    func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    func runGit(_ args: [String]) throws -> String {
        try runProgram("/usr/bin/git", ["-C", repoRoot] + args).out
    }
}
