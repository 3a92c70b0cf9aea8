import Foundation

/// `exp` over a contiguous buffer (the softmax of the tabular algorithms spends much of its time
/// there), table-driven as in Tang (1989) and glibc:
///
/// `x = (128 k + j) ln2/128 + r`, `n = 128 k + j = round(128 x / ln 2)` (rounded by adding and
/// subtracting 1.5 * 2^52, so no library call), ln 2 / 128 in two parts so that `|r| <= ln2/256`
/// exactly; then `e^x = 2^k * 2^(j/128) * e^r`, with `2^(j/128)` from a 128-entry table and `e^r` by its
/// Taylor polynomial of degree 5 (truncation below 1e-18 relative). Within 2 ulp of `Foundation.exp`
/// (tested) on [-707, 709.7]; below -707 the result is 0 (including -infinity), above 709.7 +infinity.
public enum VectorExp {
    /// `2^(j/128)`, j = 0 ... 127.
    static let table: [Double] = (0..<128).map { Foundation.exp2(Double($0) / 128) }

    /// `x[i] = exp(x[i])` for `i < count`.
    public static func exponentiate(_ x: UnsafeMutablePointer<Double>, count: Int) {
        table.withUnsafeBufferPointer { tp in
            let t2 = tp.baseAddress!
            let shifter = 6755399441055744.0  // 1.5 * 2^52
            let invStep = 128 * 1.44269504088896338700e+00
            let stepHi = 6.93147180369123816490e-01 / 128, stepLo = 1.90821492927058770002e-10 / 128
            for i in 0..<count {
                let v = x[i]
                let clamped = min(max(v, -707), 709.7)
                let t = clamped * invStep + shifter
                let n = t - shifter
                let r = (clamped - n * stepHi) - n * stepLo
                let p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))))
                let bits = Int64(bitPattern: t.bitPattern &- shifter.bitPattern)   // n
                let j = Int(bits & 127), k = bits >> 7                              // floor division
                let scale = Double(bitPattern: UInt64(bitPattern: (k &+ 1022) << 52))  // 2^(k-1)
                let e = (t2[j] * p) * scale * 2
                x[i] = v < -707 ? 0 : (v > 709.7 ? .infinity : e)
            }
        }
    }
}
