import Foundation
import TestSupport
import Testing

/// A running `mmgrep --follow`: its standard output read incrementally from a
/// pipe, standard error collected in a file.
final class FollowingProcess {
  let child: Subprocess
  let stderrPath: String
  private(set) var output: [UInt8] = []

  init(_ arguments: [String], in directory: String) throws {
    stderrPath = directory + "/.stderr-\(UUID().uuidString)"
    child = try Subprocess(
      try CLIRunner.mmgrepPath(), arguments, directory: directory, environment: CLIRunner.environment,
      input: .null, output: .pipe, error: .file(stderrPath))
  }

  /// Reads until the output holds `count` lines (blocking reads; the suite's
  /// time limit ends a test that waits in vain), and returns the output.
  @discardableResult
  func waitForLines(_ count: Int) -> String {
    while output.filter({ $0 == 10 }).count < count {
      let data = child.readSomeOutput()
      if data.isEmpty { break }  // end of file: the process exited
      output += data
    }
    return output.string
  }

  /// Waits until standard error holds `text` (checking every few
  /// milliseconds; the suite's time limit ends a test that waits in vain).
  func waitForStderr(containing text: String) {
    while !(FileManager.default.contents(atPath: stderrPath).map { String(decoding: $0, as: UTF8.self).contains(text) } ?? false) {
      usleep(5000)
    }
  }

  /// Sends `signal`, reads the rest of the output, and returns the exit status and standard error.
  func stop(_ signal: Int32 = SIGTERM) -> (status: Int32, output: String, stderr: String) {
    child.send(signal)
    return wait()
  }

  /// Reads to the end of the output and waits for the exit.
  func wait() -> (status: Int32, output: String, stderr: String) {
    output += child.readOutput()
    let ended = child.wait()
    let errors = FileManager.default.contents(atPath: stderrPath) ?? Data()
    try? FileManager.default.removeItem(atPath: stderrPath)
    guard case .exited(let status) = ended else {
      Issue.record("mmgrep ended by \(ended)")
      return (ended.status, output.string, String(decoding: errors, as: UTF8.self))
    }
    return (status, output.string, String(decoding: errors, as: UTF8.self))
  }
}

/// `--follow`, `--from-offset` and `--state-file`, run as a subprocess.
@Suite("mmgrep --follow and incremental scans", .timeLimit(.minutes(10)))
final class FollowCLITests {
  let directory: String

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("mmgrep-follow-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  func path(_ name: String) -> String { directory + "/" + name }

  func write(_ text: String, to name: String) throws {
    try text.write(toFile: path(name), atomically: false, encoding: .utf8)
  }

  func append(_ text: String, to name: String) throws {
    let handle = FileHandle(forWritingAtPath: path(name))!
    handle.seekToEndOfFile()
    handle.write(Data(text.utf8))
    try handle.close()
  }

  /// Truncates the file in place (same inode) and writes `text`.
  func rewrite(_ text: String, to name: String) throws {
    let handle = FileHandle(forWritingAtPath: path(name))!
    handle.truncateFile(atOffset: 0)
    handle.write(Data(text.utf8))
    try handle.close()
  }

  func mmgrep(_ arguments: String...) throws -> RunResult {
    try CLIRunner.run(try CLIRunner.mmgrepPath(), arguments, in: directory)
  }

  func follow(_ arguments: String...) throws -> FollowingProcess {
    try FollowingProcess(["--follow", "--poll-interval", "0.01"] + arguments, in: directory)
  }

  @Test("--follow prints existing and appended lines, survives truncation and rotation, ends on SIGTERM")
  func followAppendTruncateRotate() throws {
    try write("1 ERROR start\n2 ok\n", to: "app.log")
    let running = try follow("-n", "-b", "ERROR", "app.log")
    #expect(running.waitForLines(1) == "1:0:1 ERROR start\n")
    try append("3 ERROR more\n4 ERROR unterminated", to: "app.log")
    running.waitForLines(2)
    try append(" now\n", to: "app.log")
    running.waitForLines(3)
    // Truncated and rewritten (longer than before, between two polls or not).
    try rewrite("5 ERROR after truncation, longer than the first content was\n", to: "app.log")
    running.waitForLines(4)
    // logrotate: rename, then a new file at the path.
    try FileManager.default.moveItem(atPath: path("app.log"), toPath: path("app.log.1"))
    try write("6 ok\n7 ERROR rotated\n", to: "app.log")
    running.waitForLines(5)
    let (status, output, errors) = running.stop()
    #expect(status == 0)
    #expect(
      output == """
        1:0:1 ERROR start
        3:19:3 ERROR more
        4:32:4 ERROR unterminated now
        1:0:5 ERROR after truncation, longer than the first content was
        2:5:7 ERROR rotated

        """)
    #expect(errors.contains("mmgrep: app.log: file truncated; reading it from the start\n"))
    #expect(errors.contains("mmgrep: app.log: file replaced; following the new file\n"))
  }

