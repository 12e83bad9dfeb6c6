/// The fields of records kept as their bytes, many records' in one block of memory, and made
/// into strings only where a field is read (`CSVRecord.field`): the second reading of a
/// OneRoster users.csv (`CSVReader.keepsBytes`), whose every field the reading thread made a
/// string of, to be hashed (the agents, the role), read once into another string, or not read
/// at all (a line found unchanged), and let go of by another thread. Callgrind, 10,000
/// students with UUIDs: the reading thread 126M -> 77M instructions in a first import (1,105M
/// -> 1,091M in all), a re-import 559M -> 520M.
///
/// A record's place in a block: the end of each of its fields (4 bytes each, from the start
/// of its bytes), then its fields' bytes one after another. A block is filled by one thread
/// (the one reading the file) and read by others only in places filled before the records
/// naming them were handed on; it is let go of with the last record naming it.
final class FieldBytes: @unchecked Sendable {
    /// A block's room: enough for any record (`CSVReader.maxRecordBytes` and the ends of
    /// `CSVReader.maxFields` fields), and for a few thousand of the usual ones.
    static let blockBytes = 1 << 19

    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    /// Where the next record's place begins (changed by the filling thread only).
    private var used = 0

    private init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 4)
        base.bindMemory(to: UInt8.self, capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Where a record's fields are: its block, its place in it, and how many.
    struct Place {
        let block: FieldBytes
        let at: Int32
        let fields: Int32

        /// Field `i` (less than `fields`) as a string.
        func string(_ i: Int) -> String { block.string(i, at: at, count: fields) }
    }

    /// `body` with the bytes of field `i` (less than `count`) of the record at `at`, in place.
    func withField<R>(
        _ i: Int, at: Int32, count: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let ends = UnsafeRawPointer(base + Int(at))
        let start =
            i == 0 ? 0 : Int(ends.loadUnaligned(fromByteOffset: 4 * (i - 1), as: UInt32.self))
        let end = Int(ends.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        let bytes = (ends + 4 * Int(count)).assumingMemoryBound(to: UInt8.self)
        return body(UnsafeBufferPointer(start: bytes + start, count: end - start))
    }

    /// Field `i` of the record at `at` as a string (the bytes are UTF-8: see
    /// `CSVReader.bytesRecord`).
    func string(_ i: Int, at: Int32, count: Int32) -> String {
        withField(i, at: at, count: count) { String(decoding: $0, as: UTF8.self) }
    }

    /// The fields of the record at `at` as strings.
    func strings(at: Int32, count: Int32) -> [String] {
        (0..<Int(count)).map { string($0, at: at, count: count) }
    }

    /// The fields of a line at `ranges` of `line`'s memory put in `block` (a new block when it
    /// has no room left, or none yet); a field at `leftOut` is kept empty. `bytes`: how many
    /// bytes the fields kept hold.
    static func put(
        _ line: UnsafePointer<UInt8>, _ ranges: [Range<Int>], leftOut: [Bool], bytes: Int,
        in block: inout FieldBytes?
    ) -> Place {
        let need = 4 * ranges.count + bytes
        var b = block ?? FieldBytes(capacity: max(blockBytes, need))
        if ((b.used + 3) & ~3) + need > b.capacity {
            b = FieldBytes(capacity: max(blockBytes, need))
        }
        block = b
        return b.put(line, ranges, leftOut, need)
    }

    /// Puts the record in this block, which has room for it.
    private func put(
        _ line: UnsafePointer<UInt8>, _ ranges: [Range<Int>], _ leftOut: [Bool], _ need: Int
    ) -> Place {
        let start = (used + 3) & ~3
        let ends = base + start
        let bytes = ends + 4 * ranges.count
        var end = 0
        for k in ranges.indices {
            if k >= leftOut.count || !leftOut[k] {
                let r = ranges[k]
                (bytes + end).copyMemory(from: line + r.lowerBound, byteCount: r.count)
                end += r.count
            }
            ends.storeBytes(of: UInt32(end), toByteOffset: 4 * k, as: UInt32.self)
        }
        used = start + need
        return Place(block: self, at: Int32(start), fields: Int32(ranges.count))
    }
}
