import FoundationEssentials
import PortalKit

enum MetaCommands {
    static let all: [Command] = [
        Command(
            path: ["help"], summary: "show help for a command, or 'help exit-codes'",
            args: [
                Arg(
                    name: "command", help: "command words, or exit-codes", optional: true,
                    variadic: true)
            ],
            district: .none, run: help),
        Command(
            path: ["completions"], summary: "print a shell completion script (bash, zsh or fish)",
            discussion:
                "bash: portaladmin completions bash > /etc/bash_completion.d/portaladmin\nzsh:  portaladmin completions zsh > \"${fpath[1]}/_portaladmin\"\nfish: portaladmin completions fish > ~/.config/fish/completions/portaladmin.fish",
            args: [Arg(name: "shell", help: "bash, zsh or fish")],
            district: .none, run: completions),
        Command(
            path: ["demo"], summary: "walk through the whole story on a throw-away database",
            discussion:
                "Creates a temporary database (or the one given with --db, which is then kept), a district and a few families, and runs the commands a registrar would, printing each one.",
            district: .none, writes: true, createsDB: true, run: Demo.run),
        Command(
            path: ["__man"], summary: "print the man page (mdoc)",
            district: .none, hidden: true,
            run: { c in try c.out(Docs.man(CommandTable.main)) }),
        Command(
            path: ["__complete"], summary: "values for shell completion",
            args: [Arg(name: "kind", help: "district, setting or role")],
            district: .none, hidden: true, run: complete),
    ]

    static func help(_ c: Context) throws {
        let words = c.inv.positionals
        if words == ["exit-codes"] { return try c.out(Help.exitCodes()) }
        let table = CommandTable.main
        if let cmd = table.command(words) { return try c.out(Help.command(cmd)) }
        if words.isEmpty { return try c.out(Help.top(table)) }
        if !table.children(of: words).isEmpty { return try c.out(Help.group(table, words)) }
        var hint = "see 'portaladmin help'"
        // Suggest for the first word that does not fit: a noun, then a verb under it.
        var depth = 0
        while depth < words.count - 1
            && table.children(of: Array(words.prefix(depth))).contains(words[depth])
        {
            depth += 1
        }
        let candidates =
            table.children(of: Array(words.prefix(depth))).filter { !$0.hasPrefix("__") }
            + (depth == 0 ? ["exit-codes"] : [])
        if depth == 0, let commands = table.verbWithoutNoun(words[0]) {
            hint = "did you mean \(commands)? " + hint
        } else if let near = nearest(words[depth], in: candidates) {
            hint =
                "did you mean '\((Array(words.prefix(depth)) + [near]).joined(separator: " "))'? "
                + hint
        }
        throw PortalError.usage(
            "no help for '\(words.joined(separator: " "))': no such command", hint: hint)
    }

    static func completions(_ c: Context) throws {
        switch c.inv.positionals[0] {
        case "bash": try c.out(Docs.bash(CommandTable.main))
        case "zsh": try c.out(Docs.zsh(CommandTable.main))
        case "fish": try c.out(Docs.fish(CommandTable.main))
        case let other:
            throw PortalError.usage(
                "no completions for the shell '\(other)'",
                hint: suggesting(other, in: ["bash", "zsh", "fish"], "choose bash, zsh or fish"))
        }
    }

    /// Prints completion candidates, one per line. Never fails loudly: a shell is waiting.
    static func complete(_ c: Context) throws {
        switch c.inv.positionals[0] {
        case "district":
            // A file that is not there is not made; a server is asked.
            guard c.dbPath.contains("://") || FileManager.default.fileExists(atPath: c.dbPath),
                let db = try? Database.open(path: c.dbPath, create: false),
                let ds = try? Districts.list(db)
            else { return }
            try c.out(ds.map { $0.id + "\n" }.joined())
        case "setting": try c.out(Settings.keys.map { $0 + "=\n" }.joined())
        case "role": try c.out(Role.allCases.map { $0.rawValue + "\n" }.joined())
        default: return
        }
    }
}
