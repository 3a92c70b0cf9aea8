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
    public let n: Int
    public let x: [Double], y: [Double]
    public let velocities: [Double]
    public let h: Double
    public let dt: Double
    public let periodic: Bool
    public let active: [Bool]
    /// The grid cells: states `0 ..< cells`; with exits, state `cells` is "exited".
    public let cells: Int

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
        try Self.checkSupported(problem)
        guard n >= DiscretisedProblem.minimumCells else { throw RLError.invalid("the game needs at least \(DiscretisedProblem.minimumCells) cells per axis (--nx \(n))") }
        try checkVelocities(problem.name, actions: K, maximumVelocity: amax)
        let periodic = problem.boundary == .periodic
        let L = problem.upperX - problem.lowerX
        let h = L / Double(n), nu = problem.viscosity, T = problem.horizon
        let steps = try stableSteps(problem.name, horizon: T, rate: 4 * nu / (h * h) + 2 * amax / h, minimumSteps: minimumSteps,
                                    states: n * n + 1, actions: K * K, why: "dt (4 nu/h^2 + 2 amax/h) <= 1 with nu = \(nu), h = \(h), amax = \(amax)")
        let dt = T / Double(steps)
        let offset = periodic ? 0.0 : 0.5
        let xs = (0..<n).map { problem.lowerX + (Double($0) + offset) * h }
        let ys = (0..<n).map { problem.lowerY + (Double($0) + offset) * h }
        let cells = n * n, A = K * K
        let exits = problem.hasExit && !periodic, exited = cells, S = exits ? cells + 1 : cells
        var active = [Bool](repeating: true, count: cells)
        if let obstacle = problem.obstacle { for i in 0..<n { for j in 0..<n where obstacle(xs[i], ys[j]) { active[i * n + j] = false } } }
        var m0 = [Double](repeating: 0, count: cells)
        for i in 0..<n { for j in 0..<n where active[i * n + j] { m0[i * n + j] = max(0, problem.initialDensity(xs[i], ys[j])) } }
        let total = m0.reduce(0, +)
        guard total > 0, total.isFinite else { throw RLError.invalid("the initial density is zero or not finite on the grid") }
        m0 = m0.map { $0 / total }
        if exits { m0.append(0) }
        let v = (0..<K).map { -amax + 2 * amax * Double($0) / Double(K - 1) }
        let act = active
        /// The neighbour in direction (di, dj): the cell itself through a wall or into an obstacle, the
        /// exited state (with the door's cost) through a door, whose face midpoint decides as in the PDE.
        func neighbour(_ i: Int, _ j: Int, _ di: Int, _ dj: Int) -> (state: Int, exitCost: Double) {
            var a = i + di, b = j + dj
            if periodic { a = (a + n) % n; b = (b + n) % n } else if a < 0 || a >= n || b < 0 || b >= n {
                let side: Side = a < 0 ? .left : a >= n ? .right : b < 0 ? .bottom : .top
                let fx = a < 0 ? problem.lowerX : a >= n ? problem.upperX : xs[i]
                let fy = b < 0 ? problem.lowerY : b >= n ? problem.upperY : ys[j]
                if exits, let door = problem.exits.first(where: { $0.side == side && ($0.located?(fx, fy) ?? true) }) {
                    return (exited, door.cost)
                }
                return (i * n + j, 0)
            }
            return (act[a * n + b] ? a * n + b : i * n + j, 0)
        }
        let diffusion = dt * nu / (h * h)
        // The row of cell s with velocity pair k, and the door costs it pays in expectation.
        func transitions(_ s: Int, _ k: Int) -> (row: [(Int, Double)], exitCost: Double) {
            guard s < cells, act[s] else { return ([(s, 1)], 0) }
            let i = s / n, j = s % n, vx = v[k / K], vy = v[k % K]
            let e = diffusion + dt * max(vx, 0) / h, w = diffusion + dt * max(-vx, 0) / h
            let no = diffusion + dt * max(vy, 0) / h, so = diffusion + dt * max(-vy, 0) / h
            let moves = [(neighbour(i, j, 1, 0), e), (neighbour(i, j, -1, 0), w), (neighbour(i, j, 0, 1), no), (neighbour(i, j, 0, -1), so)]
            return ([(s, max(0, 1 - e - w - no - so))] + moves.map { ($0.0.state, $0.1) },
                    moves.reduce(0) { $0 + $1.1 * $1.0.exitCost })
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
        let coupling = problem.coupling, usesDensity = problem.couplingUsesDensity
        let terminal = (0..<cells).map { problem.terminalCost(xs[$0 / n], ys[$0 % n]) } + (exits ? [0] : [])
        let cellX = (0..<cells).map { xs[$0 / n] }, cellY = (0..<cells).map { ys[$0 % n] }
        let speed = (0..<A).map { v[$0 / K] * v[$0 / K] + v[$0 % K] * v[$0 % K] }
        let area = h * h
        let hamiltonian = problem.hamiltonian
        var g = try FiniteMFG(
            name: problem.name, states: S, actions: A, horizon: steps, initialDistribution: m0,
            transitions: { s, k in successors[s * A + k] },
            reward: { t, mu, _, out in
                // Scratch on the stack: no heap allocation per step.
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * cells) { scratch in
                let density = scratch.baseAddress!, f = scratch.baseAddress! + cells
                for s in 0..<cells { density[s] = usesDensity ? mu[s] / area : 0 }
                cellX.withUnsafeBufferPointer { px in cellY.withUnsafeBufferPointer { py in
                    coupling(Double(t) * dt, px.baseAddress!, py.baseAddress!, density, f, cells)
                } }
                if exits { for k in 0..<A { out[exited * A + k] = 0 } }
                for s in 0..<cells {
                    let w = hamiltonian.weight(mu[s] / area)
                    for k in 0..<A {
                        let kinetic = hamiltonian.lagrangian(speedSquared: speed[k], weight: w)
                        var r = -(kinetic + f[s]) * dt - payments[s * A + k]
                        if t == steps - 1 { for (q, p) in successors[s * A + k] { r -= p * terminal[q] } }
                        out[s * A + k] = act[s] ? r : 0
                    }
                }
                }
            })
        g.gridSize = [n, n]
        game = g
        self.n = n
        x = xs; y = ys
        velocities = v
        self.h = h
        self.dt = dt
        self.periodic = periodic
        self.active = active
        self.cells = cells
    }

    /// The PDE's feedback `(alpha_x, alpha_y)(t, x, y)` as a policy: on each axis the two velocities
    /// around the feedback mixed to its mean (clamped to [-amax, amax]), independently.
    public func policy(fromFeedback alpha: (Double, Double, Double) -> (Double, Double)) -> [Double] {
        let K = velocities.count, A = K * K, S = game.states, H = game.horizon
        let amax = velocities.last!, step = velocities[1] - velocities[0]
        func weights(_ a: Double) -> (Int, Double) {
            let position = (min(amax, max(-amax, a)) + amax) / step
            let k = min(K - 2, Int(position.rounded(.down)))
            return (k, position - Double(k))
        }
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

    /// L1 distance between the game's distribution over the cells of one step (`[cells]` probabilities)
    /// and a density at the cell centres, and the larger W1 distance of the x and y marginals
    /// (`normalise`: the density rescaled to mass 1 first; with exits both masses are below 1 and are
    /// compared as they are).
    public func distances(_ mu: ArraySlice<Double>, density: [Double], normalise: Bool) -> (l1: Double, w1: Double) {
        let total = normalise ? density.reduce(0, +) : 1 / (h * h)
        var l1 = 0.0
        var mx = [Double](repeating: 0, count: n), my = mx, qx = mx, qy = mx
        for (s, p) in mu.enumerated() {
            let q = density[s] / total
            l1 += abs(p - q)
            mx[s / n] += p; my[s % n] += p; qx[s / n] += q; qy[s % n] += q
        }
        func w1(_ a: [Double], _ b: [Double]) -> Double {
            var ca = 0.0, cb = 0.0, d = 0.0
            for i in 0..<n { ca += a[i]; cb += b[i]; d += abs(ca - cb) * h }
            return d
        }
        return (l1, max(w1(mx, qx), w1(my, qy)))
    }
}
