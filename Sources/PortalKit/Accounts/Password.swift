internal import CCrypto

/// Password hashing with scrypt through libcrypto's `EVP_PBE_scrypt`, stored in a
/// self-describing string `$scrypt$ln=17,r=8,p=1$<salt hex>$<hash hex>` so the cost can be raised
/// later while old hashes still verify.
public enum PasswordHash {
    public static let logN = 17, r = 8, p = 1

    static func make(_ password: String) throws -> String {
        let salt = try Crypto.randomBytes(16)
        let h = try derive(password, salt: salt, logN: logN, r: r, p: p)
        return "$scrypt$ln=\(logN),r=\(r),p=\(p)$\(Crypto.hex(salt))$\(Crypto.hex(h))"
    }

    /// Whether `password` matches the stored scrypt hash (in constant time).
    public static func verify(_ password: String, against stored: String) throws -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: true)
        guard parts.count == 4, parts[0] == "scrypt" else { return false }
        var params: [String: Int] = [:]
        for kv in parts[1].split(separator: ",") {
            let pair = kv.split(separator: "=")
            if pair.count == 2, let v = Int(pair[1]) { params[String(pair[0])] = v }
        }
        guard let ln = params["ln"], let r = params["r"], let p = params["p"],
            (10...22).contains(ln),
            let salt = unhex(parts[2]), let expected = unhex(parts[3])
        else { return false }
        let h = try derive(password, salt: salt, logN: ln, r: r, p: p, length: expected.count)
        return h.count == expected.count && CRYPTO_memcmp(h, expected, h.count) == 0
    }

    static func derive(
        _ password: String, salt: [UInt8], logN: Int, r: Int, p: Int, length: Int = 32
    ) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let pw = Array(password.utf8)
        let n = UInt64(1) << UInt64(logN)
        // scrypt needs 128·N·r bytes; allow twice that.
        let maxmem = 256 * n * UInt64(r) + (1 << 20)
        let rc = pw.withUnsafeBufferPointer { pwp in
            salt.withUnsafeBufferPointer { sp in
                EVP_PBE_scrypt(
                    pwp.baseAddress.map {
                        UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)
                    },
                    pw.count,
                    sp.baseAddress, salt.count, n, UInt64(r), UInt64(p), maxmem, &out, length)
            }
        }
        guard rc == 1 else {
            throw PortalError(
                .internal, "password hashing failed",
                hint: "check that OpenSSL supports scrypt and memory is available")
        }
        return out
    }

    static func unhex(_ s: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let a = it.next() {
            guard let b = it.next(), let hi = nib(a), let lo = nib(b) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private static func nib(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        default: nil
        }
    }
}

/// The password rules of NIST SP 800-63B rev. 4: a minimum and maximum length, no composition
/// rules, and a refusal of values that are commonly used, expected or easy to guess: common
/// passwords, repeated or sequential characters (keyboard rows too), one or two common words
/// repeated, and passwords built from the person's names, the username, the district's name,
/// "portal" or "school". Each refusal says why in plain words; a long passphrase of ordinary
/// words passes. See https://pages.nist.gov/800-63-4/sp800-63b.html (3.1.1.2).
public enum PasswordPolicy {
    /// Checks `password` for the account `username` of the person named `names`.
    public static func check(
        _ password: String, username: String, district: District, names: [String] = []
    ) throws {
        let minimum = Int(district.setting("password_min_length")) ?? 15
        let length = password.unicodeScalars.count
        func bad(_ message: String, _ hint: String = advice) -> PortalError {
            PortalError(.dataError, message, hint: hint)
        }
        if length < minimum {
            throw bad("the password is too short: it needs at least \(minimum) characters")
        }
        if length > 128 {
            throw bad(
                "the password is too long: at most 128 characters", "use a shorter passphrase")
        }
        // Compared folded: case, accents and spaces do not make a password different.
        let folded = searchFold(password).filter { !$0.isWhitespace }
        let user = searchFold(username)
        if user.count >= 3 && folded.contains(user) {
            throw bad(
                "the password contains the username",
                "choose a password that has nothing to do with the username")
        }
        for name in [district.name, district.id] {
            let n = searchFold(name).filter { !$0.isWhitespace }
            if n.count >= 4 && folded.contains(n) {
                throw bad(
                    "the password contains the district's name",
                    "choose a password that has nothing to do with the school district")
            }
        }
        if CommonPasswords.all.contains(Substring(password.lowercased()))
            || CommonPasswords.all.contains(Substring(folded))
        {
            throw bad("that password is one of the most common passwords")
        }
        let chars = Array(folded)
        if Set(chars).count < 5 {
            throw bad(
                "the password repeats the same few characters",
                "anyone guessing tries those first; " + advice)
        }
        if let unit = repeatedUnit(chars) {
            throw bad(
                "the password is the same \(unit) characters over and over",
                "anyone guessing tries those first; " + advice)
        }
        if sequentialShare(chars) >= 0.7 {
            throw bad(
                "the password is mostly a sequence (like 12345, abcde or qwerty)",
                "sequences are among the first things tried; " + advice)
        }
        let letters = String(chars.filter { $0.isLetter })
        if let words = commonWords(letters), Set(words).count <= 2,
            Set(words).count == 1 || words.count > 2
        {
            throw bad(
                "the password is \(Set(words).count == 1 ? "one common word" : "two common words") repeated or with digits added",
                "such passwords are tried early; " + advice)
        }
        // Built from what anyone knowing the person or the school would try first.
        let known =
            (names + [username, district.name, district.id, "portal", "school", "parent"])
            .flatMap { searchFold($0).split(whereSeparator: { !$0.isLetter && !$0.isNumber }) }
            .map(String.init).filter { $0.count >= 3 }
        var rest = folded.filter { $0.isLetter || $0.isNumber }
        var used = false
        for word in known.sorted(by: { $0.count > $1.count }) where rest.contains(word) {
            rest = rest.replacingAll(word, "")
            used = true
        }
        let restChars = Array(rest)
        if used
            && (rest.count < 8 || Set(restChars).count < 5 || sequentialShare(restChars) >= 0.7
                || rest.allSatisfy(\.isNumber))
        {
            throw bad(
                "the password is built from names or words linked to the account (the person's name, the username, the school or the portal)",
                "those are the first things tried; " + advice)
        }
    }

