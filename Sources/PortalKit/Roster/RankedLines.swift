#if canImport(Glibc)
    internal import Glibc
#endif

/// Where a simple line of a file lies (see `CSVReader.nextSimple`): its first byte, its length
/// with its line end, and its number of fields, in one word.
struct LinePlace: Equatable {
    let packed: UInt64

    init(offset: Int, length: Int, fields: Int) {
        packed =
            offset > 0 && offset < 1 << 38 && length < 1 << 15 && fields < 1 << 11
            ? UInt64(offset) << 26 | UInt64(length) << 11 | UInt64(fields) : Self.unknown.packed
    }

    private init(packed: UInt64) { self.packed = packed }

    /// A line not simple, or too far into its file to be told in a word (256 GB).
    static let unknown = LinePlace(packed: .max)
    /// No line yet.
    static let none = LinePlace(packed: 0)

    var offset: Int { Int(packed >> 26) }
    var length: Int { Int(packed >> 11 & 0x7FFF) }
    var fields: Int { Int(packed & 0x7FF) }
    var isKnown: Bool { self != .unknown && self != .none }
}

/// The first line of each user of users.csv, by user number, when it is simple: kept by the
/// first reading, so that the second may read those lines in the order of the users' ids
/// (`RankedLines`). 16 bytes a user.
struct FirstLines {
    /// By user number: where its first line is (`.none` before one is met, `.unknown` for one
    /// not simple).
    fileprivate var places: [LinePlace] = []
    /// By user number: its first line's number.
    fileprivate var lines: [Int32] = []
    /// The users whose first line is simple, in the order of the file.
    fileprivate var inFileOrder: [Int32] = []

    /// Notes user `n`'s line `line`, at `place` (nil: not simple), unless it had one before.
    mutating func note(_ n: Int, line: Int32, place: LinePlace?) {
        if n >= places.count {
            places.append(contentsOf: repeatElement(.none, count: n + 1 - places.count))
            lines.append(contentsOf: repeatElement(0, count: n + 1 - lines.count))
        }
        guard places[n] == .none else { return }
        let place = place ?? .unknown
        places[n] = place
        lines[n] = line
        if place.isKnown { inFileOrder.append(Int32(n)) }
    }
}

/// The first lines of a file's users read a second time in the order of the users' ids (the
/// order of their tables' keys), so that their rows go into their tables in place and in
/// order: ids that are not numbered (UUIDs) otherwise come at random, their rows are staged
/// and sorted at the end of the import (SQLite moving each whole row through its sorter), on
/// one core while the other waits.
///
/// The lines are gathered a window at a time (`windowBytes` of lines, read from the file in its
/// order) and read as records from there; then `next()` of the file's reader reads every other
/// line in the file's order, passing over those (`CSVReader.skip`). Only simple lines are
/// taken (one line each, read cleanly: see `CSVReader.nextSimple`), so each reads the same
/// alone as within the file; and only a user's first line, so that any other line naming the
/// user (a repeat) comes after it, as in the file. The reports of the rows read out of order
/// are held and told in the order of their lines (`RosterWriter.tellHeldReports`).
final class RankedLines {
    let path: String
    let windows1252: Bool
    /// The tables the lines' rows go to.
    let tables: [RosterTable]
    /// The columns the records keep (`CSVReader.keepOnly`).
    let keep: (columns: [Int?], width: Int)
    private var first: FirstLines
    /// The users taken, in the order of their ids.
    private var order: [Int32]
    /// By user number: the window its line is read in (high byte) and where in it (the rest);
    /// `notTaken` for a user not taken.
    private var placeInWindow: [UInt32]
    fileprivate static let notTaken = UInt32.max
    /// Where each window ends in `order`.
    private var windowEnds: [Int] = []
    /// How many lines are taken, how many were read (`forEachRecord`) and their bytes, and
    /// what the file was when they were placed.
    let count: Int
    private(set) var read = 0
    private(set) var bytesRead = 0
    private let size: Int
    private let modified: timespec

    /// The most bytes of lines in a window (16 MB: a place in one is 24 bits).
    static let mostWindowBytes = 1 << 24
    static let defaultWindowBytes = 1 << 24

