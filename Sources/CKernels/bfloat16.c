// bfloat16 matrix products with float32 accumulation: the rounding, the packing into pairs, and
// three kernels with identical results (see include/bfloat16.h).
#include "bfloat16.h"
#include "cpu.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// float -> bfloat16 bits: round to nearest even; subnormals (and zeros) to signed zero; NaN stays a
// quiet NaN. Branch-free, so that the loops calling it vectorise.
static inline __attribute__((always_inline)) uint32_t bf16_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    uint32_t r = (u & 0x7FFFFFFFu) > 0x7F800000u ? ((u >> 16) | 0x40u) : rounded;
    return (u & 0x7F800000u) == 0 ? ((u >> 16) & 0x8000u) : r;
}

static inline float low_value(uint32_t w) { uint32_t u = w << 16; float f; memcpy(&f, &u, sizeof f); return f; }
static inline float high_value(uint32_t w) { uint32_t u = w & 0xFFFF0000u; float f; memcpy(&f, &u, sizeof f); return f; }

// ---------------------------------------------------------------------------------------------
// Packing. Bodies are `static inline` and instantiated per instruction set below (vectorised by
// the compiler); all instantiations compute the same bits.

// A word's two halves written as 16-bit values (little-endian: the low half first).
typedef uint16_t __attribute__((may_alias)) half_t;

// One row's pairs into o[0 ..< (cols + 1) / 2]: the rounded values in order, padded with 0.
static inline __attribute__((always_inline)) void round_row(const float *restrict row, int cols, uint32_t *restrict o) {
    half_t *restrict h = (half_t *)o;
    for (int j = 0; j < cols; j++) h[j] = (uint16_t)bf16_bits(row[j]);
    if (cols % 2) h[cols] = 0;
}

static inline __attribute__((always_inline)) void pairs_in_rows_body(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo, int transposed) {
    if (!transposed) {
        for (int i = 0; i < rows; i++) round_row(a + i * rs, cols, out + i * ldo);
        return;
    }
    // Transposed: 16 rows at a time, 256 columns of each rounded into a block, whose columns
    // are then written as runs of 16 consecutive words.
    enum { R = 16, C = 256 };
    uint32_t block[R][C / 2];
    for (int i0 = 0; i0 < rows; i0 += R) {
        int n = rows - i0 < R ? rows - i0 : R;
        for (int j0 = 0; j0 < cols; j0 += C) {
            int width = cols - j0 < C ? cols - j0 : C, words = (width + 1) / 2;
            for (int r = 0; r < n; r++) round_row(a + (i0 + r) * rs + j0, width, block[r]);
            for (int p = 0; p < words; p++) {
                uint32_t *o = out + (j0 / 2 + p) * ldo + i0;
                for (int r = 0; r < n; r++) o[r] = block[r][p];
            }
        }
    }
}

static inline __attribute__((always_inline)) void pairs_across_rows_body(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo) {
    int even = rows / 2;
    for (int p = 0; p < even; p++) {
        const float *r0 = a + (2 * p) * rs, *r1 = r0 + rs;
        uint32_t *o = out + p * ldo;
        for (int j = 0; j < cols; j++) o[j] = bf16_bits(r0[j]) | (bf16_bits(r1[j]) << 16);
    }
    if (rows % 2) {
        const float *r0 = a + (rows - 1) * rs;
        uint32_t *o = out + even * ldo;
        for (int j = 0; j < cols; j++) o[j] = bf16_bits(r0[j]);
    }
}

// ---------------------------------------------------------------------------------------------
// Kernels.

// VDPBF16PS flushes subnormal results to zero (and reads subnormal inputs as zero; the rounding
// above never makes one). The other kernels do the same: the AVX2 one with MXCSR's FTZ and DAZ bits
// set while it runs, the portable one by flushing after every fmaf.
static inline float flushed(float x) { return fabsf(x) < FLT_MIN ? copysignf(0.0f, x) : x; }

