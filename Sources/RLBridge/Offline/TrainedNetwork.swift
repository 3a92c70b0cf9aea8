import Neural

/// An MLP trained by Adam on minibatches, with its workspace (for minibatches and for tables of
/// `chunk` rows) and its output-gradient buffer.
final class TrainedNetwork {
    let network: MLP
    let adam: Adam
    let workspace: MLPWorkspace
    let batchSize: Int, chunk: Int
    private var gradient: [Float]   // [B W]

    /// He-initialised from `seed`; tables are computed `chunk` (>= the batch size) rows at a time.
    init(layerSizes: [Int], seed: UInt64, learningRate: Float, batchSize: Int, chunk: Int) {
        network = MLP(layerSizes: layerSizes, seed: seed)
        adam = Adam(parameterCount: network.parameterCount, learningRate: learningRate)
        workspace = network.makeWorkspace(maxBatch: chunk)
        self.batchSize = batchSize
        self.chunk = chunk
        gradient = [Float](repeating: 0, count: batchSize * network.outputCount)
    }

    /// The learners' network: `inputs -> settings.hidden -> outputs`, seeded `settings.seed + k`
    /// (`k` tells a learner's networks apart), Adam at the settings' rate, tables 1024 rows at a time.
    convenience init(inputs: Int, outputs: Int, settings: OfflineSettings, seedOffset k: UInt64) {
        self.init(layerSizes: [inputs] + settings.hidden + [outputs], seed: settings.seed &+ k,
                  learningRate: settings.learningRate, batchSize: settings.batchSize, chunk: max(settings.batchSize, 1024))
    }

    /// One Adam step on the minibatch `input` (`[B][F]`): `fill(b, outputs_b, gradient_b)` writes
    /// dL/d(outputs) of row b.
    @inline(__always)
    func step(_ input: [Float], fill: (Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let B = batchSize, W = network.outputCount, net = network, ws = workspace
        gradient.withUnsafeMutableBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                let y = net.forward(x.baseAddress!, batch: B, workspace: ws)
                for b in 0..<B { fill(b, y + b * W, g.baseAddress! + b * W) }
                net.backward(outputGradient: g.baseAddress!, batch: B, workspace: ws)
            }
        }
        adam.step(net)
    }

    /// `out[(t S + s) W + j]` = output j of `net` (this network or a copy of it, such as a frozen
    /// target) at every (t, s), from the features' table.
    func table(of net: MLP, features: OfflineFeatures, into out: inout [Double]) {
        let F = features.count, rows = features.table.count / F, W = net.outputCount, ws = workspace
        if out.count != rows * W { out = [Double](repeating: 0, count: rows * W) }
        features.table.withUnsafeBufferPointer { f in
            out.withUnsafeMutableBufferPointer { o in
                var start = 0
                while start < rows {
                    let n = min(chunk, rows - start)
                    let y = net.forward(f.baseAddress! + start * F, batch: n, workspace: ws)
                    for k in 0..<(n * W) { o[start * W + k] = Double(y[k]) }
                    start += n
                }
            }
        }
    }
}
