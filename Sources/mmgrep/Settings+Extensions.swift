/// mmgrep's options that grep does not have: following files (--follow,
/// --from-offset, --state-file, --poll-interval), JSON output (--json) and a
/// time limit (--timeout).
struct ExtendedSettings {
  /// Where --from-offset starts.
  enum Start: Equatable {
    case offset(Int)
    case end
  }

  /// --follow: keep reading each file as it grows.
  var follow = false
  /// --from-offset N|end.
  var fromOffset: Start? = nil
  /// --state-file PATH.
  var stateFile: String? = nil
  /// --poll-interval SECONDS (default 0.25 s).
  var pollInterval: Duration = .milliseconds(250)
  /// --json: JSON Lines events instead of grep's output.
  var json = false
  /// --timeout SECONDS: the limit, and the text given (for the message).
  var timeout: Duration? = nil
  var timeoutText = ""

  /// Whether the files are read through LogFollow (following, or one
  /// incremental scan from an offset or a state file).
  var usesFollower: Bool { follow || fromOffset != nil || stateFile != nil }
}

extension Settings {
  /// Reads and checks mmgrep's own options once the grep options are known.
  ///
  /// Combinations that make no sense are usage errors: --follow with -c, -l,
  /// -L (they need an end), with context (-A/-B/-C), -r, -U or standard
  /// input; --from-offset/--state-file with context, -r, -U or standard
  /// input; --state-file with several files; --json with -c, -l, -L or -U;
  /// --timeout with --follow.
  mutating func resolveExtensions(command: CommandOptions, operands: [String]) throws(Failure) {
    var ext = ExtendedSettings()
    ext.follow = command.follow
    ext.json = command.json && !quiet
    if let value = command.fromOffset {
      if value == "end" {
        ext.fromOffset = .end
      } else if let number = Self.number(value), number >= 0, value.first != "-" {
        ext.fromOffset = .offset(number)
      } else {
        throw Failure(message: "\(value): invalid offset (a byte count, or 'end')")
      }
    }
    ext.stateFile = command.stateFile
    if let value = command.pollInterval {
      guard let seconds = Self.seconds(value), seconds > .zero else {
        throw Failure(message: "\(value): invalid poll interval (seconds, more than 0)")
      }
      ext.pollInterval = seconds
    }
    if let value = command.timeout {
      guard let seconds = Self.seconds(value) else {
        throw Failure(message: "\(value): invalid timeout (seconds, fractions allowed)")
      }
      ext.timeout = seconds
      ext.timeoutText = value
    }
    extensions = ext

    let followName = ext.follow ? "--follow" : ext.stateFile != nil ? "--state-file" : "--from-offset"
    if ext.usesFollower {
      if operands.isEmpty || operands.contains("-") {
        MMGrep.usageFailure("\(followName) needs FILE operands (standard input cannot be followed)")
      }
      if recursive { MMGrep.usageFailure("\(followName) cannot be used with -r/--recursive") }
      if multiline { MMGrep.usageFailure("\(followName) cannot be used with -U/--multiline") }
      if contextRequested { MMGrep.usageFailure("\(followName) cannot be used with context (-A, -B, -C)") }
      if ext.stateFile != nil && operands.count > 1 {
        MMGrep.usageFailure("--state-file needs exactly one FILE")
      }
    }
    if ext.follow {
      if count { MMGrep.usageFailure("--follow cannot be used with -c/--count") }
      if list == .matching { MMGrep.usageFailure("--follow cannot be used with -l/--files-with-matches") }
      if list == .nonMatching { MMGrep.usageFailure("--follow cannot be used with -L/--files-without-match") }
      if ext.timeout != nil { MMGrep.usageFailure("--timeout cannot be used with --follow") }
    }
    if ext.json {
      if count { MMGrep.usageFailure("--json cannot be used with -c/--count") }
      if list == .matching { MMGrep.usageFailure("--json cannot be used with -l/--files-with-matches") }
      if list == .nonMatching { MMGrep.usageFailure("--json cannot be used with -L/--files-without-match") }
      if multiline { MMGrep.usageFailure("--json cannot be used with -U/--multiline") }
    }
  }

  /// A number of seconds: decimal digits with an optional fraction (`2`,
  /// `0.25`, `.5`); `nil` for anything else (signs, exponents, `inf`).
  static func seconds(_ text: String) -> Duration? {
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard !text.isEmpty, text != ".", parts.count <= 2,
          parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
    else { return nil }
    let whole = Int64(parts[0].isEmpty ? "0" : parts[0]) ?? Int64.max
    var nanoseconds: Int64 = 0
    if parts.count == 2 {
      var fraction = String(parts[1].prefix(9))
      while fraction.count < 9 { fraction += "0" }
      nanoseconds = Int64(fraction) ?? 0
    }
    // A limit longer than about 292 years is as good as none.
    let seconds = min(whole, Int64.max / 1_000_000_000 - 1)
    return .seconds(seconds) + .nanoseconds(nanoseconds)
  }
}
