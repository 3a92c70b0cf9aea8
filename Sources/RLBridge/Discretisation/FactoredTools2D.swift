import Foundation
import PDE

/// The exact evaluation of a product policy (`FactoredPolicy2D`) in a `FactoredGame2D` whose
/// Lagrangian is quadratic in the velocity, without any `[H][S][A]` table: the distribution in one
/// forward pass, then the policy's values and a best response's in one backward sweep, `O(H S K)`.
///
/// With `W = V_{t+1}` (less `G` after the last step) and, for an active cell `s` with neighbours
/// `E, W', N, S'` and door costs `c_d`, `D_d = W(d) - W(s) - c_d`:
/// `Q_t(s, kx, ky) = -F_t(s) dt + W(s) + Qx(kx) + Qy(ky)`, with
/// `Qx(k) = -L(v_k^2, w(mu_s)) dt + forward[k] D_E + backward[k] D_W'` and `Qy` likewise, so that
/// `V^pi_t(s) = -F dt + W(s) + <px, Qx> + <py, Qy>` and `V*_t(s) = -F dt + W*(s) + max Qx* + max Qy*`.
/// Obstacle cells and the exited state keep their next value (reward 0). These are the numbers
/// `ExactTools` computes on `ContinuousGame2D.game` for the same product policy, summed in another
/// order (tested to 1e-12).
///
/// The tools keep only scratch of one step (`[S K]` and `[S]` rows), meaningless between calls.
public final class FactoredTools2D {
    public let game: FactoredGame2D
    let S: Int, K: Int, H: Int
    var probabilityX: [Double], probabilityY: [Double]   // [S K]: the softmax rows of one step
    var value: [Double], best: [Double]                  // [S]: V^pi_{t+1}, V*_{t+1}, then V_t
    var nextValue: [Double], nextBest: [Double]          // [S]: W, W* (the next values, less G after the last step)
    var density: [Double], running: [Double]             // [cells]: scratch of the running cost

    /// Refuses a game whose Lagrangian is not quadratic in the velocity (then `Q` does not split by axis).
    public init(game: FactoredGame2D) throws {
        guard game.hamiltonian.isQuadraticInP else {
            throw RLError.invalid("\(game.name): the per-axis (factored) evaluation needs a Hamiltonian quadratic in p; "
                                  + "|p|^\(game.hamiltonian.exponent) couples the axes (use the dense game, ContinuousGame2D)")
        }
        self.game = game
        S = game.states; K = game.velocities.count; H = game.horizon
        probabilityX = [Double](repeating: 0, count: S * K)
        probabilityY = probabilityX
        value = [Double](repeating: 0, count: S)
        best = value; nextValue = value; nextBest = value
        density = [Double](repeating: 0, count: game.cells)
        running = density
    }

    /// The exploitability and the expected return of a policy against its own distribution.
    public struct Evaluation: Sendable {
        /// `sum_s mu0(s) [V*_0(s) - V^pi_0(s)]`.
        public var exploitability: Double
        /// `sum_s mu0(s) V^pi_0(s)`.
        public var expectedReturn: Double
    }

    /// The softmax rows of step `t` of both axes into `probabilityX`, `probabilityY`.
    private func probabilities(_ policy: FactoredPolicy2D, step t: Int) {
        let rows = S, K = K, offset = t * S * K
        policy.x.withUnsafeBufferPointer { zx in policy.y.withUnsafeBufferPointer { zy in
            probabilityX.withUnsafeMutableBufferPointer { px in probabilityY.withUnsafeMutableBufferPointer { py in
                // softmaxRows reads the logits only (no log softmax asked).
                SoftmaxRows.softmaxRows(UnsafeMutablePointer(mutating: zx.baseAddress! + offset), px.baseAddress!, rows: rows, width: K, logSoftmax: nil)
                SoftmaxRows.softmaxRows(UnsafeMutablePointer(mutating: zy.baseAddress! + offset), py.baseAddress!, rows: rows, width: K, logSoftmax: nil)
            } }
        } }
    }

    /// The distribution induced by `policy` from mu0 (`[H+1][S]`): from an active cell, the mass
    /// `mu(s) <px, forward>` steps to `+x`, and so on; the rest stays.
    public func distribution(of policy: FactoredPolicy2D, into mu: inout [Double]) {
        precondition(policy.x.count == H * S * K && policy.y.count == H * S * K, "\(game.name): a factored policy has \(H * S * K) logits per axis")
        if mu.count != (H + 1) * S { mu = [Double](repeating: 0, count: (H + 1) * S) }
        let g = game, S = S, K = K, cells = g.cells
        for t in 0..<H {
            probabilities(policy, step: t)
            mu.withUnsafeMutableBufferPointer { m in
              probabilityX.withUnsafeBufferPointer { px in probabilityY.withUnsafeBufferPointer { py in
                g.forward.withUnsafeBufferPointer { up in g.backward.withUnsafeBufferPointer { down in
                  g.neighbour.withUnsafeBufferPointer { nb in g.active.withUnsafeBufferPointer { active in
                    if t == 0 { for s in 0..<S { m[s] = g.initialDistribution[s] } }
                    let cur = m.baseAddress! + t * S, nxt = cur + S
                    for s in 0..<S { nxt[s] = 0 }
                    for s in 0..<S {
                        let w = cur[s]
                        guard s < cells, active[s] else { nxt[s] += w; continue }
                        if w == 0 { continue }
                        var ux = 0.0, dx = 0.0, uy = 0.0, dy = 0.0
                        let rx = px.baseAddress! + s * K, ry = py.baseAddress! + s * K
                        for k in 0..<K {
                            ux += rx[k] * up[k]; dx += rx[k] * down[k]
                            uy += ry[k] * up[k]; dy += ry[k] * down[k]
                        }
                        let moves = 4 * s
                        nxt[Int(nb[moves])] += w * ux
                        nxt[Int(nb[moves + 1])] += w * dx
                        nxt[Int(nb[moves + 2])] += w * uy
                        nxt[Int(nb[moves + 3])] += w * dy
                        nxt[s] += w * (1 - ux - dx - uy - dy)
                    }
                  } }
                } }
              } }
            }
        }
    }

