import ByteBuffer
import MappedBuffer
import Testing

@Suite("Advice, prefault and locking") struct AdviceTests {
  @Test(arguments: AccessAdvice.allCases)
  func adviseSucceeds(advice: AccessAdvice) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.bin", pattern(10000))
    let buffer = try MappedByteBuffer(path: file, offset: 3)
    try buffer.advise(advice, range: nil)
    try buffer.advise(advice, range: 5000..<5001)
    try buffer.advise(advice, range: 9000..<1_000_000)   // the end is clamped, as in CPython
    #expect(try contents(buffer).prefix(2) == [3, 4])
  }

  @Test(arguments: [-1..<3, 9997..<9998, 20000..<20001])
  func adviseStartingOutsideTheBufferThrows(range: Range<Int>) throws {
    let buffer = try MappedByteBuffer(anonymousCount: 9997)
    #expect(
      throws: ByteBufferError.outOfRange(
        operation: "advise", offset: range.lowerBound, length: range.count, count: 9997)
    ) { try buffer.advise(.normal, range: range) }
  }

  @Test func adviseOnAnEmptyBuffer() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 0)
    try buffer.advise(.willNeed, range: nil)
    #expect(throws: ByteBufferError.outOfRange(operation: "advise", offset: 0, length: 0, count: 0)) {
      try buffer.advise(.willNeed, range: 0..<0)
    }
  }

  @Test func prefaultReadsEveryPage() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.bin", pattern(3 * 4096 + 7))
    let buffer = try MappedByteBuffer(path: file, offset: 1)
    try buffer.prefault()
    try MappedByteBuffer(anonymousCount: 0).prefault()
    #expect(try contents(buffer).last == 246)
  }

  @Test func lockAndUnlock() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.bin", pattern(5000))
    let buffer = try MappedByteBuffer(path: file, access: .write, offset: 100)
    try buffer.lock()
    try buffer.lock()
    try store([1], at: 0, in: buffer)
    try buffer.unlock()
    try buffer.unlock()
    try MappedByteBuffer(anonymousCount: 0).lock()
    #expect(try readFile(file, offset: 100, count: 1) == [1])
  }

  @Test(.fourKiBPages) func discardingPrivateAnonymousMemoryZeroesIt() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 3 * 4096, flags: .private)
    try store([1, 1, 1], at: 4095, in: buffer)
    try store([2], at: 8192, in: buffer)
    // Only whole pages inside the range go: page 1 (4096..<8192) here.
    try buffer.unsafeAdviseDiscard(.dontNeed, range: 4095..<8193)
    #expect(try contents(buffer)[4095...4097] == [1, 0, 0])
    #expect(try contents(buffer)[8192] == 2)
    try buffer.unsafeAdviseDiscard()
    #expect(try contents(buffer).allSatisfy { $0 == 0 })
  }

  @Test(.fourKiBPages) func discardingACopyMappingRestoresTheFilesBytes() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.bin", pattern(4096))
    let buffer = try MappedByteBuffer(path: file, access: .copy)
    try store([0xFF, 0xFF], at: 0, in: buffer)
    try buffer.unsafeAdviseDiscard(.dontNeed, range: nil)
    #expect(try contents(buffer).prefix(3) == [0, 1, 2])
  }

  @Test func discardingASharedMappingKeepsTheBytes() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.bin", pattern(8192))
    let buffer = try MappedByteBuffer(path: file, access: .write)
    try store([0xEE], at: 10, in: buffer)
    try buffer.unsafeAdviseDiscard(.dontNeed)
    #expect(try contents(buffer)[9...11] == [9, 0xEE, 11])
  }

  @Test(.fourKiBPages) func removingPunchesAHoleInTheFile() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.bin", [UInt8](repeating: 7, count: 3 * 4096))
    let buffer = try MappedByteBuffer(path: file, access: .write)
    try buffer.unsafeAdviseDiscard(.remove, range: 4096..<8192)
    #expect(try readFile(file, offset: 4095, count: 3) == [7, 0, 0])
    #expect(try readFile(file, offset: 8191, count: 2) == [0, 7])
  }

  @Test func discardOutsideTheBufferThrows() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 10)
    #expect(throws: ByteBufferError.outOfRange(operation: "discard", offset: 5, length: 6, count: 10)) {
      try buffer.unsafeAdviseDiscard(range: 5..<11)
    }
  }
}
