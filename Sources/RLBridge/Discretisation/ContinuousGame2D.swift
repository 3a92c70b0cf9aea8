import Foundation
import PDE

/// A finite MFG approximating a continuous 2D problem: the Markov-chain approximation of
/// `ContinuousGame` on each axis (Kushner-Dupuis, consistent with the upwind scheme of `DiscreteMFG2D`).
/// States are the cells `s = i n + j` (the PDE's numbering); actions are velocity pairs
/// `(v_kx, v_ky)` from `K` values per axis in [-amax, amax] (`a = kx K + ky`); from cell (i, j) the walker
/// moves east with probability `dt (nu/h^2 + max(vx, 0)/h)`, west with `dt (nu/h^2 + max(-vx, 0)/h)`,
/// north and south likewise with vy, else stays. A move through a wall or into an obstacle stays (zero
/// flux); tori wrap. `dt (4 nu/h^2 + 2 amax/h) <= 1`. Reward of a step:
/// `-(L(v, mu/h^2) + F(t, x, y, mu/h^2)) dt` with the Lagrangian of the problem's Hamiltonian
/// (`Hamiltonian.lagrangian`), and `-G(x, y)` in expectation at the last step. Square
/// grids, no nonlocal couplings. Exits (doors on the walls, as the PDE's faces) add one state,
/// "exited", after the cells: a move through a door goes there and pays the door's cost; it stays there
/// with reward 0.
public struct ContinuousGame2D: Sendable {
    public let game: FiniteMFG
    /// The per-axis form the dense game is built from (its cells, neighbours and step probabilities).
    public let factored: FactoredGame2D
    public var n: Int { factored.n }
    public var x: [Double] { factored.x }
    public var y: [Double] { factored.y }
    public var velocities: [Double] { factored.velocities }
    public var h: Double { factored.h }
    public var dt: Double { factored.dt }
    public var periodic: Bool { factored.periodic }
    public var active: [Bool] { factored.active }
    /// The grid cells: states `0 ..< cells`; with exits, state `cells` is "exited".
    public var cells: Int { factored.cells }

    /// Refuses what the discretisation does not handle (before anyone solves a PDE reference for it).
    public static func checkSupported(_ problem: MFGProblem2D) throws {
        guard !problem.isErgodic, problem.nonlocalKernel == nil else {
            throw RLError.invalid("\(problem.name): the 2D discretisation handles time-dependent problems without nonlocal couplings")
        }
        guard abs((problem.upperX - problem.lowerX) - (problem.upperY - problem.lowerY)) < 1e-12 else {
            throw RLError.invalid("\(problem.name): the 2D discretisation needs a square domain")
        }
    }

    public init(problem: MFGProblem2D, n: Int, minimumSteps: Int, velocitiesPerAxis K: Int, maximumVelocity amax: Double) throws {
        let f = try FactoredGame2D(problem: problem, n: n, minimumSteps: minimumSteps, velocitiesPerAxis: K, maximumVelocity: amax,
                                   sizeCheck: (actions: K * K, limit: RLLimits.policyEntries))
        let cells = f.cells, A = K * K, S = f.states, steps = f.horizon, dt = f.dt
        let exited = cells, exits = f.exited != nil
        let act = f.active, up = f.forward, down = f.backward, next = f.neighbour, doorCost = f.exitCost
        // The row of cell s with velocity pair k (stay, +x, -x, +y, -y), and the door costs it pays in expectation.
        func transitions(_ s: Int, _ k: Int) -> (row: [(Int, Double)], exitCost: Double) {
            guard s < cells, act[s] else { return ([(s, 1)], 0) }
            let e = up[k / K], w = down[k / K], no = up[k % K], so = down[k % K]
            let moves = [(0, e), (1, w), (2, no), (3, so)].map { (state: Int(next[4 * s + $0.0]), cost: doorCost[4 * s + $0.0], p: $0.1) }
            return ([(s, max(0, 1 - e - w - no - so))] + moves.map { ($0.state, $0.p) },
                    moves.reduce(0) { $0 + $1.p * $1.cost })
        }
        var table = [[(Int, Double)]]()
        var exitPayment = [Double]()
        table.reserveCapacity(S * A)
        for s in 0..<S {
            for k in 0..<A {
                let (row, cost) = transitions(s, k)
                table.append(row)
                exitPayment.append(cost)
            }
        }
        let successors = table, payments = exitPayment
        let terminal = f.terminal, v = f.velocities
        let speed = (0..<A).map { v[$0 / K] * v[$0 / K] + v[$0 % K] * v[$0 % K] }
        let area = f.h * f.h
        let hamiltonian = f.hamiltonian
        var g = try FiniteMFG(
            name: problem.name, states: S, actions: A, horizon: steps, initialDistribution: f.initialDistribution,
            transitions: { s, k in successors[s * A + k] },
            reward: { t, mu, _, out in
                // Scratch on the stack: no heap allocation per step.
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * cells) { scratch in
                let density = scratch.baseAddress!, running = scratch.baseAddress! + cells
                f.runningCost(step: t, distribution: mu, density: density, into: running)
                if exits { for k in 0..<A { out[exited * A + k] = 0 } }
                for s in 0..<cells {
                    let w = hamiltonian.weight(mu[s] / area)
                    for k in 0..<A {
                        let kinetic = hamiltonian.lagrangian(speedSquared: speed[k], weight: w)
                        var r = -(kinetic + running[s]) * dt - payments[s * A + k]
                        if t == steps - 1 { for (q, p) in successors[s * A + k] { r -= p * terminal[q] } }
                        out[s * A + k] = act[s] ? r : 0
                    }
                }
                }
            })
        g.gridSize = [f.n, f.n]
        game = g
        factored = f
    }

    /// The PDE's feedback `(alpha_x, alpha_y)(t, x, y)` as a policy: on each axis the two velocities
    /// around the feedback mixed to its mean (clamped to [-amax, amax]), independently.
    public func policy(fromFeedback alpha: (Double, Double, Double) -> (Double, Double)) -> [Double] {
        let K = velocities.count, A = K * K, S = game.states, H = game.horizon
        let weights = factored.mixingWeights
        var pi = [Double](repeating: 0, count: H * S * A)
        for t in 0..<H {
            for s in cells..<S { for k in 0..<A { pi[(t * S + s) * A + k] = 1 / Double(A) } }   // exited
            for s in 0..<cells {
                let (ax, ay) = alpha(Double(t) * dt, x[s / n], y[s % n])
                let (kx, wx) = weights(ax), (ky, wy) = weights(ay)
                let base = (t * S + s) * A
                for (ix, px) in [(kx, 1 - wx), (kx + 1, wx)] {
                    for (iy, py) in [(ky, 1 - wy), (ky + 1, wy)] { pi[base + ix * K + iy] += px * py }
                }
            }
        }
        return pi
    }

    /// The distances of `FactoredGame2D.distances` (L1, and the larger marginal W1).
    public func distances(_ mu: ArraySlice<Double>, density: [Double], normalise: Bool) -> (l1: Double, w1: Double) {
        factored.distances(mu, density: density, normalise: normalise)
    }
}
