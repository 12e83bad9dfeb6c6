#if canImport(Glibc)
    internal import Glibc
#endif

/// One record of a CSV file: its fields and the line it starts on (1-based, counting the header).
public struct CSVRecord: Sendable {
    /// The line the record starts on (1-based, the header being line 1).
    public let line: Int
    /// The fields as read, quotes removed ("" for a field the reader left out, see
    /// `CSVReader.keepOnly`): made into strings here for a record whose fields are kept as
    /// bytes (see `FieldBytes`); `field(_:)` and `withField` read one without the others.
    public var fields: [String] {
        if let block { return block.strings(at: at, count: byteFields) }
        return strings
    }
    private let strings: [String]
    /// Where the fields are, when the reader kept them as bytes (see `FieldBytes`): the
    /// block, the place in it and how many. (Not an optional structure: copies of records
    /// went through its type's generic value witnesses.)
    private let block: FieldBytes?
    private let at: Int32
    private let byteFields: Int32
    /// Set when the record could not be read cleanly (bad UTF-8, unterminated quote, a field
    /// too long or holding a control character).
    public let problem: String?
    /// The field (0-based) the problem is in, when it is in one.
    public var problemField: Int? = nil
    /// A field the reader was told to leave out (`CSVReader.leftOut`) held more than spaces.
    public var leftOutText = false
    /// The number of the user whose first line this is, when read out of the file's order
    /// (see `RankedLines`); -1 otherwise.
    var user: Int32 = -1

    /// A record of `fields` (as strings) starting on `line`, with `problem` when it could
    /// not be read cleanly.
    public init(line: Int, fields: [String], problem: String?) {
        self.line = line
        strings = fields
        block = nil
        at = 0
        byteFields = 0
        self.problem = problem
    }

    /// A record read cleanly whose fields are kept as bytes.
    init(line: Int, bytes: FieldBytes.Place) {
        self.line = line
        strings = []
        block = bytes.block
        at = bytes.at
        byteFields = bytes.fields
        problem = nil
    }

    /// Whether the fields are kept as bytes (see `FieldBytes`).
    var keptAsBytes: Bool { block != nil }

    /// The record with its fields as strings (the same record when they are).
    var withStrings: CSVRecord {
        guard block != nil else { return self }
        var r = CSVRecord(line: line, fields: fields, problem: problem)
        r.problemField = problemField
        r.leftOutText = leftOutText
        r.user = user
        return r
    }

    /// Where the fields are kept as bytes (nil: as strings).
    var place: FieldBytes.Place? {
        block.map { FieldBytes.Place(block: $0, at: at, fields: byteFields) }
    }

    /// How many fields the record has.
    var fieldCount: Int { block == nil ? strings.count : Int(byteFields) }

    /// Field `i` (less than `fieldCount`).
    func field(_ i: Int) -> String {
        if let block { return block.string(i, at: at, count: byteFields) }
        return strings[i]
    }

    /// `body` with the UTF-8 of field `i` (less than `fieldCount`), read in place.
    func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let block { return block.withField(i, at: at, count: byteFields, body) }
        if let r = strings[i].utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = strings[i]
        return copy.withUTF8(body)
    }

    /// `problem` as `field: problem`, the field named by the header's spelling of it.
    public func problem(in header: [String]) -> RowProblem? {
        guard let problem else { return nil }
        let name = problemField.flatMap { $0 < header.count ? header[$0] : nil }
        return RowProblem(name ?? "row", problem)
    }

    /// A header not read cleanly (not UTF-8, a control character: a file that is no CSV text,
    /// or a damaged one) as the error that refuses `file`, before its columns are looked for
    /// (a binary file's bytes otherwise read as one column whose name holds a bar, said to be
    /// a file separated by bars). `done`: what was left undone, e.g. "nothing was imported".
    public func headerError(_ file: String, _ done: String) -> PortalError? {
        guard let p = problem(in: []) else { return nil }
        return PortalError(
            .dataError, "\(file):\(line): header: \(p.problem)",
            hint: "the first line must name the columns; \(done)")
    }

    /// The record without its fields, for a line found unchanged whose row is never made
    /// again (`PendingRow.SameLine`): kept, the fields were let go of with the row, on the
    /// thread that makes rows, each a wait for the lock of the reading thread's memory
    /// (glibc's arena of the thread that made them): a re-import of 300,000 students'
    /// numbered OneRoster bundle waited so 6,400 times, 0.92-0.97 -> 0.88-0.93 s without.
    var withoutFields: CSVRecord { CSVRecord(line: line, fields: [], problem: problem) }

    /// A line with nothing in it but separators and spaces: no row at all.
    public var isBlank: Bool {
        guard problem == nil && !leftOutText else { return false }
        guard block != nil else { return strings.allSatisfy { $0.trimmed().isEmpty } }
        // (Kept as bytes: a field holding printable ASCII other than a space holds text; one
        // of spaces does not; any other is trimmed as a string.)
        return (0..<fieldCount).allSatisfy { i in
            withField(i) { u in
                !u.contains { $0 > 0x20 && $0 < 0x7F }
                    && (u.allSatisfy { $0 == 0x20 } || field(i).trimmed().isEmpty)
            }
        }
    }
}

