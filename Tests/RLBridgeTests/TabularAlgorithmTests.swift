import Foundation
import Testing
@testable import RLBridge

/// The tabular algorithms against an independent implementation written out here (plain nested
/// loops over the transition rows, `Foundation.exp`, nothing shared with `ExactTools` or the
/// algorithms), and against what theory guarantees in a game without interaction.
@Suite struct TabularAlgorithmTests {
    // MARK: an independent implementation

    /// Distribution, rewards, Q and V of a policy and of a best response, by the definitions.
    struct Reference {
        var mu: [[Double]] = []                   // [H+1][S]
        var rewards: [[Double]] = []              // [H][S A]
        var q: [[Double]] = [], qStar: [[Double]] = []   // [H][S A]
        var v: [[Double]] = [], vStar: [[Double]] = []   // [H+1][S]
        var value = 0.0, exploitability = 0.0

        init(_ g: FiniteMFG, _ pi: [Double]) {
            let S = g.states, A = g.actions, H = g.horizon
            func row(_ s: Int, _ a: Int) -> [(Int, Double)] {
                (g.rowStart[s * A + a]..<g.rowStart[s * A + a + 1]).map { (Int(g.successor[$0]), g.probability[$0]) }
            }
            mu = [g.initialDistribution]
            for t in 0..<H {
                var next = [Double](repeating: 0, count: S)
                for s in 0..<S { for a in 0..<A { for (j, p) in row(s, a) { next[j] += mu[t][s] * pi[(t * S + s) * A + a] * p } } }
                mu.append(next)
            }
            for t in 0..<H {
                var out = [Double](repeating: 0, count: S * A)
                let now = mu[t], next = mu[t + 1]
                now.withUnsafeBufferPointer { m in next.withUnsafeBufferPointer { n in out.withUnsafeMutableBufferPointer { o in
                    g.reward(t, m.baseAddress!, n.baseAddress!, o.baseAddress!)
                } } }
                rewards.append(out)
            }
            v = [[Double]](repeating: [Double](repeating: 0, count: S), count: H + 1)
            vStar = v
            q = [[Double]](repeating: [Double](repeating: 0, count: S * A), count: H)
            qStar = q
            for t in stride(from: H - 1, through: 0, by: -1) {
                for s in 0..<S {
                    var best = -Double.infinity
                    for a in 0..<A {
                        let k = s * A + a
                        q[t][k] = rewards[t][k] + g.discount * row(s, a).reduce(0) { $0 + $1.1 * v[t + 1][$1.0] }
                        qStar[t][k] = rewards[t][k] + g.discount * row(s, a).reduce(0) { $0 + $1.1 * vStar[t + 1][$1.0] }
                        v[t][s] += pi[(t * S + s) * A + a] * q[t][k]
                        if g.legal[k] { best = max(best, qStar[t][k]) }
                    }
                    vStar[t][s] = best
                }
            }
            value = (0..<S).reduce(0) { $0 + g.initialDistribution[$1] * v[0][$1] }
            exploitability = (0..<S).reduce(0) { $0 + g.initialDistribution[$1] * (vStar[0][$1] - v[0][$1]) }
        }

        /// The first legal maximiser of Q* at every (t, s), ties within 1e-12 (relative).
        func greedy(_ g: FiniteMFG) -> [Double] {
            let S = g.states, A = g.actions
            var pi = [Double](repeating: 0, count: g.policySize)
            for t in 0..<g.horizon {
                for s in 0..<S {
                    let legal = (0..<A).filter { g.legal[s * A + $0] }
                    let top = legal.map { qStar[t][s * A + $0] }.max()!
                    let a = legal.first { qStar[t][s * A + $0] >= top - 1e-12 * max(1, abs(top)) }!
                    pi[(t * S + s) * A + a] = 1
                }
            }
            return pi
        }
    }

