import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

@Suite("Cursor: read, readLine, readByte, write, writeByte, seek, tell")
struct CursorTests {
  @Test("read(n) returns up to n bytes and moves the position", arguments: Backend.allCases)
  func readCount(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.read(3) == Array("abc".utf8))
    #expect(buffer.position == 3)
    #expect(try buffer.read(0) == [])
    #expect(buffer.position == 3)
    #expect(try buffer.read(100) == Array("abc\nxyz".utf8))
    #expect(buffer.position == 10)
    #expect(try buffer.read(5) == [])
    #expect(buffer.position == 10)
  }

  @Test("read() and read(-1) read to the end, as Python's read() and read(-1)", arguments: Backend.allCases)
  func readToEnd(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.read(-1) == Array("abcabc\nxyz".utf8))
    #expect(try buffer.tell() == 10)
    try buffer.seek(4)
    #expect(try buffer.read() == Array("bc\nxyz".utf8))
    #expect(try buffer.read() == [])
    #expect(try buffer.tell() == 10)
  }

  @Test("readLine keeps the terminator; the last line may lack it; empty at the end", arguments: Backend.allCases)
  func readLine(backend: Backend) throws {
    let buffer = try backend.make("a\n\nbc")
    #expect(try buffer.readLine() == Array("a\n".utf8))
    #expect(buffer.position == 2)
    #expect(try buffer.readLine() == Array("\n".utf8))
    #expect(try buffer.readLine() == Array("bc".utf8))
    #expect(buffer.position == 5)
    #expect(try buffer.readLine() == [])
    #expect(buffer.position == 5)
  }

  @Test("readByte returns the byte and moves; nil at the end (Python raises ValueError)", arguments: Backend.allCases)
  func readByte(backend: Backend) throws {
    let buffer = try backend.make([0x00, 0xFF])
    #expect(try buffer.readByte() == 0x00)
    #expect(try buffer.readByte() == 0xFF)
    #expect(buffer.position == 2)
    #expect(try buffer.readByte() == nil)
    #expect(buffer.position == 2)
  }

  @Test("write returns the count, moves, and may end exactly at the end", arguments: Backend.allCases)
  func writeExactlyToEnd(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.seek(7)
    #expect(try buffer.write(Array("XYZ".utf8)) == 3)
    #expect(try buffer.tell() == 10)
    #expect(buffer[...] == Array("abcabc\nXYZ".utf8))
    #expect(try buffer.write([UInt8]()) == 0)
    #expect(try buffer.tell() == 10)
  }

  @Test("write past the end throws, writes nothing and keeps the position", arguments: Backend.allCases)
  func writePastEnd(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.seek(8)
    #expect(throws: ByteBufferError.outOfRange(operation: "write", offset: 8, length: 3, count: 10)) {
      try buffer.write("XYZ")
    }
    #expect(try buffer.tell() == 8)
    #expect(buffer[...] == Array("abcabc\nxyz".utf8))
  }

  @Test("write accepts any collection of bytes and strings as UTF-8", arguments: Backend.allCases)
  func writeCollections(backend: Backend) throws {
    let buffer = try backend.make([UInt8](repeating: 0x2E, count: 12))
    #expect(try buffer.write("é") == 2)
    #expect(try buffer.write(Array("ab".utf8)[...]) == 2)
    #expect(try buffer.write((0x30...0x32).lazy.map { UInt8($0) }) == 3)
    #expect(try buffer.write("xy".utf8) == 2)
    #expect(buffer.position == 9)
    #expect(buffer[...] == [0xC3, 0xA9, 0x61, 0x62, 0x30, 0x31, 0x32, 0x78, 0x79, 0x2E, 0x2E, 0x2E])
  }

  @Test("writeByte writes and moves; at the end it throws", arguments: Backend.allCases)
  func writeByte(backend: Backend) throws {
    let buffer = try backend.make("abcd")
    try buffer.seek(3)
    try buffer.writeByte(0xFF)
    #expect(try buffer.tell() == 4)
    #expect(buffer[3] == 0xFF)
    #expect(throws: ByteBufferError.outOfRange(operation: "write", offset: 4, length: 1, count: 4)) {
      try buffer.writeByte(0x41)
    }
    #expect(try buffer.tell() == 4)
  }

  @Test("seek from start, current and end; returns the new position", arguments: Backend.allCases)
  func seekOrigins(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.seek(10) == 10)
    #expect(try buffer.seek(0, whence: .end) == 10)
    #expect(try buffer.seek(-10, whence: .end) == 0)
    #expect(try buffer.seek(3, whence: .current) == 3)
    #expect(try buffer.seek(-2, whence: .current) == 1)
    #expect(try buffer.tell() == 1)
  }

  @Test(
    "seek outside 0...count throws and leaves the position (Python: ValueError: seek out of range)",
    arguments: Backend.allCases,
    [(11, SeekOrigin.start, 11), (-1, .start, -1), (1, .end, 11), (-11, .end, -1), (8, .current, 11), (-4, .current, -1)]
  )
  func seekOutOfRange(backend: Backend, move: (offset: Int, whence: SeekOrigin, target: Int)) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.seek(3)
    #expect(throws: ByteBufferError.outOfRange(operation: "seek", offset: move.target, length: 0, count: 10)) {
      try buffer.seek(move.offset, whence: move.whence)
    }
    #expect(try buffer.tell() == 3)
  }

  @Test("seek arithmetic that overflows throws instead of trapping", arguments: Backend.allCases)
  func seekOverflow(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.seek(2)
    #expect(throws: ByteBufferError.outOfRange(operation: "seek", offset: Int.max, length: 0, count: 3)) {
      try buffer.seek(Int.max, whence: .current)
    }
    #expect(try buffer.tell() == 2)
  }

  @Test("a scripted session gives the positions and results CPython 3.11 gave", arguments: Backend.allCases)
  func pythonSession(backend: Backend) throws {
    // Observed with python3 on mmap.mmap(-1, 10) holding b"abcabc\nxyz".
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.readLine() == Array("abcabc\n".utf8))
    #expect(try buffer.tell() == 7)
    #expect(try buffer.read(2) == Array("xy".utf8))
    try buffer.writeByte(0x21)
    #expect(try buffer.tell() == 10)
    #expect(try buffer.readLine() == [])
    try buffer.seek(-4, whence: .end)
    #expect(try buffer.write("QR") == 2)
    #expect(try buffer.tell() == 8)
    try buffer.seek(-8, whence: .current)
    #expect(try buffer.read() == Array("abcabcQRy!".utf8))
  }

  @Test("write on a read-only buffer throws readOnly, even when empty or out of range", arguments: Backend.allCases)
  func writeReadOnly(backend: Backend) throws {
    let buffer = try backend.make("hello world\n", readOnly: true)
    #expect(buffer.isReadOnly)
    #expect(errorKind { try buffer.write(Array(repeating: 0x78, count: 100)) } == .readOnly)
    #expect(errorKind { try buffer.write([UInt8]()) } == .readOnly)
    try buffer.seek(12)
    #expect(errorKind { try buffer.writeByte(1) } == .readOnly)
    #expect(buffer[...] == Array("hello world\n".utf8))
    #expect(try buffer.tell() == 12)
  }

  @Test("the position may pass the end after a shrink: reads are empty, writes and seek(0, .current) throw",
        arguments: Backend.allCases)
  func positionPastEndAfterShrink(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.seek(9)
    try buffer.resize(to: 4)
    #expect(try buffer.tell() == 9)
    #expect(try buffer.read() == [])
    #expect(try buffer.readLine() == [])
    #expect(try buffer.readByte() == nil)
    #expect(throws: ByteBufferError.outOfRange(operation: "write", offset: 9, length: 0, count: 4)) {
      try buffer.write([UInt8]())
    }
    #expect(throws: ByteBufferError.outOfRange(operation: "seek", offset: 9, length: 0, count: 4)) {
      try buffer.seek(0, whence: .current)
    }
    #expect(try buffer.seek(-5, whence: .current) == 4)
  }
}
