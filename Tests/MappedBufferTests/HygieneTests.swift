#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteBuffer
import MappedBuffer
import Testing

/// Map/close cycles must leave no descriptor and no mapping behind.
///
/// Other suites run in parallel in this process and open and map files of
/// their own, so the process-wide counts of /proc/self/fd and
/// /proc/self/maps move under an ordinary test. Two kinds of check:
/// - an exit test runs the cycles alone in a child process, where nothing
///   else runs, and compares the whole counts before and after;
/// - the other tests check the resources they made themselves, by name: no
///   descriptor refers to the test's file and no line of /proc/self/maps
///   maps it (anonymous mappings: none of their distinctive size is left).
@Suite("Hygiene") struct HygieneTests {
  @Test(.disabled(underSanitizer: "address", "ASan keeps freed memory in its quarantine and maps new allocator regions as it fills, so whole-process /proc/self/maps counts grow"))
  func tenThousandCyclesLeaveTheProcessCountsAsTheyWere() async {
    await #expect(processExitsWith: .success) {
      let scratch = try ScratchDirectory()
      let file = try scratch.file("h.bin", pattern(5000))
      func cycle(_ index: Int) throws {
        let access: MappedByteBuffer.Access = [.read, .write, .copy][index % 3]
        try MappedByteBuffer(path: file, access: access, offset: index % 4099).close()
        try MappedByteBuffer(anonymousCount: 1 + index % 9000).close()
        _ = try MappedByteBuffer(path: file, length: 10)   // freed without close()
      }
      for index in 0..<100 { try cycle(index) }   // warm up caches and the allocator
      let descriptorsBefore = openDescriptorTargets().count
      let mappingsBefore = try mappingLineCount()
      for index in 0..<10_000 { try cycle(index) }
      let descriptorsMiddle = openDescriptorTargets().count
      let mappingsMiddle = try mappingLineCount()
      for index in 0..<10_000 { try cycle(index) }
      let descriptorsAfter = openDescriptorTargets().count
      let mappingsAfter = try mappingLineCount()
      // A leak grows with every round of cycles. The runtime may start a worker
      // thread (a stack and its guard page) during the first round on a loaded
      // machine, once: a little slack there, none in the second round.
      if descriptorsMiddle != descriptorsBefore || descriptorsAfter != descriptorsMiddle
        || mappingsMiddle > mappingsBefore + 4 || mappingsAfter != mappingsMiddle {
        print("descriptors \(descriptorsBefore) -> \(descriptorsMiddle) -> \(descriptorsAfter), "
              + "maps \(mappingsBefore) -> \(mappingsMiddle) -> \(mappingsAfter)")
        exit(1)
      }
    }
  }

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

  @Test(.fourKiBPages) func anonymousCyclesLeaveNoMapping() throws {
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
