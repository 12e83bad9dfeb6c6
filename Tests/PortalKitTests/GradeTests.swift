import Testing

@testable import PortalKit

/// Grades as SIS exports spell them, put in school order.
@Suite struct GradeTests {
    @Test func spellingsOfOneGradeAreEqual() throws {
        for (spellings, rank) in [
            (["PK", "pre-k", "PreK", "Pre-Kindergarten"], -2),
            (["K", "KG", "kn", "Kindergarten", "0", "00"], 0),
            (["1", "01", "1st", "Grade 1", "GR1", " 1 "], 1),
            (["12", "12th", "Grade 12", "12th Grade", "12TH GRADE"], 12),
            (["9th grade", " 9th  Grade "], 9),
            (["TK"], -1), (["IT"], -4), (["PR"], -3), (["PS"], 14),
        ] {
            for s in spellings { #expect(Grade(s)?.rank == rank, "\(s)") }
        }
    }

    @Test func preKindergartenAndKindergartenComeBeforeFirstGrade() throws {
        let order = ["PK", "TK", "K", "1", "05", "12th"].compactMap(Grade.init)
        #expect(order == order.sorted() && order.count == 6)
        #expect(try #require(Grade("K")) < #require(Grade("1")))
        #expect(Grade("K")?.description == "K" && Grade("07")?.description == "7")
    }

    @Test func wordsAndBlanksHaveNoPlace() {
        for s in [
            "UG", "Other", "", "sixth", "14", "-1", "123", "1a", "Grade", "sixth grade", "grade",
        ] {
            #expect(Grade(s) == nil, "\(s)")
        }
    }
}
