// Compiles an arbitrary pattern with arbitrary options and matches it on
// arbitrary bytes through every search API, checking each against the others:
// bytes vs. HeapByteBuffer vs. MappedByteBuffer subjects, firstMatch vs.
// matches vs. count (serial and on 2 threads with tiny chunks), matchingLines
// vs. a per-line oracle (also where an exact matcher decides the lines instead
// of PCRE2), and replacing. Line searches are also checked over a
// line-aligned range, with grep's binary-data rule (small reads), on 1-4
// threads with tiny chunks, and under search budgets (tiny windows), against
// a model computed here from the per-line oracle.
//
// Input layout: [options] [newline/jit/template] [mode] [range] [pattern length] pattern... subject...
//   mode: bit 0 = the pattern bytes pick tokens of a small grammar (class sequences such as
//         [a-z]{3}\d, literals, anchors) and the subject bytes map to a small alphabet;
//         bits 1-3 = the binary-detection read size; bits 4-5 = parallelism - 1;
//         bits 6-7 = the budget (none, or windows of 1, 7 or 64 bytes)
//   range: low nibble = lines skipped at the start, high nibble = lines dropped at the end

import ByteBuffer
import FuzzSupport
import MappedBuffer
@testable import RegexSearch

/// Small limits keep each input fast; a limit error is an accepted outcome.
private let limits = Pattern.Limits(matchLimit: 200_000, depthLimit: 10_000, heapLimitKiB: 16 * 1024)

private let templates = ["", "<$0>", "$1", "${name}", "[$$]", "\\", "$"]

/// Whether `error` is an outcome a match may legitimately have on these inputs.
private func isAcceptedMatchError(_ error: RegexError) -> Bool {
  error.kind == .match && error.isLimitExceeded
}

/// Runs `body`; returns nil when it hit a resource limit, traps on any other error.
private func run<R>(_ what: String, _ body: () throws(RegexError) -> R) -> R? {
  do {
    return try body()
  } catch {
    require(isAcceptedMatchError(error), "\(what) threw an unexpected error: \(error) (kind \(error.kind), code \(error.code))")
    return nil
  }
}

/// The lines of `subject` as grep sees them: split at "\n", the newline not
/// part of the line, a last line without "\n" counts, an empty subject has none.
private func lines(_ subject: [UInt8]) -> [Range<Int>] {
  var result: [Range<Int>] = []
  var start = 0
  for (i, byte) in subject.enumerated() where byte == 0x0A {
    result.append(start..<i)
    start = i + 1
  }
  if start < subject.count { result.append(start..<subject.count) }
  return result
}

