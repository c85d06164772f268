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
// state and its trailing assertions hold. When the sets reachable number few
// (CSG_DFA_MAX_STATES), they are enumerated once at init (a subset
// construction over classes of bytes that act alike), and a byte then costs
// one table lookup.
//
// With the class prefilter's window, the simulation starts near the window
// occurrence the scan found and, when the state empties, goes on near the
// next one (as csg_sequence does); without one, it goes on at the next byte
// a match may start with.
#define _GNU_SOURCE
#include "CScanGuard.h"

#include "window.h"

#include <stdlib.h>
#include <string.h>

// The deterministic form is built when it has at most this many states
// (position sets times the word flag) and byte classes.
enum { CSG_DFA_MAX_STATES = 4096, CSG_DFA_MAX_CLASSES = 64 };

// The position sets reachable from the empty one, each with both word flags:
// a subset construction over the byte classes, given up past the limits.
static void csg_automaton_determinize(csg_automaton *a);

int csg_automaton_init(csg_automaton *a, int positions, const uint64_t *sets, const uint64_t *follow,
                       const uint64_t *start_allowed, const uint64_t *end_allowed, ptrdiff_t longest_line,
                       int ascii_lines, const csg_classes *window, ptrdiff_t prefix, const uint64_t *lead,
                       int deterministic) {
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
  if (deterministic) csg_automaton_determinize(a);
  return 1;
}

void csg_automaton_free(csg_automaton *a) {
  free(a->dfa);
  free(a->dfa_end);
  a->dfa = NULL;
  a->dfa_end = NULL;
}

// The positions that follow those in `state`.
static inline uint64_t csg_automaton_follow(const csg_automaton *a, uint64_t state) {
  uint64_t next = 0;
  for (uint64_t rest = state; rest;) {
    int k = __builtin_ctzll(rest) >> 3;
    next |= a->follow[k][(rest >> (8 * k)) & 0xFF];
    rest &= ~(0xFFULL << (8 * k));
  }
  return next;
}

static void csg_automaton_determinize(csg_automaton *a) {
  // Byte classes: bytes with the same positions and word flag act alike.
  unsigned char representative[256];
  int classes = 0;
  for (int b = 0; b < 256; b++) {
    int c = 0;
    while (c < classes && !(a->step[representative[c]] == a->step[b] && a->word[representative[c]] == a->word[b])) c++;
    if (c == classes) {
      if (classes == CSG_DFA_MAX_CLASSES) return;
      representative[classes++] = (unsigned char)b;
    }
    a->byte_class[b] = (unsigned char)c;
  }
  enum { SETS = CSG_DFA_MAX_STATES / 2, SLOTS = 2 * SETS };
  uint64_t *sets = malloc(sizeof(uint64_t) * SETS);
  int *slot = malloc(sizeof(int) * SLOTS);  // an open-addressing index of `sets` (-1: free)
  int capacity = 64;  // states the table has room for (grows with the sets found)
  int32_t *dfa = malloc(sizeof(int32_t) * (size_t)capacity * (size_t)classes);
  unsigned char *end = malloc(CSG_DFA_MAX_STATES);
  if (!sets || !slot || !dfa || !end) goto fail;
  for (int i = 0; i < SLOTS; i++) slot[i] = -1;
  int count = 1;  // position sets found; sets[0] is the empty one
  sets[0] = 0;
  slot[0] = 0;  // the empty set hashes to 0
  for (int i = 0; i < count; i++) {
    uint64_t state = sets[i];
    uint64_t follow = csg_automaton_follow(a, state);
    if (2 * i + 2 > capacity) {
      capacity *= 2;
      int32_t *grown = realloc(dfa, sizeof(int32_t) * (size_t)capacity * (size_t)classes);
      if (!grown) goto fail;
      dfa = grown;
    }
    for (int before = 0; before < 2; before++) {
      int from = 2 * i + before;
      end[from] = (state & a->end_allowed[before][0]) != 0;
      for (int c = 0; c < classes; c++) {
        unsigned char b = representative[c];
        int after = a->word[b];
        int accept = (state & a->end_allowed[before][after]) != 0;
        uint64_t next = (follow | a->start_allowed[before][after]) & a->step[b];
        size_t h = (size_t)((next * 0x9E3779B97F4A7C15ULL) >> 40) & (SLOTS - 1);
        while (slot[h] >= 0 && sets[slot[h]] != next) h = (h + 1) & (SLOTS - 1);
        int j = slot[h];
        if (j < 0) {
          if (count == SETS) goto fail;
          j = count++;
          sets[j] = next;
          slot[h] = j;
        }
        dfa[(size_t)from * (size_t)classes + (size_t)c] = (int32_t)((2 * j + after) * 2 + accept);
      }
    }
  }
  free(sets);
  free(slot);
  int32_t *fitted = realloc(dfa, sizeof(int32_t) * (size_t)(2 * count) * (size_t)classes);
  a->dfa = fitted ? fitted : dfa;
  a->dfa_end = end;
  a->dfa_states = 2 * count;
  a->classes = classes;
  return;
fail:
  free(sets);
  free(slot);
  free(dfa);
  free(end);
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

// The deterministic run of csg_automaton_matches from q (a start after which no match starts earlier).
static int csg_automaton_run_dfa(const csg_automaton *a, const unsigned char *line, size_t n, size_t q) {
  const int32_t *dfa = a->dfa;
  const unsigned char *byte_class = a->byte_class;
  const size_t classes = (size_t)a->classes;
  size_t state = q > 0 && a->word[line[q - 1]];
  for (;;) {
    if (q >= n) return a->dfa_end[state];
    int32_t t = dfa[state * classes + byte_class[line[q]]];
    if (t & 1) return 1;  // a match ends before line[q]
    state = (size_t)(t >> 1);
    q++;
    if (state >= 2) continue;
    // No position alive: no match starts before q; go on where one may.
    q = csg_automaton_resume(a, line, n, q);
    if (q >= n) return 0;
    state = q > 0 && a->word[line[q - 1]];
  }
}

int csg_automaton_matches(const csg_automaton *a, const unsigned char *line, size_t n, size_t candidate) {
  if (n > a->longest_line) return -1;
  if (a->ascii_lines && csg_ascii_prefix(line, n) != n) return -1;
  size_t q = a->window ? csg_window_earliest(a->prefix, a->lead, line, candidate, 0)
                       : csg_automaton_resume(a, line, n, 0);
  if (q >= n) return 0;
  if (a->dfa) return csg_automaton_run_dfa(a, line, n, q);
  uint64_t state = 0;
  int before = q > 0 && a->word[line[q - 1]];
  for (;;) {
    int after = q < n && a->word[line[q]];
    if (state & a->end_allowed[before][after]) return 1;
    if (q >= n) return 0;
    state = (csg_automaton_follow(a, state) | a->start_allowed[before][after]) & a->step[line[q]];
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
