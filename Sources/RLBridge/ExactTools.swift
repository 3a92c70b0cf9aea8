import Foundation
import PDE

/// Exact evaluation of policies in a finite MFG (`Evaluation`): the induced distribution, the
/// rewards along it, the policy's value, a best response and the exploitability. The tools keep only
/// scratch space (a few `[S]` rows), sized once per game and meaningless between calls; every result
/// goes to the caller's arrays, so a caller that reuses its `Evaluation` allocates nothing per call.
public final class ExactTools {
    public let game: FiniteMFG
    /// `.nash`: the game's own rewards. `.social`: the planner's rewards `R~` (`SocialObjective.swift`), so that every
    /// value, best response and exploitability is that of the mean-field control problem's optimality system.
    public let objective: Objective
    let S: Int, A: Int, H: Int
    let allLegal: Bool
    // Scratch of one step.
    var moved: [Double]                 // [S]: nu, the mass after the move (move-then-noise games)
    var kernelValues: [SIMD2<Double>]   // [S]: gamma ((K V)(j), (K V_BR)(j)) (move-then-noise games)
    var stepMoves: [Int32]              // [S A]: the moves of one step (population-dependent moves)
    var socialWeights: [Double]         // [S A]: rho_t (social objective)
    var socialNow: [Double], socialNext: [Double]   // [S]: G_t, N_t (social objective)

    /// The tools of the game's own (Nash) objective.
    public convenience init(game: FiniteMFG) {
        self.init(game, objective: .nash)
    }

    /// The tools of `objective`; the social one needs the game's `rewardGradient` (`Objective.check(_:)`).
    public convenience init(game: FiniteMFG, objective: Objective) throws {
        try objective.check(game)
        self.init(game, objective: objective)
    }

    private init(_ game: FiniteMFG, objective: Objective) {
        self.game = game
        self.objective = objective
        S = game.states; A = game.actions; H = game.horizon
        allLegal = !game.legal.contains(false)
        moved = [Double](repeating: 0, count: S)
        kernelValues = [SIMD2<Double>](repeating: .zero, count: S)
        stepMoves = [Int32](repeating: 0, count: game.populationDependentDynamics ? S * A : 0)
        let social = objective == .social
        socialWeights = [Double](repeating: 0, count: social ? S * A : 0)
        socialNow = [Double](repeating: 0, count: social ? S : 0)
        socialNext = socialNow
    }

    /// The evaluation of `policy` (`[H][S][A]`) against its own distribution.
    public func evaluate(_ policy: [Double]) -> Evaluation {
        var e = Evaluation()
        evaluate(policy, into: &e)
        return e
    }

    /// The evaluation of `policy` into `e`, overwriting all of it: the distribution (one forward
    /// pass), the rewards along it (with the social objective, the planner's: `addSocialTerms`), then
    /// both values in one backward sweep (`sweep`).
    public func evaluate(_ policy: [Double], into e: inout Evaluation) {
        distribution(of: policy, into: &e.distribution)
        rewards(along: e.distribution, into: &e.rewards)
        if objective == .social { addSocialTerms(of: policy, along: e.distribution, to: &e.rewards) }
        sweep(policy, into: &e)
    }

