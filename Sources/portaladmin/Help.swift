import PortalKit

/// Help text generated from the command table.
enum Help {
    static let version = "0.1.0"

    static func usage(_ c: Command) -> String {
        var parts = ["portaladmin"] + c.path
        for o in c.options where o.help.hasPrefix("(required)") {
            parts.append("--\(o.long)" + (o.value.map { " <\($0)>" } ?? ""))
        }
        parts += c.args.map(\.display)
        parts.append("[options]")
        return parts.joined(separator: " ")
    }

    static func optionLines(_ opts: [Opt]) -> String { columns(opts.map { ($0.display, $0.help) }) }

    /// Two aligned columns; a name too long for the first column gets its own line.
    static func columns(_ pairs: [(String, String)]) -> String {
        let w = min(30, (pairs.map { $0.0.count }.max() ?? 0) + 2)
        return pairs.map { name, help in
            name.count + 2 > w
                ? "  \(name)\n  \("".padding(w))\(help)\n" : "  \(name.padding(w))\(help)\n"
        }.joined()
    }

    static func command(_ c: Command) -> String {
        var s = "OVERVIEW: \(c.summary)\n\n"
        if !c.discussion.isEmpty { s += c.discussion + "\n\n" }
        s += "USAGE: \(usage(c))\n\n"
        if !c.args.isEmpty {
            s += "ARGUMENTS:\n" + columns(c.args.map { ($0.display, $0.help) }) + "\n"
        }
        if !c.options.isEmpty { s += "OPTIONS:\n" + optionLines(c.options) + "\n" }
        s += "GLOBAL OPTIONS:\n" + optionLines(Globals.options(writes: c.writes))
        if let role = c.role {
            s += "\nROLE: needs an operator with the \(role.rawValue) role or higher\n"
        }
        for o in c.options {
            if let r = o.role { s += "      --\(o.long) needs the \(r.rawValue) role or higher\n" }
        }
        if !c.examples.isEmpty { s += "\nEXAMPLES:\n" + c.examples.map { "  \($0)\n" }.joined() }
        return s
    }

    static func group(_ table: CommandTable, _ path: [String]) -> String {
        let g = table.groups.first { $0.name == path.first }
        var s =
            "OVERVIEW: \(g?.summary ?? "")\n\nUSAGE: portaladmin \(path.joined(separator: " ")) <subcommand> [options]\n\nSUBCOMMANDS:\n"
        let subs = table.commands.filter {
            $0.path.count == path.count + 1 && Array($0.path.prefix(path.count)) == path
                && !$0.hidden
        }
        let w = (subs.map { ($0.path.last ?? "").count }.max() ?? 0) + 4
        for c in subs { s += "  \((c.path.last ?? "").padding(w))\(c.summary)\n" }
        s += "\nSee 'portaladmin \(path.joined(separator: " ")) <subcommand> --help' for details.\n"
        return s
    }

    static func top(_ table: CommandTable) -> String {
        var s = """
            OVERVIEW: run the accounts of a parent/student portal for many school districts

            USAGE: portaladmin <noun> <verb> [arguments] [options]

            COMMANDS:

            """
        let w = (table.commands.filter { !$0.hidden }.map { $0.name.count }.max() ?? 0) + 3
        for c in table.commands where !c.hidden {
            s += "  \(c.name.padding(w))\(c.summary)\n"
        }
        s += "\nGLOBAL OPTIONS:\n" + optionLines(Globals.all)
        s += """

            Start with 'portaladmin demo'. 'portaladmin help COMMAND' shows a command's options;
            'portaladmin help exit-codes' lists the exit codes.

            """
        return s
    }

    static func exitCodes() -> String {
        var s = "EXIT CODES:\n  0    success (also \"nothing to do\")\n"
        for c in ErrorCode.allCases {
            s += "  \(String(c.exitCode).padding(5))\(c.meaning)\n"
        }
        return s
    }
}
