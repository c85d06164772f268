@testable import RegexSearch
import ByteBuffer
import TestSupport
import Testing

/// `Pattern.Options.skipsInvalidLineStart`: lines that start with bytes that
/// cannot begin a UTF-8 character, searched as GNU grep 3.8 `grep -P -a -n`
/// searches them in `LC_ALL=C.UTF-8` (expected line numbers recorded from it).
@Suite("Invalid line starts (grep -P)") struct InvalidLineStartTests {
  /// `\xFFabc`, `abc`, `\x80\x80x`, `ab\xFFcd`, `\xC3`, `\xC3x`.
  static let text: [UInt8] =
    [0xFF] + Array("abc\nabc\n".utf8) + [0x80, 0x80] + Array("x\nab".utf8) + [0xFF] + Array("cd\n".utf8)
    + [0xC3, 0x0A, 0xC3] + Array("x\n".utf8)

  /// (pattern, lines grep selects, lines selected without the option).
  static let cases: [(pattern: String, grep: [Int], plain: [Int])] = [
    ("^", [2, 4, 5, 6], [1, 2, 3, 4, 5, 6]),  // line-local: the multiline fast path
    (#"\Aa"#, [1, 2, 4], [2, 4]),  // not line-local: each line alone
    (#"\A\w"#, [1, 2, 3, 4], [2, 4]),
    ("^a", [2, 4], [2, 4]),  // a needle: the prefilter
    ("^.*$", [2], [2]),
    ("x$", [3, 6], [3, 6]),
    ("$", [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]),
    (#"(?<!\w)abc"#, [1, 2], [1, 2]),
    // Exact prefilters (the candidate is the match, PCRE2 is not asked).
    ("abc", [1, 2], [1, 2]),
    ("x", [3, 6], [3, 6]),
    ("cd", [4], [4]),
    ("[a-c]", [1, 2, 4], [1, 2, 4]),
    ("[^a]", [1, 2, 3, 4, 6], [1, 2, 3, 4, 6]),
  ]

  @Test("lines selected, counted and inverted as grep -P", arguments: Backend.allCases, [1, 3])
  func lines(backend: Backend, parallelism: Int) throws {
    let buffer = try backend.make(Self.text)
    for c in Self.cases {
      let p = try Pattern(c.pattern, options: [.utf, .skipsInvalidLineStart])
      let numbers = try p.matchingLines(in: buffer, parallelism: parallelism).collect().map(\.number)
      #expect(numbers == c.grep, "pattern \(c.pattern)")
      let inverted = try p.matchingLines(in: buffer, inverted: true, parallelism: parallelism).collect().map(\.number)
      #expect(inverted == (1...6).filter { !c.grep.contains($0) }, "pattern \(c.pattern)")
      #expect(try p.countMatchingLines(in: buffer, parallelism: parallelism) == c.grep.count, "pattern \(c.pattern)")
      #expect(try p.countMatchingLines(in: buffer, inverted: true, parallelism: parallelism) == 6 - c.grep.count)

      let plain = try Pattern(c.pattern, options: [.utf])
      #expect(try plain.matchingLines(in: buffer).collect().map(\.number) == c.plain, "pattern \(c.pattern)")
    }
  }

  @Test("many lines: windows, chunks and the fast path agree", arguments: [1, 4])
  func manyLines(parallelism: Int) throws {
    let copies = 3000
    let text = Array([[UInt8]](repeating: Self.text, count: copies).joined())
    for c in Self.cases {
      let p = try Pattern(c.pattern, options: [.utf, .skipsInvalidLineStart])
      var iterator = LineSequence(pattern: p, source: .bytes(text), inverted: false, parallelism: parallelism,
                                  chunkSize: 4096).makeIterator()
      var numbers: [Int] = []
      while let line = try iterator.next() { numbers.append(line.number) }
      #expect(numbers.count == c.grep.count * copies, "pattern \(c.pattern)")
      #expect(Array(numbers.suffix(c.grep.count)) == c.grep.map { $0 + 6 * (copies - 1) }, "pattern \(c.pattern)")
      let count = try p.countMatchingLines(in: .bytes(text), inverted: true, parallelism: parallelism, chunkSize: 4096)
      #expect(count == (6 - c.grep.count) * copies, "pattern \(c.pattern)")
    }
  }

  @Test("each byte 0x80...0xFF at a line start: which ones `^` rejects (glibc's set)")
  func skippedBytes() throws {
    let text = Array((0x80...0xFF).map { [UInt8($0), UInt8(ascii: "a"), 0x0A] }.joined())
    let p = try Pattern("^", options: [.utf, .skipsInvalidLineStart])
    let rejected = try p.matchingLines(in: text, inverted: true).collect().map { text[$0.range.lowerBound] }
    #expect(rejected == Array(0x80...0xC1) + [0xFE, 0xFF])
  }

  @Test("firstMatch(in:within:from:) starts after the skipped bytes, not at a line start", arguments: Backend.allCases)
  func firstMatchWithin(backend: Backend) throws {
    // "\x80ab": `^a` cannot match after the skipped byte; `b` can.
    let line = try backend.make([0x80] + Array("ab".utf8))
    let anchored = try Pattern("^a|b", options: [.utf, .skipsInvalidLineStart])
    #expect(try anchored.firstMatch(in: line, within: 0..<3)?.range == 2..<3)
    #expect(try Pattern("^a|b", options: [.utf]).firstMatch(in: line, within: 0..<3)?.range == 2..<3)
    #expect(try anchored.firstMatch(in: line, within: 1..<3)?.range == 1..<2)  // no skipped byte: a line start

    // "aaéx" searched from the middle of "é": the subject starts at "x", so \A matches there.
    let word = try backend.make(Array("aa\u{E9}x".utf8))
    let start = try Pattern(#"\Ax"#, options: [.utf, .skipsInvalidLineStart])
    #expect(try start.firstMatch(in: word, within: 0..<5, from: 3)?.range == 4..<5)
    #expect(try start.firstMatch(in: word, within: 0..<5, from: 0) == nil)
    let behind = try Pattern("(?<=\u{E9})x", options: [.utf, .skipsInvalidLineStart])
    #expect(try behind.firstMatch(in: word, within: 0..<5, from: 3) == nil)
    #expect(try behind.firstMatch(in: word, within: 0..<5, from: 4)?.range == 4..<5)

    // Only skipped bytes: an empty subject that is not at a line start.
    let only = try backend.make([0x80, 0xBF])
    #expect(try Pattern("^", options: [.utf, .skipsInvalidLineStart]).firstMatch(in: only, within: 0..<2) == nil)
    #expect(try Pattern("$", options: [.utf, .skipsInvalidLineStart]).firstMatch(in: only, within: 0..<2)?.range == 2..<2)
  }

  @Test("without .utf the option changes nothing")
  func bytesMode() throws {
    let p = try Pattern("^", options: [.skipsInvalidLineStart])
    #expect(try p.matchingLines(in: Self.text).collect().map(\.number) == [1, 2, 3, 4, 5, 6])
  }
}
