import CScanGuard

extension MutableByteBuffer {
  /// Accesses the byte at offset `index` (Python: `m[i]`, `m[i] = b`).
  ///
  /// Like `Array`, and unlike Python, a negative index is not counted from the
  /// end: it is out of range. The position does not move. A byte of a mapping
  /// whose file was truncated underneath it makes the subscript trap with a
  /// message (it cannot throw); use ``byte(at:)`` and ``setByte(_:at:)`` for
  /// access that throws instead.
  ///
  /// - Parameter index: An offset in `0..<count`.
  /// - Precondition: `index` is in `0..<count` and the buffer is not closed;
  ///   for a write, the buffer is also not read-only (a subscript setter
  ///   cannot throw, so these trap).
  public subscript(index: Int) -> UInt8 {
    get {
      do {
        return try byte(at: index)
      } catch {
        preconditionFailure("buffer[\(index)]: \(error)")
      }
    }
    set {
      do {
        try setByte(newValue, at: index)
      } catch {
        preconditionFailure("buffer[\(index)] = \(newValue): \(error)")
      }
    }
  }

  /// Accesses a copy of the bytes in `range` (Python: `m[i:j]`, `m[i:j] = b`).
  ///
  /// Reading returns a new `[UInt8]`. Writing replaces the bytes in place and
  /// needs exactly `range.count` new bytes: a buffer never changes size
  /// through a subscript. Unlike Python's slices, a range is not clamped and
  /// takes no negative bounds. ``replaceBytes(in:with:)`` is the throwing
  /// counterpart of the setter.
  ///
  /// - Parameter range: Offsets within `0...count`: `2..<5`, `2...`, `..<5`.
  /// - Precondition: `range` lies within `0...count` and the buffer is not
  ///   closed; for a write, the new value has `range.count` bytes and the
  ///   buffer is not read-only (these trap).
  /// - Complexity: O(`range.count`).
  public subscript<R: RangeExpression<Int>>(range: R) -> [UInt8] {
    get {
      do {
        return try bytes(in: range.relative(to: 0..<count))
      } catch {
        preconditionFailure("buffer[\(range)]: \(error)")
      }
    }
    set {
      do {
        try replaceBytes(in: range.relative(to: 0..<count), with: newValue)
      } catch {
        preconditionFailure("buffer[\(range)] = \(newValue.count) bytes: \(error)")
      }
    }
  }

  /// Accesses a copy of all the bytes (Python: `m[:]`).
  ///
  /// - Precondition: the buffer is not closed; for a write, the new value has
  ///   `count` bytes and the buffer is not read-only.
  /// - Complexity: O(`count`).
  public subscript(_: UnboundedRange) -> [UInt8] {
    get { self[0..<count] }
    set { self[0..<count] = newValue }
  }

  /// Returns the byte at offset `index`, or throws where the subscript traps.
  ///
  /// The access is guarded: a mapping whose file was truncated underneath it
  /// throws ``ByteBufferError/truncated(path:offset:)``. The position does not move.
  ///
  /// - Parameter index: An offset in `0..<count`.
  /// - Returns: The byte.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `index` is not in `0..<count` (Python's `IndexError`).
  public func byte(at index: Int) throws(ByteBufferError) -> UInt8 {
    try readingBytes { (raw) throws(ByteBufferError) -> UInt8 in
      guard index >= 0, index < raw.count else {
        throw .outOfRange(operation: "read", offset: index, length: 1, count: raw.count)
      }
      return try copyBytes(raw, offset: index, count: 1)[0]
    }
  }

