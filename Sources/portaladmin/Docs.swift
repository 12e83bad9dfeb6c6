import PortalKit

/// The man page and shell completions, generated from the command table. The committed copies in
/// `man/` and `Completions/` are compared with these by a test.
enum Docs {
    // MARK: man page (mdoc)

    static func man(_ table: CommandTable) -> String {
        var s = """
            .Dd November 25, 2026
            .Dt PORTALADMIN 1
            .Os
            .Sh NAME
            .Nm portaladmin
            .Nd run the accounts of a parent/student portal for many school districts
            .Sh SYNOPSIS
            .Nm
            .Ar noun verb
            .Op Ar arguments
            .Op Ar options
            .Sh DESCRIPTION
            .Nm
            is how school-district staff run the accounts of a parent/student web portal: registrars
            onboard families and decide who may see which child, scripts import rosters in bulk, and
            help-desk staff answer parents on the phone.
            Every command works on one district
            .Pq Fl -district
            and writes in one transaction that is recorded in a tamper-evident audit log.
            .Pp
            Results go to standard output; progress, warnings, prompts, errors and hints go to
            standard error.
            With
            .Fl o Cm json , jsonl , csv
            or
            .Cm tsv
            field names are stable snake_case and dates are ISO 8601.
            .Ss Asking first
            A command that changes more than one row, or that cannot be undone, asks
            .Dq Proceed? [y/N]
            on a terminal and needs
            .Fl -yes
            without one, whatever the count.
            The number it asks about is the number that will change; the ones it skips are counted
            apart, and every bulk form writes them to
            .Fl -results .
            .Fl -dry-run
            does the work, reports it and rolls it back: it never asks, never needs
            .Fl -yes
            and writes no file.
            Asking again for what is already done (revoke, remove, unlock, sign, disable, enable,
            merge, undo, add an operator, the same restriction or age-18 decision) writes nothing,
            says
            .Dq nothing to do
            and exits 0.
            .Ss Roles
            Each district has operators:
            .Cm helpdesk
            <
            .Cm registrar
            <
            .Cm admin .
            Each command below names the lowest role it needs, and an option that needs more.
            Activation keys are created by registrars, whichever command creates them
            .Pq Cm key issue , Cm account reset Fl -new-key :
            a key opens a child's records to whoever holds it.
            The help desk checks keys, unlocks accounts and resets passwords; a hint that names a
            command the caller's role may not run says who may.
            .Sh GLOBAL OPTIONS
            .Bl -tag -width Ds

            """
        s += Globals.all.map(optionItem).joined()
        s += ".El\n.Sh COMMANDS\n"
        for c in table.commands where !c.hidden {
            s += ".Ss \(c.name)\n"
            s += esc(c.summary.prefix(1).uppercased() + c.summary.dropFirst()) + ".\n"
            s += ".Pp\n.Nm\n" + c.path.map { ".Cm \($0)\n" }.joined()
            for a in c.args {
                s +=
                    (a.optional ? ".Op Ar \(a.name)" : ".Ar \(a.name)")
                    + (a.variadic ? " ...\n" : "\n")
            }
            if !c.discussion.isEmpty {
                s +=
                    ".Pp\n"
                    + c.discussion.split(separator: "\n").map { esc(String($0)) + "\n.br\n" }
                    .joined()
            }
            if !c.args.isEmpty || !c.options.isEmpty {
                s += ".Bl -tag -width Ds\n"
                for a in c.args { s += ".It Ar \(a.name)\n\(esc(a.help))\n" }
                s += c.options.map(optionItem).joined()
                s += ".El\n"
            }
            if let role = c.role {
                let more = c.options.compactMap { o in
                    o.role.map { "; --\(o.long) needs the \($0.rawValue) role" }
                }
                s +=
                    ".Pp\n"
                    + esc("Needs the \(role.rawValue) role or higher" + more.joined() + ".\n")
            }
            for shape in JSONFields.table[c.name] ?? [] {
                let label = "JSON fields" + (shape.when.map { " with \($0)" } ?? "")
                s += ".Pp\n" + esc(label + ": " + shape.fields.joined(separator: ", ") + ".") + "\n"
            }
            for e in c.examples { s += ".Bd -literal -offset indent\n\(esc(e))\n.Ed\n" }
        }
        s += ".Sh NATIVE CSV FILES\n"
        s +=
            "A native roster bundle is a folder holding any of these files. Header names are fixed, their order is free, unknown columns are ignored (one spelled as another system spells a column, such as Guardian ID, First Name, e-mail or zip, is named in a note saying what to rename it). Dates are YYYY-MM-DD (also YYYY-M-D and YYYY/MM/DD: the year first is never read another way), YYYYMMDD or M/D/YYYY; a time after a date is ignored. Phone numbers are kept as their digits (a North American number without its +1) and an extension after x or ext; a label typed with the number (Cell: 320-555-0188, 320-555-0188 (home)) is left out, and a field of two numbers is not a phone number. Files are UTF-8 text (a file saved as UTF-16 is refused, saying so), may start with a UTF-8 byte-order mark and use CRLF line ends; quoted fields may hold commas, quotes and line breaks.\n"
        for f in NativeFormat.files {
            s += ".Ss \(f.name)\n.Bl -tag -width Ds\n"
            for col in f.required + f.optional {
                s +=
                    ".It Cm \(col)\n"
                    + esc((f.required.contains(col) ? "(required) " : "") + (f.help[col] ?? ""))
                    + "\n"
            }
            s += ".El\n"
        }
        s += """
            .Ss OneRoster
            OneRoster 1.1 and 1.2 bundles: users with role student become students; parent, guardian
            and relative become guardians (relatives without portal access); orgs of type school become
            schools; links come from agentSourcedIds in either direction; birth dates from
            demographics.csv. Households are derived from the links. A sourcedId that is a UUID is
            the same id in upper and lower case across the files (rows and links are spelled as
            users.csv spells it; a second line of users.csv with it in another case is a repeat).
            When manifest.csv gives
            users.csv as a delta
            .Pq Ql file.users,delta ,
            the import is one, as with
            .Fl -delta :
            no one is marked inactive. In a delta import an agentSourcedIds user that users.csv
            does not give is looked up in the district: a student or guardian it has is linked
            (a missing link is made, one it has is left as it is), a guardian with the role its
            links have there. A delta gives no households: a household named after a guardian
            the district has (given or only named) is the one that guardian has there, so a
            parent whose e-mail changed stays in its household. A student or guardian a delta gives with agentSourcedIds (the
            whole list of its agents, not what changed) keeps only the links named there, on
            either side, or in relationships.csv: the district's other links of that user end,
            marked inactive (a parent taken off a child in the SIS), asked first as a full
            import asks when they are more than a tenth of the district's links. A user given
            with agentSourcedIds empty, a line not read cleanly, a list naming someone neither
            the bundle nor the district has (a damaged or mistyped id), and a guardian merged
            into another or another merged into keep their links. When it says the export has no users.csv
            .Pq Ql file.users,absent
            and the folder has one, left from an earlier export most likely, nothing is imported;
            nor when it gives a mode that is none of bulk, delta and absent, unless the import is
            asked for with
            .Fl -delta .
            .Ss Results file
            .Fl -results Ar file
            writes one CSV row per input row: file, line, id, the input columns (those of every
            file of the bundle, each name once; a row fills its own file's), status
            .Pq created, updated, unchanged, rejected, skipped
            and message.
            .Ss Limits and bad values
            Only regular files are read: a device, a pipe or a socket is refused (exit 66), never
            waited on; standard input is read with
            .Ql - .
            A field may hold at most \(CSVReader.maxFieldBytes) bytes, a row at most \(CSVReader.maxRecordBytes) bytes
            and \(CSVReader.maxFields) fields; a longer one is a bad row
            .Pq Ql file:line: field: too long ,
            and a header that long stops the bundle before anything is written.
            Names and address lines hold at most 200 characters.
            A control character (other than tab and line breaks), DEL, a C1 control or a Unicode
            bidi override or isolate makes the value bad: such characters could retitle or clear
            the terminal it is shown on, or reorder text on screen.
            Values already stored with such characters are shown escaped
            .Pq Ql \\eu{1B}
            in text output.
            A birth date in the future or more than 120 years ago is not plausible and is a bad
            value.
            A guardian's birth date that is bad is kept as the file gave it (up to 32 characters),
            as
            .Ql birth_date_given
            in
            .Nm guardian show :
            the duplicate finder compares its digits (a slipped key in the year is one digit off)
            and
            .Nm roster export
            writes it back.
            .Sh FILES FOR PEOPLE
            Letters
            .Pq Fl -letters ,
            results files
            .Pq Fl -results ,
            .Nm roster export ,
            .Nm audit export Fl -out
            and
            .Nm sample generate
            write files with mode 0600 that appear only once complete: a command that fails, is
            killed or fills the disk leaves none behind, and keys are written to letters (and
            shown) only after they are stored.
            An existing file is never replaced without
            .Fl -yes
            (or a yes at the terminal); a dry run writes no file.
            .Pp
            Every CSV file meant for people, and
            .Fl o Cm csv ,
            guards against spreadsheet formulas (OWASP CSV injection): a cell that begins with
            .Ql = ,
            .Ql + ,
            .Ql - ,
            .Ql @ ,
            a tab or a carriage return, or with an apostrophe, gets an apostrophe in front, so that
            Excel, LibreOffice and Sheets show it as text.
            .Nm roster import
            takes one apostrophe off a cell that begins with an apostrophe followed by one of those
            characters, so a
            .Nm roster export
            imports back to exactly the values exported.
            .Fl o Cm tsv ,
            .Cm json
            and
            .Cm jsonl
            are for scripts and carry values exactly as stored.

            """
        s += """
            .Sh JSON FIELDS
            Every command names the same thing the same way, and a name means one thing wherever it
            appears, at any depth.
            Any field may be null: not known, or not set.
            A date is YYYY-MM-DD, a time an instant in UTC
            .Pq 2026-09-01T14:03:22Z ;
            a map's keys are names (of kinds of record), not fields.
            .Pp
            .Bl -tag -width leap_day_birthday -compact

            """
        for f in JSONFields.vocabulary {
            s += ".It Sy \(f.name)\n\(f.kind.rawValue): \(esc(f.meaning))\n"
        }
        s += """
            .El
            .Sh PASSWORDS
            A password (NIST SP 800-63B) is at least
            .Cm password_min_length
            characters and at most 128, with no rules about character classes. It is refused, with
            the reason, when it is one of the 30,000 most common passwords, repeats a few characters
            or one pattern, is mostly a sequence (12345, abcde, qwerty, keyboard columns), is one or
            two common words repeated or with digits added, contains the username or the district's
            name, or is built from the person's names, the username, the district's name,
            .Dq portal
            or
            .Dq school .
            A password the parent did not choose (a temporary one,
            .Fl -password-file ,
            an account the school created) must be changed at the next login: until then
            .Nm portal login
            exits 11.
            Passwords are hashed with scrypt before any write lock is taken, so a storm of logins
            never keeps other writers waiting.

            """
        s += """
            .Sh STUDENT ACCOUNTS
            Enrolled students have a portal account of their own (Minneapolis policy 1050 II.D),
            which shows their own record and never a sibling's. The age-18 rules end guardians'
            access only; a student's own account continues after 18. When an import marks a student
            inactive, their account is disabled with the reason
            .Dq the student is no longer enrolled
            and their pending key revoked; when they are enrolled again, the account is enabled
            again (an account a registrar disabled stays disabled). Both are in the audit log.
            A feature rule may be for one audience: discipline or payments hidden from students,
            shown to their parents.
            .Bd -literal -offset indent
            portaladmin key issue --student-account S600456 --letters ana.csv
            printf '%s\\en%s\\en' "$KEY" "$PASSWORD" | portaladmin portal activate --username ana.n
            portaladmin feature disable discipline --audience students --reason "for parents"
            portaladmin access explain --username ana.n
            sis-export-withdrawals | portaladmin roster import - --delta
            portaladmin account show ana.n          # disabled: no longer enrolled
            .Ed
            .Pp
            Schools that create parents' accounts themselves (seed 003) use
            .Nm account create :
            each account gets a random temporary password, printed once or written to letters,
            that must be changed at the first login.
            .Bd -literal -offset indent
            portaladmin account create --guardian G1000123 --username-pattern '{given}.{family}'
            echo "$TEMPORARY" | portaladmin portal login --username maria.garcia   # exit 11
            printf '%s\\en%s\\en' "$TEMPORARY" "$NEW" | portaladmin portal change-password --username maria.garcia
            .Ed
            .Sh ENVIRONMENT
            .Bl -tag -width Ds
            .It Ev PORTALADMIN_DB
            Database file when
            .Fl -db
            is not given.
            .It Ev PORTALADMIN_DISTRICT
            District when
            .Fl -district
            is not given.
            .It Ev PORTALADMIN_OPERATOR
            The acting operator; else the login name.
            .It Ev PORTALADMIN_BUSY_TIMEOUT_MS
            How long a command waits for another writer before giving up with exit 75 (default 5000):
            on SQLite, for a lock another holds; on PostgreSQL, running again a change that others'
            made fail.
            .It Ev PORTALADMIN_LINK_FILTER_BYTES
            The bytes a re-import of native files keeps the links it met in, 64 to 1073741824
            (bytes or a number with KB, MB or GB, counted in 1024s; unset, 7 bytes for each line of
            relationships.csv, from 4 MB to 12 MB).
            Smaller takes less memory and more time: a link the filter cannot tell from one met
            has the file read again.
            .It Ev PORTALADMIN_ID_MEMORY_BYTES
            The bytes an import keeps ids that are not a prefix and a number (GUIDs, say) in, per
            kind of id, before moving them to a temporary file, 0 to 1073741824 (default 16777216,
            that is 16 MB; written as for the variable above).
            Numbered ids take a few bits each and never move; a UUID takes about 37 bytes.
            A OneRoster bundle whose users would take more than four and a half times this
            (about 104 bytes a user with UUIDs, 72 with numbered ids, 24 more with demographics.csv;
            counted from the lines of users.csv)
            keeps what its files say of each user on disk too.
            Smaller takes less memory and more time.
            .It Ev PORTALADMIN_STAGE_AFTER_ROWS
            The rows of a table the district had none of that an import writes in place before it
            stages the rest and writes them in the order of their ids, when the ids are not
            numbered (default 0: every row is staged).
            A number writes that many in place first, as earlier versions did with 100000.
            .It Ev PORTALADMIN_ORDER_WINDOW_BYTES
            The bytes of users.csv's lines the first import of a OneRoster bundle into a district
            reads at a time in the order of the users' ids, 0 to 16777216 (default 16 MB;
            written as above), when they are not in that order already (UUIDs): their rows then go
            into their tables in place instead of being sorted at the end.
            0 reads every line in the file's order.
            Smaller takes less memory and reads the file more times.
            .It Ev PORTALADMIN_KNOWN_ROWS
            .Cm always
            or
            .Cm never :
            whether a re-import keeps the district's rows in memory (a fingerprint of each id with
            the hash of its values, 21 bytes a row): a table within the memory above (native
            files: half as much again), all of them within four times it.
            Unset, it does so when the files are large enough beside the district for it to pay.
            .It Ev XDG_DATA_HOME
            The default database is
            .Pa $XDG_DATA_HOME/portaladmin/portaladmin.db
            .Pq Pa ~/.local/share/portaladmin/portaladmin.db .
            .It Ev NO_COLOR
            No colour in messages.
            .El
            .Sh FILES
            The database is one SQLite file in WAL mode; keep its
            .Pa -wal
            and
            .Pa -shm
            companions with it.
            The first roster import into a database with no roster rows writes the file through a
            .Pa -journal
            companion instead, played back by the next command if the import was killed.
            Operators and roles guard against mistakes on a shared file, not against someone who can
            edit the file.
            .Sh EXIT STATUS
            .Bl -tag -width Ds
            .It 0
            success (also "nothing to do")

            """
        for c in ErrorCode.allCases { s += ".It \(c.exitCode)\n\(esc(c.meaning))\n" }
        s += """
            .El
            .Sh EXAMPLES
            .Bd -literal -offset indent
            portaladmin demo
            portaladmin district create hutchinson-423 --name "Hutchinson Public Schools"
            export PORTALADMIN_DISTRICT=hutchinson-423
            portaladmin operator add "$USER" --role admin
            portaladmin audit verify
            .Ed
            .Sh SECURITY
            Activation keys and passwords are never taken as command-line arguments, never stored in
            clear and never written to the audit log or to standard error.

            """
        // Plain ASCII, every other character as a groff escape, so that every man renders it.
        return s.unicodeScalars.map {
            $0.isASCII ? String($0) : "\\[u" + hex4($0.value) + "]"
        }.joined()
    }