private func checkMatches(_ pattern: Pattern, _ subject: [UInt8], _ buffers: [any MutableByteBuffer],
                          chunk: Int) {
  guard let all = run("matches(in: bytes)", { () throws(RegexError) in try pattern.matches(in: subject).collect() })
  else { return }
  // Non-overlapping, ascending, inside the subject; at most one empty match per offset.
  var previous: Range<Int>? = nil
  for m in all {
    require(m.range.lowerBound >= 0 && m.range.upperBound <= subject.count, "match \(m.range) outside 0..<\(subject.count)")
    if let p = previous {
      require(m.range.lowerBound >= p.upperBound, "match \(m.range) overlaps \(p)")
      require(!(m.range.isEmpty && p.isEmpty && m.range == p), "empty match \(m.range) repeated")
    }
    for group in 0...pattern.captureCount {
      if let r = m.range(at: group) {
        require(r.lowerBound >= 0 && r.upperBound <= subject.count, "group \(group) range \(r) outside the subject")
      }
    }
    previous = m.range
  }
  // At most one empty match per offset, and non-empty ones that do not overlap: one may
  // start where an empty one is (PCRE2's non-empty retry after an empty match, as
  // in the regression-match-count-bound seed: 23 matches in 15 bytes).
  require(all.count <= 2 * subject.count + 1, "\(all.count) matches in \(subject.count) bytes")

  if let first = run("firstMatch(in: bytes)", { () throws(RegexError) in try pattern.firstMatch(in: subject) }) {
    require(first == all.first, "firstMatch \(String(describing: first)) but matches starts with \(String(describing: all.first))")
  }
  if let n = run("count(in: bytes)", { () throws(RegexError) in try pattern.count(in: subject) }) {
    require(n == all.count, "count \(n) but \(all.count) matches")
  }
  // Known issue (Tests/RegexSearchTests/ReliabilityFuzzRegressionTests.swift): with .utf on
  // invalid UTF-8, the parallel count can add an empty match at a chunk's end. Skip only that case.
  let knownIssue = pattern.options.contains(.utf) && all.contains { $0.range.isEmpty }
    && String(validating: subject, as: UTF8.self) == nil
  if !knownIssue, let n = run("count(parallelism: 2)", { () throws(RegexError) in
    try pattern.count(in: .bytes(subject), parallelism: 2, minimumChunk: chunk)
  }) {
    require(n == all.count, "count on 2 threads (chunks of \(chunk)) \(n) but \(all.count) matches")
  }
  for buffer in buffers {
    if let other = run("matches(in: buffer)", { () throws(RegexError) in try pattern.matches(in: buffer).collect() }) {
      require(other == all, "matches in \(type(of: buffer)) differ from matches in bytes")
    }
    if !knownIssue, let n = run("count(in: buffer, parallelism: 2)", { () throws(RegexError) in
      try pattern.count(in: .buffer(buffer), parallelism: 2, minimumChunk: chunk)
    }) {
      require(n == all.count, "count on 2 threads in \(type(of: buffer)) \(n) but \(all.count) matches")
    }
    // The lazy iterator must yield the same sequence.
    var iterator = pattern.matches(in: buffer).makeIterator()
    var lazy: [Match] = []
    while lazy.count <= all.count, let m = run("MatchSequence.Iterator.next", { () throws(RegexError) in try iterator.next() }) {
      guard let m else { break }
      lazy.append(m)
    }
    require(lazy.count <= all.count && lazy == Array(all.prefix(lazy.count)), "the lazy iterator disagrees with collect()")
  }
}

private func checkLines(_ pattern: Pattern, _ subject: [UInt8], _ buffers: [any MutableByteBuffer], chunk: Int) {
  // The oracle: each line is its own subject.
  var expected: [LineMatch] = []
  var expectedInverted: [LineMatch] = []
  for (i, line) in lines(subject).enumerated() {
    guard let hit = run("firstMatch(in: line)", { () throws(RegexError) in try pattern.firstMatch(in: Array(subject[line])) })
    else { return }
    if hit != nil {
      expected.append(LineMatch(number: i + 1, range: line))
    } else {
      expectedInverted.append(LineMatch(number: i + 1, range: line))
    }
  }
  for inverted in [false, true] {
    let want = inverted ? expectedInverted : expected
    if let got = run("matchingLines(in: bytes)", { () throws(RegexError) in
      try pattern.matchingLines(in: subject, inverted: inverted).collect()
    }) {
      require(got == want, "matchingLines(inverted: \(inverted)) \(got.map(\.number)) but per-line \(want.map(\.number))")
    }
    if let n = run("countMatchingLines", { () throws(RegexError) in
      try pattern.countMatchingLines(in: .bytes(subject), inverted: inverted, parallelism: 2, chunkSize: chunk)
    }) {
      require(n == want.count, "countMatchingLines(inverted: \(inverted), 2 threads, chunks of \(chunk)) \(n) but \(want.count)")
    }
    for buffer in buffers {
      let sequence = LineSequence(pattern: pattern, source: .buffer(buffer), inverted: inverted, parallelism: 2,
                                  chunkSize: chunk)
      if let got = run("matchingLines(in: buffer, parallelism: 2)", { () throws(RegexError) in try sequence.collect() }) {
        require(got == want, "\(type(of: buffer)) matchingLines(inverted: \(inverted), 2 threads, chunks of \(chunk)) "
                + "\(got.map(\.number)) but per-line \(want.map(\.number))")
      }
    }
  }
}

