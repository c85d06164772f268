import Foundation
import LogFollow
import RegexSearch
import TestSupport
import Testing

/// The asynchronous sequences, driven from the test and from a child process.
/// Waits are bounded by the time limit only (no timing assertions); it is
/// generous because the whole test suite can keep Swift's cooperative
/// threads busy with long synchronous tests for minutes.
@Suite("LogFollower: async sequences", .timeLimit(.minutes(10)))
struct AsyncFollowTests {
  let directory: TemporaryDirectory
  let log: LogFile

  init() throws {
    directory = try TemporaryDirectory()
    log = LogFile(in: directory)
  }

  static let fast = LogFollower.Options(pollInterval: .milliseconds(2))

  @Test("lines arrive as they are appended, truncated and rotated; cancellation ends the sequence")
  func lines() async throws {
    log.append("1 ERROR\n2 ok\n")
    let follower = LogFollower(path: log.path, matching: try Pattern("ERROR"), options: Self.fast)
    let (stream, received) = AsyncStream.makeStream(of: FollowedLine.self)
    let consumer = Task {
      for try await line in follower.lines { received.yield(line) }
      received.finish()
    }
    var arrivals = stream.makeAsyncIterator()
    var seen: [FollowedLine] = []
    func next() async throws -> FollowedLine { try #require(await arrivals.next()) }

    seen.append(try await next())
    log.append("3 ERROR\n")
    seen.append(try await next())
    log.cut(to: 0)
    log.append("4 ERROR\n")
    seen.append(try await next())
    log.move(to: "app.log.1")
    log.append("5 ERROR\n")
    seen.append(try await next())
    #expect(describe(seen) == ["0:1:0-8:1 ERROR", "0:3:13-21:3 ERROR", "1:1:0-8:4 ERROR", "2:1:0-8:5 ERROR"])

    consumer.cancel()
    try await consumer.value
    #expect(await arrivals.next() == nil)
    #expect(follower.isClosed)
    #expect(follower.checkpoint?.offset == 8)
  }

  @Test("batches report events with the lines")
  func batches() async throws {
    log.append("a\n")
    let follower = LogFollower(path: log.path, options: Self.fast)
    var iterator = follower.batches.makeAsyncIterator()
    let first = try #require(try await iterator.next())
    #expect(first.events == [.opened(generation: 0, offset: 0)])
    #expect(describe(first.lines) == ["0:1:0-2:a"])
    log.cut(to: 0)
    let second = try #require(try await iterator.next())
    #expect(second.events == [.truncated(generation: 1)])
    follower.close()
    #expect(try await iterator.next() == nil)
  }

  @Test("a child process appends 300 lines and rotates midway: each line arrives once, in order")
  func childProcess() async throws {
    log.append("0 start\n")
    let follower = LogFollower(path: log.path, matching: try Pattern("ERROR"), options: Self.fast)
    #expect(try follower.poll().lines.isEmpty)  // the first file is open before the child runs

    let script = [
      "-c",
      """
      i=1
      while [ $i -le 300 ]; do
        echo "line $i ERROR" >> app.log
        if [ $i -eq 150 ]; then mv app.log app.log.1; fi
        i=$((i + 1))
      done
      """,
    ]
    let child = try Subprocess("/bin/sh", script, directory: directory.path)
    var numbers: [Int] = []
    var generations: [Int] = []
    for try await line in follower.lines {
      let words = line.text.split(separator: " ")
      numbers.append(Int(words[1]) ?? -1)
      generations.append(line.generation)
      if line.text == "line 300 ERROR" { break }
    }
    let ended = child.wait()
    follower.close()
    #expect(ended == .exited(0))
    #expect(numbers == Array(1...300))
    #expect(generations == Array(repeating: 0, count: 150) + Array(repeating: 1, count: 150))
  }
}
