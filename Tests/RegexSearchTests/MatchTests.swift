import ByteBuffer
@testable import RegexSearch
import TestSupport
import Testing

@Suite("Matching over buffers") struct MatchTests {
  // Expected offsets below come from `pcre2test` with /g,aftertext (PCRE2 10.42).
  @Test("empty matches advance by PCRE2's rule", arguments: Backend.allCases)
  func emptyMatches(backend: Backend) throws {
    #expect(try ranges(Pattern("a*"), backend.make("aaa")) == [0..<3, 3..<3])
    #expect(try ranges(Pattern("a*"), backend.make("baaab")) == [0..<0, 1..<4, 4..<4, 5..<5])
    #expect(try ranges(Pattern("x*"), backend.make("abc")) == [0..<0, 1..<1, 2..<2, 3..<3])
    #expect(try ranges(Pattern("x*"), backend.make("")) == [0..<0])
    #expect(try ranges(Pattern("x"), backend.make("")) == [])
  }

  @Test("an empty buffer is a subject of length 0 for every API", arguments: Backend.allCases, [true, false])
  func emptyBuffer(backend: Backend, jit: Bool) throws {
    let empty = try backend.make("")
    let anything = try Pattern("x*", jit: jit)
    #expect(try anything.firstMatch(in: empty)?.range == 0..<0)
    #expect(try anything.contains(in: empty))
    #expect(try anything.count(in: empty) == 1)
    #expect(try anything.count(in: .buffer(empty), parallelism: 4, minimumChunk: 1) == 1)
    #expect(try anything.replacing(in: empty, with: "-").withUnsafeBytes { Array($0) } == [0x2D])
    #expect(try anything.matchingLines(in: empty, parallelism: 2).collect().isEmpty)
    let letter = try Pattern("x", jit: jit)
    #expect(try letter.firstMatch(in: empty) == nil)
    #expect(try !empty.contains(letter))
    #expect(try letter.count(in: empty, parallelism: 2) == 0)
  }

  @Test("after an empty match, CRLF is skipped whole and UTF-8 characters are not split", arguments: Backend.allCases)
  func emptyMatchAdvance(backend: Backend) throws {
    // pcre2test /(?:)/g,newline=crlf on a\r\nb: 0, 1, 3, 4.
    #expect(try ranges(Pattern("(?:)", newline: .crlf), backend.make("a\r\nb")) == [0..<0, 1..<1, 3..<3, 4..<4])
    #expect(try ranges(Pattern("(?:)", newline: .lf), backend.make("a\r\nb")) == [0..<0, 1..<1, 2..<2, 3..<3, 4..<4])
    // pcre2test /(?:)/g,utf on \x{e9}x: 0, 2, 3.
    #expect(try ranges(Pattern("(?:)", options: .utf), backend.make("éx")) == [0..<0, 2..<2, 3..<3])
    #expect(try ranges(Pattern("(?:)"), backend.make("éx")) == [0..<0, 1..<1, 2..<2, 3..<3])
  }

