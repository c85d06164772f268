import LogFollow
import RegexSearch

/// One operand read through a `LogFollower`.
final class FollowedFile {
  let name: String
  let nameBytes: [UInt8]
  let follower: LogFollower
  /// Lines selected so far (for -m, -c and the exit status).
  var selected = 0
  /// Whether this file is finished: -m reached, or dropped after an error.
  var isDone = false
  /// With -m: resume after the last selected line, not after the batch.
  var stopCheckpoint: FollowCheckpoint? = nil
  var savedCheckpoint: FollowCheckpoint? = nil
  /// Whether saving the state failed (reported once).
  var stateWriteFailed = false
  /// Whether a line was suppressed for invalid UTF-8 ("binary file matches").
  var suppressedLine = false
  var reportedBinary = false
  var wasMissing = false
  var jsonBegun = false
  var stats = JSONLines.Stats()
  /// Where the bytes examined so far end (for the JSON statistics).
  var examinedEnd: (file: FileIdentity, offset: Int)? = nil

  init(name: String, follower: LogFollower) {
    self.name = name
    nameBytes = Array(name.utf8)
    self.follower = follower
  }

  /// The resume point to save: after the last selected line when -m stopped
  /// the file early, else after everything examined.
  var checkpoint: FollowCheckpoint? { stopCheckpoint ?? follower.checkpoint }
}

/// `--follow`, `--from-offset` and `--state-file`: the operands are read
/// through LogFollow instead of being mapped whole.
///
/// - `--follow` polls every file each `--poll-interval`, prints the selected
///   lines of each batch as grep would (prefixes with absolute line numbers
///   and byte offsets) and flushes after each batch; it ends on SIGINT,
///   SIGTERM or SIGHUP (taken between batches: output flushed, state saved),
///   or when -m/-q is satisfied.
/// - Without --follow, one incremental scan: from the start point to the
///   current end; then -c/-l/-L print as usual. With --state-file only
///   complete lines are consumed (an unterminated last line is left for the
///   next run, like the follower does); without it the last line is
///   searched too, as grep would.
/// - The exit status is grep's: 0 if a line was selected, 1 if none, 2 after
///   an error — on a signal too.
struct FollowSearch {
  let searcher: Searcher
  let settings: Settings
  let files: [FollowedFile]
  let printer: FollowPrinter
  let started = ContinuousClock.now

  init(searcher: Searcher) {
    self.searcher = searcher
    let settings = searcher.settings
    self.settings = settings
    let ext = settings.extensions
    var start: LogFollower.Start = .beginning
    switch ext.fromOffset {
    case .offset(let offset)?: start = .offset(offset)
    case .end?: start = .end
    case nil: break
    }
    var stateError: FollowError? = nil
    if let statePath = ext.stateFile {
      do {
        if let checkpoint = try FollowCheckpoint.read(fromFile: statePath) { start = .checkpoint(checkpoint) }
      } catch {
        stateError = error
      }
    }
    if let stateError {
      writeError("mmgrep: \(stateError)")
      Platform.exit(2)
    }
    // Under --timeout, batches of 1 MiB: the deadline is checked between batches.
    let options = LogFollower.Options(pollInterval: ext.pollInterval,
                                      maximumBatchBytes: ext.timeout == nil ? 16 << 20 : 1 << 20,
                                      numbersLines: settings.lineNumbers || ext.json)
    files = settings.files.map { path in
      FollowedFile(
        name: path,
        follower: LogFollower(path: path, matching: settings.pattern, inverted: settings.invert, from: start,
                              options: options))
    }
    searcher.showNames = settings.withFilenames ?? (settings.files.count > 1)
    printer = FollowPrinter(settings: settings, output: searcher.output, showNames: searcher.showNames,
                            json: ext.json ? JSONLines(output: searcher.output) : nil)
  }

  /// Runs the search; returns the exit status.
  func run() -> Int32 {
    let ext = settings.extensions
    if ext.follow || ext.stateFile != nil { Platform.blockTerminationSignals() }
    if ext.follow {
      follow()
    } else {
      searcher.startTimeout()
      for file in files { scanOnce(file) }
    }
    return finish()
  }

  // MARK: - Modes

