import ByteBuffer

// Searches under a `SearchBudget`: the same results as the searches without
// one, found window by window (line-aligned), with the budget checked before
// each window. See SearchBudget.swift for the windows and the clock.

// MARK: - Public API

extension Pattern {
  /// The lines of the buffer the pattern selects, as
  /// `matchingLines(in:inverted:parallelism:)` finds them, under `budget`.
  ///
  /// When the budget runs out, `next()` first delivers every line found
  /// before, then throws `RegexError` of kind `.budgetExceeded` whose
  /// `offset` is the start of the first line not searched (calling `next()`
  /// again throws again). An unlimited budget gives the plain sequence.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - inverted: Select the lines that do not match (grep -v).
  ///   - parallelism: How many threads may search one window at once.
  ///   - budget: The time and byte limits of the whole search.
  /// - Returns: A lazy sequence of `LineMatch`.
  public func matchingLines(in buffer: some MutableByteBuffer, inverted: Bool = false, parallelism: Int = 1,
                            budget: SearchBudget) -> LineSequence {
    var lines = matchingLines(in: buffer, inverted: inverted, parallelism: parallelism)
    if budget.isLimited { lines.budget = budget }
    return lines
  }

  /// Calls `body` with each selected line in order until it returns
  /// `false`, under `budget` (see `matchingLines(in:inverted:parallelism:budget:)`).
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - inverted: Select the lines that do not match.
  ///   - parallelism: How many threads may search one window at once.
  ///   - budget: The time and byte limits of the whole search.
  ///   - body: Called with each line; return `false` to stop.
  /// - Throws: `RegexError` `.budgetExceeded` (after every line before
  ///   `offset` was passed to `body`), `.match`, `.buffer`, or what `body` throws.
  public func forEachLine(in buffer: some MutableByteBuffer, inverted: Bool = false, parallelism: Int = 1,
                          budget: SearchBudget, _ body: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) {
    try matchingLines(in: buffer, inverted: inverted, parallelism: parallelism, budget: budget).forEach(body)
  }

  /// The number of selected lines (grep -c), under `budget`.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - inverted: Count the lines that do not match.
  ///   - parallelism: How many threads may count one window at once.
  ///   - budget: The time and byte limits of the whole search.
  /// - Returns: The number of selected lines.
  /// - Throws: `RegexError` `.budgetExceeded` with `offset` (the first line
  ///   not counted) and `partialCount` (the lines selected before it);
  ///   `.match` or `.buffer`.
  public func countMatchingLines(in buffer: some MutableByteBuffer, inverted: Bool = false, parallelism: Int = 1,
                                 budget: SearchBudget) throws(RegexError) -> Int {
    guard budget.isLimited else {
      return try countMatchingLines(in: buffer, inverted: inverted, parallelism: parallelism)
    }
    return try countLines(in: .buffer(buffer), inverted: inverted, parallelism: parallelism, budget: budget,
                          range: nil, binaryReadSize: nil).selected
  }

  /// The matches in the buffer (or in `range`, the entire subject), as
  /// `matches(in:within:)` finds them, under `budget`.
  ///
  /// The subject stays whole (lookbehind and multiline matches see
  /// everything); the budget splits only where matches may *start*
  /// (`pcre2_set_offset_limit`), at line ends. When it runs out, `next()`
  /// throws `.budgetExceeded` with `offset` = where the next match would be
  /// searched from; every match starting before it was delivered. Patterns
  /// that depend on the start offset (`\G`) are not split: the budget is
  /// checked before each match (so an empty match at `offset` may have been
  /// delivered too: the search resumes there after it).
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The bytes that form the subject; `nil` = the whole buffer.
  ///   - budget: The time and byte limits of the whole search.
  /// - Returns: A lazy sequence of matches.
  public func matches(in buffer: some MutableByteBuffer, within range: Range<Int>? = nil,
                      budget: SearchBudget) -> MatchSequence {
    var matches = MatchSequence(pattern: self, source: .buffer(buffer), window: range)
    if budget.isLimited { matches.budget = budget }
    return matches
  }

