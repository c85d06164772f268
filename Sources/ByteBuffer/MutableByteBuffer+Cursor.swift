import CScanGuard

extension MutableByteBuffer {
  /// Returns the current position (Python: `tell()`).
  ///
  /// The same as reading ``position``, except that, as in Python, a closed
  /// buffer throws (``position`` still answers, with the position the buffer had).
  ///
  /// - Returns: The offset the next `read` or `write` starts at.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()` (Python's `ValueError`).
  public func tell() throws(ByteBufferError) -> Int {
    try checkOpen()
    return position
  }

  /// Whether the buffer supports `seek(_:whence:)`: always `true`
  /// (Python 3.13: `seekable()`).
  public var isSeekable: Bool {
    true
  }

  /// Moves the position (Python: `seek(pos[, whence])`).
  ///
  /// The new position must lie in `0...count`; otherwise nothing moves and
  /// the call throws. As in CPython, a position already past the end (after
  /// the buffer shrank) makes `seek(0, whence: .current)` throw.
  ///
  /// - Parameters:
  ///   - offset: The distance to move, counted from `whence`; may be negative.
  ///   - whence: `.start` (the default), `.current` or `.end`.
  /// - Returns: The new position (CPython 3.13 returns it too).
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` (operation
  ///   `"seek"`, length 0) when the new position is outside `0...count`
  ///   (Python's `ValueError: seek out of range`).
  @discardableResult
  public func seek(_ offset: Int, whence: SeekOrigin = .start) throws(ByteBufferError) -> Int {
    let count = try readingBytes { $0.count }
    let origin: Int
    switch whence {
    case .start: origin = 0
    case .current: origin = position
    case .end: origin = count
    }
    let (target, overflow) = origin.addingReportingOverflow(offset)
    guard !overflow, target >= 0, target <= count else {
      throw .outOfRange(operation: "seek", offset: overflow ? offset : target, length: 0, count: count)
    }
    position = target
    return target
  }

  /// Reads up to `count` bytes at the position and moves past them
  /// (Python: `read(n)`).
  ///
  /// Fewer bytes come back near the end, none at or past it. A negative
  /// `count` reads to the end, as in Python.
  ///
  /// - Parameter count: The most bytes to read; negative for all that remain.
  /// - Returns: A copy of the bytes read.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/truncated(path:offset:)`` when the file behind a
  ///   mapping shrank underneath it.
  /// - Complexity: O(*n*), where *n* is the number of bytes read.
  public func read(_ count: Int) throws(ByteBufferError) -> [UInt8] {
    try readingBytes { (raw) throws(ByteBufferError) -> [UInt8] in
      let start = position
      let remaining = start < raw.count ? raw.count - start : 0
      let length = count < 0 || count > remaining ? remaining : count
      let bytes = try copyBytes(raw, offset: min(start, raw.count), count: length)
      position = start + length
      return bytes
    }
  }

  /// Reads everything from the position to the end and moves to the end
  /// (Python: `read()`).
  ///
  /// - Returns: A copy of the bytes read; empty at or past the end.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(*n*), where *n* is the number of bytes read.
  public func read() throws(ByteBufferError) -> [UInt8] {
    try read(-1)
  }

  /// Reads the byte at the position and moves past it (Python: `read_byte()`).
  ///
  /// - Returns: The byte, or `nil` at or past the end (where Python raises
  ///   `ValueError: read byte out of range`).
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  public func readByte() throws(ByteBufferError) -> UInt8? {
    try readingBytes { (raw) throws(ByteBufferError) -> UInt8? in
      let start = position
      guard start < raw.count else { return nil }
      let byte = try copyBytes(raw, offset: start, count: 1)[0]
      position = start + 1
      return byte
    }
  }

  /// Reads one line from the position, up to and including the next `\n`,
  /// and moves past it (Python: `readline()`).
  ///
  /// The last line may lack the `\n`. At or past the end, the result is empty.
  ///
  /// - Returns: A copy of the line, with its terminator.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(*n*), where *n* is the length of the line.
  public func readLine() throws(ByteBufferError) -> [UInt8] {
    let path = self.path
    return try readingBytes { (raw) throws(ByteBufferError) -> [UInt8] in
      let start = position
      guard start < raw.count, let base = raw.baseAddress else { return [] }
      var found = -1
      // Safe because start < raw.count.
      try guarded(base: base, path: path) { csg_memchr(base + start, raw.count - start, 0x0A, &found, $0) }
      let length = found < 0 ? raw.count - start : found + 1
      let line = try copyBytes(raw, offset: start, count: length)
      position = start + length
      return line
    }
  }

  /// Writes `bytes` at the position and moves past them (Python: `write(bytes)`).
  ///
  /// The bytes must fit between the position and the end: a write never
  /// grows the buffer (use `resize(to:)`). A write that does not fit writes
  /// nothing and leaves the position where it was. Writing no bytes at the
  /// very end succeeds; past the end (after a shrink) it throws, as in CPython.
  ///
  /// - Parameter bytes: The bytes to write.
  /// - Returns: The number of bytes written, `bytes.count` (as CPython 3 returns).
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer,
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` when
  ///   the bytes do not fit (Python's `ValueError: data out of range`), and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(*n*), where *n* is `bytes.count`.
  @discardableResult
  public func write(_ bytes: some Collection<UInt8>) throws(ByteBufferError) -> Int {
    try writingBytes("write") { (raw) throws(ByteBufferError) -> Int in
      let start = position
      let length = bytes.count
      guard start <= raw.count, raw.count - start >= length else {
        throw .outOfRange(operation: "write", offset: start, length: length, count: raw.count)
      }
      try storeBytes(bytes, into: raw, at: start)
      position = start + length
      return length
    }
  }

  /// Writes the UTF-8 encoding of `string` at the position and moves past it.
  ///
  /// See ``MutableByteBuffer/write(_:)-(Collection<UInt8>)``.
  ///
  /// - Parameter string: The text to write, as UTF-8 with no terminator.
  /// - Returns: The number of bytes written.
  /// - Throws: As ``MutableByteBuffer/write(_:)-(Collection<UInt8>)``.
  @discardableResult
  public func write(_ string: String) throws(ByteBufferError) -> Int {
    try write(string.utf8)
  }

  /// Writes one byte at the position and moves past it (Python: `write_byte(b)`).
  ///
  /// - Parameter byte: The byte to write.
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`,
  ///   ``ByteBufferError/readOnly(operation:path:)`` for a read-only buffer, and
  ///   ``ByteBufferError/outOfRange(operation:offset:length:count:)`` at or
  ///   past the end (Python's `ValueError: write byte out of range`).
  public func writeByte(_ byte: UInt8) throws(ByteBufferError) {
    try writingBytes("write") { (raw) throws(ByteBufferError) in
      let start = position
      guard start < raw.count else {
        throw .outOfRange(operation: "write", offset: start, length: 1, count: raw.count)
      }
      try storeBytes(CollectionOfOne(byte), into: raw, at: start)
      position = start + 1
    }
  }
}
