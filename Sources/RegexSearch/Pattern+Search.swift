import ByteBuffer

// MARK: - Whole-subject search over buffers

extension Pattern {
  /// Returns the first match at or after `offset`, searching the whole buffer
  /// as the subject (lookbehind and `\b` see the bytes before `offset`).
  ///
  /// The subject PCRE2 sees is the buffer's own memory: nothing is copied.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - offset: Where matching starts. Defaults to 0.
  /// - Returns: The first match, or `nil`.
  /// - Throws: `RegexError` `.match` when a limit is hit (offset = where the
  ///   attempt started), `.buffer` when the buffer is closed or its file was
  ///   truncated underneath the mapping.
  /// - Precondition: `offset` is in `0...buffer.count`.
  public func firstMatch(in buffer: some MutableByteBuffer, from offset: Int = 0) throws(RegexError) -> Match? {
    try firstMatch(in: .buffer(buffer), within: nil, from: offset)
  }

  /// Returns the first match inside `range`, which is the entire subject:
  /// PCRE2 sees nothing outside it (`^`, `$`, `\b` and lookbehind see the
  /// range's bounds). Offsets in the result are absolute.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The bytes that form the subject.
  ///   - offset: Where matching starts (absolute); defaults to `range.lowerBound`.
  /// - Returns: The first match, or `nil`.
  /// - Throws: `RegexError` `.match` or `.buffer`.
  /// - Precondition: `range` lies within the buffer and `offset` within `range` (or at its end).
  public func firstMatch(in buffer: some MutableByteBuffer, within range: Range<Int>,
                         from offset: Int? = nil) throws(RegexError) -> Match? {
    try firstMatch(in: .buffer(buffer), within: range, from: offset ?? range.lowerBound)
  }

  /// The matches in the buffer (or in `range`, then the entire subject), found
  /// lazily, non-overlapping, left to right, by PCRE2's empty-match rule.
  ///
  /// Iterate with `makeIterator()` and `try iterator.next()`, or with
  /// `forEach(_:)`: a match error is thrown to the caller, never turned into
  /// the end of the matches.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The bytes that form the subject; `nil` = the whole buffer.
  /// - Returns: A lazy sequence of matches.
  public func matches(in buffer: some MutableByteBuffer, within range: Range<Int>? = nil) -> MatchSequence {
    MatchSequence(pattern: self, source: .buffer(buffer), window: range)
  }

  /// Whether the pattern matches anywhere in the buffer.
  ///
  /// - Parameter buffer: The bytes to search.
  /// - Returns: `true` at the first match.
  /// - Throws: `RegexError` `.match` or `.buffer`.
  public func contains(in buffer: some MutableByteBuffer) throws(RegexError) -> Bool {
    try firstMatch(in: .buffer(buffer), within: nil, from: 0) != nil
  }

  /// The number of non-overlapping matches in the whole buffer (what
  /// `matches(in:)` would yield), without creating `Match` values.
  ///
  /// With `parallelism` above 1 the buffer is split into line-aligned chunks
  /// counted concurrently; the result is identical to the serial count (a chunk
  /// whose start lies inside a match that began in the previous chunk is
  /// recounted from that match's end).
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - parallelism: How many threads may count at once. Defaults to 1.
  /// - Returns: The number of matches.
  /// - Throws: `RegexError` `.match` (the first error in buffer order) or `.buffer`.
  /// - Complexity: O(*n*) for patterns without catastrophic backtracking.
  public func count(in buffer: some MutableByteBuffer, parallelism: Int = 1) throws(RegexError) -> Int {
    try count(in: .buffer(buffer), parallelism: parallelism)
  }
}

// MARK: - Raw bytes, arrays and strings

extension Pattern {
  /// Returns the first match in `bytes` at or after `offset` (see
  /// `firstMatch(in:from:)` for buffers).
  ///
  /// - Parameters:
  ///   - bytes: The subject, read in place.
  ///   - offset: Where matching starts.
  /// - Returns: The first match, or `nil`.
  /// - Throws: `RegexError` `.match`.
  /// - Warning: `bytes` must stay valid during the call only.
  public func firstMatch(in bytes: UnsafeRawBufferPointer, from offset: Int = 0) throws(RegexError) -> Match? {
    try firstMatch(in: .raw(bytes), within: nil, from: offset)
  }

  /// Returns the first match in `bytes` at or after `offset`.
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - offset: Where matching starts.
  /// - Returns: The first match, or `nil`.
  /// - Throws: `RegexError` `.match`.
  public func firstMatch(in bytes: [UInt8], from offset: Int = 0) throws(RegexError) -> Match? {
    try firstMatch(in: .bytes(bytes), within: nil, from: offset)
  }

  /// Returns the first match in the UTF-8 bytes of `string` at or after the
  /// byte offset `offset`. Offsets are UTF-8 byte offsets.
  ///
  /// - Parameters:
  ///   - string: The subject (its UTF-8 bytes, read in place when native).
  ///   - offset: Where matching starts, in bytes.
  /// - Returns: The first match, or `nil`.
  /// - Throws: `RegexError` `.match`.
  public func firstMatch(in string: String, from offset: Int = 0) throws(RegexError) -> Match? {
    try firstMatch(in: .string(string), within: nil, from: offset)
  }