    /// At least four upper-case hex digits, as groff's `\[uXXXX]` wants.
    static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    static func optionItem(_ o: Opt) -> String {
        var s = ".It "
        if let sh = o.short { s += "Fl \(sh) , " }
        s += "Fl -\(o.long)"
        if let v = o.value { s += " Ar \(v)" }
        return s + "\n" + esc(o.help) + "\n"
    }

    /// Escapes text for mdoc: a leading dot or quote would start a request; backslashes double.
    static func esc(_ t: String) -> String {
        var t = t.replacingOccurrences("\\", "\\e")
        if t.hasPrefix(".") || t.hasPrefix("'") { t = "\\&" + t }
        return t
    }

    // MARK: completions

    static func visible(_ t: CommandTable) -> [Command] { t.commands.filter { !$0.hidden } }

    /// Every word that may appear as a command path prefix, as " noun verb".
    static func prefixes(_ t: CommandTable) -> [String] {
        var out: [String] = []
        for c in visible(t) {
            for n in 1...c.path.count {
                let p = " " + c.path.prefix(n).joined(separator: " ")
                if !out.contains(p) { out.append(p) }
            }
        }
        return out
    }

    static func valueOptions(_ t: CommandTable) -> [Opt] {
        var seen: [String: Opt] = [:]
        var order: [String] = []
        for o in visible(t).flatMap(\.allOptions) where !o.isFlag && seen[o.long] == nil {
            seen[o.long] = o
            order.append(o.long)
        }
        return order.compactMap { seen[$0] }
    }

