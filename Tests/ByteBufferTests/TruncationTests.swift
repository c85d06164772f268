import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` and returns the path and offset of the `truncated` error it
/// threw, or `nil` when it threw something else or nothing.
///
/// Where in the lost range the fault is reported depends on how libc's
/// `memmem`/`memmove` walk memory, so tests check a range of offsets.
func truncation<R>(_ body: () throws -> R) -> (path: String?, offset: Int)? {
  do {
    _ = try body()
  } catch ByteBufferError.truncated(let path, let offset) {
    return (path, offset)
  } catch {
    Issue.record("expected a truncated error, got \(error)")
  }
  return nil
}

@Suite("Bulk operations on a mapping whose file was truncated underneath it")
struct TruncationTests {
  /// Maps a 3-page file of "x" bytes ending in "END\n", then truncates the
  /// file to `keep` bytes behind the mapping's back.
  func truncatedMapping(keep: Int, access: MappedByteBuffer.Access) throws -> (MappedByteBuffer, TemporaryDirectory) {
    let directory = try TemporaryDirectory()
    var content = [UInt8](repeating: 0x78, count: 3 * 4096 - 4)
    content += Array("END\n".utf8)
    let path = try directory.write(content, to: "shrinking.log")
    let buffer = try MappedByteBuffer(path: path, access: access)
    #expect(truncate(path, off_t(keep)) == 0)
    return (buffer, directory)
  }

  @Test("find, rfind, read, readLine and bytes(in:) throw truncated instead of crashing")
  func readsThrowTruncated() throws {
    let (buffer, directory) = try truncatedMapping(keep: 0, access: .read)
    let path = directory.file("shrinking.log")
    for fault in [
      truncation { try buffer.find("END") },
      truncation { try buffer.rfind("END") },
      truncation { try buffer.read() },
      truncation { try buffer.readLine() },
    ] {
      #expect(fault?.path == path)
      #expect(fault.map { (0..<12_288).contains($0.offset) } == true)
    }
    #expect(buffer.position == 0)
    let slice = truncation { try buffer.bytes(in: 4096..<4100) }
    #expect(slice.map { (4096..<4100).contains($0.offset) } == true)
    try buffer.close()
  }

  @Test("bytes before the cut still read; the fault lies in the lost pages")
  func partialTruncation() throws {
    let (buffer, _) = try truncatedMapping(keep: 4096, access: .read)
    #expect(try buffer.find("x") == 0)
    #expect(try buffer.read(4096).count == 4096)
    let read = truncation { try buffer.read(10) }
    #expect(read.map { (4096..<4106).contains($0.offset) } == true)
    #expect(buffer.position == 4096)
    let find = truncation { try buffer.find("END") }
    #expect(find.map { (4096..<12_288).contains($0.offset) } == true)
    try buffer.close()
  }

  @Test("write, move and replaceBytes into lost pages throw truncated")
  func writesThrowTruncated() throws {
    let (buffer, _) = try truncatedMapping(keep: 4096, access: .write)
    try buffer.seek(8192)
    let write = truncation { try buffer.write("data") }
    #expect(write.map { (8192..<8196).contains($0.offset) } == true)
    #expect(buffer.position == 8192)
    let move = truncation { try buffer.move(to: 0, from: 8192, count: 10) }
    #expect(move.map { (8192..<8202).contains($0.offset) } == true)
    let replace = truncation { try buffer.replaceBytes(in: 9000..<9002, with: [1, 2]) }
    #expect(replace.map { (9000..<9002).contains($0.offset) } == true)
    try buffer.close()
  }
}
