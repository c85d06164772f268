import ByteBuffer
import MappedBuffer
import Testing

/// The examples of docs/mapped.md and the DocC overview, on temporary files.
@Suite("Documented examples") struct DocumentedExampleTests {
  @Test func readmeExample() throws {
    let scratch = try ScratchDirectory()
    let logPath = try scratch.file("server.log", "INFO start\nERROR disk full\n")
    let tablePath = try scratch.file("table.bin", [UInt8](repeating: 0, count: 14_096))

    let log = try MappedByteBuffer(path: logPath)                      // read-only, whole file
    #expect(log.count == 27)
    #expect(try log.size() == 27)
    #expect(try log.find("ERROR") == 11)

    let data = try MappedByteBuffer(path: tablePath, access: .write, length: 4096, offset: 10_000)
    try data.write([0xCA, 0xFE])                                       // lands at file offset 10,000
    try data.flush()                                                   // msync(MS_SYNC)
    try data.resize(to: 8192)                                          // file becomes 18,192 bytes
    try data.close()                                                   // munmap + close
    #expect(try readFile(tablePath, offset: 9_999, count: 3) == [0, 0xCA, 0xFE])
    #expect(try fileSize(tablePath) == 18_192)
  }
}
