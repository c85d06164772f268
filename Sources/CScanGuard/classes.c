// Vectorised search for a sequence of byte classes (the prefilter of patterns
// such as [a-z]{5}[0-9]{3} or \w{12} that hold no literal), run under the
// SIGBUS guard like every other bulk scan.
//
// For each 64-byte block, each class's membership is computed exactly (AVX2:
// two nibble lookups per 32 bytes) into a 64-bit mask; a sequence of length k
// ends at byte e when, for every i, byte e - k + 1 + i is in class i: the AND
// of each position's class mask shifted by k - 1 - i, with the previous
// block's masks supplying the bytes before the block. A class that holds
// bytes >= 0x80 (the first or last byte of a Unicode property's character)
// takes two more lookups, in a second table for the high nibbles 8..15.
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

int csg_classes_init(csg_classes *seq, const uint64_t *sets, int length) {
  if (length < 1 || length > CSG_MAX_SEQUENCE) return 0;
  memset(seq, 0, sizeof *seq);
  seq->length = length;
  for (int i = 0; i < length; i++) {
    const uint64_t *set = sets + 4 * i;
    int found = -1;
    for (int c = 0; c < seq->classes; c++) {
      int same = 1;
      for (int b = 0; b < 256 && same; b++) {
        int in_new = (int)((set[b >> 6] >> (b & 63)) & 1);
        int in_old = (seq->member[b] >> c) & 1;
        if (in_new != in_old) same = 0;
      }
      if (same) { found = c; break; }
    }
    if (found < 0) {
      if (seq->classes == CSG_MAX_CLASSES) return 0;
      found = seq->classes++;
      for (int b = 0; b < 256; b++) {
        if ((set[b >> 6] >> (b & 63)) & 1) {
          seq->member[b] |= (unsigned char)(1u << found);
          if (b < 128) {
            seq->table[found][b & 15] |= (unsigned char)(1u << (b >> 4));
          } else {
            seq->upper[found][b & 15] |= (unsigned char)(1u << ((b >> 4) - 8));
            seq->upper_classes |= 1u << found;
          }
          if (b == 0) seq->holds_nul = 1;
        }
      }
    }
    seq->position_class[i] = (unsigned char)found;
  }
  return 1;
}

// Whether the sequence matches at position s (s + length <= n).
static int csg_sequence_at(const csg_classes *seq, const unsigned char *p, size_t s) {
  for (int i = 0; i < seq->length; i++)
    if (!((seq->member[p[s + (size_t)i]] >> seq->position_class[i]) & 1)) return 0;
  return 1;
}

static ptrdiff_t csg_classes_scalar(const csg_classes *seq, const unsigned char *p, size_t n, size_t from, int stop,
                                    int *kind) {
  size_t k = (size_t)seq->length;
  for (size_t i = from; i < n; i++) {
    if (stop >= 0 && p[i] == (unsigned char)stop) { *kind = CSG_FOUND_STOP; return (ptrdiff_t)i; }
    if (i + k <= n && csg_sequence_at(seq, p, i)) { *kind = CSG_FOUND_NEEDLE; return (ptrdiff_t)i; }
  }
  return -1;
}

#if CSG_X86
__attribute__((target("avx2")))
static inline unsigned long long csg_class_mask(__m256i table, __m256i bit, __m256i lo_nibble, __m256i v0,
                                               __m256i v1, __m256i h0, __m256i h1) {
  // Byte b is in the class when bit (b >> 4) of table[b & 15] is set (b < 0x80:
  // `bit` maps high nibbles 8..15 to 0, so bytes >= 0x80 are in none of this table).
  __m256i t0 = _mm256_shuffle_epi8(table, _mm256_and_si256(v0, lo_nibble));
  __m256i t1 = _mm256_shuffle_epi8(table, _mm256_and_si256(v1, lo_nibble));
  __m256i b0 = _mm256_shuffle_epi8(bit, h0), b1 = _mm256_shuffle_epi8(bit, h1);
  __m256i zero = _mm256_setzero_si256();
  unsigned m0 = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t0, b0), zero));
  unsigned m1 = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t1, b1), zero));
  return (unsigned long long)m0 | ((unsigned long long)m1 << 32);
}

