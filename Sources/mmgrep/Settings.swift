import ByteBuffer
import RegexSearch

/// Everything a search needs, resolved from the command line once.
struct Settings {
  struct Failure: Error {
    var message: String
    var isUsage = false
  }

  enum ListMode { case none, matching, nonMatching }

  var pattern: Pattern
  var invert: Bool
  var count: Bool
  var list: ListMode
  var onlyMatching: Bool
  var lineNumbers: Bool
  var byteOffsets: Bool
  /// `true`/`false` when -H/-h was given; `nil` lets the operands decide.
  var withFilenames: Bool?
  var maxCount: Int?
  /// -v with a negative -m: grep 3.8 then selects no line, yet prints the
  /// context of each run of non-matching lines (its `prtext` outputs
  /// `min(n, outleft)` lines, and a negative `outleft` never reaches 0).
  var printsContextOnly: Bool
  var before: Int
  var after: Int
  /// Whether any of -A/-B/-C/-NUM was given (even 0): then `--` separates groups.
  var contextRequested: Bool
  var quiet: Bool
  var noMessages: Bool
  var recursive: Bool
  var followLinks: Bool
  var text: Bool
  /// -I / --binary-files=without-match: a binary file never matches.
  var binaryWithoutMatch: Bool
  /// -d skip: directory operands are skipped silently.
  var skipDirectories: Bool
  /// -D skip: device, FIFO and socket operands are skipped.
  var skipDevices: Bool
  var multiline: Bool
  /// -j N, or (without -j) every core, used for files of at least
  /// `FileSearch.parallelThreshold` bytes.
  var threads: Int
  /// Whether -j was given (then every file uses `threads`).
  var threadsGiven: Bool
  var stats: Bool
  var colors: Colors?
  var label: String
  /// -Z: a NUL after file names.
  var nullAfterName: Bool
  var lineBuffered: Bool
  /// The line between context groups (its bytes); `nil` with --no-group-separator.
  var groupSeparator: [UInt8]?
  var files: [String]
  /// --include/--exclude in order (`true` = include) and --exclude-dir.
  var fileFilters: [(include: Bool, glob: String)]
  var excludedDirectories: [String]
  /// grep exits 1 at once, reading nothing, when nothing can be selected
  /// (`-m 0`, or `-v` with an empty pattern).
  var selectsNothing: Bool
  /// mmgrep's --follow, --from-offset, --state-file, --poll-interval, --json
  /// and --timeout (Settings+Extensions.swift).
  var extensions = ExtendedSettings()

