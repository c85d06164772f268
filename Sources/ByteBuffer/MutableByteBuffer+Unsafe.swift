import CScanGuard

extension MutableByteBuffer {
  /// Calls `body` with the buffer's bytes, in place, with typed errors.
  ///
  /// This is the `withUnsafeBytes(_:)` primitive for callers that throw a
  /// typed error: errors of the buffer itself (closed, truncated, ...) are
  /// turned into `E` by `mapError`; errors of `body` pass through unchanged.
  ///
  /// ```swift
  /// let n = try buffer.withUnsafeBytes { (raw) throws(MyError) -> Int in
  ///   try countRecords(raw)
  /// } mapError: { MyError.buffer($0) }
  /// ```
  ///
  /// - Parameters:
  ///   - body: A closure that reads the bytes.
  ///   - mapError: Converts a ``ByteBufferError`` of the buffer into `E`.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws, or `mapError` of the buffer's error
  ///   (``ByteBufferError/closed(path:)`` after `close()`).
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  public func withUnsafeBytes<R, E: Error>(
    _ body: (UnsafeRawBufferPointer) throws(E) -> R, mapError: (ByteBufferError) -> E
  ) throws(E) -> R {
    let result: Result<R, E>
    do {
      result = try withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
    } catch {
      throw mapError(Self.bufferError(error))
    }
    return try result.get()
  }

  /// Calls `body` with the buffer's bytes, in place, for writing, with typed errors.
  ///
  /// The writing counterpart of ``withUnsafeBytes(_:mapError:)``.
  ///
  /// - Parameters:
  ///   - body: A closure that reads and writes the bytes.
  ///   - mapError: Converts a ``ByteBufferError`` of the buffer into `E`.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws, or `mapError` of the buffer's error
  ///   (``ByteBufferError/closed(path:)``, ``ByteBufferError/readOnly(operation:path:)``).
  /// - Warning: Do not store or return the pointer; it is valid only inside `body`.
  public func withUnsafeMutableBytes<R, E: Error>(
    _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R, mapError: (ByteBufferError) -> E
  ) throws(E) -> R {
    let result: Result<R, E>
    do {
      result = try withUnsafeMutableBytes { raw in Result { () throws(E) -> R in try body(raw) } }
    } catch {
      throw mapError(Self.bufferError(error))
    }
    return try result.get()
  }

  /// The primitives promise to throw only `ByteBufferError`; anything else is
  /// a bug in the backend.
  static func bufferError(_ error: any Error) -> ByteBufferError {
    guard let error = error as? ByteBufferError else {
      preconditionFailure("a MutableByteBuffer primitive threw \(error), not a ByteBufferError")
    }
    return error
  }

  /// `withUnsafeBytes` for this module's own operations: typed `ByteBufferError`.
  func readingBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ByteBufferError) -> R) throws(ByteBufferError) -> R {
    try withUnsafeBytes(body, mapError: { $0 })
  }

  /// `withUnsafeMutableBytes` for this module's own operations, after the
  /// closed and read-only checks, which name `operation`.
  func writingBytes<R>(
    _ operation: String, _ body: (UnsafeMutableRawBufferPointer) throws(ByteBufferError) -> R
  ) throws(ByteBufferError) -> R {
    try checkWritable(operation)
    return try withUnsafeMutableBytes(body, mapError: { $0 })
  }

  /// Throws `.closed`, then `.readOnly` (Python's order: `ValueError`, then `TypeError`).
  func checkWritable(_ operation: String) throws(ByteBufferError) {
    if isClosed { throw .closed(path: path) }
    if isReadOnly { throw .readOnly(operation: operation, path: path) }
  }

  /// Throws `.closed` after `close()`.
  func checkOpen() throws(ByteBufferError) {
    if isClosed { throw .closed(path: path) }
  }

  /// Copies `count` bytes at `offset` of `raw` out, under the SIGBUS guard.
  func copyBytes(_ raw: UnsafeRawBufferPointer, offset: Int, count: Int) throws(ByteBufferError) -> [UInt8] {
    precondition(offset >= 0 && count >= 0 && offset <= raw.count - count, "copy out of range")
    guard count > 0, let base = raw.baseAddress else { return [] }
    var fault: UnsafeRawPointer?
    var rc = Int32(CSG_OK)
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
      // Safe because offset + count <= raw.count (checked above).
      rc = csg_memmove(destination.baseAddress, base + offset, count, &fault)
      initialized = count
    }
    if rc != Int32(CSG_OK) { throw ByteBufferError(faultAt: fault, base: base, path: path) }
    return bytes
  }

  /// Copies `bytes` into `raw` at `offset`, under the SIGBUS guard.
  func storeBytes(
    _ bytes: some Collection<UInt8>, into raw: UnsafeMutableRawBufferPointer, at offset: Int
  ) throws(ByteBufferError) {
    let count = bytes.count
    precondition(offset >= 0 && offset <= raw.count - count, "store out of range")
    guard count > 0, let base = raw.baseAddress else { return }
    let path = self.path
    // Safe because offset + count <= raw.count (checked above).
    let destination = base + offset
    let copied: Result<Void, ByteBufferError>? = bytes.withContiguousStorageIfAvailable { source in
      Result { () throws(ByteBufferError) in
        try guarded(base: UnsafeRawPointer(base), path: path) { csg_memmove(destination, source.baseAddress, count, $0) }
      }
    }
    if let copied { return try copied.get() }
    let array = Array(bytes)
    try array.withUnsafeBytes { source in
      Result { () throws(ByteBufferError) in
        try guarded(base: UnsafeRawPointer(base), path: path) { csg_memmove(destination, source.baseAddress, count, $0) }
      }
    }.get()
  }
}