  /// The number of non-overlapping matches in the whole buffer, under `budget`.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - parallelism: Ignored under a limited budget (the count is serial, in
  ///     windows); kept for symmetry with `count(in:parallelism:)`.
  ///   - budget: The time and byte limits of the whole search.
  /// - Returns: The number of matches.
  /// - Throws: `RegexError` `.budgetExceeded` with `offset` (where counting
  ///   stopped) and `partialCount` (the matches starting before it);
  ///   `.match` or `.buffer`.
  public func count(in buffer: some MutableByteBuffer, parallelism: Int = 1,
                    budget: SearchBudget) throws(RegexError) -> Int {
    guard budget.isLimited else { return try count(in: buffer, parallelism: parallelism) }
    return try count(in: .buffer(buffer), budget: budget)
  }
}

// MARK: - Windows

extension Pattern {
  /// The end of the window of about `size` bytes from `start` in
  /// `0..<limit` of `memory`: just past the first `"\n"` at or after
  /// `start + size - 1`, or `limit`.
  static func windowEnd(_ memory: Memory, from start: Int, size: Int, limit: Int,
                        pattern: String) throws(RegexError) -> Int {
    let target = start + size - 1
    if target >= limit { return limit }
    return (try memory.firstIndex(of: UInt8(ascii: "\n"), in: target..<limit, pattern: pattern)).map { $0 + 1 } ?? limit
  }

  /// `countMatchingLines` in windows (see the public overload), over
  /// `range` (`nil`: the whole subject), ending at binary data when
  /// `binaryReadSize` is set.
  func countLines(in source: SubjectSource, inverted: Bool, parallelism: Int, budget: SearchBudget,
                  range: Range<Int>?, binaryReadSize: Int?) throws(RegexError) -> LineCount {
    precondition(parallelism >= 1, "parallelism \(parallelism) must be at least 1")
    var meter = BudgetMeter(budget, maximumWindow: parallelism > 1 ? Self.defaultChunkSize * parallelism : 4 << 20)
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> LineCount in
      let searched = try memory.checked(range, pattern: self.source)
      return try storage.withScratch { (scratch) throws(RegexError) -> LineCount in
        var position = searched.lowerBound
        var total = 0
        while position < searched.upperBound {
          let size = try meter.beginWindow(covered: position - searched.lowerBound, at: position, pattern: self.source,
                                           partialCount: total)
          let end = try Self.windowEnd(memory, from: position, size: size, limit: searched.upperBound,
                                       pattern: self.source)
          var binary: Int? = nil
          if parallelism > 1 && end - position >= 2 * Self.minimumParallelWindow {
            let chunks = LineChunks.splitOrWhole(memory, range: position..<end, parts: parallelism,
                                                 minimumSize: Self.minimumParallelWindow)
            let results = try searchChunks(chunks, in: memory, inverted: inverted, collect: false,
                                           binaryReadSize: binaryReadSize)
            let combined = try combine(results, chunks: chunks, in: memory, inverted: inverted, firstLine: 1,
                                       binaryReadSize: binaryReadSize, origin: searched.lowerBound)
            total += combined.selected
            binary = combined.binaryOffset
          } else {
            var scanner = LineScanner(range: position..<end, firstLineNumber: 1, fastPath: lineFastPath,
                                      binaryReadSize: binaryReadSize, binaryOrigin: searched.lowerBound)
            scanner.numbersLines = false
            total += try scanner.run(self, scratch, in: memory, inverted: inverted, countOnly: true) { _ in true }
            binary = scanner.binaryOffset
          }
          meter.endWindow()
          if let binary { return LineCount(selected: total, binaryOffset: binary) }
          position = end
        }
        return LineCount(selected: total, binaryOffset: nil)
      }
    }
  }

  /// Windows smaller than this are searched by one thread.
  static var minimumParallelWindow: Int { 64 << 10 }

  /// `count(in:)` in windows of match starts (see the public overload).
  func count(in source: SubjectSource, budget: SearchBudget) throws(RegexError) -> Int {
    var iterator = MatchSequence(pattern: self, source: source, window: nil).makeIterator()
    if storage.anchorsToStartOffset {
      // `\G`: windows would move the start offset; check before each match.
      iterator.budgetState = MatchBudgetState(budget)
      var total = 0
      do throws(RegexError) {
        while try iterator.next() != nil { total += 1 }
      } catch {
        var stopped = error
        if stopped.kind == .budgetExceeded { stopped.partialCount = total }
        throw stopped
      }
      return total
    }
    let code = try storage.offsetLimitedCode()
    var meter = BudgetMeter(budget)
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> Int in
      try storage.withScratch { (scratch) throws(RegexError) -> Int in
        defer { scratch.setOffsetLimit(nil) }
        let all = 0..<memory.count
        var start = 0
        var total = 0
        // The serial loop's state, carried from window to window (see `parallelCount`).
        var state = CountState(position: 0)
        while true {
          let size = try meter.beginWindow(covered: start, at: start, pattern: self.source, partialCount: total)
          let end = try Self.windowEnd(memory, from: start, size: size, limit: memory.count, pattern: self.source)
          let isLast = end >= memory.count
          // The attempts that start at or before the window's last byte, as the serial loop makes them.
          let found = try countMatchesFast(code, scratch, in: memory, window: all, from: state,
                                           startLimit: isLast ? nil : end - 1)
          total += found.count
          meter.endWindow()
          state = found.state
          if isLast || state.done { return total }
          start = end
        }
      }
    }
  }
}

