import ByteBuffer

/// The error every throwing operation of RegexSearch reports.
///
/// PCRE2 has about a hundred error codes, so the error keeps a `kind` to
/// switch on and PCRE2's `code` and message for the details:
///
/// ```swift
/// do { _ = try Pattern("a(") } catch { print(error) }
/// // cannot compile pattern 'a(' at offset 2: missing closing parenthesis
/// ```
///
/// A failed match is not an error: searches return `nil` or end.
public struct RegexError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What failed.
  public enum Kind: Sendable, Hashable {
    /// The pattern does not compile (`pcre2_compile_8`); `offset` is in the pattern.
    case compile
    /// JIT compilation or the JIT machinery failed. `Pattern` falls back to
    /// the interpreter when `pcre2_jit_compile_8` fails, so compiling never
    /// throws this kind; it is kept for callers that switch over every kind.
    case jit
    /// A match attempt failed (match, depth or heap limit, JIT stack limit, ...);
    /// `offset` is the subject offset where the failing attempt started.
    case match
    /// The buffer could not be read: it is closed, or its file was truncated
    /// underneath a mapping (`bufferError` says which).
    case buffer
    /// The search's `SearchBudget` ran out (`exceededLimit` says which
    /// limit): `offset` is where it stopped; everything before was searched
    /// and delivered; `partialCount` holds a counting search's count so far.
    case budgetExceeded
  }

  /// What failed.
  public let kind: Kind
  /// PCRE2's error code (negative for match errors), or 0 for `.buffer`.
  public let code: Int32
  /// For `.compile`, the offset in the pattern; for `.match`, the absolute
  /// subject offset where the failing attempt started; for
  /// `.budgetExceeded`, where the search stopped; else `nil`.
  public let offset: Int?
  /// PCRE2's message for `code` (`pcre2_get_error_message_8`), or the buffer
  /// error's description.
  public var message: String
  /// For `.buffer`: the buffer's error (closed, truncated, ...).
  public var bufferError: ByteBufferError?
  /// The pattern text (lossily decoded), for messages that name it.
  public var pattern: String?
  /// For `.budgetExceeded`: the limit that ran out.
  public var exceededLimit: SearchBudget.Limit?
  /// For `.budgetExceeded` from a counting search: the count up to `offset`.
  public var partialCount: Int?

  /// Creates an error; `message` defaults to PCRE2's text for `code`.
  ///
  /// - Parameters:
  ///   - kind: What failed.
  ///   - code: The PCRE2 error code (0 for `.buffer`).
  ///   - offset: The pattern offset (`.compile`) or subject offset (`.match`).
  ///   - message: The text; `nil` asks PCRE2 for the message of `code`.
  ///   - bufferError: The buffer's error, for `.buffer`.
  ///   - pattern: The pattern text.
  public init(kind: Kind, code: Int32, offset: Int?, message: String? = nil,
              bufferError: ByteBufferError? = nil, pattern: String? = nil) {
    self.kind = kind
    self.code = code
    self.offset = offset
    self.message = message ?? (kind == .buffer ? (bufferError?.description ?? "buffer error") : pcre2ErrorMessage(code))
    self.bufferError = bufferError
    self.pattern = pattern
  }

  /// Wraps a buffer error.
  init(_ error: ByteBufferError, pattern: String?) {
    self.init(kind: .buffer, code: 0, offset: nil, message: error.description, bufferError: error, pattern: pattern)
  }

  /// Whether this is a resource limit: the match, depth or heap limit, or the
  /// JIT stack (raise `Pattern.Limits` or simplify the pattern).
  public var isLimitExceeded: Bool {
    kind == .match && [PCRE2ErrorCode.matchLimit, PCRE2ErrorCode.depthLimit,
                       PCRE2ErrorCode.heapLimit, PCRE2ErrorCode.jitStackLimit].contains(code)
  }

  /// A one-line message, for example
  /// `cannot compile pattern 'a(' at offset 2: missing closing parenthesis`.
  public var description: String {
    let named = pattern.map { " '\($0)'" } ?? ""
    switch kind {
    case .compile:
      return "cannot compile pattern\(named) at offset \(offset ?? 0): \(message)"
    case .jit:
      return "cannot JIT-compile pattern\(named): \(message)"
    case .match:
      return "match failed for pattern\(named) at offset \(offset ?? 0): \(message)"
    case .buffer:
      return message
    case .budgetExceeded:
      return "search for pattern\(named) stopped at offset \(offset ?? 0): \(message)"
    }
  }
}
