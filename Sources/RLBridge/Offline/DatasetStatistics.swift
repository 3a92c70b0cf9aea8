import Foundation

/// Coverage and quality of an offline dataset (Off-MMD's `mix_datasets.py` metrics, notes 1.5).
///
/// - state coverage: distinct (t, s) seen over `S H`; state-action coverage: distinct (t, s, a) over
///   `S A H` (Off-MMD's definitions: walls count, so they never reach 1);
/// - the same over what can be reached: (t, s) with positive probability under the uniform policy, and
///   their legal actions;
/// - quality: `(mean return - V_random) / (V_expert - V_random)`, with the mean discounted return of
///   the episodes (rewards as stored) and the exact values of the uniform and expert policies under
///   their own mean fields (Off-MMD clips it to [0, 1]; `quality` is unclipped).
public struct DatasetStatistics: Sendable {
    public var episodes: Int
    public var transitions: Int
    public var stateCoverage: Double
    public var stateActionCoverage: Double
    public var reachableStateCoverage: Double
    public var reachableStateActionCoverage: Double
    /// Per step t = 0 ... H-1: distinct states and state-actions seen over the reachable ones.
    public var reachableStateCoverageByStep: [Double]
    public var reachableStateActionCoverageByStep: [Double]
    public var meanReturn: Double
    public var quality: Double?

    public init(dataset d: OfflineDataset, game: FiniteMFG, references: ReferencePolicies?) throws {
        guard d.states == game.states, d.actions == game.actions, d.horizon == game.horizon else {
            throw RLError.invalid("the dataset (\(d.states) states, \(d.actions) actions, horizon \(d.horizon)) is not of \(game.name) as rebuilt here (\(game.states), \(game.actions), \(game.horizon))")
        }
        let S = d.states, A = d.actions, H = d.horizon
        var seenState = [Bool](repeating: false, count: H * S)
        var seenPair = [Bool](repeating: false, count: H * S * A)
        for e in 0..<d.episodes {
            for t in 0..<H {
                let s = Int(d.statesVisited[e * (H + 1) + t]), a = Int(d.actionsTaken[e * H + t])
                seenState[t * S + s] = true
                seenPair[(t * S + s) * A + a] = true
            }
        }
        var mu: [Double] = []
        ExactTools(game: game).distribution(of: game.uniformPolicy, into: &mu)
        var reachStates = 0, reachPairs = 0, hitStates = 0, hitPairs = 0
        var byStepStates: [Double] = [], byStepPairs: [Double] = []
        for t in 0..<H {
            var rs = 0, rp = 0, hs = 0, hp = 0
            for s in 0..<S where mu[t * S + s] > 0 {
                rs += 1
                if seenState[t * S + s] { hs += 1 }
                for a in 0..<A where game.legal[s * A + a] {
                    rp += 1
                    if seenPair[(t * S + s) * A + a] { hp += 1 }
                }
            }
            byStepStates.append(Double(hs) / Double(max(rs, 1)))
            byStepPairs.append(Double(hp) / Double(max(rp, 1)))
            reachStates += rs; reachPairs += rp; hitStates += hs; hitPairs += hp
        }
        episodes = d.episodes
        transitions = d.episodes * H
        stateCoverage = Double(seenState.filter { $0 }.count) / Double(S * H)
        stateActionCoverage = Double(seenPair.filter { $0 }.count) / Double(S * A * H)
        reachableStateCoverage = Double(hitStates) / Double(max(reachStates, 1))
        reachableStateActionCoverage = Double(hitPairs) / Double(max(reachPairs, 1))
        reachableStateCoverageByStep = byStepStates
        reachableStateActionCoverageByStep = byStepPairs
        var total = 0.0
        for e in 0..<d.episodes {
            var g = 1.0
            for t in 0..<H { total += g * d.rewards[e * H + t]; g *= game.discount }
        }
        meanReturn = total / Double(d.episodes)
        if let r = references, r.expertValue != r.randomValue {
            quality = (meanReturn - r.randomValue) / (r.expertValue - r.randomValue)
        }
    }
}
