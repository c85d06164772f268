import ByteBuffer
import Dispatch
import MappedBuffer
import RegexSearch
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Load: many searches at once over one mapping, and many open/map/search/
/// close cycles.
@Suite("Reliability: load", .serialized)
struct ReliabilityLoadTests {
  /// What a load run expects of a file of `blocks` log blocks (64 KiB, 64
  /// matches each): its size, the matches, and the range of the last one.
  struct LoadCase {
    var blocks: Int
    var size: Int
    var matches: Int
    var last: Range<Int>
  }

  /// 1 GiB; under a sanitizer (each search several times slower) 256 MiB,
  /// which crosses the same chunk and page boundaries.
  static let load = reliabilitySanitizer == nil
    ? LoadCase(blocks: 16_384, size: 1_073_741_824, matches: 1_048_576, last: 1_073_741_269..<1_073_741_301)
    : LoadCase(blocks: 4096, size: 268_435_456, matches: 262_144, last: 268_434_901..<268_434_933)

  /// 16 concurrent searches sharing one `Pattern` over one 1 GiB mapping
  /// agree with a serial run.
  @Test("16 concurrent searches over one 1 GiB mapping agree with a serial run")
  func sixteenConcurrentSearches() throws {
    let load = Self.load
    let directory = try Reliability.Directory()
    let path = directory.file("big.log")
    try Reliability.writeRepeated(Reliability.logBlock, times: load.blocks, to: path)
    let buffer = try MappedByteBuffer(path: path)
    #expect(buffer.count == load.size)
    let pattern = try Pattern(#"ERROR upstream timeout id=(\d+)"#)

    let serialCount = try pattern.count(in: buffer)
    let serialLines = try pattern.countMatchingLines(in: buffer)
    let serialLast = try pattern.matches(in: buffer, within: (load.size - 65_536)..<load.size).collect().last
    #expect(serialCount == load.matches)
    #expect(serialLines == load.matches)
    #expect(serialLast?.range == load.last)

    let results = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 16) { task in
      let outcome: String
      do {
        switch task % 4 {
        case 0: outcome = "count \(try pattern.count(in: buffer))"
        case 1: outcome = "lines \(try pattern.countMatchingLines(in: buffer))"
        case 2: outcome = "count \(try pattern.count(in: buffer, parallelism: 2))"
        default:
          var n = 0
          var last: Range<Int>? = nil
          try pattern.matches(in: buffer).forEach { match in
            n += 1
            last = match.range
            return true
          }
          outcome = "matches \(n) last \(String(describing: last))"
        }
      } catch {
        outcome = "error \(error)"
      }
      results.withLock { $0.append("\(task % 4): \(outcome)") }
    }
    let sorted = results.withLock { $0.sorted() }
    #expect(sorted == Array(repeating: "0: count \(load.matches)", count: 4)
      + Array(repeating: "1: lines \(load.matches)", count: 4)
      + Array(repeating: "2: count \(load.matches)", count: 4)
      + Array(repeating: "3: matches \(load.matches) last Optional(Range(\(load.last)))", count: 4))
    try buffer.close()
  }

  /// Open, map, search, close, over and over: no descriptor, mapping or
  /// memory may be left behind. The cycles run in a child process, where no
  /// other test opens files or maps memory, so the process-wide counts are
  /// exact; the child prints them and the parent checks them.
  ///
  /// 100,000 cycles take about 5 s here; `scripts/sanitize.sh` runs 10,000
  /// (`MBB_RELIABILITY_CYCLES`), as sanitizers slow each cycle down.
  @Test("100,000 open/map/search/close cycles leak no descriptor, mapping or memory")
  func cyclesLeakNothing() async throws {
    let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
      let cycles = getenv("MBB_RELIABILITY_CYCLES").flatMap { Int(String(cString: $0)) } ?? 100_000
      let directory = try Reliability.Directory()
      let path = directory.file("cycle.log")
      try Reliability.writeRepeated(Reliability.logBlock, times: 2, to: path)
      let pattern = try Pattern(#"id=(\d+)"#)
      func cycle(_ i: Int) throws {
        let buffer = try MappedByteBuffer(path: path, access: i % 2 == 0 ? .read : .write)
        guard try pattern.count(in: buffer) == 128,
              try pattern.firstMatch(in: buffer, from: 64 * (i % 1000))?.range.count == 9 else { exit(2) }
        // The mapping shows in /proc/self/maps under the file's name (so the count after the cycles means something).
        if i == 0 && Reliability.mappingCount(of: path) != 1 { exit(3) }
        try buffer.close()
      }
      for i in 0..<200 { try cycle(i) }   // warm up caches and the allocator
      func counts() -> [Int] {
        [Reliability.descriptorCount(), Reliability.mappingCount(), Reliability.statusKiB("RssAnon"),
         Reliability.mappingCount(of: path)]
      }
      let before = counts()
      for i in 0..<cycles { try cycle(i) }
      let after = counts()
      print("\(cycles) \(before[0]) \(after[0]) \(before[1]) \(after[1]) \(before[2]) \(after[2]) "
            + "\(before[3]) \(after[3])")
    }
    let output = String(decoding: try #require(result).standardOutputContent, as: UTF8.self)
    let n = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
    try #require(n.count == 9)
    print("\(n[0]) cycles: descriptors \(n[1]) -> \(n[2]), /proc/self/maps lines \(n[3]) -> \(n[4]) "
          + "(of the file: \(n[7]) -> \(n[8])), RssAnon \(n[5]) -> \(n[6]) KiB")
    #expect(n[2] == n[1], "descriptors leaked")
    #expect(n[7] == 0 && n[8] == 0, "mappings of the file leaked")
    // The sanitizers map and merge memory of their own (ASan's allocator regions,
    // TSan's shadow): the process's mapping count moves under them by itself.
    if reliabilitySanitizer == nil {
      #expect(n[4] == n[3], "mappings leaked")
    }
    // ASan holds freed memory in its quarantine (256 MiB) instead of reusing it:
    // anonymous memory grows there by design (it leaks nothing its checker sees).
    if reliabilitySanitizer != "address" {
      #expect(n[5] >= 0 && n[6] - n[5] < 8192, "anonymous memory grew by \(n[6] - n[5]) KiB")
    }
  }
}
