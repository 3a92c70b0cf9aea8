import Dispatch
import Neural

/// An MLP trained by Adam on minibatches, with its workspaces and gradient buffers.
///
/// A training step splits the minibatch's distinct observations into `parts` (4) parts, runs the
/// parts on up to `workers` threads (`ParallelParts`; a `WorkerTuner` times whether the helpers
/// help on this machine now), and sums their gradients in order: the split does not depend on the
/// threads, so neither do the results.
final class TrainedNetwork {
    let network: MLP
    let adam: Adam
    /// The workspace of worker 0, also for tables of `chunk` rows.
    let workspace: MLPWorkspace
    let batchSize: Int, chunk: Int
    /// The threads a training step may use (1: the caller alone), and whether it uses them now.
    let workers: Int
    private var tuner: WorkerTuner
    /// When the last step started (uptime nanoseconds; 0 before the first).
    private var lastStep: UInt64 = 0
    /// The number of parts of a minibatch.
    static let parts = 4
    /// Per worker: a workspace, and dL/d(outputs) of its part's observations (`[B W]`) and of one
    /// transition (`[W]`).
    private let workspaces: [MLPWorkspace]
    private let outputGradients: [UnsafeMutablePointer<Float>]
    private let samples: [UnsafeMutablePointer<Float>]
    /// The gradient of each part of the minibatch.
    private let partGradients: [UnsafeMutablePointer<Float>]

    /// He-initialised from `seed`; tables are computed `chunk` (>= the batch size) rows at a time.
    init(layerSizes: [Int], seed: UInt64, learningRate: Float, batchSize: Int, chunk: Int, workers: Int,
         matmulPrecision: MatmulPrecision) {
        network = MLP(layerSizes: layerSizes, seed: seed)
        network.matmulPrecision = matmulPrecision
        adam = Adam(parameterCount: network.parameterCount, learningRate: learningRate)
        self.batchSize = batchSize
        self.chunk = chunk
        self.workers = max(1, min(workers, Self.parts))
        tuner = WorkerTuner(workers: self.workers)
        workspace = network.makeWorkspace(maxBatch: chunk)
        workspaces = [workspace] + (1..<self.workers).map { [network] _ in network.makeWorkspace(maxBatch: batchSize) }
        // Whole cache lines each: two workers writing the same line would pass it between cores
        // on every write (the per-transition gradient is written for every transition).
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let lines = (count * MemoryLayout<Float>.stride + 63) / 64
            let raw = UnsafeMutableRawPointer.allocate(byteCount: lines * 64, alignment: 64)
            return raw.initializeMemory(as: Float.self, repeating: 0, count: lines * 16)
        }
        let W = network.outputCount, P = network.parameterCount
        outputGradients = (0..<self.workers).map { _ in buffer(batchSize * W) }
        samples = (0..<self.workers).map { _ in buffer(W) }
        partGradients = (0..<Self.parts).map { _ in buffer(P) }
    }

    deinit {
        for pointer in outputGradients + samples + partGradients { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    /// The learners' network: `inputs -> settings.hidden -> outputs`, seeded `settings.seed + k`
    /// (`k` tells a learner's networks apart), Adam at the settings' rate, tables 1024 rows at a
    /// time, the settings' workers and matrix-product precision.
    convenience init(inputs: Int, outputs: Int, settings: OfflineSettings, seedOffset k: UInt64) {
        self.init(layerSizes: [inputs] + settings.hidden + [outputs], seed: settings.seed &+ k,
                  learningRate: settings.learningRate, batchSize: settings.batchSize, chunk: max(settings.batchSize, 1024),
                  workers: settings.workers, matmulPrecision: settings.matmulPrecision)
    }

    /// One Adam step on the loss summed over the transitions of the minibatch `batches`:
    /// `fill(b, outputs_b, gradient_b)` writes dL/d(outputs) of transition b into `gradient_b`, from
    /// the outputs at its observation (shared by the transitions with the same observation: read
    /// them, do not change them). The network runs on the distinct observations only, each with the
    /// sum of its transitions' gradients, which gives the gradient of the whole minibatch. With
    /// several workers `fill` runs on several threads at once, for different transitions.
    func step(_ batches: TransitionBatches, fill: (Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let W = network.outputCount, net = network, rows = batches.observationCount, k = batches.features.nonzeros
        // The tuner times a step and what follows until the next one (the next minibatch's draw), so
        // that a helper that slows the caller down between runs counts against the helpers; the first
        // step after an outer iteration's evaluation is not timed.
        let now = DispatchTime.now().uptimeNanoseconds
        if lastStep > 0 && now - lastStep < 20_000_000 { tuner.record(seconds: Double(now - lastStep) * 1e-9) }
        lastStep = now
        let parts = min(Self.parts, rows), workers = tuner.workers
        batches.columns.withUnsafeBufferPointer { c in
            batches.values.withUnsafeBufferPointer { v in
                batches.members.withUnsafeBufferPointer { members in
                    batches.memberStart.withUnsafeBufferPointer { start in
                        ParallelParts.run(count: parts, workers: workers) { part, worker in
                            let first = rows * part / parts, last = rows * (part + 1) / parts
                            let ws = workspaces[worker], g = outputGradients[worker], one = samples[worker]
                            let y = net.forward(columns: c.baseAddress! + first * k, values: v.baseAddress! + first * k,
                                                nonzerosPerRow: k, batch: last - first, workspace: ws)
                            g.update(repeating: 0, count: (last - first) * W)
                            for u in first..<last {
                                let row = (u - first) * W
                                for j in Int(start[u])..<Int(start[u + 1]) {
                                    fill(Int(members[j]), y + row, one)
                                    for a in 0..<W { g[row + a] += one[a] }
                                }
                            }
                            net.backward(outputGradient: g, batch: last - first, workspace: ws, into: partGradients[part])
                        }
                    }
                }
            }
        }
        net.sumGradients(of: partGradients, count: parts)
        adam.step(net)
    }

    /// `out[(t S + s) W + j]` = output j of `net` (this network or a copy of it, such as a frozen
    /// target) at every (t, s), from the features.
    func table(of net: MLP, features: OfflineFeatures, into out: inout [Double]) {
        let k = features.nonzeros, rows = features.observations, W = net.outputCount, ws = workspace
        if out.count != rows * W { out = [Double](repeating: 0, count: rows * W) }
        features.columns.withUnsafeBufferPointer { c in
            features.values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    var start = 0
                    while start < rows {
                        let n = min(chunk, rows - start)
                        let y = net.forward(columns: c.baseAddress! + start * k, values: v.baseAddress! + start * k, nonzerosPerRow: k,
                                            batch: n, workspace: ws)
                        for j in 0..<(n * W) { o[start * W + j] = Double(y[j]) }
                        start += n
                    }
                }
            }
        }
    }
}
