import Foundation

/// Exact evaluation of policies in a finite MFG: induced distribution, rewards along it, policy
/// value, best response and exploitability. Buffers are allocated once per game; nothing is
/// allocated per call.
public final class ExactTools {
    public let game: FiniteMFG
    let S: Int, A: Int, H: Int
    /// Rewards `R_t(s, a)` along the current distribution, `[H][S][A]`.
    public private(set) var rewards: [Double]
    /// Q-values of the last policy evaluation (`qPolicy`) and of the last best response (`q`), `[H][S][A]`.
    public private(set) var q: [Double]
    public private(set) var qPolicy: [Double]
    var value: [Double]       // [H+1][S]
    var best: [Double]        // [H+1][S]
    var scratch: [Double]     // [S]: the moved mass (move-then-noise games)
    let uniform: [Double]     // the policy evaluated alongside a best response alone
    let allLegal: Bool
    var kernelValues: [SIMD2<Double>]   // [S]: ((K V)(j), (K V_BR)(j)), move-then-noise games
    /// Population-dependent moves: those of every step along the distribution of the last
    /// `computeRewards(along:)` (`[H][S A]`, read by the backward sweep), and one step's (`[S A]`) for
    /// `distribution(of:)`.
    var stepMoves: [Int32] = []
    var moveScratch: [Int32] = []

    public init(game: FiniteMFG) {
        self.game = game
        S = game.states; A = game.actions; H = game.horizon
        rewards = [Double](repeating: 0, count: H * S * A)
        q = rewards
        qPolicy = rewards
        value = [Double](repeating: 0, count: (H + 1) * S)
        best = value
        scratch = [Double](repeating: 0, count: S)
        uniform = game.uniformPolicy
        allLegal = !game.legal.contains(false)
        kernelValues = [SIMD2<Double>](repeating: .zero, count: S)
        if game.populationDependentDynamics {
            stepMoves = [Int32](repeating: 0, count: H * S * A)
            moveScratch = [Int32](repeating: 0, count: S * A)
        }
    }

    /// The moves of step t under `mu` (`populationMove`), checked to be states.
    private func populationMoves(_ f: MoveThenNoise.PopulationMove, step t: Int, _ mu: UnsafePointer<Double>, into move: UnsafeMutablePointer<Int32>) {
        f(t, mu, move)
        for k in 0..<(S * A) { precondition(move[k] >= 0 && Int(move[k]) < S, "\(game.name): population move \(move[k]) is not a state") }
    }