  /// The matches in `bytes`, lazily (see `matches(in:within:)` for buffers).
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - range: The bytes that form the subject; `nil` = all.
  /// - Returns: A lazy sequence of matches.
  /// - Warning: `bytes` must stay valid while the sequence is used.
  public func matches(in bytes: UnsafeRawBufferPointer, within range: Range<Int>? = nil) -> MatchSequence {
    MatchSequence(pattern: self, source: .raw(bytes), window: range)
  }

  /// The matches in `bytes`, lazily.
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - range: The bytes that form the subject; `nil` = all.
  /// - Returns: A lazy sequence of matches.
  public func matches(in bytes: [UInt8], within range: Range<Int>? = nil) -> MatchSequence {
    MatchSequence(pattern: self, source: .bytes(bytes), window: range)
  }

  /// The matches in the UTF-8 bytes of `string`, lazily (byte offsets).
  ///
  /// - Parameters:
  ///   - string: The subject.
  ///   - range: The bytes that form the subject; `nil` = all.
  /// - Returns: A lazy sequence of matches.
  public func matches(in string: String, within range: Range<Int>? = nil) -> MatchSequence {
    MatchSequence(pattern: self, source: .string(string), window: range)
  }

  /// Whether the pattern matches anywhere in `bytes`.
  ///
  /// - Parameter bytes: The subject.
  /// - Returns: `true` at the first match.
  /// - Throws: `RegexError` `.match`.
  public func contains(in bytes: UnsafeRawBufferPointer) throws(RegexError) -> Bool {
    try firstMatch(in: .raw(bytes), within: nil, from: 0) != nil
  }

  /// Whether the pattern matches anywhere in `bytes`.
  ///
  /// - Parameter bytes: The subject.
  /// - Returns: `true` at the first match.
  /// - Throws: `RegexError` `.match`.
  public func contains(in bytes: [UInt8]) throws(RegexError) -> Bool {
    try firstMatch(in: .bytes(bytes), within: nil, from: 0) != nil
  }

  /// Whether the pattern matches anywhere in `string`.
  ///
  /// - Parameter string: The subject.
  /// - Returns: `true` at the first match.
  /// - Throws: `RegexError` `.match`.
  public func contains(in string: String) throws(RegexError) -> Bool {
    try firstMatch(in: .string(string), within: nil, from: 0) != nil
  }

  /// The number of non-overlapping matches in `bytes`.
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - parallelism: How many threads may count at once.
  /// - Returns: The number of matches.
  /// - Throws: `RegexError` `.match`.
  public func count(in bytes: UnsafeRawBufferPointer, parallelism: Int = 1) throws(RegexError) -> Int {
    try count(in: .raw(bytes), parallelism: parallelism)
  }

  /// The number of non-overlapping matches in `bytes`.
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - parallelism: How many threads may count at once.
  /// - Returns: The number of matches.
  /// - Throws: `RegexError` `.match`.
  public func count(in bytes: [UInt8], parallelism: Int = 1) throws(RegexError) -> Int {
    try count(in: .bytes(bytes), parallelism: parallelism)
  }

  /// The number of non-overlapping matches in the UTF-8 bytes of `string`.
  ///
  /// - Parameters:
  ///   - string: The subject.
  ///   - parallelism: How many threads may count at once.
  /// - Returns: The number of matches.
  /// - Throws: `RegexError` `.match`.
  public func count(in string: String, parallelism: Int = 1) throws(RegexError) -> Int {
    try count(in: .string(string), parallelism: parallelism)
  }
}

// MARK: - The shared implementation

extension Pattern {
  /// Builds a `Match` from the match in `scratch`, relative to `origin`.
  func makeMatch(_ scratch: PCRE2Scratch, origin: Int) -> Match {
    let whole = scratch.group(0)!
    return Match(range: (whole.lowerBound + origin)..<(whole.upperBound + origin),
                 groups: scratch.captures(count: storage.code.captureCount, adding: origin),
                 names: storage.names)
  }

  /// Checks `window` against the subject's current size.
  static func resolve(_ window: Range<Int>?, count: Int, pattern: String) throws(RegexError) -> Range<Int> {
    guard let window else { return 0..<count }
    precondition(window.lowerBound >= 0, "range \(window) has a negative bound")
    if window.upperBound > count {
      throw RegexError(.outOfRange(operation: "search", offset: window.lowerBound, length: window.count,
                                   count: count), pattern: pattern)
    }
    return window
  }

  func firstMatch(in subject: SubjectSource, within range: Range<Int>?, from offset: Int) throws(RegexError) -> Match? {
    try subject.withBytes(pattern: source) { (memory) throws(RegexError) -> Match? in
      var window = try Self.resolve(range, count: memory.count, pattern: source)
      precondition(offset >= window.lowerBound && offset <= window.upperBound,
                   "offset \(offset) not in \(window.lowerBound)...\(window.upperBound)")
      var flags: MatchFlags = []
      if range != nil && skipsInvalidLineStart {
        // grep -P: the subject starts after bytes at the start offset that cannot begin a character.
        let start = try memory.characterStart(from: offset, before: window.upperBound, pattern: source)
        if start > offset {
          window = start..<window.upperBound
          flags = .notBeginningOfLine
        }
      }
      let start = max(offset, window.lowerBound)
      return try storage.withScratch { (scratch) throws(RegexError) -> Match? in
        var cursor = MatchCursor(start: start - window.lowerBound, extraFlags: flags)
        guard try cursor.next(storage.code, scratch, in: memory, window: window, pattern: source) else { return nil }
        return makeMatch(scratch, origin: window.lowerBound)
      }
    }
  }
}