/// Where an exact line matcher (the class automaton, or the class-item
/// matcher) decides the lines instead of PCRE2 — only with PCRE2's default
/// limits, so the pattern is compiled again with them — its lines must be
/// the per-line oracle's (computed with the small limits; skipped when the
/// oracle hit one).
private func checkDecidedLines(_ patternBytes: [UInt8], _ options: Pattern.Options, _ newline: Pattern.Newline,
                               jit: Bool, _ oracle: Pattern, _ subject: [UInt8]) {
  guard let exact = try? Pattern(bytes: patternBytes, options: options, newline: newline, jit: jit),
        (exact.storage.prefilter as? ClassPrefilter)?.decidesLines == true else { return }
  var expected: [LineMatch] = []
  for (i, line) in lines(subject).enumerated() {
    guard let hit = run("firstMatch(in: line)", { () throws(RegexError) in try oracle.firstMatch(in: Array(subject[line])) })
    else { return }
    if hit != nil { expected.append(LineMatch(number: i + 1, range: line)) }
  }
  for parallelism in [1, 2] {
    let got = try? LineSequence(pattern: exact, source: .bytes(subject), inverted: false, parallelism: parallelism,
                                chunkSize: 64).collect()
    require(got == expected, "decided lines (\(parallelism) threads) \(got.map { $0.map(\.number) } ?? []) "
            + "but per-line \(expected.map(\.number))")
  }
}

private func checkReplace(_ pattern: Pattern, _ subject: [UInt8], _ buffers: [any MutableByteBuffer], template: String) {
  let fromBytes: [UInt8]?
  do {
    let result = try pattern.replacing(in: subject, with: template, maxReplacements: nil)
    fromBytes = try? result.withUnsafeBytes { Array($0) }
  } catch {
    // Limits, and templates naming a group the pattern lacks or ending in "$".
    require(error.kind == .match, "replacing threw \(error) (kind \(error.kind))")
    fromBytes = nil
  }
  for buffer in buffers {
    do {
      let result = try pattern.replacing(in: buffer, with: template)
      let bytes = try? result.withUnsafeBytes { Array($0) }
      require(fromBytes == nil || bytes == fromBytes, "replacing in \(type(of: buffer)) differs from replacing in bytes")
    } catch {
      require(error.kind == .match, "replacing in a buffer threw \(error)")
    }
  }
  // Deleting every match removes exactly the matched bytes. Known issue
  // (Tests/RegexSearchTests/ReliabilityFuzzRegressionTests.swift): with .utf on invalid
  // UTF-8, replacing skips the non-empty retry after an empty match. Skip only that case.
  let knownIssue = pattern.options.contains(.utf) && String(validating: subject, as: UTF8.self) == nil
  if template.isEmpty, !knownIssue, let fromBytes,
     let all = run("matches", { () throws(RegexError) in try pattern.matches(in: subject).collect() }) {
    var kept: [UInt8] = []
    var position = 0
    for m in all {
      kept += subject[position..<m.range.lowerBound]
      position = m.range.upperBound
    }
    kept += subject[position...]
    require(fromBytes == kept, "deleting \(all.count) matches gave \(fromBytes), expected \(kept)")
  }
}

