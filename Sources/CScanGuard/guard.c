#define _GNU_SOURCE
#include "CScanGuard.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  sigjmp_buf env;
  const char *lo1, *hi1, *lo2, *hi2;
  const void *fault;
} csg_frame;

// The frame of the guarded call running on this thread, or NULL. Written
// before the scan starts, so the handler never allocates TLS.
static __thread csg_frame *volatile csg_current;

static struct sigaction csg_previous;
static pthread_once_t csg_once = PTHREAD_ONCE_INIT;

static int csg_contains(const csg_frame *f, const char *a) {
  return (a >= f->lo1 && a < f->hi1) || (a >= f->lo2 && a < f->hi2);
}

static void csg_handler(int sig, siginfo_t *info, void *ucontext) {
  csg_frame *f = csg_current;
  if (f != NULL && info != NULL && csg_contains(f, (const char *)info->si_addr)) {
    f->fault = info->si_addr;
    csg_current = NULL;
    // SA_NODEFER keeps SIGBUS unblocked, so jumping without restoring the
    // mask (sigsetjmp(env, 0): no syscall per guarded call) is safe.
    siglongjmp(f->env, 1);
  }
  // Not ours: behave exactly as if our handler were not there.
  if (csg_previous.sa_flags & SA_SIGINFO) {
    if (csg_previous.sa_sigaction != NULL) { csg_previous.sa_sigaction(sig, info, ucontext); return; }
  } else if (csg_previous.sa_handler == SIG_IGN) {
    // Ignoring a synchronous SIGBUS would re-fault forever; fall through to default.
  } else if (csg_previous.sa_handler != SIG_DFL && csg_previous.sa_handler != NULL) {
    csg_previous.sa_handler(sig);
    return;
  }
  // Default action: restore it and return; the faulting access runs again and
  // the kernel delivers SIGBUS with its default action (terminate, core).
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  // A SIGBUS sent by kill(2)/sigqueue(3) (no fault to run again) gets the
  // default action now, as it would without this handler.
  if (info == NULL || info->si_code <= 0) raise(sig);
}

static void csg_install_once(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = csg_handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &csg_previous);
}

void csg_install(void) { pthread_once(&csg_once, csg_install_once); }

// The start of the 4 KiB page holding p, and the end of the last page holding a byte of [p, p + n).
static const char *page_start(const void *p) { return (const char *)((uintptr_t)p & ~(uintptr_t)4095); }
static const char *page_end(const void *p, size_t n) {
  return (const char *)(((uintptr_t)p + n + 4095) & ~(uintptr_t)4095);
}

// `a` moved into [lo, lo + n) (to lo when n is 0).
static const char *clamped(const char *a, const void *lo, size_t n) {
  const char *l = (const char *)lo;
  if (a < l) return l;
  if (n > 0 && a >= l + n) return l + n - 1;
  return a;
}

int csg_guarded_call(void (*fn)(void *), void *context,
                     const void *lo1, size_t len1, const void *lo2, size_t len2,
                     const void **fault) {
  csg_install();
  csg_frame frame;
  // Whole 4 KiB pages: vectorised code (PCRE2's JIT, glibc's memchr) makes
  // aligned 16- to 64-byte loads that start before the range or end after it,
  // never crossing into another page; a page that holds a byte of a mapping is
  // that mapping's page, so a fault there is still the guarded file's.
  frame.lo1 = lo1 ? page_start(lo1) : NULL;
  frame.hi1 = lo1 ? page_end(lo1, len1) : NULL;
  frame.lo2 = lo2 ? page_start(lo2) : NULL;
  frame.hi2 = lo2 ? page_end(lo2, len2) : NULL;
  frame.fault = NULL;
  csg_frame *volatile outer = csg_current;  // guarded calls may nest
  if (sigsetjmp(frame.env, 0) != 0) {
    csg_current = outer;
    // The handler runs with SA_NODEFER, so SIGBUS is normally not blocked here;
    // but a layer between the kernel and the handler may install it without
    // that flag (ThreadSanitizer's signal interceptor does). Unblock it, or the
    // next fault on this thread would kill the process. Only on this rare path.
    sigset_t bus;
    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &bus, NULL);
    if (fault) {
      // Reported inside the range asked for (the fault may be in its first or last page, outside it).
      const char *a = (const char *)frame.fault;
      if (lo1 && a >= frame.lo1 && a < frame.hi1) {
        a = clamped(a, lo1, len1);
      } else if (lo2) {
        a = clamped(a, lo2, len2);
      }
      *fault = a;
    }
    return CSG_FAULT;
  }
  csg_current = &frame;
  fn(context);
  csg_current = outer;
  return CSG_OK;
}

