import Foundation
import Testing

/// scripts/install.sh and scripts/release.sh, run on the built binary (--binary spares the
/// static build the scripts otherwise make).
@Suite struct InstallTests {
    @Test func installPutsBinaryManPageAndCompletionsUnderThePrefix() throws {
        let dir = TempDir()
        let prefix = dir.file("prefix with space")
        let r = try runShell(
            "'\(repoRoot)/scripts/install.sh' --prefix '\(prefix)' --binary '\(binaryPath)'",
            db: dir.file("unused.db"))
        #expect(r.code == 0, "\(r.err)")
        for (path, mode) in [
            ("bin/portaladmin", 0o755), ("share/man/man1/portaladmin.1", 0o644),
            ("share/bash-completion/completions/portaladmin", 0o644),
            ("share/zsh/site-functions/_portaladmin", 0o644),
            ("share/fish/vendor_completions.d/portaladmin.fish", 0o644),
        ] {
            let attrs = try FileManager.default.attributesOfItem(atPath: prefix + "/" + path)
            #expect((attrs[.posixPermissions] as? Int) == mode, "\(path)")
        }
        let version = try runShell("'\(prefix)/bin/portaladmin' --version", db: dir.file("x.db"))
        #expect(version.code == 0 && version.out.hasPrefix("portaladmin "))
        let man = try runShell(
            "MANWIDTH=80 man -l -P cat '\(prefix)/share/man/man1/portaladmin.1'",
            db: dir.file("x.db"))
        #expect(
            man.code == 0 && man.out.contains("NAME") && man.out.contains("household show"),
            "\(man.err)")
        let bad = try runShell(
            "'\(repoRoot)/scripts/install.sh' --prefx /tmp/x", db: dir.file("x.db"))
        #expect(bad.code == 64 && bad.err.contains("error: unknown option '--prefx'"))
        #expect(bad.err.contains("hint: Usage: scripts/install.sh"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/x/bin/portaladmin"))
    }

    @Test func releaseMakesAnArchiveWithItsChecksum() throws {
        let dir = TempDir()
        let out = dir.file("dist")
        let r = try runShell(
            "'\(repoRoot)/scripts/release.sh' --out '\(out)' --binary '\(binaryPath)'",
            db: dir.file("unused.db"))
        #expect(r.code == 0, "\(r.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let archive = try #require(files.first { $0.hasSuffix(".tar.gz") })
        #expect(archive.hasPrefix("portaladmin-") && archive.contains("-linux-"))
        #expect(files.contains(archive + ".sha256"))
        let check = try runShell(
            "cd '\(out)' && sha256sum -c '\(archive).sha256'", db: dir.file("x.db"))
        #expect(check.code == 0 && check.out.contains(": OK"))
        let list = try runShell("tar tzf '\(out)/\(archive)'", db: dir.file("x.db"))
        let top = String(archive.dropLast(".tar.gz".count))
        for entry in [
            "bin/portaladmin", "share/man/man1/portaladmin.1", "completions/portaladmin.bash",
            "completions/_portaladmin", "completions/portaladmin.fish", "examples/start-of-year.sh",
            "examples/lakeview/guardians.csv", "licences/zxcvbn.txt", "licences/sqlite.txt",
            "README.md",
        ] {
            #expect(list.out.contains(top + "/" + entry + "\n"), "\(entry)")
        }
    }
}
