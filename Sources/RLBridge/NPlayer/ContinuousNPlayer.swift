import Foundation
import Neural
import PDE

/// The N-player version of a 1D time-dependent continuous problem (`NPlayerEstimate`): N-1 agents
/// follow the feedback `a(t, x)` by Euler-Maruyama on `dX = a dt + sigma dW` (`sigma = sqrt(2 nu)`,
/// one step per time step of the grid, `ParticleStep1D`: periodic domains wrap, walls reflect), the deviator is
/// counted at its own position, and the density the costs see is the Gaussian kernel estimate
/// `m(x) = (1/N) (sum_j K_b(x - X_j) + K_b(0))` on the grid (linear binning, then the kernel; mirror
/// images at walls). The expected running and terminal costs over `runs` runs give, on the PDE
/// grid, the cost of the feedback and of the best response (`SingleAgentValues`).
///
/// Bandwidth: `b = 0.1 (upper - lower) N^(-1/5)` (the rate of Silverman's rule), at least 2h,
/// unless given.
public enum ContinuousNPlayer {
    public static func defaultBandwidth(_ problem: MFGProblem, players: Int, spacing h: Double) -> Double {
        max(2 * h, 0.1 * (problem.upper - problem.lower) * pow(Double(players), -0.2))
    }

    public static func estimate(
        _ problem: MFGProblem, control: FeedbackControl, grid: GridSize, players: Int, runs: Int,
        bandwidth: Double? = nil, resamples: Int = 100, seed: UInt64 = 0
    ) throws -> NPlayerEstimate {
        try NPlayerStatistics.check(players: players, runs: runs)
        guard !problem.isErgodic, let nt = grid.nt else { throw RLError.invalid("the N-player simulation needs a time-dependent problem") }
        guard !problem.hasExit else { throw RLError.invalid("the N-player simulation does not support exits yet (the mass that leaves)") }
        guard problem.hamiltonian.isSeparable else {
            throw RLError.invalid("the N-player simulation needs a Hamiltonian that does not depend on m (\(problem.hamiltonian.formula) does)")
        }
        guard control.components.count == 1 else { throw RLError.invalid("a 1D problem takes a control with one component, alpha") }
        let clock = ContinuousClock(), start = clock.now
        let g = try Grid1D(lower: problem.lower, upper: problem.upper, count: grid.nx, boundary: problem.boundary)
        let time = try TimeGrid(horizon: problem.horizon, steps: nt)
        let nx = grid.nx, h = g.spacing, dt = time.step, x = g.points
        let periodic = problem.boundary == .periodic
        let b = bandwidth ?? defaultBandwidth(problem, players: players, spacing: h)
        guard b.isFinite, b > 0 else { throw RLError.invalid("the bandwidth must be a positive number, got \(b)") }
        let a = control.sampled(times: time.times, x: x, y: nil)[0]
        let costs = try RunningCosts(.oneD(problem), x: x, y: nil)
        // The initial density's cell masses, cumulated.
        var cumulative = x.map { max(0, problem.initialDensity($0)) }
        for i in 1..<nx { cumulative[i] += cumulative[i - 1] }
        guard let total = cumulative.last, total > 0, total.isFinite else { throw RLError.invalid("m0 cannot be normalised") }
        // Kernel weights by grid offset (with images across a period or the walls).
        let reach = min(nx, Int((6 * b / h).rounded(.up)) + 1)
        let weights = (0...reach).map { d -> Double in
            let z = Double(d) * h / b
            return exp(-0.5 * z * z) / (b * (2 * Double.pi).squareRoot())
        }
        let particle = ParticleStep1D(lower: problem.lower, upper: problem.upper, count: nx, periodic: periodic, dt: dt,
                                      viscosity: problem.viscosity)
        let others = players - 1, invN = 1 / Double(players)
        var runningTables: [[Double]] = [], terminalTables: [[Double]] = []
        var positions = [Double](repeating: 0, count: others)
        var binned = [Double](repeating: 0, count: nx), density = binned, row = binned
        for run in 0..<runs {
            var generator = SeededGenerator(seed: seed &+ UInt64(run) &* 0x9E37_79B9)
            var normals = NormalDraws()
            for k in 0..<others {
                let target = generator.unit() * total
                let i = cumulative.firstIndex { $0 > target } ?? nx - 1
                positions[k] = x[i] + (generator.unit() - 0.5) * h
            }
            var running = [Double](repeating: 0, count: nt * nx)
            for n in 0..<nt {
                let an = n * nx
                a.withUnsafeBufferPointer { row in
                    for k in 0..<others {
                        let p = positions[k]
                        let velocity = particle.velocity(row.baseAddress! + an, at: p)
                        positions[k] = particle.step(p, velocity: velocity, normal: normals.next(&generator))!  // no exits: never nil
                    }
                }
                estimateDensity()
                costs.running(t: time.times[n + 1], density, into: &row)
                for i in 0..<nx { running[an + i] = row[i] }
            }
            costs.terminal(density, into: &row)
            runningTables.append(running)
            terminalTables.append(row)
        }

        /// The kernel estimate of the others' positions, plus the deviator's own kernel at each point.
        func estimateDensity() {
            for i in 0..<nx { binned[i] = 0 }
            for p in positions {
                let (i0, i1, w) = particle.bracket(p)
                binned[i0] += (1 - w) * invN
                binned[i1] += w * invN
            }
            for i in 0..<nx {
                var sum = 0.0
                for j in 0..<nx where binned[j] != 0 {
                    var d = abs(i - j)
                    if periodic { d = min(d, nx - d) }
                    if d <= reach { sum += weights[d] * binned[j] }
                    if !periodic {  // images across the walls: j mirrored to -1-j and 2nx-1-j
                        let left = i + j + 1, right = 2 * nx - 1 - i - j
                        if left <= reach { sum += weights[left] * binned[j] }
                        if right <= reach { sum += weights[right] * binned[j] }
                    }
                }
                density[i] = sum + weights[0] * invN
            }
        }

        func values(_ w: [Double]) throws -> (policy: Double, best: Double) {
            let v = try SingleAgentValues.values(problem, grid: grid, running: NPlayerStatistics.weightedMean(runningTables, w),
                                                 terminal: NPlayerStatistics.weightedMean(terminalTables, w), control: a)
            return (v.policy, v.bestResponse)
        }
        let all = try values([Double](repeating: 1, count: runs))
        let (low, high) = try NPlayerStatistics.bootstrap(runs: runs, resamples: resamples, seed: seed) { w in
            let v = try values(w)
            return v.policy - v.best
        }
        return NPlayerEstimate(players: players, epsilon: all.policy - all.best, low: low, high: high, policyValue: all.policy,
                               bestResponseValue: all.best, runs: runs, bandwidth: b, seconds: (clock.now - start) / .seconds(1))
    }
}
