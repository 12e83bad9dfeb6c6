import Testing

@testable import PortalKit

@Suite struct TextLookupTests {
    private func find(_ l: TextLookup, _ s: String) -> String? {
        var s = s
        return s.withUTF8 { l.find($0) }
    }

    private func firstListed(_ l: TextLookup, _ s: String) -> String? {
        var s = s
        return s.withUTF8 { l.firstListed($0) }
    }

    @Test func textsAreFoundByTheirBytesOnly() {
        // Enough texts that places are shared, and texts that are prefixes of others.
        let texts =
            (0..<500).map { "sch-\($0)" } + ["", "é", "9f4d803c-bb78-5a70-ab49-c9a5d80cd793"]
        let lookup = TextLookup(texts)
        for t in texts { #expect(find(lookup, t) == t, "\(t)") }
        for t in [
            "sch-500", "sch-", "sch-1 ", "SCH-1", "e", "9F4D803C-BB78-5A70-AB49-C9A5D80CD793",
        ] {
            #expect(find(lookup, t) == nil, "\(t)")
        }
        #expect(find(TextLookup([]), "sch-1") == nil && find(TextLookup([]), "") == nil)
    }

    @Test func theFirstListedIsReadAsTheFieldsValueWouldBe() {
        let lookup = TextLookup(["org-1", "org-2", "-org-3"])
        // The first item named, in the list's order, spaces about an item left out.
        #expect(firstListed(lookup, "org-1") == "org-1")
        #expect(firstListed(lookup, "org-2,org-1") == "org-2")
        #expect(firstListed(lookup, "district,org-1") == "org-1")
        #expect(firstListed(lookup, "district , org-2 ,org-1") == "org-2")
        #expect(firstListed(lookup, ",,org-2") == "org-2")
        #expect(firstListed(lookup, "district,ORG-1,org-9") == nil)
        // Not told here: what the field's value reads otherwise (a space or guard at its
        // start, a space at its end, a tab, bytes beyond ASCII).
        for field in [" org-1", "org-1 ", "'-org-3", "org-1\t", "\torg-1", "org-1,é", "", ","] {
            #expect(firstListed(lookup, field) == nil, "\(field)")
        }
        #expect(firstListed(lookup, "-org-3") == "-org-3")
    }
}
