import Foundation
import Testing

@testable import PortalKit

/// `access explain --guardian` without a student: the children held by another record of the
/// same parent, found through the indexes (e-mail, phone, household, and ranges of folded names),
/// and never a stranger who only shares a name.
@Suite struct ExplainDuplicateRecordsTests {
    /// Maria Garcia (G1) has one child on her own record. Other records, each holding one child:
    /// - G2 "Maria Garcia", no contact, another household id at her street address: her.
    /// - G3 "Maria Garcia" across town, born another day: a stranger.
    /// - G4 "Garcia, Maria" (names swapped), her birth date: her.
    /// - G5 "Beth Olsen" / G6 "Elizabeth Olsen", the same birth date: her by nickname.
    /// - G7 "李 Wang" / G8 "李 Wang" at one address (a name no range of a-z begins).
    /// - G10 "Mary-Ann Berg" / G11 "Maryann Berg" / G12 "Mary Berg", one birth date.
    /// - G16 "Joann Holm" / G17 "Jo Ann Holm", one birth date.
    /// - G18 "Juan Ortiz" / G19 "Juna Ortiz", one e-mail; G20 "Olivia Lewis" / G21 "Olyva
    ///   Lewis-Hill", one phone and birth date.
    /// - G13 Tom and G14 Kathryn Nguyen, husband and wife (one e-mail, phone and household),
    ///   and G15 "Kathrin Nguyen" with the e-mail only: her again.
    /// - G9 "Maria Garcia" at her address, no longer enrolled: not active, not searched.
    func district(_ dir: TempDir) throws -> String {
        let db = try makeDistricts(dir, ["d1"])
        _ = dir.write(
            "b/guardians.csv",
            """
            guardian_id,given_name,family_name,email,phone,street,city,state,postcode,household_id,birth_date
            G1,Maria,García,maria@example.com,,12 Oak St,Salem,OR,97301,H1,1984-02-03
            G2,MARIA,Garcia,,,12 Oak Street,Salem,OR,97301,H2,
            G3,Maria,Garcia,,,400 Pine Rd,Salem,OR,97305,H3,1990-07-01
            G4,Garcia,Maria,,,9 Elm St,Salem,OR,97302,H4,1984-02-03
            G5,Beth,Olsen,,,1 Bay Rd,Salem,OR,97301,H5,1979-11-30
            G6,Elizabeth,Olsen,,,77 Hill Rd,Salem,OR,97301,H6,1979-11-30
            G7,李,Wang,,,5 Lake Rd,Salem,OR,97301,H7,
            G8,李,Wang,,,5 Lake Road,Salem,OR,97301,H8,
            G10,Mary-Ann,Berg,,,3 Fir St,Salem,OR,97301,H10,1988-05-05
            G11,Maryann,Berg,,,8 Ash St,Salem,OR,97301,H11,1988-05-05
            G12,Mary,Berg,,,2 Yew St,Salem,OR,97301,H12,1988-05-05
            G16,Joann,Holm,,,4 Oak St,Salem,OR,97301,H16,1975-09-09
            G17,Jo Ann,Holm,,,6 Elm St,Salem,OR,97301,H17,1975-09-09
            G18,Juan,Ortiz,juan@example.com,,1 Pine St,Salem,OR,97301,H18,
            G19,Juna,Ortiz,juan@example.com,,9 Fir St,Salem,OR,97301,H19,
            G20,Olivia,Lewis,,5035550199,1 Ash St,Salem,OR,97301,H20,1982-10-27
            G21,Olyva,Lewis-Hill,,5035550199,3 Oak St,Salem,OR,97301,H21,1982-10-27
            G13,Tom,Nguyen,nguyens@example.com,5035550100,7 Elm St,Salem,OR,97301,H13,
            G14,Kathryn,Nguyen,nguyens@example.com,5035550100,7 Elm St,Salem,OR,97301,H13,
            G15,Kathrin,Nguyen,nguyens@example.com,,,,,,,

            """)
        _ = dir.write(
            "b/students.csv",
            """
            student_id,given_name,family_name,grade,household_id
            S1,Ana,Garcia,03,H1
            S2,Luis,Garcia,05,H2
            S3,Eva,Garcia,01,H3
            S4,Rosa,Garcia,02,H4
            S5,Ida,Olsen,04,H5
            S6,Ole,Olsen,06,H6
            S7,Mei,Wang,07,H7
            S8,Lei,Wang,08,H8
            S10,Kai,Berg,01,H10
            S11,Liv,Berg,02,H11
            S12,Mia,Berg,03,H12
            S16,Per,Holm,07,H16
            S17,Eli,Holm,08,H17
            S18,Ana,Ortiz,01,H18
            S19,Leo,Ortiz,02,H19
            S20,Ava,Lewis,03,H20
            S21,Max,Lewis,04,H21
            S13,Bao,Nguyen,04,H13
            S14,Vy,Nguyen,05,H13
            S15,An,Nguyen,06,

            """)
        _ = dir.write(
            "b/relationships.csv",
            """
            guardian_id,student_id,relationship
            G1,S1,mother
            G2,S2,mother
            G3,S3,mother
            G4,S4,mother
            G5,S5,mother
            G6,S6,mother
            G7,S7,mother
            G8,S8,mother
            G10,S10,mother
            G11,S11,mother
            G12,S12,mother
            G16,S16,mother
            G17,S17,mother
            G18,S18,father
            G19,S19,father
            G20,S20,mother
            G21,S21,mother
            G13,S13,father
            G14,S14,mother
            G15,S15,mother

            """)
        let r = try runBinary(["roster", "import", dir.file("b"), "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        return db
    }

    func students(_ db: String, _ guardian: String) throws -> [String] {
        let r = try runBinary(
            ["access", "explain", "--guardian", guardian, "-o", "json", "--district", "d1"], db: db)
        #expect(r.code == 0, "\(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        return (j["students"] as? [[String: Any]])?.compactMap { $0["student_id"] as? String }
            ?? []
    }

    @Test func theChildrenOfHerOtherRecordsButNotOfAStrangerWithHerName() throws {
        let dir = TempDir()
        let db = try district(dir)
        #expect(try students(db, "G1") == ["S1", "S2", "S4"])
        // The stranger sees only her own child, though three records share her name.
        #expect(try students(db, "G3") == ["S3"])
        #expect(try students(db, "G5") == ["S5", "S6"])
        #expect(try students(db, "G6") == ["S6", "S5"])
        #expect(try students(db, "G7") == ["S7", "S8"])
        // Written with a hyphen and without: one name. Mary, born the same day, is another.
        #expect(try students(db, "G10") == ["S10", "S11"])
        #expect(try students(db, "G11") == ["S11", "S10"])
        // Written whole on one record and apart on the other, within its first letters.
        #expect(try students(db, "G16") == ["S16", "S17"])
        #expect(try students(db, "G17") == ["S17", "S16"])
        // A husband and wife share the family's e-mail, phone, household and family name: her
        // husband's child is not hers. Her record with a slip in the given name is.
        #expect(try students(db, "G14") == ["S14", "S15"])
        #expect(try students(db, "G13") == ["S13"])
        // One e-mail, a slip in the given name; one phone, the given names far apart but one
        // birth date: her again each time.
        #expect(try students(db, "G18") == ["S18", "S19"])
        #expect(try students(db, "G20") == ["S20", "S21"])
        // Asked about his child, her answer is "not linked", not a merge of the two of them.
        let asked = try runBinary(
            [
                "access", "explain", "--guardian", "G14", "--student", "S13", "-o", "json",
                "--district", "d1",
            ], db: db)
        let answer = try #require(
            ((try parseJSON(asked.out) as? [String: Any])?["students"] as? [[String: Any]])?.first)
        #expect(answer["decided_by"] as? String == "link")
        #expect(
            answer["fix"] as? String == "add the relationship in the SIS and import again",
            "\(answer)")
        // A record no longer enrolled is not offered.
        _ = dir.write(
            "b/guardians.csv",
            """
            guardian_id,given_name,family_name,email,phone,street,city,state,postcode,household_id,birth_date
            G1,Maria,García,maria@example.com,,12 Oak St,Salem,OR,97301,H1,1984-02-03
            G3,Maria,Garcia,,,400 Pine Rd,Salem,OR,97305,H3,1990-07-01

            """)
        _ = dir.write(
            "b/relationships.csv",
            "guardian_id,student_id,relationship\nG1,S1,mother\nG3,S3,mother\n")
        _ = dir.write(
            "b/students.csv",
            "student_id,given_name,family_name,grade,household_id\nS1,Ana,Garcia,03,H1\nS3,Eva,Garcia,01,H3\n"
        )
        let again = try runBinary(
            ["roster", "import", dir.file("b"), "--district", "d1", "--yes"], db: db)
        #expect(again.code == 0, "\(again.err)")
        #expect(try students(db, "G1") == ["S1"])
    }

