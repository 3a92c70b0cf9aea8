import XCTest
import Neural

/// The sparse first layer against the dense passes on the same rows, and the gradient variants
/// used by parallel training steps.
final class MLPSparseInputTests: XCTestCase {
    let sizes = [9, 16, 12, 3]
    let batch = 6
    let nonzeros = 3

    /// Rows of Off-MMD's form: two one-hot blocks (value 1) and a last feature with a value that
    /// is 0 in one row (t = 0), plus a row that lists one column twice (it counts twice).
    func sparseRows() -> (columns: [Int32], values: [Float], dense: [Float]) {
        var columns: [Int32] = [], values: [Float] = []
        let time: [Float] = [0, 0.25, 0.5, 0.75, 0.125, 0.625]
        for r in 0 ..< batch {
            let x = Int32(r % 4), y = Int32(4 + (r * 3) % 4)
            columns += r == 5 ? [x, x, 8] : [x, y, 8]
            values += [1, 1, time[r]]
        }
        var dense = [Float](repeating: 0, count: batch * sizes[0])
        for e in columns.indices { dense[(e / nonzeros) * sizes[0] + Int(columns[e])] += values[e] }
        return (columns, values, dense)
    }

    /// The sparse forward pass on `rows` of the sparse rows; returns the outputs inside `workspace`.
    @discardableResult
    func sparseForward(_ net: MLP, _ columns: [Int32], _ values: [Float], rows: Range<Int>,
                       workspace: MLPWorkspace) -> UnsafeMutablePointer<Float> {
        columns.withUnsafeBufferPointer { c in
            values.withUnsafeBufferPointer { v in
                net.forward(columns: c.baseAddress! + rows.lowerBound * nonzeros, values: v.baseAddress! + rows.lowerBound * nonzeros,
                            nonzerosPerRow: nonzeros, batch: rows.count, workspace: workspace)
            }
        }
    }

    /// Outputs and gradients of the sparse passes equal the dense ones: the same sums in another
    /// order, so within Float rounding (1e-6 relative to the largest value) of each other.
    func testSparseForwardAndBackwardEqualTheDensePasses() {
        let net = MLP(layerSizes: sizes, seed: 21)
        net.parameters = randomFloats(net.parameterCount, seed: 22, scale: 0.7)
        let (columns, values, dense) = sparseRows()
        let outputGradient = randomFloats(batch * sizes.last!, seed: 23)
        let workspace = net.makeWorkspace(maxBatch: batch)

        let denseOut = dense.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: net.forward($0.baseAddress!, batch: batch, workspace: workspace), count: batch * 3))
        }
        outputGradient.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: workspace) }
        let denseGradient = net.gradients

        let sparseOut = Array(UnsafeBufferPointer(start: sparseForward(net, columns, values, rows: 0 ..< batch, workspace: workspace),
                                                  count: batch * 3))
        outputGradient.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: workspace) }

        let outScale = denseOut.map(abs).max()!, gradientScale = denseGradient.map(abs).max()!
        XCTAssertGreaterThan(outScale, 0.1)
        XCTAssertGreaterThan(gradientScale, 0.1)
        for k in denseOut.indices { XCTAssertEqual(sparseOut[k], denseOut[k], accuracy: 1e-6 * outScale, "output \(k)") }
        for k in denseGradient.indices {
            XCTAssertEqual(net.gradients[k], denseGradient[k], accuracy: 1e-6 * gradientScale, "gradient \(k)")
        }
        // The first layer's gradient is nonzero only in the columns the rows select.
        for i in 0 ..< sizes[1] {
            XCTAssertEqual(net.gradients[i * sizes[0] + 7], denseGradient[i * sizes[0] + 7])
        }
    }

    /// `backward(into:)` writes what `backward` writes into `gradients`, and the gradients of two
    /// halves of a batch, summed by `sumGradients`, are the gradient of the whole batch.
    func testGradientsOfPartsSumToTheGradientOfTheBatch() {
        let net = MLP(layerSizes: sizes, seed: 31)
        net.parameters = randomFloats(net.parameterCount, seed: 32, scale: 0.7)
        let (columns, values, _) = sparseRows()
        let outputGradient = randomFloats(batch * sizes.last!, seed: 33)
        let workspace = net.makeWorkspace(maxBatch: batch)
        sparseForward(net, columns, values, rows: 0 ..< batch, workspace: workspace)
        outputGradient.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: workspace) }
        let whole = net.gradients

        let parts = [UnsafeMutablePointer<Float>.allocate(capacity: net.parameterCount),
                     UnsafeMutablePointer<Float>.allocate(capacity: net.parameterCount)]
        defer { for p in parts { p.deallocate() } }
        for (k, rows) in [0 ..< 2, 2 ..< batch].enumerated() {
            sparseForward(net, columns, values, rows: rows, workspace: workspace)
            outputGradient.withUnsafeBufferPointer {
                net.backward(outputGradient: $0.baseAddress! + rows.lowerBound * 3, batch: rows.count, workspace: workspace, into: parts[k])
            }
        }
        net.gradients = [Float](repeating: .nan, count: net.parameterCount)
        net.sumGradients(of: parts, count: 2)
        let scale = whole.map(abs).max()!
        for k in whole.indices { XCTAssertEqual(net.gradients[k], whole[k], accuracy: 1e-6 * scale, "gradient \(k)") }
    }
}
