import ByteBuffer
import RegexSearch

/// The "lines" of a binary file as grep 3.8 sees them: once a file has a NUL
/// byte, grep treats each NUL like a line end (so `-c` counts NUL-separated
/// pieces, and `^`/`$` match at NULs). Each piece is its own subject.
struct SegmentLines<Buffer: MutableByteBuffer>: LineSource {
  let pattern: Pattern
  let buffer: Buffer
  let invert: Bool
  var position = 0
  var number = 0
  var nextNewline = -1
  var nextNul = -1
  /// --timeout: checked before each segment.
  var deadline: Deadline? = nil

  /// Segments from `start` (a line start), numbered from `firstNumber`.
  init(pattern: Pattern, buffer: Buffer, invert: Bool, start: Int = 0, firstNumber: Int = 1) {
    self.pattern = pattern
    self.buffer = buffer
    self.invert = invert
    position = start
    number = firstNumber - 1
  }

  mutating func next() throws(RegexError) -> SelectedLine? {
    let count = buffer.count
    while position < count {
      if let deadline { try deadline.check(at: position, pattern: pattern.source) }
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

/// A text file whose first NUL byte is not in grep's first 96 KiB read:
/// grep has already printed the lines of the earlier reads as text when it
/// sees the NUL, and treats the rest as binary. The lines ending before
/// `binaryStart` come from the library's line search; the rest are NUL-split
/// segments.
struct LateBinaryLines<Buffer: MutableByteBuffer>: LineSource {
  var text: LibraryLines
  var segments: SegmentLines<Buffer>?
  let binaryStart: Int
  let pattern: Pattern
  let buffer: Buffer
  let invert: Bool
  let textLineCount: Int
  /// -I: end at the binary part instead of searching it.
  let stopsAtBinary: Bool
  /// Whether the lines ran into the binary part (the text part is exhausted).
  private(set) var reachedBinary = false
  /// --timeout: the binary part's check.
  var deadline: Deadline? = nil

  init(
    pattern: Pattern, buffer: Buffer, invert: Bool, binaryStart: Int, textLineCount: Int,
    stopsAtBinary: Bool = false, budget: SearchBudget = .unlimited
  ) {
    self.pattern = pattern
    self.buffer = buffer
    self.invert = invert
    self.binaryStart = binaryStart
    self.textLineCount = textLineCount
    self.stopsAtBinary = stopsAtBinary
    text = LibraryLines(iterator: pattern.matchingLines(in: buffer, inverted: invert, budget: budget).makeIterator())
  }

  mutating func next() throws(RegexError) -> SelectedLine? {
    if reachedBinary && stopsAtBinary { return nil }
    if segments == nil {
      if binaryStart > 0, let line = try text.next(), line.range.lowerBound < binaryStart { return line }
      reachedBinary = true
      if stopsAtBinary { return nil }
      segments = SegmentLines(
        pattern: pattern, buffer: buffer, invert: invert, start: binaryStart, firstNumber: textLineCount + 1)
      segments?.deadline = deadline
    }
    return try segments?.next()
  }
}

/// -U/--multiline: the whole buffer is one subject (with `^`/`$` at every
/// line); a line is selected when a match touches it (ripgrep's rule), or,
/// with -v, when none does.
struct MultilineLines<Buffer: MutableByteBuffer>: LineSource {
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
