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
  /// is valid.
  ///
  /// - Parameter range: The requested range; `nil` means the whole buffer.
  /// - Returns: The range to flush: `range`, or `0..<count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` with
  ///   operation `"flush"`.
  public func checkedFlushRange(_ range: Range<Int>?) throws(ByteBufferError) -> Range<Int> {
    let count = try readingBytes { $0.count }
    guard let range else { return 0..<count }
    guard range.lowerBound >= 0, range.upperBound <= count else {
      throw .outOfRange(operation: "flush", offset: range.lowerBound, length: range.saturatingCount, count: count)
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
  ///   operation `"advise"`.
  public func checkedAdviceRange(_ range: Range<Int>?) throws(ByteBufferError) -> Range<Int> {
    let count = try readingBytes { $0.count }
    guard let range else { return 0..<count }
    guard range.lowerBound >= 0, range.lowerBound < count else {
      throw .outOfRange(operation: "advise", offset: range.lowerBound, length: range.saturatingCount, count: count)
    }
    return range.lowerBound..<min(range.upperBound, count)
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