// With `counts`, *lines is the number of "\n" bytes in the blocks passed,
// [0, *counted) (see csg_finish_count).
__attribute__((target("avx2"), always_inline))
static inline ptrdiff_t csg_classes_avx2_body(const csg_classes *seq, const unsigned char *p, size_t n, int stop,
                                              int *kind, size_t *lines, size_t *counted, const int counts) {
  const int k = seq->length, classes = seq->classes;
  __m256i table[CSG_MAX_CLASSES], upper[CSG_MAX_CLASSES];
  const unsigned upper_classes = seq->upper_classes;
  for (int c = 0; c < classes; c++) {
    table[c] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)seq->table[c]));
    upper[c] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)seq->upper[c]));
  }
  const __m256i bit = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0,
                                       1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i upper_bit = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, (char)128,
                                             0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, (char)128);
  const __m256i lo_nibble = _mm256_set1_epi8(15);
  const __m256i sv = _mm256_set1_epi8((char)stop);
  unsigned long long previous[CSG_MAX_CLASSES] = {0};
  unsigned long long current[CSG_MAX_CLASSES];
  size_t i = 0, newlines = 0;
  *counted = 0;
  for (; n >= 64 && i <= n - 64; i += 64) {
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(p + i));
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(p + i + 32));
    __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), lo_nibble);
    __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), lo_nibble);
    for (int c = 0; c < classes; c++) {
      current[c] = csg_class_mask(table[c], bit, lo_nibble, v0, v1, h0, h1);
      // Its members >= 0x80, from the second table (`upper_bit` maps high nibbles 0..7 to 0).
      if ((upper_classes >> c) & 1) current[c] |= csg_class_mask(upper[c], upper_bit, lo_nibble, v0, v1, h0, h1);
    }
    // Bit e: the sequence ends at byte i + e.
    unsigned long long ends = ~0ULL;
    for (int j = 0; j < k && ends; j++) {
      int c = seq->position_class[j];
      int shift = k - 1 - j;  // byte i + e - shift must be in class c
      unsigned long long m = current[c];
      ends &= shift == 0 ? m : (m << shift) | (previous[c] >> (64 - shift));
    }
    unsigned long long stops = 0;
    if (stop >= 0) {
      stops = (unsigned long long)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, sv))
            | ((unsigned long long)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, sv)) << 32);
    }
    if (__builtin_expect((ends | stops) != 0, 0)) {
      // A match holds no stop byte, so the earlier of the two comes first.
      ptrdiff_t end = ends ? (ptrdiff_t)(i + (size_t)__builtin_ctzll(ends)) : -1;
      ptrdiff_t at = stops ? (ptrdiff_t)(i + (size_t)__builtin_ctzll(stops)) : -1;
      *lines = newlines;
      *counted = counts ? i : 0;
      if (at >= 0 && (end < 0 || at < end)) { *kind = CSG_FOUND_STOP; return at; }
      *kind = CSG_FOUND_NEEDLE;
      return end - k + 1;
    }
    if (counts) {
      newlines += csg_block_newlines(v0, v1);
    }
    for (int c = 0; c < classes; c++) previous[c] = current[c];
  }
  *lines = newlines;
  *counted = counts ? i : 0;
  // The tail: a match may start up to k - 1 bytes before it.
  size_t from = i >= (size_t)k - 1 ? i - ((size_t)k - 1) : 0;
  // Positions before i were checked for the stop byte and for matches ending before i.
  for (size_t s = from; s < i; s++) {
    if (s + (size_t)k > i && s + (size_t)k <= n && csg_sequence_at(seq, p, s)) { *kind = CSG_FOUND_NEEDLE; return (ptrdiff_t)s; }
  }
  return csg_classes_scalar(seq, p, n, i, stop, kind);
}

__attribute__((target("avx2")))
static ptrdiff_t csg_classes_avx2(const csg_classes *seq, const unsigned char *p, size_t n, int stop, int *kind,
                                  size_t *lines, size_t *counted) {
  size_t unused = 0;
  if (!lines) return csg_classes_avx2_body(seq, p, n, stop, kind, &unused, counted, 0);
  return csg_classes_avx2_body(seq, p, n, stop, kind, lines, counted, 1);
}
#endif

// The kernel for `seq`. With `lines`, it counts the "\n" bytes of the blocks it
// passes: *lines of them in [0, *counted).
static ptrdiff_t csg_classes_kernel(const csg_classes *seq, const unsigned char *p, size_t n, int stop, int *kind,
                                    size_t *lines, size_t *counted) {
  *counted = 0;
  if (lines) *lines = 0;
#if CSG_X86
  if (csg_cpu_has_avx2()) return csg_classes_avx2(seq, p, n, stop, kind, lines, counted);
#endif
  return csg_classes_scalar(seq, p, n, 0, stop, kind);
}

ptrdiff_t csg_classes_scan_unguarded(const csg_classes *seq, const unsigned char *p, size_t n, int stop, int *kind) {
  size_t counted;
  return csg_classes_kernel(seq, p, n, stop, kind, NULL, &counted);
}

ptrdiff_t csg_classes_scan_lines_unguarded(const csg_classes *seq, const unsigned char *p, size_t n, int stop,
                                           int *kind, size_t *newlines) {
  size_t lines, counted;
  ptrdiff_t r = csg_classes_kernel(seq, p, n, stop, kind, &lines, &counted);
  *newlines = csg_finish_count(p, n, r, lines, counted);
  return r;
}

typedef struct {
  const csg_classes *seq;
  const unsigned char *p;
  size_t n;
  int stop, kind;
  ptrdiff_t result;
} csg_classes_job;

static void run_classes(void *c) {
  csg_classes_job *j = c;
  j->result = csg_classes_scan_unguarded(j->seq, j->p, j->n, j->stop, &j->kind);
}

int csg_classes_scan(const csg_classes *seq, const void *p, size_t n, int stop, ptrdiff_t *result, int *kind,
                     const void **fault) {
  csg_classes_job j = {.seq = seq, .p = p, .n = n, .stop = stop, .kind = CSG_FOUND_NEEDLE, .result = -1};
  int rc = n ? csg_guarded_call(run_classes, &j, p, n, NULL, 0, fault) : CSG_OK;
  *result = j.result;
  *kind = j.kind;
  return rc;
}
