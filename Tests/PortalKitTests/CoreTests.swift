import Foundation
import Testing

@testable import PortalKit

@Suite struct CoreTests {
    @Test(arguments: [
        ("2008-02-29", "2008-02-29"), ("2/29/2008", "2008-02-29"), ("12/1/2010", "2010-12-01"),
        (" 2010-07-01 ", "2010-07-01"), ("19560412", "1956-04-12"), ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"), ("2010-7-1", "2010-07-01"), ("2010/07/01", "2010-07-01"),
        ("2010/7/1", "2010-07-01"), ("2010-12-1", "2010-12-01"),
    ])
    func datesParse(input: String, expected: String) {
        #expect(CivilDate(parsing: input)?.description == expected)
    }

    @Test(arguments: [
        "2007-02-29", "2010-13-01", "13/1/2010", "2010/13/01", "01-02-2010", "", "yesterday",
        "2010-001-1", "19561304", "20070229", "1956041", "195604123", "1956O412", "0000-01-01",
        "2010-02-30", "2010-１２-01", "2010-12-3١", "2010:12:01", "2010-+1-01", "2010/1-01",
        "1/2/10", "2010--01", "2010-01-", "12/1/+201", "2010/07/01/02", "10-07-01",
    ])
    func badDatesAreRejected(input: String) {
        #expect(CivilDate(parsing: input) == nil)
    }

    @Test func aListSplitsOnCommasTrimmedWithoutEmptyItems() {
        #expect(listItems("a,b") == ["a", "b"])
        #expect(listItems(" a , ,b,, ") == ["a", "b"], "blanks and empty items left out")
        #expect(listItems("") == [] && listItems(",") == [])
        #expect(listItems("\u{a0}Zoë\u{a0},Ñu") == ["Zoë", "Ñu"], "no-break spaces trimmed too")
        #expect(
            listItems("6266bb6a-5bf9-5392-bee2-3ff5a6ed69de") == [
                "6266bb6a-5bf9-5392-bee2-3ff5a6ed69de"
            ])
    }

    @Test func dayArithmeticRoundTrips() {
        for days in stride(from: -800_000, to: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(parsing: "1970-01-01")?.daysSinceEpoch == 0)
        #expect(Timestamp.iso(Date(timeIntervalSince1970: 1_795_000_000)) == "2026-11-18T11:06:40Z")
        #expect(
            Timestamp.parse("2026-11-18T11:06:40Z") == Date(timeIntervalSince1970: 1_795_000_000))
    }

    @Test func jsonEscapesAndKeepsOrder() {
        let v = JSONValue.object([
            ("z", .string("a\"b\\c\n\u{1}")), ("a", .array([.int(1), .null, .bool(true)])),
        ])
        #expect(v.serialized() == "{\"z\":\"a\\\"b\\\\c\\n\\u0001\",\"a\":[1,null,true]}")

        // Text without anything to escape is taken whole; text with one escape anywhere is not.
        var out = ""
        for t in ["Nuñez 日本", "tail\u{7}", "\"lead"] { JSONValue.string(t).serialize(into: &out) }
        #expect(out == "\"Nuñez 日本\"\"tail\\u0007\"\"\\\"lead\"")
    }

    @Test func suggestions() {
        #expect(nearest("distrct", in: ["district", "operator"]) == "district")
        #expect(nearest("xyz", in: ["district", "operator"]) == nil)
        #expect(grouped(1_234_567) == "1,234,567")
        #expect("  é x \t".trimmed() == "é x")
        // Letters beyond ASCII at an end, with and without white space beyond ASCII around.
        for (given, trimmed) in [
            ("José", "José"), ("Élise", "Élise"), ("é", "é"), ("\u{A0}José\u{A0}", "José"),
            ("Zoë\u{3000}", "Zoë"), ("\u{2003}Ana", "Ana"), ("\u{1}é", "\u{1}é"),
            ("Ana\u{85}", "Ana"), ("\u{A0}", ""), ("\u{FEFF}Ana", "\u{FEFF}Ana"),
            // Padded with ASCII white space, as fixed-width columns are exported.
            ("Smith   ", "Smith"), ("\t x \r\n", "x"), ("  José  ", "José"), ("   ", ""),
            (" \u{A0}Zoë\u{A0} ", "Zoë"), ("\u{1} a \u{1}", "\u{1} a \u{1}"), ("\u{B}\u{C}a", "a"),
            (" é", "é"), ("Ana \u{2003}", "Ana"), (" a b ", "a b"),
        ] {
            #expect(given.trimmed() == trimmed, "\(given.unicodeScalars.map(\.value))")
            #expect(given.trimmed() == given[...].trimmed())
        }
    }

    @Test(arguments: [
        ("G1", "S1"), ("", "S1"), ("G1", ""), ("", ""), ("José Núñez", "Zoë"),
        ("9f4d803c-bb78-5a70-ab49-c9a5d80cd793", "D255AAD7-12CA-5612-B945-E3AD2ECCBEAA"),
        (String(repeating: "x", count: 40), "small-string"),
    ])
    func twoIDsJoinAsPlusWould(a: String, b: String) {
        #expect(joined(a, "\u{1f}", b) == a + "\u{1f}" + b)
        #expect(joined(a, "/", b) == a + "/" + b)
        #expect(joined(a, "/", b).utf8.count == a.utf8.count + 1 + b.utf8.count)
    }

    @Test func sha256MatchesTheStandardVector() {
        #expect(
            Crypto.sha256Hex("abc")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
