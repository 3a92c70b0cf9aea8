/// `exp` over a contiguous buffer, in a loop the compiler vectorises (the softmax of the tabular
/// algorithms spends most of its time there).
///
/// `x = k ln 2 + r` with `k = round(x / ln 2)` (by adding and subtracting 1.5 * 2^52, which rounds to
/// nearest without a library call) and ln 2 in two parts (Cody & Waite), so `|r| <= ln 2 / 2`;
/// `e^r` by its Taylor polynomial of degree 13 (truncation below 5e-18 relative) in Horner form;
/// `2^k` from the exponent bits, as `2 * 2^(k-1)` so that k = 1024 does not overflow. Within 1 ulp of
/// `Foundation.exp` (tested) on [-708, 709.7]; below -708 the result is 0 (including -infinity),
/// above 709.7 +infinity.
public enum VectorExp {
    @inline(__always)
    static func one(_ x: Double) -> Double {
        let clamped = min(max(x, -708), 709.7)
        let shifter = 6755399441055744.0  // 1.5 * 2^52
        let t = clamped * 1.44269504088896338700e+00 + shifter
        let k = t - shifter
        let r = (clamped - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
        var p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        // The low bits of t hold k; 2^(k-1) has exponent field k - 1 + 1023.
        let scale = Double(bitPattern: (t.bitPattern &- shifter.bitPattern &+ 1022) &<< 52)
        let e = (p + p) * scale
        return x < -708 ? 0 : (x > 709.7 ? .infinity : e)
    }

    /// The same steps on four lanes (SSE2 operations only: no rounding instruction, no conversion).
    @inline(__always)
    static func four(_ x: SIMD4<Double>) -> SIMD4<Double> {
        let low = SIMD4<Double>(repeating: -708), high = SIMD4<Double>(repeating: 709.7)
        let clamped = x.clamped(lowerBound: low, upperBound: high)
        let shifter = SIMD4<Double>(repeating: 6755399441055744.0)
        let t = clamped * 1.44269504088896338700e+00 + shifter
        let k = t - shifter
        let r = (clamped - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
        var p = SIMD4<Double>(repeating: 1.0 / 6227020800.0)
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        let tBits = unsafeBitCast(t, to: SIMD4<UInt64>.self), shifterBits = unsafeBitCast(shifter, to: SIMD4<UInt64>.self)
        let scale = unsafeBitCast((tBits &- shifterBits &+ 1022) &<< 52, to: SIMD4<Double>.self)
        var e = (p + p) * scale
        e.replace(with: 0, where: x .< low)
        e.replace(with: .infinity, where: x .> high)
        return e
    }

    /// `x[i] = exp(x[i])` for `i < count`.
    public static func exponentiate(_ x: UnsafeMutablePointer<Double>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 4 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
            raw.storeBytes(of: four(v), toByteOffset: i * 8, as: SIMD4<Double>.self)
            i += 4
        }
        while i < count { x[i] = one(x[i]); i += 1 }
    }
}
