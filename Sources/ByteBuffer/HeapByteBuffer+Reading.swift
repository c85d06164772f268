import SystemPackage

extension HeapByteBuffer {
  /// Creates a buffer holding the whole contents of the file at `path`.
  ///
  /// The file is read to its end, not by the size `stat` reports, so files
  /// that report size 0 (such as those in `/proc`) and FIFOs work. The
  /// position starts at 0. ``path`` is set to `path` for error messages.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - readOnly: Whether writes are refused. Defaults to `false`.
  /// - Throws: ``ByteBufferError/system(operation:path:errno:)`` when the file
  ///   cannot be opened (`ENOENT`, `EACCES`, ...) or read, and
  ///   ``ByteBufferError/notRegularFile(path:kind:)`` for a directory.
  /// - Complexity: O(*n*), where *n* is the size of the file.
  public convenience init(contentsOf path: String, readOnly: Bool = false) throws(ByteBufferError) {
    try self.init(contentsOf: FilePath(path), readOnly: readOnly)
  }

  /// Creates a buffer holding the whole contents of the file at `path`.
  ///
  /// See ``init(contentsOf:readOnly:)-(String,_)``; this is the `FilePath` spelling.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - readOnly: Whether writes are refused. Defaults to `false`.
  /// - Throws: ``ByteBufferError/system(operation:path:errno:)`` when the file
  ///   cannot be opened or read, and ``ByteBufferError/notRegularFile(path:kind:)``
  ///   for a directory.
  /// - Complexity: O(*n*), where *n* is the size of the file.
  public convenience init(contentsOf path: FilePath, readOnly: Bool = false) throws(ByteBufferError) {
    let name = path.string
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
    } catch {
      throw .system(operation: "open", path: name, errno: errnoCode(error))
    }
    defer { try? fd.close() }
    // A hint only: the read loop goes on to EOF whatever the size says.
    let sizeHint = (try? fd.seek(offset: 0, from: .end)).map { Int($0) } ?? 0
    _ = try? fd.seek(offset: 0, from: .start)
    let storage = try Self.readToEnd(fd, name: name, sizeHint: sizeHint)
    self.init(storage: storage.storage, count: storage.count, path: name, readOnly: readOnly)
  }

  /// Creates a buffer holding everything that can be read from `fd`, from its
  /// current offset to end of file.
  ///
  /// Works on pipes, sockets, terminals and files alike; a read interrupted by
  /// a signal (`EINTR`) is retried. The descriptor is left open, at its end.
  ///
  /// - Parameters:
  ///   - fd: An open descriptor, readable. The caller keeps owning it.
  ///   - path: A name for error messages (and ``path``), or `nil`.
  ///   - readOnly: Whether writes are refused. Defaults to `false`.
  /// - Throws: ``ByteBufferError/system(operation:path:errno:)`` when a read
  ///   fails, and ``ByteBufferError/notRegularFile(path:kind:)`` for a
  ///   directory.
  /// - Complexity: O(*n*), where *n* is the number of bytes read.
  public convenience init(
    readingToEndOf fd: FileDescriptor, path: String? = nil, readOnly: Bool = false
  ) throws(ByteBufferError) {
    let storage = try Self.readToEnd(fd, name: path, sizeHint: 0)
    self.init(storage: storage.storage, count: storage.count, path: path, readOnly: readOnly)
  }

  /// Reads standard input to its end into a new, writable buffer.
  ///
  /// This is how data from a pipe, which cannot be mapped, is searched. The
  /// buffer's ``path`` is `nil`; errors name `(standard input)`.
  ///
  /// - Returns: A buffer holding everything read, positioned at 0.
  /// - Throws: ``ByteBufferError/system(operation:path:errno:)`` when a read fails.
  /// - Complexity: O(*n*), where *n* is the number of bytes read.
  public static func readingStandardInput() throws(ByteBufferError) -> HeapByteBuffer {
    let storage = try readToEnd(.standardInput, name: "(standard input)", sizeHint: 0)
    return HeapByteBuffer(storage: storage.storage, count: storage.count, path: nil, readOnly: false)
  }

  /// Reads `fd` to EOF into new storage, growing it geometrically.
  static func readToEnd(
    _ fd: FileDescriptor, name: String?, sizeHint: Int
  ) throws(ByteBufferError) -> (storage: HeapStorage, count: Int) {
    // One byte more than the hint, so that a file of exactly that size is
    // recognised as complete by the next read returning 0.
    // A hint beyond 1 TiB is not a size (a directory's end offset reads as
    // Int64.max on some file systems): ignore it.
    let hint = sizeHint >= 0 && sizeHint <= 1 << 40 ? sizeHint : 0
    let storage = HeapStorage(capacity: max(hint + 1, 16 * 1024))
    var count = 0
    while true {
      if count == storage.capacity {
        let (doubled, overflow) = storage.capacity.multipliedReportingOverflow(by: 2)
        guard !overflow, storage.reallocate(capacity: doubled, keeping: count) else {
          throw .system(operation: "read", path: name, errno: HeapStorage.outOfMemory)
        }
      }
      guard let base = storage.base else { preconditionFailure("storage has capacity but no memory") }
      // Safe because count < capacity.
      let free = UnsafeMutableRawBufferPointer(start: base + count, count: storage.capacity - count)
      let got: Int
      do {
        got = try fd.read(into: free, retryOnInterrupt: true)
      } catch {
        if errnoCode(error) == Errno.isDirectory.rawValue {
          throw .notRegularFile(path: name ?? "descriptor \(fd.rawValue)", kind: "a directory")
        }
        throw .system(operation: "read", path: name, errno: errnoCode(error))
      }
      if got == 0 { break }
      count += got
    }
    if storage.capacity - count > 64 * 1024 {
      storage.reallocate(capacity: count, keeping: count)
    }
    return (storage, count)
  }
}

/// The `errno` value of an error SystemPackage threw (it throws `Errno`);
/// `EIO` for anything else.
func errnoCode(_ error: any Error) -> Int32 {
  (error as? Errno)?.rawValue ?? Errno.ioError.rawValue
}
