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
