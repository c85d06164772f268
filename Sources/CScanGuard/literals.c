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
#include "lf.h"
#define CSG_X86 1
#else
#define CSG_X86 0
#endif

// ---- the literal set ---------------------------------------------------------

static unsigned char csg_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c; }
static int csg_is_letter(unsigned char c) { c |= 0x20; return c >= 'a' && c <= 'z'; }

// How common each byte is in text, source code and logs, as a rank from 0
// (rarest) to 255 (the space): measured once over a mix of licences, Debian
// copyright files, Python's standard library, C headers and a generated log.
// The prefilter compares each needle's two rarest bytes, so a rarer pair means
// fewer false candidates.
static const unsigned char csg_frequency_rank[256] = {
    0,   1,   2,   3,   4,   5,   6,   7,   8, 186, 245,   9,  70, 159,  10,  11,
   12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27,
  255, 163, 218, 198, 162, 164, 166, 204, 233, 234, 220, 171, 237, 219, 236, 223,
  232, 231, 229, 205, 202, 203, 212, 197, 199, 201, 221, 187, 170, 225, 184, 160,
  169, 213, 188, 211, 196, 228, 195, 193, 182, 216, 165, 180, 209, 194, 217, 215,
  207, 167, 214, 230, 227, 190, 183, 176, 185, 172, 177, 192, 179, 191, 155, 246,
  178, 249, 224, 243, 242, 254, 240, 226, 235, 250, 175, 210, 244, 238, 248, 247,
  241, 189, 251, 252, 253, 239, 206, 200, 208, 222, 181, 174, 168, 173, 158,  28,
  153, 134, 140, 137,  88, 138, 115, 129, 101,  83,  78,  82,  85, 103, 147, 107,
   90, 126,  77,  84, 151,  98, 127,  75, 117, 108,  81, 106,  94, 135, 111, 152,
  121,  86,  87, 110, 123, 122,  80, 119, 109, 144, 100,  99,  74,  76,  79, 104,
  142, 150, 132, 136, 114, 112, 120, 105, 145,  96, 102, 133, 139, 113, 116, 146,
   29,  42, 125, 161, 128, 130,  53,  52,  58,  64,  63,  54,  67,  55, 156, 149,
  154, 143,  57,  56,  51,  60,  73,  95,  92,  91,  59,  62,  47,  43,  50,  48,
  141, 118, 157,  89,  69, 131,  97,  93,  71, 124,  68,  65,  66,  61,  44,  72,
  148,  30,  31,  49,  32,  33,  45,  34,  35,  36,  37,  38,  39,  40,  41,  46,
};

static int csg_rank(unsigned char c) { return csg_frequency_rank[c]; }

