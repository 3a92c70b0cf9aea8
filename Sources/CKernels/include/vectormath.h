// exp and log over buffers of doubles, for the tabular algorithms' softmax and rewards: the formulas
// of RLBridge's VectorExp and VectorLog (their documentation states the maths and the accuracy), with
// the same operations in the same order (no fused multiply-adds), so the same bits, in whichever
// vector width the CPU has (AVX-512, AVX2, or the compiler's baseline).
#ifndef CKERNELS_VECTORMATH_H
#define CKERNELS_VECTORMATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// x[i] = exp(x[i]) for i < count, by the table-driven method of VectorExp: `table` holds the bit
/// patterns of 2^(j/128), j < 128. Below -707 the result is 0, above 709.7 infinity; NaN stays NaN.
void cvm_exp(double *x, long count, const uint64_t *table);

/// x[i] = log(x[i]) for i < count, by fdlibm's method as VectorLog: groups of four entries (from the
/// start) that are all positive normal finite numbers go through the kernel, the other groups and the
/// last count % 4 entries through the C library's log.
void cvm_log(double *x, long count);

/// Chooses the instruction set (for tests comparing them): 2 = AVX-512, 1 = AVX2, 0 = baseline, at
/// most what the CPU has; returns the one in use.
int cvm_set_level(int level);

#ifdef __cplusplus
}
#endif
#endif
