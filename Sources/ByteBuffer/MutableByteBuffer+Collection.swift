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
/// Each subscript access is a checked read of the buffer (it takes the
/// buffer's lock); iteration (`for byte in buffer.bytes`, `reduce`, `map`)
/// copies the bytes out 4 KiB at a time, so a write to a chunk already copied
/// is not seen by that iteration. For bulk work, prefer `read`, `find`, a
/// range subscript or `withUnsafeBytes`, which work on the bytes in place.
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

  /// Returns an iterator over the bytes, which copies them out in chunks.
  ///
  /// - Returns: An iterator from `startIndex` to `endIndex`.
  public func makeIterator() -> Iterator {
    Iterator(buffer: buffer, next: startIndex, end: endIndex)
  }

  /// Iterates over a buffer's bytes, copying them out 4 KiB at a time.
  ///
  /// A chunk that can no longer be read (the buffer shrank or was closed, or
  /// a mapped file was truncated) traps, as the subscript does.
  public struct Iterator: IteratorProtocol {
    /// How many bytes one copy takes.
    static let chunkSize = 4096

    let buffer: any MutableByteBuffer
    var offset: Int
    let end: Int
    var chunk: [UInt8] = []
    var chunkIndex = 0

    init(buffer: any MutableByteBuffer, next: Int, end: Int) {
      self.buffer = buffer
      self.offset = next
      self.end = end
    }

    /// Returns the next byte, or `nil` after the last.
    ///
    /// - Returns: The byte, or `nil`.
    /// - Precondition: The buffer is open and still holds the bytes.
    public mutating func next() -> UInt8? {
      if chunkIndex == chunk.count {
        guard offset < end else { return nil }
        let upper = end - offset > Self.chunkSize ? offset + Self.chunkSize : end
        do {
          chunk = try buffer.bytes(in: offset..<upper)
        } catch {
          preconditionFailure("iterating bytes \(offset)..<\(upper): \(error)")
        }
        chunkIndex = 0
        offset = upper
      }
      defer { chunkIndex += 1 }
      return chunk[chunkIndex]
    }
  }
}
