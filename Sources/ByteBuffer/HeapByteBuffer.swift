import Synchronization

/// A byte buffer in ordinary memory, with the whole API of a memory-mapped file.
///
/// `HeapByteBuffer` is the in-memory twin of `MappedByteBuffer`: code written
/// against ``MutableByteBuffer`` runs unchanged on either, so a test can hand
/// it bytes where production code maps a file. It is also how data that cannot
/// be mapped is searched: a pipe, standard input, or a `/proc` file whose size
/// reads as 0 (see ``init(readingToEndOf:path:readOnly:)`` and
/// ``readingStandardInput()``).
///
/// ```swift
/// let buffer = HeapByteBuffer("GET /index.html\nGET /about\n")
/// let line = try buffer.readLine()          // "GET /index.html\n" as bytes
/// try buffer.seek(0)
/// let hit = try buffer.find("about")        // 21
/// ```
///
/// ## Thread safety
///
/// The buffer's state (its memory, `count`, `position` and whether it is
/// closed) is guarded by a lock, and every ``withUnsafeBytes(_:)`` or
/// ``withUnsafeMutableBytes(_:)`` call registers an *active access* for the
/// duration of its body. While any access is active, ``close()`` and
/// ``resize(to:)`` throw ``ByteBufferError/busy(operation:path:)`` instead of
/// freeing memory under a reader (Python's `BufferError`); `MappedByteBuffer`
/// follows the same scheme. Concurrent readers are safe. Cursor operations
/// (`read`, `write`, `seek`, ...) from several threads are memory-safe, but
/// their order, and so the position each one sees, is unspecified; concurrent
/// writes to the same bytes race as they would on any shared memory.
public final class HeapByteBuffer: MutableByteBuffer, @unchecked Sendable {
  /// This object's address, which orders `state`'s critical sections for
  /// ThreadSanitizer (`withOrderedLock`).
  var lockTag: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

  // @unchecked Sendable: all mutable state lives in `state`, behind a Mutex;
  // the bytes themselves are shared memory, as with a mapping.

  /// The mutable state, guarded by the lock.
  struct State {
    /// The memory; `nil` after `close()`.
    var storage: HeapStorage?
    /// The number of bytes in use (`storage.capacity` may be larger).
    var count: Int
    /// The cursor.
    var position: Int
    /// The number of `withUnsafe[Mutable]Bytes` bodies running now.
    var activeAccesses: Int
  }

  /// A pointer handed out to one access, taken out of the lock.
  struct Access: @unchecked Sendable {
    // @unchecked Sendable: the pointer is only used inside the access it was
    // taken for, during which the memory cannot be freed or moved.
    let base: UnsafeMutableRawPointer?
    let count: Int
  }

  let state: Mutex<State>

  /// Whether writes are refused (set at creation).
  public let isReadOnly: Bool

  /// The file the bytes were read from, when they came from one; used in
  /// error messages.
  public let path: String?

  /// Creates a buffer that takes over `storage`, of which `count` bytes are used.
  init(storage: HeapStorage, count: Int, path: String?, readOnly: Bool) {
    self.state = Mutex(State(storage: storage, count: count, position: 0, activeAccesses: 0))
    self.isReadOnly = readOnly
    self.path = path
  }

  /// Creates a buffer holding a copy of `bytes`, with the position at 0.
  ///
  /// - Parameters:
  ///   - bytes: The initial contents.
  ///   - readOnly: Whether writes are refused. Defaults to `false`.
  /// - Complexity: O(*n*), where *n* is the number of bytes.
  public convenience init(_ bytes: some Collection<UInt8>, readOnly: Bool = false) {
    let storage: HeapStorage
    if let copied = bytes.withContiguousStorageIfAvailable({ HeapStorage(copying: UnsafeRawBufferPointer($0)) }) {
      storage = copied
    } else {
      let array = Array(bytes)
      storage = array.withUnsafeBytes { HeapStorage(copying: $0) }
    }
    self.init(storage: storage, count: storage.capacity, path: nil, readOnly: readOnly)
  }

