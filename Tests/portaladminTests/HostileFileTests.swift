import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct HostileFileTests {
    @Test func onlyRegularFilesAreRead() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        try FileManager.default.createDirectory(
            atPath: dir.file("fifo"), withIntermediateDirectories: true)
        #expect(mkfifo(dir.file("fifo/guardians.csv"), 0o600) == 0)
        let r = try runBinary(["roster", "import", dir.file("fifo"), "--district", "d1"], db: db)
        #expect(r.code == 66 && r.err.contains("not a regular file") && r.err.contains("hint:"))
        try FileManager.default.createDirectory(
            atPath: dir.file("dev"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("dev/guardians.csv"), withDestinationPath: "/dev/zero")
        let zero = try runBinary(["roster", "import", dir.file("dev"), "--district", "d1"], db: db)
        #expect(zero.code == 66)
        // A OneRoster bundle's users.csv as a pipe: said so (counting its users for the memory
        // they take must not wait for a writer), or as a device.
        for (folder, make) in [
            ("orfifo", { (p: String) in #expect(mkfifo(p, 0o600) == 0) }),
            (
                "ordev",
                { (p: String) in
                    try? FileManager.default.createSymbolicLink(
                        atPath: p, withDestinationPath: "/dev/zero")
                }
            ),
        ] {
            try FileManager.default.createDirectory(
                atPath: dir.file(folder), withIntermediateDirectories: true)
            make(dir.file(folder + "/users.csv"))
            let r = try runBinary(
                [
                    "roster", "import", dir.file(folder), "--format", "oneroster", "--district",
                    "d1",
                ],
                db: db)
            #expect(r.code == 66 && r.err.contains("not a regular file"), "\(folder): \(r.err)")
        }
        let pw = try runBinary(
            ["account", "reset", "nobody", "--password-file", "/dev/zero", "--district", "d1"],
            db: db)
        #expect(pw.code == 66 || pw.code == 4)
    }

    /// A file saved as UTF-16 (Excel's "Unicode Text", with its byte-order mark, or without
    /// one) or with its columns separated by semicolons or tabs is refused saying so and how to
    /// save it, not as a header lacking its columns or holding control characters: the native
    /// files, OneRoster's users.csv and orgs.csv, standard input and a bulk command's file.
    /// Nothing is written.
    @Test func aFileSavedTheWrongWayIsSaidSo() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        func utf16(_ text: String, bigEndian: Bool, mark: Bool) -> Data {
            var bytes: [UInt8] = mark ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
            for u in text.utf16 {
                let (hi, lo) = (UInt8(u >> 8), UInt8(u & 0xFF))
                bytes += bigEndian ? [hi, lo] : [lo, hi]
            }
            return Data(bytes)
        }
        let guardians = "guardian_id,given_name,family_name\nG1,Ann,Lee\n"
        let users = "sourcedId,givenName,familyName,role\nU1,Ann,Lee,student\n"
        let oneRoster = ["--format", "oneroster"]
        let utf16Cases: [(String, String, String, Bool, Bool, [String])] = [
            ("le", "guardians.csv", guardians, false, true, []),
            ("be", "guardians.csv", guardians, true, false, []),
            ("users", "users.csv", users, false, true, oneRoster),
        ]
        for (folder, file, text, bigEndian, mark, format) in utf16Cases {
            try FileManager.default.createDirectory(
                atPath: dir.file(folder), withIntermediateDirectories: true)
            #expect(
                FileManager.default.createFile(
                    atPath: dir.file(folder + "/" + file),
                    contents: utf16(text, bigEndian: bigEndian, mark: mark)))
            let r = try runBinary(
                ["roster", "import", dir.file(folder), "--district", "d1"] + format, db: db)
            #expect(r.code == 65, "\(folder): \(r.err)")
            #expect(r.err.contains("\(file)' is UTF-16 text, not UTF-8"), "\(folder): \(r.err)")
            #expect(r.err.contains("hint: save it as CSV UTF-8"), "\(folder): \(r.err)")
        }
        // OneRoster's orgs.csv, beside a users.csv that is fine.
        _ = dir.write("orgs/users.csv", users)
        #expect(
            FileManager.default.createFile(
                atPath: dir.file("orgs/orgs.csv"),
                contents: utf16(
                    "sourcedId,name,type\nS1,North,school\n", bigEndian: false, mark: true)))
        let orgs = try runBinary(
            ["roster", "import", dir.file("orgs"), "--district", "d1"] + oneRoster, db: db)
        #expect(orgs.code == 65 && orgs.err.contains("orgs.csv' is UTF-16 text"), "\(orgs.err)")
        // Standard input, UTF-16 without a mark: every other byte NUL.
        let piped = try runBinary(
            ["roster", "import", "-", "--district", "d1"], db: db,
            stdin: "g\0u\0a\0r\0d\0i\0a\0n\0_\0i\0d\0\n\0")
        #expect(piped.code == 65 && piped.err.contains("error: standard input is UTF-16 text"))
        // The columns separated by something else.
        let separated: [(String, String, String, String, [String])] = [
            (
                "semi", "guardians.csv", "guardian_id;given_name;family_name\nG1;Ann;Lee\n",
                "semicolons", []
            ),
            (
                "tab", "guardians.csv", "guardian_id\tgiven_name\tfamily_name\nG1\tAnn\tLee\n",
                "tabs", []
            ),
            (
                "orsemi", "users.csv", "sourcedId;givenName;familyName;role\nU1;A;B;student\n",
                "semicolons", oneRoster
            ),
        ]
        for (folder, file, text, name, format) in separated {
            _ = dir.write(folder + "/" + file, text)
            let r = try runBinary(
                ["roster", "import", dir.file(folder), "--district", "d1"] + format, db: db)
            #expect(
                r.code == 65 && r.err.contains("missing required column"), "\(folder): \(r.err)")
            #expect(
                r.err.contains(
                    "hint: the columns look separated by \(name): save the file with commas"),
                "\(folder): \(r.err)")
        }
        let pipedSemi = try runBinary(
            ["roster", "import", "-", "--district", "d1"], db: db,
            stdin: "guardian_id;given_name;family_name\nG1;Ann;Lee\n")
        #expect(pipedSemi.code == 65 && pipedSemi.err.contains("separated by semicolons"))
        let bulk = dir.write("keys.csv", "guardian_id;note\nG1;x\n")
        let keys = try runBinary(["key", "issue", "--file", bulk, "--district", "d1"], db: db)
        #expect(keys.code == 65 && keys.err.contains("separated by semicolons"), "\(keys.err)")
        #expect(
            FileManager.default.createFile(
                atPath: dir.file("keys16.csv"),
                contents: utf16("guardian_id\nG1\n", bigEndian: false, mark: true)))
        let keys16 = try runBinary(
            ["key", "issue", "--file", dir.file("keys16.csv"), "--district", "d1"], db: db)
        #expect(keys16.code == 65 && keys16.err.contains("UTF-16 text"), "\(keys16.err)")
        #expect(try dump(db) == before)
    }

    /// A workbook saved as it was and named .csv (.xlsx: a ZIP file; .xls: an OLE2 file) is
    /// said to be one, by every command that reads a file; it was said to be a file separated
    /// by bars (its bytes read as one column whose name held one). A file that is no text
    /// otherwise is said so at its header. Nothing is written.
    @Test func aWorkbookNamedCSVIsSaidToBeNoText() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let before = try dump(db)
        let zip: [UInt8] =
            [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00]
            + Array("[Content_Types].xml|".utf8) + [0xFF, 0xC3, 0x28, 0x0A, 0x01, 0x9D, 0x0A]
        func workbook(_ path: String) -> String {
            let full = dir.file(path)
            try? FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: full, contents: Data(zip)))
            return full
        }
        _ = workbook("native/guardians.csv")
        _ = workbook("oneroster/users.csv")
        _ = dir.write("orgs/users.csv", "sourcedId,givenName,familyName,role\nU1,Ann,Lee,student\n")
        _ = workbook("orgs/orgs.csv")
        let bulk = workbook("forms.csv")
        let cases: [(args: [String], file: String)] = [
            (["roster", "import", dir.file("native")], "guardians.csv"),
            (["roster", "import", dir.file("oneroster"), "--format", "oneroster"], "users.csv"),
            (["roster", "import", dir.file("orgs"), "--format", "oneroster"], "orgs.csv"),
            (["aup", "sign", "--file", bulk, "--yes"], bulk),
            (["key", "issue", "--file", bulk, "--yes"], bulk),
            (["account", "create", "--file", bulk, "--yes"], bulk),
        ]
        for (args, file) in cases {
            let r = try runBinary(args + ["--district", "d1"], db: db)
            #expect(r.code == 65, "\(args): \(r.err)")
            #expect(
                r.err.contains(
                    "\(file)' is a spreadsheet workbook (.xlsx, .xls or .ods), not CSV text"),
                "\(args): \(r.err)")
            #expect(r.err.contains("hint: open it in the spreadsheet and save it as CSV UTF-8"))
            #expect(!r.err.contains("separated by bars"), "\(args): \(r.err)")
        }
        // An .xls (OLE2), and a file of other bytes that are no text: said at its header.
        let xls = dir.file("xls.csv")
        #expect(
            FileManager.default.createFile(
                atPath: xls, contents: Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x7C]))
        )
        let old = try runBinary(["aup", "sign", "--file", xls, "--district", "d1"], db: db)
        #expect(old.code == 65 && old.err.contains("is a spreadsheet workbook"), "\(old.err)")
        let other = dir.file("other.csv")
        #expect(
            FileManager.default.createFile(
                atPath: other, contents: Data([0x01, 0x7C, 0xFF, 0x0A, 0x02, 0x0A])))
        let noText = try runBinary(["aup", "sign", "--file", other, "--district", "d1"], db: db)
        #expect(noText.code == 65, "\(noText.err)")
        #expect(noText.err.contains("error: \(other):1: header: "), "\(noText.err)")
        #expect(noText.err.contains("hint: the first line must name the columns"))
        // Standard input, with a control character in its first line.
        let piped = try runBinary(
            ["roster", "import", "-", "--district", "d1"], db: db,
            stdin: "guardian_id\u{1},given_name|x\nG1,Ann\n")
        #expect(piped.code == 65, "\(piped.err)")
        #expect(piped.err.contains("error: standard input:1: header: "), "\(piped.err)")
        #expect(try dump(db) == before)
    }

    /// Columns the import does not read are left out of each record, yet checked as any
    /// other: a control character in one rejects its row naming that column, and a line with
    /// text only there is reported, not skipped as blank; the same, and the same tables, with
    /// `--results` (which keeps every field, to list it).
    @Test func columnsNoOneReadsAreStillChecked() throws {
        let dir = TempDir()
        _ = dir.write(
            "native/guardians.csv",
            "legacy,guardian_id,given_name,family_name,notes\nL1,G1,Ann,Lee,call after 5\nL2,G2,Bo,Kim,ring \u{1B}]0;x\u{07}\n,,,,only a note\n  ,G3,Cy,Ng,\n"
        )
        _ = dir.write(
            "or/users.csv",
            "sourcedId,status,dateLastModified,role,username,givenName,familyName,password\nU1,active,2026-08-01,parent,ann,Ann,Lee,\nU2,active,2026-08-01,parent,bo\u{202E}gpj,Bo,Kim,\n,,,,only a name,,,\nU3,active,,parent,,Cy,Ng,\u{7F}\n"
        )
        _ = dir.write(
            "or/demographics.csv",
            "sourcedId,status,birthDate,sex\nU1,active,1980-02-03,\u{1B}x\nU3,active,1979-01-01,f\n"
        )
        for (bundle, format, created, rejected) in [
            (
                "native", "csv", "guardians\t2\t",
                ["guardians.csv:3: notes:", "guardians.csv:4: guardian_id: missing"]
            ),
            (
                "or", "oneroster", "guardians\t1\t",
                [
                    "users.csv:3: username:", "users.csv:4: sourcedId: missing",
                    "users.csv:5: password:",
                ]
            ),
        ] {
            var seen: [(warnings: [Substring], tables: [String])] = []
            for results in [false, true] {
                let place = TempDir()
                let db = try makeDistricts(place)
                let r = try runBinary(
                    ["roster", "import", dir.file(bundle), "--format", format, "--district", "d1"]
                        + (results
                            ? ["--results", dir.file("\(bundle)-results.csv"), "--yes"] : []),
                    db: db)
                #expect(r.code == 3 && r.out.contains(created), "\(bundle): \(r.out)\(r.err)")
                for message in rejected {
                    #expect(r.err.contains(message), "\(bundle) \(results): \(message) in \(r.err)")
                }
                // Each database's own, but for when its schema steps were applied.
                let tables = try dump(db).filter { !$0.hasPrefix("schema_migrations:") }
                seen.append(
                    (r.err.split(separator: "\n").filter { $0.hasPrefix("warning:") }, tables))
            }
            #expect(seen[0].warnings == seen[1].warnings, "\(bundle)")
            #expect(seen[0].tables == seen[1].tables, "\(bundle)")
        }
        let listed = try String(contentsOfFile: dir.file("native-results.csv"), encoding: .utf8)
        #expect(listed.contains("call after 5") && listed.contains("only a note"))
        // The rejected rows' characters shown, not written as they are.
        #expect(listed.contains("ring \\u{1B}]0;x\\u{7}"), "\(listed)")
        for name in ["native-results.csv", "or-results.csv"] {
            let text = try String(contentsOfFile: dir.file(name), encoding: .utf8)
            #expect(!text.unicodeScalars.contains(where: Text.isUnsafe), "\(name): \(text)")
        }
        #expect(
            try String(contentsOfFile: dir.file("or-results.csv"), encoding: .utf8)
                .contains("bo\\u{202E}gpj"))
    }

    @Test func tooLongFieldsAndImplausibleDatesAreBadValues() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let long = String(repeating: "a", count: 300)
        let huge = String(repeating: "b", count: 40_000)
        _ = dir.write(
            "b/guardians.csv",
            "guardian_id,given_name,family_name,birth_date\nG1,\(long),Lee,\nG2,Ann,\(huge),\nG3,Bo,Lee,9999-12-31\nG4,Cy,Lee,1900-01-01\nG5,Di,Lee,1980-02-29\n"
        )
        let r = try runBinary(["roster", "import", dir.file("b"), "--district", "d1"], db: db)
        #expect(r.code == 3)
        #expect(r.err.contains("guardians.csv:2: given_name: too long"))
        #expect(r.err.contains("guardians.csv:3: family_name: too long"))
        #expect(r.err.contains("guardians.csv:4: birth_date: not a plausible birth date"))
        #expect(r.err.contains("guardians.csv:5: birth_date: not a plausible birth date"))
        #expect(!r.err.contains(":6:"))
        _ = dir.write("h/guardians.csv", "guardian_id," + huge + "\nG1,Ann\n")
        let header = try runBinary(["roster", "import", dir.file("h"), "--district", "d1"], db: db)
        #expect(header.code == 65 && header.err.contains("guardians.csv:1: header: too long"))
    }

    /// An endless line or a quote that never closes costs a bounded amount of memory.
    @Test func memoryStaysBoundedOnEndlessRecords() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/time"),
            "GNU time measures the peak memory (installed by scripts/setup.sh)")
        let dir = TempDir()
        let db = try makeDistricts(dir)
        try FileManager.default.createDirectory(
            atPath: dir.file("q"), withIntermediateDirectories: true)
        let path = dir.file("q/guardians.csv")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.write(Data("guardian_id,given_name,family_name\nG1,\"Ann,Lee\n".utf8))
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<40 { h.write(chunk) }
        try h.close()
        let r = try runShell(
            "/usr/bin/time -f 'peak %M' '\(binaryPath)' roster import '\(dir.file("q"))' --district d1",
            db: db)
        #expect(r.code == 3, "\(r.err)")
        #expect(r.err.contains("guardians.csv:2: given_name: too long"))
        let peak = r.err.split(separator: "\n").last { $0.hasPrefix("peak ") }.flatMap {
            Int($0.dropFirst(5))
        }
        #expect((peak ?? .max) < 150_000, "peak \(peak ?? -1) KB")
    }

    /// OneRoster users with no role at all, and one relationship: no crash.
    @Test func aOneRosterBundleWithoutRolesDoesNotCrash() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "or/users.csv", "sourcedId,status,givenName,familyName\nu1,active,Ann,Lee\n")
        _ = dir.write(
            "or/relationships.csv",
            "sourcedId,userSourcedId,relationshipUserSourcedId,relationshipRole\nr1,u1,u2,parent\n")
        let r = try runBinary(
            ["roster", "import", dir.file("or"), "--format", "oneroster", "--district", "d1"],
            db: db)
        #expect(r.code == 0, "\(r.code) \(r.err)")
    }

    /// Terminal escapes and bidi overrides are refused at import; any already stored are shown
    /// escaped, never sent raw to the help desk's terminal.
    @Test func controlCharactersAreRefusedAndEscapedOnOutput() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        _ = dir.write(
            "e/guardians.csv",
            "guardian_id,given_name,family_name,city\nG1,Ann\u{1b}]0;owned\u{07},Lee,\nG2,Bo,Lee\u{1b}[2J,\nG3,Cy,\u{202e}eeL,\nG4,Di,Lee,Hutch\u{85}inson\nG5,Ed,Lee,Tab\tCity\n"
        )
        let r = try runBinary(["roster", "import", dir.file("e"), "--district", "d1"], db: db)
        #expect(r.code == 3)
        #expect(r.err.contains("guardians.csv:2: given_name: holds a control character"))
        #expect(r.err.contains("guardians.csv:3: family_name: holds a control character"))
        #expect(r.err.contains("guardians.csv:4: family_name: holds a control character"))
        #expect(r.err.contains("guardians.csv:5: city: holds a control character"))
        #expect(!r.err.contains(":6:") && !r.err.contains("\u{1b}"))
        // A value stored before the rule (written here behind the tool's back).
        let handle = try reopen(db)
        try handle.run(
            "UPDATE guardians SET given_name = ? WHERE district_id = 'd1' AND guardian_id = 'G5'",
            [.text("Ed\u{1b}[2J\u{202e}")])
        for format in ["text", "tsv", "csv"] {
            let show = try runBinary(
                ["guardian", "list", "-o", format, "--district", "d1"], db: db)
            #expect(!show.out.contains("\u{1b}") || format != "text", "\(format)")
        }
        let text = try runBinary(["guardian", "show", "G5", "--district", "d1"], db: db)
        #expect(!text.out.contains("\u{1b}") && text.out.contains("Ed\\u{1B}[2J\\u{202E}"))
    }
}
