extension MutableByteBuffer {
  /// The bytes as a `RandomAccessCollection`, for standard algorithms and
  /// iteration (`for byte in buffer.bytes`).
  ///
  /// The view keeps the buffer alive. Its indices are `0..<count` as of when
  /// the view was made; reading an element reads the buffer live, so writes
  /// made since show, and an element the buffer no longer has (after a
  /// shrink or `close()`) traps, like the subscript.
  ///
  /// ```swift
  /// let newlines = buffer.bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
  /// let firstSpace = buffer.bytes.firstIndex(of: 0x20)
  /// ```
  public var bytes: ByteView {
    ByteView(self)
  }
}

/// A read-only `RandomAccessCollection` view of a buffer's bytes; see
/// ``MutableByteBuffer/bytes``.
///
/// Each element access is a checked read of the buffer (it takes the
/// buffer's lock); for bulk work, prefer `read`, `find`, a range subscript
/// or `withUnsafeBytes`, which work on the bytes in place.
public struct ByteView: RandomAccessCollection {
  /// The buffer the view reads.
  public let buffer: any MutableByteBuffer

  /// Always 0.
  public let startIndex: Int

  /// The buffer's `count` when the view was made.
  public let endIndex: Int

  /// Creates a view of `buffer`'s bytes `0..<buffer.count`.
  ///
  /// - Parameter buffer: The buffer to view; the view keeps it alive.
  public init(_ buffer: any MutableByteBuffer) {
    self.buffer = buffer
    self.startIndex = 0
    self.endIndex = buffer.count
  }

  /// The byte at offset `position`.
  ///
  /// - Precondition: `position` is in `startIndex..<endIndex`, and still
  ///   within the buffer, which is open.
  public subscript(position: Int) -> UInt8 {
    precondition(position >= startIndex && position < endIndex, "index \(position) not in \(startIndex)..<\(endIndex)")
    return buffer[position]
  }
}
