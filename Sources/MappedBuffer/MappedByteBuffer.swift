import ByteBuffer
import Synchronization
import SystemPackage

/// A memory-mapped file, shared memory object or anonymous memory: the object
/// Python's `mmap` module gives Python, as a `MutableByteBuffer` (module ByteBuffer).
///
/// Map a file and search or change it in place; every operation of the
/// protocol (`read`, `write`, `seek`, `find`, subscripts, ...) works on the
/// mapped bytes without copying the file:
///
/// ```swift
/// let log = try MappedByteBuffer(path: "big.log")          // read-only, whole file
/// if let offset = try log.find("ERROR") { print(offset) }
///
/// let data = try MappedByteBuffer(path: "data.bin", access: .write)
/// try data.write([0xCA, 0xFE])                             // changes the file
/// try data.flush()                                         // msync(MS_SYNC)
/// try data.close()
/// ```
///
/// ## Sources and access
///
/// A buffer maps a file given by path, `FilePath` or open descriptor (the
/// buffer keeps its own duplicate of the descriptor, so the caller may close
/// theirs), a named POSIX shared memory object, or anonymous memory. A file
/// is mapped whole or for a given length from any offset; the offset need
/// not be page-aligned (the mapping starts at the page below it, and the
/// bytes before `offset` are hidden). ``Access-swift.enum`` chooses between
/// read-only, shared read-write and private copy-on-write mappings; the
/// raw-flag initializers take `MAP_*`/`PROT_*` values for experts.
///
/// An empty file gives an empty buffer with no mapping behind it.
///
/// ## Count and size
///
/// ``count`` is the length of the mapped region; ``size()`` is the size of
/// the file now, which another process may have changed.
///
/// ## Thread safety
///
/// The buffer's state (mapping, count, position, closed flag) is guarded by
/// a lock, so a buffer may be shared between threads. While any thread is
/// inside ``withUnsafeBytes(_:)`` or ``withUnsafeMutableBytes(_:)``, the
/// mapping cannot be removed or moved: ``close()`` and ``resize(to:)`` throw
/// `ByteBufferError.busy` instead (Python's `BufferError`). Cursor operations
/// from several threads are memory-safe, but their order is unspecified.
///
/// ## Truncated files
///
/// If another process shrinks a mapped file, touching the lost pages raises
/// `SIGBUS`. The bulk operations of the protocol (`find`, `read`, `write`,
/// `move`, `byte(at:)`, line counting, regex matching) and ``prefault()`` run
/// under a guard that turns the signal into
/// `ByteBufferError.truncated(path:offset:)`. A subscript cannot throw: over
/// a lost page it ends the process (use `byte(at:)` to get the error). Code
/// you run inside ``withUnsafeBytes(_:)`` is not guarded: there `SIGBUS`
/// ends the process, as it would in C.
public final class MappedByteBuffer: MutableByteBuffer, @unchecked Sendable {
  /// This object's address, which orders `state`'s critical sections for
  /// ThreadSanitizer (`withOrderedLock`).
  var lockTag: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

  // Safe to be Sendable (unchecked) because every mutable property lives in
  // `state`, behind a Mutex; the rest is immutable after init.

  /// What the mapping maps.
  enum Source: Sendable, Equatable {
    /// A file, by path or descriptor.
    case file
    /// A named POSIX shared memory object (the name without the "shm:" prefix).
    case sharedMemory(name: String)
    /// Anonymous memory: no file, no descriptor.
    case anonymous
  }

  /// The mutable part of a buffer, guarded by `state`.
  ///
  /// Safe to be Sendable (unchecked): it is only read and written under the
  /// Mutex, and the mapping it points to is only used while an access is
  /// registered in it.
  struct State: @unchecked Sendable {
    /// The page-aligned start of the mapping (the user's bytes start
    /// `alignmentDelta` bytes later); `nil` when `count` is 0 or the buffer
    /// is closed.
    var mapping: UnsafeMutableRawPointer?
    /// The number of bytes the user sees (0 after close).
    var count: Int
    /// The cursor of `read`/`write`/`seek`.
    var position: Int
    /// The buffer's own descriptor, or -1 (anonymous, or closed).
    var descriptor: Int32
    /// Whether `close()` has run.
    var isClosed: Bool
    /// How many `withUnsafe[Mutable]Bytes` bodies (and flush/advise/lock
    /// calls) are using the mapping now.
    var activeAccesses: Int

