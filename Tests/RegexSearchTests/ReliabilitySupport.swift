import ByteBuffer
import RegexSearch
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the Reliability suites of this target.
enum Reliability {

  /// A step of a test's setup failed.
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// A fresh directory under /tmp, removed with its files when released.
  final class Directory {
    let path: String

    init() throws {
      var template = Array("/tmp/mbb-reliability-XXXXXX".utf8CString)
      guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp: errno \(errno)") }
      path = String(cString: made)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit {
      if let directory = opendir(path) {
        while let entry = readdir(directory) {
          let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
          }
          if name != "." && name != ".." { unlink("\(path)/\(name)") }
        }
        closedir(directory)
      }
      rmdir(path)
    }
  }

  /// Writes `block` `times` times to a new file at `path`.
  static func writeRepeated(_ block: [UInt8], times: Int, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { throw Failure(description: "open \(path): errno \(errno)") }
    defer { close(fd) }
    try block.withUnsafeBytes { raw in
      for _ in 0..<times {
        var done = 0
        while done < raw.count {
          let n = write(fd, raw.baseAddress! + done, raw.count - done)
          guard n > 0 else { throw Failure(description: "write \(path): errno \(errno)") }
          done += n
        }
      }
    }
  }

  /// A field of /proc/self/status in KiB ("RssAnon", "VmRSS"), or -1.
  static func statusKiB(_ field: String) -> Int {
    guard let status = try? HeapByteBuffer(contentsOf: "/proc/self/status"),
          let text = try? status.withUnsafeBytes({ String(decoding: $0, as: UTF8.self) }) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
      return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
    return -1
  }

  /// The number of entries in /proc/self/fd.
  static func descriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var n = 0
    while readdir(directory) != nil { n += 1 }
    return n - 3   // ".", ".." and the directory's own descriptor
  }

  /// The number of lines in /proc/self/maps, or of those that name `path`.
  static func mappingCount(of path: String? = nil) -> Int {
    guard let maps = try? HeapByteBuffer(contentsOf: "/proc/self/maps"),
          let text = try? maps.withUnsafeBytes({ String(decoding: $0, as: UTF8.self) }) else { return -1 }
    let lines = text.split(separator: "\n")
    guard let path else { return lines.count }
    return lines.filter { $0.hasSuffix(" " + path) }.count
  }

  /// Runs `/usr/bin/env ARGUMENTS...` as a child process and waits for it.
  static func runProcess(_ arguments: [String]) throws -> Int32 {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    let spawned = posix_spawn(&pid, "/usr/bin/env", nil, nil, argv, environ)
    guard spawned == 0 else { throw Failure(description: "posix_spawn: \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else { throw Failure(description: "waitpid: errno \(errno)") }
    }
    return status
  }

  /// 64 KiB of log lines, 1,024 lines of 64 bytes; 64 of them (every 16th,
  /// from the 8th) are "ERROR" lines with an id.
  static let logBlock: [UInt8] = {
    var block: [UInt8] = []
    for i in 0..<1024 {
      var line = i % 16 == 7
        ? "2026-11-26T10:00:00Z ERROR upstream timeout id=\(100_000 + i)"
        : "2026-11-26T10:00:00Z INFO request served in \(i % 97) ms"
      line += String(repeating: " ", count: 63 - line.utf8.count) + "\n"
      block += Array(line.utf8)
    }
    return block
  }()
}

/// Whether `error` is `RegexError` `.buffer` wrapping `.truncated` for `path`
/// at an offset in `offsets`.
func isTruncation(_ error: any Error, path: String, offsets: Range<Int>) -> Bool {
  guard let e = error as? RegexError, e.kind == .buffer,
        case .truncated(let p, let offset)? = e.bufferError else { return false }
  return p == path && offsets.contains(offset)
}
