import ArgumentParser

/// `mmgrep [OPTION]... PATTERNS [FILE]...`: grep -P over memory-mapped files.
///
/// The command line is read the way GNU grep reads it (`GNUArguments`, then
/// `CommandOptions`); the declarations below give the `--help` text
/// (ArgumentParser builds it) and name the options `CommandOptions` holds.
@main
struct MMGrep: ParsableCommand {
  static let version = "mmgrep 0.1.0 (swift-mapped-buffer; PCRE2 engine; output compatible with GNU grep 3.8 -P)"

  static let configuration = CommandConfiguration(
    commandName: "mmgrep",
    abstract: "Search files for lines matching a Perl-compatible regular expression (grep -P), using memory maps.",
    usage: "mmgrep [OPTION]... PATTERNS [FILE]...",
    discussion: """
      Searches each FILE for PATTERNS (a PCRE2 regular expression, as grep -P).
      With no FILE, or when FILE is -, reads standard input; with -r and no
      FILE, searches the working directory. Regular files are memory-mapped
      and searched in place; standard input, pipes and files that report a
      size of 0 (e.g. /proc) are read into memory.

      Output is byte for byte that of GNU grep 3.8 `grep -P` in a UTF-8
      locale (LC_ALL=C.UTF-8), and with -F that of `grep -F`, with these
      deliberate differences:
        - several patterns (-e, -f, or a pattern with newlines) are allowed
          and mean one pattern (?:P1)|(?:P2)|... (grep -P refuses them);
        - -U/--multiline lets a match span lines and prints every line a
          match touches (GNU grep's -U means --binary);
        - -j/--threads, --stats, --follow, --from-offset, --state-file,
          --poll-interval, --json, --timeout, --match-limit, --depth-limit
          and --heap-limit are mmgrep's own;
        - mmgrep always works as in a UTF-8 locale.

      --follow reads each FILE as it grows (like tail -F | grep): the lines
      already there first (or from --from-offset N, or 'end'), then each new
      complete line as it arrives, through truncation and rotation; it ends
      on SIGINT, SIGTERM or SIGHUP with grep's exit status. --state-file PATH
      resumes where the last run stopped (same file, not shorter) and saves
      the new offset after each batch; without --follow it makes one
      incremental scan (cron jobs).

      Exit status: 0 if a line is selected, 1 if no line is selected, 2 if
      an error occurred (but 0 with -q once a line is selected).

      Colours (--color) follow GREP_COLORS (keys mt, ms, mc, sl, cx, rv, fn, ln,
      bn, se, ne); the defaults are ms=01;31:mc=01;31:sl=:cx=:fn=35:ln=32:bn=32:se=36.
      """,
    helpNames: [.long]
  )

  // Pattern selection and interpretation.
  @Option(name: [.customShort("e"), .customLong("regexp")], parsing: .unconditionalSingleValue, help: ArgumentHelp("Use PATTERNS for matching (repeatable).", valueName: "PATTERNS"))
  var regexp: [String] = []
  @Option(name: [.customShort("f"), .customLong("file")], parsing: .unconditionalSingleValue, help: ArgumentHelp("Take PATTERNS from FILE, one per line (- for standard input).", valueName: "FILE"))
  var file: [String] = []
  @Flag(name: [.customShort("i"), .customLong("ignore-case")], help: "Ignore case distinctions in patterns and data (-y too).")
  var ignoreCase = false
  @Flag(name: .customLong("no-ignore-case"), help: "Do not ignore case distinctions (the default).")
  var noIgnoreCase = false
  @Flag(name: [.customShort("w"), .customLong("word-regexp")], help: "Match only whole words.")
  var wordRegexp = false
  @Flag(name: [.customShort("x"), .customLong("line-regexp")], help: "Match only whole lines.")
  var lineRegexp = false
  @Flag(name: [.customShort("F"), .customLong("fixed-strings")], help: "PATTERNS are strings, not regular expressions (output as grep -F).")
  var fixedStrings = false
  @Flag(name: [.customShort("P"), .customLong("perl-regexp")], help: "PATTERNS are Perl-compatible regular expressions (the default; accepted for grep compatibility).")
  var perlRegexp = false
  @Flag(name: [.customShort("U"), .customLong("multiline")], help: "Let a match span lines: search the whole file as one subject (^ and $ match at every line) and print every line a match touches.")
  var multiline = false

  // Miscellaneous.
  @Flag(name: [.customShort("s"), .customLong("no-messages")], help: "Suppress error messages about missing or unreadable files.")
  var noMessages = false
  @Flag(name: [.customShort("v"), .customLong("invert-match")], help: "Select non-matching lines.")
  var invertMatch = false
  @Flag(name: [.customShort("V"), .customLong("version")], help: "Print version information and exit.")
  var version = false

