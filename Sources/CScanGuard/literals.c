// Vectorised scanning kernels for the regex prefilter, run under the SIGBUS
// guard like every other bulk scan: a multi-literal search (one to
// CSG_MAX_LITERALS needles, optionally ASCII-caseless) and a byte counter.
//
// Each kernel has an SSE2 version (the x86-64 baseline) and an AVX2 version
// chosen at run time with __builtin_cpu_supports; other architectures get a
// portable scalar version.
#define _GNU_SOURCE
#include "CScanGuard.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CSG_X86 1
#else
#define CSG_X86 0
#endif

// ---- the literal set ---------------------------------------------------------

static unsigned char csg_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c; }
static int csg_is_letter(unsigned char c) { c |= 0x20; return c >= 'a' && c <= 'z'; }

// How common a byte is in text and logs (higher = more common); a rough
// ranking in the spirit of the memchr crate's, to pick the two rarest bytes of
// each needle as its fingerprint.
static int csg_rank(unsigned char c) {
  static const char common[] = " etaoinsrhldcumfpgwybvk";
  const char *hit = c ? strchr(common, c) : NULL;
  if (hit) return 250 - (int)(hit - common) * 3;
  if (c >= 'a' && c <= 'z') return 150;
  if (c >= '0' && c <= '9') return 170;
  if (strchr("_.,:/-=()\";'\t[]{}<>*", c) && c) return 140;
  if (c >= 'A' && c <= 'Z') return strchr("ETAOINSR", c) ? 80 : 60;
  if (c >= 0x21 && c < 0x7F) return 50;
  if (c >= 0x80) return 30;
  return 10;
}

static int csg_rank_folded(unsigned char c, int caseless) {
  if (caseless && csg_is_letter(c)) return csg_rank(csg_lower(c)) + csg_rank((unsigned char)(csg_lower(c) ^ 0x20));
  return csg_rank(c);
}

int csg_literals_init(csg_literals *set, const unsigned char *const *needles, const size_t *lengths,
                      int count, int caseless) {
  if (count < 1 || count > CSG_MAX_LITERALS) return 0;
  memset(set, 0, sizeof *set);
  set->count = count;
  set->caseless = caseless ? 1 : 0;
  size_t total = 0;
  for (int k = 0; k < count; k++) {
    size_t m = lengths[k];
    if (m == 0 || m > CSG_MAX_LITERAL_LENGTH || total + m > sizeof set->bytes) return 0;
    memcpy(set->bytes + total, needles[k], m);
    if (caseless) for (size_t i = 0; i < m; i++) set->bytes[total + i] = csg_lower(set->bytes[total + i]);
    set->start[k] = total;
    set->length[k] = m;
    total += m;
    if (m > set->longest) set->longest = m;
    // The two rarest positions (distinct when the needle has two bytes).
    const unsigned char *n = set->bytes + set->start[k];
    size_t best = 0, second = m > 1 ? 1 : 0;
    if (m > 1 && csg_rank_folded(n[1], caseless) < csg_rank_folded(n[0], caseless)) { best = 1; second = 0; }
    for (size_t i = 2; i < m; i++) {
      int r = csg_rank_folded(n[i], caseless);
      if (r < csg_rank_folded(n[best], caseless)) { second = best; best = i; }
      else if (r < csg_rank_folded(n[second], caseless)) { second = i; }
    }
    size_t offs[2] = {best, second};
    for (int j = 0; j < 2; j++) {
      unsigned char b = n[offs[j]];
      set->offset[k][j] = offs[j];
      // Caseless letters compare as (x | 0x20) == lower; other bytes exactly.
      set->mask[k][j] = (caseless && csg_is_letter(b)) ? 0x20 : 0;
      set->byte[k][j] = b;
    }
  }
  return 1;
}

// Whether a needle of `set` starts at p (p + its length lies within the data).
static int csg_needle_at(const csg_literals *set, int k, const unsigned char *p) {
  const unsigned char *n = set->bytes + set->start[k];
  size_t m = set->length[k];
  if (!set->caseless) return memcmp(p, n, m) == 0;
  for (size_t i = 0; i < m; i++) if (csg_lower(p[i]) != n[i]) return 0;
  return 1;
}

// Whether some needle starts at i (i < n).
static int csg_any_at(const csg_literals *set, const unsigned char *p, size_t n, size_t i) {
  for (int k = 0; k < set->count; k++)
    if (i + set->length[k] <= n && csg_needle_at(set, k, p + i)) return 1;
  return 0;
}

