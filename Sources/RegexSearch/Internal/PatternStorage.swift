import ByteBuffer
import Synchronization

/// What a `Pattern` shares between its copies and threads: the compiled code
/// objects and a small pool of scratch spaces.
final class PatternStorage: Sendable {
  /// The pattern as the user asked for it.
  let code: PCRE2Code
  /// The same pattern with `PCRE2_MULTILINE`, used to find candidate lines in
  /// one pass over a whole buffer; `nil` when the pattern is not line-local.
  let lineCode: PCRE2Code?
  /// Needles one of which every matching line contains (`LiteralExtraction`)
  /// or, without needles, a sequence of byte classes (`ClassSequence`, or
  /// else `ClassAutomaton`'s window), so
  /// line searches run PCRE2 only on the lines that hold a candidate (or not
  /// at all, when a candidate is a match); `nil` when neither is known.
  let prefilter: (any LinePrefilter)?
  /// For a pattern with neither a prefilter nor `lineCode`: every line is a
  /// candidate, matched alone inside the scan's C call (`EveryLinePrefilter`).
  let everyLine: EveryLinePrefilter?
  /// Whether the user's pattern text contains `\G` (anchored to the start offset)
  /// or a verb that changes where the next attempt starts (`PatternText.dependsOnStartOffset`),
  /// so a search cannot be split into independent chunks.
  let anchorsToStartOffset: Bool
  /// Whether the pattern text is line-local (`PatternText.isLineLocal`: no
  /// lookaround, `\A`-style anchors, `\K`, atomic groups ...), whether or not
  /// it may consume a newline: a line's subject started after bytes grep -P
  /// skips (`PCRE2_NOTBOL`) then matches only where the whole line does.
  let localText: Bool
  let limits: Pattern.Limits
  /// The group-name table every `Match` shares.
  let names: CaptureNames
  private let request: PCRE2CompileRequest.Sendable
  private let pool = Mutex<[PCRE2Scratch]>([])
  private let chunkCode = Mutex<PCRE2Code?>(nil)

  init(request: PCRE2CompileRequest, lineLocal: Bool, localText: Bool, anchorsToStartOffset: Bool,
       needles: LiteralExtraction.Needles?, classes: ClassSequence.Extracted?, automaton: ClassAutomaton.Extracted?,
       limits: Pattern.Limits) throws(RegexError) {
    code = try PCRE2Code(request)
    if let literal = needles.flatMap({ LiteralPrefilter($0) }) {
      prefilter = literal
    } else if let automaton, automaton.automaton != nil, automaton.window != nil,
              classes.map({ $0.matcher == nil && !$0.isExact }) ?? true {
      // Lines decided near the window without PCRE2, where ClassSequence has no matcher.
      prefilter = ClassPrefilter(automaton) ?? classes.flatMap { ClassPrefilter($0) }
    } else {
      prefilter = classes.flatMap { ClassPrefilter($0) } ?? automaton.flatMap { ClassPrefilter($0) }
    }
    if prefilter == nil && !(lineLocal && request.newline == .lf) {
      // No prefilter and no multiline fast path: each line is matched alone, in C.
      everyLine = EveryLinePrefilter()
    } else {
      everyLine = nil
    }
    if request.literal && lineLocal && request.newline == .lf {
      lineCode = code  // a fixed string without "\n" means the same with or without multiline
    } else if lineLocal && request.newline == .lf {
      var multiline = request
      multiline.forceMultiline = true
      lineCode = try PCRE2Code(multiline)
    } else {
      lineCode = nil
    }
    self.anchorsToStartOffset = anchorsToStartOffset
    self.localText = localText
    names = CaptureNames(code.names)
    self.limits = limits
    self.request = .init(request)
  }

  /// The pattern compiled with `PCRE2_USE_OFFSET_LIMIT`, for the parallel
  /// counter (compiled on first use, then shared).
  func offsetLimitedCode() throws(RegexError) -> PCRE2Code {
    try chunkCode.withOrderedLock(tag: poolTag) { (slot: inout PCRE2Code?) throws(RegexError) -> PCRE2Code in
      if let slot { return slot }
      var r = request.value
      r.useOffsetLimit = true
      let made = try PCRE2Code(r)
      slot = made
      return made
    }
  }

  /// Takes a scratch space from the pool, or makes one.
  func acquire() -> PCRE2Scratch {
    let tag = poolTag
    if let s = pool.withOrderedLock(tag: tag, { (pool) -> PCRE2Scratch? in pool.popLast() }) {
      return s
    }
    return PCRE2Scratch(code: code, limits: limits)
  }

  /// Returns a scratch space to the pool (which keeps a few).
  func release(_ scratch: PCRE2Scratch) {
    scratch.setOffsetLimit(nil)
    let tag = poolTag
    pool.withOrderedLock(tag: tag) { (pool) in
      if pool.count < 16 { pool.append(scratch) }
    }
  }

  /// The storage's address, which orders the pool's and the offset-limited
  /// code's critical sections for ThreadSanitizer (`withOrderedLock`).
  private var poolTag: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

  /// Runs `body` with a pooled scratch space.
  func withScratch<R>(_ body: (PCRE2Scratch) throws(RegexError) -> R) throws(RegexError) -> R {
    let s = acquire()
    defer { release(s) }
    return try body(s)
  }
}

extension PCRE2CompileRequest {
  /// An immutable copy that may be stored in a `Sendable` class.
  struct Sendable: Swift.Sendable {
    let pattern: [UInt8]
    let options: Pattern.Options
    let newline: Pattern.Newline
    let literal: Bool
    let jit: Bool
    init(_ r: PCRE2CompileRequest) {
      pattern = r.pattern; options = r.options; newline = r.newline; literal = r.literal; jit = r.jit
    }
    var value: PCRE2CompileRequest {
      PCRE2CompileRequest(pattern: pattern, options: options, newline: newline, literal: literal, jit: jit)
    }
  }
}

/// Holds a pooled scratch space for the life of an iterator and gives it back.
final class ScratchLease {
  let storage: PatternStorage
  let scratch: PCRE2Scratch
  init(_ storage: PatternStorage) {
    self.storage = storage
    scratch = storage.acquire()
  }
  deinit { storage.release(scratch) }
}
