import Foundation

/// Natural logarithm over a contiguous buffer (the rewards `-log(mu + eps)` of the crowd games take one
/// per state and step), four lanes at a time, by fdlibm's method (e_log.c, Sun Microsystems 1993):
///
/// `x = 2^k (1 + f)` with `sqrt(2)/2 < 1 + f < sqrt(2)`, `s = f / (2 + f)`, and
/// `log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2))` with fdlibm's degree-14 minimax `R` (error below
/// 2^-58.45); `log x = k ln2_hi - ((f^2/2 - (s (f^2/2 + R) + k ln2_lo)) - f)`. Within 1 ulp of
/// `Foundation.log` (tested). Lanes that are not positive normal finite numbers (0, negatives,
/// subnormals, infinities, NaN) go to `Foundation.log`, so every input gives what `log` gives.
public enum VectorLog {
    typealias Lanes = SIMD4<Double>
    typealias Bits = SIMD4<UInt64>

    /// `x[i] = log(x[i])` for `i < count`. When every entry is a positive normal finite number (one
    /// vectorised pass checks it), no group of four is checked on its own.
    public static func logarithm(_ x: UnsafeMutablePointer<Double>, count: Int) {
        if VectorBounds.allWithin(x, count: count, lo: .leastNormalMagnitude, hi: .greatestFiniteMagnitude) {
            logarithm(x, count: count, checked: false)
        } else {
            logarithm(x, count: count, checked: true)
        }
    }

    /// `x[i] = log(x[i])` for `i < count`: the vector kernel on each group of four (with `checked`, on
    /// the groups of positive normal finite numbers only), `Foundation.log` on the others and the tail.
    @inline(__always)
    static func logarithm(_ x: UnsafeMutablePointer<Double>, count: Int, checked: Bool) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 4 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: Lanes.self)
            if !checked || all(v .>= Lanes(repeating: .leastNormalMagnitude) .& (v .<= Lanes(repeating: .greatestFiniteMagnitude))) {
                raw.storeBytes(of: lanes(v), toByteOffset: i &* 8, as: Lanes.self)
            } else {
                for k in i..<(i &+ 4) { x[k] = Foundation.log(x[k]) }
            }
            i &+= 4
        }
        for k in i..<max(i, count) { x[k] = Foundation.log(x[k]) }
    }

    /// The vector kernel, for positive normal finite lanes.
    @inline(__always)
    static func lanes(_ v: Lanes) -> Lanes {
        let sqrtHalfBits: UInt64 = 0x3FE6_A09E_667F_3BCD   // sqrt(2)/2
        // Shifting the exponent by 1 - bits(sqrt(2)/2) puts the mantissa of 1 + f in [sqrt(2)/2, sqrt(2)).
        let ix = unsafeBitCast(v, to: Bits.self) &+ Bits(repeating: 0x3FF0_0000_0000_0000 &- sqrtHalfBits)
        let biased = ix &>> 52                                                    // k + 1023, in 0 ... 2046
        let m = unsafeBitCast((ix & Bits(repeating: 0x000F_FFFF_FFFF_FFFF)) &+ Bits(repeating: sqrtHalfBits), to: Lanes.self)
        // k as a double without a vector int-to-float instruction: 2^52 + biased, less 2^52 + 1023.
        let k = unsafeBitCast(biased | Bits(repeating: 0x4330_0000_0000_0000), to: Lanes.self) - (4503599627370496.0 + 1023)
        let f = m - 1
        let hfsq = 0.5 * f * f
        let s = f / (2 + f)
        let z = s * s, w = z * z
        let t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01))
        let t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)))
        let r = t2 + t1
        return k * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + r) + k * 1.90821492927058770002e-10)) - f)
    }
}
