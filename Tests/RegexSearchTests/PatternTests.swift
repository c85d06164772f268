import ByteBuffer
@testable import RegexSearch
import TestSupport
import Testing

@Suite("Pattern compilation") struct PatternTests {
  @Test func compileErrorCarriesMessageAndOffset() {
    #expect {
      _ = try Pattern("ab(c")
    } throws: { error in
      guard let e = error as? RegexError else { return false }
      return e.kind == .compile && e.offset == 4 && e.code == 114
        && e.message == "missing closing parenthesis" && e.pattern == "ab(c"
        && e.description == "cannot compile pattern 'ab(c' at offset 4: missing closing parenthesis"
    }
    #expect {
      _ = try Pattern("a{2,1}")
    } throws: { error in
      (error as? RegexError)?.message == "numbers out of order in {} quantifier"
        && (error as? RegexError)?.offset == 5
    }
  }

  @Test func jitIsUsedWhenAvailableAndCanBeTurnedOff() throws {
    #expect(try Pattern("a+").isJITCompiled == Pattern.isJITAvailable)
    #expect(try Pattern("a+", jit: false).isJITCompiled == false)
    let interpreted = try Pattern("b+", jit: false)
    #expect(try interpreted.firstMatch(in: "aabbbc")?.range == 2..<5)
  }

  @Test("(*NO_JIT) in the pattern falls back to the interpreter instead of failing")
  func noJITVerbFallsBackToTheInterpreter() throws {
    let pattern = try Pattern("(*NO_JIT)b+")
    #expect(pattern.isJITCompiled == false)
    #expect(try pattern.firstMatch(in: "aabbbc")?.range == 2..<5)
    #expect(try pattern.countMatchingLines(in: "b\na\nbb\n") == 2)
  }

  @Test func captureCountAndNames() throws {
    let p = try Pattern(#"(?<year>\d{4})-(?<month>\d\d)(x)?"#)
    #expect(p.captureCount == 3)
    #expect(p.captureNumber(named: "year") == 1)
    #expect(p.captureNumber(named: "month") == 2)
    #expect(p.captureNumber(named: "day") == nil)
    #expect(try Pattern("abc").captureCount == 0)
  }

  @Test("each option maps to its PCRE2 flag", arguments: Backend.allCases, [
    ("HELLO", Pattern.Options.caseInsensitive, "say hello", 4..<9),
    ("^b", .multiline, "a\nb", 2..<3),
    ("a.b", .dotMatchesNewlines, "a\nb", 0..<3),
    ("a b # comment", .extended, "xab", 1..<3),
    ("^.$", .utf, "é", 0..<2),
    ("a.c", .literal, "abc a.c", 4..<7),
    ("foo", .wholeWords, "foobar foo_ (foo)", 13..<16),
    ("foo|foo bar", .wholeLines, "foo bar", 0..<7),
  ] as [(String, Pattern.Options, String, Range<Int>)])
  func option(backend: Backend, c: (pattern: String, option: Pattern.Options, subject: String, expected: Range<Int>)) throws {
    let buffer = try backend.make(c.subject)
    #expect(try Pattern(c.pattern, options: c.option).firstMatch(in: buffer)?.range == c.expected)
    #expect(try Pattern(c.pattern, options: c.option).firstMatch(in: c.subject)?.range == c.expected)
    // Without the option the same search finds something else (or nothing).
    #expect(try Pattern(c.pattern, options: []).firstMatch(in: buffer)?.range != c.expected)
  }

  @Test func wholeLinesWinsOverWholeWords() throws {
    let p = try Pattern("foo", options: [.wholeWords, .wholeLines])
    #expect(try p.firstMatch(in: "foo bar") == nil)
    #expect(try p.firstMatch(in: "foo")?.range == 0..<3)
  }

  @Test("literal text is escaped byte by byte when wrapped", arguments: [
    #"a\Eb"#, #"\Q(x)\E"#, "a+b?", "tab\there", "nul\u{0}byte", "# not a comment", "$^.*[]{}|()",
  ])
  func wrappedLiteral(text: String) throws {
    for options: Pattern.Options in [[.literal, .wholeWords], [.literal, .wholeLines], [.literal, .wholeLines, .extended]] {
      let p = try Pattern(text, options: options)
      #expect(try p.firstMatch(in: text)?.range == 0..<text.utf8.count)
      #expect(try p.firstMatch(in: "x" + text + "x") == nil)
    }
    #expect(try Pattern(text, options: .literal).firstMatch(in: "..." + text)?.range == 3..<(3 + text.utf8.count))
  }

  @Test func anyOfJoinsAlternatives() throws {
    let p = try Pattern(anyOf: [Array("cat".utf8), Array("d.g".utf8)])
    #expect(try p.matches(in: "cat dog dig").collect().map(\.range) == [0..<3, 4..<7, 8..<11])
  }

  @Test func anyOfLiteralIsLeftmostLongest() throws {
    // grep -F -o -e ab -e abcd -e b on "abcd xb" prints abcd, b.
    let p = try Pattern(anyOf: [Array("ab".utf8), Array("abcd".utf8), Array("b".utf8)], options: .literal)
    #expect(try p.matches(in: "abcd xb").collect().map(\.range) == [0..<4, 6..<7])
    let dots = try Pattern(anyOf: [Array("a.".utf8)], options: .literal)
    #expect(try dots.firstMatch(in: "ab a.")?.range == 3..<5)
  }

  @Test func anyOfEdgeCases() throws {
    #expect(try Pattern(anyOf: []).firstMatch(in: "anything") == nil)
    #expect(try Pattern(anyOf: [[], Array("x".utf8)]).firstMatch(in: "abc")?.range == 0..<0)
    let words = try Pattern(anyOf: [Array("foo".utf8), Array("bar".utf8)], options: .wholeWords)
    #expect(try words.matches(in: "foobar bar foo").collect().map(\.range) == [7..<10, 11..<14])
    #expect {
      _ = try Pattern(anyOf: [Array("ok".utf8), Array("(bad".utf8)])
    } throws: { ($0 as? RegexError)?.kind == .compile }
  }

  @Test func patternFromBytes() throws {
    let p = try Pattern(bytes: [0x61, 0x00, 0x62])
    #expect(try p.firstMatch(in: [0x78, 0x61, 0x00, 0x62])?.range == 1..<4)
  }

  @Test func newlineConventions() throws {
    let subject = "a\r\nb\rc\nd"
    // pcre2test /^/gm with newline=anycrlf: 0, 3, 5, 7.
    let anyCRLF = try Pattern("^", options: .multiline, newline: .anyCRLF)
    #expect(try anyCRLF.matches(in: subject).collect().map(\.range.lowerBound) == [0, 3, 5, 7])
    #expect(try Pattern("^", options: .multiline, newline: .lf).matches(in: subject).collect().map(\.range.lowerBound) == [0, 3, 7])
    #expect(try Pattern("^", options: .multiline, newline: .cr).matches(in: subject).collect().map(\.range.lowerBound) == [0, 2, 5])
    #expect(try Pattern("^", options: .multiline, newline: .crlf).matches(in: subject).collect().map(\.range.lowerBound) == [0, 3])
    #expect(try Pattern("^", options: .multiline, newline: .any).matches(in: subject).collect().map(\.range.lowerBound) == [0, 3, 5, 7])
  }
}

