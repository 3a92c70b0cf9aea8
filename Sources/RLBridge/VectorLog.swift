import CKernels

/// Natural logarithm over a contiguous buffer (the rewards `-log(mu + eps)` of the crowd games take one
/// per state and step), by fdlibm's method (e_log.c, Sun Microsystems 1993), computed by `cvm_log`
/// (`Sources/CKernels`) in the widest vectors the CPU has, with the same bits at every width:
///
/// `x = 2^k (1 + f)` with `sqrt(2)/2 < 1 + f < sqrt(2)`, `s = f / (2 + f)`, and
/// `log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2))` with fdlibm's degree-14 minimax `R` (error below
/// 2^-58.45); `log x = k ln2_hi - ((f^2/2 - (s (f^2/2 + R) + k ln2_lo)) - f)`. Within 1 ulp of
/// `Foundation.log` (tested). Lanes that are not positive normal finite numbers (0, negatives,
/// subnormals, infinities, NaN) go to `Foundation.log`, so every input gives what `log` gives.
public enum VectorLog {
    /// `x[i] = log(x[i])` for `i < count`: groups of four entries (counted from the start) that are all
    /// positive normal finite numbers through the kernel, the others and the last `count % 4` through the
    /// C library's `log`.
    public static func logarithm(_ x: UnsafeMutablePointer<Double>, count: Int) {
        cvm_log(x, count)
    }
}
