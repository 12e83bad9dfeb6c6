import Foundation
import Testing

@testable import PortalKit

/// Districts, settings and operators through the library.
@Suite struct TenancyTests {
    @Test func settingsAreCheckedAndChangesReported() throws {
        let f = try Fixture()
        let s = f.session()
        let changes = try s.transaction { try Districts.set(s, ["key_ttl_days=14"]) }
        #expect(changes.map(\.key) == ["key_ttl_days"] && changes.first?.new == "14")
        #expect(try Districts.get(f.db, "d").setting("key_ttl_days") == "14")
        #expect(try s.transaction { try Districts.set(s, ["key_ttl_days=14"]) }.isEmpty)
        #expect(throws: PortalError.self) { _ = try Districts.set(s, ["key_ttl_days=zero"]) }
        #expect(throws: PortalError.self) { _ = try Districts.set(s, ["no_such_setting=1"]) }
        #expect(throws: PortalError.self) { try Districts.validateID("Bad District!") }
        #expect(try Districts.list(f.db).map(\.id) == ["d"])
    }

    @Test func operatorsRolesAndTheLastAdmin() throws {
        let f = try Fixture()
        let s = f.session()
        #expect(throws: PortalError.self, "the first operator must be an admin") {
            _ = try Operators.add(s, name: "hal", role: .helpdesk)
        }
        #expect(try Operators.add(s, name: "t", role: .admin).added)
        #expect(try !Operators.add(s, name: "t", role: .admin).added)
        #expect(try Operators.add(s, name: "hal", role: .helpdesk).added)
        // t is admin: may run what needs a registrar; hal may not.
        try Operators.authorize(s, needed: .registrar, district: "d")
        let hal = Session(db: f.db, operatorName: "hal", command: "x", now: f.now, districtID: "d")
        #expect(throws: PortalError.self) {
            try Operators.authorize(hal, needed: .registrar, district: "d")
        }
        #expect(
            try Operators.setRole(s, name: "hal", role: .registrar, reason: "grew")?.role
                == .registrar)
        try Operators.authorize(hal, needed: .registrar, district: "d")
        #expect(throws: PortalError.self, "the last admin keeps the role") {
            _ = try Operators.setRole(s, name: "t", role: .helpdesk, reason: "x")
        }
        #expect(try Operators.remove(s, name: "hal", reason: "left")?.name == "hal")
        #expect(try Operators.remove(s, name: "hal", reason: "again") == nil)
        #expect(try Operators.list(f.db, district: "d").map(\.name) == ["t"])
    }
}
