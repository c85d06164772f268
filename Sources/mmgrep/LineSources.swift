import ByteBuffer
import RegexSearch

/// The "lines" of a binary file as grep 3.8 sees them: once a file has a NUL
/// byte, grep treats each NUL like a line end (so `-c` counts NUL-separated
/// pieces, and `^`/`$` match at NULs). Each piece is its own subject.
struct SegmentLines<Buffer: MutableByteBuffer>: LineSource {
  /// Every piece is binary.
  let binaryStart: Int?
  let pattern: Pattern
  let buffer: Buffer
  let invert: Bool
  var position = 0
  var number = 0
  var nextNewline = -1
  var nextNul = -1
  /// Whether an empty segment is selected; found out at the first one.
  var emptySelected: Bool?
  /// Ranges known to hold only NUL bytes (a sparse file's holes), in order.
  let holes: [Range<Int>]
  /// --timeout: checked before each segment.
  var deadline: Deadline? = nil

  /// Segments from `start` (a line start), numbered from `firstNumber`.
  init(pattern: Pattern, buffer: Buffer, invert: Bool, start: Int = 0, firstNumber: Int = 1, holes: [Range<Int>] = []) {
    binaryStart = start
    self.pattern = pattern
    self.buffer = buffer
    self.invert = invert
    self.holes = holes
    position = start
    number = firstNumber - 1
  }

  mutating func next() throws(RegexError) -> SelectedLine? {
    let count = buffer.count
    while position < count {
      if let deadline { try deadline.check(at: position, pattern: pattern.source) }
      if try isSeparator(at: position) {
        // An empty segment. Runs of them (a sparse file's holes) are
        // skipped in one scan when empty segments are not selected.
        if emptySelected == nil {
          emptySelected = try (pattern.firstMatch(in: buffer, within: position..<position) != nil) != invert
        }
        number += 1
        position += 1
        if emptySelected == true { return SelectedLine(number: number, range: (position - 1)..<(position - 1)) }
        let contentStart = try nextContent(from: position) ?? count
        number += contentStart - position
        position = contentStart
        continue
      }
      do {
        if nextNewline < position && nextNewline != count {
          nextNewline = try buffer.find(UInt8(ascii: "\n"), start: position) ?? count
        }
        if nextNul < position && nextNul != count {
          nextNul = try buffer.find(UInt8(0), start: position) ?? count
        }
      } catch {
        throw RegexError(kind: .buffer, code: 0, offset: nil, message: error.description, bufferError: error)
      }
      let end = min(nextNewline, nextNul)
      let segment = position..<end
      position = end + 1
      number += 1
      let matched = try pattern.firstMatch(in: buffer, within: segment) != nil
      if matched != invert { return SelectedLine(number: number, range: segment) }
    }
    return nil
  }
}

extension SegmentLines {
  func isSeparator(at offset: Int) throws(RegexError) -> Bool {
    do {
      let byte = try buffer.byte(at: offset)
      return byte == 0 || byte == UInt8(ascii: "\n")
    } catch {
      throw RegexError(kind: .buffer, code: 0, offset: nil, message: error.description, bufferError: error)
    }
  }

  /// The first byte at or after `offset` that is neither NUL nor `\n`.
  func nextContent(from offset: Int) throws(RegexError) -> Int? {
    var start = offset
    let count = buffer.count
    while start < count {
      if let hole = holes.first(where: { $0.contains(start) }) {
        start = hole.upperBound
        continue
      }
      let end = holes.first(where: { $0.lowerBound > start }).map { min($0.lowerBound, count) } ?? count
      if let found = try segmentContent.firstMatch(in: buffer, within: start..<end) { return found.range.lowerBound }
      start = end
    }
    return nil
  }
}

/// A byte that is neither NUL nor `\n` (bytes, not UTF-8 characters).
private let segmentContent: Pattern = {
  do {
    return try Pattern(bytes: Array("[^\\x00\\n]".utf8), options: [])
  } catch {
    preconditionFailure("mmgrep's segment pattern does not compile: \(error)")
  }
}()

/// The lines of a file as grep 3.8 selects them: the library's line search
/// with binary detection (`BinaryDetection`) selects the lines of the text
/// part — the lines completed in grep's reads before the one that brought the
/// first NUL byte — and ends where the binary part starts (`binaryStart`).
/// From there the file is binary: NUL-separated pieces (`SegmentLines`).
/// The NUL check rides along the library's search, so a file with no NUL
/// costs no extra pass, and a search that stops early (-q, -l, -m) checks
/// only what it read.
struct CheckedLines<Buffer: MutableByteBuffer>: LineSource {
  let pattern: Pattern
  let buffer: Buffer
  let invert: Bool
  let threads: Int
  let detection: BinaryDetection
  /// -I: end at the binary part instead of searching it.
  let stopsAtBinary: Bool
  /// The holes of a sparse file, skipped in the binary part.
  let holes: [Range<Int>]

  private var text: LineSequence.Iterator
  private var segments: SegmentLines<Buffer>?
  /// Where the binary part starts, once the text part is exhausted.
  private(set) var binaryStart: Int?
  /// Whether the lines ran into the binary part (the text part is exhausted).
  private(set) var reachedBinary = false
  /// --timeout: the text part's budget, and the binary part's check.
  let budget: SearchBudget
  var deadline: Deadline? = nil

