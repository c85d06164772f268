// Shared by the exact line matchers (sequence.c, automaton.c): finding the
// next occurrence of the class prefilter's window in a line, and how far
// before it a match may start.
#ifndef CSG_WINDOW_H
#define CSG_WINDOW_H
#include "CScanGuard.h"

#include <string.h>

static inline int csg_is_word(int b) {
  return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '_';
}

// The position of `w` whose class is a single byte (*byte), or -1.
static inline int csg_window_anchor(const csg_classes *w, unsigned char *byte) {
  for (int i = 0; i < w->length; i++) {
    int members = 0, last = 0;
    for (int b = 0; b < 256; b++)
      if ((w->member[b] >> w->position_class[i]) & 1) { members++; last = b; }
    if (members == 1) {
      *byte = (unsigned char)last;
      return i;
    }
  }
  return -1;
}

// The first occurrence of the window `w` in line[q, n), or -1; `anchor` is a
// position of it whose class is the one byte `anchor_byte` (found with
// memchr), or -1 (the vectorised scan).
static inline ptrdiff_t csg_window_next(const csg_classes *w, int anchor, unsigned char anchor_byte,
                                        const unsigned char *line, size_t n, size_t q) {
  size_t length = (size_t)w->length;
  if (anchor < 0) {
    int kind;
    ptrdiff_t r = q < n ? csg_classes_scan_unguarded(w, line + q, n - q, -1, &kind) : -1;
    return r < 0 ? -1 : (ptrdiff_t)q + r;
  }
  size_t a = (size_t)anchor;
  while (q + length <= n) {
    const unsigned char *hit = memchr(line + q + a, anchor_byte, n - q - a);
    if (!hit) return -1;
    size_t at = (size_t)(hit - line) - a;
    if (at + length > n) return -1;
    size_t i = 0;
    while (i < length && ((w->member[line[at + i]] >> w->position_class[i]) & 1)) i++;
    if (i == length) return (ptrdiff_t)at;
    q = at + 1;
  }
  return -1;
}

// Where a match holding a window occurrence at `window` may start at the
// earliest, not before `floor`: at most `prefix` bytes before it (SIZE_MAX:
// no bound), over bytes `lead` allows.
static inline size_t csg_window_earliest(size_t prefix, const unsigned char *lead, const unsigned char *line,
                                         size_t window, size_t floor) {
  size_t q = window;
  size_t bound = prefix == SIZE_MAX || window - floor < prefix ? floor : window - prefix;
  while (q > bound && lead[line[q - 1]]) q--;
  return q;
}
#endif
