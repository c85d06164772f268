import CScanGuard

extension ByteBufferError {
  /// Creates the error for a `SIGBUS` caught by a CScanGuard scan: the file
  /// behind a mapping was truncated and the bytes at `address` are gone.
  ///
  /// Every module turns a `CSG_FAULT` result into an error with this one
  /// initializer, so the offset it reports always means the same thing.
  ///
  /// ```swift
  /// var fault: UnsafeRawPointer?
  /// if csg_memchr(base, n, 0x0A, &result, &fault) != 0 {
  ///   throw ByteBufferError(faultAt: fault, base: base, path: buffer.path)
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - address: The fault address CScanGuard reported.
  ///   - base: The address of the buffer's byte 0 (the `baseAddress` of the
  ///     pointer `withUnsafeBytes` passed).
  ///   - baseOffset: The offset of `base` in the file (for a mapping made at
  ///     an offset); defaults to 0, giving buffer offsets.
  ///   - path: The file's path, for the message.
  /// - Returns: ``truncated(path:offset:)`` with `offset` = `baseOffset` +
  ///   (`address` − `base`), or `baseOffset` when either pointer is `nil`.
  public init(faultAt address: UnsafeRawPointer?, base: UnsafeRawPointer?, baseOffset: Int = 0, path: String?) {
    var offset = baseOffset
    if let address, let base {
      offset += base.distance(to: address)
    }
    self = .truncated(path: path, offset: offset)
  }
}

/// Runs a CScanGuard call and turns a fault into ``ByteBufferError/truncated(path:offset:)``.
@inline(__always)
func guarded(
  base: UnsafeRawPointer?, path: String?, _ call: (UnsafeMutablePointer<UnsafeRawPointer?>) -> Int32
) throws(ByteBufferError) {
  var fault: UnsafeRawPointer?
  if call(&fault) != Int32(CSG_OK) {
    throw ByteBufferError(faultAt: fault, base: base, path: path)
  }
}
