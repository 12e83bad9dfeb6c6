import Foundation
import Testing

@testable import PortalKit

/// A re-import of native files tells a line unchanged by its hash before making its row: the
/// same district imported round after round two ways, lines told unchanged (the default) and
/// every row made (the district's rows not kept), must end the same, counts, reports and tables.
@Suite struct LineHashTests {
    /// One district "x" beside the fixture's, and the files it is imported from.
    final class District {
        let f: Fixture
        let keep: Bool
        let orderWindowBytes: Int
        let mostHeldReports: Int
        /// Options of every import beside those above (a filter of links, batches, a most).
        var options = ImportOptions()
        var reports: [String] = []

        init(
            keep: Bool, orderWindowBytes: Int = ImportOptions().orderWindowBytes,
            mostHeldReports: Int = ImportOptions().mostHeldReports
        ) throws {
            f = try Fixture()
            self.keep = keep
            self.orderWindowBytes = orderWindowBytes
            self.mostHeldReports = mostHeldReports
            let s = f.session(nil)
            try s.transaction { _ = try Districts.create(s, id: "x", name: "X", settings: []) }
        }

        func importFiles(
            _ files: [String: String], on day: String, format: RosterFormat = .csv
        ) throws -> ImportSummary {
            for name in [
                "guardians.csv", "students.csv", "relationships.csv", "users.csv", "orgs.csv",
                "demographics.csv", "roles.csv",
            ] {
                try? FileManager.default.removeItem(atPath: f.folder + "/" + name)
            }
            for (name, text) in files {
                try text.write(toFile: f.folder + "/" + name, atomically: true, encoding: .utf8)
            }
            var options = options
            options.keepKnownRows = keep
            options.orderWindowBytes = orderWindowBytes
            options.mostHeldReports = mostHeldReports
            var hooks = ImportHooks()
            hooks.everyRow = false
            hooks.row = { [unowned self] o in
                reports.append("\(o.file):\(o.line): \(o.status) \(o.message)")
            }
            return try Roster.importBundle(
                f.session("x", now: Timestamp.parse(day + "T12:00:00Z")), dir: f.folder,
                format: format, options: options, hooks: hooks)
        }

        /// The district's roster rows, every column.
        func tables() throws -> [String] {
            try ["households", "guardians", "students", "links"].flatMap { t in
                try f.db.query("SELECT * FROM \(t) WHERE district_id = 'x' ORDER BY 2, 3").map {
                    t + ": " + $0.values.map { $0.string ?? "-" }.joined(separator: "|")
                }
            }
        }
    }

    /// Imports `rounds` both ways and expects the same of both; returns the default way's
    /// summaries and reports.
    func bothWays(
        _ rounds: [(day: String, files: [String: String])], format: RosterFormat = .csv,
        options: (Int) -> ImportOptions = { _ in ImportOptions() }
    ) throws -> ([ImportSummary], [String]) {
        let told = try District(keep: true)
        let made = try District(keep: false)
        var summaries: [ImportSummary] = []
        for (n, round) in rounds.enumerated() {
            told.options = options(n)
            made.options = options(n)
            let a = try told.importFiles(round.files, on: round.day, format: format)
            let b = try made.importFiles(round.files, on: round.day, format: format)
            #expect(a.entities.map(\.counts) == b.entities.map(\.counts), "round \(n)")
            #expect(b.linesUnchanged == 0)
            #expect(told.reports == made.reports, "round \(n)")
            #expect(try told.tables() == made.tables(), "round \(n)")
            summaries.append(a)
        }
        return (summaries, told.reports)
    }

    let guardians = """
        guardian_id,given_name,family_name,street,city,postcode,birth_date,household_id
        G1,Ann,Lee,1 Oak St,Austin,78701,1980-02-03,H1
        G2,Bo,Lee,2 Elm St,Austin,78701,1/5/1979,H1
        G3,Cy,Ray,,,,,H2
        G4,Di,Ray,9 Pine St,Austin,!!bad!!,,H3
        G5,Ed,Old,5 Ash St,Austin,78701,1906-07-01,

        """
    let students = """
        student_id,given_name,family_name,birth_date,household_id
        S1,Fa,Lee,2014-03-04,H1
        S2,Gi,Ray,2015-06-07,H2

        """
    let links = """
        guardian_id,student_id,portal_access
        G1,S1,yes
        G2,S1,no
        G3,S2,yes
        G4,S2,yes

        """

