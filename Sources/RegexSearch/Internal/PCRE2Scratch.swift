import CPCRE2
import CScanGuard

/// Per-attempt matching flags (`pcre2_match_8` options) the search loops use.
struct MatchFlags: OptionSet {
  let rawValue: UInt32
  /// `PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED`: the retry after an empty match.
  static let retryAfterEmpty = MatchFlags(rawValue: PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED)
  /// `PCRE2_NOTBOL`: the subject's start is not the beginning of a line.
  static let notBeginningOfLine = MatchFlags(rawValue: PCRE2_NOTBOL)
}

/// The result of one guarded match attempt.
enum MatchOutcome {
  /// A match; read its groups with `PCRE2Scratch.group(_:)`.
  case match
  case noMatch
  /// PCRE2 failed (a limit, ...): the code.
  case failure(Int32)
  /// The subject memory vanished (SIGBUS): the byte offset from the subject start.
  case fault(Int)
}

/// Scratch space for matching one pattern on one thread: match data (ovector
/// and interpreter frames), a match context with the limits, and a JIT stack.
///
/// Never shared between threads at the same time; reused across matches and
/// calls through `PatternStorage`'s pool, so no match allocates.
final class PCRE2Scratch: @unchecked Sendable {
  let matchData: OpaquePointer
  let context: OpaquePointer
  private(set) var jitStack: OpaquePointer?
  /// The JIT stack's current largest size, and how far it may grow.
  private(set) var jitStackSize = 0
  private let jitStackLimit: Int
  private var hasOffsetLimit = false
  /// Room for the line verifier a prefiltered line search hands to
  /// `csg_next_line` (see `lineVerifier(for:)`), so a search allocates none.
  private let verifierSlot = UnsafeMutablePointer<cpcre2_line_verifier>.allocate(capacity: 1)

  /// The largest JIT stack made at first; a match that needs more doubles it.
  static let initialJITStackSize = 1 << 20

  init(code: PCRE2Code, limits: Pattern.Limits) {
    guard let data = pcre2_match_data_create_from_pattern_8(code.raw, nil),
          let context = pcre2_match_context_create_8(nil)
    else { fatalError("RegexSearch: out of memory creating PCRE2 match data") }
    matchData = data
    self.context = context
    if let v = limits.matchLimit { pcre2_set_match_limit_8(context, v) }
    if let v = limits.depthLimit { pcre2_set_depth_limit_8(context, v) }
    if let v = limits.heapLimitKiB { pcre2_set_heap_limit_8(context, v) }
    jitStackLimit = limits.jitStackSize
    if code.isJITCompiled && limits.jitStackSize > 32 * 1024 {
      setJITStack(size: min(limits.jitStackSize, Self.initialJITStackSize))
    }
  }

