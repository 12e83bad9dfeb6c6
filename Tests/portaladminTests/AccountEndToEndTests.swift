import Foundation
import Testing

@testable import PortalKit

@Suite struct AccountEndToEndTests {
    @Test func activateLoginLockoutUnlockAndTemporaryPassword() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        #expect(
            try runBinary(["district", "set", "lockout_threshold=2", "--district", "d1"], db: db)
                .code == 0)
        let key = try issueKey(db)
        let weak = try activate(db, key: key, username: "jose", password: "short", district: "d1")
        #expect(weak.code == 65 && weak.err.contains("too short"))
        let badName = try activate(
            db, key: key, username: "j o s e", password: "correct horse battery staple",
            district: "d1")
        #expect(badName.code == 65 && badName.err.contains("username"))
        let ok = try activate(
            db, key: key, username: "Jose.Nunez", password: "correct horse battery staple",
            district: "d1")
        #expect(ok.code == 0 && ok.out.contains("jose.nunez"))
        let good = try login(
            db, username: "JOSE.NUNEZ", password: "correct horse battery staple", district: "d1")
        #expect(good.code == 0)
        let bad = try login(db, username: "jose.nunez", password: "wrong password", district: "d1")
        #expect(bad.code == 8 && bad.err.contains("wrong username or password"))
        let nobody = try login(db, username: "nobody", password: "wrong password", district: "d1")
        #expect(
            nobody.code == 8
                && nobody.err == bad.err.replacingOccurrences(of: "jose.nunez", with: "nobody"),
            "an unknown username looks the same")
        let locks = try login(db, username: "jose.nunez", password: "wrong again", district: "d1")
        #expect(locks.code == 9 && locks.err.contains("locked"))
        let stillLocked = try login(
            db, username: "jose.nunez", password: "correct horse battery staple", district: "d1")
        #expect(stillLocked.code == 9, "locked even with the right password")
        let show = try runBinary(
            ["account", "show", "jose.nunez", "-o", "json", "--district", "d1"], db: db)
        #expect(
            show.out.contains("\"status\": \"locked\"") && show.out.contains("\"failed_count\": 2"))
        let lockedList = try runBinary(
            ["account", "list", "--status", "locked", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(
            lockedList.out.contains("\"username\":\"jose.nunez\"")
                && lockedList.out.contains("\"status\":\"locked\""), "\(lockedList.out)")
        #expect(
            try runBinary(["account", "unlock", "jose.nunez", "--district", "d1"], db: db).code == 0
        )
        #expect(
            try login(
                db, username: "jose.nunez", password: "correct horse battery staple", district: "d1"
            ).code == 0, "unlock keeps the password")

        let reset = try runBinary(
            ["account", "reset", "jose.nunez", "-o", "json", "--district", "d1"], db: db)
        let temp = try #require(
            (try parseJSON(reset.out) as? [String: Any])?["temporary_password"] as? String)
        let must = try runBinary(
            ["portal", "login", "--username", "jose.nunez", "--district", "d1"], db: db,
            stdin: temp + "\n")
        #expect(must.code == 11 && must.err.contains("change-password"))
        let same = try runBinary(
            ["portal", "change-password", "--username", "jose.nunez", "--district", "d1"], db: db,
            stdin: "\(temp)\n\(temp)\n")
        #expect(same.code == 65)
        let changed = try runBinary(
            ["portal", "change-password", "--username", "jose.nunez", "--district", "d1"], db: db,
            stdin: "\(temp)\nanother long passphrase here\n")
        #expect(changed.code == 0)
        #expect(
            try login(
                db, username: "jose.nunez", password: "another long passphrase here", district: "d1"
            ).code == 0)

        let noReason = try runBinary(
            ["account", "disable", "jose.nunez", "--district", "d1"], db: db)
        #expect(noReason.code == 64)
        #expect(
            try runBinary(
                [
                    "account", "disable", "jose.nunez", "--reason", "security risk (AUP 7)",
                    "--district", "d1",
                ], db: db
            ).code == 0)
        let disabled = try login(
            db, username: "jose.nunez", password: "another long passphrase here", district: "d1")
        #expect(disabled.code == 10)
        let audit = try runBinary(
            ["audit", "list", "--target", "jose.nunez", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(audit.out.contains("security risk (AUP 7)"))
        #expect(
            try runBinary(
                ["account", "enable", "jose.nunez", "--reason", "cleared", "--district", "d1"],
                db: db
            ).code == 0)
        let otherDistrict = try runBinary(
            ["account", "show", "jose.nunez", "--district", "d2"], db: db)
        #expect(otherDistrict.code == 4)
    }

    @Test func resetWithANewKeyAndWithAPasswordFile() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        #expect(
            try activate(
                db, key: key, username: "jose", password: "correct horse battery staple",
                district: "d1"
            ).code == 0)
        let file = dir.write("pw.txt", "a password from a file\n")
        #expect(
            try runBinary(
                ["account", "reset", "jose", "--password-file", file, "--district", "d1"], db: db
            ).code == 0)
        // A password the staff chose is temporary: the parent must change it first (exit 11).
        #expect(
            try login(db, username: "jose", password: "a password from a file", district: "d1").code
                == 11)
        let fromStdin = try runBinary(
            ["account", "reset", "jose", "--password-file", "-", "--district", "d1"], db: db,
            stdin: "a password from standard input\n")
        #expect(fromStdin.code == 0)
        #expect(
            try login(
                db, username: "jose", password: "a password from standard input", district: "d1"
            ).code == 11)
        let both = try runBinary(
            ["account", "reset", "jose", "--password-file", file, "--new-key", "--district", "d1"],
            db: db)
        #expect(both.code == 64)
        let r = try runBinary(
            ["account", "reset", "jose", "--new-key", "-o", "json", "--district", "d1"], db: db)
        let newKey = try #require((try parseJSON(r.out) as? [String: Any])?["key"] as? String)
        #expect(
            try login(db, username: "jose", password: "a password from a file", district: "d1").code
                == 10)
        let act = try activate(
            db, key: newKey, username: "jose2", password: "yet another long password",
            district: "d1")
        #expect(act.code == 0)
        let whois = try runBinary(
            [
                "account", "whois", "--phone", "+1 (320) 234-2603", "--district", "d1", "-o",
                "jsonl",
            ], db: db)
        #expect(whois.out.contains("\"username\":\"jose2\""))
        let byName = try runBinary(
            ["account", "whois", "--name", "jose nunez", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(byName.out.contains("jose2"))
        let byEmail = try runBinary(
            ["account", "whois", "--email", "JOSE@example.com", "--district", "d1", "-o", "jsonl"],
            db: db)
        #expect(byEmail.out.contains("jose2"))
        let pasted = try runBinary(
            [
                "account", "whois", "--email", "José Núñez <JOSE@example.com>", "--district", "d1",
                "-o", "jsonl",
            ], db: db)
        #expect(pasted.out.contains("jose2"), "\(pasted.err)")
        for copied in ["José Núñez <JOSE@example.com>", "mailto:jose@example.com"] {
            let found = try runBinary(["guardian", "find", copied, "--district", "d1"], db: db)
            #expect(found.out.contains("jose@example.com"), "\(copied): \(found.err)")
        }
        // Without the area code, as a parent may say it: the numbers ending in those digits.
        let local = try runBinary(
            ["account", "whois", "--phone", "234-2603", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(local.code == 0 && local.out.contains("\"username\":\"jose2\""), "\(local.err)")
        let otherLocal = try runBinary(
            ["account", "whois", "--phone", "234-2604", "--district", "d1", "-o", "jsonl"], db: db)
        #expect(otherLocal.code == 0 && otherLocal.out.isEmpty, "\(otherLocal.out)")
        let badPhone = try runBinary(
            ["account", "whois", "--phone", "12", "--district", "d1"], db: db)
        #expect(badPhone.code == 64)
        let taken = try issueKey(db, "G1", district: "d2")
        let clash = try activate(
            db, key: taken, username: "jose2", password: "correct horse battery staple",
            district: "d2")
        #expect(clash.code == 0, "usernames are unique per district, not across districts")
    }

    /// A username typed with a part added or left off, or a slip, is not found, with the
    /// username meant; staff commands only (a login never says which usernames exist).
    /// A name heard on the phone (Núñez said as "Nunes") or typed in haste: when no one
    /// matches it as typed, the names close to it, said to be that.
    @Test func aNameHeardOnThePhoneIsFound() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let found = try runBinary(["guardian", "find", "nunes", "--district", "d1"], db: db)
        #expect(found.code == 0, "\(found.err)")
        #expect(found.out.contains("G1\tJosé\tNúñez"), "\(found.out)")
        #expect(
            found.err.contains("warning: no guardian matches 'nunes' as typed; names close to it:"))
        // Said under -q too, and with rows for a script (JSON): they are guesses.
        let quiet = try runBinary(
            ["guardian", "find", "nunes", "-q", "-o", "json", "--district", "d1"], db: db)
        #expect(quiet.out.contains("\"G1\"") && quiet.err.contains("as typed; names close to it"))
        let whois = try runBinary(
            ["account", "whois", "--name", "Jose Nunes", "--district", "d1"], db: db)
        #expect(whois.code == 0 && whois.out.contains("G1"), "\(whois.err)")
        #expect(
            whois.err.contains("warning: no one matches that name as typed; names close to it:"))
        let exact = try runBinary(["guardian", "find", "núñez", "--district", "d1"], db: db)
        #expect(exact.out.contains("G1") && !exact.err.contains("close"), "\(exact.err)")
        let none = try runBinary(["guardian", "find", "qqqq", "--district", "d1"], db: db)
        #expect(none.code == 0 && none.err.contains("no guardian matches 'qqqq', nor a name close"))
        // A script that must not act on a guess: --exact shows what matches as typed alone.
        let strict = try runBinary(
            ["guardian", "find", "nunes", "--exact", "-o", "json", "--district", "d1"], db: db)
        #expect(strict.code == 0 && strict.out.trimmed() == "[]", "\(strict.out)")
        #expect(
            strict.err.contains("no guardian matches 'nunes'") && !strict.err.contains("close"),
            "\(strict.err)")
        let typed = try runBinary(
            ["guardian", "find", "nunez", "--exact", "-o", "tsv", "--district", "d1"], db: db)
        #expect(typed.code == 0 && typed.out.contains("G1\tJosé\tNúñez"), "\(typed.out)")
        // The help desk's look-up by name too; --exact with a number or an address is a slip.
        let strictWhois = try runBinary(
            [
                "account", "whois", "--name", "Jose Nunes", "--exact", "-o", "json", "--district",
                "d1",
            ],
            db: db)
        #expect(strictWhois.code == 0 && strictWhois.out.trimmed() == "[]", "\(strictWhois.out)")
        #expect(!strictWhois.err.contains("close"), "\(strictWhois.err)")
        let typedWhois = try runBinary(
            [
                "account", "whois", "--name", "jose nunez", "--exact", "-o", "tsv", "--district",
                "d1",
            ],
            db: db)
        #expect(typedWhois.code == 0 && typedWhois.out.contains("G1"), "\(typedWhois.err)")
        let slip = try runBinary(
            ["account", "whois", "--phone", "234-2603", "--exact", "--district", "d1"], db: db)
        #expect(slip.code == 64 && slip.err.contains("error: --exact goes with --name"))
        #expect(slip.err.contains("hint: an e-mail or a phone is always matched as given"))
    }

    @Test func aMistypedUsernameNamesTheOneMeant() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        #expect(
            try activate(
                db, key: try issueKey(db, "G1"), username: "jose.nunez",
                password: "a long enough password here"
            ).code == 0)
        for typed in ["jose.nunez2", "jose.nunes", "jose", "JOSE.NUNEZ.1"] {
            let r = try runBinary(["account", "show", typed, "--district", "d1"], db: db)
            #expect(r.code == 4, "\(r.err)")
            #expect(
                r.err.contains("hint: did you mean 'jose.nunez'? or find it by"),
                "\(typed): \(r.err)")
        }
        let unlock = try runBinary(["account", "unlock", "jose.nunz", "--district", "d1"], db: db)
        #expect(
            unlock.code == 4 && unlock.err.contains("did you mean 'jose.nunez'?"), "\(unlock.err)")
        let far = try runBinary(["account", "show", "ann.lee", "--district", "d1"], db: db)
        #expect(far.code == 4 && !far.err.contains("did you mean"), "\(far.err)")
        let portal = try login(db, username: "jose.nunes", password: "a long enough password here")
        #expect(portal.code != 0 && !portal.err.contains("jose.nunez"), "\(portal.err)")
    }

    /// A number on the roster with an extension (a work phone) is found by the number a parent
    /// gives, with the extension or without, whole or without the area code; `guardian find`
    /// too, however the number is written. Another extension of the number finds it too (one
    /// line); another number does not.
    @Test func aPhoneWithAnExtensionIsFoundByItsNumber() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "g/guardians.csv",
            "guardian_id,given_name,family_name,phone\nG1,Rosa,Diaz,320-555-0188 ext. 12\nG2,Omar,Haddad,320-555-0189\n"
        )
        #expect(
            try runBinary(["roster", "import", dir.file("g"), "--district", "d1"], db: db).code == 0
        )
        for phone in ["(320) 555-0188", "320-555-0188 x12", "555-0188", "3205550188 x9"] {
            let r = try runBinary(
                ["account", "whois", "--phone", phone, "--district", "d1", "-o", "jsonl"], db: db)
            #expect(r.code == 0, "\(r.err)")
            #expect(
                r.out.contains("\"person_id\":\"G1\"") && !r.out.contains("G2"),
                "\(phone): \(r.out)")
            let found = try runBinary(["guardian", "find", phone, "--district", "d1"], db: db)
            #expect(
                found.out.contains("Rosa") && !found.out.contains("Omar"), "\(phone): \(found.out)")
        }
        let other = try runBinary(
            ["account", "whois", "--phone", "320-555-0187", "--district", "d1", "-o", "jsonl"],
            db: db)
        #expect(other.code == 0 && other.out.isEmpty, "\(other.out)")
    }

    /// Greps every byte the tool wrote (database, WAL, audit export, stderr, logs) for the secrets.
    @Test func secretsNeverLeak() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let password = "correct horse battery staple"
        let r1 = try runBinary(
            ["key", "issue", "--guardian", "G1", "-v", "-o", "json", "--district", "d1"], db: db)
        let key = try #require((try parseJSON(r1.out) as? [String: Any])?["key"] as? String)
        var outputs = [r1.err]
        let act = try runBinary(
            ["portal", "activate", "--username", "jose", "-v", "--district", "d1"], db: db,
            stdin: "\(key)\n\(password)\n")
        outputs += [act.out, act.err]
        let check = try runBinary(
            ["key", "check", "-v", "--district", "d1"], db: db, stdin: key + "\n")
        outputs += [check.out, check.err]
        let login = try runBinary(
            ["portal", "login", "--username", "jose", "-v", "--district", "d1"], db: db,
            stdin: password + "\n")
        outputs += [login.out, login.err]
        let bad = try runBinary(
            ["portal", "activate", "--username", "x", "-v", "--district", "d1"], db: db,
            stdin: "\(key)\n\(password)\n")
        outputs += [bad.out, bad.err]
        let reset = try runBinary(
            ["account", "reset", "jose", "-v", "-o", "json", "--district", "d1"], db: db)
        let temp = try #require(
            (try parseJSON(reset.out) as? [String: Any])?["temporary_password"] as? String)
        outputs += [reset.err]
        let export = try runBinary(["audit", "export", "--district", "d1"], db: db)
        outputs += [export.out]
        let secrets = [key, key.replacingOccurrences(of: "-", with: ""), password, temp]
        for o in outputs {
            for s in secrets { #expect(!o.contains(s), "a secret appeared in output") }
        }
        for f in [db, db + "-wal"] where FileManager.default.fileExists(atPath: f) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: f))
            for s in secrets {
                #expect(bytes.range(of: Data(s.utf8)) == nil, "a secret is in \(f)")
            }
        }
    }
}