    static func bashValues(_ o: Opt) -> String {
        switch o.complete {
        case .file: "COMPREPLY=($(compgen -f -- \"$cur\"))"
        case .dir: "COMPREPLY=($(compgen -d -- \"$cur\"))"
        case .district:
            "COMPREPLY=($(compgen -W \"$(portaladmin __complete district 2>/dev/null)\" -- \"$cur\"))"
        case .choices:
            "COMPREPLY=($(compgen -W \"\(o.choices.joined(separator: " "))\" -- \"$cur\"))"
        default: "COMPREPLY=()"
        }
    }

    static func bash(_ t: CommandTable) -> String {
        var s = """
            # bash completion for portaladmin (generated by 'portaladmin completions bash')
            _portaladmin() {
                local cur prev path="" w i words=""
                cur="${COMP_WORDS[COMP_CWORD]}"
                prev="${COMP_WORDS[COMP_CWORD-1]}"
                for ((i = 1; i < COMP_CWORD; i++)); do
                    w="${COMP_WORDS[i]}"
                    case "$path $w" in
                        \(prefixes(t).map { "\"\($0)\"" }.joined(separator: "|"))) path="$path $w" ;;
                    esac
                done
                case "$prev" in

            """
        for o in valueOptions(t) {
            let names = (o.short.map { ["-\($0)"] } ?? []) + ["--\(o.long)"]
            s += "        \(names.joined(separator: "|"))) \(bashValues(o)); return ;;\n"
        }
        s += "    esac\n    case \"$path\" in\n"
        s +=
            "        \"\") words=\"\(t.children(of: []).filter { !$0.hasPrefix("__") }.joined(separator: " ")) \(Globals.all.map { "--" + $0.long }.joined(separator: " "))\" ;;\n"
        for p in prefixes(t) {
            let path = p.split(separator: " ").map(String.init)
            if let c = t.command(path) {
                var extra = ""
                if c.args.contains(where: { $0.complete == .district }) {
                    extra = " $(portaladmin __complete district 2>/dev/null)"
                }
                if c.args.contains(where: { $0.complete == .setting }) {
                    extra = " $(portaladmin __complete setting 2>/dev/null)"
                }
                if c.path == ["completions"] { extra = " bash zsh fish" }
                if c.path == ["help"] {
                    extra =
                        " exit-codes "
                        + t.children(of: []).filter { !$0.hasPrefix("__") }.joined(separator: " ")
                }
                s +=
                    "        \"\(p)\") words=\"\(c.allOptions.map { "--" + $0.long }.joined(separator: " "))\(extra)\" ;;\n"
            } else {
                s +=
                    "        \"\(p)\") words=\"\(t.children(of: path).joined(separator: " "))\" ;;\n"
            }
        }
        s += """
                esac
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
            }
            complete -o default -F _portaladmin portaladmin

            """
        return s
    }

