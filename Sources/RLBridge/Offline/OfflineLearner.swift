import Foundation
import Neural

/// Learners of an equilibrium policy from trajectories (notes sections 1, 2 and 4).
public enum OfflineAlgorithm: String, CaseIterable, Sendable {
    /// Offline Munchausen mirror descent (Brunnbauer et al. 2025): Q-network, Munchausen target with the
    /// importance-sampling mean field, CQL regulariser of weight eta.
    case offMMD = "off-mmd"
    /// Off-MMD with an exact Q table: `Q_{k+1} = E[target]` under the true transitions, rewards along the
    /// estimated mean field. What the network would learn with unlimited data and capacity: the gap to
    /// `off-mmd` is function approximation and sampling; the gap to exact mirror descent is the
    /// mean-field estimate.
    case tabularOffMMD = "tabular-off-mmd"
    /// Behaviour cloning: softmax policy network fitted to the dataset's actions by cross-entropy.
    case behaviorCloning = "bc"
    /// In-sample value-regularised learner, OMIGA's single-agent form (notes 4): Q by regression,
    /// V by the exponential in-sample loss, policy by advantage-weighted cloning, rewards relabelled
    /// with the estimated mean field.
    case inSample = "in-sample"
    /// Online deep Munchausen mirror descent (Lauriere et al. 2022): every iteration, episodes of the
    /// epsilon-softened current policy in the game frozen at its exact mean field, then Off-MMD's update
    /// without CQL.
    case dMOMD = "d-momd"
}

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
    public init() {}
}

/// One evaluation of the learned policy, after `iteration` outer iterations.
public struct OfflineLog: Sendable {
    public var iteration: Int
    public var exploitability: Double
    /// Mean over steps of the L1 distance between the importance-sampling estimate of this policy's
    /// mean field and the exact one (0 when the learner uses the exact mean field).
    public var meanFieldError: Double
    public var seconds: Double
    public var l1DistanceToPde: Double?
    public var w1DistanceToPde: Double?
}

public final class OfflineLearner {
    public let game: FiniteMFG
    public let algorithm: OfflineAlgorithm
    public let settings: OfflineSettings
    public let tools: ExactTools
    let features: OfflineFeatures
    let S: Int, A: Int, H: Int, F: Int
    var dataset: OfflineDataset
    let estimator: MeanFieldEstimator?
    var rng: SeededGenerator

    // Networks (those the algorithm uses).
    var q: MLP?, qFrozen: MLP?, v: MLP?, vFrozen: MLP?, actor: MLP?
    var qAdam: Adam?, vAdam: Adam?, actorAdam: Adam?
    let workspace: MLPWorkspace, vWorkspace: MLPWorkspace, actorWorkspace: MLPWorkspace
    let chunk: Int

    // Tables over (t, s, a): Q (of the frozen / tabular Q), the policy and its log.
    var qTable: [Double]
    public private(set) var policy: [Double]
    var logPolicy: [Double]
    var softValue: [Double]        // [(H+1) S]
    /// The exact evaluation of the current policy, as of the last `evaluate()`.
    public private(set) var evaluation = Evaluation()
    public var distribution: [Double] { evaluation.distribution }
    var meanField: [Double] = []
    var rewards: [Double] = []   // along `meanField`

    // Per-transition training data, [N H].
    var targets: [Float] = [], weights: [Float] = [], anchors: [Float] = []
    // Minibatch buffers.
    var input: [Float], grad: [Float], vGrad: [Float]
    var picked: [Int]