/// Tokens of the grammar mode: what the class-sequence and literal prefilters
/// understand (ASCII classes with counts, literals, anchors), and a few things
/// that make them give up (groups, alternation, `.`, negated classes, NUL), and
/// Unicode properties (whose characters' first and last bytes make class windows).
private let grammarTokens = [
  "[a-z]", "[0-9]", "\\d", "\\w", "\\s", "\\.", "[A-Fa-f0-9]", "[abk]", "{3}", "{2,4}", "{0,2}", "+", "*", "?",
  "{1}", "a", "b", "k", "0", "9", "-", ":", " ", "^", "$", "\\b", "\\B", "[^a]", ".", "|", "(", ")", "(?:", "\\h",
  "\\v", "[\\x00-\\x09]", "\\x00", "(?i)", "{12}", "\\S", "\\D", "[[:alpha:]]", "\\n", "[a\\n]", "\\Q.\\E", "{5}",
  "\\p{Lu}", "\\p{Ll}", "\\p{Cyrillic}", "\\pN", "\\P{L}", "\\p{Xuc}", "\\p{Han}",
]

/// The subject alphabet of the grammar mode: ASCII bytes and a few characters of
/// several bytes (bytes 0xF0 and up stay as they are, so invalid UTF-8 still occurs).
private let grammarAlphabet: [[UInt8]] = Array("ab09k.:- \n\u{0}AKz_\r\tx".utf8).map { [$0] }
  + ["é", "Ж", "ж", "漢", "\u{212A}", "É"].map { Array($0.utf8) }

/// grep's binary-data rule as a plain model: where the binary part of the
/// lines `inRange` (absolute ranges, without their newlines) of a search over
/// `range` starts, or `nil`. A line is text when no NUL lies from the range's
/// start up to the end of the read (`readSize` bytes, aligned to offset 0 of
/// the whole subject, so it may reach past the range) that holds the line's
/// end: its newline, or the subject's last byte.
private func binaryStart(_ subject: [UInt8], range: Range<Int>, lines inRange: [Range<Int>], readSize: Int) -> Int? {
  guard let nul = subject[range.lowerBound...].firstIndex(of: 0) else { return nil }
  for line in inRange {
    let end = min(line.upperBound, subject.count - 1)
    let readEnd = min(subject.count, (end / readSize + 1) * readSize)
    if nul < readEnd { return line.lowerBound }
  }
  return nil
}

/// The line-aligned range the range byte picks: `skip` lines off the start,
/// `drop` lines off the end.
private func lineRange(_ subject: [UInt8], _ selector: UInt8) -> Range<Int> {
  let all = lines(subject)
  let skip = Int(selector & 15) % (all.count + 1)
  let drop = Int(selector >> 4) % (all.count - skip + 1)
  let lower = skip < all.count ? all[skip].lowerBound : subject.count
  let kept = all.count - skip - drop
  // The end of the last kept line, with its newline when it has one.
  let upper = kept > 0 ? min(all[skip + kept - 1].upperBound + 1, subject.count) : lower
  return lower..<upper
}

