import Foundation
import Testing

@testable import PortalKit

@Suite struct OneRosterImportTests {
    @Test func aRepeatedNumberedIdIsNamedWithItsFirstLineAndOtherRolesCountOnce() throws {
        // Numbered sourcedIds keep no line: users.csv is read again to find it, and the users
        // of other roles read twice are still counted once.
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "b/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            1001,active,teacher,T,One,
            2001,active,student,S,Two,3001
            3001,active,parent,P,Three,2001
            2001,active,student,S,Again,
            4001,active,aide,A,Four,

            """)
        let results = dir.file("results.csv")
        let r = try runBinary(
            [
                "roster", "import", dir.file("b"), "--format", "oneroster", "--results", results,
                "--district", "d1",
            ], db: db)
        #expect(r.code == 3)
        #expect(
            r.err.contains(
                "users.csv:5: sourcedId: duplicate id (first seen on line 3); this row was skipped"),
            "\(r.err)")
        // users.csv's columns (its status told apart); a link, from agentSourcedIds, has none,
        // and is given at the line that named it.
        let res = try String(contentsOfFile: results, encoding: .utf8)
        #expect(
            res.hasPrefix(
                "file,line,id,sourcedId,status (in file),role,givenName,familyName,agentSourcedIds,status,message\r\n"
            ), "\(res)")
        #expect(res.contains("users.csv,3,2001,2001,active,student,S,Two,3001,created,\r\n"))
        #expect(res.contains("users.csv,3,3001/2001,,,,,,,created,\r\n"), "\(res)")
        #expect(
            r.err.contains("note: users.csv: skipped 2 users with other roles (aide 1, teacher 1)"))
    }

    /// Into a new database, the indexes whose keys the rows come in the order of (numbered
    /// ids, each household named after its first guardian) are kept up to date as the rows go
    /// in, before any row: made before the other look-up indexes, which are built at the end.
    /// With the users on disk (no ranks of their ids), those are built at the end, in the
    /// schema's order. The index of the guardians that have a phone number, which users.csv
    /// without a phone column gives none, is kept from the very start either way. Every index
    /// holds its table's rows.
    @Test(arguments: [false, true])
    func indexesWhoseKeysComeInOrderAreKeptUpToDate(onDisk: Bool) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        var lines = ["sourcedId,status,role,givenName,familyName,email,agentSourcedIds"]
        for i in 0..<300 {
            lines.append("g\(10_000 + 2 * i),active,parent,Pat\(i),Lee,pat\(i)@example.org,")
            lines.append("g\(10_001 + 2 * i),active,parent,Sam\(i),Lee,,")
            lines.append(
                "s\(20_000 + i),active,student,Kim\(i),Lee,,\"g\(10_000 + 2 * i),g\(10_001 + 2 * i)\""
            )
        }
        _ = dir.write("b/users.csv", lines.joined(separator: "\n") + "\n")
        let r = try runBinary(
            ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
            db: db, env: onDisk ? ["PORTALADMIN_ID_MEMORY_BYTES": "0"] : [:])
        #expect(r.code == 0, "\(r.err)")
        let d = try reopen(db)
        #expect(try d.count("SELECT count(*) FROM links") == 600)
        // (The order is that of SQLite's catalogue; PostgreSQL's indexes are its own.)
        guard !db.contains("://") else { return }
        let indexes = try indexesInSchemaOrder(d, of: ["guardians", "students", "links"])
        let inSchemaOrder = [
            "guardians_by_phone", "guardians_by_household", "guardians_by_name",
            "guardians_by_email", "students_by_household", "links_by_student",
        ]
        #expect(
            indexes
                == (onDisk
                    ? inSchemaOrder
                    : [
                        "guardians_by_phone", "links_by_student", "students_by_household",
                        "guardians_by_household", "guardians_by_name", "guardians_by_email",
                    ]),
            "\(indexes)")
        #expect(try d.count("SELECT count(*) FROM guardians WHERE email IS NOT NULL") == 300)
        // (Every index holds exactly its table's rows.)
        #expect(try d.scalar("PRAGMA integrity_check")?.string == "ok")
    }

    /// A first import writes the links whose ends both exist in runs, not a row each (see
    /// `RosterWriter.writesLinkRuns`): the same links, counts and reports as an import that
    /// reports every row (`--results`), which writes one row each. A link to a guardian whose
    /// line was rejected is rejected at the line that named it, between runs; one to an id no
    /// line gives is not made (a note counts them); a relative's link has no portal access.
    @Test func linksWrittenInRunsAreThoseWrittenOneByOne() throws {
        let dir = TempDir()
        var lines = ["sourcedId,status,role,givenName,familyName,agentSourcedIds"]
        for i in 0..<300 {
            // Every 50th guardian has no family name (rejected), every 7th is a relative.
            let role = i % 7 == 0 ? "relative" : "parent"
            lines.append("g\(1000 + i),active,\(role),Pat\(i),\(i % 50 == 3 ? "" : "Lee"),")
            // Every 40th student names a guardian no line gives.
            let unknown = i % 40 == 5 ? ",g9999" : ""
            lines.append(
                "s\(2000 + i),active,student,Kim\(i),Lee,\"g\(1000 + i),g\(1000 + (i + 1) % 300)\(unknown)\""
            )
        }
        _ = dir.write("b/users.csv", lines.joined(separator: "\n") + "\n")
        let runs = try LinksImported(dir, last: "b", reportingEveryRow: false)
        let oneByOne = try LinksImported(dir, last: "b", reportingEveryRow: true)
        // 600 links named by students, 6 guardians rejected (two links each).
        #expect(runs.counts["created"] == 600 - 12, "\(runs.counts)")
        #expect(runs.counts["rejected"] == 12, "\(runs.counts)")
        #expect(runs.counts == oneByOne.counts)
        #expect(runs.links == oneByOne.links)
        #expect(runs.links.count == 588)
        #expect(runs.links.contains { $0.hasPrefix("g1007,s2007,relative,0,0,active,") })
        #expect(runs.err == oneByOne.err)
        #expect(
            runs.err.contains { $0.contains("users.csv:9: link g1003/s2003: guardian_id") },
            "\(runs.err)")
        #expect(runs.err.contains { $0.contains("note: users.csv: 8 links") }, "\(runs.err)")
    }

    /// A re-import marks the district's links it finds unchanged met in runs, not a row each
    /// (see `RosterWriter.writeHeldLinks`): the same counts, links and reports as a re-import
    /// that reports every row. A link the file no longer names is marked inactive (the others
    /// were met); one whose role changed is updated, not in a run.
    @Test func linksFoundUnchangedInRunsAreThoseFoundOneByOne() throws {
        let dir = TempDir()
        func bundle(_ name: String, changed: Bool) {
            var lines = ["sourcedId,status,role,givenName,familyName,agentSourcedIds"]
            for i in 0..<300 {
                let role = changed && i % 30 == 4 ? "relative" : "parent"
                let family = changed && i == 77 ? "" : "Lee"
                lines.append("g\(1000 + i),active,\(role),Pat\(i),\(family),")
                // The second guardian of every 25th student is dropped.
                let second = changed && i % 25 == 9 ? "" : ",g\(1000 + (i + 1) % 300)"
                lines.append("s\(2000 + i),active,student,Kim\(i),Lee,\"g\(1000 + i)\(second)\"")
            }
            _ = dir.write("\(name)/users.csv", lines.joined(separator: "\n") + "\n")
        }
        bundle("first", changed: false)
        bundle("again", changed: true)
        let runs = try LinksImported(dir, first: "first", last: "again", reportingEveryRow: false)
        let oneByOne = try LinksImported(
            dir, first: "first", last: "again", reportingEveryRow: true)
        // 600 links before; 12 second guardians dropped (inactive), 10 guardians relatives now
        // (their 20 links updated). Guardian g1077's line is rejected, but the district holds
        // it: its links stay, unchanged.
        #expect(runs.counts["inactivated"] == 12, "\(runs.counts)")
        #expect(runs.counts["updated"] == 20, "\(runs.counts)")
        #expect(runs.counts["rejected"] == 0, "\(runs.counts)")
        #expect(runs.counts["unchanged"] == 600 - 12 - 20, "\(runs.counts)")
        #expect(runs.counts == oneByOne.counts)
        #expect(runs.links == oneByOne.links)
        #expect(runs.links.filter { $0.contains(",inactive,") }.count == 12)
        #expect(runs.err == oneByOne.err)
    }

    /// A re-import's guardians and students found unchanged are marked met in runs, with no
    /// row each (see `RosterWriter.writeHeldUsers`): the same reports, counts and tables as
    /// an import without the district's rows in memory, which makes every row, and as one
    /// that reports every row (`--results`), which makes each a row of its own. A line found
    /// unchanged whose id a line before gave is a repeat that names that line; the first
    /// student of each school, an unchanged line too, is written as its row; a changed
    /// guardian is updated, a student no longer given ends, across batches of rows.
    @Test func usersFoundUnchangedInRunsAreThoseFoundOneByOne() throws {
        let dir = TempDir()
        _ = dir.write(
            "b/orgs.csv",
            "sourcedId,name,type\norg-1,North School,school\norg-2,South School,school\n")
        func users(changed: Bool) -> String {
            var lines = [
                "sourcedId,status,role,givenName,familyName,email,agentSourcedIds,orgSourcedIds"
            ]
            for i in 0..<700 {
                let email = changed && i == 20 ? "pat\(i)@example.org" : ""
                lines.append("g\(1000 + i),active,parent,Pat\(i),Lee\(i % 50),\(email),,")
                if changed && i == 30 { continue }
                lines.append(
                    "s\(2000 + i),active,student,Kim\(i),Lee\(i % 50),,g\(1000 + i),org-\(i % 2 + 1)"
                )
                if i == 400 { lines.append(lines[7]) }  // g1003 again, as it was
            }
            lines.append("t1,active,teacher,Tess,Ray,,,org-1")
            lines.append(lines[12])  // s2005 again
            return lines.joined(separator: "\n") + "\n"
        }
        let runs = try importBothWays(dir.file("b"), format: "oneroster") { round in
            _ = dir.write("b/users.csv", users(changed: round == 1))
        }
        let again = runs[3...5].joined(separator: "\n")
        #expect(runs[3] == "exit 3", "\(again)")
        #expect(
            again.contains("users.csv:803: sourcedId: duplicate id (first seen on line 8)"),
            "\(again)")
        #expect(
            again.contains("users.csv:1403: sourcedId: duplicate id (first seen on line 13)"),
            "\(again)")
        let year = try #require(try parseJSON(runs[4]) as? [String: Any])
        let entities = try #require(year["entities"] as? [String: [String: Int]])
        // (g1030's household went with its student.)
        #expect(entities["guardians"]?["updated"] == 2, "\(entities)")
        #expect(entities["guardians"]?["unchanged"] == 698, "\(entities)")
        #expect(entities["students"]?["unchanged"] == 699, "\(entities)")
        #expect(entities["students"]?["inactivated"] == 1, "\(entities)")
        #expect(entities["households"]?["unchanged"] == 699, "\(entities)")
        // The same re-import reporting every row: the same reports and counts.
        let place = TempDir()
        let db = try makeDistricts(place)
        func run(_ extra: [String]) throws -> RunResult {
            try runBinary(
                [
                    "roster", "import", dir.file("b"), "--format", "oneroster", "-o", "json",
                    "--district", "d1", "--yes",
                ] + extra, db: db)
        }
        _ = dir.write("b/users.csv", users(changed: false))
        #expect(try run([]).code == 3)
        _ = dir.write("b/users.csv", users(changed: true))
        let oneByOne = try run(["--results", place.file("results.csv")])
        // (But for the hint, which names the results file.)
        func reports(_ err: String) -> [Substring] {
            err.split(separator: "\n").filter { !$0.hasPrefix("hint: ") }
        }
        #expect(reports(oneByOne.err) == reports(runs[5]), "\(oneByOne.err)")
        #expect(oneByOne.out == runs[4], "\(oneByOne.out)")
    }

    /// A delta gives only the users that changed: a new student's parent the district has
    /// already, named in agentSourcedIds but not given, is linked (with the role of the
    /// parent's links there), and the students it names join the parent's household there; an
    /// agent neither gives is still counted, not made. A link to such a parent that the district
    /// has is left as it is (never changed by a row the file does not give). On disk as in
    /// memory.
    @Test(arguments: [false, true])
    func aDeltaLinksANewStudentToAParentTheDistrictHas(onDisk: Bool) throws {
        let d = try DeltaDistrict(onDisk: onDisk)
        d.write(
            "full",
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds
                S1,active,student,Al,Lee,"P0,P1"
                P0,active,guardian,Bo,Lee,S1
                P1,active,parent,Cy,Lee,S1

                """)
        #expect(try d.importing("full").code == 0)
        try reopen(d.db).execute(
            "UPDATE links SET custodial = 0 WHERE guardian_id = 'P1' AND student_id = 'S1'")
        d.write(
            "delta", delta: true,
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds
                S5,active,student,Di,Lee,"P1,PX"
                S1,active,student,Al,Lee,"P1,P0"

                """)
        let delta = try d.importing("delta")
        #expect(delta.code == 0, "\(delta.err)")
        #expect(
            delta.err.contains(
                "note: users.csv: 1 link in agentSourcedIds or relationships.csv names a user that users.csv does not give as a student or guardian"
            ), "\(delta.err)")
        let links = try reopen(d.db).query(
            "SELECT guardian_id, student_id, relationship, custodial, status FROM links ORDER BY 1, 2"
        ).map {
            "\($0.text("guardian_id"))-\($0.text("student_id")) \($0.text("relationship")) \($0.text("custodial")) \($0.text("status"))"
        }
        #expect(
            links == [
                "P0-S1 guardian 1 active", "P1-S1 parent 0 active", "P1-S5 parent 1 active",
            ], "\(links)")
        // Named after P0, the smallest guardian of the group: the household P0 has in the
        // district, not one of its own.
        #expect(try d.households() == ["P0 hh-P0", "P1 hh-P0", "S1 hh-P0", "S5 hh-P0"])
        #expect(
            try reopen(d.db).count("SELECT count(*) FROM guardians WHERE district_id = 'd1'") == 2,
            "no guardian row made for P1")
        // The same delta again changes nothing.
        let before = try dump(d.db)
        #expect(try d.importing("delta").code == 0)
        #expect(try dump(d.db) == before)
    }

    /// A delta's user with agentSourcedIds gives all its agents: the district's links from it
    /// to anyone neither side nor relationships.csv names any more end (marked inactive, said,
    /// asked as a full import asks); a user given with the field empty, a user not given and a
    /// line not read cleanly keep theirs. On disk as in memory.
    @Test(arguments: [false, true])
    func aDeltaEndsTheLinksItsUsersNoLongerName(onDisk: Bool) throws {
        let d = try DeltaDistrict(onDisk: onDisk)
        d.write(
            "full",
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds
                S1,active,student,Al,Lee,"P1,P2"
                S2,active,student,Bo,Lee,"P1,P3"
                S3,active,student,Cy,Lee,P2
                S4,active,student,Di,Ray,P4
                P1,active,parent,Ed,Lee,"S1,S2"
                P2,active,guardian,Flo,Lee,"S1,S3"
                P3,active,parent,Gus,Lee,S2
                P4,active,parent,Hal,Ray,S4

                """)
        #expect(try d.importing("full").code == 0)
        // S1 no longer names P2; P1 no longer names S2, but relationships.csv does; P3 is
        // given with agentSourcedIds empty; S4's line is cut short by an open quote after it;
        // S3 names a P2 mistyped, no one.
        d.write(
            "delta", delta: true,
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds,email
                S1,active,student,Al,Lee,P1
                P1,active,parent,Ed,Lee,S1
                P3,active,parent,Gus,Lee,
                S3,active,student,Cy,Lee,P2x
                S4,active,student,Di,Ray,P9,"di@example.com

                """)
        _ = d.dir.write(
            "delta/relationships.csv",
            "userSourcedId,relationshipUserSourcedId,relationshipRole\nS2,P1,parent\n")
        let before = try dump(d.db)
        // One of six links: more than a tenth, so a script is asked for --yes first.
        let refused = try d.importing("delta")
        #expect(refused.code == 64, "\(refused.err)")
        #expect(
            refused.err.contains(
                "error: This import marks 1 of 6 links inactive (no longer among the agents of the users the delta gives). This needs confirmation"
            ), "\(refused.err)")
        #expect(refused.err.contains("hint: add --yes"), "\(refused.err)")
        #expect(try dump(d.db) == before, "nothing written")
        // A trial of the first rows ends nothing: it writes only those.
        let linksBefore = try d.links()
        #expect(try d.importing("delta", ["--max-rows", "1", "--yes"]).code == 0)
        #expect(try d.links() == linksBefore)
        let delta = try d.importing("delta", ["--yes"])
        #expect(delta.code == 3, "\(delta.err)")
        #expect(
            delta.err.contains(
                "note: users.csv: 1 link of users the delta gives to someone their agentSourcedIds no longer name (nor relationships.csv): ended, marked inactive"
            ), "\(delta.err)")
        #expect(delta.out.contains("links\t0\t0\t2\t0\t1\t0\n"), "\(delta.out)")
        #expect(
            try d.links() == [
                "P1-S1 active", "P1-S2 active", "P2-S1 inactive", "P2-S3 active", "P3-S2 active",
                "P4-S4 active",
            ])
        // The same delta again ends nothing more.
        let after = try dump(d.db)
        #expect(try d.importing("delta", ["--yes"]).code == 3)
        #expect(try dump(d.db) == after)
    }

    /// A small delta into a large district looks each of its users' links up instead of every
    /// link of the district: the same links end, from the student's side or the guardian's,
    /// each once.
    @Test func aSmallDeltaEndsTheSameLinksLookingUpEachUsersOwn() throws {
        let d = try DeltaDistrict()
        var users = [
            "sourcedId,status,role,givenName,familyName,agentSourcedIds",
            "S1,active,student,Al,Lee,\"P1,P2\"", "P1,active,parent,Ed,Lee,S1",
            "P2,active,parent,Flo,Lee,\"S1,S9\"", "S9,active,student,Ina,Lee,P2",
            "S5,active,student,Bo,Ray,P5", "S6,active,student,Cy,Ray,P5",
            "P5,active,parent,Hal,Ray,\"S5,S6\"",
        ]
        for i in 10..<50 {
            users += [
                "S\(i),active,student,Kid,Doe\(i),P\(i)", "P\(i),active,parent,Pat,Doe\(i),S\(i)",
            ]
        }
        d.write("full", users: users.joined(separator: "\n") + "\n")
        #expect(try d.importing("full").code == 0)
        // S1 no longer names P2, nor P2 S1 (met from both sides, ended once); P5 no longer
        // names S6, which the delta does not give.
        d.write(
            "delta", delta: true,
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds
                S1,active,student,Al,Lee,P1
                P2,active,parent,Flo,Lee,S9
                P5,active,parent,Hal,Ray,S5

                """)
        let delta = try d.importing("delta")
        #expect(delta.code == 0, "\(delta.err)")
        #expect(
            delta.err.contains("note: users.csv: 2 links of users the delta gives"), "\(delta.err)")
        let ended = try d.links().filter { $0.hasSuffix("inactive") }
        #expect(ended == ["P2-S1 inactive", "P5-S6 inactive"])
        #expect(try d.links().count == 45)
    }

    /// A delta gives no households: a parent it gives (its e-mail changed) stays in the
    /// household the district has for it, and a new student linked to it joins that one, not
    /// a household of their own derived from the delta's few links. On disk as in memory, and
    /// in a delta naming so many households that the district's guardians are read at once.
    @Test(arguments: [(false, 0), (true, 0), (false, 1100), (true, 1100)])
    func aDeltaKeepsAParentInItsHousehold(onDisk: Bool, families: Int) throws {
        let d = try DeltaDistrict(onDisk: onDisk)
        let others = (0..<families).map {
            "F\($0)S,active,student,Kid,Doe,,F\($0)P\nF\($0)P,active,parent,Pat,Doe,,F\($0)S\n"
        }.joined()
        d.write(
            "full",
            users: """
                sourcedId,status,role,givenName,familyName,email,agentSourcedIds
                S1,active,student,Al,Lee,,"P0,P1"
                P0,active,guardian,Bo,Lee,bo@example.com,S1
                P1,active,parent,Cy,Lee,cy@example.com,S1

                """ + others)
        d.write(
            "delta", delta: true,
            users: """
                sourcedId,status,role,givenName,familyName,email,agentSourcedIds
                P1,active,parent,Cy,Lee,cy.lee@example.com,"S1,S5"
                S5,active,student,Di,Lee,,P1

                """ + others)
        for bundle in ["full", "delta"] {
            let r = try d.importing(bundle)
            #expect(r.code == 0, "\(bundle): \(r.err)")
        }
        let members = try d.households()
        #expect(
            members.filter { !$0.hasPrefix("F") }
                == ["P0 hh-P0", "P1 hh-P0", "S1 hh-P0", "S5 hh-P0"])
        #expect(members.contains("F7S hh-F7P") == (families > 7))
        #expect(try reopen(d.db).count("SELECT count(*) FROM households") == 1 + families)
    }

    /// A guardian merged in the portal is still two ids in the SIS: a delta's student naming
    /// the one merged away names the link that moved to the one kept, which stays; neither,
    /// given itself with its own agents, ends anything (the one kept has links that came from
    /// the other, whose agents the SIS gives apart).
    @Test func aDeltaNamingAMergedGuardianKeepsTheLinkMovedToTheOneKept() throws {
        let d = try DeltaDistrict()
        d.write(
            "full",
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds
                S1,active,student,Al,Lee,"P1,P2"
                S2,active,student,Bo,Lee,P2
                P1,active,parent,Ed,Lee,S1
                P2,active,parent,Ed,Lee,"S1,S2"

                """)
        #expect(try d.importing("full").code == 0)
        #expect(
            try runBinary(["guardian", "merge", "P1", "P2", "--yes", "--district", "d1"], db: d.db)
                .code == 0)
        d.write(
            "delta", delta: true,
            users: """
                sourcedId,status,role,givenName,familyName,agentSourcedIds
                S1,active,student,Al,Lee,P2
                P2,active,parent,Ed,Lee,S1
                P1,active,parent,Ed,Lee,S1

                """)
        #expect(try d.links() == ["P1-S1 active", "P1-S2 active"])
        let delta = try d.importing("delta")
        #expect(delta.code == 0, "\(delta.err)")
        #expect(!delta.err.contains("ended"), "\(delta.err)")
        #expect(try d.links() == ["P1-S1 active", "P1-S2 active"])
    }

    /// So many repeats that the writer reads users.csv again while the file is still being
    /// read (every 4,096 held rows), among teachers: each teacher is counted once, and each
    /// repeat named with its first line.
    @Test func repeatsReadAgainMidFileCountOtherRolesOnce() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        var lines = ["sourcedId,status,role,givenName,familyName"]
        var teachers = 0
        for _ in 0..<3 {
            for i in 1...2100 {
                lines.append("\(i),active,student,S\(i),Lee")
                for _ in 0..<2 {
                    teachers += 1
                    lines.append("T\(teachers),active,teacher,T,Ray")
                }
            }
        }
        _ = dir.write("b/users.csv", lines.joined(separator: "\n") + "\n")
        let r = try runBinary(
            ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
            db: db)
        #expect(r.code == 3)
        #expect(
            r.err.contains(
                "note: users.csv: skipped 12600 users with other roles (teacher 12600)"),
            "\(r.err.suffix(600))")
        // Student 7's second line is line 2 + 2100 * 3 + 6 * 3 = 6320.
        #expect(
            r.err.contains(
                "users.csv:6320: sourcedId: duplicate id (first seen on line 20); this row was skipped"
            ))
        #expect(
            try reopen(db).count("SELECT count(*) FROM students WHERE district_id = 'd1'") == 2100)
    }

    /// A delta export says so in manifest.csv (`file.users,delta`): only its users change, and
    /// no one it leaves out is marked inactive, as with --delta (read as a whole export, the
    /// rest of the district would be, and a script passing --yes is not asked). The same files
    /// with `bulk` mark the others inactive. A users.csv beside a manifest that says there is
    /// none (`absent`) is left from another export: refused; so is a mode that is none of
    /// these, unless the import is asked for as a delta.
    /// A bundle without demographics.csv, or a users.csv without an email or grades column,
    /// says nothing of birth dates, e-mail or grades: the district's students and guardians
    /// keep theirs. (OneRoster gives no addresses: a guardian's stay as they were.)
    @Test func whatABundleDoesNotGiveIsKept() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "full/users.csv",
            """
            sourcedId,status,role,givenName,familyName,email,grades,agentSourcedIds
            S1,active,student,Al,Lee,al@school.example,05,P1
            P1,active,parent,Ann,Lee,ann@example.org,,S1

            """)
        _ = dir.write(
            "full/demographics.csv", "sourcedId,birthDate\nS1,2014-03-04\nP1,1980-02-03\n")
        _ = dir.write(
            "lean/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            S1,active,student,Albert,Lee,P1
            P1,active,parent,Ann,Lee,S1

            """)
        for bundle in ["full", "lean", "lean"] {
            let r = try runBinary(
                [
                    "roster", "import", dir.file(bundle), "--format", "oneroster", "--district",
                    "d1",
                ],
                db: db)
            #expect(r.code == 0, "\(bundle): \(r.err)")
        }
        let d = try reopen(db)
        let st = try #require(
            try d.first(
                "SELECT given_name, email, grade, birth_date FROM students WHERE district_id = 'd1' AND student_id = 'S1'"
            ))
        #expect(st.values.map { $0.string } == ["Albert", "al@school.example", "05", "2014-03-04"])
        let g = try #require(
            try d.first(
                "SELECT email, birth_date FROM guardians WHERE district_id = 'd1' AND guardian_id = 'P1'"
            ))
        #expect(g.values.map { $0.string } == ["ann@example.org", "1980-02-03"])
    }

    /// users.csv (or roles.csv, which says who is whom) cut in the middle of a row: the users
    /// after the cut are absent from the file, not from the district, so a full import is
    /// refused before it marks them inactive; nothing written.
    @Test func aUsersFileCutInTheMiddleOfARowEndsNoOne() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let users = """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            S1,active,student,Al,Lee,P1
            S2,active,student,Bo,Ray,P2
            P1,active,parent,Ann,Lee,S1
            P2,active,guardian,Ben,Ray,S2

            """
        _ = dir.write("full/users.csv", users)
        _ = dir.write("cut/users.csv", String(users.prefix(users.count - 25)))
        _ = dir.write(
            "roles/users.csv",
            "sourcedId,status,givenName,familyName,agentSourcedIds\nS1,active,Al,Lee,P1\nS2,active,Bo,Ray,P2\nP1,active,Ann,Lee,S1\nP2,active,Ben,Ray,S2\n"
        )
        _ = dir.write(
            "roles/roles.csv",
            "userSourcedId,role,roleType,orgSourcedId\nS1,student,primary,X\nS2,student,primary,X\nP1,parent,primary,X\nP2,gua"
        )
        func importing(_ bundle: String) throws -> RunResult {
            try runBinary(
                [
                    "roster", "import", dir.file(bundle), "--format", "oneroster", "--yes",
                    "--district", "d1",
                ], db: db)
        }
        #expect(try importing("full").code == 0)
        let before = try dump(db)
        for (bundle, at) in [("cut", "users.csv:5"), ("roles", "roles.csv:5")] {
            let r = try importing(bundle)
            #expect(r.code == 65, "\(r.err)")
            #expect(
                r.err.contains("error: \(at): the file ends in the middle of a row (")
                    && r.err.contains("the file looks cut short, and a full import would mark the ")
                    && r.err.contains("the 1 active guardian it leaves out inactive"),
                "\(r.err)")
            #expect(try dump(db) == before, "nothing written")
        }
    }

    /// A first import of a users.csv cut in the middle of its last row: that row's last field
    /// is most likely cut too (a family name "Walke" for "Walker"), so the row is refused at its
    /// line with the cut as its problem, and the rows before it are imported; a delta the same.
    @Test func theRowAUsersFileIsCutInIsRefused() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir, ["d2"])
        _ = dir.write(
            "cut/users.csv",
            """
            sourcedId,status,role,givenName,familyName,email,agentSourcedIds
            S1,active,student,Al,Lee,,P1
            P1,active,parent,Ann,Lee,ann@example.org,S1
            P2,active,guardian,Susan,Walke
            """)
        for options in [[], ["--delta"]] {
            let r = try runBinary(
                ["roster", "import", dir.file("cut"), "--format", "oneroster", "--district", "d2"]
                    + options, db: db)
            #expect(r.code == 3, "\(r.err)")
            #expect(
                r.err.contains(
                    "users.csv:4: row: the file ends in the middle of this row (after 5 of 7 fields, with no line end): the rest of it is missing"
                ), "\(r.err)")
            let conn = try reopen(db)
            #expect(
                try conn.count("SELECT count(*) FROM guardians WHERE district_id = 'd2'") == 1)
            #expect(
                try conn.count("SELECT count(*) FROM guardians WHERE family_name = 'Walke'") == 0)
            #expect(try conn.count("SELECT count(*) FROM links WHERE district_id = 'd2'") == 1)
        }
    }

    /// OneRoster's users.csv has a password column that SIS exports fill with first
    /// passwords: the results file (a report passed around) names the column but never its
    /// values, nor those of a native file's PIN or "Initial Password" column; other columns
    /// are written as read.
    @Test func theResultsFileWithholdsPasswords() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "o/users.csv",
            "sourcedId,status,role,givenName,familyName,agentSourcedIds,password\nS1,active,student,Al,Lee,P1,Secr3tPass!\nP1,active,parent,Ann,Lee,S1,\n"
        )
        _ = dir.write(
            "n/guardians.csv",
            "guardian_id,given_name,family_name,Initial Password,Student PIN,Pinned\nG1,Ann,Lee,Hunter2hunter2,4711,yes\n"
        )
        for (bundle, format) in [("o", "oneroster"), ("n", "csv")] {
            let results = dir.file(bundle + ".csv")
            let r = try runBinary(
                [
                    "roster", "import", dir.file(bundle), "--format", format, "--results",
                    results, "--delta", "--district", "d1",
                ], db: db)
            #expect(r.code == 0, "\(r.err)")
            let res = try String(contentsOfFile: results, encoding: .utf8)
            for secret in ["Secr3tPass!", "Hunter2hunter2", "4711"] {
                #expect(!res.contains(secret) && !r.err.contains(secret) && !r.out.contains(secret))
            }
            #expect(res.contains("(withheld)"), "\(res)")
        }
        let native = try String(contentsOfFile: dir.file("n.csv"), encoding: .utf8)
        #expect(native.contains("Initial Password,Student PIN,Pinned"), "\(native)")
        #expect(native.contains("(withheld),(withheld),yes"), "\(native)")
        let oneRoster = try String(contentsOfFile: dir.file("o.csv"), encoding: .utf8)
        #expect(oneRoster.contains("P1,active,parent,Ann,Lee,S1,,created"), "\(oneRoster)")
    }

    /// An org of orgs.csv with status tobedeleted is a school no longer in use: imported
    /// inactive (it was imported active), its students still naming it; back to active when
    /// a later export gives it active.
    @Test func anOrgToBeDeletedIsAnInactiveSchool() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "b/users.csv",
            "sourcedId,status,role,givenName,familyName,agentSourcedIds,orgSourcedIds\nS1,active,student,Al,Lee,P1,org-2\nP1,active,parent,Ann,Lee,S1,\n"
        )
        func orgs(_ second: String) {
            _ = dir.write(
                "b/orgs.csv",
                "sourcedId,status,name,type\norg-1,active,North,school\norg-2,\(second),South,school\n"
            )
        }
        func schools() throws -> [String] {
            try reopen(db).query(
                "SELECT school_id || ' ' || status AS s FROM schools ORDER BY 1"
            ).map { $0.text("s") }
        }
        func importing(_ second: String) throws {
            orgs(second)
            let r = try runBinary(
                ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
                db: db)
            #expect(r.code == 0, "\(r.err)")
        }
        try importing("tobedeleted")
        #expect(try schools() == ["org-1 active", "org-2 inactive"])
        let school = try reopen(db).first("SELECT school_id FROM students WHERE student_id = 'S1'")
        #expect(school?.text("school_id") == "org-2")
        try importing("active")
        #expect(try schools() == ["org-1 active", "org-2 active"])
    }

    /// A row of orgs.csv, roles.csv, demographics.csv or relationships.csv that is not read
    /// cleanly (bytes that are not UTF-8, a control character) is rejected at its file and
    /// line as users.csv's are, with the note on how to save the file: an org named with a
    /// terminal's escape codes was stored as a school's name, and an id of bytes that are not
    /// UTF-8 as a school of replacement characters.
    @Test func aDamagedRowOfASmallFileIsRejectedAtItsLine() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "b/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds,orgSourcedIds
            S1,active,student,Al,Lee,P1,org-1
            S2,active,student,Bo,Ray,,org-2
            P1,active,parent,Ann,Lee,S1,
            P2,active,,Ben,Ray,,

            """)
        func write(_ file: String, _ parts: [Any]) {
            let bytes = parts.flatMap { ($0 as? String).map { Array($0.utf8) } ?? [$0 as! UInt8] }
            #expect(
                FileManager.default.createFile(atPath: dir.file("b/" + file), contents: Data(bytes))
            )
        }
        write(
            "orgs.csv",
            [
                "sourcedId,name,type\norg-1,North\u{1b}[31m School,school\norg-",
                UInt8(0xE9), ",South School,school\n",
            ])
        write(
            "roles.csv",
            ["userSourcedId,role\nP2,guardian\nS2,stud", UInt8(0xE9), "nt\n"])
        write(
            "demographics.csv",
            ["sourcedId,birthDate\nS1,2012-03-04\nS2,2011-0", UInt8(0xB9), "-02\n"])
        write(
            "relationships.csv",
            ["userSourcedId,relationshipUserSourcedId\nS2,P2\nS1,P", UInt8(0xB2), "\n"])
        let r = try runBinary(
            ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
            db: db)
        #expect(r.code == 3, "\(r.err)")
        for line in [
            "rejected: orgs.csv:2: name: holds a control character",
            "rejected: orgs.csv:3: row: the row is not UTF-8 text",
            "rejected: roles.csv:3: row: the row is not UTF-8 text",
            "rejected: demographics.csv:3: row: the row is not UTF-8 text",
            "rejected: relationships.csv:3: row: the row is not UTF-8 text",
            "note: orgs.csv: 1 row was not UTF-8 text", "note: roles.csv: 1 row was not UTF-8 text",
            "note: relationships.csv: 1 row was not UTF-8 text",
        ] {
            #expect(r.err.contains(line), "\(line)\n\(r.err)")
        }
        let d = try dump(db)
        #expect(!d.contains { $0.hasPrefix("schools:") }, "no school: \(d)")
        #expect(!d.contains { $0.contains("\u{fffd}") || $0.contains("\u{1b}") }, "\(d)")
        // The clean rows are read: P2 a guardian by roles.csv, linked by relationships.csv.
        let link = try reopen(db).query(
            "SELECT guardian_id, student_id FROM links ORDER BY guardian_id"
        ).map { $0.text("guardian_id") + "/" + $0.text("student_id") }
        #expect(link == ["P1/S1", "P2/S2"])
        let births = try reopen(db).query(
            "SELECT student_id, birth_date FROM students ORDER BY student_id"
        ).map { $0.text("student_id") + " " + ($0["birth_date"].string ?? "-") }
        #expect(births == ["S1 2012-03-04", "S2 -"])
        // Many damaged rows are reported a batch at a time, each counted.
        write(
            "relationships.csv",
            ["userSourcedId,relationshipUserSourcedId\n"]
                + Array(repeating: ["S1,P\u{7}1\n"], count: 2500).flatMap { $0 })
        let many = try runBinary(
            [
                "roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1",
                "-o", "json", "--yes",
            ], db: db)
        let j = try #require(try parseJSON(many.out) as? [String: Any], "\(many.err)")
        let entities = try #require(j["entities"] as? [String: [String: Int]])
        #expect(entities["links"]?["rejected"] == 2500, "\(entities)")
    }

    /// A folder holding both a OneRoster users.csv and native files (two exports put
    /// together) is not read by a guess: refused, naming both, until --format says which; a
    /// native relationships.csv read as OneRoster's is named for what it is.
    @Test func aFolderOfBothFormatsIsReadOnlyAsTheOneNamed() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "mix/users.csv",
            "sourcedId,status,role,givenName,familyName,agentSourcedIds\nS1,active,student,Al,Lee,P1\nP1,active,parent,Ann,Lee,S1\n"
        )
        _ = dir.write("mix/guardians.csv", "guardian_id,given_name,family_name\nG1,Bo,Ray\n")
        _ = dir.write("mix/students.csv", "student_id,given_name,family_name\nS2,Cy,Ray\n")
        _ = dir.write("mix/relationships.csv", "guardian_id,student_id\nG1,S2\n")
        let before = try dump(db)
        let guess = try runBinary(
            ["roster", "import", dir.file("mix"), "--district", "d1"], db: db)
        #expect(guess.code == 64, "\(guess.err)")
        #expect(
            guess.err.contains(
                "holds a OneRoster users.csv and native files (guardians.csv, students.csv)")
                && guess.err.contains("--format oneroster"), "\(guess.err)")
        let asOneRoster = try runBinary(
            ["roster", "import", dir.file("mix"), "--format", "oneroster", "--district", "d1"],
            db: db)
        #expect(asOneRoster.code == 65, "\(asOneRoster.err)")
        #expect(
            asOneRoster.err.contains(
                "its columns are those of a native relationships.csv (guardian_id, student_id), not OneRoster's"
            ), "\(asOneRoster.err)")
        #expect(try dump(db) == before)
        let asNative = try runBinary(
            ["roster", "import", dir.file("mix"), "--format", "csv", "--district", "d1"], db: db)
        #expect(asNative.code == 0, "\(asNative.err)")
        #expect(
            try reopen(db).count("SELECT count(*) FROM links WHERE district_id = 'd1'") == 1)
    }

    @Test func aManifestThatGivesUsersAsADeltaImportsOne() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "full/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            S1,active,student,Al,Lee,P1
            S2,active,student,Bo,Ray,P2
            S3,active,student,Cy,Fox,
            P1,active,parent,Ann,Lee,S1
            P2,active,guardian,Ben,Ray,S2

            """)
        func importing(_ bundle: String, _ extra: [String] = []) throws -> RunResult {
            try runBinary(
                ["roster", "import", dir.file(bundle), "--format", "oneroster", "--district", "d1"]
                    + extra, db: db)
        }
        #expect(try importing("full").code == 0)
        let changed = """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            S2,active,student,Bob,Ray,P2
            S4,active,student,Di,Lee,P1

            """
        for (bundle, mode) in [("delta", "delta"), ("bulk", "bulk")] {
            _ = dir.write("\(bundle)/users.csv", changed)
            _ = dir.write(
                "\(bundle)/manifest.csv",
                "\"propertyName\",\"value\"\r\n\"oneroster.version\",\"1.1\"\r\n\"File.Users\",\" \(mode.uppercased()) \"\r\n"
            )
        }
        let before = try dump(db)
        let delta = try importing("delta")
        #expect(delta.code == 0, "\(delta.err)")
        #expect(
            delta.err.contains(
                "note: manifest.csv gives users.csv as a delta (file.users=delta): only its rows are applied and no one is marked inactive (a delta import)"
            ), "\(delta.err)")
        var students = try reopen(db).query(
            "SELECT student_id, given_name, status FROM students ORDER BY 1"
        ).map { "\($0.text("student_id")) \($0.text("given_name")) \($0.text("status"))" }
        #expect(students == ["S1 Al active", "S2 Bob active", "S3 Cy active", "S4 Di active"])
        #expect(
            try reopen(db).count("SELECT count(*) FROM guardians WHERE status = 'active'") == 2)
        #expect(try dump(db) != before)
        // As a whole export: S1 and S3, and the guardians and links it leaves out, inactive
        // (every guardian: allowed).
        let bulk = try importing("bulk", ["--yes", "--allow-all-absent"])
        #expect(bulk.code == 0, "\(bulk.err)")
        #expect(!bulk.err.contains("delta"), "\(bulk.err)")
        students = try reopen(db).query(
            "SELECT student_id, status FROM students ORDER BY 1"
        ).map { "\($0.text("student_id")) \($0.text("status"))" }
        #expect(students == ["S1 inactive", "S2 active", "S3 inactive", "S4 active"])
        // A manifest that says the export has no users.csv, beside one: refused, not read.
        _ = dir.write("stale/users.csv", changed)
        _ = dir.write("stale/manifest.csv", "propertyName,value\nfile.users,absent\n")
        let after = try dump(db)
        let stale = try importing("stale", ["--yes"])
        #expect(stale.code == 65)
        #expect(
            stale.err.contains(
                "error: manifest.csv says the export has no users.csv (file.users,absent), yet '"),
            "\(stale.err)")
        #expect(stale.err.contains("hint: it may be left from an earlier export"))
        #expect(try dump(db) == after, "nothing written")
        // A mode that is none of OneRoster's (a typo) is not read as a whole export: refused,
        // with the command that imports it as a delta; asked for as a delta, it is one.
        _ = dir.write("typo/users.csv", changed)
        _ = dir.write("typo/manifest.csv", "propertyName,value\nfile.users,detla\n")
        let typo = try importing("typo", ["--yes"])
        #expect(typo.code == 65, "\(typo.err)")
        #expect(
            typo.err.contains(
                "error: manifest.csv gives users.csv the processing mode 'detla', which is none of bulk, delta, absent"
            ), "\(typo.err)")
        #expect(
            typo.err.contains(
                "hint: nothing was imported; correct file.users in manifest.csv (bulk: a whole export; delta: only changed users), or import the bundle as a delta: portaladmin roster import \(dir.file("typo")) --delta"
            ), "\(typo.err)")
        #expect(try dump(db) == after, "nothing written")
        let asDelta = try importing("typo", ["--delta"])
        #expect(asDelta.code == 0, "\(asDelta.err)")
        #expect(!asDelta.err.contains("processing mode"), "\(asDelta.err)")
    }

    /// A link that agentSourcedIds (or relationships.csv) names to a user users.csv does not
    /// give as a student or guardian (no such sourcedId, or one without a role) is not made,
    /// and the note says how many; a teacher's agents are not counted, nor links that were
    /// made. So are demographics.csv's birth dates of users users.csv gives no role (an id
    /// spelled in another case among them). On disk as in memory.
    @Test(arguments: [false, true])
    func linksAndBirthDatesNamingNoStudentOrGuardianAreCounted(onDisk: Bool) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "b/users.csv",
            """
            sourcedId,status,givenName,familyName,role,agentSourcedIds
            S1,active,Al,Lee,student,"P1,P9"
            P1,active,Ann,Lee,parent,"S1,S7,X1"
            X1,active,Rolf,Less,,
            T1,active,Tea,Cher,teacher,S1

            """)
        _ = dir.write(
            "b/demographics.csv",
            """
            sourcedId,birthDate
            S1,2012-03-04
            T1,1980-01-01
            s1,2012-03-04
            P9,1979-05-06
            X1,1981-02-03

            """)
        let env = onDisk ? ["PORTALADMIN_ID_MEMORY_BYTES": "0"] : [:]
        let r = try runBinary(
            ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
            db: db, env: env)
        #expect(
            r.err.contains(
                "note: users.csv: 3 links in agentSourcedIds or relationships.csv name a user that users.csv does not give as a student or guardian (no such sourcedId, or no role): not made"
            ), "\(r.err)")
        #expect(
            r.err.contains(
                "note: demographics.csv: 3 birth dates of a user that users.csv does not give a role (no such sourcedId, or no role): not used"
            ), "\(r.err)")
        #expect(try dump(db).filter { $0.hasPrefix("links: ") }.count == 1)
        #expect(try dump(db).contains { $0.hasPrefix("students: ") && $0.contains("2012-03-04") })
        _ = dir.write(
            "c/users.csv",
            """
            sourcedId,status,givenName,familyName,role,agentSourcedIds
            S2,active,Bo,Kim,student,P2
            P2,active,Cy,Kim,guardian,S2

            """)
        let clean = try runBinary(
            [
                "roster", "import", dir.file("c"), "--format", "oneroster", "--delta", "--district",
                "d1",
            ],
            db: db, env: env)
        #expect(
            clean.code == 0 && !clean.err.contains("not made") && !clean.err.contains("not used"),
            "\(clean.err)")
    }

    /// A UUID is one id in either case: users.csv spells its sourcedIds upper case, its
    /// agentSourcedIds, demographics.csv and orgs.csv lower case (as SIS exports mix them).
    /// Links, birth dates, schools and households are all made, each row and link spelled as
    /// users.csv spells the user (the school as orgs.csv), and an import of the same bundle
    /// again changes nothing. A numbered id in another case stays another id. On disk as in
    /// memory. A repeated id keeps the role its first line gives.
    @Test(arguments: [false, true])
    func uuidsInAnotherCaseAcrossTheFilesAreTheSameUsers(onDisk: Bool) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let (s, p, school) = (
            "c0ffee00-1111-4111-8111-11111111111a", "c0ffee00-2222-4222-8222-22222222222b",
            "c0ffee00-3333-4333-8333-33333333333c"
        )
        let (S, P) = (s.uppercased(), p.uppercased())
        _ = dir.write(
            "b/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds,orgSourcedIds
            \(S),active,student,Al,Lee,\(p),\(school.uppercased())
            \(P),active,parent,Ann,Lee,\(s),
            G1,active,student,Bo,Ray,,
            G1,active,parent,Cy,Ray,,

            """)
        _ = dir.write(
            "b/demographics.csv",
            "sourcedId,birthDate\n\(s),2012-03-04\n\(p),1980-05-06\ng1,2013-01-01\n")
        _ = dir.write(
            "b/orgs.csv", "sourcedId,name,type\n\(school),North Elementary,school\n")
        let env = onDisk ? ["PORTALADMIN_ID_MEMORY_BYTES": "0"] : [:]
        func importing() throws -> RunResult {
            try runBinary(
                ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
                db: db, env: env)
        }
        let r = try importing()
        // A repeated id keeps the first line's role: G1 stays a student.
        #expect(r.code == 3, "\(r.err)")
        #expect(
            r.err.contains("users.csv:5: sourcedId: duplicate id (first seen on line 4)"),
            "\(r.err)")
        #expect(!r.err.contains("not made"), "\(r.err)")
        // The one birth date of no one: g1's (a numbered id in another case is another id).
        #expect(
            r.err.contains(
                "note: demographics.csv: 1 birth date of a user that users.csv does not give a role"
            ), "\(r.err)")
        let students = try reopen(db).query(
            "SELECT student_id, birth_date, school_id, household_id FROM students ORDER BY 1"
        ).map {
            [
                $0.text("student_id"), $0.text("birth_date"), $0.text("school_id"),
                $0.text("household_id"),
            ]
        }
        #expect(students == [[S, "2012-03-04", school, "hh-" + P], ["G1", "", "", ""]])
        let guardians = try reopen(db).query(
            "SELECT guardian_id, household_id FROM guardians"
        ).map { [$0.text("guardian_id"), $0.text("household_id")] }
        #expect(guardians == [[P, "hh-" + P]])
        let links = try reopen(db).query("SELECT guardian_id, student_id FROM links").map {
            [$0.text("guardian_id"), $0.text("student_id")]
        }
        #expect(links == [[P, S]])
        let before = try dump(db)
        let again = try importing()
        #expect(again.code == 3, "\(again.err)")
        #expect(try dump(db) == before, "nothing changed")
    }

    @Test func aLinkToARejectedParentIsRejectedAndNamedByItsIDs() throws {
        // A parent's row is rejected; the link agentSourcedIds gives it is rejected too (its
        // guardian was not imported), named by its ids (a link has no line of its own) at the
        // line of users.csv that named it. The other parent's link is written.
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let (p1, p2, s1) = (
            "a1111111-1111-4111-8111-111111111111", "a2222222-2222-4222-8222-222222222222",
            "b3333333-3333-4333-8333-333333333333"
        )
        _ = dir.write(
            "b/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            \(p1),active,parent,,Frey,
            \(p2),active,parent,Eva,Frey,
            \(s1),active,student,Mia,Frey,"\(p1),\(p2)"

            """)
        let r = try runBinary(
            ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
            db: db)
        #expect(r.code == 3)
        #expect(r.err.contains("users.csv:2: givenName: missing"), "\(r.err)")
        // At the line whose agentSourcedIds named it, and which of its links it is.
        #expect(
            r.err.contains(
                "users.csv:4: link \(p1)/\(s1): guardian_id: unknown guardian (not imported from users.csv, nor in the district)"
            ), "\(r.err)")
        let links = try reopen(db).query("SELECT guardian_id FROM links WHERE district_id = 'd1'")
        #expect(links.map { $0.text("guardian_id") } == [p2])
    }

    /// A link is made from other rows, and reported at the line that named it: a user's
    /// agentSourcedIds in users.csv, or a line of relationships.csv (Microsoft SDS), its file
    /// named; with the users in memory or on disk alike, in the results file too.
    @Test(arguments: [false, true])
    func aLinkIsReportedAtTheLineThatNamedIt(onDisk: Bool) throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "b/users.csv",
            """
            sourcedId,status,role,givenName,familyName,agentSourcedIds
            p1,active,parent,,Frey,
            p2,active,parent,Eva,Frey,
            s1,active,student,Mia,Frey,p1
            s2,active,student,Ole,Frey,

            """)
        _ = dir.write(
            "b/relationships.csv",
            """
            userSourcedId,relationshipUserSourcedId,relationshipRole
            s2,p2,parent
            s2,p1,parent

            """)
        let results = dir.file("results.csv")
        let r = try runBinary(
            [
                "roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1",
                "--results", results,
            ],
            db: db, env: onDisk ? ["PORTALADMIN_ID_MEMORY_BYTES": "0"] : [:])
        #expect(r.code == 3, "\(r.err)")
        #expect(r.err.contains("rejected: users.csv:4: link p1/s1: guardian_id: unknown guardian"))
        #expect(
            r.err.contains(
                "rejected: relationships.csv:3: link p1/s2: guardian_id: unknown guardian"),
            "\(r.err)")
        let res = try String(contentsOfFile: results, encoding: .utf8)
        #expect(res.contains("relationships.csv,2,p2/s2,"), "\(res)")
        let links = try reopen(db).query(
            "SELECT guardian_id || '/' || student_id AS l FROM links WHERE district_id = 'd1'")
        #expect(links.map { $0.text("l") } == ["p2/s2"])
    }

    func importSample(_ path: String) throws -> (RunResult, String, TempDir) {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let r = try runBinary(
            ["roster", "import", path, "--format", "oneroster", "-o", "json", "--district", "d1"],
            db: db)
        return (r, db, dir)
    }

    @Test(
        needsSamples)
    func oneRoster11WithParentsAndAgentLinks() throws {
        let (r, db, dir) = try importSample(
            samplesRoot + "/moodle-enrol_oneroster/Test_full_data_set")
        _ = dir
        #expect(r.code == 0, "\(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        let e = try #require(j["entities"] as? [String: [String: Int]])
        #expect((e["students"]?["created"] ?? 0) >= 1 && (e["guardians"]?["created"] ?? 0) >= 1)
        #expect(r.err.contains("skipped") && r.err.contains("teacher"))
        let stats = try runBinary(["roster", "stats", "-o", "jsonl", "--district", "d1"], db: db)
        #expect(stats.code == 0)
        let again = try runBinary(
            [
                "roster", "import", samplesRoot + "/moodle-enrol_oneroster/Test_full_data_set",
                "-o", "json", "--district", "d1",
            ], db: db)
        let second = try #require(try parseJSON(again.out) as? [String: Any])
        #expect(second["created"] as? Int == 0, "idempotent")
        #expect(second["updated"] as? Int == 0 && second["inactivated"] as? Int == 0)
    }

    /// A public OneRoster 1.2 bundle's roles.csv names 11 columns over rows of 9 and has no
    /// line end after its last row: whole, not cut short. The next export without one student
    /// marks that student inactive (it was once refused as cut).
    @Test(needsSamples)
    func aLastRowAsShortAsTheRowsBeforeItIsNoCut() throws {
        let sample = samplesRoot + "/moodle-enrol_oneroster/v1p2_full_dataset"
        let (first, db, dir) = try importSample(sample)
        #expect(first.code == 0, "\(first.err)")
        // The next export, in a folder of the test's own: every file as it is but users.csv,
        // which leaves one student out.
        for name in try FileManager.default.contentsOfDirectory(atPath: sample) {
            var text = try String(contentsOfFile: sample + "/" + name, encoding: .utf8)
            if name == "users.csv" {
                // (By the line feed's byte: "\r\n" is one Character to Swift, and the file
                // ends its lines both ways.)
                text = text.utf8.split(separator: 10, omittingEmptySubsequences: false)
                    .map { String(decoding: $0, as: UTF8.self) }
                    .filter { !$0.hasPrefix("usr-222-66778899,") }.joined(separator: "\n")
            }
            _ = dir.write("next/" + name, text)
        }
        let next = try runBinary(
            [
                "roster", "import", dir.file("next"), "--format", "oneroster", "--yes",
                "--district", "d1",
            ], db: db)
        #expect(next.code == 0, "\(next.err)")
        #expect(
            next.err.contains("1 marked inactive") && !next.err.contains("cut short"), "\(next.err)"
        )
        #expect(
            try reopen(db).count(
                "SELECT count(*) FROM students WHERE student_id = 'usr-222-66778899' AND status = 'inactive'"
            ) == 1)
    }

    @Test(
        needsSamples)
    func schoolsOfABundleStayActiveAndASecondImportChangesNothing() throws {
        let (r, db, dir) = try importSample(samplesRoot + "/roster-hub/en")
        _ = dir
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        let e = try #require(j["entities"] as? [String: [String: Int]])
        #expect(e["schools"]?["created"] == 1 && e["schools"]?["inactivated"] == 0, "\(r.out)")
        let again = try runBinary(
            [
                "roster", "import", samplesRoot + "/roster-hub/en", "-o", "json", "--district",
                "d1",
            ], db: db)
        let second = try #require(try parseJSON(again.out) as? [String: Any])
        #expect(second["created"] as? Int == 0 && second["updated"] as? Int == 0)
        #expect(
            second["inactivated"] as? Int == 0
                && second["unchanged"] as? Int == j["created"] as? Int)
    }

    @Test(
        needsSamples,
        arguments: [
            "LMS-Toolkit/OneRoster 1.1 Sample Data", "LMS-Toolkit/OneRoster 1.0 Sample Data",
            "roster-hub/en", "roster-hub/ja",
            "oneroster-import/OneRosterv1p1BaseCSV", "moodle-enrol_oneroster/Test_minimal_data_set",
            "moodle-enrol_oneroster/v1p2_full_dataset",
            "moodle-enrol_oneroster/oneroster_test_data",
            "O365-EDU-Tools/SDS v2.1",
        ])
    func publicBundlesImport(sample: String) throws {
        let path = samplesRoot + "/" + sample
        try #require(
            FileManager.default.fileExists(atPath: path), "shared samples are beside the project")
        let (r, _, _) = try importSample(path)
        #expect(r.code == 0 || r.code == 3, "\(sample): \(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any], "\(sample): \(r.out) \(r.err)")
        #expect((j["created"] as? Int ?? 0) > 0, "\(sample) creates records")
    }

    @Test(
        needsSamples,
        arguments: [
            "LMS-Toolkit/OneRoster 1.1 Sample Data", "LMS-Toolkit/OneRoster 1.0 Sample Data",
            "roster-hub/en", "oneroster-import/OneRosterv1p1BaseCSV",
            "moodle-enrol_oneroster/Test_full_data_set", "moodle-enrol_oneroster/v1p2_full_dataset",
            "moodle-enrol_oneroster/oneroster_test_data", "O365-EDU-Tools/SDS v2.1",
        ])
    func aBundleKeptOnDiskImportsAsInMemory(sample: String) throws {
        let runs = try importBothWays(samplesRoot + "/" + sample, format: "oneroster")
        #expect(runs[0] == "exit 0" || runs[0] == "exit 3", "\(sample): \(runs[2])")
    }

    @Test func aDirtyBundleKeptOnDiskImportsAsInMemory() throws {
        // Roles in roles.csv (a later primary one wins), birth dates in demographics.csv (one
        // wrong), links both ways and in relationships.csv, a repeated user, a user without a
        // role, a teacher's agent, households joined through a shared child; then a year later
        // with a guardian and a child left out.
        let dir = TempDir()
        let users = """
            sourcedId,status,role,givenName,familyName,agentSourcedIds,orgSourcedIds
            u-s1,active,student,Ana,Lee,"u-g1,u-g2",org-1
            u-s2,active,,Bo,Lee,u-g2,org-1
            u-g1,active,parent,Cy,Lee,u-s3,
            u-g2,active,guardian,Di,Lee,,
            u-s3,active,student,Ed,Ray,,org-2
            u-t1,active,teacher,Fa,Zed,u-s1,org-1
            u-g1,active,parent,Cy,Again,,
            u-x,active,,Gi,Who,,
            u-g3,active,,Ho,Ray,,
            u-s4,active,student,Io,Ray,u-g3,org-2

            """
        _ = dir.write(
            "b/orgs.csv",
            "sourcedId,name,type\norg-1,North School,school\norg-2,South School,school\n")
        _ = dir.write(
            "b/roles.csv",
            """
            userSourcedId,role,roleType,orgSourcedId
            u-s2,teacher,secondary,org-2
            u-s2,student,primary,org-1
            u-g3,relative,secondary,

            """)
        _ = dir.write(
            "b/demographics.csv",
            "sourcedId,birthDate\nu-s1,2012-03-04\nu-s3,2011-13-40\nu-s4,2013-01-02\n")
        _ = dir.write(
            "b/relationships.csv",
            "userSourcedId,relationshipUserSourcedId,relationshipRole\nu-s4,u-g3,relative\nu-s3,u-g1,parent\n"
        )
        let runs = try importBothWays(dir.file("b"), format: "oneroster") { round in
            let left = round == 0 ? [] : ["u-g2,", "u-s3,"]
            _ = dir.write(
                "b/users.csv",
                users.split(separator: "\n").filter { u in !left.contains { u.hasPrefix($0) } }
                    .joined(separator: "\n") + "\n")
        }
        let first = runs[2]
        #expect(runs[0] == "exit 3", "\(first)")
        #expect(
            first.contains("users.csv:8: sourcedId: duplicate id (first seen on line 4)"),
            "\(first)")
        // The bad birth date is named where it is: demographics.csv, line 3 (not the user's
        // row in users.csv), and the student is imported without it.
        #expect(
            first.contains(
                "demographics.csv:3: birthDate: not a date (use YYYY-MM-DD or M/D/YYYY); imported without it"
            ), "\(first)")
        #expect(!first.contains("users.csv:6: birthDate"), "\(first)")
        #expect(first.contains("derived 2 households"), "\(first)")
        let year = try #require(try parseJSON(runs[4]) as? [String: Any])
        let entities = try #require(year["entities"] as? [String: [String: Int]])
        #expect(entities["guardians"]?["inactivated"] == 1, "\(entities)")
        // u-s3 came in without its bad birth date, so its link did too, and both are left out now.
        #expect(entities["links"]?["inactivated"] == 3, "\(entities)")
    }

    @Test func uuidIdsOfEitherCaseImportAsWrittenInMemoryAndOnDisk() throws {
        // SIS exports name users by UUIDs, kept in 17 bytes in memory: upper and lower case are
        // one id (a student here has a guardian's id in lower case: a repeat), a repeat names
        // its first line, and the derived household is named after its guardian as written.
        let g1 = "0F8FAD5B-D9CB-469F-A165-70867728950E"
        let g2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        let s1 = "16fd2706-8baf-433b-82eb-8c7fada847da"
        let s2 = g1.lowercased()
        let dir = TempDir()
        _ = dir.write("b/orgs.csv", "sourcedId,name,type\norg-1,North School,school\n")
        let runs = try importBothWays(dir.file("b"), format: "oneroster") { round in
            _ = dir.write(
                "b/users.csv",
                """
                sourcedId,status,role,givenName,familyName,agentSourcedIds,orgSourcedIds
                \(s1),active,student,Ana,Lee,"\(g1),\(g2)",org-1
                \(g1),active,parent,Cy,Lee,,
                \(round == 0 ? g2 : "a" + g2.dropFirst()),active,guardian,Di,Lee,,
                \(g1),active,parent,Cy,Again,,
                \(s2),active,student,Bo,Ray,,org-1

                """)
        }
        let first = runs[2]
        #expect(runs[0] == "exit 3", "\(first)")
        #expect(
            first.contains("users.csv:5: sourcedId: duplicate id (first seen on line 3)"),
            "\(first)")
        #expect(first.contains("derived 1 household"), "\(first)")
        #expect(
            first.contains(
                "users.csv:6: sourcedId: duplicate id (the same UUID as another line's, in another case); this row was skipped"
            ), "\(first)")
        let tables = runs.joined(separator: "\n")
        for id in [g1, g2, s1] { #expect(tables.contains(id), "\(id) as written") }
        #expect(
            !runs.contains { $0.hasPrefix("students: ") && $0.contains(s2) }
                && runs.contains { $0.hasPrefix("guardians: ") && $0.contains(g1) }, "\(tables)")
        #expect(tables.contains("hh-" + min(g1, g2)), "\(tables)")
        let year = try #require(try parseJSON(runs[4]) as? [String: Any])
        let entities = try #require(year["entities"] as? [String: [String: Int]])
        #expect(entities["guardians"]?["inactivated"] == 1, "\(entities)")
        #expect((entities["students"]?["inactivated"] ?? 0) == 0, "\(entities)")
    }

    @Test(
        Backend.sqliteFileOnly,
        needsSamples)
    func aBundleKeptOnDiskNeedsAWritableTemporaryFolder() throws {
        // Kept on disk (PORTALADMIN_ID_MEMORY_BYTES=0), the users' fields go to a file under
        // TMPDIR: where there is none, the import says so before writing anything.
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let path = samplesRoot + "/moodle-enrol_oneroster/Test_full_data_set"
        let r = try runBinary(
            ["roster", "import", path, "--format", "oneroster", "--district", "d1"], db: db,
            env: ["PORTALADMIN_ID_MEMORY_BYTES": "0", "TMPDIR": dir.file("none")])
        #expect(r.code == 74, "\(r.err)")
        #expect(
            r.err.contains("error: cannot make a temporary file in \(dir.file("none"))")
                && r.err.contains("hint: set TMPDIR to a writable folder with room"), "\(r.err)")
        #expect(try dump(db) == before)
        // In memory (the default for so small a bundle), no temporary file is needed.
        let fine = try runBinary(
            ["roster", "import", path, "--format", "oneroster", "--district", "d1"], db: db,
            env: ["TMPDIR": dir.file("none")])
        #expect(fine.code == 0, "\(fine.err)")
    }

    /// A cell written with a spreadsheet guard (an apostrophe before `+`, `-`, `=`, `@`, as
    /// exports that follow OWASP's advice write them) comes back as it was, as in native files:
    /// the phone is kept, the agents are linked.
    /// The first reading of users.csv takes each user's id, role and agents from the bytes of a
    /// simple line (see `CSVReader.nextSimple`) and from the strings of any other: padded ids,
    /// spreadsheet guards, roles in capitals and lists with spaces and empty items give the same
    /// users, links and households either way. The second file is the first with a column no
    /// one reads, holding a quote doubled: none of its lines is simple.
    @Test func usersReadFromSimpleLinesOrRecordsAreTheSame() throws {
        let users = [
            "sourcedId,status,role,givenName,familyName,agentSourcedIds",
            " G1 ,active, Parent ,Ann,Lee,",
            "'-G2,active,GUARDIAN,Bo,Lee,",
            "S1,active,student,Cy,Lee,\" G1 , ,'-G2,\"",
            "'=S2,active,Student,Di,Ray,'-G2",
            "S3,active,student,Ed,Ray,G3 ",
            "G3,active,relative,Fa,Ray,",
            "G4,active,parent,Gi,Zed,\"S3,S1\"",
            "S4,active,'student,Ha,Zed,G4",  // (a role the guard does not come off)
        ]
        var tables: [[String]] = []
        for noted in [false, true] {
            let dir = TempDir()
            let db = try makeDistricts(dir)
            let lines = users.enumerated().map { k, line in
                noted ? line + (k == 0 ? ",note" : ",\"say \"\"hi\"\"\"") : line
            }
            _ = dir.write("b/users.csv", lines.joined(separator: "\r\n") + "\r\n")
            let r = try runBinary(
                ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
                db: db)
            #expect(r.code == 0 || r.code == 3, "\(r.err)")
            tables.append(
                try dump(db).filter { row in
                    ["students", "guardians", "links", "households"].contains {
                        row.hasPrefix($0 + ": ")
                    }
                })
        }
        #expect(tables[0] == tables[1])
        let links = try #require(tables.first).filter { $0.hasPrefix("links: ") }
        #expect(
            links.map { $0.split(separator: "|")[1...2].joined(separator: "|") }
                == ["-G2|=S2", "G1|S1", "G3|S3", "G4|S1", "G4|S3"], "\(links)")
    }

    /// A first import reads the users' first lines in the order of their ids when they are not
    /// (UUIDs), their rows going into their tables in place: the output, the reports and the
    /// tables are those of reading every line in the file's order
    /// (`PORTALADMIN_ORDER_WINDOW_BYTES=0`), in one window or in many. A size the variable
    /// cannot take is refused before anything is written.
    @Test func usersReadInTheOrderOfTheirIDsEndAsInTheFilesOrder() throws {
        var lines = ["sourcedId,status,role,givenName,familyName,email,agentSourcedIds"]
        for k in 0..<60 {
            // Ids of a UUID's shape, far from their order: k's digits reversed lead.
            let g = String(format: "%02d%06x-0000-4000-8000-%012d", (k * 37) % 100, k, k)
            let s = String(format: "%02d%06x-0000-4000-8000-%012d", (k * 53) % 100, k, k + 100)
            let email = k % 7 == 0 ? "no email" : "p\(k)@example.org"
            lines.append("\(g),active,parent,Ann,Lee\(k),\(email),")
            lines.append("\(s),active,student,\(k % 11 == 0 ? "" : "Bo"),Lee\(k),,\(g)")
        }
        lines.insert("t1,active,teacher,Ty,Teach,,", at: 30)
        lines.insert("\(lines[5].prefix(36)),active,student,\"Di\nDo\",Ray,,", at: 50)
        lines.append(lines[3])
        var ends: [[String]] = []
        for window in ["0", "", "1 KB"] {
            let dir = TempDir()
            let db = try makeDistricts(dir)
            _ = dir.write("b/users.csv", lines.joined(separator: "\n") + "\n")
            let r = try runBinary(
                ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
                db: db, env: window.isEmpty ? [:] : ["PORTALADMIN_ORDER_WINDOW_BYTES": window])
            #expect(r.code == 3, "\(r.err)")
            // (The roster's tables: the others hold the time each database was made.)
            let tables = try dump(db).filter { row in
                ["students", "guardians", "links", "households"].contains {
                    row.hasPrefix($0 + ": ")
                }
            }
            ends.append([r.out, r.err.replacingOccurrences(of: dir.path, with: "DIR")] + tables)
            if window.isEmpty {
                let before = try dump(db)
                let wrong = try runBinary(
                    [
                        "roster", "import", dir.file("b"), "--format", "oneroster", "--district",
                        "d1",
                    ],
                    db: db, env: ["PORTALADMIN_ORDER_WINDOW_BYTES": "16 parsecs"])
                #expect(wrong.code == 64)
                #expect(
                    wrong.err.contains(
                        "error: PORTALADMIN_ORDER_WINDOW_BYTES takes a number of bytes from 0 to 16777216, not '16 parsecs'"
                    ) && wrong.err.contains("hint: give bytes, or KB, MB or GB (8 MB)"),
                    "\(wrong.err)")
                #expect(try dump(db) == before)
            }
        }
        #expect(ends[0][1].contains("warning") && ends[0][1].contains("rejected"), "\(ends[0][1])")
        for e in ends.dropFirst() {
            #expect(
                e == ends[0], "\(zip(e, ends[0]).first { $0 != $1 }.map { "\($0)\n\($1)" } ?? "")")
        }
    }

    /// A bad e-mail leaves a student and a guardian in without it, each warned about at its
    /// line (the student's made inside the record it goes into, read before the warning is).
    @Test func aBadEmailIsLeftOutWithAWarningForStudentsAndGuardians() throws {
        let dir = TempDir()
        let (r, db) = try importUsers(
            "sourcedId,status,role,givenName,familyName,email,agentSourcedIds\n"
                + "G1,active,parent,Ann,Lee,ann at home,\n"
                + "S1,active,student,Bo,Lee,bo@@school,G1\n", in: dir)
        #expect(r.code == 0, "\(r.err)")
        for line in [2, 3] {
            #expect(
                r.err.contains(
                    "users.csv:\(line): email: not an email address; imported without it"),
                "\(r.err)")
        }
        let emails = try reopen(db).query(
            "SELECT email FROM guardians UNION ALL SELECT email FROM students")
        #expect(emails.count == 2 && emails.allSatisfy { $0["email"] == .null }, "\(emails)")
    }

    /// A bundle of `users` alone, in `dir`, imported into district d1 through the binary: its
    /// outcome and the database (in `dir`, gone with it).
    private func importUsers(_ users: String, in dir: TempDir) throws -> (RunResult, String) {
        let db = try makeDistricts(dir)
        _ = dir.write("b/users.csv", users)
        let r = try runBinary(
            ["roster", "import", dir.file("b"), "--format", "oneroster", "--district", "d1"],
            db: db)
        return (r, db)
    }

    @Test func aStudentsSchoolIsTheFirstOfItsOrgsThatIsOne() throws {
        // Lists of orgs as exports write them: spaced, guarded, with a district first, a UUID
        // in another case, none a school (then the primary org), or an empty item.
        let uuid = "9f4d803c-bb78-5a70-ab49-c9a5d80cd793"
        let dir = TempDir()
        _ = dir.write(
            "b/orgs.csv",
            "sourcedId,name,type\norg-1,North,school\norg-2,South,school\n-org-3,East,school\n"
                + "dist,District,district\n\(uuid),West,school\n")
        let (r, db) = try importUsers(
            """
            sourcedId,status,role,givenName,familyName,orgSourcedIds,primaryOrgSourcedId
            S1,active,student,Ann,Lee,org-1,
            S2,active,student,Bo,Lee,"dist,org-2,org-1",
            S3,active,student,Cy,Lee," org-2 , org-1",
            S4,active,student,Di,Lee,'-org-3,
            S5,active,student,Ed,Lee,\(uuid.uppercased()),
            S6,active,student,Fa,Lee,"dist, ORG-1",org-2
            S7,active,student,Gi,Lee,"org-1\t,org-2",
            S8,active,student,Ha,Lee,",,org-2",
            S9,active,student,Io,Lee,"dist,org-9",

            """, in: dir)
        #expect(r.code == 0, "\(r.err)")
        let rows = try reopen(db).query(
            "SELECT student_id || ' ' || coalesce(school_id, '(none)') AS s FROM students ORDER BY 1"
        )
        #expect(
            rows.map { $0.text("s") ?? "" } == [
                "S1 org-1", "S2 org-2", "S3 org-2", "S4 -org-3", "S5 \(uuid)", "S6 org-2",
                "S7 org-1", "S8 org-2", "S9 (none)",
            ])
    }

    @Test func spreadsheetGuardsComeOffAsInNativeFiles() throws {
        let dir = TempDir()
        let (r, db) = try importUsers(
            "sourcedId,status,role,givenName,familyName,phone,agentSourcedIds\n"
                + "-G1,active,parent,Ann,Lee,'+1 947 874 0467,\n"
                + "S1,active,student,Bo,Lee,,'-G1\n", in: dir)
        #expect(r.code == 0 && !r.err.contains("warning"), "\(r.err)")
        let rows = try reopen(db).query(
            "SELECT g.guardian_id, g.phone, l.student_id FROM guardians g JOIN links l USING (district_id, guardian_id)"
        )
        #expect(
            rows.map { [$0.text("guardian_id"), $0.text("phone"), $0.text("student_id")] }
                == [["-G1", "9478740467", "S1"]])
    }

    /// An export with every column OneRoster has (and notes beside) is kept in memory when its
    /// users fit, however large its files: it needs no temporary file. One with more users than
    /// fit is kept on disk (and so needs one).
    @Test(Backend.sqliteFileOnly)
    func usersAreKeptInMemoryByTheirCountNotTheSizeOfTheFiles() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        func bundle(_ name: String, students: Int, note: Int) -> String {
            var text = "sourcedId,status,role,givenName,familyName,agentSourcedIds,metadata.note\n"
            let wide = String(repeating: "n", count: note)
            for i in 1...students {
                text +=
                    "G\(i),active,parent,Ann,Lee,,\(wide)\nS\(i),active,student,Bo,Lee,G\(i),\(wide)\n"
            }
            _ = dir.write(name + "/users.csv", text)
            return dir.file(name)
        }
        // 100,000 bytes of ids: users fit in 450,000 (about 6,200 with numbered ids).
        let env = ["PORTALADMIN_ID_MEMORY_BYTES": "100000", "TMPDIR": dir.file("none")]
        let wide = try runBinary(
            [
                "roster", "import", bundle("wide", students: 1_500, note: 1_000), "--format",
                "oneroster", "--district", "d1", "-o", "json",
            ], db: db, env: env)
        #expect(wide.code == 0, "\(wide.err)")
        #expect(wide.out.contains("\"created\": 6000"), "\(wide.out)")
        let before = try dump(db)
        let many = try runBinary(
            [
                "roster", "import", bundle("many", students: 3_500, note: 0), "--format",
                "oneroster", "--district", "d1",
            ], db: db, env: env)
        #expect(many.code == 74, "\(many.err)")
        #expect(many.err.contains("error: cannot make a temporary file"), "\(many.err)")
        #expect(try dump(db) == before)
    }

    @Test(
        needsSamples)
    func sdsRelationshipsBecomeLinksAndRelativesGetNoPortalAccess() throws {
        let (r, db, dir) = try importSample(samplesRoot + "/O365-EDU-Tools/SDS v2.1")
        _ = dir
        #expect(r.code == 0, "\(r.err)")
        let summary = try #require(try parseJSON(r.out) as? [String: Any])
        #expect(summary["inactivated"] as? Int == 0, "the links just written stay active")
        let g = try runBinary(
            ["guardian", "show", "114002", "-o", "json", "--district", "d1"], db: db)
        let o = try #require(try parseJSON(g.out) as? [String: Any])
        let kids = try #require(o["students"] as? [[String: Any]])
        #expect(
            kids.contains {
                $0["student_id"] as? String == "114001" && $0["portal_access"] as? Bool == true
            })
        #expect(
            kids.contains {
                $0["student_id"] as? String == "114003" && $0["portal_access"] as? Bool == false
            })
        #expect(r.err.contains("derived") && r.err.contains("households"))
    }
}