    static let advice = "a few unrelated words make a long password that is easy to remember"

    /// The length of the unit the whole password repeats ("abcabcabc": 3), if it does.
    static func repeatedUnit(_ c: [Character]) -> Int? {
        guard c.count >= 2 else { return nil }
        for unit in 1...(c.count / 2) where c.count % unit == 0 {
            if (unit..<c.count).allSatisfy({ c[$0] == c[$0 - unit] }) { return unit }
        }
        return nil
    }

    /// Orders people type without thinking: the alphabet, digits (0 follows 9 on a keyboard),
    /// keyboard rows read on from one row to the next, keyboard columns, shifted digits.
    private static let sequences = [
        "abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiopasdfghjklzxcvbnm",
        "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "!@#$%^&*()",
    ].map(Array.init)

    /// The share of characters that stand in a run of three or more following one of
    /// `sequences`, forwards or backwards.
    static func sequentialShare(_ c: [Character]) -> Double {
        guard c.count >= 3 else { return 0 }
        var covered = [Bool](repeating: false, count: c.count)
        for seq in sequences {
            // The step from each character to the next along `seq`: +1, -1, or 0 (none).
            func step(_ a: Character, _ b: Character) -> Int {
                for j in seq.indices where seq[j] == a {
                    if j + 1 < seq.count && seq[j + 1] == b { return 1 }
                    if j > 0 && seq[j - 1] == b { return -1 }
                }
                return 0
            }
            var runStart = 0  // the first character of the current run
            var runStep = 0
            for i in 1...c.count {
                let s = i < c.count ? step(c[i - 1], c[i]) : 0
                if s != 0 && s == runStep { continue }
                if runStep != 0 && i - runStart >= 3 {
                    for k in runStart..<i { covered[k] = true }
                }
                runStart = i - 1
                runStep = s
            }
        }
        return Double(covered.filter { $0 }.count) / Double(c.count)
    }

    /// `letters` cut into common words (fewest words), or nil when it cannot be.
    static func commonWords(_ letters: String) -> [String]? {
        let c = Array(letters)
        guard c.count >= 3 else { return nil }
        // best[i]: the fewest words covering c[..<i], and where the last begins.
        var best = [(count: Int, from: Int)?](repeating: nil, count: c.count + 1)
        best[0] = (0, 0)
        for i in 3...c.count {
            for len in 3...min(CommonPasswords.longest, i) {
                guard let before = best[i - len],
                    CommonPasswords.all.contains(Substring(String(c[(i - len)..<i])))
                else { continue }
                if best[i].map({ before.count + 1 < $0.count }) ?? true {
                    best[i] = (before.count + 1, i - len)
                }
            }
        }
        guard best[c.count] != nil else { return nil }
        var words: [String] = []
        var i = c.count
        while i > 0, let b = best[i] {
            words.append(String(c[b.from..<i]))
            i = b.from
        }
        return words.reversed()
    }

    /// A random temporary password: groups of lowercase letters and digits, long enough for the
    /// district's minimum length.
    public static func temporary(minimum: Int) throws -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        let count = max(4, (minimum + 4) / 5) * 5
        // Rejection sampling: bytes past the largest multiple of the alphabet size would bias it.
        let limit = 256 - 256 % alphabet.count
        var chars: [Character] = []
        while chars.count < count {
            for b in try Crypto.randomBytes(count) where Int(b) < limit && chars.count < count {
                chars.append(alphabet[Int(b) % alphabet.count])
            }
        }
        return stride(from: 0, to: count, by: 5).map { String(chars[$0..<$0 + 5]) }.joined(
            separator: "-")
    }
}
