/// The observation a neural policy sees at (t, s), as Float features: for grid games (`gridSize`),
/// one-hot x, one-hot y and t/H (Off-MMD's 13 + 13 + 1 = 27 inputs on four rooms); otherwise
/// one-hot s and t/H. Precomputed for every (t, s) as sparse rows (the networks' first layers
/// gather them, `MLP.forward(columns:values:nonzerosPerRow:batch:workspace:)`): observation
/// `o = t S + s` has the values `values[o k + j]` at the features `columns[o k + j]`, `j < k`
/// (`nonzeros`: 3 on a grid, 2 otherwise; t/H is stored even where it is 0), every other feature 0.
public struct OfflineFeatures: Sendable {
    /// The number of features.
    public let count: Int
    /// Stored entries per observation.
    public let nonzeros: Int
    /// The number of observations, `H S`.
    public let observations: Int
    /// `[H][S][nonzeros]`: the features of each stored entry, and their values.
    public let columns: [Int32]
    public let values: [Float]

    /// The number of features of a game's observations.
    public static func count(for game: FiniteMFG) -> Int { (game.gridSize.map { $0[0] + $0[1] } ?? game.states) + 1 }

    public init(game: FiniteMFG) {
        let S = game.states, H = game.horizon
        let grid = game.gridSize
        count = Self.count(for: game)
        let k = grid == nil ? 2 : 3
        nonzeros = k
        observations = H * S
        var columns = [Int32](repeating: 0, count: H * S * k), values = [Float](repeating: 1, count: H * S * k)
        for t in 0..<H {
            for s in 0..<S {
                let o = (t * S + s) * k
                if let g = grid {
                    columns[o] = Int32(s / g[1])
                    columns[o + 1] = Int32(g[0] + s % g[1])
                } else {
                    columns[o] = Int32(s)
                }
                columns[o + k - 1] = Int32(count - 1)
                values[o + k - 1] = Float(t) / Float(H)
            }
        }
        self.columns = columns
        self.values = values
    }

    /// The dense feature rows `[H][S][count]` (for reading; the learners use the sparse form).
    public var table: [Float] {
        var table = [Float](repeating: 0, count: observations * count)
        for o in 0..<observations {
            for j in o * nonzeros..<(o + 1) * nonzeros { table[o * count + Int(columns[j])] += values[j] }
        }
        return table
    }
}
