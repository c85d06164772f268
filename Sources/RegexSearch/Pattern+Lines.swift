import ByteBuffer
import CScanGuard
import Dispatch

/// Whether a line search treats a NUL byte as the mark of binary data.
///
/// GNU grep decides that a file is binary when a read brings a NUL byte: the
/// lines completed in earlier reads were already handled as text, and the rest
/// is binary. `.stopAtNUL(readSize:)` applies that rule to a line search: a
/// line is *text* when no NUL byte lies before the end of the `readSize`-byte
/// read (reads aligned to offset 0) that holds the line's end. The search
/// selects text lines only and ends before the first line that is not text;
/// `binaryOffset` (on the iterator, or in a `LineCount`) tells where that is,
/// so the caller can treat the rest its own way. The check rides along the
/// search's own pass over the bytes: it costs no extra pass over a large file.
///
/// A search of a range looks for NUL from the range's start (never before
/// it) to the end of the read that holds the range's last line, which may lie
/// past the range's end: so consecutive ranges find the binary part where one
/// search of the whole buffer does.
public enum BinaryDetection: Sendable, Hashable {
  /// NUL is an ordinary byte.
  case none
  /// The search ends at binary data, with grep's rule for reads of `readSize` bytes.
  case stopAtNUL(readSize: Int)

  /// GNU grep 3.8's rule (reads of 96 KiB).
  public static let grep = BinaryDetection.stopAtNUL(readSize: 98_304)

  /// The read size, or `nil` for `.none`.
  var readSize: Int? {
    switch self {
    case .none: return nil
    case .stopAtNUL(let readSize):
      precondition(readSize > 0, "read size \(readSize) must be positive")
      return readSize
    }
  }
}

/// The result of counting lines with binary detection.
public struct LineCount: Sendable, Hashable {
  /// The number of selected (text) lines.
  public var selected: Int
  /// Where the binary part starts (the first line that is not text), or `nil`
  /// when the searched bytes are all text.
  public var binaryOffset: Int?

