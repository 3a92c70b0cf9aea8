import Foundation
import PDE

/// A finite MFG approximating a continuous 2D problem: the Markov-chain approximation of
/// `ContinuousGame` on each axis (Kushner-Dupuis, consistent with the upwind scheme of `DiscreteMFG2D`).
/// States are the cells `s = i n + j` (the PDE's numbering); actions are velocity pairs
/// `(v_kx, v_ky)` from `K` values per axis in [-amax, amax] (`a = kx K + ky`); from cell (i, j) the walker
/// moves east with probability `dt (nu/h^2 + max(vx, 0)/h)`, west with `dt (nu/h^2 + max(-vx, 0)/h)`,
/// north and south likewise with vy, else stays. A move through a wall or into an obstacle stays (zero
/// flux); tori wrap. `dt (4 nu/h^2 + 2 amax/h) <= 1`. Reward of a step:
/// `-(L(v, mu/h^2) + F(t, x, y, mu/h^2)) dt` with `L = |v|^2/2` (quadratic Hamiltonian) or
/// `(1 + kappa m)^alpha |v|^2/2` (congestion), and `-G(x, y)` in expectation at the last step. Square
/// grids, no exits or nonlocal couplings.
public struct ContinuousGame2D: Sendable {
    public let game: FiniteMFG
    public let n: Int
    public let x: [Double], y: [Double]
    public let velocities: [Double]
    public let h: Double
    public let dt: Double
    public let periodic: Bool
    public let active: [Bool]

    /// Refuses what the discretisation does not handle (before anyone solves a PDE reference for it).
    public static func checkSupported(_ problem: MFGProblem2D) throws {
        guard !problem.isErgodic, !problem.hasExit, problem.nonlocalKernel == nil else {
            throw RLError.invalid("\(problem.name): the 2D discretisation handles time-dependent problems without exits or nonlocal couplings")
        }
        guard abs((problem.upperX - problem.lowerX) - (problem.upperY - problem.lowerY)) < 1e-12 else {
            throw RLError.invalid("\(problem.name): the 2D discretisation needs a square domain")
        }
    }

