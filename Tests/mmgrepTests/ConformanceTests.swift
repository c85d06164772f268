import Foundation
import Testing

/// mmgrep against GNU grep 3.8: every case of `Fixtures/cases.txt` is run with
/// the built binary and compared with the output recorded from
/// `grep -P` (or `grep -F`) in `LC_ALL=C.UTF-8` (`Fixtures/golden.txt`), and,
/// when `/usr/bin/grep` is grep 3.8, with a live run of grep on the same files.
@Suite("grep conformance")
final class ConformanceTests {
  let workspace: Workspace

  init() throws {
    workspace = try Workspace()
  }

  func input(for testCase: ConformanceCase) throws -> [UInt8]? {
    guard let file = testCase.stdinFile else { return nil }
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: workspace.path + "/" + file)))
  }

  @Test("output, exit status (and errors) match grep 3.8", arguments: ConformanceCase.all)
  func matchesGrep(_ testCase: ConformanceCase) throws {
    let mmgrep = try CLIRunner.mmgrepPath()
    let stdin = try input(for: testCase)
    let directory = workspace.path + (testCase.directory.map { "/" + $0 } ?? "")
    let actual = try CLIRunner.run(
      mmgrep, testCase.arguments, in: directory, input: stdin, environment: testCase.environment)

    let golden = try #require(Golden.all[testCase.line], "no golden output recorded for: \(testCase.line)")
    #expect(actual.status == golden.status, "exit status")
    if testCase.isUnordered {
      #expect(actual.stdout.sortedLines == golden.stdout.sortedLines, "\(actual.stdout.string)")
    } else {
      #expect(actual.stdout == golden.stdout, "\(actual.stdout.string)")
    }
    if testCase.comparesStderr {
      #expect(actual.stderr.string == golden.stderr.renamingGrep.string)
    }

    guard CLIRunner.liveGrepAvailable else { return }
    let grep = try CLIRunner.run(
      "/usr/bin/grep", testCase.grepCommand, in: directory, input: stdin, environment: testCase.environment)
    #expect(actual.status == grep.status, "exit status (live grep)")
    #expect(actual.stdout == grep.stdout, "live grep printed:\n\(grep.stdout.string)\nmmgrep printed:\n\(actual.stdout.string)")
    if testCase.comparesStderr {
      #expect(actual.stderr.string == grep.stderr.renamingGrep.string)
    }
  }

  @Test("the case list is not empty and every case has a golden output")
  func everyCaseRecorded() {
    #expect(ConformanceCase.all.count > 500)
    let missing = ConformanceCase.all.filter { Golden.all[$0.line] == nil }.map(\.line)
    #expect(missing.isEmpty, "not recorded: \(missing)")
  }

  /// Writes `Fixtures/golden.txt` from grep 3.8. Run it on purpose:
  /// `MMGREP_RECORD_GOLDENS=1 swift test --filter recordGoldens`.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["MMGREP_RECORD_GOLDENS"] == "1"))
  func recordGoldens() throws {
    try #require(CLIRunner.liveGrepAvailable, "recording needs GNU grep 3.8 at /usr/bin/grep")
    var lines: [String] = []
    for testCase in ConformanceCase.all {
      let directory = workspace.path + (testCase.directory.map { "/" + $0 } ?? "")
      let result = try CLIRunner.run(
        "/usr/bin/grep", testCase.grepCommand, in: directory, input: try input(for: testCase),
        environment: testCase.environment)
      lines.append(Golden.line(for: testCase, result))
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: Golden.path, atomically: true, encoding: .utf8)
  }
}