// MARK: - Budgeted line iteration

/// The state of a budgeted `LineSequence.Iterator`.
struct LineBudgetState {
  var meter: BudgetMeter
  /// The start of the next window (a line start).
  var position: Int
  /// The number of the line at `position`.
  var lineNumber: Int
  var finished = false
  /// Where binary data starts, once a window found it (binary detection).
  var binaryOffset: Int? = nil
}

extension LineSequence.Iterator {
  /// Searches windows until one yields lines (queued in `pending`), the
  /// subject ends, or the budget runs out.
  mutating func refillBudgeted(_ budget: SearchBudget) throws(RegexError) -> LineMatch? {
    if let error = deferredError {
      deferredError = nil
      throw error
    }
    let s = sequence
    var state = budgetState ?? LineBudgetState(
      meter: BudgetMeter(budget, maximumWindow: s.parallelism > 1 ? s.chunkSize * s.parallelism : 4 << 20),
      position: s.range?.lowerBound ?? 0, lineNumber: s.firstLineNumber)
    defer { budgetState = state }
    let scratch = lease.scratch
    pending.removeAll(keepingCapacity: true)
    pendingIndex = 0
    while pending.isEmpty {
      if state.finished { return nil }
      var found: [LineMatch] = []
      var failure: RegexError? = nil
      try s.source.withBytes(pattern: s.pattern.source) { (memory) throws(RegexError) in
        let searched = try memory.checked(s.range, pattern: s.pattern.source)
        if state.position >= searched.upperBound {
          state.finished = true
          return
        }
        let size = try state.meter.beginWindow(covered: state.position - searched.lowerBound, at: state.position,
                                               pattern: s.pattern.source)
        defer { state.meter.endWindow() }
        let end = try Pattern.windowEnd(memory, from: state.position, size: size, limit: searched.upperBound,
                                        pattern: s.pattern.source)
        if s.parallelism > 1 && end - state.position >= 2 * Pattern.minimumParallelWindow {
          let chunks = LineChunks.splitOrWhole(memory, range: state.position..<end, parts: s.parallelism,
                                               minimumSize: Pattern.minimumParallelWindow)
          let results = try s.pattern.searchChunks(chunks, in: memory, inverted: s.inverted, collect: true,
                                                   binaryReadSize: s.binaryReadSize)
          // The chunks before the first failure, joined (up to binary data).
          let failed = results.firstIndex { if case .failure = $0 { return true } else { return false } }
          let good = Array(results[..<(failed ?? results.count)])
          if !good.isEmpty {
            let combined = try s.pattern.combine(good, chunks: Array(chunks[..<good.count]), in: memory,
                                                 inverted: s.inverted, firstLine: state.lineNumber,
                                                 binaryReadSize: s.binaryReadSize, origin: searched.lowerBound)
            found = combined.lines
            state.lineNumber += combined.lineCount
            if let binary = combined.binaryOffset {
              state.binaryOffset = binary
              state.position = binary
              state.finished = true
              return
            }
            state.position = chunks[good.count - 1].upperBound
          }
          if let failed, case .failure(let error) = results[failed] {
            // Retried from this chunk's start.
            failure = error
          }
        } else {
          var scanner = LineScanner(range: state.position..<end, firstLineNumber: state.lineNumber,
                                    fastPath: s.pattern.lineFastPath, binaryReadSize: s.binaryReadSize,
                                    binaryOrigin: searched.lowerBound)
          do throws(RegexError) {
            _ = try scanner.run(s.pattern, scratch, in: memory, inverted: s.inverted, countOnly: false) {
              (line) throws(RegexError) -> Bool in
              found.append(line)
              return true
            }
          } catch {
            failure = error
          }
          // After a failure the scanner is at the failing line: a retry starts there.
          state.position = scanner.position
          state.lineNumber = scanner.lineNumber
          if let binary = scanner.binaryOffset {
            state.binaryOffset = binary
            state.finished = true
          }
        }
      }
      if let failure {
        if found.isEmpty { throw failure }
        deferredError = failure
      }
      pending = found
    }
    pendingIndex = 1
    return pending[0]
  }
}

