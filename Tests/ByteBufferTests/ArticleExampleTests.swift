import ByteBuffer
import Foundation
import MappedBuffer
import TestSupport
import Testing

/// The examples of the ByteBuffer DocC articles (Sources/ByteBuffer/ByteBuffer.docc),
/// run as written, with the values their comments promise.
@Suite("DocC article examples")
struct ArticleExampleTests {
  @Test("Getting started: the cursor, searches, subscripts, writes and close")
  func gettingStarted() throws {
    let log = HeapByteBuffer("GET /a 200\nGET /b 404\nGET /c 200\n")
    #expect(log.count == 33)
    #expect(HeapByteBuffer(count: 4096).bytes.allSatisfy { $0 == 0 })

    // Read at the position
    #expect(try log.readLine() == Array("GET /a 200\n".utf8))
    #expect(log.position == 11)
    #expect(try log.readByte() == UInt8(ascii: "G"))
    #expect(log.position == 12)
    #expect(try log.seek(-4, whence: .end) == 29)
    #expect(try log.read() == Array("200\n".utf8))
    #expect(try log.readLine() == [])

    // Search
    #expect(try log.find("404") == 18)
    #expect(try log.find("200", start: 8) == 29)
    #expect(try log.rfind("GET") == 22)
    #expect(try log.find("500") == nil)

    // Bytes at an offset
    #expect(log[4] == UInt8(ascii: "/"))
    #expect(log[4..<6] == Array("/a".utf8))
    #expect(throws: ByteBufferError.outOfRange(operation: "read", offset: 99, length: 1, count: 33)) {
      try log.byte(at: 99)
    }
    #expect(log.bytes.filter { $0 == 0x0A }.count == 3)

    // Change the bytes
    try log.seek(18)
    #expect(try log.write("500") == 3)
    #expect(log.position == 21)
    log[0] = UInt8(ascii: "P")
    #expect(log[0..<11] == Array("PET /a 200\n".utf8))
    #expect(throws: ByteBufferError.outOfRange(operation: "write", offset: 21, length: 18, count: 33)) {
      try log.write("does not fit in 12")
    }
    #expect(log.position == 21)
    try log.resize(to: 40)
    #expect(log[33...] == [0, 0, 0, 0, 0, 0, 0])
    #expect(log[11..<22] == Array("GET /b 500\n".utf8))

    let frozen = HeapByteBuffer(Array("abc".utf8), readOnly: true)
    #expect(throws: ByteBufferError.readOnly(operation: "write", path: nil)) { try frozen.write("x") }

    // Close
    try log.close()
    #expect(log.isClosed)
    #expect(throws: ByteBufferError.closed(path: nil)) { try log.read() }
  }

  /// The function of "Swapping the heap backend in for tests".
  func errorLineCount(in log: some MutableByteBuffer) throws(ByteBufferError) -> Int {
    var count = 0
    var start = 0
    while let hit = try log.find("ERROR", start: start) {
      count += 1
      guard let newline = try log.find(UInt8(ascii: "\n"), start: hit) else { break }
      start = newline + 1
    }
    return count
  }

  @Test("Swapping the heap backend in: the heap test")
  func countsEachErrorLineOnce() throws {
    let log = HeapByteBuffer("INFO up\nERROR disk\nWARN slow\nERROR net ERROR again\n")
    #expect(try errorLineCount(in: log) == 2)
    #expect(try errorLineCount(in: HeapByteBuffer("ERROR, no newline")) == 1)
    #expect(try errorLineCount(in: HeapByteBuffer("")) == 0)
  }

  @Test("Swapping the heap backend in: the test on both backends", arguments: [false, true])
  func countsOnEitherBackend(mapped: Bool) throws {
    let text = "ERROR a\nINFO b\n"
    let log: any MutableByteBuffer
    if mapped {
      let url = FileManager.default.temporaryDirectory.appendingPathComponent("errors-\(UUID()).log")
      try text.write(to: url, atomically: true, encoding: .utf8)
      defer { try? FileManager.default.removeItem(at: url) }
      log = try MappedByteBuffer(path: url.path)
    } else {
      log = HeapByteBuffer(text)
    }
    #expect(try errorLineCount(in: log) == 1)
  }

  @Test("Swapping the heap backend in: the differences it lists")
  func heapDifferences() throws {
    let heap = HeapByteBuffer("abcdef")
    #expect(try heap.size() == 6)
    #expect(heap.path == nil)
    try heap.flush()
    try heap.advise(.sequential)
    #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: 0, length: 7, count: 6)) {
      try heap.flush(0..<7)
    }
    let frozen = HeapByteBuffer("abc", readOnly: true)
    #expect(throws: ByteBufferError.readOnly(operation: "write", path: nil)) { try frozen.writeByte(1) }
  }

  @Test("Failure behaviour: the messages of its table")
  func failureMessages() throws {
    #expect(ByteBufferError.closed(path: "x.log").description == "'x.log' is closed")
    #expect(ByteBufferError.closed(path: nil).description == "the buffer is closed")
    #expect(
      ByteBufferError.readOnly(operation: "write", path: "x.log").description
        == "cannot write 'x.log': the buffer is read-only")
    #expect(
      ByteBufferError.outOfRange(operation: "write", offset: 21, length: 18, count: 33).description
        == "cannot write 18 bytes at offset 21: out of range for a buffer of 33 bytes")
    #expect(
      ByteBufferError.system(operation: "open", path: "x.log", errno: ENOENT).description
        == "cannot open 'x.log': No such file or directory")
    #expect(
      ByteBufferError.notRegularFile(path: "logs", kind: "a directory").description
        == "'logs' is a directory, not a regular file")
    #expect(
      ByteBufferError.truncated(path: "x.log", offset: 8192).description
        == "'x.log' was truncated while being read (no data at offset 8192)")
    #expect(
      ByteBufferError.busy(operation: "close", path: "x.log").description
        == "cannot close 'x.log': it is in use by another operation")

    let buffer = HeapByteBuffer("abc")
    let resize = #expect(throws: ByteBufferError.self) { try buffer.resize(to: -1) }
    #expect(resize?.description == "cannot resize: the new size -1 is negative")
    let missing = #expect(throws: ByteBufferError.self) { _ = try MappedByteBuffer(path: "no-such-dir/x.log") }
    #expect(missing?.description == "cannot open 'no-such-dir/x.log': No such file or directory")
  }

  @Test("Failure behaviour: a failed operation leaves the buffer as it was")
  func failedOperationsChangeNothing() throws {
    let buffer = HeapByteBuffer("abcdef")
    try buffer.seek(4)
    #expect(throws: ByteBufferError.self) { try buffer.write("xyz") }
    #expect(buffer.position == 4)
    #expect(buffer[...] == Array("abcdef".utf8))
    #expect(throws: ByteBufferError.self) { try buffer.seek(7) }
    #expect(buffer.position == 4)
    let busy = try buffer.withUnsafeBytes { _ in
      #expect(throws: ByteBufferError.busy(operation: "close", path: nil)) { try buffer.close() }
      return buffer.isClosed
    }
    #expect(!busy)
    // The order of the checks: closed, then read-only, then the bounds.
    let frozen = HeapByteBuffer("ab", readOnly: true)
    #expect(throws: ByteBufferError.readOnly(operation: "write", path: nil)) { try frozen.setByte(0, at: 99) }
    try frozen.close()
    #expect(throws: ByteBufferError.closed(path: nil)) { try frozen.setByte(0, at: 99) }
  }
}
