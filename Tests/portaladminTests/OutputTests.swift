import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct OutputTests {
    @Test func alignedTableOnATerminal() throws {
        let dir = TempDir()
        let db = try makeDistricts(dir)
        let r = runInProcess(["district", "list"], db: db, tty: true)
        #expect(r.out.hasPrefix("DISTRICT ID  NAME"), "\(r.out)")
    }

    @Test func wideCharactersAndCutting() {
        #expect(Render.displayWidth("日本") == 4)
        #expect(Render.displayWidth("José") == 4)
        #expect(Render.cut("abcdefghij", 5) == "abcd…")
        var t = Table(["name", "note"])
        t.add([.string("Zoë"), .string(String(repeating: "x", count: 200))])
        let s = Render.table(t, format: .text, tty: true, width: 40)
        #expect(s.split(separator: "\n").allSatisfy { Render.displayWidth(String($0)) <= 40 })
        let piped = Render.table(t, format: .text, tty: false, width: 40)
        #expect(piped.contains(String(repeating: "x", count: 200)), "piped output is never cut")
    }

    @Test func csvQuotingAndTSVCleaning() {
        var t = Table(["a", "b"])
        t.add([.string("x, \"y\""), .string("line1\nline2")])
        #expect(
            Render.table(t, format: .csv, tty: false, width: 0)
                == "a,b\r\n\"x, \"\"y\"\"\",\"line1\nline2\"\r\n")
        #expect(
            Render.table(t, format: .tsv, tty: false, width: 0) == "a\tb\nx, \"y\"\tline1 line2\n")
    }
}
