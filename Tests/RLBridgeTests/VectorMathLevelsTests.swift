import CKernels
import Foundation
import Neural
import XCTest
@testable import RLBridge

/// `VectorExp` and `VectorLog` run in C at the widest vector width the CPU has (`Sources/CKernels`):
/// every width gives the same bits, so results do not depend on the machine.
final class VectorMathLevelsTests: XCTestCase {
    /// 300,000 inputs (wide and narrow ranges, random bit patterns: NaNs, infinities, subnormals) and
    /// awkward counts (tails of 1-3, fewer than four): exp, log of positives and log of mixed signs give
    /// the same bits at the baseline, AVX2 and AVX-512 levels that this CPU has.
    func testEveryVectorWidthGivesTheSameBits() {
        var rng = SeededGenerator(seed: 11)
        var inputs: [Double] = []
        for _ in 0 ..< 100_000 { inputs.append(-800 + 1600 * rng.unit()) }
        for _ in 0 ..< 100_000 { inputs.append(-30 + 35 * rng.unit()) }
        for _ in 0 ..< 100_000 { inputs.append(Double(bitPattern: rng.next())) }
        inputs += [0, -0.0, .infinity, -.infinity, .nan, Double.leastNormalMagnitude / 4, 709.7, -707, 709.8, -707.1,
                   .leastNormalMagnitude, .greatestFiniteMagnitude]
        let best = cvm_set_level(2)
        defer { cvm_set_level(best) }
        func run(_ level: Int32, _ x: [Double]) -> [[UInt64]] {
            XCTAssertEqual(cvm_set_level(level), level)
            var e = x, l = x.map { abs($0) }, m = x
            e.withUnsafeMutableBufferPointer { VectorExp.exponentiate($0.baseAddress!, count: $0.count) }
            l.withUnsafeMutableBufferPointer { VectorLog.logarithm($0.baseAddress!, count: $0.count) }
            m.withUnsafeMutableBufferPointer { VectorLog.logarithm($0.baseAddress!, count: $0.count) }
            return [e.map(\.bitPattern), l.map(\.bitPattern), m.map(\.bitPattern)]
        }
        for count in [inputs.count, 13, 7, 4, 1] {
            let x = Array(inputs.suffix(count))
            let baseline = run(0, x)
            for level in stride(from: Int32(1), through: best, by: 1) {
                XCTAssertEqual(run(level, x), baseline, "level \(level), \(count) entries")
            }
        }
        print("vector maths level on this CPU: \(best) (2: AVX-512, 1: AVX2, 0: baseline)")
    }
}
