import Foundation
import Testing

@testable import portaladmin

/// Every command's `-o json` output has the fields the man page documents (JSONFields): a tour
/// of the Lakeview example district runs each command, each shape, with the real binary.
@Suite struct JSONFieldsTests {
    /// The top-level fields of a record, or of the first row of a list.
    func fields(_ out: String) throws -> [String]? {
        guard !out.isEmpty else { return nil }
        let data = Data(out.utf8)
        if let list = try JSONSerialization.jsonObject(with: data) as? [Any] {
            guard let first = list.first else { return nil }
            return keys(of: first, in: out)
        }
        return keys(of: try JSONSerialization.jsonObject(with: data), in: out)
    }

    /// Keys in the order the output gives them (JSONSerialization forgets it): each key of the
    /// object found in the text, sorted by where it first appears at that depth.
    func keys(of object: Any, in text: String) -> [String]? {
        guard let o = object as? [String: Any] else { return nil }
        return o.keys.sorted {
            (text.range(of: "\"\($0)\"")?.lowerBound ?? text.endIndex)
                < (text.range(of: "\"\($1)\"")?.lowerBound ?? text.endIndex)
        }
    }

    /// Fields that say what a record is or where it stands: never null where they appear (an
    /// empty column of these is a defect, as account list's status once was).
    static let neverNull: Set<String> = [
        "status", "answer", "feature", "setting", "merge_id", "key_id", "restriction_id", "seq",
        "district_id", "student_id", "kind", "level", "entity", "person_kind", "person_id",
    ]

    static let kinds = Dictionary(
        uniqueKeysWithValues: JSONFields.vocabulary.map { ($0.name, $0.kind) })

    /// Every field, at any depth, is in the one vocabulary, with its kind (or null).
    func vocabularyProblems(_ v: JSON, at path: String, seen: inout Set<String>) -> [String] {
        switch v {
        case .list(let items):
            return items.flatMap { vocabularyProblems($0, at: path, seen: &seen) }
        case .object(let fields):
            return fields.flatMap { name, value -> [String] in
                let here = path + "." + name
                seen.insert(name)
                guard let kind = Self.kinds[name] else {
                    return ["\(here): '\(name)' is not in JSONFields.vocabulary"]
                }
                guard value.fits(kind) else { return ["\(here): \(value) is not \(kind)"] }
                if case .null = value, Self.neverNull.contains(name) {
                    return ["\(here): is null, and a record always has one"]
                }
                switch kind {
                case .map:
                    guard case .object(let m) = value else { return [] }
                    return m.flatMap {
                        vocabularyProblems($0.value, at: here + "." + $0.key, seen: &seen)
                    }
                case .value: return []
                default: return vocabularyProblems(value, at: here, seen: &seen)
                }
            }
        default: return []
        }
    }

