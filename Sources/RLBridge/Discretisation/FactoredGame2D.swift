import Foundation
import PDE

/// The 2D discretisation of `ContinuousGame2D` in the per-axis form it is built from: the cells and
/// their neighbours, and per axis the probabilities of a step forward and backward with each of the
/// `K` velocities. Memory grows with the cells (and `K`), not with `[H][S][A]` tables.
///
/// From an active cell `s` with velocity pair `(v_kx, v_ky)` the walker steps to its `+x` neighbour
/// with probability `forward[kx] = dt (nu/h^2 + max(v_kx, 0)/h)`, to `-x` with
/// `backward[kx] = dt (nu/h^2 + max(-v_kx, 0)/h)`, likewise in y, and stays with the rest (at
/// least 0 by the stability bound). The neighbour through a wall or into an obstacle is the cell
/// itself, through a door the exited state (paying the door's cost). The step's reward is
/// `-(L(v, mu/h^2) + F(t, x, y, mu/h^2)) dt` less the door costs in expectation, less `G` in
/// expectation at the last step; obstacle cells and the exited state stay, with reward 0.
///
/// When the Lagrangian is quadratic in the velocity (`Hamiltonian.isQuadraticInP`, congestion
/// included), `L(v) = L(v_x) + L(v_y)` and every `Q_t(s, kx, ky)` is `c_t(s) + Qx_t(s, kx) + Qy_t(s, ky)`:
/// product policies stay products under mirror descent, a best response maximises each axis alone,
/// and `FactoredTools2D` evaluates them in `O(H S K)` instead of `O(H S K^2)`.
public struct FactoredGame2D: Sendable {
    public let name: String
    /// Cells per axis; the cells are the states `s = i n + j` (the PDE's numbering).
    public let n: Int
    public let cells: Int
    /// `cells`, plus one "exited" state (index `cells`) when the problem has doors.
    public let states: Int
    public let horizon: Int
    public let dt: Double
    public let h: Double
    /// Cell centres (periodic: the points `lower + i h`).
    public let x: [Double], y: [Double]
    public let periodic: Bool
    /// False in obstacle cells.
    public let active: [Bool]
    /// The `K` velocities of each axis, evenly spaced in `[-amax, amax]`.
    public let velocities: [Double]
    /// `[K]`: the probability of a step forward (`+x` or `+y`) and backward with each velocity.
    public let forward: [Double], backward: [Double]
    /// `[4 cells]`: for cell s, the state reached by a step in direction `d` (0 `+x`, 1 `-x`, 2 `+y`,
    /// 3 `-y`) at `4 s + d`, and the door cost paid on the way (0 but through a door).
    public let neighbour: [Int32]
    public let exitCost: [Double]
    /// `G` at the cells (0 at the exited state), paid in expectation after the last step.
    public let terminal: [Double]
    public let initialDistribution: [Double]
    public let hamiltonian: Hamiltonian
    let coupling: MFGProblem2D.Coupling
    let couplingUsesDensity: Bool
    let cellX: [Double], cellY: [Double]

    /// The most logits `2 H S K` (both axes) a factored run may keep, 8 bytes each: 4.8 GB at the
    /// limit; a larger game is refused before any work.
    public static let logitEntries = 6e8

    /// The game of `problem` on `n x n` cells with `K` velocities per axis in `[-amax, amax]` and at
    /// least `minimumSteps` steps (more where `dt (4 nu/h^2 + 2 amax/h) <= 1` needs them), refused
    /// when its per-axis logits would pass `logitEntries`.
    public init(problem: MFGProblem2D, n: Int, minimumSteps: Int, velocitiesPerAxis K: Int, maximumVelocity amax: Double) throws {
        try self.init(problem: problem, n: n, minimumSteps: minimumSteps, velocitiesPerAxis: K, maximumVelocity: amax,
                      sizeCheck: (actions: 2 * K, limit: Self.logitEntries))
    }

