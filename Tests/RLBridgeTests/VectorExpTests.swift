import Foundation
import XCTest
@testable import RLBridge

final class VectorExpTests: XCTestCase {
    func testAgreesWithFoundationExpToAFewUlp() {
        var x: [Double] = []
        var g = 0.123456789
        for _ in 0..<200_000 { g = (g * 9301 + 0.49297).truncatingRemainder(dividingBy: 1); x.append(-707 + 1416.7 * g) }
        x += [0, -0.0, 1e-300, -1e-300, 0.5 * log(2.0), -0.5 * log(2.0), 709.7, -707, 1, -1, 30, -30]
        var y = x
        y.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
        var worst = 0.0
        for (a, b) in zip(x, y) {
            let e = exp(a)
            worst = max(worst, abs(b - e) / e)
        }
        print("VectorExp: worst relative difference to Foundation.exp \(worst)")
        XCTAssertLessThan(worst, 2 * Double.ulpOfOne)
        var special: [Double] = [-.infinity, -800, 800, .infinity, -708]
        special.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(special[0], 0)
        XCTAssertEqual(special[1], 0)
        XCTAssertEqual(special[2], .infinity)
        XCTAssertEqual(special[3], .infinity)
        XCTAssertEqual(special[4], 0)
    }
}
