import Neural

/// The trained parameters of an ``MLP`` as an immutable value, so that a fitted model is
/// `Sendable`; ``evaluate(_:rows:)`` builds a network and a workspace of its own per call.
struct FrozenNetwork: Sendable, Equatable {
    let layerSizes: [Int]
    let parameters: [Float]
    let activation: MLP.Activation

    init(_ network: MLP) {
        layerSizes = network.layerSizes
        parameters = network.parameters
        activation = network.activation
    }

    var inputCount: Int { layerSizes[0] }
    var outputCount: Int { layerSizes[layerSizes.count - 1] }

    /// The outputs for `rows` rows of inputs (row-major), in chunks of at most 1024 rows.
    func evaluate(_ input: [Float], rows: Int) -> [Float] {
        precondition(input.count == rows * inputCount, "\(rows) rows of \(inputCount) inputs expected")
        let network = MLP(layerSizes: layerSizes, parameters: parameters, activation: activation)
        let chunk = min(max(rows, 1), 1024)
        let workspace = network.makeWorkspace(maxBatch: chunk)
        var output = [Float](repeating: 0, count: rows * outputCount)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                var start = 0
                while start < rows {
                    let count = min(chunk, rows - start)
                    let out = network.forward(x.baseAddress! + start * inputCount, batch: count, workspace: workspace)
                    (y.baseAddress! + start * outputCount).update(from: out, count: count * outputCount)
                    start += count
                }
            }
        }
        return output
    }
}
