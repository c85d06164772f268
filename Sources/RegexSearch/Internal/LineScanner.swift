import CScanGuard

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
/// alone (see `runPrefiltered`). The scan counts the newlines it passes in the
/// same vectorised pass, for line numbers; with `inverted`, where the lines
/// passed are selected, long stretches without a needle are scanned a window
/// at a time, so the lines of a window are selected while its bytes are still
/// in the cache.
///
/// Binary detection (`binaryReadSize`): grep's rule for files holding a NUL
/// byte. A line is text when no NUL lies before the end of the read (of
/// `binaryReadSize` bytes, aligned to offset 0) that holds its end; the scan
/// ends before the first line that is not text (`binaryOffset`). The
/// prefilter's vectorised scan looks for NUL in the same pass as for needles,
/// and the PCRE2 paths check each window just before matching in it, so the
/// check adds no pass of its own over a large file. A selected line whose read
/// reaches past the checked bytes waits (`pending`) until the scan has checked
/// that far — or until binary data shows it was the last text — so nothing is
/// read twice from memory. Whatever the scan passed without checking is
/// checked at the end, so a NUL anywhere in the range is found — and, past the
/// range's end, up to the end of the read that holds the range's last line
/// (`readLimit`), whether or not that line is selected: a NUL there makes the
/// line binary, and nothing further than that read is looked at.
struct LineScanner {
  /// The start of the next line to examine (absolute).
  var position: Int
  /// The number of the line at `position`.
  var lineNumber: Int
  /// The end of the range (a line start, or the subject's end); with binary
  /// detection, where the text part ends once a NUL was found.
  private(set) var end: Int
  var useFastPath: Bool
  /// Whether `lineNumber` must stay right; a count of matching lines that
  /// nobody numbers skips counting the lines between candidates.
  var numbersLines = true
  /// How many lines the caller's `emit` takes in one `run` before it returns
  /// `false`: the prefilter records no more matching lines ahead than that.
  var lineBudget = Int.max

  /// grep's read size for binary detection, or `nil` (NUL is an ordinary byte).
  let binaryReadSize: Int?
  /// The start of the range (a line start).
  let rangeStart: Int
  /// The end of the range as given.
  let rangeEnd: Int
  /// How far binary detection looks for NUL (see `readLimit(_:pattern:)`), once known.
  private var knownReadLimit: Int?
  /// Where the whole search began (a line start at or before `rangeStart`):
  /// the binary part may start there at the earliest, when the range is one
  /// window of a longer search.
  let binaryOrigin: Int
  /// No NUL lies in `rangeStart..<verified` (binary detection only).
  private(set) var verified: Int
  /// Where the binary part starts (the first line that is not text), once found.
  private(set) var binaryOffset: Int?
  /// The first NUL byte found.
  private(set) var firstNUL: Int?

  /// Selected lines (or, counted in bulk, runs of them) waiting until the
  /// bytes up to the end of their read are checked for NUL, in order.
  private struct Pending {
    var start: Int
    /// Just past the last line.
    var upper: Int
    var readEnd: Int
    var count: Int
    /// The line, when lines are emitted (`count` is then 1).
    var line: LineMatch?
  }
  private var pending: [Pending] = []
  private var pendingHead = 0

  /// How far one multiline PCRE2 call or one stretch of needle search reaches
  /// before the bytes it passed are dealt with (newlines counted, NULs checked).
  static let window = 256 << 10
  /// How many matching lines one prefilter call records before it returns.
  static let batch = 256

  init(range: Range<Int>, firstLineNumber: Int, fastPath: Bool, binaryReadSize: Int? = nil, binaryOrigin: Int? = nil) {
    position = range.lowerBound
    lineNumber = firstLineNumber
    end = range.upperBound
    useFastPath = fastPath
    self.binaryReadSize = binaryReadSize
    rangeStart = range.lowerBound
    rangeEnd = range.upperBound
    self.binaryOrigin = min(binaryOrigin ?? range.lowerBound, range.lowerBound)
    verified = range.lowerBound
  }

  var isFinished: Bool { position >= end }

