internal import CCrypto

/// Password hashing with scrypt through libcrypto's `EVP_PBE_scrypt`, stored in a
/// self-describing string `$scrypt$ln=17,r=8,p=1$<salt hex>$<hash hex>` so the cost can be raised
/// later while old hashes still verify.
public enum PasswordHash {
    public static let logN = 17, r = 8, p = 1

    public static func make(_ password: String) throws -> String {
        let salt = try Crypto.randomBytes(16)
        let h = try derive(password, salt: salt, logN: logN, r: r, p: p)
        return "$scrypt$ln=\(logN),r=\(r),p=\(p)$\(Crypto.hex(salt))$\(Crypto.hex(h))"
    }

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

/// The password rules of NIST SP 800-63B: a minimum and maximum length, no composition rules,
/// and a refusal of passwords that are common or contain the username or the district's name.
public enum PasswordPolicy {
    public static func check(_ password: String, username: String, district: District) throws {
        let minimum = Int(district.setting("password_min_length")) ?? 15
        let length = password.unicodeScalars.count
        func bad(_ message: String, _ hint: String) -> PortalError {
            PortalError(.dataError, message, hint: hint)
        }
        if length < minimum {
            throw bad(
                "the password is too short: it needs at least \(minimum) characters",
                "a few unrelated words make a long password that is easy to remember")
        }
        if length > 128 {
            throw bad(
                "the password is too long: at most 128 characters", "use a shorter passphrase")
        }
        let folded = searchFold(password).filter { !$0.isWhitespace }
        if !username.isEmpty && folded.contains(searchFold(username)) {
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
        if CommonPasswords.all.contains(Substring(password.lowercased())) {
            throw bad(
                "that password is one of the most common passwords",
                "choose something less predictable, such as a few unrelated words")
        }
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
