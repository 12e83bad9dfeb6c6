/// Ids as the import's in-memory sets keep them: a UUID written the usual way (36 characters,
/// hex digits in groups of 8-4-4-4-12, all lower case or all upper case: how SIS exports spell
/// `sourcedId`s) as 17 bytes, its case in a first byte that UTF-8 never uses (0xFF lower, 0xFE
/// upper) and its 16 bytes; a link's key of two such UUIDs joined by U+001F as 34 (see
/// `pairTag`); any other id as its UTF-8 bytes. So each form stands for one id, and a set of
/// GUIDs takes 19 bytes less an id (measured at 300,000 students with UUIDs: the ids of
/// students, guardians and households in 27 MB instead of 41).
enum CompactID {
    static let lowerTag: UInt8 = 0xFF
    static let upperTag: UInt8 = 0xFE
    /// A pair of UUIDs: 0xFD, less 1 when the first is upper case, less 2 when the second is.
    static let pairTag: UInt8 = 0xFD
    static let packedCount = 17

    /// Calls `body` with the compact form of the id spelled by `u`.
    static func with<R>(
        _ u: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        guard u.count == 36 || (u.count == 73 && u[36] == 0x1f) else { return try body(u) }
        var out: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        return try withUnsafeMutableBytes(of: &out) { raw in
            let p = raw.bindMemory(to: UInt8.self)
            guard u.count == 73 else {
                guard pack(u, into: p) else { return try body(u) }
                return try body(UnsafeBufferPointer(start: p.baseAddress, count: packedCount))
            }
            let right = UnsafeMutableBufferPointer(rebasing: p[packedCount...])
            guard pack(UnsafeBufferPointer(rebasing: u[0..<36]), into: p),
                pack(UnsafeBufferPointer(rebasing: u[37...]), into: right)
            else { return try body(u) }
            // The second's tag makes way for the pair's (the first byte of its 17 stays
            // unused: 34 bytes, not 33, so that both halves unpack alike).
            p[0] = pairTag - (p[0] == upperTag ? 1 : 0) - (p[packedCount] == upperTag ? 2 : 0)
            p[packedCount] = 0
            return try body(UnsafeBufferPointer(start: p.baseAddress, count: 2 * packedCount))
        }
    }

    /// Writes the 17 bytes of a UUID's text to `out`; false when `u` is not one (or mixes cases).
    private static func pack(
        _ u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>
    )
        -> Bool
    {
        var upper = false
        var lower = false
        var k = 1
        var high: UInt8? = nil
        for i in 0..<36 {
            let c = u[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
                continue
            }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"):
                v = c - UInt8(ascii: "a") + 10
                lower = true
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                v = c - UInt8(ascii: "A") + 10
                upper = true
            default: return false
            }
            if let h = high {
                out[k] = h << 4 | v
                k += 1
                high = nil
            } else {
                high = v
            }
        }
        guard !(upper && lower) else { return false }
        out[0] = upper ? upperTag : lowerTag
        return true
    }

    /// The id a compact form stands for, as text.
    static func string(_ b: UnsafeBufferPointer<UInt8>) -> String {
        if b.count == packedCount && (b[0] == lowerTag || b[0] == upperTag) {
            return uuid(b, upper: b[0] == upperTag)
        }
        if b.count == 2 * packedCount && b[0] >= pairTag - 3 && b[0] <= pairTag {
            let flags = pairTag - b[0]
            return uuid(UnsafeBufferPointer(rebasing: b[0..<packedCount]), upper: flags & 1 != 0)
                + "\u{1f}"
                + uuid(UnsafeBufferPointer(rebasing: b[packedCount...]), upper: flags & 2 != 0)
        }
        return String(decoding: b, as: UTF8.self)
    }

    /// The text of the UUID whose 16 bytes follow a tag in `b`.
    private static func uuid(_ b: UnsafeBufferPointer<UInt8>, upper: Bool) -> String {
        let digits = Array((upper ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return String(unsafeUninitializedCapacity: 36) { out in
            var k = 0
            for i in 1..<packedCount {
                if k == 8 || k == 13 || k == 18 || k == 23 {
                    out[k] = UInt8(ascii: "-")
                    k += 1
                }
                out[k] = digits[Int(b[b.startIndex + i] >> 4)]
                out[k + 1] = digits[Int(b[b.startIndex + i] & 15)]
                k += 2
            }
            return 36
        }
    }
}