  /// Creates a count.
  ///
  /// - Parameters:
  ///   - selected: The number of selected lines.
  ///   - binaryOffset: Where binary data starts, or `nil`.
  public init(selected: Int, binaryOffset: Int?) {
    self.selected = selected
    self.binaryOffset = binaryOffset
  }
}

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

  /// The text lines of the buffer the pattern selects, lazily, in order,
  /// ending at binary data (see `BinaryDetection`): grep's search of a file.
  ///
  /// After the last line (`next()` returns `nil`), the iterator's
  /// `binaryOffset` is where the binary part starts, or `nil`.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The byte range to search (`nil`: the whole buffer); its start
  ///     begins a line, and no NUL before it is looked for.
  ///   - firstLineNumber: The number of the line at the range's start.
  ///   - inverted: Select the lines that do not match (grep -v).
  ///   - parallelism: How many threads may search at once.
  ///   - binaryDetection: How NUL bytes end the search.
  ///   - budget: The time and byte limits of the whole search (see
  ///     `matchingLines(in:inverted:parallelism:budget:)`); unlimited by default.
  /// - Returns: A lazy sequence of `LineMatch`.
  public func matchingLines(in buffer: some MutableByteBuffer, within range: Range<Int>? = nil,
                            firstLineNumber: Int = 1, inverted: Bool = false, parallelism: Int = 1,
                            binaryDetection: BinaryDetection, budget: SearchBudget = .unlimited) -> LineSequence {
    var lines = LineSequence(pattern: self, source: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                             chunkSize: Self.defaultChunkSize, range: range, firstLineNumber: firstLineNumber,
                             binaryReadSize: binaryDetection.readSize)
    if budget.isLimited { lines.budget = budget }
    return lines
  }

  /// The number of text lines the pattern selects, and where binary data
  /// starts (grep -c on a file; see `BinaryDetection`).
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The byte range to search (`nil`: the whole buffer).
  ///   - inverted: Count the lines that do not match (grep -v -c).
  ///   - parallelism: How many threads may search at once.
  ///   - binaryDetection: How NUL bytes end the search.
  ///   - budget: The time and byte limits of the whole count; unlimited by default.
  /// - Returns: The count of selected text lines and the binary offset.
  /// - Throws: `RegexError` `.match` or `.buffer`; `.budgetExceeded` (with
  ///   `partialCount`) when the budget runs out.
  public func countMatchingLines(in buffer: some MutableByteBuffer, within range: Range<Int>? = nil,
                                 inverted: Bool = false, parallelism: Int = 1, binaryDetection: BinaryDetection,
                                 budget: SearchBudget = .unlimited) throws(RegexError) -> LineCount {
    if budget.isLimited {
      return try countLines(in: .buffer(buffer), inverted: inverted, parallelism: parallelism, budget: budget,
                            range: range, binaryReadSize: binaryDetection.readSize)
    }
    return try countLines(in: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                          chunkSize: Self.defaultChunkSize, range: range, binaryReadSize: binaryDetection.readSize)
  }

  /// The lines in `range` of the buffer that the pattern selects, lazily, in
  /// order, numbered from `firstLineNumber`.
  ///
  /// The lines are those of the bytes in `range`, as if they were the whole
  /// buffer: `range.lowerBound` starts a line (pass a line start, such as 0 or
  /// an offset just after a `"\n"`, to get the buffer's own lines) and
  /// `range.upperBound` ends one. Since each line is its own subject, searching
  /// consecutive line-aligned ranges one after the other selects exactly the
  /// lines one search of the whole buffer selects; a caller that continues
  /// with the next range numbers its lines from the iterator's
  /// `nextLineNumber`. This is how a file that grows is searched incrementally,
  /// or a large one in pieces that stay in the processor's cache.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The byte range to search; it must lie within the buffer when the
  ///     search reads it (else the search throws `.buffer` with
  ///     `ByteBufferError.outOfRange`).
  ///   - firstLineNumber: The number of the line that starts at
  ///     `range.lowerBound`. Defaults to 1.
  ///   - inverted: Select the lines that do not match (grep -v).
  ///   - parallelism: How many threads may search at once. Defaults to 1.
  /// - Returns: A lazy sequence of `LineMatch` with absolute ranges.
  public func matchingLines(in buffer: some MutableByteBuffer, within range: Range<Int>, firstLineNumber: Int = 1,
                            inverted: Bool = false, parallelism: Int = 1) -> LineSequence {
    LineSequence(pattern: self, source: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                 chunkSize: Self.defaultChunkSize, range: range, firstLineNumber: firstLineNumber)
  }

  /// The number of lines in `range` that
  /// `matchingLines(in:within:firstLineNumber:inverted:parallelism:)` would
  /// yield (grep -c over a part of a buffer).
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - range: The byte range to search; `range.lowerBound` starts a line.
  ///   - inverted: Count the lines that do not match (grep -v -c).
  ///   - parallelism: How many threads may search at once. Defaults to 1.
  /// - Returns: The number of selected lines.
  /// - Throws: `RegexError` `.match` or `.buffer` (also when `range` does not
  ///   lie within the buffer).
  public func countMatchingLines(in buffer: some MutableByteBuffer, within range: Range<Int>, inverted: Bool = false,
                                 parallelism: Int = 1) throws(RegexError) -> Int {
    try countMatchingLines(in: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                           chunkSize: Self.defaultChunkSize, range: range)
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

  /// The smallest parallel chunk when a range of a buffer is searched.
  static let minimumRangeChunk = 64 << 10

  /// Whether the line-search fast path applies.
  var lineFastPath: Bool { storage.lineCode != nil }

  func countMatchingLines(in source: SubjectSource, inverted: Bool, parallelism: Int,
                          chunkSize: Int, range: Range<Int>? = nil) throws(RegexError) -> Int {
    try countLines(in: source, inverted: inverted, parallelism: parallelism, chunkSize: chunkSize, range: range,
                   binaryReadSize: nil).selected
  }

  func countLines(in source: SubjectSource, inverted: Bool, parallelism: Int, chunkSize: Int,
                  range: Range<Int>?, binaryReadSize: Int?) throws(RegexError) -> LineCount {
    precondition(parallelism >= 1, "parallelism \(parallelism) must be at least 1")
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> LineCount in
      let all = try memory.checked(range, pattern: self.source)
      // A part of a buffer is split finer: its caller keeps it small (cache-sized).
      let minimumChunk = range == nil ? chunkSize : Self.minimumRangeChunk
      if parallelism == 1 || all.count <= minimumChunk {
        return try storage.withScratch { (scratch) throws(RegexError) -> LineCount in
          var scanner = LineScanner(range: all, firstLineNumber: 1, fastPath: lineFastPath, binaryReadSize: binaryReadSize)
          scanner.numbersLines = false
          let n = try scanner.run(self, scratch, in: memory, inverted: inverted, countOnly: true) { _ in true }
          return LineCount(selected: n, binaryOffset: scanner.binaryOffset)
        }
      }
      let chunks = LineChunks.splitOrWhole(memory, range: all, parts: parallelism, minimumSize: minimumChunk)
      let results = try searchChunks(chunks, in: memory, inverted: inverted, collect: false, binaryReadSize: binaryReadSize)
      let combined = try combine(results, chunks: chunks, in: memory, inverted: inverted, firstLine: 1,
                                 binaryReadSize: binaryReadSize)
      return LineCount(selected: combined.selected, binaryOffset: combined.binaryOffset)
    }
  }

  /// What one chunk of a parallel line search found.
  struct ChunkResult {
    var selected = 0
    var lines: [LineMatch] = []
    /// Lines in the chunk (its line numbers are relative, from 1).
    var lineCount = 0
    /// The first NUL byte of the chunk (binary detection only).
    var firstNUL: Int?
  }

  /// Searches `chunks` concurrently, each with its own scratch space.
  func searchChunks(_ chunks: [Range<Int>], in memory: Memory, inverted: Bool,
                    collect: Bool, binaryReadSize: Int?) throws(RegexError) -> [Result<ChunkResult, RegexError>] {
    let slots = ResultSlots<Result<ChunkResult, RegexError>>(count: chunks.count)
    let storage = self.storage
    let fast = lineFastPath
    Self.runConcurrently(chunks.count) { i in
      let scratch = storage.acquire()
      defer { storage.release(scratch) }
      let r = Result { () throws(RegexError) -> ChunkResult in
        var out = ChunkResult()
        var scanner = LineScanner(range: chunks[i], firstLineNumber: 1, fastPath: fast, binaryReadSize: binaryReadSize)
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
        out.firstNUL = scanner.firstNUL
        return out
      }
      slots.set(i, r)
    }
    return slots.take()
  }

  /// Runs `body(0)` ... `body(count - 1)` concurrently: each but the first as
  /// its own job on the global queue, the first on this thread, then waits for
  /// all. (`DispatchQueue.concurrentPerform` called from a job of the global
  /// queue, as a prefetched window's search is, ran the chunks one after the
  /// other on one thread.)
  static func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    if count <= 1 {
      if count == 1 { body(0) }
      return
    }
    let group = DispatchGroup()
    // The group's hand-off is invisible to ThreadSanitizer (a futex in an uninstrumented runtime).
    let tag = UncheckedSendable(Unmanaged.passUnretained(group).toOpaque())
    for i in 1..<count {
      DispatchQueue.global().async(group: group) {
        body(i)
        csg_sync_release(tag.value)
      }
    }
    body(0)
    group.wait()
    csg_sync_acquire(tag.value)
  }

  /// The chunks' results joined in order, up to the first binary data: line
  /// numbers made absolute (from `firstLine`), errors thrown in buffer order.
  ///
  /// Each chunk checked its own bytes for NUL; the first chunk that found one
  /// decides. Its binary part may start before the chunk (grep's rule goes back
  /// to the start of the read holding the NUL), so selected lines of earlier
  /// chunks from that line on are dropped (and, when only counted, the chunk
  /// where the binary part starts is counted again up to it).
  func combine(_ results: [Result<ChunkResult, RegexError>], chunks: [Range<Int>], in memory: Memory, inverted: Bool,
               firstLine: Int, binaryReadSize: Int?, origin: Int? = nil)
    throws(RegexError) -> (selected: Int, lines: [LineMatch], lineCount: Int, binaryOffset: Int?)
  {
    var selected = 0
    var lines: [LineMatch] = []
    var base = firstLine - 1
    // Per chunk: selected lines before it and the number base of its lines.
    var before: [(selected: Int, base: Int)] = []
    for (i, r) in results.enumerated() {
      let chunk = try r.get()
      if let nul = chunk.firstNUL, let readSize = binaryReadSize {
        let boundary = nul / readSize * readSize
        // Where the whole search began (an earlier window, when this is one).
        let rangeStart = min(origin ?? chunks[0].lowerBound, chunks[0].lowerBound)
        var start = rangeStart
        if boundary > rangeStart,
           let newline = try memory.lastIndex(of: 0x0A, in: rangeStart..<boundary, pattern: source) {
          start = newline + 1
        }
        // The binary part starts after this chunk (the chunk looked ahead past its end
        // for a line's read): a later chunk, or window, finds the NUL again itself.
        if start >= chunks[i].upperBound {
          before.append((selected, base))
          selected += chunk.selected
          for l in chunk.lines { lines.append(LineMatch(number: l.number + base, range: l.range)) }
          base += chunk.lineCount
          continue
        }
        // The chunk holding `start`: this one, or an earlier one (or, before the
        // first chunk, an earlier window, whose lines were all text).
        let k = chunks.lastIndex { $0.lowerBound <= start } ?? 0
        if start < chunks[0].lowerBound {
          let back = try memory.occurrences(of: 0x0A, in: start..<chunks[0].lowerBound, pattern: source)
          return (0, [], -back, start)
        }
        if k == i {
          selected += chunk.selected
          for l in chunk.lines { lines.append(LineMatch(number: l.number + base, range: l.range)) }
          base += chunk.lineCount
        } else {
          selected = before[k].selected
          lines.removeAll { $0.range.lowerBound >= start }
          if start > chunks[k].lowerBound {
            selected += try storage.withScratch { (scratch) throws(RegexError) -> Int in
              var scanner = LineScanner(range: chunks[k].lowerBound..<start, firstLineNumber: 1, fastPath: lineFastPath)
              scanner.numbersLines = false
              return try scanner.run(self, scratch, in: memory, inverted: inverted, countOnly: true) { _ in true }
            }
          }
          base = before[k].base + (try memory.occurrences(of: 0x0A, in: chunks[k].lowerBound..<start, pattern: source))
        }
        return (selected, lines, base - (firstLine - 1), start)
      }
      before.append((selected, base))
      selected += chunk.selected
      for l in chunk.lines { lines.append(LineMatch(number: l.number + base, range: l.range)) }
      base += chunk.lineCount
    }
    return (selected, lines, base - (firstLine - 1), nil)
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
  /// The bytes searched (`nil`: the whole subject, as it is when read).
  let range: Range<Int>?
  let firstLineNumber: Int
  /// grep's read size for binary detection, or `nil`.
  let binaryReadSize: Int?
  /// Set by the `budget:` overloads (Pattern+Budget.swift).
  var budget: SearchBudget? = nil
  /// With `parallelism` > 1 and no budget: while the caller handles the lines
  /// of one window, the next window is searched on other threads, so printing
  /// lines and searching overlap (mmgrep's `-j`). The search then reads the
  /// subject between calls to `next()`, and holds an access to a buffer until
  /// that window is done even when the caller stops early (a `close()` in
  /// that time reports the buffer busy); so it is not on for library callers.
  package var overlapsWindows = false

  init(pattern: Pattern, source: SubjectSource, inverted: Bool, parallelism: Int, chunkSize: Int,
       range: Range<Int>? = nil, firstLineNumber: Int = 1, binaryReadSize: Int? = nil) {
    precondition(parallelism >= 1, "parallelism \(parallelism) must be at least 1")
    precondition(chunkSize >= 1, "chunk size \(chunkSize) must be positive")
    if let range { precondition(range.lowerBound >= 0, "range \(range) starts before the buffer") }
    self.pattern = pattern
    self.source = source
    self.inverted = inverted
    self.parallelism = parallelism
    self.chunkSize = chunkSize
    self.range = range
    self.firstLineNumber = firstLineNumber
    self.binaryReadSize = binaryReadSize
  }

  /// The iterator: call `next()` until it returns `nil`.
  public struct Iterator {
    let sequence: LineSequence
    let lease: ScratchLease
    var scanner: LineScanner?
    // Parallel state: lines found in the current window, and where the next window starts.
    var pending: [LineMatch] = []
    var pendingIndex = 0
    var nextWindow: Int
    var windowLineNumber: Int
    var finished = false
    // Serial state: lines found ahead (1, 2, 4, … up to 256 per access to the
    // subject, so a caller that stops early pays for little look-ahead), and an
    // error met after some of them, thrown once they are delivered.
    var batchLimit = 1
    var deferredError: RegexError? = nil
    // Budgeted state (Pattern+Budget.swift).
    var budgetState: LineBudgetState? = nil

    init(sequence: LineSequence, lease: ScratchLease) {
      self.sequence = sequence
      self.lease = lease
      nextWindow = sequence.range?.lowerBound ?? 0
      windowLineNumber = sequence.firstLineNumber
    }

    /// The number of the first line the search has not passed yet: after the
    /// last line (`next()` returned `nil`), the number the line after the
    /// searched range gets. A search of the next range continues from it.
    public var nextLineNumber: Int {
      if sequence.budget != nil { return budgetState?.lineNumber ?? sequence.firstLineNumber }
      if sequence.parallelism > 1 { return windowLineNumber }
      return scanner?.lineNumber ?? sequence.firstLineNumber
    }

    /// With binary detection, where the binary part starts once the search
    /// reached it (the search then ends there); `nil` before, or when the
    /// bytes are all text. After the last line, `nextLineNumber` is the
    /// number of the line at this offset.
    public var binaryOffset: Int? {
      if sequence.budget != nil { return budgetState?.binaryOffset }
      if sequence.parallelism > 1 { return windowBinaryOffset }
      return scanner?.binaryOffset
    }
    var windowBinaryOffset: Int?
    /// With `overlapsWindows`: the windows being searched ahead, in order, and
    /// where the next one to start begins (`nil`: none is left to start).
    var inFlight: [WindowPrefetch] = []
    var aheadStart: Int? = nil
    /// Added to the numbers of `pending` (a window searched ahead numbers its lines from 1).
    var pendingBase = 0

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
          var sc: LineScanner
          if let existing = scanner {
            sc = existing
          } else {
            sc = LineScanner(range: try memory.checked(s.range, pattern: s.pattern.source),
                             firstLineNumber: s.firstLineNumber, fastPath: s.pattern.lineFastPath,
                             binaryReadSize: s.binaryReadSize)
          }
          defer { scanner = sc }
          sc.lineBudget = limit
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
        if let error = deferredError {
          // The lines before the failing one were delivered; a retry starts at that line.
          deferredError = nil
          throw error
        }
        if finished { return nil }
        try fillWindow()
      }
      defer { pendingIndex += 1 }
      let line = pending[pendingIndex]
      return pendingBase == 0 ? line : LineMatch(number: line.number + pendingBase, range: line.range)
    }

    /// Searches the next `parallelism` chunks concurrently and queues their
    /// lines; with `overlapsWindows`, takes the next window searched ahead.
    private mutating func fillWindow() throws(RegexError) {
      let s = sequence
      let window: WindowResult
      if s.overlapsWindows {
        window = try takeWindowAhead()
      } else {
        window = try Self.searchWindow(s, start: nextWindow, firstLine: windowLineNumber)
        pendingBase = 0
      }
      pending = window.lines
      pendingIndex = 0
      nextWindow = window.end
      windowLineNumber += window.lineCount
      windowBinaryOffset = window.binaryOffset
      finished = window.isLast
      if let failure = window.failure {
        deferredError = failure
        // A retry searches again from the failing line: what was searched ahead is dropped.
        inFlight = []
        aheadStart = nil
      } else if finished {
        inFlight = []
      }
    }

    /// mmgrep's `-j`: `parallelism` windows are searched at once, each whole
    /// by one thread, while the caller handles the lines of the one before
    /// them; they are taken in order. (Splitting each window among the
    /// threads instead made them wait for each other, and for the caller,
    /// at every window.) The lines come numbered from 1 in their window:
    /// `pendingBase` makes the numbers absolute.
    private mutating func takeWindowAhead() throws(RegexError) -> WindowResult {
      let s = sequence
      if inFlight.isEmpty && aheadStart == nil { aheadStart = nextWindow }
      while inFlight.count < s.parallelism, let start = aheadStart {
        let window = try Self.windowRange(s, start: start, bytes: s.chunkSize * 2)
        if window.range.isEmpty && !inFlight.isEmpty { aheadStart = nil; break }
        inFlight.append(WindowPrefetch(s, range: window))
        aheadStart = window.isLast ? nil : window.range.upperBound
      }
      let window = try inFlight.removeFirst().wait().get()
      pendingBase = windowLineNumber - 1
      return window
    }

    /// The window of about `bytes` bytes that starts at `start` (a line
    /// start): it ends just after a line end, or at the range's end (`isLast`);
    /// empty when `start` is at or past that end.
    static func windowRange(_ s: LineSequence, start: Int,
                            bytes: Int) throws(RegexError) -> (range: Range<Int>, isLast: Bool) {
      try s.source.withBytes(pattern: s.pattern.source) { (memory) throws(RegexError) in
        let limit = try memory.checked(s.range, pattern: s.pattern.source).upperBound
        if start >= limit { return (start..<start, true) }
        var end = limit
        if start + bytes < limit {
          // A fault here (a truncated file) makes the window the rest of the memory, searched in
          // one chunk, so the error reported is the first lost byte in buffer order.
          let nl = try? memory.firstIndex(of: 0x0A, in: (start + bytes)..<limit, pattern: nil)
          end = nl.map { $0 + 1 } ?? limit
        }
        return (start..<end, end >= limit)
      }
    }

    /// What one window of a parallel search found.
    struct WindowResult {
      var lines: [LineMatch]
      /// Where the window ended (a line start, or the range's end).
      var end: Int
      var lineCount: Int
      var isLast: Bool
      var binaryOffset: Int?
      /// The error met at `end` (the failing line's start), after `lines`.
      var failure: RegexError? = nil
    }

    /// Searches the window of `s` that starts at `start` (`parallelism` chunks, concurrently).
    static func searchWindow(_ s: LineSequence, start: Int, firstLine: Int) throws(RegexError) -> WindowResult {
      let window = try windowRange(s, start: start, bytes: s.chunkSize * s.parallelism)
      return try searchWindow(s, window.range, parts: s.parallelism, firstLine: firstLine, isLast: window.isLast)
    }

    /// Searches `window` in `parts` chunks, concurrently (one: on this thread);
    /// an empty window finds nothing and is the last.
    static func searchWindow(_ s: LineSequence, _ window: Range<Int>, parts: Int, firstLine: Int,
                             isLast: Bool) throws(RegexError) -> WindowResult {
      if window.isEmpty { return WindowResult(lines: [], end: window.lowerBound, lineCount: 0, isLast: true) }
      return try s.source.withBytes(pattern: s.pattern.source) { (memory) throws(RegexError) -> WindowResult in
        let start = window.lowerBound, end = window.upperBound
        let chunks = LineChunks.splitOrWhole(memory, range: window, parts: parts, minimumSize: 1)
        let results = try s.pattern.searchChunks(chunks, in: memory, inverted: s.inverted, collect: true,
                                                 binaryReadSize: s.binaryReadSize)
        if results.contains(where: { if case .failure = $0 { true } else { false } }) {
          // A chunk failed (a match limit, a lost page): the window again, serially, so the
          // lines before the failing one come first, as grep prints them.
          return try serialWindow(s, memory, start..<end, firstLine: firstLine, isLast: isLast)
        }
        let combined = try s.pattern.combine(results, chunks: chunks, in: memory, inverted: s.inverted,
                                             firstLine: firstLine, binaryReadSize: s.binaryReadSize)
        return WindowResult(lines: combined.lines, end: end, lineCount: combined.lineCount,
                            isLast: isLast || combined.binaryOffset != nil, binaryOffset: combined.binaryOffset)
      }
    }

    /// Searches `window` on this thread: its lines up to an error, and the error.
    static func serialWindow(_ s: LineSequence, _ memory: Memory, _ window: Range<Int>, firstLine: Int,
                             isLast: Bool) throws(RegexError) -> WindowResult {
      var scanner = LineScanner(range: window, firstLineNumber: firstLine, fastPath: s.pattern.lineFastPath,
                                binaryReadSize: s.binaryReadSize)
      var lines: [LineMatch] = []
      var failure: RegexError? = nil
      do {
        _ = try s.pattern.storage.withScratch { (scratch) throws(RegexError) -> Int in
          try scanner.run(s.pattern, scratch, in: memory, inverted: s.inverted, countOnly: false) {
            (line) throws(RegexError) -> Bool in
            lines.append(line)
            return true
          }
        }
      } catch {
        failure = error
      }
      let lineCount = scanner.lineNumber - firstLine
      if let failure {
        return WindowResult(lines: lines, end: scanner.position, lineCount: lineCount, isLast: false, failure: failure)
      }
      return WindowResult(lines: lines, end: window.upperBound, lineCount: lineCount,
                          isLast: isLast || scanner.binaryOffset != nil, binaryOffset: scanner.binaryOffset)
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
    let range = self.range, firstLineNumber = self.firstLineNumber, readSize = binaryReadSize
    try source.withBytes(pattern: p.source) { (memory) throws(RegexError) in
      let searched = try memory.checked(range, pattern: p.source)
      try p.storage.withScratch { (scratch) throws(RegexError) in
        var scanner = LineScanner(range: searched, firstLineNumber: firstLineNumber, fastPath: p.lineFastPath,
                                  binaryReadSize: readSize)
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

/// A window of a parallel line search, searched on another thread while the
/// caller handles the lines before it (`LineSequence.overlapsWindows`).
final class WindowPrefetch: @unchecked Sendable {
  // @unchecked: `result` is written once, by the search, before `done` is
  // signalled, and read only after waiting for it; what the search reads (the
  // pattern, a buffer behind its own lock, arrays and strings) is safe to read
  // from another thread.
  private let done = DispatchSemaphore(value: 0)
  private var result: Result<LineSequence.Iterator.WindowResult, RegexError>?

  /// Searches `window` (from `LineSequence.Iterator.windowRange`) on one
  /// thread of the global queue, its lines numbered from 1.
  init(_ sequence: LineSequence, range window: (range: Range<Int>, isLast: Bool)) {
    let job = UncheckedSendable(sequence)
    DispatchQueue.global().async { [self] in
      result = Result { () throws(RegexError) in
        try LineSequence.Iterator.searchWindow(job.value, window.range, parts: 1, firstLine: 1, isLast: window.isLast)
      }
      // The semaphore's hand-off is invisible to ThreadSanitizer (futex in an uninstrumented runtime).
      csg_sync_release(Unmanaged.passUnretained(self).toOpaque())
      done.signal()
    }
  }

  /// Waits until the window is searched; what it found.
  func wait() -> Result<LineSequence.Iterator.WindowResult, RegexError> {
    done.wait()
    csg_sync_acquire(Unmanaged.passUnretained(self).toOpaque())
    return result!
  }
}

/// A value handed to another thread where the compiler cannot prove it safe
/// (see the use for why it is).
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
