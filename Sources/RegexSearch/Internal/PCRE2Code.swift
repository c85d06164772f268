import CPCRE2
import ByteBuffer
import Synchronization

/// How a pattern is handed to `pcre2_compile_8`: the bytes plus the choices
/// that become compile flags. Built by `Pattern` from its public options.
struct PCRE2CompileRequest {
  var pattern: [UInt8]
  var options: Pattern.Options
  var newline: Pattern.Newline
  /// Pass the bytes with `PCRE2_LITERAL` (no wrapper was needed).
  var literal: Bool
  /// Add `PCRE2_MULTILINE` (the line-search candidate finder).
  var forceMultiline: Bool = false
  /// Add `PCRE2_USE_OFFSET_LIMIT` (the parallel counter's chunk limit).
  var useOffsetLimit: Bool = false
  var jit: Bool
  /// Add `PCRE2_ANCHORED` (the JIT twin for the retry after an empty match).
  var anchored: Bool = false
}

/// A compiled PCRE2 pattern (`pcre2_code_8`), JIT-compiled in `init` when asked.
///
/// Immutable after `init`, so one instance is shared by every thread: PCRE2
/// allows concurrent matching with one code object once JIT compilation is done.
final class PCRE2Code: @unchecked Sendable {
  let raw: OpaquePointer
  let isJITCompiled: Bool
  let captureCount: Int
  /// Group names to their numbers (several numbers when `(?J)` allows duplicates).
  let names: [String: [Int]]
  let isUTF: Bool
  /// Whether CR LF is a newline (CRLF, ANYCRLF, ANY): empty-match retries skip both bytes.
  let crlfIsNewline: Bool
  private let request: PCRE2CompileRequest
  /// The anchored twin (`retryCode`), compiled on first use.
  private let twin = Mutex<PCRE2Code??>(nil)