/// Line searches over `range` with binary detection, parallelism, tiny chunks
/// and budgets, against the per-line oracle and the binary rule's model.
private func checkLineRanges(_ pattern: Pattern, _ subject: [UInt8], _ buffers: [any MutableByteBuffer],
                             chunk: Int, range: Range<Int>, readSize: Int, parallelism: Int, window: Int?) {
  let firstNumber = 5
  let inRange = lines(Array(subject[range])).map { ($0.lowerBound + range.lowerBound)..<($0.upperBound + range.lowerBound) }
  var matching: [Bool] = []
  for line in inRange {
    guard let hit = run("firstMatch(in: line)", { () throws(RegexError) in try pattern.firstMatch(in: Array(subject[line])) })
    else { return }
    matching.append(hit != nil)
  }
  let binary = binaryStart(subject, range: range, lines: inRange, readSize: readSize)
  let textLines = inRange.indices.filter { binary == nil || inRange[$0].lowerBound < binary! }
  let detection = BinaryDetection.stopAtNUL(readSize: readSize)
  for inverted in [false, true] {
    let want = inRange.indices.filter { matching[$0] != inverted }.map { LineMatch(number: $0 + firstNumber, range: inRange[$0]) }
    let wantText = want.filter { binary == nil || $0.offset < binary! }
    let what = "range \(range), inverted \(inverted), reads of \(readSize), \(parallelism) threads, chunks of \(chunk)"
    for buffer in buffers {
      let kind = "\(type(of: buffer))"
      // Internal entry point: tiny chunks, so the parallel path splits small subjects.
      let sequence = LineSequence(pattern: pattern, source: .buffer(buffer), inverted: inverted, parallelism: parallelism,
                                  chunkSize: chunk, range: range, firstLineNumber: firstNumber, binaryReadSize: readSize)
      var iterator = sequence.makeIterator()
      var got: [LineMatch] = []
      var failed = false
      while true {
        guard let line = run("LineSequence.next (\(what))", { () throws(RegexError) in try iterator.next() }) else {
          failed = true
          break
        }
        guard let line else { break }
        got.append(line)
        require(got.count <= want.count, "\(kind) \(what): more lines than the oracle's \(want.count)")
      }
      if !failed {
        require(got == wantText, "\(kind) \(what): lines \(got.map(\.number)) but the model's \(wantText.map(\.number))")
        require(iterator.binaryOffset == binary,
                "\(kind) \(what): binaryOffset \(String(describing: iterator.binaryOffset)) but the model's \(String(describing: binary))")
        require(iterator.nextLineNumber == firstNumber + textLines.count,
                "\(kind) \(what): nextLineNumber \(iterator.nextLineNumber) but \(firstNumber + textLines.count)")
      }
      // Public API: the same lines, counts and binary offset.
      if let lines = run("matchingLines(within:binaryDetection:)", { () throws(RegexError) in
        try pattern.matchingLines(in: buffer, within: range, firstLineNumber: firstNumber, inverted: inverted,
                                  parallelism: parallelism, binaryDetection: detection).collect()
      }) {
        require(lines == wantText, "\(kind) public matchingLines \(what): \(lines.map(\.number)) but \(wantText.map(\.number))")
      }
      if let count = run("countMatchingLines(within:binaryDetection:)", { () throws(RegexError) in
        try pattern.countMatchingLines(in: buffer, within: range, inverted: inverted, parallelism: parallelism,
                                       binaryDetection: detection)
      }) {
        require(count == LineCount(selected: wantText.count, binaryOffset: binary),
                "\(kind) countMatchingLines \(what): \(count) but \(wantText.count) lines, binary at \(String(describing: binary))")
      }
      if let count = run("countLines(chunkSize:)", { () throws(RegexError) in
        try pattern.countLines(in: .buffer(buffer), inverted: inverted, parallelism: parallelism, chunkSize: chunk,
                               range: range, binaryReadSize: readSize)
      }) {
        require(count == LineCount(selected: wantText.count, binaryOffset: binary),
                "\(kind) countLines \(what): \(count) but \(wantText.count) lines, binary at \(String(describing: binary))")
      }
      // Without binary detection: every line of the range.
      if let count = run("countMatchingLines(within:)", { () throws(RegexError) in
        try pattern.countMatchingLines(in: buffer, within: range, inverted: inverted, parallelism: parallelism)
      }) {
        require(count == want.count, "\(kind) countMatchingLines(within:) \(what): \(count) but \(want.count)")
      }
      if let window {
        checkBudgeted(pattern, buffer, range: range, inverted: inverted, parallelism: parallelism, window: window,
                      want: want, wantText: wantText, binary: binary, detection: detection, firstNumber: firstNumber,
                      what: "\(kind) \(what), budget windows of \(window)")
      }
    }
  }
}

