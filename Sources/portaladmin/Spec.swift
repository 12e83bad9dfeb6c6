import PortalKit

/// What a value can be completed with, in shell completions and the man page.
enum Completion: String, Sendable {
    case none, file, dir, district, setting, role, format, choices
}

/// One option in the declarative command table.
struct Opt: Sendable {
    let long: String
    var short: Character? = nil
    /// The value's placeholder; nil for a flag.
    var value: String? = nil
    let help: String
    var choices: [String] = []
    var complete: Completion = .none
    var repeatable = false
    /// A role above the command's that this option needs (`account reset --new-key` creates a
    /// key, which is registrar's work).
    var role: Role? = nil

    var isFlag: Bool { value == nil }
    var display: String {
        var s = short.map { "-\($0), " } ?? ""
        s += "--\(long)"
        if let value { s += " <\(value)>" }
        return s
    }
}

struct Arg: Sendable {
    let name: String
    let help: String
    var optional = false
    var variadic = false
    var complete: Completion = .none

    var display: String {
        var s = "<\(name)>"
        if variadic { s += " ..." }
        return optional ? "[\(s)]" : s
    }
}

enum DistrictUse: Sendable { case none, required }

/// One command: its path (`district create`), help, arguments, options, the lowest operator role
/// it needs, whether it writes, and its handler. Parser, help, completions and man page all read
/// this table.
struct Command: Sendable {
    let path: [String]
    let summary: String
    var discussion: String = ""
    var args: [Arg] = []
    var options: [Opt] = []
    var role: Role? = nil
    var district: DistrictUse = .required
    /// The first argument, when given, names the district (`district show ID`).
    var districtArg = false
    var writes = false
    /// May create the database file (only `district create` and `demo`).
    var createsDB = false
    var examples: [String] = []
    var hidden = false
    let run: @Sendable (Context) throws -> Void

    var name: String { path.joined(separator: " ") }

    /// The role this call needs: the command's, or higher for an option given that needs more,
    /// with that option's name for the message.
    func neededRole(given: (String) -> Bool) -> (role: Role?, option: String?) {
        var needed = (role: role, option: String?.none)
        for o in options where given(o.long) {
            if let r = o.role, needed.role.map({ r > $0 }) ?? true { needed = (r, o.long) }
        }
        return needed
    }

    /// The command's own options plus the global ones that apply to it.
    var allOptions: [Opt] { options + Globals.options(writes: writes) }
}

struct Group: Sendable {
    let name: String
    let summary: String
}

/// The global options of SPEC §3.
enum Globals {
    static let output = Opt(
        long: "output", short: "o", value: "format",
        help:
            "output format: text (a table on a terminal, tab-separated when piped), json, jsonl, csv or tsv",
        choices: ["text", "json", "jsonl", "csv", "tsv"], complete: .choices)
    static let common: [Opt] = [
        Opt(
            long: "db", value: "path",
            help:
                "database file (default: $PORTALADMIN_DB, else $XDG_DATA_HOME/portaladmin/portaladmin.db)",
            complete: .file),
        Opt(
            long: "district", value: "id",
            help: "district to work on (default: $PORTALADMIN_DISTRICT)", complete: .district),
        output,
        Opt(
            long: "yes", short: "y",
            help: "answer yes to confirmation prompts (needed without a terminal)"),
        Opt(long: "no-input", help: "never prompt; fail instead of asking"),
        Opt(long: "quiet", short: "q", help: "print only results and errors"),
        Opt(long: "verbose", short: "v", help: "print more detail, including the cause of errors"),
        Opt(long: "no-color", help: "no colour (also when $NO_COLOR is set)"),
        Opt(long: "help", short: "h", help: "show help for the command"),
        Opt(long: "version", help: "print the version"),
    ]
    static let dryRun = Opt(
        long: "dry-run",
        help: "do the work, report what would change, then roll back: nothing is written")

    static func options(writes: Bool) -> [Opt] { writes ? common + [dryRun] : common }
    static var all: [Opt] { common + [dryRun] }
}

/// Options shared by list-style commands.
let limitOption = Opt(long: "limit", value: "n", help: "show at most N rows (default 100; 0 = all)")
let columnsOption = Opt(
    long: "columns", value: "a,b,c",
    help: "show only these columns, in this order (names as in the header or -o json)")