  init(_ request: PCRE2CompileRequest) throws(RegexError) {
    var flags: UInt32 = 0
    let o = request.options
    if o.contains(.caseInsensitive) { flags |= PCRE2_CASELESS }
    // PCRE2_LITERAL refuses these; a fixed string has no anchors, dots or spacing rules anyway.
    if !request.literal {
      if o.contains(.multiline) || request.forceMultiline { flags |= PCRE2_MULTILINE }
      if o.contains(.dotMatchesNewlines) { flags |= PCRE2_DOTALL }
      if o.contains(.extended) { flags |= PCRE2_EXTENDED }
    }
    if o.contains(.utf) { flags |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF }
    if request.literal { flags |= PCRE2_LITERAL }
    if request.useOffsetLimit { flags |= PCRE2_USE_OFFSET_LIMIT }
    if request.anchored { flags |= PCRE2_ANCHORED }

    let newlineCode: UInt32
    switch request.newline {
    case .lf: newlineCode = UInt32(PCRE2_NEWLINE_LF)
    case .cr: newlineCode = UInt32(PCRE2_NEWLINE_CR)
    case .crlf: newlineCode = UInt32(PCRE2_NEWLINE_CRLF)
    case .anyCRLF: newlineCode = UInt32(PCRE2_NEWLINE_ANYCRLF)
    case .any: newlineCode = UInt32(PCRE2_NEWLINE_ANY)
    }
    guard let context = pcre2_compile_context_create_8(nil) else {
      throw RegexError(kind: .compile, code: PCRE2_ERROR_NOMEMORY, offset: nil)
    }
    defer { pcre2_compile_context_free_8(context) }
    pcre2_set_newline_8(context, newlineCode)

    var errorCode: Int32 = 0
    var errorOffset = 0
    let compiled = request.pattern.withUnsafeBufferPointer { bytes -> OpaquePointer? in
      // Safe because a zero-length pattern is never read; PCRE2 only needs a non-null pointer.
      let base = bytes.baseAddress ?? UnsafePointer(emptySubjectByte.assumingMemoryBound(to: UInt8.self))
      return pcre2_compile_8(base, bytes.count, flags, &errorCode, &errorOffset, context)
    }
    guard let compiled else {
      throw RegexError(kind: .compile, code: errorCode, offset: errorOffset)
    }

    var jitDone = false
    if request.jit {
      // Any JIT failure (no JIT support, no executable memory, a pattern JIT
      // cannot handle) falls back to the interpreter, which gives the same
      // results. A pattern starting with (*NO_JIT) "compiles" without JIT
      // code: only a non-zero JIT size means pcre2_jit_match may be used.
      if pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0 {
        var jitSize = 0
        jitDone = pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_JITSIZE), &jitSize) == 0 && jitSize > 0
      }
    }
    raw = compiled
    self.request = request
    isJITCompiled = jitDone
    isUTF = o.contains(.utf)
    crlfIsNewline = request.newline == .crlf || request.newline == .anyCRLF || request.newline == .any

    var groups: UInt32 = 0
    pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &groups)
    captureCount = Int(groups)

    var nameCount: UInt32 = 0
    var entrySize: UInt32 = 0
    var table: UnsafePointer<UInt8>? = nil
    pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMECOUNT), &nameCount)
    pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
    pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMETABLE), &table)
    var names: [String: [Int]] = [:]
    if let table, nameCount > 0 {
      // Each entry: the group number (2 bytes, big-endian), then the NUL-terminated name.
      for i in 0..<Int(nameCount) {
        let entry = table + i * Int(entrySize)
        let number = Int(entry[0]) << 8 | Int(entry[1])
        var end = 2
        while end < Int(entrySize) && entry[end] != 0 { end += 1 }
        let name = String(decoding: UnsafeBufferPointer(start: entry + 2, count: end - 2), as: UTF8.self)
        names[name, default: []].append(number)
      }
    }
    self.names = names
  }

  deinit { pcre2_code_free_8(raw) }

  /// The code for the retry after an empty match (`PCRE2_NOTEMPTY_ATSTART |
  /// PCRE2_ANCHORED`), or `nil` for "this code through `pcre2_match_8`".
  ///
  /// `pcre2_jit_match_8` does not support `PCRE2_ANCHORED` at match time
  /// (pcre2jit(3)): it silently searches unanchored. So JIT code gets a twin
  /// compiled with `PCRE2_ANCHORED` (compiled and JIT-compiled once, on first
  /// use); if that cannot be had, the retry goes through `pcre2_match_8`,
  /// which runs the interpreter for a match-time `PCRE2_ANCHORED`.
  func retryCode() -> PCRE2Code? {
    guard isJITCompiled else { return nil }
    let tag = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
    return twin.withOrderedLock(tag: tag) { (slot: inout PCRE2Code??) -> PCRE2Code? in
      if let made = slot { return made }
      var r = request
      r.anchored = true
      let made = try? PCRE2Code(r)
      slot = .some(made)
      return made
    }
  }

  /// Whether this PCRE2 build has a JIT compiler for this machine.
  static let isJITAvailable: Bool = {
    var value: UInt32 = 0
    return pcre2_config_8(UInt32(PCRE2_CONFIG_JIT), &value) >= 0 && value == 1
  }()
}

/// A 1-byte static subject for empty buffers: PCRE2 must never see a NULL
/// subject, even with length 0.
nonisolated(unsafe) let emptySubjectByte: UnsafeMutableRawPointer = {
  let p = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
  p.storeBytes(of: 0, as: UInt8.self)
  return p
}()

/// PCRE2's own text for an error code (`pcre2_get_error_message_8`).
func pcre2ErrorMessage(_ code: Int32) -> String {
  var buffer = [UInt8](repeating: 0, count: 256)
  let n = buffer.withUnsafeMutableBufferPointer { pcre2_get_error_message_8(code, $0.baseAddress, $0.count) }
  if n < 0 { return "PCRE2 error \(code)" }
  return String(decoding: buffer[0..<Int(n)], as: UTF8.self)
}

/// PCRE2 error codes the layers above need to recognise.
enum PCRE2ErrorCode {
  static let noMatch = PCRE2_ERROR_NOMATCH
  static let matchLimit = PCRE2_ERROR_MATCHLIMIT
  static let depthLimit = PCRE2_ERROR_DEPTHLIMIT
  static let heapLimit = PCRE2_ERROR_HEAPLIMIT
  static let jitStackLimit = PCRE2_ERROR_JIT_STACKLIMIT
}
