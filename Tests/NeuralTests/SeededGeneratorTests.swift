import XCTest
import Neural

final class SeededGeneratorTests: XCTestCase {
    /// `index(below:)` covers 0 ..< n about uniformly (it once returned 0 always: `>>` binds
    /// tighter than `&*` in Swift, so the multiply-shift needs its parentheses).
    func testIndexBelowCoversTheRange() {
        var rng = SeededGenerator(seed: 1)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0 ..< 10_000 { counts[rng.index(below: 10)] += 1 }
        for count in counts { XCTAssertEqual(Double(count), 1000, accuracy: 150) }
        for _ in 0 ..< 1000 { XCTAssertEqual(rng.index(below: 1), 0) }
    }
}
