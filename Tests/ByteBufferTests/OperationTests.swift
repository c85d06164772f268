import ByteBuffer
import Dispatch
import MappedBuffer
import TestSupport
import Testing

@Suite("move, flush, advise, size, resize")
struct OperationTests {
  @Test("move copies with memmove semantics and keeps the position", arguments: Backend.allCases)
  func moveOverlapping(backend: Backend) throws {
    // Python: m = b"abcabc\nXYZ"; m.move(2, 0, 5) -> b"ababcabXYZ".
    let buffer = try backend.make("abcabc\nXYZ")
    try buffer.seek(4)
    try buffer.move(to: 2, from: 0, count: 5)
    #expect(buffer[...] == Array("ababcabXYZ".utf8))
    try buffer.move(to: 0, from: 3, count: 7)
    #expect(buffer[...] == Array("bcabXYZXYZ".utf8))
    try buffer.move(to: 0, from: 0, count: 10)
    try buffer.move(to: 10, from: 0, count: 0)
    #expect(buffer[...] == Array("bcabXYZXYZ".utf8))
    #expect(try buffer.tell() == 4)
  }

  @Test(
    "move out of bounds throws (Python: ValueError: source, destination, or count out of range)",
    arguments: Backend.allCases,
    [(1, 0, 10, 1), (-1, 0, 1, -1), (0, 0, -1, 0), (11, 0, 0, 11), (0, 5, 6, 5), (0, -2, 1, -2)]
  )
  func moveOutOfBounds(backend: Backend, move: (to: Int, from: Int, count: Int, reported: Int)) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(
      throws: ByteBufferError.outOfRange(operation: "move", offset: move.reported, length: move.count, count: 10)
    ) {
      try buffer.move(to: move.to, from: move.from, count: move.count)
    }
    #expect(buffer[...] == Array("abcabc\nxyz".utf8))
  }

  @Test("move on a read-only buffer throws readOnly, even out of bounds (CPython's order)",
        arguments: Backend.allCases)
  func moveReadOnly(backend: Backend) throws {
    let buffer = try backend.make("hello world\n", readOnly: true)
    #expect(errorKind { try buffer.move(to: 0, from: 1, count: 2) } == .readOnly)
    #expect(errorKind { try buffer.move(to: 100, from: 0, count: 1) } == .readOnly)
  }

  @Test("flush accepts ranges within 0...count and rejects others (Python: flush values out of range)",
        arguments: Backend.allCases)
  func flushRanges(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.flush()
    try buffer.flush(mode: .asynchronous)
    try buffer.flush(0..<10)
    try buffer.flush(3..<7, mode: .asynchronous)
    try buffer.flush(10..<10)
    #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: 0, length: 11, count: 10)) {
      try buffer.flush(0..<11)
    }
    #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: 11, length: 0, count: 10)) {
      try buffer.flush(11..<11)
    }
    #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: -1, length: 1, count: 10)) {
      try buffer.flush(-1..<0)
    }
  }

  @Test("flush of a read-only buffer succeeds (CPython returns at once)", arguments: Backend.allCases)
  func flushReadOnly(backend: Backend) throws {
    let buffer = try backend.make("hello", readOnly: true)
    try buffer.flush()
    #expect(errorKind { try buffer.flush(0..<6) } == .outOfRange)
  }

  @Test("advise checks its range like CPython's madvise: start in 0..<count, end clamped",
        arguments: Backend.allCases, AccessAdvice.allCases)
  func adviseRanges(backend: Backend, advice: AccessAdvice) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.advise(advice)
    try buffer.advise(advice, range: 0..<10)
    try buffer.advise(advice, range: 9..<100)
    #expect(errorKind { try buffer.advise(advice, range: 10..<10) } == .outOfRange)
    #expect(errorKind { try buffer.advise(advice, range: -1..<3) } == .outOfRange)
  }

  @Test("checkedAdviceRange and checkedFlushRange normalise for backends", arguments: Backend.allCases)
  func rangeCheckers(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.checkedAdviceRange(nil) == 0..<10)
    #expect(try buffer.checkedAdviceRange(9..<100) == 9..<10)
    #expect(try buffer.checkedFlushRange(nil) == 0..<10)
    #expect(try buffer.checkedFlushRange(2..<4) == 2..<4)
  }

  @Test("size() is the byte count for a fresh buffer", arguments: Backend.allCases)
  func size(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.size() == 10)
    #expect(buffer.count == 10)
  }

  @Test("resize grows with zeros, shrinks keeping the prefix, and leaves the position", arguments: Backend.allCases)
  func resize(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.seek(9)
    try buffer.resize(to: 4)
    #expect(buffer.count == 4)
    #expect(buffer[...] == Array("abca".utf8))
    #expect(try buffer.tell() == 9)
    try buffer.resize(to: 8)
    #expect(buffer[...] == [0x61, 0x62, 0x63, 0x61, 0, 0, 0, 0])
    #expect(try buffer.size() == 8)
    try buffer.seek(0)
    try buffer.write("12345678")
    try buffer.resize(to: 3)
    try buffer.resize(to: 5)
    #expect(buffer[...] == [0x31, 0x32, 0x33, 0, 0])
  }

  @Test("resize to zero gives an empty buffer (CPython refuses with OSError)", arguments: Backend.allCases)
  func resizeToZero(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.resize(to: 0)
    #expect(buffer.count == 0)
    #expect(try buffer.read() == [])
    try buffer.resize(to: 2)
    #expect(buffer[...] == [0, 0])
  }

  @Test("resize to a negative size throws invalidArgument (Python: ValueError: new size out of range)",
        arguments: Backend.allCases)
  func resizeNegative(backend: Backend) throws {
    let buffer = try backend.make("abc")
    #expect(errorKind { try buffer.resize(to: -1) } == .invalidArgument)
    #expect(buffer.count == 3)
  }

  /// Found by scripts/python-mmap-diff.py (session 219 of seed 1): advice on
  /// a part of a mapping split it in the kernel, and the next resize failed
  /// with EFAULT from mremap.
  @Test("resize after advice on a part of the buffer keeps the bytes", arguments: Backend.allCases)
  func resizeAfterPartialAdvice(backend: Backend) throws {
    let buffer = try backend.make([UInt8](repeating: 0x61, count: 3 * 4096))
    try buffer.advise(.random, range: 4097..<8192)
    try buffer.advise(.sequential, range: 9000..<9001)
    try buffer.resize(to: 4 * 4096 + 1)
    #expect(buffer.count == 16385)
    #expect(try buffer.bytes(in: 12286..<12290) == [0x61, 0x61, 0, 0])
    try buffer.resize(to: 100)
    #expect(try buffer.read() == [UInt8](repeating: 0x61, count: 100))
  }

  @Test("resize of a read-only buffer throws readOnly (Python: TypeError)", arguments: Backend.allCases)
  func resizeReadOnly(backend: Backend) throws {
    let buffer = try backend.make("abc", readOnly: true)
    #expect(errorKind { try buffer.resize(to: 10) } == .readOnly)
    #expect(errorKind { try buffer.resize(to: -1) } == .readOnly)
    #expect(buffer.count == 3)
  }
}

