import RegexSearch

/// `--timeout SECONDS`: the instant the whole run must stop searching.
struct Deadline {
  let instant: ContinuousClock.Instant
  /// The limit as given, for the error.
  let limit: Duration

  /// The rest of the time, as a budget for the next search.
  var remainingBudget: SearchBudget {
    SearchBudget(timeLimit: max(.zero, instant - ContinuousClock.now))
  }

  /// Throws `.budgetExceeded` at `offset` once the instant has passed (for
  /// the searches mmgrep drives itself, such as binary files' NUL-separated pieces).
  func check(at offset: Int, pattern: String) throws(RegexError) {
    if ContinuousClock.now >= instant { throw RegexError.budgetExceeded(.time(limit), at: offset, pattern: pattern) }
  }
}

extension Searcher {
  /// Starts the --timeout clock for the whole run: each file is searched with
  /// what is left of it (RegexSearch's `SearchBudget`, checked between
  /// windows of work). As a last resort for what no budget covers (reading a
  /// standard input that never ends, the NUL check of a huge file, one
  /// enormous line), mmgrep exits 2 one
  /// second after the deadline with `mmgrep: timed out after Ns`, without
  /// flushing what it had not written yet.
  func startTimeout() {
    guard let limit = settings.extensions.timeout else { return }
    deadline = Deadline(instant: ContinuousClock.now + limit, limit: limit)
    Platform.exitAfter(limit + .seconds(1), status: 2,
                       message: "mmgrep: timed out after \(settings.extensions.timeoutText)s\n")
  }

  /// Ends the run when --timeout expired in the file `name`: what was found
  /// is already printed; the message names the file and the byte reached
  /// (everything before it was searched); exit status 2. With --json the
  /// file's `end` event and the `summary` come first.
  func timedOut(_ error: RegexError, name: String) -> Never {
    Platform.claimExit()  // the backstop must not add its message to this one
    if let json = jsonRun {
      json.endFile()
      json.summary()
    }
    output.flush()
    writeError("mmgrep: \(name): search timed out after \(settings.extensions.timeoutText)s at byte \(error.offset ?? 0)")
    Platform.exit(2)
  }
}
