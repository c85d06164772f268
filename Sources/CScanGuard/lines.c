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
  csg_line_hit *hit;
} csg_line_job;

static void run_next_line(void *c) {
  csg_line_job *j = c;
  csg_line_hit *h = j->hit;
  const unsigned char *base = j->base;
  h->kind = CSG_FOUND_NONE;
  h->newlines = 0;
  if (j->stop >= 0 && j->checked < j->from) {
    const unsigned char *nul = memchr(base + j->checked, j->stop, j->from - j->checked);
    if (nul) {
      h->kind = CSG_FOUND_STOP;
      h->at = nul - base;
      return;
    }
  }
  size_t n = j->end - j->from;
  int kind = CSG_FOUND_NEEDLE;
  ptrdiff_t r = j->literals ? csg_literals_scan_unguarded(j->literals, base + j->from, n, j->stop, &kind)
                            : csg_classes_scan_unguarded(j->classes, base + j->from, n, j->stop, &kind);
  if (r < 0) return;
  size_t at = j->from + (size_t)r;
  h->kind = kind;
  h->at = (ptrdiff_t)at;
  if (kind != CSG_FOUND_NEEDLE) return;
  const unsigned char *newline = at > j->from ? memrchr(base + j->from, '\n', at - j->from) : NULL;
  size_t start = newline ? (size_t)(newline - base) + 1 : j->from;
  const unsigned char *stop = memchr(base + at, '\n', j->limit - at);
  h->line_start = (ptrdiff_t)start;
  h->line_end = stop ? stop - base : (ptrdiff_t)j->limit;
  if (j->count_newlines && start > j->from) h->newlines = csg_count_byte_unguarded(base + j->from, start - j->from, '\n');
}

int csg_next_line(const csg_literals *literals, const csg_classes *classes, const unsigned char *base, size_t from,
                  size_t end, size_t limit, size_t checked, int stop, int count_newlines, csg_line_hit *hit,
                  const void **fault) {
  csg_line_job j = {.literals = literals, .classes = classes, .base = base, .from = from, .end = end,
                    .limit = limit < end ? end : limit, .checked = checked, .stop = stop,
                    .count_newlines = count_newlines, .hit = hit};
  hit->kind = CSG_FOUND_NONE;
  size_t lo = checked < from ? checked : from;
  if (j.limit <= lo) return CSG_OK;
  return csg_guarded_call(run_next_line, &j, base + lo, j.limit - lo, NULL, 0, fault);
}
