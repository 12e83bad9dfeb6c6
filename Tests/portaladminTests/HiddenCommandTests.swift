import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

@Suite struct HiddenCommandTests {
    /// A hidden command parses, but a typo is never answered with it.
    @Test func hiddenCommandsAreNeverSuggested() throws {
        let r = try runBinary(["man"])
        #expect(r.code == 64 && r.err.contains("unknown command") && !r.err.contains("__man"))
        let near = try runBinary(["distrct", "list"])
        #expect(near.code == 64 && near.err.contains("did you mean 'district'?"))
    }
}