static ptrdiff_t csg_find_scalar(const csg_literals *set, const unsigned char *p, size_t n, size_t from) {
  for (size_t i = from; i < n; i++) if (csg_any_at(set, p, n, i)) return (ptrdiff_t)i;
  return -1;
}

#if CSG_X86
// Vector loop bound: positions i with i + W - 1 + (longest - 1) < n read in bounds.
static ptrdiff_t csg_find_sse2(const csg_literals *set, const unsigned char *p, size_t n) {
  size_t i = 0;
  size_t span = 16 + set->longest - 1;
  __m128i b0[CSG_MAX_LITERALS], b1[CSG_MAX_LITERALS], m0[CSG_MAX_LITERALS], m1[CSG_MAX_LITERALS];
  for (int k = 0; k < set->count; k++) {
    b0[k] = _mm_set1_epi8((char)set->byte[k][0]); m0[k] = _mm_set1_epi8((char)set->mask[k][0]);
    b1[k] = _mm_set1_epi8((char)set->byte[k][1]); m1[k] = _mm_set1_epi8((char)set->mask[k][1]);
  }
  for (; n >= span && i <= n - span; i += 16) {
    __m128i any = _mm_setzero_si128();
    for (int k = 0; k < set->count; k++) {
      __m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i + set->offset[k][0])), m0[k]);
      __m128i y = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i + set->offset[k][1])), m1[k]);
      any = _mm_or_si128(any, _mm_and_si128(_mm_cmpeq_epi8(x, b0[k]), _mm_cmpeq_epi8(y, b1[k])));
    }
    unsigned bits = (unsigned)_mm_movemask_epi8(any);
    while (bits) {
      size_t j = i + (size_t)__builtin_ctz(bits);
      if (csg_any_at(set, p, n, j)) return (ptrdiff_t)j;
      bits &= bits - 1;
    }
  }
  return csg_find_scalar(set, p, n, i);
}

__attribute__((target("avx2")))
static ptrdiff_t csg_find_avx2(const csg_literals *set, const unsigned char *p, size_t n) {
  size_t i = 0;
  size_t span = 32 + set->longest - 1;
  __m256i b0[CSG_MAX_LITERALS], b1[CSG_MAX_LITERALS], m0[CSG_MAX_LITERALS], m1[CSG_MAX_LITERALS];
  for (int k = 0; k < set->count; k++) {
    b0[k] = _mm256_set1_epi8((char)set->byte[k][0]); m0[k] = _mm256_set1_epi8((char)set->mask[k][0]);
    b1[k] = _mm256_set1_epi8((char)set->byte[k][1]); m1[k] = _mm256_set1_epi8((char)set->mask[k][1]);
  }
  for (; n >= span && i <= n - span; i += 32) {
    __m256i any = _mm256_setzero_si256();
    for (int k = 0; k < set->count; k++) {
      __m256i x = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + i + set->offset[k][0])), m0[k]);
      __m256i y = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + i + set->offset[k][1])), m1[k]);
      any = _mm256_or_si256(any, _mm256_and_si256(_mm256_cmpeq_epi8(x, b0[k]), _mm256_cmpeq_epi8(y, b1[k])));
    }
    unsigned bits = (unsigned)_mm256_movemask_epi8(any);
    while (bits) {
      size_t j = i + (size_t)__builtin_ctz(bits);
      if (csg_any_at(set, p, n, j)) return (ptrdiff_t)j;
      bits &= bits - 1;
    }
  }
  return csg_find_scalar(set, p, n, i);
}

// Teddy-style multi-literal filter (AVX2): for up to 8 needles, the first
// `columns` (1 to 3) bytes of each needle set the needle's bit in two nibble
// tables per column; a position is a candidate when, for every column, the
// byte's low and high nibbles both map to a common needle bit. Candidates are
// then confirmed byte by byte, so nibble aliasing only costs time.
typedef struct {
  int columns;
  unsigned char lo[3][16], hi[3][16];
} csg_teddy;

static void csg_teddy_build(const csg_literals *set, csg_teddy *t) {
  memset(t, 0, sizeof *t);
  size_t shortest = set->length[0];
  for (int k = 1; k < set->count; k++) if (set->length[k] < shortest) shortest = set->length[k];
  t->columns = shortest < 3 ? (int)shortest : 3;
  for (int k = 0; k < set->count; k++) {
    const unsigned char *n = set->bytes + set->start[k];
    for (int j = 0; j < t->columns; j++) {
      unsigned char variants[2] = {n[j], n[j]};
      if (set->caseless && csg_is_letter(n[j])) variants[1] = (unsigned char)(n[j] ^ 0x20);
      for (int v = 0; v < 2; v++) {
        t->lo[j][variants[v] & 15] |= (unsigned char)(1u << k);
        t->hi[j][variants[v] >> 4] |= (unsigned char)(1u << k);
      }
    }
  }
}

