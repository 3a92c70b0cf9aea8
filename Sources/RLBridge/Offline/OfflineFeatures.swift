/// The observation a neural policy sees at (t, s), as Float features: for grid games (`gridSize`),
/// one-hot x, one-hot y and t/H (Off-MMD's 13 + 13 + 1 = 27 inputs on four rooms); otherwise
/// one-hot s and t/H. Precomputed for every (t, s) as rows of `table`, `[H][S][count]`.
public struct OfflineFeatures: Sendable {
    public let count: Int
    public let table: [Float]

    /// The number of features of a game's observations.
    public static func count(for game: FiniteMFG) -> Int { (game.gridSize.map { $0[0] + $0[1] } ?? game.states) + 1 }

    public init(game: FiniteMFG) {
        let S = game.states, H = game.horizon
        let grid = game.gridSize
        count = Self.count(for: game)
        var table = [Float](repeating: 0, count: H * S * count)
        for t in 0..<H {
            for s in 0..<S {
                let row = (t * S + s) * count
                if let g = grid {
                    table[row + s / g[1]] = 1
                    table[row + g[0] + s % g[1]] = 1
                } else {
                    table[row + s] = 1
                }
                table[row + count - 1] = Float(t) / Float(H)
            }
        }
        self.table = table
    }
}
