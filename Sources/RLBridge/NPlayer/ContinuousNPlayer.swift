import Foundation
import Neural
import PDE

/// The N-player version of a 1D time-dependent continuous problem (`NPlayerEstimate`): N-1 agents
/// follow the feedback `a(t, x)` by Euler-Maruyama on `dX = a dt + sigma dW` (`sigma = sqrt(2 nu)`,
/// one step per time step of the grid; periodic domains wrap, walls reflect), the deviator is
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
        let length = problem.upper - problem.lower
        let reach = min(nx, Int((6 * b / h).rounded(.up)) + 1)
        let weights = (0...reach).map { d -> Double in
            let z = Double(d) * h / b
            return exp(-0.5 * z * z) / (b * (2 * Double.pi).squareRoot())
        }
        let sigma = (2 * problem.viscosity).squareRoot(), root = dt.squareRoot()
        let others = players - 1, invN = 1 / Double(players)
        var runningTables: [[Double]] = [], terminalTables: [[Double]] = []
        var positions = [Double](repeating: 0, count: others)
        var binned = [Double](repeating: 0, count: nx), density = binned, row = binned
        let offset = periodic ? 0.0 : 0.5
        for run in 0..<runs {
            var generator = SeededGenerator(seed: seed &+ UInt64(run) &* 0x9E37_79B9)
            var spare: Double? = nil
            func normal() -> Double {
                if let z = spare { spare = nil; return z }
                let u1 = max(generator.unit(), 1e-300), u2 = generator.unit()
                let r = (-2 * log(u1)).squareRoot()
                spare = r * sin(2 * Double.pi * u2)
                return r * cos(2 * Double.pi * u2)
            }
            for k in 0..<others {
                let target = generator.unit() * total
                let i = cumulative.firstIndex { $0 > target } ?? nx - 1
                positions[k] = x[i] + (generator.unit() - 0.5) * h
            }
            var running = [Double](repeating: 0, count: nt * nx)
            for n in 0..<nt {
                let an = n * nx
                for k in 0..<others {
                    var p = positions[k]
                    // The control at p: linear interpolation between grid points.
                    let s = (p - problem.lower) / h - offset
                    var i0 = Int(s.rounded(.down)), w = s - Double(i0)
                    var i1 = i0 + 1
                    if periodic {
                        i0 = ((i0 % nx) + nx) % nx; i1 = ((i1 % nx) + nx) % nx
                    } else {
                        if i0 < 0 { i0 = 0; i1 = 0; w = 0 } else if i1 > nx - 1 { i0 = nx - 1; i1 = nx - 1; w = 0 }
                    }
                    let velocity = (1 - w) * a[an + i0] + w * a[an + i1]
                    p += velocity * dt + sigma * root * normal()
                    if periodic {
                        p = problem.lower + (p - problem.lower).truncatingRemainder(dividingBy: length)
                        if p < problem.lower { p += length }
                    } else {
                        for _ in 0..<4 {  // reflections at the walls
                            if p < problem.lower { p = 2 * problem.lower - p } else if p > problem.upper { p = 2 * problem.upper - p } else { break }
                        }
                        p = min(max(p, problem.lower), problem.upper)
                    }
                    positions[k] = p
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
                let s = (p - problem.lower) / h - offset
                var i0 = Int(s.rounded(.down)), w = s - Double(i0)
                var i1 = i0 + 1
                if periodic {
                    i0 = ((i0 % nx) + nx) % nx; i1 = ((i1 % nx) + nx) % nx
                } else {
                    if i0 < 0 { i0 = 0; i1 = 0; w = 0 } else if i1 > nx - 1 { i0 = nx - 1; i1 = nx - 1; w = 0 }
                }
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