    public init(game: FiniteMFG, dataset: OfflineDataset?, algorithm: OfflineAlgorithm, settings: OfflineSettings) throws {
        guard !game.populationDependentDynamics else { throw RLError.unsupportedDynamics(game.name, "offline learning and D-MOMD") }
        guard settings.iterations >= 1, settings.updatesPerIteration >= 1, settings.batchSize >= 1 else {
            throw RLError.invalid("iterations, updates per iteration and batch size must be at least 1")
        }
        guard settings.tau.isFinite, settings.tau > 0 else { throw RLError.invalid("--tau must be > 0, got \(settings.tau)") }
        guard settings.alpha >= 0, settings.alpha <= 1 else { throw RLError.invalid("--alpha must lie in [0, 1], got \(settings.alpha)") }
        guard settings.cqlWeight >= 0, settings.cqlWeight.isFinite else { throw RLError.invalid("--cql-weight must be >= 0, got \(settings.cqlWeight)") }
        guard settings.learningRate > 0, settings.learningRate.isFinite else { throw RLError.invalid("the learning rate must be > 0") }
        guard settings.hidden.allSatisfy({ $0 >= 1 }) else { throw RLError.invalid("hidden layer sizes must be positive") }
        guard settings.epsilon >= 0, settings.epsilon <= 1 else { throw RLError.invalid("epsilon must lie in [0, 1]") }
        guard settings.targetUpdates >= 1,
              settings.targetUpdates <= settings.updatesPerIteration || ![.offMMD, .dMOMD].contains(algorithm) else {
            throw RLError.invalid("--target-updates must lie in 1 ... --updates-per-iteration")
        }
        self.game = game
        self.algorithm = algorithm
        self.settings = settings
        S = game.states; A = game.actions; H = game.horizon
        tools = ExactTools(game: game)
        features = OfflineFeatures(game: game)
        F = features.count
        rng = SeededGenerator(seed: settings.seed)
        if algorithm == .dMOMD {
            guard settings.episodesPerIteration >= 1 else { throw RLError.invalid("episodes per iteration must be at least 1") }
            self.dataset = OfflineDataset(gameSpec: [:], gameName: game.name, states: S, actions: A, horizon: H, episodes: 0,
                                          behaviors: [], seed: 0, statesVisited: [], actionsTaken: [], rewards: [],
                                          logProbabilities: [], meanField: [], components: [])
            estimator = nil
        } else {
            guard let dataset else { throw RLError.invalid("\(algorithm.rawValue) needs a dataset") }
            guard dataset.states == S, dataset.actions == A, dataset.horizon == H else {
                throw RLError.invalid("the dataset (\(dataset.states) states, \(dataset.actions) actions, horizon \(dataset.horizon)) is not of \(game.name) (\(S), \(A), \(H))")
            }
            try dataset.validate()
            for (i, a) in dataset.actionsTaken.enumerated() {
                let s = Int(dataset.statesVisited[(i / H) * (H + 1) + i % H])
                guard game.legal[s * A + Int(a)] else {
                    throw RLError.invalid("dataset: action \(a) at episode \(i / H), step \(i % H) is not legal in state \(s) of \(game.name)")
                }
            }
            self.dataset = dataset
            estimator = MeanFieldEstimator(dataset: dataset)
        }
        let layers = [F] + settings.hidden
        let seed = settings.seed
        switch algorithm {
        case .offMMD, .dMOMD:
            q = MLP(layerSizes: layers + [A], seed: seed &+ 1)
            qFrozen = q!.copy()
            qAdam = Adam(parameterCount: q!.parameterCount, learningRate: settings.learningRate)
        case .behaviorCloning:
            actor = MLP(layerSizes: layers + [A], seed: seed &+ 3)
            actorAdam = Adam(parameterCount: actor!.parameterCount, learningRate: settings.learningRate)
        case .inSample:
            q = MLP(layerSizes: layers + [A], seed: seed &+ 1)
            qFrozen = q!.copy()
            v = MLP(layerSizes: layers + [1], seed: seed &+ 2)
            vFrozen = v!.copy()
            actor = MLP(layerSizes: layers + [A], seed: seed &+ 3)
            qAdam = Adam(parameterCount: q!.parameterCount, learningRate: settings.learningRate)
            vAdam = Adam(parameterCount: v!.parameterCount, learningRate: settings.learningRate)
            actorAdam = Adam(parameterCount: actor!.parameterCount, learningRate: settings.learningRate)
        case .tabularOffMMD:
            break
        }
        let B = settings.batchSize
        chunk = max(B, 1024)
        workspace = (q ?? actor ?? MLP(layerSizes: [F, 1, A], seed: 0)).makeWorkspace(maxBatch: chunk)
        vWorkspace = (v ?? MLP(layerSizes: [F, 1, 1], seed: 0)).makeWorkspace(maxBatch: v == nil ? 1 : chunk)
        actorWorkspace = (actor ?? MLP(layerSizes: [F, 1, A], seed: 0)).makeWorkspace(maxBatch: actor == nil ? 1 : chunk)
        qTable = [Double](repeating: 0, count: H * S * A)
        policy = qTable
        logPolicy = qTable
        softValue = [Double](repeating: 0, count: (H + 1) * S)
        input = [Float](repeating: 0, count: B * F)
        grad = [Float](repeating: 0, count: B * A)
        vGrad = [Float](repeating: 0, count: B)
        picked = [Int](repeating: 0, count: B)
        refreshPolicy()
    }

    // MARK: tables from networks

