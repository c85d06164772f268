import ByteBuffer
import Dispatch

extension Pattern {
  /// The default size of one parallel line-search chunk.
  static let defaultChunkSize = 4 << 20

  /// The lines of the buffer the pattern matches (or, `inverted`, does not
  /// match), lazily, in order — exactly the lines `grep -P` selects.
  ///
  /// Each line is its own subject: lines end at `"\n"`, which is not part of
  /// the line; a last line without `"\n"` is a line; an empty buffer has no
  /// lines; a buffer ending in `"\n"` has no empty line after it. `^`, `$`,
  /// `\b` and lookbehind see the line's bounds.
  ///
  /// With `parallelism` above 1, line-aligned chunks are searched concurrently
  /// (each thread with its own match data); lines come out in the same order
  /// with the same numbers as the serial search.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - inverted: Select the lines that do not match (grep -v).
  ///   - parallelism: How many threads may search at once. Defaults to 1.
  /// - Returns: A lazy sequence of `LineMatch`.
  public func matchingLines(in buffer: some MutableByteBuffer, inverted: Bool = false,
                            parallelism: Int = 1) -> LineSequence {
    LineSequence(pattern: self, source: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                 chunkSize: Self.defaultChunkSize)
  }

  /// Calls `body` with each selected line in order until it returns `false`
  /// (the callback form of `matchingLines(in:inverted:parallelism:)`).
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - inverted: Select the lines that do not match (grep -v).
  ///   - parallelism: How many threads may search at once.
  ///   - body: Called on the calling thread with each line; return `false` to stop.
  /// - Throws: `RegexError` `.match` (offset = the failing line's start) or
  ///   `.buffer`, or what `body` throws.
  public func forEachLine(in buffer: some MutableByteBuffer, inverted: Bool = false, parallelism: Int = 1,
                          _ body: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) {
    try matchingLines(in: buffer, inverted: inverted, parallelism: parallelism).forEach(body)
  }

  /// The number of lines `matchingLines(in:inverted:parallelism:)` would yield
  /// (grep -c), without creating `LineMatch` values.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - inverted: Count the lines that do not match (grep -v -c).
  ///   - parallelism: How many threads may search at once. Defaults to 1.
  /// - Returns: The number of selected lines.
  /// - Throws: `RegexError` `.match` or `.buffer`.
  public func countMatchingLines(in buffer: some MutableByteBuffer, inverted: Bool = false,
                                 parallelism: Int = 1) throws(RegexError) -> Int {
    try countMatchingLines(in: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                           chunkSize: Self.defaultChunkSize)
  }

  /// The lines of `bytes` the pattern selects (see the buffer version).
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - inverted: Select the lines that do not match.
  ///   - parallelism: How many threads may search at once.
  /// - Returns: A lazy sequence of `LineMatch`.
  public func matchingLines(in bytes: [UInt8], inverted: Bool = false, parallelism: Int = 1) -> LineSequence {
    LineSequence(pattern: self, source: .bytes(bytes), inverted: inverted, parallelism: parallelism,
                 chunkSize: Self.defaultChunkSize)
  }

  /// The lines of the UTF-8 bytes of `string` the pattern selects.
  ///
  /// - Parameters:
  ///   - string: The subject.
  ///   - inverted: Select the lines that do not match.
  ///   - parallelism: How many threads may search at once.
  /// - Returns: A lazy sequence of `LineMatch`.
  public func matchingLines(in string: String, inverted: Bool = false, parallelism: Int = 1) -> LineSequence {
    LineSequence(pattern: self, source: .string(string), inverted: inverted, parallelism: parallelism,
                 chunkSize: Self.defaultChunkSize)
  }

  /// The lines of `bytes` the pattern selects.
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - inverted: Select the lines that do not match.
  ///   - parallelism: How many threads may search at once.
  /// - Returns: A lazy sequence of `LineMatch`.
  /// - Warning: `bytes` must stay valid while the sequence is used.
  public func matchingLines(in bytes: UnsafeRawBufferPointer, inverted: Bool = false,
                            parallelism: Int = 1) -> LineSequence {
    LineSequence(pattern: self, source: .raw(bytes), inverted: inverted, parallelism: parallelism,
                 chunkSize: Self.defaultChunkSize)
  }

  /// The number of lines of `bytes` the pattern selects.
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - inverted: Count the lines that do not match.
  ///   - parallelism: How many threads may search at once.
  /// - Returns: The number of selected lines.
  /// - Throws: `RegexError` `.match`.
  public func countMatchingLines(in bytes: [UInt8], inverted: Bool = false, parallelism: Int = 1) throws(RegexError) -> Int {
    try countMatchingLines(in: .bytes(bytes), inverted: inverted, parallelism: parallelism, chunkSize: Self.defaultChunkSize)
  }