    @Test func aNameRangeBeginsWithItsFirstLettersAndEndsBeforeTheNext() {
        #expect(Access.namePrefix("mary ann") == "mary")
        #expect(Access.namePrefix("jo") == "jo")
        #expect(Access.namePrefix("j. robert") == "j")
        #expect(Access.namePrefix("o'brien") == "o")
        #expect(Access.namePrefix("-") == "")
        #expect(Access.namePrefix("lizzie") == "lizz")
        #expect(Access.namePrefix("李 wang") == "李")
        #expect(Access.namePrefix("иван") == "иван")
        #expect(Access.followingPrefix("mari") == "marj")
        #expect(Access.followingPrefix("liz") == "li{")
        #expect(Access.followingPrefix("李") == "杏")
        #expect(Access.followingPrefix("a\u{D7FF}") == "a\u{E000}")
        // Every name that begins with the prefix sorts inside its range, byte by byte.
        for (p, name) in [("liz", "lizzie"), ("li", "liz"), ("李", "李 wang"), ("ив", "иван")] {
            let n = Array(name.utf8)
            #expect(
                !n.lexicographicallyPrecedes(Array(p.utf8))
                    && n.lexicographicallyPrecedes(Array(Access.followingPrefix(p).utf8)),
                "\(name) in \(p)")
        }
        #expect(Access.letters("o'brien-kay") == "obrienkay")
        #expect(Access.letters("李 wang") == "李wang")
    }

    @Test func nicknamesAreReadFromTheirGroupsAndLikePatternsEscaped() {
        #expect(Nicknames.variants(of: "beth").contains("elizabeth"))
        let jon = Set(Nicknames.variants(of: "jon"))
        #expect(jon.contains("john") && jon.contains("jonathan"), "two groups")
        #expect(Nicknames.variants(of: "ole").isEmpty)
        #expect(People.escapeLike(#"50%_a\b"#) == #"50\%\_a\\b"#)
        #expect(People.escapeLike("garcia") == "garcia")
    }
}
