#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteBuffer
import MappedBuffer
import Testing

/// A sparse file over 4 GiB: offsets past 32 bits, and mapping costs no RAM
/// or disk up front (only the pages touched are read).
@Suite("Files over 4 GiB") struct LargeFileTests {
  static let fiveGiB = 5_368_709_120
  static let needleOffset = 4_294_979_641   // 4 GiB + 12,345

  @Test func mapReadWriteAndFindPastFourGiB() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("sparse.bin", [])
    try truncateFile(file, to: Self.fiveGiB)
    try patchFile(file, offset: Self.needleOffset, Array("NEEDLE-PAST-4GiB".utf8))
    #expect(try diskUsage(file) < 1_048_576)   // sparse: nothing but the needle's block

    let buffer = try MappedByteBuffer(path: file, access: .write)
    #expect(buffer.count == 5_368_709_120)
    #expect(try buffer.size() == 5_368_709_120)

    // find, starting one page below 4 GiB, so only a few pages are read.
    #expect(try buffer.find("NEEDLE-PAST-4GiB", start: 4_294_963_200) == 4_294_979_641)
    #expect(try buffer.rfind("NEEDLE", start: 4_294_963_200, end: 4_295_000_000) == 4_294_979_641)

    // Read and write near the end, through the cursor.
    #expect(try buffer.seek(-16, whence: .end) == 5_368_709_104)
    #expect(try buffer.read(4) == [0, 0, 0, 0])
    #expect(try buffer.seek(-8, whence: .end) == 5_368_709_112)
    #expect(try buffer.write(Array("THE-END!".utf8)) == 8)
    #expect(buffer.position == 5_368_709_120)
    try buffer.flush(5_368_709_112..<5_368_709_120, mode: .synchronous)
    #expect(try readFile(file, offset: 5_368_709_112, count: 8) == Array("THE-END!".utf8))
    try buffer.close()

    // A mapping that starts past 4 GiB, at an unaligned offset.
    let window = try MappedByteBuffer(path: file, length: 16, offset: 4_294_979_641)
    #expect(try contents(window) == Array("NEEDLE-PAST-4GiB".utf8))
    #expect(try diskUsage(file) < 1_048_576)
  }
}

/// Another process truncates the mapped file: bulk operations throw
/// `.truncated` instead of dying of SIGBUS.
@Suite("Truncated files") struct TruncationTests {
  @Test(.fourKiBPages) func findReadAndPrefaultOverLostPagesThrow() throws {
    let scratch = try ScratchDirectory()
    var bytes = [UInt8](repeating: 0x41, count: 3 * 4096)
    bytes.replaceSubrange(12280..<12288, with: Array("the-end!".utf8))
    let file = try scratch.file("t.bin", bytes)
    let buffer = try MappedByteBuffer(path: file)
    #expect(try buffer.find("the-end!") == 12280)
    try truncateFile(file, to: 4096)
    #expect(buffer.count == 12288)
    #expect(try buffer.size() == 4096)
    let lost = ByteBufferError.truncated(path: file, offset: 4096)
    // memmem reads ahead in vector-sized steps: the fault can be a little
    // past the first lost byte.
    let error = #expect(throws: ByteBufferError.self) { try buffer.find("the-end!") }
    guard case .truncated(let path, let offset)? = error else {
      Issue.record("expected .truncated, got \(String(describing: error))")
      return
    }
    #expect(path == file)
    #expect((4096..<4160).contains(offset))
    #expect(throws: lost) { try buffer.read() }
    #expect(throws: ByteBufferError.truncated(path: file, offset: 5000)) { try buffer.byte(at: 5000) }
    #expect(throws: lost) { try buffer.prefault() }
    #expect(
      lost.description == "'\(file)' was truncated while being read (no data at offset 4096)")
    // What is left is still readable.
    #expect(try buffer.find("AAAA") == 0)
    #expect(try buffer.read(4) == [0x41, 0x41, 0x41, 0x41])
  }

  @Test(.fourKiBPages) func truncationOffsetsCountFromTheBuffersFirstByte() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("t.bin", [UInt8](repeating: 0x42, count: 4 * 4096))
    let buffer = try MappedByteBuffer(path: file, offset: 5000)
    try truncateFile(file, to: 8192)
    // File offset 8192 is buffer offset 3192.
    #expect(throws: ByteBufferError.truncated(path: file, offset: 3192)) { try buffer.prefault() }
    #expect(throws: ByteBufferError.truncated(path: file, offset: 3192)) { try buffer.read() }
  }

  /// A subscript cannot throw: reading a lost page through one ends the
  /// process (a trap, or SIGBUS where the access is not guarded), never
  /// returning a wrong byte. `byte(at:)` is the throwing alternative.
  @Test func subscriptOverALostPageEndsTheProcess() async {
    await #expect(processExitsWith: .failure) {
      var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
      setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
      let scratch = try ScratchDirectory()
      let file = try scratch.file("t.bin", [UInt8](repeating: 1, count: 8192))
      let buffer = try MappedByteBuffer(path: file)
      try truncateFile(file, to: 0)
      removeTree(scratch.path)   // the process dies below, before any deinit
      _ = buffer[5000]
    }
  }
}
