internal import CSQLite

#if canImport(Glibc)
    internal import Glibc
#endif

/// Writes all of `bytes` to `fd`, again after a signal or a short write: 0, or the errno of
/// the write that failed (left in `errno` for the caller's message).
public func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    guard let base = bytes.baseAddress else { return 0 }
    var off = 0
    while off < bytes.count {
        let n = write(fd, base + off, bytes.count - off)
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        off += n
    }
    return 0
}

/// A file that appears at its path only once it is complete (`commit`), created with mode 0600
/// (rosters and letters are personal data, letters hold keys).
///
/// It is written as a nameless file in the target's folder (Linux `O_TMPFILE`), so nothing is
/// left behind when the command fails, is killed (even with `kill -9`) or fills the disk; the
/// commit links it under a temporary name and renames that over the path. Where the file system
/// has no nameless files, a `.partial` file beside the path is used and removed on failure.
/// See https://man7.org/linux/man-pages/man2/open.2.html (O_TMPFILE).
public final class AtomicFile {
    /// Where the file appears on `commit`.
    public let path: String
    private let fd: Int32
    /// The named partial file of the fallback; nil for a nameless file.
    private let partial: String?
    private var committed = false

    /// Opens a file for `path` that no one sees until `commit` (mode 0600).
    public init(path: String) throws {
        self.path = path
        let dir = parentFolder(path)
        let nameless = portal_open_tmpfile(dir.isEmpty ? "." : dir, 0o600)
        if nameless >= 0 {
            fd = nameless
            partial = nil
        } else {
            let named = path + ".partial"
            fd = open(named, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            partial = named
        }
        guard fd >= 0 else {
            throw PortalError(
                errno == ENOSPC ? .ioError : .cannotCreate,
                "cannot create '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the folder exists and is writable")
        }
    }

    deinit {
        close(fd)
        if !committed, let partial { unlink(partial) }
    }

    /// Writes all of `bytes`; a full disk or a file-size limit is an I/O error (exit 74).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if writeFully(fd, bytes) != 0 { throw failure("cannot write") }
    }

    /// Syncs the file and puts it in place, replacing what was at the path.
    public func commit() throws {
        guard !committed else { return }
        guard fsync(fd) == 0 else { throw failure("cannot finish") }
        if let partial {
            guard rename(partial, path) == 0 else { throw failure("cannot finish") }
        } else {
            // A nameless file is linked under a fresh name, then renamed over the target (a
            // link cannot replace a file).
            let staged = path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, staged, AT_SYMLINK_FOLLOW) == 0
            else { throw failure("cannot finish") }
            guard rename(staged, path) == 0 else {
                let e = failure("cannot finish")
                unlink(staged)
                throw e
            }
        }
        committed = true
    }

    private func failure(_ what: String) -> PortalError {
        let code = errno
        let full = code == ENOSPC || code == EFBIG || code == EDQUOT
        return PortalError(
            full ? .ioError : .cannotCreate,
            "\(what) '\(path)': "
                + (code == EFBIG
                    ? "the file size limit was reached"
                    : code == ENOSPC || code == EDQUOT
                        ? "the disk is full" : String(cString: strerror(code))),
            hint: full
                ? "free some disk space (or raise the file size limit) and run the command again"
                : "check the disk and the folder's permissions")
    }
}
