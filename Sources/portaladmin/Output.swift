import PortalKit

enum Format: String { case text, json, jsonl, csv, tsv }

/// Rows with named columns; rendered as a table, TSV, CSV, JSON or JSON lines.
struct Table {
    var columns: [String]
    var rows: [[JSONValue]] = []

    init(_ columns: [String]) { self.columns = columns }

    mutating func add(_ values: [JSONValue]) { rows.append(values) }
}

enum Render {
    static func table(_ t: Table, format: Format, tty: Bool, width: Int) -> String {
        switch format {
        case .json:
            return JSONValue.array(t.rows.map { object(t.columns, $0) }).serialized(pretty: true)
                + "\n"
        case .jsonl:
            var out = ""
            for row in t.rows {
                object(t.columns, row).serialize(into: &out)
                out += "\n"
            }
            return out
        case .csv:
            // CSV is what people open in a spreadsheet: formulas are neutralised (the
            // apostrophe rule of `Spreadsheet`). TSV and JSON carry values exactly, for scripts.
            return ([t.columns] + t.rows.map { $0.map { Spreadsheet.guarded($0.plain) } }).map {
                $0.map(csvField).joined(separator: ",") + "\r\n"
            }.joined()
        case .tsv:
            return tsv(t)
        case .text:
            return tty ? aligned(t, width: width) : tsv(t)
        }
    }

    static func record(_ fields: [(String, JSONValue)], format: Format) -> String {
        switch format {
        case .json: return JSONValue.object(fields).serialized(pretty: true) + "\n"
        case .jsonl: return JSONValue.object(fields).serialized() + "\n"
        case .csv, .tsv:
            var t = Table(fields.map(\.0))
            t.add(fields.map(\.1))
            return table(t, format: format, tty: false, width: 0)
        case .text:
            let w = fields.map { $0.0.count }.max() ?? 0
            return fields.map { k, v in
                let label = (k.replacingOccurrences("_", " ") + ":").padding(w + 2)
                return label
                    + text(v).map { $0 == "\n" || $0 == "\r" ? " " : $0 }.reduce(into: "") {
                        $0.append($1)
                    } + "\n"
            }.joined()
        }
    }

    static func object(_ columns: [String], _ row: [JSONValue]) -> JSONValue {
        .object(Array(zip(columns, row)))
    }

    /// A value as text for a person's terminal: control characters and bidi overrides already
    /// stored (from before the import refused them) are shown escaped, never sent raw.
    /// A list of records reads as their values ("S-3006 Nils Larsen; S-3007 Emma Olson"),
    /// never as raw JSON.
    static func text(_ v: JSONValue) -> String {
        switch v {
        case .object(let pairs):
            return pairs.map { "\($0.0)=\(Text.escaped($0.1.plain))" }.joined(separator: " ")
        case .array(let items):
            return items.map { item in
                if case .object(let pairs) = item {
                    return pairs.map { text($0.1) }.filter { !$0.isEmpty }
                        .joined(separator: " ")
                }
                return text(item)
            }.joined(separator: "; ")
        default: return Text.escaped(v.plain)
        }
    }

    static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || s.hasPrefix(" ") || s.hasSuffix(" ")
        {
            return "\"" + s.replacingOccurrences("\"", "\"\"") + "\""
        }
        return s
    }

    /// Tab-separated: tabs and newlines inside values become spaces so each row is one line.
    static func tsv(_ t: Table) -> String {
        var out = ""
        func line(_ cells: [String]) {
            for (i, c) in cells.enumerated() {
                if i > 0 { out += "\t" }
                // Most values hold no tab or line break; only those are rewritten.
                if c.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 }) {
                    out += String(c.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
                } else {
                    out += c
                }
            }
            out += "\n"
        }
        line(t.columns)
        for row in t.rows { line(row.map { text($0) }) }
        return out
    }

    /// An aligned table for a terminal; the widest columns are cut with "…" to fit the width.
    static func aligned(_ t: Table, width: Int) -> String {
        let header = t.columns.map { $0.uppercased().replacingOccurrences("_", " ") }
        var cells = t.rows.map {
            $0.map {
                text($0).map { $0 == "\n" || $0 == "\t" ? " " : $0 }.reduce(into: "") {
                    $0.append($1)
                }
            }
        }
        var widths = header.indices.map { i in
            max(displayWidth(header[i]), cells.map { displayWidth($0[i]) }.max() ?? 0)
        }
        let gap = 2
        // Ids, phones, e-mails, usernames and keys are never cut (a cut one is a wrong one):
        // the other columns give way, and past that the line is wider than the terminal.
        let shrinkable = t.columns.indices.filter { !Self.keepWhole(t.columns[$0]) }
        while widths.reduce(0, +) + gap * max(0, widths.count - 1) > width,
            let m = shrinkable.max(by: { widths[$0] < widths[$1] }), widths[m] > 8
        {
            widths[m] -= 1
        }
        cells = cells.map { row in row.enumerated().map { cut($0.element, widths[$0.offset]) } }
        let lines = ([header.enumerated().map { cut($0.element, widths[$0.offset]) }] + cells).map {
            row in
            row.enumerated().map { i, c in
                i == row.count - 1 ? c : c.padding(widths[i] + gap - (displayWidth(c) - c.count))
            }.joined()
        }
        return lines.map { $0.trimmingTrailingSpaces() + "\n" }.joined()
    }

    /// Columns whose values must be read whole.
    static func keepWhole(_ column: String) -> Bool {
        column.hasSuffix("_id") || column == "a" || column == "b" || column == "cluster"
            || ["email", "phone", "username", "key", "used_by", "last4"].contains(column)
    }

    static func cut(_ s: String, _ w: Int) -> String {
        guard displayWidth(s) > w else { return s }
        var out = ""
        var used = 0
        for ch in s {
            let cw = displayWidth(String(ch))
            if used + cw > w - 1 { break }
            out.append(ch)
            used += cw
        }
        return out + "…"
    }

    /// Columns a string takes on a terminal: East Asian wide characters take two.
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in
            let v = u.value
            if u.properties.generalCategory == .nonspacingMark { return n }
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v)
                || (0x20000...0x3FFFD).contains(v)
            return n + (wide ? 2 : 1)
        }
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }

    func padding(_ w: Int) -> String {
        count >= w ? self : self + String(repeating: " ", count: w - count)
    }

    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
