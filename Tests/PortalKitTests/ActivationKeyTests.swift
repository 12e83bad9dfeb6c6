import Foundation
import Testing

@testable import PortalKit

@Suite struct ActivationKeyTests {
    @Test func formatIs32CrockfordCharactersIn8Groups() throws {
        for _ in 0..<200 {
            let k = try ActivationKey.generate()
            #expect(k.canonical.count == 32)
            #expect(k.canonical.allSatisfy { ActivationKey.alphabet.contains($0) })
            #expect(!k.canonical.contains(where: { "ILOU".contains($0) }))
            #expect(k.grouped.split(separator: "-").count == 8 && k.grouped.count == 39)
            #expect(ActivationKey.parse(k.grouped) == .ok(k))
        }
    }

    @Test func keysDoNotRepeat() throws {
        var seen = Set<String>()
        for _ in 0..<2000 { seen.insert(try ActivationKey.generate().canonical) }
        #expect(seen.count == 2000)
    }

    @Test func inputIsForgiving() throws {
        let k = try ActivationKey.generate()
        let messy = " " + k.grouped.lowercased().replacingOccurrences(of: "-", with: " - ") + "\t"
        #expect(ActivationKey.parse(messy) == .ok(k))
        let confusable = String(
            k.canonical.map { $0 == "0" ? "O" : $0 == "1" ? (Bool.random() ? "I" : "l") : $0 })
        #expect(ActivationKey.parse(confusable) == .ok(k))
        if case .malformed = ActivationKey.parse(String(k.canonical.dropLast())) {
        } else {
            Issue.record("short key must be malformed")
        }
        if case .malformed(let why) = ActivationKey.parse("U" + k.canonical.dropFirst()) {
            #expect(why.contains("U"))
        } else {
            Issue.record("U is not in the alphabet")
        }
    }

    /// Every single wrong character and every swap of two different characters is caught.
    @Test func everySubstitutionAndSwapIsCaught() throws {
        for _ in 0..<40 {
            let k = try ActivationKey.generate()
            let chars = Array(k.canonical)
            for i in 0..<32 {
                for c in ActivationKey.alphabet where c != chars[i] {
                    var m = chars
                    m[i] = c
                    #expect(ActivationKey.parse(String(m)) == .mistyped, "substitution at \(i)")
                }
                for j in (i + 1)..<32 where chars[i] != chars[j] {
                    var m = chars
                    m.swapAt(i, j)
                    #expect(ActivationKey.parse(String(m)) == .mistyped, "swap \(i) and \(j)")
                }
            }
        }
    }

    @Test func onlyTheHashIsStored() throws {
        let k = try ActivationKey.generate()
        #expect(k.hash.count == 64 && !k.hash.contains(k.canonical.lowercased()))
        #expect(k.last4 == String(k.canonical.suffix(4)))
    }
}