__attribute__((target("avx2")))
static ptrdiff_t csg_find_teddy_avx2(const csg_literals *set, const unsigned char *p, size_t n) {
  csg_teddy t;
  csg_teddy_build(set, &t);
  size_t i = 0;
  size_t span = 32 + (size_t)t.columns - 1;
  if (set->longest > (size_t)t.columns) span = 32 + set->longest - 1;
  __m256i lo[3], hi[3];
  for (int j = 0; j < t.columns; j++) {
    lo[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t.lo[j]));
    hi[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t.hi[j]));
  }
  const __m256i nibble = _mm256_set1_epi8(15);
  const __m256i zero = _mm256_setzero_si256();
  for (; n >= span && i <= n - span; i += 32) {
    __m256i all = _mm256_set1_epi8((char)0xFF);
    for (int j = 0; j < t.columns; j++) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(p + i + j));
      __m256i l = _mm256_shuffle_epi8(lo[j], _mm256_and_si256(v, nibble));
      __m256i h = _mm256_shuffle_epi8(hi[j], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
      all = _mm256_and_si256(all, _mm256_and_si256(l, h));
    }
    unsigned bits = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(all, zero));
    while (bits) {
      size_t j = i + (size_t)__builtin_ctz(bits);
      if (csg_any_at(set, p, n, j)) return (ptrdiff_t)j;
      bits &= bits - 1;
    }
  }
  return csg_find_scalar(set, p, n, i);
}

static size_t csg_count_sse2(const unsigned char *p, size_t n, unsigned char byte) {
  size_t i = 0, total = 0;
  __m128i b = _mm_set1_epi8((char)byte);
  for (; i + 16 <= n; i += 16)
    total += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), b)));
  for (; i < n; i++) total += p[i] == byte;
  return total;
}

__attribute__((target("avx2")))
static size_t csg_count_avx2(const unsigned char *p, size_t n, unsigned char byte) {
  size_t i = 0, total = 0;
  __m256i b = _mm256_set1_epi8((char)byte);
  // Four vectors per step: popcount of the combined 128 compare bits.
  for (; i + 128 <= n; i += 128) {
    unsigned a0 = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i)), b));
    unsigned a1 = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i + 32)), b));
    unsigned a2 = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i + 64)), b));
    unsigned a3 = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i + 96)), b));
    total += (size_t)__builtin_popcountll(((unsigned long long)a1 << 32) | a0)
           + (size_t)__builtin_popcountll(((unsigned long long)a3 << 32) | a2);
  }
  for (; i + 32 <= n; i += 32)
    total += (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i)), b)));
  for (; i < n; i++) total += p[i] == byte;
  return total;
}

static int csg_has_avx2(void) {
  static int cached = -1;
  int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (v < 0) {
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx2") ? 1 : 0;
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
  }
  return v;
}
#endif

ptrdiff_t csg_literals_find_unguarded(const csg_literals *set, const unsigned char *p, size_t n) {
#if CSG_X86
  if (!csg_has_avx2()) return csg_find_sse2(set, p, n);
  return set->count > 1 ? csg_find_teddy_avx2(set, p, n) : csg_find_avx2(set, p, n);
#else
  return csg_find_scalar(set, p, n, 0);
#endif
}

size_t csg_count_byte_unguarded(const unsigned char *p, size_t n, unsigned char byte) {
#if CSG_X86
  return csg_has_avx2() ? csg_count_avx2(p, n, byte) : csg_count_sse2(p, n, byte);
#else
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += p[i] == byte;
  return total;
#endif
}

// ---- guarded entry points ------------------------------------------------------

typedef struct {
  const csg_literals *set;
  const unsigned char *p;
  size_t n;
  ptrdiff_t result;
} csg_find_job;

static void run_find(void *c) {
  csg_find_job *j = c;
  j->result = csg_literals_find_unguarded(j->set, j->p, j->n);
}

int csg_literals_find(const csg_literals *set, const void *p, size_t n, ptrdiff_t *result, const void **fault) {
  csg_find_job j = {.set = set, .p = p, .n = n, .result = -1};
  int rc = n ? csg_guarded_call(run_find, &j, p, n, NULL, 0, fault) : CSG_OK;
  *result = j.result;
  return rc;
}
