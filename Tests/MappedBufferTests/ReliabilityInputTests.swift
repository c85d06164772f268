import ByteBuffer
import MappedBuffer
import Testing

/// Rows of the README's "Failure behaviour" table that no other suite checks.
@Suite("Reliability: unusual inputs")
struct ReliabilityInputTests {
  /// The kernel reports a size of 0 for /proc files, so a mapping of one is
  /// empty (no error, no SIGBUS); reading the file gives its bytes.
  @Test("a /proc file maps as an empty buffer; HeapByteBuffer(contentsOf:) reads its bytes")
  func procFile() throws {
    let mapped = try MappedByteBuffer(path: "/proc/self/status")
    #expect(mapped.count == 0)
    #expect(try mapped.find(Array("Name:".utf8)) == nil)
    #expect(try mapped.read(100) == [])
    try mapped.close()
    let heap = try HeapByteBuffer(contentsOf: "/proc/self/status")
    #expect(try heap.find(Array("Name:".utf8)) == 0)
    #expect(try heap.find(Array("\nVmRSS:".utf8)) != nil)
  }
}
