import Neural
import RLBridge

/// N agents playing a finite game under one policy: `s_0 ~ mu_0`, `a_t ~ pi_t(.|s_t)`,
/// `s_{t+1} ~ P(.|s_t, a_t)`, each agent with the same stream of one seeded generator (inverse-CDF
/// draws, so a fixed seed gives the same trajectories).
public enum GameAgents {
    /// The states of every agent at every step, `[H+1][N]` row-major (`states[t N + k]`).
    public static func simulate(_ game: FiniteMFG, policy: [Double], agents: Int, seed: UInt64) -> [Int32] {
        precondition(agents > 0 && policy.count == game.policySize, "agents > 0 and a policy of the game's shape")
        let S = game.states, A = game.actions, H = game.horizon
        var generator = SeededGenerator(seed: seed)
        var states = [Int32](repeating: 0, count: (H + 1) * agents)
        var running = 0.0
        let cumulative = game.initialDistribution.map { running += $0; return running }
        for k in 0 ..< agents { states[k] = Int32(WeightedTable.draw(cumulative, &generator)) }
        for t in 0 ..< H {
            for k in 0 ..< agents {
                let s = Int(states[t * agents + k])
                // The action, then the successor, by inverse CDF on their rows.
                let row = (t * S + s) * A
                var u = generator.unit(), a = A - 1
                for b in 0 ..< A {
                    u -= policy[row + b]
                    if u < 0 { a = b; break }
                }
                let transitions = s * A + a
                var v = generator.unit(), next = Int(game.successor[game.rowStart[transitions + 1] - 1])
                for entry in game.rowStart[transitions] ..< game.rowStart[transitions + 1] {
                    v -= game.probability[entry]
                    if v < 0 { next = Int(game.successor[entry]); break }
                }
                states[(t + 1) * agents + k] = Int32(next)
            }
        }
        return states
    }
}