    static func zq(_ t: String) -> String {
        t.replacingOccurrences("'", "'\\''").replacingOccurrences("[", "(").replacingOccurrences(
            "]", ")"
        )
        .replacingOccurrences(":", "\\:")
    }

    static func zshAction(_ o: Opt) -> String {
        switch o.complete {
        case .file: "_files"
        case .dir: "_files -/"
        case .district: "{compadd -- $(portaladmin __complete district 2>/dev/null)}"
        case .choices: "(\(o.choices.joined(separator: " ")))"
        default: " "
        }
    }

    static func zsh(_ t: CommandTable) -> String {
        var s = """
            #compdef portaladmin
            # zsh completion for portaladmin (generated by 'portaladmin completions zsh')
            _portaladmin() {
                local path="" w i
                for ((i = 2; i < CURRENT; i++)); do
                    w=${words[i]}
                    case "$path $w" in
                        (\(prefixes(t).map { "\"\($0)\"" }.joined(separator: "|"))) path="$path $w" ;;
                    esac
                done
                case "$path" in

            """
        for p in [""] + prefixes(t) {
            let path = p.split(separator: " ").map(String.init)
            if let c = t.command(path) {
                s += "        (\"\(p)\") _arguments -s \\\n"
                for o in c.allOptions {
                    let spec =
                        o.isFlag
                        ? "'--\(o.long)[\(zq(o.help))]'"
                        : "'--\(o.long)=[\(zq(o.help))]:\(o.value ?? "value"):\(zshAction(o))'"
                    s += "            \(spec) \\\n"
                }
                if c.args.contains(where: { $0.complete == .district }) {
                    s +=
                        "            '*:district:{compadd -- $(portaladmin __complete district 2>/dev/null)}' \\\n"
                } else if c.path == ["completions"] {
                    s += "            '1:shell:(bash zsh fish)' \\\n"
                } else if !c.args.isEmpty {
                    s += "            '*:argument:_files' \\\n"
                }
                s += "            ;;\n"
            } else {
                let subs = t.children(of: path).filter { !$0.hasPrefix("__") }.map { w -> String in
                    let sub = path + [w]
                    let summary =
                        t.command(sub)?.summary ?? t.groups.first { $0.name == w }?.summary ?? ""
                    return "'\(w):\(zq(summary))'"
                }
                s +=
                    "        (\"\(p)\") local -a subs; subs=(\(subs.joined(separator: " "))); _describe 'command' subs ;;\n"
            }
        }
        s += """
                esac
            }
            _portaladmin "$@"

            """
        return s
    }

