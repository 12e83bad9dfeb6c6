import Foundation
import Testing

@testable import PortalKit

@Suite struct FieldTests {
    @Test(arguments: [
        ("(320) 234-2603", "3202342603"), ("+1 320 234 2603", "3202342603"),
        ("320.234.2603 ext. 12", "3202342603x12"),
        ("+44 20 7946 0958", "+442079460958"),
        // A label typed with the number, before or after it.
        ("Cell: 320-234-2603", "3202342603"), ("c: 320-234-2603", "3202342603"),
        ("Home 320-234-2603", "3202342603"), ("(cell) 320-234-2603", "3202342603"),
        ("Tel. +1 320 234 2603", "3202342603"), ("320-234-2603 (cell)", "3202342603"),
        ("320-234-2603 (h)", "3202342603"), ("320-234-2603 home", "3202342603"),
        ("320-234-2603 - work", "3202342603"), ("320-234-2603 ext 4 (work)", "3202342603x4"),
        ("MOBILE:3202342603", "3202342603"),
    ])
    func phones(input: String, expected: String) throws {
        #expect(try Field.phone(input, "phone") == expected)
    }

    @Test(arguments: [
        "12", "call me", "555-CALL-NOW", "cell", "h 320-234-2603", "320-234-2603 h",
        "work: 320-234-2603 / 320-234-2604", "call after 5", "home: ", "(cell)", "Cell: 12",
        "320-234-2603 (call after 5)", "fax: 320-234-2603",
    ])
    func badPhones(input: String) {
        #expect(throws: RowProblem.self) { try Field.phone(input, "phone") }
    }

