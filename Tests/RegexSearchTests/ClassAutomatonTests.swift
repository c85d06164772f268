import ByteBuffer
import Testing
import TestSupport

@testable import RegexSearch

/// Patterns with alternation, repeated groups and classes (a strict IPv4
/// regex, `(GET|POST) /api/\w+`) are read as a Glushkov automaton
/// (`csg_automaton`) that decides candidate lines instead of PCRE2, and give
/// the class prefilter a window when they hold no literal: both must select
/// exactly the lines PCRE2 selects.
@Suite("Lines decided by the class automaton") struct ClassAutomatonTests {
  static let strictIPv4 = #"\b((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)\b"#

  static func extract(_ source: String, _ options: Pattern.Options = [.utf],
                      limits: Pattern.Limits = .init()) -> ClassAutomaton.Extracted? {
    ClassAutomaton.extract([Array(source.utf8)], options: options, limits: limits)
  }

  /// Whether the compiled pattern's lines are decided without PCRE2.
  static func decides(_ source: String, _ options: Pattern.Options = [.utf]) throws -> Bool {
    (try Pattern(source, options: options).storage.prefilter as? ClassPrefilter)?.decidesLines == true
  }

  @Test("which patterns get the automaton, and through which prefilter")
  func eligibility() throws {
    // No literal: the class prefilter's window, and the automaton.
    for source in [Self.strictIPv4, #"(?:\d{1,3}|x)\.\d{1,3}\.(?:\d|[a-f])"#, #"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}|[0-9a-f]{12}"#,
                   #"\b(?:[a-z]\d|\d[a-z])-\d{3}\b"#, #"(?i)(?:[a-f]\d|\d[a-f])-[a-f]{3}\b"#] {
      let p = try Pattern(source, options: [.utf]).storage.prefilter
      #expect(p is ClassPrefilter, "\(source)")
      #expect(try Self.decides(source), "\(source)")
    }
    // A literal prefilter: PCRE2 verifies its candidate lines (its JIT code, started on the
    // line, is faster there than the automaton), though the automaton could be built.
    for source in [#"(GET|POST) /api/v1/\w+"#, "ERROR.*timeout", #"user="[^"]*""#, #"\bworker-\d+\b"#, #"[A-Za-z]+Exception"#,
                   #"status=5\d\d|dur_ms=\d{4,}"#, #"\d+(?:ms|us)\b"#] {
      let p = try Pattern(source, options: [.utf]).storage.prefilter
      #expect(p is LiteralPrefilter, "\(source)")
      #expect(Self.extract(source)?.automaton != nil, "\(source)")
    }
    // Where ClassSequence finds a window but has no matcher, the automaton decides, near its own window.
    for source in [#"\w+\d\.\d\d"#, #"(\d{1,3}\.){2,3}\d\d"#, #"[a-z]+[0-9]{3}[a-z]*\b"#] {
      #expect(ClassSequence.extract(Array(source.utf8), options: [.utf])?.matcher == nil, "\(source)")
      #expect(try Self.decides(source), "\(source)")
    }
    // PCRE2 decides.
    for source in [
      #"^\d+\.\d+"#,            // anchors
      #"(?=\d)\d+\.x"#,         // lookaround
      #"(\d+)\.\1"#,             // a backreference
      #"\d++\.(a|b)"#,          // possessive
      #"(\w+\s)+xyz"#,           // an unbounded group
      #"a(\bb|c)d"#,             // \b inside
      #"(?i:ab)|cd"#,            // inline options
      #"é+\d\.\d|x"#,            // a non-ASCII literal
      String(repeating: #"\d{1,3}\."#, count: 22),  // more than 64 positions
      #"a.*b.*c.*d.*e"#,          // too many ways to give back bytes
    ] {
      #expect(try !Self.decides(source), "\(source)")
    }
    #expect(Self.extract("(a|b)?") == nil || Self.extract("(a|b)?")?.automaton == nil)  // matches the empty string
    #expect(Self.extract(Self.strictIPv4, [.utf, .wholeWords]) == nil)
    #expect(Self.extract(Self.strictIPv4, limits: .init(matchLimit: 1000))?.automaton == nil)
    #expect(Self.extract(Self.strictIPv4, limits: .init(matchLimit: 20_000_000))?.automaton != nil)
    #expect(ClassAutomaton.extract([Array(Self.strictIPv4.utf8)], options: [.utf], newline: .crlf) == nil)
  }

  @Test("the strict IPv4 regex gets a window through its first dot that starts within three bytes")
  func strictIPv4Window() throws {
    let read = try #require(Self.extract(Self.strictIPv4))
    let window = try #require(read.window)
    let digits = ClassSequence.ByteSet.digits
    let dot = ClassSequence.single(UInt8(ascii: "."))
    // The last digit of the first octet, its dot, a digit, then digits or dots up to the fewest
    // bytes the rest matches (`1.2.3`): a timestamp's `35.424Z` holds `\d\.\d` but not this.
    #expect(window.classes == [digits, dot, digits] + Array(repeating: digits | dot, count: 4))
    #expect(window.prefix == 2)
    let automaton = try #require(read.automaton)
    #expect(automaton.positions.count == 39)
    #expect(automaton.longestLine == nil)  // nothing unbounded: every line is decided
    #expect(automaton.asciiLines == false)
    let compiled = try #require(CompiledAutomaton(automaton))
    #expect(compiled.deterministicStates > 0 && compiled.deterministicStates <= 4096)
  }

  @Test("windows of alternations, optional items and repeats")
  func windows() {
    func classes(_ source: String) -> Int? { Self.extract(source)?.window?.classes.count }
    #expect(classes("(ab|cd)ef") == 4)         // [ac] [bd] e f: a fixed run
    #expect(classes("(abc|de)xyz") == 5)       // [bd] [ce] x y z: the branches' last two bytes, then the rest
    #expect(classes("[01]?x-y") == 3)          // x - y
    #expect(Self.extract("(ab|c)?")?.window == nil)
    // Lines hold no "\n": a class of it alone is no window.
    #expect(Self.extract(#"\n\n\n\n"#)?.window == nil)
  }

  /// The numbers of the lines `pattern` selects in `buffer`.
  static func numbers(_ pattern: Pattern, in buffer: HeapByteBuffer, parallelism: Int = 1) throws -> [Int] {
    try SequenceMatcherTests.numbers(pattern, in: buffer, parallelism: parallelism)
  }

  @Test("the strict IPv4 regex selects the lines PCRE2 selects, near misses included")
  func strictIPv4Lines() throws {
    let lines = [
      "ip=192.168.0.1 ok", "ip=256.1.1.1", "1.2.3.4", "01.02.03.004", "255.255.255.255", "255.255.255.256",
      "1.2.3", "a1.2.3.4", "1.2.3.4a", "x 10.0.0.1x", "12:34.567Z then 8.8.8.8", "é1.2.3.4é", "1234.1.1.1",
      "999.1.1.1 and 2.2.2.2", "1.2.3.4.5", "..1.2.3.4..", "300.300.300.300", "\u{FF}1.1.1.1", "10.0.0.1\u{212A}",
    ]
    let buffer = HeapByteBuffer(Array(lines.joined(separator: "\n").utf8))
    for options: Pattern.Options in [[.utf], [], [.utf, .caseInsensitive]] {
      let p = try Pattern(Self.strictIPv4, options: options)
      #expect((p.storage.prefilter as? ClassPrefilter)?.decidesLines == true)
      var expected: [Int] = []
      for (i, line) in lines.enumerated() where try p.firstMatch(in: Array(line.utf8)) != nil { expected.append(i + 1) }
      #expect(try Self.numbers(p, in: buffer) == expected, "\(options)")
      #expect(expected.count == 11, "\(options)")
    }
  }

  /// Generates patterns in the automaton's language (and a few just outside
  /// it) over an alphabet where they match often, and subjects for them.
  struct Generator {
    var state: UInt64
    mutating func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }

    mutating func atom(depth: Int) -> String {
      let atoms = [#"\d"#, #"\."#, "-", "[a-c]", "[0-9a-f]", "x", #"\w"#, "[.:]", #"\s"#, ".", "[^x]", #"\D"#,
                   "[^a-c.]", "k", "[ab]", "1", #"\h"#, #"\W"#]
      if depth < 2 && next(4) == 0 {
        let branches = (0..<(2 + next(2))).map { _ in sequence(depth: depth + 1) }
        return (next(2) == 0 ? "(?:" : "(") + branches.joined(separator: "|") + ")"
      }
      return atoms[next(atoms.count)]
    }

    mutating func quantified(depth: Int) -> String {
      let atom = atom(depth: depth)
      // Unbounded repeats of a group are outside the language: rarely.
      let quantifiers = atom.hasPrefix("(") && next(8) != 0
        ? ["", "", "?", "{2}", "{1,2}", "{0,2}", "??"]
        : ["", "", "", "?", "+", "*", "{1,3}", "{2}", "{0,2}", "+?", "??", "{2,}"]
      return atom + quantifiers[next(quantifiers.count)]
    }

    mutating func sequence(depth: Int) -> String {
      (0..<(1 + next(depth == 0 ? 3 : 2))).map { _ in quantified(depth: depth) }.joined()
    }

    mutating func pattern() -> String {
      var branches: [String] = []
      for _ in 0..<(next(3) == 0 ? 2 : 1) {
        var body = sequence(depth: 0)
        // A sure window of three narrow positions keeps a class prefilter (no literal: the
        // automaton is for lines without one).
        let anchors = [#"\d\.\d"#, "[xy]-[xy]", #"[ab]\.[bc]"#, "-[a-c]-", "[a-c][0-9][a-c]", #"1[.:]2"#]
        if next(5) != 0 { body += anchors[next(anchors.count)] + sequence(depth: 1) }
        let edges = ["", "", #"\b"#, #"\B"#]
        branches.append(edges[next(edges.count)] + body + edges[next(edges.count)])
      }
      return branches.joined(separator: "|")
    }

    mutating func subject() -> [UInt8] {
      let pieces: [[UInt8]] = ["1", "12", "123", "1234", ".", "-", "a", "b", "c", "x", "_", " ", "\t", "f", "A", ":",
                               "1.2", "10.0.0.1", "300.1.2", "x-x", "a.b", "-a-", ".45", "abc", "k", "K", "é", "\u{212A}",
                               "\u{A0}"].map { Array($0.utf8) }
        + [[0xFF], [0xC3], [0x80], [0xA0]]
      var out: [UInt8] = []
      for _ in 0..<300 {
        for _ in 0..<next(14) { out += pieces[next(pieces.count)] }
        out.append(0x0A)
      }
      return out
    }
  }

  @Test("selects the lines PCRE2 selects, for generated patterns and subjects", arguments: [1, 2, 3, 4, 5, 6])
  func equalsPCRE2(seed: UInt64) throws {
    var g = Generator(state: seed &* 0x9E37_79B9_7F4A_7C15)
    var decided = 0
    for _ in 0..<50 {
      let source = g.pattern()
      let buffer = HeapByteBuffer(g.subject())
      for options: Pattern.Options in [[.utf], [], [.utf, .caseInsensitive]] {
        guard let p = try? Pattern(source, options: options) else { continue }
        if try Self.decides(source, options) { decided += 1 }
        // An empty lookahead defeats every prefilter and the automaton: PCRE2 decides every line.
        let plain = try Pattern("(?=)" + source, options: options)
        #expect(plain.storage.prefilter == nil)
        for parallelism in [1, 2] {
          let expected: [Int]
          do {
            expected = try Self.numbers(plain, in: buffer, parallelism: parallelism)
          } catch {
            // PCRE2 gave up on some line (a runaway pattern, never one the automaton
            // decides); a prefilter may skip that line: nothing to compare.
            #expect(try Self.decides(source, options) == false, "\(source) \(options)")
            continue
          }
          let found = try Self.numbers(p, in: buffer, parallelism: parallelism)
          #expect(found == expected, "\(source) \(options) -j\(parallelism)")
          #expect(try p.countMatchingLines(in: buffer, parallelism: parallelism)
                  == plain.countMatchingLines(in: buffer, parallelism: parallelism), "\(source) \(options)")
        }
      }
    }
    // Most generated patterns are in the automaton's language.
    #expect(decided >= 20, "\(decided) of 150 compiled patterns were decided by the automaton")
  }

  @Test("the deterministic form decides every line as the simulation of position sets does", arguments: [7, 8, 9])
  func deterministicEqualsSimulation(seed: UInt64) throws {
    var g = Generator(state: seed &* 0x9E37_79B9_7F4A_7C15)
    var compared = 0
    for _ in 0..<60 {
      let source = g.pattern()
      let lines = g.subject().split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
      for options: Pattern.Options in [[.utf], [], [.utf, .caseInsensitive]] {
        guard let a = Self.extract(source, options)?.automaton,
              let dfa = CompiledAutomaton(a), let nfa = CompiledAutomaton(a, deterministic: false) else { continue }
        #expect(nfa.deterministicStates == 0)
        guard dfa.deterministicStates > 0 else { continue }
        compared += 1
        for line in lines {
          #expect(dfa.matches(line) == nfa.matches(line), "\(source) \(options) \(line)")
        }
      }
    }
    #expect(compared >= 30, "\(compared) automata compared")
  }

  @Test("lines longer than the automaton's bound go to PCRE2, with the same result")
  func longLines() throws {
    // An unbounded item that gives back bytes, and 8 ways: lines up to about 5,000 bytes are decided.
    let source = "(?:[x-z]|[x-z][x-z])[a-c]*[b-d][.:][qr]{2,5}"
    let read = try #require(Self.extract(source))
    let longest = try #require(read.automaton?.longestLine)
    #expect(longest >= ClassAutomaton.shortestUsefulLine && longest < 10_000)
    var text: [UInt8] = []
    for length in [10, longest - 5, longest + 5, 2 * longest] {
      for end in ["qrq", "qcq"] {
        text += Array("x".utf8) + Array(repeating: UInt8(ascii: "b"), count: length) + Array("b.\(end)".utf8) + [0x0A]
      }
    }
    let buffer = HeapByteBuffer(text)
    let p = try Pattern(source, options: [.utf])
    #expect(try Self.decides(source))
    let plain = try Pattern("(?=)" + source, options: [.utf])
    #expect(try Self.numbers(p, in: buffer) == Self.numbers(plain, in: buffer))
    #expect(try Self.numbers(p, in: buffer) == [1, 3, 5, 7])
  }

  @Test("lines with non-ASCII characters go to PCRE2 when an item may match one")
  func nonASCIILines() throws {
    let lines = ["a.b123 é", "a\u{A0}b123", "aéb123", "a\u{FF}b123", "a b123", "ab123", "a\u{212A}b123", "akb123",
                 "a\tb123"]
    let buffer = HeapByteBuffer(Array(lines.joined(separator: "\n").utf8))
    for (source, options) in [("[a-c].[a-c][0-9]{3}", Pattern.Options.utf), ("[a-c].[a-c][0-9]{3}", []),
                              (#"[a-c]\h[a-c][0-9]{3}"#, .utf), (#"[a-c]\H[a-c][0-9]{3}"#, []),
                              ("[a-c][^x][a-c][0-9]{3}", .utf), ("[A-C][^x][A-C][0-9]{3}", [.utf, .caseInsensitive]),
                              ("[a-c][jk][a-c][0-9]{3}", [.utf, .caseInsensitive])] {
      let p = try Pattern(source, options: options)
      #expect(try Self.decides(source, options), "\(source)")
      let plain = try Pattern("(?=)" + source, options: options)
      #expect(try Self.numbers(p, in: buffer) == Self.numbers(plain, in: buffer), "\(source) \(options)")
    }
  }

  @Test("\\h and \\v also match U+00A0 and U+0085 (the bytes 0xA0 and 0x85 without UTF): no window says otherwise")
  func unicodeSpaces() throws {
    // ClassSequence used to read \h as [ \t] and \v as [\n-\r]: these lines were skipped.
    let utf: [UInt8] = Array("abcde\u{A0}123\nabcde 123\nabcde\u{85}123\nabcde\u{2028}123\n".utf8)
    let bytes: [UInt8] = Array("abcde".utf8) + [0xA0] + Array("123\nabcde".utf8) + [0x85] + Array("123\n".utf8)
    for (source, text, options, expected) in [
      (#"[a-z]{5}\h[0-9]{3}"#, utf, Pattern.Options.utf, [1, 2]), (#"[a-z]{5}\v[0-9]{3}"#, utf, .utf, [3, 4]),
      (#"[a-z]{5}\h[0-9]{3}"#, bytes, [], [1]), (#"[a-z]{5}\v[0-9]{3}"#, bytes, [], [2]),
      (#"[a-z]{5}[\h][0-9]{3}"#, utf, .utf, [1, 2]), (#"(?:[a-z]{5}|x)\h[0-9]{3}"#, utf, .utf, [1, 2]),
    ] {
      let p = try Pattern(source, options: options)
      #expect(try Self.numbers(p, in: HeapByteBuffer(text)) == expected, "\(source) \(options)")
    }
  }

  @Test("a leading (?i) is the caseless option")
  func leadingCaseless() throws {
    let p = try Pattern(#"(?i)(?:[a-f]\d|\d[a-f])-[a-f]{3}\b"#, options: [.utf])
    #expect((p.storage.prefilter as? ClassPrefilter)?.decidesLines == true)
    let text = "x A1-BCD\n1a-bcd\n1a-bcg\nb2-FFFx\n"
    #expect(try Self.numbers(p, in: HeapByteBuffer(Array(text.utf8))) == [1, 2])
    // (?i) on only one of several -e alternatives applies to it alone: not read.
    #expect(ClassAutomaton.extract([Array("(?i)[a-f]{3}-x".utf8), Array("[0-9]{3}-x".utf8)], options: [.utf]) == nil)
  }

  @Test("several -e alternatives are read as one alternation")
  func alternatives() throws {
    let p = try Pattern(anyOf: [Array(#"\d{3}-\d{4}\b"#.utf8), Array(#"\b[a-f]{3}-\d{4}"#.utf8)], options: [.utf])
    #expect((p.storage.prefilter as? ClassPrefilter)?.decidesLines == true)
    let text = "call 555-1234\n555-12345\nabc-1234x\nxabc-1234\ncafe-1234\n"
    #expect(try Self.numbers(p, in: HeapByteBuffer(Array(text.utf8))) == [1, 3])
  }
}
