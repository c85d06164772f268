/// The options of one command line, as `GNUArguments` read them: each flag
/// and each option value that `Settings` turns into a search.
///
/// The property names are those of `MMGrep`'s declarations (which give the
/// `--help` text). The command line is not parsed a second time by
/// ArgumentParser: `GNUArguments` has already applied grep's rules, and that
/// second parse (a reflection of every declaration) was most of mmgrep's
/// start-up time.
struct CommandOptions {
  var ignoreCase = false, noIgnoreCase = false, wordRegexp = false, lineRegexp = false
  var fixedStrings = false, multiline = false
  var noMessages = false, invertMatch = false, version = false
  var byteOffset = false, lineNumber = false, withFilename = false, noFilename = false
  var null = false, lineBuffered = false, noGroupSeparator = false, onlyMatching = false, quiet = false
  var recursive = false, dereferenceRecursive = false
  var filesWithoutMatch = false, filesWithMatches = false, count = false
  var stats = false, follow = false, json = false

  var maxCount: String?, afterContext: String?, beforeContext: String?, context: String?
  var label: String?, groupSeparator: String?, binaryFiles: String?, directories: String?, devices: String?
  var color: String?, threads: String?, fromOffset: String?, stateFile: String?, pollInterval: String?
  var timeout: String?, matchLimit: String?, depthLimit: String?, heapLimit: String?

  /// Every flag name `GNUArguments` can leave in `flags` (its canonical long
  /// names; `text`, `binary-without-match`, `binary` and `unix-byte-offsets`
  /// become values or nothing as they are read).
  static let flagNames: Set<String> = [
    "ignore-case", "no-ignore-case", "word-regexp", "line-regexp", "fixed-strings", "perl-regexp",
    "multiline", "no-messages", "invert-match", "version", "byte-offset", "line-number",
    "with-filename", "no-filename", "null", "line-buffered", "no-group-separator", "only-matching",
    "quiet", "recursive", "dereference-recursive", "files-without-match", "files-with-matches",
    "count", "stats", "follow", "json", "help",
  ]

  /// The options of `arguments`. Throws the name of a flag no option here
  /// stands for (a table out of step with this list: a bug, reported as an
  /// unrecognized option rather than ignored).
  init(_ arguments: GNUArguments) throws(GNUArguments.UsageError) {
    if let unknown = arguments.flags.first(where: { !Self.flagNames.contains($0) }) {
      throw GNUArguments.UsageError(message: "unrecognized option '--\(unknown)'")
    }
    func flag(_ name: String) -> Bool {
      precondition(Self.flagNames.contains(name), "CommandOptions reads an unknown flag \(name)")
      return arguments.flags.contains(name)
    }
    ignoreCase = flag("ignore-case")
    noIgnoreCase = flag("no-ignore-case")
    wordRegexp = flag("word-regexp")
    lineRegexp = flag("line-regexp")
    fixedStrings = flag("fixed-strings")
    multiline = flag("multiline")
    noMessages = flag("no-messages")
    invertMatch = flag("invert-match")
    version = flag("version")
    byteOffset = flag("byte-offset")
    lineNumber = flag("line-number")
    withFilename = flag("with-filename")
    noFilename = flag("no-filename")
    null = flag("null")
    lineBuffered = flag("line-buffered")
    noGroupSeparator = flag("no-group-separator")
    onlyMatching = flag("only-matching")
    quiet = flag("quiet")
    recursive = flag("recursive")
    dereferenceRecursive = flag("dereference-recursive")
    filesWithoutMatch = flag("files-without-match")
    filesWithMatches = flag("files-with-matches")
    count = flag("count")
    stats = flag("stats")
    follow = flag("follow")
    json = flag("json")

    let values = arguments.values
    maxCount = values["max-count"]
    afterContext = values["after-context"]
    beforeContext = values["before-context"]
    context = values["context"]
    label = values["label"]
    groupSeparator = values["group-separator"]
    binaryFiles = values["binary-files"]
    directories = values["directories"]
    devices = values["devices"]
    color = values["color"]
    threads = values["threads"]
    fromOffset = values["from-offset"]
    stateFile = values["state-file"]
    pollInterval = values["poll-interval"]
    timeout = values["timeout"]
    matchLimit = values["match-limit"]
    depthLimit = values["depth-limit"]
    heapLimit = values["heap-limit"]
  }
}
