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
}
