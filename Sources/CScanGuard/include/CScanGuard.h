#ifndef CSCANGUARD_H
#define CSCANGUARD_H

// Bulk scans of mapped memory under a SIGBUS guard.
//
// A file truncated underneath a mapping turns every access to the lost pages
// into SIGBUS. Each function below runs its scan with a per-thread guard armed
// for the byte ranges it touches; a SIGBUS whose fault address lies inside one
// of those ranges makes the function return CSG_FAULT (with the address in
// *fault) instead of killing the process. Every other signal, and a SIGBUS
// anywhere else, goes to the handler that was installed before ours.
//
// Only C frames lie between the guard and the faulting access, so the jump
// back skips no Swift cleanup.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { CSG_OK = 0, CSG_FAULT = 1 };

/// Installs the process-wide SIGBUS handler (once; thread-safe; idempotent).
void csg_install(void);

/// Runs fn(context) with the guard armed for [lo1, lo1+len1) and [lo2, lo2+len2)
/// (either length may be 0). Returns CSG_OK, or CSG_FAULT with *fault set.
/// fn must be C code that owns no resources across the faulting access.
int csg_guarded_call(void (*fn)(void *context), void *context,
                     const void *lo1, size_t len1, const void *lo2, size_t len2,
                     const void **fault);

/// memchr: *result is the offset of the first `byte` in [0, n), or -1.
int csg_memchr(const void *p, size_t n, unsigned char byte, ptrdiff_t *result, const void **fault);
/// memrchr: *result is the offset of the last `byte` in [0, n), or -1.
int csg_memrchr(const void *p, size_t n, unsigned char byte, ptrdiff_t *result, const void **fault);
/// memmem: *result is the offset of the first occurrence of needle, or -1.
int csg_memmem(const void *p, size_t n, const void *needle, size_t m, ptrdiff_t *result, const void **fault);
/// The offset of the last occurrence of needle in [0, n), or -1.
int csg_memrmem(const void *p, size_t n, const void *needle, size_t m, ptrdiff_t *result, const void **fault);
/// memmove from src to dst, guarding both ranges (either may be mapped).
int csg_memmove(void *dst, const void *src, size_t n, const void **fault);
/// Counts the occurrences of `byte` in [0, n).
int csg_count_byte(const void *p, size_t n, unsigned char byte, size_t *count, const void **fault);
/// Fills [0, n) with `byte`.
int csg_memset(void *p, unsigned char byte, size_t n, const void **fault);
/// Touches one byte in every page of [0, n) (prefaulting a mapping by reading).
int csg_touch_pages(const void *p, size_t n, size_t page_size, const void **fault);

// ---- vectorised kernels (literals.c) -------------------------------------------

enum { CSG_MAX_LITERALS = 8, CSG_MAX_LITERAL_LENGTH = 64 };

/// A set of 1 to CSG_MAX_LITERALS needles (each 1 to CSG_MAX_LITERAL_LENGTH
/// bytes) searched at once: for each needle the two rarest bytes are compared
/// 16 (SSE2) or 32 (AVX2, chosen at run time) positions at a time, and every
/// hit is confirmed byte by byte. With `caseless`, ASCII letters match either
/// case (other bytes match exactly). Fill it with csg_literals_init only.
typedef struct {
  int count, caseless;
  size_t longest;
  size_t start[CSG_MAX_LITERALS], length[CSG_MAX_LITERALS];
  size_t offset[CSG_MAX_LITERALS][2];
  unsigned char byte[CSG_MAX_LITERALS][2], mask[CSG_MAX_LITERALS][2];
  unsigned char bytes[CSG_MAX_LITERALS * CSG_MAX_LITERAL_LENGTH];
} csg_literals;

/// Fills `set` with `count` needles. Returns 1, or 0 when a count or length is out of range.
int csg_literals_init(csg_literals *set, const unsigned char *const *needles, const size_t *lengths,
                      int count, int caseless);
