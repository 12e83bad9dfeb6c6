/// Name comparisons for the duplicate finder, on folded ASCII bytes (lower-case letters): the
/// NYSIIS phonetic code, Jaro–Winkler similarity and the edit distance with transpositions.
/// Written for this project (no packages), after the published descriptions:
/// NYSIIS, R. L. Taft, "Name Search Techniques" (New York State, 1970); Jaro–Winkler, W. E.
/// Winkler, "String Comparator Metrics and Enhanced Decision Rules in the Fellegi–Sunter Model
/// of Record Linkage" (1990).
enum Phonetic {
    /// The NYSIIS code of a folded name (lower-case ASCII letters; other bytes are skipped),
    /// at most 8 letters, as a number for blocking keys: names spelt by ear (Nguyen and Ngyuen,
    /// Kathryn and Cathryn, Jon and John) share it. 0 for a name with no letters.
    static func nysiis(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var w: [UInt8] = []
        w.reserveCapacity(name.count)
        for b in name where b >= 97 && b <= 122 { w.append(b) }
        guard !w.isEmpty else { return 0 }
        func isVowel(_ c: UInt8) -> Bool { c == 97 || c == 101 || c == 105 || c == 111 || c == 117 }
        func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard w.count >= n else { return false }
            for i in 0..<n where w[i] != s.utf8Start[i] { return false }
            return true
        }
        func ends(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard w.count >= n else { return false }
            for i in 0..<n where w[w.count - n + i] != s.utf8Start[i] { return false }
            return true
        }
        func replacePrefix(_ n: Int, _ with: StaticString) {
            w.replaceSubrange(
                0..<n,
                with: UnsafeBufferPointer(start: with.utf8Start, count: with.utf8CodeUnitCount))
        }
        func replaceSuffix(_ n: Int, _ with: StaticString) {
            w.replaceSubrange(
                (w.count - n)..<w.count,
                with: UnsafeBufferPointer(start: with.utf8Start, count: with.utf8CodeUnitCount))
        }
        // 1. Prefixes.
        if starts("mac") {
            replacePrefix(3, "mcc")
        } else if starts("kn") {
            replacePrefix(2, "nn")
        } else if starts("k") {
            replacePrefix(1, "c")
        } else if starts("ph") || starts("pf") {
            replacePrefix(2, "ff")
        } else if starts("sch") {
            replacePrefix(3, "sss")
        }
        // 2. Suffixes.
        if ends("ee") || ends("ie") {
            replaceSuffix(2, "y")
        } else if ends("dt") || ends("rt") || ends("rd") || ends("nt") || ends("nd") {
            replaceSuffix(2, "d")
        }
        // 3. The first letter is kept; the rest is translated.
        var out: [UInt8] = [w[0]]
        var i = 1
        while i < w.count {
            var piece: [UInt8]
            let c = w[i]
            let next = i + 1 < w.count ? w[i + 1] : 0
            if c == 101 && next == 118 {  // ev -> af
                piece = [97, 102]
                i += 2
            } else if isVowel(c) {
                piece = [97]
                i += 1
            } else if c == 113 {
                piece = [103]  // q -> g
                i += 1
            } else if c == 122 {
                piece = [115]  // z -> s
                i += 1
            } else if c == 109 {
                piece = [110]  // m -> n
                i += 1
            } else if c == 107 && next == 110 {
                piece = [110]  // kn -> n
                i += 2
            } else if c == 107 {
                piece = [99]  // k -> c
                i += 1
            } else if c == 115 && next == 99 && i + 2 < w.count && w[i + 2] == 104 {
                piece = [115, 115, 115]  // sch -> sss
                i += 3
            } else if c == 112 && next == 104 {
                piece = [102, 102]  // ph -> ff
                i += 2
            } else if c == 104
                && (!isVowel(w[i - 1]) || (i + 1 < w.count && !isVowel(next)) || i + 1 == w.count)
            {
                piece = [out.last ?? c]  // h after or before a consonant: the previous letter
                i += 1
            } else if c == 119 && isVowel(w[i - 1]) {
                piece = [out.last ?? c]  // w after a vowel: the previous letter
                i += 1
            } else {
                piece = [c]
                i += 1
            }
            for p in piece where out.last != p { out.append(p) }
        }
        // 4. Endings.
        if out.count > 1 && out.last == 115 { out.removeLast() }  // s
        if out.count > 2 && out[out.count - 2] == 97 && out.last == 121 {  // ay -> y
            out.removeLast(2)
            out.append(121)
        }
        if out.count > 1 && out.last == 97 { out.removeLast() }  // a
        var code: UInt64 = 0
        for b in out.prefix(8) { code = code << 8 | UInt64(b) }
        return code
    }

    /// Jaro–Winkler similarity (0 to 1) of two short byte strings (at most 64 bytes are looked
    /// at), with the usual prefix scale of 0.1 over at most 4 letters.
    static func jaroWinkler(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
        -> Double
    {
        let n = min(a.count, 64)
        let m = min(b.count, 64)
        if n == 0 || m == 0 { return 0 }
        let window = max(0, max(n, m) / 2 - 1)
        var aMatched: UInt64 = 0
        var bMatched: UInt64 = 0
        var matches = 0
        for i in 0..<n {
            let lo = max(0, i - window)
            let hi = min(m - 1, i + window)
            if lo > hi { continue }
            for j in lo...hi where bMatched & (1 << UInt64(j)) == 0 && a[i] == b[j] {
                aMatched |= 1 << UInt64(i)
                bMatched |= 1 << UInt64(j)
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        var t = 0
        var k = 0
        for i in 0..<n where aMatched & (1 << UInt64(i)) != 0 {
            while bMatched & (1 << UInt64(k)) == 0 { k += 1 }
            if a[i] != b[k] { t += 1 }
            k += 1
        }
        let mm = Double(matches)
        let jaro = (mm / Double(n) + mm / Double(m) + (mm - Double(t) / 2) / mm) / 3
        var prefix = 0
        while prefix < min(4, n, m) && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// The edit distance with adjacent transpositions (optimal string alignment) of two short
    /// byte strings, or `limit + 1` as soon as it is known to exceed `limit`.
    static func editDistance(
        _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, limit: Int
    ) -> Int {
        let n = a.count
        let m = b.count
        if abs(n - m) > limit { return limit + 1 }
        if n == 0 || m == 0 { return max(n, m) }
        if n > 48 || m > 48 { return limit + 1 }
        // Three rows of at most 49 cells, on the stack.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * 49) { cells in
            guard var prev2 = cells.baseAddress else { return limit + 1 }
            var prev = prev2 + 49
            var cur = prev + 49
            for j in 0...m { prev[j] = j }
            for i in 1...n {
                cur[0] = i
                var best = i
                for j in 1...m {
                    var d = min(
                        prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        d = min(d, prev2[j - 2] + 1)
                    }
                    cur[j] = d
                    best = min(best, d)
                }
                if best > limit { return limit + 1 }
                (prev2, prev, cur) = (prev, cur, prev2)
            }
            return prev[m]
        }
    }
}
