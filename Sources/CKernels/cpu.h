// The instruction sets the kernels may use on this CPU, from cpuid and xgetbv (internal header).
#ifndef CKERNELS_CPU_H
#define CKERNELS_CPU_H

/// 2: AVX512F, BW, VL and BF16 with the ZMM state enabled; 1: AVX2 and FMA with the YMM state
/// enabled; 0: neither (or not x86-64).
int ckernels_cpu_level(void);

/// The level a family of kernels uses: `*chosen`, set to ckernels_cpu_level() on the first call
/// (-1 before it).
int ckernels_level(_Atomic int *chosen);

/// Sets `*chosen` to `requested` clamped to 0 ... ckernels_cpu_level() (for tests comparing the
/// levels); returns it.
int ckernels_set_level(_Atomic int *chosen, int requested);

#endif
