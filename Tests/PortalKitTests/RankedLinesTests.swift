import Foundation
import Testing

@testable import PortalKit

/// A first OneRoster import reads the users' first lines in the order of their ids (see
/// `RankedLines`), and every other line after them in the file's order: the same rows, reports
/// in the same order, and the same tables as reading the file in its order.
@Suite struct RankedLinesTests {
    /// Writes `text` to a new file; returns its path.
    private func file(_ text: String) -> String {
        let path = NSTemporaryDirectory() + "ranked-" + UUID().uuidString + ".csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// The records of `path` after its header, as `next()` reads them.
    private func records(_ path: String, keep: [Int?]? = nil, skipping: [LinePlace] = [])
        throws -> [(line: Int, fields: [String])]
    {
        try reading(path, keep: keep, skipping: skipping).records
    }

    /// `records`, and where the file was found cut short.
    private func reading(_ path: String, keep: [Int?]? = nil, skipping: [LinePlace] = [])
        throws -> (records: [(line: Int, fields: [String])], cut: String?)
    {
        let r = try CSVReader(path: path, chunk: 64)
        guard let head = try r.next() else { return ([], nil) }
        if let keep { r.keepOnly(keep, of: head.fields.count) }
        r.skip(skipping)
        var out: [(line: Int, fields: [String])] = []
        while let rec = try r.next() { out.append((rec.line, rec.fields)) }
        return (out, r.cutShortText("f"))
    }

    /// Users numbered by their ids as met on the lines of `path` (the first field), their first
    /// lines where simple, and each one's rank in the order of the ids' bytes.
    /// `keep`: the fields the reading keeps (`CSVReader.keepOnly`), all by default; `chunk`:
    /// its reads' size (a line across two is not simple).
    private func firstLines(_ path: String, keep: [Int?]? = nil, chunk: Int = 64) throws -> (
        FirstLines, [Int32], [String]
    ) {
        let r = try CSVReader(path: path, chunk: chunk)
        let head = try r.next()
        if let keep, let head { r.keepOnly(keep, of: head.fields.count) }
        var ids: [String] = []
        var numbers: [String: Int] = [:]
        var first = FirstLines()
        func number(_ id: String) -> Int {
            if let n = numbers[id] { return n }
            ids.append(id)
            numbers[id] = ids.count - 1
            return ids.count - 1
        }
        while true {
            let simple = try r.nextSimple { line, b, fields, place in
                let id = String(
                    decoding: UnsafeBufferPointer(rebasing: b[fields[0]]), as: UTF8.self)
                first.note(number(id), line: Int32(line), place: place)
            }
            if simple == nil { break }
            if simple == false {
                guard let rec = try r.next() else { break }
                first.note(number(rec.fields[0]), line: Int32(rec.line), place: nil)
            }
        }
        let order = ids.indices.sorted {
            Array(ids[$0].utf8).lexicographicallyPrecedes(ids[$1].utf8)
        }
        var ranks = [Int32](repeating: 0, count: ids.count)
        for (rank, n) in order.enumerated() { ranks[n] = Int32(rank) }
        return (first, ranks, ids)
    }

    /// Lines every way a file has them: simple ones in random order, a repeat, a field on two
    /// lines, a quote doubled, a line wider than the rest, CRLF, a blank line, and a last line
    /// cut short after a simple one.
    private let text =
        "id,role,name\n" + "m7,student,Ann\n" + "c3,parent,\"Bo\"\n" + "x9,student,Cy\r\n"
        + "a1,parent,\"Di\nDo\"\n" + "k5,parent,Ed\n" + "\n" + "c3,parent,Again\n"
        + "b2,teacher,\"Fa \"\"F\"\"\",wide\n" + "z0,student,Gi\n" + "e4,parent"

    /// The lines taken come in the order of their ids, each as `next()` reads it within the file
    /// and at its line, in windows of every size; the file's reader then passes over exactly
    /// those and reads every other record as before, a file cut short as before.
    @Test func theFirstLinesComeInTheOrderOfTheirIDsAndTheRestAsBefore() throws {
        let path = file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let all = try records(path)
        let (first, ranks, ids) = try firstLines(path)
        // In windows of every size, and stopped after two lines (the rest then read in the
        // file's order); the first window gathered ahead on a thread of its own or not.
        let cases = [(1, 5), (20, 5), (40, 5), (1 << 20, 5), (20, 2), (1 << 20, 2)].flatMap {
            c in [false, true].map { (c.0, c.1, $0) }
        }
        for (window, stop, ahead) in cases {
            let ranked = try #require(
                try RankedLines(
                    path: path, windows1252: false, first: first, ranks: ranks,
                    taken: { ids[$0] != "b2" }, keep: ([0, 1, 2], 3), windowBytes: window,
                    tables: [.students]))
            if ahead { try ranked.gatherAhead() }
            var read: [(line: Int, fields: [String])] = []
            try ranked.forEachRecord {
                read.append(($0.line, $0.fields))
                return read.count < stop
            }
            // m7, c3's first, x9, k5 and z0 are simple first lines (e4 has no line end, a1 is
            // on two lines, b2 is not taken); the other c3 is a repeat.
            #expect(
                read.map(\.fields[0]) == Array(["c3", "k5", "m7", "x9", "z0"].prefix(stop)),
                "window \(window), ahead \(ahead)")
            #expect(ranked.read == read.count)
            for r in read {
                let same = try #require(all.first { $0.line == r.line })
                #expect(same.fields == r.fields, "line \(r.line)")
            }
            #expect(ranked.count == 5)
            let (rest, cut) = try reading(path, skipping: ranked.takePlaces())
            // Cut short after 2 of the 3 fields of the line before it (z0's, passed over), not
            // of b2's 4.
            #expect(cut == (try reading(path).cut) && cut?.contains("after 2 of 3 fields") == true)
            #expect(rest.map(\.line) == all.map(\.line).filter { !read.map(\.line).contains($0) })
            #expect(
                rest.map(\.fields)
                    == all.filter { a in rest.contains { $0.line == a.line } }.map(\.fields))
        }
    }

    /// A line taken reads as `next()` reads it, read where it was put: its fields quoted or
    /// not, a CRLF, the fields left out "" and whether one held text (spaces only, nothing,
    /// a word, an accented word, a quoted comma), as every reading of the file sees them.
    @Test func aLineTakenReadsAsNextReadsIt() throws {
        let text =
            "id,note,name\n" + "m7,  ,Ann\n" + "c3,,\"Bo\"\r\n" + "x9,word,Cy\n"
            + "k5,Ésta,\"Ed, Jr\"\n" + "a1,\"x,y\",Di\n"
        let path = file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for keep in [[0, 1, 2], [0, 2]] {
            // (An accented field is simple only left out.)
            let (first, ranks, _) = try firstLines(path, keep: keep, chunk: 1 << 16)
            let r = try CSVReader(path: path)
            _ = try r.next()
            r.keepOnly(keep, of: 3)
            var byNext: [Int: CSVRecord] = [:]
            while let rec = try r.next() { byNext[rec.line] = rec }
            let ranked = try #require(
                try RankedLines(
                    path: path, windows1252: false, first: first, ranks: ranks,
                    taken: { _ in true },
                    keep: (keep, 3), windowBytes: 1 << 20, tables: [.students]))
            var read: [CSVRecord] = []
            try ranked.forEachRecord {
                read.append($0)
                return true
            }
            #expect(
                read.map { $0.fields[0] }
                    == (keep.count == 3
                        ? ["a1", "c3", "m7", "x9"] : ["a1", "c3", "k5", "m7", "x9"]))
            for rec in read {
                let same = try #require(byNext[rec.line])
                #expect(rec.fields == same.fields, "line \(rec.line), keeping \(keep)")
                #expect(rec.leftOutText == same.leftOutText, "line \(rec.line), keeping \(keep)")
                #expect(rec.problem == nil)
            }
            #expect(read.contains { $0.leftOutText } == (keep.count == 2))
        }
    }

    /// Lines in the order of their ids already but for fewer than one in 16 (numbered ids,
    /// mostly) are read in the file's order: there is nothing to gain.
    @Test func linesInTheOrderOfTheirIDsAlreadyAreLeftSo() throws {
        let path = file("id,role\n" + (10...40).map { "s\($0),student\n" }.joined())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (first, ranks, _) = try firstLines(path)
        #expect(
            try RankedLines(
                path: path, windows1252: false, first: first, ranks: ranks, taken: { _ in true },
                keep: ([0, 1], 2), windowBytes: 1 << 20, tables: [.students]) == nil)
    }

    /// A file that changed since its lines were placed is refused, not read at the old places:
    /// changed before its first window is gathered ahead, or after, or with none gathered.
    @Test func aFileChangedSinceItsLinesWerePlacedIsRefused() throws {
        for ahead in ["none", "before", "after"] {
            let path = file(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let (first, ranks, _) = try firstLines(path)
            let ranked = try #require(
                try RankedLines(
                    path: path, windows1252: false, first: first, ranks: ranks,
                    taken: { _ in true },
                    keep: ([0, 1, 2], 3), windowBytes: 1 << 20, tables: [.students]))
            if ahead == "before" { try ranked.gatherAhead() }
            try ("a0,parent,New\n" + text).write(toFile: path, atomically: false, encoding: .utf8)
            if ahead == "after" { try ranked.gatherAhead() }
            #expect {
                try ranked.forEachRecord { _ in true }
            } throws: {
                ($0 as? PortalError)?.message.contains("changed while it was being read") == true
            }
        }
        // Gathered ahead and never read (the import stopped first): let go of, thread and all.
        let path = file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (first, ranks, _) = try firstLines(path)
        weak var gone: RankedLines? = nil
        do {
            let ranked = try #require(
                try RankedLines(
                    path: path, windows1252: false, first: first, ranks: ranks,
                    taken: { _ in true },
                    keep: ([0, 1, 2], 3), windowBytes: 1 << 20, tables: [.students]))
            try ranked.gatherAhead()
            gone = ranked
        }
        #expect(gone == nil)
    }

    /// A OneRoster bundle of UUIDs in random order and damaged lines among them, imported with
    /// the users' first lines read in the order of their ids (in one window and in many) and
    /// in the file's order: the same counts, reports in the same order, the same tables (no
    /// household whose every row is rejected, a guardian's and its one student's); and again,
    /// unchanged.
    @Test func aBundleReadInTheOrderOfItsIDsEndsAsReadInTheFilesOrder() throws {
        var random = SplitMix64(state: 20_261_205)
        func uuid() -> String {
            let hex = Array("0123456789abcdef")
            return [8, 4, 4, 4, 12].map { n in
                String((0..<n).map { _ in hex[Int(random.next() % 16)] })
            }.joined(separator: "-")
        }
        var lines = ["sourcedId,status,role,givenName,familyName,email,agentSourcedIds"]
        var births = ["sourcedId,birthDate"]
        var guardians: [String] = []
        for k in 0..<1500 {
            let g = uuid()
            guardians.append(g)
            let email = k % 17 == 0 ? "not an email" : "p\(k)@example.org"
            // (Its one student rejected too: no row names their household.)
            let parent = k % 23 == 0 && k % 3 == 2 ? "" : "Ann"
            lines.append(
                "\(g),active,\(k % 5 == 0 ? "guardian" : "parent"),\(parent),Lee\(k),\(email),")
            let s = uuid()
            let agents = k % 3 == 0 ? "\"\(g),\(guardians[k / 2])\"" : g
            let given = k % 23 == 0 ? "" : k % 29 == 0 ? "\"Bo\nBob\"" : "Bo"
            lines.append("\(s),active,student,\(given),Lee\(k),,\(agents)")
            births.append("\(s),\(k % 31 == 0 ? "1/2/99999" : "2014-03-04")")
        }
        lines.insert("\(uuid()),active,teacher,Ty,Teach,,", at: 40)
        lines.insert("", at: 60)
        lines.append(lines[7])  // a repeat
        lines.append(lines[9].uppercased())  // the same UUID in capitals: a repeat too
        let files = [
            "users.csv": lines.joined(separator: "\n") + "\n",
            "demographics.csv": births.joined(separator: "\n") + "\n",
        ]
        var ends: [(reports: [String], tables: [String], counts: [EntityCounts])] = []
        // (The last way holds no report: the rest of the file is read in its order after the
        // first batch of lines, 1,024.)
        for (window, most) in [
            (0, 0), (ImportOptions().orderWindowBytes, ImportOptions().mostHeldReports), (6000, 0),
        ] {
            let d = try LineHashTests.District(
                keep: true, orderWindowBytes: window, mostHeldReports: most)
            for day in ["2026-06-01", "2026-06-02"] {
                let summary = try d.importFiles(files, on: day, format: .oneroster)
                if day == "2026-06-01" {
                    #expect((summary.linesInIDOrder > 200) == (window > 0), "window \(window)")
                    if window > 0 && most == 0 { #expect(summary.linesInIDOrder == 1024) }
                    ends.append((d.reports, try d.tables(), summary.entities.map(\.counts)))
                    let unnamed = try d.f.db.first(
                        """
                        SELECT count(*) AS n FROM households h WHERE district_id = 'x'
                        AND NOT EXISTS (SELECT 1 FROM guardians WHERE district_id = 'x'
                            AND household_id = h.household_id)
                        AND NOT EXISTS (SELECT 1 FROM students WHERE district_id = 'x'
                            AND household_id = h.household_id)
                        """)?.int("n")
                    #expect(unnamed == 0, "window \(window)")
                    let guardians = summary.entities.first { $0.name == "guardians" }?.counts
                    #expect((guardians?.rejected ?? 0) >= 20, "a household's every row rejected")
                } else {
                    #expect(summary.linesInIDOrder == 0)
                    #expect(
                        summary.entities.allSatisfy {
                            $0.counts.created == 0 && $0.counts.updated == 0
                        })
                }
            }
        }
        #expect(ends[0].reports.count > 10, "\(ends[0].reports)")
        #expect(ends[0].reports.contains { $0.hasPrefix("demographics.csv:") })
        for e in ends.dropFirst() {
            #expect(e.reports == ends[0].reports)
            #expect(e.tables == ends[0].tables)
            #expect(e.counts == ends[0].counts)
        }
    }
}
