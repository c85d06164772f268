import LogFollow
import TestSupport
import Testing

@Suite("FollowCheckpoint")
struct CheckpointTests {
  @Test("the text form round-trips")
  func serialized() throws {
    let checkpoint = FollowCheckpoint(offset: 1234, file: FileIdentity(device: 2049, inode: 393), lineNumber: 57)
    #expect(checkpoint.serialized == "offset=1234\ndevice=2049\ninode=393\nline=57\n")
    #expect(try FollowCheckpoint(parsing: checkpoint.serialized) == checkpoint)
    let digested = FollowCheckpoint(offset: 13, file: FileIdentity(device: 1, inode: 2), lineNumber: 3,
                                    tailDigest: 0x9a1a_4046_5a82_2bf2)
    #expect(digested.serialized == "offset=13\ndevice=1\ninode=2\nline=3\ntail=9a1a40465a822bf2\n")
    #expect(try FollowCheckpoint(parsing: digested.serialized) == digested)
    #expect(FollowCheckpoint(offset: 1, file: FileIdentity(device: 1, inode: 2), tailDigest: 0x2a).serialized
      .hasSuffix("tail=000000000000002a\n"))
    let unnumbered = FollowCheckpoint(offset: 0, file: FileIdentity(device: 1, inode: 2))
    #expect(unnumbered.serialized == "offset=0\ndevice=1\ninode=2\n")
    #expect(try FollowCheckpoint(parsing: "# saved by mmgrep\r\ninode=2\r\n\ndevice=1\noffset=0\nother=x\n") == unnumbered)
  }

  @Test(
    "malformed state files are rejected with the reason",
    arguments: [
      ("offset=1\ndevice=2\n", "invalid state file 'state': 'inode' is missing"),
      ("offset=-1\ndevice=2\ninode=3\n", "invalid state file 'state': the value of 'offset' is not a non-negative integer"),
      ("offset=1\noffset=2\ndevice=2\ninode=3\n", "invalid state file 'state': 'offset' is given twice"),
      ("offset 1\n", "invalid state file 'state': line 'offset 1' is not key=value"),
      ("offset=1\ndevice=2\ninode=3\nline=0\n", "invalid state file 'state': the line number must be at least 1"),
      ("offset=1\ndevice=2\ninode=3\ntail=xyz\n",
       "invalid state file 'state': the value of 'tail' is not 16 hexadecimal digits"),
    ])
  func malformed(text: String, message: String) {
    #expect(throws: FollowError.self) { try FollowCheckpoint(parsing: text) }
    do {
      _ = try FollowCheckpoint(parsing: text)
    } catch {
      #expect(error.description == message)
    }
  }

  @Test("the digest is 64-bit FNV-1a")
  func digest() {
    #expect(FollowCheckpoint.digest([UInt8]()) == 0xcbf2_9ce4_8422_2325)
    #expect(FollowCheckpoint.digest(Array("1 ERROR\n2 ok\n".utf8)) == 0x9a1a_4046_5a82_2bf2)
  }

  @Test("write replaces the file atomically; read gives nil for a missing file")
  func files() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("app.state")
    #expect(try FollowCheckpoint.read(fromFile: path) == nil)
    let first = FollowCheckpoint(offset: 10, file: FileIdentity(device: 3, inode: 4), lineNumber: 2)
    try first.write(toFile: path)
    #expect(try FollowCheckpoint.read(fromFile: path) == first)
    let second = FollowCheckpoint(offset: 99, file: FileIdentity(device: 3, inode: 4), lineNumber: 9)
    try second.write(toFile: path)
    #expect(try FollowCheckpoint.read(fromFile: path) == second)
    try directory.write("garbage", to: "bad.state")
    #expect(throws: FollowError.invalidCheckpoint(path: directory.file("bad.state"), reason: "line 'garbage' is not key=value")) {
      try FollowCheckpoint.read(fromFile: directory.file("bad.state"))
    }
    #expect(throws: FollowError.system(operation: "write state file", path: directory.file("no/such/dir"), errno: 2)) {
      try first.write(toFile: directory.file("no/such/dir"))
    }
  }
}
