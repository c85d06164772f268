/// A resizable, seekable block of bytes: the object Python's `mmap` module
/// gives Python, as a Swift protocol.
///
/// Two backends conform: `HeapByteBuffer` (bytes in memory) and
/// `MappedByteBuffer` (module MappedBuffer: a memory-mapped file, shared memory
/// object or anonymous mapping). Code written against the protocol runs
/// unchanged on either, so a test can hand a heap buffer to code that maps
/// files in production.
///
/// A backend provides only the primitives declared here; every other
/// operation (`read`, `write`, `seek`, `find`, subscripts, ...) is written once,
/// in extensions of this protocol.
///
/// Backends are reference types, like Python's mmap object: a buffer owns a
/// resource and a file position.
public protocol MutableByteBuffer: AnyObject {
  /// The number of bytes in the buffer (Python: `len(m)`).
  ///
  /// For a mapping this is the length of the mapped region, which may differ
  /// from the size of the file (see `size()`). Zero after `close()`.
  var count: Int { get }

  /// Whether writes are refused. A write to a read-only buffer throws
  /// `ByteBufferError.readOnly`; it never raises a signal.
  var isReadOnly: Bool { get }

  /// Whether `close()` has been called (Python: `m.closed`).
  var isClosed: Bool { get }

  /// The current position of the cursor used by `read`, `readLine`, `write`
  /// and friends (Python: `tell()`/`seek()`).
  ///
  /// The position may be greater than `count` after the buffer shrank; reads
  /// there return nothing and writes throw.
  ///
  /// - Precondition: a new value is not negative. (Use `seek(_:whence:)` for
  ///   a checked, throwing move.)
  var position: Int { get set }

  /// The path of the file behind the buffer, used in error messages; `nil`
  /// for memory that no file backs.
  var path: String? { get }

  /// Calls `body` with the buffer's bytes, in place.
  ///
  /// This is the only way bytes leave the buffer without a copy. An empty
  /// buffer may pass a pointer whose `baseAddress` is `nil`.
  ///
  /// - Throws: `ByteBufferError.closed` after `close()`, and whatever `body` throws.
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R

  /// Calls `body` with the buffer's bytes, in place, for writing.
  ///
  /// - Throws: `ByteBufferError.closed` after `close()`,
  ///   `ByteBufferError.readOnly` when the buffer is read-only, and whatever
  ///   `body` throws.
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R

  /// Changes `count` to `newCount` (Python: `resize(newsize)`).
  ///
  /// New bytes are zero. A file mapping resizes its file with it.
  ///
  /// - Throws: `ByteBufferError` when the buffer is closed, read-only or
  ///   copy-on-write, in use, or the system refuses.
  func resize(to newCount: Int) throws(ByteBufferError)

  /// Writes changes in `range` (the whole buffer when `nil`) back to the file
  /// behind the buffer (Python: `flush([offset, size])`).
  ///
  /// A buffer with no file behind it has nothing to flush and only checks
  /// its arguments.
  ///
  /// - Throws: `ByteBufferError` when the buffer is closed, the range is out
  ///   of bounds, or the system refuses.
  func flush(_ range: Range<Int>?, mode: FlushMode) throws(ByteBufferError)

  /// Releases the buffer's memory and file descriptor (Python: `close()`).
  ///
  /// Closing a closed buffer does nothing. Afterwards every operation but
  /// `close()` and `isClosed` throws `ByteBufferError.closed`.
  ///
  /// - Throws: `ByteBufferError.busy` while another thread is inside
  ///   `withUnsafeBytes`, or `.system` when unmapping fails.
  func close() throws(ByteBufferError)

  /// The size of the file behind the buffer (Python: `size()`); for memory
  /// with no file behind it, `count`.
  func size() throws(ByteBufferError) -> Int

  /// Tells the system how the bytes in `range` (all when `nil`) will be used
  /// (Python: `madvise`). Backends with nothing to advise only check their
  /// arguments.
  func advise(_ advice: AccessAdvice, range: Range<Int>?) throws(ByteBufferError)
}

/// How `flush(_:mode:)` waits for the data to reach the file.
public enum FlushMode: Sendable, Hashable {
  /// Return when the data is on the storage device (`msync(MS_SYNC)`). The default.
  case synchronous
  /// Schedule the write and return at once (`msync(MS_ASYNC)`).
  case asynchronous
}

/// Where `seek(_:whence:)` counts from (Python: `os.SEEK_SET/CUR/END`).
public enum SeekOrigin: Sendable, Hashable {
  /// From offset 0 (`SEEK_SET`).
  case start
  /// From the current position (`SEEK_CUR`).
  case current
  /// From `count` (`SEEK_END`).
  case end
}

/// Non-destructive advice about how memory will be accessed (`madvise(2)`).
///
/// Advice that can discard data (`MADV_DONTNEED`, `MADV_REMOVE`, `MADV_FREE`)
/// is not here: `MappedByteBuffer` offers it only through a method whose name
/// says it is unsafe.
public enum AccessAdvice: Sendable, Hashable, CaseIterable {
  /// No special treatment (`MADV_NORMAL`).
  case normal
  /// Pages will be read in random order: read ahead less (`MADV_RANDOM`).
  case random
  /// Pages will be read in order: read ahead more, drop read pages early (`MADV_SEQUENTIAL`).
  case sequential
  /// Pages will be needed soon: start reading them in (`MADV_WILLNEED`).
  case willNeed
}
