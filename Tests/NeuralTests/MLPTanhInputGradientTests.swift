import Foundation
import Neural
import XCTest

/// The tanh activation and the input gradient (what generators and flows back-propagate),
/// against Double central differences of the Double reference.
final class MLPTanhInputGradientTests: XCTestCase {
    let sizes = [3, 8, 6, 2]
    let batch = 4

    /// Parameter and input gradients of L = ½ Σ (y − t)² for a tanh network agree with central
    /// differences (h = 1e-6) to 1e-3 relative, with a floor of 1e-5 × the largest entry
    /// (Float32 accumulation error ~1e-6 relative over these few dozen terms).
    func testTanhGradientsMatchCentralDifferences() {
        let net = MLP(layerSizes: sizes, seed: 21, activation: .tanh)
        net.parameters = randomFloats(net.parameterCount, seed: 22, scale: 0.8)
        let x = randomFloats(batch * sizes[0], seed: 23)
        let t = randomFloats(batch * sizes.last!, seed: 24)
        let pd = net.parameters.map(Double.init), xd = x.map(Double.init), td = t.map(Double.init)
        func loss(_ p: [Double], _ input: [Double]) -> Double {
            let y = referenceForward(layerSizes: sizes, parameters: p, input: input, batch: batch, tanhHidden: true)
            return zip(y, td).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        let workspace = net.makeWorkspace(maxBatch: batch)
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
        let reference = referenceForward(layerSizes: sizes, parameters: pd, input: xd, batch: batch, tanhHidden: true)
        for k in 0 ..< reference.count { XCTAssertEqual(Double(y[k]), reference[k], accuracy: 1e-5) }
        let dy = (0 ..< t.count).map { y[$0] - t[$0] }
        var dx = [Float](repeating: .nan, count: x.count)
        dy.withUnsafeBufferPointer { g in
            dx.withUnsafeMutableBufferPointer {
                net.backward(outputGradient: g.baseAddress!, batch: batch, workspace: workspace,
                             inputGradient: $0.baseAddress!)
            }
        }
        let h = 1e-6
        func check(_ analytic: [Float], _ numeric: [Double], _ what: String) {
            let largest = numeric.map(abs).max()!
            XCTAssertGreaterThan(largest, 1e-2)
            for k in numeric.indices {
                XCTAssertLessThanOrEqual(abs(Double(analytic[k]) - numeric[k]), 1e-3 * abs(numeric[k]) + 1e-5 * largest,
                                         "\(what) \(k)")
            }
        }
        check(net.gradients, pd.indices.map { k in
            var plus = pd, minus = pd
            plus[k] += h; minus[k] -= h
            return (loss(plus, xd) - loss(minus, xd)) / (2 * h)
        }, "parameter")
        check(dx, xd.indices.map { k in
            var plus = xd, minus = xd
            plus[k] += h; minus[k] -= h
            return (loss(pd, plus) - loss(pd, minus)) / (2 * h)
        }, "input")
    }

    /// The input gradient of a ReLU network too (the default activation).
    func testReluInputGradientMatchesCentralDifferences() {
        let sizes = [2, 9, 3]
        let net = MLP(layerSizes: sizes, seed: 31)
        net.parameters = randomFloats(net.parameterCount, seed: 32, scale: 0.8)
        let x = randomFloats(batch * sizes[0], seed: 33)
        let workspace = net.makeWorkspace(maxBatch: batch)
        _ = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
        // L = Σ y, so ∂L/∂y = 1.
        let ones = [Float](repeating: 1, count: batch * sizes.last!)
        var dx = [Float](repeating: 0, count: x.count)
        ones.withUnsafeBufferPointer { g in
            dx.withUnsafeMutableBufferPointer {
                net.backward(outputGradient: g.baseAddress!, batch: batch, workspace: workspace, inputGradient: $0.baseAddress!)
            }
        }
        let pd = net.parameters.map(Double.init), xd = x.map(Double.init)
        func loss(_ input: [Double]) -> Double {
            referenceForward(layerSizes: sizes, parameters: pd, input: input, batch: batch).reduce(0, +)
        }
        for k in xd.indices {
            var plus = xd, minus = xd
            plus[k] += 1e-6; minus[k] -= 1e-6
            XCTAssertEqual(Double(dx[k]), (loss(plus) - loss(minus)) / 2e-6, accuracy: 1e-4, "input \(k)")
        }
    }

    /// A tanh network is refused by the ReLU-only file format rather than written wrongly.
    func testTanhNetworkIsNotWrittenAsReLU() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tanh-\(UUID()).mlp")
        XCTAssertThrowsError(try MLP(layerSizes: [2, 3, 1], seed: 1, activation: .tanh).write(to: url))
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
