@testable import RegexSearch
import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A test setup step failed.
struct SetupError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Writes `block` `times` times to a new file at `path` with write(2).
func writeRepeated(_ block: [UInt8], times: Int, to path: String) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { throw SetupError( "open \(path): errno \(errno)") }
  defer { close(fd) }
  try block.withUnsafeBytes { raw in
    for _ in 0..<times {
      var done = 0
      while done < raw.count {
        let n = write(fd, raw.baseAddress! + done, raw.count - done)
        guard n > 0 else { throw SetupError( "write: errno \(errno)") }
        done += n
      }
    }
  }
}

/// The process's anonymous resident memory in KiB (RssAnon in /proc/self/status).
func rssAnonKiB() throws -> Int {
  let status = try HeapByteBuffer(contentsOf: "/proc/self/status")
  let text = try status.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
  for line in text.split(separator: "\n") where line.hasPrefix("RssAnon:") {
    return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])!
  }
  throw SetupError( "no RssAnon in /proc/self/status")
}

/// 100,000 lines "line N ok value=V" with "ERROR code=C" on every 7th line.
let generatedLog: [UInt8] = {
  var out: [UInt8] = []
  for i in 1...100_000 {
    let tail = i % 7 == 0 ? "ERROR code=\(i % 100)" : "ok value=\(i * 31 % 1000)"
    out += Array("line \(i) \(tail)\n".utf8)
  }
  return out
}()