// The kernels without VDPBF16PS first split the words into floats, high half first, so that the
// product becomes a float32 one over 2P steps, k' = 2p (high halves) and 2p + 1 (low halves):
// A' [M][2P] and B' [2P][N], in a per-thread buffer that grows as needed (never shrinks; freed when
// the thread ends).
typedef struct { float *data; size_t capacity; } split_buffer;
static pthread_key_t split_key;
static pthread_once_t split_once = PTHREAD_ONCE_INIT;

static void split_free(void *buffer) {
    free(((split_buffer *)buffer)->data);
    free(buffer);
}
static void split_key_create(void) { pthread_key_create(&split_key, split_free); }

static float *split_floats(size_t count) {
    pthread_once(&split_once, split_key_create);
    split_buffer *buffer = pthread_getspecific(split_key);
    if (!buffer) {
        buffer = calloc(1, sizeof *buffer);
        if (!buffer || pthread_setspecific(split_key, buffer) != 0) { free(buffer); return NULL; }
    }
    if (count > buffer->capacity) {
        float *grown = realloc(buffer->data, count * sizeof(float));
        if (!grown) return NULL;
        buffer->data = grown;
        buffer->capacity = count;
    }
    return buffer->data;
}

static inline __attribute__((always_inline)) void split_operands(int M, int N, int P, const uint32_t *a, long ars, long aps,
                                                                 const uint32_t *b, long ldb, float *restrict as, float *restrict bs) {
    for (int i = 0; i < M; i++)
        for (int p = 0; p < P; p++) {
            uint32_t x = a[i * ars + p * aps];
            as[(long)i * 2 * P + 2 * p] = high_value(x);
            as[(long)i * 2 * P + 2 * p + 1] = low_value(x);
        }
    for (int p = 0; p < P; p++) {
        const uint32_t *w = b + p * ldb;
        float *high = bs + (long)(2 * p) * N, *low = high + N;
        for (int n = 0; n < N; n++) { high[n] = high_value(w[n]); low[n] = low_value(w[n]); }
    }
}

// Portable: the split operands, k' in order for every output, each step acc = fma(x, y, acc)
// flushed. The product of two bfloat16 values has at most 16 significant bits, so when it is a
// normal float (or x or y is zero) x * y is exact and acc + x * y rounds once, as the fused
// multiply-add does: the rows are computed that way, in vectorisable multiplies and adds (2.8
// GFLOP/s on a 512 x 128 x 128 product in SSE2, against 0.74 for a call to fmaf per product), and
// a row in which some product underflowed or overflowed is computed again with fmaf. Without
// memory for the split, fmaf on the words.
static void gemm_portable(int M, int N, int P, const uint32_t *a, long ars, long aps, const uint32_t *b, long ldb, float *c, long ldc) {
    int K = 2 * P;
    float *as = split_floats((size_t)K * ((size_t)M + N));
    if (!as) {
        for (int i = 0; i < M; i++)
            for (int n = 0; n < N; n++) {
                float acc = 0;
                for (int p = 0; p < P; p++) {
                    uint32_t x = a[i * ars + p * aps], y = b[p * ldb + n];
                    acc = flushed(fmaf(high_value(x), high_value(y), acc));
                    acc = flushed(fmaf(low_value(x), low_value(y), acc));
                }
                c[i * ldc + n] = acc;
            }
        return;
    }
    float *bs = as + (size_t)K * M;
    split_operands(M, N, P, a, ars, aps, b, ldb, as, bs);
    for (int i = 0; i < M; i++) {
        float *restrict row = c + i * ldc;
        for (int n = 0; n < N; n++) row[n] = 0;
        int inexact = 0;
        for (int k = 0; k < K; k++) {
            float x = as[(long)i * K + k];
            const float *restrict bk = bs + (long)k * N;
            for (int n = 0; n < N; n++) {
                float y = bk[n], product = x * y, size = fabsf(product);
                inexact |= !((size >= FLT_MIN && size <= FLT_MAX) || (product == 0 && (x == 0 || y == 0)));
                row[n] = flushed(row[n] + product);
            }
        }
        if (!inexact) continue;
        for (int n = 0; n < N; n++) row[n] = 0;
        for (int k = 0; k < K; k++) {
            float x = as[(long)i * K + k];
            const float *restrict bk = bs + (long)k * N;
            for (int n = 0; n < N; n++) row[n] = flushed(fmaf(x, bk[n], row[n]));
        }
    }
}

