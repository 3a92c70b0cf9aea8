import CKernels
import Foundation
import XCTest
import Neural
@testable import RLBridge

/// The minibatches of distinct observations and the parted training step against the plain
/// per-transition computation.
final class TrainingStepTests: XCTestCase {
    let game = try! FourRooms.make(task: .exploration, horizon: 6)

    func dataset(episodes: Int) throws -> OfflineDataset {
        try DatasetGenerator.generate(game: game, components: [.init(name: "random", policy: game.uniformPolicy, proportion: 1)],
                                      episodes: episodes, seed: 3, gameSpec: [:])
    }

    /// The features of four rooms (13 x 13 cells): one-hot x, one-hot y, t/H.
    func testFeaturesAreOneHotCellsAndTime() {
        let features = OfflineFeatures(game: game)
        XCTAssertEqual(features.count, 27)
        XCTAssertEqual(features.nonzeros, 3)
        let table = features.table, S = game.states
        for (t, s) in [(0, 0), (2, 14), (5, S - 1)] {
            var row = [Float](repeating: 0, count: 27)
            row[s / 13] = 1
            row[13 + s % 13] = 1
            row[26] = Float(t) / 6
            XCTAssertEqual(Array(table[(t * S + s) * 27 ..< (t * S + s + 1) * 27]), row, "t \(t), s \(s)")
        }
    }

    /// Each transition of a minibatch belongs to exactly one distinct observation, which is its
    /// (t, s), and the observations' features are those of the table.
    func testMinibatchGroupsTransitionsByObservation() throws {
        let d = try dataset(episodes: 50)
        let features = OfflineFeatures(game: game)
        var batches = TransitionBatches(dataset: d, features: features, batchSize: 200, seed: 4)
        for _ in 0 ..< 5 {
            batches.draw()
            let U = batches.observationCount, k = features.nonzeros
            var seen = [Bool](repeating: false, count: 200), observations = Set<Int>()
            for u in 0 ..< U {
                var observation: Int?
                for j in Int(batches.memberStart[u]) ..< Int(batches.memberStart[u + 1]) {
                    let b = Int(batches.members[j])
                    XCTAssertFalse(seen[b])
                    seen[b] = true
                    let (t, s, a, _) = batches.transition(batches.picked[b])
                    XCTAssertEqual(Int(batches.states[b]), s)
                    XCTAssertEqual(Int(batches.actions[b]), a)
                    let o = t * game.states + s
                    XCTAssert(observation == nil || observation == o)
                    observation = o
                }
                let o = try XCTUnwrap(observation)
                XCTAssert(observations.insert(o).inserted, "observation \(o) twice")
                XCTAssertEqual(Array(batches.columns[u * k ..< (u + 1) * k]), Array(features.columns[o * k ..< (o + 1) * k]))
                XCTAssertEqual(Array(batches.values[u * k ..< (u + 1) * k]), Array(features.values[o * k ..< (o + 1) * k]))
            }
            XCTAssertEqual(batches.memberStart[U], 200)
            XCTAssert(seen.allSatisfy { $0 })
            // With 6 steps and about 8 cells reachable per step, 200 draws repeat observations.
            XCTAssertLessThan(U, 200)
        }
    }

