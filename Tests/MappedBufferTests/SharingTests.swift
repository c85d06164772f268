#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteBuffer
import MappedBuffer
import Testing

@Suite("Sharing and durability") struct SharingTests {
  @Test func sharedWritesAreSeenThroughASecondMapping() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("s.bin", pattern(8192))
    let writer = try MappedByteBuffer(path: file, access: .write)
    let reader = try MappedByteBuffer(path: file, offset: 4097)
    try store([0xAB, 0xCD], at: 4097, in: writer)
    // No flush: both map the same page-cache pages.
    #expect(try contents(reader).prefix(3) == [0xAB, 0xCD, 83])
  }

  @Test func sharedWritesAreSeenByAnotherProcess() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("s.txt", "....\n")
    let output = scratch.path("out.txt")
    let buffer = try MappedByteBuffer(path: file, access: .write)
    try store(Array("mmap".utf8), at: 0, in: buffer)
    let status = try run("/bin/cat", [file], outputTo: output)
    #expect(exitCode(status) == 0)
    #expect(try readFile(output) == Array("mmap\n".utf8))
  }

  @Test func copyOnWriteNeverReachesTheFile() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("c.txt", "original")
    let copy = try MappedByteBuffer(path: file, access: .copy)
    #expect(!copy.isReadOnly)
    try store(Array("CHANGED!".utf8), at: 0, in: copy)
    try copy.flush()
    #expect(try contents(copy) == Array("CHANGED!".utf8))
    let other = try MappedByteBuffer(path: file)
    #expect(try contents(other) == Array("original".utf8))
    try copy.close()
    #expect(try readFile(file) == Array("original".utf8))
  }

  @Test func copyMappingCannotBeResized() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("c.txt", "abc")
    let copy = try MappedByteBuffer(path: file, access: .copy)
    let error = #expect(throws: ByteBufferError.self) { try copy.resize(to: 10) }
    #expect(error == .readOnly(operation: "resize", path: file))
    #expect(error?.description == "cannot resize '\(file)': the buffer is read-only")
    #expect(try fileSize(file) == 3)
  }

  /// A child process writes through the mapping, calls `flush()` and is
  /// killed with SIGKILL; the parent then reads the bytes from the FILE.
  ///
  /// How: `fork()` in a multithreaded test process is only safe if the child
  /// does no work that could need a lock another thread held at the fork
  /// (malloc, the Swift runtime's metadata caches). So the parent runs the
  /// exact same calls once first (warming every cache), and the child then
  /// only copies bytes through a pointer obtained before the fork, calls
  /// `flush()` on its copy of the buffer (its lock is free: no other thread
  /// uses this buffer), and kills itself. `alarm` turns a hung child into a
  /// SIGALRM death, which fails the test instead of hanging it.
  @Test func bytesFlushedByAKilledChildAreInTheFile() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("d.bin", [UInt8](repeating: 0x2E, count: 8192))
    let buffer = try MappedByteBuffer(path: file, access: .write)
    let message: [UInt8] = Array("durable!".utf8)
    let status: Int32 = try message.withUnsafeBytes { source in
      try buffer.withUnsafeMutableBytes { target in
        // Warm up: the same calls as the child's, on other bytes.
        (target.baseAddress! + 100).copyMemory(from: source.baseAddress!, byteCount: source.count)
        try buffer.flush(4000..<4001, mode: .synchronous)
        let pid = fork()
        if pid == 0 {
          alarm(30)
          (target.baseAddress! + 4090).copyMemory(from: source.baseAddress!, byteCount: source.count)
          do {
            try buffer.flush(4090..<4098, mode: .synchronous)
          } catch {
            _exit(3)
          }
          kill(getpid(), SIGKILL)
          _exit(4)
        }
        try check("fork", pid)
        return try waitForChild(pid)
      }
    }
    #expect(terminatingSignal(status) == SIGKILL)
    #expect(try readFile(file, offset: 4088, count: 12) == Array("..durable!..".utf8))
  }
}