    /// `softmax(logits)` over the legal actions of every (t, s).
    static func softmax(_ g: FiniteMFG, _ logits: [Double]) -> [Double] {
        let S = g.states, A = g.actions
        var pi = [Double](repeating: 0, count: g.policySize)
        for row in 0..<(g.horizon * S) {
            let legal = (0..<A).filter { g.legal[(row % S) * A + $0] }
            let m = legal.map { logits[row * A + $0] }.max()!
            let total = legal.reduce(0) { $0 + exp(logits[row * A + $1] - m) }
            for a in legal { pi[row * A + a] = exp(logits[row * A + a] - m) / total }
        }
        return pi
    }

    /// The iterates' exploitabilities (pi_0 first) and the last policy of each algorithm, by the
    /// formulas of its doc comment.
    static func reference(_ name: TabularAlgorithmName, _ g: FiniteMFG, iterations: Int,
                          learningRate: Double, alpha: Double, temperature: Double) -> (exploitability: [Double], policy: [Double]) {
        let S = g.states, A = g.actions, H = g.horizon
        var pi = g.uniformPolicy
        var logits = [Double](repeating: name == .munchausenMirrorDescent ? log(1 / Double(A)) : 0, count: g.policySize)
        var e = Reference(g, pi)
        var curve = [e.exploitability]
        for k in 1...iterations {
            let q = e.q.flatMap { $0 }
            switch name {
            case .fixedPoint:
                pi = e.greedy(g)
            case .fictitiousPlay:
                let br = e.greedy(g), muBR = Reference(g, br).mu, w = 1 / Double(k + 1)
                for t in 0..<H {
                    for s in 0..<S {
                        let d = e.mu[t][s], dBR = muBR[t][s], norm = (1 - w) * d + w * dBR
                        for a in 0..<A {
                            let i = (t * S + s) * A + a
                            pi[i] = norm > 0 ? ((1 - w) * d * pi[i] + w * dBR * br[i]) / norm : g.uniformPolicy[i]
                        }
                    }
                }
            case .mirrorDescent:
                for i in 0..<logits.count { logits[i] += learningRate * q[i] }
                pi = softmax(g, logits)
            case .munchausenMirrorDescent:
                for i in 0..<logits.count { logits[i] = learningRate * q[i] + alpha * logits[i] }
                pi = softmax(g, logits)
                for i in 0..<logits.count where pi[i] > 0 { logits[i] = log(pi[i]) }
            case .boltzmannPolicyIteration:
                pi = softmax(g, q.map { $0 / temperature })
            }
            e = Reference(g, pi)
            curve.append(e.exploitability)
        }
        return (curve, pi)
    }

    /// A ring of 7 cells without interaction (rewards do not depend on mu): moves left, stay, right
    /// (right is illegal in cell 0), then noise to the neighbours, discount 0.95; made to factor as a
    /// move then noise. A best response to any distribution is optimal.
    static func ringWithoutInteraction() throws -> FiniteMFG {
        let S = 7, A = 3
        let noise: (Int) -> [(Int, Double)] = { j in [(j, 0.8), ((j + 1) % S, 0.15), ((j + S - 1) % S, 0.05)] }
        func move(_ s: Int, _ a: Int) -> Int { (s + a - 1 + S) % S }
        var g = try FiniteMFG(
            name: "ring", states: S, actions: A, horizon: 6, discount: 0.95,
            initialDistribution: (0..<S).map { Double($0 + 1) / 28 }, legal: { s, a in !(s == 0 && a == 2) },
            transitions: { s, a in noise(move(s, a)) },
            reward: { t, _, _, out in
                for s in 0..<S { for a in 0..<A { out[s * A + a] = sin(1.3 * Double(s) + 0.7 * Double(a) + 0.4 * Double(t)) } }
            })
        try g.factor(move: move, noise: noise)
        return g
    }

    static func games() throws -> [FiniteMFG] {
        var generic = try ringWithoutInteraction()
        generic.moveThenNoise = nil
        return [try OpenSpielGames.make("crowd_modelling", parameters: [:]),
                try OpenSpielGames.make("crowd_modelling_2d", parameters: ["size": 5, "horizon": 4, "noise_intensity": 0.5]),
                try OpenSpielGames.make("periodic_aversion", parameters: ["size": 15, "horizon": 5]),
                try FourRooms.make(task: .navigation, horizon: 7),
                try ringWithoutInteraction(), generic]
    }

