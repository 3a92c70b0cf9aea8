import XCTest
import Neural

/// The forward pass against a Double reference, and `backward` against Double central
/// differences of the reference.
final class MLPGradientTests: XCTestCase {
    let sizes = [4, 7, 6, 3]
    let batch = 5

    /// Float32 forward agrees with the Double reference to 1e-5 relative (Float rounding is
    /// ~6e-8 per operation; a few dozen accumulated terms stay far below 1e-5).
    func testForwardMatchesDoubleReference() {
        let net = MLP(layerSizes: sizes, seed: 11)
        // Nonzero biases, so that they are exercised too.
        net.parameters = randomFloats(net.parameterCount, seed: 3, scale: 0.8)
        let x = randomFloats(batch * sizes[0], seed: 4)
        let workspace = net.makeWorkspace(maxBatch: batch)
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
        let reference = referenceForward(layerSizes: sizes, parameters: net.parameters.map(Double.init),
                                         input: x.map(Double.init), batch: batch)
        let scale = reference.map(abs).max()!
        XCTAssertGreaterThan(scale, 0.1)
        for k in 0 ..< batch * sizes.last! {
            XCTAssertEqual(Double(y[k]), reference[k], accuracy: 1e-5 * max(abs(reference[k]), scale),
                           "output \(k)")
        }
    }

    /// Loss L = ½ Σ (y − t)², so ∂L/∂y = y − t. Gradients from `backward` (Float32) agree with
    /// Double central differences (h = 1e-6, truncation error ~1e-12) to 1e-3 relative, with an
    /// absolute floor of 1e-5 × the largest gradient for entries near zero.
    func testBackwardMatchesDoubleCentralDifferences() {
        let net = MLP(layerSizes: sizes, seed: 12)
        net.parameters = randomFloats(net.parameterCount, seed: 5, scale: 0.8)
        let x = randomFloats(batch * sizes[0], seed: 6)
        let t = randomFloats(batch * sizes.last!, seed: 7)
        let xd = x.map(Double.init), td = t.map(Double.init)
        let pd = net.parameters.map(Double.init)

        func loss(_ p: [Double]) -> Double {
            let y = referenceForward(layerSizes: sizes, parameters: p, input: xd, batch: batch)
            return zip(y, td).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
        }

        let workspace = net.makeWorkspace(maxBatch: batch)
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
        let dy = (0 ..< t.count).map { y[$0] - t[$0] }
        dy.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: workspace) }

        let h = 1e-6
        var numeric = [Double](repeating: 0, count: pd.count)
        for k in 0 ..< pd.count {
            var plus = pd, minus = pd
            plus[k] += h
            minus[k] -= h
            numeric[k] = (loss(plus) - loss(minus)) / (2 * h)
        }
        let largest = numeric.map(abs).max()!
        XCTAssertGreaterThan(largest, 0.1)
        var worst = 0.0
        for k in 0 ..< pd.count {
            let error = abs(Double(net.gradients[k]) - numeric[k])
            worst = max(worst, error / max(abs(numeric[k]), 1e-2 * largest))
            XCTAssertLessThanOrEqual(error, 1e-3 * abs(numeric[k]) + 1e-5 * largest,
                                     "parameter \(k): backward \(net.gradients[k]), numeric \(numeric[k])")
        }
        // Most weights and biases received some gradient (the check is not vacuous).
        XCTAssertGreaterThan(net.gradients.filter { $0 != 0 }.count, pd.count / 2)
        print("gradient check: worst relative error \(worst)")
    }

    /// `backward` overwrites `gradients` rather than accumulating.
    func testBackwardOverwritesGradients() {
        let net = MLP(layerSizes: sizes, seed: 13)
        let x = randomFloats(batch * sizes[0], seed: 8)
        let dy = randomFloats(batch * sizes.last!, seed: 9)
        let workspace = net.makeWorkspace(maxBatch: batch)
        func run() -> [Float] {
            x.withUnsafeBufferPointer { _ = net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
            dy.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: workspace) }
            return net.gradients
        }
        let first = run()
        XCTAssertEqual(run(), first)
    }

    /// The output gradient may be written in place over the forward outputs.
    func testOutputGradientMayOverwriteTheOutputs() {
        let net = MLP(layerSizes: sizes, seed: 14)
        let x = randomFloats(batch * sizes[0], seed: 10)
        let workspace = net.makeWorkspace(maxBatch: batch)
        let count = batch * sizes.last!
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
        let dy = (0 ..< count).map { 2 * y[$0] - 1 }
        dy.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: workspace) }
        let separate = net.gradients
        let z = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: workspace) }
        for k in 0 ..< count { z[k] = 2 * z[k] - 1 }
        net.backward(outputGradient: z, batch: batch, workspace: workspace)
        XCTAssertEqual(net.gradients, separate)
    }
}
