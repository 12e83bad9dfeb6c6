import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct TenancyAndRoleTests {
    @Test func districtsNeverSeeEachOther() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["d1", "d2"])
        #expect(
            try runBinary(
                ["operator", "add", "ann", "--role", "admin", "--district", "d1"], db: db,
                env: ["PORTALADMIN_OPERATOR": "ann"]
            ).code == 0)
        let list2 = try runBinary(["operator", "list", "--district", "d2"], db: db)
        #expect(list2.code == 0 && !list2.out.contains("ann"))
        // An operator that exists only in d1 is not one of d2: nothing to do there.
        let rm = try runBinary(
            ["operator", "remove", "ann", "--reason", "left", "--district", "d2"], db: db)
        #expect(
            rm.code == 0
                && rm.err.contains("nothing to do: 'ann' is not an operator of district 'd2'"))
        let audit2 = try runBinary(["audit", "list", "--district", "d2", "-o", "jsonl"], db: db)
        #expect(!audit2.out.contains("ann") && !audit2.out.contains("\"d1\""))
        let missing = try runBinary(["operator", "list", "--district", "d3"], db: db)
        #expect(missing.code == 4 && missing.err.contains("district 'd3' not found"))
    }

    /// An admin changes a role in one command (it was remove and add again), audited; the
    /// last admin stays one; the same role again is nothing to do.
    @Test func setRoleChangesARoleAndKeepsAnAdmin() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for (name, role) in [("tester", "admin"), ("hal", "helpdesk")] {
            #expect(
                try runBinary(
                    ["operator", "add", name, "--role", role, "--district", "d1"], db: db
                ).code == 0)
        }
        let denied = try runBinary(
            ["district", "set", "aup_version=2", "--district", "d1"], db: db,
            env: ["PORTALADMIN_OPERATOR": "hal"])
        #expect(denied.err.contains("operator set-role"), "the role hint names the command")
        let r = try runBinary(
            [
                "operator", "set-role", "hal", "registrar", "--reason", "took over onboarding",
                "--district", "d1",
            ],
            db: db)
        #expect(r.code == 0 && r.err.contains("'hal' is registrar now"), "\(r.err)")
        let list = try runBinary(["operator", "list", "-o", "json", "--district", "d1"], db: db)
        let roles = (try parseJSON(list.out) as? [[String: Any]])?.reduce(into: [String: String]())
        {
            $0[$1["name"] as? String ?? ""] = $1["role"] as? String
        }
        #expect(roles?["hal"] == "registrar")
        let audit = try runBinary(
            ["audit", "list", "--target", "operator:hal", "-o", "jsonl", "--district", "d1"], db: db
        )
        #expect(
            audit.out.contains("took over onboarding")
                && audit.out.contains("\"before\":{\"role\":\"helpdesk\"}"))
        let again = try runBinary(
            ["operator", "set-role", "hal", "registrar", "--reason", "x", "--district", "d1"],
            db: db)
        #expect(again.code == 0 && again.err.contains("nothing to do"))
        let last = try runBinary(
            ["operator", "set-role", "tester", "helpdesk", "--reason", "x", "--district", "d1"],
            db: db)
        #expect(last.code == 5 && last.err.contains("last admin"))
        let typo = try runBinary(
            ["operator", "set-role", "hal", "registar", "--reason", "x", "--district", "d1"], db: db
        )
        #expect(typo.code == 64 && typo.err.contains("did you mean 'registrar'?"))
        let nobody = try runBinary(
            ["operator", "set-role", "zed", "admin", "--reason", "x", "--district", "d1"], db: db)
        #expect(nobody.code == 4)
    }

    @Test func rolesAreEnforcedOnceADistrictHasOperators() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let asHelp = ["PORTALADMIN_OPERATOR": "hal"]
        // "$USER" where USER is not set: the hint says so, and how to get the login name.
        let empty = try runBinary(
            ["operator", "add", "", "--role", "admin", "--district", "d1"], db: db)
        #expect(empty.code == 64 && empty.err.contains("error: the operator name is empty"))
        #expect(empty.err.contains("(is $USER set?)") && empty.err.contains("$(id -un)"))
        #expect(
            try runBinary(
                ["operator", "add", "hal", "--role", "helpdesk", "--district", "d1"], db: db
            ).code == 64,
            "first operator must be an admin")
        #expect(
            try runBinary(
                ["operator", "add", "tester", "--role", "admin", "--district", "d1"], db: db
            ).code == 0)
        #expect(
            try runBinary(
                ["operator", "add", "hal", "--role", "helpdesk", "--district", "d1"], db: db
            ).code == 0)
        let denied = try runBinary(
            ["district", "set", "aup_version=2", "--district", "d1"], db: db, env: asHelp)
        #expect(
            denied.code == 77 && denied.err.contains("needs the admin role")
                && denied.err.contains("hint:"))
        #expect(
            try runBinary(["operator", "list", "--district", "d1"], db: db, env: asHelp).code == 0)
        let stranger = try runBinary(
            ["district", "show", "d1"], db: db, env: ["PORTALADMIN_OPERATOR": "mallory"])
        #expect(stranger.code == 77)
        let create = try runBinary(
            ["district", "create", "d5", "--name", "Five"], db: db, env: asHelp)
        #expect(create.code == 77, "only an admin may create districts once operators exist")
        let last = try runBinary(
            ["operator", "remove", "tester", "--reason", "x", "--yes", "--district", "d1"], db: db)
        #expect(last.code == 5 && last.err.contains("last admin"))
        let dupe = try runBinary(
            ["operator", "add", "hal", "--role", "registrar", "--district", "d1"], db: db)
        #expect(dupe.code == 5)
        let noReason = try runBinary(["operator", "remove", "hal", "--district", "d1"], db: db)
        #expect(noReason.code == 64 && noReason.err.contains("--reason"))
        let unasked = try runBinary(
            ["operator", "remove", "hal", "--reason", "moved on", "--district", "d1"], db: db)
        #expect(unasked.code == 64 && unasked.err.contains("--yes"), "it asks like the others")
        #expect(
            try runBinary(
                ["operator", "remove", "hal", "--reason", "moved on", "--yes", "--district", "d1"],
                db: db
            ).code == 0)
        let audit = try runBinary(
            ["audit", "list", "--target", "operator:hal", "-o", "jsonl", "--district", "d1"], db: db
        )
        #expect(audit.out.contains("\"reason\":\"moved on\""), "\(audit.out)")
        let again = try runBinary(
            ["operator", "remove", "hal", "--reason", "moved on", "--district", "d1"], db: db)
        #expect(again.code == 0 && again.err.contains("nothing to do"))
    }
}
