#if canImport(Glibc)
    internal import Glibc
#endif

/// Writes CSV rows to a file created with mode 0600 (rosters are personal data). The file is
/// written under a temporary name and renamed into place when complete, so a failed export never
/// leaves a half-written file where a good one was.
public final class CSVFileWriter {
    public let path: String
    private let tmp: String
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(path: String) throws {
        self.path = path
        tmp = path + ".partial"
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PortalError(
                .cannotCreate, "cannot create '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the folder exists and is writable")
        }
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        if fd >= 0 { close(fd) }
        unlink(tmp)
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
            let quoted =
                u.first == UInt8(ascii: " ") || u.last == UInt8(ascii: " ")
                || u.contains {
                    $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
                }
            guard quoted else { return buffer.append(contentsOf: u) }
            buffer.append(UInt8(ascii: "\""))
            for b in u {
                if b == UInt8(ascii: "\"") { buffer.append(b) }
                buffer.append(b)
            }
            buffer.append(UInt8(ascii: "\""))
        }
    }

    private func flush() throws {
        var off = 0
        while off < buffer.count {
            let n = buffer[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PortalError(
                    errno == ENOSPC ? .ioError : .cannotCreate,
                    "cannot write '\(path)': \(String(cString: strerror(errno)))",
                    hint: errno == ENOSPC
                        ? "free some disk space and export again" : "check the disk")
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the finished file into place.
    public func finish() throws {
        try flush()
        guard fsync(fd) == 0, rename(tmp, path) == 0 else {
            throw PortalError(
                .ioError, "cannot finish '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the disk")
        }
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
                .cannotCreate, "'\(dir)' is a file, not a folder", hint: "name a folder for --out")
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
        (
            "schools.csv", ["school_id", "name"],
            "SELECT school_id, name FROM schools WHERE district_id = ? AND status = 'active' ORDER BY school_id"
        ),
        (
            "guardians.csv",
            [
                "guardian_id", "given_name", "family_name", "email", "phone", "street",
                "street2", "city", "state", "postcode", "birth_date", "household_id", "status",
            ],
            "SELECT guardian_id, given_name, family_name, email, phone, street, street2, city, state, postcode, birth_date, household_id, status FROM guardians WHERE district_id = ? ORDER BY guardian_id"
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