@Suite("Shared memory") struct SharedMemoryTests {
  /// A name no other test run uses at the same time.
  static func uniqueName(_ base: String) -> String {
    "mapped-buffer-test-\(base)-\(getpid())"
  }

  @Test func twoBuffersOnOneNameSeeEachOthersWrites() throws {
    let name = Self.uniqueName("pair")
    defer { try? MappedByteBuffer.removeSharedMemory(named: name) }
    let first = try MappedByteBuffer(sharedMemoryName: name, count: 100)
    #expect(first.count == 100)
    #expect(first.path == "shm:\(name)")
    #expect(try first.size() == 100)
    let second = try MappedByteBuffer(sharedMemoryName: "/" + name, count: 0)
    #expect(second.count == 100)
    try store([1, 2, 3], at: 50, in: first)
    #expect(try contents(second)[49..<54] == [0, 1, 2, 3, 0])
    try store([9], at: 99, in: second)
    #expect(try contents(first)[99] == 9)
    let reader = try MappedByteBuffer(sharedMemoryName: name, count: 10, access: .read)
    #expect(reader.isReadOnly)
    #expect(try contents(reader)[0..<3] == [0, 0, 0])
    #expect(try reader.size() == 100)
  }

  @Test func aSmallerObjectGrowsAndKeepsItsBytes() throws {
    let name = Self.uniqueName("grow")
    defer { try? MappedByteBuffer.removeSharedMemory(named: name) }
    let small = try MappedByteBuffer(sharedMemoryName: name, count: 10)
    try store([7, 7], at: 8, in: small)
    let large = try MappedByteBuffer(sharedMemoryName: name, count: 5000)
    #expect(large.count == 5000)
    #expect(try small.size() == 5000)
    #expect(try contents(large)[7..<11] == [0, 7, 7, 0])
    // A larger object is mapped only as far as asked.
    let part = try MappedByteBuffer(sharedMemoryName: name, count: 9)
    #expect(part.count == 9)
    #expect(try part.size() == 5000)
  }

  @Test func resizeChangesTheObject() throws {
    let name = Self.uniqueName("resize")
    defer { try? MappedByteBuffer.removeSharedMemory(named: name) }
    let buffer = try MappedByteBuffer(sharedMemoryName: name, count: 4)
    try store([1, 2, 3, 4], at: 0, in: buffer)
    try buffer.resize(to: 9000)
    #expect(try buffer.size() == 9000)
    #expect(try contents(buffer).prefix(5) == [1, 2, 3, 4, 0])
    try buffer.resize(to: 2)
    let again = try MappedByteBuffer(sharedMemoryName: name, count: 0)
    #expect(try contents(again) == [1, 2])
  }

  @Test func removingTheNameLeavesMappingsWorking() throws {
    let name = Self.uniqueName("remove")
    let buffer = try MappedByteBuffer(sharedMemoryName: name, count: 16)
    try store([42], at: 0, in: buffer)
    try MappedByteBuffer.removeSharedMemory(named: name)
    #expect(try contents(buffer)[0] == 42)
    let error = #expect(throws: ByteBufferError.self) {
      try MappedByteBuffer.removeSharedMemory(named: name)
    }
    #expect(error == .system(operation: "remove", path: "shm:\(name)", errno: ENOENT))
    // The name now makes a new, empty object.
    let fresh = try MappedByteBuffer(sharedMemoryName: name, count: 0)
    defer { try? MappedByteBuffer.removeSharedMemory(named: name) }
    #expect(fresh.count == 0)
  }

  @Test(arguments: ["", "/", "a/b", "//x"])
  func badNamesAreRejected(name: String) {
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "open shared memory",
        reason: "'\(name)' is not a valid name (one path component, optionally after a '/')")
    ) { try MappedByteBuffer(sharedMemoryName: name, count: 1) }
  }

  @Test func negativeCountIsRejected() {
    let name = Self.uniqueName("negative")
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "map 'shm:\(name)'", reason: "count -1 is negative")
    ) { try MappedByteBuffer(sharedMemoryName: name, count: -1) }
  }
}