  @Test("captures by number and by name", arguments: Backend.allCases)
  func captures(backend: Backend) throws {
    let buffer = try backend.make("on 2024-05 and z")
    let p = try Pattern(#"(?<y>\d{4})-(?<m>\d\d)|(z)"#)
    let all = try p.matches(in: buffer).collect()
    #expect(all.count == 2)
    #expect(all[0].range == 3..<10)
    #expect(all[0].range(at: 1) == 3..<7)
    #expect(all[0].range(named: "m") == 8..<10)
    #expect(all[0].range(at: 3) == nil)
    #expect(all[1].range == 15..<16)
    #expect(all[1].range(named: "y") == nil)
    #expect(all[1].range(at: 3) == 15..<16)
    #expect(all[1].range(named: "nope") == nil)
    #expect(try all[0].string(in: buffer) == "2024-05")
    #expect(try all[1].bytes(in: buffer) == [0x7A])
    // Groups' bytes and text on demand.
    #expect(try all[0].string(at: 1, in: buffer) == "2024")
    #expect(try all[0].bytes(named: "m", in: buffer) == [0x30, 0x35])
    #expect(try all[0].string(named: "y", in: buffer) == "2024")
    #expect(try all[0].string(at: 0, in: buffer) == "2024-05")
    #expect(try all[0].bytes(at: 3, in: buffer) == nil)
    #expect(try all[1].string(named: "y", in: buffer) == nil)
    #expect(try all[1].string(named: "nope", in: buffer) == nil)
    #expect(try all[1].bytes(at: 3, in: buffer) == [0x7A])
  }

  @Test func duplicateNamesPickTheGroupThatMatched() throws {
    let p = try Pattern(#"(?J)(?<n>a)|(?<n>b)"#)
    #expect(try p.firstMatch(in: "b")?.range(named: "n") == 0..<1)
    #expect(p.captureNumber(named: "n") == 1)
  }

  @Test("firstMatch from an offset sees the bytes before it", arguments: Backend.allCases)
  func firstMatchFrom(backend: Backend) throws {
    let buffer = try backend.make("foo foobar foo")
    let word = try Pattern(#"\bfoo\b"#)
    #expect(try word.firstMatch(in: buffer)?.range == 0..<3)
    #expect(try word.firstMatch(in: buffer, from: 1)?.range == 11..<14)
    #expect(try word.firstMatch(in: buffer, from: 14) == nil)
    #expect(try buffer.firstMatch(of: word)?.range == 0..<3)
  }

  @Test("within: the range is the entire subject; offsets stay absolute", arguments: Backend.allCases)
  func within(backend: Backend) throws {
    let buffer = try backend.make("xxabc\nabcxx")
    let anchored = try Pattern("^abc$")
    #expect(try anchored.firstMatch(in: buffer) == nil)
    #expect(try anchored.firstMatch(in: buffer, within: 2..<5)?.range == 2..<5)
    #expect(try anchored.firstMatch(in: buffer, within: 6..<9)?.range == 6..<9)
    #expect(try Pattern("(?<=x)abc").firstMatch(in: buffer, within: 2..<5) == nil)
    #expect(try ranges(Pattern("b"), buffer) == [3..<4, 7..<8])
    #expect(try Pattern("b").matches(in: buffer, within: 6..<11).collect().map(\.range) == [7..<8])
    #expect(try Pattern("c").firstMatch(in: buffer, within: 2..<9, from: 5)?.range == 8..<9)
  }

  @Test("within a range past the end throws", arguments: Backend.allCases)
  func withinPastEnd(backend: Backend) throws {
    let buffer = try backend.make("abc")
    #expect {
      _ = try Pattern("a").firstMatch(in: buffer, within: 0..<10)
    } throws: { ($0 as? RegexError)?.bufferError == .outOfRange(operation: "search", offset: 0, length: 10, count: 3) }
  }

  @Test("contains, count and the buffer mirrors", arguments: Backend.allCases)
  func containsAndCount(backend: Backend) throws {
    let buffer = try backend.make("one two three two")
    let two = try Pattern("two")
    #expect(try two.contains(in: buffer))
    #expect(try buffer.contains(two))
    #expect(try !buffer.contains(Pattern("four")))
    #expect(try two.count(in: buffer) == 2)
    #expect(try Pattern("a*").count(in: buffer) == 18)
    var iterator = buffer.matches(of: two).makeIterator()
    #expect(try iterator.next()?.range == 4..<7)
    #expect(try iterator.next()?.range == 14..<17)
    #expect(try iterator.next() == nil)
    #expect(try iterator.next() == nil)
  }

  @Test("forEach stops when the body returns false", arguments: Backend.allCases)
  func forEachStops(backend: Backend) throws {
    let buffer = try backend.make("a1 a2 a3 a4")
    var seen: [Range<Int>] = []
    try Pattern(#"a\d"#).matches(in: buffer).forEach { m in
      seen.append(m.range)
      return seen.count < 2
    }
    #expect(seen == [0..<2, 3..<5])
  }

  @Test("invalid UTF-8 and NUL bytes in the subject with .utf", arguments: Backend.allCases)
  func invalidUTF8(backend: Backend) throws {
    // pcre2test /./g,utf,match_invalid_utf on a\xffb\x{e9}: a, b, é (0, 2, 3..<5).
    let buffer = try backend.make([0x61, 0xFF, 0x62, 0xC3, 0xA9])
    #expect(try ranges(Pattern(".", options: .utf), buffer) == [0..<1, 2..<3, 3..<5])
    let withNUL = try backend.make([0x6F, 0x6B, 0x00, 0xC0, 0x80, 0x6F, 0x6B, 0x0A, 0xF0, 0x9F, 0x98, 0x80])
    #expect(try ranges(Pattern("ok", options: .utf), withNUL) == [0..<2, 5..<7])
    #expect(try ranges(Pattern(#"\x{0}"#, options: .utf), withNUL) == [2..<3])
    #expect(try ranges(Pattern(#"\x{1F600}"#, options: .utf), withNUL) == [8..<12])
    #expect(try ranges(Pattern("ok.", options: [.utf, .dotMatchesNewlines]), withNUL) == [0..<3, 5..<8])
    // Without .utf, bytes are characters.
    #expect(try ranges(Pattern("."), buffer) == [0..<1, 1..<2, 2..<3, 3..<4, 4..<5])
  }

  @Test("word boundaries without UCP treat non-ASCII as non-word, as pcre2test does", arguments: Backend.allCases)
  func utfWords(backend: Backend) throws {
    // pcre2test /\b\w+\b/g,utf on héllo wörld: h, llo, w, rld.
    #expect(try ranges(Pattern(#"\b\w+\b"#, options: .utf), backend.make("héllo wörld")) == [0..<1, 3..<6, 7..<8, 10..<13])
  }

  @Test("CRLF files with each newline convention", arguments: Backend.allCases)
  func crlf(backend: Backend) throws {
    let buffer = try backend.make("ab\r\ncd\r\n")
    // pcre2test /$/gm,newline=crlf on a\r\nb: before the CRLF and at the end.
    #expect(try ranges(Pattern("$", options: .multiline, newline: .crlf), backend.make("a\r\nb")) == [1..<1, 4..<4])
    #expect(try ranges(Pattern("[a-z]$", options: .multiline, newline: .crlf), buffer) == [1..<2, 5..<6])
    #expect(try ranges(Pattern("[a-z]$", options: .multiline, newline: .anyCRLF), buffer) == [1..<2, 5..<6])
    #expect(try ranges(Pattern("[a-z]$", options: .multiline, newline: .lf), buffer) == [])
    #expect(try ranges(Pattern("\r$", options: .multiline, newline: .lf), buffer) == [2..<3, 6..<7])
    #expect(try ranges(Pattern("[a-z]$", options: .multiline, newline: .cr), buffer) == [1..<2, 5..<6])
    #expect(try ranges(Pattern("^.+$", options: .multiline, newline: .any), buffer) == [0..<2, 4..<6])
  }

  @Test("a closed buffer throws a buffer error", arguments: Backend.allCases)
  func closed(backend: Backend) throws {
    let buffer = try backend.make("abc")
    let path = buffer.path
    try buffer.close()
    #expect {
      _ = try Pattern("a").firstMatch(in: buffer)
    } throws: { error in
      guard let e = error as? RegexError else { return false }
      return e.kind == .buffer && e.bufferError == .closed(path: path) && e.code == 0
    }
    var iterator = try Pattern("a").matches(in: buffer).makeIterator()
    #expect(throws: RegexError.self) { _ = try iterator.next() }
    #expect(throws: RegexError.self) { _ = try Pattern("a").countMatchingLines(in: buffer) }
  }

  @Test func otherSubjects() throws {
    let p = try Pattern("b+")
    #expect(try p.firstMatch(in: "abbc")?.range == 1..<3)
    #expect(try p.firstMatch(in: Array("abbc".utf8), from: 2)?.range == 2..<3)
    #expect(try p.count(in: "b bb bbb") == 3)
    #expect(try p.count(in: Array("b bb".utf8)) == 2)
    #expect(try p.contains(in: "xbx"))
    #expect(try !p.contains(in: Array("xx".utf8)))
    #expect(try p.matches(in: "ab ab").collect().map(\.range) == [1..<2, 4..<5])
    #expect(try p.matches(in: Array("ab ab".utf8), within: 2..<5).collect().map(\.range) == [4..<5])
    let bytes: [UInt8] = Array("xbbx".utf8)
    try bytes.withUnsafeBytes { raw throws in
      #expect(try p.firstMatch(in: raw)?.range == 1..<3)
      #expect(try p.contains(in: raw))
      #expect(try p.count(in: raw) == 1)
      #expect(try p.matches(in: raw).collect().count == 1)
    }
    let empty: [UInt8] = []
    try empty.withUnsafeBytes { raw throws in
      #expect(try Pattern("").firstMatch(in: raw)?.range == 0..<0)
    }
  }

  @Test func matchesAreValues() throws {
    let p = try Pattern("(a)(b)?")
    let first = try #require(try p.firstMatch(in: "a"))
    let same = try #require(try p.firstMatch(in: "ab a", from: 3))
    let other = try #require(try p.firstMatch(in: "ab"))
    #expect(first.range == 0..<1)
    #expect(same.range == 3..<4)
    #expect(first != same)
    #expect(other.range(at: 2) == 1..<2)
    #expect(first.range(at: 2) == nil)
    #expect(first != other)
    #expect(Set([first, first, other]).count == 2)
  }
}
