/// Transitions that factor as a deterministic move followed by noise that depends on the moved-to
/// state only, `P(s'|s, a) = K(s'|move(s, a))` (crowd modelling in 1D and 2D, periodic aversion,
/// linear-quadratic). `ExactTools` then propagates a step in `O(S A + nnz(K))` instead of `O(nnz(P))`:
/// `mu_{t+1} = K^T nu` with `nu(j) = sum_{move(s,a) = j} mu(s) pi(a|s)`, and
/// `Q(s, a) = r + gamma (K V)(move(s, a))`.
///
/// The move may depend on the step and on the population (`populationMove`: OpenSpiel's
/// linear_quadratic with mean_revert != 0 moves towards the mean of mu_t); the noise may not.
public struct MoveThenNoise: Sendable {
    /// Fills `move[s A + a]` for step `t` from the distribution `mu` of that step.
    public typealias PopulationMove = @Sendable (_ t: Int, _ mu: UnsafePointer<Double>, _ move: UnsafeMutablePointer<Int32>) -> Void
    /// `move[s A + a]`.
    public let move: [Int32]
    /// Noise rows: entries `kernelStart[j] ..< kernelStart[j + 1]` of `kernelTarget` / `kernelProbability`.
    public let kernelStart: [Int]
    public let kernelTarget: [Int32]
    public let kernelProbability: [Double]
    /// The same maps transposed, so that a step forward gathers instead of scattering (no
    /// read-modify-write chains through memory): the pairs `s A + a` with `move(s, a) = j` are
    /// `arrival[arrivalStart[j] ..< arrivalStart[j + 1]]`, ascending; the noise arriving at `i` comes
    /// from `kernelSource[k]` with probability `kernelSourceProbability[k]`,
    /// `k in kernelSourceStart[i] ..< kernelSourceStart[i + 1]`, ascending in the source. Summing in
    /// that order adds the same terms in the same order as the scatter would.
    public let arrivalStart: [Int]
    public let arrival: [Int32]
    /// `arrivalState[k] = arrival[k] / A`, the state of each arriving pair.
    public let arrivalState: [Int32]
    public let kernelSourceStart: [Int]
    public let kernelSource: [Int32]
    public let kernelSourceProbability: [Double]
    /// The common number of entries of the rows of `kernelStart`, `arrivalStart` and `kernelSourceStart`
    /// respectively, 0 where the rows differ (crowd modelling's all have 3), for `SparseRows`.
    public let kernelWidth: Int, arrivalWidth: Int, kernelSourceWidth: Int
    /// Nil: `move` holds at every step. Otherwise the move of step t under mu_t (`move` is then the
    /// one of step 0 under the initial distribution, as are the game's transition rows).
    public let populationMove: PopulationMove?

    init(move: [Int32], kernelStart: [Int], kernelTarget: [Int32], kernelProbability: [Double], populationMove: PopulationMove?) {
        self.move = move
        self.populationMove = populationMove
        self.kernelStart = kernelStart
        self.kernelTarget = kernelTarget
        self.kernelProbability = kernelProbability
        let S = kernelStart.count - 1
        (arrivalStart, arrival, _) = Self.transpose(rows: move.count, targets: S, target: { Int(move[$0]) }, entries: { [($0, 1)] })
        let A = move.count / max(1, S)
        arrivalState = arrival.map { $0 / Int32(A) }
        (kernelSourceStart, kernelSource, kernelSourceProbability) = Self.transpose(
            rows: S, targets: S, target: { Int(kernelTarget[$0]) },
            entries: { j in (kernelStart[j]..<kernelStart[j + 1]).map { ($0, kernelProbability[$0]) } })
        kernelWidth = Self.commonWidth(kernelStart)
        arrivalWidth = Self.commonWidth(arrivalStart)
        kernelSourceWidth = Self.commonWidth(kernelSourceStart)
    }

    /// The number of entries of every row of a layout with row starts `start`, or 0 if the rows differ.
    private static func commonWidth(_ start: [Int]) -> Int {
        guard start.count > 1 else { return 0 }
        let width = start[1] - start[0]
        return (1..<start.count).allSatisfy { start[$0] - start[$0 - 1] == width } ? width : 0
    }

    /// Counting-sort transpose: for each target, the rows that reach it (ascending) and the weights.
    private static func transpose(rows: Int, targets: Int, target: (Int) -> Int, entries: (Int) -> [(Int, Double)])
        -> ([Int], [Int32], [Double]) {
        var count = [Int](repeating: 0, count: targets + 1)
        for r in 0..<rows { for (k, _) in entries(r) { count[target(k) + 1] += 1 } }
        for i in 0..<targets { count[i + 1] += count[i] }
        var fill = count
        var source = [Int32](repeating: 0, count: count[targets]), weight = [Double](repeating: 0, count: count[targets])
        for r in 0..<rows {
            for (k, w) in entries(r) {
                let i = target(k)
                source[fill[i]] = Int32(r)
                weight[fill[i]] = w
                fill[i] += 1
            }
        }
        return (count, source, weight)
    }
}

/// The rows of a compressed sparse layout (`MoveThenNoise`'s): row j is entries `start[j] ..< start[j + 1]`,
/// or `j width ..< (j + 1) width` when every row has `width` > 0 entries. Callers give the usual widths as
/// constants (`ExactTools`: 3, crowd modelling's), so that the compiler unrolls the rows and reads no starts.
struct SparseRows {
    let start: UnsafePointer<Int>
    let width: Int

    /// The entries of row j.
    @inline(__always)
    subscript(_ j: Int) -> Range<Int> {
        width > 0 ? Range(uncheckedBounds: (j &* width, j &* width &+ width)) : start[j]..<start[j &+ 1]
    }

    /// `body(self)`; when the width is 3, `body` gets rows whose width is the constant 3, so that the
    /// inlined `body` is compiled for that width.
    @inline(__always)
    func withUsualWidth(_ body: (SparseRows) -> Void) {
        if width == 3 { body(SparseRows(start: start, width: 3)) } else { body(self) }
    }
}

extension FiniteMFG {
    /// Attaches the factorisation after checking, for every legal (s, a), that the noise of `move(s, a)`
    /// is the game's transition row (merged by successor, to 1e-14), and that a population-dependent
    /// move gives `move` at step 0 under the initial distribution.
    public mutating func factor(move: (Int, Int) -> Int, noise: (Int) -> [(Int, Double)],
                                populationMove: MoveThenNoise.PopulationMove? = nil) throws {
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
        if let populationMove {
            var first = [Int32](repeating: -1, count: S * A)
            initialDistribution.withUnsafeBufferPointer { m in first.withUnsafeMutableBufferPointer { populationMove(0, m.baseAddress!, $0.baseAddress!) } }
            for k in 0..<(S * A) where legal[k] && first[k] != moves[k] {
                throw RLError.invalid("the population-dependent move of state \(k / A), action \(k % A) at step 0 is \(first[k]), not the transition rows' \(moves[k])")
            }
        }
        moveThenNoise = MoveThenNoise(move: moves, kernelStart: start, kernelTarget: kernelT, kernelProbability: kernelP,
                                      populationMove: populationMove)
    }

    /// Whether the transitions depend on the population (then only `ExactTools` and the tabular
    /// algorithms can use the game; the fixed rows `rowStart` ... are those of step 0 under mu0).
    public var populationDependentDynamics: Bool { moveThenNoise?.populationMove != nil }
}