/// *result is the offset of the first position in [0, n) where a needle of
/// `set` starts and ends within [0, n), or -1. Guarded.
int csg_literals_find(const csg_literals *set, const void *p, size_t n, ptrdiff_t *result, const void **fault);
enum { CSG_FOUND_NEEDLE = 0, CSG_FOUND_STOP = 1 };
/// Like csg_literals_find, but when `stop` is a byte value (0...255), also
/// stops at the first occurrence of that byte: *result is the first position
/// where a needle starts or `stop` lies (-1: neither), and *kind says which
/// (CSG_FOUND_NEEDLE or CSG_FOUND_STOP). `stop` -1 stops at needles only.
/// No needle may contain the stop byte. Guarded.
int csg_literals_scan(const csg_literals *set, const void *p, size_t n, int stop, ptrdiff_t *result, int *kind,
                      const void **fault);
/// The unguarded kernels (for callers already inside a guarded call).
ptrdiff_t csg_literals_scan_unguarded(const csg_literals *set, const unsigned char *p, size_t n, int stop, int *kind);
ptrdiff_t csg_literals_find_unguarded(const csg_literals *set, const unsigned char *p, size_t n);
/// csg_literals_scan_unguarded that also sets *newlines to the number of "\n"
/// bytes before the result ([0, result), or [0, n) when it is -1), counted in
/// the same pass over the data.
ptrdiff_t csg_literals_scan_lines_unguarded(const csg_literals *set, const unsigned char *p, size_t n, int stop,
                                            int *kind, size_t *newlines);
/// For the kernels: `lines` "\n" bytes counted in p[0, counted), made the count
/// of p[0, result) (p[0, n) when result is -1) by counting the difference.
size_t csg_finish_count(const unsigned char *p, size_t n, ptrdiff_t result, size_t lines, size_t counted);
size_t csg_count_byte_unguarded(const unsigned char *p, size_t n, unsigned char byte);

/// The length of the longest prefix of [0, n) whose bytes are all ASCII (< 0x80).
/// Unguarded: for memory the caller owns.
size_t csg_ascii_prefix(const void *p, size_t n);

// ---- class sequences (classes.c) ------------------------------------------------

enum { CSG_MAX_SEQUENCE = 64, CSG_MAX_CLASSES = 8 };

/// A sequence of 1 to CSG_MAX_SEQUENCE byte classes (each a set of bytes;
/// at most CSG_MAX_CLASSES distinct ones): a position where byte i of
/// the data is in class i for every i matches. Membership is exact (two
/// nibble lookups per class, 32 bytes at a time with AVX2); each class's
/// matches are kept as 64-bit masks and the sequence is an AND of shifted
/// masks. Fill it with csg_classes_init only.
typedef struct {
  int length, classes;
  unsigned char position_class[CSG_MAX_SEQUENCE];
  /// Per class: bit (b >> 4) of table[c][b & 15] is set when byte b (< 0x80) is in it,
  /// and bit (b >> 4) - 8 of upper[c][b & 15] when byte b (>= 0x80) is.
  unsigned char table[CSG_MAX_CLASSES][16];
  unsigned char upper[CSG_MAX_CLASSES][16];
  /// Bit c is set when class c holds a byte >= 0x80 (its membership then takes the second table).
  unsigned upper_classes;
  /// Bit c of member[b] is set when byte b is in class c.
  unsigned char member[256];
  /// Whether some class holds a NUL byte (the scan cannot then stop at NUL).
  int holds_nul;
} csg_classes;

/// Fills `seq` from `length` classes, class i given as 256 bits (bit b of
/// sets[i] = byte b, as four 64-bit words: sets[4*i] for 0..63, sets[4*i+1]
/// for 64..127, sets[4*i+2] for 128..191, sets[4*i+3] for 192..255).
/// Returns 1, or 0 when the length or the number of distinct classes is out
/// of range.
int csg_classes_init(csg_classes *seq, const uint64_t *sets, int length);
/// *result is the first position in [0, n) where the sequence matches (and
/// ends within n) or, when stop >= 0, where the byte `stop` lies, whichever
/// comes first; -1 for neither. *kind is CSG_FOUND_NEEDLE or CSG_FOUND_STOP.
/// `stop` must lie in no class. Guarded.
int csg_classes_scan(const csg_classes *seq, const void *p, size_t n, int stop, ptrdiff_t *result, int *kind,
                     const void **fault);