/// A streaming RFC 4180 reader for the files registrars really have: a UTF-8 byte-order mark,
/// CRLF or LF (or lone CR) line ends, quoted fields holding commas, quotes and line breaks, and
/// blank lines. It reads fixed-size chunks, so memory does not grow with the file.
///
/// Hostile input is bounded: a field longer than `maxFieldBytes`, a record of more than
/// `maxFields` fields or `maxRecordBytes` bytes (an endless line, or a quote that never closes)
/// is a bad record whose excess is skipped, not kept; a control character (C0 other than tab
/// and line breaks, DEL, C1) or a Unicode bidi override or isolate, which would retitle or
/// clear a terminal or reorder text on screen, makes the field bad. Only regular files are read.
public final class CSVReader {
    /// The longest field (bytes), record (bytes) and the most fields a record may have.
    public static let maxFieldBytes = 16_384
    /// The longest record, in bytes.
    public static let maxRecordBytes = 262_144
    /// The most fields one record may have.
    public static let maxFields = 1_024

    /// The file being read.
    public let path: String
    /// The file as messages name it.
    let shownAs: String
    private let fd: Int32
    // Read and changed for every byte of the file: unchecked at run time for overlapping
    // accesses (see `RosterWriter`); none overlaps another.
    /// The bytes read, in memory the reader owns: read through an array, every field took a
    /// retain and a release of it (each a locked instruction, on the thread reading the file).
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var pos = 0
    @exclusivity(unchecked) private var eof = false
    @exclusivity(unchecked) private var line = 1
    @exclusivity(unchecked) private var atStart = true
    @exclusivity(unchecked) private(set) var bytesRead = 0
    let totalBytes: Int
    /// Fields (by position) no reader of this file looks at: checked as any other (a bad byte
    /// in one is the record's problem), but kept as "" instead of made into strings, which
    /// most of a record's cost is when few of its columns are read (OneRoster's first reading
    /// of users.csv needs 3 of a dozen).
    @exclusivity(unchecked) public private(set) var leftOut: [Bool] = []

    /// Leaves out every field but those at `read` (positions in a header of `width` names).
    public func keepOnly(_ read: [Int?], of width: Int) {
        leftOut = (0..<width).map { !read.contains($0) }
        if !leftOut.contains(true) { leftOut = [] }
    }

    /// Whether a field that is not UTF-8 is read as Windows-1252 (what Excel's "CSV (Comma
    /// delimited)" writes on a Western Windows), not refused; a field that is UTF-8 stays so.
    public let windows1252: Bool

