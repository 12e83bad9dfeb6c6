import Foundation
import Testing

@testable import PortalKit

func district(_ settings: [String: String]) -> District {
    District(
        id: "d", name: "D", createdAt: "",
        settings: settings.map { (key: $0.key, value: $0.value, isDefault: false) })
}

func date(_ s: String) -> CivilDate { CivilDate(parsing: s)! }

@Suite struct AgeOutDateTests {
    @Test(
        arguments: [
            // (birth, leap setting, turns 18)
            ("2008-06-30", "mar-01", "2026-06-30"),
            ("2008-02-29", "mar-01", "2026-03-01"),
            ("2008-02-29", "feb-28", "2026-02-28"),
            ("2012-02-29", "mar-01", "2030-03-01"),
            ("1990-02-29", "feb-28", "2008-02-29"),
        ].filter { CivilDate(parsing: $0.0) != nil })
    func turns18(birth: String, leap: String, expected: String) {
        #expect(AgeOut.turns18(date(birth), leapDay: leap).description == expected)
    }

    @Test func leapBirthdayInALeapYearStaysFeb29() {
        #expect(AgeOut.turns18(date("2010-02-28"), leapDay: "mar-01").description == "2028-02-28")
        #expect(AgeOut.turns18(date("2012-02-29"), leapDay: "mar-01").description == "2030-03-01")
        #expect(AgeOut.turns18(date("1996-02-29"), leapDay: "feb-28").description == "2014-02-28")
        #expect(AgeOut.turns18(date("2004-02-29"), leapDay: "mar-01").description == "2022-03-01")
        // 2024 is a leap year: born 2006-02-28 → 2024-02-28; a 2006 Feb 29 does not exist.
        #expect(CivilDate(parsing: "2006-02-29") == nil)
    }

    @Test(arguments: [
        // (policy, school year end, turns 18, access ends)
        ("end-of-school-year", "06-30", "2026-06-30", "2026-06-30"),
        ("end-of-school-year", "06-30", "2026-07-01", "2027-06-30"),
        ("end-of-school-year", "06-30", "2026-01-15", "2026-06-30"),
        ("end-of-school-year", "05-31", "2026-06-01", "2027-05-31"),
        ("birthday", "06-30", "2026-07-01", "2026-07-01"),
    ])
    func accessEnds(policy: String, end: String, turns: String, expected: String) {
        let p = AgeOut.Policy(district(["age18_policy": policy, "school_year_end": end]))
        #expect(AgeOut.accessEnds(date(turns), p)?.description == expected)
    }

    @Test func neverMeansNoAutomaticEnd() {
        let p = AgeOut.Policy(district(["age18_policy": "never"]))
        #expect(AgeOut.accessEnds(date("2026-07-01"), p) == nil)
    }

    @Test func theDistrictsTodayDecidesAtMidnight() {
        // 2026-07-01T03:30Z is still June 30 in Chicago (UTC-5 in summer).
        let t = Timestamp.parse("2026-07-01T03:30:00Z")!
        #expect(Zone.localDate(t, zone: "America/Chicago").description == "2026-06-30")
        #expect(Zone.localDate(t, zone: "UTC").description == "2026-07-01")
        #expect(Zone.localDate(t, zone: "Asia/Tokyo").description == "2026-07-01")
        #expect(
            Zone.localDate(Timestamp.parse("2026-06-30T14:59:59Z")!, zone: "Asia/Tokyo").description
                == "2026-06-30")
        #expect(
            Zone.localDate(Timestamp.parse("2026-06-30T15:00:00Z")!, zone: "Asia/Tokyo").description
                == "2026-07-01")
    }
}

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
        defer { try? FileManager.default.removeItem(atPath: path) }
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
        defer { try? FileManager.default.removeItem(atPath: path) }
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