static int csg_rank_folded(unsigned char c, int caseless) {
  if (caseless && csg_is_letter(c)) {
    int a = csg_rank(csg_lower(c)), b = csg_rank((unsigned char)(csg_lower(c) ^ 0x20));
    return (a > b ? a : b) + 1;  // either case matches: a little more common than the commoner
  }
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
    // The rarest position, then the rarest position holding another byte value
    // (the same value twice says little more); ties go to the position farther
    // from the first, whose byte is less correlated with it.
    const unsigned char *n = set->bytes + set->start[k];
    size_t best = 0;
    for (size_t i = 1; i < m; i++)
      if (csg_rank_folded(n[i], caseless) < csg_rank_folded(n[best], caseless)) best = i;
    size_t second = best;
    int secondScore = 1 << 30;
    for (size_t i = 0; i < m; i++) {
      if (i == best) continue;
      int same = caseless ? csg_lower(n[i]) == csg_lower(n[best]) : n[i] == n[best];
      size_t distance = i > best ? i - best : best - i;
      // Rank first (a repeated value counts as two ranks more common), then distance.
      int score = (csg_rank_folded(n[i], caseless) + (same ? 2 : 0)) * 1024 + (int)(256 - (distance > 255 ? 255 : distance));
      if (score < secondScore) { secondScore = score; second = i; }
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
static inline int csg_needle_at(const csg_literals *set, int k, const unsigned char *p) {
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

// The scans below return the first position i in [from, n) where a needle
// starts (and ends within n) or, when stop >= 0, where the byte `stop` lies,
// with *kind telling which; -1 when there is none. Stopping at a byte lets one
// pass over the data both find candidates and check for binary data (NUL).

static ptrdiff_t csg_scan_scalar(const csg_literals *set, const unsigned char *p, size_t n, size_t from,
                                 int stop, int *kind) {
  for (size_t i = from; i < n; i++) {
    if (stop >= 0 && p[i] == (unsigned char)stop) { *kind = CSG_FOUND_STOP; return (ptrdiff_t)i; }
    if (csg_any_at(set, p, n, i)) { *kind = CSG_FOUND_NEEDLE; return (ptrdiff_t)i; }
  }
  return -1;
}

// Resolves the candidate bits of one block (bit b = position i + b), lowest
// first: a stop byte, or a confirmed needle. Returns -1 when none holds.
static inline ptrdiff_t csg_resolve(const csg_literals *set, const unsigned char *p, size_t n, size_t i,
                                    unsigned long long bits, int stop, int *kind) {
  while (bits) {
    size_t j = i + (size_t)__builtin_ctzll(bits);
    if (stop >= 0 && p[j] == (unsigned char)stop) { *kind = CSG_FOUND_STOP; return (ptrdiff_t)j; }
    if (csg_any_at(set, p, n, j)) { *kind = CSG_FOUND_NEEDLE; return (ptrdiff_t)j; }
    bits &= bits - 1;
  }
  return -1;
}

#if CSG_X86
// Vector loop bound: positions i with i + W - 1 + (longest - 1) < n read in bounds.
static ptrdiff_t csg_scan_sse2(const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind) {
  size_t i = 0;
  size_t span = 16 + set->longest - 1;
  __m128i b0[CSG_MAX_LITERALS], b1[CSG_MAX_LITERALS], m0[CSG_MAX_LITERALS], m1[CSG_MAX_LITERALS];
  for (int k = 0; k < set->count; k++) {
    b0[k] = _mm_set1_epi8((char)set->byte[k][0]); m0[k] = _mm_set1_epi8((char)set->mask[k][0]);
    b1[k] = _mm_set1_epi8((char)set->byte[k][1]); m1[k] = _mm_set1_epi8((char)set->mask[k][1]);
  }
  const __m128i sv = _mm_set1_epi8((char)stop);
  for (; n >= span && i <= n - span; i += 16) {
    __m128i any = stop >= 0 ? _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), sv) : _mm_setzero_si128();
    for (int k = 0; k < set->count; k++) {
      __m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i + set->offset[k][0])), m0[k]);
      __m128i y = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i + set->offset[k][1])), m1[k]);
      any = _mm_or_si128(any, _mm_and_si128(_mm_cmpeq_epi8(x, b0[k]), _mm_cmpeq_epi8(y, b1[k])));
    }
    unsigned bits = (unsigned)_mm_movemask_epi8(any);
    if (bits) {
      ptrdiff_t r = csg_resolve(set, p, n, i, bits, stop, kind);
      if (r >= 0) return r;
    }
  }
  return csg_scan_scalar(set, p, n, i, stop, kind);
}

// One needle: its two fingerprint bytes compared 64 positions per step. The
// flags are compile-time constants at each call, so each variant is its own
// tight loop. With `counts`, *lines is the number of "\n" bytes in the blocks
// passed, [0, *counted) (see csg_finish_count).
__attribute__((target("avx2"), always_inline))
static inline ptrdiff_t csg_scan1_avx2_body(const csg_literals *set, const unsigned char *p, size_t n, int stop,
                                            int *kind, size_t *lines, size_t *counted, const int caseless,
                                            const int stops, const int counts) {
  const size_t o0 = set->offset[0][0], o1 = set->offset[0][1];
  const __m256i b0 = _mm256_set1_epi8((char)set->byte[0][0]), b1 = _mm256_set1_epi8((char)set->byte[0][1]);
  const __m256i m0 = _mm256_set1_epi8((char)set->mask[0][0]), m1 = _mm256_set1_epi8((char)set->mask[0][1]);
  const __m256i sv = _mm256_set1_epi8((char)stop);
  size_t i = 0, newlines = 0;
  size_t span = 64 + set->longest - 1;
  for (; n >= span && i <= n - span; i += 64) {
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(p + i + o0));
    __m256i y0 = _mm256_loadu_si256((const __m256i *)(p + i + o1));
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(p + i + 32 + o0));
    __m256i y1 = _mm256_loadu_si256((const __m256i *)(p + i + 32 + o1));
    if (caseless) {
      x0 = _mm256_or_si256(x0, m0); y0 = _mm256_or_si256(y0, m1);
      x1 = _mm256_or_si256(x1, m0); y1 = _mm256_or_si256(y1, m1);
    }
    __m256i c0 = _mm256_and_si256(_mm256_cmpeq_epi8(x0, b0), _mm256_cmpeq_epi8(y0, b1));
    __m256i c1 = _mm256_and_si256(_mm256_cmpeq_epi8(x1, b0), _mm256_cmpeq_epi8(y1, b1));
    __m256i v0 = _mm256_setzero_si256(), v1 = _mm256_setzero_si256();
    if (stops || counts) {
      v0 = _mm256_loadu_si256((const __m256i *)(p + i));
      v1 = _mm256_loadu_si256((const __m256i *)(p + i + 32));
    }
    if (stops) {
      c0 = _mm256_or_si256(c0, _mm256_cmpeq_epi8(v0, sv));
      c1 = _mm256_or_si256(c1, _mm256_cmpeq_epi8(v1, sv));
    }
    __m256i any = _mm256_or_si256(c0, c1);
    if (__builtin_expect(!_mm256_testz_si256(any, any), 0)) {
      unsigned long long bits = (unsigned long long)(unsigned)_mm256_movemask_epi8(c0)
                              | ((unsigned long long)(unsigned)_mm256_movemask_epi8(c1) << 32);
      ptrdiff_t r = csg_resolve(set, p, n, i, bits, stop, kind);
      if (r >= 0) {
        *lines = newlines;
        *counted = i;
        return r;
      }
    }
    if (counts) {
      newlines += csg_block_newlines(v0, v1);
    }
  }
  *lines = newlines;
  *counted = counts ? i : 0;
  return csg_scan_scalar(set, p, n, i, stop, kind);
}

