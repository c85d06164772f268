import ByteBuffer

extension MutableByteBuffer {
  /// Returns the first match of `pattern` in the buffer, as
  /// `String.firstMatch(of:)` does with `Regex`.
  ///
  /// - Parameter pattern: The pattern to look for.
  /// - Returns: The first match, or `nil`.
  /// - Throws: `RegexError` `.match` or `.buffer`.
  public func firstMatch(of pattern: Pattern) throws(RegexError) -> Match? {
    try pattern.firstMatch(in: self)
  }

  /// The matches of `pattern` in the buffer, lazily, as `String.matches(of:)`
  /// does with `Regex`.
  ///
  /// - Parameter pattern: The pattern to look for.
  /// - Returns: A lazy sequence of matches.
  public func matches(of pattern: Pattern) -> MatchSequence {
    pattern.matches(in: self)
  }

  /// Whether `pattern` matches anywhere in the buffer, as `String.contains(_:)`
  /// does with `Regex`.
  ///
  /// - Parameter pattern: The pattern to look for.
  /// - Returns: `true` at the first match.
  /// - Throws: `RegexError` `.match` or `.buffer`.
  public func contains(_ pattern: Pattern) throws(RegexError) -> Bool {
    try pattern.contains(in: self)
  }
}