    /// The vocabulary itself: sorted, each name once, and every documented field in it.
    @Test func theVocabularyIsOneSortedListHoldingEveryDocumentedField() {
        let names = JSONFields.vocabulary.map(\.name)
        #expect(names == names.sorted() && Set(names).count == names.count)
        for (command, shapes) in JSONFields.table {
            for f in shapes.flatMap(\.fields) where Self.kinds[f] == nil {
                Issue.record("\(command): '\(f)' is not in the vocabulary")
            }
        }
        // A name with one meaning: 'state' is the address's, accounts have a 'status'.
        #expect(
            Self.kinds["state"] == .text
                && !(JSONFields.table["account show"]?.first?.fields.contains("state") ?? true))
    }

    @Test func everyCommandsJSONHasTheDocumentedFields() throws {
        let dir = TempDir()
        let db = dir.file("portal.db")
        let examples = repoRoot + "/examples"
        var seen: [String: Set<String?>] = [:]
        var names: Set<String> = []
        var problems: [String] = []

        /// Runs one command with `-o json` and checks its fields against the shape `when`.
        @discardableResult
        func check(_ name: String, _ args: [String], when: String? = nil, stdin: String = "")
            throws -> Any?
        {
            let r = try runBinary(
                args + ["-o", "json", "--district", "lakeview"], db: db, stdin: stdin)
            guard r.code == 0 || r.code == 3 else {
                problems.append("\(name) \(args): exit \(r.code): \(r.err)")
                return nil
            }
            guard let got = try fields(r.out) else {
                problems.append("\(name) \(args): no JSON record or row to check")
                return nil
            }
            let shape = JSONFields.table[name]?.first { $0.when == when }
            if got != shape?.fields {
                problems.append(
                    "\(name) (\(when ?? "usual")): documented \(shape?.fields ?? []), printed \(got)"
                )
            }
            seen[name, default: []].insert(when)
            let obj = try JSONSerialization.jsonObject(with: Data(r.out.utf8))
            problems += vocabularyProblems(
                try JSONDecoder().decode(JSON.self, from: Data(r.out.utf8)), at: name,
                seen: &names)
            return obj
        }
        func record(_ v: Any?) -> [String: Any] { v as? [String: Any] ?? [:] }
        func rows(_ v: Any?) -> [[String: Any]] { v as? [[String: Any]] ?? [] }

        try check("district create", ["district", "create", "lakeview", "--name", "Lakeview"])
        _ = try runBinary(
            ["district", "set", "portal_url=https://p.example.org", "--district", "lakeview"],
            db: db)
        try check("district list", ["district", "list"])
        try check("district show", ["district", "show", "lakeview"])
        try check("district set", ["district", "set", "key_ttl_days=14"])
        try check("operator add", ["operator", "add", "tester", "--role", "admin"])
        try check("operator add", ["operator", "add", "alice", "--role", "helpdesk"])
        try check(
            "operator set-role", ["operator", "set-role", "alice", "registrar", "--reason", "grew"])
        try check("operator list", ["operator", "list"])
        try check("operator remove", ["operator", "remove", "alice", "--reason", "left", "--yes"])
        try check("roster import", ["roster", "import", examples + "/lakeview", "--yes"])
        try check("roster stats", ["roster", "stats"])
        try check("roster export", ["roster", "export", "--out", dir.file("export")])
        for (noun, id, text) in [("student", "S-3001", "nunez"), ("guardian", "G-2001", "nunez")] {
            try check("\(noun) list", [noun, "list"])
            try check("\(noun) show", [noun, "show", id])
            try check("\(noun) find", [noun, "find", text])
        }
        try check("household list", ["household", "list"])
        try check("household show", ["household", "show", "H-101"])
        try check("household find", ["household", "find", "park"])
        try check("aup sign", ["aup", "sign", "--guardian", "G-2001", "--on", "2026-09-01"])
        try check(
            "aup sign", ["aup", "sign", "--file", examples + "/lakeview/signed-forms.csv"],
            when: "--file")
        try check("aup status", ["aup", "status"])
        let key = record(try check("key issue", ["key", "issue", "--guardian", "G-2002", "--yes"]))
        try check(
            "key issue", ["key", "issue", "--all-without-account", "--yes"],
            when: "--student, --file, --all-without-account")
        try check("key list", ["key", "list"])
        try check("key check", ["key", "check"], stdin: "\(key["key"] ?? "")\n")
        let k2 = record(try check("key issue", ["key", "issue", "--guardian", "G-2004", "--yes"]))
        try check(
            "key revoke", ["key", "revoke", "\(k2["key_id"] ?? 0)", "--reason", "lost", "--yes"])
        let k3 = record(try check("key issue", ["key", "issue", "--guardian", "G-2001", "--yes"]))
        let password = "quiet harbour morning tea"
        try check(
            "portal activate", ["portal", "activate", "--username", "jose.n"],
            stdin: "\(k3["key"] ?? "")\n\(password)\n")
        try check(
            "portal login", ["portal", "login", "--username", "jose.n"], stdin: password + "\n")
        try check(
            "portal change-password", ["portal", "change-password", "--username", "jose.n"],
            stdin: "\(password)\nslow river evening bread\n")
        // key check answers that are errors (used, revoked) print the key's record too.
        for (k, code) in [(k2, 7), (k3, 5)] {
            let r = try runBinary(
                ["key", "check", "-o", "json", "--district", "lakeview"], db: db,
                stdin: "\(k["key"] ?? "")\n")
            #expect(r.code == code, "\(r.err)")
            problems += vocabularyProblems(
                try JSONDecoder().decode(JSON.self, from: Data(r.out.utf8)), at: "key check",
                seen: &names)
        }
        // A student's own key and account.
        let sk = record(
            try check(
                "key issue", ["key", "issue", "--student-account", "S-3001"],
                when: "--student-account"))
        try check(
            "key check", ["key", "check"], when: "a student's key", stdin: "\(sk["key"] ?? "")\n")
        try check(
            "portal activate", ["portal", "activate", "--username", "ana.n"],
            when: "a student's key", stdin: "\(sk["key"] ?? "")\n\(password)\n")
        try check("account show", ["account", "show", "ana.n"], when: "a student's account")
        try check(
            "access explain", ["access", "explain", "--username", "ana.n"],
            when: "a student's account")
        try check(
            "key issue", ["key", "issue", "--all-students-without-account", "--yes"],
            when: "--all-students-without-account")
        _ = try runBinary(
            [
                "aup", "sign", "--guardian", "G-2003", "--on", "2026-09-01", "--district",
                "lakeview",
            ],
            db: db)
        try check(
            "account create", ["account", "create", "--guardian", "G-2003", "--username", "gee"])
        try check(
            "account create",
            ["account", "create", "--student-account", "S-3002", "--username", "luis.n"],
            when: "--student-account")
        try check(
            "account create",
            [
                "account", "create", "--all-without-account", "--username-pattern",
                "{given}.{family}", "--yes",
            ], when: "--file, --all-without-account, --all-students-without-account")
        try check("account list", ["account", "list"])
        try check("account show", ["account", "show", "jose.n"])
        try check("account whois", ["account", "whois", "--name", "jose nunez"])
        try check("account unlock", ["account", "unlock", "jose.n"])
        try check("account disable", ["account", "disable", "jose.n", "--reason", "x", "--yes"])
        try check("account enable", ["account", "enable", "jose.n", "--reason", "back"])
        try check("account reset", ["account", "reset", "jose.n", "--reason", "x", "--yes"])
        let pwFile = dir.write("pw.txt", "north window paper lamp\n")
        try check(
            "account reset",
            ["account", "reset", "jose.n", "--password-file", pwFile, "--reason", "x", "--yes"],
            when: "--password-file")
        try check(
            "account reset", ["account", "reset", "jose.n", "--new-key", "--reason", "x", "--yes"],
            when: "--new-key")
        try check(
            "feature disable",
            [
                "feature", "disable", "grades", "--reason", "summer", "--from", "2027-06-15",
                "--until", "2027-08-20",
            ])
        let rule = record(
            try check("feature enable", ["feature", "enable", "grades", "--reason", "back"]))
        try check(
            "feature remove",
            ["feature", "remove", "\(rule["rule_id"] ?? 0)", "--reason", "no need", "--yes"])
        try check("feature list", ["feature", "list"])
        try check("feature history", ["feature", "history"])
        try check(
            "restriction add",
            [
                "restriction", "add", "--guardian", "G-2005", "--student", "S-3004", "--reason",
                "protective order", "--yes",
            ])
        let restrictions = rows(try check("restriction list", ["restriction", "list"]))
        try check(
            "restriction remove",
            [
                "restriction", "remove", "\(restrictions.first?["restriction_id"] ?? 0)",
                "--reason", "lifted", "--yes",
            ])
        try check("age18 scan", ["age18", "scan", "--as-of", "2027-06-01", "--within", "60"])
        try check(
            "age18 request",
            ["age18", "request", "S-3005", "--guardian", "G-2006", "--reason", "written request"])
        try check(
            "age18 consent",
            ["age18", "consent", "S-3005", "--guardian", "G-2006", "--reason", "written consent"])
        try check("age18 apply", ["age18", "apply", "--as-of", "2027-07-01", "--yes"])
        try check("access explain", ["access", "explain", "--guardian", "G-2002"])
        try check("guardian duplicates", ["guardian", "duplicates"])
        try check("household duplicates", ["household", "duplicates"])
        try check("guardian merge", ["guardian", "merge", "G-2002", "G-2003", "--yes"])
        try check("household merge", ["household", "merge", "H-101", "H-105", "--yes"])
        let merges = rows(try check("merge list", ["merge", "list"]))
        let id = "\(merges.first?["merge_id"] ?? 0)"
        try check("merge show", ["merge", "show", id])
        try check("merge undo", ["merge", "undo", id, "--yes"])
        try check("audit list", ["audit", "list"])
        try check("audit verify", ["audit", "verify"])
        try check("audit export", ["audit", "export"])
        try check(
            "sample generate",
            ["sample", "generate", "--students", "5", "--out", dir.file("sample"), "--yes"])

        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // The vocabulary holds no name that no command prints.
        let unused = JSONFields.vocabulary.map(\.name).filter { !names.contains($0) }
        #expect(unused.isEmpty, "in the vocabulary, printed by no command: \(unused)")
        // Every shape documented was printed, and every command is documented.
        for (name, shapes) in JSONFields.table {
            for s in shapes {
                #expect(seen[name]?.contains(s.when) == true, "\(name) \(s.when ?? "") not run")
            }
        }
        for c in CommandTable.main.commands where !c.hidden && !JSONFields.none.contains(c.name) {
            #expect(JSONFields.table[c.name] != nil, "'\(c.name) -o json' is not documented")
        }
    }
}

/// A JSON value that keeps booleans apart from numbers (JSONDecoder refuses 1 as a Bool).
indirect enum JSON: Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case text(String)
    case list([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let t = try? c.decode(String.self) {
            self = .text(t)
        } else if let l = try? c.decode([JSON].self) {
            self = .list(l)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    /// Whether the value is of `kind`; null fits every kind.
    func fits(_ kind: JSONFields.Kind) -> Bool {
        switch (self, kind) {
        case (.null, _), (_, .value), (.text, .text), (.integer, .integer), (.bool, .boolean),
            (.list, .list), (.object, .object), (.object, .map):
            return true
        case (.text(let t), .date): return t.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil
        case (.text(let t), .time):
            return t.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/) != nil
        default: return false
        }
    }
}