    public init(problem: MFGProblem2D, n: Int, minimumSteps: Int, velocitiesPerAxis K: Int, maximumVelocity amax: Double) throws {
        try Self.checkSupported(problem)
        guard K >= 2, amax > 0, amax.isFinite, n >= 4 else { throw RLError.invalid("need n >= 4, at least 2 velocities per axis and a maximum velocity > 0") }
        let periodic = problem.boundary == .periodic
        let L = problem.upperX - problem.lowerX
        let h = L / Double(n), nu = problem.viscosity, T = problem.horizon
        let rate = 4 * nu / (h * h) + 2 * amax / h
        let steps = max(minimumSteps, Int((T * rate).rounded(.up)))
        let dt = T / Double(steps)
        let offset = periodic ? 0.0 : 0.5
        let xs = (0..<n).map { problem.lowerX + (Double($0) + offset) * h }
        let ys = (0..<n).map { problem.lowerY + (Double($0) + offset) * h }
        let S = n * n, A = K * K
        var active = [Bool](repeating: true, count: S)
        if let obstacle = problem.obstacle { for i in 0..<n { for j in 0..<n where obstacle(xs[i], ys[j]) { active[i * n + j] = false } } }
        var m0 = [Double](repeating: 0, count: S)
        for i in 0..<n { for j in 0..<n where active[i * n + j] { m0[i * n + j] = max(0, problem.initialDensity(xs[i], ys[j])) } }
        let total = m0.reduce(0, +)
        guard total > 0, total.isFinite else { throw RLError.invalid("the initial density is zero or not finite on the grid") }
        m0 = m0.map { $0 / total }
        let v = (0..<K).map { -amax + 2 * amax * Double($0) / Double(K - 1) }
        let act = active
        /// The neighbour in direction (di, dj), or the cell itself through a wall or into an obstacle.
        func neighbour(_ i: Int, _ j: Int, _ di: Int, _ dj: Int) -> Int {
            var a = i + di, b = j + dj
            if periodic { a = (a + n) % n; b = (b + n) % n } else if a < 0 || a >= n || b < 0 || b >= n { return i * n + j }
            return act[a * n + b] ? a * n + b : i * n + j
        }
        let diffusion = dt * nu / (h * h)
        func transitions(_ s: Int, _ k: Int) -> [(Int, Double)] {
            guard act[s] else { return [(s, 1)] }
            let i = s / n, j = s % n, vx = v[k / K], vy = v[k % K]
            let e = diffusion + dt * max(vx, 0) / h, w = diffusion + dt * max(-vx, 0) / h
            let no = diffusion + dt * max(vy, 0) / h, so = diffusion + dt * max(-vy, 0) / h
            return [(s, max(0, 1 - e - w - no - so)), (neighbour(i, j, 1, 0), e), (neighbour(i, j, -1, 0), w),
                    (neighbour(i, j, 0, 1), no), (neighbour(i, j, 0, -1), so)]
        }
        var table = [[(Int, Double)]]()
        table.reserveCapacity(S * A)
        for s in 0..<S { for k in 0..<A { table.append(transitions(s, k)) } }
        let successors = table
        let coupling = problem.coupling, usesDensity = problem.couplingUsesDensity
        let terminal = (0..<S).map { problem.terminalCost(xs[$0 / n], ys[$0 % n]) }
        let cellX = (0..<S).map { xs[$0 / n] }, cellY = (0..<S).map { ys[$0 % n] }
        let speed = (0..<A).map { 0.5 * (v[$0 / K] * v[$0 / K] + v[$0 % K] * v[$0 % K]) }
        let area = h * h
        let hamiltonian = problem.hamiltonian, congestion = !hamiltonian.isSeparable
        var g = try FiniteMFG(
            name: problem.name, states: S, actions: A, horizon: steps, initialDistribution: m0,
            transitions: { s, k in successors[s * A + k] },
            reward: { t, mu, _, out in
                // Scratch on the stack: no heap allocation per step.
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * S) { scratch in
                let density = scratch.baseAddress!, f = scratch.baseAddress! + S
                for s in 0..<S { density[s] = usesDensity ? mu[s] / area : 0 }
                cellX.withUnsafeBufferPointer { px in cellY.withUnsafeBufferPointer { py in
                    coupling(Double(t) * dt, px.baseAddress!, py.baseAddress!, density, f, S)
                } }
                for s in 0..<S {
                    // L(v, m) = |v|^2 / (2 w(m)), w the Hamiltonian's weight (1 unless congestion).
                    let kinetic = congestion ? 1 / hamiltonian.weight(mu[s] / area) : 1
                    for k in 0..<A {
                        var r = -(kinetic * speed[k] + f[s]) * dt
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
    }

    /// The PDE's feedback `(alpha_x, alpha_y)(t, x, y)` as a policy: on each axis the two velocities
    /// around the feedback mixed to its mean (clamped to [-amax, amax]), independently.
    public func policy(fromFeedback alpha: (Double, Double, Double) -> (Double, Double)) -> [Double] {
        let K = velocities.count, A = K * K, S = n * n, H = game.horizon
        let amax = velocities.last!, step = velocities[1] - velocities[0]
        func weights(_ a: Double) -> (Int, Double) {
            let position = (min(amax, max(-amax, a)) + amax) / step
            let k = min(K - 2, Int(position.rounded(.down)))
            return (k, position - Double(k))
        }
        var pi = [Double](repeating: 0, count: H * S * A)
        for t in 0..<H {
            for s in 0..<S {
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

    /// L1 distance between the game's distribution of one step (`[S]` probabilities) and a density at
    /// the cell centres, and the larger W1 distance of the x and y marginals.
    public func distances(_ mu: ArraySlice<Double>, density: [Double]) -> (l1: Double, w1: Double) {
        let total = density.reduce(0, +)
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
