// Matrix products with bfloat16 inputs and float32 accumulation, identical on every CPU.
//
// A product C = A B is computed from "words": 32-bit pairs of bfloat16 values that are adjacent
// along the summed index k (pair p holds k = 2p in its low half and k = 2p + 1 in its high half).
// Each output is accumulated from 0, pair by pair in order, as two fused multiply-adds:
//     c = flush(fma(a[2p+1], b[2p+1], c)); c = flush(fma(a[2p], b[2p], c))
// with a result below 2^-126 in magnitude flushed to zero. That is exactly what the x86
// instruction VDPBF16PS (AVX512-BF16) computes (the product of two bfloat16 values is exact in
// float32's precision); on CPUs without it the same sequence runs as float32 FMAs (AVX2, with
// MXCSR's flush-to-zero set) or as C's fmaf followed by the flush, with identical results. The
// rounding to bfloat16 is done here too (round to nearest even, subnormals to zero), not by the CPU.
#ifndef CBFLOAT16_H
#define CBFLOAT16_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kernel in use: 2 = AVX512-BF16 instructions, 1 = AVX2 FMA, 0 = portable C.
int cbf16_kernel(void);

/// Chooses the kernel (for tests comparing them): at most what the CPU has; returns the one in use.
int cbf16_set_kernel(int kernel);

/// Pairs along the rows of a `rows x cols` float matrix (element (i, j) at a[i rs + j]), rounded:
/// word (i, p) = (bf16(a[i][2p + 1]) << 16) | bf16(a[i][2p]), a missing column counting as 0.
/// Stored at out[i ldo + p], or with `transposed` at out[p ldo + i]. (cols + 1) / 2 words per row.
void cbf16_pairs_in_rows(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo, int transposed);

/// Pairs across the rows: word (p, j) = (bf16(a[2p + 1][j]) << 16) | bf16(a[2p][j]) at out[p ldo + j],
/// a missing row counting as 0. (rows + 1) / 2 rows of words.
void cbf16_pairs_across_rows(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo);

/// C (M x N, row stride ldc) = A B summed over P pairs: word (i, p) of A at a[i ars + p aps],
/// word (p, n) of B at b[p ldb + n].
void cbf16_gemm(int M, int N, int P, const uint32_t *a, long ars, long aps, const uint32_t *b, long ldb,
                float *c, long ldc);

#ifdef __cplusplus
}
#endif
#endif