  /// --follow: poll every file until a signal, or until -m/-q is satisfied everywhere.
  func follow() {
    while true {
      var busy = false
      for file in files where !file.isDone {
        do {
          let batch = try file.follower.poll()
          handle(batch, of: file, oneShot: false)
          if !batch.isCaughtUp { busy = true }
        } catch {
          fail(file, error)
        }
      }
      searcher.output.flush()
      for file in files { saveState(of: file) }
      if files.allSatisfy(\.isDone) { return }
      if Platform.waitForTerminationSignal(busy ? .zero : settings.extensions.pollInterval) != nil { return }
    }
  }

  /// One incremental scan of `file`: from its start point to its current end.
  func scanOnce(_ file: FollowedFile) {
    do {
      while !file.isDone {
        let batch = try file.follower.poll()
        handle(batch, of: file, oneShot: true)
        if batch.isCaughtUp { break }
        if let deadline = searcher.deadline, ContinuousClock.now >= deadline.instant { timedOut(file) }
        if settings.extensions.stateFile != nil, Platform.waitForTerminationSignal(.zero) != nil { break }
      }
      if !file.isDone && settings.extensions.stateFile == nil {
        handle(try file.follower.finish(), of: file, oneShot: true)
      }
    } catch {
      fail(file, error)
    }
    searcher.output.flush()
    saveState(of: file)
    if !file.isDone || file.stopCheckpoint != nil { printTotals(of: file) }
  }

  // MARK: - Batches

  /// Prints a batch's notices and lines.
  func handle(_ batch: FollowBatch, of file: FollowedFile, oneShot: Bool) {
    for event in batch.events { notice(event, file: file, oneShot: oneShot) }
    if file.isDone { return }
    account(batch, of: file)
    let quietText = settings.count || settings.list != .none
    let limit = settings.maxCount ?? Int.max
    for line in batch.lines {
      file.selected += 1
      searcher.anySelected = true
      if settings.quiet {
        file.stopCheckpoint = file.follower.checkpoint(after: line)
        saveState(of: file)
        searcher.output.flush()
        Platform.exit(0)
      }
      if !quietText, !printer.print(line, of: file) {
        file.suppressedLine = true
        if !oneShot { reportBinary(file) }
      }
      if file.selected >= limit {
        file.isDone = true
        file.stopCheckpoint = file.follower.checkpoint(after: line)
        break
      }
    }
  }

  /// Adds the bytes a batch examined to the file's statistics.
  func account(_ batch: FollowBatch, of file: FollowedFile) {
    guard let checkpoint = batch.checkpoint else { return }
    for event in batch.events {
      switch event {
      case .opened(_, let offset): file.examinedEnd = (checkpoint.file, offset)
      case .truncated, .rotated: file.examinedEnd = (checkpoint.file, 0)
      default: break
      }
    }
    let base = file.examinedEnd.flatMap { $0.file == checkpoint.file && $0.offset <= checkpoint.offset ? $0.offset : nil } ?? 0
    file.stats.bytesSearched += checkpoint.offset - base
    file.examinedEnd = (checkpoint.file, checkpoint.offset)
  }

  /// Reports what happened to a followed path on standard error (unless -s).
  func notice(_ event: FollowEvent, file: FollowedFile, oneShot: Bool) {
    var message: String? = nil
    switch event {
    case .opened:
      if file.wasMissing { message = "appeared; following it" }
      file.wasMissing = false
    case .missing:
      if oneShot && file.follower.checkpoint == nil {
        fail(file, .system(operation: "open", path: file.name, errno: Platform.noSuchFile))
        return
      }
      file.wasMissing = true
      message = "No such file or directory; waiting for it to appear"
    case .inaccessible(let code):
      message = "cannot open the new file: \(SystemError(code: code).message); still reading the old one"
    case .truncated:
      message = "file truncated; reading it from the start"
    case .rotated:
      file.wasMissing = false
      message = "file replaced; following the new file"
    case .checkpointRejected:
      message = "the start offset does not apply (the file was rotated, truncated or rewritten); searching from the start"
    case .lineSkipped(let offset, let error):
      searcher.errorSeen = true
      message = "byte \(offset): \(Self.limitCause(error)) (line skipped)"
    }
    if let message, !settings.noMessages {
      searcher.output.flush()
      writeError("mmgrep: \(file.name): \(message)")
    }
  }