  /// The number of lines of the UTF-8 bytes of `string` the pattern selects.
  ///
  /// - Parameters:
  ///   - string: The subject.
  ///   - inverted: Count the lines that do not match.
  ///   - parallelism: How many threads may search at once.
  /// - Returns: The number of selected lines.
  /// - Throws: `RegexError` `.match`.
  public func countMatchingLines(in string: String, inverted: Bool = false, parallelism: Int = 1) throws(RegexError) -> Int {
    try countMatchingLines(in: .string(string), inverted: inverted, parallelism: parallelism, chunkSize: Self.defaultChunkSize)
  }

  /// Whether the line-search fast path applies.
  var lineFastPath: Bool { storage.lineCode != nil }

  func countMatchingLines(in source: SubjectSource, inverted: Bool, parallelism: Int,
                          chunkSize: Int) throws(RegexError) -> Int {
    precondition(parallelism >= 1, "parallelism \(parallelism) must be at least 1")
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> Int in
      let all = 0..<memory.count
      if parallelism == 1 || memory.count <= chunkSize {
        return try storage.withScratch { (scratch) throws(RegexError) -> Int in
          var scanner = LineScanner(range: all, firstLineNumber: 1, fastPath: lineFastPath)
          scanner.numbersLines = false
          return try scanner.run(self, scratch, in: memory, inverted: inverted, countOnly: true) { _ in true }
        }
      }
      let chunks = LineChunks.splitOrWhole(memory, range: all, parts: parallelism, minimumSize: chunkSize)
      let results = try searchChunks(chunks, in: memory, inverted: inverted, collect: false)
      var total = 0
      for r in results { total += try r.get().selected }
      return total
    }
  }

  /// What one chunk of a parallel line search found.
  struct ChunkResult {
    var selected = 0
    var lines: [LineMatch] = []
    /// Lines in the chunk (its line numbers are relative, from 1).
    var lineCount = 0
  }

  /// Searches `chunks` concurrently, each with its own scratch space.
  func searchChunks(_ chunks: [Range<Int>], in memory: Memory, inverted: Bool,
                    collect: Bool) throws(RegexError) -> [Result<ChunkResult, RegexError>] {
    let slots = ResultSlots<Result<ChunkResult, RegexError>>(count: chunks.count)
    let storage = self.storage
    let fast = lineFastPath
    DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
      let scratch = storage.acquire()
      defer { storage.release(scratch) }
      let r = Result { () throws(RegexError) -> ChunkResult in
        var out = ChunkResult()
        var scanner = LineScanner(range: chunks[i], firstLineNumber: 1, fastPath: fast)
        scanner.numbersLines = collect
        if collect {
          out.selected = try scanner.run(self, scratch, in: memory, inverted: inverted, countOnly: false) { (line) throws(RegexError) -> Bool in
            out.lines.append(line)
            return true
          }
        } else {
          out.selected = try scanner.run(self, scratch, in: memory, inverted: inverted, countOnly: true) { _ in true }
        }
        out.lineCount = scanner.lineNumber - 1
        return out
      }
      slots.set(i, r)
    }
    return slots.take()
  }
}

/// The lines a pattern selects in a subject, found lazily and in order.
///
/// Not a `Sequence`, because a search can fail (a match limit on some line, a
/// truncated file) and the failure must reach the caller: iterate with a
/// throwing `next()`, or with `forEach(_:)`.
///
/// ```swift
/// var lines = pattern.matchingLines(in: log).makeIterator()
/// while let line = try lines.next() { print(line.number, line.range) }
/// ```
public struct LineSequence {
  let pattern: Pattern
  let source: SubjectSource
  let inverted: Bool
  let parallelism: Int
  let chunkSize: Int
  /// Set by the `budget:` overloads (Pattern+Budget.swift).
  var budget: SearchBudget? = nil

  init(pattern: Pattern, source: SubjectSource, inverted: Bool, parallelism: Int, chunkSize: Int) {
    precondition(parallelism >= 1, "parallelism \(parallelism) must be at least 1")
    precondition(chunkSize >= 1, "chunk size \(chunkSize) must be positive")
    self.pattern = pattern
    self.source = source
    self.inverted = inverted
    self.parallelism = parallelism
    self.chunkSize = chunkSize
  }

  /// The iterator: call `next()` until it returns `nil`.
  public struct Iterator {
    let sequence: LineSequence
    let lease: ScratchLease
    var scanner: LineScanner?
    // Parallel state: lines found in the current window, and where the next window starts.
    var pending: [LineMatch] = []
    var pendingIndex = 0
    var nextWindow = 0
    var nextLineNumber = 1
    var finished = false
    // Serial state: lines found ahead (1, 2, 4, … up to 256 per access to the
    // subject, so a caller that stops early pays for little look-ahead), and an
    // error met after some of them, thrown once they are delivered.
    var batchLimit = 1
    var deferredError: RegexError? = nil
    // Budgeted state (Pattern+Budget.swift).
    var budgetState: LineBudgetState? = nil