// Each variant is a function of its own (not inlined into one dispatcher), so
// its loop gets the registers to itself instead of reloading spilled values
// on every step.
#define CSG_SCAN1_VARIANT(name, c, s, l)                                                                        \
  __attribute__((target("avx2"), noinline)) static ptrdiff_t name(                                             \
      const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind, size_t *lines,            \
      size_t *counted) {                                                                                        \
    return csg_scan1_avx2_body(set, p, n, stop, kind, lines, counted, c, s, l);                                 \
  }
CSG_SCAN1_VARIANT(csg_scan1_caseless_stops_lines, 1, 1, 1)
CSG_SCAN1_VARIANT(csg_scan1_caseless_stops, 1, 1, 0)
CSG_SCAN1_VARIANT(csg_scan1_caseless_lines, 1, 0, 1)
CSG_SCAN1_VARIANT(csg_scan1_caseless, 1, 0, 0)
CSG_SCAN1_VARIANT(csg_scan1_stops_lines, 0, 1, 1)
CSG_SCAN1_VARIANT(csg_scan1_stops, 0, 1, 0)
CSG_SCAN1_VARIANT(csg_scan1_lines, 0, 0, 1)
CSG_SCAN1_VARIANT(csg_scan1_plain, 0, 0, 0)
#undef CSG_SCAN1_VARIANT

