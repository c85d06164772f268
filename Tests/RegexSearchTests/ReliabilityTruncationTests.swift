import ByteBuffer
import Dispatch
import MappedBuffer
import RegexSearch
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A file is truncated while a search over it is running — by another thread
/// or by another process — at a point the test controls: the search's own
/// callback, after the first result, waits for the truncation to finish.
/// Mappings then throw `.truncated` naming the file and a lost offset; a
/// `HeapByteBuffer` holds its own copy and finishes; a fresh mapping of the
/// rewritten file searches normally.
@Suite("Reliability: truncation during a search", .serialized)
struct ReliabilityTruncationTests {
  enum Truncator: String, CaseIterable, CustomStringConvertible {
    case thread
    case process
    var description: String { rawValue }

    /// Shrinks the file at `path` to `size` bytes and returns when it is done.
    func truncate(_ path: String, to size: Int) {
      switch self {
      case .thread:
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
          _ = Glibc.truncate(path, off_t(size))
          done.signal()
        }
        done.wait()
      case .process:
        let status = try? Reliability.runProcess(["truncate", "-s", "\(size)", path])
        #expect(status == 0)
      }
    }
  }

  enum Search: String, CaseIterable, CustomStringConvertible {
    case matches
    case lines
    case parallelLines
    var description: String { rawValue }

    /// Runs the search; calls `onFirst` at the first result; returns the
    /// number of results.
    func run(_ pattern: Pattern, _ buffer: some MutableByteBuffer, onFirst: () -> Void) throws -> Int {
      var n = 0
      switch self {
      case .matches:
        try pattern.matches(in: buffer).forEach { _ in
          if n == 0 { onFirst() }
          n += 1
          return true
        }
      case .lines, .parallelLines:
        try pattern.forEachLine(in: buffer, parallelism: self == .lines ? 1 : 2) { _ in
          if n == 0 { onFirst() }
          n += 1
          return true
        }
      }
      return n
    }
  }

  /// 32 MiB of log lines (512 blocks of 64 KiB): larger than the window a
  /// parallel line search reads ahead (2 threads x 4 MiB chunks).
  static let blocks = 512
  static let size = 33_554_432

  @Test("a mapping truncated mid-search throws truncated; a fresh mapping then searches normally",
        arguments: Truncator.allCases, Search.allCases)
  func mappedSearch(truncator: Truncator, search: Search) throws {
    let directory = try Reliability.Directory()
    let path = directory.file("rotating.log")
    try Reliability.writeRepeated(Reliability.logBlock, times: Self.blocks, to: path)
    let pattern = try Pattern("ERROR upstream")
    let buffer = try MappedByteBuffer(path: path)
    #expect(buffer.count == Self.size)
    #expect(performing: {
      _ = try search.run(pattern, buffer) { truncator.truncate(path, to: 4096) }
    }, throws: { error in
      isTruncation(error, path: path, offsets: 4096..<Self.size)
    })
    // The process goes on: the same buffer keeps answering within the kept bytes...
    #expect(try pattern.firstMatch(in: buffer)?.range == 469..<483)
    #expect(throws: ByteBufferError.self) { try buffer.read() }
    try buffer.close()
    // ...and a fresh mapping of the rewritten file searches it all.
    try Reliability.writeRepeated(Reliability.logBlock, times: Self.blocks, to: path)
    let fresh = try MappedByteBuffer(path: path)
    #expect(try search.run(pattern, fresh) {} == 32_768)
    #expect(try pattern.count(in: fresh, parallelism: 2) == 32_768)
    try fresh.close()
  }

  @Test("a HeapByteBuffer read from the file is not affected by the truncation",
        arguments: Truncator.allCases, Search.allCases)
  func heapSearch(truncator: Truncator, search: Search) throws {
    let directory = try Reliability.Directory()
    let path = directory.file("rotating.log")
    try Reliability.writeRepeated(Reliability.logBlock, times: Self.blocks, to: path)
    let pattern = try Pattern("ERROR upstream")
    let buffer = try HeapByteBuffer(contentsOf: path)
    #expect(try search.run(pattern, buffer) { truncator.truncate(path, to: 4096) } == 32_768)
    var size = stat()
    #expect(stat(path, &size) == 0 && size.st_size == 4096)
    try buffer.close()
  }

  /// Not deterministic in where the cut lands, only in what may happen:
  /// every search either finishes with the full count or throws truncated.
  @Test("searches racing a truncating thread end in the full count or truncated, never a crash")
  func racingTruncation() throws {
    let directory = try Reliability.Directory()
    let path = directory.file("race.log")
    let pattern = try Pattern("ERROR upstream")
    for round in 0..<4 {
      try Reliability.writeRepeated(Reliability.logBlock, times: Self.blocks, to: path)
      let buffer = try MappedByteBuffer(path: path)
      let group = DispatchGroup()
      DispatchQueue.global().async(group: group) {
        // Let the searches start, then cut the file at a different place each round.
        for _ in 0..<(round * 1000) { sched_yield() }
        _ = truncate(path, off_t(round * 1_000_000))
      }
      for parallelism in [1, 2] {
        do {
          #expect(try pattern.count(in: buffer, parallelism: parallelism) == 32_768)
        } catch {
          #expect(isTruncation(error, path: path, offsets: round * 1_000_000..<Self.size))
        }
      }
      group.wait()
      try buffer.close()
    }
  }
}

/// Vectorised code reads aligned blocks: PCRE2's JIT and glibc's memchr may
/// first touch a lost page below a range's start or past its end (in the same
/// page). The guard covers the whole pages of the range: such a fault is a
/// `.truncated` error inside the range, not a crash (found by
/// scripts/faults.py: mmgrep died with SIGBUS in JIT code).
@Suite("Reliability: aligned reads just outside a range")
struct ReliabilityAlignedReadTests {
  @Test("a search of a lost range starting mid-page throws .truncated", arguments: [1, 8, 13, 100, 4090])
  func unalignedStart(start: Int) throws {
    let directory = try Reliability.Directory()
    let path = directory.file("lost.log")
    try Reliability.writeRepeated(Array("0123456789 ERROR x\n".utf8), times: 1000, to: path)
    let buffer = try MappedByteBuffer(path: path)
    #expect(truncate(path, 0) == 0)
    let range = start..<(start + 300)
    for pattern in [try Pattern("ERROR"), try Pattern("E"), try Pattern(#"\d{3}x"#)] {
      do {
        _ = try pattern.firstMatch(in: buffer, within: range)
        Issue.record("no error for \(pattern.source)")
      } catch {
        #expect(isTruncation(error, path: path, offsets: range), "\(pattern.source): \(error)")
      }
      #expect(throws: (any Error).self) { try buffer.find(Array("ERROR".utf8), start: start, end: start + 300) }
    }
    try buffer.close()
  }
}
