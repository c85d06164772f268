import ByteBuffer
import MappedBuffer
import Testing

/// Map/close cycles must leave no descriptor and no mapping behind.
///
/// Other suites run in parallel in the same process and open and map files
/// of their own, so the process-wide counts of /proc/self/fd and
/// /proc/self/maps move under this test. It therefore checks the resources
/// it made itself, by name: after the cycles, no descriptor of the process
/// refers to the test's file and no line of /proc/self/maps maps it. (A
/// leak would also end the loop early: 10,000 leaked descriptors or
/// mappings exceed the limits long before the loop ends.) Anonymous
/// mappings have no name; their cycles check that no mapping of exactly
/// their distinctive size is left.
@Suite("Hygiene") struct HygieneTests {
  @Test func tenThousandMapCloseCyclesLeaveNothingBehind() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("h.bin", pattern(5000))
    #expect(try descriptors(of: file) == 0)
    #expect(try mappingLines(of: file) == 0)
    for cycle in 0..<10_000 {
      let access: MappedByteBuffer.Access = [.read, .write, .copy][cycle % 3]
      let buffer = try MappedByteBuffer(path: file, access: access, offset: cycle % 4099)
      if cycle == 0 {
        #expect(try descriptors(of: file) == 1)
        #expect(try mappingLines(of: file) == 1)
      }
      try buffer.close()
    }
    #expect(try descriptors(of: file) == 0)
    #expect(try mappingLines(of: file) == 0)
  }

  @Test func buffersFreedWithoutCloseLeaveNothingBehind() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("h.bin", pattern(5000))
    for cycle in 0..<2_000 {
      let buffer = try MappedByteBuffer(path: file, access: .write)
      if cycle % 2 == 0 { try buffer.resize(to: 5000 + cycle) }
    }
    #expect(try descriptors(of: file) == 0)
    #expect(try mappingLines(of: file) == 0)
  }

  @Test func errorsLeaveNothingBehind() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("h.bin", pattern(10))
    for _ in 0..<1_000 {
      #expect(throws: ByteBufferError.self) { try MappedByteBuffer(path: file, length: 11) }
      #expect(throws: ByteBufferError.self) { try MappedByteBuffer(path: file, offset: 10) }
    }
    #expect(try descriptors(of: file) == 0)
  }

  @Test func anonymousCyclesLeaveNoMapping() throws {
    // 7 pages + 3 bytes: the kernel shows a shared anonymous region of
    // 32768 bytes, a size no other test maps.
    #expect(try sharedAnonymousMappings(length: 32768) == 0)
    for cycle in 0..<10_000 {
      let buffer = try MappedByteBuffer(anonymousCount: 7 * 4096 + 3)
      if cycle == 0 { #expect(try sharedAnonymousMappings(length: 32768) == 1) }
      try buffer.close()
    }
    #expect(try sharedAnonymousMappings(length: 32768) == 0)
  }
}
