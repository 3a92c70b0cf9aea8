/// Exact optimal transport between two measures on a common set of 1D points.
enum Transport1D {
    /// `W1 = sum_c |A_c - B_c| (s_{c+1} - s_c)` on a line, `A`, `B` the cumulative masses of `a`, `b` at the
    /// points `s` visited in increasing order (`order`); masses that differ in total are compared as given.
    static func w1(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, points s: UnsafePointer<Double>,
                   order: UnsafePointer<Int32>, count n: Int) -> Double {
        var ca = 0.0, cb = 0.0, sum = 0.0
        for r in 0..<(n - 1) {
            let c = Int(order[r])
            ca += a[c]; cb += b[c]
            sum += abs(ca - cb) * (s[Int(order[r + 1])] - s[c])
        }
        return sum
    }

    /// `W2^2 = int_0^1 |Q_a(u) - Q_b(u)|^2 du` between two probability vectors on the same sorted points:
    /// the monotone (north-west corner) coupling, moving `min(remaining a, remaining b)` at each step.
    static func w2Squared(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, points s: UnsafePointer<Double>,
                          order: UnsafePointer<Int32>, count n: Int) -> Double {
        var i = 0, j = 0
        var ra = a[Int(order[0])], rb = b[Int(order[0])], cost = 0.0
        while i < n && j < n {
            if ra <= 0 { i += 1; if i < n { ra = a[Int(order[i])] }; continue }
            if rb <= 0 { j += 1; if j < n { rb = b[Int(order[j])] }; continue }
            let moved = min(ra, rb), gap = s[Int(order[i])] - s[Int(order[j])]
            cost += moved * gap * gap
            ra -= moved; rb -= moved
        }
        return cost
    }

    /// W1 between two measures on the cells of a 1D grid (point masses at the centres, spacing `h`):
    /// `h sum_c |A_c - B_c|` on a line; on a circle of `n` cells `min_alpha h sum_c |A_c - B_c - alpha|`,
    /// attained at the median of `A_c - B_c` (`scratch`: `n` doubles).
    static func w1(grid a: [Double], _ b: [Double], spacing h: Double, periodic: Bool, scratch: inout [Double]) -> Double {
        var ca = 0.0, cb = 0.0
        for c in a.indices { ca += a[c]; cb += b[c]; scratch[c] = ca - cb }
        var shift = 0.0
        if periodic {
            scratch.sort()
            let n = scratch.count
            shift = n % 2 == 1 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2])
            ca = 0; cb = 0
            for c in a.indices { ca += a[c]; cb += b[c]; scratch[c] = ca - cb }
        }
        var sum = 0.0
        for c in a.indices { sum += abs(scratch[c] - shift) }
        return sum * h
    }
}
