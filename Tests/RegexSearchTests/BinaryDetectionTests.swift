@testable import RegexSearch
import ByteBuffer
import TestSupport
import Testing

/// Line search over a part of a buffer, and grep's binary-data rule.
@Suite("Line ranges and binary detection") struct BinaryDetectionTests {
  // Offsets: "foo1\n" 0-4, "bar\n" 5-8, "foo2\n" 9-13, "x\0y\n" 14-17, "foo3\n" 18-22.
  static let subject: [UInt8] = Array("foo1\nbar\nfoo2\n".utf8) + [0x78, 0x00, 0x79, 0x0A] + Array("foo3\n".utf8)

  @Test("consecutive line ranges select what the whole search selects", arguments: Backend.allCases, [1, 2])
  func ranges(backend: Backend, parallelism: Int) throws {
    let buffer = try backend.make("a foo\nb\nfoo c\nd\nfoo\n")
    let pattern = try Pattern("foo")
    var first = pattern.matchingLines(in: buffer, within: 0..<8, parallelism: parallelism).makeIterator()
    #expect(try first.next() == LineMatch(number: 1, range: 0..<5))
    #expect(try first.next() == nil)
    #expect(first.nextLineNumber == 3)
    let rest = try pattern.matchingLines(in: buffer, within: 8..<20, firstLineNumber: first.nextLineNumber,
                                         parallelism: parallelism).collect()
    #expect(rest == [LineMatch(number: 3, range: 8..<13), LineMatch(number: 5, range: 16..<19)])
    #expect(try pattern.countMatchingLines(in: buffer, within: 8..<20, parallelism: parallelism) == 2)
    #expect(try pattern.countMatchingLines(in: buffer, within: 0..<8, inverted: true, parallelism: parallelism) == 1)
  }

