// One guarded call per candidate line: the prefilter's scan, the stop-byte
// check of the bytes the previous call left unchecked, and the line's bounds
// and newline count — work a line search would otherwise do in four or five
// calls for each candidate.
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
  csg_line_hit *hit;
} csg_line_job;

static void run_next_line(void *c) {
  csg_line_job *j = c;
  csg_line_hit *h = j->hit;
  const unsigned char *base = j->base;
  size_t from = j->from, checked = j->checked;
  h->kind = CSG_FOUND_NONE;
  h->newlines = 0;
  h->verified = 0;
  for (;;) {
    if (j->stop >= 0 && checked < from) {
      const unsigned char *nul = memchr(base + checked, j->stop, from - checked);
      if (nul) {
        h->kind = CSG_FOUND_STOP;
        h->at = nul - base;
        return;
      }
    }
    if (from >= j->end) {
      h->kind = CSG_FOUND_NONE;
      return;
    }
    size_t n = j->end - from;
    int kind = CSG_FOUND_NEEDLE;
    ptrdiff_t r = j->literals ? csg_literals_scan_unguarded(j->literals, base + from, n, j->stop, &kind)
                              : csg_classes_scan_unguarded(j->classes, base + from, n, j->stop, &kind);
    if (r < 0) {
      h->kind = CSG_FOUND_NONE;
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
    if (j->count_newlines && start > from) h->newlines += csg_count_byte_unguarded(base + from, start - from, '\n');
    h->line_start = (ptrdiff_t)start;
    h->line_end = (ptrdiff_t)line_end;
    h->first = base[start];  // start <= at < limit: inside the guarded range
    if (!j->verify) return;
    int v = j->verify(j->verify_context, base + start, line_end - start);
    if (v != 0) {
      h->verified = v > 0;
      return;
    }
    // Not a match: go on after the line; its bytes from the candidate on still need the stop check.
    if (!stop || line_end + 1 >= j->end) {
      size_t upto = line_end < j->end ? line_end + (stop ? 1 : 0) : j->end;
      if (j->stop >= 0 && at < upto) {
        const unsigned char *nul = memchr(base + at, j->stop, upto - at);
        if (nul) {
          h->kind = CSG_FOUND_STOP;
          h->at = nul - base;
          return;
        }
      }
      // The caller finds the line again (from where it began) if it reaches past `end`.
      h->kind = CSG_FOUND_NONE;
      h->newlines = 0;
      return;
    }
    if (j->count_newlines) h->newlines += 1;
    checked = at;
    from = line_end + 1;
  }
}

int csg_next_line(const csg_literals *literals, const csg_classes *classes, const unsigned char *base, size_t from,
                  size_t end, size_t limit, size_t checked, int stop, int count_newlines,
                  csg_line_verifier verify, void *verify_context, csg_line_hit *hit, const void **fault) {
  csg_line_job j = {.literals = literals, .classes = classes, .base = base, .from = from, .end = end,
                    .limit = limit < end ? end : limit, .checked = checked, .stop = stop,
                    .count_newlines = count_newlines, .verify = verify, .verify_context = verify_context, .hit = hit};
  hit->kind = CSG_FOUND_NONE;
  hit->verified = 0;
  size_t lo = checked < from ? checked : from;
  if (j.limit <= lo) return CSG_OK;
  return csg_guarded_call(run_next_line, &j, base + lo, j.limit - lo, NULL, 0, fault);
}