/// A district for the tests of OneRoster deltas: bundles written and imported through the
/// binary, with every id on disk or in memory.
private struct DeltaDistrict {
    let dir = TempDir()
    let db: String
    let env: [String: String]

    init(onDisk: Bool = false) throws {
        db = try makeDistricts(dir)
        env = onDisk ? ["PORTALADMIN_ID_MEMORY_BYTES": "0"] : [:]
    }

    /// Writes the bundle `name`'s users.csv, and a manifest giving it as a delta.
    func write(_ name: String, delta: Bool = false, users: String) {
        _ = dir.write(name + "/users.csv", users)
        if delta { _ = dir.write(name + "/manifest.csv", "propertyName,value\nfile.users,delta\n") }
    }

    func importing(_ name: String, _ extra: [String] = []) throws -> RunResult {
        try runBinary(
            ["roster", "import", dir.file(name), "--format", "oneroster", "--district", "d1"]
                + extra, db: db, env: env)
    }

    /// Every link as `guardian-student status`.
    func links() throws -> [String] {
        try reopen(db).query("SELECT guardian_id, student_id, status FROM links ORDER BY 1, 2")
            .map { "\($0.text("guardian_id"))-\($0.text("student_id")) \($0.text("status"))" }
    }

    /// Every guardian and student as `id household`.
    func households() throws -> [String] {
        try reopen(db).query(
            """
            SELECT guardian_id AS id, household_id FROM guardians
            UNION ALL SELECT student_id, household_id FROM students ORDER BY 1
            """
        ).map { "\($0.text("id")) \($0.text("household_id"))" }
    }
}

