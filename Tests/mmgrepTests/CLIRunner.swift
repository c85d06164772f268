import Foundation
import TestSupport

/// What one run of a command produced.
struct RunResult: Equatable {
  var status: Int32
  var stdout: [UInt8]
  var stderr: [UInt8]
}

enum CLIRunnerError: Error, CustomStringConvertible {
  case binaryNotFound(String)
  var description: String {
    switch self {
    case .binaryNotFound(let path):
      return "the mmgrep binary is not at \(path): build the package (swift build) before testing"
    }
  }
}

/// Runs the built `mmgrep` (and, for comparison, GNU grep) as a child process.
enum CLIRunner {
  /// The `mmgrep` executable built next to this test bundle
  /// (`<scratch path>/debug/mmgrep`, whatever `--scratch-path` was).
  static func mmgrepPath() throws -> String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // On some layouts the test binary sits inside a .xctest bundle directory.
    if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
    let candidate = directory.appendingPathComponent("mmgrep").path
    guard FileManager.default.isExecutableFile(atPath: candidate) else { throw CLIRunnerError.binaryNotFound(candidate) }
    return candidate
  }

  /// The environment both tools run in: a UTF-8 locale, no GREP_COLORS.
  static var environment: [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["LC_ALL"] = "C.UTF-8"
    env["GREP_COLORS"] = nil
    env["GREP_COLOR"] = nil
    env["POSIXLY_CORRECT"] = nil
    return env
  }

  /// Runs `executable` with `arguments` in `directory`, feeding `input` through
  /// a pipe (or an empty pipe), with `extra` added to the environment, and
  /// collects its output and exit status.
  static func run(
    _ executable: String, _ arguments: [String], in directory: String, input: [UInt8]? = nil,
    environment extra: [String: String] = [:]
  ) throws -> RunResult {
    // Output goes to files, so a large output cannot block on a full pipe.
    let scratch = FileManager.default.temporaryDirectory.path
    let outPath = scratch + "/mmgrep-test-stdout-\(UUID().uuidString)"
    let errPath = scratch + "/mmgrep-test-stderr-\(UUID().uuidString)"
    defer {
      try? FileManager.default.removeItem(atPath: outPath)
      try? FileManager.default.removeItem(atPath: errPath)
    }
    // posix_spawn and waitpid, not Foundation's Process (see `Subprocess`).
    let child = try Subprocess(
      executable, arguments, directory: directory, environment: environment.merging(extra) { _, new in new },
      input: .pipe, output: .file(outPath), error: .file(errPath))
    if let input, !input.isEmpty { child.write(input) }
    child.closeInput()
    let ended = child.wait()
    let stdout = [UInt8](FileManager.default.contents(atPath: outPath) ?? Data())
    let stderr = [UInt8](FileManager.default.contents(atPath: errPath) ?? Data())
    return RunResult(status: ended.status, stdout: stdout, stderr: stderr)
  }

  /// Whether `/usr/bin/grep` is GNU grep 3.8, the version the goldens come from.
  static let liveGrepAvailable: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/grep"),
      let result = try? run("/usr/bin/grep", ["--version"], in: "/tmp")
    else { return false }
    let firstLine = String(decoding: result.stdout.prefix { $0 != 10 }, as: UTF8.self)
    return firstLine == "grep (GNU grep) 3.8"
  }()
}

/// A copy of the fixtures in a fresh directory under /tmp, with the symbolic
/// links the -r cases need (git does not keep them portable), removed on deinit.
final class Workspace {
  let path: String

  static var fixtures: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
  }

  init() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("mmgrep-tests-\(UUID().uuidString)")
    path = base.path
    try FileManager.default.copyItem(atPath: Self.fixtures, toPath: path)
    try FileManager.default.createSymbolicLink(atPath: path + "/tree/sub/link.txt", withDestinationPath: "../top.txt")
    try FileManager.default.createSymbolicLink(atPath: path + "/tree/docs/loop", withDestinationPath: "..")
    try FileManager.default.createSymbolicLink(atPath: path + "/links/dangling", withDestinationPath: "missing")
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}