    /// The length actually mapped: the hidden bytes below `offset` plus `count`.
    func mappedLength(delta: Int) -> Int { mapping == nil ? 0 : delta + count }
  }

  /// Everything an initializer computes before the buffer exists.
  struct Parts {
    var mapping: UnsafeMutableRawPointer?
    var count: Int
    var descriptor: Int32
    var path: String?
    var access: Access?
    var flags: MappingFlags
    var protection: MemoryProtection
    var offset: Int
    var source: Source
  }

  /// The path of the mapped file, used in error messages: the path given at
  /// creation, `"shm:NAME"` for a shared memory object, `nil` for anonymous
  /// memory (and for a descriptor given without a path).
  public let path: String?

  /// The access the buffer was created with, or `nil` when it was created
  /// with raw ``flags`` and ``protection``.
  public let access: Access?

  /// The `mmap(2)` flags of the mapping.
  public let flags: MappingFlags

  /// The `mmap(2)` protection of the mapping.
  public let protection: MemoryProtection

  /// The offset in the file of the buffer's first byte (0 for anonymous
  /// memory and shared memory objects).
  public let offset: Int

  let source: Source

  /// `offset` minus the page-aligned offset the mapping really starts at.
  let alignmentDelta: Int

  let state: Mutex<State>

  init(parts: Parts) {
    path = parts.path
    access = parts.access
    flags = parts.flags
    protection = parts.protection
    offset = parts.offset
    source = parts.source
    alignmentDelta = parts.offset % sysPageSize
    state = Mutex(
      State(
        mapping: parts.mapping, count: parts.count, position: 0,
        descriptor: parts.descriptor, isClosed: false, activeAccesses: 0))
  }

  deinit {
    // Errors are ignored here; `close()` reports them.
    let delta = alignmentDelta
    state.withOrderedLock(tag: lockTag) { state in
      guard !state.isClosed else { return }
      if let mapping = state.mapping {
        try? sysUnmap(mapping, length: state.mappedLength(delta: delta))
      }
      if state.descriptor != -1 { try? sysClose(state.descriptor) }
      state.isClosed = true
    }
  }

  // MARK: - Primitives of MutableByteBuffer

  /// The number of mapped bytes (Python: `len(m)`); 0 after ``close()``.
  ///
  /// This is the length of the mapped region. The size of the file may
  /// differ: see ``size()``.
  public var count: Int {
    state.withOrderedLock(tag: lockTag) { $0.count }
  }

  /// Whether writes are refused: the mapping was made without write
  /// protection (``Access-swift.enum/read``).
  public var isReadOnly: Bool {
    !protection.contains(.write)
  }

  /// Whether ``close()`` has been called (Python: `m.closed`).
  public var isClosed: Bool {
    state.withOrderedLock(tag: lockTag) { $0.isClosed }
  }

  /// The cursor used by `read`, `write`, `readLine` and `seek` (Python:
  /// `tell()`).
  ///
  /// It may exceed ``count`` after the buffer shrank.
  ///
  /// - Precondition: A new value is not negative.
  public var position: Int {
    get { state.withOrderedLock(tag: lockTag) { $0.position } }
    set {
      precondition(newValue >= 0, "position \(newValue) is negative")
      state.withOrderedLock(tag: lockTag) { $0.position = newValue }
    }
  }

