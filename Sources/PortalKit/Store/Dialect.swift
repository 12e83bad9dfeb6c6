/// The SQL PortalKit writes is SQLite's; what PostgreSQL needs differently is rewritten here, in
/// one place, as each statement is first met (`PostgresStore` keeps the result):
///
/// - parameters: `?` and `?NNN` become `$n`;
/// - `INSERT OR IGNORE INTO ...` becomes `INSERT INTO ... ON CONFLICT DO NOTHING`;
/// - `COLLATE BINARY` (byte by byte, SQLite's default) is `COLLATE "C"`;
/// - `WITHOUT ROWID` (a storage hint) is dropped, and a foreign key becomes `DEFERRABLE`, so
///   that `PRAGMA defer_foreign_keys = ON` (a merge's undo) can become
///   `SET CONSTRAINTS ALL DEFERRED`; any other `PRAGMA` (SQLite's own settings) does nothing;
/// - a table of the connection's own, `temp.name`, is `pg_temp.name`;
/// - `LIKE` is `ILIKE` (SQLite's LIKE ignores the case of ASCII letters), `char(n)` is `chr(n)`,
///   `group_concat(x)` is `string_agg(x, ',')`, `a IS ?` (equal, NULL to NULL too) is
///   `a IS NOT DISTINCT FROM $n`, and a parameter tested for NULL is text.
///
/// Text in quotes is left as it is.
enum Dialect {
    static func postgres(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var next = 1
        var quote: Character? = nil
        var i = sql.startIndex
        while i < sql.endIndex {
            let c = sql[i]
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                i = sql.index(after: i)
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
                i = sql.index(after: i)
                continue
            }
            if c == "?" {
                var j = sql.index(after: i)
                var digits = ""
                while j < sql.endIndex, let d = sql[j].wholeNumberValue, sql[j].isASCII {
                    digits.append(String(d))
                    j = sql.index(after: j)
                }
                let n = Int(digits) ?? next
                next = max(next, n + 1)
                out += "$\(n)"
                i = j
                continue
            }
            out.append(c)
            i = sql.index(after: i)
        }
        return statements(out).map(rewrite).joined(separator: ";")
    }

    /// The statements of `sql`, split at semicolons outside quotes.
    private static func statements(_ sql: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character? = nil
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == ";" {
                parts.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current)
        return parts
    }

    /// One statement's words, outside quotes (parameters already numbered).
    private static func rewrite(_ statement: String) -> String {
        let trimmed = statement.trimmed()
        if trimmed.uppercased().hasPrefix("PRAGMA") {
            let setting = String(trimmed.dropFirst(6)).trimmed().lowercased()
            return setting.hasPrefix("defer_foreign_keys") && setting.hasSuffix("on")
                ? " SET CONSTRAINTS ALL DEFERRED" : ""
        }
        var s = outsideQuotes(statement) { text in
            var t = text
            t = t.replacing(" WITHOUT ROWID", with: "")
            // Text compared byte by byte, as SQLite compares it by default.
            t = t.replacing(" COLLATE BINARY", with: " COLLATE \"C\"")
            t = replacingWord(t, "LIKE", with: "ILIKE")
            t = replacingWord(t, "char(", with: "chr(", openEnded: true)
            t = replacingWord(t, "temp.", with: "pg_temp.", openEnded: true)
            t = foreignKeysDeferrable(t)
            // SQLite's IS compares as = does, NULL equal to NULL.
            t = t.replacing(" IS NOT $", with: " IS DISTINCT FROM $")
            t = t.replacing(" IS $", with: " IS NOT DISTINCT FROM $")
            t = parametersTestedForNull(t)
            return t
        }
        if s.contains("INSERT OR IGNORE INTO") {
            s = s.replacing("INSERT OR IGNORE INTO", with: "INSERT INTO")
            s = s.trimmed() + " ON CONFLICT DO NOTHING"
        }
        while let start = s.firstRange(of: "group_concat(") {
            var depth = 1
            var j = start.upperBound
            while j < s.endIndex && depth > 0 {
                if s[j] == "(" { depth += 1 }
                if s[j] == ")" { depth -= 1 }
                if depth > 0 { j = s.index(after: j) }
            }
            guard j < s.endIndex else { break }
            let head = String(s[..<start.lowerBound])
            let inside = String(s[start.upperBound..<j])
            let tail = String(s[j...])
            s = head + "string_agg(" + inside + ", ','" + tail
        }
        return s
    }

    /// `text` with `change` applied to its parts outside quotes.
    private static func outsideQuotes(_ text: String, _ change: (String) -> String) -> String {
        var out = ""
        var part = ""
        var quote: Character? = nil
        for c in text {
            if let q = quote {
                part.append(c)
                if c == q {
                    out += part
                    part = ""
                    quote = nil
                }
            } else if c == "'" || c == "\"" {
                out += change(part)
                part = String(c)
                quote = c
            } else {
                part.append(c)
            }
        }
        return out + (quote == nil ? change(part) : part)
    }

    /// `$n IS NULL` as `$n::text IS NULL`: PostgreSQL cannot tell a parameter's type from a
    /// test for NULL alone (every such parameter of PortalKit's is text: an optional filter).
    private static func parametersTestedForNull(_ text: String) -> String {
        text.replacing(/\$([0-9]+) IS NULL/) { m in "$\(m.1)::text IS NULL" }
    }

    /// Replaces `word` where it stands alone (not inside a longer name); `openEnded`: where it
    /// starts a word (it ends in punctuation).
    private static func replacingWord(
        _ text: String, _ word: String, with new: String, openEnded: Bool = false
    ) -> String {
        var out = ""
        var rest = Substring(text)
        while let r = rest.firstRange(of: word) {
            let before =
                r.lowerBound == rest.startIndex ? nil : rest[rest.index(before: r.lowerBound)]
            let after = r.upperBound == rest.endIndex ? nil : rest[r.upperBound]
            let alone =
                !(before.map(isNameCharacter) ?? false)
                && (openEnded || !(after.map(isNameCharacter) ?? false))
            out += rest[..<r.lowerBound] + (alone ? new : word)
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_"
    }

    /// `REFERENCES t(c)` followed by `DEFERRABLE`, in a table's definition.
    private static func foreignKeysDeferrable(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let r = rest.firstRange(of: "REFERENCES "),
            let close = rest[r.upperBound...].firstIndex(of: ")")
        {
            out += rest[...close] + " DEFERRABLE"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