    /// The next selected line, or `nil` after the last one.
    ///
    /// After an error, calling `next()` again retries the failing line (and
    /// throws again).
    ///
    /// - Returns: The next line, or `nil`.
    /// - Throws: `RegexError` `.match` (offset = the failing line's start) or `.buffer`.
    public mutating func next() throws(RegexError) -> LineMatch? {
      if sequence.parallelism > 1 { return try nextParallel() }
      if pendingIndex < pending.count {
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
      }
      if let error = deferredError {
        deferredError = nil
        throw error
      }
      if let budget = sequence.budget { return try refillBudgeted(budget) }
      let s = sequence
      let lease = self.lease
      var scanner = self.scanner
      let limit = batchLimit
      batchLimit = min(batchLimit * 2, 256)
      var found = pending
      found.removeAll(keepingCapacity: true)
      pending = []
      pendingIndex = 0
      do {
        try s.source.withBytes(pattern: s.pattern.source) { (memory) throws(RegexError) in
          var sc = scanner ?? LineScanner(range: 0..<memory.count, firstLineNumber: 1, fastPath: s.pattern.lineFastPath)
          defer { scanner = sc }
          _ = try sc.run(s.pattern, lease.scratch, in: memory, inverted: s.inverted, countOnly: false) {
            (line) throws(RegexError) -> Bool in
            found.append(line)
            return found.count < limit
          }
        }
      } catch {
        self.scanner = scanner
        if found.isEmpty { throw error }
        deferredError = error
      }
      self.scanner = scanner
      pending = found
      if pending.isEmpty { return nil }
      pendingIndex = 1
      return pending[0]
    }

    private mutating func nextParallel() throws(RegexError) -> LineMatch? {
      while pendingIndex == pending.count {
        if let budget = sequence.budget { return try refillBudgeted(budget) }
        if finished { return nil }
        try fillWindow()
      }
      defer { pendingIndex += 1 }
      return pending[pendingIndex]
    }

    /// Searches the next `parallelism` chunks concurrently and queues their lines.
    private mutating func fillWindow() throws(RegexError) {
      let s = sequence
      let start = nextWindow
      let firstLine = nextLineNumber
      let (lines, windowEnd, lineCount, done) = try s.source.withBytes(pattern: s.pattern.source) {
        (memory) throws(RegexError) -> ([LineMatch], Int, Int, Bool) in
        if start >= memory.count { return ([], start, 0, true) }
        let windowBytes = s.chunkSize * s.parallelism
        var end = memory.count
        if start + windowBytes < memory.count {
          // A fault here (a truncated file) makes the window the rest of the memory, searched in
          // one chunk, so the error reported is the first lost byte in buffer order.
          let nl = try? memory.firstIndex(of: 0x0A, in: (start + windowBytes)..<memory.count, pattern: nil)
          end = nl.map { $0 + 1 } ?? memory.count
        }
        let chunks = LineChunks.splitOrWhole(memory, range: start..<end, parts: s.parallelism, minimumSize: 1)
        let results = try s.pattern.searchChunks(chunks, in: memory, inverted: s.inverted, collect: true)
        var lines: [LineMatch] = []
        var base = firstLine - 1
        for r in results {
          let chunk = try r.get()
          for l in chunk.lines { lines.append(LineMatch(number: l.number + base, range: l.range)) }
          base += chunk.lineCount
        }
        return (lines, end, base - (firstLine - 1), end >= memory.count)
      }
      pending = lines
      pendingIndex = 0
      nextWindow = windowEnd
      nextLineNumber = firstLine + lineCount
      finished = done
    }
  }

  /// Returns an iterator that starts at the first line.
  public func makeIterator() -> Iterator {
    Iterator(sequence: self, lease: ScratchLease(pattern.storage))
  }

  /// Calls `body` with each selected line in order until it returns `false`.
  ///
  /// - Parameter body: Called on the calling thread; return `false` to stop.
  /// - Throws: `RegexError` from the search or from `body`.
  public func forEach(_ body: (LineMatch) throws(RegexError) -> Bool) throws(RegexError) {
    if parallelism > 1 || budget != nil {
      var iterator = makeIterator()
      while let line = try iterator.next() { if try !body(line) { return } }
      return
    }
    let p = pattern
    let inverted = self.inverted
    try source.withBytes(pattern: p.source) { (memory) throws(RegexError) in
      try p.storage.withScratch { (scratch) throws(RegexError) in
        var scanner = LineScanner(range: 0..<memory.count, firstLineNumber: 1, fastPath: p.lineFastPath)
        _ = try scanner.run(p, scratch, in: memory, inverted: inverted, countOnly: false, emit: body)
      }
    }
  }

  /// All the selected lines, in order, in an array.
  ///
  /// - Returns: The lines.
  /// - Throws: `RegexError` from the search.
  public func collect() throws(RegexError) -> [LineMatch] {
    var all: [LineMatch] = []
    try forEach { (line) throws(RegexError) -> Bool in all.append(line); return true }
    return all
  }
}
