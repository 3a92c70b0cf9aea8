/// The stationary distribution of a continuous-time Markov chain on a path or a cycle (rates only
/// between neighbours), by the Grassmann-Taksar-Heyman state reduction: no subtraction occurs, so
/// every entry is positive and accurate to round-off relative to itself, however small (a dense
/// LU loses the tails of sharply peaked densities to absolute round-off).
///
/// Eliminating states from the top down, state k's remaining neighbours are k-1 and 0 (the wrap of
/// the cycle), so the fill-in stays on row and column 0 and the whole reduction costs O(n).
public final class StationaryDistribution {
    public let count: Int
    /// Rates `q(i -> i+1)`, `q(i -> i-1)`, `q(i -> 0)` (fill-in and wrap) and `q(0 -> j)`.
    let up, down, toZero, fromZero, outRate: UnsafeMutablePointer<Double>
    let inFromLeft, inFromZero: UnsafeMutablePointer<Double>

    public init(count: Int) {
        precondition(count >= 3)
        self.count = count
        up = .allocate(capacity: count); down = .allocate(capacity: count)
        toZero = .allocate(capacity: count); fromZero = .allocate(capacity: count)
        outRate = .allocate(capacity: count)
        inFromLeft = .allocate(capacity: count); inFromZero = .allocate(capacity: count)
    }

    deinit { for p in [up, down, toZero, fromZero, outRate, inFromLeft, inFromZero] { p.deallocate() } }

    /// Solves `Q^T pi = 0` for the generator with the given non-negative neighbour rates
    /// (`rightRate[i] = q(i -> i+1)`, `leftRate[i] = q(i -> i-1)`, cyclic when `periodic`),
    /// normalised so that `sum_i weight * pi_i = 1`. Returns false if the chain is not irreducible.
    public func solve(
        rightRate: UnsafePointer<Double>, leftRate: UnsafePointer<Double>, periodic: Bool,
        weight: Double, into pi: UnsafeMutablePointer<Double>
    ) -> Bool {
        let n = count
        for i in 0..<n {
            up[i] = i < n - 1 ? rightRate[i] : 0
            down[i] = i > 0 ? leftRate[i] : 0
            toZero[i] = 0
            fromZero[i] = 0
        }
        if periodic {
            toZero[n - 1] = rightRate[n - 1]   // n-1 -> 0
            fromZero[n - 1] = leftRate[0]      // 0 -> n-1
        }
        // Reduce states n-1 ... 2; state 1's only lower neighbour is 0.
        var k = n - 1
        while k >= 1 {
            // Rates out of k into the remaining states {k-1, 0} and into k from them.
            let toLeft = down[k], toZ = k - 1 == 0 ? 0 : toZero[k]
            let fromLeft = up[k - 1], fromZ = k - 1 == 0 ? 0 : fromZero[k]
            let s = toLeft + toZ
            guard s > 0 else { return false }
            outRate[k] = s
            inFromLeft[k] = fromLeft
            inFromZero[k] = fromZ
            if k - 1 >= 1 {
                // Paths k-1 -> k -> 0 and 0 -> k -> k-1 become direct rates.
                let j = k - 1
                if j == 1 {
                    down[1] += fromLeft * toZ / s          // 1 -> 0
                    up[0] += fromZ * toLeft / s            // 0 -> 1
                } else {
                    toZero[j] += fromLeft * toZ / s        // j -> 0
                    fromZero[j] += fromZ * toLeft / s      // 0 -> j
                }
            }
            k -= 1
        }
        // Back substitution: pi_k = (pi_{k-1} q(k-1 -> k) + pi_0 q(0 -> k)) / (rate out of k, reduced).
        pi[0] = 1
        var total = 1.0
        for k in 1..<n {
            let v = (pi[k - 1] * inFromLeft[k] + (k - 1 == 0 ? 0 : pi[0] * inFromZero[k])) / outRate[k]
            pi[k] = v
            total += v
        }
        let scale = 1 / (total * weight)
        for i in 0..<n { pi[i] *= scale }
        return true
    }
}
