import Foundation

/// `softmax` over the legal actions of every (t, s) row of a `[H][S][A]` table of logits, with a
/// vectorised `exp` (`VectorExp`), the rows unrolled for 3 and 5 actions, and (for Munchausen mirror
/// descent) `log softmax` without a log per entry. Its row buffers are scratch, meaningless between calls.
struct SoftmaxRows {
    /// The log-policy of a warm start, `log max(pi, 1e-12)`: no action is shut out for good.
    static func warmStartLog(_ policy: [Double]) -> [Double] { policy.map { log(max($0, 1e-12)) } }

    let legal: [Bool]
    let allLegal: Bool
    let states: Int, actions: Int, horizon: Int
    var rowShift: [Double]     // [H S]: each row's largest logit (log softmax only)
    var rowTotal: [Double]     // [H S]: each row's sum of exponentials, then its log (log softmax only)

    init(game: FiniteMFG, logSoftmax: Bool) {
        legal = game.legal
        allLegal = !game.legal.contains(false)
        states = game.states; actions = game.actions; horizon = game.horizon
        rowShift = [Double](repeating: 0, count: logSoftmax ? game.horizon * game.states : 0)
        rowTotal = rowShift
    }

    /// `out = softmax(logits)` per (t, s) row; with `replacingLogitsByLogSoftmax`, the logits become
    /// `log softmax(logits)` (Munchausen's `log pi`; needs `logSoftmax` at init).
    mutating func apply(_ logits: inout [Double], into out: inout [Double], replacingLogitsByLogSoftmax normaliseLogits: Bool = false) {
        let A = actions, rows = horizon * states, S = states, H = horizon
        precondition(!normaliseLogits || rowShift.count == rows, "SoftmaxRows: log softmax needs logSoftmax at init")
        if allLegal {
            // The common case, with the row width a constant for the usual action counts (so that
            // the compiler unrolls the rows).
            logits.withUnsafeMutableBufferPointer { z in
                out.withUnsafeMutableBufferPointer { o in
                    rowShift.withUnsafeMutableBufferPointer { shift in
                        rowTotal.withUnsafeMutableBufferPointer { total in
                            let rowsOut = normaliseLogits ? (shift.baseAddress!, total.baseAddress!) : nil
                            switch A {
                            case 3: Self.softmaxRows(z.baseAddress!, o.baseAddress!, rows: rows, width: 3, logSoftmax: rowsOut)
                            case 5: Self.softmaxRows(z.baseAddress!, o.baseAddress!, rows: rows, width: 5, logSoftmax: rowsOut)
                            default: Self.softmaxRows(z.baseAddress!, o.baseAddress!, rows: rows, width: A, logSoftmax: rowsOut)
                            }
                        }
                    }
                }
            }
            return
        }
        logits.withUnsafeMutableBufferPointer { z in
            out.withUnsafeMutableBufferPointer { o in
                legal.withUnsafeBufferPointer { legal in
                    // Shifted logits (illegal actions -infinity), one vectorised exp, then the row sums.
                    // Rows are walked as (t, s) so that no division is needed.
                    var base = 0
                    for _ in 0..<H {
                        for s in 0..<S {
                            let lbase = s * A
                            var m = -Double.infinity
                            for a in 0..<A where legal[lbase + a] && z[base + a] > m { m = z[base + a] }
                            for a in 0..<A { o[base + a] = legal[lbase + a] ? z[base + a] - m : -.infinity }
                            base += A
                        }
                    }
                    VectorExp.exponentiate(o.baseAddress!, count: rows * A)
                    base = 0
                    for _ in 0..<H {
                        for s in 0..<S {
                            var total = 0.0
                            for a in 0..<A { total += o[base + a] }
                            let inv = 1 / total
                            for a in 0..<A { o[base + a] *= inv }
                            if normaliseLogits {
                                // log pi = z - m - log(total), m the largest legal logit.
                                var m = -Double.infinity
                                for a in 0..<A where legal[s * A + a] { m = max(m, z[base + a]) }
                                let shift = m + log(total)
                                for a in 0..<A { z[base + a] -= shift }
                            }
                            base += A
                        }
                    }
                }
            }
        }
    }

    /// Softmax of `rows` rows of `width` logits, every action legal: shift by the row's largest
    /// logit, one vectorised exp, then scale each row by the inverse of its sum (the inverses of two rows
    /// in one vector division). With `logSoftmax` (two buffers of `rows` entries), the logits are then
    /// replaced by `log softmax = z - m - log(sum)`, the row logs taken in one vectorised pass.
    @inline(__always)
    static func softmaxRows(_ z: UnsafeMutablePointer<Double>, _ o: UnsafeMutablePointer<Double>, rows: Int, width A: Int,
                            logSoftmax: (shift: UnsafeMutablePointer<Double>, total: UnsafeMutablePointer<Double>)?) {
        var base = 0
        for row in 0..<rows {
            var m = z[base]
            for a in 1..<max(1, A) where z[base &+ a] > m { m = z[base &+ a] }
            for a in 0..<A { o[base &+ a] = z[base &+ a] - m }
            logSoftmax?.shift[row] = m
            base &+= A
        }
        VectorExp.exponentiate(o, count: rows &* A)
        // Rows in pairs, so that one vector division gives both inverses; then the last row if rows is odd.
        base = 0
        var row = 0
        while row &+ 2 <= rows {
            var total = SIMD2<Double>(0, 0)
            for a in 0..<A { total += SIMD2(o[base &+ a], o[base &+ A &+ a]) }
            let inv = 1 / total
            for a in 0..<A {
                o[base &+ a] *= inv[0]
                o[base &+ A &+ a] *= inv[1]
            }
            logSoftmax?.total[row] = total[0]
            logSoftmax?.total[row &+ 1] = total[1]
            row &+= 2
            base &+= 2 &* A
        }
        if row < rows {
            var total = 0.0
            for a in 0..<A { total += o[base &+ a] }
            let inv = 1 / total
            for a in 0..<A { o[base &+ a] *= inv }
            logSoftmax?.total[row] = total
        }
        guard let (shift, total) = logSoftmax else { return }
        VectorLog.logarithm(total, count: rows)
        base = 0
        for row in 0..<rows {
            let c = shift[row] + total[row]
            for a in 0..<A { z[base &+ a] -= c }
            base &+= A
        }
    }
}
