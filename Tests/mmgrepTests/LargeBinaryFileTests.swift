import Foundation
import Testing

/// grep's binary-file rule on files large enough for mmgrep's windows,
/// threads and read boundaries to matter: a NUL early, on and beside the
/// 96 KiB read boundaries, past the first window, on each side of the split
/// between two threads' chunks, and near the end. Counts are grep 3.8's (`grep -P -c`); when GNU grep 3.8 is
/// installed, every output is also compared with it byte for byte.
@Suite("mmgrep on large binary files")
final class LargeBinaryFileTests {
  let directory: String
  /// File name → the offset of its NUL bytes.
  static let files: [(name: String, nuls: [Int])] = [
    ("text.txt", []), ("early.bin", [50]), ("read.bin", [98_304]), ("beforeread.bin", [98_303]),
    ("window.bin", [262_144 + 98_304]), ("middle.bin", [2_500_000]), ("late.bin", [3_000_000]),
    ("two.bin", [1_500_000, 2_600_000]), ("end.bin", [4_800_000]),
  ]

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("mmgrep-large-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let text = Self.text()
    for file in Self.files {
      var bytes = text
      for nul in file.nuls { bytes[nul] = 0 }
      try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + file.name))
    }
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  /// About 4.9 MB of lines of random words (a fixed linear congruential sequence).
  static func text() -> [UInt8] {
    let words = ["alpha", "beta", "ERROR", "gamma", "delta", "timeout", "WARN", "foo", "bar", String(repeating: "x", count: 30)]
    var state: UInt64 = 7
    func next(_ n: Int) -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int((state >> 33) % UInt64(n))
    }
    var out: [UInt8] = []
    out.reserveCapacity(5 << 20)
    for _ in 0..<100_000 {
      let k = next(13)
      for i in 0..<k {
        if i > 0 { out.append(0x20) }
        out += Array(words[next(words.count)].utf8)
      }
      out.append(0x0A)
    }
    return out
  }

  func mmgrep(_ arguments: [String]) throws -> RunResult {
    try CLIRunner.run(try CLIRunner.mmgrepPath(), arguments, in: directory)
  }

  /// GNU grep 3.8 on each file: `grep -P -c ERROR`, `grep -P -c -v ERROR`, and
  /// the number of lines `grep -P -n ERROR` and `grep -P -n -v ERROR` print
  /// (the text part only: the rest is binary).
  static let expected: [String: (count: Int, invertedCount: Int, printed: Int, invertedPrinted: Int)] = [
    "text.txt": (42_753, 57_247, 42_753, 57_247), "early.bin": (42_753, 57_248, 0, 0),
    "read.bin": (42_753, 57_248, 876, 1_140), "beforeread.bin": (42_753, 57_248, 0, 0),
    "window.bin": (42_753, 57_248, 2_583, 3_448), "middle.bin": (42_753, 57_248, 21_385, 28_855),
    "late.bin": (42_753, 57_248, 25_767, 34_605), "two.bin": (42_753, 57_249, 12_831, 17_350),
    "end.bin": (42_753, 57_248, 41_357, 55_390),
  ]

  @Test("counts and printed lines are grep's, on one thread and two", arguments: ["-j1", "-j2"])
  func counts(threads: String) throws {
    for file in Self.files {
      let expected = try #require(Self.expected[file.name])
      let binary = !file.nuls.isEmpty
      let count = try mmgrep([threads, "-c", "ERROR", file.name])
      #expect(count.stdout.string == "\(expected.count)\n", "\(file.name)")
      let invertedCount = try mmgrep([threads, "-c", "-v", "ERROR", file.name])
      #expect(invertedCount.stdout.string == "\(expected.invertedCount)\n", "\(file.name)")
      for (arguments, lines) in [(["-n"], expected.printed), (["-n", "-v"], expected.invertedPrinted)] {
        let printed = try mmgrep([threads] + arguments + ["ERROR", file.name])
        #expect(printed.stdout.split(separator: 0x0A).count == lines, "\(arguments) \(file.name)")
        #expect(printed.status == 0)
        #expect(printed.stderr.string == (binary ? "mmgrep: \(file.name): binary file matches\n" : ""), "\(file.name)")
      }
    }
  }

  @Test("output, status and messages equal grep 3.8's", .enabled(if: CLIRunner.liveGrepAvailable))
  func liveGrep() throws {
    let options: [[String]] = [["-n"], ["-m", "3", "-A", "2"], ["-I", "-c"]]
    for file in Self.files where file.name != "text.txt" {
      // A literal (the prefilter's path) and a lookbehind (the per-line path).
      for pattern in ["ERROR", "(?<=a)l"] {
        for option in options {
          let grep = try CLIRunner.run("/usr/bin/grep", ["-P"] + option + ["-e", pattern, file.name], in: directory)
          for threads in ["-j1", "-j2"] {
            let ours = try mmgrep([threads] + option + ["-e", pattern, file.name])
            let label = "\(threads) \(option) \(pattern) \(file.name)"
            #expect(ours.status == grep.status, "\(label)")
            #expect(ours.stdout == grep.stdout, "\(label)")
            #expect(ours.stderr.string == grep.stderr.string.replacingOccurrences(of: "/usr/bin/grep:", with: "mmgrep:"),
                    "\(label)")
          }
        }
      }
    }
  }
}