@Suite("close, closed buffers and active accesses")
struct LifecycleTests {
  @Test("close twice is fine; afterwards isClosed, count 0, position kept, tell() throws (Python: ValueError)",
        arguments: Backend.allCases)
  func closeTwice(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.seek(2)
    #expect(!buffer.isClosed)
    try buffer.close()
    try buffer.close()
    #expect(buffer.isClosed)
    #expect(buffer.count == 0)
    #expect(buffer.position == 2)
    #expect(throws: ByteBufferError.closed(path: buffer.path)) { try buffer.tell() }
  }

  @Test("every operation on a closed buffer throws closed (Python: ValueError: mmap closed or invalid)",
        arguments: Backend.allCases)
  func operationsAfterClose(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.close()
    #expect(errorKind { try buffer.read() } == .closed)
    #expect(errorKind { try buffer.read(1) } == .closed)
    #expect(errorKind { try buffer.readLine() } == .closed)
    #expect(errorKind { try buffer.readByte() } == .closed)
    #expect(errorKind { try buffer.write([UInt8]()) } == .closed)
    #expect(errorKind { try buffer.write("x") } == .closed)
    #expect(errorKind { try buffer.writeByte(1) } == .closed)
    #expect(errorKind { try buffer.seek(0) } == .closed)
    #expect(errorKind { try buffer.find("a") } == .closed)
    #expect(errorKind { try buffer.rfind(UInt8(1)) } == .closed)
    #expect(errorKind { try buffer.move(to: 0, from: 0, count: 0) } == .closed)
    #expect(errorKind { try buffer.flush() } == .closed)
    #expect(errorKind { try buffer.resize(to: 3) } == .closed)
    #expect(errorKind { try buffer.size() } == .closed)
    #expect(errorKind { try buffer.advise(.normal) } == .closed)
    #expect(errorKind { try buffer.byte(at: 0) } == .closed)
    #expect(errorKind { try buffer.setByte(0, at: 0) } == .closed)
    #expect(errorKind { try buffer.bytes(in: 0..<0) } == .closed)
    #expect(errorKind { try buffer.replaceBytes(in: 0..<0, with: [UInt8]()) } == .closed)
    #expect(errorKind { try buffer.withUnsafeBytes { $0.count } } == .closed)
    #expect(errorKind { try buffer.withUnsafeMutableBytes { $0.count } } == .closed)
  }

