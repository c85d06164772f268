import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

@Suite("Subscripts and their throwing counterparts")
struct SubscriptTests {
  @Test("integer subscript reads and writes one byte without moving the position", arguments: Backend.allCases)
  func integerSubscript(backend: Backend) throws {
    let buffer = try backend.make("abc")
    #expect(buffer[0] == 0x61)
    #expect(buffer[2] == 0x63)
    buffer[1] = 0x42
    #expect(buffer[...] == Array("aBc".utf8))
    #expect(buffer.position == 0)
  }

  @Test("range subscripts return copies; a same-length assignment replaces in place", arguments: Backend.allCases)
  func rangeSubscript(backend: Backend) throws {
    let buffer = try backend.make("abcdef")
    #expect(buffer[2..<5] == Array("cde".utf8))
    #expect(buffer[2...] == Array("cdef".utf8))
    #expect(buffer[..<2] == Array("ab".utf8))
    #expect(buffer[1...2] == Array("bc".utf8))
    #expect(buffer[3..<3] == [])
    #expect(buffer[6..<6] == [])
    buffer[1..<4] = Array("XYZ".utf8)
    #expect(buffer[...] == Array("aXYZef".utf8))
    buffer[...] = Array("123456".utf8)
    #expect(buffer[...] == Array("123456".utf8))
  }

  @Test("byte(at:) and setByte(_:at:) throw where the subscript traps", arguments: Backend.allCases)
  func throwingSingleByte(backend: Backend) throws {
    let buffer = try backend.make("abc")
    #expect(try buffer.byte(at: 2) == 0x63)
    try buffer.setByte(0x5A, at: 0)
    #expect(try buffer.byte(at: 0) == 0x5A)
    #expect(throws: ByteBufferError.outOfRange(operation: "read", offset: 3, length: 1, count: 3)) {
      try buffer.byte(at: 3)
    }
    #expect(throws: ByteBufferError.outOfRange(operation: "read", offset: -1, length: 1, count: 3)) {
      try buffer.byte(at: -1)
    }
    #expect(throws: ByteBufferError.outOfRange(operation: "write", offset: 20, length: 1, count: 3)) {
      try buffer.setByte(1, at: 20)
    }
  }

  @Test("replaceBytes reports a length change as an error (Python: IndexError: wrong size)",
        arguments: Backend.allCases)
  func replaceBytesWrongSize(backend: Backend) throws {
    let buffer = try backend.make("abcdef")
    #expect(
      throws: ByteBufferError.invalidArgument(
        operation: "replace bytes 0..<2", reason: "3 new bytes for 2; the length cannot change")
    ) {
      try buffer.replaceBytes(in: 0..<2, with: Array("xyz".utf8))
    }
    #expect(throws: ByteBufferError.outOfRange(operation: "replace", offset: 4, length: 4, count: 6)) {
      try buffer.replaceBytes(in: 4..<8, with: Array("wxyz".utf8))
    }
    try buffer.replaceBytes(in: 4..<6, with: "ZZ".utf8)
    #expect(try buffer.bytes(in: 0..<6) == Array("abcdZZ".utf8))
    #expect(throws: ByteBufferError.outOfRange(operation: "read", offset: 5, length: 2, count: 6)) {
      try buffer.bytes(in: 5..<7)
    }
  }

  @Test("on a read-only buffer, setByte and replaceBytes throw readOnly before checking bounds",
        arguments: Backend.allCases)
  func readOnlySetters(backend: Backend) throws {
    let buffer = try backend.make("hello", readOnly: true)
    #expect(errorKind { try buffer.setByte(1, at: 0) } == .readOnly)
    #expect(errorKind { try buffer.setByte(1, at: 100) } == .readOnly)
    #expect(errorKind { try buffer.replaceBytes(in: 0..<2, with: [1, 2, 3]) } == .readOnly)
    #expect(buffer[0] == 0x68)
  }

  @Test func subscriptOutOfRangeTraps() async {
    await #expect(processExitsWith: .failure) {
      let buffer = HeapByteBuffer([1])
      _ = buffer[5]
    }
  }

  @Test func negativeSubscriptTrapsUnlikePython() async {
    await #expect(processExitsWith: .failure) {
      let buffer = HeapByteBuffer([1, 2, 3])
      _ = buffer[-1]
    }
  }

  @Test func subscriptSetterOnReadOnlyBufferTraps() async {
    await #expect(processExitsWith: .failure) {
      let buffer = HeapByteBuffer([1, 2, 3], readOnly: true)
      buffer[0] = 9
    }
  }

  @Test func subscriptSetterOnReadOnlyMappingTrapsWithoutSignal() async {
    // A precondition failure (SIGILL/SIGTRAP on Linux), not a SIGSEGV from
    // writing to a PROT_READ page.
    await #expect(processExitsWith: .failure) {
      let buffer = try Backend.mapped.make("abc", readOnly: true)
      buffer[0] = 9
    }
  }

  @Test func rangeAssignmentOfAnotherLengthTraps() async {
    await #expect(processExitsWith: .failure) {
      let buffer = HeapByteBuffer([1, 2, 3])
      buffer[0..<2] = [7]
    }
  }

  @Test func subscriptOnClosedBufferTraps() async {
    await #expect(processExitsWith: .failure) {
      let buffer = HeapByteBuffer([1, 2, 3])
      try buffer.close()
      _ = buffer[0]
    }
  }
}
