import Foundation

/// The tabular MFG algorithms, each as in OpenSpiel's `python/mfg/algorithms`, on exact quantities.
public enum TabularAlgorithm: String, CaseIterable, Sendable {
    /// `pi <- greedy best response to mu^pi` (Banach-Picard).
    case fixedPoint = "fixed-point"
    /// Fictitious play: `pi <- ((1-w) mu pi + w mu_BR pi_BR) / ((1-w) mu + w mu_BR)`, `w = 1/(k+1)`.
    case fictitiousPlay = "fictitious-play"
    /// Online mirror descent (Perolat et al. 2021): `pi_{k+1} = softmax(lr sum_{j<=k} Q_j)`.
    case mirrorDescent = "mirror-descent"
    /// Munchausen mirror descent: `pi_{k+1} = softmax(lr Q_k + alpha log pi_k)` (alpha = 1: mirror descent's iterates).
    case munchausenMirrorDescent = "munchausen-mirror-descent"
    /// Boltzmann policy iteration: `pi_{k+1} = softmax(Q_k / temperature)`.
    case boltzmannPolicyIteration = "boltzmann-policy-iteration"
}

/// One exploitability measurement per iteration.
public struct AlgorithmLog: Sendable {
    public var iteration: Int
    public var exploitability: Double
    public var seconds: Double
}

/// Runs a tabular algorithm on a finite MFG. Each iteration updates the policy from the exact
/// evaluation of the current one, then evaluates the new policy (distribution, rewards, Q^pi, best
/// response, exploitability) once; the update of the next iteration reuses that evaluation.
public final class TabularSolver {
    public let game: FiniteMFG
    public let algorithm: TabularAlgorithm
    public let learningRate: Double
    public let alpha: Double
    public let temperature: Double
    public let tools: ExactTools
    public private(set) var policy: [Double]
    public private(set) var distribution: [Double] = []
    public private(set) var exploitability = Double.nan
    var cumulative: [Double]   // mirror descent: lr sum Q; Munchausen: log pi
    var rowShift: [Double]     // [H S]: each row's largest logit, then log pi's shift (Munchausen)
    var rowTotal: [Double]     // [H S]: each row's sum of exponentials, then its log (Munchausen)
    let allLegal: Bool
    var iteration = 0

    public init(game: FiniteMFG, algorithm: TabularAlgorithm, learningRate: Double = 0.1, alpha: Double = 1,
                temperature: Double = 1) throws {
        guard learningRate.isFinite, learningRate > 0 else { throw RLError.invalid("the learning rate must be > 0, got \(learningRate)") }
        guard temperature.isFinite, temperature > 0 else { throw RLError.invalid("the temperature must be > 0, got \(temperature)") }
        guard alpha.isFinite, alpha >= 0, alpha <= 1 else { throw RLError.invalid("alpha must lie in [0, 1], got \(alpha)") }
        self.game = game
        self.algorithm = algorithm
        self.learningRate = learningRate
        self.alpha = alpha
        self.temperature = temperature
        tools = ExactTools(game: game)
        allLegal = !game.legal.contains(false)
        rowShift = [Double](repeating: 0, count: algorithm == .munchausenMirrorDescent ? game.horizon * game.states : 0)
        rowTotal = rowShift
        policy = game.uniformPolicy
        cumulative = algorithm == .munchausenMirrorDescent
            ? [Double](repeating: log(1 / Double(game.actions)), count: game.policySize)
            : [Double](repeating: 0, count: game.policySize)
        evaluate()
    }

    /// Distribution, rewards, Q^pi, best response and exploitability of the current policy.
    func evaluate() {
        exploitability = tools.exploitability(of: policy, distribution: &distribution)
    }

