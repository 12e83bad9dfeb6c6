#if canImport(Glibc)
    internal import Glibc
#endif

/// A mutex and a condition, for threads that wait for one another's changes: each holds the
/// mutex (`locked`) to look at or change what they share, waits on the condition until what it
/// needs holds (`wait`), and wakes the others once it changed it (`broadcast`). Used by
/// `ReadAhead` and `KnownRowsBudget`.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        changed.deallocate()
    }

    /// Runs `body` holding the mutex.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Within `locked`: lets go of the mutex until `holds` is true, after another thread's
    /// `broadcast`.
    func wait(until holds: () -> Bool) {
        while !holds() { pthread_cond_wait(changed, mutex) }
    }

    /// Within `locked`: wakes the threads waiting.
    func broadcast() {
        pthread_cond_broadcast(changed)
    }
}