  /// Sets the byte at offset `index`, or throws where the subscript traps.
  ///
  /// The position does not move.
  ///
  /// - Parameters:
  ///   - byte: The new value.
  ///   - index: An offset in `0..<count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer
  ///   (checked first, as CPython does), and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `index` is not in `0..<count` (Python's `IndexError`).
  public func setByte(_ byte: UInt8, at index: Int) throws(ByteBufferError) {
    try writingBytes("write") { (raw) throws(ByteBufferError) in
      guard index >= 0, index < raw.count else {
        throw .outOfRange(operation: "write", offset: index, length: 1, count: raw.count)
      }
      try storeBytes(CollectionOfOne(byte), into: raw, at: index)
    }
  }

  /// Returns a copy of the bytes in `range`. The position does not move.
  ///
  /// - Parameter range: Offsets within `0...count`.
  /// - Returns: A new array of `range.count` bytes.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `range` does not lie within `0...count`, and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(`range.count`).
  public func bytes(in range: Range<Int>) throws(ByteBufferError) -> [UInt8] {
    try readingBytes { (raw) throws(ByteBufferError) -> [UInt8] in
      guard range.lowerBound >= 0, range.upperBound <= raw.count else {
        throw .outOfRange(operation: "read", offset: range.lowerBound, length: range.saturatingCount, count: raw.count)
      }
      return try copyBytes(raw, offset: range.lowerBound, count: range.count)
    }
  }

  /// Copies the bytes in `range` into memory the caller owns, without making
  /// an array (`Data.copyBytes(to:from:)`'s counterpart). The position does not move.
  ///
  /// - Parameters:
  ///   - destination: Where the bytes go; it must hold at least `range.count` bytes.
  ///   - range: Offsets within `0...count`.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `range` does not lie within `0...count`, and
  ///   ``ByteBufferError/truncated(path:offset:)`` (the copy runs under the
  ///   SIGBUS guard).
  /// - Precondition: `destination.count >= range.count`.
  /// - Complexity: O(`range.count`).
  public func copyBytes(to destination: UnsafeMutableRawBufferPointer, from range: Range<Int>) throws(ByteBufferError) {
    precondition(destination.count >= range.count, "destination of \(destination.count) bytes cannot hold \(range.count)")
    try readingBytes { (raw) throws(ByteBufferError) in
      guard range.lowerBound >= 0, range.upperBound <= raw.count else {
        throw .outOfRange(operation: "read", offset: range.lowerBound, length: range.saturatingCount, count: raw.count)
      }
      guard !range.isEmpty, let source = raw.baseAddress, let target = destination.baseAddress else { return }
      // Safe because range lies within raw (checked above) and destination holds range.count bytes.
      let start = source + range.lowerBound
      try guarded(base: source, path: path) { csg_memmove(target, start, range.count, $0) }
    }
  }

  /// Replaces the bytes in `range` with `newBytes`, which must have the same
  /// length (Python: `m[i:j] = b`). The position does not move.
  ///
  /// - Parameters:
  ///   - range: Offsets within `0...count`.
  ///   - newBytes: Exactly `range.count` bytes.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer
  ///   (checked first, as CPython does),
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   `range` does not lie within `0...count`,
  ///   ``ByteBufferError/invalidArgument(operation:reason:)`` when
  ///   `newBytes.count != range.count` (Python's `IndexError: mmap slice
  ///   assignment is wrong size`), and ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(`range.count`).
  public func replaceBytes(in range: Range<Int>, with newBytes: some Collection<UInt8>) throws(ByteBufferError) {
    try writingBytes("replace") { (raw) throws(ByteBufferError) in
      guard range.lowerBound >= 0, range.upperBound <= raw.count else {
        throw .outOfRange(operation: "replace", offset: range.lowerBound, length: range.saturatingCount, count: raw.count)
      }
      let length = newBytes.count
      guard length == range.count else {
        throw .invalidArgument(
          operation: "replace bytes \(range.lowerBound)..<\(range.upperBound)",
          reason: "\(length) new byte\(length == 1 ? "" : "s") for \(range.count); the length cannot change")
      }
      try storeBytes(newBytes, into: raw, at: range.lowerBound)
    }
  }
}
