import CPCRE2
import CScanGuard

/// The compiled classes of a pattern's class-sequence prefilter (see
/// `ClassSequence`): finds the next place where the sequence matches, with the
/// vectorised, guarded `csg_classes_scan`.
final class ClassPrefilter: LinePrefilter, @unchecked Sendable {  // immutable after init; read concurrently
  let extracted: ClassSequence.Extracted
  let matchesNUL: Bool
  var isExact: Bool { extracted.isExact }
  private let sequence: UnsafeMutablePointer<csg_classes>
  /// The exact line matcher (`ClassSequence.Matcher`), when the pattern has one.
  private let matcher: UnsafeMutablePointer<csg_sequence>?
  /// The exact automaton (`ClassAutomaton`), for patterns `ClassSequence` has no matcher for.
  private let automaton: CompiledAutomaton?

  init?(_ extracted: ClassSequence.Extracted) {
    guard let made = Self.makeClasses(extracted.classes) else { return nil }
    self.extracted = extracted
    sequence = made
    matchesNUL = made.pointee.holds_nul != 0
    matcher = extracted.matcher.flatMap { Self.makeMatcher($0, window: made) }
    automaton = nil
  }

  /// The prefilter of a pattern read by `ClassAutomaton`: its window, and its
  /// automaton deciding the lines when it has one.
  init?(_ read: ClassAutomaton.Extracted) {
    guard let window = read.window, let made = Self.makeClasses(window.classes) else { return nil }
    extracted = ClassSequence.Extracted(classes: window.classes, isExact: false)
    sequence = made
    matchesNUL = made.pointee.holds_nul != 0
    matcher = nil
    automaton = read.automaton.flatMap { CompiledAutomaton($0, window: made, prefix: window.prefix) }
  }

  deinit {
    matcher?.deallocate()
    sequence.deallocate()
  }

  private static func makeClasses(_ classes: [ClassSequence.ByteSet]) -> UnsafeMutablePointer<csg_classes>? {
    let made = UnsafeMutablePointer<csg_classes>.allocate(capacity: 1)
    var words: [UInt64] = []
    for set in classes { words += set.words }
    let ok = words.withUnsafeBufferPointer { csg_classes_init(made, $0.baseAddress, Int32(classes.count)) }
    if ok == 0 {
      made.deallocate()
      return nil
    }
    return made
  }

  /// Whether lines are decided by an exact matcher instead of PCRE2.
  var decidesLines: Bool { matcher != nil || automaton != nil }

  /// The exact matcher's line verifier, when there is one.
  private var decider: LineDecider? {
    if let matcher { return LineDecider(verify: csg_sequence_verify_line, context: UnsafeMutableRawPointer(matcher)) }
    return automaton?.verifier
  }

  private static func makeMatcher(_ m: ClassSequence.Matcher, window: UnsafeMutablePointer<csg_classes>)
    -> UnsafeMutablePointer<csg_sequence>? {
    var sets: [UInt64] = []
    for item in m.items { sets += [item.set.low, item.set.high] }
    let minimum = m.items.map { UInt8(clamping: $0.minimum) }
    let maximum = m.items.map { UInt8(clamping: $0.maximum ?? 0) }
    let made = UnsafeMutablePointer<csg_sequence>.allocate(capacity: 1)
    // The arrays are passed as pointers valid for the call; csg_sequence_init copies what it keeps.
    let ok = csg_sequence_init(made, sets, minimum, maximum, m.assertions, Int32(m.items.count), m.prefix ?? -1,
                               [m.lead.low, m.lead.high], window)
    if ok == 0 {
      made.deallocate()
      return nil
    }
    return made
  }

  func nextLine(in memory: Memory, from: Int, end: Int, limit: Int, checked: Int, stoppingAt stop: UInt8?,
                countingNewlines: Bool, verifier: UnsafeMutablePointer<cpcre2_line_verifier>?,
                spans: UnsafeMutableBufferPointer<csg_line_span>?, spanCount: inout Int,
                pattern: String?) throws(RegexError) -> LineHit {
    try RegexSearch.nextLine(literals: nil, classes: sequence, in: memory, from: from, end: end, limit: limit,
                             checked: checked, stoppingAt: stop, countingNewlines: countingNewlines, verifier: verifier,
                             decider: decider, exact: isExact, spans: spans, spanCount: &spanCount, pattern: pattern)
  }

  func scan(in memory: Memory, range: Range<Int>, stoppingAt stop: UInt8?, pattern: String?) throws(RegexError) -> PrefilterHit? {
    if range.isEmpty { return nil }
    var result = -1
    var kind: Int32 = 0
    var fault: UnsafeRawPointer? = nil
    // Safe because range lies within 0..<memory.count.
    if csg_classes_scan(sequence, memory.base + range.lowerBound, range.count, stop.map(Int32.init) ?? -1, &result,
                        &kind, &fault) != Int32(CSG_OK) {
      throw memory.truncated(at: fault.map { $0 - memory.base } ?? range.lowerBound, pattern: pattern)
    }
    if result < 0 { return nil }
    return kind == Int32(CSG_FOUND_STOP) ? .stop(range.lowerBound + result) : .candidate(range.lowerBound + result)
  }
}
