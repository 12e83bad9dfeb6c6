import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct AuditTargetTests {
    @Test func targetMatchesWholeIdsInAnyPosition() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        for name in ["ann", "anne"] {
            #expect(
                try runBinary(
                    ["operator", "add", name, "--role", "admin", "--district", "d1"], db: db,
                    env: ["PORTALADMIN_OPERATOR": "ann"]
                ).code == 0)
        }
        let r = try runBinary(
            ["audit", "list", "--target", "ann", "-o", "jsonl", "--district", "d1"], db: db,
            env: ["PORTALADMIN_OPERATOR": "ann"])
        #expect(
            r.out.split(separator: "\n").count == 1 && r.out.contains("operator:ann\""),
            "not operator:anne")
    }
}
