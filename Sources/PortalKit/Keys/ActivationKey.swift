/// A 32-character activation key (SPEC §6): 30 random Crockford base32 characters (150 bits from
/// the system CSPRNG) and 2 check characters.
///
/// The check value is C = (Σ i·vᵢ for i = 1…30) mod 1021, written as two base32 digits. Because
/// 1021 is prime and every weight and every difference of two digits is smaller than it, a single
/// wrong character anywhere (data or check) and a swap of any two different characters always
/// change the result: the key is reported as mistyped instead of unknown.
public struct ActivationKey: Sendable, Equatable {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let modulus = 1021

    /// The 32 canonical characters, without dashes.
    public let canonical: String

    /// Printed as 8 groups of 4: `7KQ2-M9XD-...`.
    public var grouped: String {
        var out = ""
        out.reserveCapacity(39)
        for (i, ch) in canonical.enumerated() {
            if i > 0 && i % 4 == 0 { out.append("-") }
            out.append(ch)
        }
        return out
    }

    /// The last 4 characters: what lists and letters show of a key.
    public var last4: String { String(canonical.suffix(4)) }

    /// SHA-256 of the canonical form: the only thing stored.
    public var hash: String { Crypto.sha256Hex(canonical) }

    init(canonical: String) { self.canonical = canonical }

    /// A new random key from the system's secure generator, with its check characters.
    public static func generate() throws -> ActivationKey {
        let bytes = try Crypto.randomBytes(19)  // 152 bits; the first 150 are used
        var values: [Int] = []
        var acc = 0
        var bits = 0
        for b in bytes {
            acc = (acc << 8) | Int(b)
            bits += 8
            while bits >= 5 && values.count < 30 {
                bits -= 5
                values.append((acc >> bits) & 31)
            }
            acc &= (1 << bits) - 1
        }
        let c = check(values)
        return ActivationKey(canonical: String((values + [c / 32, c % 32]).map { alphabet[$0] }))
    }

    static func check(_ data: [Int]) -> Int {
        var sum = 0
        for (i, v) in data.enumerated() { sum += (i + 1) * v }
        return sum % modulus
    }

    /// What reading a typed key found.
    public enum Parse: Equatable {
        case ok(ActivationKey)
        /// Wrong length or a character that is not in the alphabet.
        case malformed(String)
        /// The check characters do not match: a character was misread or two were swapped.
        case mistyped
    }

    /// Forgiving input: case, spaces and dashes are ignored; O→0 and I/L→1 (Crockford).
    public static func parse(_ text: String) -> Parse {
        var values: [Int] = []
        for ch in text.uppercased() {
            if ch == " " || ch == "-" || ch == "\t" { continue }
            let c: Character = ch == "O" ? "0" : (ch == "I" || ch == "L") ? "1" : ch
            guard let v = alphabet.firstIndex(of: c) else {
                return .malformed(
                    ch == "U"
                        ? "the letter U is never used in a key (did you mean V?)"
                        : "'\(ch)' is not used in keys")
            }
            values.append(v)
        }
        guard values.count == 32 else {
            return .malformed("a key has 32 characters; this has \(values.count)")
        }
        let data = Array(values.prefix(30))
        guard values[30] * 32 + values[31] == check(data) else { return .mistyped }
        return .ok(ActivationKey(canonical: String(values.map { alphabet[$0] })))
    }
}
