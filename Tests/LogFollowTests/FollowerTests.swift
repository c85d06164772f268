import LogFollow
import RegexSearch
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("LogFollower: polling")
struct FollowerTests {
  let directory: TemporaryDirectory
  let log: LogFile

  init() throws {
    directory = try TemporaryDirectory()
    log = LogFile(in: directory)
  }

  @Test("appended lines are delivered once each; an unterminated line waits for its newline")
  func append() throws {
    log.append("a ERROR 1\nb ok\n")
    let follower = LogFollower(path: log.path, matching: try Pattern("ERROR"))
    var batch = try follower.poll()
    #expect(batch.events == [.opened(generation: 0, offset: 0)])
    #expect(describe(batch.lines) == ["0:1:0-10:a ERROR 1"])
    #expect(batch.isCaughtUp)
    #expect(batch.checkpoint == FollowCheckpoint(offset: 15, file: log.identity, lineNumber: 3,
                                                 tailDigest: 0x507e_1afc_d05e_cd29))

    log.append("c ERROR 2\nd ERR")
    batch = try follower.poll()
    #expect(describe(batch.lines) == ["0:3:15-25:c ERROR 2"])
    #expect(batch.checkpoint?.offset == 25)
    // After one line: its resume point, with the digest of the bytes before it.
    let line = try #require(batch.lines.first)
    #expect(line.checkpoint == FollowCheckpoint(offset: 25, file: log.identity, lineNumber: 4))
    #expect(follower.checkpoint(after: line)
      == FollowCheckpoint(offset: 25, file: log.identity, lineNumber: 4, tailDigest: 0xdee9_6305_359a_fae8))

    log.append("OR 3")
    #expect(try follower.poll().lines.isEmpty)
    log.append("\n")
    batch = try follower.poll()
    #expect(describe(batch.lines) == ["0:4:25-35:d ERROR 3"])
    #expect(batch.checkpoint?.offset == 35)

    batch = try follower.poll()
    #expect(batch.lines.isEmpty && batch.events.isEmpty && batch.isCaughtUp)
    #expect(follower.generation == 0)
  }

  @Test("every line without a pattern; -v with inverted; CRLF lines keep their \\r")
  func selection() throws {
    log.append("x\r\nok 1\ny\n")
    let all = LogFollower(path: log.path)
    #expect(describe(try all.poll().lines) == ["0:1:0-3:x\r", "0:2:3-8:ok 1", "0:3:8-10:y"])
    let inverted = LogFollower(path: log.path, matching: try Pattern("ok"), inverted: true)
    #expect(describe(try inverted.poll().lines) == ["0:1:0-3:x\r", "0:3:8-10:y"])
    let unnumbered = LogFollower(path: log.path, matching: try Pattern("ok"), options: .init(numbersLines: false))
    #expect(describe(try unnumbered.poll().lines) == ["0:-:3-8:ok 1"])
  }

  @Test("truncation below the offset restarts at 0 as a new generation")
  func truncate() throws {
    log.append("one ERROR\ntwo ERROR\n")
    let follower = LogFollower(path: log.path, matching: try Pattern("ERROR"))
    #expect(describe(try follower.poll().lines) == ["0:1:0-10:one ERROR", "0:2:10-20:two ERROR"])

    log.cut(to: 0)
    log.append("x ERROR\n")
    var batch = try follower.poll()
    #expect(batch.events == [.truncated(generation: 1)])
    #expect(describe(batch.lines) == ["1:1:0-8:x ERROR"])

    log.append("y ERROR\n")
    #expect(describe(try follower.poll().lines) == ["1:2:8-16:y ERROR"])

    // copytruncate: emptied, then written again.
    log.cut(to: 0)
    batch = try follower.poll()
    #expect(batch.events == [.truncated(generation: 2)])
    #expect(batch.lines.isEmpty)
    log.append("z ERROR\n")
    #expect(describe(try follower.poll().lines) == ["2:1:0-8:z ERROR"])
    #expect(follower.checkpoint == FollowCheckpoint(offset: 8, file: log.identity, lineNumber: 2,
                                                    tailDigest: 0x12dd_fc89_880f_1e57))

    // Truncated and rewritten past the old offset between two polls: the
    // bytes before the offset changed.
    log.cut(to: 0)
    log.append("rewritten, longer ERROR\n")
    batch = try follower.poll()
    #expect(batch.events == [.truncated(generation: 3)])
    #expect(describe(batch.lines) == ["3:1:0-24:rewritten, longer ERROR"])
  }

  @Test("rotation: the old file is read to its end (unterminated line too), then the new one from 0")
  func rotate() throws {
    log.append("old 1 ERROR\n")
    let follower = LogFollower(path: log.path, matching: try Pattern("ERROR"))
    #expect(describe(try follower.poll().lines) == ["0:1:0-12:old 1 ERROR"])

    let writer = log.openForAppending()
    defer { close(writer) }
    log.move(to: "app.log.1")
    LogFile.writeAll(writer, Array("old 2 ERROR\nold 3 ERROR tail".utf8))
    log.append("new 1 ERROR\nnew 2 ok\n")
    let (lines, events) = try follower.drain()
    #expect(describe(lines) == ["0:2:12-24:old 2 ERROR", "0:3:24-40:old 3 ERROR tail$", "1:1:0-12:new 1 ERROR"])
    #expect(events == [.rotated(generation: 1)])

    // The old file is no longer read once the new one is followed.
    LogFile.writeAll(writer, Array("late ERROR\n".utf8))
    log.append("new 3 ERROR\n")
    #expect(describe(try follower.poll().lines) == ["1:3:21-33:new 3 ERROR"])
    #expect(follower.generation == 1)
  }

  @Test("a missing path is waited for, and a path that disappears and reappears is a new generation")
  func missing() throws {
    let follower = LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .end)
    var batch = try follower.poll()
    #expect(batch.events == [.missing])
    #expect(batch.lines.isEmpty && batch.checkpoint == nil && batch.isCaughtUp)
    #expect(try follower.poll().events.isEmpty)  // reported once

    // A file that appears after the start is new: read from 0 even with `.end`.
    log.append("hello ERROR\n")
    batch = try follower.poll()
    #expect(batch.events == [.opened(generation: 0, offset: 0)])
    #expect(describe(batch.lines) == ["0:1:0-12:hello ERROR"])

    log.remove()
    batch = try follower.poll()
    #expect(batch.events == [.missing])
    #expect(try follower.poll().events.isEmpty)

    log.append("again ERROR\n")
    let (lines, events) = try follower.drain()
    #expect(events == [.rotated(generation: 1)])
    #expect(describe(lines) == ["1:1:0-12:again ERROR"])
  }

  @Test("start at the end, at an offset (line numbers counted before it), or past the end")
  func startPositions() throws {
    log.append("a\nb ERROR\nc ERROR\n")
    let atEnd = LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .end)
    var batch = try atEnd.poll()
    #expect(batch.events == [.opened(generation: 0, offset: 18)])
    #expect(batch.lines.isEmpty)
    log.append("d ERROR\n")
    #expect(describe(try atEnd.poll().lines) == ["0:4:18-26:d ERROR"])

    let atOffset = LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .offset(10))
    #expect(describe(try atOffset.poll().lines) == ["0:3:10-18:c ERROR", "0:4:18-26:d ERROR"])

    let pastEnd = LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .offset(1000))
    batch = try pastEnd.poll()
    #expect(batch.events == [.checkpointRejected, .opened(generation: 0, offset: 0)])
    #expect(describe(batch.lines) == ["0:2:2-10:b ERROR", "0:3:10-18:c ERROR", "0:4:18-26:d ERROR"])
  }

  @Test("a checkpoint resumes in the same file, and is rejected for another file or a shorter one")
  func checkpoints() throws {
    log.append("1 ERROR\n2 ok\n")
    let first = LogFollower(path: log.path, matching: try Pattern("ERROR"))
    _ = try first.poll()
    let saved = try #require(first.checkpoint)
    #expect(saved == FollowCheckpoint(offset: 13, file: log.identity, lineNumber: 3, tailDigest: 0x9a1a_4046_5a82_2bf2))
    first.close()

    log.append("3 ERROR\n")
    let resumed = LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .checkpoint(saved))
    var batch = try resumed.poll()
    #expect(batch.events == [.opened(generation: 0, offset: 13)])
    #expect(describe(batch.lines) == ["0:3:13-21:3 ERROR"])

    let otherFile = FollowCheckpoint(offset: 13, file: FileIdentity(device: saved.file.device, inode: saved.file.inode + 1),
                                     lineNumber: 3)
    batch = try LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .checkpoint(otherFile)).poll()
    #expect(batch.events == [.checkpointRejected, .opened(generation: 0, offset: 0)])
    #expect(describe(batch.lines) == ["0:1:0-8:1 ERROR", "0:3:13-21:3 ERROR"])

    let beyond = FollowCheckpoint(offset: 500, file: saved.file, lineNumber: 40)
    batch = try LogFollower(path: log.path, matching: try Pattern("3"), from: .checkpoint(beyond)).poll()
    #expect(batch.events == [.checkpointRejected, .opened(generation: 0, offset: 0)])
    #expect(describe(batch.lines) == ["0:3:13-21:3 ERROR"])

    // A checkpoint without a line number: numbers are counted.
    let unnumbered = FollowCheckpoint(offset: 8, file: saved.file)
    batch = try LogFollower(path: log.path, from: .checkpoint(unnumbered)).poll()
    #expect(describe(batch.lines) == ["0:2:8-13:2 ok", "0:3:13-21:3 ERROR"])

    // Truncated and rewritten past the offset since: the bytes before it changed.
    log.cut(to: 0)
    log.append("X ERROR\nY ok\nZ ERROR\n")
    batch = try LogFollower(path: log.path, matching: try Pattern("ERROR"), from: .checkpoint(saved)).poll()
    #expect(batch.events == [.checkpointRejected, .opened(generation: 0, offset: 0)])
    #expect(describe(batch.lines) == ["0:1:0-8:X ERROR", "0:3:13-21:Z ERROR"])
  }

  @Test("growth larger than a batch is read in several polls, each line once, long lines included")
  func batches() throws {
    var text = ""
    for i in 0..<10 { text += "line \(i)\n" }  // 7 bytes each
    text += String(repeating: "x", count: 100) + "\n"
    text += "tail\n"
    log.append(text)
    let follower = LogFollower(path: log.path, options: .init(maximumBatchBytes: 16))
    let first = try follower.poll()
    #expect(!first.isCaughtUp)
    #expect(describe(first.lines) == ["0:1:0-7:line 0", "0:2:7-14:line 1"])
    let rest = try follower.drain()
    #expect(rest.lines.map(\.number) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    #expect(rest.lines.map(\.offset) == [14, 21, 28, 35, 42, 49, 56, 63, 70, 171])
    #expect(rest.lines[8].bytes.count == 100)
    #expect(rest.lines.last?.text == "tail")
    #expect(follower.checkpoint?.offset == 176)
  }

  @Test("a line that exceeds a PCRE2 limit is reported and skipped; following goes on")
  func lineSkipped() throws {
    log.append("ok\n" + String(repeating: "a", count: 30) + "b\naa\n")
    let pattern = try Pattern("(a+)+$", limits: .init(matchLimit: 1000))
    let follower = LogFollower(path: log.path, matching: pattern)
    let (lines, events) = try follower.drain()
    #expect(describe(lines) == ["0:3:35-38:aa"])
    #expect(events.count == 2)
    guard case .lineSkipped(let offset, let error) = events.last else {
      Issue.record("no lineSkipped event in \(events)")
      return
    }
    #expect(offset == 3)
    #expect(error.isLimitExceeded)
  }

  @Test("finish delivers the unterminated last line and closes")
  func finish() throws {
    log.append("a\nb")
    let follower = LogFollower(path: log.path)
    let batch = try follower.finish()
    #expect(describe(batch.lines) == ["0:1:0-2:a", "0:2:2-3:b$"])
    #expect(batch.checkpoint == FollowCheckpoint(offset: 3, file: log.identity, lineNumber: 3,
                                                 tailDigest: 0xe5be_b119_0415_e670))
    #expect(follower.isClosed)
    #expect(follower.checkpoint?.offset == 3)
    #expect(throws: FollowError.closed(path: log.path)) { try follower.poll() }
  }

  @Test("a directory is not followed; a file that cannot be opened is an error")
  func errors() throws {
    let follower = LogFollower(path: directory.path)
    #expect(throws: FollowError.notRegularFile(path: directory.path)) { try follower.poll() }
    #expect(
      FollowError.system(operation: "open", path: "x.log", errno: 13).description
        == "cannot open 'x.log': Permission denied")
  }
}
