import ByteBuffer
@testable import RegexSearch
import Testing

/// Inputs found by `scripts/fuzz.sh` (Fuzz/Sources/FuzzRegex), replayed. The
/// base64 inputs quoted below are in FuzzRegex's first layout, without the
/// mode and range bytes; their copies in Fuzz/Corpus/FuzzRegex (`regression-*`)
/// have two zero bytes inserted after the first two.
@Suite("Reliability: regex fuzz regressions")
struct ReliabilityRegexFuzzRegressionTests {
  /// FuzzRegex crash-68907f59 (input `GQAAAAABAAqf`): the empty pattern with
  /// `[.caseInsensitive, .extended, .utf]` over `00 00 01 00 0A 9F` (a stray
  /// UTF-8 continuation byte at the end). The serial search finds no empty
  /// match at offset 5, where the invalid byte starts (PCRE2's
  /// `PCRE2_MATCH_INVALID_UTF` moves past it), but counting on 2 threads with
  /// chunks split after the "\n" counts one there: the empty match at the end
  /// of the first chunk. Fixed: the serial loop's advance after the empty match
  /// at 4 skips the continuation byte, so the second chunk is counted again
  /// from 6, where the serial loop goes on.
  @Test("parallel count equals serial count for empty matches around invalid UTF-8", arguments: [1, 2, 3, 5, 64])
  func emptyPatternInvalidUTF8(chunk: Int) throws {
    let pattern = try Pattern("", options: [.caseInsensitive, .extended, .utf])
    let subject: [UInt8] = [0x00, 0x00, 0x01, 0x00, 0x0A, 0x9F]
    let serial = try pattern.matches(in: subject).collect().map(\.range)
    #expect(serial == [0..<0, 1..<1, 2..<2, 3..<3, 4..<4, 6..<6])
    #expect(try pattern.count(in: subject) == 6)
    for parallelism in [2, 3, 8] {
      #expect(try pattern.count(in: .bytes(subject), parallelism: parallelism, minimumChunk: chunk) == 6)
    }
  }

  /// FuzzRegex crash-71c0378e (`FUZZ_SEED=1 FUZZ_RUNS=4000`, the CI run): the
  /// same empty pattern over 65 bytes with stray bytes 0x8D, 0xF8 and 0x9F,
  /// searched with a budget in windows of 1 byte, found more matches than the
  /// plain search: a window starting after "\n" right before a stray 0x9F
  /// started a fresh search there and matched the empty string at 0x9F, where
  /// the serial loop (after its empty match at the "\n") never attempts. Fixed:
  /// the next window starts where the serial loop would attempt next.
  @Test("budgeted matches in tiny windows equal the plain matches around invalid UTF-8", arguments: [1, 2, 7, 64])
  func budgetedEmptyMatchesInvalidUTF8(window: Int) throws {
    let pattern = try Pattern("", options: [.caseInsensitive, .extended, .utf])
    var crash = [UInt8](repeating: 0, count: 65)
    crash[7] = 0x8D
    crash[21] = 0xF8
    crash[61] = 0x01
    crash[63] = 0x0A
    crash[64] = 0x9F
    for subject in [[0x00, 0x00, 0x01, 0x00, 0x0A, 0x9F], crash] {
      let plain = try pattern.matches(in: subject).collect().map(\.range)
      var budget = SearchBudget(byteLimit: Int.max / 2)
      budget.maximumWindow = window
      let buffer = HeapByteBuffer(subject)
      let budgeted = try pattern.matches(in: buffer, budget: budget).collect().map(\.range)
      #expect(budgeted == plain)
      #expect(!plain.contains(subject.count - 1..<subject.count - 1))  // none at the stray 0x9F
    }
  }