  /// Scans until the range ends or `emit` returns `false`; returns how many
  /// lines were selected. With `countOnly` lines are only counted.
  mutating func run(_ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory, inverted: Bool,
                    countOnly: Bool, emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Int {
    var selected = 0
    let finished: Bool
    if let prefilter = pattern.storage.prefilter {
      finished = try runPrefiltered(prefilter, pattern, scratch, in: memory, inverted: inverted, selected: &selected,
                                    countOnly: countOnly, emit: emit)
    } else if let everyLine = pattern.storage.everyLine, !inverted,
              !pattern.skipsInvalidLineStart || pattern.storage.localText {
      // Lines verified inside the scan's C call, in batches (see `runPrefiltered`'s verifier).
      finished = try runPrefiltered(everyLine, pattern, scratch, in: memory, inverted: false, selected: &selected,
                                    countOnly: countOnly, emit: emit)
    } else {
      finished = try runMatching(pattern, scratch, in: memory, inverted: inverted, selected: &selected,
                                 countOnly: countOnly, emit: emit)
    }
    guard finished, binaryReadSize != nil else { return selected }
    // A NUL the scan passed without checking still makes the rest binary; the
    // lines still waiting need their reads checked, past the range if need be.
    let text = pattern.source
    let through = max(end, try readLimit(memory, pattern: text), pending[pendingHead...].map(\.readEnd).max() ?? end)
    if binaryOffset == nil, verified < through {
      if let nul = try memory.firstIndex(of: 0, in: verified..<through, pattern: text) {
        try detectBinary(at: nul, memory, pattern: text)
      } else {
        verified = through
      }
    }
    _ = try flushPending(memory, selected: &selected, countOnly: countOnly, pattern: text, emit: emit)
    return selected
  }

  /// The PCRE2 paths (fast path and per-line loop). Returns `true` when the
  /// range was scanned to its end, `false` when `emit` asked to stop.
  private mutating func runMatching(_ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory, inverted: Bool,
                                    selected: inout Int, countOnly: Bool,
                                    emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let text = pattern.source
    while position < end {
      if try !flushPending(memory, selected: &selected, countOnly: countOnly, pattern: text, emit: emit) { return false }
      guard useFastPath, let lineCode = pattern.storage.lineCode else {
        // Check the next window for NUL before matching its lines one by one.
        if try !checkAhead(memory, pattern: text) { continue }
        if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) { return false }
        continue
      }
      // One call searches up to a window's worth of lines (ending at a line end,
      // so no line is cut); with binary detection the window is checked first,
      // so PCRE2 then reads it from the cache.
      let windowEnd = try matchingWindow(memory, pattern: text)
      if position >= end { break }  // the window check found binary data here
      // Safe because position..<windowEnd lies within the memory.
      switch scratch.match(lineCode, subject: memory.base + position, length: windowEnd - position, start: 0) {
      case .failure:
        // Let the line alone decide (and report its own error, as grep would).
        if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) { return false }
      case .fault(let offset):
        throw memory.truncated(at: position + offset, pattern: text)
      case .noMatch:
        if try !skipLines(upTo: windowEnd, memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit, pattern: text) {
          return false
        }
      case .match:
        let start = position + scratch.matchStart, matchEnd = position + scratch.matchEnd
        let lineStart = try memory.lastIndex(of: 0x0A, in: position..<start, pattern: text).map { $0 + 1 } ?? position
        if !numbersLines && countOnly && !inverted {
          position = lineStart
        } else if try !skipLines(upTo: lineStart, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                                 emit: emit, pattern: text) {
          return false
        }
        if position >= end { return true }
        let lineEnd = try memory.firstIndex(of: 0x0A, in: position..<end, pattern: text) ?? end
        if matchEnd > lineEnd {
          useFastPath = false  // the pattern can match across lines: candidates are no use
          continue
        }
        if pattern.skipsInvalidLineStart, Pattern.cannotBeginCharacter(try memory.byte(at: position, pattern: text)) {
          // The line alone, from after its first bytes and not at a line start,
          // may not match: let it decide (see `step`).
          if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) {
            return false
          }
          continue
        }
        // The match lies inside the line, so the line alone matches (see the type's comment).
        if try !finishLine(lineEnd: lineEnd, matched: true, inverted: inverted, selected: &selected,
                           countOnly: countOnly, memory, pattern: text, emit: emit) {
          return false
        }
      }
    }
    return true
  }

  /// The end of the next multiline PCRE2 call: the whole rest of the range,
  /// or, with binary detection, the end of the line that reaches a window past
  /// `position`, checked for NUL first (which may end the text part).
  private mutating func matchingWindow(_ memory: Memory, pattern: String) throws(RegexError) -> Int {
    guard binaryReadSize != nil, binaryOffset == nil else { return end }
    var windowEnd = end
    if position + Self.window < end,
       let newline = try memory.firstIndex(of: 0x0A, in: (position + Self.window)..<end, pattern: pattern) {
      windowEnd = newline + 1
    }
    if windowEnd > verified {
      if let nul = try memory.firstIndex(of: 0, in: verified..<windowEnd, pattern: pattern) {
        try detectBinary(at: nul, memory, pattern: pattern)
        return end
      }
      verified = windowEnd
    }
    return windowEnd
  }

  /// The prefiltered scan: the vectorised needle search finds the next line
  /// that holds a needle; only that line is matched (alone, as in `step`); the
  /// lines before it hold no needle, so none of them matches (the soundness
  /// argument is in `LiteralExtraction`) and they are skipped — counted
  /// (vectorised) for line numbers, or selected when `inverted`. With binary
  /// detection the same vectorised pass stops at a NUL byte.
  private mutating func runPrefiltered(_ prefilter: any LinePrefilter, _ pattern: Pattern, _ scratch: PCRE2Scratch,
                                       in memory: Memory, inverted: Bool, selected: inout Int, countOnly: Bool,
                                       emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let text = pattern.source
    // The NUL check rides along the needle search unless a candidate may hold a NUL itself.
    let fused = binaryReadSize != nil && !prefilter.matchesNUL
    let exact = prefilter.isExact
    let skipsUncounted = !numbersLines && countOnly && !inverted
    // Candidate lines that do not match are passed over inside the scan's own
    // guarded call (one call per selected line, not per candidate), when the
    // line alone decides exactly as `step` would: not inverted (those lines are
    // selected), and not a start `step` would match from after skipped bytes
    // unless the pattern text is line-local (`step` then matches the whole line first).
    let verifier = !exact && !inverted && (!pattern.skipsInvalidLineStart || pattern.storage.localText)
      ? scratch.lineVerifier(for: pattern.storage.code) : nil
    // Matching lines come back in batches (`csg_line_span`) when nothing has to
    // happen between them: not inverted (the lines between are not selected)
    // and no NUL check ahead of the scan. Each is then taken as if it came back alone.
    let spans: UnsafeMutableBufferPointer<csg_line_span>? = !inverted && (binaryReadSize == nil || fused)
      && (exact || verifier != nil) ? .allocate(capacity: Self.batch) : nil
    defer { spans?.deallocate() }
    while position < end {
      if try !flushPending(memory, selected: &selected, countOnly: countOnly, pattern: text, emit: emit) { return false }
      if !fused, try !checkAhead(memory, pattern: text) { continue }
      // Scan a window at a time when the lines passed must be selected (inverted),
      // so that happens while the window's bytes are in the cache; the newlines
      // of lines passed are counted by the scan itself, in the same pass.
      let stretchEnd = inverted ? min(end, position + Self.window) : end
      let stopping = fused && binaryOffset == nil
      // One call: the NUL check of the bytes a previous line left unchecked, the
      // scan, and the candidate's line with the newlines before it.
      var spanCount = 0
      let wanted = spans.map { UnsafeMutableBufferPointer(rebasing: $0[0..<min($0.count, max(1, lineBudget - selected))]) }
      let hit = try prefilter.nextLine(in: memory, from: position, end: stretchEnd, limit: end,
                                       checked: stopping ? verified : position, stoppingAt: stopping ? 0 : nil,
                                       countingNewlines: numbersLines && !inverted, verifier: verifier,
                                       spans: wanted, spanCount: &spanCount, pattern: text)
      if let spans {
        for span in spans[0..<spanCount] {
          if stopping { verified = max(verified, span.at) }
          lineNumber += span.newlines
          position = span.line_start
          if try !takeCandidateLine(lineEnd: span.line_end, firstByte: span.first, matched: true, exact: exact,
                                    pattern, scratch, in: memory, inverted: false, selected: &selected,
                                    countOnly: countOnly, emit: emit) {
            return false
          }
        }
      }
      switch hit {
      case .more:
        continue
      case .stop(let nul):
        verified = max(verified, nul)
        try detectBinary(at: nul, memory, pattern: text)
        // No candidate lies before the NUL: the text lines left hold no match.
        if skipsUncounted {
          position = max(position, end)
        } else if try !skipLines(upTo: end, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                                 emit: emit, pattern: text) {
          return false
        }
      case .candidate(let at, let lineStart, let lineEnd, let newlines, let first, let lineMatched):
        if stopping { verified = max(verified, at) }
        if !inverted {
          // The lines before hold no candidate, so none is selected: only numbers move.
          lineNumber += newlines
          position = lineStart
        } else if try !skipLines(upTo: lineStart, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                                 emit: emit, pattern: text) {
          return false
        }
        if position >= end { return true }
        // `first` is the byte at `position` unless skipLines stopped short of lineStart (inverted).
        if try !takeCandidateLine(lineEnd: lineEnd, firstByte: position == lineStart ? first : nil,
                                  matched: lineMatched, exact: exact, pattern, scratch, in: memory,
                                  inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit) {
          return false
        }
      case .none(let newlines):
        if stopping { verified = max(verified, stretchEnd) }
        if !inverted {
          // stretchEnd is `end` (and the limit): no line left holds a candidate, so
          // none is selected, and the scan counted their newlines.
          if numbersLines {
            lineNumber += newlines
            if try memory.byte(at: end - 1, pattern: text) != 0x0A { lineNumber += 1 }  // an unterminated last line
          }
          position = end
          continue
        }
        // No candidate starts before stretchEnd, but one may straddle it: go on from the
        // start of the line holding stretchEnd, after the lines wholly before it.
        var resume = stretchEnd
        if stretchEnd < end {
          resume = (try memory.lastIndex(of: 0x0A, in: position..<stretchEnd, pattern: text)).map { $0 + 1 } ?? position
          if resume == position {
            // One line longer than the window: let its own match decide.
            if try !step(pattern, scratch, in: memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                         emit: emit) {
              return false
            }
            continue
          }
        }
        if try !skipLines(upTo: resume, memory, inverted: inverted, selected: &selected, countOnly: countOnly,
                          emit: emit, pattern: text) {
          return false
        }
      }
    }
    return true
  }

  /// Takes the candidate line at `position` (ending at `lineEnd`; `firstByte`
  /// is the byte at `position` when known): a match when the prefilter is
  /// exact or the verifier `matched` it, else matched alone by `step`.
  private mutating func takeCandidateLine(lineEnd: Int, firstByte: UInt8?, matched: Bool, exact: Bool,
                                          _ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory,
                                          inverted: Bool, selected: inout Int, countOnly: Bool,
                                          emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let text = pattern.source
    var skipsStart = false
    if pattern.skipsInvalidLineStart {
      let byte = if let firstByte { firstByte } else { try memory.byte(at: position, pattern: text) }
      skipsStart = Pattern.cannotBeginCharacter(byte)
    }
    if (exact || matched) && !skipsStart {
      // The candidate is a match (and lies within the line), or the verifier matched
      // the line alone: no need to ask PCRE2 (again), unless the line starts with
      // bytes grep -P skips: `step` decides.
      return try finishLine(lineEnd: lineEnd, matched: true, inverted: inverted, selected: &selected,
                            countOnly: countOnly, memory, pattern: text, emit: emit)
    }
    return try step(pattern, scratch, in: memory, lineEnd: lineEnd, firstByte: firstByte,
                    inverted: inverted, selected: &selected, countOnly: countOnly, emit: emit)
  }

  /// Matches the line at `position` alone and moves past it. Returns `false`
  /// when `emit` asked to stop.
  ///
  /// With `skipsInvalidLineStart`, the subject starts after the line's first
  /// bytes that cannot begin a character, with `PCRE2_NOTBOL` (as grep -P).
  /// For a line-local pattern such a subject matches only where the whole
  /// line does (the skipped bytes match nothing, and the pattern looks no
  /// further back than `\b`, which sees no word character either way), so the
  /// line is matched whole first and its start looked at only when it
  /// matches; the fast path and the prefilter still find every candidate line.
  ///
  /// `firstByte`, when known, is the byte at `position` (it saves a guarded read).
  private mutating func step(_ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory, lineEnd known: Int? = nil,
                             firstByte: UInt8? = nil, inverted: Bool, selected: inout Int, countOnly: Bool,
                             emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let lineEnd: Int
    if let known {
      lineEnd = known
    } else {
      lineEnd = try memory.firstIndex(of: 0x0A, in: position..<end, pattern: pattern.source) ?? end
    }
    let skips = pattern.skipsInvalidLineStart
    let lineLocal = pattern.storage.localText
    var matched = !skips || lineLocal ? try matchLine(pattern, scratch, in: memory, from: position, to: lineEnd) : true
    if skips && matched {
      let startsCharacter = (firstByte.map { !Pattern.cannotBeginCharacter($0) } ?? false) || position == lineEnd
      let start = startsCharacter
        ? position : try memory.characterStart(from: position, before: lineEnd, pattern: pattern.source)
      if start > position || !lineLocal {
        matched = try matchLine(pattern, scratch, in: memory, from: start, to: lineEnd,
                                flags: start > position ? .notBeginningOfLine : [])
      }
    }
    return try finishLine(lineEnd: lineEnd, matched: matched, inverted: inverted, selected: &selected,
                          countOnly: countOnly, memory, pattern: pattern.source, emit: emit)
  }

  /// Whether the pattern matches `start..<lineEnd` as its own subject.
  private func matchLine(_ pattern: Pattern, _ scratch: PCRE2Scratch, in memory: Memory, from start: Int, to lineEnd: Int,
                         flags: MatchFlags = []) throws(RegexError) -> Bool {
    switch scratch.match(pattern.storage.code, subject: memory.base + start, length: lineEnd - start, start: 0,
                         flags: flags) {
    case .match: return true
    case .noMatch: return false
    case .failure(let rc):
      throw RegexError(kind: .match, code: rc, offset: position, pattern: pattern.source)
    case .fault(let offset):
      throw memory.truncated(at: start + offset, pattern: pattern.source)
    }
  }

  /// Moves past the line at `position` (ending at `lineEnd`), selecting it when
  /// `matched != inverted` and it is text. Returns `false` when `emit` asked to stop.
  private mutating func finishLine(lineEnd: Int, matched: Bool, inverted: Bool, selected: inout Int, countOnly: Bool,
                                   _ memory: Memory, pattern: String,
                                   emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    let line = LineMatch(number: lineNumber, range: position..<lineEnd)
    lineNumber += 1
    position = lineEnd < end ? lineEnd + 1 : end
    guard matched != inverted else { return true }
    return try select(line, upper: position, memory, selected: &selected, countOnly: countOnly, pattern: pattern, emit: emit)
  }

  /// Selects `line` (ending just before `upper`): at once when it is known to
  /// be text, else once its read is checked (`pending`).
  private mutating func select(_ line: LineMatch, upper: Int, _ memory: Memory, selected: inout Int, countOnly: Bool,
                               pattern: String,
                               emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    if let readSize = binaryReadSize {
      let readEnd = Self.readEnd(of: line.range.upperBound, readSize: readSize, count: memory.count)
      if pendingHead < pending.count || readEnd > verified || binaryOffset != nil {
        pending.append(Pending(start: line.range.lowerBound, upper: upper, readEnd: readEnd, count: 1, line: line))
        return try flushPending(memory, selected: &selected, countOnly: countOnly, pattern: pattern, emit: emit)
      }
    }
    selected += 1
    if !countOnly, try !emit(line) { return false }
    return true
  }

  /// Moves past the lines in `position..<limit` (none of which matches): an
  /// inverted search selects each of them (those that are text).
  private mutating func skipLines(upTo limit: Int, _ memory: Memory, inverted: Bool, selected: inout Int,
                                  countOnly: Bool,
                                  emit: (LineMatch) throws(RegexError) -> Bool, pattern: String) throws(RegexError) -> Bool {
    if position >= limit { return true }
    if !inverted || countOnly {
      let terminated = try memory.byte(at: limit - 1, pattern: pattern) == 0x0A
      var lines = try memory.occurrences(of: 0x0A, in: position..<limit, pattern: pattern)
      if !terminated { lines += 1 }  // an unterminated last line
      lineNumber += lines
      if inverted {
        if let readSize = binaryReadSize {
          let readEnd = Self.readEnd(of: terminated ? limit - 1 : limit, readSize: readSize, count: memory.count)
          if pendingHead < pending.count || readEnd > verified || binaryOffset != nil {
            pending.append(Pending(start: position, upper: limit, readEnd: readEnd, count: lines, line: nil))
            position = limit
            return try flushPending(memory, selected: &selected, countOnly: countOnly, pattern: pattern, emit: emit)
          }
        }
        selected += lines
      }
      position = limit
      return true
    }
    while position < limit {
      let lineEnd = try memory.firstIndex(of: 0x0A, in: position..<limit, pattern: pattern) ?? limit
      let line = LineMatch(number: lineNumber, range: position..<lineEnd)
      lineNumber += 1
      position = lineEnd < limit ? lineEnd + 1 : limit
      if try !select(line, upper: position, memory, selected: &selected, countOnly: countOnly, pattern: pattern,
                     emit: emit) {
        return false
      }
    }
    return true
  }

  // MARK: - Binary detection

  /// For scans that do not check for NUL themselves: checks the next window
  /// ahead of `position` when the checked bytes run short. Returns `false`
  /// when that found binary data (the text part then ends).
  private mutating func checkAhead(_ memory: Memory, pattern: String) throws(RegexError) -> Bool {
    guard binaryReadSize != nil, binaryOffset == nil, verified < position + Self.window / 2 else { return true }
    let through = min(try readLimit(memory, pattern: pattern), max(verified, position) + Self.window)
    if through <= verified { return true }
    if let nul = try memory.firstIndex(of: 0, in: verified..<through, pattern: pattern) {
      try detectBinary(at: nul, memory, pattern: pattern)
      return false
    }
    verified = through
    return true
  }

  /// The end of the read that holds the range's last line's end (its `"\n"`,
  /// or the range's end when it has none): every line of the range is text
  /// when no NUL lies before it, and a NUL at or after it never makes one binary.
  private mutating func readLimit(_ memory: Memory, pattern: String) throws(RegexError) -> Int {
    if let knownReadLimit { return knownReadLimit }
    guard let readSize = binaryReadSize, rangeEnd > rangeStart else { return rangeEnd }
    let terminated = try memory.byte(at: rangeEnd - 1, pattern: pattern) == 0x0A
    let limit = max(rangeEnd, Self.readEnd(of: terminated ? rangeEnd - 1 : rangeEnd, readSize: readSize, count: memory.count))
    knownReadLimit = limit
    return limit
  }

  /// The end of the read that holds a line ending at `lineEnd` (its `"\n"`,
  /// or the end of the memory): the line is text when no NUL lies before it.
  private static func readEnd(of lineEnd: Int, readSize: Int, count: Int) -> Int {
    min(count, (min(lineEnd, count - 1) / readSize + 1) * readSize)
  }

  /// Delivers the waiting lines whose reads are now checked (or that binary
  /// data proved to be text), in order; drops those binary data made binary.
  /// Returns `false` when `emit` asked to stop.
  private mutating func flushPending(_ memory: Memory, selected: inout Int, countOnly: Bool, pattern: String,
                                     emit: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) -> Bool {
    while pendingHead < pending.count {
      let entry = pending[pendingHead]
      if let binaryOffset {
        if entry.start >= binaryOffset {
          pendingHead = pending.count  // binary, like everything after it
          break
        }
        if entry.upper > binaryOffset {
          // A run of lines counted in bulk that binary data cuts: keep its text lines.
          selected += try memory.occurrences(of: 0x0A, in: entry.start..<binaryOffset, pattern: pattern)
          pendingHead = pending.count
          break
        }
      } else if entry.readEnd > verified {
        break
      }
      pendingHead += 1
      selected += entry.count
      if !countOnly, let line = entry.line, try !emit(line) { return false }
    }
    if pendingHead == pending.count {
      pending.removeAll(keepingCapacity: true)
      pendingHead = 0
    } else if pendingHead >= 1024 && pendingHead * 2 >= pending.count {
      // Keep the queue as small as the lines waiting (those of about one read).
      pending.removeFirst(pendingHead)
      pendingHead = 0
    }
    return true
  }

  /// Records the first NUL at `nul`: the binary part starts at the first line
  /// not completed before the read that holds it (or at `binaryOrigin`), and
  /// the text part ends there. When the scan already passed that line, it
  /// steps back to it (keeping `lineNumber` right).
  private mutating func detectBinary(at nul: Int, _ memory: Memory, pattern: String) throws(RegexError) {
    guard let readSize = binaryReadSize, binaryOffset == nil else { return }
    firstNUL = nul
    let boundary = nul / readSize * readSize
    var start = binaryOrigin
    if boundary > binaryOrigin, let newline = try memory.lastIndex(of: 0x0A, in: binaryOrigin..<boundary, pattern: pattern) {
      start = newline + 1
    }
    binaryOffset = start
    if position > start {
      if numbersLines {
        var passed = try memory.occurrences(of: 0x0A, in: start..<position, pattern: pattern)
        // The scan may have passed an unterminated last line: a line without a "\n".
        if try memory.byte(at: position - 1, pattern: pattern) != 0x0A { passed += 1 }
        lineNumber -= passed
      }
      position = start
    }
    end = min(end, start)
  }
}
