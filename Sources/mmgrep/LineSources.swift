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

  init(pattern: Pattern, buffer: Buffer, invert: Bool) {
    self.pattern = pattern
    self.buffer = buffer
    self.invert = invert
  }

  mutating func next() throws(RegexError) -> SelectedLine? {
    let count = buffer.count
    while position < count {
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

  init(pattern: Pattern, buffer: Buffer, invert: Bool) {
    self.buffer = buffer
    self.invert = invert
    matches = pattern.matches(in: buffer).makeIterator()
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
