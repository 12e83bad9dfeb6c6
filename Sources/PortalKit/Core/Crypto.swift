internal import CCrypto

/// Hashing through libcrypto; no cryptography is written here.
public enum Crypto {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { p in
            _ = SHA256(p.baseAddress, p.count, &out)
        }
        return out
    }

    static func sha256Hex(_ text: String) -> String { hex(sha256(Array(text.utf8))) }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes from the system CSPRNG (OpenSSL's `RAND_bytes`, seeded by getrandom).
    public static func randomBytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else {
            throw PortalError(
                .internal, "the system random generator failed",
                hint: "rerun; if it persists, check the OpenSSL installation")
        }
        return out
    }
}
