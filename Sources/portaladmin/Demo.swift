import FoundationEssentials
import PortalKit
#if canImport(Glibc)
import Glibc
#endif

/// `portaladmin demo`: the whole story on a throw-away database, each step printed as the command
/// a registrar would type, then run through the same code path as the real command line.
enum Demo {
    static func run(_ c: Context) throws {
        let keep = c.inv.value("db") != nil
        var dir = ""
        let path: String
        if let p = c.inv.value("db") {
            path = p
        } else {
            var template = Array("/tmp/portaladmin-demo-XXXXXX".utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw PortalError(.cannotCreate, "cannot create a temporary folder for the demo",
                                  hint: "check that /tmp is writable, or pass --db PATH")
            }
            dir = String(cString: template)
            path = dir + "/demo.db"
        }
        defer {
            if !keep {
                for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
                rmdir(dir)
            }
        }
        try c.out("portaladmin demo: a throw-away database at \(path)\n\n")
        let env = c.io.env.merging(["PORTALADMIN_DB": path, "PORTALADMIN_OPERATOR": "registrar-demo"]) { $1 }
        let d = "--district=demo-isd"
        let steps: [(String, [String])] = [
            ("Create a district with a 14-day key lifetime", ["district", "create", "demo-isd", "--name", "Demo Independent School District", "key_ttl_days=14", "timezone=America/Chicago"]),
            ("Make yourself its first admin, then add a help-desk operator", ["operator", "add", "registrar-demo", "--role", "admin", d]),
            ("", ["operator", "add", "helpdesk-sam", "--role", "helpdesk", d]),
            ("List the operators", ["operator", "list", d]),
            ("Require the second version of the acceptable-use agreement", ["district", "set", "aup_version=2", d]),
            ("A typo in a setting is caught, with the valid keys", ["district", "set", "aup_versoin=3", d]),
            ("Show the district", ["district", "show", "demo-isd"]),
            ("Every change above is in the audit log", ["audit", "list", d]),
            ("The log is a SHA-256 chain; verify it", ["audit", "verify", d]),
        ]
        for (title, args) in steps {
            if !title.isEmpty { try c.out("## \(title)\n") }
            try c.out("$ portaladmin " + args.map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " ") + "\n")
            let out = BufferSink(), err = BufferSink()
            let io = IO(out: out, err: err, input: StringSource(""), stdoutIsTTY: c.io.stdoutIsTTY, stderrIsTTY: false,
                        stdinIsTTY: false, env: env, now: c.io.now, width: c.io.width)
            let code = CLI.run(args, io: io)
            try c.out(out.text)
            try c.out(err.text.split(separator: "\n").map { "  \($0)\n" }.joined())
            if code != 0 { try c.out("  (exit \(code))\n") }
            try c.out("\n")
        }
        try c.out(keep ? "The database is kept at \(path).\n" : "Done; the demo database was removed (pass --db PATH to keep one).\n")
    }
}
