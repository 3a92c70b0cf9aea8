import Foundation
import PDE

/// A finite MFG approximating a continuous 1D problem (Markov-chain approximation consistent with
/// the upwind scheme, Kushner-Dupuis): states are the grid cells, actions a finite set of velocities
/// `a_k = -amax + 2 amax k / (K - 1)`, and from cell i with velocity a the walker moves to i+1 with
/// probability `dt (nu/h^2 + max(a, 0)/h)`, to i-1 with `dt (nu/h^2 + max(-a, 0)/h)`, else stays
/// (walls reflect: a move through a wall stays; tori wrap). The time step satisfies the stability
/// bound `dt (2 nu/h^2 + amax/h) <= 1`. Reward of a step: `-(L(a, mu/h) + F(x, mu/h, mean) + V(x)) dt`
/// with the Lagrangian `L(a, m)` of the problem's Hamiltonian (`Hamiltonian.lagrangian`); the terminal cost
/// `-G(x, mu_H/h, mean_H)` is paid in expectation at the last step. Exits (absorbing ends) add one
/// state, "exited", after the cells: a move through an exit goes there and pays the exit cost (the
/// PDE's ghost value `u = cost`, `m = 0`); it stays there with reward 0, so the cells' mass decreases.
public struct ContinuousGame: Sendable {
    public let game: FiniteMFG
    public let x: [Double]
    public let velocities: [Double]
    public let h: Double
    public let dt: Double
    public let periodic: Bool
    /// The grid cells: states `0 ..< cells`; with exits, state `cells` is "exited".
    public let cells: Int

    /// Refuses what the discretisation does not handle (before anyone solves a PDE reference for it).
    public static func checkSupported(_ problem: MFGProblem) throws {
        guard !problem.isErgodic, problem.nonlocalKernel == nil else {
            throw RLError.invalid("\(problem.name): the discretisation handles time-dependent problems without nonlocal couplings so far")
        }
    }

    public init(problem: MFGProblem, nx: Int, minimumSteps: Int, actions: Int, maximumVelocity amax: Double) throws {
        try Self.checkSupported(problem)
        try checkVelocities(problem.name, actions: actions, maximumVelocity: amax)
        let grid = try Grid1D(lower: problem.lower, upper: problem.upper, count: nx, boundary: problem.boundary)
        let h = grid.spacing, nu = problem.viscosity, T = problem.horizon
        let steps = try stableSteps(problem.name, horizon: T, rate: 2 * nu / (h * h) + amax / h, minimumSteps: minimumSteps,
                                    states: nx + 1, actions: actions, why: "dt (2 nu/h^2 + amax/h) <= 1 with nu = \(nu), h = \(h), amax = \(amax)")
        let dt = T / Double(steps)
        let xs = grid.points
        let v = (0..<actions).map { -amax + 2 * amax * Double($0) / Double(actions - 1) }
        var m0 = xs.map { max(0, problem.initialDensity($0)) }
        let total = m0.reduce(0, +)
        guard total > 0, total.isFinite else { throw RLError.invalid("the initial density is zero or not finite on the grid") }
        m0 = m0.map { $0 / total }
        let periodic = problem.boundary == .periodic
        let leftExit = periodic ? nil : problem.leftExit, rightExit = periodic ? nil : problem.rightExit
        let exits = leftExit != nil || rightExit != nil
        let exited = nx, S = exits ? nx + 1 : nx
        if exits { m0.append(0) }
        // The row of cell i with velocity k, and the exit cost it pays in expectation.
        func transitions(_ i: Int, _ k: Int) -> (row: [(Int, Double)], exitCost: Double) {
            if i == exited { return ([(exited, 1)], 0) }
            let a = v[k]
            let right = dt * (nu / (h * h) + max(a, 0) / h), left = dt * (nu / (h * h) + max(-a, 0) / h)
            var r = i + 1, l = i - 1, cost = 0.0
            if periodic { r = (r + nx) % nx; l = (l + nx) % nx } else {
                if r == nx { if let g = rightExit { r = exited; cost += right * g } else { r = nx - 1 } }
                if l < 0 { if let g = leftExit { l = exited; cost += left * g } else { l = 0 } }
            }
            return ([(i, max(0, 1 - right - left)), (r, right), (l, left)], cost)
        }
        var table = [[(Int, Double)]]()
        var exitPayment = [Double]()
        for i in 0..<S {
            for k in 0..<actions {
                let (row, cost) = transitions(i, k)
                table.append(row)
                exitPayment.append(cost)
            }
        }
        let payments = exitPayment
        let successors = table
        let coupling = problem.coupling, potential = problem.potential, terminal = problem.terminalCost
        let terminalValues = xs.map { terminal.value(T, $0, 0, 0) }
        let terminalDependsOnMu = terminal.usesDensity || terminal.usesMean
        let K = actions
        let hamiltonian = problem.hamiltonian
        game = try FiniteMFG(
            name: problem.name, states: S, actions: actions, horizon: steps, initialDistribution: m0,
            transitions: { i, k in successors[i * K + k] },
            reward: { t, mu, next, out in
                var mean = 0.0
                if coupling.usesMean { for i in 0..<nx { mean += xs[i] * mu[i] } }
                let time = Double(t) * dt
                // The terminal cost G(x, m_T, mean_T) is paid at the last step, in expectation over the
                // next state, with the distribution of step H (`next`).
                var gValues = terminalValues
                if t == steps - 1 && terminalDependsOnMu {
                    var meanT = 0.0
                    for i in 0..<nx { meanT += xs[i] * next[i] }
                    for i in 0..<nx { gValues[i] = terminal.value(T, xs[i], next[i] / h, meanT) }
                }
                for i in 0..<nx {
                    let f = coupling.value(time, xs[i], mu[i] / h, mean) + (potential?(xs[i]) ?? 0)
                    let w = hamiltonian.weight(mu[i] / h)
                    for k in 0..<K {
                        let kinetic = hamiltonian.lagrangian(speedSquared: v[k] * v[k], weight: w)
                        var r = -(kinetic + f) * dt - payments[i * K + k]
                        if t == steps - 1 {
                            for (j, p) in successors[i * K + k] where j < nx { r -= p * gValues[j] }
                        }
                        out[i * K + k] = r
                    }
                }
                if exits { for k in 0..<K { out[exited * K + k] = 0 } }
            })
        x = xs
        cells = nx
        self.periodic = periodic
        velocities = v
        self.h = h
        self.dt = dt
    }