    /// Opens `path` ("-" for standard input). Missing or unreadable files are exit 66.
    /// `chunk` is the size of each read (tests make it tiny, so that every field crosses one).
    /// `shownAs`: how messages name the file (by default `'path'`).
    public init(
        path: String, chunk: Int = 1 << 18, shownAs: String? = nil, windows1252: Bool = false
    ) throws {
        self.path = path
        self.windows1252 = windows1252
        self.shownAs = shownAs ?? (path == "-" ? "standard input" : "'\(path)'")
        self.buffer = .allocate(capacity: max(chunk, 1))
        if path == "-" {
            fd = 0
            totalBytes = 0
            return
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw PortalError(
                .noInput, "cannot read '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the path")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw PortalError(
                .noInput, "'\(path)' is a folder, not a CSV file", hint: "name the file")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Self.notRegular(path) }
        // Opened without waiting (a FIFO swapped in after the check would block an ordinary
        // open), then checked again on the open file.
        let f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard f >= 0 else {
            throw PortalError(
                .noInput, "cannot read '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the file's permissions")
        }
        guard fstat(f, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(f)
            throw Self.notRegular(path)
        }
        _ = fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK)
        fd = f
        totalBytes = Int(st.st_size)
    }

    /// Reads `count` bytes that `gather` puts in the reader's memory as the records after a
    /// file's header (no byte-order mark is looked for, nor Excel's `sep=` line): the lines
    /// `RankedLines` gathers, one after another, straight into the memory they are read from.
    init(
        gathering count: Int, windows1252: Bool,
        _ gather: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        path = ""
        shownAs = ""
        fd = -1
        self.windows1252 = windows1252
        buffer = .allocate(capacity: max(count, 1))
        self.count = count
        bytesRead = count
        totalBytes = count
        atStart = false
        previousFields = 0
        try gather(
            UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[..<count])
        )
    }

    deinit {
        if fd > 0 { close(fd) }
        buffer.deallocate()
    }

    /// Where in the file the next record begins (bytes from its start).
    var position: Int { bytesRead - count + pos }

    static func notRegular(_ path: String) -> PortalError {
        PortalError(
            .noInput, "'\(path)' is not a regular file (a device, pipe or socket)",
            hint: "save the data to a file first, or pass '-' to read standard input")
    }

    private func fill() throws -> Bool {
        if eof { return false }
        if pos < count { return true }
        if fd < 0 {
            eof = true
            return false
        }
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n < 0 {
            throw PortalError(
                .ioError, "cannot read '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the disk")
        }
        if n == 0 {
            eof = true
            return false
        }
        count = n
        pos = 0
        noLineFeedFrom = Int.max
        bytesRead += n
        if atStart {
            atStart = false
            // (The first bytes are all either looks at.)
            let head = ArraySlice(buffer[..<min(count, 8)])
            if Self.isUTF16(head) {
                throw PortalError(
                    .dataError, "\(shownAs) is UTF-16 text, not UTF-8",
                    hint:
                        "save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)) and run the command again; nothing was read from it"
                )
            }
            if Self.isWorkbook(head) {
                throw PortalError(
                    .dataError,
                    "\(shownAs) is a spreadsheet workbook (.xlsx, .xls or .ods), not CSV text",
                    hint:
                        "open it in the spreadsheet and save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)), then run the command again; nothing was read from it"
                )
            }
            if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
                pos = 3
                return try fill()  // the read held nothing but the mark
            }
        }
        return true
    }

    /// Whether a file's first bytes are a spreadsheet workbook's: a ZIP archive's (.xlsx,
    /// .ods) or an OLE2 compound file's (.xls), as a workbook saved as it was and named .csv
    /// begins. No text file begins so (a ZIP's signature holds two control bytes).
    static func isWorkbook(_ b: ArraySlice<UInt8>) -> Bool {
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        let ole2: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        return b.starts(with: zip) || b.starts(with: ole2)
    }

    /// Whether a file's first bytes are UTF-16's: its byte-order mark (Excel's "Unicode Text"
    /// writes one), or text whose every other byte is NUL.
    static func isUTF16(_ b: ArraySlice<UInt8>) -> Bool {
        let b = Array(b.prefix(4))
        guard b.count >= 2 else { return false }
        if (b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF) { return true }
        guard b.count == 4 else { return false }
        return (b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0)
            || (b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0)
    }

    private func peek() throws -> UInt8? {
        guard try fill() else { return nil }
        return buffer[pos]
    }

    /// A record's problem when its bytes are not UTF-8.
    static let notUTF8 = "the row is not UTF-8 text (save the file as UTF-8)"
    /// How the note on rows not UTF-8 ends: the caller may say how to ask for it.
    public static let readAsWindows1252 = "import it read as Windows-1252"

    /// Windows-1252 by byte: ASCII, then 0x80-0x9F as the code page assigns them (the five it
    /// leaves unassigned as the C1 control of that number), then Latin-1.
    static let windows1252Scalars: [Unicode.Scalar] = {
        let high: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
            0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
            0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        return (0..<256).map { b in
            Unicode.Scalar((0x80..<0xA0).contains(b) ? high[b - 0x80] : UInt32(b)) ?? "\u{FFFD}"
        }
    }()

    /// Records read so far whose bytes are not UTF-8.
    @exclusivity(unchecked) public private(set) var rowsNotUTF8 = 0

    /// Once a file is read, what its rows that were not UTF-8 say of it (Excel's "CSV (Comma
    /// delimited)" writes accented letters in a Windows code page), for the import's notes.
    func notUTF8Note(_ file: String) -> String? {
        guard rowsNotUTF8 > 0 else { return nil }
        return
            "\(file): \(rowsNotUTF8) row\(rowsNotUTF8 == 1 ? " was" : "s were") not UTF-8 text (damaged, or written in a Windows code page, as Excel's \"CSV (Comma delimited)\" writes accented letters): save the file as \"CSV UTF-8 (Comma delimited)\" and import it again, or \(Self.readAsWindows1252)"
    }

    /// Fields in the last record, to size the next one's array.
    @exclusivity(unchecked) private var width = 8
    /// Fields of the record before (the header's, before the first row), to tell a last row
    /// cut short; nil before the header.
    @exclusivity(unchecked) private var previousFields: Int? = nil
    /// Records read after the header, by any of the ways of reading one.
    @exclusivity(unchecked) private var rowsBefore = 0
    /// Where the file ends in the middle of a row: its last record has no line end and fewer
    /// fields than the record before it, or a quote left open (an export or a copy cut short).
    /// A row that is whole but has no line end after it is not cut, nor is a last row as short
    /// as the rows before it (a spreadsheet's header may name empty columns no row fills: a
    /// public OneRoster roles.csv has 11 names over rows of 9, and no line end after the last).
    @exclusivity(unchecked) public private(set) var cutShort:
        (line: Int, fields: Int, width: Int, inQuotes: Bool)? = nil

    /// Once a file is read, where it ends in the middle of a row, for the import's messages.
    func cutShortText(_ file: String) -> String? {
        guard let c = cutShort else { return nil }
        let part = c.inQuotes ? "in a quoted field" : "after \(c.fields) of \(c.width) fields"
        return "\(file):\(c.line): the file ends in the middle of a row (\(part), with no line end)"
    }

    /// The next non-blank record, or nil at the end of the file. Runs of plain bytes are found
    /// with a tight scan, and a field that lies whole in the buffer becomes a string straight
    /// from it; `field` gathers only the fields that are quoted or cross a refill.
    public func next() throws -> CSVRecord? {
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        while true {
            guard try fill() else { return nil }
            if skipAt < skips.count, try skipLine() { continue }
            if previousFields != nil, let rec = plainLine() { return rec }
            let startLine = line
            var fields: [String] = []
            fields.reserveCapacity(width)
            var field: [UInt8] = []
            var problem = Problem()
            var quoted = false
            var sawAny = false
            var last: String? = nil
            var leftOutText = false
            var atEnd = false
            // Read once (a property read per field is checked for exclusive access each time).
            let leftOut = self.leftOut
            // Bytes of the record and of the field so far; beyond the limits they are counted,
            // not kept.
            var recordBytes = 0
            var fieldBytes = 0
            func keep(_ r: Range<Int>) {
                recordBytes += r.count
                fieldBytes += r.count
                if fieldBytes > Self.maxFieldBytes || recordBytes > Self.maxRecordBytes {
                    problem.tooLong(fields.count)
                    // None of it, however the reads cut it (not the part read before).
                    field.removeAll()
                } else {
                    field.append(contentsOf: buffer[r])
                }
            }
            func endField(_ s: String) {
                if fields.count < Self.maxFields {
                    fields.append(s)
                } else {
                    problem.set("the row has more than \(Self.maxFields) fields", nil)
                }
                if !field.isEmpty { field.removeAll(keepingCapacity: field.capacity <= 4096) }
                fieldBytes = 0
            }
            record: while true {
                guard try fill() else {
                    if quoted { problem.set("a quoted field has no closing quote", fields.count) }
                    atEnd = true
                    break
                }
                let start = pos
                if quoted {
                    let end = quoteOrEnd(from: start)
                    let lines = newlines(start..<end)
                    // Whole in the buffer and closed just before a comma or a line end (as
                    // most are: many SIS exports quote every field): made straight from the
                    // buffer as a plain field is, not gathered byte by byte first (an export
                    // quoting every field took a quarter longer to import).
                    if end + 1 < count && field.isEmpty && fieldBytes == 0
                        && end - start <= Self.maxFieldBytes
                        && recordBytes + end - start <= Self.maxRecordBytes,
                        case let after = buffer[end + 1],
                        after == comma || after == lf || after == cr
                    {
                        line += lines
                        recordBytes += end - start
                        quoted = false
                        let v = value(start..<end, &problem, fields.count, leftOut, &leftOutText)
                        pos = end + 2
                        if after == comma {
                            endField(v)
                            continue
                        }
                        last = v
                        if after == cr, try peek() == lf { pos += 1 }
                        line += 1
                        break record
                    }
                    line += lines
                    keep(start..<end)
                    pos = end
                    guard pos < count else { continue }
                    pos += 1
                    if try peek() == quote {
                        keep(pos..<pos + 1)
                        pos += 1
                    } else {
                        quoted = false
                    }
                    continue
                }
                let end = scanPlain(from: start)
                if end > start { sawAny = true }
                guard end < count else {
                    keep(start..<end)
                    pos = end
                    continue
                }
                let d = buffer[end]
                pos = end + 1
                switch d {
                case quote:
                    sawAny = true
                    // A quote opens a quoted field only at its start (spaces before it are
                    // dropped); elsewhere it is an ordinary character.
                    if field.allSatisfy({ $0 == 0x20 })
                        && buffer[start..<end].allSatisfy({ $0 == 0x20 })
                    {
                        field.removeAll()
                        fieldBytes = 0
                        quoted = true
                    } else {
                        keep(start..<end + 1)
                    }
                case comma:
                    sawAny = true
                    if field.isEmpty && fieldBytes == 0 && end - start <= Self.maxFieldBytes {
                        recordBytes += end - start
                        endField(
                            value(start..<end, &problem, fields.count, leftOut, &leftOutText))
                    } else {
                        keep(start..<end)
                        endField(value(field, &problem, fields.count, leftOut, &leftOutText))
                    }
                default:
                    // Decoded before looking past a CR, which may refill the buffer.
                    if field.isEmpty && fieldBytes == 0 && end - start <= Self.maxFieldBytes {
                        last = value(start..<end, &problem, fields.count, leftOut, &leftOutText)
                    } else {
                        keep(start..<end)
                    }
                    if d == cr, try peek() == lf { pos += 1 }
                    line += 1
                    break record
                }
            }
            let lastField = last ?? value(field, &problem, fields.count, leftOut, &leftOutText)
            if !sawAny && lastField.isEmpty && fields.isEmpty {
                if problem.text == nil { continue }  // a blank line
            }
            endField(lastField)
            // Excel's line before the header that names the separator (`sep=,`): not the
            // header. (Another separator's stays, for the header's hint to name it.)
            if previousFields == nil && problem.text == nil && fields.count == 2
                && fields[0].lowercased() == "sep=" && fields[1].isEmpty
            {
                continue
            }
            width = min(fields.count, 64)
            if let before = previousFields, atEnd && (quoted || fields.count < before) {
                cutShort = (startLine, fields.count, before, quoted)
                // Its last field is most likely cut too ("Walke" for "Walker", half an id):
                // the row is refused, not imported as it stands. (Not when only the header
                // comes before it: a spreadsheet's header may name columns no row fills.)
                if !quoted && rowsBefore > 0 {
                    problem.set(
                        "the file ends in the middle of this row (after \(fields.count) of \(before) fields, with no line end): the rest of it is missing",
                        nil)
                }
            }
            if previousFields != nil { rowsBefore += 1 }
            previousFields = fields.count
            if problem.text == Self.notUTF8 { rowsNotUTF8 += 1 }
            var rec = CSVRecord(line: startLine, fields: fields, problem: problem.text)
            rec.problemField = problem.field
            rec.leftOutText = leftOutText
            return rec
        }
    }

    /// The next record when it is one line whole in the buffer whose fields are plain (no
    /// quote, no CR) or quoted whole with no quote inside, made as the walk of `next()` below
    /// makes it (each field by the same `value`), found with a search for each comma instead
    /// (a re-import reads every line of users.csv a second time: the walk was a third of it).
    /// nil, having read nothing, for any other line (a blank one, a quote doubled or inside a
    /// field, a field on several lines, a lone CR, a line too long) or before the header.
    private func plainLine() -> CSVRecord? {
        guard let (lf, end) = lineAtPos(), let base = UnsafeBufferPointer(buffer).baseAddress
        else { return nil }
        // A line of printable ASCII with no quote (most lines) is looked at once, whole: its
        // fields then need no look of their own, for a quote or to be decoded (a look for
        // each field was a sixth of the reading thread's time in a re-import).
        let printable = Self.isPrintableASCII(
            UnsafeBufferPointer(start: base + pos, count: end - pos), orQuote: false)
        guard printable || memchr(base + pos, Int32(UInt8(ascii: "\r")), end - pos) == nil
        else { return nil }
        return withFieldPlaces { ranges in
            guard plainFields(pos, end, into: &ranges, quoteless: printable) else { return nil }
            let rec =
                (keepsBytes ? bytesRecord(ranges, line: line, printable: printable) : nil)
                ?? record(ranges, line: line, printable: printable)
            if rec.problem == Self.notUTF8 { rowsNotUTF8 += 1 }
            passed(line: lf, fields: ranges.count)
            return rec
        }
    }

    /// The line at `pos`, whole in the bytes read: where its line feed is and where its text
    /// ends (before a CR ending it); nil for a blank line, one longer than a field may be, or
    /// when no line feed follows in the bytes read (noted in `noLineFeedFrom`).
    private func lineAtPos() -> (lineFeed: Int, end: Int)? {
        guard pos < noLineFeedFrom, pos < count, let base = UnsafeBufferPointer(buffer).baseAddress
        else { return nil }
        guard let hit = memchr(base + pos, 0x0A, count - pos) else {
            noLineFeedFrom = pos
            return nil
        }
        let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        let end = lf > pos && buffer[lf - 1] == UInt8(ascii: "\r") ? lf - 1 : lf
        guard end > pos, end - pos <= Self.maxFieldBytes else { return nil }
        return (lf, end)
    }

    /// Calls `body` with the places of fields reused from record to record (`simpleFields`),
    /// empty, and keeps them for the next.
    private func withFieldPlaces<R>(_ body: (inout [Range<Int>]) throws -> R) rethrows -> R {
        var ranges = simpleFields
        simpleFields = []
        defer {
            ranges.removeAll(keepingCapacity: true)
            simpleFields = ranges
        }
        return try body(&ranges)
    }

    /// A row read whole, its line ending at `lineFeed`, of `fields` fields: the reading goes on
    /// after it.
    private func passed(line lineFeed: Int, fields: Int) {
        pos = lineFeed + 1
        line += 1
        width = min(fields, 64)
        previousFields = fields
        rowsBefore += 1
    }

    /// Where the fields of the line at `start..<end` of the bytes read lie (into `ranges`), when
    /// each is plain (no quote) or quoted whole with no quote inside, at most `maxFields`;
    /// false for any other line. `quoteless`: the line is known to hold no quote.
    private func plainFields(
        _ start: Int, _ end: Int, into ranges: inout [Range<Int>], quoteless: Bool
    ) -> Bool {
        guard let base = UnsafeBufferPointer(buffer).baseAddress else { return false }
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        func find(_ b: UInt8, from i: Int) -> Int? {
            memchr(base + i, Int32(b), end - i).map {
                base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
            }
        }
        var i = start
        while true {
            guard ranges.count < Self.maxFields else { return false }
            if !quoteless && i < end && buffer[i] == quote {
                guard let q = find(quote, from: i + 1), q + 1 == end || buffer[q + 1] == comma
                else { return false }
                ranges.append(i + 1..<q)
                i = q + 1
            } else {
                let j = find(comma, from: i) ?? end
                guard quoteless || memchr(base + i, Int32(quote), j - i) == nil else {
                    return false
                }
                ranges.append(i..<j)
                i = j
            }
            if i == end { return true }
            i += 1
        }
    }

    /// The record of a line whose fields lie at `ranges` of the bytes read, each made by the
    /// same `value` as the walk of `next()` makes it: the record the walk makes.
    /// `printable`: the line is known to be printable ASCII, which `value` makes as it stands
    /// (a field left out: "", noted when it holds more than spaces).
    private func record(_ ranges: [Range<Int>], line: Int, printable: Bool = false) -> CSVRecord {
        let leftOut = self.leftOut
        var fields: [String] = []
        fields.reserveCapacity(ranges.count)
        var problem = Problem()
        var leftOutText = false
        if printable, let base = UnsafeBufferPointer(buffer).baseAddress {
            for r in ranges {
                let u = UnsafeBufferPointer(start: base + r.lowerBound, count: r.count)
                if fields.count < leftOut.count && leftOut[fields.count] {
                    if !leftOutText && u.contains(where: { $0 != 0x20 }) { leftOutText = true }
                    fields.append("")
                } else {
                    fields.append(String(decoding: u, as: UTF8.self))
                }
            }
            var rec = CSVRecord(line: line, fields: fields, problem: nil)
            rec.leftOutText = leftOutText
            return rec
        }
        for r in ranges { fields.append(value(r, &problem, fields.count, leftOut, &leftOutText)) }
        var rec = CSVRecord(line: line, fields: fields, problem: problem.text)
        rec.problemField = problem.field
        rec.leftOutText = leftOutText
        return rec
    }

    /// The places of the fields `nextSimple` found, reused from record to record.
    @exclusivity(unchecked) private var simpleFields: [Range<Int>] = []
    /// Where the buffered bytes have no line feed from, once `nextSimple` looked (until the
    /// next read): a file whose lines end in CR alone has none, and looking again for every
    /// record read the rest of the buffer each time (a 100k-student users.csv 1.10 -> 1.34 s).
    @exclusivity(unchecked) private var noLineFeedFrom = Int.max

    /// Reads the next record when it is simple and calls `body` with its line and its fields'
    /// places in `bytes`: whole in the buffer and ended by a line end, no longer than a field
    /// may be, each field plain (no quote, no CR) or quoted whole with no quote inside, the
    /// fields not left out (see `keepOnly`) printable ASCII, and those left out as `next()`
    /// finds them, with no problem. `next()` would return that record, with no problem and
    /// the same text in every field kept, as strings made one by one; this makes none.
    /// Returns false and reads nothing for any other record (read it with `next()`: a blank
    /// line, a field on several lines, a quote doubled, an accented letter in a field kept...),
    /// nil at the end of the file. The places are valid only within `body`.
    func nextSimple(
        _ body: (
            _ line: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ fields: [Range<Int>],
            _ place: LinePlace
        ) throws -> Void
    ) throws -> Bool? {
        guard try fill() else { return nil }
        // (Before the header, a record may be Excel's `sep=` line: `next()` tells.)
        guard previousFields != nil else { return false }
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let leftOut = self.leftOut
        guard let (lineFeed, end) = lineAtPos() else { return false }
        return try withFieldPlaces { fields in
            // Whether each field is simple, its place put in `fields`.
            let simple = { (b: UnsafeBufferPointer<UInt8>) -> Bool in
                guard let base = b.baseAddress else { return false }
                var i = pos
                var problem = Problem()
                var text = false
                while true {
                    guard fields.count < Self.maxFields else { return false }
                    let field: Range<Int>
                    if i < end && b[i] == quote {
                        guard
                            let q = memchr(base + i + 1, Int32(quote), end - i - 1).map({
                                base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
                            }), q + 1 == end || b[q + 1] == comma
                        else { return false }
                        field = i + 1..<q
                        i = q + 1
                    } else {
                        // (Up to the record's end: a CR there ends it, one before it is no
                        // field's.)
                        let j = Self.scanPlain(b, from: i, to: end)
                        guard j == end || b[j] == comma else { return false }
                        field = i..<j
                        i = j
                    }
                    let u = UnsafeBufferPointer(rebasing: b[field])
                    if fields.count < leftOut.count && leftOut[fields.count] {
                        _ = value(u, &problem, fields.count, leftOut, &text)
                        guard problem.text == nil else { return false }
                    } else {
                        guard Self.isPrintableASCII(u) else { return false }
                    }
                    fields.append(field)
                    if i == end { return true }
                    i += 1
                }
            }(UnsafeBufferPointer(buffer))
            guard simple else { return false }
            let place = LinePlace(
                offset: position, length: lineFeed + 1 - pos, fields: fields.count)
            try body(line, UnsafeBufferPointer(buffer), fields, place)
            passed(line: lineFeed, fields: fields.count)
            return true
        }
    }

    /// The record of the simple line (see `nextSimple`) at `offset` of the bytes read, `length`
    /// bytes with its line end, of `fields` fields, as `next()` reads it (see `plainLine`).
    /// Throws when the bytes there are not such a line (the file changed since it was read).
    /// For the lines `RankedLines` gathers, whose places the first reading found.
    func simpleRecord(at offset: Int, length: Int, fields width: Int, line: Int) throws
        -> CSVRecord
    {
        guard offset >= 0, length > 0, offset + length <= count,
            buffer[offset + length - 1] == 0x0A
        else { throw Self.changed(shownAs) }
        var end = offset + length - 1
        if end > offset && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let printable = UnsafeBufferPointer(buffer).baseAddress.map {
            Self.isPrintableASCII(
                UnsafeBufferPointer(start: $0 + offset, count: end - offset), orQuote: false)
        }
        return try withFieldPlaces { ranges in
            guard plainFields(offset, end, into: &ranges, quoteless: printable == true),
                ranges.count == width
            else { throw Self.changed(shownAs) }
            if keepsBytes, let rec = bytesRecord(ranges, line: line, printable: printable == true) {
                return rec
            }
            let rec = record(ranges, line: line, printable: printable == true)
            guard rec.problem == nil else { throw Self.changed(shownAs) }
            return rec
        }
    }

    /// Whether the records of plain lines (see `plainLine`, `simpleRecord`) keep their fields
    /// as bytes (see `FieldBytes`): for a reading whose rows hash every field but make strings
    /// of few (a OneRoster users.csv's second reading), and keep no record past its row.
    @exclusivity(unchecked) var keepsBytes = false
    /// The block the records are kept in now.
    @exclusivity(unchecked) private var fieldBlock: FieldBytes? = nil

    /// The record `record` makes of the fields at `ranges`, when it has no problem, with its
    /// fields kept as bytes (see `FieldBytes`): each checked as `value` checks it (a field not
    /// printable ASCII decoded), and kept only when its bytes are the text `value` makes
    /// (nil for a field read as Windows-1252, or a record with a problem).
    private func bytesRecord(_ ranges: [Range<Int>], line: Int, printable: Bool) -> CSVRecord? {
        guard let base = UnsafeBufferPointer(buffer).baseAddress else { return nil }
        let leftOut = self.leftOut
        var problem = Problem()
        var leftOutText = false
        var bytes = 0
        for k in ranges.indices {
            let u = UnsafeBufferPointer(start: base + ranges[k].lowerBound, count: ranges[k].count)
            if k < leftOut.count && leftOut[k] {
                if !printable {
                    _ = value(u, &problem, k, leftOut, &leftOutText)
                } else if !leftOutText && u.contains(where: { $0 != 0x20 }) {
                    leftOutText = true
                }
                continue
            }
            bytes += u.count
            if !printable && !Self.isPrintableASCII(u) {
                let text = decode(u, &problem, k)
                guard Self.spells(text, u) else { return nil }
            }
        }
        guard problem.text == nil else { return nil }
        var rec = CSVRecord(
            line: line,
            bytes: FieldBytes.put(base, ranges, leftOut: leftOut, bytes: bytes, in: &fieldBlock))
        rec.leftOutText = leftOutText
        return rec
    }

    /// Simple lines (see `nextSimple`) that `next()` passes over, in the order of the file:
    /// another reading took them (`RankedLines`).
    @exclusivity(unchecked) private var skips: [LinePlace] = []
    @exclusivity(unchecked) private var skipAt = 0
    /// The bytes of the lines passed over so far.
    @exclusivity(unchecked) private(set) var skippedBytes = 0

    /// Has `next()` pass over the simple lines at `places` (in the order of the file), as
    /// `nextSimple` read them: each counted as the line it is and as the record before the
    /// next (for a file cut short), never returned.
    func skip(_ places: [LinePlace]) {
        skips = places
        skipAt = 0
    }

    /// Passes over the next line to skip when the next record is it.
    private func skipLine() throws -> Bool {
        let s = skips[skipAt]
        guard s.offset == position else {
            // Passed without being met: the file is not what was read before.
            guard s.offset > position else { throw CSVReader.changed(shownAs) }
            return false
        }
        var left = s.length
        while left > 0 {
            guard try fill() else { throw CSVReader.changed(shownAs) }
            let k = min(left, count - pos)
            pos += k
            left -= k
        }
        line += 1
        previousFields = s.fields
        rowsBefore += 1
        skippedBytes += s.length
        skipAt += 1
        return true
    }

    /// A file found changed between two readings of it.
    static func changed(_ shownAs: String) -> PortalError {
        PortalError(
            .dataError, "\(shownAs) changed while it was being read",
            hint: "import it again once whatever writes it has finished; nothing was imported")
    }

    /// The first problem of a record, and the field it is in.
    private struct Problem {
        var text: String?
        var field: Int?
        mutating func set(_ t: String, _ f: Int?) {
            guard text == nil else { return }
            text = t
            field = f
        }
        mutating func tooLong(_ f: Int) {
            set("too long (more than \(CSVReader.maxFieldBytes) bytes in a field)", f)
        }
    }

    /// The first position from `start` (or the end of the buffered bytes) holding a comma, a
    /// quote or a line break, eight bytes at a time: a byte loop comparing each with the four
    /// was a third of the reading of a file.
    private func scanPlain(from start: Int) -> Int {
        Self.scanPlain(UnsafeBufferPointer(buffer), from: start, to: count)
    }

    /// `scanPlain` in the bytes `b[start..<n]`.
    private static func scanPlain(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to n: Int)
        -> Int
    {
        var i = start
        if let base = b.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                // A byte of `w` that is `c` becomes 0, and the lowest 0 byte sets its high
                // bit (a higher one may be set by the borrow, never a lower one).
                @inline(__always) func zeros(_ c: UInt64) -> UInt64 {
                    let x = w ^ (ones &* c)
                    return (x &- ones) & ~x & highs
                }
                let hit = zeros(0x2C) | zeros(0x22) | zeros(0x0A) | zeros(0x0D)
                if hit != 0 { return i + hit.littleEndian.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: "\"") || c == 10 || c == 13 {
                break
            }
            i += 1
        }
        return i
    }

    /// Whether every byte of `u` is printable ASCII (0x20 to 0x7E), and with `orQuote` false
    /// none is a quote: eight at a time, a word with a byte below 0x20, at 0x7F or above it
    /// (or a quote) flagged exactly (the high bit of a borrow-free difference, as in
    /// `scanPlain`).
    static func isPrintableASCII(_ u: UnsafeBufferPointer<UInt8>, orQuote: Bool = true) -> Bool {
        guard let base = u.baseAddress else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i + 8 <= u.count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let del = w ^ (ones &* 0x7F)
            let below = (w &- ones &* 0x20) & ~w & highs
            var flagged = (w & highs) | below | ((del &- ones) & ~del & highs)
            if !orQuote {
                let quote = w ^ (ones &* 0x22)
                flagged |= (quote &- ones) & ~quote & highs
            }
            if flagged != 0 { return false }
            i += 8
        }
        while i < u.count {
            guard u[i] >= 0x20 && u[i] < 0x7F && (orQuote || u[i] != 0x22) else { return false }
            i += 1
        }
        return true
    }

    /// The first position from `start` holding a quote, or the end of the buffered bytes.
    private func quoteOrEnd(from start: Int) -> Int {
        guard let base = buffer.baseAddress, start < count,
            let hit = memchr(base + start, Int32(UInt8(ascii: "\"")), count - start)
        else { return count }
        return UnsafePointer(base).distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// The line feeds among the buffered bytes of `r`.
    private func newlines(_ r: Range<Int>) -> Int {
        guard let base = buffer.baseAddress, !r.isEmpty,
            memchr(base + r.lowerBound, 0x0A, r.count) != nil
        else { return 0 }
        return buffer[r].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// The field at `at`: decoded, or (when `leftOut` says so) checked and "".
    private func value(
        _ r: Range<Int>, _ problem: inout Problem, _ at: Int, _ leftOut: [Bool],
        _ leftOutText: inout Bool
    ) -> String {
        value(
            UnsafeBufferPointer(rebasing: buffer[r]), &problem, at, leftOut, &leftOutText)
    }

    private func value(
        _ bytes: [UInt8], _ problem: inout Problem, _ at: Int, _ leftOut: [Bool],
        _ leftOutText: inout Bool
    ) -> String {
        bytes.withUnsafeBufferPointer { value($0, &problem, at, leftOut, &leftOutText) }
    }

    private func value(
        _ u: UnsafeBufferPointer<UInt8>, _ problem: inout Problem, _ at: Int, _ leftOut: [Bool],
        _ leftOutText: inout Bool
    ) -> String {
        guard at < leftOut.count, leftOut[at] else { return decode(u, &problem, at) }
        // ASCII without control characters needs no more than `decode` would look at: it
        // is text when it has more than spaces. Anything else is decoded, to be checked as
        // every field is.
        if Self.isPrintableASCII(u) {
            if !leftOutText && u.contains(where: { $0 != 0x20 }) { leftOutText = true }
            return ""
        }
        var all: UInt8 = 0
        var plain = true
        var text = false
        for b in u {
            all |= b
            if b > 0x20 && b != 0x7F { text = true } else if b != 0x20 && b != 9 { plain = false }
        }
        if all < 0x80 && plain {
            if text { leftOutText = true }
        } else {
            // Decoded to be checked; trimmed (a walk of its scalars) only when no printable
            // ASCII byte already says it holds text (an accented name left out: about 1,000
            // instructions a field).
            let s = decode(u, &problem, at)
            if u.contains(where: { $0 > 0x20 && $0 < 0x7F }) || !s.trimmed().isEmpty {
                leftOutText = true
            }
        }
        return ""
    }

    /// Whether the bytes of `s` are `u`.
    private static func spells(_ s: String, _ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.utf8.count == u.count else { return false }
        return s.utf8.withContiguousStorageIfAvailable { a in
            guard let x = a.baseAddress, let y = u.baseAddress else { return true }
            return memcmp(x, y, u.count) == 0
        } ?? s.utf8.elementsEqual(u)
    }

    private func decode(_ u: UnsafeBufferPointer<UInt8>, _ problem: inout Problem, _ at: Int)
        -> String
    {
        // Printable ASCII, most fields, needs nothing more than to be made a string: told
        // eight bytes at a time (a byte loop was a third of decoding).
        if Self.isPrintableASCII(u) { return String(decoding: u, as: UTF8.self) }
        // ASCII needs no validation: one pass finds both whether it is ASCII and whether it
        // holds a control character.
        var all: UInt8 = 0
        var control = false
        for b in u {
            all |= b
            if (b < 0x20 && b != 9 && b != 10 && b != 13) || b == 0x7F { control = true }
        }
        if control { problem.set(Text.controlProblem, at) }
        if all < 0x80 { return String(decoding: u, as: UTF8.self) }
        // Valid UTF-8 decodes to itself; anything else has a replacement character where
        // its first bad byte was (`String(validating:as:)`, generic over the encoding, took a
        // thousand instructions a field).
        var s = String(decoding: u, as: UTF8.self)
        if !Self.spells(s, u) {
            guard windows1252 else {
                problem.set(Self.notUTF8, nil)
                return s
            }
            // (Its five unassigned bytes come out as C1 controls: refused below as any
            // control.)
            var text = String.UnicodeScalarView()
            for b in u { text.append(Self.windows1252Scalars[Int(b)]) }
            s = String(text)
        }
        if !control && s.unicodeScalars.contains(where: Text.isUnsafe) {
            problem.set(Text.controlProblem, at)
        }
        return s
    }
}

extension CSVReader {
    /// The lines of the file at `path`: counted in a small file, estimated in a large one from
    /// the length of the lines in eight pieces of 64 KB spread over it. Lines end in LF (or
    /// CRLF), or, in a file with no LF, in CR.
    /// Anything but a regular file counts none (the reader then says what it is): opening a
    /// named pipe would wait for a writer.
    static func estimatedLines(_ path: String) -> Int {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return 0 }
        let size = Int(st.st_size)
        let piece = 64 << 10
        let pieces = size <= 8 * piece ? 1 : 8
        var buffer = [UInt8](repeating: 0, count: pieces == 1 ? max(size, 1) : piece)
        var lf = 0
        var cr = 0
        var bytes = 0
        for k in 0..<pieces {
            let at = pieces == 1 ? 0 : (size - piece) / (pieces - 1) * k
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            guard n > 0 else { break }
            for b in buffer[..<n] {
                if b == 0x0A { lf += 1 } else if b == 0x0D { cr += 1 }
            }
            bytes += n
        }
        let (lines, end): (Int, UInt8) = lf > 0 || cr == 0 ? (lf, 0x0A) : (cr, 0x0D)
        guard pieces > 1 else { return lines + (size > 0 && buffer[size - 1] != end ? 1 : 0) }
        return lines == 0 ? 1 : Int((Double(size) * Double(lines) / Double(bytes)).rounded(.up))
    }
}

