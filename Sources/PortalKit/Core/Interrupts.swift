internal import CSQLite
internal import Dispatch
internal import Synchronization

#if canImport(Glibc)
    internal import Glibc
#endif

/// Ctrl-C handling: the first SIGINT says so at once, asks SQLite to stop the statements running
/// on every open connection, and makes long loops throw `.interrupted` so the transaction rolls
/// back; a second one exits. The program installs it; a library caller that does not stays
/// without it, and can still stop one connection with `Database.interrupt()`.
public enum Interrupts {
    private static let count = Atomic<Int>(0)
    /// The open connections, by their handle's address, so an interrupt reaches each of them.
    private static let open = Mutex<Set<Int>>([])
    /// Takes over SIGINT for the process, once however many threads ask: the handler runs on a
    /// dispatch queue, not in the signal, so it may take the lock on the open connections.
    public static func install() { _ = source }

    // Made once (a static let is initialised once, whatever the threads); kept so it stays alive.
    nonisolated(unsafe) private static let source: any DispatchSourceSignal = {
        // A parent may have started us with SIGINT blocked; Ctrl-C must still reach us.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            let n = count.add(1, ordering: .relaxed).newValue
            if n >= 2 { _exit(130) }
            // (Not "rolling back": the work may be committed already. The error that ends the
            // command says which.)
            let msg = "\ninterrupted: stopping (press Ctrl-C again to quit at once)\n"
            _ = msg.withCString { write(2, $0, strlen($0)) }
            open.withLock { handles in
                for h in handles { OpaquePointer(bitPattern: h).map { sqlite3_interrupt($0) } }
            }
            cancellers.withLock { for c in $0.values { c() } }
        }
        s.resume()
        return s
    }()

    /// Whether Ctrl-C was pressed in this process.
    public static var isInterrupted: Bool { count.load(ordering: .relaxed) > 0 }

    /// Throws when Ctrl-C was pressed; long loops call this (or `Database.checkInterrupted`).
    public static func check() throws {
        if isInterrupted { throw interrupted }
    }

    static let interrupted = PortalError(
        .interrupted, "interrupted; rolled back, nothing was written")

    /// Whether `error` is an interrupt, as a statement or a check throws it.
    static func isInterruption(_ error: any Error) -> Bool {
        (error as? PortalError)?.code == .interrupted
            || (error as? SQLiteError)?.isInterrupt == true
    }

    /// Write transactions committed in this process to the caller's database (not to a scratch
    /// copy: see `SQLiteStore.countsCommits`): what stands when Ctrl-C comes after them.
    private static let commits = Atomic<Int>(0)

    static func noteCommitted() { commits.add(1, ordering: .relaxed) }

    /// Whether a write transaction of this process committed.
    public static var anyCommitted: Bool { commits.load(ordering: .relaxed) > 0 }

    /// The interrupt `error` reports, said truly: when a transaction of this process committed
    /// before it (a batch of an import, or every change of a command done when Ctrl-C came),
    /// "nothing was written" would not be.
    public static func said(_ error: PortalError, committed: Bool = anyCommitted) -> PortalError {
        guard committed, error.code == .interrupted, error.message == interrupted.message else {
            return error
        }
        return PortalError(
            .interrupted,
            "interrupted; the change under way was rolled back, and what was committed before it stands",
            hint: "look at what is there before running it again")
    }

    /// Ctrl-C that came when the command's work was done: its change (if it made one) stands.
    public static func tooLate(committed: Bool = anyCommitted) -> PortalError {
        guard committed else { return interrupted }
        return PortalError(
            .interrupted, "interrupted after the change was committed: it stands",
            hint: "Ctrl-C came when the work was done; the output above says what it did")
    }

    /// What stops the statement of each open connection of another kind (a PostgreSQL
    /// server's cancel request), by a number of the connection's.
    private static let cancellers = Mutex<[Int: @Sendable () -> Void]>([:])

    static func attach(id: Int, cancel: @escaping @Sendable () -> Void) {
        cancellers.withLock { $0[id] = cancel }
    }
    static func detach(id: Int) {
        _ = cancellers.withLock { $0.removeValue(forKey: id) }
    }

    static func attach(_ h: OpaquePointer) {
        _ = open.withLock { $0.insert(Int(bitPattern: h)) }
    }
    static func detach(_ h: OpaquePointer) {
        _ = open.withLock { $0.remove(Int(bitPattern: h)) }
    }
}
