import ByteBuffer
import Testing
import TestSupport

@testable import RegexSearch

/// Patterns made only of class items and `\b` `\B` (an IPv4 regex,
/// `\d+\.\d+`, `(\d{1,3}\.){3}\d{1,3}`) have their lines decided by
/// `csg_sequence` instead of PCRE2: it must select exactly the lines PCRE2
/// selects, and it must not be used where PCRE2 could fail first.
@Suite("Lines decided by the exact class-item matcher") struct SequenceMatcherTests {
  static func prefilter(_ source: String, _ options: Pattern.Options = [.utf],
                        limits: Pattern.Limits = .init()) throws -> ClassPrefilter? {
    try Pattern(source, options: options, limits: limits).storage.prefilter as? ClassPrefilter
  }

  /// Expects `pattern` to select the lines `reference` selects in `buffer`, and
  /// to count as many, on 1 and 2 threads; returns how many it selected in both runs together.
  static func expectSameLines(_ pattern: Pattern, as reference: Pattern, in buffer: HeapByteBuffer, _ label: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
    var selected = 0
    for parallelism in [1, 2] {
      let found = try numbers(pattern, in: buffer, parallelism: parallelism)
      let expected = try numbers(reference, in: buffer, parallelism: parallelism)
      #expect(found == expected, "\(label) -j\(parallelism)", sourceLocation: sourceLocation)
      #expect(try pattern.countMatchingLines(in: buffer, parallelism: parallelism)
              == reference.countMatchingLines(in: buffer, parallelism: parallelism), "\(label)",
              sourceLocation: sourceLocation)
      selected += found.count
    }
    return selected
  }

  /// The numbers of the lines `pattern` selects in `buffer`.
  static func numbers(_ pattern: Pattern, in buffer: HeapByteBuffer, parallelism: Int = 1) throws -> [Int] {
    var lines = pattern.matchingLines(in: buffer, parallelism: parallelism).makeIterator()
    var found: [Int] = []
    while let line = try lines.next() { found.append(line.number) }
    return found
  }

  @Test("which patterns get the matcher")
  func eligibility() throws {
    for source in [#"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, #"(\d{1,3}\.){3}\d{1,3}"#,
                   #"\b(?:\d{1,3}\.){3}\d{1,3}\b"#, #"(?<octet>\d{1,3})\.\d{1,3}\.\d"#, #"\d+\.\d+"#,
                   "[0-9]+\\.[0-9]+\\.[0-9]+", #"[a-f]{2,4}\d{3}\b"#, #"\B\d\.\d{2}Z"#, #"\d{1,3}?\.\d\d\w"#] {
      #expect(try Self.prefilter(source)?.decidesLines == true, "\(source)")
    }
    // The window is still the prefilter, and this matcher is not built (the
    // class automaton decides the lines of some of them: ClassAutomatonTests).
    for (source, automaton) in [
      (#"\d++\.\d\d"#, false),            // possessive: matches fewer strings
      (#"(?:\d{1,3}\.)++\d\.\d"#, false),  // a possessive group
      (#"\w+\d\.\d\d"#, true),           // an unbounded item before one that shares its bytes: PCRE2 backtracks
      (#"^\d{1,3}\.\d{1,3}"#, false),     // ^ and $ are left to PCRE2
      (#"(\d{1,3}\.){2,3}\d\d"#, true),  // optional repetitions
      (#"\d{1,9}\d{1,9}\d{1,9}\d{1,9}\.\d\d"#, true),  // too many ways to split a match for this matcher
      (#"\d\.\d\d."#, true),             // an atom the reader does not know
    ] {
      #expect(ClassSequence.extract(Array(source.utf8), options: [.utf])?.matcher == nil, "\(source)")
      let p = try Self.prefilter(source)
      #expect(p != nil && p?.decidesLines == automaton, "\(source)")
    }
    #expect(try Self.prefilter(#"\d+\.\d+"#, [.utf, .wholeWords])?.decidesLines != true)
    #expect(try Self.prefilter(#"\d+\.\d+"#, limits: .init(matchLimit: 1000))?.decidesLines == false)
    #expect(try Self.prefilter(#"\d+\.\d+"#, limits: .init(depthLimit: 50))?.decidesLines == false)
    #expect(try Self.prefilter(#"\d+\.\d+"#, limits: .init(matchLimit: 20_000_000))?.decidesLines == true)
  }

  @Test("groups stand for their items, repeated")
  func groups() {
    func extract(_ p: String) -> ClassSequence.Extracted? { ClassSequence.extract(Array(p.utf8), options: [.utf]) }
    #expect(extract(#"(\d{1,3}\.){3}\d{1,3}"#) == extract(#"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"#))
    #expect(extract("(?:ab){3}")?.classes.count == 6)
    #expect(extract("(?:ab){3}")?.isExact == true)
    #expect(extract("(?P<x>[a-z]{4})(?'y'[0-9]{4})")?.isExact == true)
    for refused in ["(?=ab)[a-z]{8}", "(?<=ab)[a-z]{8}", "(?>[a-z]{8})", "(*UTF)[a-z]{8}", "([a-z]{8}", "[a-z]{8})",
                    "(?<1x>[a-z]{8})", "(a|b)[a-z]{8}", #"([a-z]{8})\1"#, "(?#c)[a-z]{8}"] {
      #expect(extract(refused) == nil, "\(refused)")
    }
  }

  /// A small generator of patterns in the matcher's language (and a few just
  /// outside it), over an alphabet where they match often.
  struct Generator {
    var state: UInt64
    mutating func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }

    mutating func item() -> String {
      let atoms = [#"\d"#, #"\."#, "-", "[a-c]", "[0-9a-f]", "x", #"\w"#, "[.:]", "[A-C_]", #"\s"#]
      let quantifiers = ["", "", "+", "{1,3}", "{2}", "{1,2}", "*?", "{2,}", "+?", "{1,3}?"]
      return atoms[next(atoms.count)] + quantifiers[next(quantifiers.count)]
    }

    mutating func pattern() -> String {
      var parts: [String] = []
      for _ in 0..<(2 + next(4)) {
        switch next(8) {
        case 0: parts.append(#"\b"#)
        case 1: parts.append(#"\B"#)
        case 2: parts.append("(?:" + item() + item() + "){\(1 + next(3))}")
        default: parts.append(item())
        }
      }
      // A sure window of three narrow positions keeps the prefilter.
      let windows = [#"\d\.\d"#, "x-x", "a.b", "-[a-c]-", #"\.\d\d"#]
      parts.insert(windows[next(windows.count)], at: next(parts.count + 1))
      return parts.joined()
    }

    mutating func subject() -> [UInt8] {
      let pieces: [[UInt8]] = ["1", "12", "123", "1234", ".", "-", "a", "b", "c", "x", "_", " ", "\t", "f", "A", ":",
                               "1.2", "10.0.0.1", "300.1.2", "x-x", "a.b", "-a-", ".45", "é", "\u{212A}"].map { Array($0.utf8) }
        + [[0xFF], [0xC3], [0x80]]
      var out: [UInt8] = []
      for _ in 0..<400 {
        for _ in 0..<next(14) { out += pieces[next(pieces.count)] }
        out.append(0x0A)
      }
      return out
    }
  }

  @Test("selects the lines PCRE2 selects, for generated patterns and subjects", arguments: [1, 2, 3, 4])
  func equalsPCRE2(seed: UInt64) throws {
    var g = Generator(state: seed &* 0x9E37_79B9_7F4A_7C15)
    var decided = 0
    for _ in 0..<60 {
      let source = g.pattern()
      let bytes = g.subject()
      let buffer = HeapByteBuffer(bytes)
      for options: Pattern.Options in [[.utf], [], [.utf, .caseInsensitive]] {
        let p = try Pattern(source, options: options)
        if (p.storage.prefilter as? ClassPrefilter)?.decidesLines == true { decided += 1 }
        // An empty lookahead defeats the prefilter: PCRE2 decides every line.
        let plain = try Pattern("(?=)" + source, options: options)
        #expect(plain.storage.prefilter == nil)
        _ = try Self.expectSameLines(p, as: plain, in: buffer, "\(source) \(options)")
      }
    }
    // Most generated patterns are in the matcher's language.
    #expect(decided >= 30, "\(decided) of 180 compiled patterns were decided by the matcher")
  }

  @Test("starts near the window, jumps between windows, and sees \\b at the line's ends")
  func windows() throws {
    let lines = [
      "3.4q", "1.23.4q", "1.23.4", "ab 1.2.3.4", "1.2.3.4 tail", "1.2.3.4", "x1.2.3.4", "1.2.3.4x", "1.2.3.45678",
      "999.9.9.9 and 1.1.1.1", "12:34.567Z then 8.8.8.8", "é1.2.3.4é", "1.2.3", "..1.2.3.4..", "1234.1.1.1",
    ]
    let bytes = Array(lines.joined(separator: "\n").utf8)
    let buffer = HeapByteBuffer(bytes)
    for source in [#"\d{1,3}\.\d+q"#, #"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, #"\B\d\.\d"#, #"\d\.\d{1,3}\b"#] {
      let p = try Pattern(source, options: [.utf])
      #expect((p.storage.prefilter as? ClassPrefilter)?.decidesLines == true, "\(source)")
      var expected: [Int] = []
      for (i, line) in lines.enumerated() where try p.firstMatch(in: Array(line.utf8)) != nil { expected.append(i + 1) }
      #expect(try Self.numbers(p, in: buffer) == expected, "\(source)")
    }
  }

  /// After a candidate, the scan goes on past the candidate's line and checks
  /// the rest of that line for NUL in its next round: a NUL at any distance
  /// after the candidate (inside or past the scan's 64-byte block), in a
  /// matching or a rejected line, with or without a last newline, is found
  /// where the line-by-line search finds it.
  @Test("a NUL at each distance after a candidate, in matching and rejected lines, as line by line",
        arguments: [true, false])
  func nulAtEachDistance(finalNewline: Bool) throws {
    for distance in 0..<80 {
      for matching in [true, false] {
        var text: [UInt8] = []
        for i in 0..<6 { text += Array("ip 10.0.\(i).1 ok\n".utf8) }
        let padding = String(repeating: "x", count: distance)
        text += Array((matching ? "ip 10.0.9.1 \(padding)" : "v 1.2 \(padding)").utf8)
        text += [0] + Array("yy 10.0.0.2".utf8)
        if finalNewline { text += Array("\nip 10.1.1.1 after\n".utf8) }
        let buffer = HeapByteBuffer(text)
        for source in [#"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, #"ip \d+\.0"#, #"\d\.\d \w"#] {
          let p = try Pattern(source, options: [.utf])
          #expect(p.storage.prefilter != nil, "\(source)")
          let plain = try Pattern("(?=)" + source, options: [.utf])
          for detection in [BinaryDetection.none, .grep, .stopAtNUL(readSize: 4096)] {
            try expectSameLineSearch(p, as: plain, in: buffer, parallelism: 1, binaryDetection: detection,
                                     "\(source) \(detection) distance \(distance) matching \(matching)")
          }
        }
      }
    }
  }

  @Test("matching lines recorded in batches: numbers, counts and a NUL after a candidate, as line by line",
        arguments: [nil, 3, 700, 1_999])
  func batches(nulAtLine: Int?) throws {
    // 2,000 lines, most of them matching (several batches of recorded lines).
    var text: [UInt8] = []
    for i in 0..<2_000 {
      var line = i % 7 == 3 ? "no address here \(i)" : "ip 10.0.\(i % 256).\(i % 100) abcde123 ok \(i)"
      if i == nulAtLine { line += " bin\u{0}ary" }  // after the line's candidate, in a matching line
      text += Array(line.utf8)
      text.append(0x0A)
    }
    let buffer = HeapByteBuffer(text)
    // The exact matcher (verified lines), an exact class sequence, a literal with PCRE2 verifying.
    for source in [#"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, "[a-z]{5}[0-9]{3}", #"ip \d+\.0"#] {
      let p = try Pattern(source, options: [.utf])
      #expect(p.storage.prefilter != nil, "\(source)")
      let plain = try Pattern("(?=)" + source, options: [.utf])
      for detection in [BinaryDetection.none, .grep, .stopAtNUL(readSize: 4096)] {
        for parallelism in [1, 2] {
          try expectSameLineSearch(p, as: plain, in: buffer, parallelism: parallelism, binaryDetection: detection,
                                   "\(source) \(detection) -j\(parallelism) NUL at \(String(describing: nulAtLine))")
        }
      }
    }
  }
}