  @Test("a range past the end of the buffer is a buffer error", arguments: Backend.allCases)
  func rangePastEnd(backend: Backend) throws {
    let buffer = try backend.make("abc\n")
    let pattern = try Pattern("b")
    var lines = pattern.matchingLines(in: buffer, within: 0..<9).makeIterator()
    #expect(throws: RegexError.self) { _ = try lines.next() }
    do {
      _ = try pattern.countMatchingLines(in: buffer, within: 2..<9)
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .buffer)
      #expect(error.bufferError == .outOfRange(operation: "search", offset: 2, length: 7, count: 4))
    }
  }

  @Test("grep's rule with 8-byte reads: the text part ends at the line holding the NUL read's start",
        arguments: Backend.allCases, [1, 2, 3])
  func smallReads(backend: Backend, parallelism: Int) throws {
    let buffer = try backend.make(Self.subject)
    let pattern = try Pattern("foo")
    let detection = BinaryDetection.stopAtNUL(readSize: 8)
    // The NUL at 15 is in the read 8..<16; "bar" (5..<8) is the first line not completed before it.
    var lines = pattern.matchingLines(in: buffer, parallelism: parallelism, binaryDetection: detection).makeIterator()
    #expect(try lines.next() == LineMatch(number: 1, range: 0..<4))
    #expect(try lines.next() == nil)
    #expect(lines.binaryOffset == 5)
    #expect(lines.nextLineNumber == 2)
    #expect(try pattern.countMatchingLines(in: buffer, parallelism: parallelism, binaryDetection: detection)
      == LineCount(selected: 1, binaryOffset: 5))
    // Inverted: "bar" is the only non-matching line, and it is binary.
    #expect(try pattern.countMatchingLines(in: buffer, inverted: true, parallelism: parallelism,
                                           binaryDetection: detection) == LineCount(selected: 0, binaryOffset: 5))
    // With 16-byte reads the NUL is in the first read: nothing is text.
    #expect(try pattern.countMatchingLines(in: buffer, parallelism: parallelism,
                                           binaryDetection: .stopAtNUL(readSize: 16))
      == LineCount(selected: 0, binaryOffset: 0))
    // Without detection NUL is an ordinary byte.
    #expect(try pattern.countMatchingLines(in: buffer, parallelism: parallelism) == 3)
  }

  @Test("a NUL that no selected line reaches still ends the text part", arguments: Backend.allCases)
  func unreachedNUL(backend: Backend) throws {
    // "^y" matches no line, but matches the piece after the NUL: the caller must learn of it.
    let buffer = try backend.make(Self.subject)
    let pattern = try Pattern("^y")
    let count = try pattern.countMatchingLines(in: buffer, binaryDetection: .stopAtNUL(readSize: 4))
    #expect(count == LineCount(selected: 0, binaryOffset: 9))  // "foo2" ends in the read 12..<16
  }

  @Test("text only: no binary offset, every line", arguments: Backend.allCases, [1, 2])
  func textOnly(backend: Backend, parallelism: Int) throws {
    let buffer = try backend.make("foo\nbar\nfoo")
    let pattern = try Pattern("foo")
    var lines = pattern.matchingLines(in: buffer, parallelism: parallelism, binaryDetection: .grep).makeIterator()
    #expect(try lines.next()?.number == 1)
    #expect(try lines.next()?.number == 3)
    #expect(try lines.next() == nil)
    #expect(lines.binaryOffset == nil)
  }

  /// A plain model of grep's rule: the lines (by start offset) that are text.
  static func textLineStarts(_ bytes: [UInt8], readSize: Int) -> (starts: [Int], binaryOffset: Int?) {
    guard let nul = bytes.firstIndex(of: 0) else { return (lineStarts(bytes), nil) }
    let boundary = nul / readSize * readSize
    let binary = bytes[..<boundary].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    return (lineStarts(bytes).filter { $0 < binary }, binary)
  }

  static func lineStarts(_ bytes: [UInt8]) -> [Int] {
    var starts = bytes.isEmpty ? [] : [0]
    for (i, b) in bytes.enumerated() where b == 0x0A && i + 1 < bytes.count { starts.append(i + 1) }
    return starts
  }

  @Test("large subjects: every path (prefilter, fast path, per line) and chunking agree with the model",
        arguments: ["needle", #"ne+dle\d?"#, #"(?<=x)needle"#], [nil, 70_000, 200_001, 300_000, 1_048_575])
  func largeSubjects(pattern text: String, nul: Int?) throws {
    // 3,000 lines of 384 bytes; "needle" on every 7th line.
    var bytes: [UInt8] = []
    for i in 0..<3000 {
      var line = Array(repeating: UInt8(ascii: "x"), count: 383)
      if i % 7 == 0 { line.replaceSubrange(100..<106, with: Array("needle".utf8)) }
      bytes += line + [0x0A]
    }
    if let nul { bytes[nul] = 0 }
    let readSize = 98_304
    let model = Self.textLineStarts(bytes, readSize: readSize)
    let expected = model.starts.filter { ($0 / 384) % 7 == 0 }
    let pattern = try Pattern(text)
    for backend in Backend.allCases {
      let buffer = try backend.make(bytes)
      for (parallelism, chunk) in [(1, 4 << 20), (2, 50_000), (3, 131_072), (8, 10_000)] {
        let sequence = LineSequence(pattern: pattern, source: .buffer(buffer), inverted: false,
                                    parallelism: parallelism, chunkSize: chunk, binaryReadSize: readSize)
        var iterator = sequence.makeIterator()
        var starts: [Int] = []
        while let line = try iterator.next() {
          starts.append(line.offset)
          #expect(line.number == line.offset / 384 + 1)
        }
        #expect(starts == expected, "\(backend) parallelism \(parallelism)")
        #expect(iterator.binaryOffset == model.binaryOffset, "\(backend) parallelism \(parallelism)")
        if let offset = model.binaryOffset {
          #expect(iterator.nextLineNumber == offset / 384 + 1)
        }
        let count = try pattern.countLines(in: .buffer(buffer), inverted: false, parallelism: parallelism,
                                           chunkSize: chunk, range: nil, binaryReadSize: readSize)
        #expect(count == LineCount(selected: expected.count, binaryOffset: model.binaryOffset))
        let inverted = try pattern.countLines(in: .buffer(buffer), inverted: true, parallelism: parallelism,
                                              chunkSize: chunk, range: nil, binaryReadSize: readSize)
        #expect(inverted.selected == model.starts.count - expected.count, "\(backend) parallelism \(parallelism)")
      }
    }
  }
}
