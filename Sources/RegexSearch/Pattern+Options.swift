extension Pattern {
  /// How a pattern is compiled and matched.
  public struct Options: OptionSet, Sendable, Hashable {
    /// The PCRE2 option bits are not these: see each option's documentation.
    public let rawValue: UInt32
    /// Creates options from their raw value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Letters match either case (`PCRE2_CASELESS`; grep -i).
    public static let caseInsensitive = Options(rawValue: 1 << 0)
    /// `^` and `$` match at every line start and end, not only at the subject's
    /// (`PCRE2_MULTILINE`).
    public static let multiline = Options(rawValue: 1 << 1)
    /// `.` matches newlines too (`PCRE2_DOTALL`).
    public static let dotMatchesNewlines = Options(rawValue: 1 << 2)
    /// Whitespace in the pattern is ignored and `#` starts a comment (`PCRE2_EXTENDED`).
    public static let extended = Options(rawValue: 1 << 3)
    /// The pattern and subject are UTF-8 (`PCRE2_UTF`). Invalid UTF-8 in the
    /// subject is tolerated (`PCRE2_MATCH_INVALID_UTF`): it never matches a
    /// character, and matches never include it — logs carry garbage bytes.
    /// As in GNU grep 3.8, Unicode properties are not used for `\w`, `\d`, `\s`
    /// and `\b` (no `PCRE2_UCP`): they stay ASCII; use `\p{L}` and friends.
    public static let utf = Options(rawValue: 1 << 4)
    /// The pattern is a fixed string, not a regular expression
    /// (`PCRE2_LITERAL`, or byte-by-byte escaping when wrapped; grep -F).
    public static let literal = Options(rawValue: 1 << 5)
    /// Matches only whole words: the pattern is wrapped as
    /// `(?<!\w)(?:PATTERN)(?!\w)`, exactly as GNU grep 3.8 does for `grep -P -w`.
    public static let wholeWords = Options(rawValue: 1 << 6)
    /// Matches only whole lines (whole subjects): the pattern is wrapped as
    /// `^(?:PATTERN)$`, exactly as GNU grep 3.8 does for `grep -P -x`.
    /// Wins over `wholeWords`, as in grep.
    public static let wholeLines = Options(rawValue: 1 << 7)
    /// Line searches start each line's subject as GNU grep 3.8 `grep -P` does
    /// (with `.utf`; no effect without it): bytes at the start that cannot
    /// begin a UTF-8 character on their own (as glibc decodes them: `0x80`–`0xBF`,
    /// `0xC0`, `0xC1`, `0xFE`, `0xFF`) are skipped, and the subject starts after
    /// them, not at the beginning of a line (`PCRE2_NOTBOL`). So `^` does not
    /// match such a line, `\A` matches after the skipped bytes, and lookbehind
    /// cannot see them.
    ///
    /// Applies to `matchingLines`, `countMatchingLines`, `forEachLine` and to
    /// `firstMatch(in:within:from:)`, where the skipped bytes are those at the
    /// start offset (grep's rule when it looks for the next match in a line).
    public static let skipsInvalidLineStart = Options(rawValue: 1 << 8)
  }

  /// Which character sequences are newlines to `^`, `$`, `.` and `\N`
  /// (`PCRE2_NEWLINE_…`).
  ///
  /// Line-oriented search (`matchingLines`) always splits lines at `"\n"`, as
  /// grep does; this setting changes only what PCRE2 treats as a newline inside
  /// a subject (so with `.lf`, a CRLF file's lines end in `"\r"`).
  public enum Newline: Sendable, Hashable {
    /// `"\n"` (`PCRE2_NEWLINE_LF`). The default.
    case lf
    /// `"\r"` (`PCRE2_NEWLINE_CR`).
    case cr
    /// `"\r\n"` (`PCRE2_NEWLINE_CRLF`).
    case crlf
    /// Any of `"\r"`, `"\n"`, `"\r\n"` (`PCRE2_NEWLINE_ANYCRLF`).
    case anyCRLF
    /// Any Unicode newline sequence (`PCRE2_NEWLINE_ANY`).
    case any
  }

  /// Resource limits for each match attempt; they turn runaway backtracking
  /// into a thrown `RegexError` of kind `.match`.
  public struct Limits: Sendable, Hashable {
    /// The match limit (`pcre2_set_match_limit_8`); `nil` keeps PCRE2's default
    /// (10,000,000), which stops `(a+)+$` over 100,000 `a`s within a fraction
    /// of a second.
    public var matchLimit: UInt32?
    /// The backtracking depth limit (`pcre2_set_depth_limit_8`); `nil` = PCRE2's default.
    public var depthLimit: UInt32?
    /// The interpreter's heap limit in KiB (`pcre2_set_heap_limit_8`); `nil` = PCRE2's default.
    public var heapLimitKiB: UInt32?
    /// The largest JIT stack in bytes (`pcre2_jit_stack_create_8`); 32 KiB or
    /// less uses PCRE2's default stack. Default 1 MiB. The stack may first
    /// grow to 1 MiB; a match that needs more (deep backtracking over a long
    /// line) doubles it and is tried again, up to this size, as GNU grep does.
    public var jitStackSize: Int

    /// Creates limits; every `nil` keeps PCRE2's default.
    ///
    /// - Parameters:
    ///   - matchLimit: The match limit.
    ///   - depthLimit: The depth limit.
    ///   - heapLimitKiB: The heap limit in KiB.
    ///   - jitStackSize: The largest JIT stack in bytes.
    public init(matchLimit: UInt32? = nil, depthLimit: UInt32? = nil, heapLimitKiB: UInt32? = nil,
                jitStackSize: Int = 1 << 20) {
      self.matchLimit = matchLimit
      self.depthLimit = depthLimit
      self.heapLimitKiB = heapLimitKiB
      self.jitStackSize = jitStackSize
    }
  }
}
