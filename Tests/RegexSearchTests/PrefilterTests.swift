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
    "(?i:error)",        // inline options are refused (but a leading "(?i)")
    "a(?i)bcd",
    "(?s)abc",
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

  @Test("a leading (?i) reads as the caseless option")
  func leadingCaseless() {
    let one = LiteralExtraction.needles(for: [Array("(?i)error".utf8)], options: [.utf])
    #expect(one == .init(literals: [Array("error".utf8)], caseless: true, isExact: true))
    let many = LiteralExtraction.needles(for: [Array("(?i)(fatal|panic)".utf8)], options: [.utf])
    #expect(many == .init(literals: [Array("fatal".utf8), Array("panic".utf8)], caseless: true, isExact: true))
    // One caseless alternative of two: every needle compared caselessly, none exact.
    let mixed = LiteralExtraction.needles(for: [Array("(?i)error".utf8), Array("FATAL".utf8)], options: [])
    #expect(mixed == .init(literals: [Array("error".utf8), Array("FATAL".utf8)], caseless: true, isExact: false))
    // With -F the text is literal: "(?i)" is part of the needle.
    let literal = LiteralExtraction.needles(for: [Array("(?i)error".utf8)], options: [.literal])
    #expect(literal == .init(literals: [Array("(?i)error".utf8)], caseless: false, isExact: true))
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
    (#"\Qa.b\E"#, []), ("(?i)error", []), ("(?i)(fatal|panic)", [.utf]), ("(?i)Kelvin sKy", [.utf]),
    ("(?i)ñandú", [.utf]), ("(?i)ERROR|deadlock", []), ("(?i:dead)lock", []), (#"\x41"#, []), (#"(ab)\1"#, []),
    ("colou?r", []), (#"\bfoo\b"#, []), ("^foo", []), ("bar$", []), ("^$", []), ("(?:ab|cd)ef", []),
    ("ñandú", [.caseInsensitive, .utf]), ("Ñandú", [.utf]), ("\u{212A}", [.caseInsensitive, .utf]),
    ("k", [.caseInsensitive, .utf]), (#"qq\tzz"#, []), (#"\d+\.\d+\.\d+\.\d+"#, []), ("x(", [.literal]),
    ("foo", [.wholeWords]), ("foobar", [.wholeLines]), ("dead", [.wholeWords, .caseInsensitive]),
    ("timed out", [.caseInsensitive, .utf]), ("lock\r", []), ("ab{2}", []), ("(?:abab)+", []),
    // Class sequences (no literal): exact ones and prefilters.
    ("[a-z]{5}[0-9]{3}", []), (#"\w{6}"#, []), (#"[a-z]{3}\d"#, []), (#"\d{3}"#, []), ("[A-Z]{4}", []),
    ("[a-z]{4}", [.caseInsensitive]), ("[a-j]{4}", [.caseInsensitive, .utf]), (#"\d\.\d"#, []),
    (#"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, []), (#"\s{2}"#, []), (#"\s\w{5}\s"#, []),
    ("[[:alpha:]]{5}", []), ("[[:upper:]][[:lower:]]{3}", []), (#"[_a-z]{2}_[A-Z]{3}"#, []),
    (#"^\w{5}"#, []), (#"\w{5}$"#, []), (#"[a-z]{3}\w*\d{2}"#, []), (#"[\t ]\w{4}[\t ]"#, []),
    (#"\w{70}"#, []), ("[a-z]{3}", [.wholeWords]), (#"[a-z]{2}[0-9]{2}"#, [.wholeLines]),
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
    let literal = try Pattern("ERROR|FATAL|panic|deadlock").storage.prefilter as? LiteralPrefilter
    #expect(literal?.needles.literals.count == 4)
    #expect(literal?.isExact == true)
    let caseless = try Pattern("error", options: [.caseInsensitive, .utf]).storage.prefilter as? LiteralPrefilter
    #expect(caseless?.needles.caseless == true)
    #expect(caseless?.isExact == true)
    #expect((try Pattern(#"\bfoo"#).storage.prefilter as? LiteralPrefilter)?.isExact == false)
    #expect((try Pattern("[A-Z]+_RESUME").storage.prefilter as? LiteralPrefilter)?.isExact == false)
    #expect((try Pattern("foo", options: .wholeWords).storage.prefilter as? LiteralPrefilter)?.isExact == false)
    let classes = try Pattern("[a-z]{5}[0-9]{3}").storage.prefilter as? ClassPrefilter
    #expect(classes?.isExact == true)
    #expect((try Pattern(#"\b\d{1,3}\.\d{1,3}\b"#).storage.prefilter as? ClassPrefilter)?.isExact == false)
  }
}

/// Class sequences: what the prefilter of a pattern without literals looks
/// for, and the vectorised kernel against a plain search.
@Suite("Prefilter class sequences") struct ClassSequenceTests {
  typealias ByteSet = ClassSequence.ByteSet

  static func set(_ members: String) -> ByteSet {
    var s = ByteSet()
    for b in members.utf8 { s.insert(b) }
    return s
  }

  static let lower = set("abcdefghijklmnopqrstuvwxyz")
  static let digits = set("0123456789")

  @Test("exact sequences, windows around variable items, refusals")
  func extraction() {
    func extract(_ p: String, _ options: Pattern.Options = [.utf]) -> ClassSequence.Extracted? {
      ClassSequence.extract(Array(p.utf8), options: options)
    }
    #expect(extract("[a-z]{5}[0-9]{3}") == .init(classes: Array(repeating: Self.lower, count: 5)
      + Array(repeating: Self.digits, count: 3), isExact: true))
    #expect(extract(#"\d{2}-\d{2}"#) == .init(classes: [Self.digits, Self.digits, Self.set("-"), Self.digits, Self.digits],
                                              isExact: true))
    // A variable item contributes its first and last minimum characters to the windows around it,
    // and windows reach through it with the union of what may come at each place: after the first
    // dot of an IPv4 regex, a digit, then digits or dots up to the fewest bytes the rest matches.
    let ipv4 = extract(#"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#)
    let digitOrDot = Self.set("0123456789.")
    #expect(ipv4?.classes == [Self.digits, Self.set("."), Self.digits] + Array(repeating: digitOrDot, count: 4))
    #expect(ipv4?.isExact == false)
    // ... and the whole pattern to the exact line matcher: a match holds at most 2 bytes before the window.
    #expect(ipv4?.matcher?.items.count == 7 && ipv4?.matcher?.prefix == 2)
    #expect(ipv4?.matcher?.assertions == [1, 0, 0, 0, 0, 0, 0, 1])  // CSG_ASSERT_BOUNDARY before and after
    #expect(extract(#"\d+\.\d{2}"#)?.matcher?.prefix == nil)
    // [a-z] [a-z0-9] \d \d . \d \d: the window reaches back through \d{2,3}, one byte after the match's start.
    let reaching = extract(#"[a-z]{2}\d{2,3}\.\d\d"#)
    #expect(reaching?.classes == [Self.lower, Self.lower | Self.digits, Self.digits, Self.digits, Self.set("."),
                                  Self.digits, Self.digits])
    #expect(reaching?.matcher?.prefix == 1)
    // "\s" loses "\n" (lines hold none); caseless folds letters.
    #expect(extract(#"\s"#) == .init(classes: [Self.set(" \t\u{0B}\u{0C}\r")], isExact: true))
    #expect(extract(#"\s+\d"#) == nil)  // a window of one space and one digit: too weak
    #expect(extract(#"[a-c]{6}"#, [.caseInsensitive])?.classes.first == Self.set("abcABC"))
    // In caseless UTF mode k and s also match non-ASCII characters: unknown, so too weak here.
    #expect(extract("[a-z]{5}", [.caseInsensitive, .utf]) == nil)
    #expect(extract("[a-j]{5}", [.caseInsensitive, .utf])?.isExact == true)
    // Assertions and wrappers keep the window but not exactness.
    #expect(extract(#"^\w{12}"#)?.isExact == false)
    #expect(extract(#"\w{12}"#, [.utf, .wholeWords])?.isExact == false)
    #expect(extract(#"\w{70}"#)?.isExact == false)
    #expect(extract(#"\w{70}"#)?.classes.count == 64)
    #expect(extract("(ab){3}")?.isExact == true)
    for refused in ["a|b", "(a|b){3}", "[^a-z]{8}", #"\D{8}"#, ".{8}", "é{8}", #"\x41{8}"#, "a{,3}", "[a-z", "ab)",
                    #"\Q[a-z]{8}\E"#, "[[:punct:]]{8}", "(?i)[a-z]{8}"] {
      #expect(extract(refused) == nil, "pattern \(refused)")
    }
    #expect(ClassSequence.extract(Array("[a-z]{8}".utf8), options: [.extended]) == nil)
  }

  /// A plain search for the sequence (the reference).
  static func naive(_ classes: [ByteSet], _ bytes: [UInt8], from: Int) -> Int? {
    guard bytes.count >= classes.count else { return nil }
    var s = from
    while s + classes.count <= bytes.count {
      if (0..<classes.count).allSatisfy({ classes[$0].contains(bytes[s + $0]) }) { return s }
      s += 1
    }
    return nil
  }

  @Test("the kernel finds what a plain search finds, and stops at NUL", arguments: [1, 2, 3, 4, 5])
  func kernel(seed: UInt64) throws {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    // Bytes >= 0x80 too: a Unicode property's window holds lead and continuation bytes
    // (in the kernel's second table), and a class of both halves takes both tables.
    let alphabet: [UInt8] = Array("ab01._ \t".utf8) + [0xC3, 0x80, 0xBF, 0xF4, 0xFF, 0x00]
    for _ in 0..<60 {
      let length = 1 + next(next(2) == 0 ? 5 : 64)
      var pool: [ByteSet] = []
      let upper = next(2) == 0
      for _ in 0..<(1 + next(4)) {
        var s = ByteSet()
        for b in alphabet where (b < 0x80 || upper) && b != 0 && next(2) == 0 { s.insert(b) }
        if s.isEmpty { s.insert(UInt8(ascii: "a")) }
        pool.append(s)
      }
      let classes = (0..<length).map { _ in pool[next(pool.count)] }
      let prefilter = try #require(ClassPrefilter(.init(classes: classes, isExact: false)))
      // Runs of class members, so long sequences do match.
      var bytes: [UInt8] = []
      for _ in 0..<(next(4) == 0 ? next(70) : 200 + next(3000)) {
        if next(3) == 0 {
          let c = classes[next(classes.count)]
          let members = alphabet.filter { c.contains($0) }
          bytes.append(members[next(members.count)])
        } else {
          bytes.append(alphabet[next(next(9) == 0 ? alphabet.count : alphabet.count - 1)])
        }
      }
      try bytes.withUnsafeBytes { raw in
        let memory = Memory(raw, path: nil)
        var from = 0
        while from <= bytes.count {
          let found = try prefilter.scan(in: memory, range: from..<bytes.count, stoppingAt: nil, pattern: nil)
          let expected = Self.naive(classes, bytes, from: from)
          if case .candidate(let at)? = found { #expect(at == expected) } else { #expect(expected == nil) }
          // Stopping at NUL: the earlier of the NUL and the candidate.
          let stopped = try prefilter.scan(in: memory, range: from..<bytes.count, stoppingAt: 0, pattern: nil)
          let nul = bytes[from...].firstIndex(of: 0)
          switch stopped {
          case .stop(let at)?: #expect(at == nul && (expected.map { nul! < $0 } ?? true))
          case .candidate(let at)?: #expect(at == expected && (nul.map { at < $0 } ?? true))
          case nil: #expect(expected == nil && nul == nil)
          }
          guard let step = expected else { break }
          from = step + 1 + next(5)
        }
      }
    }
  }
}

/// The literal kernels (one needle; Teddy for several) against a plain search.
@Suite("Prefilter literal kernels") struct LiteralKernelTests {
  @Test("the kernels find what a plain search finds, and stop at NUL", arguments: [1, 2, 3, 4, 5, 6])
  func kernels(seed: UInt64) throws {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    let alphabet: [UInt8] = Array("abAB01_ ".utf8) + [0xC3, 0x00]
    for _ in 0..<80 {
      let caseless = next(3) == 0
      let needles: [[UInt8]] = (0..<(1 + next(8))).map { _ in
        (0..<(1 + next(next(3) == 0 ? 12 : 4))).map { _ in alphabet[next(alphabet.count - 1)] }
      }
      let prefilter = try #require(LiteralPrefilter(.init(literals: needles, caseless: caseless)))
      var bytes: [UInt8] = []
      for _ in 0..<(next(4) == 0 ? next(80) : 100 + next(4000)) {
        if next(12) == 0 {
          bytes += needles[next(needles.count)].map { caseless && next(2) == 0 && $0 >= 0x41 ? $0 ^ 0x20 : $0 }
        } else {
          bytes.append(alphabet[next(next(9) == 0 ? alphabet.count : alphabet.count - 1)])
        }
      }
      func fold(_ b: UInt8) -> UInt8 { caseless && (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A ? b | 0x20 : b }
      func naive(from: Int) -> Int? {
        var s = from
        while s < bytes.count {
          for n in needles where s + n.count <= bytes.count {
            if (0..<n.count).allSatisfy({ fold(bytes[s + $0]) == fold(n[$0]) }) { return s }
          }
          s += 1
        }
        return nil
      }
      let holdsNUL = needles.contains { $0.contains(0) }
      try bytes.withUnsafeBytes { raw in
        let memory = Memory(raw, path: nil)
        var from = 0
        while from <= bytes.count {
          let expected = naive(from: from)
          let found = try prefilter.scan(in: memory, range: from..<bytes.count, stoppingAt: nil, pattern: nil)
          if case .candidate(let at)? = found { #expect(at == expected) } else { #expect(expected == nil) }
          if !holdsNUL {
            let nul = bytes[from...].firstIndex(of: 0)
            switch try prefilter.scan(in: memory, range: from..<bytes.count, stoppingAt: 0, pattern: nil) {
            case .stop(let at)?: #expect(at == nul && (expected.map { nul! < $0 } ?? true))
            case .candidate(let at)?: #expect(at == expected && (nul.map { at < $0 } ?? true))
            case nil: #expect(expected == nil && nul == nil)
            }
          }
          guard let step = expected else { break }
          from = step + 1 + next(5)
        }
      }
    }
  }
}

/// Candidate lines that do not match are passed over inside the prefilter's
/// scan (`csg_next_line` with a verifier): the lines, their numbers, counts and
/// the binary offset must equal a search that takes no prefilter at all,
/// across several scan windows and with NUL bytes in passed-over lines.
/// Searches `buffer` with `pattern` and with `reference` (the same pattern
/// without a prefilter), expecting the same lines, binary offset, next line
/// number and count; returns the reference's lines.
@discardableResult
func expectSameLineSearch(_ pattern: Pattern, as reference: Pattern, in buffer: some MutableByteBuffer,
                          parallelism: Int, binaryDetection detection: BinaryDetection,
                          _ context: String) throws -> [LineMatch] {
  var a = pattern.matchingLines(in: buffer, parallelism: parallelism, binaryDetection: detection).makeIterator()
  var b = reference.matchingLines(in: buffer, parallelism: parallelism, binaryDetection: detection).makeIterator()
  var found: [LineMatch] = [], expected: [LineMatch] = []
  while let line = try a.next() { found.append(line) }
  while let line = try b.next() { expected.append(line) }
  #expect(found == expected, "\(context)")
  #expect(a.binaryOffset == b.binaryOffset, "\(context)")
  #expect(a.nextLineNumber == b.nextLineNumber, "\(context)")
  #expect(try pattern.countMatchingLines(in: buffer, parallelism: parallelism, binaryDetection: detection)
          == reference.countMatchingLines(in: buffer, parallelism: parallelism, binaryDetection: detection),
          "\(context)")
  return expected
}

@Suite("Prefilter verification inside the scan") struct PrefilterVerifierTests {
  /// About 1.4 MB of log-like lines (several 256 KiB windows): nearly every line
  /// holds a candidate of the IPv4 class sequence (the timestamp), a few match.
  static func log(nulAtLine: Int?) -> [UInt8] {
    var out: [UInt8] = []
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    for i in 0..<24_000 {
      var line = "2026-11-26T06:14:\(10 + next(50)).\(next(1000))Z INFO [http] GET /api/\(next(100000))"
      switch next(9) {
      case 0: line += " ip=10.\(next(256)).\(next(256)).\(next(256)) status=200"
      case 1: line += " ip=300.1.2 ver=1.2.3"  // near misses
      case 2: line += String(repeating: " 4.5", count: next(4))
      default: line += " dur_ms=\(next(900))"
      }
      if i == nulAtLine { line += " bin\u{0}ary 1.2" }  // after the line's candidate, and no match
      out += Array(line.utf8)
      out.append(0x0A)
    }
    return out
  }

  static let patterns = [#"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, #"\d\.\d+ ver"#, #"[0-9]{2}\.[0-9]{3}Z.*status"#]

  @Test("lines, numbers, counts and binary offsets equal the search without a prefilter",
        arguments: Backend.allCases, [nil, 3, 9_000, 23_999])
  func equalsUnfiltered(backend: Backend, nulAtLine: Int?) throws {
    let buffer = try backend.make(Self.log(nulAtLine: nulAtLine))
    for source in Self.patterns {
      for options: Pattern.Options in [[.utf], [.utf, .skipsInvalidLineStart]] {
        let p = try Pattern(source, options: options)
        #expect(p.storage.prefilter != nil, "\(source) takes a prefilter")
        // An empty lookahead defeats literal and class extraction and the line fast path.
        let plain = try Pattern("(?=)" + source, options: options)
        #expect(plain.storage.prefilter == nil && !plain.lineFastPath)
        for detection in [BinaryDetection.none, .grep, .stopAtNUL(readSize: 4096)] {
          for parallelism in [1, 2] {
            let context = "\(source) \(options) \(detection) -j\(parallelism)"
            let expected = try expectSameLineSearch(p, as: plain, in: buffer, parallelism: parallelism,
                                                    binaryDetection: detection, context)
            if detection == .none || nulAtLine == nil { #expect(!expected.isEmpty, "\(context)") }
          }
        }
      }
    }
  }
}

/// The prefilter's scan counts the newlines it passes in the same pass
/// (`csg_literals_scan_lines_unguarded`, `csg_classes_scan_lines_unguarded`):
/// line numbers and `nextLineNumber` must equal those of a search without a
/// prefilter, wherever candidates, false candidates, newlines and the end fall
/// relative to the kernels' 64-byte blocks.
@Suite("Line numbers counted by the prefilter's scan") struct PrefilterLineCountTests {
  static let patterns: [(String, Pattern.Options)] = [
    ("ERROR", [.utf]),                              // one literal, exact
    ("ERROR|FATAL|panic", [.utf]),                  // several literals (Teddy)
    ("error", [.utf, .caseInsensitive]),            // caseless literal
    ("[A-Z]+_RESUME", [.utf]),                      // literal suffix, verified
    (#"\w+ ERROR \d"#, [.utf, .skipsInvalidLineStart]),  // literal inside, verified, many misses
    ("[a-z]{3}[0-9]{2}", [.utf]),                   // class sequence, verified
    (#"[a-z]\s\s[0-9]"#, [.utf]),                    // class sequence whose candidates may span lines
  ]

  /// Lines of words, some holding a candidate or a near miss; empty lines and
  /// runs of newlines; optionally no final newline.
  static func subject(seed: UInt64, lines: Int, terminated: Bool) -> [UInt8] {
    var state = seed
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    let words = ["a", "bb", "ccc", "dd4", "x", "ERROR 7", "ERROR x", "FATAL", "panic", "Error", "PM_RESUME",
                 "_RESUME", "abc12", "ab1", "q ERROR 3", "ERRO", "b\n\n7", "c \n5", "d  8", "\u{e9}t\u{e9}", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]
    var out: [UInt8] = []
    for i in 0..<lines {
      for w in 0..<next(6) {
        if w > 0 { out.append(0x20) }
        // Candidates are rare next to the filler, so some stretches hold none.
        out += Array((next(8) == 0 ? words[next(words.count)] : words[next(4)]).utf8)
      }
      if i < lines - 1 || terminated { out.append(0x0A) }
    }
    return out
  }

  static func check(_ bytes: [UInt8], _ context: String) throws {
    let buffer = HeapByteBuffer(bytes)
    for (source, options) in patterns {
      let p = try Pattern(source, options: options)
      let plain = try Pattern("(?=)" + source, options: options)
      #expect(p.storage.prefilter != nil, "\(source) takes a prefilter")
      for parallelism in [1, 2] {
        var a = p.matchingLines(in: buffer, parallelism: parallelism).makeIterator()
        var b = plain.matchingLines(in: buffer, parallelism: parallelism).makeIterator()
        var found: [LineMatch] = [], expected: [LineMatch] = []
        while let line = try a.next() { found.append(line) }
        while let line = try b.next() { expected.append(line) }
        #expect(found == expected, "\(source) -j\(parallelism) \(context)")
        #expect(a.nextLineNumber == b.nextLineNumber, "\(source) -j\(parallelism) \(context)")
      }
    }
  }

  @Test("small subjects: every length around the 64-byte blocks, with and without a final newline")
  func small() throws {
    for seed in UInt64(1)...150 {
      for terminated in [true, false] {
        let bytes = Self.subject(seed: seed, lines: Int(seed % 23), terminated: terminated)
        try Self.check(bytes, "seed \(seed) terminated \(terminated) (\(bytes.count) bytes)")
      }
    }
  }

  @Test("long stretches without a candidate (past 256 KiB windows), a candidate on the last, unterminated line")
  func long() throws {
    var bytes: [UInt8] = []
    let filler = Array("alpha beta gamma delta\n\n".utf8)
    while bytes.count < 600_000 { bytes += filler }
    bytes += Array("x ERROR 1\n".utf8)
    while bytes.count < 900_000 { bytes += filler }
    for tail in ["ERROR", "ab PM_RESUME", "q ERROR 5", "Error", "ERRO"] {
      try Self.check(bytes + Array(tail.utf8), "tail \(tail)")
      try Self.check(bytes + Array(tail.utf8) + [0x0A], "tail \(tail) terminated")
    }
  }
}

/// `LineSequence.overlapsWindows` (mmgrep's `-j`): the next window is searched
/// on other threads while the caller handles the lines of the one before. The
/// lines, numbers, binary offsets and errors must be those of the search that
/// waits for each window.
@Suite("Overlapped windows of a parallel line search") struct OverlappedWindowTests {
  @Test("the same lines, numbers and binary offsets as window by window",
        arguments: [nil, 1_500, 20_000])
  func sameResults(nulAtLine: Int?) throws {
    let bytes = PrefilterVerifierTests.log(nulAtLine: nulAtLine)
    for source in ["GET /api/7", #"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, "ip=10", "(?=)status=200"] {
      let pattern = try Pattern(source, options: [.utf, .skipsInvalidLineStart])
      for detection in [BinaryDetection.none, .stopAtNUL(readSize: 4096)] {
        for chunkSize in [512, 65_536] {
          for inverted in [false, true] {
            func run(overlapped: Bool) throws -> ([LineMatch], Int, Int?) {
              var sequence = LineSequence(pattern: pattern, source: .bytes(bytes), inverted: inverted, parallelism: 2,
                                          chunkSize: chunkSize, binaryReadSize: detection.readSize)
              sequence.overlapsWindows = overlapped
              var iterator = sequence.makeIterator()
              var lines: [LineMatch] = []
              while let line = try iterator.next() { lines.append(line) }
              return (lines, iterator.nextLineNumber, iterator.binaryOffset)
            }
            let plain = try run(overlapped: false), overlapped = try run(overlapped: true)
            let context = "\(source) \(detection) chunk \(chunkSize) inverted \(inverted)"
            #expect(!plain.0.isEmpty, "\(context)")
            #expect(overlapped.0 == plain.0, "\(context)")
            #expect(overlapped.1 == plain.1, "\(context)")
            #expect(overlapped.2 == plain.2, "\(context)")
          }
        }
      }
    }
  }

  @Test("a match error comes after every line before it, and a retry throws it again")
  func sameError() throws {
    // Every line matches at once but one in the middle, which exceeds the match limit.
    var text = ""
    for i in 0..<400 { text += i == 200 ? String(repeating: "a", count: 40) + "!\n" : "b\(i)\n" }
    let pattern = try Pattern("(a|aa)+$|b", options: [.utf], limits: .init(matchLimit: 2_000))
    func run(overlapped: Bool) -> (lines: Int, error: RegexError?) {
      var sequence = LineSequence(pattern: pattern, source: .string(text), inverted: false, parallelism: 2,
                                  chunkSize: 64)
      sequence.overlapsWindows = overlapped
      var iterator = sequence.makeIterator()
      var lines = 0
      do {
        while try iterator.next() != nil { lines += 1 }
      } catch {
        // The retry fails on the same line, before any line after it.
        var again: RegexError?
        do { _ = try iterator.next() } catch let second { again = second }
        #expect(again?.offset == error.offset, "overlapped \(overlapped)")
        return (lines, error)
      }
      return (lines, nil)
    }
    // The failing line starts after "b0\n" ... "b199\n".
    let failingLine = (0..<200).reduce(0) { $0 + "b\($1)\n".utf8.count }
    for overlapped in [false, true] {
      let result = run(overlapped: overlapped)
      // grep -P prints the 200 lines before the failing one, then reports it.
      #expect(result.lines == 200, "overlapped \(overlapped)")
      #expect(result.error?.kind == .match, "overlapped \(overlapped)")
      #expect(result.error?.offset == failingLine, "overlapped \(overlapped)")
    }
  }
}