static ptrdiff_t csg_scan1_avx2(const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind,
                                size_t *lines, size_t *counted) {
  const int stops = stop >= 0;
  size_t unused = 0;
  ptrdiff_t (*variant)(const csg_literals *, const unsigned char *, size_t, int, int *, size_t *, size_t *);
  if (set->caseless) {
    variant = lines ? (stops ? csg_scan1_caseless_stops_lines : csg_scan1_caseless_lines)
                    : (stops ? csg_scan1_caseless_stops : csg_scan1_caseless);
  } else {
    variant = lines ? (stops ? csg_scan1_stops_lines : csg_scan1_lines) : (stops ? csg_scan1_stops : csg_scan1_plain);
  }
  return variant(set, p, n, stop, kind, lines ? lines : &unused, counted);
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

// One step of Teddy over 32 positions: a byte of `r` holds the needles that
// may start there (bit k: needle k).
__attribute__((target("avx2"), always_inline))
static inline __m256i csg_teddy_step(const unsigned char *q, const __m256i *lo, const __m256i *hi, __m256i nibble,
                                     const int columns) {
  __m256i v = _mm256_loadu_si256((const __m256i *)q);
  __m256i r = _mm256_and_si256(_mm256_shuffle_epi8(lo[0], _mm256_and_si256(v, nibble)),
                               _mm256_shuffle_epi8(hi[0], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
  if (columns >= 2) {
    v = _mm256_loadu_si256((const __m256i *)(q + 1));
    r = _mm256_and_si256(r, _mm256_and_si256(_mm256_shuffle_epi8(lo[1], _mm256_and_si256(v, nibble)),
                                             _mm256_shuffle_epi8(hi[1], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble))));
  }
  if (columns >= 3) {
    v = _mm256_loadu_si256((const __m256i *)(q + 2));
    r = _mm256_and_si256(r, _mm256_and_si256(_mm256_shuffle_epi8(lo[2], _mm256_and_si256(v, nibble)),
                                             _mm256_shuffle_epi8(hi[2], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble))));
  }
  return r;
}

// The candidates of one 32-position step, lowest first: a stop byte, or a
// needle whose bit the step set and that matches in full.
__attribute__((target("avx2")))
static ptrdiff_t csg_teddy_resolve(const csg_literals *set, const unsigned char *p, size_t n, size_t i, __m256i r,
                                   unsigned bits, int stop, int *kind) {
  unsigned char candidates[32];
  _mm256_storeu_si256((__m256i *)candidates, r);
  while (bits) {
    unsigned b = (unsigned)__builtin_ctz(bits);
    size_t j = i + b;
    if (stop >= 0 && p[j] == (unsigned char)stop) { *kind = CSG_FOUND_STOP; return (ptrdiff_t)j; }
    unsigned needles = candidates[b];
    while (needles) {
      int k = __builtin_ctz(needles);
      if (j + set->length[k] <= n && csg_needle_at(set, k, p + j)) { *kind = CSG_FOUND_NEEDLE; return (ptrdiff_t)j; }
      needles &= needles - 1;
    }
    bits &= bits - 1;
  }
  return -1;
}

__attribute__((target("avx2"), always_inline))
static inline ptrdiff_t csg_teddy_body(const csg_literals *set, const csg_teddy *t, const unsigned char *p, size_t n,
                                       int stop, int *kind, size_t *lines, size_t *counted, const int columns,
                                       const int stops, const int counts) {
  __m256i lo[3], hi[3];
  for (int j = 0; j < columns; j++) {
    lo[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->lo[j]));
    hi[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->hi[j]));
  }
  const __m256i nibble = _mm256_set1_epi8(15);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i sv = _mm256_set1_epi8((char)stop);
  size_t i = 0, newlines = 0;
  // Loads reach position i + 63 + columns - 1; a candidate's needle is checked within n.
  size_t span = 64 + (size_t)columns - 1;
  for (; n >= span && i <= n - span; i += 64) {
    __m256i r0 = csg_teddy_step(p + i, lo, hi, nibble, columns);
    __m256i r1 = csg_teddy_step(p + i + 32, lo, hi, nibble, columns);
    unsigned b0 = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r0, zero));
    unsigned b1 = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r1, zero));
    __m256i v0 = _mm256_setzero_si256(), v1 = _mm256_setzero_si256();
    if (stops || counts) {
      v0 = _mm256_loadu_si256((const __m256i *)(p + i));
      v1 = _mm256_loadu_si256((const __m256i *)(p + i + 32));
    }
    if (stops) {
      b0 |= (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, sv));
      b1 |= (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, sv));
    }
    if (__builtin_expect((b0 | b1) != 0, 0)) {
      ptrdiff_t r = b0 ? csg_teddy_resolve(set, p, n, i, r0, b0, stop, kind) : -1;
      if (r < 0 && b1) r = csg_teddy_resolve(set, p, n, i + 32, r1, b1, stop, kind);
      if (r >= 0) {
        *lines = newlines;
        *counted = i;
        return r;
      }
    }
    if (counts) {
      newlines += csg_block_newlines(v0, v1);
    }
  }
  *lines = newlines;
  *counted = counts ? i : 0;
  return csg_scan_scalar(set, p, n, i, stop, kind);
}

