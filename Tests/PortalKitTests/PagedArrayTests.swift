import Foundation
import Testing

@testable import PortalKit

@Suite struct PagedArrayTests {
    @Test func valuesSurviveEvictionAndThoseNeverSetReadAsInitial() throws {
        // One page of cache: every other page read goes to the file.
        let a = try PagedArray(initial: -1, cacheBytes: 1)
        let far = 50 * PagedArray.pageValues + 7  // leaves a hole of pages never written
        for i in stride(from: 0, to: 5 * PagedArray.pageValues, by: 3) {
            try a.set(i, Int32(i % 5))
        }
        try a.set(far, 0)  // 0 where the initial is -1: still 0 after a round trip
        #expect(try a[far] == 0)
        for i in stride(from: 0, to: 5 * PagedArray.pageValues, by: 1) {
            #expect(try a[i] == (i % 3 == 0 ? Int32(i % 5) : -1), "\(i)")
        }
        #expect(try a[far] == 0 && a[far - 1] == -1 && a[20 * PagedArray.pageValues] == -1)
        #expect(try a[far + 10 * PagedArray.pageValues] == -1, "beyond the end of the file")
    }
}
