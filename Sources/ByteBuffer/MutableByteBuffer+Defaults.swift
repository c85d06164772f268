import CScanGuard

extension MutableByteBuffer {
  /// The size of the memory behind the buffer: `count` (Python: `size()`).
  ///
  /// This is the default for buffers with no file behind them;
  /// `MappedByteBuffer` returns the size of its file instead. (CPython's
  /// anonymous mapping raises `OSError` here.)
  ///
  /// - Returns: `count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`.
  public func size() throws(ByteBufferError) -> Int {
    try readingBytes { $0.count }
  }

  /// Checks the arguments of an advice, which a buffer with no file behind it
  /// has no use for (Python: `madvise(option[, start[, length]])`).
  ///
  /// Uses ``checkedAdviceRange(_:)``: `range.lowerBound` must lie in
  /// `0..<count`; an upper bound past the end is clamped (as CPython does).
  ///
  /// - Parameters:
  ///   - advice: The expected access pattern.
  ///   - range: The bytes concerned; `nil` for all.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` for a
  ///   range that starts outside the buffer (Python's `ValueError`).
  public func advise(_ advice: AccessAdvice, range: Range<Int>?) throws(ByteBufferError) {
    _ = try checkedAdviceRange(range)
  }

  /// Gives the system advice about the whole buffer (Python: `madvise(option)`).
  ///
  /// - Parameter advice: The expected access pattern.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, or what the
  ///   backend's `advise(_:range:)` throws.
  public func advise(_ advice: AccessAdvice) throws(ByteBufferError) {
    try advise(advice, range: nil)
  }

  /// Writes all changes back to the file behind the buffer and waits for
  /// them to reach the device (Python: `flush()`).
  ///
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, or
  ///   ``ByteBufferError/system(operation:path:errno:)`` when the system refuses.
  public func flush() throws(ByteBufferError) {
    try flush(nil, mode: .synchronous)
  }

  /// Writes the changes in `range` back to the file behind the buffer and
  /// waits for them to reach the device (Python: `flush(offset, size)`).
  ///
  /// - Parameter range: The bytes to write back; must lie within `0...count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `range` is out of bounds, or ``ByteBufferError/system(operation:path:errno:)``.
  public func flush(_ range: Range<Int>) throws(ByteBufferError) {
    try flush(range, mode: .synchronous)
  }

  /// Writes all changes back to the file behind the buffer, waiting or not
  /// as `mode` says.
  ///
  /// - Parameter mode: `.synchronous` (`MS_SYNC`) or `.asynchronous` (`MS_ASYNC`).
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, or
  ///   ``ByteBufferError/system(operation:path:errno:)``.
  public func flush(mode: FlushMode) throws(ByteBufferError) {
    try flush(nil, mode: mode)
  }

  /// Checks a `flush` range the way CPython does, for backends.
  ///
  /// CPython's `flush(offset, size)` raises `ValueError` unless
  /// `0 <= offset` and `offset + size <= len(m)`; an empty range at `count`
  /// is valid. Backends use the same rule for other operations that need
  /// their whole range inside the buffer (`operation` names them in the error).
  ///
  /// - Parameters:
  ///   - range: The requested range; `nil` means the whole buffer.
  ///   - operation: The operation named in the error. Defaults to `"flush"`.
  /// - Returns: The range to flush: `range`, or `0..<count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` with
  ///   `operation` (its length saturates at `Int.max` for ranges longer than that).
  public func checkedFlushRange(
    _ range: Range<Int>?, operation: String = "flush"
  ) throws(ByteBufferError) -> Range<Int> {
    let count = try readingBytes { $0.count }
    guard let range else { return 0..<count }
    guard range.lowerBound >= 0, range.upperBound <= count else {
      throw .outOfRange(operation: operation, offset: range.lowerBound, length: range.saturatingCount, count: count)
    }
    return range
  }

  /// Checks an `advise` range the way CPython's `madvise` does, for backends.
  ///
  /// CPython raises `ValueError` unless `0 <= start < len(m)`, and clamps
  /// `start + length` to `len(m)`. `nil` (the whole buffer) is always valid,
  /// even for an empty buffer.
  ///
  /// - Parameter range: The requested range; `nil` means the whole buffer.
  /// - Returns: The range to advise: `range` clamped to `0..<count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` with
  ///   operation `"advise"` (its length saturates at `Int.max`).
  public func checkedAdviceRange(_ range: Range<Int>?) throws(ByteBufferError) -> Range<Int> {
    let count = try readingBytes { $0.count }
    guard let range else { return 0..<count }
    guard range.lowerBound >= 0, range.lowerBound < count else {
      throw .outOfRange(operation: "advise", offset: range.lowerBound, length: range.saturatingCount, count: count)
    }
    return range.lowerBound..<min(range.upperBound, count)
  }

  /// Checks the new size of a `resize(to:)` the way CPython does, for
  /// backends, so that every backend refuses it with the same error.
  ///
  /// CPython raises `ValueError: new size out of range` when the size is
  /// negative or the end of the mapping in its file would pass `Int.max`.
  /// This only looks at the numbers (it does not touch the buffer), so a
  /// backend may call it while holding its own lock.
  ///
  /// - Parameters:
  ///   - newCount: The requested number of bytes.
  ///   - maximum: The largest size the backend can express (for a mapping
  ///     at offset *o* of its file, `Int.max - o`). Defaults to `Int.max`.
  /// - Throws: ``ByteBufferError/invalidArgument(operation:reason:)`` with
  ///   operation `"resize"` when `newCount` is negative or above `maximum`.
  public func checkResizeCount(_ newCount: Int, maximum: Int = Int.max) throws(ByteBufferError) {
    guard newCount >= 0 else {
      throw .invalidArgument(operation: "resize", reason: "the new size \(newCount) is negative")
    }
    guard newCount <= maximum else {
      throw .invalidArgument(
        operation: "resize", reason: "the new size \(newCount) is larger than the largest possible, \(maximum)")
    }
  }

  /// Copies `count` bytes from offset `source` to offset `destination`
  /// (Python: `move(dest, src, count)`); the ranges may overlap (`memmove`).
  ///
  /// The position does not change.
  ///
  /// - Parameters:
  ///   - destination: Where the bytes go.
  ///   - source: Where they come from.
  ///   - count: How many bytes to copy.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer
  ///   (checked before the bounds, as in CPython), and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when a
  ///   value is negative or either range does not fit (Python's `ValueError`).
  ///   Single bytes are not subject to this.
  /// - Complexity: O(`count`).
  public func move(to destination: Int, from source: Int, count: Int) throws(ByteBufferError) {
    let path = self.path
    try writingBytes("move") { (raw) throws(ByteBufferError) in
      let size = raw.count
      guard destination >= 0, source >= 0, count >= 0, size - destination >= count, size - source >= count else {
        let offset = destination < 0 || size - destination < count ? destination : source
        throw .outOfRange(operation: "move", offset: offset, length: count, count: size)
      }
      guard count > 0, let base = raw.baseAddress else { return }
      // Safe because both ranges lie within 0..<size (checked above).
      try guarded(base: UnsafeRawPointer(base), path: path) { csg_memmove(base + destination, base + source, count, $0) }
    }
  }
}
