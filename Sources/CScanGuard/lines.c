// One guarded call per candidate line: the prefilter's scan, the stop-byte
// check of the bytes the previous call left unchecked, and the line's bounds
// and newline count — work a line search would otherwise do in four or five
// calls for each candidate. The newlines are counted by the scan kernel in
// the same pass over the data, so numbering lines reads no byte twice.
#define _GNU_SOURCE
#include "CScanGuard.h"

#include <string.h>

typedef struct {
  const csg_literals *literals;
  const csg_classes *classes;
  const unsigned char *base;
  size_t from, end, limit, checked;
  int stop, count_newlines;
  csg_line_verifier verify;
  void *verify_context;
  int exact;
  csg_line_span *spans;
  size_t capacity, *count;
  csg_line_hit *hit;
} csg_line_job;

// When `stop` >= 0 and base[lo, hi) holds it: records its first place as the hit.
static int found_stop(const unsigned char *base, size_t lo, size_t hi, int stop, csg_line_hit *h) {
  if (stop < 0 || lo >= hi) return 0;
  const unsigned char *nul = memchr(base + lo, stop, hi - lo);
  if (!nul) return 0;
  h->kind = CSG_FOUND_STOP;
  h->at = nul - base;
  return 1;
}

static void run_next_line(void *c) {
  csg_line_job *j = c;
  csg_line_hit *h = j->hit;
  const unsigned char *base = j->base;
  size_t from = j->from, checked = j->checked;
  // Once a line is recorded, the search looks only CSG_SPAN_REACH bytes further
  // for more before it returns (at `resume`, just after the last recorded line),
  // so a caller that stops after a few lines never has far more searched for it.
  size_t stretch = j->end, resume = from;
  h->newlines = 0;
  h->verified = 0;
  for (;;) {
    if (found_stop(base, checked, from < j->end ? from : j->end, j->stop, h)) return;
    int kind = CSG_FOUND_NEEDLE;
    ptrdiff_t r = -1;
    size_t lines = 0;  // "\n" bytes in [from, r), or [from, end) when r < 0
    if (from < stretch && !j->literals && !j->classes) {
      r = 0;  // no prefilter: every line is a candidate, at its start
    } else if (from < stretch) {
      size_t n = stretch - from;
      if (j->count_newlines) {
        r = j->literals ? csg_literals_scan_lines_unguarded(j->literals, base + from, n, j->stop, &kind, &lines)
                        : csg_classes_scan_lines_unguarded(j->classes, base + from, n, j->stop, &kind, &lines);
      } else {
        r = j->literals ? csg_literals_scan_unguarded(j->literals, base + from, n, j->stop, &kind)
                        : csg_classes_scan_unguarded(j->classes, base + from, n, j->stop, &kind);
      }
    }
    if (r < 0 && stretch < j->end) {
      h->kind = CSG_FOUND_MORE;
      h->at = (ptrdiff_t)resume;
      return;
    }
    if (r < 0) {
      // The count covers [j->from, at): up to `end`, or past it to the end of a
      // passed-over line that reached past `end`.
      h->kind = CSG_FOUND_NONE;
      h->at = (ptrdiff_t)(from > j->end ? from : j->end);
      h->newlines += lines;
      return;
    }
    size_t at = from + (size_t)r;
    h->kind = kind;
    h->at = (ptrdiff_t)at;
    if (kind != CSG_FOUND_NEEDLE) return;
    const unsigned char *newline = at > from ? memrchr(base + from, '\n', at - from) : NULL;
    size_t start = newline ? (size_t)(newline - base) + 1 : from;
    const unsigned char *stop = memchr(base + at, '\n', j->limit - at);
    size_t line_end = stop ? (size_t)(stop - base) : j->limit;
    // No "\n" lies in [start, at): the count up to the candidate is the count up to its line.
    h->newlines += lines;
    h->line_start = (ptrdiff_t)start;
    h->line_end = (ptrdiff_t)line_end;
    h->first = base[start];  // start <= at < limit: inside the guarded range
    int v;
    if (j->exact) {
      v = 1;
    } else if (j->verify) {
      v = j->verify(j->verify_context, base + start, line_end - start, at - start);
    } else {
      return;
    }
    if (v > 0 && j->spans) {
      // A matching line: recorded, and the search goes on after it (its bytes
      // from the candidate on are checked for the stop byte by the next round).
      csg_line_span *span = &j->spans[(*j->count)++];
      span->at = (ptrdiff_t)at;
      span->line_start = (ptrdiff_t)start;
      span->line_end = (ptrdiff_t)line_end;
      span->newlines = h->newlines;
      span->first = base[start];
      h->newlines = 0;
      checked = at;
      from = stop ? line_end + 1 : j->limit;
      resume = from;
      if (*j->count == j->capacity || from >= j->end) {
        h->kind = CSG_FOUND_MORE;
        h->at = (ptrdiff_t)from;
        return;
      }
      if (*j->count == 1) stretch = j->end - from > CSG_SPAN_REACH ? from + CSG_SPAN_REACH : j->end;
      continue;
    }
    if (v != 0) {
      h->verified = v > 0;
      return;
    }
    // Not a match: go on after the line. The next round checks its bytes from the
    // candidate on for the stop byte (up to `end`: a line that reaches past `end`
    // is found again by the caller, from where it began, and so is "none").
    if (j->count_newlines && stop) h->newlines += 1;
    checked = at;
    from = stop ? line_end + 1 : j->limit;
  }
}

int csg_next_line(const csg_literals *literals, const csg_classes *classes, const unsigned char *base, size_t from,
                  size_t end, size_t limit, size_t checked, int stop, int count_newlines,
                  csg_line_verifier verify, void *verify_context, int exact, csg_line_span *spans, size_t capacity,
                  size_t *count, csg_line_hit *hit, const void **fault) {
  csg_line_job j = {.literals = literals, .classes = classes, .base = base, .from = from, .end = end,
                    .limit = limit < end ? end : limit, .checked = checked, .stop = stop,
                    .count_newlines = count_newlines, .verify = verify, .verify_context = verify_context,
                    .exact = exact, .spans = capacity && count ? spans : NULL, .capacity = capacity, .count = count,
                    .hit = hit};
  if (count) *count = 0;
  hit->kind = CSG_FOUND_NONE;
  hit->at = (ptrdiff_t)end;
  hit->newlines = 0;
  hit->verified = 0;
  size_t lo = checked < from ? checked : from;
  if (j.limit <= lo) return CSG_OK;
  return csg_guarded_call(run_next_line, &j, base + lo, j.limit - lo, NULL, 0, fault);
}
