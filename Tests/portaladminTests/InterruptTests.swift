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
