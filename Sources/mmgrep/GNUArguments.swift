/// Reads a command line the way GNU grep's `getopt_long` does, into flags and
/// option values by canonical name (`CommandOptions` reads them) and operands.
///
/// What grep users type and a generic parser does not accept the same way:
/// clustered short options with attached values (`-inA2`, `-m1`, `-efoo`),
/// `-NUM` for context, unique prefixes of long options (`--ignore`, `--count`),
/// `--color` with no value, options after operands (GNU permutation), and
/// later options overriding earlier ones (`-H ... -h`, `-l ... -L`).
struct GNUArguments {
  enum Value { case none, required, optional }

  struct LongOption {
    var name: String
    var value: Value
    /// The canonical name it stands for (e.g. "silent" → "quiet").
    var canonical: String
    /// An option of mmgrep's, not grep's.
    var isOwn = false
  }

  /// A pattern source in command line order.
  enum PatternSource: Equatable {
    case expression(String)
    case file(String)
  }

  static let shortWithValue: [Character: String] = [
    "e": "regexp", "f": "file", "m": "max-count", "A": "after-context", "B": "before-context",
    "C": "context", "j": "threads", "d": "directories", "D": "devices",
  ]
  static let shortFlags: [Character: String] = [
    "a": "text", "b": "byte-offset", "c": "count", "F": "fixed-strings", "h": "no-filename",
    "H": "with-filename", "i": "ignore-case", "y": "ignore-case", "l": "files-with-matches",
    "L": "files-without-match", "n": "line-number", "o": "only-matching", "P": "perl-regexp",
    "q": "quiet", "r": "recursive", "R": "dereference-recursive", "s": "no-messages",
    "U": "multiline", "v": "invert-match", "V": "version", "w": "word-regexp", "x": "line-regexp",
    "Z": "null", "I": "binary-without-match", "E": "extended-regexp", "G": "basic-regexp",
    "u": "unix-byte-offsets",
  ]
  /// grep 3.8's long options in the order of its table (getopt_long lists
  /// ambiguous abbreviations in this order), then mmgrep's own.
  static let longOptions: [LongOption] = [
    .init(name: "basic-regexp", value: .none, canonical: "basic-regexp"),
    .init(name: "extended-regexp", value: .none, canonical: "extended-regexp"),
    .init(name: "fixed-regexp", value: .none, canonical: "fixed-strings"),
    .init(name: "fixed-strings", value: .none, canonical: "fixed-strings"),
    .init(name: "perl-regexp", value: .none, canonical: "perl-regexp"),
    .init(name: "after-context", value: .required, canonical: "after-context"),
    .init(name: "before-context", value: .required, canonical: "before-context"),
    .init(name: "binary-files", value: .required, canonical: "binary-files"),
    .init(name: "byte-offset", value: .none, canonical: "byte-offset"),
    .init(name: "context", value: .required, canonical: "context"),
    .init(name: "color", value: .optional, canonical: "color"),
    .init(name: "colour", value: .optional, canonical: "color"),
    .init(name: "count", value: .none, canonical: "count"),
    .init(name: "devices", value: .required, canonical: "devices"),
    .init(name: "directories", value: .required, canonical: "directories"),
    .init(name: "exclude", value: .required, canonical: "exclude"),
    .init(name: "exclude-from", value: .required, canonical: "exclude-from"),
    .init(name: "exclude-dir", value: .required, canonical: "exclude-dir"),
    .init(name: "file", value: .required, canonical: "file"),
    .init(name: "files-with-matches", value: .none, canonical: "files-with-matches"),
    .init(name: "files-without-match", value: .none, canonical: "files-without-match"),
    .init(name: "group-separator", value: .required, canonical: "group-separator"),
    .init(name: "help", value: .none, canonical: "help"),
    .init(name: "include", value: .required, canonical: "include"),
    .init(name: "ignore-case", value: .none, canonical: "ignore-case"),
    .init(name: "no-ignore-case", value: .none, canonical: "no-ignore-case"),
    .init(name: "initial-tab", value: .none, canonical: "unsupported"),
    .init(name: "label", value: .required, canonical: "label"),
    .init(name: "line-buffered", value: .none, canonical: "line-buffered"),
    .init(name: "line-number", value: .none, canonical: "line-number"),
    .init(name: "line-regexp", value: .none, canonical: "line-regexp"),
    .init(name: "max-count", value: .required, canonical: "max-count"),
    .init(name: "no-filename", value: .none, canonical: "no-filename"),
    .init(name: "no-group-separator", value: .none, canonical: "no-group-separator"),
    .init(name: "no-messages", value: .none, canonical: "no-messages"),
    .init(name: "null", value: .none, canonical: "null"),
    .init(name: "null-data", value: .none, canonical: "unsupported"),
    .init(name: "only-matching", value: .none, canonical: "only-matching"),
    .init(name: "quiet", value: .none, canonical: "quiet"),
    .init(name: "recursive", value: .none, canonical: "recursive"),
    .init(name: "dereference-recursive", value: .none, canonical: "dereference-recursive"),
    .init(name: "regexp", value: .required, canonical: "regexp"),
    .init(name: "invert-match", value: .none, canonical: "invert-match"),
    .init(name: "silent", value: .none, canonical: "quiet"),
    .init(name: "text", value: .none, canonical: "text"),
    // grep's own -U (a no-op on Unix; mmgrep's -U is --multiline).
    .init(name: "binary", value: .none, canonical: "binary"),
    .init(name: "unix-byte-offsets", value: .none, canonical: "unix-byte-offsets"),
    .init(name: "version", value: .none, canonical: "version"),
    .init(name: "with-filename", value: .none, canonical: "with-filename"),
    .init(name: "word-regexp", value: .none, canonical: "word-regexp"),
    // mmgrep's own: an abbreviation is looked up here only when it names none of grep's.
    .init(name: "multiline", value: .none, canonical: "multiline", isOwn: true),
    .init(name: "threads", value: .required, canonical: "threads", isOwn: true),
    .init(name: "stats", value: .none, canonical: "stats", isOwn: true),
    .init(name: "follow", value: .none, canonical: "follow", isOwn: true),
    .init(name: "from-offset", value: .required, canonical: "from-offset", isOwn: true),
    .init(name: "state-file", value: .required, canonical: "state-file", isOwn: true),
    .init(name: "poll-interval", value: .required, canonical: "poll-interval", isOwn: true),
    .init(name: "json", value: .none, canonical: "json", isOwn: true),
    .init(name: "timeout", value: .required, canonical: "timeout", isOwn: true),
    .init(name: "match-limit", value: .required, canonical: "match-limit", isOwn: true),
    .init(name: "depth-limit", value: .required, canonical: "depth-limit", isOwn: true),
    .init(name: "heap-limit", value: .required, canonical: "heap-limit", isOwn: true),
  ]

