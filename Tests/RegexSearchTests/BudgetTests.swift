@testable import RegexSearch
import ByteBuffer
import TestSupport
import Testing

/// Searches under a `SearchBudget`: partial results, the error, and results
/// identical to the unbudgeted searches however the windows fall. No timing
/// assertions: time limits are either zero or far beyond the test.
@Suite("Search budgets") struct BudgetTests {
  /// A time budget that never runs out here, with windows of `window` bytes at most.
  static func generous(window: Int? = nil) -> SearchBudget {
    var budget = SearchBudget(timeLimit: .seconds(3600))
    budget.maximumWindow = window
    return budget
  }

  static let text = "a1\nb2\na3\na4\n"

  func numbers(_ lines: inout LineSequence.Iterator) -> (numbers: [Int], error: RegexError?) {
    var found: [Int] = []
    do {
      while let line = try lines.next() { found.append(line.number) }
    } catch {
      return (found, error)
    }
    return (found, nil)
  }

  @Test("a byte budget ends a line search at a line end, after delivering the lines before it",
        arguments: Backend.allCases)
  func byteBudgetLines(backend: Backend) throws {
    let buffer = try backend.make(Self.text)
    var lines = try Pattern("a").matchingLines(in: buffer, budget: SearchBudget(byteLimit: 5)).makeIterator()
    let (found, error) = numbers(&lines)
    #expect(found == [1])
    let stop = try #require(error)
    #expect(stop.kind == .budgetExceeded)
    #expect(stop.offset == 6)
    #expect(stop.exceededLimit == .bytes(5))
    #expect(stop.description == "search for pattern 'a' stopped at offset 6: byte limit of 5 bytes reached")
    #expect(throws: RegexError.self) { try lines.next() }  // again, not nil

    var whole = try Pattern("a").matchingLines(in: buffer, budget: SearchBudget(byteLimit: 12)).makeIterator()
    let complete = numbers(&whole)
    #expect(complete.numbers == [1, 3, 4] && complete.error == nil)
  }

  @Test("a zero time limit stops before anything is searched; an empty subject finishes")
  func zeroTime() throws {
    let buffer = HeapByteBuffer(Self.text)
    let zero = SearchBudget(timeLimit: .zero)
    var lines = try Pattern("a").matchingLines(in: buffer, budget: zero).makeIterator()
    let (found, error) = numbers(&lines)
    #expect(found.isEmpty)
    #expect(error?.kind == .budgetExceeded && error?.offset == 0 && error?.exceededLimit == .time(.zero))
    #expect(throws: RegexError.self) { try Pattern("a").count(in: buffer, budget: zero) }
    #expect(try Pattern("a").countMatchingLines(in: HeapByteBuffer(count: 0), budget: zero) == 0)
  }

  @Test("counts stop with the count so far")
  func partialCounts() throws {
    let buffer = HeapByteBuffer("ab ab\nab\nab ab ab\n")
    let budget = SearchBudget(byteLimit: 7)
    do {
      _ = try Pattern("ab").count(in: buffer, budget: budget)
      Issue.record("no error")
    } catch {
      #expect(error.kind == .budgetExceeded && error.offset == 9 && error.partialCount == 3)
    }
    do {
      _ = try Pattern("ab").countMatchingLines(in: buffer, budget: budget)
      Issue.record("no error")
    } catch {
      #expect(error.kind == .budgetExceeded && error.offset == 9 && error.partialCount == 2)
    }
    #expect(try Pattern("ab").count(in: buffer, budget: SearchBudget(byteLimit: 18)) == 6)
  }

