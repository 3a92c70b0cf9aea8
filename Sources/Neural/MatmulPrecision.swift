import CKernels

/// The arithmetic of a network's matrix products (its dense layers' forward and backward passes).
///
/// The names are JAX's (`jax.default_matmul_precision`). Everything else (biases, activations,
/// the sparse first layer, the loss, Adam) is float32 in both.
public enum MatmulPrecision: String, Sendable, CaseIterable {
    /// float32 inputs and accumulation: OpenBLAS's `sgemm`, whose order of additions depends on
    /// the CPU's kernel.
    case float32
    /// Inputs rounded to bfloat16 (8 significant bits, round to nearest even), exact products,
    /// float32 accumulation in one fixed order (`CKernels`), subnormal sums flushed to zero: the
    /// same bits on every CPU (the bias gradients' sums too), and about
    /// twice float32's speed where the CPU has AVX512-BF16 (`vdpbf16ps`). Mixed-precision training
    /// as on TPUs; the parameters, gradients and Adam's moments stay float32.
    case bfloat16

    /// What runs the bfloat16 products on this CPU, and, where it is the portable C on an x86-64
    /// CPU without AVX2, a note saying so: there they run at about a twentieth of AVX2's speed
    /// (2.8 against 70 GFLOP/s on 512 x 128 x 128 here), slower than float32's sgemm.
    public static var bfloat16Kernel: (name: String, slowNote: String?) {
        switch cbf16_kernel() {
        case 2: return ("AVX512-BF16", nil)
        case 1: return ("AVX2 FMA", nil)
        default:
            #if arch(x86_64)
            return ("portable C", "this CPU has no AVX2, so bfloat16 products run in portable C, about 20 times slower than "
                + "with AVX2; --matmul-precision float32 is faster here (its results, unlike bfloat16's, depend on the CPU)")
            #else
            return ("portable C", nil)
            #endif
        }
    }
}
