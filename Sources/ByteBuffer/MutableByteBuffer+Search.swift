import CScanGuard

extension MutableByteBuffer {
  /// Returns the lowest offset at which `needle` occurs, starting at or after
  /// `start` and ending at or before `end` (Python: `find(sub[, start[, end]])`).
  ///
  /// `start` and `end` follow Python's slice rules: a negative value counts
  /// from the end (`-1` is `count - 1`), then both are clamped to `0...count`.
  /// When `start > end` after that, nothing is found. An empty needle is found
  /// at `start` (clamped), even at `count`. The position neither matters nor
  /// moves.
  ///
  /// `start` defaults to 0, as the original `mmap` module documentation's
  /// `find(string[, start])` says; today's CPython defaults it to the current
  /// position instead.
  ///
  /// - Parameters:
  ///   - needle: The bytes to look for.
  ///   - start: Where matches may begin. Defaults to 0.
  ///   - end: Where matches must end; `nil` (the default) for `count`.
  /// - Returns: The offset of the first match, or `nil` (Python's `-1`).
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(*n* × *m*) in the worst case; usually O(*n*) (`memmem`).
  public func find(_ needle: some Collection<UInt8>, start: Int = 0, end: Int? = nil) throws(ByteBufferError) -> Int? {
    try search(needle, start: start, end: end, reverse: false)
  }

  /// Returns the lowest offset of `byte` in `start..<end` (see ``MutableByteBuffer/find(_:start:end:)-(Collection<UInt8>,_,_)``).
  ///
  /// - Parameters:
  ///   - byte: The byte to look for.
  ///   - start: Where to begin (Python slice rules). Defaults to 0.
  ///   - end: Where to stop; `nil` for `count`.
  /// - Returns: The offset of the first match, or `nil`.
  /// - Throws: ``ByteBufferError/closed(path:)``, ``ByteBufferError/truncated(path:offset:)``.
  public func find(_ byte: UInt8, start: Int = 0, end: Int? = nil) throws(ByteBufferError) -> Int? {
    try search(CollectionOfOne(byte), start: start, end: end, reverse: false)
  }

  /// Returns the lowest offset of the UTF-8 encoding of `string` in
  /// `start..<end` (see ``MutableByteBuffer/find(_:start:end:)-(Collection<UInt8>,_,_)``).
  ///
  /// - Parameters:
  ///   - string: The text to look for, as UTF-8.
  ///   - start: Where to begin (Python slice rules). Defaults to 0.
  ///   - end: Where to stop; `nil` for `count`.
  /// - Returns: The offset of the first match, or `nil`.
  /// - Throws: ``ByteBufferError/closed(path:)``, ``ByteBufferError/truncated(path:offset:)``.
  public func find(_ string: String, start: Int = 0, end: Int? = nil) throws(ByteBufferError) -> Int? {
    try search(string.utf8, start: start, end: end, reverse: false)
  }

  /// Returns the highest offset at which `needle` occurs within `start..<end`
  /// (Python: `rfind(sub[, start[, end]])`).
  ///
  /// `start` and `end` follow the same rules as in ``MutableByteBuffer/find(_:start:end:)-(Collection<UInt8>,_,_)``.
  /// An empty needle is found at `end` (clamped) when `start <= end`.
  /// `start` defaults to 0 (today's CPython: the position).
  ///
  /// - Parameters:
  ///   - needle: The bytes to look for.
  ///   - start: Where matches may begin. Defaults to 0.
  ///   - end: Where matches must end; `nil` (the default) for `count`.
  /// - Returns: The offset of the last match, or `nil` (Python's `-1`).
  /// - Throws: ``ByteBufferError/closed(path:)`` after `close()`, and
  ///   ``ByteBufferError/truncated(path:offset:)``.
  /// - Complexity: O(*n* × *m*) in the worst case.
  public func rfind(_ needle: some Collection<UInt8>, start: Int = 0, end: Int? = nil) throws(ByteBufferError) -> Int? {
    try search(needle, start: start, end: end, reverse: true)
  }

  /// Returns the highest offset of `byte` in `start..<end` (see ``MutableByteBuffer/rfind(_:start:end:)-(Collection<UInt8>,_,_)``).
  ///
  /// - Parameters:
  ///   - byte: The byte to look for.
  ///   - start: Where to begin (Python slice rules). Defaults to 0.
  ///   - end: Where to stop; `nil` for `count`.
  /// - Returns: The offset of the last match, or `nil`.
  /// - Throws: ``ByteBufferError/closed(path:)``, ``ByteBufferError/truncated(path:offset:)``.
  public func rfind(_ byte: UInt8, start: Int = 0, end: Int? = nil) throws(ByteBufferError) -> Int? {
    try search(CollectionOfOne(byte), start: start, end: end, reverse: true)
  }

  /// Returns the highest offset of the UTF-8 encoding of `string` in
  /// `start..<end` (see ``MutableByteBuffer/rfind(_:start:end:)-(Collection<UInt8>,_,_)``).
  ///
  /// - Parameters:
  ///   - string: The text to look for, as UTF-8.
  ///   - start: Where to begin (Python slice rules). Defaults to 0.
  ///   - end: Where to stop; `nil` for `count`.
  /// - Returns: The offset of the last match, or `nil`.
  /// - Throws: ``ByteBufferError/closed(path:)``, ``ByteBufferError/truncated(path:offset:)``.
  public func rfind(_ string: String, start: Int = 0, end: Int? = nil) throws(ByteBufferError) -> Int? {
    try search(string.utf8, start: start, end: end, reverse: true)
  }

  /// Python's slice-index normalisation, as CPython's `mmap_gfind` does it:
  /// negative counts from the end, then clamp to `0...count`.
  static func normalizedIndex(_ index: Int, count: Int) -> Int {
    // No overflow: index < 0 and count >= 0.
    let shifted = index < 0 ? index + count : index
    return shifted < 0 ? 0 : (shifted > count ? count : shifted)
  }

  /// The one implementation of find and rfind (CPython's `mmap_gfind`).
  func search(
    _ needle: some Collection<UInt8>, start: Int, end: Int?, reverse: Bool
  ) throws(ByteBufferError) -> Int? {
    let path = self.path
    let pattern = Array(needle)
    return try readingBytes { (raw) throws(ByteBufferError) -> Int? in
      let lower = Self.normalizedIndex(start, count: raw.count)
      let upper = Self.normalizedIndex(end ?? raw.count, count: raw.count)
      guard lower <= upper else { return nil }
      if pattern.isEmpty { return reverse ? upper : lower }
      guard upper - lower >= pattern.count, let base = raw.baseAddress else { return nil }
      var found = -1
      let outcome = pattern.withUnsafeBytes { needleBytes in
        Result { () throws(ByteBufferError) in
          // Safe because lower <= upper <= raw.count.
          try guarded(base: base, path: path) { fault in
            reverse
              ? csg_memrmem(base + lower, upper - lower, needleBytes.baseAddress, needleBytes.count, &found, fault)
              : csg_memmem(base + lower, upper - lower, needleBytes.baseAddress, needleBytes.count, &found, fault)
          }
        }
      }
      try outcome.get()
      return found < 0 ? nil : lower + found
    }
  }
}
