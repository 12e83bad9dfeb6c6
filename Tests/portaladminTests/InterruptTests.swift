import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct InterruptTests {
    /// An interrupted connection rolls its transaction back; other connections (other tests
    /// running at the same time) are not touched: nothing process-wide is set.
    @Test func interruptRollsBackTheTransaction() throws {
        let dir = TempDir()
        let db = try Database(path: dir.file("i.db"))
        try Migrator.migrate(db)
        let other = try Database(path: dir.file("other.db"))
        try Migrator.migrate(other)
        #expect(throws: PortalError.self) {
            try db.write {
                try db.run("INSERT INTO districts VALUES ('x', 'X', 'now')")
                db.interrupt()
            }
        }
        #expect(try db.count("SELECT count(*) FROM districts") == 0)
        try other.write { try other.run("INSERT INTO districts VALUES ('y', 'Y', 'now')") }
        #expect(try other.count("SELECT count(*) FROM districts") == 1)
        #expect(!Interrupts.isInterrupted)
    }

    /// An interrupt is said as what it left: "nothing was written" only when nothing of the
    /// process committed; after a commit, what was under way was rolled back and the rest
    /// stands, and Ctrl-C when the work was done says the change stands.
    @Test func anInterruptSaysWhatItLeft() {
        let before = Interrupts.said(Interrupts.interrupted, committed: false)
        #expect(before.message == "interrupted; rolled back, nothing was written")
        let after = Interrupts.said(Interrupts.interrupted, committed: true)
        #expect(after.code == .interrupted)
        #expect(after.message.contains("what was committed before it stands"))
        #expect(after.hint != nil)
        // A message of its own (a batch import's) is kept; other errors are not touched.
        let own = PortalError(.interrupted, "interrupted; the batch under way was rolled back")
        #expect(Interrupts.said(own, committed: true).message == own.message)
        let busy = PortalError(.busy, "the database is busy")
        #expect(Interrupts.said(busy, committed: true).message == busy.message)
        #expect(Interrupts.tooLate(committed: true).message.contains("it stands"))
        #expect(Interrupts.tooLate(committed: false).message == before.message)
        #expect(Interrupts.isInterruption(Interrupts.interrupted))
        #expect(!Interrupts.isInterruption(busy))
    }

    /// A dry run inside another transaction would join it and commit: it is refused.
    @Test func aNestedRollbackIsAnError() throws {
        let dir = TempDir()
        let db = try Database(path: dir.file("n.db"))
        try Migrator.migrate(db)
        #expect(throws: PortalError.self) {
            try db.write {
                try db.write(rollback: true) {
                    try db.run("INSERT INTO districts VALUES ('x', 'X', 'now')")
                }
            }
        }
        #expect(try db.count("SELECT count(*) FROM districts") == 0)
    }
}
