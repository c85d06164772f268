import Foundation
import TestSupport
import Testing

/// mmgrep behaviour that grep has no counterpart for (-U, -j, --stats, --help)
/// or that needs a special input (a FIFO, a /proc file, a large generated file,
/// a pattern that exceeds PCRE2's match limit).
@Suite("mmgrep behaviour")
final class CLIBehaviourTests {
  let directory: String

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("mmgrep-cli-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  func write(_ text: String, to name: String) throws {
    try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
  }

  func mmgrep(_ arguments: String..., input: [UInt8]? = nil) throws -> RunResult {
    try mmgrep(arguments, input: input)
  }

  func mmgrep(_ arguments: [String], input: [UInt8]? = nil) throws -> RunResult {
    try CLIRunner.run(try CLIRunner.mmgrepPath(), arguments, in: directory, input: input)
  }

  @Test("--help lists every option and exits 0")
  func help() throws {
    let result = try mmgrep("--help")
    #expect(result.status == 0)
    let text = result.stdout.string
    for option in [
      "--regexp", "--file", "--ignore-case", "--word-regexp", "--line-regexp", "--fixed-strings", "--invert-match",
      "--count", "--files-with-matches", "--files-without-match", "--only-matching", "--line-number",
      "--byte-offset", "--with-filename", "--no-filename", "--max-count", "--after-context", "--before-context",
      "--context", "--quiet", "--no-messages", "--recursive", "--text", "--color", "--multiline", "--threads",
      "--stats",
    ] {
      #expect(text.contains(option), "\(option) missing from --help")
    }
    #expect(result.stderr.isEmpty)
  }

  @Test("--version and -V print one line and exit 0", arguments: ["--version", "-V"])
  func version(_ flag: String) throws {
    let result = try mmgrep(flag)
    #expect(result.status == 0)
    #expect(result.stdout.string.hasPrefix("mmgrep "))
    #expect(result.stdout.filter { $0 == 10 }.count == 1)
  }

  @Test("-U: a match may span lines; every line it touches is printed")
  func multiline() throws {
    try write("a\nfoo\nbar\nb\nfoo\n", to: "m.txt")
    #expect(try mmgrep("-U", "-n", "foo\\nbar", "m.txt").stdout.string == "2:foo\n3:bar\n")
    #expect(try mmgrep("-U", "-c", "foo\\nbar", "m.txt").stdout.string == "2\n")
    #expect(try mmgrep("-U", "-v", "foo\\nbar", "m.txt").stdout.string == "a\nb\nfoo\n")
    #expect(try mmgrep("-U", "-o", "o\\nb", "m.txt").stdout.string == "o\nb\n")
    #expect(try mmgrep("-U", "-n", "^b$", "m.txt").stdout.string == "4:b\n")
    #expect(try mmgrep("-U", "-l", "r\\nb", "m.txt").stdout.string == "m.txt\n")
    #expect(try mmgrep("-U", "x\\ny", "m.txt").status == 1)
  }

  @Test("-j N prints exactly what one thread prints", arguments: ["-n", "-c", "-vc", "-o", "-b"])
  func threads(_ option: String) throws {
    var text = ""
    for i in 0..<60_000 {
      text += i % 7 == 0 ? "line \(i) ERROR code=\(i % 13)\n" : "line \(i) ok\n"
    }
    try write(text, to: "big.log")
    let serial = try mmgrep(option, "ERROR code=1[0-2]", "big.log")
    let parallel = try mmgrep("-j", "4", option, "ERROR code=1[0-2]", "big.log")
    #expect(serial.status == 0)
    #expect(parallel == serial)
  }

  @Test("--stats reports bytes, time and throughput on stderr, and leaves stdout alone")
  func stats() throws {
    try write("one\ntwo\nthree\n", to: "s.txt")
    let plain = try mmgrep("-c", "t", "s.txt")
    let result = try mmgrep("--stats", "-c", "t", "s.txt")
    #expect(result.stdout == plain.stdout)
    #expect(result.stdout.string == "2\n")
    let stats = result.stderr.string
    #expect(stats.hasPrefix("mmgrep: stats: 14 bytes"))
    #expect(stats.contains("MiB/s"))
    #expect(stats.contains("1 file"))
    // A small file is searched by one thread; -j 2 splits it.
    #expect(stats.contains("1 thread, peak RSS "))
    let split = try mmgrep("--stats", "-j", "2", "-c", "t", "s.txt")
    #expect(split.stderr.string.contains("2 threads, peak RSS "))
  }

