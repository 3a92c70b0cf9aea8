/// Timings of ``MLP`` training steps, for the command-line `bench` and for choosing
/// `OPENBLAS_NUM_THREADS`.
public enum NeuralBenchmark {
    /// The outcome of ``trainingStep(layerSizes:batch:minibatches:seed:)``.
    public struct TrainingStepResult: Sendable {
        public var layerSizes: [Int]
        public var batch: Int
        public var minibatches: Int
        /// Seconds for all the timed minibatches (forward + backward + Adam step each).
        public var totalSeconds: Double
        /// `totalSeconds / minibatches`.
        public var secondsPerMinibatch: Double
        /// The BLAS thread count during the run (`nil` if unknown).
        public var blasThreads: Int?
        /// The synthetic MSE loss of the first and last timed minibatch (a sanity check that
        /// training moved).
        public var firstLoss: Float
        public var lastLoss: Float
    }

    /// Times `minibatches` training steps of an MLP on a synthetic regression with MSE loss.
    ///
    /// Each step is a forward pass on `batch` rows, the MSE gradient, a backward pass and an
    /// Adam step (learning rate 1e-3): the inner loop of Off-MMD's Q-network fit. Inputs are
    /// sparse one-hot-like rows plus a time feature, like the Off-MMD states, drawn once into
    /// a pool of 16 minibatches that is cycled; targets are random. Ten untimed warm-up steps
    /// come first. Nothing is allocated inside the timed loop.
    ///
    /// The BLAS thread count is whatever is set (`OPENBLAS_NUM_THREADS` or ``BLASThreads``).
    public static func trainingStep(layerSizes: [Int] = [27, 128, 128, 128, 5], batch: Int = 512,
                                    minibatches: Int = 2000, seed: UInt64 = 1) -> TrainingStepResult
    {
        let inputs = layerSizes[0], outputs = layerSizes[layerSizes.count - 1]
        let pool = 16
        var rng = SeededGenerator(seed: seed &+ 0x5EED)
        var x = [Float](repeating: 0, count: pool * batch * inputs)
        var y = [Float](repeating: 0, count: pool * batch * outputs)
        for r in 0 ..< pool * batch {
            // Two one-hot blocks (as for position and action) and a time feature in [0, 1).
            let split = max(1, (inputs - 1) / 2)
            x[r * inputs + rng.index(below: split)] = 1
            if inputs - 1 > split { x[r * inputs + split + rng.index(below: inputs - 1 - split)] = 1 }
            x[r * inputs + inputs - 1] = Float(rng.unit())
            for j in 0 ..< outputs { y[r * outputs + j] = Float(2 * rng.unit() - 1) }
        }
        let net = MLP(layerSizes: layerSizes, seed: seed)
        let workspace = net.makeWorkspace(maxBatch: batch)
        let adam = Adam(parameterCount: net.parameterCount)
        var gradient = [Float](repeating: 0, count: batch * outputs)
        let scale = 2 / Float(batch * outputs)

        func step(_ k: Int) -> Float {
            let b = k % pool
            var loss: Float = 0
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    gradient.withUnsafeMutableBufferPointer { g in
                        let out = net.forward(x.baseAddress! + b * batch * inputs, batch: batch,
                                              workspace: workspace)
                        let target = y.baseAddress! + b * batch * outputs
                        for i in 0 ..< batch * outputs {
                            let e = out[i] - target[i]
                            loss += e * e
                            g[i] = scale * e
                        }
                        net.backward(outputGradient: g.baseAddress!, batch: batch, workspace: workspace)
                    }
                }
            }
            adam.step(net)
            return loss / Float(batch * outputs)
        }

        for k in 0 ..< 10 { _ = step(k) }
        let clock = ContinuousClock()
        var first: Float = 0, last: Float = 0
        let elapsed = clock.measure {
            for k in 0 ..< minibatches {
                let loss = step(k)
                if k == 0 { first = loss }
                last = loss
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return TrainingStepResult(layerSizes: layerSizes, batch: batch, minibatches: minibatches,
                                  totalSeconds: seconds,
                                  secondsPerMinibatch: seconds / Double(max(minibatches, 1)),
                                  blasThreads: BLASThreads.current, firstLoss: first, lastLoss: last)
    }
}
