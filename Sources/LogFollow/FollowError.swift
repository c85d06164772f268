import ByteBuffer
import RegexSearch

/// The error every throwing operation of LogFollow reports.
///
/// Each message names the file and the cause:
///
/// ```swift
/// do { _ = try follower.poll() } catch { print(error) }
/// // cannot open 'logs/app.log': Permission denied
/// ```
///
/// Conditions a long-running follower should survive are not errors but
/// ``FollowEvent``s: the path missing, a replacement not openable yet, a
/// truncation, a rotation, a line that hits a PCRE2 limit.
public enum FollowError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A system call failed: `operation` is the verb ("open", "stat", "write
  /// state file"), `errno` the cause.
  case system(operation: String, path: String, errno: Int32)
  /// The path names something other than a regular file (a directory, FIFO, device...).
  case notRegularFile(path: String)
  /// The follower was closed (``LogFollower/close()``, or its sequence was cancelled).
  case closed(path: String)
  /// Mapping or reading the file's new bytes failed.
  case buffer(ByteBufferError)
  /// A search failed in a way that is not a per-line limit (those become
  /// ``FollowEvent/lineSkipped(offset:error:)``).
  case search(RegexError)
  /// A state file could not be parsed.
  case invalidCheckpoint(path: String, reason: String)

  /// A one-line message naming the file and the cause.
  public var description: String {
    switch self {
    case .system(let operation, let path, let code):
      return "cannot \(operation) '\(path)': \(sysErrorMessage(code))"
    case .notRegularFile(let path):
      return "'\(path)' is not a regular file"
    case .closed(let path):
      return "the follower of '\(path)' is closed"
    case .buffer(let error):
      return error.description
    case .search(let error):
      return error.description
    case .invalidCheckpoint(let path, let reason):
      return "invalid state file '\(path)': \(reason)"
    }
  }
}
