extension String {
    /// The same as for any `StringProtocol`, with the common cases decided on the bytes: nothing
    /// to trim (the first and last bytes say so, no copy), and ASCII white space at the ends (a
    /// field padded with spaces, as exports of fixed-width columns write them, was made again
    /// scalar by scalar: an import of such a file took half as long again).
    public func trimmed() -> String {
        // Most values: nothing to trim, told in place (a copy to read it through was a retain
        // and a release of the string, made on another thread than the one reading it).
        if utf8.withContiguousStorageIfAvailable(nothingToTrim) == true { return self }
        var s = self
        return s.withUTF8 { u -> String in
            if nothingToTrim(u) { return self }
            var i = 0
            var j = u.count
            while i < j && isASCIIWhiteSpace(u[i]) { i += 1 }
            while j > i && isASCIIWhiteSpace(u[j - 1]) { j -= 1 }
            let t =
                i == 0 && j == u.count
                ? self : String(decoding: UnsafeBufferPointer(rebasing: u[i..<j]), as: UTF8.self)
            guard i < j, u[i] >= 0x80 || u[j - 1] >= 0x80 else { return t }
            // Beyond ASCII at an end: a letter (Élise, José), the same string; or white space
            // (a no-break space), trimmed scalar by scalar.
            if let a = t.unicodeScalars.first, let z = t.unicodeScalars.last,
                !a.properties.isWhitespace, !z.properties.isWhitespace
            {
                return t
            }
            return t[...].trimmed()
        }
    }
}

/// Whether text of these bytes has no white space at either end, as its first and last bytes
/// say (ASCII other than white space and controls, or none).
@inline(__always) private func nothingToTrim(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let f = u.first, let l = u.last else { return true }
    return f > 0x20 && l > 0x20 && f < 0x80 && l < 0x80
}

/// White space (Unicode's) among ASCII bytes: tab, line feed, vertical tab, form feed,
/// carriage return and space.
@inline(__always) func isASCIIWhiteSpace(_ b: UInt8) -> Bool {
    b == 0x20 || (b >= 0x09 && b <= 0x0D)
}

extension StringProtocol {
    /// Without leading and trailing white space (spaces, tabs, CR, LF, NBSP).
    public func trimmed() -> String {
        // Fast path: most fields have no white space at either end.
        let u = String(self).utf8
        if let f = u.first, let l = u.last, f > 0x20, l > 0x20, f < 0x80, l < 0x80 {
            return String(self)
        }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start...end])
        return String(out)
    }
}

