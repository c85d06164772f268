/// The PCRE2 rule for finding successive non-overlapping matches in one
/// subject (as pcre2demo and `pcre2test -g` do): after an empty match, retry
/// at the same offset with `PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED`; if that
/// fails, advance one character (one byte; a whole UTF-8 character in UTF mode;
/// both bytes of CR LF when CR LF is a newline).
///
/// The retry must really be anchored: with JIT code it runs the code's
/// anchored twin (`PCRE2Code.retryCode`), and any retry match whose attempt
/// did not start at the retry offset counts as no match (PCRE2 10.42's
/// interpreter, with `PCRE2_MATCH_INVALID_UTF`, goes on to the next valid
/// fragment after an invalid sequence despite `PCRE2_ANCHORED`).
struct MatchCursor {
  /// The next start offset, relative to the window.
  var position: Int
  /// Whether the next attempt is the non-empty retry after an empty match.
  private(set) var lastWasEmpty = false
  /// Whether the search is over: no match at or after `position`, or the last
  /// match was empty at the subject's end.
  private(set) var finished = false
  /// When set, no attempt starts after this offset (relative to the window):
  /// `next` returns `false` without finishing, leaving `position` and
  /// `lastWasEmpty` where the search would go on. PCRE2's own offset limit
  /// (`pcre2_set_offset_limit_8`) must be set to the same offset so one call
  /// does not advance past it either.
  var attemptLimit: Int? = nil
  /// Flags added to every attempt (`PCRE2_NOTBOL` for a subject that starts
  /// inside a line).
  let extraFlags: MatchFlags
  /// The code for retries (`PCRE2Code.retryCode`), fetched at the first retry.
  private var retryCode: PCRE2Code?? = nil

  /// A cursor whose first attempt is at `start`; `retry` makes it the
  /// non-empty retry after an empty match that ended at `start`.
  init(start: Int, retry: Bool = false, extraFlags: MatchFlags = []) {
    position = start
    lastWasEmpty = retry
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
      if let attemptLimit, position > attemptLimit { return false }
      var outcome: MatchOutcome
      if lastWasEmpty {
        if retryCode == nil { retryCode = .some(code.retryCode()) }
        let twin = retryCode!
        outcome = scratch.match(twin ?? code, subject: subject, length: length, start: position,
                                flags: MatchFlags.retryAfterEmpty.union(extraFlags), viaMatch: twin == nil)
        if case .match = outcome, scratch.attemptStart != position { outcome = .noMatch }
      } else {
        outcome = scratch.match(code, subject: subject, length: length, start: position, flags: extraFlags)
      }
      switch outcome {
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