  /// Creates a buffer holding a copy of `bytes`, with the position at 0.
  ///
  /// - Parameters:
  ///   - bytes: The initial contents.
  ///   - readOnly: Whether writes are refused. Defaults to `false`.
  /// - Complexity: O(*n*), where *n* is the number of bytes.
  public convenience init(_ bytes: [UInt8], readOnly: Bool = false) {
    let storage = bytes.withUnsafeBytes { HeapStorage(copying: $0) }
    self.init(storage: storage, count: storage.capacity, path: nil, readOnly: readOnly)
  }

  /// Creates a buffer holding the UTF-8 encoding of `string`, with the
  /// position at 0.
  ///
  /// - Parameters:
  ///   - string: The initial contents, stored as UTF-8 with no terminator.
  ///   - readOnly: Whether writes are refused. Defaults to `false`.
  /// - Complexity: O(*n*), where *n* is the number of UTF-8 bytes.
  public convenience init(_ string: String, readOnly: Bool = false) {
    self.init(string.utf8, readOnly: readOnly)
  }

  /// Creates a writable buffer of `count` zero bytes, with the position at 0
  /// (like Python's anonymous `mmap.mmap(-1, count)`).
  ///
  /// - Parameter count: The number of bytes.
  /// - Precondition: `count >= 0`.
  /// - Complexity: O(*n*).
  public convenience init(count: Int) {
    precondition(count >= 0, "count \(count) is negative")
    let storage = HeapStorage(capacity: count)
    storage.zero(from: 0, count: count)
    self.init(storage: storage, count: count, path: nil, readOnly: false)
  }

  // MARK: - MutableByteBuffer primitives

  /// The number of bytes in the buffer (Python: `len(m)`); 0 after `close()`.
  public var count: Int {
    state.withOrderedLock(tag: lockTag) { $0.count }
  }

  /// Whether `close()` has been called (Python: `m.closed`).
  public var isClosed: Bool {
    state.withOrderedLock(tag: lockTag) { $0.storage == nil }
  }

  /// The cursor used by `read`, `readLine`, `write` and friends (Python: `tell()`).
  ///
  /// It may be greater than `count` after the buffer shrank.
  ///
  /// - Precondition: a new value is not negative. Use `seek(_:whence:)` for a
  ///   checked move that throws instead.
  public var position: Int {
    get { state.withOrderedLock(tag: lockTag) { $0.position } }
    set {
      precondition(newValue >= 0, "position \(newValue) is negative")
      state.withOrderedLock(tag: lockTag) { $0.position = newValue }
    }
  }

  /// Registers an access and returns the memory, or throws when closed (or
  /// read-only, for a write access).
  private func beginAccess(forWriting: Bool) throws(ByteBufferError) -> Access {
    try state.withOrderedLock(tag: lockTag) { (state: inout State) throws(ByteBufferError) -> Access in
      guard let storage = state.storage else { throw .closed(path: path) }
      if forWriting && isReadOnly { throw .readOnly(operation: "write", path: path) }
      state.activeAccesses += 1
      return Access(base: storage.base, count: state.count)
    }
  }

  private func endAccess() {
    state.withOrderedLock(tag: lockTag) { $0.activeAccesses -= 1 }
  }