  // Output control.
  @Option(name: [.customShort("m"), .customLong("max-count")], parsing: .unconditional, help: ArgumentHelp("Stop after NUM selected lines in each file.", valueName: "NUM"))
  var maxCount: String?
  @Flag(name: [.customShort("b"), .customLong("byte-offset")], help: "Print the byte offset with output lines.")
  var byteOffset = false
  @Flag(name: [.customShort("n"), .customLong("line-number")], help: "Print the line number with output lines.")
  var lineNumber = false
  @Flag(name: [.customShort("H"), .customLong("with-filename")], help: "Print the file name for each match (default with several files).")
  var withFilename = false
  @Flag(name: [.customShort("h"), .customLong("no-filename")], help: "Suppress the file name prefix on output.")
  var noFilename = false
  @Option(name: .customLong("label"), parsing: .unconditional, help: ArgumentHelp("Use LABEL as the name of standard input.", valueName: "LABEL"))
  var label: String?
  @Flag(name: [.customShort("Z"), .customLong("null")], help: "Print a NUL byte after each file name instead of ':' (or the newline of -l/-L).")
  var null = false
  @Flag(name: .customLong("line-buffered"), help: "Flush the output after every line.")
  var lineBuffered = false
  @Option(name: .customLong("group-separator"), parsing: .unconditional, help: ArgumentHelp("Print SEP between context groups instead of --.", valueName: "SEP"))
  var groupSeparator: String?
  @Flag(name: .customLong("no-group-separator"), help: "Print nothing between context groups.")
  var noGroupSeparator = false
  @Flag(name: [.customShort("o"), .customLong("only-matching")], help: "Show only the non-empty parts of a line that match.")
  var onlyMatching = false
  @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print nothing; exit 0 at the first selected line (--silent too).")
  var quiet = false
  @Flag(name: [.customShort("a"), .customLong("text")], help: "Treat binary files (NUL bytes, invalid UTF-8 in output) as text.")
  var text = false
  @Flag(name: .customShort("I"), help: "Treat binary files as not matching (--binary-files=without-match).")
  var binaryWithoutMatch = false
  @Option(name: .customLong("binary-files"), parsing: .unconditional, help: ArgumentHelp("binary (the default: 'binary file matches'), text (-a) or without-match (-I).", valueName: "TYPE"))
  var binaryFiles: String?
  @Option(name: [.customShort("d"), .customLong("directories")], parsing: .unconditional, help: ArgumentHelp("What to do with directory operands: read (report them, the default), skip, or recurse (-r).", valueName: "ACTION"))
  var directories: String?
  @Option(name: [.customShort("D"), .customLong("devices")], parsing: .unconditional, help: ArgumentHelp("What to do with device, FIFO and socket operands: read (the default) or skip.", valueName: "ACTION"))
  var devices: String?
  @Option(name: .customLong("include"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Search only files whose name matches GLOB (the last matching --include/--exclude wins).", valueName: "GLOB"))
  var include: [String] = []
  @Option(name: .customLong("exclude"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Skip files whose name matches GLOB (operands: any name suffix after a /).", valueName: "GLOB"))
  var exclude: [String] = []
  @Option(name: .customLong("exclude-dir"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Skip directories whose name matches GLOB when searching recursively.", valueName: "GLOB"))
  var excludeDir: [String] = []
  @Flag(name: [.customShort("r"), .customLong("recursive")], help: "Search directories recursively (symbolic links below the operands are not followed).")
  var recursive = false
  @Flag(name: [.customShort("R"), .customLong("dereference-recursive")], help: "Like -r, but follow all symbolic links.")
  var dereferenceRecursive = false
  @Flag(name: [.customShort("L"), .customLong("files-without-match")], help: "Print only the names of files with no selected lines.")
  var filesWithoutMatch = false
  @Flag(name: [.customShort("l"), .customLong("files-with-matches")], help: "Print only the names of files with selected lines.")
  var filesWithMatches = false
  @Flag(name: [.customShort("c"), .customLong("count")], help: "Print only a count of selected lines per file.")
  var count = false

  // Context control.
  @Option(name: [.customShort("B"), .customLong("before-context")], parsing: .unconditional, help: ArgumentHelp("Print NUM lines of leading context.", valueName: "NUM"))
  var beforeContext: String?
  @Option(name: [.customShort("A"), .customLong("after-context")], parsing: .unconditional, help: ArgumentHelp("Print NUM lines of trailing context.", valueName: "NUM"))
  var afterContext: String?
  @Option(name: [.customShort("C"), .customLong("context")], parsing: .unconditional, help: ArgumentHelp("Print NUM lines of output context (-NUM too).", valueName: "NUM"))
  var context: String?
  @Option(name: .customLong("color"), parsing: .unconditional, help: ArgumentHelp("Use markers to highlight matches: never, always or auto (--colour too; no value means auto).", valueName: "WHEN"))
  var color: String?

  // mmgrep's own.
  @Option(name: [.customShort("j"), .customLong("threads")], parsing: .unconditional, help: ArgumentHelp("Search each large file with N threads, split at line boundaries (same output).", valueName: "N"))
  var threads: String?
  @Flag(name: .customLong("stats"), help: "Print bytes searched, elapsed time and throughput on standard error.")
  var stats = false
  @Flag(name: .customLong("follow"), help: "Keep following each FILE as it grows, like tail -F | grep: print new selected lines as they arrive; survives truncation and rotation. Ends on SIGINT/SIGTERM/SIGHUP.")
  var follow = false
  @Option(name: .customLong("from-offset"), parsing: .unconditional, help: ArgumentHelp("Start at byte N of each FILE (a line start), or at its end with 'end'; without --follow, search from there to the current end.", valueName: "N"))
  var fromOffset: String?
  @Option(name: .customLong("state-file"), parsing: .unconditional, help: ArgumentHelp("Resume from the offset saved in PATH (if it is for the same file, not shorter) and save the new one there (atomically) after each batch and on exit.", valueName: "PATH"))
  var stateFile: String?
  @Option(name: .customLong("poll-interval"), parsing: .unconditional, help: ArgumentHelp("With --follow, check the files every SECONDS (default 0.25).", valueName: "SECONDS"))
  var pollInterval: String?
  @Flag(name: .customLong("json"), help: "Print JSON Lines (ripgrep's --json events: begin, match, context, end, summary).")
  var json = false
  @Option(name: .customLong("timeout"), parsing: .unconditional, help: ArgumentHelp("Stop searching after SECONDS (fractions allowed): print what was found, report the byte reached, exit 2.", valueName: "SECONDS"))
  var timeout: String?
  @Option(name: .customLong("match-limit"), parsing: .unconditional, help: ArgumentHelp("PCRE2's match limit for each line (default 10000000): a line that needs more reports an error and ends the file's search.", valueName: "N"))
  var matchLimit: String?
  @Option(name: .customLong("depth-limit"), parsing: .unconditional, help: ArgumentHelp("PCRE2's backtracking depth limit for each line (default: the match limit). Matches without JIT, where the limit applies.", valueName: "N"))
  var depthLimit: String?
  @Option(name: .customLong("heap-limit"), parsing: .unconditional, help: ArgumentHelp("PCRE2's heap limit in KiB for each line (default 20000000). Matches without JIT, where the limit applies.", valueName: "KIB"))
  var heapLimit: String?

  @Argument(help: ArgumentHelp("The pattern (unless -e or -f is given), then the files to search.", valueName: "PATTERNS [FILE]"))
  var operands: [String] = []

  static func main() {
    Platform.defaultBrokenPipeSignal()
    let arguments = ArgumentText.arguments()
    let gnu: GNUArguments
    do {
      gnu = try GNUArguments(arguments)
    } catch {
      if !error.showsUsage {
        writeError("mmgrep: \(error.message)")
        Platform.exit(2)
      }
      usageFailure(error.message, status: error.status)
    }
    if gnu.flags.contains("help") { printHelp() }
    let command: CommandOptions
    do {
      command = try CommandOptions(gnu)
    } catch {
      usageFailure(error.message, status: error.status)
    }
    if command.version {
      let output = Output()
      output.append(MMGrep.version + "\n")
      output.flush()
      Platform.exit(0)
    }
    let settings: Settings
    do {
      settings = try Settings(command: command, arguments: gnu)
    } catch {
      writeError("mmgrep: \(error.message)")
      Platform.exit(2)
    }
    let status = Searcher(settings: settings).run()
    Platform.exit(status)
  }

  /// Prints `--help` on standard output and exits 0.
  static func printHelp() -> Never {
    var help = MMGrep.helpMessage(columns: 100)
    if !help.hasSuffix("\n") { help += "\n" }
    let output = Output()
    output.append(help)
    output.flush()
    Platform.exit(0)
  }

  static func usageFailure(_ message: String?, status: Int32 = 2) -> Never {
    if let message { writeError("mmgrep: \(message)") }
    writeError("Usage: mmgrep [OPTION]... PATTERNS [FILE]...\nTry 'mmgrep --help' for more information.")
    Platform.exit(status)
  }
}