    static func fq(_ t: String) -> String {
        "'" + t.replacingOccurrences("\\", "\\\\").replacingOccurrences("'", "\\'") + "'"
    }

    static func fish(_ t: CommandTable) -> String {
        var s =
            "# fish completion for portaladmin (generated by 'portaladmin completions fish')\ncomplete -c portaladmin -f\n"
        for o in Globals.all {
            s += "complete -c portaladmin -l \(o.long)" + (o.short.map { " -s \($0)" } ?? "")
            if !o.isFlag { s += " -r" + fishValues(o) }
            s += " -d \(fq(o.help))\n"
        }
        for noun in t.children(of: []) where !noun.hasPrefix("__") {
            let summary =
                t.command([noun])?.summary ?? t.groups.first { $0.name == noun }?.summary ?? ""
            s += "complete -c portaladmin -n __fish_use_subcommand -a \(noun) -d \(fq(summary))\n"
            let verbs = t.children(of: [noun])
            for v in verbs {
                let c = t.command([noun, v])
                s +=
                    "complete -c portaladmin -n '__fish_seen_subcommand_from \(noun); and not __fish_seen_subcommand_from \(verbs.joined(separator: " "))' -a \(v) -d \(fq(c?.summary ?? ""))\n"
            }
            for c in visible(t) where c.path.first == noun {
                let cond =
                    c.path.count == 1
                    ? "__fish_seen_subcommand_from \(noun)"
                    : "__fish_seen_subcommand_from \(noun); and __fish_seen_subcommand_from \(c.path[1])"
                for o in c.options {
                    s +=
                        "complete -c portaladmin -n '\(cond)' -l \(o.long)"
                        + (o.short.map { " -s \($0)" } ?? "")
                    if !o.isFlag { s += " -r" + fishValues(o) }
                    s += " -d \(fq(o.help))\n"
                }
                if c.args.contains(where: { $0.complete == .district }) {
                    s +=
                        "complete -c portaladmin -n '\(cond)' -a '(portaladmin __complete district 2>/dev/null)'\n"
                }
                if c.path == ["completions"] {
                    s += "complete -c portaladmin -n '\(cond)' -a 'bash zsh fish'\n"
                }
            }
        }
        return s
    }

    static func fishValues(_ o: Opt) -> String {
        switch o.complete {
        case .file, .dir: " -F"
        case .district: " -a '(portaladmin __complete district 2>/dev/null)'"
        case .choices: " -a \(fq(o.choices.joined(separator: " ")))"
        default: ""
        }
    }
}