ptrdiff_t csg_classes_scan_unguarded(const csg_classes *seq, const unsigned char *p, size_t n, int stop, int *kind);
/// csg_classes_scan_unguarded that also counts the "\n" bytes before the result
/// (as csg_literals_scan_lines_unguarded).
ptrdiff_t csg_classes_scan_lines_unguarded(const csg_classes *seq, const unsigned char *p, size_t n, int stop,
                                           int *kind, size_t *newlines);

// ---- exact class-item sequences (sequence.c) -------------------------------------

enum { CSG_MAX_ITEMS = 16, CSG_ASSERT_BOUNDARY = 1, CSG_ASSERT_NOT_BOUNDARY = 2 };

/// A pattern that is a concatenation of 1 to CSG_MAX_ITEMS items, each an
/// ASCII byte class repeated minimum..maximum times (maximum unbounded or at
/// most 63), with \b / \B assertions between them: decides exactly whether a
/// line holds a match (a bit-parallel Thompson simulation, linear in the
/// line). Item i owns bits [offset_i, offset_i + cap_i] of a 64-bit state:
/// bit offset_i says "item i may start here", bit offset_i + c "item i has
/// consumed c bytes" (an unbounded item's counts from its minimum on share
/// the bit of its minimum); the bit after the last item says "a match ends
/// here". Fill it with csg_sequence_init only.
typedef struct {
  int count;
  /// Per byte: the count bits of the items whose class holds it.
  uint64_t step[256];
  /// Per byte: whether it is a word character (as PCRE2's \w without UCP).
  unsigned char word[256];
  /// Count bits that complete their item; count bits of unbounded items that stay set.
  uint64_t accept, saturate;
  /// The start bits of items 1 ... count - 1 and the end bit, and the start bit of item 0.
  uint64_t starts, first;
  /// The end bit.
  uint64_t done;
  /// The start and end bits whose assertions hold, by (word before, word after).
  uint64_t allowed[2][2];
  /// The most bytes a match holds before its first occurrence of `window`
  /// (SIZE_MAX: no bound).
  size_t prefix;
  /// Per byte: whether it may lie in a match before the window (in the class
  /// of an item the window's first byte may follow or belong to).
  unsigned char lead[256];
  /// A class sequence every match holds (the prefilter's).
  const csg_classes *window;
  /// A position of `window` whose class is one byte, found with memchr when
  /// looking for the next occurrence in a line; -1 when there is none.
  int anchor;
  unsigned char anchor_byte;
} csg_sequence;

/// Fills `s` from `count` items: item i's class as two 64-bit words in
/// sets[2*i], sets[2*i+1] (bit b = byte b), minimum[i] (1 ... 63),
/// maximum[i] (minimum ... 63, or 0 for unbounded), assertions[0 ... count],
/// `prefix` (negative: no bound), `lead` (two words, as one of `sets`: the
/// bytes a match may hold before the window). `window` must outlive `s`.
/// Returns 1, or 0 when an argument is out of range or the items need more
/// than 64 bits.
int csg_sequence_init(csg_sequence *s, const uint64_t *sets, const unsigned char *minimum, const unsigned char *maximum,
                      const unsigned char *assertions, int count, ptrdiff_t prefix, const uint64_t *lead,
                      const csg_classes *window);
/// 1 when line[0, n) holds a match of `s`, else 0; `candidate` is the first
/// place in the line where `s->window` matches, or any place before it (0,
/// the line's start, when not known: the whole line is then simulated).
int csg_sequence_matches(const csg_sequence *s, const unsigned char *line, size_t n, size_t candidate);
/// csg_sequence_matches as a csg_line_verifier (`context`: the csg_sequence).
int csg_sequence_verify_line(void *context, const unsigned char *line, size_t n, size_t candidate);

// ---- exact class automata (automaton.c) -------------------------------------------