    /// The PDE's feedback `alpha(t, x)` as a policy of this game: at each (t, i), the two velocities
    /// around `alpha` mixed so that the mean velocity is `alpha` (clamped to [-amax, amax]).
    public func policy(fromFeedback alpha: (Double, Double) -> Double) -> [Double] {
        let K = velocities.count, S = game.states, H = game.horizon
        var pi = [Double](repeating: 0, count: H * S * K)
        let amax = velocities.last!, step = velocities[1] - velocities[0]
        for t in 0..<H {
            for i in cells..<S { for k in 0..<K { pi[(t * S + i) * K + k] = 1 / Double(K) } }   // exited
            for i in 0..<cells {
                let a = min(amax, max(-amax, alpha(Double(t) * dt, x[i])))
                let position = (a + amax) / step
                let k = min(K - 2, Int(position.rounded(.down)))
                let w = position - Double(k)
                pi[(t * S + i) * K + k] = 1 - w
                pi[(t * S + i) * K + k + 1] += w
            }
        }
        return pi
    }

    /// L1 and W1 distances between the game's distribution over the cells at time t (probabilities,
    /// `[cells]`) and a density at the cell centres (`normalise`: rescaled to mass 1 first, for densities
    /// sampled at points; with exits both masses are below 1 and are compared as they are).
    public func distances(_ mu: ArraySlice<Double>, density: [Double], normalise: Bool) -> (l1: Double, w1: Double) {
        var l1 = 0.0, w1 = 0.0, cdfA = 0.0, cdfB = 0.0
        let total = normalise ? density.reduce(0, +) * h : 1
        for (i, p) in mu.enumerated() {
            let q = density[i] * h / total
            l1 += abs(p - q)
            cdfA += p; cdfB += q
            w1 += abs(cdfA - cdfB) * h
        }
        return (l1, w1)
    }
}

/// Refuses a velocity set the discrete game cannot use: fewer than 2 velocities, or a range taken from
/// a PDE reference whose feedback is zero or not finite.
func checkVelocities(_ name: String, actions: Int, maximumVelocity amax: Double) throws {
    guard actions >= 2 else { throw RLError.invalid("\(name): the discrete game needs at least 2 velocities per axis, got \(actions)") }
    guard amax > 0, amax.isFinite else {
        throw RLError.invalid("\(name): the velocity range of the discrete game, 1.2 times the PDE reference's largest speed, is \(amax); "
                              + "it must be positive and finite: check the problem's parameters (T, nu, the costs)")
    }
}

/// The number of steps of a discretised game over `horizon` that the stability bound `dt rate <= 1`
/// allows (at least `minimumSteps`), refused before any conversion or allocation when the game it
/// implies is too large (`states x actions x steps` above `limit`).
func stableSteps(_ name: String, horizon T: Double, rate: Double, minimumSteps: Int, states: Int, actions: Int,
                 limit: Double = RLLimits.policyEntries, why: String) throws -> Int {
    let needed = max(Double(minimumSteps), (T * rate).rounded(.up))
    try RLLimits.checkGame(name, states: Double(states), actions: Double(actions), horizon: needed, limit: limit,
                           advice: "the stability bound \(why) needs \(RLLimits.count(needed)) steps over T = \(T); lower T or nu (--set), or use fewer cells (--nx)")
    return Int(needed)
}