    /// The distribution induced by `policy` from mu0: `mu_{t+1}(s') = sum mu_t(s) pi_t(a|s) P(s'|s,a)`.
    public func distribution(of policy: [Double], into mu: inout [Double]) {
        precondition(policy.count == game.policySize, "\(game.name): a policy has \(game.policySize) entries, got \(policy.count)")
        if mu.count != (H + 1) * S { mu = [Double](repeating: 0, count: (H + 1) * S) }
        if let f = game.moveThenNoise { return distribution(of: policy, into: &mu, factored: f) }
        let g = game
        mu.withUnsafeMutableBufferPointer { m in
            policy.withUnsafeBufferPointer { pi in
                g.rowStart.withUnsafeBufferPointer { rs in
                    g.successor.withUnsafeBufferPointer { nx in
                        g.probability.withUnsafeBufferPointer { pr in
                            for s in 0..<S { m[s] = g.initialDistribution[s] }
                            for t in 0..<H {
                                let cur = t * S, nxt = (t + 1) * S
                                for s in 0..<S { m[nxt + s] = 0 }
                                for s in 0..<S {
                                    let w = m[cur + s]
                                    if w == 0 { continue }
                                    for a in 0..<A {
                                        let pa = w * pi[(t * S + s) * A + a]
                                        if pa == 0 { continue }
                                        let row = s * A + a
                                        for k in rs[row]..<rs[row + 1] { m[nxt + Int(nx[k])] += pa * pr[k] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `mu_{t+1} = K^T nu`, `nu(j) = sum_{move(s,a) = j} mu_t(s) pi(a|s)`, both as gathers; where the
    /// moves change with mu_t (`populationMove`), nu is scattered through the moves of each step.
    private func distribution(of policy: [Double], into mu: inout [Double], factored f: MoveThenNoise) {
        let g = game, A = A, populationMove = f.populationMove
        mu.withUnsafeMutableBufferPointer { m in
            policy.withUnsafeBufferPointer { pi in
                moved.withUnsafeMutableBufferPointer { nu in
                  stepMoves.withUnsafeMutableBufferPointer { stepMove in
                    f.arrivalStart.withUnsafeBufferPointer { ast in
                        f.arrival.withUnsafeBufferPointer { arr in
                          f.arrivalState.withUnsafeBufferPointer { ars in
                            f.kernelSourceStart.withUnsafeBufferPointer { kss in
                                f.kernelSource.withUnsafeBufferPointer { ksrc in
                                    f.kernelSourceProbability.withUnsafeBufferPointer { kp in
                                        let arrivals = SparseRows(start: ast.baseAddress!, width: f.arrivalWidth)
                                        let sources = SparseRows(start: kss.baseAddress!, width: f.kernelSourceWidth)
                                        for s in 0..<S { m[s] = g.initialDistribution[s] }
                                        for t in 0..<H {
                                            let cur = m.baseAddress! + t &* S, nxt = cur + S
                                            let p = pi.baseAddress! + t &* S &* A
                                            if let populationMove {
                                                let mv = stepMove.baseAddress!
                                                Self.populationMoves(populationMove, game: g, step: t, cur, into: mv)
                                                for j in 0..<S { nu[j] = 0 }
                                                for s in 0..<S { for a in 0..<A { nu[Int(mv[s * A + a])] += cur[s] * p[s * A + a] } }
                                            } else {
                                                arrivals.withUsualWidth { rows in
                                                    for j in 0..<S {
                                                        var acc = 0.0
                                                        for k in rows[j] {
                                                            acc += cur[Int(truncatingIfNeeded: ars[k])] * p[Int(truncatingIfNeeded: arr[k])]
                                                        }
                                                        nu[j] = acc
                                                    }
                                                }
                                            }
                                            sources.withUsualWidth { rows in
                                                for i in 0..<S {
                                                    var acc = 0.0
                                                    for k in rows[i] { acc += nu[Int(truncatingIfNeeded: ksrc[k])] * kp[k] }
                                                    nxt[i] = acc
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                          }
                        }
                    }
                  }
                }
            }
        }
    }

    /// The moves of step t under `mu` (`populationMove`), checked to be states.
    static func populationMoves(_ f: MoveThenNoise.PopulationMove, game: FiniteMFG, step t: Int, _ mu: UnsafePointer<Double>,
                                into move: UnsafeMutablePointer<Int32>) {
        f(t, mu, move)
        let S = game.states
        for k in 0..<(S * game.actions) { precondition(move[k] >= 0 && Int(move[k]) < S, "\(game.name): population move \(move[k]) is not a state") }
    }

    /// `R_t(s, a; mu_t, mu_{t+1})` of every step along the distribution `mu` (`[H+1][S]`), into `r` (`[H][S][A]`).
    public func rewards(along mu: [Double], into r: inout [Double]) {
        precondition(mu.count == (H + 1) * S, "\(game.name): a distribution has \((H + 1) * S) entries, got \(mu.count)")
        if r.count != H * S * A { r = [Double](repeating: 0, count: H * S * A) }
        let g = game, S = S, A = A
        r.withUnsafeMutableBufferPointer { r in
            mu.withUnsafeBufferPointer { m in
                for t in 0..<H { g.reward(t, m.baseAddress! + t * S, m.baseAddress! + (t + 1) * S, r.baseAddress! + t * S * A) }
            }
        }
    }

    /// Backward induction on `e.rewards` (and, where the moves depend on the population, on the moves
    /// along `e.distribution`): the value of `policy` (`policyQ`, `policyValue`) and of a best response
    /// (`bestResponseQ`, `bestResponseValue`) in one sweep that reads each transition once for both, then
    /// `expectedReturn` and `exploitability`. `evaluate` is `distribution`, `rewards`, then this.
    public func sweep(_ policy: [Double], into e: inout Evaluation) {
        precondition(policy.count == game.policySize, "\(game.name): a policy has \(game.policySize) entries, got \(policy.count)")
        precondition(e.rewards.count == H * S * A && e.distribution.count == (H + 1) * S, "sweep: the evaluation has no rewards along a distribution")
        if e.policyQ.count != H * S * A {
            e.policyQ = [Double](repeating: 0, count: H * S * A)
            e.bestResponseQ = e.policyQ
        }
        if e.policyValue.count != (H + 1) * S {
            e.policyValue = [Double](repeating: 0, count: (H + 1) * S)
            e.bestResponseValue = e.policyValue
        }
        let S = S, H = H
        policy.withUnsafeBufferPointer { pp in
          e.rewards.withUnsafeBufferPointer { r in
            e.distribution.withUnsafeBufferPointer { mu in
              e.policyQ.withUnsafeMutableBufferPointer { qp in
                e.bestResponseQ.withUnsafeMutableBufferPointer { qb in
                  e.policyValue.withUnsafeMutableBufferPointer { vp in
                    e.bestResponseValue.withUnsafeMutableBufferPointer { bp in
                      game.legal.withUnsafeBufferPointer { lg in
                        let b = SweepBuffers(
                            value: vp.baseAddress!, best: bp.baseAddress!, qPolicy: qp.baseAddress!, qBest: qb.baseAddress!,
                            rewards: r.baseAddress!, policy: pp.baseAddress!, legal: lg.baseAddress!, distribution: mu.baseAddress!,
                            states: S, horizon: H, gamma: game.discount)
                        if let f = game.moveThenNoise { factoredSweep(b, f) } else { genericSweep(b) }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        var exploitability = 0.0
        for s in 0..<S { exploitability += game.initialDistribution[s] * (e.bestResponseValue[s] - e.policyValue[s]) }
        e.exploitability = exploitability
        e.expectedReturn = zip(game.initialDistribution, e.policyValue[0..<S]).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The sweep on the transition rows.
    private func genericSweep(_ b: SweepBuffers) {
        let g = game, S = S, A = A, H = H, gamma = b.gamma
        let vp = b.value, bp = b.best, qp = b.qPolicy, qb = b.qBest, r = b.rewards, pp = b.policy, lg = b.legal
        g.rowStart.withUnsafeBufferPointer { rs in
            g.successor.withUnsafeBufferPointer { nx in
                g.probability.withUnsafeBufferPointer { pr in
                    for s in 0..<S { vp[H * S + s] = 0; bp[H * S + s] = 0 }
                    var t = H - 1
                    while t >= 0 {
                        let nextV = vp + (t + 1) * S, nextB = bp + (t + 1) * S
                        for s in 0..<S {
                            let base = (t * S + s) * A
                            var accV = 0.0, accB = -Double.infinity
                            for a in 0..<A {
                                let row = s * A + a
                                var ev = 0.0, eb = 0.0
                                for k in rs[row]..<rs[row + 1] {
                                    let j = Int(nx[k]), p = pr[k]
                                    ev += p * nextV[j]
                                    eb += p * nextB[j]
                                }
                                let qv = r[base + a] + gamma * ev, qbest = r[base + a] + gamma * eb
                                qp[base + a] = qv
                                qb[base + a] = qbest
                                accV += pp[base + a] * qv
                                if lg[row] && qbest > accB { accB = qbest }
                            }
                            vp[t * S + s] = accV
                            bp[t * S + s] = accB
                        }
                        t -= 1
                    }
                }
            }
        }
    }

    /// The sweep of a move-then-noise game: `gamma (K V)(j)` and `gamma (K V_BR)(j)` once per state (side by
    /// side, so that one vector load serves both values), then `Q(s,a) = r + gamma (K V)(move(s, a))`, the
    /// moves of each step from its distribution where they depend on the population. (Q of an illegal
    /// action is that of staying put; it is never used.)
    private func factoredSweep(_ b: SweepBuffers, _ f: MoveThenNoise) {
        let g = game, A = A
        kernelValues.withUnsafeMutableBufferPointer { kv in
          stepMoves.withUnsafeMutableBufferPointer { sm in
            f.move.withUnsafeBufferPointer { mv in
              f.kernelStart.withUnsafeBufferPointer { ks in
                f.kernelTarget.withUnsafeBufferPointer { kt in
                  f.kernelProbability.withUnsafeBufferPointer { kp in
                    let sweep = FactoredSweep(
                        buffers: b, kernelValues: kv.baseAddress!, move: mv.baseAddress!, game: g, populationMove: f.populationMove,
                        stepMoves: sm.baseAddress, kernel: SparseRows(start: ks.baseAddress!, width: f.kernelWidth), kernelTarget: kt.baseAddress!,
                        kernelProbability: kp.baseAddress!)
                    switch (A, allLegal) {
                    case (3, true): sweep.run(width: 3, allLegal: true)
                    case (5, true): sweep.run(width: 5, allLegal: true)
                    case (5, false): sweep.run(width: 5, allLegal: false)
                    case (_, true): sweep.run(width: A, allLegal: true)
                    default: sweep.run(width: A, allLegal: false)
                    }
                  }
                }
              }
            }
          }
        }
    }

    /// The greedy best response of `e` (`[H][S][A]`, into `policy`): at each (t, s) the first maximiser
    /// of `Q*` over the legal actions, as OpenSpiel's `np.argmax`. Values within 1e-12 (relative) of the
    /// maximum count as ties, so that exact ties (symmetric games) are broken the same way whatever the
    /// order of summation.
    public func bestResponse(_ e: Evaluation, into policy: inout [Double]) {
        if policy.count != H * S * A { policy = [Double](repeating: 0, count: H * S * A) }
        let q = e.bestResponseQ, legal = game.legal, S = S, A = A
        precondition(q.count == H * S * A, "bestResponse: the evaluation has no Q table")
        for k in 0..<(H * S) {
            let s = k % S
            var top = -Double.infinity
            for a in 0..<A where legal[s * A + a] { top = max(top, q[k * A + a]) }
            let tolerance = 1e-12 * max(1, abs(top))
            var bestA = 0
            for a in 0..<A where legal[s * A + a] && q[k * A + a] >= top - tolerance { bestA = a; break }
            for a in 0..<A { policy[k * A + a] = 0 }
            policy[k * A + bestA] = 1
        }
    }
}

/// The arrays one backward sweep reads and writes.
struct SweepBuffers {
    let value, best, qPolicy, qBest: UnsafeMutablePointer<Double>
    let rewards, policy: UnsafePointer<Double>
    let legal: UnsafePointer<Bool>
    let distribution: UnsafePointer<Double>
    let states: Int, horizon: Int
    let gamma: Double
}

/// One factored backward sweep, with the row width a parameter that callers pass as a constant for
/// the common action counts (so that it is unrolled).
private struct FactoredSweep {
    let buffers: SweepBuffers
    let kernelValues: UnsafeMutablePointer<SIMD2<Double>>   // [S]: gamma ((K V)(j), (K V_BR)(j))
    let move: UnsafePointer<Int32>          // [S A]
    let game: FiniteMFG
    /// Where the moves depend on the population: the moves of step t from mu_t, into `stepMoves` (`[S A]`).
    let populationMove: MoveThenNoise.PopulationMove?
    let stepMoves: UnsafeMutablePointer<Int32>?
    let kernel: SparseRows                  // the noise rows (`kernelStart`)
    let kernelTarget: UnsafePointer<Int32>
    let kernelProbability: UnsafePointer<Double>

    @inline(__always)
    func run(width A: Int, allLegal: Bool) {
        let b = buffers, S = b.states, H = b.horizon, gamma = b.gamma
        let value = b.value, best = b.best, legal = b.legal
        for s in 0..<S { value[H &* S &+ s] = 0; best[H &* S &+ s] = 0 }
        var t = H - 1
        while t >= 0 {
            let nextV = value + (t &+ 1) &* S, nextB = best + (t &+ 1) &* S
            kernel.withUsualWidth { rows in
                for j in 0..<S {
                    var acc = SIMD2<Double>(0, 0)
                    for k in rows[j] {
                        let i = Int(truncatingIfNeeded: kernelTarget[k])
                        acc += kernelProbability[k] * SIMD2(nextV[i], nextB[i])
                    }
                    kernelValues[j] = gamma * acc
                }
            }
            let row = t &* S &* A
            let r = b.rewards + row, p = b.policy + row, qv = b.qPolicy + row, qb = b.qBest + row
            var move = self.move
            if let populationMove, let stepMoves {
                ExactTools.populationMoves(populationMove, game: game, step: t, b.distribution + t &* S, into: stepMoves)
                move = UnsafePointer(stepMoves)
            }
            for s in 0..<S {
                var accV = 0.0, accB = -Double.infinity
                for a in 0..<A {
                    let k = s &* A &+ a
                    let both = r[k] + kernelValues[Int(truncatingIfNeeded: move[k])]
                    qv[k] = both[0]
                    qb[k] = both[1]
                    accV += p[k] * both[0]
                    accB = Swift.max(accB, allLegal || legal[k] ? both[1] : -.infinity)
                }
                value[t &* S &+ s] = accV
                best[t &* S &+ s] = accB
            }
            t -= 1
        }
    }
}