    /// An id said to be taken as it is (`Field.isPlainID`) is what `Field.id` makes of the
    /// field read through `Spreadsheet.unguarded`; every other is left to them.
    @Test(arguments: [
        ("G1", true), ("a1b2-c3d4", true), ("G 1", true), ("0", true),
        (String(repeating: "x", count: 128), true), (String(repeating: "x", count: 129), false),
        ("", false), (" G1", false), ("G1 ", false), ("\tG1", false), ("G1\t", false),
        ("'-G1", false), ("'G1", false), ("-G1", true), ("G\u{7f}1", false), ("Gé1", false),
        ("G\u{a0}", false), ("\u{a0}G1", false),
    ])
    func plainIDs(input: String, plain: Bool) throws {
        var u = input
        #expect(u.withUTF8 { Field.isPlainID($0) } == plain)
        if plain { #expect(try Field.id(Spreadsheet.unguarded(input), "id") == input) }
    }

    /// Labels, parentheses and separators in any order never trip the phone and e-mail
    /// readers (their second tries cut strings by the characters they find): each value is a
    /// number, an address or a bad value, and a number read is a number read again alike.
    @Test func anyMixOfLabelsAndSeparatorsIsReadOrRefused() throws {
        var rng = SplitMix64(state: 20_261_204)
        let pieces = [
            "(", ")", "-", ":", ".", " ", "+", "x", "ext", "cell", "Home", "c", "h", "(h)", "<",
            ">",
            "@", "mailto:", "320", "555", "0188", "1", "é", "\u{0}", ";", "/", "a", "b.org",
        ]
        for _ in 0..<20_000 {
            let v = (0..<rng.int(8)).map { _ in pieces[rng.int(pieces.count)] }.joined()
            if let p = try? Field.phone(v, "phone") {
                #expect(try Field.phone(p, "phone") == p, "\(v)")
            }
            if let e = try? Field.email(v, "email") {
                #expect(try Field.email(e, "email") == e, "\(v)")
            }
        }
    }

    @Test func emailsNamesFlagsAndFolding() throws {
        #expect(try Field.email(" Jose.Nunez@Example.COM ", "email") == "jose.nunez@example.com")
        #expect(throws: RowProblem.self) { try Field.email("a@b", "email") }
        // As a mail program copies an address: the address.
        for copied in ["Ann Lee <Ann@Example.org>", "mailto:ann@example.org", "<ann@example.org>"] {
            #expect(try Field.email(copied, "email") == "ann@example.org", "\(copied)")
        }
        // Not addresses mail can be sent to as they are.
        for bad in [
            "ann@example..org", "ann.@example.org", ".ann@example.org", "an..n@example.org",
            "ann@.example.org", "ann@example.org.", "\"ann\"@example.org", "ann:x@example.org",
            "ann(x)@example.org", "ann@example.org; bo@example.org", "ann@exam ple.org",
            "ann\u{7}@example.org", "Ann <ann@example>", "mailto:", "<>",
        ] {
            #expect(throws: RowProblem.self, "\(bad)") { try Field.email(bad, "email") }
        }
        #expect(try Field.email("Zoë.Ñu@bücher.ch", "email") == "zoë.ñu@bücher.ch")
        #expect(try Field.requiredName("  Mary   Ann ", "n") == "Mary Ann")
        #expect(throws: RowProblem.self) { try Field.requiredName("  ", "given_name") }
        #expect(try Field.name("", "middle_name") == nil)
        #expect(try Field.flag("N", "f", default: true) == false)
        #expect(try Field.flag("", "f", default: true) == true)
        #expect(
            try Field.flag(" TRUE ", "f", default: false)
                && !(try Field.flag("0", "f", default: true)))
        #expect(throws: RowProblem.self) { try Field.flag("yess", "f", default: true) }
        #expect(try Field.status("Withdrawn", "s") == "inactive")
        for gone in ["Graduated", "TRANSFERRED", "withdrew", "Dropped", "Exited", "No Show"] {
            #expect(try Field.status(gone, "s") == "inactive", "\(gone)")
        }
        #expect(try Field.status("Current", "s") == "active")
        for coming in ["Pre-Registered", "preregistered", "PRE_ENROLLED", "Future", "Incoming"] {
            #expect(try Field.status(coming, "s") == "active", "\(coming)")
        }
        for gone in ["No-Show", "NO_SHOW", "Transferred Out", "Dropped Out", "Moved Away"] {
            #expect(try Field.status(gone, "s") == "inactive", "\(gone)")
        }
        #expect(throws: RowProblem.self) { try Field.status("Actve", "s") }
        #expect(try Field.status("ENROLLED", "s") == "active" && Field.status(nil, "s") == "active")
        #expect(throws: RowProblem.self) { try Field.status("activ", "s") }
        let today = CivilDate(year: 2026, month: 12, day: 2)!
        #expect(
            try Field.date("2012-02-29", "d", today: today) == "2012-02-29"
                && Field.date("3/5/2012", "d", today: today) == "2012-03-05")
        #expect(throws: RowProblem.self) { try Field.date("2011-02-29", "d", today: today) }
        // Implausible birth dates: in the future, or more than 120 years ago.
        #expect(throws: RowProblem.self) { try Field.date("1899-12-31", "d", today: today) }
        #expect(throws: RowProblem.self) { try Field.date("9999-12-31", "d", today: today) }
        #expect(throws: RowProblem.self) { try Field.date("2026-12-03", "d", today: today) }
        #expect(throws: RowProblem.self) { try Field.date("1906-12-01", "d", today: today) }
        #expect(try Field.date("1906-12-02", "d", today: today) == "1906-12-02")
        #expect(try Field.date("2026-12-02", "d", today: today) == "2026-12-02")
    }

    /// A date with a time of day after it, as a spreadsheet's or database's datetime column
    /// exports it (or OneRoster's, after a `T`), is its date; anything else after a space
    /// leaves it not a date.
    @Test func aDateWithATimeOfDayIsItsDate() throws {
        let today = CivilDate(year: 2026, month: 12, day: 2)!
        for given in [
            "1980-02-28 00:00:00", "1980-02-28 00:00", "1980-02-28 00:00:00.000",
            "2/28/1980 12:00 AM", "02/28/1980 0:00", "2/28/1980 11:30:15 pm",
            "1980-02-28T05:00:00Z", "1980-02-28  00:00:00 ", "1980-02-28 00:00:00+00",
            "1980-02-28 00:00:00-05:00", "1980-02-28 00:00:00.000Z", "1980-02-28 00:00 UTC",
            "1980/02/28", "1980-2-28", "1980/2/28 00:00:00",
        ] {
            #expect(try Field.date(given, "d", today: today) == "1980-02-28", "\(given)")
        }
        for given in [
            "1980-02-28 noon", "1980-02-28 1:2", "1980-02-28 00:00:", "1980-02-28 :00",
            "1980-02-28 00:00.5", "1980-02-28 00:00:00.", "1980-02-28 AM", "1980-02-28 123:00",
            "1980-02-28 00:00:00+5", "1980-02-28 +00:00", "1980-02-28 Z", "1980-02-28 00:00:00-",
        ] {
            #expect(throws: RowProblem.self, "\(given)") {
                try Field.date(given, "d", today: today)
            }
        }
        #expect(searchFold("José NÚÑEZ Łukasz Müller") == "jose nunez lukasz muller")
        // A name's parts joined by a space, whether all ASCII (lowered byte by byte) or not.
        #expect(searchFold(joining: ["Mary-Kate", "", "O'BRIEN"]) == "mary-kate  o'brien")
        #expect(searchFold(joining: ["ANA", "Núñez"]) == "ana nunez")
        #expect(searchFold(joining: ["Zoë", "AZ@[`{"]) == "zoe az@[`{")
        #expect(searchFold(joining: []) == "" && searchFold(joining: [""]) == "")
        #expect(searchFold(joining: ["", ""]) == " ")
        // Every Latin letter with a diacritic is its base letter: Vietnamese, Pinyin with tone
        // marks, transliterations; the letters of their own (ß, æ, þ) as before, and letters
        // of other scripts kept.
        #expect(
            searchFold("Nguyễn Thị Ánh Đặng Phước Ưng Ơn") == "nguyen thi anh dang phuoc ung on")
        #expect(searchFold("Lǚ Xiǎo Ḥasan Ṣāliḥ") == "lu xiao hasan salih")
        #expect(searchFold("Straße Ærø Þór Ðoan ĸ") == "strasse aero thor doan ĸ")
        #expect(searchFold("Ива́нов Γιώργος 王 İzmir") == "иванов γιώργος 王 izmir")
        #expect(searchFold("© ½ «x»") == "© ½ «x»")
        // The duplicate finder's fold: the same letters, not a space for each (it split
        // "Nguyễn" into "nguy n").
        let name = Array("Nguyễn Văn Đức".utf8)
        #expect(
            name.withUnsafeBufferPointer { MatchRecords.fold($0) } == Array("nguyen van duc".utf8))
        #expect(
            Nicknames.same("bill", "william") && Nicknames.same("liz", "elizabeth")
                && !Nicknames.same("bill", "robert"))
    }
}