  init(command: CommandOptions, arguments: GNUArguments) throws(Failure) {
    var operands = arguments.operands
    var patterns: [[UInt8]] = []
    if arguments.patternSources.isEmpty {
      guard !operands.isEmpty else { MMGrep.usageFailure(nil) }
      patterns.append(contentsOf: Self.split(ArgumentText.bytes(operands.removeFirst())))
    } else {
      for source in arguments.patternSources {
        switch source {
        case .expression(let text):
          patterns.append(contentsOf: Self.split(ArgumentText.bytes(text)))
        case .file(let path):
          let bytes = try Self.readPatternFile(path)
          var lines = Self.split(bytes)
          if bytes.last == UInt8(ascii: "\n") || bytes.isEmpty { lines.removeLast() }
          patterns.append(contentsOf: lines)
        }
      }
    }

    invert = command.invertMatch
    var wholeWords = command.wordRegexp
    var wholeLines = command.lineRegexp
    if patterns.isEmpty {
      // grep: no pattern at all (-f /dev/null) matches nothing.
      invert.toggle()
      patterns = [[]]
      wholeWords = false
      wholeLines = false
    }

    count = command.count
    list = command.filesWithMatches ? .matching : command.filesWithoutMatch ? .nonMatching : .none
    onlyMatching = command.onlyMatching
    lineNumbers = command.lineNumber
    byteOffsets = command.byteOffset
    withFilenames = command.withFilename ? true : command.noFilename ? false : nil
    quiet = command.quiet
    if quiet {
      // grep: -q prints nothing, not even -c counts or -l/-L names.
      count = false
      list = .none
    }
    noMessages = command.noMessages
    switch command.directories {
    case nil, "read":
      recursive = command.recursive || command.dereferenceRecursive
      skipDirectories = false
    case "recurse":
      recursive = true
      skipDirectories = false
    case "skip":
      recursive = false
      skipDirectories = true
    default:
      MMGrep.usageFailure(
        "invalid argument '\(command.directories ?? "")' for '--directories'\n"
          + "Valid arguments are:\n  - 'read'\n  - 'recurse'\n  - 'skip'",
        // grep exits 1 here (gnulib's argmatch calls usage(EXIT_FAILURE)).
        status: 1)
    }
    followLinks = command.dereferenceRecursive && recursive
    switch command.devices {
    case nil, "read": skipDevices = false
    case "skip": skipDevices = true
    default: throw Failure(message: "unknown devices method")
    }
    switch command.binaryFiles {
    case nil, "binary":
      text = false
      binaryWithoutMatch = false
    case "text":
      text = true
      binaryWithoutMatch = false
    case "without-match":
      text = false
      binaryWithoutMatch = true
    default:
      throw Failure(message: "unknown binary-files type")
    }
    multiline = command.multiline
    stats = command.stats
    label = command.label ?? "(standard input)"
    nullAfterName = command.null
    lineBuffered = command.lineBuffered
    groupSeparator = command.noGroupSeparator ? nil : ArgumentText.bytes(command.groupSeparator ?? "--")

    printsContextOnly = false
    if let value = command.maxCount {
      guard let number = Self.number(value) else { throw Failure(message: "invalid max count") }
      maxCount = number < 0 ? nil : number
      printsContextOnly = number < 0 && invert
    } else {
      maxCount = nil
    }
    func contextLength(_ value: String?) throws(Failure) -> Int? {
      guard let value else { return nil }
      guard let number = Self.number(value), number >= 0 else {
        throw Failure(message: "\(value): invalid context length argument")
      }
      return number
    }
    let both = try contextLength(command.context)
    let afterValue = try contextLength(command.afterContext)
    let beforeValue = try contextLength(command.beforeContext)
    after = afterValue ?? both ?? 0
    before = beforeValue ?? both ?? 0
    contextRequested = afterValue != nil || beforeValue != nil || both != nil

    if let value = command.threads {
      guard let number = Self.number(value), number >= 1 else {
        throw Failure(message: "\(value): invalid number of threads")
      }
      threads = min(number, 256)
      threadsGiven = true
    } else {
      threads = min(max(Platform.processorCount, 1), 256)
      threadsGiven = false
    }

    switch (command.color ?? "never").lowercased() {
    case "never", "no", "none":
      colors = nil
    case "always", "yes", "force":
      colors = Colors.fromEnvironment()
    case "auto", "tty", "if-tty":
      let term = Platform.environment("TERM")
      colors = Platform.isTerminal(1) && term != nil && term != "dumb" ? Colors.fromEnvironment() : nil
    default:
      // grep 3.8 answers an unknown --color value with its help, exit 0.
      MMGrep.printHelp()
    }

    files = operands
    fileFilters = arguments.fileFilters
    excludedDirectories = arguments.excludedDirectories
    if files.isEmpty { files = recursive ? [] : ["-"] }

    // grep 3.8 stops before reading anything when no line can be selected,
    // except with -L, which then lists every file. Its patterns are
    // deduplicated first, so `-f` with only empty lines is one empty pattern.
    selectsNothing =
      list != .nonMatching
      && (maxCount == 0
        || (invert && patterns.allSatisfy(\.isEmpty) && !wholeWords && !wholeLines))

    // grep -F matches strings that are not valid UTF-8 (a Latin-1 word) byte
    // for byte, where PCRE2 in UTF mode refuses them: such strings are
    // searched in byte mode (-i then folds ASCII letters only).
    let fixedBytes = command.fixedStrings && patterns.contains { String(validating: $0, as: UTF8.self) == nil }
    var options: Pattern.Options = fixedBytes ? [] : [.utf]
    if command.ignoreCase && !command.noIgnoreCase { options.insert(.caseInsensitive) }
    if wholeLines { options.insert(.wholeLines) }
    if multiline { options.insert(.multiline) }
    if command.fixedStrings && wholeWords {
      // grep -F -w counts letters and digits of every script as word
      // characters (glibc's iswalnum), where grep -P -w's \w is ASCII; in
      // byte mode only ASCII ones (bytes that are not UTF-8 are no letters).
      patterns = [Self.fixedWordsPattern(patterns, asciiWords: fixedBytes)]
    } else {
      if wholeWords { options.insert(.wholeWords) }
      if command.fixedStrings { options.insert(.literal) }
    }
    // grep -P starts each subject after bytes that cannot begin a character
    // (grep -F has no such rule: it is not PCRE2).
    if !command.fixedStrings { options.insert(.skipsInvalidLineStart) }
    let limits = try Self.limits(command)
    // PCRE2's JIT ignores the depth and heap limits: with either one, match with the interpreter.
    let jit = command.depthLimit == nil && command.heapLimit == nil
    do {
      if selectsNothing {
        // grep exits before compiling, so a bad pattern is not reported.
        pattern = try Pattern(bytes: [], options: [.utf])
      } else if patterns.count == 1 {
        pattern = try Pattern(bytes: patterns[0], options: options, limits: limits, jit: jit)
      } else {
        pattern = try Pattern(anyOf: patterns, options: options, limits: limits, jit: jit)
      }
    } catch {
      throw Failure(message: error.message)
    }
    try resolveExtensions(command: command, operands: operands)
  }

