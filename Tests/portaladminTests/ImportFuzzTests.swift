import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

/// Mutated bundles, imported in-process through the real command line: flipped bytes; inserted
/// quotes, CR, LF, NUL, byte-order marks and right-to-left overrides; cuts; truncation;
/// repeated lines. No crash, no hang, only the exit codes of a bad file (0, 3, 64, 65, 66),
/// and the database's integrity and audit chain intact after every run.
///
/// `PORTALADMIN_FUZZ_CASES` sets the number of cases (CI runs 2,000, within a minute;
/// `scripts/battery.sh` runs 100,000 for a release) and `PORTALADMIN_FUZZ_SEED` the seed.
@Suite struct ImportFuzzTests {
    static let env = ProcessInfo.processInfo.environment
    static let cases = env["PORTALADMIN_FUZZ_CASES"].flatMap(Int.init) ?? 2000
    static let seed = env["PORTALADMIN_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_202

    /// The bundles mutated: the project's own dirty native bundle and a small OneRoster one,
    /// and, when `../shared` is there, the public sample bundles.
    static func bases(_ dir: TempDir) -> [(name: String, format: String, files: [String: [UInt8]])]
    {
        var out: [(String, String, [String: [UInt8]])] = []
        func load(_ path: String) -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            where name.hasSuffix(".csv") {
                if let d = FileManager.default.contents(atPath: path + "/" + name),
                    d.count < 200_000
                {
                    files[name] = Array(d)
                }
            }
            return files
        }
        out.append(("dirty native", "csv", load(dirtyBundle(dir))))
        _ = dir.write(
            "or/users.csv",
            "sourcedId,status,role,givenName,familyName,email,agentSourcedIds,orgSourcedIds\n"
                + "u1,active,student,Ana,Núñez,,g1,s1\nu2,active,student,Luis,Núñez,,g1,s1\n"
                + "g1,active,parent,José,Núñez,jose@example.com,\"u1,u2\",s1\n"
                + "g2,tobedeleted,guardian,Mary,O'Brien,,u1,s1\n")
        _ = dir.write("or/orgs.csv", "sourcedId,name,type\ns1,Lincoln,school\n")
        _ = dir.write("or/demographics.csv", "sourcedId,birthDate\nu1,2010-02-28\nu2,2012-03-15\n")
        _ = dir.write("or/manifest.csv", "propertyName,value\noneroster.version,1.1\n")
        out.append(("small OneRoster", "oneroster", load(dir.path + "/or")))
        for sample in [
            "moodle-enrol_oneroster/Test_minimal_data_set", "roster-hub/en",
            "LMS-Toolkit/OneRoster 1.1 Sample Data",
        ] {
            let path = samplesRoot + "/" + sample
            let files = load(path)
            if !files.isEmpty { out.append((sample, "oneroster", files)) }
        }
        return out
    }

    static let insertions: [[UInt8]] = [
        [UInt8(ascii: "\"")], [13], [10], [0], [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xAE],
        [UInt8(ascii: ",")], [0x1B, UInt8(ascii: "[")], [0xFF], [0xC3],
    ]

