/// The PCRE2 rule for finding successive non-overlapping matches in one
/// subject (as pcre2demo and `pcre2test -g` do): after an empty match, retry
/// at the same offset with `PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED`; if that
/// fails, advance one character (one byte; a whole UTF-8 character in UTF mode;
/// both bytes of CR LF when CR LF is a newline).
struct MatchCursor {
  /// The next start offset, relative to the window.
  var position: Int
  /// Flags added to every attempt (`PCRE2_NOTBOL` for a subject that starts
  /// inside a line).
  let extraFlags: MatchFlags
  private var lastWasEmpty = false
  private var finished = false

  init(start: Int, extraFlags: MatchFlags = []) {
    position = start
    self.extraFlags = extraFlags
  }

  /// Finds the next match in `window` of `memory`. On `true` the match is in
  /// `scratch` (offsets relative to `window.lowerBound`).
  ///
  /// - Throws: `RegexError` `.match` (offset = absolute start of the failing
  ///   attempt) or `.buffer` (truncated).
  mutating func next(_ code: PCRE2Code, _ scratch: PCRE2Scratch, in memory: Memory, window: Range<Int>,
                     pattern: String?) throws(RegexError) -> Bool {
    let length = window.count
    // Safe because window lies within memory's 0..<count.
    let subject = memory.base + window.lowerBound
    while !finished {
      if position > length { finished = true; break }
      let flags = (lastWasEmpty ? MatchFlags.retryAfterEmpty : []).union(extraFlags)
      switch scratch.match(code, subject: subject, length: length, start: position, flags: flags) {
      case .match:
        let start = scratch.matchStart, end = scratch.matchEnd
        lastWasEmpty = start == end
        position = max(end, position)
        if lastWasEmpty && end == length { finished = true }
        return true
      case .noMatch:
        if !lastWasEmpty { finished = true; return false }
        lastWasEmpty = false
        let from = position
        position += 1
        let base = window.lowerBound
        var atCRLF = false
        if code.crlfIsNewline && from + 1 < length, try memory.byte(at: base + from, pattern: pattern) == 0x0D {
          atCRLF = try memory.byte(at: base + from + 1, pattern: pattern) == 0x0A
        }
        if atCRLF {
          position += 1
        } else if code.isUTF {
          while position < length, try memory.byte(at: base + position, pattern: pattern) & 0xC0 == 0x80 {
            position += 1
          }
        }
      case .failure(let rc):
        throw RegexError(kind: .match, code: rc, offset: window.lowerBound + position, pattern: pattern)
      case .fault(let offset):
        throw memory.truncated(at: window.lowerBound + offset, pattern: pattern)
      }
    }
    return false
  }
}
