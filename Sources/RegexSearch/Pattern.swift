/// A PCRE2 regular expression, compiled once (JIT-compiled by default), that
/// searches any `MutableByteBuffer`, raw bytes, `[UInt8]` or `String` in place.
///
/// A `Pattern` is an immutable value: share one between threads and tasks
/// freely. Scratch space for matching (PCRE2 match data, match context, JIT
/// stack) is pooled inside and reused per call or per thread, never allocated
/// per match.
///
/// ```swift
/// let errors = try Pattern(#"ERROR (\w+)"#, options: [.caseInsensitive])
/// var lines = errors.matchingLines(in: log).makeIterator()
/// while let line = try lines.next() { print(line.number, line.range) }
/// ```
public struct Pattern: Sendable {
  let storage: PatternStorage
  /// The options the pattern was compiled with.
  public let options: Options
  /// The newline convention the pattern was compiled with.
  public let newline: Newline
  /// The resource limits each match attempt runs under.
  public let limits: Limits
  /// The pattern text as given (lossily decoded), for messages.
  public let source: String

  /// Compiles `pattern`.
  ///
  /// - Parameters:
  ///   - pattern: A PCRE2 regular expression (or a fixed string with `.literal`).
  ///   - options: Compile options.
  ///   - newline: The newline convention inside a subject.
  ///   - limits: Resource limits for each match attempt.
  ///   - jit: JIT-compile (`PCRE2_JIT_COMPLETE`) when the machine supports it;
  ///     otherwise, or when `false`, or when JIT compilation fails (for
  ///     example a pattern starting with `(*NO_JIT)`), the interpreter matches.
  /// - Throws: `RegexError` of kind `.compile` with PCRE2's message and the
  ///   offset in the pattern.
  public init(_ pattern: String, options: Options = [], newline: Newline = .lf,
              limits: Limits = .init(), jit: Bool = true) throws(RegexError) {
    try self.init(bytes: Array(pattern.utf8), options: options, newline: newline, limits: limits, jit: jit)
  }

  /// Compiles a pattern given as bytes (for example read from a file with `-f`).
  ///
  /// - Parameters:
  ///   - pattern: The pattern's bytes (UTF-8 with `.utf`).
  ///   - options: Compile options.
  ///   - newline: The newline convention inside a subject.
  ///   - limits: Resource limits for each match attempt.
  ///   - jit: JIT-compile when possible.
  /// - Throws: `RegexError` of kind `.compile`.
  public init(bytes pattern: some Collection<UInt8>, options: Options = [], newline: Newline = .lf,
              limits: Limits = .init(), jit: Bool = true) throws(RegexError) {
    let text = Array(pattern)
    let wrapped = options.contains(.wholeWords) || options.contains(.wholeLines)
    let literal = options.contains(.literal)
    let body = literal && wrapped ? PatternText.escape(text) : text
    let prefixLength = wrapped ? (options.contains(.wholeLines) ? PatternText.linePrefix.count : PatternText.wordPrefix.count) : 0
    try self.init(compiled: PatternText.wrap(body, options: options), usePCRE2Literal: literal && !wrapped,
                  userText: [text], segments: [prefixLength..<(prefixLength + body.count)],
                  source: String(decoding: text, as: UTF8.self),
                  options: options, newline: newline, limits: limits, jit: jit)
  }

  /// Compiles several patterns as one that matches where any of them matches
  /// (grep with several `-e` or a `-f` file).
  ///
  /// The alternatives are joined as `(?:p1)|(?:p2)|…`. With `.literal` each is
  /// escaped and they are ordered longest first, so a match is the leftmost
  /// *longest* one, as `grep -F -o` reports. An empty alternative matches
  /// everywhere; no alternatives at all match nothing. `.wholeWords` and
  /// `.wholeLines` wrap the whole alternation.
  ///
  /// - Parameters:
  ///   - patterns: The alternatives' bytes.
  ///   - options: Compile options.
  ///   - newline: The newline convention inside a subject.
  ///   - limits: Resource limits for each match attempt.
  ///   - jit: JIT-compile when possible.
  /// - Throws: `RegexError` of kind `.compile`.
  public init(anyOf patterns: [[UInt8]], options: Options = [], newline: Newline = .lf,
              limits: Limits = .init(), jit: Bool = true) throws(RegexError) {
    let literal = options.contains(.literal)
    // Longest first for literals: PCRE2 takes the first alternative that matches.
    let texts = literal ? PatternText.longestFirst(patterns) : patterns
    let alternatives = literal ? texts.map { PatternText.escape($0) } : texts
    let close: [UInt8] = options.contains(.extended) && !literal ? [0x0A] : []
    let wrapper = options.contains(.wholeLines) ? PatternText.linePrefix.count
      : options.contains(.wholeWords) ? PatternText.wordPrefix.count : 0
    var body: [UInt8] = []
    var segments: [Range<Int>] = []
    for (i, alternative) in alternatives.enumerated() {
      if i > 0 { body.append(UInt8(ascii: "|")) }
      body += Array("(?:".utf8)
      segments.append((wrapper + body.count)..<(wrapper + body.count + alternative.count))
      body += alternative + close + [UInt8(ascii: ")")]
    }
    if alternatives.isEmpty { body = Array("(*FAIL)".utf8) }
    let source = patterns.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    try self.init(compiled: PatternText.wrap(body, options: options), usePCRE2Literal: false,
                  userText: texts, segments: segments, source: source,
                  options: options, newline: newline, limits: limits, jit: jit)
  }

