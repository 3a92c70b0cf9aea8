// The instruction sets our kernels may use on this CPU (see cpu.h).
#include "cpu.h"

#include <stdatomic.h>

#if defined(__x86_64__)
#include <cpuid.h>

// What the CPU and the operating system support: 2 = AVX512-BF16 (with F, BW, VL and the
// ZMM state enabled), 1 = AVX2 and FMA (YMM state enabled), 0 = neither.
int ckernels_cpu_level(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned subleaves = eax;
    int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1, avx512bw = (ebx >> 30) & 1, avx512vl = (ebx >> 31) & 1;
    if (!avx2) return 0;
    unsigned eax1 = 0, ebx1, ecx1, edx1;
    if (subleaves >= 1) __get_cpuid_count(7, 1, &eax1, &ebx1, &ecx1, &edx1);
    int bf16 = (eax1 >> 5) & 1;
    if (avx512f && avx512bw && avx512vl && bf16 && (lo & 0xE0) == 0xE0) return 2;
    return 1;
}
#else
int ckernels_cpu_level(void) { return 0; }
#endif

int ckernels_level(_Atomic int *chosen) {
    int k = atomic_load_explicit(chosen, memory_order_relaxed);
    if (k < 0) {
        k = ckernels_cpu_level();
        atomic_store_explicit(chosen, k, memory_order_relaxed);
    }
    return k;
}

int ckernels_set_level(_Atomic int *chosen, int requested) {
    int best = ckernels_cpu_level(), k = requested < 0 ? 0 : requested > best ? best : requested;
    atomic_store_explicit(chosen, k, memory_order_relaxed);
    return k;
}