    /// Lines of `first` to read in the order of `ranks` (by user number, each user's place in
    /// the order of the ids), the users `taken` only; nil when there are none, or when they
    /// are in that order already but for one in 16 (numbered ids, most often): their rows
    /// then go into place as they come.
    init?(
        path: String, windows1252: Bool, first: FirstLines, ranks: [Int32],
        taken: (Int) -> Bool, keep: (columns: [Int?], width: Int), windowBytes: Int,
        tables: [RosterTable]
    ) throws {
        guard windowBytes > 0 else { return nil }
        var byRank = [Int32](repeating: -1, count: ranks.count)
        var outOfOrder = 0
        var count = 0
        var previous: Int32 = -1
        for n in first.inFileOrder where Int(n) < ranks.count && taken(Int(n)) {
            let r = ranks[Int(n)]
            byRank[Int(r)] = n
            if r < previous { outOfOrder += 1 }
            previous = r
            count += 1
        }
        guard count > 0 && outOfOrder * 16 >= count else { return nil }
        var st = stat()
        guard stat(path, &st) == 0 else { throw CSVReader.changed("'\(path)'") }
        size = Int(st.st_size)
        modified = st.st_mtim
        self.count = count
        byRank.removeAll { $0 < 0 }
        order = byRank
        placeInWindow = [UInt32](repeating: Self.notTaken, count: first.places.count)
        let most = min(windowBytes, Self.mostWindowBytes)
        var inWindow = 0
        for (i, n) in order.enumerated() {
            let length = first.places[Int(n)].length
            if inWindow > 0 && inWindow + length > most {
                windowEnds.append(i)
                inWindow = 0
            }
            placeInWindow[Int(n)] = UInt32(windowEnds.count) << 24 | UInt32(inWindow)
            inWindow += length
        }
        windowEnds.append(order.count)
        guard windowEnds.count < 256 else { return nil }
        self.path = path
        self.windows1252 = windows1252
        self.first = first
        self.keep = keep
        self.tables = tables
    }

    /// The first window, gathered on a thread of its own (`gatherAhead`), with the lines in
    /// the file's order that gathering it found (`Windows.lines`).
    private var ahead: ReadAhead<(window: CSVReader, lines: WindowLines)>? = nil

    deinit { ahead?.finish() }

    /// Begins gathering the first window on a thread of its own, for `forEachRecord` to take:
    /// while the import does what it must before the lines are read (the pairs put in order,
    /// 15 ms at 100,000 students with UUIDs), not after it with the other core idle (25 ms).
    /// (The thread holds a copy of the windows, not this object: let go of with the window
    /// unread, the object is freed and its `deinit` stops the thread.)
    func gatherAhead() throws {
        let ahead = ReadAhead<(window: CSVReader, lines: WindowLines)>(depth: 1)
        let windows = self.windows
        try ahead.start { put in
            let fd = try windows.openUnchanged()
            defer { close(fd) }
            var chunk = [UInt8]()
            let lines = windows.lines()
            _ = put((try windows.gather(0, fd, lines, &chunk), lines))
        }
        self.ahead = ahead
    }

    /// Calls `body` with each line taken as a record, in the order of the ids, until it returns
    /// false: the lines not read then are no longer taken (the file's reader reads them in
    /// its order, `takePlaces`).
    func forEachRecord(_ body: (CSVRecord) throws -> Bool) throws {
        let windows = self.windows
        let fd = try windows.openUnchanged()
        defer { close(fd) }
        // (The lines found once: by the thread that gathered the first window, if one did.)
        var gathered: (window: CSVReader, lines: WindowLines)? = nil
        if let ahead {
            defer {
                ahead.finish()
                self.ahead = nil
            }
            guard let first = try ahead.next() else { throw CSVReader.changed("'\(path)'") }
            gathered = first
        }
        let lines = gathered?.lines ?? windows.lines()
        var chunk = [UInt8]()
        for w in windowEnds.indices {
            let reader: CSVReader
            if w == 0, let first = gathered?.window {
                reader = first
                gathered = nil
            } else {
                reader = try windows.gather(w, fd, lines, &chunk)
            }
            // Each line where it was put, as it read within the file: one record, with no
            // problem (else the file changed since).
            for i in (w == 0 ? 0 : windowEnds[w - 1])..<windowEnds[w] {
                let n = Int(order[i])
                let place = first.places[n]
                var rec = try reader.simpleRecord(
                    at: Int(placeInWindow[n] & 0xFF_FFFF), length: place.length,
                    fields: place.fields, line: Int(first.lines[n]))
                rec.user = Int32(n)
                read = i + 1
                bytesRead += place.length
                guard try body(rec) else {
                    for n in order[(i + 1)...] { placeInWindow[Int(n)] = Self.notTaken }
                    return
                }
            }
        }
        try windows.checkUnchanged(fd)
    }

