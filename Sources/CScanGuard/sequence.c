// Exact line decision for patterns that are a plain concatenation of ASCII
// class items with quantifiers and \b / \B (an IPv4 regex, \d+\.\d+,
// [A-Z]{2,5}-\d+): does a line hold a match? Run as csg_next_line's verifier
// in place of PCRE2, so such lines are decided without a PCRE2 call.
//
// The matcher is a bit-parallel Thompson simulation over the line (the state
// layout is in CScanGuard.h). The state holds every way the pattern can have
// matched up to the current byte, so it finds a match whenever PCRE2's
// exhaustive backtracking does, and only then (the caller makes sure PCRE2
// cannot run into a limit first). One byte costs a shift, two ANDs and an OR;
// at each position the items that may start are the ones after an item
// whose count reached its minimum: adding `accept` to the state's accepting
// bits carries into the bit just above each such item, its successor's start
// bit. The simulation starts near the window the class scan found: a match
// starts at most `prefix` bytes before a window occurrence, and only `lead`
// bytes lie between its start and the window; no window occurrence lies
// before the candidate the scan reported, so the bytes before those are
// never looked at. When every state dies, it goes on near the next window
// occurrence (found with memchr for a one-byte position of the window, else
// with the vectorised scan).
#define _GNU_SOURCE
#include "CScanGuard.h"

#include "window.h"

#include <string.h>

// Whether the assertions in `flags` hold between a byte that is (or not) a word character and the next.
static int csg_assertions_hold(unsigned flags, int before, int after) {
  if ((flags & CSG_ASSERT_BOUNDARY) && before == after) return 0;
  if ((flags & CSG_ASSERT_NOT_BOUNDARY) && before != after) return 0;
  return 1;
}

int csg_sequence_init(csg_sequence *s, const uint64_t *sets, const unsigned char *minimum, const unsigned char *maximum,
                      const unsigned char *assertions, int count, ptrdiff_t prefix, const uint64_t *lead,
                      const csg_classes *window) {
  if (count < 1 || count > CSG_MAX_ITEMS || !window) return 0;
  memset(s, 0, sizeof *s);
  s->count = count;
  s->prefix = prefix < 0 ? SIZE_MAX : (size_t)prefix;
  s->window = window;
  for (int b = 0; b < 256; b++) s->word[b] = (unsigned char)csg_is_word(b);
  for (int b = 0; b < 128; b++) s->lead[b] = (unsigned char)((lead[b >> 6] >> (b & 63)) & 1);
  // The window position whose class is a single byte, if any.
  s->anchor = csg_window_anchor(window, &s->anchor_byte);
  int offset = 0;
  uint64_t start_bits[CSG_MAX_ITEMS + 1];
  for (int i = 0; i < count; i++) {
    // maximum[i] == 0: unbounded.
    if (minimum[i] < 1 || minimum[i] > 63 || maximum[i] > 63 || (maximum[i] && maximum[i] < minimum[i])) return 0;
    int cap = maximum[i] ? maximum[i] : minimum[i];
    if (offset + cap + 1 >= 64) return 0;  // and the end bit must fit
    start_bits[i] = 1ULL << offset;
    uint64_t counts = ((1ULL << cap) - 1) << (offset + 1);  // bits offset+1 ... offset+cap
    s->accept |= counts & ~((1ULL << (offset + minimum[i])) - 1);
    if (!maximum[i]) s->saturate |= 1ULL << (offset + cap);
    for (int b = 0; b < 128; b++)
      if ((sets[2 * i + (b >> 6)] >> (b & 63)) & 1) s->step[b] |= counts;
    offset += cap + 1;
  }
  start_bits[count] = 1ULL << offset;
  s->first = start_bits[0];
  s->done = start_bits[count];
  for (int i = 1; i <= count; i++) s->starts |= start_bits[i];
  for (int i = 0; i <= count; i++) {
    if (assertions[i] & ~(CSG_ASSERT_BOUNDARY | CSG_ASSERT_NOT_BOUNDARY)) return 0;
    for (int before = 0; before < 2; before++)
      for (int after = 0; after < 2; after++)
        if (csg_assertions_hold(assertions[i], before, after)) s->allowed[before][after] |= start_bits[i];
  }
  return 1;
}

// The first occurrence of the window in line[q, n), or -1.
static ptrdiff_t csg_next_window(const csg_sequence *s, const unsigned char *line, size_t n, size_t q) {
  return csg_window_next(s->window, s->anchor, s->anchor_byte, line, n, q);
}

// Where a match holding the window at `window` may start at the earliest, not before `floor`.
static size_t csg_earliest_start(const csg_sequence *s, const unsigned char *line, size_t window, size_t floor) {
  return csg_window_earliest(s->prefix, s->lead, line, window, floor);
}

int csg_sequence_matches(const csg_sequence *s, const unsigned char *line, size_t n, size_t candidate) {
  // No window occurrence lies before `candidate`, so no match starts before
  // candidate - prefix, nor before the run of `lead` bytes that ends there.
  size_t q = csg_earliest_start(s, line, candidate, 0);
  const uint64_t accept = s->accept, saturate = s->saturate, starts = s->starts, first = s->first, done = s->done;
  uint64_t state = 0;  // count bits: the bytes before q consumed
  int before = q > 0 && s->word[line[q - 1]];
  for (;;) {
    // At q: item 0 may start; so may each item after one that is complete.
    int after = q < n && s->word[line[q]];
    uint64_t ready = ((((state & accept) + accept) & starts) | first) & s->allowed[before][after];
    if (ready & done) return 1;
    if (q >= n) return 0;
    uint64_t step = s->step[line[q]];
    state = (((state | ready) << 1) & step) | (state & saturate & step);
    before = after;
    q++;
    if (state) continue;
    // Nothing alive: a match starting at q or later holds a window occurrence
    // after its start, and none lies before the next one.
    ptrdiff_t next = csg_next_window(s, line, n, q);
    if (next < 0) return 0;
    q = csg_earliest_start(s, line, (size_t)next, q);
    before = q > 0 && s->word[line[q - 1]];
  }
}

int csg_sequence_verify_line(void *context, const unsigned char *line, size_t n, size_t candidate) {
  return csg_sequence_matches((const csg_sequence *)context, line, n, candidate);
}