@Suite("Large inputs, parallel and concurrent search", .serialized) struct LargeInputTests {
  @Test("parallel counts and lines equal serial ones, for several chunk sizes",
        arguments: [1_000, 65_536, 300_000, 4 << 20])
  func parallelEqualsSerial(chunkSize: Int) throws {
    #expect(generatedLog.count == 2_392_323)
    let source = SubjectSource.bytes(generatedLog)
    for text in ["ERROR", #"code=\d+$"#, "^line 1", "ok value=5", "(?<=\\n)line 99", #"\bERROR code=(4|5)\b"#] {
      let p = try Pattern(text, options: .multiline)
      let serialLines = try p.matchingLines(in: generatedLog).collect()
      for parallelism in [2, 3, 8] {
        var it = LineSequence(pattern: p, source: source, inverted: false, parallelism: parallelism,
                              chunkSize: chunkSize).makeIterator()
        var parallelLines: [LineMatch] = []
        while let l = try it.next() { parallelLines.append(l) }
        #expect(parallelLines == serialLines, "\(text) ×\(parallelism)")
        #expect(try p.countMatchingLines(in: source, inverted: true, parallelism: parallelism, chunkSize: chunkSize)
                == 100_000 - serialLines.count)
      }
    }
    let errors = try Pattern("ERROR").matchingLines(in: generatedLog, parallelism: 4).collect()
    #expect(errors.count == 14_285)
    #expect(errors.map(\.number) == Array(stride(from: 7, through: 99_995, by: 7)))
    #expect(errors.first?.range == 117..<136)
  }

  @Test("the line-search fast path selects exactly the lines the per-line loop does")
  func fastPathEqualsPerLine() throws {
    let extra = Array("\nERROR\n\n  ERROR  \r\nline ERRORS x\nno newline ERROR".utf8)
    let text = generatedLog + extra
    for source in [#"ERROR code=\d$"#, "^line 7", #"\bcode=9\b"#, "value=99", "^$", "ERROR", "x*", #"\d{5} ok"#] {
      let fast = try Pattern(source)
      let perLine = try Pattern("(?=)" + source)  // an empty lookahead: same matches, per-line loop
      #expect(fast.lineFastPath && !perLine.lineFastPath)
      let expected = try perLine.matchingLines(in: text).collect()
      #expect(try fast.matchingLines(in: text).collect() == expected, "\(source)")
      #expect(try fast.matchingLines(in: text, inverted: true).collect().count == 100_006 - expected.count)
      #expect(try fast.countMatchingLines(in: text, inverted: true) == 100_006 - expected.count)
    }
  }

  @Test("parallel whole-buffer counts equal serial ones, even across chunk boundaries",
        arguments: [1_000, 65_536, 1 << 20])
  func parallelCount(chunkSize: Int) throws {
    let source = SubjectSource.bytes(generatedLog)
    let cases: [(String, Int)] = [
      ("ERROR", 14_285), ("\n", 100_000), ("(?s)ERROR.*?ERROR", 7_142), ("x*", 2_392_324),
      ("(?s).*", 2), (#"\d+\n"#, 100_000), (#"(?m)^line \d+ ok"#, 85_715), ("(?<=0)\nline", 9_999),
      (#"\Gline"#, 1),
    ]
    for (text, expected) in cases {
      let p = try Pattern(text)
      let serial = try p.count(in: generatedLog)
      #expect(serial == expected, "\(text)")
      for parallelism in [2, 4, 7] {
        let parallel = try p.count(in: source, parallelism: parallelism, minimumChunk: chunkSize)
        #expect(parallel == serial, "\(text) ×\(parallelism)")
      }
    }
  }

  @Test("8 tasks sharing one Pattern on one mapping agree with a serial run")
  func sharedPattern() async throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write(generatedLog, to: "shared.log")
    let buffer = try MappedByteBuffer(path: path, access: .read)
    let pattern = try Pattern(#"ERROR code=(\d)\b"#)
    let serial = (try pattern.count(in: buffer), try pattern.countMatchingLines(in: buffer),
                  try pattern.matchingLines(in: buffer).collect())
    #expect(serial.0 == 1_427)
    let results = try await withThrowingTaskGroup(of: (Int, Int, [LineMatch]).self) { group in
      for task in 0..<8 {
        group.addTask {
          (try pattern.count(in: buffer, parallelism: 1 + task % 3),
           try pattern.countMatchingLines(in: buffer, parallelism: 1 + task % 2),
           try pattern.matchingLines(in: buffer).collect())
        }
      }
      var all: [(Int, Int, [LineMatch])] = []
      for try await r in group { all.append(r) }
      return all
    }
    #expect(results.count == 8)
    for r in results {
      #expect(r.0 == serial.0 && r.1 == serial.1 && r.2 == serial.2)
    }
  }

  @Test("a match past 4 GiB in a sparse file")
  func past4GiB() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("sparse.bin")
    let size = 5 << 30
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    #expect(fd >= 0)
    #expect(ftruncate(fd, off_t(size)) == 0)
    close(fd)
    defer { unlink(path) }
    let buffer = try MappedByteBuffer(path: path, access: .write)
    #expect(buffer.count == size)
    let needleOffset = size - 100
    try buffer.withUnsafeMutableBytes { raw in
      for (i, b) in "needle 42\n".utf8.enumerated() { raw[needleOffset + i] = b }
    }
    let p = try Pattern(#"needle (\d+)"#)
    let found = try #require(try p.firstMatch(in: buffer, from: size - (1 << 20)))
    #expect(found.range == 5_368_709_020..<5_368_709_029)
    #expect(found.range(at: 1) == 5_368_709_027..<5_368_709_029)
    #expect(try found.string(in: buffer) == "needle 42")
    let window = (size - 4096)..<size
    #expect(try p.matches(in: buffer, within: window).collect().map(\.range) == [5_368_709_020..<5_368_709_029])
    #expect(try p.firstMatch(in: buffer, within: (size - (64 << 20))..<(size - 200)) == nil)
    try buffer.close()
  }

  @Test("zero copy: anonymous memory stays flat while a 1 GiB mapping is searched end to end")
  func zeroCopy() async throws {
    // RssAnon is process-wide and other suites run concurrently in this process:
    // measure in a child process of its own (an exit test) so only this search counts.
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
      do {
        try ZeroCopyScenario.run()
      } catch {
        ZeroCopyScenario.report("\(error)")
        exit(EXIT_FAILURE)
      }
    }
    if let result, result.exitStatus != .exitCode(EXIT_SUCCESS) {
      Issue.record(Comment(rawValue: String(decoding: result.standardErrorContent, as: UTF8.self)))
    }
  }

  @Test("a file truncated under the mapping gives .truncated, not a crash")
  func truncated() throws {
    let dir = try TemporaryDirectory()
    let content = Array(String(repeating: "some line of text\n", count: 4_000).utf8)
    let path = try dir.write(content, to: "shrinking.log")
    let buffer = try MappedByteBuffer(path: path, access: .read)
    #expect(truncate(path, 8192) == 0)
    func isTruncation(_ error: any Error) -> Bool {
      guard let e = error as? RegexError, e.kind == .buffer,
            case .truncated(let p, let offset)? = e.bufferError else { return false }
      return p == path && offset >= 8192 && offset < 12288
    }
    let absent = try Pattern("zebra")
    #expect(performing: { _ = try absent.count(in: buffer) }, throws: isTruncation)
    #expect(performing: { _ = try absent.firstMatch(in: buffer) }, throws: isTruncation)
    #expect(performing: { _ = try absent.countMatchingLines(in: buffer) }, throws: isTruncation)
    #expect(performing: { _ = try Pattern("(?<=x)zebra").countMatchingLines(in: buffer) }, throws: isTruncation)
    #expect(performing: { _ = try absent.matchingLines(in: buffer, inverted: true).collect() }, throws: isTruncation)
    #expect(performing: { _ = try absent.replacing(in: buffer, with: "x") }, throws: isTruncation)
    #expect(performing: { _ = try absent.count(in: buffer, parallelism: 2) }, throws: isTruncation)
    // The bytes that still exist can be searched.
    #expect(try absent.firstMatch(in: buffer, within: 0..<8192) == nil)
    #expect(try Pattern("line").firstMatch(in: buffer)?.range == 5..<9)
  }
}