/// Finds columns by header name, in any order, ignoring case, spaces and unknown columns.
public struct CSVHeader: Sendable {
    /// The header's names, trimmed and in lower case (see `normalize`).
    public let names: [String]
    /// The names as the file spells them (trimmed).
    public let spelled: [String]
    private let index: [String: Int]

    /// Indexes a header row; the first of two columns of one name wins.
    public init(_ fields: [String]) {
        spelled = fields.map { $0.trimmed() }
        names = fields.map { CSVHeader.normalize($0) }
        var idx: [String: Int] = [:]
        for (i, n) in names.enumerated() where !n.isEmpty && idx[n] == nil { idx[n] = i }
        index = idx
    }

    /// A column name as compared: trimmed, in lower case.
    public static func normalize(_ s: String) -> String { s.trimmed().lowercased() }

    /// Names are looked up in lower case; callers pass them so.
    public func has(_ name: String) -> Bool { index[name] != nil }

    /// A look-up per field of every row: for a dozen columns, comparing the (short, inline)
    /// names is cheaper than hashing.
    public func column(_ name: String) -> Int? {
        names.count <= 32 ? names.firstIndex(of: name) : index[name]
    }

    /// The first of several spellings present (e.g. OneRoster 1.0 `agents` vs 1.1 `agentSourcedIds`).
    public func column(anyOf names: [String]) -> Int? {
        for n in names { if let i = column(n) { return i } }
        return nil
    }

    /// When the header is one column whose name holds a semicolon, tab or bar: the file's
    /// columns are separated by that instead of commas (Excel saves "CSV" so in some
    /// languages), said as a hint for a header that lacks the columns asked for.
    public var separatorHint: String? {
        guard spelled.count == 1 else { return nil }
        for (c, name) in [(";", "semicolons"), ("\t", "tabs"), ("|", "bars")]
        where spelled[0].contains(c) {
            return
                "the columns look separated by \(name): save the file with commas between columns (CSV UTF-8) and run the command again; nothing was changed"
        }
        return nil
    }

    /// Names that occur twice, which would make the file ambiguous.
    public var duplicates: [String] {
        var seen = Set<String>()
        var dup: [String] = []
        for n in names where !n.isEmpty {
            if !seen.insert(n).inserted && !dup.contains(n) { dup.append(n) }
        }
        return dup
    }
}
