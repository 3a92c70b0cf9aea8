import Foundation
import XCTest
@testable import RLBridge

final class VectorLogTests: XCTestCase {
    /// Within 1 ulp of `Foundation.log` over the normal range, and exactly `log` on every special input.
    func testAgreesWithFoundationLogToOneUlp() {
        var x: [Double] = []
        var g = 0.123456789
        for _ in 0..<200_000 {
            g = (g * 9301 + 0.49297).truncatingRemainder(dividingBy: 1)
            x.append(Foundation.exp(-700 + 1400 * g))      // the whole exponent range
            x.append(0.5 + g)                              // around 1, where cancellation is hardest
        }
        x += [1, 2, 0.5, 1e-25, 1 + 1e-15, 1 - 1e-16, 2.0.squareRoot(), 0.5.squareRoot(), .leastNormalMagnitude, .greatestFiniteMagnitude]
        var y = x
        y.withUnsafeMutableBufferPointer { VectorLog.logarithm($0.baseAddress!, count: $0.count) }
        var worst = 0.0
        for (a, b) in zip(x, y) {
            let l = Foundation.log(a)
            worst = max(worst, abs(b - l) / max(l.ulp, Double.leastNonzeroMagnitude))
        }
        print("VectorLog: worst difference to Foundation.log \(worst) ulp")
        XCTAssertLessThanOrEqual(worst, 1)
        let special: [Double] = [0, -0.0, -1, .infinity, -.infinity, .nan, Double.leastNormalMagnitude / 4, Double.leastNonzeroMagnitude * 8, 3, 1e-300, 7, 0]
        for n in 0...special.count {
            var z = special
            z.withUnsafeMutableBufferPointer { VectorLog.logarithm($0.baseAddress!, count: n) }
            for i in 0..<special.count {
                let expected = i < n ? Foundation.log(special[i]) : special[i]
                XCTAssertTrue(z[i] == expected || (z[i].isNaN && expected.isNaN), "length \(n), entry \(i): \(z[i]) vs \(expected)")
            }
        }
    }

    /// A zero, a subnormal or a NaN elsewhere in the buffer changes no other entry's bits (their groups
    /// of four still take the vector kernel).
    func testTheFastPathGivesTheCheckedPathsBits() {
        let x = (0..<36).map { Foundation.exp(-700 + 39.7 * Double($0)) }
        var fast = x
        fast.withUnsafeMutableBufferPointer { VectorLog.logarithm($0.baseAddress!, count: $0.count) }
        for bad in [0, Double.leastNormalMagnitude / 2, .nan, .infinity, -1] {
            var slow = x + [bad, bad, bad, bad]
            slow.withUnsafeMutableBufferPointer { VectorLog.logarithm($0.baseAddress!, count: $0.count) }
            XCTAssertEqual(Array(slow[0..<x.count]).map(\.bitPattern), fast.map(\.bitPattern), "\(bad)")
        }
    }
}
