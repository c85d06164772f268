import Foundation
import TestSupport
import Testing

/// mmgrep facing faults: a file truncated while it is being searched, and
/// patterns whose matching runs away. It reports each, carries on with the
/// next file, exits 2, and never hangs.
@Suite("Reliability: mmgrep under faults", .serialized)
struct ReliabilityCLITests {
  /// A fresh directory under /tmp, removed afterwards.
  final class Directory {
    let url: URL
    init() throws {
      url = FileManager.default.temporaryDirectory.appendingPathComponent("mmgrep-reliability-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
  }

  /// Bytes read on another thread.
  final class Collected: @unchecked Sendable {
    // @unchecked Sendable: written by one thread before `group.wait()`, read after.
    var data = Data()
  }

  /// Runs mmgrep with `arguments` (standard input from `input`, or empty).
  /// Stdout and stderr are read through pipes, stderr on another thread.
  /// `whileRunning` runs once the first `after` bytes of stdout have arrived
  /// (mmgrep is then blocked writing, or still searching). mmgrep is killed
  /// with SIGTERM after `deadline` seconds; `signalled` reports that, or a crash.
  static func run(_ arguments: [String], in directory: String, input: String? = nil, after: Int = 0,
                  deadline: Double = 120, whileRunning: () -> Void = {})
    throws -> (status: Int32, stdout: Data, stderr: String, signalled: Bool) {
    let child = try Subprocess(
      try CLIRunner.mmgrepPath(), arguments, directory: directory, environment: CLIRunner.environment,
      input: input.map { .file($0) } ?? .null, output: .pipe, error: .pipe)
    let killer = DispatchWorkItem { child.send(SIGTERM) }
    DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: killer)
    let stderr = Collected()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { stderr.data = Data(child.readError()) }
    var stdout = Data()
    while stdout.count < after {
      let chunk = child.readSomeOutput(limit: after - stdout.count)
      if chunk.isEmpty { break }
      stdout += chunk
    }
    whileRunning()
    stdout += child.readOutput()
    group.wait()
    killer.cancel()
    let ended = child.wait()
    if case .signalled = ended { return (ended.status, stdout, String(decoding: stderr.data, as: UTF8.self), true) }
    return (ended.status, stdout, String(decoding: stderr.data, as: UTF8.self), false)
  }

  /// 64 MiB of matching lines. mmgrep blocks on the full stdout pipe after
  /// a few hundred KiB of output; the test then truncates the file to 1 MiB
  /// (from this process: another process than mmgrep) and drains the pipe.
  @Test("a file truncated while mmgrep searches it: reported, next file searched, exit 2")
  func truncatedWhileSearching() throws {
    let directory = try Directory()
    let big = directory.path("big.log")
    var block = Data()
    for i in 0..<1024 {
      var line = "2026-11-26 INFO request \(i) served"
      line += String(repeating: ".", count: 63 - line.utf8.count) + "\n"
      block += Data(line.utf8)
    }
    _ = FileManager.default.createFile(atPath: big, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
    for _ in 0..<1024 { handle.write(block) }
    try handle.close()
    try Data("2026-11-26 INFO from the small file\n".utf8).write(to: URL(fileURLWithPath: directory.path("small.log")))

    let result = try Self.run(["INFO", "big.log", "small.log"], in: directory.url.path, after: 4096) {
      #expect(truncate(big, 1 << 20) == 0)
    }
    #expect(!result.signalled)
    #expect(result.status == 2)
    #expect(result.stderr == "mmgrep: big.log: file truncated while searching\n")
    let lines = result.stdout.split(separator: UInt8(ascii: "\n"))
    // The lines before the cut come out whole, in order; the small file follows.
    #expect(lines.count > 64 && lines.count <= 16_385)
    #expect(lines.last.map { String(decoding: $0, as: UTF8.self) } == "small.log:2026-11-26 INFO from the small file")
    #expect(lines.dropLast().allSatisfy { $0.count == 71 && $0.starts(with: Data("big.log:2026-11-26 INFO request ".utf8)) })
  }

  /// `(a+)+$` against a line of 40 "a"s and a "b" runs into PCRE2's match
  /// limit (10,000,000 by default). mmgrep names the file and line, skips
  /// the rest of that file, searches the next one, and exits 2.
  @Test("a runaway pattern is reported with its line, the next file is searched, exit 2, no hang")
  func runawayPattern() throws {
    let directory = try Directory()
    let bad = "ok 1\n" + String(repeating: "a", count: 40) + "b\nok 3\n"
    try Data(bad.utf8).write(to: URL(fileURLWithPath: directory.path("bad.txt")))
    try Data("ok 1\n".utf8).write(to: URL(fileURLWithPath: directory.path("good.txt")))
    let result = try Self.run(["-n", "^ok|(a+)+$", "bad.txt", "good.txt"], in: directory.url.path, deadline: 60)
    #expect(!result.signalled)
    #expect(result.status == 2)
    #expect(result.stderr
      == "mmgrep: bad.txt:2: exceeded PCRE's backtracking limit (line skipped; rest of file not searched)\n")
    #expect(String(decoding: result.stdout, as: UTF8.self) == "bad.txt:1:ok 1\ngood.txt:1:ok 1\n")
  }