  /// Replaces the JIT stack with one that may grow to `size` bytes (keeping
  /// the old one when that fails). Returns whether it was replaced.
  @discardableResult
  private func setJITStack(size: Int) -> Bool {
    guard let stack = pcre2_jit_stack_create_8(32 * 1024, size, nil) else { return false }
    if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    jitStack = stack
    jitStackSize = size
    pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(stack))
    return true
  }

  deinit {
    verifierSlot.deallocate()
    if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    pcre2_match_context_free_8(context)
    pcre2_match_data_free_8(matchData)
  }

  /// A verifier that matches lines with `code` through this scratch space's
  /// match data and context (JIT stack, limits), as `match` does; valid while
  /// `code` and this scratch space live, and until the next call.
  func lineVerifier(for code: PCRE2Code) -> UnsafeMutablePointer<cpcre2_line_verifier> {
    verifierSlot.initialize(to: cpcre2_line_verifier(code: code.raw, jit: code.isJITCompiled ? 1 : 0,
                                                     match_data: matchData, context: context))
    return verifierSlot
  }

  /// Limits where a match may start (`pcre2_set_offset_limit_8`); `nil` removes the limit.
  /// The code must be compiled with `useOffsetLimit`.
  func setOffsetLimit(_ limit: Int?) {
    if let limit {
      pcre2_set_offset_limit_8(context, limit)
      hasOffsetLimit = true
    } else if hasOffsetLimit {
      pcre2_set_offset_limit_8(context, cpcre2_unset())
      hasOffsetLimit = false
    }
  }

  /// Matches `code` against `length` bytes at `subject`, starting at `start`,
  /// under the SIGBUS guard for the subject range. When the JIT stack runs
  /// out and may still grow (`Pattern.Limits.jitStackSize`), it is doubled
  /// and the match tried again, as GNU grep does.
  ///
  /// `pcre2_jit_match_8` runs JIT code, except with `viaMatch`, which calls
  /// `pcre2_match_8` (it picks JIT or the interpreter by the options).
  func match(_ code: PCRE2Code, subject: UnsafeRawPointer, length: Int, start: Int,
             flags: MatchFlags = [], viaMatch: Bool = false) -> MatchOutcome {
    var args = cpcre2_match_args(
      code: code.raw, subject: subject.assumingMemoryBound(to: UInt8.self), length: length,
      start: start, options: flags.rawValue, jit: code.isJITCompiled && !viaMatch ? 1 : 0,
      match_data: matchData, context: context, result: 0)
    var fault: UnsafeRawPointer? = nil
    var rc = csg_guarded_call(cpcre2_match_thunk, &args, subject, length, nil, 0, &fault)
    while rc == Int32(CSG_OK), args.result == PCRE2_ERROR_JIT_STACKLIMIT, jitStack != nil,
          jitStackSize < jitStackLimit, setJITStack(size: jitStackSize > jitStackLimit / 2 ? jitStackLimit : jitStackSize * 2) {
      rc = csg_guarded_call(cpcre2_match_thunk, &args, subject, length, nil, 0, &fault)
    }
    if rc != Int32(CSG_OK) {
      // Safe because the fault address lies inside [subject, subject + length).
      return .fault(fault.map { $0 - subject } ?? 0)
    }
    if args.result >= 0 { return .match }
    if args.result == PCRE2_ERROR_NOMATCH { return .noMatch }
    return .failure(args.result)
  }

  /// The byte range of `group` in the last match, relative to the subject;
  /// `nil` when the group did not participate.
  func group(_ group: Int) -> Range<Int>? {
    let ovector = pcre2_get_ovector_pointer_8(matchData)!
    let lo = ovector[2 * group], hi = ovector[2 * group + 1]
    if lo == cpcre2_unset() { return nil }
    // \K in a lookahead can report a start after the end: keep a valid range.
    return min(lo, hi)..<max(lo, hi)
  }

  /// The whole match (group 0) of the last match, relative to the subject.
  var matchStart: Int { pcre2_get_ovector_pointer_8(matchData)![0] }
  var matchEnd: Int { pcre2_get_ovector_pointer_8(matchData)![1] }
  /// Where the last match's attempt started (before any `\K`; `pcre2_get_startchar_8`).
  var attemptStart: Int { pcre2_get_startchar_8(matchData) }

  /// All `2 × (captureCount + 1)` ovector entries after group 0, as absolute
  /// offsets (`-1` = unset), for a `Match` to keep.
  func captures(count: Int, adding origin: Int) -> [Int] {
    if count == 0 { return [] }
    let ovector = pcre2_get_ovector_pointer_8(matchData)!
    var result = [Int]()
    result.reserveCapacity(2 * count)
    for i in 2..<(2 * count + 2) {
      result.append(ovector[i] == cpcre2_unset() ? -1 : ovector[i] + origin)
    }
    return result
  }

  /// Runs `pcre2_substitute_8` under the guard. `output == nil` asks for the
  /// needed length (PCRE2_SUBSTITUTE_OVERFLOW_LENGTH). Returns the PCRE2 result
  /// code (or `nil` with the fault offset) and the output length.
  func substitute(_ code: PCRE2Code, subject: UnsafeRawPointer, length: Int,
                  replacement: UnsafeRawBufferPointer, mode: SubstituteMode,
                  output: UnsafeMutableRawPointer?, outputCapacity: Int) -> (result: Int32, length: Int, fault: Int?) {
    var options = PCRE2_SUBSTITUTE_OVERFLOW_LENGTH
    switch mode {
    case .global: options |= PCRE2_SUBSTITUTE_GLOBAL
    case .first: break
    case .currentMatchOnly: options |= PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_REPLACEMENT_ONLY
    }
    // Safe because an empty replacement or output is never read or written; PCRE2 needs non-null.
    let replacementBase = replacement.baseAddress ?? UnsafeRawPointer(emptySubjectByte)
    var scratchByte: UInt8 = 0
    return withUnsafeMutablePointer(to: &scratchByte) { scratch in
      let out = output?.assumingMemoryBound(to: UInt8.self) ?? scratch
      var args = cpcre2_substitute_args(
        code: code.raw, subject: subject.assumingMemoryBound(to: UInt8.self), length: length,
        options: options, match_data: matchData, context: context,
        replacement: replacementBase.assumingMemoryBound(to: UInt8.self),
        replacement_length: replacement.count, output: out,
        output_length: output == nil ? 0 : outputCapacity, result: 0)
      var fault: UnsafeRawPointer? = nil
      let rc = csg_guarded_call(cpcre2_substitute_thunk, &args, subject, length, nil, 0, &fault)
      if rc != Int32(CSG_OK) { return (0, 0, fault.map { $0 - subject } ?? 0) }
      return (args.result, args.output_length, nil)
    }
  }

  static let noMemory = PCRE2_ERROR_NOMEMORY
}

/// Which replacements `PCRE2Scratch.substitute` makes.
enum SubstituteMode {
  /// Every match (PCRE2_SUBSTITUTE_GLOBAL).
  case global
  /// The first match only.
  case first
  /// Only the replacement text for the match already in the match data
  /// (PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_REPLACEMENT_ONLY).
  case currentMatchOnly
}
