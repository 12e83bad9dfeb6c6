internal import CSQLite
internal import Synchronization

#if canImport(Glibc)
    internal import Glibc
#endif

private let interruptCount = Atomic<Int>(0)
nonisolated(unsafe) private var openHandle: OpaquePointer?

/// Ctrl-C handling: the first SIGINT says so at once, asks SQLite to stop the running statement,
/// and makes long loops throw `.interrupted` so the transaction rolls back; a second one exits.
public enum Interrupts {
    public static func install() {
        // A parent may have started us with SIGINT blocked; Ctrl-C must still reach us.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in
            let n = interruptCount.add(1, ordering: .relaxed).newValue
            if n >= 2 { _exit(130) }
            let msg = "\ninterrupted: rolling back (press Ctrl-C again to quit at once)\n"
            _ = msg.withCString { write(2, $0, strlen($0)) }
            if let h = openHandle { sqlite3_interrupt(h) }
        }
    }

    public static var isInterrupted: Bool { interruptCount.load(ordering: .relaxed) > 0 }

    /// Throws when Ctrl-C was pressed; long loops call this between rows.
    public static func check() throws {
        if isInterrupted {
            throw PortalError(.interrupted, "interrupted; rolled back, nothing was written")
        }
    }

    /// Test hook: behave as if Ctrl-C was pressed (or reset).
    public static func simulate(_ on: Bool) {
        interruptCount.store(on ? 1 : 0, ordering: .relaxed)
    }

    static func attach(_ h: OpaquePointer) { openHandle = h }
    static func detach() { openHandle = nil }
}
