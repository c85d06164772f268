import LogFollow
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log file the tests write the way loggers and rotators do.
struct LogFile {
  let directory: TemporaryDirectory
  let name: String

  init(_ name: String = "app.log", in directory: TemporaryDirectory) {
    self.directory = directory
    self.name = name
  }

  var path: String { directory.file(name) }

  /// Appends `text` (opening the path with `O_APPEND`, as a logger reopening it would).
  func append(_ text: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    precondition(fd >= 0, "cannot open \(path): errno \(errno)")
    Self.writeAll(fd, Array(text.utf8))
    close(fd)
  }

  /// Cuts the file to `size` bytes (`truncate(2)`).
  func cut(to size: Int) {
    precondition(truncate(path, off_t(size)) == 0, "truncate failed: errno \(errno)")
  }

  /// Renames the file to `newName` (logrotate's first step).
  func move(to newName: String) {
    precondition(rename(path, directory.file(newName)) == 0, "rename failed: errno \(errno)")
  }

  /// Removes the path.
  func remove() {
    precondition(unlink(path) == 0, "unlink failed: errno \(errno)")
  }

  /// Opens the file for appending and keeps the descriptor: writes through it
  /// reach this inode even after a rename.
  func openForAppending() -> Int32 {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    precondition(fd >= 0, "cannot open \(path): errno \(errno)")
    return fd
  }

  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
      var done = 0
      while done < raw.count {
        let n = write(fd, raw.baseAddress! + done, raw.count - done)
        precondition(n > 0, "write failed: errno \(errno)")
        done += n
      }
    }
  }

  /// The file's inode and device.
  var identity: FileIdentity {
    var info = stat()
    precondition(stat(path, &info) == 0, "stat failed")
    return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
  }
}

/// `generation:number:offset-endOffset:text`, plus `$` for an unterminated line.
func describe(_ lines: [FollowedLine]) -> [String] {
  lines.map { line in
    "\(line.generation):\(line.number.map(String.init) ?? "-"):\(line.offset)-\(line.endOffset):\(line.text)"
      + (line.isTerminated ? "" : "$")
  }
}

extension LogFollower {
  /// Polls until caught up (at most `limit` polls), collecting lines and events.
  func drain(limit: Int = 1000) throws -> (lines: [FollowedLine], events: [FollowEvent]) {
    var lines: [FollowedLine] = []
    var events: [FollowEvent] = []
    for _ in 0..<limit {
      let batch = try poll()
      lines += batch.lines
      events += batch.events
      if batch.isCaughtUp { return (lines, events) }
    }
    Issue.record("the follower did not catch up in \(limit) polls")
    return (lines, events)
  }
}