__attribute__((target("avx2")))
static ptrdiff_t csg_scan_teddy_avx2(const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind,
                                     size_t *lines, size_t *counted) {
  csg_teddy t;
  csg_teddy_build(set, &t);
  const int stops = stop >= 0, counts = lines != NULL;
  size_t unused = 0;
  if (!counts) lines = &unused;
#define CSG_TEDDY(c, s, l) csg_teddy_body(set, &t, p, n, stop, kind, lines, counted, c, s, l)
#define CSG_TEDDY_COLUMNS(c) \
  (stops ? (counts ? CSG_TEDDY(c, 1, 1) : CSG_TEDDY(c, 1, 0)) : (counts ? CSG_TEDDY(c, 0, 1) : CSG_TEDDY(c, 0, 0)))
  switch (t.columns) {
  case 1: return CSG_TEDDY_COLUMNS(1);
  case 2: return CSG_TEDDY_COLUMNS(2);
  default: return CSG_TEDDY_COLUMNS(3);
  }
#undef CSG_TEDDY_COLUMNS
#undef CSG_TEDDY
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

#endif

// The kernel for `set`. With `lines`, it counts the "\n" bytes of the blocks it
// passes: *lines of them in [0, *counted).
static ptrdiff_t csg_literals_kernel(const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind,
                                     size_t *lines, size_t *counted) {
  *counted = 0;
  if (lines) *lines = 0;
#if CSG_X86
  if (!csg_cpu_has_avx2()) return csg_scan_sse2(set, p, n, stop, kind);
  return set->count > 1 ? csg_scan_teddy_avx2(set, p, n, stop, kind, lines, counted)
                        : csg_scan1_avx2(set, p, n, stop, kind, lines, counted);
#else
  return csg_scan_scalar(set, p, n, 0, stop, kind);
#endif
}

size_t csg_finish_count(const unsigned char *p, size_t n, ptrdiff_t result, size_t lines, size_t counted) {
  size_t target = result >= 0 ? (size_t)result : n;
  if (target >= counted) return lines + csg_count_byte_unguarded(p + counted, target - counted, '\n');
  return lines - csg_count_byte_unguarded(p + target, counted - target, '\n');
}

ptrdiff_t csg_literals_scan_unguarded(const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind) {
  size_t counted;
  return csg_literals_kernel(set, p, n, stop, kind, NULL, &counted);
}

ptrdiff_t csg_literals_scan_lines_unguarded(const csg_literals *set, const unsigned char *p, size_t n, int stop,
                                            int *kind, size_t *newlines) {
  size_t lines, counted;
  ptrdiff_t r = csg_literals_kernel(set, p, n, stop, kind, &lines, &counted);
  *newlines = csg_finish_count(p, n, r, lines, counted);
  return r;
}

ptrdiff_t csg_literals_find_unguarded(const csg_literals *set, const unsigned char *p, size_t n) {
  int kind = CSG_FOUND_NEEDLE;
  return csg_literals_scan_unguarded(set, p, n, -1, &kind);
}

#if CSG_X86
__attribute__((target("avx2")))
static size_t csg_ascii_prefix_avx2(const unsigned char *p, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(p + i));
    __m256i b = _mm256_loadu_si256((const __m256i *)(p + i + 32));
    if (_mm256_movemask_epi8(_mm256_or_si256(a, b))) break;
  }
  for (; i + 32 <= n; i += 32) {
    unsigned high = (unsigned)_mm256_movemask_epi8(_mm256_loadu_si256((const __m256i *)(p + i)));
    if (high) return i + (size_t)__builtin_ctz(high);
  }
  while (i < n && p[i] < 0x80) i++;
  return i;
}
#endif

size_t csg_ascii_prefix(const void *data, size_t n) {
  const unsigned char *p = data;
#if CSG_X86
  if (csg_cpu_has_avx2()) return csg_ascii_prefix_avx2(p, n);
#endif
  size_t i = 0;
  while (i < n && p[i] < 0x80) i++;
  return i;
}

size_t csg_count_byte_unguarded(const unsigned char *p, size_t n, unsigned char byte) {
#if CSG_X86
  return csg_cpu_has_avx2() ? csg_count_avx2(p, n, byte) : csg_count_sse2(p, n, byte);
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
  int stop, kind;
  ptrdiff_t result;
} csg_find_job;

static void run_find(void *c) {
  csg_find_job *j = c;
  j->result = csg_literals_scan_unguarded(j->set, j->p, j->n, j->stop, &j->kind);
}

int csg_literals_find(const csg_literals *set, const void *p, size_t n, ptrdiff_t *result, const void **fault) {
  int kind;
  return csg_literals_scan(set, p, n, -1, result, &kind, fault);
}

int csg_literals_scan(const csg_literals *set, const void *p, size_t n, int stop, ptrdiff_t *result, int *kind,
                      const void **fault) {
  csg_find_job j = {.set = set, .p = p, .n = n, .stop = stop, .kind = CSG_FOUND_NEEDLE, .result = -1};
  int rc = n ? csg_guarded_call(run_find, &j, p, n, NULL, 0, fault) : CSG_OK;
  *result = j.result;
  *kind = j.kind;
  return rc;
}