/// Budgeted line searches: what they deliver before the budget runs out is
/// exactly the oracle's lines before the reported offset, a line start.
private func checkBudgeted(_ pattern: Pattern, _ buffer: any MutableByteBuffer, range: Range<Int>, inverted: Bool,
                           parallelism: Int, window: Int, want: [LineMatch], wantText: [LineMatch], binary: Int?,
                           detection: BinaryDetection, firstNumber: Int, what: String) {
  for byteLimit in [window, 3 * window + 1, Int.max / 2] {
    var budget = SearchBudget(byteLimit: byteLimit)
    budget.maximumWindow = window
    for (withBinary, expected) in [(false, want), (true, wantText)] {
      let sequence = pattern.matchingLines(in: buffer, within: range, firstLineNumber: firstNumber, inverted: inverted,
                                           parallelism: parallelism, binaryDetection: withBinary ? detection : .none,
                                           budget: budget)
      var iterator = sequence.makeIterator()
      var got: [LineMatch] = []
      var stop: Int? = nil
      loop: while true {
        do {
          guard let line = try iterator.next() else { break }
          got.append(line)
          require(got.count <= expected.count, "\(what): more lines than the oracle's \(expected.count)")
        } catch {
          if error.kind == .budgetExceeded {
            stop = error.offset
            require(stop != nil, "\(what): budgetExceeded without an offset")
            // Calling next() again throws again.
            do {
              _ = try iterator.next()
              require(false, "\(what): next() after budgetExceeded did not throw")
            } catch {
              require(error.kind == .budgetExceeded, "\(what): next() after budgetExceeded threw \(error)")
            }
          } else {
            require(isAcceptedMatchError(error), "\(what): unexpected error \(error)")
            return
          }
          break loop
        }
      }
      if let stop {
        require(range.contains(stop) || stop == range.upperBound, "\(what): budget offset \(stop) outside \(range)")
        require(stop == range.lowerBound || buffer[stop - 1] == 0x0A, "\(what): budget offset \(stop) is not a line start")
        let before = expected.filter { $0.offset < stop }
        require(got == before, "\(what), binary \(withBinary), limit \(byteLimit): lines \(got.map(\.number)) "
                + "before offset \(stop) but the oracle's \(before.map(\.number))")
      } else {
        require(got == expected, "\(what), binary \(withBinary), limit \(byteLimit): lines \(got.map(\.number)) "
                + "but the oracle's \(expected.map(\.number))")
      }
      // The budgeted count agrees with what the iterator delivered.
      do {
        let count = try pattern.countMatchingLines(in: buffer, within: range, inverted: inverted,
                                                   parallelism: parallelism,
                                                   binaryDetection: withBinary ? detection : .none, budget: budget)
        require(count.selected == expected.count, "\(what), binary \(withBinary): count \(count) but \(expected.count)")
        require(count.binaryOffset == (withBinary ? binary : nil),
                "\(what), binary \(withBinary): count's binaryOffset \(String(describing: count.binaryOffset))")
      } catch {
        if error.kind == .budgetExceeded {
          let offset = error.offset ?? -1
          require(error.partialCount == expected.filter { $0.offset < offset }.count,
                  "\(what), binary \(withBinary): partialCount \(String(describing: error.partialCount)) at \(offset) "
                  + "but \(expected.filter { $0.offset < offset }.count) lines start before it")
        } else {
          require(isAcceptedMatchError(error), "\(what): budgeted count threw \(error)")
        }
      }
    }
  }
}

