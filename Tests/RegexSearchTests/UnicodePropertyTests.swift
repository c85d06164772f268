import ByteBuffer
import Testing
import TestSupport

@testable import RegexSearch

/// Patterns with Unicode properties no newline has (`\p{Lu}\p{Ll}+`,
/// `\p{Cyrillic}+`) are line-local: their lines are found by one multiline
/// PCRE2 call over a whole window, not one call per line; and a property's
/// characters give class windows (their ASCII members, lead and continuation
/// bytes) that let the line search skip lines. They must select the lines the
/// line-by-line loop selects, invalid UTF-8 and all.
@Suite("Unicode properties: the fast path and class windows") struct UnicodePropertyTests {
  @Test("the ASCII members of each property read are PCRE2's, caseless or not")
  func asciiMembersArePCRE2s() throws {
    for (name, members) in UnicodeProperty.asciiMembers {
      for options: Pattern.Options in [[.utf], [.utf, .caseInsensitive]] {
        let p = try Pattern("\\p{\(name)}", options: options)
        for b in UInt8(0)..<0x80 {
          let matches = try p.firstMatch(in: [b]) != nil
          #expect(matches == members.utf8.contains(b), "\\p{\(name)} \(options) byte \(b)")
        }
      }
    }
    #expect(UnicodeProperty.asciiMembers.count >= 50)
  }

  @Test("a property's characters give windows of their first and last bytes")
  func windows() {
    typealias ByteSet = ClassSequence.ByteSet
    func set(_ ascii: String, _ upper: ClosedRange<UInt8>) -> ByteSet {
      var s = ByteSet()
      for b in ascii.utf8 { s.insert(b) }
      s.insert(upper)
      return s
    }
    func extract(_ p: String, _ options: Pattern.Options = [.utf]) -> ClassSequence.Extracted? {
      ClassSequence.extract(Array(p.utf8), options: options)
    }
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", lower = "abcdefghijklmnopqrstuvwxyz"
    // The last byte of an upper-case letter, then the first of a lower-case one.
    let camel = extract(#"\p{Lu}\p{Ll}+"#)
    #expect(camel?.classes == [set(upper, 0x80...0xBF), set(lower, 0xC2...0xF4)])
    #expect(camel?.isExact == false && camel?.matcher == nil)
    #expect(extract(#"\p{Cyrillic}+"#)?.classes == [set("", 0xC2...0xF4)])  // the first byte of a non-ASCII character
    #expect(extract(#"\p{Lu}\d{3}"#)?.classes.count == 4)
    #expect(extract(#"\p{L}+"#) == nil)  // a letter: nearly every line has one
    #expect(extract(#"\P{Lu}\p{Ll}"#) == nil)  // \P{..} is unknown, and one property alone too weak
    #expect(extract(#"\p{Lu}\p{Ll}"#, []) == nil)  // without UTF a property is one byte of Latin-1: refused
    #expect(extract(#"\p{Lu}?\p{Ll}"#)?.classes == [set(lower, 0xC2...0xF4)] || extract(#"\p{Lu}?\p{Ll}"#) == nil)
  }

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
    for free in [#"\p{Lu}"#, #"\pL"#, #"\p{ll}"#, #"\p{Cyrillic}+"#, #"\p{Xwd}"#, #"[\p{L}\d]"#, #"\p{L&}"#, #"\p{ Lu }"#] {
      #expect(!newline(free), "\(free)")
    }
    // Negations, control characters, the Common script and unknown names may.
    // \p{Xuc}: PCRE2 10.42 also matches it on invalid bytes ("x\x80" holds a match of x\p{Xuc}).
    for risky in [#"\P{Lu}"#, #"\p{^Lu}"#, #"\p{Any}"#, #"\p{Cc}"#, #"\p{C}"#, #"\p{Common}"#, #"\p{Xsp}"#, #"\pC"#,
                  #"\p{Lu"#, #"\p{Lu}\s"#, #"\p{Xuc}"#] {
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
      // Invalid UTF-8: stray, truncated, overlong, a surrogate, past U+10FFFF; and a 4-byte character.
      + [[0xFF], [0x80], [0xC3], [0xE6, 0xBC], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80],
         [0xF0, 0x9F, 0x98, 0x80], [0xC1, 0x81]]
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
                   #"\p{Xwd}+@"#, #"é\p{Ll}*"#, #"^\p{Lu}"#, #"\p{Ll}$"#, #"\b\p{Lt}"#, #"\p{Ll}\p{Lu}"#, #"\p{Lu}\d{2}"#,
                   #"\p{Greek}|x"#, #"\w\p{Cyrillic} "#, #"\p{Lu}+\p{Ll}{2,3}\b"#]
    // These get a class prefilter from their properties' bytes.
    for source in [#"\p{Lu}\p{Ll}+"#, #"\p{Cyrillic}+"#, #"\p{Ll}\p{Lu}"#, #"\p{Lu}\d{2}"#, #"\w\p{Cyrillic} "#] {
      #expect(try Pattern(source, options: [.utf]).storage.prefilter is ClassPrefilter, "\(source)")
    }
    var checked = 0
    for source in sources {
      for options: Pattern.Options in [[.utf, .skipsInvalidLineStart], [.utf], [.utf, .caseInsensitive]] {
        let p = try Pattern(source, options: options)
        #expect(p.storage.lineCode != nil && p.storage.everyLine == nil, "\(source)")
        // Past grep's first 96 KiB read, a NUL: the lines from its read on are binary.
        let zeroed = HeapByteBuffer(Array(repeating: Self.subject(seed: seed) + [0x0A], count: 6).flatMap { $0 }
                                    + [0] + Array("Ab\n".utf8))
        // An empty lookahead is not line-local: the reference goes line by line.
        let reference = try Pattern("(?=)" + source, options: options)
        #expect(reference.storage.lineCode == nil)
        checked += try SequenceMatcherTests.expectSameLines(p, as: reference, in: buffer, "\(source) \(options)")
        for parallelism in [1, 2] {
          // With grep's binary detection: the lines before the NUL's read, and its offset.
          let detection = BinaryDetection.grep
          #expect(try p.countMatchingLines(in: zeroed, parallelism: parallelism, binaryDetection: detection)
                  == reference.countMatchingLines(in: zeroed, parallelism: parallelism, binaryDetection: detection),
                  "\(source) \(options) binary")
        }
      }
    }
    #expect(checked > 1000, "\(checked) matching lines compared")
  }
}