    /// One mutation of `bytes`, chosen by `rng`.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        guard !b.isEmpty else { return insertions[Int(rng.next() % 10)] }
        let at = Int(rng.next() % UInt64(b.count))
        switch rng.next() % 7 {
        case 0: b[at] ^= UInt8(1 << (rng.next() % 8))
        case 1: b.insert(contentsOf: insertions[Int(rng.next() % UInt64(insertions.count))], at: at)
        case 2: b.removeSubrange(at..<min(b.count, at + Int(rng.next() % 40) + 1))
        case 3: b.removeSubrange(at..<b.count)
        case 4: b[at] = UInt8(truncatingIfNeeded: rng.next())
        case 5:
            // A line repeated (a repeated id, a repeated header).
            let start = b[..<at].lastIndex(of: 10).map { $0 + 1 } ?? 0
            let end = b[at...].firstIndex(of: 10).map { $0 + 1 } ?? b.count
            b.insert(contentsOf: b[start..<end], at: end)
        default:
            b.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "\""), count: 1), at: 0)
        }
        return b
    }

    /// A re-import of a damaged bundle into a district that holds the clean one, then the clean
    /// one again, with the district's rows kept in memory (`KnownRows`), without, and with
    /// every id (and a OneRoster bundle's users) on disk: the same messages in the same order,
    /// exit codes and tables.
    @Test func damagedReImportsGiveTheSameResultsWithTheDistrictsRowsInMemory() throws {
        let dir = TempDir()
        let generated = dir.file("uuid")
        #expect(
            runInProcess(
                [
                    "sample", "generate", "--students", "60", "--out", generated, "--seed", "5",
                    "--ids", "uuid", "-q",
                ], db: dir.file("unused.db")
            ).code == 0)
        var bundles = Self.bases(dir).filter { $0.format == "oneroster" }.prefix(1).map { $0 }
        var files: [String: [UInt8]] = [:]
        for name in ["schools.csv", "guardians.csv", "students.csv", "relationships.csv"] {
            files[name] = FileManager.default.contents(atPath: generated + "/" + name).map(
                Array.init)
        }
        bundles.append(("generated with UUIDs", "csv", files))
        var rng = SplitMix64(state: Self.seed)
        for n in 0..<max(1, Self.cases / 50) {
            let base = bundles[n % bundles.count]
            let clean = dir.file("clean\(n)")
            let damaged = dir.file("damaged\(n)")
            for folder in [clean, damaged] {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true)
            }
            for (name, bytes) in base.files {
                var bad = bytes
                if rng.next() % 2 == 0 {
                    for _ in 0...(rng.next() % 3) { bad = Self.mutate(bad, &rng) }
                }
                #expect(
                    FileManager.default.createFile(
                        atPath: clean + "/" + name, contents: Data(bytes)))
                #expect(
                    FileManager.default.createFile(
                        atPath: damaged + "/" + name, contents: Data(bad)))
            }
            let delta = rng.next() % 4 == 0 ? ["--delta"] : []
            var seen: [[String]] = []
            let ways = [
                ("never", ["PORTALADMIN_KNOWN_ROWS": "never"]),
                ("always", ["PORTALADMIN_KNOWN_ROWS": "always"]),
                ("disk", ["PORTALADMIN_ID_MEMORY_BYTES": "0"]),
            ]
            for (way, env) in ways {
                let db = dir.file("\(way)\(n).db")
                _ = runInProcess(["district", "create", "f1", "--name", "Fuzz"], db: db)
                var lines: [String] = []
                for (folder, extra) in [(clean, [String]()), (damaged, delta), (clean, [])] {
                    let r = runInProcess(
                        [
                            "roster", "import", folder, "--format", base.format, "--district", "f1",
                            "--yes",
                        ]
                            + extra, db: db, env: env)
                    lines +=
                        ["exit \(r.code)"] + (r.out + r.err).split(separator: "\n").map(String.init)
                }
                seen.append(lines + (try dump(db)).filter { !$0.hasPrefix("schema_migrations:") })
            }
            for (other, (way, _)) in zip(seen.dropFirst(), ways.dropFirst()) {
                let differing = zip(seen[0], other).first { $0 != $1 }
                #expect(
                    seen[0].count == other.count && differing == nil,
                    "case \(n) (\(base.name)), \(way): \(String(describing: differing))")
            }
        }
    }

    @Test func mutatedBundlesNeverCrashHangOrCorrupt() throws {
        let dir = TempDir()
        let db = dir.file("fuzz.db")
        #expect(runInProcess(["district", "create", "f1", "--name", "Fuzz"], db: db).code == 0)
        let bases = Self.bases(dir)
        if bases.count < 3 {
            print("note: ../shared/samples is not here; fuzzing the project's own bundles only")
        }
        var rng = SplitMix64(state: Self.seed)
        var codes: [Int32: Int] = [:]
        let work = dir.path + "/case"
        for n in 0..<Self.cases {
            let base = bases[n % bases.count]
            try? FileManager.default.removeItem(atPath: work)
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let names = base.files.keys.sorted()
            let victim = names[Int(rng.next() % UInt64(names.count))]
            for name in names {
                var bytes = base.files[name] ?? []
                if name == victim || rng.next() % 8 == 0 {
                    for _ in 0...(rng.next() % 3) { bytes = Self.mutate(bytes, &rng) }
                }
                #expect(
                    FileManager.default.createFile(atPath: work + "/" + name, contents: Data(bytes))
                )
            }
            var args = [
                "roster", "import", work, "--format", base.format, "--district", "f1", "-q",
                "--yes",
            ]
            if rng.next() % 4 == 0 { args.append("--delta") }
            if rng.next() % 5 == 0 { args += ["--batch-size", "3"] }
            let r = runInProcess(args, db: db)
            codes[r.code, default: 0] += 1
            #expect(
                [0, 3, 64, 65, 66].contains(r.code), "case \(n) (\(base.name)): \(r.code) \(r.err)")
            if r.code != 0 {
                #expect(r.err.contains("error:") && r.err.contains("hint:"), "case \(n): \(r.err)")
            }
        }
        // Nothing kept open from one import to the next (a portal process runs many).
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        let targets = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
            .compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)
            }
        // Other tests run beside this one in the process and hold files of their own: none of
        // this test's files stays open, and there are far fewer descriptors than imports (a
        // leak of one per import would pass 2,000).
        let mine = targets.filter { $0.hasPrefix(dir.path) }
        #expect(mine.isEmpty, "still open after \(Self.cases) imports: \(mine)")
        #expect(
            open < Self.cases / 2,
            "\(open) file descriptors open after \(Self.cases) imports: \(Dictionary(targets.map { ($0, 1) }, uniquingKeysWith: +).filter { $0.value > 2 })"
        )
        let handle = try reopen(db)
        #expect(try handle.scalar("PRAGMA integrity_check")?.string == "ok")
        #expect(try handle.query("PRAGMA foreign_key_check").isEmpty)
        let verify = runInProcess(["audit", "verify", "--district", "f1"], db: db)
        #expect(verify.code == 0, "\(verify.err)")
        print(
            "fuzz: \(Self.cases) cases from \(bases.count) bundles, exit codes \(codes.sorted { $0.key < $1.key })"
        )
    }
}