#if defined(__x86_64__)

__attribute__((target("avx2,fma")))
static void pairs_in_rows_avx2(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo, int transposed) {
    pairs_in_rows_body(a, rs, rows, cols, out, ldo, transposed);
}
__attribute__((target("avx2,fma")))
static void pairs_across_rows_avx2(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo) {
    pairs_across_rows_body(a, rs, rows, cols, out, ldo);
}
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void pairs_in_rows_avx512(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo, int transposed) {
    pairs_in_rows_body(a, rs, rows, cols, out, ldo, transposed);
}
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void pairs_across_rows_avx512(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo) {
    pairs_across_rows_body(a, rs, rows, cols, out, ldo);
}

// AVX2: a float32 GEMM on the split operands, blocks of 6 rows x 16 columns (12 accumulators), the
// columns past the last multiple of 16 through masked loads and stores. Falls back to the portable
// kernel without memory for the split.
__attribute__((target("avx2,fma")))
static void gemm_fma(int M, int N, int P, const uint32_t *a, long ars, long aps, const uint32_t *b, long ldb, float *c, long ldc) {
    enum { R = 6 };
    int K = 2 * P;
    float *as = split_floats((size_t)K * ((size_t)M + N));
    if (!as) { gemm_portable(M, N, P, a, ars, aps, b, ldb, c, ldc); return; }
    float *bs = as + (size_t)K * M;
    split_operands(M, N, P, a, ars, aps, b, ldb, as, bs);
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);   // FTZ and DAZ, as VDPBF16PS
    for (int n0 = 0; n0 < N; n0 += 16) {
        int columns = N - n0 < 16 ? N - n0 : 16;
        __m256i mask[2];
        for (int v = 0; v < 2; v++) {
            int left = columns - 8 * v;
            int32_t lanes[8];
            for (int j = 0; j < 8; j++) lanes[j] = j < left ? -1 : 0;
            mask[v] = _mm256_loadu_si256((const __m256i *)lanes);
        }
        for (int m0 = 0; m0 < M; m0 += R) {
            int rows = M - m0 < R ? M - m0 : R;
            const float *ar = as + (long)m0 * K;
            __m256 acc[R][2];
            for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            if (rows == R && columns == 16) {
                for (int k = 0; k < K; k++) {
                    const float *bk = bs + (long)k * N + n0;
                    __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
                    for (int r = 0; r < R; r++) {
                        __m256 x = _mm256_broadcast_ss(ar + (long)r * K + k);
                        acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
                for (int r = 0; r < R; r++) {
                    _mm256_storeu_ps(c + (m0 + r) * ldc + n0, acc[r][0]);
                    _mm256_storeu_ps(c + (m0 + r) * ldc + n0 + 8, acc[r][1]);
                }
            } else {
                for (int k = 0; k < K; k++) {
                    const float *bk = bs + (long)k * N + n0;
                    __m256 b0 = _mm256_maskload_ps(bk, mask[0]), b1 = _mm256_maskload_ps(bk + 8, mask[1]);
                    for (int r = 0; r < rows; r++) {
                        __m256 x = _mm256_broadcast_ss(ar + (long)r * K + k);
                        acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
                for (int r = 0; r < rows; r++) {
                    _mm256_maskstore_ps(c + (m0 + r) * ldc + n0, mask[0], acc[r][0]);
                    _mm256_maskstore_ps(c + (m0 + r) * ldc + n0 + 8, mask[1], acc[r][1]);
                }
            }
        }
    }
    _mm_setcsr(csr);
}

// AVX512-BF16: blocks of 6 rows x 64 columns (24 accumulators, four vectors of B per pair), each
// VDPBF16PS adding a pair of products to 16 accumulators; masked loads and stores past column N.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void gemm_native(int M, int N, int P, const uint32_t *a, long ars, long aps, const uint32_t *b, long ldb, float *c, long ldc) {
    enum { R = 6 };
    for (int n0 = 0; n0 < N; n0 += 64) {
        int columns = N - n0 < 64 ? N - n0 : 64;
        __mmask16 mask[4];
        for (int v = 0; v < 4; v++) {
            int left = columns - 16 * v;
            mask[v] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
        }
        for (int m0 = 0; m0 < M; m0 += R) {
            int rows = M - m0 < R ? M - m0 : R;
            __m512 acc[R][4];
            for (int r = 0; r < R; r++) for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
            const uint32_t *ar = a + m0 * ars;
            if (rows == R && columns == 64) {
                for (int p = 0; p < P; p++) {
                    const uint32_t *bp = b + p * ldb + n0;
                    __m512bh b0 = (__m512bh)_mm512_loadu_si512(bp), b1 = (__m512bh)_mm512_loadu_si512(bp + 16);
                    __m512bh b2 = (__m512bh)_mm512_loadu_si512(bp + 32), b3 = (__m512bh)_mm512_loadu_si512(bp + 48);
                    for (int r = 0; r < R; r++) {
                        __m512bh x = (__m512bh)_mm512_set1_epi32((int)ar[r * ars + p * aps]);
                        acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
                        acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
                        acc[r][2] = _mm512_dpbf16_ps(acc[r][2], x, b2);
                        acc[r][3] = _mm512_dpbf16_ps(acc[r][3], x, b3);
                    }
                }
                for (int r = 0; r < R; r++)
                    for (int v = 0; v < 4; v++) _mm512_storeu_ps(c + (m0 + r) * ldc + n0 + 16 * v, acc[r][v]);
            } else {
                for (int p = 0; p < P; p++) {
                    const uint32_t *bp = b + p * ldb + n0;
                    __m512bh bv[4];
                    for (int v = 0; v < 4; v++) bv[v] = (__m512bh)_mm512_maskz_loadu_epi32(mask[v], bp + 16 * v);
                    for (int r = 0; r < rows; r++) {
                        __m512bh x = (__m512bh)_mm512_set1_epi32((int)ar[r * ars + p * aps]);
                        for (int v = 0; v < 4; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], x, bv[v]);
                    }
                }
                for (int r = 0; r < rows; r++)
                    for (int v = 0; v < 4; v++) _mm512_mask_storeu_ps(c + (m0 + r) * ldc + n0 + 16 * v, mask[v], acc[r][v]);
            }
        }
    }
}

#endif

// -1 until the first call; then the kernel in use.
static _Atomic int chosen = -1;

int cbf16_kernel(void) { return ckernels_level(&chosen); }

int cbf16_set_kernel(int kernel) { return ckernels_set_level(&chosen, kernel); }

void cbf16_pairs_in_rows(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo, int transposed) {
#if defined(__x86_64__)
    switch (cbf16_kernel()) {
    case 2: pairs_in_rows_avx512(a, rs, rows, cols, out, ldo, transposed); return;
    case 1: pairs_in_rows_avx2(a, rs, rows, cols, out, ldo, transposed); return;
    default: break;
    }
#endif
    pairs_in_rows_body(a, rs, rows, cols, out, ldo, transposed);
}

void cbf16_pairs_across_rows(const float *a, long rs, int rows, int cols, uint32_t *out, long ldo) {
#if defined(__x86_64__)
    switch (cbf16_kernel()) {
    case 2: pairs_across_rows_avx512(a, rs, rows, cols, out, ldo); return;
    case 1: pairs_across_rows_avx2(a, rs, rows, cols, out, ldo); return;
    default: break;
    }
#endif
    pairs_across_rows_body(a, rs, rows, cols, out, ldo);
}

void cbf16_gemm(int M, int N, int P, const uint32_t *a, long ars, long aps, const uint32_t *b, long ldb, float *c, long ldc) {
#if defined(__x86_64__)
    switch (cbf16_kernel()) {
    case 2: gemm_native(M, N, P, a, ars, aps, b, ldb, c, ldc); return;
    case 1: gemm_fma(M, N, P, a, ars, aps, b, ldb, c, ldc); return;
    default: break;
    }
#endif
    gemm_portable(M, N, P, a, ars, aps, b, ldb, c, ldc);
}