  /// With -j 2 the lines before the runaway one are searched in parallel
  /// windows; they must all be printed before the error, as grep prints them.
  @Test("with -j 2 every line before a runaway pattern's line is printed, then the error")
  func runawayPatternInParallel() throws {
    let directory = try Directory()
    var text = ""
    for i in 1...3000 { text += "ok \(i)\n" }
    text += String(repeating: "a", count: 40) + "b\n"
    for i in 1...3000 { text += "later \(i)\n" }
    try Data(text.utf8).write(to: URL(fileURLWithPath: directory.path("bad.txt")))
    for threads in ["1", "2"] {
      let result = try Self.run(["-j", threads, "-n", "^ok|(a+)+$", "bad.txt"], in: directory.url.path, deadline: 60)
      #expect(result.status == 2, "-j \(threads)")
      #expect(result.stderr
        == "mmgrep: bad.txt:3001: exceeded PCRE's backtracking limit (line skipped; rest of file not searched)\n",
        "-j \(threads)")
      let expected = (1...3000).map { "\($0):ok \($0)\n" }.joined()
      #expect(String(decoding: result.stdout, as: UTF8.self) == expected, "-j \(threads)")
    }
  }

  @Test("a runaway pattern on standard input ends with exit 2, no hang")
  func runawayOnStandardInput() throws {
    let directory = try Directory()
    let input = directory.path("input.txt")
    try Data((String(repeating: "a", count: 40) + "b\nok\n").utf8).write(to: URL(fileURLWithPath: input))
    let result = try Self.run(["-c", "(a+)+$|ok"], in: directory.url.path, input: input, deadline: 60)
    #expect(!result.signalled)
    #expect(result.status == 2)
    #expect(result.stderr
      == "mmgrep: (standard input):1: exceeded PCRE's backtracking limit (line skipped; rest of file not searched)\n")
  }

  /// `(a+)+$` against 20 "a"s and a "b" needs about a million steps: within
  /// PCRE2's default match limit (10,000,000), so the line simply does not
  /// match. Each of --match-limit, --depth-limit and --heap-limit set low
  /// makes the same line exceed that limit: reported with file and line, the
  /// next file searched, exit 2.
  @Test("--match-limit, --depth-limit and --heap-limit bound a runaway pattern", arguments: [
    ([String](), 0, ""),
    (["--match-limit", "1000"], 2,
     "mmgrep: bad.txt:2: exceeded PCRE's backtracking limit (line skipped; rest of file not searched)\n"),
    (["--depth-limit=20"], 2,
     "mmgrep: bad.txt:2: exceeded PCRE's nested backtracking limit (line skipped; rest of file not searched)\n"),
    (["--heap-limit", "1"], 2,
     "mmgrep: bad.txt:2: exceeded PCRE's heap limit (line skipped; rest of file not searched)\n"),
  ])
  func configurableLimits(options: [String], status: Int32, stderr: String) throws {
    let directory = try Directory()
    let bad = "ok 1\n" + String(repeating: "a", count: 20) + "b\nok 3\n"
    try Data(bad.utf8).write(to: URL(fileURLWithPath: directory.path("bad.txt")))
    try Data("ok 1\n".utf8).write(to: URL(fileURLWithPath: directory.path("good.txt")))
    let result = try Self.run(options + ["-n", "^ok|(a+)+$", "bad.txt", "good.txt"], in: directory.url.path, deadline: 60)
    #expect(!result.signalled)
    #expect(result.status == status)
    #expect(result.stderr == stderr)
    #expect(String(decoding: result.stdout, as: UTF8.self)
      == (status == 0 ? "bad.txt:1:ok 1\nbad.txt:3:ok 3\ngood.txt:1:ok 1\n" : "bad.txt:1:ok 1\ngood.txt:1:ok 1\n"))
  }

  @Test("a limit that is not a positive whole number is a usage error", arguments: [
    (["--match-limit", "0"], "mmgrep: 0: invalid match limit (a whole number, at least 1)\n"),
    (["--depth-limit", "-5"], "mmgrep: -5: invalid depth limit (a whole number, at least 1)\n"),
    (["--heap-limit=1k"], "mmgrep: 1k: invalid heap limit (a whole number, at least 1)\n"),
  ])
  func invalidLimits(options: [String], stderr: String) throws {
    let directory = try Directory()
    try Data("ok\n".utf8).write(to: URL(fileURLWithPath: directory.path("a.txt")))
    let result = try Self.run(options + ["ok", "a.txt"], in: directory.url.path, deadline: 60)
    #expect(result.status == 2)
    #expect(result.stderr == stderr)
    #expect(result.stdout.isEmpty)
  }

  /// The limit options share prefixes with grep's --help and --max-count:
  /// grep's own options keep their abbreviations.
  @Test("grep's abbreviations still mean grep's options: --ma is --max-count, --he is --help")
  func abbreviations() throws {
    let directory = try Directory()
    try Data("ok 1\nok 2\n".utf8).write(to: URL(fileURLWithPath: directory.path("a.txt")))
    let maxCount = try Self.run(["--ma", "1", "ok", "a.txt"], in: directory.url.path, deadline: 60)
    #expect(maxCount.status == 0)
    #expect(String(decoding: maxCount.stdout, as: UTF8.self) == "ok 1\n")
    let help = try Self.run(["--he"], in: directory.url.path, deadline: 60)
    #expect(help.status == 0)
    #expect(String(decoding: help.stdout, as: UTF8.self).contains("--match-limit <N>"))
    let depth = try Self.run(["--dep", "1000", "ok", "a.txt"], in: directory.url.path, deadline: 60)
    #expect(depth.status == 0)   // --depth-limit: the only option starting with "dep"
    #expect(String(decoding: depth.stdout, as: UTF8.self) == "ok 1\nok 2\n")
  }
}
