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