/// Edit distance, for "Did you mean ...?" suggestions.
public func levenshtein(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = Swift.min(
                prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

/// Words people type for the ones the tool uses (`district new` for `district create`).
let synonyms: [String: [String]] = [
    "new": ["create", "add"], "make": ["create"], "add": ["create"], "rm": ["remove", "revoke"],
    "delete": ["remove", "revoke"], "del": ["remove", "revoke"], "drop": ["remove"],
    "cancel": ["revoke", "remove"], "parent": ["guardian"], "parents": ["guardian"],
    "search": ["find"], "lookup": ["find"], "look": ["find"], "ls": ["list"], "view": ["show"],
    "get": ["show"], "info": ["show"], "kid": ["student"], "child": ["student"],
    "pupil": ["student"], "family": ["household"], "home": ["household"], "user": ["account"],
    "users": ["account"], "login": ["account"], "unlocked": ["unlock"], "verify": ["check"],
]

/// The closest candidate to `word`, if it is close enough to be a likely typo, or the word
/// the tool uses for it (`new` for `create`, `rm` for `remove`, `parent` for `guardian`).
public func nearest(_ word: String, in candidates: [String]) -> String? {
    let w = word.lowercased()
    let dashes = String(w.prefix { $0 == "-" })
    for s in synonyms[String(w.dropFirst(dashes.count))] ?? [] where candidates.contains(dashes + s)
    {
        return dashes + s
    }
    if let p = candidates.first(where: { $0.hasPrefix(w) && w.count >= 3 }) { return p }
    let best = candidates.map { ($0, levenshtein(w, $0.lowercased())) }.min { $0.1 < $1.1 }
    // A short word is one slip from many others ("key" and "yes"): one edit only.
    let letters = w.count - dashes.count
    guard let best, best.1 <= (letters <= 3 ? 1 : Swift.max(2, w.count / 3)) else { return nil }
    return best.0
}

/// `items` as a sentence says them: "A", "A or B", "A, B or C".
public func orList(_ items: [String]) -> String {
    guard let last = items.last else { return "" }
    return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " or " + last
}

/// `hint`, led by "did you mean 'X'?" when one of `candidates` is close to `word`.
public func suggesting(_ word: String, in candidates: [String], _ hint: String) -> String {
    nearest(word, in: candidates).map { "did you mean '\($0)'? " + hint } ?? hint
}

/// `a`, `separator` and `b` as one string, made in one allocation: the import joins two ids so
/// for every link (a link's key, `guardian␟student`), and `+` made and grew a string twice.
func joined(_ a: String, _ separator: Unicode.Scalar, _ b: String) -> String {
    var (a, b) = (a, b)
    return a.withUTF8 { ua in b.withUTF8 { ub in concatenated(ua, UInt8(ascii: separator), ub) } }
}

/// The UTF-8 bytes `a`, then `separator` (if any), then `b`, as one string made in one
/// allocation.
func concatenated(
    _ a: UnsafeBufferPointer<UInt8>, _ separator: UInt8?, _ b: UnsafeBufferPointer<UInt8>
) -> String {
    String(unsafeUninitializedCapacity: a.count + (separator == nil ? 0 : 1) + b.count) { buf in
        var i = buf.initialize(fromContentsOf: a)
        if let separator {
            buf[i] = separator
            i += 1
        }
        return i + UnsafeMutableBufferPointer(rebasing: buf[i...]).initialize(fromContentsOf: b)
    }
}

/// `12,345` — counts in messages read better grouped.
public func grouped(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}

/// Characters that must not reach a terminal or a screen as they are: control characters
/// (C0 other than tab and line breaks, DEL, C1), whose escape sequences can retitle a window or
/// clear the screen, and the Unicode bidi overrides and isolates, which reorder what is shown.
public enum Text {
    /// The problem reported for a field that holds one.
    static let controlProblem = "holds a control character or a bidi override (not allowed)"

    /// Whether `u` is such a character (tab, LF and CR are not: they are white space).
    public static func isUnsafe(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `s` safe to print on a terminal: each unsafe character shown as `\u{XX}`; `s` itself
    /// when it has none (tab and line breaks are left to the table that lays out the text).
    public static func escaped(_ s: String) -> String {
        var s = s
        let plain = s.withUTF8 { u in
            !u.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }
        }
        if plain { return s }
        var out = ""
        for u in s.unicodeScalars {
            if isUnsafe(u) {
                out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}

/// The items of a comma-separated list (`agentSourcedIds`, `orgSourcedIds`), trimmed, the empty
/// ones left out. Split on the comma's byte, which no other character's UTF-8 holds: this runs
/// for every row of a roster.
func listItems(_ list: String) -> [String] {
    var items: [String] = []
    _ = firstListItem(list) { (item: String) -> Bool? in
        items.append(item)
        return nil
    }
    return items
}

/// What `body` makes of the first item of `list` (as `listItems` gives them) it makes anything
/// of, without an array of the items: a list of one, the most common, is itself trimmed.
func firstListItem<R>(_ list: String, _ body: (String) -> R?) -> R? {
    let comma = UInt8(ascii: ",")
    if list.utf8.withContiguousStorageIfAvailable({ !$0.contains(comma) }) ?? !list.contains(",") {
        let item = list.trimmed()
        return item.isEmpty ? nil : body(item)
    }
    var list = list
    return list.withUTF8 { u in
        var start = 0
        for i in 0...u.count where i == u.count || u[i] == comma {
            let item = String(decoding: UnsafeBufferPointer(rebasing: u[start..<i]), as: UTF8.self)
                .trimmed()
            if !item.isEmpty, let made = body(item) { return made }
            start = i + 1
        }
        return nil
    }
}
