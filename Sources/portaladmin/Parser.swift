import PortalKit

/// A parsed command line for one command.
struct Invocation {
    let command: Command
    var positionals: [String] = []
    var values: [String: [String]] = [:]
    var flags: Set<String> = []

    func value(_ long: String) -> String? { values[long]?.last }
    func all(_ long: String) -> [String] { values[long] ?? [] }
    func has(_ long: String) -> Bool { flags.contains(long) || values[long] != nil }

    func int(_ long: String, min: Int = 0) throws -> Int? {
        guard let v = value(long) else { return nil }
        guard let n = Int(v), n >= min else {
            throw PortalError.usage(
                "--\(long) takes a whole number of at least \(min), not '\(v)'",
                hint: "see 'portaladmin \(command.name) --help'")
        }
        return n
    }

    /// A positional argument that must be a record number (a key, a merge, a restriction).
    func number(_ index: Int, _ what: String, list: String) throws -> Int {
        let v = positionals[index]
        guard let n = Int(v) else {
            throw PortalError.usage(
                "'\(v)' is not a \(what) number", hint: "see 'portaladmin \(list)'")
        }
        return n
    }

    func date(_ long: String) throws -> CivilDate? {
        guard let v = value(long) else { return nil }
        guard let d = CivilDate(parsing: v) else {
            throw PortalError.usage(
                "--\(long) takes a date, not '\(v)'",
                hint: Self.noSuchDay(v) ?? "write dates as YYYY-MM-DD")
        }
        return d
    }

    /// What is wrong with a date written as YYYY-MM-DD that is no day (a slip in the month or
    /// the day, typed in haste): the month that does not exist, or how many days the month has.
    static func noSuchDay(_ v: String) -> String? {
        let parts = v.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        guard (1...12).contains(month) else {
            return "there is no month \(parts[1]): write dates as YYYY-MM-DD, month before day"
        }
        guard day >= 1 else { return "there is no day \(parts[2])" }
        let last = CivilDate(clampingYear: year, month: month, day: 31).day
        guard day > last else { return nil }
        let name = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December",
        ][month - 1]
        return "\(name) \(parts[0]) has \(last) days"
    }

    func required(_ long: String) throws -> String {
        guard let v = value(long), !v.trimmed().isEmpty else {
            throw PortalError.usage(
                "'\(command.name)' needs --\(long)",
                hint: "see 'portaladmin \(command.name) --help'")
        }
        return v
    }
}

enum ParseResult {
    case run(Invocation)
    case help([String])
    case version
}

/// Parses argv against the command table: `--opt v`, `--opt=v`, `-o v`, `-ojson`, bundled short
/// flags (`-qy`), `--` to end options, and options anywhere after (or before) the command path.
struct Parser {
    let table: CommandTable

    func parse(_ args: [String]) throws -> ParseResult {
        var path: [String] = []
        var rest: [String] = []
        var i = 0
        var wantsHelp = false
        var wantsVersion = false
        // 1. Find the command path; global options may come before it.
        while i < args.count {
            let a = args[i]
            if a == "-h" || a == "--help" {
                wantsHelp = true
                i += 1
                continue
            }
            if a == "--version" && path.isEmpty {
                wantsVersion = true
                i += 1
                continue
            }
            if a.hasPrefix("-") && a != "-" && a != "--" {
                // A global option before the command: keep it (and its value) for step 2.
                rest.append(a)
                if let opt = Globals.all.first(where: {
                    "--" + $0.long == a || ($0.short.map { "-\($0)" } == a)
                }),
                    !opt.isFlag, i + 1 < args.count
                {
                    rest.append(args[i + 1])
                    i += 1
                }
                i += 1
                continue
            }
            if table.command(path) != nil { break }
            let children = table.children(of: path)
            if children.isEmpty { break }
            guard children.contains(a) else {
                let kind =
                    path.isEmpty ? "command" : "subcommand of '\(path.joined(separator: " "))'"
                let hint =
                    "see 'portaladmin \(path.isEmpty ? "" : path.joined(separator: " ") + " ")--help'"
                // A verb without its noun ("import") names the commands it ends.
                let verb = path.isEmpty ? table.verbWithoutNoun(a) : nil
                throw PortalError.usage(
                    "unknown \(kind): '\(a)'",
                    hint: verb.map { "did you mean \($0)? " + hint }
                        ?? suggesting(a, in: table.children(of: path, hidden: false), hint))
            }
            path.append(a)
            i += 1
        }
        if wantsVersion && path.isEmpty { return .version }
        guard let command = table.command(path) else {
            if wantsHelp || path.isEmpty { return .help(path) }
            throw PortalError.usage(
                "'portaladmin \(path.joined(separator: " "))' needs a subcommand: \(table.children(of: path).joined(separator: ", "))",
                hint: "see 'portaladmin \(path.joined(separator: " ")) --help'")
        }
        rest += args[i...]
        let beforeDashes = rest.prefix { $0 != "--" }
        if wantsHelp || beforeDashes.contains("-h") || beforeDashes.contains("--help") {
            return .help(path)
        }
        return .run(try parseOptions(command, rest))
    }