    /// A step's gradient (left in `network.gradients`) is the gradient of the loss summed over the
    /// minibatch's transitions, computed here with a dense forward and backward pass on every
    /// transition: equal within Float rounding of sums of a few hundred terms (1e-5 relative). In
    /// float32 products: in bfloat16 the dense first layer would round the inputs and weights that
    /// the sparse one adds exactly.
    func testStepGradientIsThatOfEveryTransition() throws {
        let d = try dataset(episodes: 50)
        let features = OfflineFeatures(game: game)
        var settings = OfflineSettings()
        settings.matmulPrecision = .float32
        settings.batchSize = 128
        settings.hidden = [32, 32]
        var batches = TransitionBatches(dataset: d, features: features, batchSize: 128, seed: 5)
        let net = TrainedNetwork(inputs: features.count, outputs: game.actions, settings: settings, seedOffset: 1)
        let before = net.network.copy()
        batches.draw()
        let A = game.actions, legal = game.legal
        let targets = (0 ..< 128).map { Float($0 % 7) - 3 }
        let states = batches.states, actions = batches.actions
        func fill(_ b: Int, _ row: UnsafeMutablePointer<Float>, _ grow: UnsafeMutablePointer<Float>) {
            softmaxGradient(row, into: grow, legal: legal, actions: A, state: Int(states[b]), action: Int(actions[b]), weight: 0.3)
            grow[Int(actions[b])] += (row[Int(actions[b])] - targets[b]) / 128
        }
        net.step(batches, fill: fill)

        let table = features.table, F = features.count
        var input = [Float](repeating: 0, count: 128 * F)
        for b in 0 ..< 128 {
            let (t, s, _, _) = batches.transition(batches.picked[b])
            for j in 0 ..< F { input[b * F + j] = table[(t * game.states + s) * F + j] }
        }
        let workspace = before.makeWorkspace(maxBatch: 128)
        var outputGradient = [Float](repeating: 0, count: 128 * A)
        input.withUnsafeBufferPointer { x in
            let y = before.forward(x.baseAddress!, batch: 128, workspace: workspace)
            outputGradient.withUnsafeMutableBufferPointer { g in
                for b in 0 ..< 128 { fill(b, y + b * A, g.baseAddress! + b * A) }
            }
        }
        outputGradient.withUnsafeBufferPointer { before.backward(outputGradient: $0.baseAddress!, batch: 128, workspace: workspace) }
        let scale = before.gradients.map(abs).max()!
        XCTAssertGreaterThan(scale, 1e-3)
        for k in before.gradients.indices {
            XCTAssertEqual(net.network.gradients[k], before.gradients[k], accuracy: 1e-5 * scale, "gradient \(k)")
        }
    }

    /// Off-MMD on `d` for 2 iterations of `updates` minibatches of 64 with a 32-32 network, the
    /// settings then changed by `configure`: the Q-network's parameter bits and the policy.
    func trainOffMMD(_ d: OfflineDataset, updates: Int, configure: (inout OfflineSettings) -> Void) throws
        -> (parameters: [UInt32], policy: [Double])
    {
        var s = OfflineSettings()
        s.iterations = 2
        s.updatesPerIteration = updates
        s.batchSize = 64
        s.hidden = [32, 32]
        configure(&s)
        let training = try OfflineTraining(game: game, dataset: d, algorithm: .offMMD, settings: s)
        _ = try training.run()
        return (training.learner.networks[0].network.parameters.map(\.bitPattern), training.policy)
    }

    /// The parts of a minibatch do not depend on the threads: Off-MMD trained with one thread and
    /// with four ends with bit-identical networks and policies.
    func testResultsDoNotDependOnTheThreads() throws {
        let d = try dataset(episodes: 200)
        func train(threads: Int) throws -> (parameters: [UInt32], policy: [Double]) {
            try trainOffMMD(d, updates: 150) { $0.threads = threads }
        }
        let one = try train(threads: 1), four = try train(threads: 4)
        XCTAssertEqual(one.parameters, four.parameters)
        XCTAssertEqual(one.policy, four.policy)
    }

    /// With bfloat16 products (the default) the learning does not depend on the CPU: Off-MMD trained
    /// with each kernel this CPU has (AVX512-BF16, AVX2, portable C) ends with the same bits; and
    /// float32 products learn something else (the option is not ignored).
    func testBFloat16LearningIsTheSameWithEveryKernel() throws {
        let d = try dataset(episodes: 200)
        func train(_ precision: MatmulPrecision) throws -> (parameters: [UInt32], policy: [Double]) {
            try trainOffMMD(d, updates: 100) { $0.matmulPrecision = precision }
        }
        let best = cbf16_set_kernel(2)
        defer { cbf16_set_kernel(best) }
        let reference = try train(.bfloat16)
        for kernel in 0 ..< best {
            XCTAssertEqual(cbf16_set_kernel(kernel), kernel)
            let other = try train(.bfloat16)
            XCTAssertEqual(other.parameters, reference.parameters, "kernel \(kernel)")
            XCTAssertEqual(other.policy, reference.policy, "kernel \(kernel)")
        }
        cbf16_set_kernel(best)
        XCTAssertNotEqual(try train(.float32).parameters, reference.parameters)
    }
}
