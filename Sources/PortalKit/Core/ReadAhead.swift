#if canImport(Glibc)
    internal import Glibc
#endif

/// Runs a producer on a second thread and hands what it makes to the calling thread through a
/// short queue: reading and checking the next rows of a file overlaps with writing the last
/// ones. At most `depth` items wait, so memory stays flat. The producer stops when the consumer
/// does (`finish`), and its error is rethrown to the consumer.
///
/// The producer owns what it reads (a file reader, the closures it captures) and the consumer
/// only ever sees the items; `@unchecked Sendable` stands for that hand-over, which the
/// monitor below orders.
final class ReadAhead<Item>: ThreadMain, @unchecked Sendable {
    private var produce: ((_ put: (Item) -> Bool) throws -> Void)?
    private var items: [Item] = []
    /// Items the consumer is done with, to be let go of on the producer's thread.
    private var spent: [Item] = []
    private var ended = false
    private var stopped = false
    private var failure: (any Error)?
    private let depth: Int
    private let monitor = Monitor()
    private var thread = pthread_t()
    private var started = false

    init(depth: Int = 4) {
        self.depth = depth
    }

    override func main() {
        guard let produce else { return }
        do {
            try produce { put($0) }
        } catch {
            changing { failure = error }
        }
        changing { ended = true }
    }

    /// Starts the producer: `produce` is called once, on a new thread, with a `put` that
    /// blocks while the queue is full and returns false once the consumer has stopped (the
    /// producer should then return).
    func start(_ produce: @escaping (_ put: (Item) -> Bool) throws -> Void) throws {
        self.produce = produce
        let me = Unmanaged.passRetained(self as ThreadMain).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                if let raw { Unmanaged<ThreadMain>.fromOpaque(raw).takeRetainedValue().main() }
                return nil
            }, me)
        if rc != 0 {
            Unmanaged<ThreadMain>.fromOpaque(me).release()
            throw PortalError(
                .internal, "cannot start a reading thread (\(String(cString: strerror(rc))))",
                hint: "the system is out of threads or memory; try again")
        }
        started = true
    }

    deinit {
        finish()
    }

    /// The next item, waiting for it; nil at the end. Rethrows the producer's error.
    func next() throws -> Item? {
        try monitor.locked {
            monitor.wait { !items.isEmpty || ended }
            if !items.isEmpty {
                let item = items.removeFirst()
                monitor.broadcast()
                return item
            }
            if let failure { throw failure }
            return nil
        }
    }

    /// Hands back an item the consumer is done with: the producer lets go of it, so that
    /// freeing what it holds is work for the producer's thread, not the consumer's. Pass the
    /// last reference (`consume`), or the consumer still frees it; items handed back after the
    /// producer has ended go with the `ReadAhead` itself.
    func giveBack(_ item: consuming Item) {
        let item = consume item
        monitor.locked { spent.append(item) }
    }

    /// Stops the producer (if it still runs) and waits for its thread to end.
    func finish() {
        changing { stopped = true }
        if started {
            pthread_join(thread, nil)
            started = false
        }
    }

    private func put(_ item: Item) -> Bool {
        var done: [Item] = []
        defer { done.removeAll() }  // after unlocking: freeing takes time
        return monitor.locked {
            swap(&done, &spent)
            monitor.wait { items.count < depth || stopped }
            if stopped { return false }
            items.append(item)
            monitor.broadcast()
            return true
        }
    }

    /// Runs `produce` on a second thread (with `sameThread`, on this one, for a producer that
    /// reads the database), handing each item it puts to `take` on this thread, a few items
    /// behind. An error on either side stops both and is thrown here.
    static func pipeline(
        sameThread: Bool, produce: @escaping (_ put: (Item) throws -> Bool) throws -> Void,
        take: (Item) throws -> Void
    ) throws {
        if sameThread {
            try produce { item in
                try take(item)
                return true
            }
            return
        }
        let ahead = ReadAhead<Item>()
        defer { ahead.finish() }
        try ahead.start { put in try produce { put($0) } }
        while let item = try ahead.next() {
            try take(item)
            ahead.giveBack(consume item)
        }
    }

    /// Runs `threads` producers, each on a thread of its own, handing what they make to `take`
    /// on this thread in turn: producer `i` (from 0) makes items `i`, `i + threads`,
    /// `i + 2·threads`... of the sequence, and `take` sees them in the sequence's order. The
    /// sequence ends at the first producer that has no more (each must stop at the first item
    /// past the end). An error on any side stops them all and is thrown here, in its place in
    /// the order.
    static func pipeline(
        threads: Int,
        produce: @escaping (_ thread: Int, _ put: (Item) throws -> Bool) throws -> Void,
        take: (Item) throws -> Void
    ) throws {
        let aheads = (0..<max(threads, 1)).map { _ in ReadAhead<Item>() }
        defer { for a in aheads { a.finish() } }
        for (i, a) in aheads.enumerated() {
            try a.start { put in try produce(i) { put($0) } }
        }
        var turn = 0
        while let item = try aheads[turn].next() {
            try take(item)
            aheads[turn].giveBack(consume item)
            turn = (turn + 1) % aheads.count
        }
    }

    /// Changes what the threads share, and wakes the one waiting.
    private func changing(_ body: () -> Void) {
        monitor.locked {
            body()
            monitor.broadcast()
        }
    }

}

/// What a thread started by `pthread_create` runs (a C callback cannot name a generic type).
class ThreadMain {
    func main() {}
}
