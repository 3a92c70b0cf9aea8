import Foundation
import Neural

/// Settings of the offline learners and of D-MOMD (defaults: Off-MMD's).
public struct OfflineSettings: Sendable {
    public var iterations = 100
    public var updatesPerIteration = 2000
    public var batchSize = 512
    public var hidden = [128, 128, 128]
    /// Softmax temperature of the Q policy (Off-MMD: 20); the in-sample learner's alpha (OMIGA: 10).
    public var tau = 20.0
    /// Munchausen weight of `tau log pi_prev` (Off-MMD: 0.99).
    public var alpha = 0.99
    /// CQL weight eta (Off-MMD's repository: 3).
    public var cqlWeight = 3.0
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    /// Use the exact mean field of the current policy instead of the importance-sampling estimate.
    public var exactMeanField = false
    /// Target refreshes per outer iteration (Off-MMD: 1, the target frozen for the whole iteration):
    /// the updates are split into this many phases, and Q_target is refreshed between them while
    /// pi_prev stays pi_k. With the horizon's number of refreshes, each iteration evaluates pi_k fully
    /// (Munchausen mirror descent with full evaluation).
    public var targetUpdates = 1
    /// d-momd: episodes sampled per iteration and the uniform-exploration weight epsilon.
    public var episodesPerIteration = 1000
    public var epsilon = 0.1
    /// Threads of the networks' training steps, at most 4 (nil: one per core). Each minibatch is
    /// split into the same 4 parts whatever the count, so the results do not depend on it.
    public var threads: Int? = nil
    /// The arithmetic of the networks' matrix products (`MatmulPrecision`): bfloat16 products with
    /// float32 accumulation, the same bits on every CPU (so the learning is the same on every x86-64
    /// machine with the same build); float32 for OpenBLAS's sgemm, whose order depends on the CPU.
    public var matmulPrecision: MatmulPrecision = .bfloat16
    public init() {}

    /// The threads a training step uses: `threads`, or one per active core, at most 4.
    public var workers: Int { min(threads ?? ProcessInfo.processInfo.activeProcessorCount, TrainedNetwork.parts) }

    /// Refuses settings that `algorithm` cannot run with.
    public func check(for algorithm: OfflineAlgorithm) throws {
        try RLLimits.check(iterations: iterations, flag: "--iterations")
        guard updatesPerIteration >= 1, updatesPerIteration <= RLLimits.updatesPerIteration else {
            throw RLError.usage("--updates-per-iteration must lie in 1 ... \(RLLimits.updatesPerIteration), got \(updatesPerIteration)")
        }
        guard batchSize >= 1 else { throw RLError.usage("--batch-size must be at least 1, got \(batchSize)") }
        guard !hidden.isEmpty, hidden.allSatisfy({ $0 >= 1 }) else { throw RLError.usage("--hidden: layer widths must be positive") }
        // The hidden layers alone (the game's inputs and outputs are added in OfflineTraining).
        try RLLimits.checkNetwork(inputs: 1, hidden: hidden, outputs: 1, batch: batchSize)
        guard tau.isFinite, tau > 0 else { throw RLError.usage("--tau must be > 0, got \(tau)") }
        guard alpha >= 0, alpha <= 1 else { throw RLError.usage("--alpha must lie in [0, 1], got \(alpha)") }
        guard cqlWeight >= 0, cqlWeight.isFinite else { throw RLError.usage("--cql-weight must be >= 0, got \(cqlWeight)") }
        guard learningRate > 0, learningRate <= 1 else { throw RLError.usage("--learning-rate (Adam's) must lie in (0, 1], got \(learningRate)") }
        guard epsilon >= 0, epsilon <= 1 else { throw RLError.usage("--epsilon must lie in [0, 1], got \(epsilon)") }
        if let threads, threads < 1 || threads > TrainedNetwork.parts {
            throw RLError.usage("--threads must lie in 1 ... \(TrainedNetwork.parts), got \(threads)")
        }
        guard targetUpdates >= 1, targetUpdates <= updatesPerIteration || ![.offMMD, .dMOMD].contains(algorithm) else {
            throw RLError.usage("--target-updates must lie in 1 ... --updates-per-iteration")
        }
        if algorithm == .dMOMD {
            guard episodesPerIteration >= 1, episodesPerIteration <= RLLimits.updatesPerIteration else {
                throw RLError.usage("--episodes-per-iteration must lie in 1 ... \(RLLimits.updatesPerIteration), got \(episodesPerIteration)")
            }
        }
    }
}
