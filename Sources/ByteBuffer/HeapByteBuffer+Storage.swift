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
  init(capacity: Int) {
    precondition(capacity >= 0, "capacity \(capacity) is negative")
    self.capacity = capacity
    self.base = capacity > 0 ? UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16) : nil
  }

  /// Allocates room for `bytes` and copies them in.
  convenience init(copying bytes: UnsafeRawBufferPointer) {
    self.init(capacity: bytes.count)
    if let base, let source = bytes.baseAddress {
      base.copyMemory(from: source, byteCount: bytes.count)
    }
  }

  /// Moves the first `keeping` bytes into a new allocation of `newCapacity`
  /// bytes; bytes past `keeping` are left uninitialized.
  ///
  /// - Precondition: `0 <= keeping <= min(capacity, newCapacity)`.
  func reallocate(capacity newCapacity: Int, keeping: Int) {
    precondition(keeping >= 0 && keeping <= capacity && keeping <= newCapacity, "cannot keep \(keeping) bytes")
    let newBase = newCapacity > 0
      ? UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16) : nil
    if keeping > 0, let newBase, let base {
      newBase.copyMemory(from: base, byteCount: keeping)
    }
    base?.deallocate()
    base = newBase
    capacity = newCapacity
  }

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
    base?.deallocate()
  }
}