    /// `out = softmax(logits)` per (t, s) row; with `normaliseLogits`, the logits are replaced by
    /// `log softmax` (for Munchausen's log pi, without a log per entry).
    func softmax(_ logits: inout [Double], into out: inout [Double], normaliseLogits: Bool = false) {
        let A = game.actions, rows = game.horizon * game.states, S = game.states, H = game.horizon
        if allLegal {
            // The common case, with the row width a constant for the usual action counts (so that
            // the compiler unrolls the rows).
            logits.withUnsafeMutableBufferPointer { z in
                out.withUnsafeMutableBufferPointer { o in
                    rowShift.withUnsafeMutableBufferPointer { shift in
                        rowTotal.withUnsafeMutableBufferPointer { total in
                            let rowsOut = normaliseLogits ? (shift.baseAddress!, total.baseAddress!) : nil
                            switch A {
                            case 3: Self.softmaxRows(z.baseAddress!, o.baseAddress!, rows: rows, width: 3, logSoftmax: rowsOut)
                            case 5: Self.softmaxRows(z.baseAddress!, o.baseAddress!, rows: rows, width: 5, logSoftmax: rowsOut)
                            default: Self.softmaxRows(z.baseAddress!, o.baseAddress!, rows: rows, width: A, logSoftmax: rowsOut)
                            }
                        }
                    }
                }
            }
            return
        }
        logits.withUnsafeMutableBufferPointer { z in
            out.withUnsafeMutableBufferPointer { o in
                game.legal.withUnsafeBufferPointer { legal in
                    // Shifted logits (illegal actions -infinity), one vectorised exp, then the row sums.
                    // Rows are walked as (t, s) so that no division is needed.
                    var base = 0
                    for _ in 0..<H {
                        for s in 0..<S {
                            let lbase = s * A
                            var m = -Double.infinity
                            for a in 0..<A where legal[lbase + a] && z[base + a] > m { m = z[base + a] }
                            for a in 0..<A { o[base + a] = legal[lbase + a] ? z[base + a] - m : -.infinity }
                            base += A
                        }
                    }
                    VectorExp.exponentiate(o.baseAddress!, count: rows * A)
                    base = 0
                    for _ in 0..<H {
                        for s in 0..<S {
                            var total = 0.0
                            for a in 0..<A { total += o[base + a] }
                            let inv = 1 / total
                            for a in 0..<A { o[base + a] *= inv }
                            if normaliseLogits {
                                // log pi = z - m - log(total), m the largest legal logit.
                                var m = -Double.infinity
                                for a in 0..<A where legal[s * A + a] { m = max(m, z[base + a]) }
                                let shift = m + log(total)
                                for a in 0..<A { z[base + a] -= shift }
                            }
                            base += A
                        }
                    }
                }
            }
        }
    }

    /// Softmax of `rows` rows of `width` logits, every action legal: shift by the row's largest
    /// logit, one vectorised exp, then scale each row by the inverse of its sum. With `logSoftmax`
    /// (two buffers of `rows` entries), the logits are then replaced by `log softmax = z - m - log(sum)`,
    /// the row logs taken in one vectorised pass.
    @inline(__always)
    static func softmaxRows(_ z: UnsafeMutablePointer<Double>, _ o: UnsafeMutablePointer<Double>, rows: Int, width A: Int,
                            logSoftmax: (shift: UnsafeMutablePointer<Double>, total: UnsafeMutablePointer<Double>)?) {
        var base = 0
        for row in 0..<rows {
            var m = z[base]
            for a in 1..<max(1, A) where z[base &+ a] > m { m = z[base &+ a] }
            for a in 0..<A { o[base &+ a] = z[base &+ a] - m }
            logSoftmax?.shift[row] = m
            base &+= A
        }
        VectorExp.exponentiate(o, count: rows &* A)
        base = 0
        for row in 0..<rows {
            var total = 0.0
            for a in 0..<A { total += o[base &+ a] }
            let inv = 1 / total
            for a in 0..<A { o[base &+ a] *= inv }
            logSoftmax?.total[row] = total
            base &+= A
        }
        guard let (shift, total) = logSoftmax else { return }
        VectorLog.logarithm(total, count: rows)
        base = 0
        for row in 0..<rows {
            let c = shift[row] + total[row]
            for a in 0..<A { z[base &+ a] -= c }
            base &+= A
        }
    }