    /// One backward sweep along `mu` (the policy's own distribution): the exploitability and the
    /// expected return of `policy`; with `mirrorStep` set to a learning rate, mirror descent's update
    /// `y += lr Q^pi` is then applied to each row of logits after the sweep has read it (the constant
    /// `-F dt + W(s)` drops out of each axis's softmax), so that `policy` leaves as the next iterate.
    public func sweep(_ policy: inout FactoredPolicy2D, along mu: [Double], mirrorStep lr: Double?) -> Evaluation {
        precondition(mu.count == (H + 1) * S, "\(game.name): a distribution has \((H + 1) * S) entries, got \(mu.count)")
        let g = game, S = S, K = K, H = H, cells = g.cells, area = g.h * g.h, dt = g.dt, hamiltonian = g.hamiltonian
        for s in 0..<S { value[s] = 0; best[s] = 0 }
        var t = H - 1
        while t >= 0 {
            probabilities(policy, step: t)
            let last = t == H - 1
            for s in 0..<S {
                nextValue[s] = last ? value[s] - g.terminal[s] : value[s]
                nextBest[s] = last ? best[s] - g.terminal[s] : best[s]
            }
            mu.withUnsafeBufferPointer { m in
              density.withUnsafeMutableBufferPointer { d in running.withUnsafeMutableBufferPointer { f in
                g.runningCost(step: t, distribution: m.baseAddress! + t * S, density: d.baseAddress!, into: f.baseAddress!)
              } }
            }
            mu.withUnsafeBufferPointer { m in
              policy.x.withUnsafeMutableBufferPointer { zx in policy.y.withUnsafeMutableBufferPointer { zy in
                probabilityX.withUnsafeBufferPointer { px in probabilityY.withUnsafeBufferPointer { py in
                  g.forward.withUnsafeBufferPointer { up in g.backward.withUnsafeBufferPointer { down in
                    g.neighbour.withUnsafeBufferPointer { nb in g.exitCost.withUnsafeBufferPointer { cost in
                      g.velocities.withUnsafeBufferPointer { v in g.active.withUnsafeBufferPointer { active in
                        nextValue.withUnsafeBufferPointer { W in nextBest.withUnsafeBufferPointer { B in
                          value.withUnsafeMutableBufferPointer { V in best.withUnsafeMutableBufferPointer { VB in
                            running.withUnsafeBufferPointer { f in
                    let mt = m.baseAddress! + t * S
                    for s in 0..<S {
                        guard s < cells, active[s] else { continue }   // obstacle or exited: V_t = V_{t+1}
                        let weight = hamiltonian.weight(mt[s] / area)
                        let moves = 4 * s
                        let e = Int(nb[moves]), w = Int(nb[moves + 1]), n = Int(nb[moves + 2]), so = Int(nb[moves + 3])
                        // The value differences D_d of the policy's values and of the best response's.
                        let dE = W[e] - W[s] - cost[moves], dW = W[w] - W[s] - cost[moves + 1]
                        let dN = W[n] - W[s] - cost[moves + 2], dS = W[so] - W[s] - cost[moves + 3]
                        let bE = B[e] - B[s] - cost[moves], bW = B[w] - B[s] - cost[moves + 1]
                        let bN = B[n] - B[s] - cost[moves + 2], bS = B[so] - B[s] - cost[moves + 3]
                        let rx = px.baseAddress! + s * K, ry = py.baseAddress! + s * K
                        let lx = zx.baseAddress! + (t * S + s) * K, ly = zy.baseAddress! + (t * S + s) * K
                        var meanX = 0.0, meanY = 0.0, topX = -Double.infinity, topY = -Double.infinity
                        for k in 0..<K {
                            let kinetic = hamiltonian.lagrangian(speedSquared: v[k] * v[k], weight: weight) * dt
                            let qx = -kinetic + up[k] * dE + down[k] * dW, qy = -kinetic + up[k] * dN + down[k] * dS
                            meanX += rx[k] * qx
                            meanY += ry[k] * qy
                            topX = Swift.max(topX, -kinetic + up[k] * bE + down[k] * bW)
                            topY = Swift.max(topY, -kinetic + up[k] * bN + down[k] * bS)
                            if let lr {
                                lx[k] += lr * qx
                                ly[k] += lr * qy
                            }
                        }
                        let constant = -f[s] * dt
                        V[s] = constant + W[s] + meanX + meanY
                        VB[s] = constant + B[s] + topX + topY
                    }
                            }
                          } }
                        } }
                      } }
                    } }
                  } }
                } }
              } }
            }
            t -= 1
        }
        var exploitability = 0.0, expected = 0.0
        for s in 0..<S {
            exploitability += g.initialDistribution[s] * (best[s] - value[s])
            expected += g.initialDistribution[s] * value[s]
        }
        return Evaluation(exploitability: exploitability, expectedReturn: expected)
    }
}