    private func parseOptions(_ command: Command, _ args: [String]) throws -> Invocation {
        var inv = Invocation(command: command)
        let opts = command.allOptions
        var i = 0
        var onlyPositionals = false

        func take(_ opt: Opt, inline: String?) throws {
            if opt.isFlag {
                if inline != nil {
                    throw PortalError.usage("--\(opt.long) does not take a value")
                }
                inv.flags.insert(opt.long)
                return
            }
            var v = inline
            if v == nil {
                guard i + 1 < args.count else {
                    throw PortalError.usage(
                        "--\(opt.long) needs a value <\(opt.value ?? "value")>",
                        hint: "see 'portaladmin \(command.name) --help'")
                }
                i += 1
                v = args[i]
            }
            guard let value = v else { return }
            if !opt.choices.isEmpty && !opt.choices.contains(value) {
                throw PortalError.usage(
                    "invalid value '\(value)' for --\(opt.long)",
                    hint: suggesting(
                        value, in: opt.choices,
                        "valid values: " + opt.choices.joined(separator: ", ")))
            }
            if inv.values[opt.long] != nil && !opt.repeatable {
                if inv.values[opt.long] != [value] {
                    throw PortalError.usage("--\(opt.long) was given twice", hint: "give it once")
                }
            }
            inv.values[opt.long, default: []].append(value)
        }

        while i < args.count {
            let a = args[i]
            if onlyPositionals || a == "-" || !a.hasPrefix("-") {
                inv.positionals.append(a)
            } else if a == "--" {
                onlyPositionals = true
            } else if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
                guard let opt = opts.first(where: { $0.long == name }) else {
                    throw unknownOption(
                        "--" + name, command: command, candidates: opts.map { "--" + $0.long })
                }
                try take(opt, inline: inline)
            } else {
                // Short options: bundled flags (-qy); a value may follow attached (-ojson) or apart.
                let chars = Array(a.dropFirst())
                var j = 0
                while j < chars.count {
                    let c = chars[j]
                    guard let opt = opts.first(where: { $0.short == c }) else {
                        throw unknownOption(
                            "-\(c)", command: command,
                            candidates: opts.compactMap { $0.short.map { "-\($0)" } }
                                + opts.map { "--" + $0.long })
                    }
                    if opt.isFlag {
                        try take(opt, inline: nil)
                        j += 1
                    } else {
                        let attached = String(chars[(j + 1)...])
                        try take(opt, inline: attached.isEmpty ? nil : attached)
                        break
                    }
                }
            }
            i += 1
        }
        try checkPositionals(command, inv.positionals)
        return inv
    }

    /// Commands that read a key or a password from standard input, and never from argv.
    static let readSecrets: Set<String> = [
        "key check", "portal activate", "portal login", "portal change-password",
    ]

    /// A key or a password given on the command line (as a word or as --key/--password):
    /// refused, with why and how to give it instead.
    private func secretOnCommandLine(_ command: Command) -> PortalError {
        let (what, lines) =
            switch command.name {
            case "key check": ("an activation key", "KEY")
            case "portal activate": ("a key or a password", "KEY PASSWORD")
            case "portal change-password": ("a password", "OLD NEW")
            default: ("a password", "PASSWORD")
            }
        let example =
            command.name == "key check"
            ? "echo 'KEY' | portaladmin key check"
            : "printf '%s\\n' \(lines) | portaladmin \(command.name) --username NAME"
        return PortalError.usage(
            "\(what) is never given on the command line: it would stay in the shell history and in the process list",
            hint: "run '\(command.name)' and type it when asked, or pipe it: \(example)")
    }

    private func unknownOption(_ name: String, command: Command, candidates: [String])
        -> PortalError
    {
        let bare = name.drop { $0 == "-" }.lowercased()
        if Self.readSecrets.contains(command.name)
            && ["key", "password", "pass", "pw", "secret", "activation-key"].contains(
                bare.split(separator: "=").first.map(String.init) ?? bare)
        {
            return secretOnCommandLine(command)
        }
        return PortalError.usage(
            "unknown option '\(name)' for '\(command.name)'",
            hint: suggesting(name, in: candidates, "see 'portaladmin \(command.name) --help'"))
    }

    private func checkPositionals(_ command: Command, _ given: [String]) throws {
        let required = command.args.filter { !$0.optional }
        if given.count < required.count {
            let missing = required[given.count]
            throw PortalError.usage(
                "'\(command.name)' needs <\(missing.name)>",
                hint: "usage: \(Help.usage(command))")
        }
        let variadic = command.args.contains { $0.variadic }
        if !variadic && given.count > command.args.count && Self.readSecrets.contains(command.name)
        {
            throw secretOnCommandLine(command)
        }
        if !variadic && given.count > command.args.count {
            let extra = given[command.args.count]
            var hint = "usage: \(Help.usage(command))"
            // A word where an option was meant: the options that take an id, named with it
            // (key issue G1 -> --guardian G1).
            let takesID = command.options.filter { $0.value == "id" }.map {
                "--\($0.long) \(extra)"
            }
            if extra.contains(" ") == false,
                let near = nearest(extra, in: command.options.map { "--" + $0.long }),
                extra.count > 2
            {
                hint = "did you mean the option '\(near)'? " + hint
            } else if !takesID.isEmpty && !extra.hasPrefix("-") {
                hint =
                    "name the option it belongs to: \(takesID.joined(separator: " or ")); " + hint
            }
            throw PortalError.usage("unexpected argument '\(extra)'", hint: hint)
        }
    }
}
