import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

/// What an attacker or a careless registrar tried on the release build (login storms,
/// spreadsheet formulas, keys lost on the way, hostile files, terminal escapes, weak and
/// staff-chosen passwords, debris after a full disk, options that clash), each with a test that
/// fails on the code before the fix.
@Suite struct LoginStormTests {
    /// 24 logins at once (12 wrong passwords for one account, 12 made-up usernames) and a
    /// registrar's write among them: no one is told "busy", and the account locks at exactly
    /// the threshold. Hashing happens outside the write lock.
    @Test func aLoginStormKeepsWritersGoingAndCountsExactly() throws {
        let dir = TempDir()
        let db = try familyDistrict(dir)
        let key = try issueKey(db)
        #expect(
            try activate(
                db, key: key, username: "jose", password: "correct horse battery staple"
            ).code == 0)
        var runs: [(args: [String], stdin: String)] = []
        for i in 0..<24 {
            let user = i % 2 == 0 ? "jose" : "nobody\(i)"
            runs.append(
                (["portal", "login", "--username", user, "--district", "d1"], "wrong \(i)\n"))
            if i == 12 {
                runs.append(
                    (
                        [
                            "feature", "disable", "grades", "--reason", "end of term",
                            "--district", "d1",
                        ], ""
                    ))
            }
        }
        let results = try runConcurrently(runs, db: db, env: ["PORTALADMIN_OPERATOR": "root"])
        #expect(!results.contains { $0.code == 75 }, "\(results.map(\.err))")
        #expect(results[13].code == 0, "the registrar's write: \(results[13].err)")
        let logins = results.enumerated().filter { $0.offset != 13 }.map(\.element)
        #expect(logins.allSatisfy { $0.code == 8 || $0.code == 9 })
        let show = try runBinary(
            ["account", "show", "jose", "-o", "json", "--district", "d1"], db: db)
        let j = try #require(try parseJSON(show.out) as? [String: Any])
        #expect(j["failed_count"] as? Int == 5, "locked at exactly the threshold: \(show.out)")
        #expect(j["status"] as? String == "locked")
        let verify = try runBinary(["audit", "verify", "--district", "d1"], db: db)
        #expect(verify.code == 0)
    }
}
