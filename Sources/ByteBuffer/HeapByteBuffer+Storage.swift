#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory of a `HeapByteBuffer`: one raw allocation, owned by this object
/// and freed in `deinit`.
///
/// Not thread-safe on its own: `HeapByteBuffer` only touches it under its lock,
/// and never reallocates or frees it while an access is active.
final class HeapStorage: @unchecked Sendable {
  // @unchecked Sendable: after its HeapByteBuffer is created, a storage is only
  // touched under that buffer's lock, so it moves between threads safely.
  /// The first byte, or `nil` when `capacity` is 0.
  private(set) var base: UnsafeMutableRawPointer?

  /// The number of bytes allocated.
  private(set) var capacity: Int

  /// Allocates `capacity` bytes, uninitialized (callers fill what they use).
  ///
  /// - Precondition: `capacity >= 0`, and the memory can be had (as for
  ///   `Array`, running out of memory here ends the process).
  init(capacity: Int) {
    precondition(capacity >= 0, "capacity \(capacity) is negative")
    self.capacity = capacity
    self.base = nil
    if capacity > 0 {
      // malloc, not allocate(byteCount:alignment:), so that `reallocate`
      // can use realloc and fail softly. Its alignment suits any byte access.
      guard let memory = malloc(capacity) else { preconditionFailure("cannot allocate \(capacity) bytes") }
      base = memory
    }
  }

  /// Allocates room for `bytes` and copies them in.
  convenience init(copying bytes: UnsafeRawBufferPointer) {
    self.init(capacity: bytes.count)
    if let base, let source = bytes.baseAddress {
      base.copyMemory(from: source, byteCount: bytes.count)
    }
  }

  /// Changes the allocation to `newCapacity` bytes, keeping at least the
  /// first `keeping` bytes (`realloc`); bytes past them are uninitialized.
  ///
  /// Unlike `allocate(byteCount:alignment:)`, which ends the process when
  /// memory runs out, this fails softly: a size no allocator can provide (a
  /// `resize(to:)` to terabytes, say) leaves the storage as it was.
  ///
  /// - Returns: `false` when the memory could not be allocated.
  /// - Precondition: `0 <= keeping <= min(capacity, newCapacity)`.
  @discardableResult
  func reallocate(capacity newCapacity: Int, keeping: Int) -> Bool {
    precondition(keeping >= 0 && keeping <= capacity && keeping <= newCapacity, "cannot keep \(keeping) bytes")
    if newCapacity == 0 {
      free(base)
      base = nil
    } else {
      guard let memory = realloc(base, newCapacity) else { return false }
      base = memory
    }
    capacity = newCapacity
    return true
  }

  /// `ENOMEM`: the errno a failed `reallocate` stands for.
  static var outOfMemory: Int32 { ENOMEM }

  /// Sets `count` bytes at `offset` to zero.
  ///
  /// - Precondition: the range lies within `0..<capacity`.
  func zero(from offset: Int, count: Int) {
    precondition(offset >= 0 && count >= 0 && offset <= capacity - count, "cannot zero \(count) bytes at \(offset)")
    guard count > 0, let base else { return }
    // Safe because offset + count <= capacity (checked above).
    (base + offset).initializeMemory(as: UInt8.self, repeating: 0, count: count)
  }

  deinit {
    free(base)
  }
}
