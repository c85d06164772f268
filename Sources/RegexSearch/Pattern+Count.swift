import Dispatch

/// Where the serial match loop stands after counting up to an attempt limit,
/// so the next chunk of a parallel count can go on exactly as the serial loop
/// would (offsets relative to the window).
struct CountState: Equatable {
  /// The next attempt's start.
  var position: Int
  /// Whether that attempt is the non-empty retry after an empty match.
  var retry = false
  /// Whether a fresh search from `position` found no match starting at or
  /// before the attempt limit (so the serial loop goes on with that same
  /// search past the limit).
  var exhausted = false
  /// Whether nothing more can match anywhere.
  var done = false
}

extension Pattern {
  /// The serial count of matches whose attempts start in `window` from `start`
  /// (and, when `startLimit` is set, at or before it), plus where the serial
  /// loop then stands. Offsets are relative to the window. With `startLimit`,
  /// `code` must be compiled with `PCRE2_USE_OFFSET_LIMIT`.
  func countMatches(_ code: PCRE2Code, _ scratch: PCRE2Scratch, in memory: Memory, window: Range<Int>,
                    from start: CountState, startLimit: Int? = nil) throws(RegexError) -> (count: Int, state: CountState) {
    var cursor = MatchCursor(start: start.position, retry: start.retry)
    cursor.attemptLimit = startLimit
    scratch.setOffsetLimit(startLimit)
    var n = 0
    while try cursor.next(code, scratch, in: memory, window: window, pattern: source) { n += 1 }
    if !cursor.finished {  // stopped at the limit
      return (n, CountState(position: cursor.position, retry: cursor.lastWasEmpty))
    }
    // A fresh search from `position` found nothing (up to the limit), or the
    // subject ended (an empty match at its end, perhaps through \K from an
    // attempt that started before the limit, ends the serial loop too).
    let over = startLimit == nil || cursor.position >= window.count || cursor.lastWasEmpty
    return (n, CountState(position: cursor.position, exhausted: !over, done: over))
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
      let found = try countMatches(code, scratch, in: memory, window: window, from: CountState(position: lineStart),
                                   startLimit: min(lineEnd, startLimit ?? lineEnd))
      if found.count > 0 {
        n += found.count
        lastEnd = found.state.position  // the last match's end: matches here are never empty
      }
      cursor = lineEnd + 1
    }
    scratch.setOffsetLimit(nil)
    return (n, lastEnd)
  }

  /// The serial count with the prefilter when it applies, and where the
  /// serial loop then stands (see `countMatches`).
  func countMatchesFast(_ code: PCRE2Code, _ scratch: PCRE2Scratch, in memory: Memory, window: Range<Int>,
                        from start: CountState, startLimit: Int? = nil) throws(RegexError) -> (count: Int, state: CountState) {
    if let prefilter = storage.prefilter, storage.lineCode != nil, !start.retry {
      let found = try countMatchesPrefiltered(prefilter, scratch, in: memory, window: window, start: start.position,
                                              startLimit: startLimit)
      // Its matches are never empty, so the loop goes on with a fresh search from
      // the last one's end, and it searched every line up to the limit.
      let position = found.count > 0 ? found.lastEnd : start.position
      if let startLimit, position > startLimit { return (found.count, CountState(position: position)) }
      return (found.count, CountState(position: position, exhausted: startLimit != nil, done: startLimit == nil))
    }
    return try countMatches(code, scratch, in: memory, window: window, from: start, startLimit: startLimit)
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
          try countMatchesFast(storage.code, scratch, in: memory, window: all, from: CountState(position: 0)).count
        }
      }
      return try parallelCount(in: memory, chunks: chunks)
    }
  }

  /// Counts each chunk concurrently with the whole memory as the subject,
  /// starting afresh at the chunk's start, with `pcre2_set_offset_limit` and
  /// the cursor's attempt limit stopping it at the chunk's end (a match may
  /// run past it). Then walks the chunks in order, carrying the serial loop's
  /// state from one to the next: a chunk's own count stands only when the
  /// serial loop would enter it with a fresh search at its start (or with a
  /// fresh search that found nothing in the previous chunks, when a search
  /// reaching the seam tries the seam as a fresh one does); otherwise the
  /// chunk is counted again from the serial state. That covers a match that
  /// crossed into the chunk, the non-empty retry after an empty match at or
  /// past the seam, an advance after an empty match that skips the seam (UTF-8
  /// continuation bytes), and a seam at a non-ASCII byte in UTF mode (PCRE2
  /// may match at an invalid byte when it is the start offset, never when a
  /// search moves onto it).
  private func parallelCount(in memory: Memory, chunks: [Range<Int>]) throws(RegexError) -> Int {
    let code = try storage.offsetLimitedCode()
    let whole = 0..<memory.count
    let slots = ResultSlots<Result<(count: Int, state: CountState), RegexError>>(count: chunks.count)
    let storage = self.storage
    let isLast = chunks.count - 1
    DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
      let scratch = storage.acquire()
      defer { storage.release(scratch) }
      let r = Result { () throws(RegexError) -> (count: Int, state: CountState) in
        try countMatchesFast(code, scratch, in: memory, window: whole, from: CountState(position: chunks[i].lowerBound),
                             startLimit: i == isLast ? nil : chunks[i].upperBound - 1)
      }
      slots.set(i, r)
    }
    let results = slots.take()
    var total = 0
    var state = CountState(position: 0)
    for (i, chunk) in chunks.enumerated() {
      if state.done { break }
      let seam = chunk.lowerBound
      var fresh = !state.retry && state.position == seam
      if !state.retry && state.exhausted && state.position < seam {
        fresh = true
        if code.isUTF { fresh = try memory.byte(at: seam, pattern: source) < 0x80 }
      }
      let outcome: (count: Int, state: CountState)
      if fresh {
        outcome = try results[i].get()
      } else {
        let from = state
        outcome = try storage.withScratch { (scratch) throws(RegexError) -> (count: Int, state: CountState) in
          try countMatchesFast(code, scratch, in: memory, window: whole, from: from,
                               startLimit: i == isLast ? nil : chunk.upperBound - 1)
        }
      }
      total += outcome.count
      state = outcome.state
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