  @Test("--follow waits for a missing file; -m stops after NUM lines and exits by itself")
  func followMissingAndMaxCount() throws {
    let running = try follow("-m", "2", "-H", "hit", "later.log")
    running.waitForStderr(containing: "waiting for it to appear")
    try write("miss\nhit one\n", to: "later.log")
    running.waitForLines(1)
    try append("hit two\nhit three\n", to: "later.log")
    let (status, output, errors) = running.wait()
    #expect(status == 0)
    #expect(output == "later.log:hit one\nlater.log:hit two\n")
    #expect(errors == "mmgrep: later.log: No such file or directory; waiting for it to appear\n"
      + "mmgrep: later.log: appeared; following it\n")
  }

  @Test("--follow -q exits 0 at the first selected line; SIGINT with none selected exits 1")
  func followQuiet() throws {
    try write("booting\n", to: "svc.log")
    let quiet = try follow("-q", "ready", "svc.log")
    try append("ready to serve\n", to: "svc.log")
    let (status, output, _) = quiet.wait()
    #expect(status == 0)
    #expect(output.isEmpty)

    // Signals are taken once mmgrep is running: the notice about the missing file says it is.
    let none = try follow("never", "svc.log", "missing.log")
    none.waitForStderr(containing: "missing.log: No such file or directory")
    let stopped = none.stop(SIGINT)
    #expect(stopped.status == 1)
    #expect(stopped.output.isEmpty)
  }

  @Test("--follow --state-file saves the resume point on SIGTERM; the next run resumes after it")
  func followStateFile() throws {
    try write("a ERROR\nb ERROR\n", to: "app.log")
    let first = try follow("--state-file", "app.state", "ERROR", "app.log")
    first.waitForLines(2)
    #expect(first.stop().output == "a ERROR\nb ERROR\n")
    let state = try String(contentsOfFile: path("app.state"), encoding: .utf8)
    #expect(state.hasPrefix("offset=16\ndevice="))
    #expect(!state.contains("line="))

    try append("c ERROR\n", to: "app.log")
    let second = try follow("-n", "--state-file", "app.state", "ERROR", "app.log")
    second.waitForLines(1)
    try append("d ERROR\n", to: "app.log")
    second.waitForLines(2)
    #expect(second.stop().output == "3:c ERROR\n4:d ERROR\n")
    #expect(try String(contentsOfFile: path("app.state"), encoding: .utf8).contains("\nline=5\n"))
  }

  @Test("--from-offset starts at a byte (absolute numbers and offsets) or at the end")
  func fromOffset() throws {
    try write("a ERROR\nb ERROR\nc ERROR", to: "f.log")
    let result = try mmgrep("-n", "-b", "--from-offset", "8", "ERROR", "f.log")
    #expect(result.stdout.string == "2:8:b ERROR\n3:16:c ERROR\n")
    #expect(result.status == 0)
    #expect(try mmgrep("-o", "-b", "--from-offset=10", "E..", "f.log").stdout.string == "10:ERR\n18:ERR\n")
    #expect(try mmgrep("--from-offset", "end", "ERROR", "f.log").status == 1)
    #expect(try mmgrep("-c", "--from-offset", "0", "ERROR", "f.log").stdout.string == "3\n")
  }

  @Test("--state-file without --follow: each run searches what was added since the last one")
  func incrementalScans() throws {
    try write("1 ERROR\n2 ok\n3 ERROR unterminated", to: "app.log")
    var result = try mmgrep("-n", "--state-file", "s", "ERROR", "app.log")
    #expect(result.stdout.string == "1:1 ERROR\n")
    #expect(result.status == 0)
    #expect(try String(contentsOfFile: path("s"), encoding: .utf8).hasPrefix("offset=13\n"))

    try append(" now\n4 ERROR\n", to: "app.log")
    result = try mmgrep("-n", "--state-file", "s", "ERROR", "app.log")
    #expect(result.stdout.string == "3:3 ERROR unterminated now\n4:4 ERROR\n")
    result = try mmgrep("-n", "--state-file", "s", "ERROR", "app.log")
    #expect(result.stdout.string.isEmpty)
    #expect(result.status == 1)

    try append("5 ERROR\n6 ERROR\n", to: "app.log")
    #expect(try mmgrep("-c", "--state-file", "s", "ERROR", "app.log").stdout.string == "2\n")

    // Rotated since the last run: the new file is searched from its start.
    try FileManager.default.moveItem(atPath: path("app.log"), toPath: path("app.log.1"))
    try write("7 ERROR\n", to: "app.log")
    result = try mmgrep("-n", "--state-file", "s", "ERROR", "app.log")
    #expect(result.stdout.string == "1:7 ERROR\n")
    #expect(result.stderr.string.contains("searching from the start"))

    // A state file that does not parse is an error.
    try write("garbage\n", to: "bad")
    result = try mmgrep("--state-file", "bad", "ERROR", "app.log")
    #expect(result.status == 2)
    #expect(result.stderr.string == "mmgrep: invalid state file 'bad': line 'garbage' is not key=value\n")
  }

  @Test("a missing file in a one-shot scan is an error, as in grep")
  func missingOneShot() throws {
    let result = try mmgrep("--from-offset", "0", "x", "nothing.log")
    #expect(result.status == 2)
    #expect(result.stderr.string == "mmgrep: nothing.log: No such file or directory\n")
  }

  @Test(
    "options that cannot be combined are usage errors",
    arguments: [
      (["--follow", "-c", "x", "f.log"], "mmgrep: --follow cannot be used with -c/--count"),
      (["--follow", "-A", "1", "x", "f.log"], "mmgrep: --follow cannot be used with context (-A, -B, -C)"),
      (["--follow", "x"], "mmgrep: --follow needs FILE operands (standard input cannot be followed)"),
      (["--state-file", "s", "x", "f.log", "g.log"], "mmgrep: --state-file needs exactly one FILE"),
      (["--from-offset", "-3", "x", "f.log"], "mmgrep: -3: invalid offset (a byte count, or 'end')"),
      (["--follow", "--poll-interval", "0", "x", "f.log"], "mmgrep: 0: invalid poll interval (seconds, more than 0)"),
      (["--json", "-l", "x", "f.log"], "mmgrep: --json cannot be used with -l/--files-with-matches"),
      (["--follow", "--timeout", "1", "x", "f.log"], "mmgrep: --timeout cannot be used with --follow"),
    ])
  func usageErrors(arguments: [String], message: String) throws {
    try write("x\n", to: "f.log")
    let result = try CLIRunner.run(try CLIRunner.mmgrepPath(), arguments, in: directory)
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.string.hasPrefix(message + "\n"))
  }
}

extension FollowCLITests {
  @Test("--help lists mmgrep's own options")
  func help() throws {
    let text = try mmgrep("--help").stdout.string
    for option in ["--follow", "--from-offset", "--state-file", "--poll-interval", "--json", "--timeout"] {
      #expect(text.contains(option), "\(option) missing from --help")
    }
  }
}
