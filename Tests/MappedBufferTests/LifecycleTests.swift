#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteBuffer
import Dispatch
import MappedBuffer
import Synchronization
import Testing

@Suite("Lifecycle and access") struct LifecycleTests {
  @Test func closeReleasesEverythingAndEveryOperationThenThrows() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("l.bin", pattern(100))
    let buffer = try MappedByteBuffer(path: file, access: .write)
    try buffer.close()
    #expect(buffer.isClosed)
    #expect(buffer.count == 0)
    try buffer.close()   // a second close does nothing
    let closed = ByteBufferError.closed(path: file)
    #expect(throws: closed) { try buffer.withUnsafeBytes { _ in } }
    #expect(throws: closed) { try buffer.withUnsafeMutableBytes { _ in } }
    #expect(throws: closed) { try buffer.size() }
    #expect(throws: closed) { try buffer.flush(nil, mode: .synchronous) }
    #expect(throws: closed) { try buffer.resize(to: 5) }
    #expect(throws: closed) { try buffer.advise(.normal, range: nil) }
    #expect(throws: closed) { try buffer.prefault() }
    #expect(throws: closed) { try buffer.lock() }
    #expect(throws: closed) { try buffer.unlock() }
    #expect(throws: closed) { try buffer.unsafeAdviseDiscard() }
    #expect(closed.description == "'\(file)' is closed")
    #expect(try fileSize(file) == 100)
  }

  @Test func closeWhileTheBytesAreInUseThrowsBusy() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 10)
    try buffer.withUnsafeBytes { _ in
      let error = #expect(throws: ByteBufferError.self) { try buffer.close() }
      #expect(error == .busy(operation: "close", path: nil))
      #expect(error?.description == "cannot close the buffer: it is in use by another operation")
      #expect(!buffer.isClosed)
    }
    try buffer.close()
    #expect(buffer.isClosed)
  }

  @Test func writingThroughAReadOnlyMappingThrowsInsteadOfCrashing() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("ro.bin", [1, 2, 3])
    let buffer = try MappedByteBuffer(path: file)
    let error = #expect(throws: ByteBufferError.self) {
      try buffer.withUnsafeMutableBytes { $0[0] = 9 }
    }
    #expect(error == .readOnly(operation: "write", path: file))
    #expect(error?.description == "cannot write '\(file)': the buffer is read-only")
    #expect(throws: ByteBufferError.readOnly(operation: "write", path: file)) {
      try buffer.write([9])
    }
    #expect(try readFile(file) == [1, 2, 3])
  }

  @Test func positionFollowsTheCursorOperations() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("p.txt", "one\ntwo\n")
    let buffer = try MappedByteBuffer(path: file, access: .write, offset: 4)
    #expect(try buffer.readLine() == Array("two\n".utf8))
    #expect(buffer.position == 4)
    buffer.position = 1
    #expect(try buffer.write(Array("W".utf8)) == 1)
    #expect(buffer.position == 2)
    #expect(try readFile(file) == Array("one\ntWo\n".utf8))
  }

  @Test func negativePositionTraps() async {
    await #expect(processExitsWith: .failure) {
      let buffer = try MappedByteBuffer(anonymousCount: 1)
      buffer.position = -1
    }
  }

  @Test func concurrentReadersAndACloser() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("c.bin", pattern(65536))
    let buffer = try MappedByteBuffer(path: file)
    let sums = Mutex<[Int]>([])
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      var sum = 0
      for _ in 0..<20 {
        sum = (try? buffer.withUnsafeBytes { raw in raw.reduce(0) { $0 + Int($1) } }) ?? sum
      }
      sums.withLock { $0.append(sum) }
    }
    // Every reader saw the whole file: 261 runs of 0...250 (sum 31375 each)
    // plus 0...24 (sum 300).
    #expect(sums.withLock { $0 } == [Int](repeating: 8_189_175, count: 8))
    // A closer racing readers either closes or is told the bytes are busy.
    let outcomes = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { index in
      if index == 0 {
        while true {
          do throws(ByteBufferError) {
            try buffer.close()
            break
          } catch {
            #expect(error == .busy(operation: "close", path: file))
          }
        }
        outcomes.withLock { $0.append("closed") }
      } else {
        for _ in 0..<50 {
          do {
            _ = try buffer.withUnsafeBytes { $0.count }
          } catch {
            #expect(error as? ByteBufferError == .closed(path: file))
          }
        }
      }
    }
    #expect(outcomes.withLock { $0 } == ["closed"])
    #expect(buffer.isClosed)
  }

  @Test func freeingAnOpenBufferReleasesItsMapping() throws {
    let scratch = try ScratchDirectory()
    let file = try scratch.file("f.bin", pattern(10))
    do {
      let buffer = try MappedByteBuffer(path: file)
      #expect(try contents(buffer).count == 10)
    }
    #expect(try mappingLines(of: file) == 0)
    #expect(try descriptors(of: file) == 0)
  }
}