  /// FuzzRegex crash-450d251b: deleting every match (an empty template)
  /// must remove exactly the bytes `matches(in:)` reports. The pattern is
  /// `(?:|\0\x08\x08\0\x08|\0)` (raw bytes), so after each empty match the
  /// non-empty retry at the same offset (PCRE2's NOTEMPTY_ATSTART|ANCHORED
  /// rule) matches a NUL: `matches` reports the NULs at 1, 3 and 7, but
  /// `replacing` deleted only the one at 7 (`pcre2_substitute`'s global loop).
  /// Fixed: replacement follows our own match loop.
  @Test("replacing with nothing removes exactly the matched bytes")
  func replacingRemovesExactlyTheMatches() throws {
    let pattern = try Pattern(bytes: [0x7C, 0x00, 0x08, 0x08, 0x00, 0x08, 0x7C, 0x00],
                              options: [.caseInsensitive, .multiline, .utf], newline: .any)
    let subject: [UInt8] = [0x7C, 0x00, 0x7C, 0x00, 0x7C, 0xB8, 0x80, 0x00, 0x28]
    #expect(try pattern.matches(in: subject).collect().map(\.range)
      == [0..<0, 1..<1, 1..<2, 2..<2, 3..<3, 3..<4, 4..<4, 7..<7, 7..<8, 8..<8, 9..<9])
    let replaced = try pattern.replacing(in: subject, with: "").withUnsafeBytes { Array($0) }
    #expect(replaced == [0x7C, 0x7C, 0x7C, 0xB8, 0x80, 0x28])
    #expect(try pattern.replacing(in: subject, with: "<$0>").withUnsafeBytes { Array($0) }
      == Array("<>|<><\u{0}><>|<><\u{0}><>|".utf8) + [0xB8, 0x80] + Array("<><\u{0}><>(<>".utf8))
    // Without the invalid bytes and the options, for comparison.
    let plain = try Pattern("|\u{0}")
    #expect(try plain.matches(in: [0x41, 0x00, 0x42]).collect().map(\.range) == [0..<0, 1..<1, 1..<2, 2..<2, 3..<3])
    #expect(try plain.replacing(in: [0x41, 0x00, 0x42], with: "").withUnsafeBytes { Array($0) } == [0x41, 0x42])
    // The smallest case: .utf, and an invalid byte anywhere in the subject.
    let utf = try Pattern("|\u{0}", options: .utf)
    #expect(try utf.replacing(in: [0x41, 0x00, 0x42, 0x00], with: "").withUnsafeBytes { Array($0) } == [0x41, 0x42])
    #expect(try utf.matches(in: [0x41, 0x00, 0xB8, 0x00]).collect().map(\.range)
      == [0..<0, 1..<1, 1..<2, 2..<2, 3..<3, 3..<4, 4..<4])
    let utfReplaced = try utf.replacing(in: [0x41, 0x00, 0xB8, 0x00], with: "").withUnsafeBytes { Array($0) }
    #expect(utfReplaced == [0x41, 0xB8])
    // maxReplacements counts the same matches.
    #expect(try utf.replacing(in: [0x41, 0x00, 0xB8, 0x00], with: "-", maxReplacements: 3).withUnsafeBytes { Array($0) }
      == [0x2D, 0x41, 0x2D, 0x2D, 0xB8, 0x00])
  }
}

/// FuzzRegex crash-1961c21b (the `regression-binary-nul-after-range` seed):
/// binary detection over a range whose last line's read reaches past the
/// range's end, to a NUL there. grep's rule makes that line binary whether or
/// not it is selected, but the scan looked past the range only for lines it
/// had selected: `[0-9][a-f]{2}` with `.wholeLines` selects no line of
/// 4..<22, and the search reported no binary data, while the inverted search
/// (which selects the last line) reported it at 18. A scan that checks ahead
/// (no prefilter, no fast path) looked up to a window past the range and could
/// report binary data that starts after the range.
@Suite("Reliability: binary detection at a range's end")
struct ReliabilityBinaryRangeEndTests {
  // Lines: "0ab" 0, "9ff x" 4, "nothing" 10, "1fg" 18, "" 22, "2cd\0" 23, "3ee" 28.
  let subject = Array("0ab\n9ff x\nnothing\n1fg\n\n2cd\u{0}\n3ee\n".utf8)