    /// `out[(t S + s) W + j]` = network output j at (t, s), for every (t, s).
    func table(of net: MLP, workspace ws: MLPWorkspace, into out: inout [Double]) {
        let rows = H * S, W = net.outputCount
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

    /// `policy = softmax(logits / temperature)` over the legal actions, and its log.
    func softmax(_ logits: [Double], temperature: Double) {
        let legal = game.legal
        for row in 0..<(H * S) {
            let base = row * A, lbase = (row % S) * A
            var m = -Double.infinity
            for a in 0..<A where legal[lbase + a] { m = max(m, logits[base + a] / temperature) }
            var total = 0.0
            for a in 0..<A where legal[lbase + a] { total += exp(logits[base + a] / temperature - m) }
            let lse = m + log(total)
            for a in 0..<A {
                if legal[lbase + a] {
                    logPolicy[base + a] = logits[base + a] / temperature - lse
                    policy[base + a] = exp(logPolicy[base + a])
                } else {
                    logPolicy[base + a] = -Double.infinity
                    policy[base + a] = 0
                }
            }
        }
    }

    /// The current policy from the networks (or the Q table).
    func refreshPolicy() {
        switch algorithm {
        case .offMMD, .dMOMD:
            table(of: q!, workspace: workspace, into: &qTable)
            softmax(qTable, temperature: settings.tau)
        case .tabularOffMMD:
            softmax(qTable, temperature: settings.tau)
        case .behaviorCloning, .inSample:
            var logits: [Double] = []
            table(of: actor!, workspace: actorWorkspace, into: &logits)
            softmax(logits, temperature: 1)
        }
    }

    /// `log pi_prev` enters the targets clipped below at log 1e-6, as in OpenSpiel's D-MOMD: without it
    /// the Munchausen term of nearly excluded actions grows without bound and long runs diverge.
    static let logFloor = log(1e-6)

    /// Soft values `V(t, s) = sum_a pi (Q - tau log pi)`, `V(H) = 0` (log pi clipped as in the targets).
    func computeSoftValue() {
        let tau = settings.tau
        for s in 0..<S { softValue[H * S + s] = 0 }
        for row in 0..<(H * S) {
            var v = 0.0
            for a in 0..<A where policy[row * A + a] > 0 { v += policy[row * A + a] * (qTable[row * A + a] - tau * max(logPolicy[row * A + a], Self.logFloor)) }
            softValue[row] = v
        }
    }

    /// The mean field the learner uses for the current policy: the estimate, or the exact one.
    func updateMeanField() {
        if settings.exactMeanField || algorithm == .dMOMD || estimator == nil {
            tools.distribution(of: policy, into: &meanField)
        } else {
            estimator!.estimate(policy: policy, into: &meanField)
        }
        tools.rewards(along: meanField, into: &rewards)
    }

    // MARK: one outer iteration

    public func iterate() throws {
        switch algorithm {
        case .tabularOffMMD: tabularIteration()
        case .offMMD, .dMOMD:
            if algorithm == .dMOMD { try sampleEpisodes() }
            munchausenIteration()
        case .behaviorCloning: cloningIteration()
        case .inSample: inSampleIteration()
        }
        refreshPolicy()
    }

    func tabularIteration() {
        updateMeanField()
        let gamma = game.discount, at = settings.alpha * settings.tau
        let r = rewards
        for _ in 0..<settings.targetUpdates {
            computeSoftValue()
            for t in 0..<H {
                for s in 0..<S {
                    for a in 0..<A {
                        let k = (t * S + s) * A + a
                        guard game.legal[s * A + a] else { continue }
                        var e = 0.0
                        if t + 1 < H { for j in game.rowStart[s * A + a]..<game.rowStart[s * A + a + 1] { e += game.probability[j] * softValue[(t + 1) * S + Int(game.successor[j])] } }
                        qTable[k] = r[k] + at * max(logPolicy[k], Self.logFloor) + gamma * e
                    }
                }
            }
        }
    }

    /// d-momd: fresh episodes of `(1 - epsilon) pi + epsilon uniform`.
    func sampleEpisodes() throws {
        let u = game.uniformPolicy, eps = settings.epsilon
        let behaviour = zip(policy, u).map { (1 - eps) * $0 + eps * $1 }
        dataset = try DatasetGenerator.generate(game: game, components: [.init(name: "current", policy: behaviour, proportion: 1)],
                                                episodes: settings.episodesPerIteration, seed: rng.next(), gameSpec: [:])
    }

    /// Transition i = e H + t: (t, s, a, s').
    @inline(__always) func transition(_ i: Int) -> (t: Int, s: Int, a: Int, next: Int) {
        let e = i / H, t = i % H
        return (t, Int(dataset.statesVisited[e * (H + 1) + t]), Int(dataset.actionsTaken[i]), Int(dataset.statesVisited[e * (H + 1) + t + 1]))
    }

    /// Draws a minibatch and copies its features into `input`.
    func drawBatch() {
        let n = dataset.episodes * H, B = settings.batchSize
        input.withUnsafeMutableBufferPointer { x in
            features.table.withUnsafeBufferPointer { f in
                for b in 0..<B {
                    let i = rng.index(below: n)
                    picked[b] = i
                    let (t, s, _, _) = transition(i)
                    (x.baseAddress! + b * F).update(from: f.baseAddress! + (t * S + s) * F, count: F)
                }
            }
        }
    }

    func munchausenIteration() {
        updateMeanField()
        let n = dataset.episodes * H, gamma = game.discount, at = settings.alpha * settings.tau
        if targets.count != n { targets = [Float](repeating: 0, count: n) }
        let r = rewards
        let B = settings.batchSize, eta = algorithm == .dMOMD ? 0 : Float(settings.cqlWeight), scale = 1 / Float(B)
        let phases = settings.targetUpdates
        for phase in 0..<phases {
            // Q_target: Q_k (= qTable) first, then the network as trained so far; pi_prev stays pi_k.
            qFrozen!.copyParameters(from: q!)
            if phase > 0 { table(of: qFrozen!, workspace: workspace, into: &qTable) }
            computeSoftValue()
            for i in 0..<n {
                let (t, s, a, next) = transition(i)
                let k = (t * S + s) * A + a
                targets[i] = Float(r[k] + at * max(logPolicy[k], Self.logFloor) + (t + 1 < H ? gamma * softValue[(t + 1) * S + next] : 0))
            }
            let updates = settings.updatesPerIteration / phases + (phase < settings.updatesPerIteration % phases ? 1 : 0)
            for _ in 0..<updates {
                drawBatch()
                // L = 1/2 mean(1/2 (Q(a) - y)^2) + eta mean(logsumexp Q - Q(a)).
                gradientStep(q!, adam: qAdam!, workspace: workspace) { b, row, grow in
                    let (_, s, a, _) = transition(picked[b])
                    softmaxGradient(row, into: grow, state: s, action: a, weight: eta * scale)
                    grow[a] += 0.5 * (row[a] - targets[picked[b]]) * scale
                }
            }
        }
    }

    /// One Adam step of `net` on the current minibatch: `fill(b, outputs_b, gradient_b)` writes
    /// dL/d(outputs) of row b.
    @inline(__always)
    func gradientStep(_ net: MLP, adam: Adam, workspace ws: MLPWorkspace,
                      fill: (Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let B = settings.batchSize, W = net.outputCount
        func run(_ g: UnsafeMutablePointer<Float>) {
            input.withUnsafeBufferPointer { x in
                let y = net.forward(x.baseAddress!, batch: B, workspace: ws)
                for b in 0..<B { fill(b, y + b * W, g + b * W) }
                net.backward(outputGradient: g, batch: B, workspace: ws)
            }
        }
        if W == 1 { vGrad.withUnsafeMutableBufferPointer { run($0.baseAddress!) } } else { grad.withUnsafeMutableBufferPointer { run($0.baseAddress!) } }
        adam.step(net)
    }

    func cloningIteration() {
        updateMeanField()
        let scale = 1 / Float(settings.batchSize)
        for _ in 0..<settings.updatesPerIteration {
            drawBatch()
            gradientStep(actor!, adam: actorAdam!, workspace: actorWorkspace) { b, row, grow in
                let (_, s, a, _) = transition(picked[b])
                softmaxGradient(row, into: grow, state: s, action: a, weight: scale)
            }
        }
    }

    /// `g = weight (softmax(z) - onehot(a))` over the legal actions: the gradient of `-weight log softmax(z)_a`.
    @inline(__always) func softmaxGradient(_ z: UnsafeMutablePointer<Float>, into g: UnsafeMutablePointer<Float>, state s: Int, action a: Int, weight: Float) {
        var m = -Float.infinity
        for j in 0..<A where game.legal[s * A + j] { m = max(m, z[j]) }
        var total: Float = 0
        for j in 0..<A { let e = game.legal[s * A + j] ? Foundation.exp(z[j] - m) : 0; g[j] = e; total += e }
        let inv = weight / total
        for j in 0..<A { g[j] *= inv }
        g[a] -= weight
    }

    func inSampleIteration() {
        qFrozen!.copyParameters(from: q!)
        vFrozen!.copyParameters(from: v!)
        updateMeanField()
        var qBar: [Double] = [], vBar: [Double] = []
        table(of: qFrozen!, workspace: workspace, into: &qBar)
        table(of: vFrozen!, workspace: vWorkspace, into: &vBar)
        let n = dataset.episodes * H, gamma = game.discount, temperature = settings.tau
        if targets.count != n {
            targets = [Float](repeating: 0, count: n); weights = targets; anchors = targets
        }
        let r = rewards
        for i in 0..<n {
            let (t, s, a, next) = transition(i)
            let k = (t * S + s) * A + a
            targets[i] = Float(r[k] + (t + 1 < H ? gamma * vBar[(t + 1) * S + next] : 0))
            anchors[i] = Float(qBar[k])
            weights[i] = Float(exp(min(10, max(-10, (qBar[k] - vBar[t * S + s]) / temperature))))
        }
        let B = settings.batchSize, scale = 1 / Float(B), alphaInv = Float(1 / temperature)
        for _ in 0..<settings.updatesPerIteration {
            drawBatch()
            // Q: L = 1/2 mean (Q(a) - y)^2.
            gradientStep(q!, adam: qAdam!, workspace: workspace) { b, row, grow in
                let a = transition(picked[b]).a
                for j in 0..<A { grow[j] = 0 }
                grow[a] = (row[a] - targets[picked[b]]) * scale
            }
            // V: L = mean exp((Qbar - V)/alpha) + V/alpha (minimiser alpha log E_beta exp(Qbar/alpha)).
            gradientStep(v!, adam: vAdam!, workspace: vWorkspace) { b, row, grow in
                let z = min(10, max(-10, (anchors[picked[b]] - row[0]) * alphaInv))
                grow[0] = (1 - Foundation.exp(z)) * alphaInv * scale
            }
            // Policy: L = -mean w log pi(a|s), w = exp((Qbar - Vbar)/alpha).
            gradientStep(actor!, adam: actorAdam!, workspace: actorWorkspace) { b, row, grow in
                let (_, s, a, _) = transition(picked[b])
                softmaxGradient(row, into: grow, state: s, action: a, weight: weights[picked[b]] * scale)
            }
        }
    }

    /// Writes the trained networks (`q.mlp`, `v.mlp`, `policy.mlp`, whichever the algorithm has) into
    /// `directory`; returns their file names. Format: `Sources/Neural/MLPFile.swift`.
    @discardableResult
    public func writeNetworks(to directory: URL) throws -> [String] {
        var names: [String] = []
        for (name, net) in [("q.mlp", q), ("v.mlp", v), ("policy.mlp", actor)] {
            guard let net else { continue }
            try net.write(to: directory.appendingPathComponent(name))
            names.append(name)
        }
        return names
    }

    // MARK: running

    /// Exploitability of the current policy against its own exact mean field (fills `evaluation`).
    public func evaluate() -> Double {
        tools.evaluate(policy, into: &evaluation)
        return evaluation.exploitability
    }

    /// Runs `settings.iterations` outer iterations, evaluating the policy before the first and after
    /// each; `measure` adds distances to a PDE density.
    public func run(measure: (([Double]) -> (Double, Double))? = nil, progress: ((OfflineLog) -> Void)? = nil) throws -> [OfflineLog] {
        let clock = ContinuousClock(), start = clock.now
        var logs: [OfflineLog] = []
        var estimate: [Double] = []
        func record(_ k: Int) {
            let e = evaluate()
            // The estimate the next iteration will use, against the exact mean field of this policy.
            var meanFieldError = 0.0
            if let estimator, !(settings.exactMeanField || algorithm == .dMOMD) {
                estimator.estimate(policy: policy, into: &estimate)
                for j in 0..<estimate.count { meanFieldError += abs(estimate[j] - distribution[j]) }
                meanFieldError /= Double(H + 1)
            }
            let d = measure?(distribution)
            let elapsed = clock.now - start
            let entry = OfflineLog(iteration: k, exploitability: e, meanFieldError: meanFieldError,
                                   seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                   l1DistanceToPde: d?.0, w1DistanceToPde: d?.1)
            logs.append(entry)
            progress?(entry)
        }
        record(0)
        for k in 1...settings.iterations {
            try iterate()
            record(k)
        }
        return logs
    }
}
