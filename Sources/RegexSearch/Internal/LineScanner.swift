/// Line-oriented search over `[position, end)` of a subject, where every line
/// is its own PCRE2 subject, exactly as `grep -P` searches (lines end at
/// `"\n"`, which is not part of the line; a last line without `"\n"` is a line).
///
/// Fast path: for a line-local pattern (`PatternText.isLineLocal`: no lookaround,
/// `\A \z \Z \G \K`, atomic groups, possessive quantifiers, verbs, ...) that cannot
/// consume a newline (`PatternText.mayMatchNewline`), with LF newlines, the
/// multiline code finds the next match across many lines in one PCRE2 call,
/// and newlines are counted (`csg_count_byte`) only between matches. For such a
/// pattern a match inside one line of the whole buffer and a match of the line
/// alone are the same thing: `^` `$` `\b` and `\w` see a `"\n"` (or the
/// buffer's bounds) at the line's ends exactly where the lone line has its
/// bounds, and nothing in the pattern looks further. So a line holding a
/// multiline match is selected without matching it again, and no line is
/// missed: results equal the per-line loop. When the multiline call fails (a
/// limit), the line alone decides and reports its own error. As a safety net,
/// a match that crosses a line end switches to the per-line loop for the rest
/// of the range.
///
/// Prefilter: when the pattern has needles (`LiteralExtraction`), they are
/// searched instead (vectorised) and only the lines holding one are matched,
/// alone (see `runPrefiltered`).
struct LineScanner {
  /// The start of the next line to examine (absolute).
  var position: Int
  /// The number of the line at `position`.
  var lineNumber: Int
  /// The end of the range (a line start, or the subject's end).
  let end: Int
  var useFastPath: Bool
  /// Whether `lineNumber` must stay right; a count of matching lines that
  /// nobody numbers skips counting the lines between candidates.
  var numbersLines = true

  init(range: Range<Int>, firstLineNumber: Int, fastPath: Bool) {
    position = range.lowerBound
    lineNumber = firstLineNumber
    end = range.upperBound
    useFastPath = fastPath
  }

  var isFinished: Bool { position >= end }