  @Test("match iteration stops where the next match would be searched from")
  func partialMatches() throws {
    let buffer = HeapByteBuffer("x1 x2\nx3\nx4\n")
    var matches = try Pattern(#"x\d"#).matches(in: buffer, budget: SearchBudget(byteLimit: 6)).makeIterator()
    var found: [Range<Int>] = []
    do {
      while let match = try matches.next() { found.append(match.range) }
      Issue.record("no error")
    } catch {
      #expect(error.kind == .budgetExceeded && error.offset == 6)
    }
    #expect(found == [0..<2, 3..<5])
  }

  static let patterns = [
    "a", "^a", "a$", "^$", "x*", "a*|b", "|a", #"\bfoo\b"#, "(?<=foo)bar", "foo\\nbar", "(?s)o.b", #"\Ga"#,
    "(?m)^b", "[^a-z]", #"\d+"#, "ERROR|WARN",
  ]
  static let subject = "aaa foo\nfoobar\n\nfoo\nbar b\naab\nERROR 12\nWARN x\nb\n\na" + "\n12 foo bar foo\nlast"

  @Test("budgeted searches find exactly what unbudgeted ones find, whatever the windows",
        arguments: [1, 2, 7, 64, nil] as [Int?])
  func sameResults(window: Int?) throws {
    let buffer = HeapByteBuffer(Self.subject)
    for text in Self.patterns {
      let pattern = try Pattern(text)
      let budget = Self.generous(window: window)
      for inverted in [false, true] {
        let plain = try pattern.matchingLines(in: buffer, inverted: inverted).collect()
        #expect(try pattern.matchingLines(in: buffer, inverted: inverted, budget: budget).collect() == plain,
                "\(text) inverted \(inverted) window \(window ?? 0)")
        #expect(try pattern.countMatchingLines(in: buffer, inverted: inverted, budget: budget) == plain.count)
      }
      let plainMatches = try pattern.matches(in: buffer).collect().map(\.range)
      #expect(try pattern.matches(in: buffer, budget: budget).collect().map(\.range) == plainMatches,
              "\(text) window \(window ?? 0)")
      #expect(try pattern.count(in: buffer, budget: budget) == plainMatches.count, "\(text) window \(window ?? 0)")
      let within = 5..<40
      #expect(try pattern.matches(in: buffer, within: within, budget: budget).collect().map(\.range)
                == pattern.matches(in: buffer, within: within).collect().map(\.range))
    }
  }

  @Test("empty matches and CRLF newlines across window ends follow PCRE2's rule",
        arguments: [1, 3, nil] as [Int?])
  func emptyMatchesAcrossWindows(window: Int?) throws {
    let budget = Self.generous(window: window)
    for (text, subject, newline) in [
      ("a*", "baaab\n\nb\na", Pattern.Newline.lf), ("|\\n", "\n\n\n", .lf), ("$", "a\r\nb\r\n", .crlf),
      ("", "x\ny\n", .lf), ("(?=\\n)|\\n", "ab\ncd\n", .lf),
    ] {
      let pattern = try Pattern(text, newline: newline)
      let buffer = HeapByteBuffer(subject)
      #expect(try pattern.matches(in: buffer, budget: budget).collect().map(\.range)
                == pattern.matches(in: buffer).collect().map(\.range), "\(text) window \(window ?? 0)")
      #expect(try pattern.count(in: buffer, budget: budget) == pattern.count(in: buffer), "\(text)")
    }
  }

  @Test("parallel budgeted line searches give the serial lines")
  func parallel() throws {
    var text = ""
    for i in 0..<40_000 { text += i % 9 == 0 ? "line \(i) ERROR code=\(i % 5)\n" : "line \(i) fine\n" }
    let buffer = HeapByteBuffer(text)
    let pattern = try Pattern("ERROR code=[23]")
    let serial = try pattern.matchingLines(in: buffer).collect()
    let budget = SearchBudget(timeLimit: .seconds(3600))
    #expect(try pattern.matchingLines(in: buffer, parallelism: 4, budget: budget).collect() == serial)
    #expect(try pattern.countMatchingLines(in: buffer, parallelism: 4, budget: budget) == serial.count)
    #expect(serial.count == 1778)
  }

  @Test("a match limit inside a budgeted search comes after the lines before it")
  func limitErrorsStillDelivered() throws {
    let buffer = HeapByteBuffer("ok a\n" + String(repeating: "a", count: 40) + "b\nok a\n")
    let pattern = try Pattern("^(a+)+$|ok", limits: .init(matchLimit: 5000))
    var lines = pattern.matchingLines(in: buffer, budget: Self.generous(window: 1)).makeIterator()
    let (found, error) = numbers(&lines)
    #expect(found == [1])
    #expect(error?.kind == .match && error?.offset == 5)
  }

  @Test("an unlimited budget takes the plain path")
  func unlimited() throws {
    let lines = try Pattern("a").matchingLines(in: HeapByteBuffer(Self.text), budget: .unlimited)
    #expect(lines.budget == nil)
    #expect(try lines.collect().map(\.number) == [1, 3, 4])
  }
}

extension BudgetTests {
  @Test("a time limit stops a search over slow lines, each found line before the offset reached")
  func slowLines() throws {
    var text = ""
    for i in 0..<400 { text += i % 50 == 0 ? "ok \(i)\n" : String(repeating: "a", count: 22) + "b\n" }
    let buffer = HeapByteBuffer(text)
    // Each "aaa...ab" line costs about 4 million backtracking steps, far more
    // than the limit allows for 350 of them; a step never takes that long alone.
    let pattern = try Pattern("^(a+)+$|ok")
    var lines = pattern.matchingLines(in: buffer, budget: SearchBudget(timeLimit: .milliseconds(50))).makeIterator()
    var found: [LineMatch] = []
    do {
      while let line = try lines.next() { found.append(line) }
      Issue.record("the search ended without running out of time")
    } catch {
      #expect(error.kind == .budgetExceeded)
      let offset = try #require(error.offset)
      #expect(offset < buffer.count)
      #expect(offset == 0 || buffer[offset - 1] == 0x0A)
      #expect(found.allSatisfy { $0.range.upperBound < offset })
      #expect(found.map(\.number) == Array(stride(from: 1, to: 400, by: 50).prefix(found.count)))
    }
  }
}

extension BudgetTests {
  @Test("a parallel budgeted search that meets a match limit delivers a prefix of the serial lines, then the error")
  func parallelLimitError() throws {
    var text = ""
    for i in 0..<40_000 { text += "ok \(i)\n" }
    let evil = text.utf8.count
    text += String(repeating: "a", count: 40) + "b\n"
    for i in 0..<1000 { text += "ok after \(i)\n" }
    let buffer = HeapByteBuffer(text)
    let pattern = try Pattern("^(a+)+$|ok", limits: .init(matchLimit: 5000))
    var serial = pattern.matchingLines(in: buffer).makeIterator()
    let expected = numbers(&serial)
    #expect(expected.numbers == Array(1...40_000))
    #expect(expected.error?.offset == evil)
    var parallel = pattern.matchingLines(in: buffer, parallelism: 3, budget: Self.generous()).makeIterator()
    let found = numbers(&parallel)
    #expect(found.numbers == Array(expected.numbers.prefix(found.numbers.count)))
    #expect(found.error?.kind == .match && found.error?.offset == evil)
    #expect(throws: RegexError.self) { try parallel.next() }  // retried, fails again
  }
}
