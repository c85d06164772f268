import CPCRE2
import CScanGuard

/// What a line search asks of a prefilter: the next place where a match may
/// be (every match holds a candidate, so a line without one does not match).
protocol LinePrefilter: AnyObject, Sendable {
  /// The first candidate in `range` or, when `stop` is given, the first
  /// occurrence of that byte, whichever comes first (one vectorised pass).
  func scan(in memory: Memory, range: Range<Int>, stoppingAt stop: UInt8?, pattern: String?) throws(RegexError) -> PrefilterHit?
  /// Whether a candidate may hold a NUL byte (a scan then cannot stop at NUL).
  var matchesNUL: Bool { get }
  /// Whether every candidate is a match, so a line holding one matches
  /// without asking PCRE2.
  var isExact: Bool { get }
  /// The next candidate line (see `csg_next_line`), in one guarded call.
  ///
  /// With `verifier`, candidate lines that do not match are passed over in
  /// the same call (`csg_next_line`); a candidate that comes back then says
  /// whether the verifier matched it (`verified`). With `spans`, matching
  /// lines (verified, or every candidate line of an exact prefilter) are
  /// recorded there instead, `spanCount` of them, before the hit returned.
  func nextLine(in memory: Memory, from: Int, end: Int, limit: Int, checked: Int, stoppingAt stop: UInt8?,
                countingNewlines: Bool, verifier: UnsafeMutablePointer<cpcre2_line_verifier>?,
                spans: UnsafeMutableBufferPointer<csg_line_span>?, spanCount: inout Int,
                pattern: String?) throws(RegexError) -> LineHit
}

/// What `LinePrefilter.nextLine` found.
enum LineHit {
  /// A candidate at `at`, in the line `lineStart..<lineEnd`, after `newlines`
  /// newlines from where the search began (when they were counted); `first`
  /// is the byte at `lineStart`; `verified`: the verifier matched the line.
  case candidate(at: Int, lineStart: Int, lineEnd: Int, newlines: Int, first: UInt8, verified: Bool)
  /// The stop byte lies here.
  case stop(Int)
  /// Neither before the end. When newlines were counted and `limit` is `end`,
  /// `newlines` of them lie from where the search began to the end (see
  /// `csg_line_hit.newlines` for a larger limit).
  case none(newlines: Int)
  /// The recorded lines filled the spans, or reached the end: go on from here.
  case more(Int)
}

/// Calls `csg_next_line` for a prefilter's kernel data.
func nextLine(literals: UnsafePointer<csg_literals>?, classes: UnsafePointer<csg_classes>?, in memory: Memory,
              from: Int, end: Int, limit: Int, checked: Int, stoppingAt stop: UInt8?, countingNewlines: Bool,
              verifier: UnsafeMutablePointer<cpcre2_line_verifier>?, decider: LineDecider? = nil,
              exact: Bool, spans: UnsafeMutableBufferPointer<csg_line_span>?, spanCount: inout Int,
              pattern: String?) throws(RegexError) -> LineHit {
  var hit = csg_line_hit()
  // An exact matcher (`decider`) decides the lines PCRE2 would, without PCRE2.
  let verify: csg_line_verifier?
  let context: UnsafeMutableRawPointer?
  if let verifier {
    if let decider {
      verify = decider.verify
      context = decider.context
    } else {
      verify = cpcre2_verify_line
      context = UnsafeMutableRawPointer(verifier)
    }
  } else {
    verify = nil
    context = nil
  }
  var fault: UnsafeRawPointer? = nil
  // Safe because from...end...limit and checked lie within the memory.
  let base = memory.base.assumingMemoryBound(to: UInt8.self)
  if csg_next_line(literals, classes, base, from, end, limit, checked, stop.map(Int32.init) ?? -1,
                   countingNewlines ? 1 : 0, verify, context, exact ? 1 : 0, spans?.baseAddress, spans?.count ?? 0,
                   &spanCount, &hit, &fault) != Int32(CSG_OK) {
    throw memory.truncated(at: fault.map { $0 - memory.base } ?? from, pattern: pattern)
  }
  switch hit.kind {
  case Int32(CSG_FOUND_NEEDLE):
    return .candidate(at: hit.at, lineStart: hit.line_start, lineEnd: hit.line_end, newlines: hit.newlines,
                      first: hit.first, verified: hit.verified != 0)
  case Int32(CSG_FOUND_STOP):
    return .stop(hit.at)
  case Int32(CSG_FOUND_MORE):
    return .more(hit.at)
  default:
    return .none(newlines: hit.newlines)
  }
}

