import XCTest
import Neural

/// Shape, initialisation, determinism, batches, copies.
final class MLPTests: XCTestCase {
    func testShapeAndParameterCount() {
        let net = MLP(layerSizes: [27, 128, 128, 128, 5], seed: 1)
        XCTAssertEqual(net.inputCount, 27)
        XCTAssertEqual(net.outputCount, 5)
        XCTAssertEqual(net.parameterCount, 28 * 128 + 129 * 128 + 129 * 128 + 129 * 5)
        XCTAssertEqual(net.parameters.count, net.parameterCount)
        XCTAssertEqual(net.gradients.count, net.parameterCount)
    }

    /// He uniform: weights in ±√(6/fan-in), not all tiny; biases exactly 0.
    func testHeUniformInitialisation() {
        let sizes = [10, 40, 3]
        let net = MLP(layerSizes: sizes, seed: 2)
        var offset = 0
        for (n, m) in zip(sizes, sizes.dropFirst()) {
            let bound = Float((6.0 / Double(n)).squareRoot())
            let weights = net.parameters[offset ..< offset + n * m]
            XCTAssertLessThanOrEqual(weights.map(abs).max()!, bound)
            XCTAssertGreaterThan(weights.map(abs).max()!, 0.8 * bound)
            // Mean square of U(-a, a) is a²/3 = 2/n.
            let meanSquare = weights.reduce(0) { $0 + $1 * $1 } / Float(n * m)
            XCTAssertEqual(meanSquare, 2 / Float(n), accuracy: 0.5 / Float(n))
            XCTAssertEqual(Array(net.parameters[offset + n * m ..< offset + (n + 1) * m]),
                           [Float](repeating: 0, count: m))
            offset += (n + 1) * m
        }
    }

    func testSameSeedGivesIdenticalParameters() {
        let a = MLP(layerSizes: [27, 128, 128, 128, 5], seed: 42)
        let b = MLP(layerSizes: [27, 128, 128, 128, 5], seed: 42)
        let c = MLP(layerSizes: [27, 128, 128, 128, 5], seed: 43)
        XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern))
        XCTAssertNotEqual(a.parameters, c.parameters)
    }

    /// A batch smaller than the workspace's maxBatch gives the same rows as single-row passes
    /// and as the full batch, and its backward pass sums the single-row gradients.
    func testBatchesSmallerThanMaxBatch() {
        let sizes = [6, 16, 16, 4]
        let net = MLP(layerSizes: sizes, seed: 3)
        net.parameters = randomFloats(net.parameterCount, seed: 30, scale: 0.5)
        let maxBatch = 8
        let x = randomFloats(maxBatch * sizes[0], seed: 31)
        let workspace = net.makeWorkspace(maxBatch: maxBatch)
        XCTAssertEqual(workspace.maxBatch, maxBatch)

        func outputs(row: Int, batch: Int) -> [Float] {
            x.withUnsafeBufferPointer {
                let y = net.forward($0.baseAddress! + row * sizes[0], batch: batch, workspace: workspace)
                return Array(UnsafeBufferPointer(start: y, count: batch * sizes.last!))
            }
        }
        let full = outputs(row: 0, batch: maxBatch)
        let three = outputs(row: 0, batch: 3)
        let reference = referenceForward(layerSizes: sizes, parameters: net.parameters.map(Double.init),
                                         input: x.map(Double.init), batch: maxBatch)
        for k in 0 ..< 3 * 4 {
            XCTAssertEqual(three[k], full[k], accuracy: 1e-6)
            XCTAssertEqual(Double(three[k]), reference[k], accuracy: 1e-5)
        }
        for r in 0 ..< maxBatch {
            let one = outputs(row: r, batch: 1)
            for j in 0 ..< 4 { XCTAssertEqual(one[j], full[r * 4 + j], accuracy: 1e-6) }
        }
        // The gradient of Σ outputs over 3 rows equals the sum of the single-row gradients.
        let ones = [Float](repeating: 1, count: maxBatch * 4)
        var summed = [Float](repeating: 0, count: net.parameterCount)
        for r in 0 ..< 3 {
            _ = outputs(row: r, batch: 1)
            ones.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: 1, workspace: workspace) }
            for k in summed.indices { summed[k] += net.gradients[k] }
        }
        _ = outputs(row: 0, batch: 3)
        ones.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: 3, workspace: workspace) }
        for k in summed.indices {
            XCTAssertEqual(net.gradients[k], summed[k], accuracy: 1e-5 * max(1, abs(summed[k])))
        }
    }

    func testCopyIsIndependentAndCopyParametersSyncs() {
        let net = MLP(layerSizes: [5, 8, 2], seed: 4)
        let target = net.copy()
        XCTAssertEqual(target.layerSizes, net.layerSizes)
        XCTAssertEqual(target.parameters, net.parameters)
        net.parameters[0] += 1
        XCTAssertNotEqual(target.parameters[0], net.parameters[0])
        target.copyParameters(from: net)
        XCTAssertEqual(target.parameters, net.parameters)
        // One workspace fits both networks of the same shape.
        let workspace = net.makeWorkspace(maxBatch: 2)
        let x: [Float] = [1, 2, 3, 4, 5, -1, 0, 1, 0, 2]
        func outputs(_ model: MLP) -> [Float] {
            x.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: model.forward($0.baseAddress!, batch: 2, workspace: workspace), count: 4))
            }
        }
        XCTAssertEqual(outputs(net), outputs(target))
    }
}