  @Test("the range's last line is binary when its read holds a NUL past the range", arguments: [1, 2, 3])
  func nulPastTheRangeInTheLastRead(parallelism: Int) throws {
    let pattern = try Pattern("[0-9][a-f]{2}", options: .wholeLines)
    let buffer = HeapByteBuffer(subject, readOnly: true)
    // Reads of 7: "1fg\n" ends at 21, in the read 21..<28, which holds the NUL at 26.
    let reads7 = BinaryDetection.stopAtNUL(readSize: 7)
    #expect(try pattern.countMatchingLines(in: buffer, within: 4..<22, parallelism: parallelism, binaryDetection: reads7)
      == LineCount(selected: 0, binaryOffset: 18))
    #expect(try pattern.countMatchingLines(in: buffer, within: 4..<22, inverted: true, parallelism: parallelism,
                                           binaryDetection: reads7)
      == LineCount(selected: 2, binaryOffset: 18))
    var lines = pattern.matchingLines(in: buffer, within: 4..<22, firstLineNumber: 2, parallelism: parallelism,
                                      binaryDetection: reads7).makeIterator()
    #expect(try lines.next() == nil)
    #expect(lines.binaryOffset == 18)
    #expect(lines.nextLineNumber == 4)
    var inverted = pattern.matchingLines(in: buffer, within: 4..<22, firstLineNumber: 2, inverted: true,
                                         parallelism: parallelism, binaryDetection: reads7).makeIterator()
    #expect(try inverted.next() == LineMatch(number: 2, range: 4..<9))
    #expect(try inverted.next() == LineMatch(number: 3, range: 10..<17))
    #expect(try inverted.next() == nil)
    #expect(inverted.binaryOffset == 18)
    // Reads of 4: "1fg\n" ends in the read 20..<24; the NUL is in a later one.
    let reads4 = BinaryDetection.stopAtNUL(readSize: 4)
    #expect(try pattern.countMatchingLines(in: buffer, within: 4..<22, inverted: true, parallelism: parallelism,
                                           binaryDetection: reads4)
      == LineCount(selected: 3, binaryOffset: nil))
    #expect(try pattern.countMatchingLines(in: buffer, within: 4..<22, parallelism: parallelism, binaryDetection: reads4)
      == LineCount(selected: 0, binaryOffset: nil))
  }

  @Test("a NUL beyond the last line's read is not binary data of the range")
  func nulFarPastTheRange() throws {
    // A lookbehind: no prefilter and no fast path, so the scan checks ahead for NUL.
    let pattern = try Pattern("(?<![a-z])\\d")
    #expect(pattern.storage.prefilter == nil)
    #expect(!pattern.lineFastPath)
    let bytes = Array("ab1\n7 x\n".utf8) + Array(repeating: UInt8(ascii: "y"), count: 40) + [0x0A, 0x00, 0x0A]
    let buffer = HeapByteBuffer(bytes, readOnly: true)
    let reads8 = BinaryDetection.stopAtNUL(readSize: 8)
    #expect(try pattern.countMatchingLines(in: buffer, within: 0..<8, binaryDetection: reads8)
      == LineCount(selected: 1, binaryOffset: nil))
    var lines = pattern.matchingLines(in: buffer, within: 0..<8, binaryDetection: reads8).makeIterator()
    #expect(try lines.next() == LineMatch(number: 2, range: 4..<7))
    #expect(try lines.next() == nil)
    #expect(lines.binaryOffset == nil)
    #expect(lines.nextLineNumber == 3)
    // The whole buffer: the NUL's read (48..<56) begins inside the "y" line, so that line starts the binary part.
    #expect(try pattern.countMatchingLines(in: buffer, binaryDetection: reads8) == LineCount(selected: 1, binaryOffset: 8))
  }
}

/// FuzzRegex crash-fed4c109 (the `regression-binary-unterminated-line-number`
/// seed): `HHHHHHH` with `[.caseInsensitive, .multiline]` over one
/// unterminated line holding NULs. The line is selected, then found binary,
/// and the scan steps back to its start, uncounting the lines it passed by
/// their newlines: the unterminated line has none, so `nextLineNumber` stayed
/// one too high (2 instead of 1).
@Suite("Reliability: line numbers after binary data")
struct ReliabilityBinaryLineNumberTests {
  @Test("stepping back over an unterminated binary line uncounts it", arguments: [1, 2])
  func unterminatedBinaryLine(parallelism: Int) throws {
    let pattern = try Pattern("HHHHHHH", options: [.caseInsensitive, .multiline])
    let subject = Array("HHHHHHHH".utf8) + [UInt8](repeating: 0, count: 15) + [0xF9, 0x00]
    let buffer = HeapByteBuffer(subject, readOnly: true)
    for readSize in [1, 64] {
      var lines = pattern.matchingLines(in: buffer, parallelism: parallelism,
                                        binaryDetection: .stopAtNUL(readSize: readSize)).makeIterator()
      #expect(try lines.next() == nil)
      #expect(lines.binaryOffset == 0)
      #expect(lines.nextLineNumber == 1)
    }
    // After a text line: the binary one is line 2, and the search ends before it.
    let two = HeapByteBuffer(Array("hhhhhhh\n".utf8) + subject, readOnly: true)
    var lines = pattern.matchingLines(in: two, parallelism: parallelism,
                                      binaryDetection: .stopAtNUL(readSize: 8)).makeIterator()
    #expect(try lines.next() == LineMatch(number: 1, range: 0..<7))
    #expect(try lines.next() == nil)
    #expect(lines.binaryOffset == 8)
    #expect(lines.nextLineNumber == 2)
  }
}
