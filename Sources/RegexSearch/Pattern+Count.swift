import Dispatch

extension Pattern {
  /// The serial count of matches starting in `window` from `start` (and, when
  /// `startLimit` is set, at or before it), plus the end of the last match.
  /// Offsets are relative to the window.
  func countMatches(_ code: PCRE2Code, _ scratch: PCRE2Scratch, in memory: Memory, window: Range<Int>,
                    start: Int, startLimit: Int? = nil) throws(RegexError) -> (count: Int, lastEnd: Int) {
    var cursor = MatchCursor(start: start)
    var n = 0
    var lastEnd = start
    scratch.setOffsetLimit(startLimit)
    // PCRE2 applies the offset limit only when it advances: check the first attempt here.
    while startLimit.map({ cursor.position <= $0 }) ?? true,
          try cursor.next(code, scratch, in: memory, window: window, pattern: source) {
      if let startLimit, scratch.matchStart > startLimit { break }
      n += 1
      lastEnd = scratch.matchEnd
    }
    return (n, lastEnd)
  }

  /// `countMatches` with the prefilter, for a pattern whose matches stay inside
  /// one line (`storage.lineCode != nil`: line-local, no newline consumed, LF
  /// newlines) and always hold a needle (`LiteralExtraction`): lines without a
  /// needle hold no match, so only lines with one are searched, each with the
  /// whole memory as the subject (so `\b`, `^` and `$` see the same context)
  /// and the start offset limited to the line's end. Matches are never empty
  /// (they hold a needle), so the result equals the plain loop's.
  func countMatchesPrefiltered(_ prefilter: any LinePrefilter, _ scratch: PCRE2Scratch, in memory: Memory,
                               window: Range<Int>, start: Int,
                               startLimit: Int? = nil) throws(RegexError) -> (count: Int, lastEnd: Int) {
    let code = try storage.offsetLimitedCode()
    let base = window.lowerBound
    var cursor = start
    var n = 0
    var lastEnd = start
    while cursor < window.count {
      guard let hit = try prefilter.firstCandidate(in: memory, range: (base + cursor)..<window.upperBound, pattern: source)
      else { break }
      let lineStart = (try memory.lastIndex(of: 0x0A, in: (base + cursor)..<hit, pattern: source)).map { $0 + 1 - base } ?? cursor
      if let startLimit, lineStart > startLimit { break }
      let lineEnd = (try memory.firstIndex(of: 0x0A, in: hit..<window.upperBound, pattern: source)).map { $0 - base } ?? window.count
      let found = try countMatches(code, scratch, in: memory, window: window, start: lineStart,
                                   startLimit: min(lineEnd, startLimit ?? lineEnd))
      if found.count > 0 {
        n += found.count
        lastEnd = found.lastEnd
      }
      cursor = lineEnd + 1
    }
    scratch.setOffsetLimit(nil)
    return (n, lastEnd)
  }

  /// The serial count with the prefilter when it applies.
  func countMatchesFast(_ code: PCRE2Code, _ scratch: PCRE2Scratch, in memory: Memory, window: Range<Int>,
                        start: Int, startLimit: Int? = nil) throws(RegexError) -> (count: Int, lastEnd: Int) {
    if let prefilter = storage.prefilter, storage.lineCode != nil {
      return try countMatchesPrefiltered(prefilter, scratch, in: memory, window: window, start: start,
                                         startLimit: startLimit)
    }
    return try countMatches(code, scratch, in: memory, window: window, start: start, startLimit: startLimit)
  }

  func count(in source: SubjectSource, parallelism: Int, minimumChunk: Int = 64 * 1024) throws(RegexError) -> Int {
    precondition(parallelism >= 1, "parallelism \(parallelism) must be at least 1")
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> Int in
      let all = 0..<memory.count
      // A fault while splitting (a truncated file) falls back to the serial search,
      // which reports the first lost byte in buffer order.
      let chunks = parallelism > 1 && !storage.anchorsToStartOffset
        ? LineChunks.splitOrWhole(memory, range: all, parts: parallelism, minimumSize: minimumChunk)
        : [all]
      if chunks.count <= 1 {
        return try storage.withScratch { (scratch) throws(RegexError) -> Int in
          try countMatchesFast(storage.code, scratch, in: memory, window: all, start: 0).count
        }
      }
      return try parallelCount(in: memory, chunks: chunks)
    }
  }

  /// Counts each chunk concurrently with the whole memory as the subject and
  /// `pcre2_set_offset_limit` stopping each chunk at its end, then fixes up in
  /// order: a chunk whose start lies inside the previous chunk's last match is
  /// recounted from that match's end, exactly as the serial loop would.
  private func parallelCount(in memory: Memory, chunks: [Range<Int>]) throws(RegexError) -> Int {
    let code = try storage.offsetLimitedCode()
    let whole = 0..<memory.count
    let slots = ResultSlots<Result<(count: Int, lastEnd: Int), RegexError>>(count: chunks.count)
    let storage = self.storage
    let isLast = chunks.count - 1
    DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
      let scratch = storage.acquire()
      defer { storage.release(scratch) }
      let r = Result { () throws(RegexError) -> (count: Int, lastEnd: Int) in
        try countMatchesFast(code, scratch, in: memory, window: whole, start: chunks[i].lowerBound,
                             startLimit: i == isLast ? nil : chunks[i].upperBound - 1)
      }
      slots.set(i, r)
    }
    let results = slots.take()
    var total = 0
    var previousEnd = 0
    for (i, chunk) in chunks.enumerated() {
      var outcome: (count: Int, lastEnd: Int)
      if previousEnd > chunk.lowerBound {
        // The serial loop resumes inside this chunk, after a match that crossed into it.
        outcome = try storage.withScratch { (scratch) throws(RegexError) -> (count: Int, lastEnd: Int) in
          try countMatchesFast(code, scratch, in: memory, window: whole, start: previousEnd,
                               startLimit: i == isLast ? nil : chunk.upperBound - 1)
        }
        // Matches start at or after previousEnd; an empty chunk tail leaves it unchanged.
        outcome.lastEnd = max(outcome.lastEnd, previousEnd)
      } else {
        outcome = try results[i].get()
      }
      total += outcome.count
      previousEnd = outcome.count > 0 ? outcome.lastEnd : previousEnd
    }
    return total
  }
}

/// Splits memory into line-aligned chunks.
enum LineChunks {
  /// `split`, or the whole range as one chunk when the memory cannot be read.
  static func splitOrWhole(_ memory: Memory, range: Range<Int>, parts: Int, minimumSize: Int) -> [Range<Int>] {
    (try? split(memory, range: range, parts: parts, minimumSize: minimumSize, pattern: nil)) ?? [range]
  }

  /// Splits `range` into about `parts` pieces (each at least `minimumSize`
  /// bytes, except the last) that end just after a `"\n"` (or at the end).
  static func split(_ memory: Memory, range: Range<Int>, parts: Int, minimumSize: Int,
                    pattern: String?) throws(RegexError) -> [Range<Int>] {
    let size = max(minimumSize, range.count / max(parts, 1) + 1)
    var chunks: [Range<Int>] = []
    var lo = range.lowerBound
    while lo < range.upperBound {
      let target = lo + size
      var hi = range.upperBound
      if target < range.upperBound, let nl = try memory.firstIndex(of: 0x0A, in: target..<range.upperBound, pattern: pattern) {
        hi = nl + 1
      }
      chunks.append(lo..<hi)
      lo = hi
    }
    return chunks
  }
}
