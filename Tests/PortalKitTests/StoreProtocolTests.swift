import Foundation
import Testing

@testable import PortalKit

/// The domain code talks to a `Store`, not to SQLite: over a store that only passes each call on
/// (and counts it), districts, people, keys and access work, and only the roster import's bulk
/// path asks for SQLite, saying so.
@Suite struct StoreProtocolTests {
    /// A store that is not the SQLite store: it hands each call to one and counts them.
    final class Relay: Store {
        let inner: SQLiteStore
        var calls = 0
        init(_ inner: SQLiteStore) { self.inner = inner }
        var path: String { inner.path }
        var transactionNumber: Int { inner.transactionNumber }
        var inTransaction: Bool { inner.inTransaction }
        func execute(_ sql: String) throws {
            calls += 1
            try inner.execute(sql)
        }
        func run(_ sql: String, _ args: [SQLValue]) throws -> Int {
            calls += 1
            return try inner.run(sql, args)
        }
        func forEach(_ sql: String, _ args: [SQLValue], _ body: (Row) throws -> Void) throws {
            calls += 1
            try inner.forEach(sql, args, body)
        }
        func query(_ sql: String, _ args: [SQLValue]) throws -> [Row] {
            calls += 1
            return try inner.query(sql, args)
        }
        func first(_ sql: String, _ args: [SQLValue]) throws -> Row? {
            calls += 1
            return try inner.first(sql, args)
        }
        func scalar(_ sql: String, _ args: [SQLValue]) throws -> SQLValue? {
            calls += 1
            return try inner.scalar(sql, args)
        }
        func write<T>(rollback: Bool, _ body: () throws -> T) throws -> T {
            try inner.write(rollback: rollback, body)
        }
        func read<T>(_ body: () throws -> T) throws -> T { try inner.read(body) }
        func commitBatch() throws { try inner.commitBatch() }
        func interrupt() { inner.interrupt() }
        func checkInterrupted() throws { try inner.checkInterrupted() }
        func migrate(_ migrations: [Migration]) throws { try inner.migrate(migrations) }
        func appliedMigrations() throws -> [String] { try inner.appliedMigrations() }
    }

    @Test func theDomainRunsOverAnyStore() throws {
        let f = try Fixture()
        try f.sign("G2")
        let relay = Relay(try SQLiteStore(path: f.path, create: false))
        let db = Database(store: relay)
        #expect(db.sqlite == nil)
        let s = Session(db: db, operatorName: "t", command: "test", now: f.now, districtID: "d")
        #expect(try Migrator.applied(db) == Schema.migrations.map(\.name))
        #expect(
            try People.find(db, district: "d", kind: .guardian, text: "nunez", limit: 0).count == 4)
        let key = try s.transaction { try Keys.issue(s, guardianID: "G2") }
        let district = try Districts.get(db, "d")
        let a = try Access.explain(
            db, district: district, guardianID: "G2", studentID: nil, now: f.now, asOf: nil)
        #expect(a.students.count == 2 && key.students.count == 2)
        #expect(relay.calls > 10, "every statement went through the store")
        // The bulk import path is the SQLite store's own; another store says it has none.
        #expect(throws: PortalError.self) {
            _ = try Roster.importBundle(s, dir: f.folder, format: .csv, options: ImportOptions())
        }
    }
}
