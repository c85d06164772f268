@testable import RegexSearch
import ByteBuffer
import TestSupport
import Testing

/// `grep -P -n` / `grep -P -v -c` (GNU grep 3.8, LC_ALL=C.UTF-8) on `LineSearchTests.text`.
let grepCases: [(pattern: String, lines: [Int], invertedCount: Int)] = [
  ("foo", [3, 5, 7], 4),
  ("^$", [2], 6),
  ("^", [1, 2, 3, 4, 5, 6, 7], 0),
  ("o$", [5, 7], 5),
  ("\r$", [3], 6),
  (#"a\s*$"#, [1], 6),
  ("(?<=foo)bar", [5], 6),
  ("bar|^b", [3, 4, 5], 4),
  ("x*", [1, 2, 3, 4, 5, 6, 7], 0),
  (#"\bfoo\b"#, [3, 5, 7], 4),
  (#"o\s+b"#, [3], 6),
  ("[^a-z]", [1, 3, 5, 6, 7], 2),
  ("(?s)o.b", [3, 5], 5),
  (#"^\s*$"#, [2, 6], 5),
  ("end.*foo$", [7], 6),
]

@Suite("Line search") struct LineSearchTests {
  static let text = "alpha beta\n\nfoo bar\r\nbaz\nfoobar foo\n  \nend of foo"

  @Test("the lines grep -P selects", arguments: Backend.allCases, [1, 3])
  func grepLines(backend: Backend, parallelism: Int) throws {
    let buffer = try backend.make(Self.text)
    for c in grepCases {
      let p = try Pattern(c.pattern)
      let numbers = try p.matchingLines(in: buffer, parallelism: parallelism).collect().map(\.number)
      #expect(numbers == c.lines, "pattern \(c.pattern)")
      #expect(try p.countMatchingLines(in: buffer, parallelism: parallelism) == c.lines.count, "pattern \(c.pattern)")
      #expect(try p.countMatchingLines(in: buffer, inverted: true, parallelism: parallelism) == c.invertedCount)
      let inverted = try p.matchingLines(in: buffer, inverted: true, parallelism: parallelism).collect().map(\.number)
      #expect(inverted == (1...7).filter { !c.lines.contains($0) }, "pattern \(c.pattern)")
    }
  }

  @Test("small chunks give the serial answer", arguments: [1, 5, 9, 13, 64])
  func tinyChunks(chunkSize: Int) throws {
    for c in grepCases {
      let p = try Pattern(c.pattern)
      var it = LineSequence(pattern: p, source: .string(Self.text), inverted: false, parallelism: 3,
                            chunkSize: chunkSize).makeIterator()
      var numbers: [Int] = []
      while let line = try it.next() { numbers.append(line.number) }
      #expect(numbers == c.lines, "pattern \(c.pattern) chunk \(chunkSize)")
      let count = try p.countMatchingLines(in: .string(Self.text), inverted: true, parallelism: 4, chunkSize: chunkSize)
      #expect(count == c.invertedCount)
    }
  }

  @Test("line ranges exclude the newline; offsets are grep -b's", arguments: Backend.allCases)
  func ranges(backend: Backend) throws {
    let buffer = try backend.make(Self.text)
    let found = try Pattern("foo").matchingLines(in: buffer).collect()
    #expect(found == [LineMatch(number: 3, range: 12..<20), LineMatch(number: 5, range: 25..<35),
                      LineMatch(number: 7, range: 39..<49)])
    #expect(found.map(\.offset) == [12, 25, 39])
    #expect(try lines(Pattern("a"), buffer) == ["1:alpha beta", "3:foo bar\r", "4:baz", "5:foobar foo"])
  }

  @Test("empty buffers have no lines; a final newline adds no empty line", arguments: Backend.allCases)
  func boundaries(backend: Backend) throws {
    #expect(try Pattern("").countMatchingLines(in: backend.make("")) == 0)
    #expect(try Pattern("").countMatchingLines(in: backend.make(""), inverted: true) == 0)
    #expect(try Pattern("^$").countMatchingLines(in: backend.make("a\n")) == 0)
    #expect(try Pattern("").countMatchingLines(in: backend.make("a\n")) == 1)
    #expect(try lines(Pattern("^$"), backend.make("\n\n")) == ["1:", "2:"])
    #expect(try lines(Pattern("b$"), backend.make("a\nb")) == ["2:b"])
    #expect(try lines(Pattern("z"), backend.make("a\nb"), inverted: true) == ["1:a", "2:b"])
  }

  @Test("a match across lines is not a line match", arguments: Backend.allCases)
  func crossLine(backend: Backend) throws {
    let buffer = try backend.make("foo\nbar\nfoo bar\n")
    #expect(try lines(Pattern(#"o\s+b"#), buffer) == ["3:foo bar"])
    #expect(try lines(Pattern(#"o[^x]b"#), buffer) == ["3:foo bar"])
    #expect(try lines(Pattern(#"(?s)o.*b"#), buffer) == ["3:foo bar"])
    #expect(try lines(Pattern(#"o\nb"#), buffer) == [])
    #expect(try Pattern(#"o\s+b"#).count(in: buffer) == 2)
  }

  @Test("-w and -x wrappers match grep -P -w / -x", arguments: Backend.allCases)
  func wordsAndLines(backend: Backend) throws {
    let buffer = try backend.make("foo bar\nfoobar\n(foo)\nfoo_x\n")
    // grep -P -w -n foo: 1, 3.   grep -P -x -n 'foo.*': 1, 2, 4.   grep -P -w 'foo|bar': 1, 3.
    #expect(try Pattern("foo", options: .wholeWords).matchingLines(in: buffer).collect().map(\.number) == [1, 3])
    #expect(try Pattern("foo.*", options: .wholeLines).matchingLines(in: buffer).collect().map(\.number) == [1, 2, 4])
    #expect(try Pattern("foo|bar", options: .wholeWords).matchingLines(in: buffer).collect().map(\.number) == [1, 3])
    #expect(try Pattern("(foo)", options: [.literal, .wholeLines]).matchingLines(in: buffer).collect().map(\.number) == [3])
  }

  @Test("CRLF lines keep their \\r, whatever the newline convention", arguments: Backend.allCases)
  func crlfLines(backend: Backend) throws {
    let buffer = try backend.make("ab\r\ncd\r\nef")
    #expect(try lines(Pattern("b$"), buffer) == [])
    #expect(try lines(Pattern("b\r$"), buffer) == ["1:ab\r"])
    #expect(try lines(Pattern("b$", newline: .crlf), buffer) == [])
    #expect(try lines(Pattern("b$", newline: .anyCRLF), buffer) == ["1:ab\r"])
    #expect(try lines(Pattern("b$", newline: .cr), buffer) == ["1:ab\r"])
    #expect(try lines(Pattern("f$", newline: .any), buffer) == ["3:ef"])
  }

  @Test("the callback form and early stop", arguments: Backend.allCases)
  func callback(backend: Backend) throws {
    let buffer = try backend.make(Self.text)
    var seen: [Int] = []
    try Pattern("o").forEachLine(in: buffer) { line in
      seen.append(line.number)
      return seen.count < 2
    }
    #expect(seen == [3, 5])
    var all: [Int] = []
    try Pattern("o").forEachLine(in: buffer, inverted: true, parallelism: 2) { line in
      all.append(line.number)
      return true
    }
    #expect(all == [1, 2, 4, 6])
  }

  @Test("matches within one line see only that line", arguments: Backend.allCases)
  func withinLine(backend: Backend) throws {
    let buffer = try backend.make(Self.text)
    let p = try Pattern(#"^foo|foo$"#)
    var found: [Range<Int>] = []
    for line in try p.matchingLines(in: buffer).collect() {
      found += try p.matches(in: buffer, within: line.range).collect().map(\.range)
    }
    #expect(found == [12..<15, 25..<28, 32..<35, 46..<49])
  }

  @Test func otherSubjects() throws {
    #expect(try Pattern("o").countMatchingLines(in: Self.text) == 3)
    #expect(try Pattern("o").countMatchingLines(in: Array(Self.text.utf8), inverted: true) == 4)
    #expect(try Pattern("^$").matchingLines(in: Self.text).collect().map(\.number) == [2])
    #expect(try Pattern("^$").matchingLines(in: Array(Self.text.utf8)).collect().map(\.number) == [2])
    try Array(Self.text.utf8).withUnsafeBytes { raw throws in
      #expect(try Pattern("baz").matchingLines(in: raw).collect().map(\.range) == [21..<24])
    }
  }
}
