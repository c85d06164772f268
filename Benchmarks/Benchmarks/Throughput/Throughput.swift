// Library throughput over large inputs: count, matching lines and matches with captures,
// heap vs mapped, one and two threads.
//
// Inputs: the files made by `Benchmarks/make-corpora.sh` (Benchmarks/data/sample.log and
// Benchmarks/data/linux.txt), or any files named by MMB_LOG / MMB_TEXT. Run from Benchmarks/:
//   swift package benchmark --target Throughput
import Benchmark
import ByteBuffer
import MappedBuffer
import RegexSearch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func env(_ name: String) -> String? {
  guard let value = getenv(name) else { return nil }
  return String(cString: value)
}

private let dataDirectory = env("MMB_DATA") ?? "data"
/// The same suite as compare.sh: literal, caseless literal, literal alternation, class + literal
/// suffix, words around a literal, no literal, many-match word, IPv4-like (loose and strict).
private let corpora: [(name: String, path: String, patterns: [(String, String, Pattern.Options)])] = [
  ("log", env("MMB_LOG") ?? "\(dataDirectory)/sample.log", [
    ("literal", "ERROR", []),
    ("caseless", "timed out", [.caseInsensitive]),
    ("alternation", "ERROR|deadlock|NullPointer|SQLTimeout", []),
    ("class+suffix", "[A-Za-z]+TimeoutException", []),
    ("words+literal", #"\w+\s+timed\s+\w+"#, []),
    ("no literal", "[a-z]{5}[0-9]{3}", []),
    ("many-match word", #"\w{12}"#, []),
    ("ipv4", #"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, []),
    ("strict ipv4", #"\b((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)\b"#, []),
  ]),
  ("text", env("MMB_TEXT") ?? "\(dataDirectory)/linux.txt", [
    ("literal", "PM_RESUME", []),
    ("caseless", "PM_RESUME", [.caseInsensitive]),
    ("alternation", "ERR_SYS|PME_TURN_OFF|LINK_REQ_RST|CFG_BME_EVT", []),
    ("class+suffix", "[A-Z]+_RESUME", []),
    ("words+suffix", #"\w+\s+\w+_RESUME"#, []),
    ("no literal", "[a-z]{6}[0-9]{2}[a-z]", []),
    ("many-match word", #"\w{12}"#, []),
    ("ipv4", #"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"#, []),
    ("strict ipv4", #"\b((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)\b"#, []),
  ]),
]

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
    maxDuration: .seconds(10), maxIterations: 5)

  for corpus in corpora {
    guard let mapped = try? MappedByteBuffer(path: corpus.path) else {
      print("skipping \(corpus.name): cannot map \(corpus.path) (run Benchmarks/make-corpora.sh)")
      continue
    }
    try? mapped.advise(.sequential, range: nil)
    for (name, source, options) in corpus.patterns {
      guard let pattern = try? Pattern(source, options: options.union(.utf)) else { continue }
      for threads in [1, 2] {
        Benchmark("\(corpus.name) count lines \(name) mapped -j\(threads)") { benchmark in
          for _ in benchmark.scaledIterations {
            blackHole(try pattern.countMatchingLines(in: mapped, parallelism: threads))
          }
        }
      }
      Benchmark("\(corpus.name) count matches \(name) mapped") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try pattern.count(in: mapped)) }
      }
      Benchmark("\(corpus.name) matching lines \(name) mapped") { benchmark in
        for _ in benchmark.scaledIterations {
          var lines = 0
          try pattern.forEachLine(in: mapped) { line in lines &+= line.number; return true }
          blackHole(lines)
        }
      }
      // The iterator, as mmgrep uses it (one next() per line).
      Benchmark("\(corpus.name) line iterator \(name) mapped") { benchmark in
        for _ in benchmark.scaledIterations {
          var lines = 0
          var iterator = pattern.matchingLines(in: mapped).makeIterator()
          while let line = try iterator.next() { lines &+= line.number }
          blackHole(lines)
        }
      }
    }
    // Captures: every match with its groups.
    let captures = try! Pattern(#"(?<key>[a-z_]+)=(?<value>\d+)"#)
    Benchmark("\(corpus.name) matches with captures mapped") { benchmark in
      for _ in benchmark.scaledIterations {
        var total = 0
        try captures.matches(in: mapped).forEach { match in
          total &+= match.range(named: "value")?.count ?? 0
          return true
        }
        blackHole(total)
      }
    }
    // Heap vs mapped: the same search over a heap copy of the first 256 MiB.
    let prefix = min(mapped.count, 256 << 20)
    if let literal = corpus.patterns.first {
      let heap = HeapByteBuffer(mapped[0..<prefix])
      let pattern = try! Pattern(literal.1, options: [.utf])
      let mappedPrefix = try! MappedByteBuffer(path: corpus.path, length: prefix)
      Benchmark("\(corpus.name) count lines \(literal.0) heap 256MiB") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try pattern.countMatchingLines(in: heap)) }
      }
      Benchmark("\(corpus.name) count lines \(literal.0) mapped 256MiB") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try pattern.countMatchingLines(in: mappedPrefix)) }
      }
    }
  }
}
