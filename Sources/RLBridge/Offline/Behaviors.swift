import Foundation

/// The behaviour policies datasets are generated with (Off-MMD's expert / intermediate / random).
///
/// - expert: an equilibrium policy: the PDE equilibrium's feedback projected to the game for a
///   discretised continuous problem, else mirror descent run to a small exploitability;
/// - intermediate: the "softened expert" `(pi_expert + uniform) / 2` (Off-MMD uses an early checkpoint);
/// - random: uniform over the legal actions.
public enum BehaviorKind: String, CaseIterable, Sendable {
    case expert, intermediate, random
}

/// The reference policies of a game, with their exact values under their own mean fields.
public struct ReferencePolicies: Sendable {
    public let expert: [Double]
    public let uniform: [Double]
    public let expertExploitability: Double
    /// `sum_s mu0(s) V^pi(s)` of each policy against its own distribution.
    public let expertValue: Double
    public let randomValue: Double

    public init(game: FiniteMFG, expert: [Double]) throws {
        try game.checkShape(of: expert)
        let tools = ExactTools(game: game)
        let evaluation = tools.evaluate(expert)
        self.expert = expert
        uniform = game.uniformPolicy
        expertExploitability = evaluation.exploitability
        expertValue = evaluation.expectedReturn
        randomValue = tools.evaluate(uniform).expectedReturn
    }

    /// Mirror descent from the uniform policy (`iterations` at `learningRate`).
    public static func mirrorDescentExpert(game: FiniteMFG, iterations: Int, learningRate: Double) throws -> [Double] {
        try RLLimits.check(iterations: iterations, flag: "--expert-iterations")
        var run = TabularRun(game: game, algorithm: try MirrorDescent(game: game, learningRate: learningRate))
        try RLLimits.checkWork(iterations: iterations, game: game, flag: "--expert-iterations")
        _ = run.run(iterations: iterations)
        if let f = run.failure {
            throw NonFiniteResult(quantity: "the expert's \(f.quantity.replacingOccurrences(of: "the ", with: ""))", iteration: f.iteration,
                                  advice: "the expert's mirror descent overflowed; lower --expert-learning-rate")
        }
        return run.policy
    }

    public func policy(_ kind: BehaviorKind) -> [Double] {
        switch kind {
        case .expert: return expert
        case .random: return uniform
        case .intermediate: return zip(expert, uniform).map { 0.5 * ($0 + $1) }
        }
    }

    /// Parses `expert`, `random`, ... or a mixture `expert=0.5,random=0.5` (proportions normalised).
    public static func parseMixture(_ text: String) throws -> [(BehaviorKind, Double)] {
        var parts: [(BehaviorKind, Double)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let kind = BehaviorKind(rawValue: kv[0]) else {
                throw RLError.invalid("unknown behaviour '\(kv[0])'; behaviours: expert, intermediate, random (or a mixture such as expert=0.5,random=0.5)")
            }
            let w = kv.count == 2 ? Double(kv[1]) : 1
            guard let w, w.isFinite, w > 0 else { throw RLError.invalid("behaviour proportion of \(kv[0]) must be a positive number, got '\(kv.count == 2 ? kv[1] : "")'") }
            if parts.contains(where: { $0.0 == kind }) { throw RLError.invalid("behaviour \(kind.rawValue) is listed twice") }
            parts.append((kind, w))
        }
        guard !parts.isEmpty else { throw RLError.invalid("--behavior needs expert, intermediate, random or a mixture") }
        let total = parts.reduce(0) { $0 + $1.1 }
        return parts.map { ($0.0, $0.1 / total) }
    }
}
