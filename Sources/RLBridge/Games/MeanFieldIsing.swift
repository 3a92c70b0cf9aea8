import Foundation

/// The mean-field Ising game, the known answer for mean-field Q-learning (Yang et al. 2018's Ising
/// experiment in the mean-field limit; `../shared/reference/rl-methods.md` 3): each agent picks a
/// spin `a = +1` or `-1` once and receives `(h + J m) a`, with `m` the population's mean spin. Its
/// entropy-regularised (Boltzmann, temperature T) equilibrium solves `m = tanh((h + J m) / T)`
/// (Curie-Weiss: for h = 0 a nonzero solution exists below `T_c = J`).
///
/// As a finite MFG: states 0 `start`, 1 `up`, 2 `down`; actions 0 (+1) and 1 (-1); horizon 1; the
/// reward is charged at step 0 through the next distribution, `m = mu_1(up) - mu_1(down)`.
public enum MeanFieldIsing {
    public static let parameters: [GameParameter] = [
        GameParameter("field", .real, default: "0.0", "the external field h"),
        GameParameter("coupling", .real, default: "2.0", "the coupling J (Yang et al.'s Ising: 2)"),
    ]

    public static func make(field h: Double = 0, coupling j: Double = 2) throws -> FiniteMFG {
        guard h.isFinite, j.isFinite else { throw RLError.invalid("ising: the field h and the coupling J must be finite") }
        var game = try FiniteMFG(
            name: "ising", states: 3, actions: 2, horizon: 1, initialDistribution: [1, 0, 0],
            transitions: { _, a in [(1 + a, 1)] },
            reward: { _, _, next, out in
                let m = next[1] - next[2]
                for s in 0..<3 {
                    out[s * 2] = h + j * m
                    out[s * 2 + 1] = -(h + j * m)
                }
            })
        game.stateNames = ["start", "up", "down"]
        return game
    }

    /// The regularised equilibrium's mean spin: the solution of `m = tanh((h + J m) / T)` reached by
    /// fixed-point iteration from `m = 1` (the positive branch when h = 0).
    public static func equilibriumMean(field h: Double, coupling j: Double, temperature t: Double) -> Double {
        var m = 1.0
        for _ in 0..<100_000 {
            let next = tanh((h + j * m) / t)
            if abs(next - m) < 1e-15 { return next }
            m = next
        }
        return m
    }
}
