import Foundation
import Testing

/// The committed man page and completion scripts must be what the binary generates.
/// `RECORD_SNAPSHOTS=1 swift test` rewrites them.
@Suite struct GeneratedFilesTests {
    static let files: [(args: [String], path: String)] = [
        (["__man"], "man/portaladmin.1"),
        (["completions", "bash"], "Completions/portaladmin.bash"),
        (["completions", "zsh"], "Completions/_portaladmin"),
        (["completions", "fish"], "Completions/portaladmin.fish"),
    ]

    @Test(arguments: files.map(\.path))
    func committedCopyMatchesTheBinary(path: String) throws {
        let args = Self.files.first { $0.path == path }!.args
        let r = try runBinary(args)
        #expect(r.code == 0)
        let full = repoRoot + "/" + path
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try r.out.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: full, encoding: .utf8)
        #expect(committed == r.out, "\(path) is stale: run RECORD_SNAPSHOTS=1 swift test")
    }

    /// The page renders without a warning in groff (-ww: every warning) and, where it is
    /// installed, passes mandoc's lint; raw UTF-8 would warn.
    @Test func manPageRendersWithoutWarnings() throws {
        let page = repoRoot + "/man/portaladmin.1"
        let groff = try runShell("groff -mandoc -ww -z '\(page)'", db: "")
        #expect(groff.code == 0 && groff.err.isEmpty, "\(groff.err)")
        let ascii = try String(contentsOfFile: page, encoding: .utf8).unicodeScalars
        #expect(ascii.allSatisfy { $0.isASCII }, "the page is plain ASCII with escapes")
        let mandoc = try runShell(
            "command -v mandoc >/dev/null || exit 200; mandoc -Tlint -W warning '\(page)'", db: "")
        if mandoc.code == 200 {
            print("manPageRendersWithoutWarnings: mandoc is not installed; its lint was skipped")
        } else {
            #expect(mandoc.code == 0 && mandoc.out.isEmpty, "\(mandoc.out)\(mandoc.err)")
        }
    }

    @Test func bashCompletionWorksInBash() throws {
        let script = try runBinary(["completions", "bash"]).out
        let dir = TempDir()
        let file = dir.write("c.bash", script)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [
            "-c",
            "source '\(file)'; COMP_WORDS=(portaladmin distr); COMP_CWORD=1; _portaladmin; echo \"${COMPREPLY[*]}\"; COMP_WORDS=(portaladmin district s); COMP_CWORD=2; _portaladmin; echo \"${COMPREPLY[*]}\"; COMP_WORDS=(portaladmin district list -o j); COMP_CWORD=4; _portaladmin; echo \"${COMPREPLY[*]}\"",
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        _ = p.waitForStatus()
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first == "district")
        #expect(lines.count > 1 && lines[1] == "show set")
        #expect(lines.count > 2 && lines[2] == "json jsonl")
    }

    @Test func districtValuesComeFromTheBinary() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["alpha", "beta"])
        let r = try runBinary(["__complete", "district"], db: db)
        #expect(r.out == "alpha\nbeta\n")
        let none = try runBinary(["__complete", "district"], db: dir.file("missing.db"))
        #expect(none.code == 0 && none.out.isEmpty && none.err.isEmpty)
    }

    @Test func manPageDocumentsEveryCommandAndExitCode() throws {
        let man = try runBinary(["__man"]).out
        for name in visibleCommandPaths() {
            #expect(man.contains(".Ss \(name.joined(separator: " "))"))
        }
        #expect(man.contains(".It 77"))
        // The rules every command follows: asking, dry runs, repeats, who may create keys.
        for rule in [
            "needs\n.Fl -yes\nwithout one, whatever the count", "never asks, never needs",
            "exits 0", "Activation keys are created by registrars, whichever command",
            "Needs the helpdesk role or higher; --new-key needs the registrar role.",
        ] {
            #expect(man.contains(rule), "\(rule)")
        }
    }
}
