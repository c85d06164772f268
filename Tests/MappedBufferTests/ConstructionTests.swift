#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteBuffer
import MappedBuffer
import SystemPackage
import Testing

@Suite("Construction") struct ConstructionTests {
  @Test func mapsWholeFileByPath() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("a.log", "hello\nworld\n")
    let buffer = try MappedByteBuffer(path: file)
    #expect(buffer.count == 12)
    #expect(try contents(buffer) == Array("hello\nworld\n".utf8))
    #expect(try buffer.size() == 12)
    #expect(buffer.path == file)
    #expect(buffer.access == .read)
    #expect(buffer.offset == 0)
    #expect(buffer.isReadOnly)
    #expect(!buffer.isClosed)
    #expect(buffer.position == 0)
  }

  @Test func mapsFilePath() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("b.bin", [1, 2, 3])
    let buffer = try MappedByteBuffer(path: FilePath(file), access: .write)
    #expect(try contents(buffer) == [1, 2, 3])
    #expect(!buffer.isReadOnly)
    #expect(buffer.path == file)
  }

  @Test func keepsItsOwnDescriptorAfterTheCallerClosesTheirs() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("c.bin", [10, 20, 30, 40])
    let descriptor = try FileDescriptor.open(FilePath(file), .readWrite)
    let buffer = try MappedByteBuffer(descriptor: descriptor, access: .write, path: file)
    try descriptor.close()
    try store([99], at: 1, in: buffer)
    try buffer.resize(to: 6)           // needs the buffer's own descriptor (ftruncate)
    #expect(try buffer.size() == 6)    // and fstat
    #expect(try readFile(file) == [10, 99, 30, 40, 0, 0])
    try buffer.close()
  }

  @Test func mapsRawDescriptor() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("d.bin", [5, 6, 7, 8, 9])
    let fd = try check("open", open(file, O_RDONLY))
    let buffer = try MappedByteBuffer(descriptor: fd, length: 3, offset: 1)
    close(fd)
    #expect(try contents(buffer) == [6, 7, 8])
    #expect(buffer.path == nil)
    #expect(try buffer.size() == 5)
  }

  @Test(
    "length and offset, page-aligned or not",
    arguments: [
      (0, nil, 10000, [0, 1, 2, 3], 210),
      (1, nil, 9999, [1, 2, 3, 4], 210),
      (5000, nil, 5000, [231, 232, 233, 234], 210),
      (4096, 4, 4, [80, 81, 82, 83], 83),
      (5000, 100, 100, [231, 232, 233, 234], 79),
      (9996, 0, 4, [207, 208, 209, 210], 210),
    ] as [(Int, Int?, Int, [UInt8], UInt8)])
  func lengthAndOffset(
    offset: Int, length: Int?, count: Int, first: [UInt8], last: UInt8
  ) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("p.bin", pattern(10000))
    let buffer = try MappedByteBuffer(path: file, length: length, offset: offset)
    let bytes = try contents(buffer)
    #expect(buffer.count == count)
    #expect(buffer.offset == offset)
    #expect(Array(bytes.prefix(4)) == first)
    #expect(bytes.last == last)
    #expect(try buffer.size() == 10000)
  }

  @Test func writesAtAnUnalignedOffsetLandAtThatOffsetInTheFile() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("p.bin", pattern(10000))
    let buffer = try MappedByteBuffer(path: file, access: .write, length: 3, offset: 5000)
    try store([0xAA, 0xBB, 0xCC], at: 0, in: buffer)
    try buffer.flush()
    #expect(try readFile(file, offset: 4999, count: 5) == [230, 0xAA, 0xBB, 0xCC, 234])
  }

  @Test(
    "offset or length past the end of the file",
    arguments: [MappedByteBuffer.Access.read, .write, .copy])
  func pastEndThrows(access: MappedByteBuffer.Access) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("ten.bin", pattern(10))
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "map '\(file)'",
        reason: "offset 10 is not before the end of the file (10 bytes)")
    ) { try MappedByteBuffer(path: file, access: access, offset: 10) }
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "map '\(file)'",
        reason: "offset 8192 is not before the end of the file (10 bytes)")
    ) { try MappedByteBuffer(path: file, access: access, offset: 8192) }
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "map '\(file)'",
        reason: "11 bytes at offset 0 go past the end of the file (10 bytes)")
    ) { try MappedByteBuffer(path: file, access: access, length: 11) }
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "map '\(file)'",
        reason: "5 bytes at offset 8 go past the end of the file (10 bytes)")
    ) { try MappedByteBuffer(path: file, access: access, length: 5, offset: 8) }
    // The file is left as it was (CPython does not grow it either).
    #expect(try fileSize(file) == 10)
  }

  @Test func negativeLengthOrOffsetThrows() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("ten.bin", pattern(10))
    #expect(throws: ByteBufferError.invalidArgument(operation: "map", reason: "length -1 is negative")) {
      try MappedByteBuffer(path: file, length: -1)
    }
    #expect(throws: ByteBufferError.invalidArgument(operation: "map", reason: "offset -1 is negative")) {
      try MappedByteBuffer(path: file, offset: -1)
    }
  }

  @Test(arguments: [MappedByteBuffer.Access.read, .write, .copy])
  func emptyFileGivesAnEmptyBuffer(access: MappedByteBuffer.Access) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("empty", [])
    let buffer = try MappedByteBuffer(path: file, access: access)
    #expect(buffer.count == 0)
    #expect(try buffer.size() == 0)
    #expect(try buffer.withUnsafeBytes { $0.count } == 0)
    try buffer.flush()
    try buffer.advise(.sequential, range: nil)
    try buffer.close()
  }

  @Test func emptyWritableFileCanGrow() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("empty", [])
    let buffer = try MappedByteBuffer(path: file, access: .write)
    try buffer.resize(to: 3)
    try store([7, 8, 9], at: 0, in: buffer)
    try buffer.flush()
    #expect(try readFile(file) == [7, 8, 9])
  }

  @Test func missingFileThrowsWithItsName() throws {
    let scratch = try ScratchDirectory()
    let file = scratch.path("x.log")
    let error = #expect(throws: ByteBufferError.self) { try MappedByteBuffer(path: file) }
    #expect(error == .system(operation: "open", path: file, errno: ENOENT))
    #expect(error?.description == "cannot open '\(file)': No such file or directory")
  }

  @Test(arguments: [MappedByteBuffer.Access.read, .write])
  func directoryIsNotARegularFile(access: MappedByteBuffer.Access) throws {
    let scratch = try ScratchDirectory()
    let error = #expect(throws: ByteBufferError.self) {
      try MappedByteBuffer(path: scratch.path, access: access)
    }
    #expect(error == .notRegularFile(path: scratch.path, kind: "a directory"))
    #expect(error?.description == "'\(scratch.path)' is a directory, not a regular file")
  }

  @Test func fifoIsNotARegularFileAndDoesNotBlock() throws {
    let scratch = try ScratchDirectory()
    let fifo = scratch.path("pipe")
    try check("mkfifo", mkfifo(fifo, 0o600))
    #expect(throws: ByteBufferError.notRegularFile(path: fifo, kind: "a FIFO")) {
      try MappedByteBuffer(path: fifo)
    }
  }

  @Test func characterDeviceIsNotARegularFile() {
    #expect(throws: ByteBufferError.notRegularFile(path: "/dev/null", kind: "a character device")) {
      try MappedByteBuffer(path: "/dev/null")
    }
  }

  @Test func socketIsNotARegularFile() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("sock")
    let fd = try check("socket", socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0))
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    try check("bind", bound)
    #expect(throws: ByteBufferError.notRegularFile(path: path, kind: "a socket")) {
      try MappedByteBuffer(path: path)
    }
  }

  @Test func writeMappingOfReadOnlyDescriptorIsRefused() throws {
    // Tests run as root, so permission bits never refuse an open; a
    // descriptor opened read-only still cannot back a shared writable map.
    let scratch = try ScratchDirectory()
    let file = try scratch.file("ro.bin", [1, 2, 3])
    let descriptor = try FileDescriptor.open(FilePath(file), .readOnly)
    defer { try? descriptor.close() }
    let error = #expect(throws: ByteBufferError.self) {
      try MappedByteBuffer(descriptor: descriptor, access: .write, path: "x.log")
    }
    #expect(error == .system(operation: "map", path: "x.log", errno: EACCES))
    #expect(error?.description == "cannot map 'x.log': Permission denied")
    // A private copy of a read-only descriptor is fine.
    let copy = try MappedByteBuffer(descriptor: descriptor, access: .copy)
    try store([9], at: 0, in: copy)
    #expect(try contents(copy) == [9, 2, 3])
  }

  @Test func badDescriptorThrows() {
    #expect(throws: ByteBufferError.system(operation: "duplicate", path: nil, errno: EBADF)) {
      try MappedByteBuffer(descriptor: Int32(-5))
    }
  }

  @Test func rawFlagsAndProtection() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("raw.bin", [1, 2, 3, 4])
    let shared = try MappedByteBuffer(path: file, flags: .shared)
    #expect(shared.access == nil)
    #expect(shared.flags == .shared)
    #expect(shared.protection == [.read, .write])
    try store([0xEE], at: 0, in: shared)
    let readOnly = try MappedByteBuffer(path: file, offset: 2, flags: .shared, protection: .read)
    #expect(readOnly.isReadOnly)
    #expect(try contents(readOnly) == [3, 4])
    let populated = try MappedByteBuffer(path: file, flags: [.private, .populate])
    try store([0xDD], at: 1, in: populated)
    #expect(try contents(populated) == [0xEE, 0xDD, 3, 4])
    #expect(try readFile(file) == [0xEE, 2, 3, 4])
  }

  @Test(arguments: [MappedByteBuffer.MappingFlags(), [.shared, .private], .populate])
  func flagsNeedExactlyOneOfSharedAndPrivate(flags: MappedByteBuffer.MappingFlags) throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("raw.bin", [1])
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "map", reason: "the flags must contain exactly one of .shared and .private")
    ) { try MappedByteBuffer(path: file, flags: flags) }
  }

  @Test func accessMapsToFlagsAndProtection() {
    #expect(MappedByteBuffer.Access.read.flags == .shared)
    #expect(MappedByteBuffer.Access.read.protection == .read)
    #expect(MappedByteBuffer.Access.write.flags == .shared)
    #expect(MappedByteBuffer.Access.write.protection == [.read, .write])
    #expect(MappedByteBuffer.Access.copy.flags == .private)
    #expect(MappedByteBuffer.Access.copy.protection == [.read, .write])
  }

  @Test func anonymousMemory() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 10000)
    #expect(buffer.count == 10000)
    #expect(buffer.path == nil)
    #expect(try buffer.size() == 10000)
    #expect(try contents(buffer) == [UInt8](repeating: 0, count: 10000))
    try store([1, 2], at: 9998, in: buffer)
    #expect(try contents(buffer).suffix(3) == [0, 1, 2])
    let empty = try MappedByteBuffer(anonymousCount: 0)
    #expect(empty.count == 0)
    #expect(throws: ByteBufferError.invalidArgument(operation: "map", reason: "count -1 is negative")) {
      try MappedByteBuffer(anonymousCount: -1)
    }
  }

  @Test func anonymousSharedMemoryIsSharedWithAForkedChild() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 4096)
    let message: [UInt8] = [0x53, 0x48, 0x41, 0x52, 0x45, 0x44]  // "SHARED"
    // The child only copies bytes through the pointer the parent already
    // obtained and exits: no Swift runtime work after fork().
    let status: Int32 = try message.withUnsafeBytes { source in
      try buffer.withUnsafeMutableBytes { target in
        let pid = fork()
        if pid == 0 {
          target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: 6)
          _exit(0)
        }
        try check("fork", pid)
        return try waitForChild(pid)
      }
    }
    #expect(exitCode(status) == 0)
    #expect(try contents(buffer).prefix(6) == [0x53, 0x48, 0x41, 0x52, 0x45, 0x44])
  }
}

@Suite("Page size") struct PageSizeTests {
  @Test func pageSizeIsAPowerOfTwoOfAtLeastFourKiB() {
    let size = MappedByteBuffer.pageSize
    #expect(size >= 4096)
    #expect(size & (size - 1) == 0)
  }
}
