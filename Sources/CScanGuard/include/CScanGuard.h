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

#ifdef __cplusplus
}
#endif

#endif