    func files(
        guardians: String? = nil, students: String? = nil, links: String? = nil
    ) -> [String: String] {
        [
            "guardians.csv": guardians ?? self.guardians, "students.csv": students ?? self.students,
            "relationships.csv": links ?? self.links,
        ]
    }

    @Test func valuesThatDifferHashApart() {
        // Every length across the eight-byte words, each byte changed in turn, and pairs of
        // bytes changed at the same place of two words (where a multiply alone would keep the
        // difference in the top bits, and two could cancel).
        var hashes: [UInt64: String] = [:]
        func add(_ v: String?) {
            let h = LineHash.mix(LineHash.native, 0x80, v)
            #expect(hashes[h] == nil, "\(String(describing: v)) and \(hashes[h] ?? "")")
            hashes[h] = v ?? "(none)"
        }
        add(nil)
        let base = Array("abcdefghijklmnopqrstuvwx".utf8)
        for n in 0...base.count { add(String(decoding: base[..<n], as: UTF8.self)) }
        for n in [7, 8, 9, 15, 16, 17, 24] {
            for i in 0..<n {
                var v = Array(base.prefix(n))
                v[i] = UInt8(ascii: "Z")
                add(String(decoding: v, as: UTF8.self))
            }
        }
        for i in 0..<8 {
            for flip: UInt8 in [0x01, 0x80, 0x40] {
                var v = base
                v[i] ^= flip
                v[i + 8] ^= flip
                add(String(decoding: v, as: UTF8.self))
            }
        }
        // The tag says which column: a value moved to another column is another line.
        #expect(LineHash.mix(0, 0x80, "Ann") != LineHash.mix(0, 0x81, "Ann"))
        #expect(
            LineHash.native != LineHash.oneRosterUser && LineHash.native != LineHash.nativeAddress)
    }

    @Test func anUnchangedLineIsToldByItsHashAndEndsAsItsMadeRowWould() throws {
        let swapped = guardians.replacingOccurrences(
            of:
                "G1,Ann,Lee,1 Oak St,Austin,78701,1980-02-03,H1\nG2,Bo,Lee,2 Elm St,Austin,78701,1/5/1979,H1",
            with:
                "G2,Bo,Lee,2 Elm St,Austin,78701,1/5/1979,H1\nG1,Ann,Lee,1 Oak St,Austin,78701,1980-02-03,H1"
        ).replacingOccurrences(of: "G3,Cy,Ray", with: "G3,Cyd,Ray")
        // Columns in another order, and one the import does not read: the same values, by
        // column.
        let reordered = """
            family_name,student_id,notes,given_name,birth_date,household_id
            Lee,S1,moved in May,Fa,2014-03-04,H1
            Ray,S2,,Gi,2015-06-07,H2

            """
        let (summaries, reports) = try bothWays([
            ("2026-06-01", files()),
            ("2026-06-02", files()),
            ("2026-06-03", files(guardians: swapped)),
            ("2026-06-04", files(guardians: swapped, students: reordered)),
            // A year on, G5's birth date is more than 120 years ago: made and left out.
            ("2027-06-05", files(guardians: swapped, students: reordered)),
        ])
        func counts(_ n: Int, _ t: String) -> EntityCounts? {
            summaries[n].entities.first { $0.name == t }?.counts
        }
        #expect(summaries[0].linesUnchanged == 0)
        // Unchanged: every line but G4's (a bad postcode left out is reported every time) and
        // G5's (born in the year 120 years ago: its date may have become too old since), and
        // the households, given by the address their first guardian's line gives.
        #expect(summaries[1].linesUnchanged == 3 + 2 + 4, "\(summaries[1])")
        #expect(counts(1, "guardians")?.unchanged == 5 && counts(1, "guardians")?.warnings == 1)
        #expect(counts(1, "households")?.unchanged == 3)
        #expect(
            reports.filter { $0.hasPrefix("guardians.csv:5: warning postcode") }.count == 5,
            "\(reports)")
        // G2 now comes first and gives H1 its address: the household changes though G2's line
        // did not; G3's name changed.
        #expect(counts(2, "households")?.updated == 1 && counts(2, "guardians")?.updated == 1)
        #expect(summaries[2].linesUnchanged == 2 + 2 + 4, "\(summaries[2])")
        #expect(counts(3, "students")?.unchanged == 2 && summaries[3].linesUnchanged == 3 + 2 + 4)
        #expect(counts(4, "guardians")?.updated == 1 && summaries[4].linesUnchanged == 3 + 2 + 4)
        #expect(reports.last { $0.hasPrefix("guardians.csv:6:") }?.contains("birth_date") == true)
    }

    @Test func aLinksFilesUnchangedLinesAreMarkedMetAsTheirRowsWouldBe() throws {
        // Lines of links whose ids read as they are go in runs (`HeldLines`), marked met
        // without their rows made; a line with an id spaced, or guarded as an export writes
        // "-G6", has its row made (and is told unchanged so). Either way, the same as every
        // row made: a link repeated, a link left out (inactivated), in batches of two rows,
        // and with a filter of links so small that it takes most links for met before (each
        // then held and settled by reading the file again).
        let guardians = self.guardians + "'-G6,Fo,Day,,,,,H4\n"
        let extra = (10..<310).map { "S\($0)" }
        let students = self.students + extra.map { "\($0),Ha,Day,,H4\n" }.joined()
        let links = self.links + " G3 ,S1,yes\n'-G6,S2,yes\n"
        let many = links + extra.map { "'-G6,\($0),yes\nG1,\($0),no\n" }.joined()
        let repeated = links.replacingOccurrences(of: "G2,S1,no\n", with: "") + "G1,S1,yes\n"
        func bundle(_ links: String) -> [String: String] {
            files(guardians: guardians, students: students, links: links)
        }
        let (summaries, reports) = try bothWays(
            [
                ("2026-06-01", bundle(links)),
                ("2026-06-02", bundle(links)),
                ("2026-06-03", bundle(repeated)),
                ("2026-06-04", bundle(many)),
                ("2026-06-05", bundle(many)),
                ("2026-06-06", bundle(many)),
            ],
            options: { n in
                var o = ImportOptions()
                if n == 4 { o.batchSize = 2 }
                if n == 5 { o.linkFilterBytes = 64 }
                return o
            })
        func counts(_ n: Int, _ t: String) -> EntityCounts? {
            summaries[n].entities.first { $0.name == t }?.counts
        }
        // Guardians G1, G2, G3 and G6 (G4's bad postcode and G5's old birth date are made
        // again), 302 students, 6 links.
        #expect(summaries[1].linesUnchanged == 4 + 302 + 6, "\(summaries[1])")
        #expect(counts(1, "links")?.unchanged == 6)
        // G1,S1 named twice: the second rejected, naming the first's line; G2,S1 left out.
        #expect(
            reports.contains {
                $0.hasPrefix("relationships.csv:7: rejected") && $0.contains("line 2")
            }, "\(reports)")
        #expect(counts(2, "links")?.inactivated == 1 && counts(2, "links")?.unchanged == 5)
        // G2,S1 is back (active again), and 600 links new.
        #expect(
            counts(3, "links")?.created == 600 && counts(3, "links")?.updated == 1
                && counts(3, "links")?.unchanged == 5, "\(summaries[3])")
        for n in 4...5 {
            #expect(counts(n, "links")?.unchanged == 606, "round \(n)")
            #expect(summaries[n].linesUnchanged == 4 + 302 + 606, "round \(n)")
        }
    }

    @Test func inACallersTransactionTheDistrictsRowsAreReadAsItSeesThem() throws {
        // The students' and links' rows are read through a second connection only when the
        // import's transaction is its own: inside a caller's, that connection would not see
        // what the caller changed (here, a stored hash cleared), and would tell S1's line
        // unchanged.
        let d = try District(keep: true)
        _ = try d.importFiles(files(), on: "2026-06-01")
        let s = d.f.session("x", now: Timestamp.parse("2026-06-02T12:00:00Z"))
        let summary = try s.transaction {
            try s.db.execute(
                "UPDATE students SET row_hash = NULL WHERE district_id = 'x' AND student_id = 'S1'")
            return try Roster.importBundle(
                s, dir: d.f.folder, format: .csv, options: ImportOptions(),
                hooks: ImportHooks())
        }
        // G1, G2, G3 and S2 and the four links: S1 is made (and stored again, unchanged).
        #expect(summary.linesUnchanged == 3 + 1 + 4, "\(summary)")
        #expect(summary.entities.first { $0.name == "students" }?.counts.unchanged == 2)
        let stored = try d.f.db.first(
            "SELECT row_hash FROM students WHERE district_id = 'x' AND student_id = 'S1'")
        #expect(stored?.string("row_hash") != nil)
    }

    @Test func aRepeatedLineAndALinkToARejectedGuardianAreSettledAsBefore() throws {
        let again = guardians + "G1,Ann,Lee,1 Oak St,Austin,78701,1980-02-03,H1\n"
        let rejected = guardians.replacingOccurrences(of: "G3,Cy,Ray", with: "G3,,Ray")
        let (summaries, reports) = try bothWays([
            ("2026-06-01", files()),
            ("2026-06-02", files(guardians: again)),
            ("2026-06-03", files(guardians: rejected)),
        ])
        #expect(
            reports.contains {
                $0.hasPrefix("guardians.csv:7: rejected") && $0.contains("first seen on line 2")
            }, "\(reports)")
        // G3 is rejected, but the district still has it: its link stays, told unchanged.
        #expect(summaries[2].entities.first { $0.name == "links" }?.counts.unchanged == 4)
        #expect(summaries[2].linesUnchanged == 2 + 2 + 4)
    }

    @Test func aOneRosterUserIsToldUnchangedOnlyWhenWhatTheOtherFilesSayOfItIsToo() throws {
        let users = """
            sourcedId,status,role,givenName,familyName,agentSourcedIds,orgSourcedIds,grades
            s1,active,student,Ana,Lee,"g1,g2",org-1,05
            s2,active,student,Bo,Ray,g3,org-2,03
            g1,active,parent,Cy,Lee,,,
            g2,active,guardian,Di,Lee,,,
            g3,active,parent,Ed,Ray,,,

            """
        let orgs = "sourcedId,name,type\norg-1,North,school\norg-2,South,school\n"
        let births = "sourcedId,birthDate\ns1,2014-03-04\ng1,1980-01-02\n"
        func bundle(
            users: String? = nil, orgs: String? = nil, births: String? = nil,
            roles: String? = nil
        ) -> [String: String] {
            var files = [
                "users.csv": users ?? "", "orgs.csv": orgs ?? "",
                "demographics.csv": births ?? "",
            ]
            if let roles { files["roles.csv"] = roles }
            return files
        }
        let all = bundle(users: users, orgs: orgs, births: births)
        // Mostly the other files change: a birth date, a school that is one no more, a guardian
        // named by another student (the households follow), a guardian's birth date given.
        let (summaries, _) = try bothWays(
            [
                ("2026-06-01", all), ("2026-06-02", all),
                (
                    "2026-06-03",
                    bundle(
                        users: users, orgs: orgs,
                        births: "sourcedId,birthDate\ns1,2014-03-05\ng1,1980-01-02\n")
                ),
                (
                    "2026-06-04",
                    bundle(
                        users: users,
                        orgs: "sourcedId,name,type\norg-1,North,school\norg-2,South,district\n",
                        births: births)
                ),
                (
                    "2026-06-05",
                    bundle(
                        users: users.replacingOccurrences(of: "g3,org-2", with: "\"g3,g2\",org-2"),
                        orgs: orgs, births: births)
                ),
                (
                    "2026-06-06",
                    bundle(
                        users: users.replacingOccurrences(of: "g3,org-2", with: "\"g3,g2\",org-2"),
                        orgs: orgs, births: births + "g2,1979-05-06\n")
                ),
            ], format: .oneroster)
        func counts(_ n: Int, _ t: String) -> EntityCounts? {
            summaries[n].entities.first { $0.name == t }?.counts
        }
        #expect(summaries[1].linesUnchanged == 5, "\(summaries[1])")
        #expect(counts(2, "students")?.updated == 1 && summaries[2].linesUnchanged == 4)
        // s1's birth date back as it was, s2's school no longer one.
        #expect(counts(3, "students")?.updated == 2 && summaries[3].linesUnchanged == 3)
        // s2 names g2 too: s2 and g3 join the household of s1, g1 and g2 (one group), and s2's
        // school is back.
        #expect(counts(4, "students")?.updated == 1 && counts(4, "guardians")?.updated == 1)
        #expect(summaries[4].linesUnchanged == 3, "\(summaries[4])")
        #expect(counts(5, "guardians")?.updated == 1 && summaries[5].linesUnchanged == 4)
    }
}