    /// The distribution induced by `policy` from mu0: `mu_{t+1}(s') = sum mu_t(s) pi_t(a|s) P(s'|s,a)`.
    public func distribution(of policy: [Double], into mu: inout [Double]) {
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
                scratch.withUnsafeMutableBufferPointer { nu in
                  moveScratch.withUnsafeMutableBufferPointer { stepMove in
                    f.arrivalStart.withUnsafeBufferPointer { ast in
                        f.arrival.withUnsafeBufferPointer { arr in
                          f.arrivalState.withUnsafeBufferPointer { ars in
                            f.kernelSourceStart.withUnsafeBufferPointer { kss in
                                f.kernelSource.withUnsafeBufferPointer { ksrc in
                                    f.kernelSourceProbability.withUnsafeBufferPointer { kp in
                                        for s in 0..<S { m[s] = g.initialDistribution[s] }
                                        for t in 0..<H {
                                            let cur = m.baseAddress! + t &* S, nxt = cur + S
                                            let p = pi.baseAddress! + t &* S &* A
                                            if let populationMove {
                                                let mv = stepMove.baseAddress!
                                                populationMoves(populationMove, step: t, cur, into: mv)
                                                for j in 0..<S { nu[j] = 0 }
                                                for s in 0..<S { for a in 0..<A { nu[Int(mv[s * A + a])] += cur[s] * p[s * A + a] } }
                                            } else {
                                                for j in 0..<S {
                                                    var acc = 0.0
                                                    for k in ast[j]..<ast[j &+ 1] {
                                                        acc += cur[Int(truncatingIfNeeded: ars[k])] * p[Int(truncatingIfNeeded: arr[k])]
                                                    }
                                                    nu[j] = acc
                                                }
                                            }
                                            for i in 0..<S {
                                                var acc = 0.0
                                                for k in kss[i]..<kss[i &+ 1] { acc += nu[Int(truncatingIfNeeded: ksrc[k])] * kp[k] }
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

    /// Rewards of every step along the distribution `mu` (`[H+1][S]`), and, where the moves depend
    /// on the population, the moves along it: the environment that `backward(policy:)` then sees.
    public func computeRewards(along mu: [Double]) {
        let g = game
        rewards.withUnsafeMutableBufferPointer { r in
            mu.withUnsafeBufferPointer { m in
                for t in 0..<H { g.reward(t, m.baseAddress! + t * S, m.baseAddress! + (t + 1) * S, r.baseAddress! + t * S * A) }
            }
        }
        if let populationMove = g.moveThenNoise?.populationMove {
            mu.withUnsafeBufferPointer { m in
                stepMoves.withUnsafeMutableBufferPointer { mv in
                    for t in 0..<H { populationMoves(populationMove, step: t, m.baseAddress! + t * S, into: mv.baseAddress! + t * S * A) }
                }
            }
        }
    }

    /// Backward induction on the current rewards: the value of `policy`, or (policy nil) the
    /// optimal value. One sweep computes both (`inductBoth`, the uniform policy standing in for nil), so
    /// it fills `qPolicy` and `q`; returns the requested value at step 0.
    @discardableResult
    public func backward(policy: [Double]?) -> [Double] {
        inductBoth(policy: policy ?? uniform)
        return Array((policy == nil ? best : value)[0..<S])
    }

    /// Exploitability `sum_s mu0(s) [V_BR(s) - V_pi(s)]` of `policy` against its own distribution.
    /// Fills `qPolicy` and `q` as `backward(policy:)` and `backward(policy: nil)` would, in one sweep
    /// that reads each transition once for both values.
    public func exploitability(of policy: [Double], distribution mu: inout [Double]) -> Double {
        distribution(of: policy, into: &mu)
        computeRewards(along: mu)
        inductBoth(policy: policy)
        var e = 0.0
        for s in 0..<S { e += game.initialDistribution[s] * (best[s] - value[s]) }
        return e
    }

    /// Policy evaluation (`value`, `qPolicy`) and best response (`best`, `q`) in one backward sweep.
    private func inductBoth(policy: [Double]) {
        if let f = game.moveThenNoise { return inductBoth(policy: policy, factored: f) }
        let g = game, gamma = g.discount
        value.withUnsafeMutableBufferPointer { vp in
          best.withUnsafeMutableBufferPointer { bp in
            qPolicy.withUnsafeMutableBufferPointer { qp in
              q.withUnsafeMutableBufferPointer { qb in
                rewards.withUnsafeBufferPointer { r in
                  policy.withUnsafeBufferPointer { pp in
                    g.legal.withUnsafeBufferPointer { lg in
                      g.rowStart.withUnsafeBufferPointer { rs in
                        g.successor.withUnsafeBufferPointer { nx in
                          g.probability.withUnsafeBufferPointer { pr in
                            for s in 0..<S { vp[H * S + s] = 0; bp[H * S + s] = 0 }
                            var t = H - 1
                            while t >= 0 {
                                let nextV = vp.baseAddress! + (t + 1) * S, nextB = bp.baseAddress! + (t + 1) * S
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
                  }
                }
              }
            }
          }
        }
    }

    /// `inductBoth` for move-then-noise games: `(K V)(j)` and `(K V_BR)(j)` once per state (side by
    /// side, so that one vector load serves both values), then `Q(s,a) = r + gamma (K V)(move(s, a))`.
    /// (Q of illegal actions is that of staying put; it is never used.)
    private func inductBoth(policy: [Double], factored f: MoveThenNoise) {
        let g = game, A = A
        value.withUnsafeMutableBufferPointer { vp in
          best.withUnsafeMutableBufferPointer { bp in
            qPolicy.withUnsafeMutableBufferPointer { qp in
              q.withUnsafeMutableBufferPointer { qb in
                rewards.withUnsafeBufferPointer { r in
                  policy.withUnsafeBufferPointer { pp in
                    g.legal.withUnsafeBufferPointer { lg in
                      kernelValues.withUnsafeMutableBufferPointer { kv in
                        (f.populationMove == nil ? f.move : stepMoves).withUnsafeBufferPointer { mv in
                          f.kernelStart.withUnsafeBufferPointer { ks in
                            f.kernelTarget.withUnsafeBufferPointer { kt in
                              f.kernelProbability.withUnsafeBufferPointer { kp in
                                let b = FactoredSweep(
                                    value: vp.baseAddress!, best: bp.baseAddress!, qPolicy: qp.baseAddress!, qBest: qb.baseAddress!,
                                    rewards: r.baseAddress!, policy: pp.baseAddress!, legal: lg.baseAddress!,
                                    kernelValues: kv.baseAddress!,
                                    move: mv.baseAddress!, moveStride: f.populationMove == nil ? 0 : S * A, kernelStart: ks.baseAddress!, kernelTarget: kt.baseAddress!,
                                    kernelProbability: kp.baseAddress!, states: S, horizon: H, gamma: g.discount)
                                switch (A, allLegal) {
                                case (3, true): b.run(width: 3, allLegal: true)
                                case (5, true): b.run(width: 5, allLegal: true)
                                case (5, false): b.run(width: 5, allLegal: false)
                                case (_, true): b.run(width: A, allLegal: true)
                                default: b.run(width: A, allLegal: false)
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

    /// The value of `policy` against its own distribution, `sum_s mu0(s) V_pi(s)`.
    public func expectedReturn(of policy: [Double]) -> Double {
        var mu: [Double] = []
        distribution(of: policy, into: &mu)
        computeRewards(along: mu)
        let v = backward(policy: policy)
        return zip(game.initialDistribution, v).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The greedy best response to the current rewards: the first maximiser, as OpenSpiel's
    /// `np.argmax`. Values within 1e-12 (relative) of the maximum count as ties, so that exact ties
    /// (symmetric games) are broken the same way whatever the order of summation.
    public func greedyPolicy() -> [Double] {
        backward(policy: nil)
        var pi = [Double](repeating: 0, count: H * S * A)
        for k in 0..<(H * S) {
            let s = k % S
            var top = -Double.infinity
            for a in 0..<A where game.legal[s * A + a] { top = max(top, q[k * A + a]) }
            let tolerance = 1e-12 * max(1, abs(top))
            var bestA = 0
            for a in 0..<A where game.legal[s * A + a] && q[k * A + a] >= top - tolerance { bestA = a; break }
            pi[k * A + bestA] = 1
        }
        return pi
    }
}

/// The buffers of one factored backward sweep, and the sweep itself with the row width a
/// parameter that callers pass as a constant for the common action counts (so that it is unrolled).
private struct FactoredSweep {
    let value, best, qPolicy, qBest: UnsafeMutablePointer<Double>
    let rewards, policy: UnsafePointer<Double>
    let legal: UnsafePointer<Bool>
    let kernelValues: UnsafeMutablePointer<SIMD2<Double>>   // [S]: ((K V)(j), (K V_BR)(j))
    let move: UnsafePointer<Int32>          // [S A], or [H][S A] (moveStride S A) when they change with mu
    let moveStride: Int
    let kernelStart: UnsafePointer<Int>
    let kernelTarget: UnsafePointer<Int32>
    let kernelProbability: UnsafePointer<Double>
    let states: Int, horizon: Int
    let gamma: Double

    @inline(__always)
    func run(width A: Int, allLegal: Bool) {
        let S = states, H = horizon
        for s in 0..<S { value[H &* S &+ s] = 0; best[H &* S &+ s] = 0 }
        var t = H - 1
        while t >= 0 {
            let nextV = value + (t &+ 1) &* S, nextB = best + (t &+ 1) &* S
            for j in 0..<S {
                var acc = SIMD2<Double>(0, 0)
                for k in kernelStart[j]..<kernelStart[j &+ 1] {
                    let i = Int(truncatingIfNeeded: kernelTarget[k])
                    acc += kernelProbability[k] * SIMD2(nextV[i], nextB[i])
                }
                kernelValues[j] = acc
            }
            let row = t &* S &* A
            let r = rewards + row, p = policy + row, qv = qPolicy + row, qb = qBest + row
            let move = move + t &* moveStride
            for s in 0..<S {
                var accV = 0.0, accB = -Double.infinity
                for a in 0..<A {
                    let k = s &* A &+ a
                    let both = r[k] + gamma * kernelValues[Int(truncatingIfNeeded: move[k])]
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
