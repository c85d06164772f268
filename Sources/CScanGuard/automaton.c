// Exact line decision for patterns read as a Glushkov automaton over byte
// classes (ClassAutomaton in RegexSearch): alternations of class sequences,
// bounded repeats of groups, unbounded repeats of one class, and \b / \B at
// a branch's ends — a strict IPv4 regex, (GET|POST) /api/\w+, \d+(ms|s)\b.
// Run as csg_next_line's verifier in place of PCRE2.
//
// The state is the set of positions whose class the last byte matched on
// some way of matching the pattern from some start (a position-set
// simulation: it holds every way PCRE2's backtracking could try at once, so
// it finds a match exactly when PCRE2's exhaustive search does, and the
// caller only gives it lines on which PCRE2 cannot stop at a limit first).
// Per byte: the next state is the union of the follow sets of the current
// positions (a table lookup per occupied byte of the state), plus the first
// positions whose leading assertions hold here, restricted to the positions
// whose class holds the byte. A match ends where a last position is in the
// state and its trailing assertions hold.
//
// With the class prefilter's window, the simulation starts near the window
// occurrence the scan found and, when the state empties, goes on near the
// next one (as csg_sequence does); without one, it goes on at the next byte
// a match may start with.
#define _GNU_SOURCE
#include "CScanGuard.h"

#include "window.h"

#include <string.h>

int csg_automaton_init(csg_automaton *a, int positions, const uint64_t *sets, const uint64_t *follow,
                       const uint64_t *start_allowed, const uint64_t *end_allowed, ptrdiff_t longest_line,
                       int ascii_lines, const csg_classes *window, ptrdiff_t prefix, const uint64_t *lead) {
  if (positions < 1 || positions > CSG_MAX_POSITIONS) return 0;
  memset(a, 0, sizeof *a);
  a->positions = positions;
  uint64_t valid = positions == 64 ? ~0ULL : (1ULL << positions) - 1;
  for (int i = 0; i < positions; i++) {
    if (follow[i] & ~valid) return 0;
    for (int b = 0; b < 256; b++)
      if ((sets[4 * i + (b >> 6)] >> (b & 63)) & 1) a->step[b] |= 1ULL << i;
  }
  for (int k = 0; k < CSG_MAX_POSITIONS / 8; k++)
    for (int v = 0; v < 256; v++) {
      uint64_t f = 0;
      for (int j = 0; j < 8; j++)
        if (((v >> j) & 1) && 8 * k + j < positions) f |= follow[8 * k + j];
      a->follow[k][v] = f;
    }
  uint64_t any_start = 0;
  for (int i = 0; i < 4; i++) {
    if ((start_allowed[i] | end_allowed[i]) & ~valid) return 0;
    a->start_allowed[i >> 1][i & 1] = start_allowed[i];
    a->end_allowed[i >> 1][i & 1] = end_allowed[i];
    any_start |= start_allowed[i];
  }
  a->start_byte = -1;
  int start_bytes = 0;
  for (int b = 0; b < 256; b++) {
    a->word[b] = (unsigned char)csg_is_word(b);
    a->starts[b] = (a->step[b] & any_start) != 0;
    if (a->starts[b]) {
      start_bytes++;
      a->start_byte = b;
    }
  }
  if (start_bytes != 1) a->start_byte = -1;
  a->longest_line = longest_line < 0 ? SIZE_MAX : (size_t)longest_line;
  a->ascii_lines = ascii_lines != 0;
  a->window = window;
  a->prefix = prefix < 0 ? SIZE_MAX : (size_t)prefix;
  for (int b = 0; b < 256; b++) a->lead[b] = (unsigned char)((lead[b >> 6] >> (b & 63)) & 1);
  a->anchor = window ? csg_window_anchor(window, &a->anchor_byte) : -1;
  return 1;
}

// Where the simulation may go on at the earliest, at or after q, once the
// state is empty: n when no match can start in line[q, n).
static size_t csg_automaton_resume(const csg_automaton *a, const unsigned char *line, size_t n, size_t q) {
  if (q >= n) return n;
  if (a->window) {
    ptrdiff_t next = csg_window_next(a->window, a->anchor, a->anchor_byte, line, n, q);
    return next < 0 ? n : csg_window_earliest(a->prefix, a->lead, line, (size_t)next, q);
  }
  if (a->start_byte >= 0) {
    const unsigned char *hit = memchr(line + q, a->start_byte, n - q);
    return hit ? (size_t)(hit - line) : n;
  }
  while (q < n && !a->starts[line[q]]) q++;
  return q;
}

int csg_automaton_matches(const csg_automaton *a, const unsigned char *line, size_t n, size_t candidate) {
  if (n > a->longest_line) return -1;
  if (a->ascii_lines && csg_ascii_prefix(line, n) != n) return -1;
  // Without a window, `candidate` (a literal prefilter's) says nothing about where a match starts.
  size_t q = a->window ? csg_window_earliest(a->prefix, a->lead, line, candidate, 0)
                       : csg_automaton_resume(a, line, n, 0);
  if (q >= n) return 0;
  uint64_t state = 0;
  int before = q > 0 && a->word[line[q - 1]];
  for (;;) {
    int after = q < n && a->word[line[q]];
    if (state & a->end_allowed[before][after]) return 1;
    if (q >= n) return 0;
    uint64_t next = a->start_allowed[before][after];
    for (uint64_t rest = state; rest;) {
      int k = __builtin_ctzll(rest) >> 3;
      next |= a->follow[k][(rest >> (8 * k)) & 0xFF];
      rest &= ~(0xFFULL << (8 * k));
    }
    state = next & a->step[line[q]];
    before = after;
    q++;
    if (state) continue;
    // Nothing alive: no match starts before q; go on where one may.
    size_t resume = csg_automaton_resume(a, line, n, q);
    if (resume >= n) return 0;
    q = resume;
    before = q > 0 && a->word[line[q - 1]];
  }
}

int csg_automaton_verify_line(void *context, const unsigned char *line, size_t n, size_t candidate) {
  return csg_automaton_matches((const csg_automaton *)context, line, n, candidate);
}