extension LinePrefilter {
  /// The start of the first candidate in `range`, or `nil`.
  func firstCandidate(in memory: Memory, range: Range<Int>, pattern: String?) throws(RegexError) -> Int? {
    if case .candidate(let at)? = try scan(in: memory, range: range, stoppingAt: nil, pattern: pattern) { return at }
    return nil
  }
}

/// What `LinePrefilter.scan` found first.
enum PrefilterHit {
  /// A candidate starts here (and ends within the range).
  case candidate(Int)
  /// The stop byte lies here.
  case stop(Int)
}

/// The compiled needles of a pattern's prefilter (see `LiteralExtraction`):
/// finds the next place where one of them starts, with the vectorised, guarded
/// `csg_literals_find`.
final class LiteralPrefilter: LinePrefilter, @unchecked Sendable {  // immutable after init; read concurrently
  let needles: LiteralExtraction.Needles
  let matchesNUL: Bool
  let isExact: Bool
  private let set: UnsafeMutablePointer<csg_literals>
  init?(_ needles: LiteralExtraction.Needles) {
    self.needles = needles
    matchesNUL = needles.literals.contains { $0.contains(0) }
    isExact = needles.isExact
    set = .allocate(capacity: 1)
    let lengths = needles.literals.map(\.count)
    let stored = needles.literals.map { bytes -> UnsafeMutablePointer<UInt8> in
      let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
      p.initialize(from: bytes, count: bytes.count)
      return p
    }
    defer { for p in stored { p.deallocate() } }
    let pointers = stored.map { UnsafePointer<UInt8>?(UnsafePointer($0)) }
    let ok = pointers.withUnsafeBufferPointer { needlePointers in
      lengths.withUnsafeBufferPointer { lengthPointer in
        csg_literals_init(set, needlePointers.baseAddress, lengthPointer.baseAddress,
                          Int32(needles.literals.count), needles.caseless ? 1 : 0)
      }
    }
    if ok == 0 {
      set.deallocate()
      return nil
    }
  }

  deinit { set.deallocate() }

  func nextLine(in memory: Memory, from: Int, end: Int, limit: Int, checked: Int, stoppingAt stop: UInt8?,
                countingNewlines: Bool, verifier: UnsafeMutablePointer<cpcre2_line_verifier>?,
                spans: UnsafeMutableBufferPointer<csg_line_span>?, spanCount: inout Int,
                pattern: String?) throws(RegexError) -> LineHit {
    try RegexSearch.nextLine(literals: set, classes: nil, in: memory, from: from, end: end, limit: limit,
                             checked: checked, stoppingAt: stop, countingNewlines: countingNewlines, verifier: verifier,
                             exact: isExact, spans: spans, spanCount: &spanCount, pattern: pattern)
  }

  /// The first place in `range` where a needle starts (and ends) or, when
  /// `stop` is given, where that byte lies (one vectorised pass finds both);
  /// `nil` when there is neither.
  func scan(in memory: Memory, range: Range<Int>, stoppingAt stop: UInt8?, pattern: String?) throws(RegexError) -> PrefilterHit? {
    if range.isEmpty { return nil }
    var result = -1
    var kind: Int32 = 0
    var fault: UnsafeRawPointer? = nil
    // Safe because range lies within 0..<memory.count.
    if csg_literals_scan(set, memory.base + range.lowerBound, range.count, stop.map(Int32.init) ?? -1, &result, &kind,
                         &fault) != Int32(CSG_OK) {
      throw memory.truncated(at: fault.map { $0 - memory.base } ?? range.lowerBound, pattern: pattern)
    }
    if result < 0 { return nil }
    return kind == Int32(CSG_FOUND_STOP) ? .stop(range.lowerBound + result) : .candidate(range.lowerBound + result)
  }
}
