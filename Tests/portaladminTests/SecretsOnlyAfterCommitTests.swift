import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

/// A district of `n` guardians who may all be given a key, the database checkpointed so that
/// the next write grows the files.
func oneChildFamilies(_ dir: TempDir, _ n: Int) throws -> String {
    let db = try makeDistricts(dir)
    var g = "guardian_id,given_name,family_name,street,city,state,postcode\n"
    var s = "student_id,given_name,family_name\n"
    var l = "guardian_id,student_id\n"
    for i in 0..<n {
        g += "G\(i),Given\(i),Family\(i),\(i) Main St,Hutchinson,MN,55350\n"
        s += "S\(i),Kid\(i),Family\(i)\n"
        l += "G\(i),S\(i)\n"
    }
    _ = dir.write("big/guardians.csv", g)
    _ = dir.write("big/students.csv", s)
    _ = dir.write("big/relationships.csv", l)
    #expect(
        try runBinary(["roster", "import", dir.file("big"), "--district", "d1"], db: db).code
            == 0)
    #expect(
        try runBinary(["district", "set", "aup_required=false", "--district", "d1"], db: db)
            .code == 0)
    return db
}

@Suite struct SecretsOnlyAfterCommitTests {
    /// The commit fails (the files may not grow: as on a full disk): exit 74 with a message,
    /// no letters file, no key on standard output, nothing stored.
    @Test(Backend.sqliteFileOnly) func aFailedCommitLeavesNoLettersAndShowsNoKey() throws {
        let dir = TempDir()
        let db = try oneChildFamilies(dir, 1500)
        let before = try dump(db)
        _ = try runShell("sqlite3 \(db) 'PRAGMA wal_checkpoint(TRUNCATE)'", db: db)
        // The write-ahead log may not grow past 64 KB (the 1,500 keys and their audit rows take
        // several times that); the database file is larger already and is not written until
        // a commit is checkpointed.
        let r = try runLimited(
            "ulimit -f 64",
            [
                "key", "issue", "--all-without-account", "--yes", "--letters",
                dir.file("letters.csv"), "--district", "d1",
            ], db: db)
        #expect(r.code == 74, "\(r.code) \(r.err)")
        #expect(r.err.contains("error:") && r.err.contains("hint:"))
        #expect(r.err.contains("size limit") || r.err.contains("disk is full"), "\(r.err)")
        #expect(r.out.isEmpty, "no key shown")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!left.contains { $0.hasPrefix("letters.csv") }, "\(left)")
        #expect(try dump(db) == before)
    }

    /// The same for accounts the school creates: a full disk shows no temporary password,
    /// leaves no letters and stores nothing.
    @Test(Backend.sqliteFileOnly) func aFailedCommitShowsNoTemporaryPassword() throws {
        let dir = TempDir()
        let db = try oneChildFamilies(dir, 4)
        _ = try runShell("sqlite3 \(db) 'PRAGMA wal_checkpoint(TRUNCATE)'", db: db)
        let before = try dump(db)
        let r = try runLimited(
            "ulimit -f 1",
            [
                "account", "create", "--all-without-account", "--username-pattern",
                "{given}.{family}", "--yes", "--letters", dir.file("accounts.csv"), "--district",
                "d1",
            ], db: db)
        #expect(r.code == 74, "\(r.code) \(r.err)")
        #expect(r.err.contains("error:") && r.err.contains("hint:"))
        #expect(r.out.isEmpty, "no password shown")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!left.contains { $0.hasPrefix("accounts.csv") }, "\(left)")
        #expect(try dump(db) == before)
    }

    /// A letters file is never replaced without --yes (it may be the only copy of keys
    /// already mailed), and a dry run writes no file at all.
    @Test func lettersAreNeverReplacedSilentlyAndADryRunWritesNone() throws {
        let dir = TempDir()
        let db = try oneChildFamilies(dir, 3)
        let letters = dir.write("letters.csv", "the only copy\n")
        let refused = try runBinary(
            ["key", "issue", "--guardian", "G1", "--letters", letters, "--district", "d1"], db: db)
        #expect(refused.code == 64 && refused.err.contains("--yes") && refused.out.isEmpty)
        #expect(try String(contentsOfFile: letters, encoding: .utf8) == "the only copy\n")
        #expect(!(try dump(db)).contains { $0.hasPrefix("activation_keys:") })
        let dry = try runBinary(
            [
                "key", "issue", "--guardian", "G1", "--letters", dir.file("dry.csv"), "--dry-run",
                "--district", "d1",
            ], db: db)
        #expect(dry.code == 0 && !FileManager.default.fileExists(atPath: dir.file("dry.csv")))
        #expect(dry.err.contains("no portal_url"), "letters without a portal address are warned of")
        let replaced = try runBinary(
            [
                "key", "issue", "--guardian", "G1", "--letters", letters, "--yes", "--district",
                "d1",
            ],
            db: db)
        #expect(replaced.code == 0)
        let text = try String(contentsOfFile: letters, encoding: .utf8)
        #expect(text.hasPrefix("guardian_id,name") && text.contains("G1,Given1 Family1"))
        let mode =
            (try FileManager.default.attributesOfItem(atPath: letters)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // The same rule for the audit export.
        let audit = dir.write("audit.jsonl", "kept\n")
        let again = try runBinary(["audit", "export", "--out", audit, "--district", "d1"], db: db)
        let kept = try String(contentsOfFile: audit, encoding: .utf8)
        #expect(again.code == 64 && kept == "kept\n")
    }

    /// No command option shares a name with a global one (`aup sign --version` printed the
    /// version and recorded nothing).
    @Test func noCommandOptionSharesANameWithAGlobalOne() throws {
        let globals = Globals.all
        for command in CommandTable.main.commands {
            for o in command.options {
                #expect(!globals.contains { $0.long == o.long }, "\(command.name) --\(o.long)")
                if let s = o.short {
                    #expect(!globals.contains { $0.short == s }, "\(command.name) -\(s)")
                }
            }
        }
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let r = try runBinary(
            [
                "aup", "sign", "--guardian", "G3", "--on", "2026-09-01", "--agreement-version", "1",
                "--district", "d1",
            ], db: db)
        #expect(r.code == 0 && !r.out.contains("portaladmin 0."))
        #expect(try dump(db).contains { $0.hasPrefix("aup_signatures: d1|G3|1|2026-09-01") })
    }
}