  /// The anonymous memory --stats reports, in MiB.
  static func anonymousMiB(_ stats: String) -> Double? {
    guard let range = stats.range(of: "anonymous ") else { return nil }
    return Double(stats[range.upperBound...].prefix { $0.isNumber || $0 == "." })
  }

  @Test("memory stays flat: a 64 MiB file, nearly every line printed, -v, -n, two threads")
  func flatMemory() throws {
    let line = Array("2024-03-01 10:00:00 INFO request served from cache in 3 ms user=alice\n".utf8)
    var block: [UInt8] = []
    while block.count < 1 << 20 { block += line }
    #expect(FileManager.default.createFile(atPath: directory + "/big.log", contents: nil))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/big.log"))
    for _ in 0..<64 { try handle.write(contentsOf: Data(block)) }
    try handle.close()
    for arguments in [["-n", "INFO"], ["-v", "ERROR"], ["-c", "-v", "ERROR"], ["-j", "2", "-n", "served"]] {
      let result = try mmgrep(["--stats"] + arguments + ["big.log"])
      #expect(result.status == 0)
      let anonymous = try #require(Self.anonymousMiB(result.stderr.string), "\(result.stderr.string)")
      // A sanitizer's allocator and shadow memory are anonymous too (ASan: 25-290 MiB here):
      // the bound holds for the plain build only.
      if reliabilitySanitizer == nil {
        #expect(anonymous < 16, "\(arguments): \(result.stderr.string)")
      }
    }
  }

  @Test("a file the kernel reports as size 0 (/proc) is read to its end")
  func procFile() throws {
    let result = try mmgrep("-c", "^Name:", "/proc/self/status")
    #expect(result.stdout.string == "1\n")
    #expect(result.status == 0)
  }

  @Test("a FIFO is read to its end")
  func fifo() throws {
    let path = directory + "/pipe"
    #expect(mkfifo(path, 0o600) == 0)
    let writer = Thread {
      if let handle = FileHandle(forWritingAtPath: path) {
        handle.write(Data("first\nsecond match\nthird\n".utf8))
        try? handle.close()
      }
    }
    writer.start()
    let result = try mmgrep("-n", "match", "pipe")
    #expect(result.stdout.string == "2:second match\n")
    #expect(result.status == 0)
  }

  @Test("standard input from a pipe, named (standard input) or by --label")
  func standardInput() throws {
    let input = Array("alpha\nbeta\n".utf8)
    #expect(try mmgrep("-H", "beta", input: input).stdout.string == "(standard input):beta\n")
    #expect(try mmgrep("-c", "a", "-", input: input).stdout.string == "2\n")
    #expect(try mmgrep("--label=in", "-H", "alpha", input: input).stdout.string == "in:alpha\n")
  }

  @Test("a PCRE2 resource limit names the file and line, and the other files are still searched")
  func matchLimit() throws {
    try write("ok line\n" + String(repeating: "a", count: 30_000) + "b\n", to: "evil.txt")
    try write("fine\n", to: "good.txt")
    let result = try mmgrep("-H", "^(a+)+$|fine", "evil.txt", "good.txt")
    #expect(result.status == 2)
    #expect(result.stdout.string == "good.txt:fine\n")
    #expect(result.stderr.string.hasPrefix("mmgrep: evil.txt:2: "))
  }

  @Test("deep backtracking over a long line grows the JIT stack as grep does, instead of failing")
  func jitStackGrows() throws {
    // 2 MB of "ab" then "c": `(a|b)*c` needs far more than PCRE2's 1 MiB stack.
    try write("before\n" + String(repeating: "ab", count: 1_000_000) + "c\nafter\n", to: "long.txt")
    let result = try mmgrep("-c", "(a|b)*c", "long.txt")
    #expect(result.status == 0)
    #expect(result.stdout.string == "1\n")
    #expect(result.stderr.isEmpty)
  }

  @Test("options after operands, clusters with values and long-option prefixes parse as grep's do")
  func argumentForms() throws {
    try write("a1\nb2\na3\n", to: "f.txt")
    let reference = try mmgrep("-n", "-A", "1", "-m", "1", "a", "f.txt")
    #expect(reference.stdout.string == "1:a1\n2-b2\n")
    #expect(try mmgrep("-nA1", "-m1", "a", "f.txt") == reference)
    #expect(try mmgrep("a", "f.txt", "--line-num", "--after=1", "--max-count", "1") == reference)
    #expect(try mmgrep("-e", "a", "-nm1", "-A1", "f.txt") == reference)
    let ambiguous = try mmgrep("--co", "a", "f.txt")
    #expect(ambiguous.status == 2)
    #expect(ambiguous.stdout.isEmpty)
    #expect(ambiguous.stderr.string.hasPrefix("mmgrep: option '--co' is ambiguous"))
  }