  /// Scans until the range ends or `emit` returns `false`; returns how many
  /// lines were selected. With `countOnly` lines are only counted.
  mutating func run(_ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory, inverted: Bool,
                    countOnly: Bool, emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Int {
    if let prefilter = pattern.storage.prefilter {
      return try runPrefiltered(prefilter, pattern, scratch, in: memory, inverted: inverted, countOnly: countOnly,
                                emit: emit)
    }
    var selected = 0
    let text = pattern.source
    while position < end {
      guard useFastPath, let lineCode = pattern.storage.lineCode else {
        if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) { return selected }
        continue
      }
      // Safe because position..<end lies within the memory.
      switch scratch.match(lineCode, subject: memory.base + position, length: end - position, start: 0) {
      case .failure:
        // Let the line alone decide (and report its own error, as grep would).
        if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) { return selected }
      case .fault(let offset):
        throw memory.truncated(at: position + offset, pattern: text)
      case .noMatch:
        if try !skipLines(upTo: end, memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit, pattern: text) {
          return selected
        }
      case .match:
        let start = position + scratch.matchStart, matchEnd = position + scratch.matchEnd
        let lineStart = try memory.lastIndex(of: 0x0A, in: position..<start, pattern: text).map { $0 + 1 } ?? position
        if !numbersLines && countOnly && !inverted {
          position = lineStart
        } else if try !skipLines(upTo: lineStart, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                                 emit: emit, pattern: text) {
          return selected
        }
        if position >= end { return selected }
        let lineEnd = try memory.firstIndex(of: 0x0A, in: position..<end, pattern: text) ?? end
        if matchEnd > lineEnd {
          useFastPath = false  // the pattern can match across lines: candidates are no use
          continue
        }
        // The match lies inside the line, so the line alone matches (see the type's comment).
        if try !finishLine(lineEnd: lineEnd, matched: true, inverted: inverted, selected: &selected,
                           countOnly: countOnly, emit: emit) {
          return selected
        }
      }
    }
    return selected
  }

  /// The prefiltered scan: the vectorised needle search finds the next line
  /// that holds a needle; only that line is matched (alone, as in `step`); the
  /// lines before it hold no needle, so none of them matches (the soundness
  /// argument is in `LiteralExtraction`) and they are skipped — counted
  /// (vectorised) for line numbers, or selected when `inverted`.
  private mutating func runPrefiltered(_ prefilter: LiteralPrefilter, _ pattern: Pattern, _ scratch: PCRE2Scratch,
                                       in memory: Memory, inverted: Bool, countOnly: Bool,
                                       emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Int {
    var selected = 0
    let text = pattern.source
    while position < end {
      guard let hit = try prefilter.firstCandidate(in: memory, range: position..<end, pattern: text) else {
        if !numbersLines && countOnly && !inverted {
          position = end
        } else if try !skipLines(upTo: end, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                                 emit: emit, pattern: text) {
          return selected
        }
        return selected
      }
      let lineStart = try memory.lastIndex(of: 0x0A, in: position..<hit, pattern: text).map { $0 + 1 } ?? position
      if !numbersLines && countOnly && !inverted {
        position = lineStart
      } else if try !skipLines(upTo: lineStart, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                               emit: emit, pattern: text) {
        return selected
      }
      if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) {
        return selected
      }
    }
    return selected
  }

  /// Matches the line at `position` alone and moves past it. Returns `false`
  /// when `emit` asked to stop.
  private mutating func step(_ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory, inverted: Bool,
                             selected: inout Int, countOnly: Bool, emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let lineEnd = try memory.firstIndex(of: 0x0A, in: position..<end, pattern: pattern.source) ?? end
    let matched: Bool
    switch scratch.match(pattern.storage.code, subject: memory.base + position, length: lineEnd - position, start: 0) {
    case .match: matched = true
    case .noMatch: matched = false
    case .failure(let rc):
      throw RegexError(kind: .match, code: rc, offset: position, pattern: pattern.source)
    case .fault(let offset):
      throw memory.truncated(at: position + offset, pattern: pattern.source)
    }
    return try finishLine(lineEnd: lineEnd, matched: matched, inverted: inverted, selected: &selected,
                          countOnly: countOnly, emit: emit)
  }

  /// Moves past the line at `position` (ending at `lineEnd`), selecting it when
  /// `matched != inverted`. Returns `false` when `emit` asked to stop.
  private mutating func finishLine(lineEnd: Int, matched: Bool, inverted: Bool, selected: inout Int, countOnly: Bool,
                                   emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let line = LineMatch(number: lineNumber, range: position..<lineEnd)
    lineNumber += 1
    position = lineEnd < end ? lineEnd + 1 : end
    if matched != inverted {
      selected += 1
      if !countOnly, try !emit(line) { return false }
    }
    return true
  }

  /// Moves past the lines in `position..<limit` (none of which matches): an
  /// inverted search selects each of them.
  private mutating func skipLines(upTo limit: Int, _ memory: Memory, inverted: Bool, selected: inout Int,
                                  countOnly: Bool,
                                  emit: (LineMatch) throws(RegexError) -> Bool, pattern: String) throws(RegexError) -> Bool {
    if position >= limit { return true }
    if !inverted || countOnly {
      var lines = try memory.occurrences(of: 0x0A, in: position..<limit, pattern: pattern)
      if try memory.byte(at: limit - 1, pattern: pattern) != 0x0A { lines += 1 }  // an unterminated last line
      lineNumber += lines
      if inverted { selected += lines }
      position = limit
      return true
    }
    while position < limit {
      let lineEnd = try memory.firstIndex(of: 0x0A, in: position..<limit, pattern: pattern) ?? limit
      let line = LineMatch(number: lineNumber, range: position..<lineEnd)
      lineNumber += 1
      position = lineEnd < limit ? lineEnd + 1 : limit
      selected += 1
      if !countOnly, try !emit(line) { return false }
    }
    return true
  }
}
