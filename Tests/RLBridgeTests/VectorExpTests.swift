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
        var nan: [Double] = [.nan, 0, 1]
        nan.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
        XCTAssertTrue(nan[0].isNaN)
        XCTAssertEqual(nan[1], 1)
    }

    /// Lengths that are not multiples of the vector width: every entry, tail included, is done once.
    func testEveryLengthGivesTheSameEntries() {
        let x = (0..<11).map { -3 + 0.7 * Double($0) }
        var whole = x
        whole.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
        for n in 0...x.count {
            var y = x
            y.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: n) }
            XCTAssertEqual(Array(y[0..<n]), Array(whole[0..<n]), "length \(n)")
            XCTAssertEqual(Array(y[n...]), Array(x[n...]), "length \(n): entries past the end were touched")
        }
    }

    /// An entry out of range (or NaN) elsewhere in the buffer changes no other entry's bits.
    func testTheFastPathGivesTheFixedUpPathsBits() {
        let x = (0..<37).map { -707 + 37.9 * Double($0) }   // -707 ... 657.4, all in range
        var fast = x
        fast.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
        for bad in [-707.5, 709.8, .nan, -.infinity, .infinity] {
            for position in [0, 17, x.count] {
                var slow = x
                slow.insert(bad, at: position)
                slow.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
                slow.remove(at: position)
                XCTAssertEqual(slow.map(\.bitPattern), fast.map(\.bitPattern), "\(bad) at \(position)")
            }
        }
    }
}
