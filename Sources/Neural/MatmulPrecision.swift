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
}
