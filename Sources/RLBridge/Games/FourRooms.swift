import Foundation

/// The four-rooms task of Off-MMD (Brunnbauer et al., AAMAS 2025; notes section 1.4): OpenSpiel's
/// 13 x 13 four-rooms map (walls included in the 169 states), start at (1, 1), horizon 40,
/// deterministic moves {(0,-1), (0,1), (-1,0), (1,0), stay} (a move into a wall stays), discount 0.99.
/// Rewards at step t in cell x with move a:
/// - exploration: `-log clip(mu_t(x), 1e-6, 1)`;
/// - navigation, target x* = (11, 11): `-log clip(mu_t(x), 1e-6, 1) - 5 |x - x*|_1 - mu_t(x) |a|_1`
///   (distance weight 5 as in the authors' code; the last term is congestion on moving).
/// Unlike OpenSpiel's `crowd_modelling_2d_four_rooms` there is no noise: do not compare the two.
public enum FourRooms {
    public enum Task: String, CaseIterable, Sendable { case exploration, navigation }
    public static let parameters: [GameParameter] = [
        GameParameter("task", .choice(Task.allCases.map(\.rawValue)), default: "exploration", "exploration: -log mu; navigation: also the distance to (11, 11) and congestion"),
        GameParameter("horizon", .integer, default: "40", "decision steps"),
        GameParameter("discount", .real, default: "0.99", "discount factor in (0, 1]"),
    ]
    static let moveX = [0, 0, -1, 1, 0], moveY = [-1, 1, 0, 0, 0]
    public static let map = [
        "#############", "#     #     #", "#     #     #", "#           #", "#     #     #", "#     #     #",
        "### ##### ###", "#     #     #", "#     #     #", "#           #", "#     #     #", "#     #     #",
        "#############",
    ]

    public static func make(task: Task, horizon: Int = 40, discount: Double = 0.99, distanceWeight: Double = 5) throws -> FiniteMFG {
        guard horizon >= 1 else { throw RLError.invalid("four_rooms: horizon must be >= 1") }
        guard discount > 0, discount <= 1 else { throw RLError.invalid("four_rooms: discount must lie in (0, 1], got \(discount)") }
        let n = 13
        var wall = [Bool](repeating: false, count: n * n)
        for (y, row) in map.enumerated() { for (x, c) in row.enumerated() where c == "#" { wall[x * n + y] = true } }
        func target(_ s: Int, _ a: Int) -> Int {
            let x = s / n + moveX[a], y = s % n + moveY[a]
            guard x >= 0, x < n, y >= 0, y < n, !wall[x * n + y] else { return s }
            return x * n + y
        }
        var mu0 = [Double](repeating: 0, count: n * n)
        mu0[1 * n + 1] = 1
        let goal = (11, 11)
        let distance = (0..<(n * n)).map { Double(abs($0 / n - goal.0) + abs($0 % n - goal.1)) }
        let navigation = task == .navigation
        var game = try FiniteMFG(
            name: "four_rooms (\(task.rawValue))", states: n * n, actions: 5, horizon: horizon, discount: discount,
            initialDistribution: mu0,
            transitions: { s, a in [(target(s, a), 1)] },
            reward: { _, mu, _, out in
                for s in 0..<(n * n) {
                    let m = min(max(mu[s], 1e-6), 1)
                    let r = -log(m)
                    for a in 0..<5 {
                        out[s * 5 + a] = navigation
                            ? r - distanceWeight * distance[s] - mu[s] * Double(abs(moveX[a]) + abs(moveY[a]))
                            : r
                    }
                }
            })
        game.gridSize = [n, n]
        try game.factor(move: target, noise: { [($0, 1)] })
        // dR(s', a')/dmu_t(s) = [s = s'] (-1/mu_t(s) where 1e-6 < mu_t(s) <= 1, else 0 (the clip is flat; at
        // mu = 1, the only side a distribution can reach); navigation: - |a|_1).
        let moveLength = (0..<5).map { Double(abs(moveX[$0]) + abs(moveY[$0])) }
        game.rewardGradient = { _, mu, _, w, now, next in
            for s in 0..<(n * n) {
                var weight = 0.0, moving = 0.0
                for a in 0..<5 { weight += w[s * 5 + a]; moving += w[s * 5 + a] * moveLength[a] }
                let m = mu[s]
                now[s] = (m > 1e-6 && m <= 1 ? -weight / m : 0) - (navigation ? moving : 0)
                next[s] = 0
            }
        }
        return game
    }
}