/// `i` as five digits.
func format5(_ i: Int) -> String {
  let s = String(i)
  return String(repeating: "0", count: max(0, 5 - s.count)) + s
}

/// The zero-copy measurement, run in a child process by `LargeInputTests.zeroCopy`.
enum ZeroCopyScenario {
  static func report(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  }

  static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw SetupError(message()) }
  }

  /// Writes 1 GiB of 64-byte lines (every 1,024th an ERROR line) to a temporary
  /// file, maps it, and searches it end to end four ways (and its first 64 MiB
  /// for lines that nearly all match, with binary detection); throws if a
  /// result is wrong or RssAnon grew by 16 MiB or more.
  static func run() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("big.log")
    var block: [UInt8] = []
    for i in 0..<16_384 {
      let body = i % 1_024 == 0 ? "ERROR disk quota exceeded on volume seven, retrying" : "info request served from cache in a few microseconds"
      let line = Array((format5(i) + " " + body).utf8)
      block += Array(line.prefix(63)) + Array(repeating: UInt8(ascii: "."), count: max(0, 63 - line.count)) + [0x0A]
    }
    try check(block.count == 1 << 20, "block is \(block.count) bytes")
    try writeRepeated(block, times: 1_024, to: path)
    defer { unlink(path) }
    let buffer = try MappedByteBuffer(path: path, access: .read)
    try check(buffer.count == 1 << 30, "mapped \(buffer.count) bytes")
    let pattern = try Pattern(#"ERROR disk \w+"#)
    let before = try rssAnonKiB()
    let count = try pattern.count(in: buffer)
    let lineCount = try pattern.countMatchingLines(in: buffer)
    let parallelCount = try pattern.countMatchingLines(in: buffer, parallelism: 2)
    var lines = 0
    var last = 0
    var iterator = pattern.matchingLines(in: buffer).makeIterator()
    while let line = try iterator.next() {
      lines += 1
      last = line.number
    }
    // Dense matches with grep's binary detection (lines wait for their read to be
    // checked): the first 64 MiB, 1,048,576 lines, 1,024 of them ERROR lines.
    let dense = 0..<(64 << 20)
    let info = try Pattern("info").countMatchingLines(in: buffer, within: dense, binaryDetection: .grep)
    let digits = try Pattern(#"\d{5}"#).countMatchingLines(in: buffer, within: dense, binaryDetection: .grep)
    var denseLines = 0
    var denseIterator = try Pattern(#"\d{5} "#).matchingLines(in: buffer, within: dense, binaryDetection: .grep)
      .makeIterator()
    while try denseIterator.next() != nil { denseLines += 1 }
    let after = try rssAnonKiB()
    try buffer.close()
    try check(info == LineCount(selected: 1_047_552, binaryOffset: nil) && digits.selected == 1_048_576
              && denseLines == 1_048_576, "dense counts \(info) \(digits) \(denseLines)")
    try check(count == 16_384 && lineCount == 16_384 && parallelCount == 16_384 && lines == 16_384,
              "counts \(count) \(lineCount) \(parallelCount) \(lines)")
    try check(last == 16_776_193, "last line \(last)")
    // Under a sanitizer RssAnon grows by design (ASan's quarantine keeps freed
    // memory, TSan's shadow covers the mapping's pages as they are read); the
    // counts still hold.
    if reliabilitySanitizer == nil {
      try check(after - before < 16 * 1024, "RssAnon grew from \(before) KiB to \(after) KiB")
    }
    report("RssAnon \(before) KiB -> \(after) KiB")
  }
}
