import CScanGuard
import Synchronization

extension Mutex where Value: ~Copyable {
  /// `withLock`, with its critical section also ordered for ThreadSanitizer
  /// by `tag` (`csg_sync_acquire`/`csg_sync_release`, no-ops in other builds).
  ///
  /// A contended `Mutex` is handed to the waiting thread by a futex in the
  /// uninstrumented Swift runtime, so TSan sees no edge from one holder to the
  /// next: what the first wrote under the lock (a pooled scratch space, a code
  /// object compiled on first use) and the second reads looked like a race.
  package borrowing func withOrderedLock<Result: ~Copyable, E: Error>(
    tag: UnsafeRawPointer, _ body: (inout sending Value) throws(E) -> sending Result
  ) throws(E) -> sending Result {
    try withLock { (value: inout sending Value) throws(E) -> sending Result in
      csg_sync_acquire(tag)
      defer { csg_sync_release(tag) }
      return try body(&value)
    }
  }
}
