import PortalKit

/// The one declarative table of commands. Parser, help, completions and the man page read it.
struct CommandTable: Sendable {
    let groups: [Group]
    let commands: [Command]

    func command(_ path: [String]) -> Command? { commands.first { $0.path == path } }

    /// The next words possible after `path` (nouns at the top, verbs under a noun).
    /// With `hidden: false`, only what may be suggested or completed.
    func children(of path: [String], hidden: Bool = true) -> [String] {
        var seen: [String] = []
        for c in commands
        where c.path.count > path.count && Array(c.path.prefix(path.count)) == path && !c.hidden {
            let w = c.path[path.count]
            if !seen.contains(w) { seen.append(w) }
        }
        // Hidden commands parse, but are never suggested.
        for c in commands
        where hidden && c.hidden && c.path.count > path.count
            && Array(c.path.prefix(path.count)) == path
        {
            let w = c.path[path.count]
            if !seen.contains(w) { seen.append(w) }
        }
        return seen
    }

    /// A verb typed without its noun (`portaladmin import b`, `portaladmin find lee`): the
    /// commands it ends, as "'roster import'" or "'student find', 'guardian find' or
    /// 'household find'" (beyond four, the first four and how many there are); nil when no
    /// command's verb is that word.
    func verbWithoutNoun(_ word: String) -> String? {
        let w = word.lowercased()
        let named = commands.filter { !$0.hidden && $0.path.count == 2 && $0.path[1] == w }
            .map { "'" + $0.path.joined(separator: " ") + "'" }
        guard !named.isEmpty else { return nil }
        if named.count > 4 {
            return named.prefix(4).joined(separator: ", ")
                + " or another of the \(named.count) '\(w)' commands"
        }
        return orList(named)
    }

    static let main = CommandTable(
        groups: groups,
        commands:
            DistrictCommands.all + OperatorCommands.all + RosterCommands.all + PeopleCommands.all
            + KeyCommands.all
            + AccountCommands.all + PortalCommands.all + AupCommands.all + FeatureCommands.all
            + Age18Commands.all
            + RestrictionCommands.all + AccessCommands.all + HouseholdCommands.all
            + DuplicateCommands.all
            + MergeCommands.all + SampleCommands.all + AuditCommands.all + MetaCommands.all)

    static let groups: [Group] = [
        Group(name: "district", summary: "create districts and change their settings"),
        Group(
            name: "operator", summary: "who may use portaladmin on a district, and with which role"),
        Group(name: "roster", summary: "import and export rosters (OneRoster or native CSV)"),
        Group(name: "student", summary: "look up students"),
        Group(name: "guardian", summary: "look up parents and guardians"),
        Group(name: "key", summary: "activation keys: issue, check, list, revoke"),
        Group(
            name: "account",
            summary: "portal accounts: reset, unlock, disable, find a forgotten username"),
        Group(
            name: "portal", summary: "what the web portal calls: activate, login, change-password"),
        Group(name: "aup", summary: "acceptable-use agreement signatures"),
        Group(name: "feature", summary: "portal features on and off per district and school"),
        Group(name: "age18", summary: "guardian access when a student turns 18"),
        Group(name: "restriction", summary: "court orders and custody decisions"),
        Group(name: "access", summary: "why a parent can or cannot see a child"),
        Group(name: "household", summary: "look up households; find and merge duplicates"),
        Group(name: "merge", summary: "merges of duplicate records: list, show, undo"),
        Group(name: "sample", summary: "generate a realistic synthetic district"),
        Group(name: "audit", summary: "the tamper-evident log of every change"),
        Group(name: "completions", summary: "shell completion scripts"),
    ]
}
