/// The results file of an import (`--results`): each row's file, line and id, the input columns
/// of every file (a row's own under its file's names, the others empty), then how it ended.
public final class ImportResults {
    private let writer: CSVFileWriter
    /// Where each input column goes, by its normalised name.
    private var columns: [String: Int] = [:]
    private var width = 0
    /// By file: where each of its columns goes (worked out on the file's first row).
    private var positions: [String: [Int?]] = [:]
    /// The columns whose values are secrets (`isSecret`): never written.
    private var secrets: Set<Int> = []

    /// Whether an input column holds secrets, by its name: OneRoster's users.csv has a
    /// password column that SIS exports fill with students' first passwords, and exports of
    /// other systems name such columns PIN, pwd or "Initial Password". Its values are never
    /// written to the results file (a report passed around), only whether there was one.
    static func isSecret(_ name: String) -> Bool {
        let letters = String(
            CSVHeader.normalize(name).unicodeScalars.filter { $0.properties.isAlphabetic })
        return ["password", "passwd", "passcode", "secret", "activationkey"].contains {
            letters.contains($0)
        } || ["pwd", "pin", "pass", "key"].contains(letters) || letters.hasSuffix("pin")
    }
    /// What the results file says of a secret's value.
    static let withheld = "(withheld)"

    /// Where the file appears once `finish` has been called.
    public var path: String { writer.path }

    /// Starts the results file at `path` (out of sight until `finish`).
    public init(path: String) throws { writer = try CSVFileWriter(path: path) }

    /// Writes the header: the input columns of every file (as `ImportHooks.columns` tells them),
    /// an input column named like one of the results' own (a student's status) told apart.
    public func header(_ names: [String]) throws {
        for (i, n) in names.enumerated() {
            columns[CSVHeader.normalize(n)] = i
            if Self.isSecret(n) { secrets.insert(i) }
        }
        width = names.count
        let own: Set = ["file", "line", "id", "status", "message"]
        let inputs = names.map { own.contains(CSVHeader.normalize($0)) ? $0 + " (in file)" : $0 }
        try writer.row(["file", "line", "id"] + inputs + ["status", "message"])
    }

    /// Writes the row of one outcome, its input values under their columns. A control
    /// character or bidi override (a row holding one is rejected) is written as `\u{1B}`, as
    /// on the terminal: the file is for reading, and shows where the row went wrong, where the
    /// character itself would be invisible, or act on the terminal the file is shown on.
    public func add(_ o: RowOutcome) throws {
        var values = [String](repeating: "", count: width)
        let at = positions[o.file] ?? o.columns.map { columns[CSVHeader.normalize($0)] }
        positions[o.file] = at
        for (i, v) in zip(at, o.fields) {
            guard let i else { continue }
            values[i] = secrets.contains(i) ? (v.isEmpty ? "" : Self.withheld) : Text.escaped(v)
        }
        try writer.row(
            [o.file, o.line > 0 ? String(o.line) : "", Text.escaped(o.id)] + values + [
                o.status.rawValue, o.message,
            ])
    }

    /// Puts the complete file in place.
    public func finish() throws { try writer.finish() }
}
