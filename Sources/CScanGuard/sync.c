// Happens-before annotations for ThreadSanitizer, no-ops in every other build.
//
// Synchronization.Mutex on Linux hands a contended lock to the waiting thread
// through a priority-inheritance futex in the (uninstrumented) Swift runtime:
// ThreadSanitizer sees no edge from one holder to the next, and reports what
// the second holder touches of what the first one wrote (the pattern's pooled
// scratch spaces, which move between threads through a Mutex) as a race.
// Calling these inside the critical section gives TSan the edge. The runtime's
// __tsan_acquire/__tsan_release are weak references: without -sanitize=thread
// they are NULL and nothing is called.
#include "CScanGuard.h"

void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

void csg_sync_acquire(const void *tag) {
  if (__tsan_acquire) __tsan_acquire((void *)tag);
}

void csg_sync_release(const void *tag) {
  if (__tsan_release) __tsan_release((void *)tag);
}