  /// Calls `body` with the buffer's bytes, in place.
  ///
  /// While `body` runs, the buffer counts as in use: `close()` and
  /// `resize(to:)` throw ``ByteBufferError/busy(operation:path:)``. An empty
  /// buffer passes a pointer whose `baseAddress` is `nil`.
  ///
  /// - Parameter body: A closure that reads the bytes.
  /// - Returns: What `body` returns.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and whatever
  ///   `body` throws.
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    let access = try beginAccess(forWriting: false)
    defer { endAccess() }
    return try body(UnsafeRawBufferPointer(start: access.base, count: access.count))
  }

  /// Calls `body` with the buffer's bytes, in place, for writing.
  ///
  /// While `body` runs, the buffer counts as in use: `close()` and
  /// `resize(to:)` throw ``ByteBufferError/busy(operation:path:)``.
  ///
  /// - Parameter body: A closure that reads and writes the bytes.
  /// - Returns: What `body` returns.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer,
  ///   and whatever `body` throws.
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
    let access = try beginAccess(forWriting: true)
    defer { endAccess() }
    return try body(UnsafeMutableRawBufferPointer(start: access.base, count: access.count))
  }

  /// Changes `count` to `newCount` (Python: `resize(newsize)`).
  ///
  /// Growing appends zero bytes; shrinking keeps the first `newCount` bytes.
  /// The position does not change, so it may end up past the end (as in
  /// CPython). Unlike CPython, resizing to 0 is allowed.
  ///
  /// - Parameter newCount: The new number of bytes.
  /// - Throws: In this order: ``ByteBufferError/closed(path:)``,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer,
  ///   ``ByteBufferError/invalidArgument(operation:reason:)`` when `newCount`
  ///   is negative (the check every backend shares:
  ///   ``MutableByteBuffer/checkResizeCount(_:maximum:)``),
  ///   ``ByteBufferError/busy(operation:path:)`` while an access is active
  ///   (for example when called from inside `withUnsafeBytes`), and
  ///   ``ByteBufferError/system(operation:path:errno:)`` with `ENOMEM` when
  ///   the memory cannot be allocated (the buffer is then unchanged; CPython's
  ///   anonymous map raises `OSError` the same way).
  /// - Complexity: O(*n*) when the memory has to move.
  public func resize(to newCount: Int) throws(ByteBufferError) {
    try state.withOrderedLock(tag: lockTag) { (state: inout State) throws(ByteBufferError) in
      guard let storage = state.storage else { throw .closed(path: path) }
      if isReadOnly { throw .readOnly(operation: "resize", path: path) }
      try checkResizeCount(newCount)
      if state.activeAccesses > 0 { throw .busy(operation: "resize", path: path) }
      if newCount > storage.capacity || newCount < storage.capacity / 2 {
        // A shrink that cannot move to a smaller block keeps the larger one.
        guard storage.reallocate(capacity: newCount, keeping: min(state.count, newCount))
          || newCount <= storage.capacity
        else {
          throw .system(operation: "resize", path: path, errno: HeapStorage.outOfMemory)
        }
      }
      if newCount > state.count {
        storage.zero(from: state.count, count: newCount - state.count)
      }
      state.count = newCount
    }
  }

  /// Checks its arguments: a heap buffer has no file to write back to
  /// (Python: `flush([offset, size])`).
  ///
  /// - Parameters:
  ///   - range: The bytes to flush; `nil` for all.
  ///   - mode: Ignored: there is nothing to wait for.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `range` does not lie within `0...count` (Python's `ValueError`).
  public func flush(_ range: Range<Int>?, mode: FlushMode) throws(ByteBufferError) {
    _ = try checkedFlushRange(range)
  }

  /// Releases the memory (Python: `close()`). Closing a closed buffer does
  /// nothing.
  ///
  /// Afterwards `count` is 0, and every operation but `close()`, `isClosed`
  /// and `position` throws ``ByteBufferError/closed(path:)``
  /// (subscripts trap).
  ///
  /// - Throws: ``ByteBufferError/busy(operation:path:)`` while an access is
  ///   active (inside a `withUnsafeBytes` body, on this or another thread);
  ///   the buffer then stays open.
  public func close() throws(ByteBufferError) {
    try state.withOrderedLock(tag: lockTag) { (state: inout State) throws(ByteBufferError) in
      guard state.storage != nil else { return }
      if state.activeAccesses > 0 { throw .busy(operation: "close", path: path) }
      state.storage = nil
      state.count = 0
    }
  }
}
