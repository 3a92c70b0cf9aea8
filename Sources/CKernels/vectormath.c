// exp and log over buffers of doubles (see include/vectormath.h). Each entry's result is computed by
// the scalar functions below; the loops calling them are compiled for AVX-512, AVX2 and the baseline
// and vectorised by the compiler. Lane-wise IEEE operations do not depend on the vector width, and
// fused multiply-adds are off for this file, so every width gives the same bits as VectorExp and
// VectorLog's four-lane Swift (which has no fused operations).
#pragma STDC FP_CONTRACT OFF
#include "vectormath.h"
#include "cpu.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

static inline __attribute__((always_inline)) uint64_t bits(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
static inline __attribute__((always_inline)) double value(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

// VectorExp.lanes, one lane, with its fix-ups of the ends (which change nothing inside them).
static inline __attribute__((always_inline)) double exp_entry(double v, const uint64_t *table) {
    const double shifter = 6755399441055744.0;   // 1.5 * 2^52
    double t = v * (128 * 1.44269504088896338700e+00) + shifter;
    double n = t - shifter;
    double r = (v - n * (6.93147180369123816490e-01 / 128)) - n * (1.90821492927058770002e-10 / 128);
    double p = r * (1.0 / 120) + (1.0 / 24);
    p = p * r + (1.0 / 6);
    p = p * r + 0.5;
    p = p * r + 1;
    p = p * r + 1;
    uint64_t nb = bits(t) - bits(shifter);
    double e = value(table[nb & 127] + ((nb & ~(uint64_t)127) << 45)) * p;
    e = v < -707.0 ? 0.0 : e;
    return v > 709.7 ? INFINITY : e;
}

// VectorLog.lanes, one lane (a positive normal finite number).
static inline __attribute__((always_inline)) double log_entry(double v) {
    const uint64_t sqrt_half = 0x3FE6A09E667F3BCDull;   // sqrt(2)/2
    uint64_t ix = bits(v) + (0x3FF0000000000000ull - sqrt_half);
    uint64_t biased = ix >> 52;
    double m = value((ix & 0x000FFFFFFFFFFFFFull) + sqrt_half);
    double k = value(biased | 0x4330000000000000ull) - (4503599627370496.0 + 1023);
    double f = m - 1;
    double hfsq = 0.5 * f * f;
    double s = f / (2 + f);
    double z = s * s, w = z * z;
    double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    double t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
    double r = t2 + t1;
    return k * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + r) + k * 1.90821492927058770002e-10)) - f);
}

static inline __attribute__((always_inline)) int log_kernel_applies(double v) { return v >= 2.2250738585072014e-308 && v <= 1.7976931348623157e308; }

static inline __attribute__((always_inline)) void exp_body(double *restrict x, long count, const uint64_t *restrict table) {
    for (long i = 0; i < count; i++) x[i] = exp_entry(x[i], table);
}

static inline __attribute__((always_inline)) void log_body(double *restrict x, long count) {
    long groups = count / 4 * 4;
    int all = 1;
    for (long i = 0; i < groups; i++) all &= log_kernel_applies(x[i]);
    if (all) {
        for (long i = 0; i < groups; i++) x[i] = log_entry(x[i]);
    } else {
        for (long g = 0; g < groups; g += 4) {
            int kernel = log_kernel_applies(x[g]) & log_kernel_applies(x[g + 1]) & log_kernel_applies(x[g + 2]) & log_kernel_applies(x[g + 3]);
            for (long i = g; i < g + 4; i++) x[i] = kernel ? log_entry(x[i]) : log(x[i]);
        }
    }
    for (long i = groups; i < count; i++) x[i] = log(x[i]);
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void exp_avx512(double *x, long count, const uint64_t *table) { exp_body(x, count, table); }
__attribute__((target("avx512f")))
static void log_avx512(double *x, long count) { log_body(x, count); }
__attribute__((target("avx2")))
static void exp_avx2(double *x, long count, const uint64_t *table) { exp_body(x, count, table); }
__attribute__((target("avx2")))
static void log_avx2(double *x, long count) { log_body(x, count); }
#endif

// -1 until the first call; then the instruction set in use (ckernels_cpu_level's scale: its level
// 2 includes AVX512F, all these loops need).
static _Atomic int chosen = -1;

static int level(void) { return ckernels_level(&chosen); }

int cvm_set_level(int requested) { return ckernels_set_level(&chosen, requested); }

void cvm_exp(double *x, long count, const uint64_t *table) {
#if defined(__x86_64__)
    switch (level()) {
    case 2: exp_avx512(x, count, table); return;
    case 1: exp_avx2(x, count, table); return;
    default: break;
    }
#endif
    exp_body(x, count, table);
}

void cvm_log(double *x, long count) {
#if defined(__x86_64__)
    switch (level()) {
    case 2: log_avx512(x, count); return;
    case 1: log_avx2(x, count); return;
    default: break;
    }
#endif
    log_body(x, count);
}
