// Shared by the AVX2 kernels (literals.c, classes.c): whether the CPU
// has AVX2, and the "\n" bytes of one 64-byte block, loaded as two vectors.
#ifndef CSG_LF_H
#define CSG_LF_H
#if defined(__x86_64__)
#include <immintrin.h>

// Whether the CPU runs AVX2 (asked once per translation unit, then cached).
static inline int csg_cpu_has_avx2(void) {
  static int cached = -1;
  int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (v < 0) {
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx2") ? 1 : 0;
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
  }
  return v;
}

__attribute__((target("avx2"), always_inline))
static inline size_t csg_block_newlines(__m256i v0, __m256i v1) {
  const __m256i nl = _mm256_set1_epi8('\n');
  unsigned long long lf = (unsigned long long)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, nl))
                        | ((unsigned long long)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, nl)) << 32);
  return (size_t)__builtin_popcountll(lf);
}
#endif
#endif
