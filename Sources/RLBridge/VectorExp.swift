import CKernels
import Foundation

/// `exp` over a contiguous buffer (the softmax of the tabular algorithms spends much of its time
/// there), table-driven as in Tang (1989) and glibc, computed by `cvm_exp` (`Sources/CKernels`) in the
/// widest vectors the CPU has, with the same bits at every width:
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

    /// `x[i] = exp(x[i])` for `i < count`.
    public static func exponentiate(_ x: UnsafeMutablePointer<Double>, count: Int) {
        table.withUnsafeBufferPointer { cvm_exp(x, count, $0.baseAddress!) }
    }
}
