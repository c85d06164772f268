import ByteBuffer
import CScanGuard
import MappedBuffer
import RegexSearch

// Reading what a file gained: a window from the last offset is mapped
// (MappedByteBuffer aligns its start down to a page and hides the bytes
// before it), its complete lines are searched in place, and it is unmapped.
// Nothing before the offset is mapped again, except the unterminated line
// the offset waits at (its bytes are mapped, never searched again for a
// newline: `scanned` remembers how far that search got).

extension LogFollower {
  /// What became of a window.
  enum WindowOutcome {
    /// Lines in `0..<consumed` of the window were examined.
    case examined(consumed: Int)
    /// The file shrank under the window (SIGBUS, or the mapping no longer
    /// fits): nothing is taken from it; the next poll sees the new size.
    case vanished
  }

  /// Reads at most one window of complete lines of `file` (whose size is
  /// `size`) into `lines`. Returns whether every complete line up to `size`
  /// has now been examined.
  func readWindow(_ file: inout OpenFile, size: Int, into lines: inout [FollowedLine],
                  events: inout [FollowEvent]) throws(FollowError) -> Bool {
    let start = file.offset
    let searchFrom = max(file.scanned, start)
    guard searchFrom < size else { return true }
    let end = searchFrom + min(size - searchFrom, options.maximumBatchBytes)
    let window: MappedByteBuffer
    do {
      window = try map(file, start..<end)
    } catch {
      if vanished(error) { return true }
      throw .buffer(error)
    }
    defer { try? window.close() }
    let lastNewline: Int?
    do {
      lastNewline = try window.rfind(UInt8(ascii: "\n"), start: searchFrom - start, end: end - start)
    } catch {
      if vanished(error) { return true }
      throw .buffer(error)
    }
    guard let lastNewline else {
      file.scanned = end
      return end == size
    }
    let complete = lastNewline + 1
    // Lines are kept aside until the window is done, so a file that shrinks
    // under it gives nothing twice.
    var found: [FollowedLine] = []
    let outcome = try examine(window, complete: complete, file: file, into: &found, events: &events)
    guard case .examined(let consumed) = outcome else { return true }
    if options.numbersLines, let number = file.lineNumber {
      do {
        file.lineNumber = number + (try newlines(in: window, 0..<consumed))
      } catch {
        if vanished(error) { return true }
        throw .buffer(error)
      }
    }
    do {
      let kept = min(consumed, OpenFile.tailLength)
      file.remember(try window.bytes(in: (consumed - kept)..<consumed))
    } catch {
      if vanished(error) { return true }
      throw .buffer(error)
    }
    lines += found
    file.offset = start + consumed
    file.scanned = file.offset
    return consumed == complete && end == size
  }

  /// Selects the lines of `window[0..<complete]` (which ends with `"\n"`)
  /// and appends copies of them. A line that hits a PCRE2 limit ends the
  /// examined part just after it (reported, not selected).
  func examine(_ window: MappedByteBuffer, complete: Int, file: OpenFile, into lines: inout [FollowedLine],
               events: inout [FollowEvent]) throws(FollowError) -> WindowOutcome {
    let base = file.offset
    var ranges: [(range: Range<Int>, number: Int)] = []
    var consumed = complete
    if let pattern {
      var failure: RegexError? = nil
      do {
        try window.withUnsafeBytes { raw in
          // Safe because `complete <= raw.count`.
          let region = UnsafeRawBufferPointer(rebasing: raw[0..<complete])
          var iterator = pattern.matchingLines(in: region, inverted: isInverted).makeIterator()
          do throws(RegexError) {
            while let line = try iterator.next() { ranges.append((line.range, line.number)) }
          } catch {
            failure = error
          }
        }
      } catch {
        throw .buffer(error as? ByteBufferError ?? .closed(path: path))
      }
      if let failure {
        if failure.bufferError.map(vanished) ?? false { return .vanished }
        guard failure.kind == .match, let offset = failure.offset else { throw .search(failure) }
        // The iterator delivered every line before the failing one.
        events.append(.lineSkipped(offset: base + offset, error: failure))
        do {
          consumed = (try window.find(UInt8(ascii: "\n"), start: offset, end: complete) ?? (complete - 1)) + 1
        } catch {
          if vanished(error) { return .vanished }
          throw .buffer(error)
        }
      }
    } else {
      var position = 0
      var number = 1
      do {
        while position < complete, let newline = try window.find(UInt8(ascii: "\n"), start: position, end: complete) {
          ranges.append((position..<newline, number))
          number += 1
          position = newline + 1
        }
      } catch {
        if vanished(error) { return .vanished }
        throw .buffer(error)
      }
    }
    var found: [FollowedLine] = []
    found.reserveCapacity(ranges.count)
    for (range, number) in ranges {
      let bytes: [UInt8]
      do {
        bytes = try window.bytes(in: range)
      } catch {
        if vanished(error) { return .vanished }
        throw .buffer(error)
      }
      found.append(FollowedLine(bytes: bytes, offset: base + range.lowerBound, endOffset: base + range.upperBound + 1,
                                number: file.lineNumber.map { $0 + number - 1 }, generation: file.generation,
                                file: file.identity, isTerminated: true))
    }
    lines += found
    return .examined(consumed: consumed)
  }