enum { CSG_MAX_POSITIONS = 64 };

/// A pattern read as a Glushkov automaton over byte classes: up to 64
/// positions (each one byte of a class), the positions a match may start and
/// end with, and which positions may follow each. It decides exactly whether
/// a line holds a match, for patterns with alternation and bounded repeats
/// of groups as well (the caller makes sure PCRE2 cannot run into a limit
/// first on the lines it decides). Each byte costs one table lookup per
/// occupied byte of the 64-bit state. Fill it with csg_automaton_init only.
typedef struct {
  int positions;
  /// follow[k][v]: the union of the follow sets of positions 8k + j, for each bit j of v.
  uint64_t follow[CSG_MAX_POSITIONS / 8][256];
  /// Per byte: the positions whose class holds it.
  uint64_t step[256];
  /// The first positions whose leading assertions hold, by (word before, word after).
  uint64_t start_allowed[2][2];
  /// The last positions whose trailing assertions hold, by (word before, word after).
  uint64_t end_allowed[2][2];
  /// Per byte: whether it is a word character (as PCRE2's \w without UCP).
  unsigned char word[256];
  /// Per byte: whether a match may start with it.
  unsigned char starts[256];
  /// The one byte a match may start with, or -1.
  int start_byte;
  /// Lines longer than this are not decided (SIZE_MAX: every line is).
  size_t longest_line;
  /// Whether lines holding a byte >= 0x80 are not decided.
  int ascii_lines;
  /// The class prefilter's window every match holds (NULL: none), the most
  /// bytes a match holds before it (SIZE_MAX: no bound), the bytes that may
  /// lie there, and a one-byte position of it for memchr (-1: none).
  const csg_classes *window;
  size_t prefix;
  unsigned char lead[256];
  int anchor;
  unsigned char anchor_byte;
  /// The same automaton made deterministic, when it has few enough states
  /// (NULL: the position sets are simulated). State 2s + b: position set s
  /// after a byte that is (b = 1) or not a word character; states 0 and 1
  /// hold no position. dfa[state * classes + class[byte]] is the next state
  /// times 2, plus 1 when a match ends before that byte; dfa_end[state] says
  /// whether one ends at the line's end.
  int32_t *dfa;
  unsigned char *dfa_end;
  int dfa_states, classes;
  unsigned char byte_class[256];
} csg_automaton;

/// Fills `a` with `positions` (1 ... CSG_MAX_POSITIONS) positions: position
/// i's class as four 64-bit words in sets[4*i ... 4*i+3] (bit b = byte b),
/// its follow set in follow[i] (bit j = position j), the start and end masks
/// (start_allowed[2*before + after], end_allowed likewise; each a subset of
/// the first or last positions), `longest_line` (negative: no bound),
/// `ascii_lines`, and the window hint: `window` (may be NULL), `prefix`
/// (negative: no bound) and `lead` (four words: bit b = byte b). `window`
/// must outlive `a`. With `deterministic`,
/// the deterministic form is built when it is small enough. Returns 1, or 0
/// when an argument is out of range.
int csg_automaton_init(csg_automaton *a, int positions, const uint64_t *sets, const uint64_t *follow,
                       const uint64_t *start_allowed, const uint64_t *end_allowed, ptrdiff_t longest_line,
                       int ascii_lines, const csg_classes *window, ptrdiff_t prefix, const uint64_t *lead,
                       int deterministic);
/// 1 when line[0, n) holds a match of `a`, 0 when it does not, -1 when the
/// line is not one `a` decides (too long, or not ASCII when it must be).
/// `candidate` is the first place in the line where `a->window` matches, or
/// any place before it (0 when not known, or without a window).
int csg_automaton_matches(const csg_automaton *a, const unsigned char *line, size_t n, size_t candidate);
/// csg_automaton_matches as a csg_line_verifier (`context`: the csg_automaton).
int csg_automaton_verify_line(void *context, const unsigned char *line, size_t n, size_t candidate);
/// Frees what csg_automaton_init allocated (not `a` itself).
void csg_automaton_free(csg_automaton *a);

