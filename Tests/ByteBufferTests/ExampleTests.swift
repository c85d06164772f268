import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

/// The examples of docs/buffers.md and the doc comments, run as written.
@Suite("Documentation examples")
struct ExampleTests {
  @Test func readmeHeapExample() throws {
    let buffer = HeapByteBuffer("GET /a 200\nGET /b 404\n")
    let first = try buffer.readLine()
    #expect(first == Array("GET /a 200\n".utf8))
    #expect(buffer.position == 11)
    let hit = try buffer.find("404")
    #expect(hit == 18)
    if let hit {
      try buffer.seek(hit)
      try buffer.write("500")
    }
    buffer[0] = UInt8(ascii: "P")
    try buffer.resize(to: 30)
    let newlines = buffer.bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    #expect(newlines == 2)
    #expect(buffer[0..<22] == Array("PET /a 200\nGET /b 500\n".utf8))
    #expect(buffer[22...] == [0, 0, 0, 0, 0, 0, 0, 0])
  }

  func countLines(_ buffer: some MutableByteBuffer) throws(ByteBufferError) -> Int {
    var lines = 0
    try buffer.seek(0)
    while try !buffer.readLine().isEmpty { lines += 1 }
    return lines
  }

  @Test("the protocol example counts lines on either backend", arguments: Backend.allCases)
  func readmeProtocolExample(backend: Backend) throws {
    let buffer = try backend.make("a\nb\nc")
    #expect(try countLines(buffer) == 3)
  }

  @Test func heapDocCommentExample() throws {
    let buffer = HeapByteBuffer("GET /index.html\nGET /about\n")
    #expect(try buffer.readLine() == Array("GET /index.html\n".utf8))
    try buffer.seek(0)
    #expect(try buffer.find("about") == 21)
  }

  func firstError(in log: some MutableByteBuffer) throws(ByteBufferError) -> [UInt8]? {
    guard let offset = try log.find("ERROR") else { return nil }
    try log.seek(offset)
    return try log.readLine()
  }

  @Test func doccOverviewExample() throws {
    let buffer = HeapByteBuffer("INFO start\nERROR disk full\n")
    #expect(try firstError(in: buffer) == Array("ERROR disk full\n".utf8))
  }

  @Test func seekableAlways() throws {
    #expect(HeapByteBuffer(count: 1).isSeekable)
  }
}
