import ByteBuffer
import Dispatch
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("HeapByteBuffer: construction and sources")
struct HeapByteBufferTests {
  @Test func fromBytesStringAndCount() throws {
    let fromArray = HeapByteBuffer([0x41, 0x00, 0xFF])
    #expect(fromArray.count == 3)
    #expect(fromArray[...] == [0x41, 0x00, 0xFF])
    #expect(fromArray.position == 0)
    #expect(!fromArray.isReadOnly)
    #expect(fromArray.path == nil)

    let fromSlice = HeapByteBuffer([UInt8](arrayLiteral: 1, 2, 3, 4)[1...])
    #expect(fromSlice[...] == [2, 3, 4])

    let fromLazy = HeapByteBuffer((0..<4).lazy.map { UInt8($0 * 2) })
    #expect(fromLazy[...] == [0, 2, 4, 6])

    let fromString = HeapByteBuffer("héllo")
    #expect(fromString.count == 6)
    #expect(fromString[0..<3] == [0x68, 0xC3, 0xA9])

    let zeros = HeapByteBuffer(count: 5)
    #expect(zeros[...] == [0, 0, 0, 0, 0])
    #expect(HeapByteBuffer(count: 0).count == 0)
  }

  @Test func readOnlyOption() throws {
    let buffer = HeapByteBuffer("abc", readOnly: true)
    #expect(buffer.isReadOnly)
    #expect(throws: ByteBufferError.readOnly(operation: "write", path: nil)) { try buffer.write("x") }
    #expect(throws: ByteBufferError.readOnly(operation: "resize", path: nil)) { try buffer.resize(to: 1) }
    #expect(throws: ByteBufferError.readOnly(operation: "write", path: nil)) {
      try buffer.withUnsafeMutableBytes { $0.count }
    }
  }

  @Test func emptyBufferPassesNilBaseAddress() throws {
    let buffer = HeapByteBuffer([UInt8]())
    let base = try buffer.withUnsafeBytes { $0.baseAddress }
    #expect(base == nil)
    #expect(try buffer.read() == [])
    #expect(try buffer.readLine() == [])
    #expect(try buffer.size() == 0)
  }

  @Test func fromFileByPathAndFilePath() throws {
    let directory = try TemporaryDirectory()
    let path = try directory.write("first\nsecond\n", to: "a.log")
    let buffer = try HeapByteBuffer(contentsOf: path)
    #expect(buffer[...] == Array("first\nsecond\n".utf8))
    #expect(buffer.path == path)
    #expect(try buffer.readLine() == Array("first\n".utf8))

    let again = try HeapByteBuffer(contentsOf: FilePath(path), readOnly: true)
    #expect(again.count == 13)
    #expect(again.isReadOnly)
  }

  @Test func fromLargeFile() throws {
    let directory = try TemporaryDirectory()
    let content = (0..<200_000).map { UInt8($0 % 251) }
    let path = try directory.write(content, to: "big.bin")
    let buffer = try HeapByteBuffer(contentsOf: path)
    #expect(buffer.count == 200_000)
    #expect(buffer[250] == 250)
    #expect(buffer[251] == 0)
    #expect(buffer[199_999] == 203)
  }

  @Test func fromEmptyFile() throws {
    let directory = try TemporaryDirectory()
    let path = try directory.write([UInt8](), to: "empty")
    let buffer = try HeapByteBuffer(contentsOf: path)
    #expect(buffer.count == 0)
  }

  @Test func procFileWithStatSizeZeroIsReadToEnd() throws {
    let buffer = try HeapByteBuffer(contentsOf: "/proc/self/status")
    #expect(buffer.count > 0)
    #expect(try buffer.find("Name:") == 0)
    #expect(try buffer.find("Pid:") != nil)
  }

  @Test func missingFileThrowsENOENT() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("missing.log")
    #expect(throws: ByteBufferError.system(operation: "open", path: path, errno: 2)) {
      try HeapByteBuffer(contentsOf: path)
    }
    let error = ByteBufferError.system(operation: "open", path: "missing.log", errno: 2)
    #expect(error.description == "cannot open 'missing.log': No such file or directory")
  }

  @Test func directoryThrowsNotRegularFile() throws {
    let directory = try TemporaryDirectory()
    #expect(throws: ByteBufferError.notRegularFile(path: directory.path, kind: "a directory")) {
      try HeapByteBuffer(contentsOf: directory.path)
    }
  }

  @Test func fromDescriptorReadsFromItsOffsetAndLeavesItOpen() throws {
    let directory = try TemporaryDirectory()
    let path = try directory.write("0123456789", to: "digits")
    let fd = try FileDescriptor.open(path, .readOnly)
    defer { try? fd.close() }
    _ = try fd.seek(offset: 4, from: .start)
    let buffer = try HeapByteBuffer(readingToEndOf: fd, path: "digits")
    #expect(buffer[...] == Array("456789".utf8))
    #expect(buffer.path == "digits")
    #expect(try fd.seek(offset: 0, from: .current) == 10)
  }

  @Test func fromPipeWrittenByAnotherThread() throws {
    let (readEnd, writeEnd) = try FileDescriptor.pipe()
    defer { try? readEnd.close() }
    let content = (0..<200_000).map { UInt8($0 % 251) }
    let writer = UncheckedBox(writeEnd)
    DispatchQueue.global().async {
      // Bigger than the pipe's buffer: the reader must loop until EOF.
      _ = try? writer.value.writeAll(content)
      try? writer.value.close()
    }
    let buffer = try HeapByteBuffer(readingToEndOf: readEnd)
    #expect(buffer.count == 200_000)
    #expect(buffer[0] == 0)
    #expect(buffer[251] == 0)
    #expect(buffer[199_999] == 203)
    #expect(buffer.path == nil)
  }

  @Test func standardInputFromAPipe() async {
    await #expect(processExitsWith: .success) {
      let (readEnd, writeEnd) = try FileDescriptor.pipe()
      _ = try writeEnd.writeAll("line 1\nline 2\n".utf8)
      try writeEnd.close()
      _ = try readEnd.duplicate(as: .standardInput)
      let buffer = try HeapByteBuffer.readingStandardInput()
      let ok = buffer[...] == Array("line 1\nline 2\n".utf8) && !buffer.isReadOnly
      exit(ok ? 0 : 1)
    }
  }

  @Test func writableCopyOfFileDoesNotTouchTheFile() throws {
    let directory = try TemporaryDirectory()
    let path = try directory.write("abc", to: "keep")
    let buffer = try HeapByteBuffer(contentsOf: path)
    try buffer.write("XYZ")
    try buffer.flush()
    #expect(try HeapByteBuffer(contentsOf: path)[...] == Array("abc".utf8))
  }
}
