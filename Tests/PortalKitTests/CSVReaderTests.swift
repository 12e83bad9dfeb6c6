import Foundation
import Testing

@testable import PortalKit

func readAll(_ bytes: [UInt8], chunk: Int = 1 << 18, keepOnly: [Int?]? = nil) throws
    -> [CSVRecord]
{
    let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try CSVReader(path: path, chunk: chunk)
    if let keepOnly { r.keepOnly(keepOnly, of: 4) }
    var out: [CSVRecord] = []
    while let rec = try r.next() { out.append(rec) }
    return out
}

@Suite struct CSVReaderTests {
    /// A line found unchanged keeps its line without its fields (see `PendingRow.SameLine`):
    /// nothing of what the reading thread made for them goes with the row.
    @Test func aRecordWithoutFieldsKeepsItsLine() throws {
        let recs = try readAll(Array("id,name\ng1,Pat Lee\n".utf8))
        let rec = try #require(recs.last)
        #expect(rec.fields == ["g1", "Pat Lee"])
        let bare = rec.withoutFields
        #expect(bare.line == rec.line && bare.line == 2)
        #expect(bare.fields.isEmpty && bare.problem == nil)
    }

    @Test func bomCRLFQuotesAndBlankLines() throws {
        let text =
            "\u{FEFF}id,name\r\n1,\"Smith, Jr.\"\r\n\r\n2,\"say \"\"hi\"\"\"\r\n3,\"two\nlines\"\r\n4,last"
        let recs = try readAll(Array(text.utf8))
        #expect(
            recs.map(\.fields) == [
                ["id", "name"], ["1", "Smith, Jr."], ["2", "say \"hi\""], ["3", "two\nlines"],
                ["4", "last"],
            ])
        #expect(
            recs.map(\.line) == [1, 2, 4, 5, 7],
            "lines count the blank line and the break inside quotes")
        #expect(recs.allSatisfy { $0.problem == nil })
    }

    @Test func loneCarriageReturnsAndEmptyFields() throws {
        let recs = try readAll(Array("a,b,c\r1,,3\r,,\r".utf8))
        #expect(recs.map(\.fields) == [["a", "b", "c"], ["1", "", "3"], ["", "", ""]])
    }

    /// Fields no one reads are checked as any other, only not made into strings: the
    /// record's problem, its field, and whether it is blank stay what reading every field
    /// gives, with each field crossing a chunk or not.
    @Test func leftOutFieldsAreCheckedButNotKept() throws {
        let lines: [[UInt8]] = [
            Array("id,name,notes,extra".utf8),
            Array("1,Ann,call after 5,x".utf8),
            Array("2,Bo,\"say, \"\"hi\"\"\nthere\",".utf8),
            Array("3,Cy,ring \u{1B}]0;owned\u{07},".utf8),  // a terminal escape: a problem
            [UInt8]("4,Di,".utf8) + [0xC3, 0x28] + [UInt8](",".utf8),  // not UTF-8
            Array(",,  ,".utf8),  // spaces only: blank
            Array(",,\t,".utf8),  // a tab only: blank
            Array(",,\u{A0},".utf8),  // a no-break space only: blank
            Array(",,,y".utf8),  // text only where no one reads: not blank
            Array(",, z ,".utf8),
            Array("5,Ed,\u{202E}gnp.exe,".utf8),  // a bidi override: a problem
            Array("6,Flo,Zoë,\u{7F}".utf8),
            Array(",,\u{A0}Zoë\u{A0},".utf8),  // an accented word where no one reads: not blank
            Array(",,\u{3000},\u{A0}".utf8),  // ideographic and no-break spaces only: blank
        ]
        let bytes = Array(lines.joined(separator: [0x0A]))
        for chunk in [1 << 18, 3] {
            let every = try readAll(bytes, chunk: chunk)
            let some = try readAll(bytes, chunk: chunk, keepOnly: [0, 1])
            #expect(some.count == every.count)
            for (a, b) in zip(every, some) {
                #expect(b.fields.count == a.fields.count, "line \(a.line)")
                #expect(Array(b.fields.prefix(2)) == Array(a.fields.prefix(2)), "line \(a.line)")
                #expect(b.fields.dropFirst(2).allSatisfy { $0.isEmpty }, "line \(a.line)")
                #expect(
                    b.problem == a.problem && b.problemField == a.problemField, "line \(a.line)")
                #expect(b.isBlank == a.isBlank, "line \(a.line)")
                #expect(b.line == a.line)
            }
            #expect(
                every.map(\.isBlank) == [
                    false, false, false, false, false, true, true, true, false, false, false, false,
                    false, true,
                ])
            #expect(every.filter { $0.problem != nil }.map(\.line) == [5, 6, 12, 13])
        }
        let all = try readAll(bytes).map(\.fields)
        #expect(try readAll(bytes, keepOnly: [0, 1, 2, 3]).map(\.fields) == all)
    }

    /// The word-at-a-time test of printable ASCII (with a quote or without one) agrees with a
    /// byte loop: every byte value at every place of fields of 1 to 17 bytes, among printable
    /// ones, and random fields.
    @Test func printableASCIIIsToldEightBytesAtATime() {
        func bytewise(_ u: [UInt8], _ orQuote: Bool) -> Bool {
            u.allSatisfy { $0 >= 0x20 && $0 < 0x7F && (orQuote || $0 != 0x22) }
        }
        func fast(_ u: [UInt8], _ orQuote: Bool) -> Bool {
            u.withUnsafeBufferPointer { CSVReader.isPrintableASCII($0, orQuote: orQuote) }
        }
        for orQuote in [true, false] {
            for length in 1...17 {
                for at in 0..<length {
                    for b in 0...255 {
                        var u = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                        u[at] = UInt8(b)
                        #expect(fast(u, orQuote) == bytewise(u, orQuote), "\(u)")
                    }
                }
            }
            var g = SystemRandomNumberGenerator()
            for _ in 0..<20_000 {
                let u = (0..<Int.random(in: 0...24, using: &g)).map { _ in
                    UInt8.random(in: Bool.random(using: &g) ? 0x1E...0x81 : 0...255, using: &g)
                }
                #expect(fast(u, orQuote) == bytewise(u, orQuote), "\(u)")
            }
            #expect(fast([], orQuote))
        }
        #expect(!fast(Array("0123456789\"".utf8), false) && fast(Array("0123456789\"".utf8), true))
    }

    /// Excel's `sep=,` line before the header is not the header; the lines keep their numbers.
    /// Anywhere else, or naming another separator, it is a record as any other.
    @Test func excelsSeparatorLineIsSkipped() throws {
        let recs = try readAll(Array("sep=,\r\nid,name\r\n1,Ann\r\nsep=,\n".utf8))
        #expect(recs.map(\.fields) == [["id", "name"], ["1", "Ann"], ["sep=", ""]])
        #expect(recs.map(\.line) == [2, 3, 4])
        let other = try readAll(Array("sep=;\nid;name\n".utf8))
        #expect(other.map(\.fields) == [["sep=;"], ["id;name"]])
    }

    @Test func nonASCIIIsKept() throws {
        let recs = try readAll(Array("n\nJosé Núñez\n山田 太郎\n".utf8))
        #expect(recs.map(\.fields) == [["n"], ["José Núñez"], ["山田 太郎"]])
    }

    @Test func badUTF8AndUnterminatedQuotesAreReported() throws {
        var bytes = Array("id,name\n1,".utf8)
        bytes += [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]  // "Müller" in Latin-1
        bytes += Array("\n2,\"open\n3,x\n".utf8)
        let recs = try readAll(bytes)
        #expect(recs.count == 3)
        #expect(recs[1].problem?.contains("not UTF-8") == true)
        #expect(recs[2].problem?.contains("no closing quote") == true)
        #expect(recs[2].line == 3)
    }

    @Test func largeFilesStreamAcrossChunks() throws {
        var text = "id,note\n"
        for i in 0..<20000 { text += "\(i),\"quoted, with comma \(i)\"\n" }
        let recs = try readAll(Array(text.utf8))
        #expect(recs.count == 20001)
        #expect(recs.last?.fields == ["19999", "quoted, with comma 19999"])
        #expect(recs.last?.line == 20001)
    }

    @Test func everyChunkSizeReadsTheSameRecords() throws {
        var bytes = Array(
            ("\u{FEFF}\"id\",name,note\r\n1,\"Smith, Jr.\" ,\"say \"\"hi\"\"\"\r\n\r\n"
                + "2,  \"two\nlines\",a\"b\r3,José Núñez,\"\"\n,,\n4,\"open").utf8)
        bytes.insert(contentsOf: [0x4D, 0xFC, 0x6C], at: bytes.count - 6)  // Latin-1 "Mül"
        let whole = try readAll(bytes)
        #expect(whole.count == 6)
        #expect(whole[1].fields == ["1", "Smith, Jr. ", "say \"hi\""])
        #expect(whole[2].fields == ["2", "two\nlines", "a\"b"] && whole[2].line == 4)
        #expect(whole[3].fields == ["3", "José Núñez", ""])
        // Reads of at least 3 bytes, so that the first one shows the whole byte-order mark.
        for chunk in 3...17 {
            let recs = try readAll(bytes, chunk: chunk)
            #expect(recs.map(\.fields) == whole.map(\.fields), "chunk \(chunk)")
            #expect(recs.map(\.line) == whole.map(\.line), "chunk \(chunk)")
            #expect(recs.map(\.problem) == whole.map(\.problem), "chunk \(chunk)")
        }
    }

    /// A quoted field that lies whole in the buffer and closes just before a comma or a line
    /// end is made straight from the buffer; every other quoted field is gathered byte by
    /// byte. Both give the same fields, lines and problems, in files that quote every field
    /// (as many SIS exports do) and in small reads that cut fields anywhere, for fields read
    /// and left out.
    @Test func quotedFieldsReadTheSameWholeOrCut() throws {
        let long = String(repeating: "x", count: CSVReader.maxFieldBytes + 1)
        let text =
            "\"id\",\"name\",\"note\",\"agents\"\r\n"
            + "\"1\",\"Ann\",\"\",\"G1,G2\"\r\n"
            + "\"2\",\"Bo \"\"B\"\"\",\"two\nlines\",\"G3\"\n"
            + "\"3\", \"Cy\",\"ab\"c,\"G4\"\r"
            + "\"4\",\"Di\u{1B}\",\"Zoë\",\"\"\n"
            + "\"5\",\"\(long)\",\"x\",\"y\"\n"
            + "\"6\",\"Ed\",\"\n\n\",\"G5\"\r\n"
            + "\"7\",\"last\",\"x\",\"open"
        var bytes = Array(text.utf8)
        // A byte that is not UTF-8 inside a quoted field of the last but one line.
        let at = bytes.lastIndex(of: UInt8(ascii: "E"))!
        bytes.insert(0xFC, at: at + 1)
        let whole = try readAll(bytes)
        #expect(
            whole.map(\.fields) == [
                ["id", "name", "note", "agents"], ["1", "Ann", "", "G1,G2"],
                ["2", "Bo \"B\"", "two\nlines", "G3"], ["3", "Cy", "abc", "G4"],
                ["4", "Di\u{1B}", "Zoë", ""], ["5", "", "x", "y"],
                ["6", "E\u{FFFD}d", "\n\n", "G5"], ["7", "last", "x", "open"],
            ])
        #expect(whole.map(\.line) == [1, 2, 3, 5, 6, 7, 8, 11])
        #expect(whole.map(\.problemField) == [nil, nil, nil, nil, 1, 1, nil, 3])
        #expect(whole[0...3].allSatisfy { $0.problem == nil })
        #expect(whole[5].problem?.contains("too long") == true)
        #expect(whole[6].problem == CSVReader.notUTF8)
        #expect(whole[7].problem?.contains("no closing quote") == true)
        for chunk in [3, 4, 5, 7, 8, 11, 16, 64] {
            for keepOnly in [nil, [0, 3] as [Int?]] {
                let recs = try readAll(bytes, chunk: chunk, keepOnly: keepOnly)
                let each = try readAll(bytes, keepOnly: keepOnly)
                #expect(recs.map(\.fields) == each.map(\.fields), "chunk \(chunk)")
                #expect(recs.map(\.line) == whole.map(\.line), "chunk \(chunk)")
                #expect(recs.map(\.problem) == whole.map(\.problem), "chunk \(chunk)")
                #expect(recs.map(\.problemField) == whole.map(\.problemField), "chunk \(chunk)")
            }
        }
    }

    /// Runs of plain bytes are scanned eight at a time: a comma, quote, CR or LF at every place
    /// of a word (and bytes of high values beside them, which a borrow could mistake for one)
    /// ends the field exactly there.
    @Test func separatorsAtEveryPlaceOfAWordEndTheirField() throws {
        var lines: [[String]] = []
        var text = ""
        for k in 0..<18 {
            for (m, end) in [(0, "\n"), (7, "\r\n"), (9, "\r"), (16, "\n")] {
                let a = String(repeating: k % 2 == 0 ? "a" : "é", count: k)
                let b = String(repeating: "b", count: m)
                let quoted = "x\"\"" + String(repeating: "c", count: k)
                lines.append([a, b, "x\"" + String(repeating: "c", count: k)])
                text += a + "," + b + ",\"" + quoted + "\"" + end
            }
        }
        let recs = try readAll(Array(text.utf8))
        #expect(recs.map(\.fields) == lines)
        #expect(recs.allSatisfy { $0.problem == nil })
        #expect(recs.last?.line == lines.count)
    }

    /// A file that ends in the middle of a row (no line end after a last record shorter than
    /// the record before it, or a quote left open) was cut short; a whole last row without a
    /// line end, a blank last line, a short row followed by a line end, or a last row as short
    /// as the rows before it under a header naming empty columns is not, at every chunk size.
    /// Reads `bytes` with `nextSimple`, each record it declines with `next()`: each record's
    /// line, its fields (those left out as ""), and whether it was simple.
    private func readSimple(_ bytes: [UInt8], chunk: Int, keepOnly: [Int?])
        throws -> [(line: Int, fields: [String], simple: Bool)]
    {
        let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CSVReader(path: path, chunk: chunk)
        _ = try r.next()  // the header
        r.keepOnly(keepOnly, of: 4)
        var out: [(line: Int, fields: [String], simple: Bool)] = []
        while true {
            let simple = try r.nextSimple { line, b, fields, _ in
                out.append(
                    (
                        line,
                        fields.enumerated().map { k, f in
                            keepOnly.contains(k) || k >= 4
                                ? String(
                                    decoding: UnsafeBufferPointer(rebasing: b[f]), as: UTF8.self)
                                : ""
                        }, true
                    ))
            }
            if simple == nil { break }
            if simple == false {
                guard let rec = try r.next() else { break }
                out.append((rec.line, rec.fields, false))
            }
        }
        return out
    }

    /// A simple record (see `CSVReader.nextSimple`) is one `next()` reads with no problem, and
    /// its fields are the same text; any other is left to `next()`, which then reads it and
    /// every record after it as it would have. Checked on lines made to sit on each side of
    /// the line (quotes doubled or left open, fields on several lines, CR alone, accents and
    /// control characters where read and where left out, padding, the longest line, too
    /// many fields), in reads of every few sizes, and on random lines of such pieces.
    @Test func simpleRecordsAreThoseNextReadsCleanly() throws {
        let long = String(repeating: "x", count: CSVReader.maxFieldBytes - 20)
        let wide = Array(repeating: "a", count: CSVReader.maxFields + 1).joined(separator: ",")
        let text =
            "id,role,name,agents\n"
            + "G1,parent,Ann,\n"  // simple
            + "S1,student,Zoë,\"G1,G2\"\r\n"  // simple: an accent where no one reads
            + "S2,student,\"Bo \"\"B\"\"\",G1\n"  // a quote doubled
            + " G3 ,\"Parent\" ,Cy,\n"  // a space after a closing quote
            + "S3,student,\"two\nlines\",G3\n"  // a field on two lines
            + "G4,parent,Di\rG5,parent,Ed,\n"  // a CR alone ends a record
            + "É6,parent,Flo,\n"  // an accent where it is read
            + "G7,parent,Gus\u{1B},\n"  // a control character where no one reads
            + "G8,parent,\u{202E}gnp,\n"  // a bidi override where no one reads
            + "\n"  // a blank line (`next()` reads the record after it too)
            + ",,,\n"
            + "G9,parent,\(long),\n"  // nearly as long as a field may be: simple
            + "G10,parent,\(long)\(long.prefix(40)),\n"  // longer
            + "\(wide)\n"  // more fields than a record may have
            + "G11,parent,a\"b,\n"  // a quote inside a plain field
            + "'=G12,'-Parent,  Hal  ,\" G1 , ,G2\"\n"  // simple: guards, padding
            + "G13,parent,Ivy,\"G1\"x\n"  // text after a closing quote
            + "G14,parent,\"Jo\r\n"  // a quote left open at the end
        var bytes = Array(text.utf8)
        bytes.insert(contentsOf: [0xFC], at: bytes.firstIndex(of: UInt8(ascii: "F"))! + 1)
        for chunk in [3, 5, 8, 13, 64, 1 << 18] {
            let read = try readSimple(bytes, chunk: chunk, keepOnly: [0, 1, 3])
            let next = try readAll(bytes, chunk: chunk, keepOnly: [0, 1, 3]).dropFirst()
            #expect(read.map(\.line) == next.map(\.line), "chunk \(chunk)")
            #expect(read.map(\.fields) == next.map(\.fields), "chunk \(chunk)")
            for (r, n) in zip(read, next) where r.simple {
                #expect(n.problem == nil, "chunk \(chunk), line \(r.line)")
            }
            // In reads large enough to hold a line, these and only these are simple.
            if chunk == 1 << 18 {
                #expect(
                    read.filter(\.simple).map(\.line) == [2, 3, 9, 15, 19],
                    "\(read.map { ($0.line, $0.simple) })")
            }
        }
        // Lines ended by CR alone (no line feed anywhere): none is simple, all are read.
        let cr = Array("id,role,name,agents\rG1,parent,Ann,\rS1,student,Bo,G1\r".utf8)
        for chunk in [5, 1 << 18] {
            let read = try readSimple(cr, chunk: chunk, keepOnly: [0, 1, 3])
            #expect(
                read.map(\.fields) == [["G1", "parent", "", ""], ["S1", "student", "", "G1"]])
            #expect(!read.contains { $0.simple })
        }
        // Random lines of such pieces, read whole and in small reads.
        var rng = SplitMix64(state: 29)
        let pieces = [
            "G1", " G2 ", "\"G3\"", "\"G1,G2\"", "\"a\"\"b\"", "Zoë", "É", "\u{7}", "\u{202E}x",
            "'=1", "", " ", "\"", "\"two\nlines\"", "x\ry", "\r", "\t", "Parent", ",", ",,",
        ]
        for round in 0..<40 {
            var lines = ["id,role,name,agents"]
            for _ in 0..<30 {
                lines.append(
                    (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                        pieces.randomElement(using: &rng)!
                    }.joined(separator: ","))
            }
            var bytes = Array(lines.joined(separator: "\n").utf8)
            if round % 4 == 0 {
                bytes.insert(0xFF, at: Int.random(in: 20..<bytes.count, using: &rng))
            }
            for chunk in [7, 1 << 18] {
                for keepOnly in [[0, 1, 3], [0]] as [[Int?]] {
                    let read = try readSimple(bytes, chunk: chunk, keepOnly: keepOnly)
                    let next = try readAll(bytes, chunk: chunk, keepOnly: keepOnly).dropFirst()
                    #expect(read.map(\.line) == next.map(\.line), "round \(round)")
                    #expect(read.map(\.fields) == next.map(\.fields), "round \(round)")
                    #expect(
                        zip(read, next).allSatisfy { !$0.simple || $1.problem == nil },
                        "round \(round)")
                    if chunk > 7 { #expect(read.contains { $0.simple }, "round \(round)") }
                }
            }
        }
    }

    @Test func aFileEndingInTheMiddleOfARowIsCutShort() throws {
        func cut(_ text: String, chunk: Int) throws -> CSVReader {
            let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let r = try CSVReader(path: path, chunk: chunk)
            while try r.next() != nil {}
            return r
        }
        for chunk in [1, 3, 1 << 18] {
            let short = try cut("a,b,c\r\n1,2,3\r\n4,5", chunk: chunk)
            #expect(short.cutShort?.line == 3 && short.cutShort?.fields == 2)
            #expect(
                short.cutShortText("x.csv")
                    == "x.csv:3: the file ends in the middle of a row (after 2 of 3 fields, with no line end)"
            )
            let underWide = try cut("a,b,c,,\n1,2,3\n4,5", chunk: chunk)
            #expect(underWide.cutShort?.fields == 2 && underWide.cutShort?.width == 3)
            let quoted = try cut("a,b,c\n1,2,3\n4,\"five\nsix", chunk: chunk)
            #expect(quoted.cutShort?.line == 3 && quoted.cutShort?.inQuotes == true)
            #expect(quoted.cutShortText("x.csv")?.contains("(in a quoted field, with") == true)
            for whole in [
                "a,b,c\n1,2,3", "a,b,c\n1,2\n", "a,b,c\n1,2,3\n\n", "a,b,c", "a,b,c\n1,2,3,4",
                "a,b,c,,\r\n1,2,3\r\n4,5,6",
            ] {
                #expect(try cut(whole, chunk: chunk).cutShort == nil, "\(whole)")
            }
        }
    }

    /// Lines read by the search for each comma (`plainLine`) and lines it leaves to the walk
    /// of `next()` (a space before a quote, a quote inside a field, a quote doubled, a lone CR,
    /// a field on two lines) read alike, at every chunk size: the fields and problems each way
    /// would give.
    @Test func everyKindOfLineReadsAsTheWalkReadsIt() throws {
        let text =
            "a,b,c\r\n" + "1,\"x,y\",\u{e9}t\u{e9}\r\n" + "2, \"q\" ,z\n" + "3,a\"b,c\n"
            + "4,\"he said \"\"hi\"\"\",d\n" + "5,lone\rcr,e\n" + "6,\"two\nlines\",f\n"
            + "7,tab\there,g\n" + "8,,\n" + "9,abcdefghijkl\"mn,o\n"
            + "10,abcdefghijklmnopq,\"r,s\"\r\n" + "11,plain printable text,~\n"
        let expected: [[String]] = [
            ["1", "x,y", "\u{e9}t\u{e9}"], ["2", "q ", "z"], ["3", "a\"b", "c"],
            ["4", "he said \"hi\"", "d"], ["5", "lone"], ["cr", "e"], ["6", "two\nlines", "f"],
            ["7", "tab\there", "g"], ["8", "", ""], ["9", "abcdefghijkl\"mn", "o"],
            ["10", "abcdefghijklmnopq", "r,s"], ["11", "plain printable text", "~"],
        ]
        for chunk in [1, 5, 1 << 18] {
            let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let r = try CSVReader(path: path, chunk: chunk)
            _ = try r.next()
            var recs: [CSVRecord] = []
            while let rec = try r.next() { recs.append(rec) }
            #expect(recs.map(\.fields) == expected, "chunk \(chunk)")
            #expect(
                recs.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14], "chunk \(chunk)")
            #expect(recs.allSatisfy { $0.problem == nil }, "chunk \(chunk)")
            // A field left out reads as "", and the record says whether it held more than
            // spaces.
            let some = try CSVReader(path: path, chunk: chunk)
            some.keepOnly([0, 2], of: 3)
            _ = try some.next()
            var kept: [CSVRecord] = []
            while let rec = try some.next() { kept.append(rec) }
            #expect(
                kept.map(\.fields)
                    == expected.map { $0.enumerated().map { $0.offset == 1 ? "" : $0.element } },
                "chunk \(chunk)")
            #expect(
                kept.map(\.leftOutText) == expected.map { $0.count > 1 && !$0[1].isEmpty },
                "chunk \(chunk)")
        }
    }

    /// A reader that keeps the fields of plain lines as bytes (`keepsBytes`, see `FieldBytes`)
    /// gives the records a reader of strings gives: the same fields (each alone too, and its
    /// bytes), lines, problems, left-out text, blankness and line hashes, for every kind of
    /// line, at every chunk size, with fields left out or not, read as Windows-1252 or not,
    /// and still once the reader is gone and many blocks were filled.
    @Test func fieldsKeptAsBytesReadAsStrings() throws {
        var text = Array("id,name,note,city\r\n".utf8)
        let lines: [[UInt8]] = [
            Array("g1,Pat Lee,plain,Akron\n".utf8),
            Array("g2,\"Lee, Pat\",\"quoted whole\",Ohio\r\n".utf8),
            Array("g3,Jos\u{e9} P\u{e9}rez,caf\u{e9},S\u{e3}o Paulo\n".utf8),
            [0x67, 0x34, 0x2C, 0x42, 0xE9, 0x61, 0x2C, 0x78, 0x2C, 0x79, 0x0A],  // not UTF-8
            Array("g5,tab\there,x,y\n".utf8),
            Array("g6,bell\u{07},x,y\n".utf8),
            Array("   ,  ,,   \n".utf8),
            Array("\u{a0},\u{3000},,\n".utf8),
            Array("g9,  padded  ,'=guarded,z\n".utf8),
            Array("g10,\"a \"\"quote\"\" in\",x,y\n".utf8),
            Array("g11,\"two\nlines\",x,y\n".utf8),
            Array("g12,short\n".utf8),
            Array("g13,\u{202e}evil,x,y\n".utf8),
            Array(",,,\n".utf8),
        ]
        for l in lines { text += l }
        // Enough lines to fill more than a block.
        let long = String(repeating: "w", count: 1400)
        for i in 0..<400 { text += Array("b\(i),\(long),\(i % 7 == 0 ? "  " : "n\(i)"),c\n".utf8) }
        let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let hashed = LineHash.Fields(
            fields: (0..<4).map { LineHash.Field(at: $0, tag: UInt64(0x80 + $0)) }, seed: 7)
        func read(_ chunk: Int, _ keep: [Int?]?, _ w1252: Bool, bytes: Bool) throws -> [CSVRecord] {
            let r = try CSVReader(path: path, chunk: chunk, windows1252: w1252)
            _ = try r.next()
            if let keep { r.keepOnly(keep, of: 4) }
            r.keepsBytes = bytes
            var out: [CSVRecord] = []
            while let rec = try r.next() { out.append(rec) }
            return out
        }
        for chunk in [64, 1 << 18] {
            for keep in [nil, [0, 2], [1, 3]] as [[Int?]?] {
                for w1252 in [false, true] {
                    let strings = try read(chunk, keep, w1252, bytes: false)
                    let bytes = try read(chunk, keep, w1252, bytes: true)
                    let at = "chunk \(chunk), keep \(String(describing: keep)), 1252 \(w1252)"
                    #expect(bytes.count == strings.count, "\(at)")
                    #expect(strings.filter(\.keptAsBytes).isEmpty, "\(at)")
                    // Most records' fields kept as bytes (more than a block) where the
                    // lines are whole in the bytes read: the plain lines read cleanly.
                    #expect(chunk < 100 || bytes.filter(\.keptAsBytes).count >= 400, "\(at)")
                    for (b, s) in zip(bytes, strings) {
                        let line = "\(at), line \(s.line)"
                        #expect(b.line == s.line && b.fields == s.fields, "\(line)")
                        #expect(
                            b.problem == s.problem && b.problemField == s.problemField, "\(line)")
                        #expect(b.leftOutText == s.leftOutText && b.isBlank == s.isBlank, "\(line)")
                        #expect(b.fieldCount == s.fields.count, "\(line)")
                        for i in 0..<b.fieldCount {
                            #expect(b.field(i) == s.fields[i], "\(line), field \(i)")
                            #expect(
                                b.withField(i) { Array($0) } == Array(s.fields[i].utf8), "\(line)")
                        }
                        #expect(hashed.of(b) == hashed.of(s), "\(line)")
                    }
                }
            }
        }
    }

    /// The row a file is cut in is refused with the cut as its problem, not read as if whole:
    /// its last field is most likely cut too ("Walke" for "Walker", half an id). A short row
    /// after the header alone is read as it is (a spreadsheet's header may name columns no row
    /// fills), as is a short row with a line end after it, at every chunk size, and whichever
    /// way the rows before it were read.
    @Test func theRowAFileIsCutInIsRefused() throws {
        func records(_ text: String, chunk: Int, simple: Bool = false) throws -> [CSVRecord] {
            let path = NSTemporaryDirectory() + "csv-" + UUID().uuidString + ".csv"
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let r = try CSVReader(path: path, chunk: chunk)
            var out: [CSVRecord] = []
            if let header = try r.next() { out.append(header) }
            while true {
                if simple, try r.nextSimple({ _, _, _, _ in }) == true { continue }
                guard let rec = try r.next() else { break }
                out.append(rec)
            }
            return out
        }
        for chunk in [1, 3, 1 << 18] {
            for simple in [false, true] {
                let cut = try records("a,b,c\r\n1,2,3\r\n4,Walke", chunk: chunk, simple: simple)
                let problem = cut.last?.problem(in: ["a", "b", "c"])
                #expect(problem?.field == "row", "chunk \(chunk)")
                #expect(
                    problem?.problem
                        == "the file ends in the middle of this row (after 2 of 3 fields, with no line end): the rest of it is missing",
                    "chunk \(chunk)")
                #expect(cut.last?.fields == ["4", "Walke"] && cut.last?.line == 3)
                for whole in ["a,b,c\n1,2", "a,b,c\n1,2,3\n4,5\n", "a,b,c\n1,2,3\n4,5,6"] {
                    let recs = try records(whole, chunk: chunk, simple: simple)
                    #expect(recs.allSatisfy { $0.problem == nil }, "\(whole)")
                }
            }
        }
    }

    @Test func missingFileIsNoInput() {
        do {
            _ = try CSVReader(path: "/nonexistent/x.csv")
            Issue.record("expected an error")
        } catch let e as PortalError {
            #expect(e.code == .noInput)
        } catch { Issue.record("\(error)") }
    }

    @Test func headerFindsColumnsByNameInAnyCase() {
        let h = CSVHeader([" Student_ID ", "GIVEN_NAME", "x", "x"])
        #expect(h.column("student_id") == 0 && h.column("given_name") == 1)
        #expect(h.column(anyOf: ["agents", "x"]) == 2)
        #expect(h.duplicates == ["x"])
    }
}