/// Budgeted match searches: the matches found before the budget ran out are
/// the plain search's matches that start before the reported offset, and
/// perhaps an empty match at it (a `\G` pattern checks the budget before each
/// match: after an empty match at the offset, the search resumes there with
/// the non-empty retry; the `regression-budget-empty-match-at-offset` seed).
private func checkBudgetedMatches(_ pattern: Pattern, _ subject: [UInt8], _ buffer: any MutableByteBuffer, window: Int) {
  guard let all = run("matches(in: bytes)", { () throws(RegexError) in try pattern.matches(in: subject).collect() })
  else { return }
  for byteLimit in [window, 5 * window + 3, Int.max / 2] {
    var budget = SearchBudget(byteLimit: byteLimit)
    budget.maximumWindow = window
    var iterator = pattern.matches(in: buffer, budget: budget).makeIterator()
    var got: [Match] = []
    var stop: Int? = nil
    while true {
      do {
        guard let m = try iterator.next() else { break }
        got.append(m)
        require(got.count <= all.count, "budgeted matches (windows of \(window)): more than the \(all.count) of the plain search")
      } catch {
        if error.kind == .budgetExceeded { stop = error.offset ?? -1 } else {
          require(isAcceptedMatchError(error), "budgeted matches threw \(error)")
          return
        }
        break
      }
    }
    let want = stop.map { s in all.filter { $0.range.lowerBound < s } } ?? all
    let emptyAtStop = stop.map { s in all.filter { $0.range == s..<s } } ?? []
    require(got == want || got == want + emptyAtStop, "budgeted matches (windows of \(window), limit \(byteLimit), stopped at \(String(describing: stop))): "
            + "\(got.map(\.range)) but \(want.map(\.range))")
    do {
      let n = try pattern.count(in: buffer, budget: budget)
      require(n == all.count, "budgeted count \(n) but \(all.count) matches")
    } catch {
      if error.kind == .budgetExceeded {
        let s = error.offset ?? -1
        let before = all.filter { $0.range.lowerBound < s }.count
        let emptyAtStop = all.filter { $0.range == s..<s }.count
        require(error.partialCount == before || error.partialCount == before + emptyAtStop, "budgeted count: partialCount \(String(describing: error.partialCount)) at \(s) but \(before)")
      } else {
        require(isAcceptedMatchError(error), "budgeted count threw \(error)")
      }
    }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let options = Pattern.Options(rawValue: UInt32(input.byte()))
  let control = input.byte()
  let mode = input.byte()
  let rangeSelector = input.byte()
  let newline: Pattern.Newline = [.lf, .cr, .crlf, .anyCRLF, .any][Int(control & 7) % 5]
  let jit = control & 8 == 0
  let template = templates[Int(control >> 4) % templates.count]
  var patternBytes = input.slice(limit: 64)
  var subject = input.rest()
  let chunk = 1 + Int(control >> 4)
  if mode & 1 == 1 {
    patternBytes = patternBytes.flatMap { Array(grammarTokens[Int($0) % grammarTokens.count].utf8) }
    subject = subject.flatMap { $0 >= 0xF0 ? [$0] : grammarAlphabet[Int($0) % grammarAlphabet.count] }
  }
  let readSize = [1, 2, 3, 4, 7, 8, 16, 64][Int(mode >> 1) & 7]
  let parallelism = 1 + Int(mode >> 4) & 3
  let window: Int? = [nil, 1, 7, 64][Int(mode >> 6)]

  let pattern: Pattern
  do {
    pattern = try Pattern(bytes: patternBytes, options: options, newline: newline, limits: limits, jit: jit)
  } catch {
    require(error.kind == .compile || error.kind == .jit, "compiling threw \(error) (kind \(error.kind))")
    require(error.description.contains("pattern"), "a compile error must name the pattern: \(error)")
    return 0
  }
  // The same bytes in memory and in an anonymous mapping (read through the SIGBUS guard).
  let heap = HeapByteBuffer(subject, readOnly: true)
  var buffers: [any MutableByteBuffer] = [heap]
  if let mapped = try? MappedByteBuffer(anonymousCount: subject.count) {
    _ = try? mapped.write(subject)
    buffers.append(mapped)
  }
  checkMatches(pattern, subject, buffers, chunk: chunk)
  checkLines(pattern, subject, buffers, chunk: chunk)
  checkDecidedLines(patternBytes, options, newline, jit: jit, pattern, subject)
  checkLineRanges(pattern, subject, buffers, chunk: chunk, range: lineRange(subject, rangeSelector), readSize: readSize,
                  parallelism: parallelism, window: window)
  if let window { checkBudgetedMatches(pattern, subject, buffers[buffers.count - 1], window: window) }
  checkReplace(pattern, subject, buffers, template: template)
  for buffer in buffers { try? buffer.close() }
  return 0
}