@Suite("Line-search fast path eligibility") struct FastPathTests {
  @Test("patterns that stay inside a line use the fast path", arguments: [
    "ERROR", #"\bfoo\b"#, #"status=5\d\d"#, "^a.*b$", #"(GET|POST) /api/v\d/\w+"#, #"\S+@\S+"#, #"\N+"#, "[a-z]+",
  ])
  func eligible(pattern: String) throws {
    #expect(try Pattern(pattern).lineFastPath)
    #expect(try Pattern(pattern, options: [.caseInsensitive, .utf, .wholeWords]).lineFastPath)
  }

  @Test("patterns that may cross or look past a line use the per-line loop", arguments: [
    #"a\sb"#, "[^x]", #"a\Wb"#, #"\x0a"#, "(?s)a.b", "(?is:a.b)", "(?<=a)b", "a(?=b)", #"\Aa"#, "a++",
    "(?>a)", "(*SKIP)a", #"[\t-~]"#, "[[:space:]]", #"\p{Cc}"#, #"\Ka"#, #"\Ra"#, #"\N{U+0A}"#, #"\Ga"#,
    "[[:ascii:]]", "[\u{1}-~]",
  ])
  func notEligible(pattern: String) throws {
    #expect(try !Pattern(pattern, options: .utf).lineFastPath)
  }

  @Test func optionsAndNewlines() throws {
    #expect(try !Pattern("a.b", options: .dotMatchesNewlines).lineFastPath)
    #expect(try !Pattern("ab", newline: .crlf).lineFastPath)
    #expect(try Pattern("a+b(", options: .literal).lineFastPath)
    #expect(try !Pattern(anyOf: [Array("a\nb".utf8)], options: .literal).lineFastPath)
    #expect(try !Pattern("a\nb", options: .literal).lineFastPath)
    #expect(try Pattern(anyOf: [Array("a".utf8), Array("b".utf8)]).lineFastPath)
    #expect(try !Pattern(anyOf: [Array("a".utf8), Array(#"b\s"#.utf8)]).lineFastPath)
  }
}

@Suite("Compile error offsets") struct CompileErrorOffsetTests {
  func failure(_ make: () throws -> Pattern) -> RegexError? {
    do { _ = try make(); return nil } catch { return error as? RegexError }
  }

  @Test func wrappedPatternOffsetsAreInTheUsersText() throws {
    // Same message as grep -P -w 'a(' ("missing closing parenthesis"); offset within "a(".
    let e = try #require(failure { try Pattern("a(", options: .wholeWords) })
    #expect(e.message == "missing closing parenthesis" && e.offset == 2 && e.pattern == "a(")
    let x = try #require(failure { try Pattern("ab[", options: .wholeLines) })
    #expect(x.message == "missing terminating ] for character class" && x.offset == 3)
  }

  @Test func alternativeOffsetsNameTheAlternative() throws {
    let e = try #require(failure { try Pattern(anyOf: [Array("ok".utf8), Array("x{2,1}".utf8)]) })
    #expect(e.message == "numbers out of order in {} quantifier" && e.offset == 5 && e.pattern == "x{2,1}")
  }
}
