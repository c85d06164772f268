#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteBuffer
import MappedBuffer
import Testing

@Suite("Size, flush and resize") struct StorageTests {
  @Test func sizeIsTheFilesSizeNotTheMappingsCount() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("f.bin", pattern(300))
    let buffer = try MappedByteBuffer(path: file, length: 100, offset: 50)
    #expect(buffer.count == 100)
    #expect(try buffer.size() == 300)
    try truncateFile(file, to: 500)   // another writer grows the file
    #expect(try buffer.size() == 500)
    #expect(buffer.count == 100)
  }

  @Test(
    "flush ranges, aligned or not",
    arguments: [nil, 0..<1, 4095..<4097, 5000..<5003, 8191..<8192, 8192..<8192, 0..<8192] as [Range<Int>?])
  func flushRange(range: Range<Int>?) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("f.bin", [UInt8](repeating: 0, count: 8193))
    let buffer = try MappedByteBuffer(path: file, access: .write, offset: 1)
    try store([1, 2, 3], at: 4095, in: buffer)
    try store([4], at: 8191, in: buffer)
    try buffer.flush(range, mode: .synchronous)
    try buffer.flush(range, mode: .asynchronous)
    #expect(try readFile(file, offset: 4096, count: 3) == [1, 2, 3])
    #expect(try readFile(file, offset: 8192, count: 1) == [4])
  }

  @Test(arguments: [-1..<2, 0..<11, 10..<11, 11..<11])
  func flushOutsideTheBufferThrows(range: Range<Int>) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("f.bin", pattern(10))
    for access in [MappedByteBuffer.Access.write, .read, .copy] {
      let buffer = try MappedByteBuffer(path: file, access: access)
      #expect(
        throws: ByteBufferError.outOfRange(
          operation: "flush", offset: range.lowerBound, length: range.count, count: 10)
      ) { try buffer.flush(range, mode: .synchronous) }
    }
  }

  @Test func flushOfReadOnlyOrCopyMappingDoesNothing() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("f.bin", pattern(10))
    try MappedByteBuffer(path: file, access: .read).flush(nil, mode: .synchronous)
    let copy = try MappedByteBuffer(path: file, access: .copy)
    try store([0xFF], at: 0, in: copy)
    try copy.flush(nil, mode: .synchronous)
    #expect(try readFile(file)[0] == 0)
  }

  @Test func flushOfAnonymousMemorySucceeds() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 5000)
    try buffer.flush(nil, mode: .synchronous)
    try buffer.flush(4097..<4999, mode: .asynchronous)
  }

  @Test func resizeGrowsAndShrinksTheFile() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("r.bin", [1, 2, 3, 4])
    let buffer = try MappedByteBuffer(path: file, access: .write)
    buffer.position = 3
    try buffer.resize(to: 10000)
    #expect(buffer.count == 10000)
    #expect(try fileSize(file) == 10000)
    #expect(try buffer.size() == 10000)
    #expect(buffer.position == 3)
    #expect(try contents(buffer).prefix(6) == [1, 2, 3, 4, 0, 0])
    try store([9], at: 9999, in: buffer)
    try buffer.resize(to: 2)
    #expect(buffer.count == 2)
    #expect(buffer.position == 3)  // unchanged, as in CPython
    #expect(try fileSize(file) == 2)
    #expect(try readFile(file) == [1, 2])
  }

  @Test func resizeOfAMappingWithAnOffsetSetsTheFileToOffsetPlusCount() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("r.bin", pattern(6000))
    let buffer = try MappedByteBuffer(path: file, access: .write, length: 10, offset: 5000)
    try buffer.resize(to: 20)
    #expect(try fileSize(file) == 5020)
    #expect(try contents(buffer).prefix(11) == [231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241])
    try buffer.resize(to: 3000)
    #expect(try fileSize(file) == 8000)
    #expect(try contents(buffer)[2999] == 0)
  }

  @Test func resizeToZeroAndBack() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("r.bin", pattern(5000))
    let buffer = try MappedByteBuffer(path: file, access: .write, offset: 4097)
    try buffer.resize(to: 0)
    #expect(buffer.count == 0)
    #expect(try fileSize(file) == 4097)
    #expect(try buffer.withUnsafeBytes { $0.count } == 0)
    try buffer.flush(nil, mode: .synchronous)
    try buffer.resize(to: 2)
    #expect(try fileSize(file) == 4099)
    #expect(try contents(buffer) == [0, 0])
    try store([5, 6], at: 0, in: buffer)
    #expect(try readFile(file, offset: 4095, count: 4) == [79, 80, 5, 6])
  }

  @Test func resizeOfReadOnlyMappingThrows() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("r.bin", [1, 2, 3])
    let buffer = try MappedByteBuffer(path: file)
    #expect(throws: ByteBufferError.readOnly(operation: "resize", path: file)) {
      try buffer.resize(to: 5)
    }
    #expect(try fileSize(file) == 3)
  }

  @Test func resizeToANegativeCountThrows() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 4)
    #expect(
      throws: ByteBufferError.invalidArgument(operation: "resize", reason: "the new size -1 is negative")
    ) { try buffer.resize(to: -1) }
    #expect(buffer.count == 4)
  }

  @Test func resizeWhileTheBytesAreInUseThrowsBusy() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("r.bin", [1, 2, 3])
    let buffer = try MappedByteBuffer(path: file, access: .write)
    try buffer.withUnsafeBytes { _ in
      #expect(throws: ByteBufferError.busy(operation: "resize", path: file)) {
        try buffer.resize(to: 5)
      }
      #expect(buffer.count == 3)
    }
    try buffer.resize(to: 5)
    #expect(buffer.count == 5)
  }

  @Test(arguments: [MappedByteBuffer.MappingFlags.shared, .private])
  func anonymousResizeKeepsTheBytes(flags: MappedByteBuffer.MappingFlags) throws {
    let buffer = try MappedByteBuffer(anonymousCount: 3, flags: flags)
    try store([1, 2, 3], at: 0, in: buffer)
    try buffer.resize(to: 3 * 4096 + 5)
    #expect(buffer.count == 12293)
    #expect(try buffer.size() == 12293)
    let grown = try contents(buffer)
    #expect(grown.prefix(4) == [1, 2, 3, 0])
    #expect(grown.last == 0)
    try buffer.resize(to: 2)
    #expect(try contents(buffer) == [1, 2])
    try buffer.resize(to: 0)
    try buffer.resize(to: 1)
    #expect(try contents(buffer) == [0])
  }

  @Test("growing after a shrink within one page adds zeros, not the old bytes",
        arguments: [MappedByteBuffer.MappingFlags.shared, .private])
  func anonymousShrinkThenGrowGivesZeros(flags: MappedByteBuffer.MappingFlags) throws {
    let buffer = try MappedByteBuffer(anonymousCount: 6, flags: flags)
    try store(Array("abcdef".utf8), at: 0, in: buffer)
    try buffer.resize(to: 2)
    try buffer.resize(to: 6)
    #expect(try contents(buffer) == [0x61, 0x62, 0, 0, 0, 0])
  }

  /// Found by scripts/python-mmap-diff.py: advice on part of a mapping splits
  /// it into several kernel mappings, and `mremap` then fails with EFAULT, so
  /// `resize(to:)` threw `.system(resize, EFAULT)` where CPython (whose
  /// unaligned `madvise` had failed) resized. Resizing maps afresh instead.
  @Test("resize after advice on part of the mapping", .fourKiBPages,
        arguments: [AccessAdvice.random, .sequential])
  func resizeAfterPartialAdvice(advice: AccessAdvice) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("f.bin", pattern(3 * 4096))
    let buffer = try MappedByteBuffer(path: file, access: .write, offset: 4096)
    try buffer.advise(advice, range: 4097..<8192)      // the second page only
    try buffer.resize(to: 9002)
    #expect(buffer.count == 9002)
    #expect(try fileSize(file) == 13098)
    let bytes = try contents(buffer)
    // File bytes 4096, 8192 and 12287 of pattern(_:) (i % 251), then the new zeros.
    #expect([bytes[0], bytes[4096], bytes[8191]] == [80, 160, 239])
    #expect(bytes[8192...].allSatisfy { $0 == 0 })
    try store([7], at: 9001, in: buffer)
    try buffer.flush()
    #expect(try readFile(file, offset: 13097, count: 1) == [7])

    let anonymous = try MappedByteBuffer(anonymousCount: 3 * 4096, flags: .private)
    try store([1, 2], at: 8190, in: anonymous)
    try anonymous.advise(advice, range: 4096..<8192)
    try anonymous.resize(to: 5 * 4096)
    #expect(try anonymous.bytes(in: 8190..<8193) == [1, 2, 0])
  }

  /// Found by scripts/python-mmap-diff.py: when the mapping could not follow
  /// a resize of its file, the file was cut to `offset + count` instead of
  /// getting its old size back — losing the rest of the file for a mapping of
  /// its first part. (On tmpfs `ftruncate` to 2^56 bytes succeeds and
  /// `mremap` fails; elsewhere `ftruncate` fails first. Either way the file
  /// keeps its size and bytes.)
  @Test("a failed resize leaves the file as it was", arguments: ["/dev/shm", "/tmp"])
  func failedResizeKeepsTheFile(directory: String) throws {
    guard access(directory, W_OK) == 0 else { return }
    let file = "\(directory)/mbb-resize-\(getpid())"
    try writeFile(file, pattern(8193))
    defer { unlink(file) }
    let buffer = try MappedByteBuffer(path: file, access: .write, length: 100)
    for size in [1 << 56, Int.max] {
      do {
        try buffer.resize(to: size)
        Issue.record("resize(to: \(size)) succeeded")
      } catch {
        guard case .system(operation: "resize", _, _) = error else {
          Issue.record("resize(to: \(size)) threw \(error)")
          continue
        }
      }
    }
    #expect(buffer.count == 100)
    #expect(try buffer.size() == 8193)
    #expect(try readFile(file) == pattern(8193))
  }
}
