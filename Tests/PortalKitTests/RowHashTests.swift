import Foundation
import Testing

@testable import PortalKit

@Suite struct RowHashTests {
    @Test func theRowHashIsTheFNV1aOfEarlierVersionsAndTheirFormStillMatches() {
        // Known values: a changed function would make every row of a re-import look changed.
        let row = TableRow(
            keyCount: 1,
            [
                .text("G1"), .text("Ana"), .text(""), .null, .int(1), .text("José"),
                TableRow.hashSlot,
            ])
        #expect(row.key == ["G1"] && row.values.count == 5)
        #expect(String(row.fnv, radix: 16) == "4b4e04a5c2a78108")
        #expect(row.hash == "S04EpcKn" && row.hash.utf8.count == 8)
        #expect(row.matches(.text("S04EpcKn")) && row.matches(.text("4b4e04a5c2a78108")))
        #expect(!row.matches(.text("4b4e04a5c2a78109")) && !row.matches(.text("S04EpcKo")))
        #expect(!row.matches(.null))
        #expect(String(TableRow.fnv1a([.null]), radix: 16) == "af63bd4c8601b7df")
        // An integer hashes as its text: a one-digit one (a flag) without making it.
        for n: Int64 in [0, 1, 9, 10, 42, -1, .max, .min] {
            #expect(TableRow.fnv1a([.int(n)]) == TableRow.fnv1a([.text(String(n))]))
            #expect(
                TableRow.fnv1a([.text("a"), .int(n), .null])
                    == TableRow.fnv1a([.text("a"), .text(String(n)), .null]))
        }
        #expect(TableRow.fnv1a([.text("a"), .null]) != TableRow.fnv1a([.null, .text("a")]))
        #expect(TableRow.stored(0) == "AAAAAAAA" && TableRow.stored(.max) == "________")
    }

    @Test func aRowMadeFromACleanLineStoresTheLinesHashAndMatchesEither() {
        let values: [SQLValue] = [.text("G1"), .text("Ana"), TableRow.hashSlot]
        let byValues = TableRow(keyCount: 1, values)
        let line: UInt64 = 0x0123_4567_89ab_cdef
        let byLine = TableRow(keyCount: 1, values, line: line)
        #expect(byLine.fnv == byValues.fnv && byLine.values == byValues.values)
        // Stored: the line's hash, in the same eight characters.
        #expect(byLine.hash == TableRow.stored(line) && byLine.hash != byValues.hash)
        #expect(byLine.arguments.values.last == .text(TableRow.stored(line)))
        // Unchanged against a row stored either way (by an older version, or from a line with
        // a bad value left out); a row stored from its line is not matched by values alone.
        #expect(byLine.matches(.text(byLine.hash)) && byLine.matches(.text(byValues.hash)))
        #expect(!byValues.matches(.text(byLine.hash)))
        #expect(byLine.matches(top48: line >> 16) && byLine.matches(top48: byLine.fnv >> 16))
        #expect(!byLine.matches(top48: (line >> 16) ^ 1))
        #expect(!byValues.matches(top48: line >> 16))
    }

    @Test func aRowOfTextsPackedInPlaceIsTheRowOfItsValues() {
        // Texts empty, missing, accented, longer than a small string, and a key of two.
        let sets: [[String?]] = [
            ["G1", "Ana", "", nil, "José", String(repeating: "x", count: 40), "🙂 ok"],
            ["G1", "S1", nil, "1", "active"],
            ["G1", nil],
            ["G1", "Ana", "last"],
        ]
        for texts in sets {
            for keyCount in [1, 2] where keyCount < texts.count {
                for line: UInt64? in [nil, 0, 0x0123_4567_89ab_cdef] {
                    for optionalLast in [false, true] {
                        let values = texts.map(SQLValue.init) + [TableRow.hashSlot]
                        let byValues = TableRow(
                            keyCount: keyCount, values, optionalLast: optionalLast, line: line)
                        let inPlace = TableRow(
                            keyCount: keyCount, optionalLast: optionalLast, line: line
                        ) { put in texts.forEach(put) }
                        let what =
                            "\(texts) \(keyCount) \(String(describing: line)) \(optionalLast)"
                        #expect(inPlace.arguments.values == byValues.arguments.values, "\(what)")
                        #expect(
                            inPlace.hash == byValues.hash && inPlace.fnv == byValues.fnv
                                && inPlace.line == byValues.line, "\(what)")
                        #expect(
                            inPlace.key == byValues.key && inPlace.values == byValues.values,
                            "\(what)")
                        #expect(inPlace.matches(.text(byValues.hash)), "\(what)")
                    }
                }
            }
        }
        // The last value left out of the hash only when asked and missing.
        let put: ((String?) -> Void) -> Void = { put in
            put("G1")
            put("Ana")
            put(nil)
        }
        #expect(
            TableRow(keyCount: 1, optionalLast: true, line: nil, texts: put).hash
                == TableRow(keyCount: 1, [.text("G1"), .text("Ana"), TableRow.hashSlot]).hash)
        #expect(
            TableRow(keyCount: 1, line: nil, texts: put).hash
                != TableRow(keyCount: 1, [.text("G1"), .text("Ana"), TableRow.hashSlot]).hash)
    }

    @Test func aGuardianWithoutABirthDateAsGivenHashesAsBeforeTheColumnWasThere() {
        var g = GuardianRecord(
            guardianID: "G1", givenName: "Ana", familyName: "Ruiz", email: nil, phone: nil,
            street: "1 Oak St", street2: nil, city: "Town", state: nil, postcode: "55350",
            birthDate: "1980-02-03", householdID: nil)
        // The row as versions before migration 010 wrote it: no birth_date_given.
        let before = TableRow(
            keyCount: 1,
            [
                .text("G1"), .text("Ana"), .text("Ruiz"), .null, .null, .text("1 Oak St"), .null,
                .text("Town"), .null, .text("55350"), .text("1980-02-03"), .null,
                .text("active"), .text(g.searchKey), TableRow.hashSlot,
            ])
        #expect(g.tableRow(line: nil).hash == before.hash, "an unchanged guardian stays unchanged")
        #expect(g.tableRow(line: nil).values.count == RosterTable.guardians.columns.count)
        g.birthDate = nil
        g.birthDateGiven = "4986-07-15"
        #expect(g.tableRow(line: nil).hash != before.hash)
        g.birthDateGiven = "4986-07-16"
        let other = g.tableRow(line: nil).hash
        g.birthDateGiven = "4986-07-15"
        #expect(g.tableRow(line: nil).hash != other, "a change in what the file gave is a change")
    }

    @Test func aStudentsRowHoldsItsValuesInTheTablesOrder() {
        let st = StudentRecord(
            studentID: "S1", givenName: "Bo", familyName: "Lee", middleName: nil,
            birthDate: "2010-04-05", grade: "05", schoolID: "sch-1", email: "bo@example.org",
            householdID: "hh-1", status: "active")
        let row = st.tableRow(line: nil)
        #expect(row.key == ["S1"] && row.values.count == RosterTable.students.columns.count)
        #expect(
            row.values == [
                .text("Bo"), .text("Lee"), .null, .text("2010-04-05"), .text("05"),
                .text("sch-1"), .text("bo@example.org"), .text("hh-1"), .text("active"),
                .text(st.searchKey),
            ])
        #expect(row.hash == TableRow.stored(row.fnv))
    }
}
