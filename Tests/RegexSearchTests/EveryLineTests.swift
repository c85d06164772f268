import ByteBuffer
import Testing
import TestSupport

@testable import RegexSearch

/// Patterns with neither a prefilter nor the multiline fast path (`\s{2,}`:
/// `\s` may consume a newline) have every line matched alone by PCRE2 inside
/// the scan's C call (`EveryLinePrefilter`), not one Swift call per line: the
/// lines, numbers, counts and binary offsets must stay those of the line-by-line loop.
@Suite("Lines matched one by one inside the scan") struct EveryLineTests {
  static let sources = [#"\s{2,}"#, #"[^a]\s\S"#, #"\S+\s+\S+$"#, #"\D\s\d"#, #"(?i)\w\s\w"#, #"^\s*$"#]

  /// Lines of spaces, tabs, words, invalid UTF-8 and an unterminated last line.
  static func subject(seed: UInt64, nul: Bool) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    let pieces: [[UInt8]] = [" ", "  ", "\t", "a", "b", "x", "1", "k", "K", "é", "\u{212A}", "ab ", "x1"].map { Array($0.utf8) }
      + [[0xFF], [0x80]]
    var out: [UInt8] = []
    for i in 0..<3_000 {
      for _ in 0..<next(9) { out += pieces[next(pieces.count)] }
      if nul && i == 2_100 { out.append(0) }
      out.append(0x0A)
    }
    out += Array(" tail  end".utf8)  // no final newline
    return out
  }

  @Test("selects what the line-by-line loop selects", arguments: [1, 2, 3])
  func equalsLineByLine(seed: UInt64) throws {
    let buffer = HeapByteBuffer(Self.subject(seed: seed, nul: false))
    for source in Self.sources {
      for options: Pattern.Options in [[.utf, .skipsInvalidLineStart], [.utf], []] {
        let p = try Pattern(source, options: options)
        #expect(p.storage.prefilter == nil && p.storage.everyLine != nil, "\(source)")
        // The inverted search still goes line by line in Swift: its complement is the reference.
        var inverted = p.matchingLines(in: buffer, inverted: true).makeIterator()
        var rejected = Set<Int>()
        while let line = try inverted.next() { rejected.insert(line.number) }
        let total = inverted.nextLineNumber - 1
        let expected = (1...total).filter { !rejected.contains($0) }
        for parallelism in [1, 2] {
          var lines = p.matchingLines(in: buffer, parallelism: parallelism).makeIterator()
          var found: [Int] = []
          while let line = try lines.next() { found.append(line.number) }
          #expect(found == expected, "\(source) \(options) -j\(parallelism)")
          #expect(try p.countMatchingLines(in: buffer, parallelism: parallelism) == expected.count, "\(source) \(options)")
        }
      }
    }
  }

  @Test("binary detection, line numbers and counts as the step-by-step search", arguments: [false, true])
  func binary(nul: Bool) throws {
    let buffer = HeapByteBuffer(Self.subject(seed: 9, nul: nul))
    for source in Self.sources {
      let options: Pattern.Options = [.utf, .skipsInvalidLineStart]
      let p = try Pattern(source, options: options)
      // A lookahead makes the text not line-local: each line then goes through Swift's step.
      let reference = try Pattern("(?=)" + source, options: options)
      #expect(reference.storage.localText == false)
      for detection in [BinaryDetection.none, .grep, .stopAtNUL(readSize: 4096)] {
        for parallelism in [1, 2] {
          try expectSameLineSearch(p, as: reference, in: buffer, parallelism: parallelism, binaryDetection: detection,
                                   "\(source) \(detection) -j\(parallelism)")
        }
      }
    }
  }
}
