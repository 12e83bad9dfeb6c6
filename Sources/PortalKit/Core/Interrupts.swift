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
            let msg = "\ninterrupted: rolling back (press Ctrl-C again to quit at once)\n"
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
