@testable import RegexSearch
import ByteBuffer
import TestSupport
import Testing

/// Correctness of the speed-ups (never timings): the line iterator's
/// look-ahead batches, the fast path that trusts a multiline match inside a
/// line, and the vectorised kernels at every alignment.
@Suite("Performance paths stay exact") struct PerformanceTests {
  @Test("the iterator delivers the lines before a failing line, then throws, and throws again on retry",
        arguments: Backend.allCases)
  func deferredError(backend: Backend) throws {
    let p = try Pattern("(a+)+$|ok", limits: .init(matchLimit: 100_000))
    let lines = (1...5).map { "ok \($0)" } + [String(repeating: "a", count: 5_000) + "b"] + ["ok 7"]
    let buffer = try backend.make(Array(lines.joined(separator: "\n").utf8))
    var iterator = p.matchingLines(in: buffer).makeIterator()
    var numbers: [Int] = []
    for _ in 0..<5 { numbers.append(try #require(try iterator.next()).number) }
    #expect(numbers == [1, 2, 3, 4, 5])
    #expect(throws: RegexError.self) { _ = try iterator.next() }
    #expect(throws: RegexError.self) { _ = try iterator.next() }
  }

  @Test("the iterator equals forEach over many lines", arguments: Backend.allCases)
  func iteratorEqualsForEach(backend: Backend) throws {
    let text = (0..<3_000).map { $0 % 3 == 0 ? "line \($0) has ERROR" : "line \($0)" }.joined(separator: "\n")
    let buffer = try backend.make(Array(text.utf8))
    for source in ["ERROR", #"\d{3}"#, "^line 1"] {
      let p = try Pattern(source)
      var viaIterator: [LineMatch] = []
      var iterator = p.matchingLines(in: buffer).makeIterator()
      while let line = try iterator.next() { viaIterator.append(line) }
      var viaForEach: [LineMatch] = []
      try p.forEachLine(in: buffer) { line in viaForEach.append(line); return true }
      #expect(viaIterator == viaForEach, "pattern \(source)")
    }
    #expect(try Pattern("ERROR").countMatchingLines(in: buffer) == 1_000)
    #expect(try Pattern(#"\d{3}"#).countMatchingLines(in: buffer) == 2_900)
  }

  @Test("a multiline match inside a line selects the line, as matching it alone does")
  func trustedMultilineMatch() throws {
    // Anchors and \b at line ends, an empty match, a match at the very end.
    let text = "ab\ncab\nab c\n\nx ab\nab"
    let cases: [(String, [Int])] = [
      ("^ab", [1, 3, 6]), ("ab$", [1, 2, 5, 6]), (#"\bab\b"#, [1, 3, 5, 6]), ("^$", [4]), ("^", [1, 2, 3, 4, 5, 6]),
      ("c?ab", [1, 2, 3, 5, 6]), (#"\Bab"#, [2]),
    ]
    for (source, expected) in cases {
      let p = try Pattern(source)
      #expect(p.lineFastPath, "pattern \(source)")
      #expect(try p.matchingLines(in: text).collect().map(\.number) == expected, "pattern \(source)")
      #expect(try p.countMatchingLines(in: text) == expected.count, "pattern \(source)")
      #expect(try p.countMatchingLines(in: text, inverted: true) == 6 - expected.count, "pattern \(source)")
    }
  }

  @Test("the multi-literal kernel finds needles at every alignment and at the very end",
        arguments: [false, true])
  func kernelAlignments(caseless: Bool) throws {
    let needle = caseless ? "NeEdLe" : "needle"
    let options: Pattern.Options = caseless ? [.caseInsensitive] : []
    let p = try Pattern("needle|other", options: options)
    #expect(p.storage.prefilter != nil)
    for length in [5, 6, 31, 32, 33, 63, 64, 65, 100] {
      for at in stride(from: 0, through: max(0, length - 6), by: 1) {
        var bytes = [UInt8](repeating: UInt8(ascii: "n"), count: length)
        if at + 6 <= length { bytes.replaceSubrange(at..<(at + 6), with: Array(needle.utf8)) }
        let expected = at + 6 <= length ? 1 : 0
        #expect(try p.countMatchingLines(in: bytes) == expected, "length \(length) at \(at)")
      }
    }
  }
}
