import CPCRE2
import CScanGuard

/// The "prefilter" of a pattern that has none and no multiline fast path
/// (it may consume a newline, or is not line-local): every line is a
/// candidate, at its start. Run through `csg_next_line` like a real
/// prefilter, so each line is matched alone by PCRE2 inside one guarded C
/// call and matching lines come back in batches, instead of one Swift call
/// per line. (The class automaton, started at each line's start without a
/// window, was no faster than PCRE2 here.)
final class EveryLinePrefilter: LinePrefilter, Sendable {
  var matchesNUL: Bool { false }
  var isExact: Bool { false }

  func nextLine(in memory: Memory, from: Int, end: Int, limit: Int, checked: Int, stoppingAt stop: UInt8?,
                countingNewlines: Bool, verifier: UnsafeMutablePointer<cpcre2_line_verifier>?,
                spans: UnsafeMutableBufferPointer<csg_line_span>?, spanCount: inout Int,
                pattern: String?) throws(RegexError) -> LineHit {
    try RegexSearch.nextLine(literals: nil, classes: nil, in: memory, from: from, end: end, limit: limit,
                             checked: checked, stoppingAt: stop, countingNewlines: countingNewlines, verifier: verifier,
                             exact: false, spans: spans, spanCount: &spanCount, pattern: pattern)
  }

  /// The start of `range` is a candidate (or the stop byte, when it lies there).
  func scan(in memory: Memory, range: Range<Int>, stoppingAt stop: UInt8?, pattern: String?) throws(RegexError) -> PrefilterHit? {
    if range.isEmpty { return nil }
    if let stop, try memory.byte(at: range.lowerBound, pattern: pattern) == stop { return .stop(range.lowerBound) }
    return .candidate(range.lowerBound)
  }
}
