import PortalKit

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Entry {
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        // Past a file-size limit (ulimit -f) a write fails with EFBIG, reported as exit 74 with
        // a message, instead of the process dying of SIGXFSZ.
        signal(SIGXFSZ, SIG_IGN)
        Interrupts.install()
        exit(CLI.run(Array(CommandLine.arguments.dropFirst()), io: .process()))
    }
}

enum CLI {
    /// Parses, runs the handler, and maps the outcome to an exit code. Every error is written as
    /// `error:` plus `hint:` on stderr.
    static func run(_ args: [String], io: IO, table: CommandTable = .main) -> Int32 {
        var verbose = args.contains("-v") || args.contains("--verbose")
        let color =
            !args.contains("--no-color") && (io.env["NO_COLOR"] ?? "").isEmpty && io.stderrIsTTY
        var context: Context? = nil
        do {
            switch try Parser(table: table).parse(args) {
            case .version:
                try io.out.write(
                    "portaladmin \(Help.version) (SQLite \(Database.libraryVersion))\n")
            case .help(let path):
                if path.isEmpty {
                    try io.out.write(Help.top(table))
                } else if let c = table.command(path) {
                    try io.out.write(Help.command(c))
                } else {
                    try io.out.write(Help.group(table, path))
                }
            case .run(let inv) where inv.has("version"):
                try io.out.write(
                    "portaladmin \(Help.version) (SQLite \(Database.libraryVersion))\n")
            case .run(let inv):
                verbose = inv.has("verbose")
                let ctx = Context(io: io, inv: inv)
                context = ctx
                try inv.command.run(ctx)
                // Ctrl-C during the last of the work: exit 130 all the same, so that a shell
                // script running the command stops too.
                if Interrupts.isInterrupted { throw Interrupts.tooLate() }
            }
            return 0
        } catch is BrokenPipe {
            return 0
        } catch {
            let e = Interrupts.said(portalError(error))
            let label = color ? "\u{1b}[31merror:\u{1b}[0m" : "error:"
            // Messages may quote what was typed or stored: never sent raw to a terminal.
            var text = "\(label) \(Text.escaped(e.message))\n"
            if var hint = Remedies.text(e.hint, e.action) {
                hint += context.flatMap { $0.whoMayRun(hint, table: table) } ?? ""
                if e.cause != nil && !verbose { hint += " (-v shows the cause)" }
                text += "hint: \(Text.escaped(hint))\n"
            } else if e.cause != nil && !verbose {
                text += "hint: rerun with -v to see the cause\n"
            }
            if verbose, let cause = e.cause {
                text += "cause: \(Text.escaped(String(describing: cause)))\n"
            }
            try? io.err.write(text)
            return e.code.exitCode
        }
    }

    static func portalError(_ error: any Error) -> PortalError {
        switch error {
        case let e as PortalError: return e
        case let e as SQLiteError: return e.portalError
        case let e as PostgresError: return e.portalError
        default:
            return PortalError(
                .internal, "internal error", hint: "report what you ran",
                cause: CauseText(String(describing: error)))
        }
    }
}