  /// The canonical name of grep's long options that mmgrep does not implement.
  static let unsupported = "unsupported"

  /// A usage error, worded as grep words it.
  struct UsageError: Error {
    var message: String
    /// Whether grep follows the message with its usage lines (not for a bad
    /// number, which grep reports alone as soon as it reads the option).
    var showsUsage = true
    /// The exit status (gnulib's argmatch exits 1, every other failure 2).
    var status: Int32 = 2
  }

  /// Options with values, last one wins (`-m`, `-A`, ...), by canonical name.
  var values: [String: String] = [:]
  /// Flags seen, by canonical name.
  var flags: Set<String> = []
  /// `-e` and `-f` in command line order.
  var patternSources: [PatternSource] = []
  /// --include/--exclude globs in command line order (`true` = include).
  var fileFilters: [(include: Bool, glob: String)] = []
  /// --exclude-dir globs.
  var excludedDirectories: [String] = []
  /// The operands (the pattern, unless `-e`/`-f` was given, then files).
  var operands: [String] = []
  /// The matcher chosen so far (-P, -F, -E, -G), as grep's `setmatcher` keeps it.
  var matcher: String?

  /// Parses `arguments` (without the program name).
  init(_ arguments: [String]) throws(UsageError) {
    var index = 0
    var onlyOperands = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      // Work on Unicode scalars, not Characters: a combining mark after
      // `-`, `=` or an option letter must not merge with it.
      let scalars = Array(argument.unicodeScalars)
      if onlyOperands || scalars.count < 2 || scalars[0] != "-" {
        operands.append(argument)
        continue
      }
      if argument == "--" {
        onlyOperands = true
        continue
      }
      if scalars[1] == "-" {
        let body = scalars[2...]
        let name: String
        let attached: String?
        if let equals = body.firstIndex(of: "=") {
          name = Self.string(body[..<equals])
          attached = Self.string(body[(equals + 1)...])
        } else {
          name = Self.string(body)
          attached = nil
        }
        let option = try Self.longOption(named: name, argument: argument)
        if option.canonical == Self.unsupported {
          throw UsageError(message: "unrecognized option '\(argument)'")
        }
        switch option.value {
        case .none:
          if attached != nil {
            throw UsageError(message: "option '--\(option.name)' doesn't allow an argument")
          }
          try set(flag: option.canonical)
        case .optional:
          try set(option.canonical, attached ?? "auto")
        case .required:
          if let attached {
            try set(option.canonical, attached)
          } else if index < arguments.count {
            try set(option.canonical, arguments[index])
            index += 1
          } else {
            throw UsageError(message: "option '--\(option.name)' requires an argument")
          }
        }
        continue
      }
      // A cluster of short options.
      let characters = scalars.dropFirst()
      var position = characters.startIndex
      var digits = ""
      while position < characters.endIndex {
        let character = characters[position]
        position += 1
        if ("0"..."9").contains(character) {
          digits.unicodeScalars.append(character)
          if position == characters.endIndex || !("0"..."9").contains(characters[position]) {
            try set("context", digits)
            digits = ""
          }
          continue
        }
        if let name = Self.shortWithValue[Character(character)] {
          if position < characters.endIndex {
            try set(name, Self.string(characters[position...]))
          } else if index < arguments.count {
            try set(name, arguments[index])
            index += 1
          } else {
            throw UsageError(message: "option requires an argument -- '\(character)'")
          }
          break
        }
        if let name = Self.shortFlags[Character(character)] {
          try set(flag: name)
          continue
        }
        throw UsageError(message: "invalid option -- '\(character)'")
      }
    }
    if let matcher, matcher == "extended-regexp" || matcher == "basic-regexp" {
      throw UsageError(message: "--\(matcher) (-\(matcher == "basic-regexp" ? "G" : "E")) is not supported: mmgrep is grep -P (and -F)")
    }
  }

  static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var result = ""
    result.unicodeScalars.append(contentsOf: scalars)
    return result
  }

  /// The option `name` stands for, as glibc's getopt_long finds it: an exact
  /// name, else the first option it abbreviates, which is ambiguous when
  /// another one it abbreviates means something else (the list names those,
  /// in table order). grep's options are tried before mmgrep's own.
  static func longOption(named name: String, argument: String) throws(UsageError) -> LongOption {
    if let exact = longOptions.first(where: { $0.name == name }) { return exact }
    if !name.isEmpty {
      for own in [false, true] {
        let candidates = longOptions.filter { $0.isOwn == own && $0.name.hasPrefix(name) }
        guard let first = candidates.first else { continue }
        let others = candidates.filter { $0.canonical != first.canonical || $0.value != first.value }
        if !others.isEmpty {
          let list = ([first] + others).map { "'--\($0.name)'" }.joined(separator: " ")
          throw UsageError(message: "option '\(argument)' is ambiguous; possibilities: \(list)")
        }
        return first
      }
    }
    throw UsageError(message: "unrecognized option '\(argument)'")
  }

  private mutating func set(_ name: String, _ value: String) throws(UsageError) {
    // grep checks numbers as it reads each option, so `-m x -m 1` fails.
    switch name {
    case "max-count":
      if Settings.number(value) == nil { throw UsageError(message: "invalid max count", showsUsage: false) }
    case "after-context", "before-context", "context":
      if (Settings.number(value) ?? -1) < 0 {
        throw UsageError(message: "\(value): invalid context length argument", showsUsage: false)
      }
    case "binary-files":
      if !["binary", "text", "without-match"].contains(value) {
        throw UsageError(message: "unknown binary-files type", showsUsage: false)
      }
    case "color":
      // grep answers an unknown --color value with its help (exit 0), even
      // when a later --color is valid; the values ignore case.
      let known = ["always", "yes", "force", "never", "no", "none", "auto", "tty", "if-tty"]
      if !known.contains(value.lowercased()) { flags.insert("help") }
    case "devices":
      if !["read", "skip"].contains(value) { throw UsageError(message: "unknown devices method", showsUsage: false) }
    case "directories":
      if !["read", "recurse", "skip"].contains(value) {
        // gnulib's argmatch quotes as the UTF-8 locale does, and exits 1.
        throw UsageError(
          message: "invalid argument \u{2018}\(value)\u{2019} for \u{2018}--directories\u{2019}\n"
            + "Valid arguments are:\n  - \u{2018}read\u{2019}\n  - \u{2018}recurse\u{2019}\n  - \u{2018}skip\u{2019}",
          status: 1)
      }
    default:
      break
    }
    switch name {
    case "exclude-from":
      // grep reads the file at once: one glob per line, trailing white space
      // dropped, blank lines skipped (gnulib's add_exclude_fp).
      let bytes: [UInt8]
      do {
        bytes = try Settings.readPatternFile(value)
      } catch {
        throw UsageError(message: error.message, showsUsage: false)
      }
      for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        let glob = line.reversed().drop { [0x20, 0x09, 0x0B, 0x0C, 0x0D].contains($0) }.reversed()
        if !glob.isEmpty { fileFilters.append((false, String(decoding: glob, as: UTF8.self))) }
      }
    case "regexp": patternSources.append(.expression(value))
    case "file": patternSources.append(.file(value))
    case "include": fileFilters.append((true, value))
    case "exclude": fileFilters.append((false, value))
    case "exclude-dir": excludedDirectories.append(value)
    case "group-separator":
      flags.remove("no-group-separator")
      values[name] = value
    case "directories":
      // -d skip/read after -r cancels recursion, as in grep.
      flags.remove("recursive")
      flags.remove("dereference-recursive")
      values[name] = value
    default: values[name] = value
    }
  }

  private mutating func set(flag name: String) throws(UsageError) {
    switch name {
    case "perl-regexp", "fixed-strings", "extended-regexp", "basic-regexp":
      // grep's setmatcher: a second, different matcher is an error at once.
      if let matcher, matcher != name {
        throw UsageError(message: "conflicting matchers specified", showsUsage: false)
      }
      matcher = name
      if name == "extended-regexp" || name == "basic-regexp" { return }
    case "binary":
      return  // grep's -U: no effect on Unix
    case "unix-byte-offsets":
      // grep warns as it reads the option.
      writeError("mmgrep: warning: --unix-byte-offsets (-u) is obsolete")
      return
    default:
      break
    }
    // Pairs where the later one cancels the earlier, as in grep.
    let opposites: [String: String] = [
      "with-filename": "no-filename", "no-filename": "with-filename",
      "files-with-matches": "files-without-match", "files-without-match": "files-with-matches",
      "ignore-case": "no-ignore-case", "no-ignore-case": "ignore-case",
    ]
    if let opposite = opposites[name] { flags.remove(opposite) }
    if name == "no-group-separator" { values["group-separator"] = nil }
    // -a, -I and --binary-files=TYPE: the last one wins.
    switch name {
    case "text":
      values["binary-files"] = "text"
      return
    case "binary-without-match":
      values["binary-files"] = "without-match"
      return
    case "recursive", "dereference-recursive":
      values["directories"] = nil
    default:
      break
    }
    flags.insert(name)
  }
}