  init(pattern: Pattern, buffer: Buffer, invert: Bool, threads: Int, checksBinary: Bool, stopsAtBinary: Bool,
       readSize: Int, holes: [Range<Int>] = [], budget: SearchBudget = .unlimited) {
    self.budget = budget
    self.holes = holes
    self.pattern = pattern
    self.buffer = buffer
    self.invert = invert
    self.threads = threads
    self.stopsAtBinary = stopsAtBinary
    detection = checksBinary ? .stopAtNUL(readSize: readSize) : .none
    var lines = pattern.matchingLines(in: buffer, inverted: invert, parallelism: threads, binaryDetection: detection,
                                      budget: budget)
    // With -j, print one window's lines while the next is searched.
    lines.overlapsWindows = true
    text = lines.makeIterator()
  }

  mutating func next() throws(RegexError) -> SelectedLine? {
    if segments == nil {
      if let line = try text.next() { return SelectedLine(number: line.number, range: line.range) }
      guard let offset = text.binaryOffset else { return nil }
      binaryStart = offset
      reachedBinary = true
      if stopsAtBinary { return nil }
      segments = SegmentLines(pattern: pattern, buffer: buffer, invert: invert, start: offset,
                              firstNumber: text.nextLineNumber, holes: holes)
      segments?.deadline = deadline
    }
    return try segments?.next()
  }

  /// Where trailing context that starts at `start` (just after a printed
  /// line) and runs for up to `lines` lines must stop: at the binary part,
  /// when grep's rule puts one before the end of those lines. Used when the
  /// search stopped before the text part was exhausted (-m).
  func contextLimit(from start: Int, lines: Int) throws(RegexError) -> Int {
    if let binaryStart { return binaryStart }
    guard case .stopAtNUL(let readSize) = detection, start < buffer.count, lines > 0 else { return buffer.count }
    do {
      var lineEnd = start
      for _ in 0..<lines {
        guard let newline = try buffer.find(UInt8(ascii: "\n"), start: lineEnd) else {
          lineEnd = buffer.count
          break
        }
        lineEnd = newline + 1
      }
      let readEnd = min(buffer.count, ((max(lineEnd, 1) - 1) / readSize + 1) * readSize)
      // Bytes before `start` belong to printed, checked lines.
      guard let nul = try FileSearch<Buffer>.firstNUL(in: buffer, range: start..<readEnd, threads: 1) else {
        return buffer.count
      }
      let boundary = nul / readSize * readSize
      guard boundary > start, let newline = try buffer.rfind(UInt8(ascii: "\n"), start: start, end: boundary) else {
        return start
      }
      return newline + 1
    } catch {
      throw RegexError(kind: .buffer, code: 0, offset: nil, message: error.description, bufferError: error)
    }
  }

  /// The number of lines `next()` would return, without making them (-c).
  mutating func countAll() throws(RegexError) -> Int {
    let counted = try pattern.countMatchingLines(in: buffer, inverted: invert, parallelism: threads,
                                                 binaryDetection: detection, budget: budget)
    guard let offset = counted.binaryOffset else { return counted.selected }
    binaryStart = offset
    reachedBinary = true
    if stopsAtBinary { return 0 }  // -I: a binary file counts as not matching
    var pieces = SegmentLines(pattern: pattern, buffer: buffer, invert: invert, start: offset, holes: holes)
    pieces.deadline = deadline
    var total = counted.selected
    do {
      while try pieces.next() != nil { total += 1 }
    } catch {
      var stopped = error
      if stopped.kind == .budgetExceeded { stopped.partialCount = total }
      throw stopped
    }
    return total
  }
}

/// -U/--multiline: the whole buffer is one subject (with `^`/`$` at every
/// line); a line is selected when a match touches it (ripgrep's rule), or,
/// with -v, when none does.
struct MultilineLines<Buffer: MutableByteBuffer>: LineSource {
  /// Only text files are searched this way.
  var binaryStart: Int? { nil }
  let buffer: Buffer
  let invert: Bool
  var matches: MatchSequence.Iterator
  var upcoming: Match?
  var started = false
  var finished = false
  /// The last byte offset covered by the matches consumed so far.
  var coveredThrough = -1
  var position = 0
  var number = 0

  init(pattern: Pattern, buffer: Buffer, invert: Bool, budget: SearchBudget = .unlimited) {
    self.buffer = buffer
    self.invert = invert
    matches = pattern.matches(in: buffer, budget: budget).makeIterator()
  }

  mutating func next() throws(RegexError) -> SelectedLine? {
    if !started {
      started = true
      upcoming = try matches.next()
    }
    let count = buffer.count
    while position < count {
      let end: Int
      do {
        end = try buffer.find(UInt8(ascii: "\n"), start: position) ?? count
      } catch {
        throw RegexError(kind: .buffer, code: 0, offset: nil, message: error.description, bufferError: error)
      }
      // Consume the matches that start on this line.
      while let match = upcoming, match.range.lowerBound <= end {
        let last = match.range.isEmpty ? match.range.lowerBound : match.range.upperBound - 1
        coveredThrough = max(coveredThrough, last)
        upcoming = try matches.next()
      }
      let touched = coveredThrough >= position
      let line = SelectedLine(number: number + 1, range: position..<end)
      position = end + 1
      number += 1
      if touched != invert { return line }
      if !invert && upcoming == nil && coveredThrough < position { return nil }
    }
    return nil
  }
}