  /// Calls `body` with the mapped bytes, in place.
  ///
  /// While `body` runs, the mapping cannot be closed or resized (those throw
  /// `ByteBufferError.busy`). Reads inside `body` are not guarded against a
  /// file truncated by another process: touching lost pages there raises
  /// `SIGBUS`. An empty buffer passes a pointer whose `baseAddress` is `nil`.
  ///
  /// - Parameter body: A closure that reads the bytes.
  /// - Returns: What `body` returns.
  /// - Throws: `ByteBufferError.closed` after ``close()``, and whatever
  ///   `body` throws.
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    let (start, count) = try beginAccess(operation: "read", writing: false)
    defer { endAccess() }
    return try body(UnsafeRawBufferPointer(start: start, count: count))
  }

  /// Calls `body` with the mapped bytes, in place, for writing.
  ///
  /// Writes through a ``Access-swift.enum/write`` mapping reach the file;
  /// through a ``Access-swift.enum/copy`` mapping they stay private.
  ///
  /// - Parameter body: A closure that reads and writes the bytes.
  /// - Returns: What `body` returns.
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `ByteBufferError.readOnly` for a read-only mapping (never a signal),
  ///   and whatever `body` throws.
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  public func withUnsafeMutableBytes<R>(
    _ body: (UnsafeMutableRawBufferPointer) throws -> R
  ) throws -> R {
    let (start, count) = try beginAccess(operation: "write", writing: true)
    defer { endAccess() }
    return try body(UnsafeMutableRawBufferPointer(start: start, count: count))
  }

  /// Unmaps the memory and closes the buffer's descriptor (Python: `close()`).
  ///
  /// Closing a closed buffer does nothing. Afterwards every operation but
  /// `close()` and ``isClosed`` throws `ByteBufferError.closed`. The buffer
  /// is closed even when unmapping or closing the descriptor fails; the
  /// failure is then reported.
  ///
  /// - Throws: `ByteBufferError.busy` while a `withUnsafeBytes` body (on any
  ///   thread) is using the memory (the buffer stays open), or `.system`
  ///   when `munmap(2)` (operation "unmap") or `close(2)` (operation "close")
  ///   fails.
  public func close() throws(ByteBufferError) {
    let delta = alignmentDelta
    let failure: ByteBufferError? = try state.withOrderedLock(tag: lockTag) { state throws(ByteBufferError) in
      guard !state.isClosed else { return nil }
      guard state.activeAccesses == 0 else { throw .busy(operation: "close", path: path) }
      var failure: ByteBufferError?
      if let mapping = state.mapping {
        do throws(Errno) {
          try sysUnmap(mapping, length: state.mappedLength(delta: delta))
        } catch {
          failure = .system(operation: "unmap", path: path, errno: error.rawValue)
        }
      }
      if state.descriptor != -1 {
        do throws(Errno) {
          try sysClose(state.descriptor)
        } catch {
          failure = failure ?? .system(operation: "close", path: path, errno: error.rawValue)
        }
      }
      state = State(
        mapping: nil, count: 0, position: state.position, descriptor: -1,
        isClosed: true, activeAccesses: 0)
      return failure
    }
    if let failure { throw failure }
  }

  // MARK: - Access bookkeeping

  /// Registers an access to the mapping and returns where the user's bytes
  /// start and how many there are. Pair with `endAccess()`.
  func beginAccess(
    operation: String, writing: Bool
  ) throws(ByteBufferError) -> (UnsafeMutableRawPointer?, Int) {
    let delta = alignmentDelta
    let readOnly = isReadOnly
    let region = try state.withOrderedLock(tag: lockTag) { state throws(ByteBufferError) -> Region in
      guard !state.isClosed else { throw .closed(path: path) }
      if writing && readOnly { throw .readOnly(operation: operation, path: path) }
      state.activeAccesses += 1
      // Safe because `delta` bytes below the user's first byte are mapped too.
      return Region(start: state.mapping.map { $0 + delta }, count: state.count)
    }
    return (region.start, region.count)
  }

  /// Ends an access registered by `beginAccess`.
  func endAccess() {
    state.withOrderedLock(tag: lockTag) { $0.activeAccesses -= 1 }
  }

  /// Runs `body` with the page-aligned mapping, its mapped length and the
  /// user's byte count, as a registered access (so the mapping stays put).
  /// `body` is not called for a buffer with no mapping.
  func withMapping<R>(
    default empty: R,
    _ body: (UnsafeMutableRawPointer, _ mappedLength: Int, _ count: Int) throws(ByteBufferError) -> R
  ) throws(ByteBufferError) -> R {
    let (start, count) = try beginAccess(operation: "use", writing: false)
    defer { endAccess() }
    guard let start else { return empty }
    // Safe because the mapping starts `alignmentDelta` bytes below `start`.
    return try body(start - alignmentDelta, alignmentDelta + count, count)
  }
}

/// A mapped region handed out of the lock.
///
/// Safe to be Sendable (unchecked): the pointer is only used while an access
/// is registered, and a registered access keeps the mapping from being
/// removed or moved.
struct Region: @unchecked Sendable {
  var start: UnsafeMutableRawPointer?
  var count: Int
}