    // MARK: tests

    /// Every algorithm on six games (all actions legal or not, 3, 5 and 21 actions, discounted, the
    /// factored and the generic sweep), 6 iterations: the exploitability of every iterate and the last
    /// policy equal the independent implementation's. Tolerance 1e-10: the two differ by the order of
    /// summation and by the 2-ulp `exp` of the softmax (`VectorExp`), round-off of order 1e-15 that six
    /// iterations do not amplify past 1e-12; a wrong sign, index or weight shows at order 1e-3 or more.
    @Test(arguments: TabularAlgorithmName.allCases)
    func iteratesEqualAnIndependentImplementation(name: TabularAlgorithmName) throws {
        let lr = 0.5, alpha = 0.7, temperature = 0.5, k = 6
        for g in try Self.games() {
            var run = TabularRun(game: g, algorithm: try name.make(game: g, learningRate: lr, alpha: alpha, temperature: temperature))
            let curve = [run.exploitability] + run.run(iterations: k).map(\.exploitability)
            let (expected, policy) = Self.reference(name, g, iterations: k, learningRate: lr, alpha: alpha, temperature: temperature)
            for (i, (got, want)) in zip(curve, expected).enumerated() {
                #expect(abs(got - want) <= 1e-10 * max(1, abs(want)), "\(name.rawValue) on \(g.name), iterate \(i): \(got) vs \(want)")
            }
            let d = zip(run.policy, policy).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
            #expect(d <= 1e-10, "\(name.rawValue) on \(g.name): policies differ by \(d)")
            #expect(curve.allSatisfy { $0 >= -1e-12 * max(1, abs(curve[0])) }, "\(name.rawValue) on \(g.name): negative exploitability")
        }
    }

