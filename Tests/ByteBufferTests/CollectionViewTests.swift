import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

@Suite("The bytes collection view")
struct CollectionViewTests {
  @Test("standard algorithms work on buffer.bytes", arguments: Backend.allCases)
  func algorithms(backend: Backend) throws {
    let buffer = try backend.make("one two\nthree\n")
    let view = buffer.bytes
    #expect(view.count == 14)
    #expect(view.firstIndex(of: 0x20) == 3)
    #expect(view.lastIndex(of: 0x0A) == 13)
    #expect(view.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } == 2)
    #expect(view.elementsEqual("one two\nthree\n".utf8))
    #expect(Array(view.reversed().prefix(3)) == Array("\nee".utf8))
    #expect(view.split(separator: 0x0A).map { Array($0) } == [Array("one two".utf8), Array("three".utf8)])
  }

  @Test("iteration visits every byte in order", arguments: Backend.allCases)
  func iteration(backend: Backend) throws {
    let buffer = try backend.make([3, 1, 4, 1, 5])
    var seen: [UInt8] = []
    for byte in buffer.bytes { seen.append(byte) }
    #expect(seen == [3, 1, 4, 1, 5])
  }

  @Test("iteration crosses chunk boundaries", arguments: Backend.allCases)
  func iterationAcrossChunks(backend: Backend) throws {
    let content = (0..<10_000).map { UInt8($0 % 253) }
    let buffer = try backend.make(content)
    var count = 0
    var sum = 0
    for byte in buffer.bytes {
      count += 1
      sum += Int(byte)
    }
    #expect(count == 10_000)
    #expect(sum == 1_252_020)
    #expect(buffer.bytes.map { $0 }[4095...4097] == [47, 48, 49])
    #expect(buffer.bytes.elementsEqual(content))
  }

  @Test func iteratingAClosedBufferTraps() async {
    await #expect(processExitsWith: .failure) {
      let buffer = HeapByteBuffer([1, 2, 3])
      let view = buffer.bytes
      try buffer.close()
      for byte in view { _ = byte }
    }
  }

  @Test("the view reads the buffer live", arguments: Backend.allCases)
  func liveView(backend: Backend) throws {
    let buffer = try backend.make("abc")
    let view = buffer.bytes
    try buffer.setByte(0x7A, at: 1)
    #expect(Array(view) == Array("azc".utf8))
  }

  @Test("the view of an empty buffer is empty", arguments: Backend.allCases)
  func emptyView(backend: Backend) throws {
    let buffer = try backend.make("")
    #expect(buffer.bytes.isEmpty)
    #expect(buffer.bytes.first == nil)
  }

  @Test func viewKeepsTheBufferAlive() {
    let view = HeapByteBuffer("kept").bytes
    #expect(Array(view) == Array("kept".utf8))
  }
}