    private var windows: Windows {
        Windows(
            path: path, windows1252: windows1252, keep: keep, first: first, order: order,
            placeInWindow: placeInWindow, windowEnds: windowEnds, count: count, size: size,
            modified: modified)
    }

    /// The places of the lines taken, in the order of the file (for `CSVReader.skip`); lets go
    /// of all else.
    func takePlaces() -> [LinePlace] {
        let places = first.inFileOrder.filter { placeInWindow[Int($0)] != Self.notTaken }.map {
            first.places[Int($0)]
        }
        order = []
        placeInWindow = []
        first = FirstLines()
        return places
    }

}

/// The lines taken in the file's order, window after window (see `Windows.lines`).
private typealias WindowLines = (starts: [Int], inFileOrder: [Int32])

/// What gathering the windows of `RankedLines` reads: the lines' places and windows, and the
/// file as it was when they were placed (a copy, for a thread of its own).
private struct Windows {
    let path: String
    let windows1252: Bool
    let keep: (columns: [Int?], width: Int)
    let first: FirstLines
    let order: [Int32]
    let placeInWindow: [UInt32]
    let windowEnds: [Int]
    let count: Int
    let size: Int
    let modified: timespec

    /// The file, opened, when it is as it was when the lines were placed.
    func openUnchanged() throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVReader.changed("'\(path)'") }
        do {
            try checkUnchanged(fd)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Throws when the file is not the size it was, or was written since.
    func checkUnchanged(_ fd: Int32) throws {
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) == size,
            st.st_mtim.tv_sec == modified.tv_sec, st.st_mtim.tv_nsec == modified.tv_nsec
        else { throw CSVReader.changed("'\(path)'") }
    }

    /// The lines taken in the file's order, window after window (`inFileOrder`, each window's
    /// from `starts[w]`), so that each window is read in one pass over the file, not every line
    /// looked at for each.
    func lines() -> WindowLines {
        var starts = [Int](repeating: 0, count: windowEnds.count + 1)
        for n in first.inFileOrder where placeInWindow[Int(n)] != RankedLines.notTaken {
            starts[Int(placeInWindow[Int(n)] >> 24) + 1] += 1
        }
        for w in windowEnds.indices { starts[w + 1] += starts[w] }
        var inFileOrder = [Int32](repeating: 0, count: count)
        var next = starts
        for n in first.inFileOrder where placeInWindow[Int(n)] != RankedLines.notTaken {
            let w = Int(placeInWindow[Int(n)] >> 24)
            inFileOrder[next[w]] = n
            next[w] += 1
        }
        return (starts, inFileOrder)
    }

    /// Window `w`'s lines gathered from the file (`fd`) in its order, each to its place, in the
    /// reader's own memory (a window apart, then copied, was 16 MB more at the peak), through
    /// `chunk` (1 MB, made on first use).
    func gather(
        _ w: Int, _ fd: Int32, _ lines: WindowLines, _ chunk: inout [UInt8]
    ) throws -> CSVReader {
        if chunk.isEmpty { chunk = [UInt8](repeating: 0, count: 1 << 20) }
        let last = order[windowEnds[w] - 1]
        let size = Int(placeInWindow[Int(last)] & 0xFF_FFFF) + first.places[Int(last)].length
        var chunkStart = 0
        var chunkEnd = 0
        let reader = try CSVReader(gathering: size, windows1252: windows1252) { dest in
            try chunk.withUnsafeMutableBytes { c in
                guard let d = dest.baseAddress, let cb = c.baseAddress else { return }
                for n in lines.inFileOrder[lines.starts[w]..<lines.starts[w + 1]] {
                    let place = first.places[Int(n)]
                    var at = Int(placeInWindow[Int(n)] & 0xFF_FFFF)
                    var offset = place.offset
                    var left = place.length
                    while left > 0 {
                        if offset < chunkStart || offset >= chunkEnd {
                            let got = pread(fd, cb, c.count, off_t(offset))
                            guard got > 0 else { throw CSVReader.changed("'\(path)'") }
                            chunkStart = offset
                            chunkEnd = offset + got
                        }
                        let k = min(left, chunkEnd - offset)
                        (d + at).copyMemory(from: cb + (offset - chunkStart), byteCount: k)
                        at += k
                        offset += k
                        left -= k
                    }
                }
            }
        }
        reader.keepOnly(keep.columns, of: keep.width)
        reader.keepsBytes = true
        return reader
    }
}
