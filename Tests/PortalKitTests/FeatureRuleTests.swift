import Foundation
import Testing

@testable import PortalKit

@Suite struct FeatureRuleTests {
    func db() throws -> (Database, Session, String) {
        let (db, path) = try tempDB()
        let s = Session(db: db, operatorName: "t", command: "test", now: Date(), districtID: "d")
        try db.write {
            try db.run("INSERT INTO districts VALUES ('d', 'D', 'x')")
            try db.run(
                "INSERT INTO schools(district_id, school_id, name) VALUES ('d', 'A', 'A'), ('d', 'B', 'B')"
            )
        }
        return (db, s, path)
    }

    func state(_ db: Database, _ school: String?, _ day: String, _ f: String = "attendance") throws
        -> Features.State
    {
        try Features.effective(db, district: "d", school: school, on: date(day)).first {
            $0.feature == f
        }!
    }

    @Test func defaultsDistrictSchoolAndWindows() throws {
        let (db, s, path) = try db()
        defer { removeDatabase(path) }
        #expect(
            try state(db, nil, "2026-11-01").enabled
                && state(db, nil, "2026-11-01").source == "default")
        try db.write {
            _ = try Features.set(
                s, feature: "attendance", enabled: false, school: nil, from: nil, until: nil,
                reason: "off")
        }
        #expect(try !state(db, "A", "2026-11-01").enabled)
        try db.write {
            _ = try Features.set(
                s, feature: "attendance", enabled: true, school: "A", from: nil, until: nil,
                reason: "pilot")
        }
        #expect(
            try state(db, "A", "2026-11-01").enabled
                && state(db, "A", "2026-11-01").source == "school:A", "school beats district")
        #expect(try !state(db, "B", "2026-11-01").enabled)
        // A window beats an open-ended rule of its level, only inside the window (both ends included).
        try db.write {
            _ = try Features.set(
                s, feature: "attendance", enabled: false, school: "A", from: date("2026-11-10"),
                until: date("2026-11-23"), reason: "repost")
        }
        #expect(try state(db, "A", "2026-11-09").enabled)
        #expect(
            try !state(db, "A", "2026-11-10").enabled
                && state(db, "A", "2026-11-10").reason == "repost")
        #expect(try !state(db, "A", "2026-11-23").enabled)
        #expect(try state(db, "A", "2026-11-24").enabled)
        // Overlapping windows: the newer rule wins, and says so.
        let newer = try db.write {
            try Features.set(
                s, feature: "attendance", enabled: true, school: "A", from: date("2026-11-20"),
                until: date("2026-11-30"), reason: "early end")
        }
        let st = try state(db, "A", "2026-11-21")
        #expect(st.enabled && st.ruleID == newer.id && newer.added)
        #expect(try Features.history(db, district: "d", feature: "attendance").count == 4)
    }

    @Test func badInputIsRefused() throws {
        let (db, s, path) = try db()
        defer { removeDatabase(path) }
        #expect(throws: PortalError.self) {
            try db.write {
                _ = try Features.set(
                    s, feature: "atendance", enabled: false, school: nil, from: nil, until: nil,
                    reason: "x")
            }
        }
        #expect(throws: PortalError.self) {
            try db.write {
                _ = try Features.set(
                    s, feature: "grades", enabled: false, school: "Z", from: nil, until: nil,
                    reason: "x")
            }
        }
        #expect(throws: PortalError.self) {
            try db.write {
                _ = try Features.set(
                    s, feature: "grades", enabled: false, school: nil, from: date("2026-02-02"),
                    until: date("2026-02-01"), reason: "x")
            }
        }
        #expect(try db.count("SELECT count(*) FROM feature_rules") == 0)
    }
}