    /// As above, with the size check's action count and limit given (`ContinuousGame2D`: K^2 for its
    /// dense tables, `RLLimits.policyEntries`).
    init(problem: MFGProblem2D, n: Int, minimumSteps: Int, velocitiesPerAxis K: Int, maximumVelocity amax: Double,
         sizeCheck: (actions: Int, limit: Double)) throws {
        try ContinuousGame2D.checkSupported(problem)
        guard n >= DiscretisedProblem.minimumCells else { throw RLError.invalid("the game needs at least \(DiscretisedProblem.minimumCells) cells per axis (--nx \(n))") }
        try checkVelocities(problem.name, actions: K, maximumVelocity: amax)
        let periodic = problem.boundary == .periodic
        let L = problem.upperX - problem.lowerX
        let h = L / Double(n), nu = problem.viscosity, T = problem.horizon
        let steps = try stableSteps(problem.name, horizon: T, rate: 4 * nu / (h * h) + 2 * amax / h, minimumSteps: minimumSteps,
                                    states: n * n + 1, actions: sizeCheck.actions, limit: sizeCheck.limit,
                                    why: "dt (4 nu/h^2 + 2 amax/h) <= 1 with nu = \(nu), h = \(h), amax = \(amax)")
        let dt = T / Double(steps)
        let offset = periodic ? 0.0 : 0.5
        let xs = (0..<n).map { problem.lowerX + (Double($0) + offset) * h }
        let ys = (0..<n).map { problem.lowerY + (Double($0) + offset) * h }
        let cells = n * n
        let exits = problem.hasExit && !periodic, exited = cells
        var active = [Bool](repeating: true, count: cells)
        if let obstacle = problem.obstacle { for i in 0..<n { for j in 0..<n where obstacle(xs[i], ys[j]) { active[i * n + j] = false } } }
        var m0 = [Double](repeating: 0, count: cells)
        for i in 0..<n { for j in 0..<n where active[i * n + j] { m0[i * n + j] = max(0, problem.initialDensity(xs[i], ys[j])) } }
        let total = m0.reduce(0, +)
        guard total > 0, total.isFinite else { throw RLError.invalid("the initial density is zero or not finite on the grid") }
        m0 = m0.map { $0 / total }
        if exits { m0.append(0) }
        let v = (0..<K).map { -amax + 2 * amax * Double($0) / Double(K - 1) }
        /// The neighbour in direction (di, dj): the cell itself through a wall or into an obstacle, the
        /// exited state (with the door's cost) through a door, whose face midpoint decides as in the PDE.
        func step(_ i: Int, _ j: Int, _ di: Int, _ dj: Int) -> (state: Int, exitCost: Double) {
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
            return (active[a * n + b] ? a * n + b : i * n + j, 0)
        }
        var next = [Int32](repeating: 0, count: 4 * cells), cost = [Double](repeating: 0, count: 4 * cells)
        for s in 0..<cells {
            for (d, (di, dj)) in [(1, 0), (-1, 0), (0, 1), (0, -1)].enumerated() {
                let (state, c) = step(s / n, s % n, di, dj)
                next[4 * s + d] = Int32(state)
                cost[4 * s + d] = c
            }
        }
        let diffusion = dt * nu / (h * h)
        name = problem.name
        self.n = n
        self.cells = cells
        states = exits ? cells + 1 : cells
        horizon = steps
        self.dt = dt
        self.h = h
        x = xs; y = ys
        self.periodic = periodic
        self.active = active
        velocities = v
        forward = v.map { diffusion + dt * max($0, 0) / h }
        backward = v.map { diffusion + dt * max(-$0, 0) / h }
        self.neighbour = next
        exitCost = cost
        terminal = (0..<cells).map { problem.terminalCost(xs[$0 / n], ys[$0 % n]) } + (exits ? [0] : [])
        initialDistribution = m0
        hamiltonian = problem.hamiltonian
        coupling = problem.coupling
        couplingUsesDensity = problem.couplingUsesDensity
        cellX = (0..<cells).map { xs[$0 / n] }
        cellY = (0..<cells).map { ys[$0 % n] }
    }

    /// The exited state, if the game has doors.
    public var exited: Int? { states > cells ? cells : nil }

    /// `F(t_step, x, y, mu/h^2)` at every cell into `f` (`[cells]`), `density` (`[cells]`) scratch.
    func runningCost(step t: Int, distribution mu: UnsafePointer<Double>, density: UnsafeMutablePointer<Double>,
                     into f: UnsafeMutablePointer<Double>) {
        let area = h * h
        for s in 0..<cells { density[s] = couplingUsesDensity ? mu[s] / area : 0 }
        cellX.withUnsafeBufferPointer { px in cellY.withUnsafeBufferPointer { py in
            coupling(Double(t) * dt, px.baseAddress!, py.baseAddress!, density, f, cells)
        } }
    }

    /// A control `a` in `[-amax, amax]` (clamped) as the mix of the two velocities around it with
    /// mean `a`: the lower one's index and the upper one's weight.
    func mixingWeights(_ a: Double) -> (index: Int, upper: Double) {
        let K = velocities.count, amax = velocities[K - 1], step = velocities[1] - velocities[0]
        let position = (min(amax, max(-amax, a)) + amax) / step
        let k = min(K - 2, Int(position.rounded(.down)))
        return (k, position - Double(k))
    }

    /// The PDE's feedback `(alpha_x, alpha_y)(t, x, y)` as a product policy: on each axis the two
    /// velocities around the feedback mixed to its mean, held as the logits `log max(p, 1e-12)` (a
    /// warm start that shuts no velocity out for good); uniform at the exited state.
    public func policy(fromFeedback alpha: (Double, Double, Double) -> (Double, Double)) -> FactoredPolicy2D {
        let K = velocities.count, S = states, H = horizon
        var policy = FactoredPolicy2D(game: self)
        let floor = FactoredPolicy2D.warmStartFloor
        for t in 0..<H {
            for s in 0..<cells {
                let (ax, ay) = alpha(Double(t) * dt, x[s / n], y[s % n])
                let base = (t * S + s) * K
                for (axis, a) in [(0, ax), (1, ay)] {
                    let (k, w) = mixingWeights(a)
                    var p = [Double](repeating: 0, count: K)
                    p[k] += 1 - w
                    p[k + 1] += w
                    for j in 0..<K {
                        let z = log(max(p[j], floor))
                        if axis == 0 { policy.x[base + j] = z } else { policy.y[base + j] = z }
                    }
                }
            }
        }
        return policy
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

/// A product policy of a `FactoredGame2D`, `pi_t(kx, ky | s) = softmax(x_t(s, .))[kx] softmax(y_t(s, .))[ky]`,
/// held as its per-axis logits `[H][S][K]` (mirror descent's accumulated `y`).
public struct FactoredPolicy2D: Sendable {
    public var x: [Double]
    public var y: [Double]
    /// Warm starts put at least this probability on every velocity (as `MirrorDescent`'s `log max(pi, 1e-12)`).
    public static let warmStartFloor = 1e-12

    /// The uniform policy (all logits 0).
    public init(game: FactoredGame2D) {
        x = [Double](repeating: 0, count: game.horizon * game.states * game.velocities.count)
        y = x
    }
}
