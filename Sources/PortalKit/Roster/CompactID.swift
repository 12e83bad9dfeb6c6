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

    /// Whether `u` has a UUID's shape: 36 bytes with dashes after the 8th, 12th, 16th and 20th
    /// digit (its digits are not checked).
    static func hasUUIDShape(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        u.count == 36 && u[8] == dash && u[13] == dash && u[18] == dash && u[23] == dash
    }

    /// Whether `u` spells a UUID the way this packs it (36 characters, one case).
    static func isUUID(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        u.count == 36 && with(u) { $0.first == lowerTag || $0.first == upperTag }
    }

    /// The id as the import matches it across a bundle's files: a UUID in lower case, however
    /// it is written (its digits are the same in either case, and one SIS spells them one way
    /// in users.csv and the other in demographics.csv); any other id as it is.
    static func caselessKey(_ id: String) -> String {
        var id = id
        let upper = id.withUTF8 { u in u.count == 36 && with(u) { $0.first == upperTag } }
        return upper ? id.lowercased() : id
    }

    /// Whether the compact form `u` is a UUID's (its case in its first byte).
    static func isPackedUUID(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        u.count == packedCount && (u[0] == lowerTag || u[0] == upperTag)
    }

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
    /// Each pair of hex digits is read through `hexValue`, which also tells their case (this
    /// runs for every id of every row of an import).
    private static func pack(
        _ u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>
    )
        -> Bool
    {
        guard hasUUIDShape(u), out.count >= packedCount, let from = u.baseAddress,
            let to = out.baseAddress
        else { return false }
        let seen = hexValue.withUnsafeBufferPointer { hex in
            var seen: UInt8 = 0
            // Byte `i` of the 16 from its two digits at `k` in the text, each read out (as
            // `writeUUID` writes them).
            @inline(__always) func take(_ i: Int, _ k: Int) {
                let high = hex[Int(from[k])]
                let low = hex[Int(from[k + 1])]
                seen |= high | low
                to[i] = (high & 15) << 4 | (low & 15)
            }
            take(1, 0)
            take(2, 2)
            take(3, 4)
            take(4, 6)
            take(5, 9)
            take(6, 11)
            take(7, 14)
            take(8, 16)
            take(9, 19)
            take(10, 21)
            for i in 11...16 { take(i, 2 * i + 2) }
            return seen
        }
        guard let caseByte = tag(seen) else { return false }
        out[0] = caseByte
        return true
    }

    /// The case byte of a UUID whose digits' `hexValue`s, or'ed, are `seen`: nil when one is
    /// not a hex digit, or it mixes cases.
    private static func tag(_ seen: UInt8) -> UInt8? {
        guard seen & notHex == 0, seen & (isLower | isUpper) != isLower | isUpper else {
            return nil
        }
        return seen & isUpper != 0 ? upperTag : lowerTag
    }

    /// The case byte `u` packs with (`lowerTag` or `upperTag`), nil when it is no UUID this
    /// packs: `pack`'s checks without its writes (a row's id is checked for its case alone).
    static func caseTag(_ u: UnsafeBufferPointer<UInt8>) -> UInt8? {
        guard hasUUIDShape(u) else { return nil }
        let seen = hexValue.withUnsafeBufferPointer { hex in
            var seen: UInt8 = 0
            for i in 0..<36 where i != 8 && i != 13 && i != 18 && i != 23 {
                seen |= hex[Int(u[i])]
            }
            return seen
        }
        return tag(seen)
    }

    private static let dash = UInt8(ascii: "-")
    private static let isLower: UInt8 = 0x10
    private static let isUpper: UInt8 = 0x20
    private static let notHex: UInt8 = 0x40
    /// Per byte: its value as a hex digit, with `isLower` or `isUpper` for a letter; `notHex`
    /// for any other byte.
    private static let hexValue: [UInt8] = (0..<256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(b) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(b) - UInt8(ascii: "a") + 10 | isLower
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(b) - UInt8(ascii: "A") + 10 | isUpper
        default: notHex
        }
    }

    /// The id a compact form stands for, as text.
    static func string(_ b: UnsafeBufferPointer<UInt8>) -> String {
        if isPackedUUID(b) {
            return uuid(b, upper: b[0] == upperTag)
        }
        if b.count == 2 * packedCount && b[0] >= pairTag - 3 && b[0] <= pairTag {
            let flags = pairTag - b[0]
            return joined(
                uuid(UnsafeBufferPointer(rebasing: b[0..<packedCount]), upper: flags & 1 != 0),
                "\u{1f}",
                uuid(UnsafeBufferPointer(rebasing: b[packedCount...]), upper: flags & 2 != 0))
        }
        return String(decoding: b, as: UTF8.self)
    }

    /// Calls `body` with the text (UTF-8) of the id a compact form stands for, made on the
    /// stack: for comparing ids as SQLite orders them without making strings.
    static func withText<R>(
        _ b: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        let single = isPackedUUID(b)
        let pair = b.count == 2 * packedCount && b[0] >= pairTag - 3 && b[0] <= pairTag
        guard single || pair else { return try body(b) }
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return try withUnsafeMutableBytes(of: &text) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            if single {
                writeUUID(b, upper: b[0] == upperTag, to: out)
                return try body(UnsafeBufferPointer(rebasing: out[..<36]))
            }
            let flags = pairTag - b[0]
            writeUUID(
                UnsafeBufferPointer(rebasing: b[..<packedCount]), upper: flags & 1 != 0, to: out)
            out[36] = 0x1f
            writeUUID(
                UnsafeBufferPointer(rebasing: b[packedCount...]), upper: flags & 2 != 0,
                to: UnsafeMutableBufferPointer(rebasing: out[37...]))
            return try body(UnsafeBufferPointer(rebasing: out[..<73]))
        }
    }

    /// The text of the UUID whose 16 bytes follow a tag in `b`.
    private static func uuid(_ b: UnsafeBufferPointer<UInt8>, upper: Bool) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            writeUUID(b, upper: upper, to: out)
            return 36
        }
    }

    /// Writes the 36 characters of the UUID whose 16 bytes follow a tag in `b` to the start of
    /// `out` (indexed from 0, as a buffer rebased on a slice is). Each byte's two digits are
    /// looked up at once: the links of a OneRoster bundle turn two ids a link back into text,
    /// and a digit computed at a time was half of the work.
    private static func writeUUID(
        _ b: UnsafeBufferPointer<UInt8>, upper: Bool, to out: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(b.count >= packedCount && out.count >= 36)
        guard let from = b.baseAddress, let to = out.baseAddress else { return }
        (upper ? upperPairs : lowerPairs).withUnsafeBufferPointer { pairs in
            // Byte `i` of the 16 to its place `k` in the text, each written out: a loop
            // placing the dashes as it went took 226 instructions a UUID.
            @inline(__always) func put(_ i: Int, _ k: Int) {
                let pair = pairs[Int(from[i])]
                to[k] = UInt8(truncatingIfNeeded: pair >> 8)
                to[k + 1] = UInt8(truncatingIfNeeded: pair)
            }
            put(1, 0)
            put(2, 2)
            put(3, 4)
            put(4, 6)
            put(5, 9)
            put(6, 11)
            put(7, 14)
            put(8, 16)
            put(9, 19)
            put(10, 21)
            for i in 11...16 { put(i, 2 * i + 2) }
            (to[8], to[13], to[18], to[23]) = (dash, dash, dash, dash)
        }
    }

    /// Whether the text of the compact form `a` comes before that of `b` (as bytes), when both
    /// are UUIDs of one case: in one case the hex digits are in the order of their values, and
    /// the dashes in the same places, so the packed bytes are in the order of the texts. Nil
    /// for any other two (their texts are then compared).
    static func uuidTextPrecedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
        -> Bool?
    {
        guard isPackedUUID(a), isPackedUUID(b), a[0] == b[0] else { return nil }
        return a.lexicographicallyPrecedes(b)
    }

    /// The first 8 bytes of the text of the compact form `b` as a number, the first byte
    /// highest (0 for each past its end): a packed UUID's from its first 4 bytes.
    static func textHead(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        if isPackedUUID(b) {
            return (b[0] == upperTag ? upperPairs : lowerPairs).withUnsafeBufferPointer { pairs in
                (1...4).reduce(UInt64(0)) { h, i in h << 16 | UInt64(pairs[Int(b[i])]) }
            }
        }
        return withText(b) { t in
            (0..<8).reduce(UInt64(0)) { h, i in h << 8 | UInt64(i < t.count ? t[i] : 0) }
        }
    }

    /// Per byte: its two hex digits, the first in the high byte.
    private static let lowerPairs = hexPairs(UInt8(ascii: "a"))
    private static let upperPairs = hexPairs(UInt8(ascii: "A"))
    private static func hexPairs(_ a: UInt8) -> [UInt16] {
        func digit(_ v: Int) -> UInt16 {
            UInt16(v < 10 ? Int(UInt8(ascii: "0")) + v : Int(a) + v - 10)
        }
        return (0..<256).map { digit($0 >> 4) << 8 | digit($0 & 15) }
    }
}