  /// Delivers `file.offset..<size` — an unterminated last line — when the
  /// pattern selects it, and moves the offset past it.
  func deliverUnterminatedLine(_ file: inout OpenFile, size: Int, into lines: inout [FollowedLine],
                               events: inout [FollowEvent]) throws(FollowError) {
    guard file.offset < size else { return }
    let bytes: [UInt8]
    do {
      let window = try map(file, file.offset..<size)
      defer { try? window.close() }
      bytes = try window.bytes(in: 0..<window.count)
    } catch {
      if vanished(error) { return }
      throw .buffer(error)
    }
    var selected = true
    if let pattern {
      do {
        selected = (try pattern.firstMatch(in: bytes) != nil) != isInverted
      } catch {
        guard error.kind == .match else { throw .search(error) }
        events.append(.lineSkipped(offset: file.offset, error: error))
        selected = false
      }
    }
    if selected {
      lines.append(FollowedLine(bytes: bytes, offset: file.offset, endOffset: size, number: file.lineNumber,
                                generation: file.generation, file: file.identity, isTerminated: false))
    }
    file.remember(bytes)
    file.offset = size
    file.scanned = size
    file.lineNumber = file.lineNumber.map { $0 + 1 }
  }

  /// The number of `"\n"` in `file` before `offset`, counted in windows of
  /// 64 MiB (vectorised, under the SIGBUS guard).
  func countNewlines(in file: OpenFile, upTo offset: Int) throws(FollowError) -> Int {
    var total = 0
    var position = 0
    while position < offset {
      let end = position + min(offset - position, 64 << 20)
      do {
        let window = try map(file, position..<end)
        defer { try? window.close() }
        total += try newlines(in: window, 0..<window.count)
      } catch {
        throw .buffer(error)
      }
      position = end
    }
    return total
  }

  /// The number of `"\n"` in `range` of `window` (`csg_count_byte`, guarded).
  func newlines(in window: MappedByteBuffer, _ range: Range<Int>) throws(ByteBufferError) -> Int {
    guard !range.isEmpty else { return 0 }
    var count = 0
    var faultOffset: Int? = nil
    do {
      try window.withUnsafeBytes { raw in
        // Safe because `range` lies within the window, a non-empty mapping.
        let base = raw.baseAddress!
        var fault: UnsafeRawPointer? = nil
        if csg_count_byte(base + range.lowerBound, range.count, UInt8(ascii: "\n"), &count, &fault) != Int32(CSG_OK) {
          faultOffset = fault.map { $0 - base } ?? range.lowerBound
        }
      }
    } catch {
      throw error as? ByteBufferError ?? .closed(path: path)
    }
    if let faultOffset { throw .truncated(path: path, offset: faultOffset) }
    return count
  }

  /// Maps `range` of `file` read-only (the buffer keeps its own duplicate of the descriptor).
  func map(_ file: OpenFile, _ range: Range<Int>) throws(ByteBufferError) -> MappedByteBuffer {
    try MappedByteBuffer(descriptor: file.descriptor, access: .read, length: range.count, offset: range.lowerBound,
                         path: path)
  }

  /// Whether a buffer error means the file shrank under the window.
  func vanished(_ error: ByteBufferError) -> Bool {
    switch error {
    case .truncated, .invalidArgument: return true
    default: return false
    }
  }
}