    /// `ExactTools.evaluate` of a non-uniform policy: distribution, rewards, both Q tables (legal
    /// actions), both values, the value and the exploitability equal the definitions, to round-off.
    @Test func evaluationEqualsTheDefinitions() throws {
        for g in try Self.games() {
            let S = g.states, A = g.actions
            var logits = [Double](repeating: 0, count: g.policySize)
            for i in 0..<logits.count { logits[i] = 2 * sin(0.37 * Double(i)) }
            let pi = Self.softmax(g, logits)
            let e = ExactTools(game: g).evaluate(pi), r = Reference(g, pi)
            func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(b)) }
            #expect(close(e.exploitability, r.exploitability) && close(e.expectedReturn, r.value), "\(g.name)")
            for t in 0...g.horizon {
                for s in 0..<S {
                    #expect(close(e.distribution[t * S + s], r.mu[t][s]), "\(g.name): mu[\(t), \(s)]")
                    #expect(close(e.policyValue[t * S + s], r.v[t][s]) && close(e.bestResponseValue[t * S + s], r.vStar[t][s]), "\(g.name): V[\(t), \(s)]")
                    guard t < g.horizon else { continue }
                    for a in 0..<A where g.legal[s * A + a] {
                        let i = (t * S + s) * A + a
                        #expect(close(e.rewards[i], r.rewards[t][s * A + a]), "\(g.name): r[\(t), \(s), \(a)]")
                        #expect(close(e.policyQ[i], r.q[t][s * A + a]) && close(e.bestResponseQ[i], r.qStar[t][s * A + a]), "\(g.name): Q[\(t), \(s), \(a)]")
                    }
                }
            }
        }
    }

    /// Without interaction the return is linear in the state-action occupancy, and fictitious play's
    /// merge by the distributions makes pi_{k+1}'s occupancy `(1-w)` pi_k's `+ w` BR's, BR optimal: so
    /// `E_{k+1} = (1 - w) E_k`, `w = 1/(k+2)`, i.e. `E_k = E_0 / (k + 1)` exactly. Fixed point reaches
    /// the optimum in one iteration, and mirror descent (`pi_{k+1} ∝ pi_k exp(lr Q^{pi_k})`, a policy
    /// improvement step) never increases the exploitability.
    @Test func withoutInteractionTheoryHolds() throws {
        let g = try Self.ringWithoutInteraction()
        var fp = TabularRun(game: g, algorithm: FictitiousPlay(game: g))
        let e0 = fp.exploitability
        #expect(e0 > 0.1)
        for (k, entry) in fp.run(iterations: 20).enumerated() {
            #expect(abs(entry.exploitability - e0 / Double(k + 2)) <= 1e-12 * e0, "fictitious play, iteration \(k + 1)")
        }
        var fixedPoint = TabularRun(game: g, algorithm: FixedPoint(game: g))
        #expect(abs(fixedPoint.step()) <= 1e-12 * e0)
        for lr in [0.3, 3.0] {
            var md = TabularRun(game: g, algorithm: try MirrorDescent(game: g, learningRate: lr))
            let curve = [md.exploitability] + md.run(iterations: 30).map(\.exploitability)
            for (a, b) in zip(curve, curve.dropFirst()) { #expect(b <= a + 1e-12 * e0, "mirror descent lr \(lr): \(a) -> \(b)") }
            #expect(curve.last! < 0.05 * e0, "mirror descent lr \(lr): \(curve.last!)")
        }
    }

    /// crowd_modelling's reward `-log mu` is monotone (Lasry-Lions), where fictitious play and mirror
    /// descent converge. After 50 iterations at lr 1 (measured: exploitability 2.787 -> fictitious play
    /// 0.0629, mirror descent and Munchausen (alpha 1) 0.0123) they are below half these fractions of the
    /// start; fixed point does not converge here (it jumps between greedy responses: 54.5).
    @Test func monotoneGameConverges() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        for (name, fraction) in [(TabularAlgorithmName.fictitiousPlay, 0.05), (.mirrorDescent, 0.01), (.munchausenMirrorDescent, 0.01)] {
            var run = TabularRun(game: g, algorithm: try name.make(game: g, learningRate: 1))
            let start = run.exploitability
            let end = run.run(iterations: 50).last!.exploitability
            #expect(end < fraction * start, "\(name.rawValue): \(start) -> \(end)")
        }
    }

    /// Munchausen mirror descent with alpha = 1 has the iterates of mirror descent.
    @Test func munchausenEqualsMirrorDescentAtAlphaOne() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: ["size": 7, "horizon": 5])
        var a = TabularRun(game: g, algorithm: try MirrorDescent(game: g, learningRate: 0.3))
        var b = TabularRun(game: g, algorithm: try MunchausenMirrorDescent(game: g, learningRate: 0.3, alpha: 1))
        _ = a.run(iterations: 20); _ = b.run(iterations: 20)
        let d = zip(a.policy, b.policy).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        #expect(d < 1e-12)
    }

    /// A warm start continues from the given policy (mirror descent: logits log max(pi, 1e-12)), and
    /// bad settings are refused with a message.
    @Test func warmStartAndBadSettings() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        var cold = TabularRun(game: g, algorithm: try MirrorDescent(game: g, learningRate: 0.5))
        _ = cold.run(iterations: 5)
        var warm = TabularRun(game: g, algorithm: try MirrorDescent(game: g, learningRate: 0.5, initialPolicy: cold.policy))
        #expect(warm.exploitability == cold.exploitability)
        // The logits log pi_5 differ from cold's by a constant per row, which softmax ignores.
        let (a, b) = (warm.step(), cold.step())
        #expect(abs(a - b) <= 1e-12 * b, "\(a) vs \(b)")
        #expect(throws: RLError.self) { _ = try MirrorDescent(game: g, learningRate: 0.5, initialPolicy: [0.5]) }
        #expect(throws: RLError.self) { _ = try TabularAlgorithmName.fixedPoint.make(game: g, learningRate: -1) }
        #expect(throws: RLError.self) { _ = try TabularAlgorithmName.mirrorDescent.make(game: g, alpha: 2) }
        #expect(throws: RLError.self) { _ = try BoltzmannPolicyIteration(game: g, temperature: 0) }
    }
}
