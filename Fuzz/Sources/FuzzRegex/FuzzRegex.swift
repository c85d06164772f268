// Compiles an arbitrary pattern with arbitrary options and matches it on
// arbitrary bytes through every search API, checking each against the others:
// bytes vs. HeapByteBuffer vs. MappedByteBuffer subjects, firstMatch vs.
// matches vs. count (serial and on 2 threads with tiny chunks), matchingLines
// vs. a per-line oracle, and replacing.
//
// Input layout: [options] [newline/jit/template] [pattern length] pattern... subject...

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
  require(all.count <= subject.count + 1, "\(all.count) matches in \(subject.count) bytes")

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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let options = Pattern.Options(rawValue: UInt32(input.byte()))
  let control = input.byte()
  let newline: Pattern.Newline = [.lf, .cr, .crlf, .anyCRLF, .any][Int(control & 7) % 5]
  let jit = control & 8 == 0
  let template = templates[Int(control >> 4) % templates.count]
  let patternBytes = input.slice(limit: 64)
  let subject = input.rest()
  let chunk = 1 + Int(control >> 4)

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
  checkReplace(pattern, subject, buffers, template: template)
  for buffer in buffers { try? buffer.close() }
  return 0
}