// MARK: - Budgeted match iteration

/// The state of a budgeted `MatchSequence.Iterator` (offsets relative to the subject window).
struct MatchBudgetState {
  var meter: BudgetMeter
  /// Where the next window starts.
  var position = 0
  /// The current window's end and last allowed match start (`nil` = to the end).
  var windowEnd = 0
  var startLimit: Int? = nil
  var cursor: MatchCursor? = nil
  var lastEnd = 0
  var finished = false

  init(_ budget: SearchBudget) { meter = BudgetMeter(budget) }

  /// Ends the current window: the next starts past it, past the last match,
  /// or at `resume`, where the serial loop would attempt next (after an empty
  /// match it moves one character on, past stray UTF-8 continuation bytes: a
  /// fresh start at the window's end could match where it never attempts).
  mutating func closeWindow(resume: Int = 0) {
    position = max(windowEnd, lastEnd, resume)
    cursor = nil
    meter.endWindow()
  }
}

extension MatchSequence.Iterator {
  /// The next match of a budgeted sequence.
  mutating func nextBudgeted() throws(RegexError) -> Match? {
    guard var state = budgetState else { return nil }
    defer { budgetState = state }
    let pattern = self.pattern
    let scratch = lease.scratch
    var window = self.window
    defer { self.window = window }
    return try source.withBytes(pattern: pattern.source) { (memory) throws(RegexError) -> Match? in
      let w = try Pattern.resolve(window, count: memory.count, pattern: pattern.source)
      window = w
      let text = pattern.source
      if pattern.storage.anchorsToStartOffset {
        // `\G` ties matches to the start offset: no windows, a check before each match.
        var cursor = state.cursor ?? MatchCursor(start: 0)
        if state.finished { return nil }
        _ = try state.meter.beginWindow(covered: cursor.position, at: w.lowerBound + cursor.position, pattern: text)
        defer { state.meter.endWindow() }
        let found = try cursor.next(pattern.storage.code, scratch, in: memory, window: w, pattern: text)
        state.cursor = cursor
        if !found {
          state.finished = true
          return nil
        }
        return pattern.makeMatch(scratch, origin: w.lowerBound)
      }
      let code = try pattern.storage.offsetLimitedCode()
      defer { scratch.setOffsetLimit(nil) }
      while !state.finished {
        if state.cursor == nil {
          if state.position > w.count {
            state.finished = true
            return nil
          }
          let size = try state.meter.beginWindow(covered: state.position, at: w.lowerBound + state.position,
                                                 pattern: text)
          let end = try Pattern.windowEnd(memory, from: w.lowerBound + state.position, size: size,
                                          limit: w.upperBound, pattern: text) - w.lowerBound
          state.windowEnd = end
          state.startLimit = end >= w.count ? nil : end - 1
          state.cursor = MatchCursor(start: state.position)
        }
        var cursor = state.cursor!
        if let limit = state.startLimit, cursor.position > limit {
          state.closeWindow(resume: cursor.position)
          continue
        }
        scratch.setOffsetLimit(state.startLimit)
        let found = try cursor.next(code, scratch, in: memory, window: w, pattern: text)
        state.cursor = cursor
        if !found {
          if state.startLimit == nil {
            state.finished = true
            return nil
          }
          state.closeWindow(resume: cursor.position)
          continue
        }
        if let limit = state.startLimit, scratch.matchStart > limit {
          // Found past the window: the next window finds it again, from its start.
          state.closeWindow()
          continue
        }
        state.lastEnd = scratch.matchEnd
        return pattern.makeMatch(scratch, origin: w.lowerBound)
      }
      return nil
    }
  }
}
