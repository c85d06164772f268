import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

enum SampleError: Error, Equatable {
  case buffer(ByteBufferError)
  case tooShort(Int)
}

@Suite("Scoped raw access with typed errors")
struct UnsafeAccessTests {
  @Test("withUnsafeBytes(_:mapError:) returns the body's result", arguments: Backend.allCases)
  func typedRead(backend: Backend) throws {
    let buffer = try backend.make("abc\n")
    let newline = try buffer.withUnsafeBytes { (raw) throws(SampleError) -> Int? in
      raw.firstIndex(of: 0x0A)
    } mapError: { SampleError.buffer($0) }
    #expect(newline == 3)
  }

  @Test("the body's typed error passes through unchanged", arguments: Backend.allCases)
  func bodyErrorPassesThrough(backend: Backend) throws {
    let buffer = try backend.make("ab")
    #expect(throws: SampleError.tooShort(2)) {
      try buffer.withUnsafeBytes { (raw) throws(SampleError) -> Int in
        throw .tooShort(raw.count)
      } mapError: { SampleError.buffer($0) }
    }
  }

  @Test("the buffer's own errors go through mapError", arguments: Backend.allCases)
  func bufferErrorIsMapped(backend: Backend) throws {
    let buffer = try backend.make("ab", readOnly: true)
    let error = #expect(throws: SampleError.self) {
      try buffer.withUnsafeMutableBytes { (raw) throws(SampleError) in
        raw[0] = 1
      } mapError: { SampleError.buffer($0) }
    }
    guard case .buffer(let inner) = error else {
      Issue.record("expected a mapped buffer error, got \(String(describing: error))")
      return
    }
    #expect(inner.kind == .readOnly)
    try buffer.close()
    let closed = #expect(throws: SampleError.self) {
      try buffer.withUnsafeBytes { (raw) throws(SampleError) in raw.count } mapError: { SampleError.buffer($0) }
    }
    guard case .buffer(let closedInner) = closed else {
      Issue.record("expected a mapped buffer error, got \(String(describing: closed))")
      return
    }
    #expect(closedInner.kind == .closed)
  }

  @Test("withUnsafeMutableBytes(_:mapError:) writes in place", arguments: Backend.allCases)
  func typedWrite(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.withUnsafeMutableBytes { (raw) throws(SampleError) in
      raw[0] = 0x41
    } mapError: { SampleError.buffer($0) }
    #expect(buffer[...] == Array("Abc".utf8))
  }

  @Test func faultAddressBecomesTruncatedAtItsOffset() {
    let base = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer { base.deallocate() }
    let error = ByteBufferError(faultAt: UnsafeRawPointer(base + 40), base: UnsafeRawPointer(base), path: "x.log")
    #expect(error == .truncated(path: "x.log", offset: 40))
    let shifted = ByteBufferError(
      faultAt: UnsafeRawPointer(base + 8), base: UnsafeRawPointer(base), baseOffset: 4096, path: nil)
    #expect(shifted == .truncated(path: nil, offset: 4104))
    #expect(ByteBufferError(faultAt: nil, base: nil, baseOffset: 7, path: nil) == .truncated(path: nil, offset: 7))
    #expect(error.description == "'x.log' was truncated while being read (no data at offset 40)")
  }
}