    /// One iteration; returns the exploitability of the new policy.
    @discardableResult
    public func step() -> Double {
        update()
        evaluate()
        return exploitability
    }

    /// The algorithm's policy update from the last evaluation, without evaluating the new policy
    /// (`step()` is `update()` then the evaluation; benchmarks time the two apart).
    public func update() {
        iteration += 1
        let A = game.actions, rows = game.horizon * game.states
        switch algorithm {
        case .fixedPoint:
            policy = tools.greedyPolicy()
        case .fictitiousPlay:
            // The evaluation left the best response's Q in tools.q and mu^pi in `distribution`.
            let br = tools.greedyPolicy()
            var brDistribution: [Double] = []
            tools.distribution(of: br, into: &brDistribution)
            let w = 1 / Double(iteration + 1)
            let S = game.states
            let u = game.uniformPolicy
            for row in 0..<rows {
                let t = row / S, s = row % S
                let d = distribution[t * S + s], dBR = brDistribution[t * S + s]
                let norm = (1 - w) * d + w * dBR
                if norm > 0 {
                    for a in 0..<A { policy[row * A + a] = ((1 - w) * d * policy[row * A + a] + w * dBR * br[row * A + a]) / norm }
                } else {
                    for a in 0..<A { policy[row * A + a] = u[row * A + a] }
                }
            }
        case .mirrorDescent:
            let lr = learningRate
            tools.qPolicy.withUnsafeBufferPointer { q in
                cumulative.withUnsafeMutableBufferPointer { c in for k in 0..<c.count { c[k] += lr * q[k] } }
            }
            softmax(&cumulative, into: &policy)
        case .munchausenMirrorDescent:
            // logits = lr Q_k + alpha log pi_k; afterwards `cumulative` holds log pi_{k+1}.
            let lr = learningRate, a = alpha
            tools.qPolicy.withUnsafeBufferPointer { q in
                cumulative.withUnsafeMutableBufferPointer { c in for k in 0..<c.count { c[k] = lr * q[k] + a * c[k] } }
            }
            softmax(&cumulative, into: &policy, normaliseLogits: true)
        case .boltzmannPolicyIteration:
            var logits = tools.qPolicy
            for k in 0..<logits.count { logits[k] /= temperature }
            softmax(&logits, into: &policy)
        }
    }

    /// Runs `iterations` iterations, logging the exploitability after each.
    public func run(iterations: Int, progress: ((AlgorithmLog) -> Void)? = nil) -> [AlgorithmLog] {
        let start = ContinuousClock.now
        var log: [AlgorithmLog] = []
        for k in 1...max(1, iterations) {
            let e = step()
            let d = ContinuousClock.now - start
            let entry = AlgorithmLog(iteration: k, exploitability: e,
                                     seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            log.append(entry)
            progress?(entry)
        }
        return log
    }

    /// Sets the policy (e.g. one read from a file, or a warm start), and evaluates it. Mirror
    /// descent and Munchausen mirror descent continue from it (logits `log max(pi, 1e-12)`, so no
    /// action is shut out for good).
    public func setPolicy(_ pi: [Double]) throws {
        guard pi.count == game.policySize else {
            throw RLError.invalid("the policy has \(pi.count) entries; this game needs [\(game.horizon), \(game.states), \(game.actions)] = \(game.policySize)")
        }
        policy = pi
        if algorithm == .mirrorDescent || algorithm == .munchausenMirrorDescent {
            for k in 0..<cumulative.count { cumulative[k] = log(max(pi[k], 1e-12)) }
        }
        evaluate()
    }
}