  /// PCRE2's default limits, except the JIT stack: grep doubles it whenever a
  /// line needs more (deep backtracking over a long line), so mmgrep lets it
  /// grow to 1 GiB (reserved only when a line needs it).

  /// One regular expression for `grep -F -w` with several strings: each
  /// string escaped, longest first (grep -F reports leftmost-longest), between
  /// word boundaries made of `[\p{L}\p{Nd}\p{Nl}_]` (what glibc's `iswalnum`
  /// and `_` accept in a UTF-8 locale), or of `[A-Za-z0-9_]` with `asciiWords`
  /// (for strings that are not UTF-8, searched in byte mode).
  static func fixedWordsPattern(_ strings: [[UInt8]], asciiWords: Bool = false) -> [UInt8] {
    let word = Array((asciiWords ? "[A-Za-z0-9_]" : "[\\p{L}\\p{Nd}\\p{Nl}_]").utf8)
    var result = Array("(?<!".utf8) + word + Array(")(?:".utf8)
    let ordered = strings.enumerated()
      .sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
    for (index, item) in ordered.enumerated() {
      if index > 0 { result.append(UInt8(ascii: "|")) }
      for byte in item.element {
        let isAlphanumeric = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
        if byte < 0x80 && !isAlphanumeric { result.append(UInt8(ascii: "\\")) }
        result.append(byte)
      }
    }
    result += Array(")(?!".utf8) + word + Array(")".utf8)
    return result
  }

  /// The names a glob is tried on: the base name inside a walk; for an
  /// operand, the whole name and every part after a `/` (grep's "name suffix").
  static func candidateNames(_ name: String, operand: Bool) -> [Substring] {
    let whole = Substring(name)
    var names: [Substring] = operand ? [whole] : []
    var index = whole.startIndex
    while let slash = whole[index...].firstIndex(of: "/") {
      index = whole.index(after: slash)
      if index < whole.endIndex, whole[index] != "/", operand { names.append(whole[index...]) }
    }
    if !operand { names.append(whole[index...]) }
    return names
  }

  /// Whether --include/--exclude let this file be searched.
  func includesFile(_ name: String, operand: Bool) -> Bool {
    guard !fileFilters.isEmpty else { return true }
    let names = Self.candidateNames(name, operand: operand)
    for filter in fileFilters.reversed() where names.contains(where: { Platform.wildcardMatches(filter.glob, String($0)) }) {
      return filter.include
    }
    return !fileFilters[0].include
  }

  /// Whether --exclude-dir skips this directory.
  func excludesDirectory(_ name: String, operand: Bool) -> Bool {
    guard !excludedDirectories.isEmpty else { return false }
    let names = Self.candidateNames(name, operand: operand)
    return excludedDirectories.contains { glob in names.contains { Platform.wildcardMatches(glob, String($0)) } }
  }

  /// Splits at `\n` (a pattern with newlines is several patterns, as in grep).
  static func split(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
  }

  /// --match-limit, --depth-limit and --heap-limit: PCRE2's limits for each
  /// match attempt (`nil` keeps PCRE2's default), and a JIT stack that may
  /// grow to 1 GiB (as GNU grep's).
  static func limits(_ command: CommandOptions) throws(Failure) -> Pattern.Limits {
    func limit(_ value: String?, _ what: String) throws(Failure) -> UInt32? {
      guard let value else { return nil }
      guard value.first != "-", value.first != "+", let number = number(value), number > 0 else {
        throw Failure(message: "\(value): invalid \(what) (a whole number, at least 1)")
      }
      return UInt32(clamping: number)
    }
    return Pattern.Limits(matchLimit: try limit(command.matchLimit, "match limit"),
                          depthLimit: try limit(command.depthLimit, "depth limit"),
                          heapLimitKiB: try limit(command.heapLimit, "heap limit"),
                          jitStackSize: 1 << 30)
  }

  /// grep's number syntax (`xstrtoimax`): leading white space, an optional
  /// `+`/`-`, then decimal digits; values too large to hold count as "unlimited".
  static func number(_ text: String) -> Int? {
    var digits = Substring.UnicodeScalarView(text.unicodeScalars.drop { [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r"].contains($0) })
    var negative = false
    if digits.first == "-" || digits.first == "+" {
      negative = digits.first == "-"
      digits = digits.dropFirst()
    }
    guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
    let value = Int(String(digits)) ?? Int.max
    return negative ? -value : value
  }

  static func readPatternFile(_ path: String) throws(Failure) -> [UInt8] {
    do {
      let buffer = path == "-" ? try HeapByteBuffer.readingStandardInput() : try HeapByteBuffer(contentsOf: path)
      return try buffer.bytes(in: 0..<buffer.count)
    } catch {
      throw Failure(message: "\(path): \(Searcher.describe(error))")
    }
  }
}
