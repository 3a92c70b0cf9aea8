/// Transitions that factor as a deterministic move followed by noise that depends on the moved-to
/// state only, `P(s'|s, a) = K(s'|move(s, a))` (crowd modelling in 1D and 2D, periodic aversion,
/// linear-quadratic). `ExactTools` then propagates a step in `O(S A + nnz(K))` instead of `O(nnz(P))`:
/// `mu_{t+1} = K^T nu` with `nu(j) = sum_{move(s,a) = j} mu(s) pi(a|s)`, and
/// `Q(s, a) = r + gamma (K V)(move(s, a))`.
public struct MoveThenNoise: Sendable {
    /// `move[s A + a]`.
    public let move: [Int32]
    /// Noise rows: entries `kernelStart[j] ..< kernelStart[j + 1]` of `kernelTarget` / `kernelProbability`.
    public let kernelStart: [Int]
    public let kernelTarget: [Int32]
    public let kernelProbability: [Double]
}

extension FiniteMFG {
    /// Attaches the factorisation after checking, for every legal (s, a), that the noise of `move(s, a)`
    /// is the game's transition row (merged by successor, to 1e-14).
    public mutating func factor(move: (Int, Int) -> Int, noise: (Int) -> [(Int, Double)]) throws {
        let S = states, A = actions
        var moves = [Int32](repeating: 0, count: S * A)
        var start = [0], kernelT: [Int32] = [], kernelP: [Double] = []
        for j in 0..<S {
            var merged: [Int: Double] = [:]
            for (q, p) in noise(j) where p != 0 { merged[q, default: 0] += p }
            for (q, p) in merged.sorted(by: { $0.key < $1.key }) where p > 0 { kernelT.append(Int32(q)); kernelP.append(p) }
            start.append(kernelT.count)
        }
        for s in 0..<S {
            for a in 0..<A {
                let j = legal[s * A + a] ? move(s, a) : s
                guard j >= 0, j < S else { throw RLError.invalid("move(\(s), \(a)) = \(j) is not a state") }
                moves[s * A + a] = Int32(j)
                guard legal[s * A + a] else { continue }
                let row = s * A + a
                let csr = Dictionary(uniqueKeysWithValues: (rowStart[row]..<rowStart[row + 1]).map { (Int(successor[$0]), probability[$0]) })
                let factored = Dictionary(uniqueKeysWithValues: (start[j]..<start[j + 1]).map { (Int(kernelT[$0]), kernelP[$0]) })
                guard csr.count == factored.count, csr.allSatisfy({ abs($0.value - (factored[$0.key] ?? -1)) <= 1e-14 }) else {
                    throw RLError.invalid("the move-then-noise factorisation does not reproduce the transitions of state \(s), action \(a)")
                }
            }
        }
        moveThenNoise = MoveThenNoise(move: moves, kernelStart: start, kernelTarget: kernelT, kernelProbability: kernelP)
    }
}
