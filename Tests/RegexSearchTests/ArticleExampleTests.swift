import ByteBuffer
import RegexSearch
import TestSupport
import Testing

/// The RegexSearch examples of the DocC articles (Getting started and Failure
/// behaviour in ByteBuffer.docc, Scanning logs fast in RegexSearch.docc), run
/// as written, with the values their comments promise.
@Suite("DocC article examples")
struct ArticleExampleTests {
  @Test("Getting started: a named group within the second line")
  func gettingStartedPattern() throws {
    let log = HeapByteBuffer("GET /a 200\nGET /b 404\nGET /c 200\n")
    let status = try Pattern(#"(?<code>[45]\d\d)$"#)
    let match = try #require(try status.firstMatch(in: log, within: 11..<21))
    #expect(match.range(named: "code") == 18..<21)
    #expect(try status.firstMatch(in: log, within: 0..<10) == nil)
  }

  static let log = """
    2026-11-26T01:07:02.504Z INFO  [http] GET /healthz status=200 dur_ms=12 ip=10.0.0.1 req=1
    2026-11-26T01:07:02.520Z ERROR [db] GET /api/v1/users/7 status=503 dur_ms=4100 ip=10.0.0.2 req=2
    2026-11-26T01:07:02.540Z INFO  [http] POST /api/v1/orders/9 status=201 dur_ms=30 ip=10.0.0.3 req=3
    2026-11-26T01:07:02.578Z WARN  [http] GET /metrics status=429 dur_ms=1234 ip=10.0.0.4 req=4

    """

  @Test("Scanning logs fast: the cheap questions", arguments: Backend.allCases)
  func cheapQuestions(backend: Backend) throws {
    let log = try backend.make(Self.log)
    let slow = try Pattern(#"dur_ms=\d{4,}"#)
    #expect(try slow.contains(in: log))
    #expect(try slow.countMatchingLines(in: log) == 2)
    #expect(try slow.count(in: log) == 2)
    #expect(try slow.matchingLines(in: log).collect().map(\.number) == [2, 4])
    let errors = try Pattern("ERROR")
    #expect(try errors.countMatchingLines(in: log, parallelism: 4) == 1)
    let both = try Pattern(#"ERROR .* dur_ms=\d{4,}"#)
    #expect(try both.countMatchingLines(in: log) == 1)
  }

  @Test("Scanning logs fast: lines from the line search, matched within each one", arguments: Backend.allCases)
  func forEachLineWithin(backend: Backend) throws {
    let log = try backend.make(Self.log)
    let slow = try Pattern(#"dur_ms=\d{4,}"#)
    var found: [String] = []
    try slow.forEachLine(in: log) { (line) throws(RegexError) -> Bool in
      if let match = try slow.firstMatch(in: log, within: line.range) {
        found.append("\(line.number) \(match.range)")
      }
      return true
    }
    #expect(found == ["2 157..<168", "4 348..<359"])
  }

  @Test("Scanning logs fast: the endpoint-stats walk over named groups", arguments: Backend.allCases)
  func namedGroupWalk(backend: Backend) throws {
    let log = try backend.make(Self.log)
    let pattern = try Pattern(
      #"\] (?<method>[A-Z]+) (?<path>/\S*?)(?<id>\d*) status=(?<status>\d{3}) dur_ms=(?<ms>\d{1,9})\b"#)
    var fields: [String] = []
    try pattern.matches(in: log).forEach { (match) throws(RegexError) -> Bool in
      let text = try match.bytes(in: log)
      let start = match.range.lowerBound
      let parts = ["method", "path", "id", "status", "ms"].map { name in
        match.range(named: name).map { String(decoding: text[($0.lowerBound - start)..<($0.upperBound - start)], as: UTF8.self) } ?? "-"
      }
      fields.append(parts.joined(separator: " "))
      return true
    }
    #expect(fields == [
      "GET /healthz  200 12", "GET /api/v1/users/ 7 503 4100",
      "POST /api/v1/orders/ 9 201 30", "GET /metrics  429 1234",
    ])
  }

  @Test("Failure behaviour: a compile error names the pattern and the offset")
  func compileError() {
    let error = #expect(throws: RegexError.self) { _ = try Pattern("a(") }
    #expect(error?.kind == .compile)
    #expect(error?.offset == 2)
    #expect(error?.description == "cannot compile pattern 'a(' at offset 2: missing closing parenthesis")
  }

  @Test("Failure behaviour: a match limit is thrown, not taken for no match")
  func limitIsThrown() {
    let subject = HeapByteBuffer(String(repeating: "a", count: 100_000) + "b")
    let error = #expect(throws: RegexError.self) { _ = try Pattern("(a+)+$").firstMatch(in: subject) }
    #expect(error?.kind == .match)
    #expect(error?.isLimitExceeded == true)
    #expect(error?.offset == 0)
    #expect(error?.description == "match failed for pattern '(a+)+$' at offset 0: match limit exceeded")
  }

  @Test("Failure behaviour: a closed buffer or a range past its end is a .buffer error")
  func bufferErrors() throws {
    let log = HeapByteBuffer("abc\n")
    let pattern = try Pattern("b")
    var lines = pattern.matchingLines(in: log, within: 0..<10).makeIterator()
    let outside = #expect(throws: RegexError.self) { _ = try lines.next() }
    #expect(outside?.kind == .buffer)
    #expect(outside?.bufferError == .outOfRange(operation: "search", offset: 0, length: 10, count: 4))
    try log.close()
    let closed = #expect(throws: RegexError.self) { _ = try pattern.contains(in: log) }
    #expect(closed?.bufferError == .closed(path: nil))
  }

  @Test("the Pattern doc comment's iterator loop")
  func patternDocComment() throws {
    let log = HeapByteBuffer("info\nERROR disk\nerror net\n")
    let errors = try Pattern(#"ERROR (\w+)"#, options: [.caseInsensitive])
    var numbers: [Int] = []
    var lines = errors.matchingLines(in: log).makeIterator()
    while let line = try lines.next() { numbers.append(line.number) }
    #expect(numbers == [2, 3])
  }
}
