#if canImport(Glibc)
    internal import Glibc
#endif

/// Writes CSV rows for people to open: a file created with mode 0600 (rosters are personal
/// data) that appears only once complete (`AtomicFile`), so a failed export never leaves a
/// half-written file where a good one was.
///
/// A cell a spreadsheet would run as a formula is neutralised (see `Spreadsheet`), so a name
/// such as `=HYPERLINK(...)` shows as text in Excel, LibreOffice or Sheets.
public final class CSVFileWriter {
    /// The file the rows go to once `finish` has been called.
    public var path: String { file.path }
    private let file: AtomicFile
    private var buffer: [UInt8] = []

    /// Starts a CSV file at `path`, out of sight until `finish` puts it in place (mode 0600).
    public init(path: String) throws {
        file = try AtomicFile(path: path)
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends one row, each field quoted when it holds a comma, a quote or a line break, or
    /// starts or ends with a space; written into the buffer byte by byte (a results file has a
    /// row per input row).
    public func row(_ fields: [String]) throws {
        for (i, f) in fields.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            append(f)
        }
        buffer.append(13)
        buffer.append(10)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func append(_ field: String) {
        var field = field
        field.withUTF8 { u in
            let guarded = Spreadsheet.needsGuard(u.first)
            let quoted =
                u.first == UInt8(ascii: " ") || u.last == UInt8(ascii: " ")
                || u.contains {
                    $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
                }
            guard quoted else {
                if guarded { buffer.append(Spreadsheet.guardByte) }
                return buffer.append(contentsOf: u)
            }
            buffer.append(UInt8(ascii: "\""))
            if guarded { buffer.append(Spreadsheet.guardByte) }
            for b in u {
                if b == UInt8(ascii: "\"") { buffer.append(b) }
                buffer.append(b)
            }
            buffer.append(UInt8(ascii: "\""))
        }
    }

    /// Writes what is buffered, so that a full disk shows before the caller commits its
    /// transaction; the file stays out of sight until `finish`.
    public func flush() throws {
        try buffer.withUnsafeBytes { try file.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and puts the finished file in place.
    public func finish() throws {
        try flush()
        try file.commit()
    }
}

/// Spreadsheet formula injection (OWASP "CSV Injection"): a cell that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is run as a formula by Excel, LibreOffice and Sheets.
/// Files for people get such a cell with a leading apostrophe, which spreadsheets show as text;
/// a cell that already begins with an apostrophe gets one more, so that the import, which takes
/// one apostrophe off a cell that begins with an apostrophe and one of these characters, gives
/// back exactly what was exported. See https://owasp.org/www-community/attacks/CSV_Injection
public enum Spreadsheet {
    static let guardByte = UInt8(ascii: "'")

    /// Whether a cell beginning with `first` is written with the apostrophe in front.
    static func needsGuard(_ first: UInt8?) -> Bool {
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13,
            guardByte:
            true
        default: false
        }
    }

    /// The cell as written by `CSVFileWriter` (for text that is not written through one).
    public static func guarded(_ cell: String) -> String {
        needsGuard(cell.utf8.first) ? "'" + cell : cell
    }

    /// The value of a cell read from a file: the apostrophe `guarded` put in front is taken off.
    public static func unguarded(_ cell: String) -> String {
        isGuarded(cell.utf8) ? String(cell.dropFirst()) : cell
    }

    /// Whether a cell's bytes are read as they are, through `unguarded` and `trimmed`: printable
    /// ASCII with no space or apostrophe at its start nor space at its end.
    static func readsAsIs(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let f = u.first, let l = u.last, f > 0x20, f != guardByte, l > 0x20 else {
            return false
        }
        return CSVReader.isPrintableASCII(u)
    }

    /// Whether a cell's bytes begin with the apostrophe `guarded` puts in front (one that
    /// `unguarded` takes off).
    static func isGuarded<C: Collection<UInt8>>(_ u: C) -> Bool {
        u.count >= 2 && u.first == guardByte && needsGuard(u.dropFirst().first)
    }
}

extension Roster {
    /// The files `export` writes, in order.
    public static var exportFiles: [String] { exportJobs.map(\.file) }

    /// Writes the district as native CSV that `roster import --format csv` reads back unchanged.
    /// Returns the files written with their row counts.
    public static func export(_ db: Database, district: String, to dir: String) throws -> [(
        file: String, rows: Int
    )] {
        var st = stat()
        if stat(dir, &st) != 0 {
            guard mkdir(dir, 0o700) == 0 else {
                throw PortalError(
                    .cannotCreate,
                    "cannot create the folder '\(dir)': \(String(cString: strerror(errno)))",
                    hint: "check the parent folder exists and is writable")
            }
        } else if (st.st_mode & S_IFMT) != S_IFDIR {
            throw PortalError(
                .cannotCreate, "'\(dir)' is a file, not a folder",
                hint: "name a folder to write into")
        }
        var written: [(String, Int)] = []
        try db.read {
            for (name, header, sql) in exportJobs {
                let w = try CSVFileWriter(path: dir + "/" + name)
                try w.row(header)
                var n = 0
                try db.forEach(sql, [.text(district)]) { r in
                    try w.row(r.values.map { $0.string ?? "" })
                    n += 1
                }
                try w.finish()
                written.append((name, n))
            }
        }
        return written
    }

    /// Each exported file: its name, header and query.
    private static let exportJobs: [(file: String, header: [String], sql: String)] = [
        // Every school, with its status: a student kept inactive names a school no longer in
        // use, and without it the export imported elsewhere rejected the student.
        (
            "schools.csv", ["school_id", "name", "status"],
            "SELECT school_id, name, status FROM schools WHERE district_id = ? ORDER BY school_id"
        ),
        (
            "guardians.csv",
            [
                "guardian_id", "given_name", "family_name", "email", "phone", "street",
                "street2", "city", "state", "postcode", "birth_date", "household_id", "status",
            ],
            // A guardian merged into another is left out: its status is none a file gives (an
            // export imported elsewhere rejected its row), and the one kept stands for both.
            // In the order of their ids, but a household's address first from a guardian who
            // gives it: an import takes a household's address from the first guardian naming
            // it who gives one, and members whose addresses differ (a typo in one) made an
            // export imported elsewhere give the household the address of the member first by
            // id.
            """
            SELECT g.guardian_id, g.given_name, g.family_name, g.email, g.phone, g.street, g.street2,
                g.city, g.state, g.postcode, coalesce(g.birth_date, g.birth_date_given),
                g.household_id, g.status
            FROM guardians g LEFT JOIN households h
                ON h.district_id = g.district_id AND h.household_id = g.household_id
            WHERE g.district_id = ? AND g.status <> 'merged'
            ORDER BY CASE WHEN h.household_id IS NULL
                OR (coalesce(g.street, '') = coalesce(h.street, '')
                    AND coalesce(g.street2, '') = coalesce(h.street2, '')
                    AND coalesce(g.city, '') = coalesce(h.city, '')
                    AND coalesce(g.state, '') = coalesce(h.state, '')
                    AND coalesce(g.postcode, '') = coalesce(h.postcode, ''))
                THEN 0 ELSE 1 END, g.guardian_id
            """
        ),
        (
            "students.csv",
            [
                "student_id", "given_name", "family_name", "middle_name", "birth_date", "grade",
                "school_id", "email", "household_id", "status",
            ],
            "SELECT student_id, given_name, family_name, middle_name, birth_date, grade, school_id, email, household_id, status FROM students WHERE district_id = ? ORDER BY student_id"
        ),
        (
            "relationships.csv",
            ["guardian_id", "student_id", "relationship", "portal_access", "custodial"],
            "SELECT guardian_id, student_id, relationship, CASE portal_access WHEN 1 THEN 'yes' ELSE 'no' END, CASE custodial WHEN 1 THEN 'yes' ELSE 'no' END FROM links WHERE district_id = ? AND status = 'active' ORDER BY guardian_id, student_id"
        ),
    ]
}
