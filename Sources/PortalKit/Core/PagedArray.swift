internal import FoundationEssentials

#if canImport(Glibc)
    internal import Glibc
#endif

/// An array of `Int32` by index, on disk: a file removed as soon as it is made (so nothing is
/// left behind, whatever ends the process), read and written a page of 1,024 values at a time
/// through a small cache of pages, each index to its one place in the cache. Memory stays the
/// cache's size however many values; values never set read as `initial` (each value is kept
/// XOR `initial`, so that the zeros of a page never written stand for it). For bookkeeping too
/// large for memory that is read and written by index, where SQLite would cost a statement a
/// value.
final class PagedArray {
    static let pageValues = 1024
    private let fd: Int32
    private let initial: Int32
    private let slots: Int
    /// The cached pages' values (XOR `initial`), slot after slot; which page each slot holds
    /// (-1: none), and whether it changed since read.
    private var values: [Int32]
    private var pageOf: [Int]
    private var dirty: [Bool]

    /// `cacheBytes`: the memory the cache may take (at least one page).
    init(initial: Int32, cacheBytes: Int) throws {
        let dir = TemporaryFolder.path
        var template = Array((dir + "/portaladmin-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { b in
            b.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard fd >= 0 else {
            throw TemporaryFolder.cannotMake(in: dir, why: String(cString: strerror(errno)))
        }
        template.withUnsafeBufferPointer { b in _ = b.baseAddress.map { unlink($0) } }
        self.fd = fd
        self.initial = initial
        slots = max(1, cacheBytes / (Self.pageValues * 4))
        values = Array(repeating: 0, count: slots * Self.pageValues)
        pageOf = Array(repeating: -1, count: slots)
        dirty = Array(repeating: false, count: slots)
    }

    deinit { close(fd) }

    subscript(_ i: Int) -> Int32 {
        get throws { values[try slot(of: i) * Self.pageValues + i % Self.pageValues] ^ initial }
    }

    func set(_ i: Int, _ v: Int32) throws {
        let s = try slot(of: i)
        values[s * Self.pageValues + i % Self.pageValues] = v ^ initial
        dirty[s] = true
    }

    /// The cache slot holding the page of index `i`, reading it in (and writing out the page it
    /// replaces, when changed).
    private func slot(of i: Int) throws -> Int {
        let page = i / Self.pageValues
        let s = page % slots
        if pageOf[s] == page { return s }
        let bytes = Self.pageValues * 4
        try values.withUnsafeMutableBytes { buf in
            guard let base = buf.baseAddress else { return }
            let at = base + s * bytes
            if dirty[s] {
                let written = pwrite(fd, at, bytes, off_t(pageOf[s] * bytes))
                try io(written == bytes ? written : -1, "write")
                dirty[s] = false
            }
            // Beyond the end of the file, or in a hole, a page reads as zeros: never set.
            let n = pread(fd, at, bytes, off_t(page * bytes))
            try io(n, "read")
            if n < bytes { memset(at + n, 0, bytes - n) }
        }
        pageOf[s] = page
        return s
    }

    private func io(_ n: Int, _ what: String) throws {
        guard n >= 0 else {
            throw PortalError(
                .ioError, "cannot \(what) a temporary file (\(String(cString: strerror(errno))))",
                hint: "check that TMPDIR has room")
        }
    }
}
