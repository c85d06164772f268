/// GNU grep 3.8 `grep -P` skips, before each match attempt, the bytes that
/// cannot begin a UTF-8 character on their own and starts the PCRE2 subject
/// after them with `PCRE2_NOTBOL` (`Pattern.Options.skipsInvalidLineStart`).
extension Pattern {
  /// Whether line subjects start as grep -P starts them.
  var skipsInvalidLineStart: Bool { options.contains(.skipsInvalidLineStart) && options.contains(.utf) }

  /// Whether glibc's UTF-8 decoder rejects `byte` on its own (`mbrtowc`
  /// returns -1): a continuation byte, `0xC0`, `0xC1`, `0xFE` or `0xFF`. Other
  /// lead bytes, even those no valid character starts with, count as the
  /// start of an incomplete character and are not skipped.
  static func cannotBeginCharacter(_ byte: UInt8) -> Bool {
    (byte >= 0x80 && byte <= 0xC1) || byte >= 0xFE
  }
}

extension Memory {
  /// The first offset in `offset..<limit` whose byte can begin a character
  /// (see `Pattern.cannotBeginCharacter`), or `limit`.
  func characterStart(from offset: Int, before limit: Int, pattern: String?) throws(RegexError) -> Int {
    var position = offset
    while position < limit, Pattern.cannotBeginCharacter(try byte(at: position, pattern: pattern)) {
      position += 1
    }
    return position
  }
}