  /// Gives up on a file after an error.
  func fail(_ file: FollowedFile, _ error: FollowError) {
    file.isDone = true
    searcher.errorSeen = true
    guard !settings.noMessages else { return }
    searcher.output.flush()
    switch error {
    case .system(_, let path, let code):
      writeError("mmgrep: \(path): \(SystemError(code: code).message)")
    case .notRegularFile(let path):
      writeError("mmgrep: \(path): not a regular file")
    default:
      writeError("mmgrep: \(file.name): \(error)")
    }
  }

  func reportBinary(_ file: FollowedFile) {
    guard file.suppressedLine, !file.reportedBinary, !settings.count, settings.list == .none else { return }
    file.reportedBinary = true
    searcher.output.flush()
    writeError("mmgrep: \(file.name): binary file matches")
  }

  /// -c, -l and -L after a one-shot scan.
  func printTotals(of file: FollowedFile) {
    let output = searcher.output
    func name() {
      output.append(file.name)
    }
    if settings.count && settings.list == .none {
      if searcher.showNames {
        name()
        output.append(byte: settings.nullAfterName ? 0 : UInt8(ascii: ":"))
      }
      output.append(decimal: file.selected)
      output.append(byte: UInt8(ascii: "\n"))
    }
    if (settings.list == .matching && file.selected > 0) || (settings.list == .nonMatching && file.selected == 0) {
      name()
      output.append(byte: settings.nullAfterName ? 0 : UInt8(ascii: "\n"))
    }
  }

  /// Saves the file's checkpoint in --state-file when it changed.
  func saveState(of file: FollowedFile) {
    guard let path = settings.extensions.stateFile, let checkpoint = file.checkpoint,
          checkpoint != file.savedCheckpoint
    else { return }
    do {
      try checkpoint.write(toFile: path)
      file.savedCheckpoint = checkpoint
    } catch {
      searcher.errorSeen = true
      guard !file.stateWriteFailed else { return }
      file.stateWriteFailed = true
      searcher.output.flush()
      writeError("mmgrep: \(error)")
    }
  }

  /// --timeout in a one-shot scan (checked between batches of at most 1
  /// MiB): the state is saved, -c/-l/-L print what they have so far, the
  /// offset reached (everything before it was searched) is reported, exit status 2.
  func timedOut(_ file: FollowedFile) -> Never {
    Platform.claimExit()  // the backstop must not add its message to this one
    saveState(of: file)
    printTotals(of: file)
    emitJSONEnd()
    searcher.output.flush()
    writeError("mmgrep: \(file.name): search timed out after \(settings.extensions.timeoutText)s at byte "
      + "\(file.checkpoint?.offset ?? 0)")
    Platform.exit(2)
  }

  /// The end: binary-file notices, JSON end and summary events, the status.
  func finish() -> Int32 {
    let output = searcher.output
    for file in files {
      saveState(of: file)
      reportBinary(file)
      file.follower.close()
    }
    emitJSONEnd()
    output.flush()
    if output.failure != 0 {
      if output.failure != Platform.brokenPipe {
        writeError("mmgrep: write error: \(SystemError(code: output.failure).message)")
      }
      return 2
    }
    if searcher.errorSeen { return 2 }
    return searcher.anySelected ? 0 : 1
  }

  /// With --json, the `end` event of each file that had a `begin`, then the `summary`.
  func emitJSONEnd() {
    if let json = printer.json {
      var total = JSONLines.Stats()
      let elapsed = Self.nanoseconds(ContinuousClock.now - started)
      for file in files {
        file.stats.searches = 1
        file.stats.searchesWithMatch = file.selected > 0 ? 1 : 0
        file.stats.elapsedNanoseconds = elapsed
        if file.jsonBegun { json.end(path: file.nameBytes, binaryOffset: nil, stats: file.stats) }
        total.add(file.stats)
      }
      total.elapsedNanoseconds = elapsed
      json.summary(elapsedNanoseconds: elapsed, stats: total)
    }
  }

  static func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }

  /// grep's words for a PCRE2 resource limit.
  static func limitCause(_ error: RegexError) -> String {
    switch error.code {
    case -47: return "exceeded PCRE's backtracking limit"
    case -53: return "exceeded PCRE's nested backtracking limit"  // PCRE2_ERROR_DEPTHLIMIT
    case -63: return "exceeded PCRE's heap limit"
    case -46: return "exhausted PCRE JIT stack"
    default: return error.message
    }
  }
}