  /// - Parameter segments: where each of `userText` sits in `compiled`, to
  ///   report compile errors at offsets in the user's own text.
  private init(compiled: [UInt8], usePCRE2Literal: Bool, userText: [[UInt8]], segments: [Range<Int>],
               source: String, options: Options, newline: Newline, limits: Limits, jit: Bool) throws(RegexError) {
    let literal = options.contains(.literal)
    // The line-search fast path needs patterns whose matches stay inside one line and
    // whose attempts never read past it (see LineScanner).
    let localText = literal || userText.allSatisfy(PatternText.isLineLocal)
    let lineLocal = literal
      ? !userText.contains { $0.contains(0x0A) }
      : localText && userText.allSatisfy { !PatternText.mayMatchNewline($0, options: options) }
    let anchored = !literal && userText.contains(where: PatternText.dependsOnStartOffset)
    let request = PCRE2CompileRequest(pattern: compiled, options: options, newline: newline,
                                      literal: usePCRE2Literal, jit: jit)
    // What lets a line search skip lines (and, with an exact matcher, PCRE2): see PatternStorage.prefilter.
    let needles = LiteralExtraction.needles(for: userText, options: options)
    let classes = userText.count == 1 ? ClassSequence.extract(userText[0], options: options, limits: limits) : nil
    // The class automaton is for what neither a literal nor ClassSequence's matcher serves.
    let needsAutomaton = needles == nil && (classes.map { $0.matcher == nil && !$0.isExact } ?? true)
    do {
      storage = try PatternStorage(request: request, lineLocal: lineLocal, localText: localText,
                                   anchorsToStartOffset: anchored,
                                   needles: needles, classes: classes,
                                   automaton: needsAutomaton && !literal
                                     ? ClassAutomaton.extract(userText, options: options, newline: newline, limits: limits) : nil,
                                   limits: limits)
    } catch {
      throw Self.relocate(error, segments: segments, userText: userText, source: source)
    }
    self.options = options
    self.newline = newline
    self.limits = limits
    self.source = source
  }

  /// Moves a compile error's offset from the text PCRE2 compiled (wrappers,
  /// joined alternatives) into the user's own pattern; with several
  /// alternatives, `pattern` names the one the offset is in.
  private static func relocate(_ error: RegexError, segments: [Range<Int>], userText: [[UInt8]],
                               source: String) -> RegexError {
    guard error.kind == .compile, let offset = error.offset, !segments.isEmpty else {
      var e = error
      e.pattern = source
      return e
    }
    let index = segments.lastIndex { $0.lowerBound <= offset } ?? 0
    let segment = segments[index]
    let local = min(max(offset - segment.lowerBound, 0), segment.count)
    return RegexError(kind: .compile, code: error.code, offset: local, message: error.message,
                      pattern: segments.count == 1 ? source : String(decoding: userText[index], as: UTF8.self))
  }

  /// Whether matching runs JIT-compiled code (`false`: the interpreter, because
  /// JIT was not asked for or is unavailable).
  public var isJITCompiled: Bool { storage.code.isJITCompiled }

  /// Whether this PCRE2 build has a JIT compiler for this machine.
  public static var isJITAvailable: Bool { PCRE2Code.isJITAvailable }

  /// The number of capture groups (group 0, the whole match, not counted).
  public var captureCount: Int { storage.code.captureCount }

  /// The number of the capture group called `name`, or `nil`. With duplicate
  /// names (`(?J)`), the lowest number.
  ///
  /// - Parameter name: The group's name.
  /// - Returns: Its number, or `nil`.
  public func captureNumber(named name: String) -> Int? { storage.code.names[name]?.min() }
}
