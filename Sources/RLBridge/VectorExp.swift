import Foundation

/// `exp` over a contiguous buffer (the softmax of the tabular algorithms spends much of its time
/// there), table-driven as in Tang (1989) and glibc, four lanes at a time:
///
/// `x = (128 k + j) ln2/128 + r`, `n = 128 k + j = round(128 x / ln 2)` (rounded by adding and
/// subtracting 1.5 * 2^52, so no library call), ln 2 / 128 in two parts so that `|r| <= ln2/256`
/// exactly; then `e^x = 2^k * 2^(j/128) * e^r`, with `2^(j/128)` from a 128-entry table and `e^r` by its
/// Taylor polynomial of degree 5 (truncation below 1e-18 relative). `2^k` is added to the table
/// entry's exponent field: `(n - j) << 45 = k << 52` in wrapping integer arithmetic, which needs no
/// arithmetic shift and so vectorises on every x86-64. Within 2 ulp of `Foundation.exp` (tested) on
/// [-707, 709.7]; below -707 the result is 0 (including -infinity), above 709.7 +infinity; NaN propagates through the arithmetic.
public enum VectorExp {
    /// Bit patterns of `2^(j/128)`, j = 0 ... 127.
    static let table: [UInt64] = (0..<128).map { Foundation.exp2(Double($0) / 128).bitPattern }

    typealias Lanes = SIMD4<Double>
    typealias Bits = SIMD4<UInt64>

    /// `x[i] = exp(x[i])` for `i < count`. When every entry lies in [-707, 709.7] (a softmax's shifted
    /// logits, as a rule; one vectorised pass checks it), the lanes skip the fix-ups of the ends, which
    /// change nothing there.
    public static func exponentiate(_ x: UnsafeMutablePointer<Double>, count: Int) {
        table.withUnsafeBufferPointer { tp in
            if VectorBounds.allWithin(x, count: count, lo: -707, hi: 709.7) {
                exponentiate(x, count: count, tp.baseAddress!, inRange: true)
            } else {
                exponentiate(x, count: count, tp.baseAddress!, inRange: false)
            }
        }
    }

    /// `x[i] = exp(x[i])` for `i < count`, four lanes at a time (the last lanes padded with 0), with the
    /// table `tb`; `inRange`: every entry lies in [-707, 709.7].
    @inline(__always)
    static func exponentiate(_ x: UnsafeMutablePointer<Double>, count: Int, _ tb: UnsafePointer<UInt64>, inRange: Bool) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 4 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: Lanes.self)
            raw.storeBytes(of: lanes(v, tb, inRange: inRange), toByteOffset: i &* 8, as: Lanes.self)
            i &+= 4
        }
        if i < count {
            var v = Lanes(repeating: 0)
            for k in i..<count { v[k &- i] = x[k] }
            let e = lanes(v, tb, inRange: inRange)
            for k in i..<count { x[k] = e[k &- i] }
        }
    }

    /// `exp` of four lanes; with `inRange`, every lane must lie in [-707, 709.7] (not NaN).
    @inline(__always)
    static func lanes(_ v: Lanes, _ tb: UnsafePointer<UInt64>, inRange: Bool = false) -> Lanes {
        let shifter = Lanes(repeating: 6755399441055744.0)  // 1.5 * 2^52
        let lo = Lanes(repeating: -707), hi = Lanes(repeating: 709.7)
        // v is not clamped to [lo, hi]: outside it the lanes compute garbage in wrapping integer arithmetic
        // (no trap, and j is always a table index), which the fix-ups at the end replace by 0 and +infinity.
        let t = v * (128 * 1.44269504088896338700e+00) + shifter
        let n = t - shifter
        let r = (v - n * (6.93147180369123816490e-01 / 128)) - n * (1.90821492927058770002e-10 / 128)
        var p = r * (1.0 / 120) + (1.0 / 24)
        p = p * r + (1.0 / 6)
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let nb = unsafeBitCast(t, to: Bits.self) &- unsafeBitCast(shifter, to: Bits.self)   // n
        let j = nb & 127
        let entries = Bits(tb[Int(truncatingIfNeeded: j[0])], tb[Int(truncatingIfNeeded: j[1])],
                           tb[Int(truncatingIfNeeded: j[2])], tb[Int(truncatingIfNeeded: j[3])])
        var e = unsafeBitCast(entries &+ ((nb & ~127) &<< 45), to: Lanes.self) * p
        if !inRange {
            e.replace(with: 0, where: v .< lo)
            e.replace(with: .infinity, where: v .> hi)
        }
        return e
    }
}