/// A OneRoster bundle imported into a new database (after `first`, when given), for tests that
/// compare how links are written: the links' counts, the report lines that name a link, and
/// the links table.
private struct LinksImported {
    let counts: [String: Int]
    let err: [String]
    let links: [String]

    init(_ dir: TempDir, first: String? = nil, last: String, reportingEveryRow: Bool) throws {
        let place = TempDir()
        let db = try makeDistricts(place)
        func run(_ name: String, _ extra: [String] = []) throws -> RunResult {
            try runBinary(
                [
                    "roster", "import", dir.file(name), "--format", "oneroster", "-o", "json",
                    "--district", "d1", "--yes",
                ] + extra, db: db)
        }
        if let first { #expect(try run(first).code == 0) }
        let r = try run(last, reportingEveryRow ? ["--results", dir.file("results.csv")] : [])
        #expect(r.code == 3, "\(r.err)")
        let j = try #require(try parseJSON(r.out) as? [String: Any])
        counts = try #require((j["entities"] as? [String: [String: Int]])?["links"])
        err = r.err.split(separator: "\n").map(String.init).filter { $0.contains("link") }
        links = try reopen(db).query(
            "SELECT guardian_id, student_id, relationship, portal_access, custodial, status, row_hash FROM links ORDER BY guardian_id, student_id"
        ).map { r in
            r.values.map { $0.string ?? $0.int.map { "\($0)" } ?? "null" }.joined(separator: ",")
        }
    }
}
