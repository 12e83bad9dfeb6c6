internal import Dispatch

#if canImport(Glibc)
    internal import Glibc
#endif

extension SQLiteStore {
    /// Starts writing the pages of the database file changed so far to the disk, on a thread of
    /// its own, and returns at once: the commit's sync then has less left to write. For a write
    /// that adds many pages through a rollback journal (a new database's first import, whose
    /// commit otherwise waited at the end for every page it wrote: 107 MB at 100,000 students
    /// with UUIDs, 50-60 ms of the import with no core working), started before the work that
    /// leaves a core idle (the indexes put off, sorted by SQLite's threads).
    ///
    /// Safe at any moment of such a write: SQLite puts a page into the file only once the
    /// journal that undoes it is on the disk, so any page there may reach the disk sooner.
    /// Through SQLite's own descriptor of the file, found among the process's: opening the
    /// file again and closing it would drop SQLite's locks on it (POSIX locks belong to the
    /// process, and any close of the file releases them all).
    /// https://www.sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_
    ///
    /// Returns whether it started: not for a database in memory, nor where the file's
    /// descriptor is not found (a system without `/proc`).
    @discardableResult
    func startWritingBack() -> Bool {
        guard let fd = descriptorOfFile() else { return false }
        // (A descriptor SQLite has closed by then fails, harmlessly: the sync of the commit
        // wrote the pages.)
        DispatchQueue.global(qos: .utility).async { _ = fdatasync(fd) }
        return true
    }

    /// A descriptor this process has open on the database file (SQLite's), told by the file's
    /// device and inode among those `/proc/self/fd` lists; nil when none is found.
    func descriptorOfFile() -> Int32? {
        var file = stat()
        guard path != ":memory:", !path.isEmpty, stat(path, &file) == 0,
            let dir = opendir("/proc/self/fd")
        else { return nil }
        defer { closedir(dir) }
        let listing = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name), fd != listing else { continue }
            var open = stat()
            if fstat(fd, &open) == 0 && open.st_dev == file.st_dev && open.st_ino == file.st_ino
                && (open.st_mode & S_IFMT) == S_IFREG
            {
                return fd
            }
        }
        return nil
    }
}
