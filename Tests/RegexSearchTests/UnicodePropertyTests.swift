import ByteBuffer
import Testing
import TestSupport

@testable import RegexSearch

/// Patterns with Unicode properties no newline has (`\p{Lu}\p{Ll}+`,
/// `\p{Cyrillic}+`) are line-local: their lines are found by one multiline
/// PCRE2 call over a whole window, not one call per line. They must select the
/// lines the line-by-line loop selects, invalid UTF-8 and all.
@Suite("Unicode properties on the multiline fast path") struct UnicodePropertyTests {
  @Test("which texts are line-local and which may match a newline")
  func classification() {
    func local(_ s: String) -> Bool { PatternText.isLineLocal(Array(s.utf8)) }
    func newline(_ s: String) -> Bool { PatternText.mayMatchNewline(Array(s.utf8), options: [.utf]) }
    // The "}" of an escape's braces closes no counted repeat: "+" after it is greedy.
    #expect(local(#"\p{Lu}\p{Ll}+"#) && local(#"\x{41}+"#) && local(#"\N{U+41}+B"#))
    // Possessive quantifiers, after a counted repeat or an escape's braces too, are not.
    for possessive in ["a++", "a*+", "a?+", "a{2}+", #"\p{Ll}++"#, #"\d{1,3}+\."#, #"\+++"#] {
      #expect(!local(possessive), "\(possessive)")
    }
    #expect(local(#"\++"#) && local(#"a+\+"#))  // an escaped "+" quantified, and a "+" after a quantifier's escape
    // Letters, numbers and the like hold no newline; names as PCRE2 reads them.
    for free in [#"\p{Lu}"#, #"\pL"#, #"\p{ll}"#, #"\p{Cyrillic}+"#, #"\p{Xwd}"#, #"[\p{L}\d]"#, #"\p{L&}"#] {
      #expect(!newline(free), "\(free)")
    }
    // Negations, control characters, the Common script and unknown names may.
    for risky in [#"\P{Lu}"#, #"\p{^Lu}"#, #"\p{Any}"#, #"\p{Cc}"#, #"\p{C}"#, #"\p{Common}"#, #"\p{Xsp}"#, #"\pC"#,
                  #"\p{Lu"#, #"\p{Lu}\s"#] {
      #expect(newline(risky), "\(risky)")
    }
  }

  static func subject(seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    let pieces: [[UInt8]] = ["A", "b", "Ab", "1", " ", "_", "@", "Ñandú", "Peña", "Иван", "петров", "漢字", "É", "ß",
                             "\u{212A}", "ǅ", "٣", "x"].map { Array($0.utf8) }
      + [[0xFF], [0x80], [0xC3], [0xE6, 0xBC]]
    var out: [UInt8] = []
    for _ in 0..<2_000 {
      for _ in 0..<next(10) { out += pieces[next(pieces.count)] }
      out.append(0x0A)
    }
    out += Array("Tail".utf8)  // no final newline
    return out
  }

  @Test("selects what the line-by-line loop selects", arguments: [1, 2, 3])
  func equalsLineByLine(seed: UInt64) throws {
    let buffer = HeapByteBuffer(Self.subject(seed: seed))
    let sources = [#"\p{Lu}\p{Ll}+"#, #"\p{L}+\d"#, #"\p{Cyrillic}+"#, #"\pN{2,}"#, #"\p{Han}"#, #"[\p{Lu}\d]{3}"#,
                   #"\p{Xwd}+@"#, #"é\p{Ll}*"#, #"^\p{Lu}"#, #"\p{Ll}$"#, #"\b\p{Lt}"#]
    var checked = 0
    for source in sources {
      for options: Pattern.Options in [[.utf, .skipsInvalidLineStart], [.utf], [.utf, .caseInsensitive]] {
        let p = try Pattern(source, options: options)
        #expect(p.storage.lineCode != nil && p.storage.everyLine == nil, "\(source)")
        // An empty lookahead is not line-local: the reference goes line by line.
        let reference = try Pattern("(?=)" + source, options: options)
        #expect(reference.storage.lineCode == nil)
        for parallelism in [1, 2] {
          let found = try SequenceMatcherTests.numbers(p, in: buffer, parallelism: parallelism)
          let expected = try SequenceMatcherTests.numbers(reference, in: buffer, parallelism: parallelism)
          #expect(found == expected, "\(source) \(options) -j\(parallelism)")
          #expect(try p.countMatchingLines(in: buffer, parallelism: parallelism)
                  == reference.countMatchingLines(in: buffer, parallelism: parallelism), "\(source) \(options)")
          checked += found.count
        }
      }
    }
    #expect(checked > 1000, "\(checked) matching lines compared")
  }
}