  @Test("long options are found and reported as grep 3.8's getopt_long finds them, in its table's order")
  func longOptionTable() throws {
    try write("a1\nb2\na3\n", to: "f.txt")
    let usage = "Usage: mmgrep [OPTION]... PATTERNS [FILE]...\nTry 'mmgrep --help' for more information.\n"
    let ambiguous: [(argument: String, possibilities: String)] = [
      ("--co", "'--context' '--color' '--colour' '--count'"),
      ("--fi", "'--fixed-regexp' '--file' '--files-with-matches' '--files-without-match'"),
      ("--ex=x", "'--extended-regexp' '--exclude' '--exclude-from' '--exclude-dir'"),
      ("--b=text", "'--basic-regexp' '--before-context' '--binary-files' '--byte-offset' '--binary'"),
      ("--in", "'--include' '--initial-tab' '--invert-match'"),
      ("--nu", "'--null' '--null-data'"),
    ]
    for c in ambiguous {
      let result = try mmgrep(c.argument, "a", "f.txt")
      #expect(result.status == 2)
      #expect(result.stdout.isEmpty)
      #expect(result.stderr.string == "mmgrep: option '\(c.argument)' is ambiguous; possibilities: \(c.possibilities)\n" + usage)
    }
    // An abbreviation of one of grep's options wins over mmgrep's own: --t is --text, not --threads.
    #expect(try mmgrep("--t", "-c", "a", "f.txt").stdout.string == "2\n")
    #expect(try mmgrep("--thr=2", "-c", "a", "f.txt").stdout.string == "2\n")
    // Options mmgrep does not implement are refused, not taken for another one.
    let tab = try mmgrep("--initial", "a", "f.txt")
    #expect(tab.status == 2)
    #expect(tab.stderr.string == "mmgrep: unrecognized option '--initial'\n" + usage)
    // Two different matchers: grep's message, at once, without the usage lines.
    let conflict = try mmgrep("-P", "-F", "--bogus", "a", "f.txt")
    #expect(conflict.status == 2)
    #expect(conflict.stderr.string == "mmgrep: conflicting matchers specified\n")
    // grep's --binary does nothing; -u warns and goes on.
    #expect(try mmgrep("--binary", "-c", "a", "f.txt").stdout.string == "2\n")
    let obsolete = try mmgrep("-u", "-c", "a", "f.txt")
    #expect(obsolete.stdout.string == "2\n")
    #expect(obsolete.stderr.string == "mmgrep: warning: --unix-byte-offsets (-u) is obsolete\n")
  }

