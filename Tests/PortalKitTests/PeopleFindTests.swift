import Foundation
import Testing

@testable import PortalKit

/// `find` when nothing matches the text as typed: the names close to it, as a help desk hears
/// or types them.
@Suite struct PeopleFindTests {
    /// The fixture's district with guardians whose names are often misspelt.
    func district() throws -> Fixture {
        let f = try Fixture()
        let folder = f.folder + "/more"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
        guardian_id,given_name,family_name
        G10,John,Smith
        G11,Steven,Stevens
        G12,Mary,Brown
        G13,Thi,Nguyen
        G14,Alexandra,Smithers
        G15,Al,Li
        G16,Rosa,Garcia Lopez
        G17,Ánh,Trần Nguyễn

        """.write(toFile: folder + "/guardians.csv", atomically: true, encoding: .utf8)
        var options = ImportOptions()
        options.delta = true
        _ = try Roster.importBundle(f.session(), dir: folder, format: .csv, options: options)
        return f
    }

    func close(_ f: Fixture, _ text: String, limit: Int = 0) throws -> [String] {
        try People.closeRows(f.db, district: "d", kind: .guardian, text: text, limit: limit).map {
            $0.text("guardian_id")
        }
    }

    @Test func aSlipOfTheHandOrEarFindsTheName() throws {
        let f = try district()
        // A transposition is one slip; a name's start counts (Smithers).
        #expect(try close(f, "smtih") == ["G10", "G14"])
        #expect(try close(f, "john smtih") == ["G10"])
        // Two slips for a word of seven letters or more; one for four to six.
        #expect(try close(f, "stephens") == ["G11"])
        #expect(try close(f, "nguyin") == ["G13", "G17"])
        #expect(try close(f, "ngyuen") == ["G13", "G17"])
        // Sounding alike.
        #expect(try close(f, "braun") == ["G12"])
        // The closest first: Smith is one slip from "smiht", Smithers one too (its start),
        // so by name; "jon smith" is Smith's given name one slip off.
        #expect(try close(f, "jonh smith") == ["G10"])
        #expect(try close(f, "smiht", limit: 1) == ["G10"])
        // A hyphen parts words as a space does, in the text and in the name.
        #expect(try close(f, "garcia-lopez") == ["G16"])
        #expect(try close(f, "rosa garsia-lopes") == ["G16"])
    }

    @Test func shortWordsNumbersAndAddressesAreNotGuessed() throws {
        let f = try district()
        // Up to three letters: no slip allowed (Lee is not Li).
        #expect(try close(f, "lee").isEmpty)
        #expect(try close(f, "3205550143").isEmpty)
        #expect(try close(f, "kathryn@example.co").isEmpty)
        #expect(try close(f, "xqzvw").isEmpty)
        // Every word must be close to a word of the name.
        #expect(try close(f, "mary smtih").isEmpty)
    }

    @Test func findGuessesOnlyWhenNothingMatchesAsTyped() throws {
        let f = try district()
        let exact = try People.findOrClose(
            f.db, district: "d", kind: .guardian, text: "smith", limit: 0)
        #expect(!exact.close && exact.people.map(\.id) == ["G10", "G14"])
        let guessed = try People.findOrClose(
            f.db, district: "d", kind: .guardian, text: "smtih", limit: 0)
        #expect(guessed.close && guessed.people.map(\.id) == ["G10", "G14"])
        #expect(guessed.people[0].name == "John Smith")
        // Full-width letters (an East Asian input method) are the letters.
        let wide = try People.findOrClose(
            f.db, district: "d", kind: .guardian, text: "ＳＭＩＴＨ", limit: 0)
        #expect(!wide.close && wide.people.map(\.id) == ["G10", "G14"])
        // Letters with diacritics beyond the Latin-1 ones (Vietnamese) are their base
        // letters, typed with them or without.
        for (text, ids) in [
            ("anh tran nguyen", ["G17"]), ("TRẦN", ["G17"]), ("ánh", ["G17"]),
            ("Nguyễn", ["G13", "G17"]), ("thị", ["G13"]),
        ] {
            let found = try People.findOrClose(
                f.db, district: "d", kind: .guardian, text: text, limit: 0)
            #expect(!found.close && found.people.map(\.id) == ids, "\(text)")
        }
        let none = try People.findOrClose(
            f.db, district: "d", kind: .guardian, text: "xqzvw", limit: 0)
        #expect(!none.close && none.people.isEmpty)
    }

    /// An id not found, typed as a parent reads it out: the id meant, when few are that close.
    @Test func anIdReadOutIsFoundAsMeant() throws {
        let f = try Fixture()
        let folder = f.folder + "/ids"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
        student_id,given_name,family_name,household_id
        S600001,Ana,Lee,HH100001
        S600002,Bo,Lee,HH100001
        S610005,Cy,Ray,HH100002

        """.write(toFile: folder + "/students.csv", atomically: true, encoding: .utf8)
        var options = ImportOptions()
        options.delta = true
        _ = try Roster.importBundle(f.session(), dir: folder, format: .csv, options: options)
        func hint(_ id: String) -> String? {
            do {
                _ = try People.person(f.db, district: "d", kind: .student, id: id)
                return "found"
            } catch let e as PortalError {
                return e.hint
            } catch { return "\(error)" }
        }
        // Its letters left off; O for 0; a digit added; two digits swapped.
        #expect(hint("600001") == "did you mean 'S600001'? or find them")
        #expect(hint("s6OOOO1") == "did you mean 'S600001'? or find them")
        #expect(hint("S6000001") == "did you mean 'S600001'? or find them")
        #expect(hint("S610050") == "did you mean 'S610005'? or find them")
        // Two as close: both said.
        #expect(hint("S60000") == "did you mean 'S600001' or 'S600002'? or find them")
        // Nothing close, or too short to guess.
        #expect(hint("S999999") == nil)
        #expect(hint("S61") == nil)
        #expect(hint("S600001") == "found")
        let household = #expect(throws: PortalError.self) {
            _ = try Households.show(
                f.db, district: try Districts.get(f.db, "d"), id: "hh10OOO2", now: f.now)
        }
        #expect(
            household?.hint?.hasPrefix("did you mean 'HH100002'?") == true,
            "\(String(describing: household))")
    }

    /// `account whois --name`: the parent spelling a name on the phone.
    @Test func whoisByANameCloseToIt() throws {
        let f = try district()
        let exact = try Accounts.whois(
            f.db, district: "d", email: nil, phone: nil, name: "jose nunez")
        #expect(exact.map(\.personID) == ["G2"] && exact.allSatisfy { !$0.closeSpelling })
        let heard = try Accounts.whois(
            f.db, district: "d", email: nil, phone: nil, name: "jose nunes")
        #expect(heard.map(\.personID) == ["G2"] && heard.allSatisfy(\.closeSpelling))
    }
}