// ---- candidate lines (lines.c) ---------------------------------------------------

enum { CSG_FOUND_NONE = 2, CSG_FOUND_MORE = 3 };
/// How far csg_next_line searches past its first recorded line for more.
enum { CSG_SPAN_REACH = 256 << 10 };

/// The next candidate line of a line search, found in one guarded call.
typedef struct {
  /// CSG_FOUND_NEEDLE (a candidate at `at`, in the line [line_start, line_end)),
  /// CSG_FOUND_STOP (the stop byte at `at`) or CSG_FOUND_NONE.
  int kind;
  ptrdiff_t at, line_start, line_end;
  /// "\n" bytes in [from, line_start) (when asked for); with CSG_FOUND_NONE,
  /// in [from, at), where `at` is `end` or, when a line passed over by the
  /// verifier reaches past `end`, that line's end (after its "\n").
  size_t newlines;
  /// The byte at line_start (read under the same guard, so a caller needs no
  /// guarded read of its own to look at the line's start).
  unsigned char first;
  /// 1 when `verify` (see csg_next_line) matched the line; 0 when there is no
  /// verifier or it did not decide (an error, left for the caller to report).
  int verified;
} csg_line_hit;

/// A matching line csg_next_line passed over and recorded (see its `spans`).
typedef struct {
  /// The candidate, and the line [line_start, line_end) that holds it.
  ptrdiff_t at, line_start, line_end;
  /// "\n" bytes (when counted) from where the search began, or from just after
  /// the previous recorded line, to line_start.
  size_t newlines;
  /// The byte at line_start.
  unsigned char first;
} csg_line_span;

/// A line verifier for csg_next_line: 1 when line[0, n) as its own subject
/// matches, 0 when it does not, negative when it cannot tell (a limit).
/// `candidate` is where in the line the prefilter found its candidate.
typedef int (*csg_line_verifier)(void *context, const unsigned char *line, size_t n, size_t candidate);

/// Searches base[from, end) with `literals` or, when that is NULL, `classes`
/// (when both are NULL, every line's start is a candidate: each line is
/// verified) for the first candidate (or, when stop >= 0, the stop byte, first looked
/// for in base[checked, from) when checked < from), and gives the candidate's
/// line: its start (just after the last "\n" before the candidate, or `from`),
/// its end (the next "\n" before `limit`, or `limit`; limit >= end) and, with
/// count_newlines, the newlines before it. Guarded; offsets are relative to `base`.
///
/// With `verify`, each candidate line is matched in the same guarded call; a
/// line that does not match is passed over (its bytes from the candidate on
/// checked for the stop byte, its newline counted) and the search goes on
/// after it, so only matching lines — or lines the verifier could not decide
/// (`verified` 0) — come back. The stop byte and "none" keep their meaning
/// for the whole of base[checked, end). With `exact`, every candidate line
/// matches (no verifier is called).
///
/// With `capacity` > 0, matching lines do not come back one by one either:
/// each is recorded in spans[0, *count) and the search goes on after it;
/// `hit` then comes after the last recorded line (its newlines counted from
/// just after it), or is CSG_FOUND_MORE (at: where to go on, just after the
/// last recorded line) when `capacity` lines were recorded, the last one
/// reached `end`, or CSG_SPAN_REACH bytes after the first held no more.
int csg_next_line(const csg_literals *literals, const csg_classes *classes, const unsigned char *base, size_t from,
                  size_t end, size_t limit, size_t checked, int stop, int count_newlines,
                  csg_line_verifier verify, void *verify_context, int exact, csg_line_span *spans, size_t capacity,
                  size_t *count, csg_line_hit *hit, const void **fault);

/// Tells ThreadSanitizer that what this thread did so far happens before what
/// a thread does after csg_sync_acquire(tag) (sync.c: no-ops without TSan).
/// Call both inside one Mutex's critical section, with the Mutex's owner as tag.
void csg_sync_release(const void *tag);
/// The other end of csg_sync_release.
void csg_sync_acquire(const void *tag);

#ifdef __cplusplus
}
#endif

#endif
