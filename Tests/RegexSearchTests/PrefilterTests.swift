@testable import RegexSearch
import ByteBuffer
import TestSupport
import Testing

/// Literal extraction: what the prefilter looks for, and what it refuses.
@Suite("Prefilter literal extraction") struct PrefilterExtractionTests {
  static func needles(_ pattern: String, _ options: Pattern.Options = []) -> [String]? {
    LiteralExtraction.needles(for: [Array(pattern.utf8)], options: options)?.literals
      .map { String(decoding: $0, as: UTF8.self) }
  }

  @Test("required literals are extracted", arguments: [
    ("ERROR", ["ERROR"]),
    ("ERROR|FATAL|panic|deadlock", ["ERROR", "FATAL", "panic", "deadlock"]),
    ("[A-Z]+_RESUME", ["_RESUME"]),
    (#"\w+\s+\w+_RESUME"#, ["_RESUME"]),
    (#"\bfoo\b"#, ["foo"]),
    ("^foo$", ["foo"]),
    ("(foo)?bar", ["bar"]),
    ("(?:ab|cd)ef", ["abef", "cdef"]),
    ("x(?:ab|cd)+yz", ["yz"]),
    (#"a\.b\.c"#, ["a.b.c"]),
    ("(?<name>abc)[0-9]{2,}xyz", ["abc"]),
    ("colou?r", ["colour", "color"]),
    ("abc{2}de", ["ab"]),
    ("(?:foo|barbaz)+", ["foo", "barbaz"]),
    ("[]x]abc", ["abc"]),
    (#"qq\tzz"#, ["qq\tzz"]),
  ])
  func extracted(pattern: String, expected: [String]) {
    #expect(Self.needles(pattern) == expected, "pattern \(pattern)")
  }

  @Test("patterns without a sound literal get no prefilter", arguments: [
    "a|b.*c",            // "a" is one byte: too weak
    "foo|",              // an empty branch matches everywhere
    "(foo)*bar|x",       // the "x" branch is one byte
    #"\Qa.b\E"#,         // quoting is not parsed
    "(?i)error",         // inline options are refused
    "(?i:error)",
    #"\x41BCD"#,
    #"(ab)\1cd"#,        // backreferences
    "foo(?=bar)",        // lookarounds
    "(?<=x)abc",
    "(*UTF)abc",
    "abc\\Kdef",
    "ab{,3}cd",          // "{,3}" means different things in different PCRE2 versions
    "ab{x}",
    "[a-z]+",
    #"\d{1,3}\.\d{1,3}"#, // "." alone is too weak
    "",
    "(?|(abc)|(abd))",
    "abc)",              // unbalanced
    "[abc",
  ])
  func refused(pattern: String) {
    #expect(Self.needles(pattern) == nil, "pattern \(pattern)")
  }

  @Test("caseless needles avoid bytes Unicode folds onto ASCII")
  func caseless() {
    // In UTF mode KELVIN SIGN matches k and LONG S matches s: needles skip them.
    #expect(Self.needles("connection reset", [.caseInsensitive, .utf]) == ["connection re"])
    #expect(Self.needles("timed out", [.caseInsensitive, .utf]) == ["timed out"])
    #expect(Self.needles("connection reset", [.caseInsensitive]) == ["connection reset"])
    #expect(Self.needles("Ñandú", [.caseInsensitive, .utf]) == ["and"])
    #expect(Self.needles("ks", [.caseInsensitive, .utf]) == nil)
    #expect(LiteralExtraction.needles(for: [Array("ERROR".utf8)], options: [.caseInsensitive])?.caseless == true)
  }

  @Test("options: literals, several alternatives, extended mode")
  func options() {
    #expect(Self.needles("a.b*c", [.literal]) == ["a.b*c"])
    #expect(Self.needles("x(", [.literal, .wholeWords]) == ["x("])
    let several = LiteralExtraction.needles(for: [Array("alpha".utf8), Array("be(ta|ts)".utf8)], options: [])
    #expect(several?.literals.map { String(decoding: $0, as: UTF8.self) } == ["alpha", "beta", "bets"])
    #expect(LiteralExtraction.needles(for: [Array("alpha".utf8), Array("[x]".utf8)], options: []) == nil)
    #expect(Self.needles("error", [.extended]) == nil)
    #expect(Self.needles("foobar", [.wholeLines]) == ["foobar"])
  }

  @Test("redundant needles are dropped")
  func minimized() {
    #expect(Self.needles("(?:xfoo|foo)bar") == ["foobar"])
    #expect(Self.needles("abcd|bc") == ["bc"])
  }

  @Test("a compiled pattern carries the prefilter")
  func compiled() throws {
    #expect(try Pattern("ERROR|FATAL").storage.prefilter != nil)
    #expect(try Pattern("[a-z]+").storage.prefilter == nil)
  }
}

/// Differential tests: with the prefilter, line searches select exactly the
/// lines the plain per-line search selects (each line matched alone).
@Suite("Prefilter equals the per-line search") struct PrefilterDifferentialTests {
  /// Deterministic text with the needles, their case variants, near misses,
  /// non-ASCII case folds (KELVIN SIGN, LONG S), CR, tabs and empty lines.
  static let text: String = {
    let words = ["ERROR", "error", "Error", "FATAL", "panic", "deadlock", "dead", "lock", "foo", "bar", "foobar",
                 "colour", "color", "a.b", "a", "b", "c", "x", "_RESUME", "PM_RESUME", "pm_resume", "reset",
                 "connection", "conne\u{212A}tion", "re\u{17F}et", "\u{212A}", "ab", "cd", "ef", "abef", "cdef",
                 "10.0.0.1", "123", "timed", "out", "Ñandú", "ñandú", "\t", "abab", "abcd", "qq\tzz", "(x", "x("]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    var lines: [String] = []
    for _ in 0..<600 {
      var line: [String] = []
      for _ in 0..<next(7) { line.append(words[next(words.count)]) }
      let separator = [" ", "", " ", "_", "\t"][next(5)]
      lines.append(line.joined(separator: separator) + (next(13) == 0 ? "\r" : ""))
    }
    return lines.joined(separator: "\n") + "\nERROR at the end without newline"
  }()

  static let patterns: [(String, Pattern.Options)] = [
    ("ERROR", []), ("error", [.caseInsensitive]), ("error", [.caseInsensitive, .utf]),
    ("connection reset", [.caseInsensitive, .utf]), ("reset", [.caseInsensitive, .utf]),
    ("ERROR|FATAL|panic|deadlock", []), ("ERROR|FATAL|panic|deadlock", [.caseInsensitive]),
    ("[A-Z]+_RESUME", []), (#"\w+\s+\w+_RESUME"#, []), ("(foo)?bar", []), ("foo|", []), ("a|b.*c", []),
    (#"\Qa.b\E"#, []), ("(?i)error", []), ("(?i:dead)lock", []), (#"\x41"#, []), (#"(ab)\1"#, []),
    ("colou?r", []), (#"\bfoo\b"#, []), ("^foo", []), ("bar$", []), ("^$", []), ("(?:ab|cd)ef", []),
    ("ñandú", [.caseInsensitive, .utf]), ("Ñandú", [.utf]), ("\u{212A}", [.caseInsensitive, .utf]),
    ("k", [.caseInsensitive, .utf]), (#"qq\tzz"#, []), (#"\d+\.\d+\.\d+\.\d+"#, []), ("x(", [.literal]),
    ("foo", [.wholeWords]), ("foobar", [.wholeLines]), ("dead", [.wholeWords, .caseInsensitive]),
    ("timed out", [.caseInsensitive, .utf]), ("lock\r", []), ("ab{2}", []), ("(?:abab)+", []),
  ]

  /// The lines a pattern selects, found by matching each line alone (the
  /// reference: no line scanner, no prefilter).
  static func reference(_ pattern: Pattern, inverted: Bool) throws -> [Int] {
    var selected: [Int] = []
    let all = Array(text.utf8)
    var number = 1
    var start = 0
    while start < all.count {
      let end = all[start...].firstIndex(of: 0x0A) ?? all.count
      let matched = try pattern.firstMatch(in: Array(all[start..<end])) != nil
      if matched != inverted { selected.append(number) }
      number += 1
      start = end + 1
    }
    return selected
  }

  @Test("matching lines, inverted lines and counts", arguments: Backend.allCases, [1, 2])
  func equalsPerLine(backend: Backend, parallelism: Int) throws {
    let buffer = try backend.make(Array(Self.text.utf8))
    for (source, options) in Self.patterns {
      let p = try Pattern(source, options: options)
      for inverted in [false, true] {
        let expected = try Self.reference(p, inverted: inverted)
        let found = try p.matchingLines(in: buffer, inverted: inverted, parallelism: parallelism).collect().map(\.number)
        #expect(found == expected, "pattern \(source) \(options) inverted \(inverted)")
        #expect(try p.countMatchingLines(in: buffer, inverted: inverted, parallelism: parallelism) == expected.count,
                "pattern \(source) \(options) inverted \(inverted)")
      }
    }
  }

  @Test("small parallel chunks give the per-line answer", arguments: [7, 64, 1000])
  func smallChunks(chunkSize: Int) throws {
    for (source, options) in Self.patterns {
      let p = try Pattern(source, options: options)
      let expected = try Self.reference(p, inverted: false)
      var it = LineSequence(pattern: p, source: .string(Self.text), inverted: false, parallelism: 2,
                            chunkSize: chunkSize).makeIterator()
      var numbers: [Int] = []
      while let line = try it.next() { numbers.append(line.number) }
      #expect(numbers == expected, "pattern \(source) chunk \(chunkSize)")
      let inverted = try p.countMatchingLines(in: .string(Self.text), inverted: true, parallelism: 2, chunkSize: chunkSize)
      #expect(inverted == (try Self.reference(p, inverted: true)).count, "pattern \(source) chunk \(chunkSize)")
    }
  }

  @Test("whole-buffer match counts equal the number of matches found one by one", arguments: [1, 2])
  func matchCounts(parallelism: Int) throws {
    let bytes = Array(Self.text.utf8)
    for (source, options) in Self.patterns {
      let p = try Pattern(source, options: options)
      var expected = 0
      var iterator = p.matches(in: bytes).makeIterator()
      while try iterator.next() != nil { expected += 1 }
      #expect(try p.count(in: bytes, parallelism: parallelism) == expected, "pattern \(source) \(options)")
      for chunk in [16, 500] {
        let counted = try p.count(in: .bytes(bytes), parallelism: parallelism + 1, minimumChunk: chunk)
        #expect(counted == expected, "pattern \(source) \(options) chunk \(chunk)")
      }
    }
  }

  @Test("several alternatives (grep -e … -e …)")
  func anyOf() throws {
    for options: Pattern.Options in [[], [.literal], [.caseInsensitive, .utf]] {
      let p = try Pattern(anyOf: [Array("dead".utf8), Array("foo".utf8), Array("PM_RESUME".utf8)], options: options)
      #expect(p.storage.prefilter != nil)
      for inverted in [false, true] {
        let expected = try Self.reference(p, inverted: inverted)
        #expect(try p.matchingLines(in: Self.text, inverted: inverted).collect().map(\.number) == expected)
      }
    }
  }

  @Test("the prefilter is in use for the literal-bearing patterns")
  func inUse() throws {
    #expect(try Pattern("ERROR|FATAL|panic|deadlock").storage.prefilter?.needles.literals.count == 4)
    #expect(try Pattern("error", options: [.caseInsensitive, .utf]).storage.prefilter?.needles.caseless == true)
  }
}