// ---- the scans -------------------------------------------------------------

typedef struct {
  const unsigned char *p, *needle;
  void *dst;
  size_t n, m, page;
  unsigned char byte;
  ptrdiff_t result;
  size_t count;
} csg_scan;

static void run_memchr(void *c) {
  csg_scan *s = c;
  const unsigned char *r = s->n ? memchr(s->p, s->byte, s->n) : NULL;
  s->result = r ? r - s->p : -1;
}
static void run_memrchr(void *c) {
  csg_scan *s = c;
  const unsigned char *r = s->n ? memrchr(s->p, s->byte, s->n) : NULL;
  s->result = r ? r - s->p : -1;
}
static void run_memmem(void *c) {
  csg_scan *s = c;
  if (s->m == 0) { s->result = 0; return; }
  const unsigned char *r = s->n >= s->m ? memmem(s->p, s->n, s->needle, s->m) : NULL;
  s->result = r ? r - s->p : -1;
}
static void run_memrmem(void *c) {
  csg_scan *s = c;
  if (s->m == 0) { s->result = (ptrdiff_t)s->n; return; }
  s->result = -1;
  if (s->n < s->m) return;
  unsigned char first = s->needle[0];
  size_t limit = s->n - s->m + 1;  // candidate starts are [0, limit)
  while (limit > 0) {
    const unsigned char *r = memrchr(s->p, first, limit);
    if (r == NULL) return;
    if (memcmp(r, s->needle, s->m) == 0) { s->result = r - s->p; return; }
    limit = (size_t)(r - s->p);
  }
}
static void run_memmove(void *c) {
  csg_scan *s = c;
  if (s->n) memmove(s->dst, s->p, s->n);
}
static void run_memset(void *c) {
  csg_scan *s = c;
  if (s->n) memset(s->dst, s->byte, s->n);
}
static void run_count(void *c) {
  csg_scan *s = c;
  s->count = csg_count_byte_unguarded(s->p, s->n, s->byte);  // vectorised (literals.c)
}
static void run_touch(void *c) {
  csg_scan *s = c;
  volatile unsigned char sink = 0;
  for (size_t i = 0; i < s->n; i += s->page) sink ^= s->p[i];
  if (s->n) sink ^= s->p[s->n - 1];
  (void)sink;
}

int csg_memchr(const void *p, size_t n, unsigned char byte, ptrdiff_t *result, const void **fault) {
  csg_scan s = {.p = p, .n = n, .byte = byte};
  int rc = csg_guarded_call(run_memchr, &s, p, n, NULL, 0, fault);
  *result = s.result;
  return rc;
}
int csg_memrchr(const void *p, size_t n, unsigned char byte, ptrdiff_t *result, const void **fault) {
  csg_scan s = {.p = p, .n = n, .byte = byte};
  int rc = csg_guarded_call(run_memrchr, &s, p, n, NULL, 0, fault);
  *result = s.result;
  return rc;
}
int csg_memmem(const void *p, size_t n, const void *needle, size_t m, ptrdiff_t *result, const void **fault) {
  csg_scan s = {.p = p, .n = n, .needle = needle, .m = m};
  int rc = csg_guarded_call(run_memmem, &s, p, n, NULL, 0, fault);
  *result = s.result;
  return rc;
}
int csg_memrmem(const void *p, size_t n, const void *needle, size_t m, ptrdiff_t *result, const void **fault) {
  csg_scan s = {.p = p, .n = n, .needle = needle, .m = m};
  int rc = csg_guarded_call(run_memrmem, &s, p, n, NULL, 0, fault);
  *result = s.result;
  return rc;
}
int csg_memmove(void *dst, const void *src, size_t n, const void **fault) {
  csg_scan s = {.p = src, .dst = dst, .n = n};
  return csg_guarded_call(run_memmove, &s, src, n, dst, n, fault);
}
int csg_memset(void *p, unsigned char byte, size_t n, const void **fault) {
  csg_scan s = {.dst = p, .n = n, .byte = byte};
  return csg_guarded_call(run_memset, &s, p, n, NULL, 0, fault);
}
int csg_count_byte(const void *p, size_t n, unsigned char byte, size_t *count, const void **fault) {
  csg_scan s = {.p = p, .n = n, .byte = byte};
  int rc = csg_guarded_call(run_count, &s, p, n, NULL, 0, fault);
  *count = s.count;
  return rc;
}
int csg_touch_pages(const void *p, size_t n, size_t page_size, const void **fault) {
  csg_scan s = {.p = p, .n = n, .page = page_size ? page_size : 4096};
  return csg_guarded_call(run_touch, &s, p, n, NULL, 0, fault);
}