  @Test("a closed read-only buffer reports closed before read-only (CPython's order)", arguments: Backend.allCases)
  func closedBeforeReadOnly(backend: Backend) throws {
    let buffer = try backend.make("abc", readOnly: true)
    try buffer.close()
    #expect(errorKind { try buffer.write("x") } == .closed)
    #expect(errorKind { try buffer.move(to: 0, from: 1, count: 1) } == .closed)
    #expect(errorKind { try buffer.resize(to: 1) } == .closed)
  }

  @Test("close and resize inside withUnsafeBytes throw busy (Python: BufferError)", arguments: Backend.allCases)
  func busyInsideBody(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.withUnsafeBytes { raw in
      #expect(errorKind { try buffer.close() } == .busy)
      #expect(errorKind { try buffer.resize(to: 10) } == .busy)
      #expect(raw.count == 3)
    }
    try buffer.withUnsafeMutableBytes { _ in
      #expect(errorKind { try buffer.close() } == .busy)
    }
    #expect(!buffer.isClosed)
    #expect(buffer[...] == Array("abc".utf8))
    try buffer.resize(to: 4)
    try buffer.close()
    #expect(buffer.isClosed)
  }

  @Test("close from another thread while a reader is inside its body throws busy", arguments: Backend.allCases)
  func busyAcrossThreads(backend: Backend) throws {
    let buffer = try backend.make("abc")
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let reader = UncheckedBox(buffer)
    DispatchQueue.global().async {
      _ = try? reader.value.withUnsafeBytes { raw in
        entered.signal()
        release.wait()
        return raw.count
      }
      done.signal()
    }
    entered.wait()
    #expect(errorKind { try buffer.close() } == .busy)
    #expect(errorKind { try buffer.resize(to: 1) } == .busy)
    release.signal()
    done.wait()
    try buffer.close()
    #expect(buffer.isClosed)
  }

  @Test("concurrent readers see the same bytes", arguments: Backend.allCases)
  func concurrentReaders(backend: Backend) throws {
    let buffer = try backend.make(String(repeating: "x", count: 4096) + "needle")
    let box = UncheckedBox(buffer)
    let results = ResultsBox(count: 8)
    DispatchQueue.concurrentPerform(iterations: 8) { index in
      results.set(index, (try? box.value.find("needle")) ?? nil)
    }
    #expect(results.values == Array(repeating: 4096, count: 8))
  }
}

/// Hands a non-Sendable reference to another thread in a test that
/// synchronises the threads itself.
struct UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// Per-thread result slots for `concurrentPerform`, each written by exactly
/// one thread, and read after all have finished.
final class ResultsBox: @unchecked Sendable {
  private let slots: UnsafeMutableBufferPointer<Int?>
  init(count: Int) {
    slots = .allocate(capacity: count)
    slots.initialize(repeating: nil)
  }
  func set(_ index: Int, _ value: Int?) { slots[index] = value }
  var values: [Int?] { Array(slots) }
  deinit { slots.deallocate() }
}
