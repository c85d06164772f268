import ByteBuffer

/// One match: the byte ranges of the whole match and of its capture groups.
///
/// Offsets are absolute offsets in the searched buffer (or bytes), even when
/// the search was limited to a range. A match holds no bytes: ask for them with
/// `bytes(in:)` or `string(in:)`.
public struct Match: Sendable, Hashable {
  /// The whole match (group 0).
  public let range: Range<Int>
  /// Groups 1...n as (lower, upper) pairs; -1 = unset. Empty when the pattern has no groups.
  let groups: [Int]
  let names: CaptureNames

  init(range: Range<Int>, groups: [Int], names: CaptureNames) {
    self.range = range
    self.groups = groups
    self.names = names
  }

  /// The range of capture group `group` (0 = the whole match), or `nil` when the
  /// group did not take part in the match.
  ///
  /// - Parameter group: The group's number.
  /// - Returns: Its absolute byte range, or `nil`.
  /// - Precondition: `group` is in `0...captureCount`.
  public func range(at group: Int) -> Range<Int>? {
    if group == 0 { return range }
    precondition(group > 0 && 2 * group <= groups.count, "group \(group) not in 0...\(groups.count / 2)")
    let lo = groups[2 * group - 2], hi = groups[2 * group - 1]
    return lo < 0 ? nil : min(lo, hi)..<max(lo, hi)
  }

  /// The range of the capture group called `name`, or `nil` when no such group
  /// exists or it did not take part (with duplicate names, the first that did).
  ///
  /// - Parameter name: The group's name.
  /// - Returns: Its absolute byte range, or `nil`.
  public func range(named name: String) -> Range<Int>? {
    for number in names.numbers(for: name) where 2 * number <= groups.count {
      if let r = range(at: number) { return r }
    }
    return nil
  }

  /// A copy of the matched bytes.
  ///
  /// - Parameter buffer: The buffer the match was found in.
  /// - Returns: The bytes of `range`.
  /// - Throws: `RegexError` `.buffer` if the buffer is closed or its file was truncated.
  /// - Precondition: `range` lies within the buffer.
  public func bytes(in buffer: some MutableByteBuffer) throws(RegexError) -> [UInt8] {
    try Self.copy(range, of: buffer)
  }

  /// A copy of the bytes capture group `group` matched (0 = the whole match),
  /// or `nil` when the group did not take part.
  ///
  /// - Parameters:
  ///   - group: The group's number.
  ///   - buffer: The buffer the match was found in.
  /// - Returns: The group's bytes, or `nil`.
  /// - Throws: `RegexError` `.buffer` if the buffer is closed or its file was truncated.
  /// - Precondition: `group` is in `0...captureCount`; the match lies within the buffer.
  public func bytes(at group: Int, in buffer: some MutableByteBuffer) throws(RegexError) -> [UInt8]? {
    guard let r = range(at: group) else { return nil }
    return try Self.copy(r, of: buffer)
  }

  /// A copy of the bytes the capture group called `name` matched (with
  /// duplicate names, the first that took part), or `nil`.
  ///
  /// - Parameters:
  ///   - name: The group's name.
  ///   - buffer: The buffer the match was found in.
  /// - Returns: The group's bytes, or `nil` when no such group took part.
  /// - Throws: `RegexError` `.buffer` if the buffer is closed or its file was truncated.
  public func bytes(named name: String, in buffer: some MutableByteBuffer) throws(RegexError) -> [UInt8]? {
    guard let r = range(named: name) else { return nil }
    return try Self.copy(r, of: buffer)
  }

  /// The bytes of capture group `group` decoded as UTF-8 (invalid bytes become
  /// U+FFFD), or `nil` when the group did not take part.
  ///
  /// - Parameters:
  ///   - group: The group's number (0 = the whole match).
  ///   - buffer: The buffer the match was found in.
  /// - Returns: The group's text, or `nil`.
  /// - Throws: `RegexError` `.buffer` if the buffer is closed or its file was truncated.
  public func string(at group: Int, in buffer: some MutableByteBuffer) throws(RegexError) -> String? {
    try bytes(at: group, in: buffer).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The bytes of the capture group called `name` decoded as UTF-8, or `nil`.
  ///
  /// - Parameters:
  ///   - name: The group's name.
  ///   - buffer: The buffer the match was found in.
  /// - Returns: The group's text, or `nil` when no such group took part.
  /// - Throws: `RegexError` `.buffer` if the buffer is closed or its file was truncated.
  public func string(named name: String, in buffer: some MutableByteBuffer) throws(RegexError) -> String? {
    try bytes(named: name, in: buffer).map { String(decoding: $0, as: UTF8.self) }
  }

  private static func copy(_ range: Range<Int>, of buffer: some MutableByteBuffer) throws(RegexError) -> [UInt8] {
    try SubjectSource.buffer(buffer).withBytes(pattern: nil) { (memory) throws(RegexError) -> [UInt8] in
      precondition(range.upperBound <= memory.count, "match \(range) not in 0..<\(memory.count)")
      return try memory.copy(range, pattern: nil)
    }
  }

  /// The matched bytes decoded as UTF-8 (invalid bytes become U+FFFD).
  ///
  /// - Parameter buffer: The buffer the match was found in.
  /// - Returns: The text of `range`.
  /// - Throws: `RegexError` `.buffer` if the buffer is closed or its file was truncated.
  public func string(in buffer: some MutableByteBuffer) throws(RegexError) -> String {
    String(decoding: try bytes(in: buffer), as: UTF8.self)
  }

  /// Matches are equal when all their group ranges are.
  public static func == (a: Match, b: Match) -> Bool { a.range == b.range && a.groups == b.groups }

  /// Hashes the group ranges.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(range)
    hasher.combine(groups)
  }
}

/// The name table of a pattern, shared by all its matches (no copy per match).
final class CaptureNames: Sendable {
  let table: [String: [Int]]
  init(_ table: [String: [Int]]) { self.table = table }
  func numbers(for name: String) -> [Int] { table[name]?.sorted() ?? [] }
}

/// One line selected by a line-oriented search (`Pattern.matchingLines`).
public struct LineMatch: Sendable, Hashable {
  /// The 1-based line number in the buffer.
  public let number: Int
  /// The line's bytes, without its `"\n"`.
  public let range: Range<Int>
  /// The offset of the line's first byte (`range.lowerBound`; grep -b).
  public var offset: Int { range.lowerBound }

  /// Creates a line match.
  ///
  /// - Parameters:
  ///   - number: The 1-based line number.
  ///   - range: The line's bytes without its terminator.
  public init(number: Int, range: Range<Int>) {
    self.number = number
    self.range = range
  }
}
