/// Keys issued to many guardians in one transaction, each outcome reported on a results row,
/// and the mail-merge letters that carry them.
extension Keys {
    /// One guardian (or student) a bulk run issues a key to, with the input row reported beside
    /// the outcome.
    public struct Target: Sendable {
        /// A guardian's key, or a student's own.
        public let holder: People.Kind
        /// The guardian's (or student's) id; empty when the input row had none.
        public let personID: String
        /// The input row as read (or just the id), copied to the results file.
        public let row: [String]
        /// The row's line in its input file; 0 when there is no file.
        public let line: Int
        /// Why the input row could not be read cleanly; the row is refused with it.
        public let problem: String?

        /// A guardian from row `row` at `line` of an input file (`problem` when it was damaged).
        public init(guardianID: String, row: [String], line: Int, problem: String? = nil) {
            self.init(.guardian, guardianID, row: row, line: line, problem: problem)
        }

        /// A person of kind `holder` from row `row` at `line` of an input file.
        public init(
            _ holder: People.Kind, _ id: String, row: [String], line: Int, problem: String? = nil
        ) {
            self.holder = holder
            self.personID = id
            self.row = row
            self.line = line
            self.problem = problem
        }

        /// A guardian found by a query: the results row is just the id.
        public init(guardianID: String) {
            self.init(.guardian, guardianID, row: [guardianID], line: 0)
        }

        /// A student found by a query, for their own key.
        public init(studentID: String) {
            self.init(.student, studentID, row: [studentID], line: 0)
        }
    }

    /// What a bulk run did: the keys made (to be shown once), those skipped and those refused.
    public struct BulkOutcome: Sendable {
        /// The keys issued, in the order of the targets.
        public var issued: [IssuedKey] = []
        /// Guardians who may not have a key now (only when skipping was asked for).
        public var skipped = 0
        /// Targets refused, each with its line (0: none) and why.
        public var refused: [(line: Int, message: String)] = []
    }

    /// The results file's columns after the input's own.
    public static let resultColumns = ["status", "message"]

    /// Issues a key to each target within the caller's transaction. A target that cannot have
    /// one is refused (and the run goes on), or, with `skipIneligible`, skipped when the reason
    /// is that they may not have one now (agreement unsigned, court order, age 18). Each
    /// target's outcome goes on a row of `results` (issued, skipped or rejected). Ctrl-C stops
    /// the run.
    public static func issue(
        _ s: Session, targets: [Target], district: District, skipIneligible: Bool,
        results: CSVFileWriter?
    ) throws -> BulkOutcome {
        var outcome = BulkOutcome()
        for t in targets {
            do {
                if let p = t.problem { throw PortalError(.dataError, p) }
                guard !t.personID.isEmpty else {
                    throw PortalError(.dataError, "\(t.holder.rawValue)_id: missing")
                }
                let k = try issue(s, holder: t.holder, id: t.personID, district: district)
                outcome.issued.append(k)
                try results?.row(
                    t.row + ["issued", "key \(k.keyID), expires \(k.expiresAt.prefix(10))"])
            } catch let e as PortalError where skipIneligible && e.code == .conflict {
                outcome.skipped += 1
                try results?.row(t.row + ["skipped", e.message])
            } catch let e as PortalError where e.code != .interrupted {
                outcome.refused.append((t.line, e.message))
                try results?.row(t.row + ["rejected", e.message])
            }
        }
        return outcome
    }

    /// Writes the mail-merge letters for `keys`: one row per key holder with the address, the
    /// key, its expiry, and the district's portal address and name; a guardian's letter names the
    /// children, a student's own letter the grade and school.
    public static func writeLetters(_ w: CSVFileWriter, _ keys: [IssuedKey], district: District)
        throws
    {
        let students = keys.first?.holder == .student
        try w.row(
            (students ? ["student_id", "name", "grade", "school"] : ["guardian_id", "name"])
                + ["street", "street2", "city", "state", "postcode"]
                + (students ? [] : ["children"])
                + ["key", "expires_on", "portal_url", "district"])
        for k in keys {
            try w.row(
                [k.personID, k.name]
                    + (k.school.map { [$0.grade ?? "", $0.name ?? ""] } ?? [])
                    + k.address.map { $0 ?? "" }
                    + (k.school == nil ? [k.students.map(\.name).joined(separator: ", ")] : [])
                    + [
                        k.key.grouped, String(k.expiresAt.prefix(10)),
                        district.setting("portal_url"), district.name,
                    ])
        }
    }
}
