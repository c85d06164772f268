#if canImport(Glibc)
import Glibc
#endif
import ByteBuffer
import MappedBuffer
import Testing

/// A field of /proc/self/status in KiB ("RssAnon", "VmRSS"), or -1.
func reliabilityStatusKiB(_ field: String) -> Int {
  guard let bytes = try? readFile("/proc/self/status") else { return -1 }
  for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(field + ":") {
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
  }
  return -1
}

/// Scale: a 64 GiB sparse file maps for free, and MAP_SHARED writers and
/// readers — two mappings in one process, or two processes — see each
/// other's flushed writes.
@Suite("Reliability: scale and sharing")
struct ReliabilityScaleTests {
  /// Mapping costs address space, not memory: RssAnon and VmRSS stay flat
  /// when a 64 GiB sparse file is mapped, and reading its last page brings in
  /// one page. Measured in a child process, where no other test allocates.
  @Test("mapping a 64 GiB sparse file costs no memory up front")
  func sixtyFourGiBSparseFile() async {
    let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
      let scratch = try ScratchDirectory()
      let file = try scratch.file("sparse.bin", [])
      let size = 64 << 30
      try truncateFile(file, to: size)
      let anonBefore = reliabilityStatusKiB("RssAnon")
      let residentBefore = reliabilityStatusKiB("VmRSS")
      let buffer = try MappedByteBuffer(path: file)
      let anonMapped = reliabilityStatusKiB("RssAnon")
      let residentMapped = reliabilityStatusKiB("VmRSS")
      guard buffer.count == 68_719_476_736, try buffer.size() == 68_719_476_736 else { exit(2) }
      // The last page: a read, a find, a byte — one page in, not 64 GiB.
      guard try buffer.byte(at: size - 1) == 0, try buffer.find([1], start: size - 4096) == nil else { exit(3) }
      let residentTouched = reliabilityStatusKiB("VmRSS")
      try buffer.close()
      print("RssAnon \(anonBefore) -> \(anonMapped) KiB, VmRSS \(residentBefore) -> \(residentMapped) -> \(residentTouched) KiB")
      guard anonBefore >= 0, anonMapped - anonBefore < 4096, residentMapped - residentBefore < 4096,
            residentTouched - residentBefore < 8192 else { exit(4) }
    }
    if let result { print(String(decoding: result.standardOutputContent, as: UTF8.self), terminator: "") }
  }

  @Test("two MAP_SHARED mappings of one file see each other's flushed writes")
  func twoMappingsShareWrites() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("shared.log", [UInt8](repeating: 0x2E, count: 8192))
    let writer = try MappedByteBuffer(path: file, access: .write)
    let other = try MappedByteBuffer(path: file, access: .write)
    let reader = try MappedByteBuffer(path: file, access: .read)
    try writer.replaceBytes(in: 100..<111, with: Array("from writer".utf8))
    try writer.flush()
    #expect(try reader.bytes(in: 100..<111) == Array("from writer".utf8))
    #expect(try other.bytes(in: 100..<111) == Array("from writer".utf8))
    try other.seek(5000)
    try other.write("from other")
    try other.flush(5000..<5010)
    #expect(try writer.find("from other") == 5000)
    #expect(try reader.find("from other") == 5000)
    // What a reader that does not map the file sees: the file's bytes.
    #expect(try readFile(file, offset: 100, count: 11) == Array("from writer".utf8))
    #expect(try readFile(file, offset: 5000, count: 10) == Array("from other".utf8))
    try writer.close()
    try other.close()
    try reader.close()
  }

  /// The child maps the file, writes, flushes and exits; the parent, which
  /// mapped the file before the child ran, sees the bytes in its own mapping.
  /// Then the parent writes and a second child checks that it sees them.
  @Test("two processes sharing a MAP_SHARED file see each other's flushed writes")
  func twoProcessesShareWrites() async throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("shared.log", [UInt8](repeating: 0x2E, count: 3 * 4096))
    let mine = try MappedByteBuffer(path: file, access: .write)
    await #expect(processExitsWith: .success) { [file = file as String] in
      let child = try MappedByteBuffer(path: file, access: .write)
      try child.replaceBytes(in: 4090..<4110, with: Array("written by the child".utf8))
      try child.flush()
      try child.close()
    }
    #expect(try mine.bytes(in: 4090..<4110) == Array("written by the child".utf8))
    try mine.replaceBytes(in: 10_000..<10_021, with: Array("written by the parent".utf8))
    try mine.flush()
    await #expect(processExitsWith: .success) { [file = file as String] in
      let child = try MappedByteBuffer(path: file, access: .read)
      guard try child.find("written by the parent") == 10_000,
            try child.find("written by the child") == 4090 else { exit(1) }
      try child.close()
    }
    try mine.close()
  }
}
