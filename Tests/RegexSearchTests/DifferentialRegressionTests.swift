import ByteBuffer
@testable import RegexSearch
import TestSupport
import Testing

/// Mismatches the differential check (`scripts/regexdiff.sh`) found between
/// RegexSearch and plain PCRE2 front ends, replayed. Expected values are what
/// pcre2ref (pcre2demo's loop) prints for the same pattern, options and bytes.
@Suite("Differential regressions (scripts/regexdiff.sh)")
struct DifferentialRegressionTests {
  /// Whole-buffer counts: serial, and parallel with chunks small enough that
  /// every line is a chunk.
  static func counts(_ pattern: Pattern, _ buffer: some MutableByteBuffer) throws -> [Int] {
    var all = [try pattern.count(in: buffer)]
    for (parallelism, chunk) in [(2, 1), (3, 1), (8, 1), (8, 5)] {
      all.append(try pattern.count(in: .buffer(buffer), parallelism: parallelism, minimumChunk: chunk))
    }
    return all
  }

  /// pcre2_jit_match ignores a match-time PCRE2_ANCHORED, so the retry after an
  /// empty match searched on: after the empty match at 1 it found `\n` at 2,
  /// inside the CR LF the serial rule skips whole.
  @Test("the retry after an empty match is anchored with JIT too", arguments: Backend.allCases, [true, false])
  func retryIsAnchored(backend: Backend, jit: Bool) throws {
    let pattern = try Pattern(#"x*|\n"#, newline: .crlf, jit: jit)
    let buffer = try backend.make(Array("a\r\nb".utf8))
    #expect(try pattern.matches(in: buffer).collect().map(\.range) == [0..<0, 1..<1, 3..<3, 4..<4])
    #expect(try Self.counts(pattern, buffer) == [4, 4, 4, 4, 4])
    #expect(try pattern.replacing(in: buffer, with: "-").withUnsafeBytes { Array($0) } == Array("-a-\r\n-b-".utf8))
  }

  /// PCRE2 10.42's interpreter, with PCRE2_MATCH_INVALID_UTF, answers an
  /// anchored retry at 1 with a match at 10, in the next valid fragment after
  /// the invalid 0xC3; the matches at 8 were lost (and JIT, searching on, found
  /// them by luck).
  @Test("an anchored retry never jumps over an invalid UTF-8 byte", arguments: Backend.allCases, [true, false])
  func retryStaysBeforeInvalidUTF8(backend: Backend, jit: Bool) throws {
    let pattern = try Pattern("(?m)$", options: .utf, jit: jit)
    let buffer = try backend.make([0x78, 0x0A, 0x61, 0x62, 0xC3, 0xA9, 0x63, 0x64, 0x0A, 0xC3, 0x0A, 0x7A])
    #expect(try pattern.matches(in: buffer).collect().map(\.range) == [1..<1, 8..<8, 10..<10, 12..<12])
    #expect(try Self.counts(pattern, buffer) == [4, 4, 4, 4, 4])
  }

  /// A fixed string holding "\n" was counted with the line prefilter, which
  /// never looks at a match that starts on the previous line's newline.
  @Test("a fixed string with a newline is counted across lines", arguments: Backend.allCases)
  func literalWithNewline(backend: Backend) throws {
    let buffer = try backend.make(Array("rec0\nrec1\n".utf8))
    let pattern = try Pattern("\nrec1", options: .literal)
    #expect(!pattern.lineFastPath)
    #expect(try Self.counts(pattern, buffer) == [1, 1, 1, 1, 1])
    let caseless = try Pattern("\nREC1", options: [.literal, .caseInsensitive, .utf])
    #expect(try Self.counts(caseless, buffer) == [1, 1, 1, 1, 1])
    #expect(try caseless.matches(in: buffer).collect().map(\.range) == [4..<9])
  }

  /// `[[:ascii:]]` and a class range from a raw control byte hold "\n", so the
  /// prefiltered count (which searches only lines holding "ab") missed the
  /// match that starts on the newline before "ab".
  @Test("classes that hold a newline keep the count off the line prefilter", arguments: Backend.allCases)
  func classesHoldingNewline(backend: Backend) throws {
    let buffer = try backend.make(Array("xx\nab\n".utf8))
    for text in ["[[:ascii:]]ab", "[\u{1}-~]ab"] {
      let pattern = try Pattern(text)
      #expect(!pattern.lineFastPath, "\(text)")
      #expect(try Self.counts(pattern, buffer) == [1, 1, 1, 1, 1], "\(text)")
      #expect(try pattern.matches(in: buffer).collect().map(\.range) == [2..<5], "\(text)")
      #expect(try pattern.countMatchingLines(in: buffer) == 0, "\(text)")
    }
  }

  /// After a failed `(*COMMIT)` the serial search is over: the "ab" on line 3
  /// is never reached. Chunks searched from their own starts found it.
  @Test("(*COMMIT) and (*SKIP) patterns are counted serially", arguments: Backend.allCases)
  func commitIsNotSplit(backend: Backend) throws {
    let buffer = try backend.make(Array("ab\nac\nab\n".utf8))
    let pattern = try Pattern("a(*COMMIT)b")
    #expect(try pattern.matches(in: buffer).collect().map(\.range) == [0..<2])
    #expect(try Self.counts(pattern, buffer) == [1, 1, 1, 1, 1])
    // Lines are separate subjects, as in grep: lines 1 and 3 match.
    #expect(try pattern.matchingLines(in: buffer).collect().map(\.number) == [1, 3])
  }

  /// A match whose attempt starts before a chunk's end but whose `\K` start is
  /// past it belongs to the chunk where the attempt started.
  @Test("\\K matches that start past a chunk seam are counted once", arguments: Backend.allCases)
  func resetMatchStartAtSeam(backend: Backend) throws {
    let buffer = try backend.make(Array("a\nb\n".utf8))
    let crossing = try Pattern(#"a\n\Kb"#)
    #expect(try crossing.matches(in: buffer).collect().map(\.range) == [2..<3])
    #expect(try Self.counts(crossing, buffer) == [1, 1, 1, 1, 1])
    // An empty match at the seam: the retry there belongs to the serial loop.
    let empty = try Pattern(#"\n\K"#)
    #expect(try empty.matches(in: buffer).collect().map(\.range) == [2..<2, 4..<4])
    #expect(try Self.counts(empty, buffer) == [2, 2, 2, 2, 2])
    // An empty match at the very end, from an attempt in the first chunk, ends the search.
    let toEnd = try Pattern(#"a[\s\S]*\K|\z"#)
    let lines = try backend.make(Array("ab\ncd\n".utf8))
    #expect(try toEnd.matches(in: lines).collect().map(\.range) == [6..<6])
    #expect(try Self.counts(toEnd, lines) == [1, 1, 1, 1, 1])
    #expect(try toEnd.matchingLines(in: lines).collect().map(\.number) == [1, 2])
  }
}