  @Test("arguments that are not UTF-8 keep their bytes: patterns, --label, --group-separator")
  func rawArgumentBytes() throws {
    // Latin-1 "café" and "Zoë" (0xE9, 0xEB), which a Swift String cannot carry:
    // the shell's printf puts the bytes into mmgrep's argv.
    try Data([0x63, 0x61, 0x66, 0xE9, 0x0A, 0x5A, 0x6F, 0xEB, 0x0A, 0x63, 0x61, 0x66, 0x65, 0x0A])
      .write(to: URL(fileURLWithPath: directory + "/latin1.txt"))
    func shell(_ script: String) throws -> RunResult {
      try CLIRunner.run("/bin/sh", ["-c", script, try CLIRunner.mmgrepPath()], in: directory)
    }
    let fixed = try shell(#""$0" -F -a -n "$(printf 'caf\351')" latin1.txt"#)
    #expect(fixed.status == 0)
    #expect(fixed.stdout == [0x31, 0x3A, 0x63, 0x61, 0x66, 0xE9, 0x0A])
    let count = try shell(#""$0" -F -c -e "$(printf 'caf\351')" -e "$(printf 'Zo\353')" latin1.txt"#)
    #expect(count.stdout.string == "2\n")
    // grep -P refuses the pattern (PCRE2 checks it is UTF-8) with exit status 2.
    let perl = try shell(#""$0" -c "$(printf 'caf\351')" latin1.txt"#)
    #expect(perl.status == 2)
    #expect(perl.stdout.isEmpty)
    #expect(perl.stderr.string.hasPrefix("mmgrep: UTF-8 error: "))
    let label = try shell(#"printf 'x\n' | "$0" -H --label="$(printf 'in\351')" x"#)
    #expect(label.stdout == [0x69, 0x6E, 0xE9, 0x3A, 0x78, 0x0A])
    let separator = try shell(#""$0" -a -A0 --group-separator="$(printf '\253')" caf latin1.txt"#)
    #expect(separator.stdout == [0x63, 0x61, 0x66, 0xE9, 0x0A, 0xAB, 0x0A, 0x63, 0x61, 0x66, 0x65, 0x0A])
  }

  @Test("a directory as standard input is reported, then counts as an empty input, as grep 3.8 does")
  func directoryAsStandardInput() throws {
    let script = #""$0" -H -c x < . ; echo "status $?"; "$0" -L x < ."#
    let result = try CLIRunner.run("/bin/sh", ["-c", script, try CLIRunner.mmgrepPath()], in: directory)
    #expect(result.stdout.string == "(standard input):0\nstatus 2\n(standard input)\n")
    #expect(result.stderr.string == String(repeating: "mmgrep: (standard input): Is a directory\n", count: 2))
  }

  @Test("a write error other than a closed pipe is reported with exit status 2")
  func fullDevice() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
    try write("x\n", to: "x.txt")
    let child = try Subprocess(
      try CLIRunner.mmgrepPath(), ["x", directory + "/x.txt"], environment: CLIRunner.environment,
      output: .file("/dev/full"), error: .pipe)
    let message = String(decoding: child.readError(), as: UTF8.self)
    #expect(child.wait() == .exited(2))
    #expect(message == "mmgrep: write error: No space left on device\n")
  }

  @Test("a write error stops mmgrep at once: the files after it are not searched or reported")
  func writeErrorStops() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
    try write(String(repeating: "x line\n", count: 100_000), to: "x.txt")
    let child = try Subprocess(
      try CLIRunner.mmgrepPath(), ["-n", "x", directory + "/x.txt", directory + "/missing.txt"], environment: CLIRunner.environment,
      output: .file("/dev/full"), error: .pipe)
    let message = String(decoding: child.readError(), as: UTF8.self)
    #expect(child.wait() == .exited(2))
    #expect(message == "mmgrep: write error: No space left on device\n")
  }

  @Test("a sparse file larger than 4 GiB is searched without reading its holes")
  func sparseFile() throws {
    try write("head line\n", to: "sparse.bin")
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/sparse.bin"))
    try handle.truncate(atOffset: 5 << 30)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("needle\nlast\n".utf8))
    try handle.close()
    let counted = try mmgrep("-c", "needle", "sparse.bin")
    #expect(counted.status == 0)
    #expect(counted.stdout.string == "1\n")
    let plain = try mmgrep("needle", "sparse.bin")
    #expect(plain.status == 0)
    #expect(plain.stdout.isEmpty)
    #expect(plain.stderr.string == "mmgrep: sparse.bin: binary file matches\n")
    let absent = try mmgrep("-c", "absent", "sparse.bin")
    #expect(absent.status == 1)
    #expect(absent.stdout.string == "0\n")
    let listed = try mmgrep("-l", "last", "sparse.bin")
    #expect(listed.stdout.string == "sparse.bin\n")
  }

  @Test("line numbers and byte offsets across digit-count boundaries")
  func numbers() throws {
    try write(String(repeating: "ab\n", count: 40_000), to: "many.txt")
    let result = try mmgrep("-n", "-b", "b", "many.txt")
    let lines = result.stdout.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    #expect(lines.count == 40_000)
    for (number, expected) in [(1, "1:0:ab"), (4, "4:9:ab"), (10, "10:27:ab"), (34, "34:99:ab"), (35, "35:102:ab"),
                               (100, "100:297:ab"), (334, "334:999:ab"), (335, "335:1002:ab"),
                               (3334, "3334:9999:ab"), (10_000, "10000:29997:ab"), (40_000, "40000:119997:ab")] {
      #expect(lines[number - 1] == expected)
    }
  }

  @Test("an unknown --color value prints the help and exits 0, even when a valid --color follows")
  func unknownColor() throws {
    try write("one\n", to: "c.txt")
    for arguments in [["--colour=sometimes", "--color=never", "one", "c.txt"], ["--color=maybe", "one", "c.txt"]] {
      let result = try CLIRunner.run(try CLIRunner.mmgrepPath(), arguments, in: directory)
      #expect(result.status == 0)
      #expect(result.stdout.string.hasPrefix("OVERVIEW: "))
      #expect(result.stdout.string.contains("--color"))
    }
  }
}
