/// The ids met in one import, each with the line it was first met on, held compactly: the ids'
/// bytes one after another in one buffer, and an open-addressing table of (hash, where, line).
/// 30 to 50 bytes an id, against some 70 for a dictionary of strings (ids longer than 15 bytes,
/// like the `guardian␟student` key of a link, each take a heap block there).
struct IDSet {
    /// One slot of the table: the id's offset in `bytes` plus one (0: empty), its line plus
    /// one (negative once its row is written), and its hash; side by side, so that a probe
    /// touches one cache line.
    private struct Slot {
        var offset: UInt32 = 0
        var line: Int32 = 0
        var hash: UInt32 = 0
    }
    private var slots = [Slot](repeating: Slot(), count: 64)
    /// Each id as a 4-byte length and its UTF-8 bytes.
    private var bytes: [UInt8] = []
    private(set) var count = 0

    init() {}

    /// Adds `id` first met on `line`; when it was met before, returns that line and changes
    /// nothing.
    mutating func insert(_ id: String, line: Int) -> Int? {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        var id = id
        return id.withUTF8 { u in
            let h = Self.hash(u)
            var i = Int(h) & (slots.count - 1)
            while slots[i].offset != 0 {
                if slots[i].hash == h && matches(i, u) {
                    lastInserted = nil  // a repeat adds nothing to mark
                    return Int(abs(slots[i].line)) - 1
                }
                i = (i + 1) & (slots.count - 1)
            }
            slots[i] = Slot(
                offset: UInt32(bytes.count + 1), line: Int32(clamping: line + 1), hash: h)
            // Grow by half, not double: for a large import the buffer is most of the set.
            let needed = bytes.count + 4 + u.count
            if needed > bytes.capacity {
                bytes.reserveCapacity(max(needed, bytes.capacity + bytes.capacity / 2))
            }
            withUnsafeBytes(of: UInt32(u.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: u)
            count += 1
            lastInserted = i
            return nil
        }
    }

    /// The slot of the id the last `insert` added (nil when it was a repeat).
    private var lastInserted: Int? = nil

    /// Notes that the row of the id `insert` added last was written to the database. The mark
    /// is the sign of its line.
    mutating func markLastWritten() {
        if let i = lastInserted, slots[i].line > 0 { slots[i].line = -slots[i].line }
    }

    func contains(_ id: String) -> Bool { slot(id) != nil }

    /// Whether the id spelled by these UTF-8 bytes was met.
    func contains(_ u: UnsafeBufferPointer<UInt8>) -> Bool { slot(u) != nil }

    /// Whether `id` was met and then marked written.
    func written(_ id: String) -> Bool { slot(id).map { slots[$0].line < 0 } ?? false }

    private func slot(_ id: String) -> Int? {
        var id = id
        return id.withUTF8 { slot($0) }
    }

    private func slot(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(u)
        var i = Int(h) & (slots.count - 1)
        while slots[i].offset != 0 {
            if slots[i].hash == h && matches(i, u) { return i }
            i = (i + 1) & (slots.count - 1)
        }
        return nil
    }

    private func matches(_ slot: Int, _ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let at = Int(slots[slot].offset) - 1
        return bytes.withUnsafeBufferPointer { b in
            let n = (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) }
            return n == u.count && memcmpEqual(b.baseAddress! + at + 4, u.baseAddress, n)
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        for o in old where o.offset != 0 {
            var i = Int(o.hash) & (slots.count - 1)
            while slots[i].offset != 0 { i = (i + 1) & (slots.count - 1) }
            slots[i] = o
        }
    }

    /// FNV-1a, folded to 32 bits; the bytes are compared in full on a match.
    private static func hash(_ u: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in u {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }
}

private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
    guard n > 0, let b else { return true }
    for k in 0..<n where a[k] != b[k] { return false }
    return true
}
