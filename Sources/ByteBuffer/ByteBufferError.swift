import SystemPackage

/// The error every throwing operation of a byte buffer reports.
///
/// Each case carries what a person needs to act on it: the operation, the file
/// (when the buffer has one) and the cause in words. `description` renders it the
/// way a command line tool would print it, for example
/// `cannot map 'x.log': Permission denied`.
///
/// Programming errors are not reported through this type: an out-of-range
/// subscript traps, as `Array`'s does.
public enum ByteBufferError: Error, Equatable, Sendable {
  /// The buffer was closed; only `close()` and `isClosed` may be used on it.
  ///
  /// Python's mmap raises `ValueError: mmap closed or invalid` here.
  case closed(path: String?)

  /// The operation would modify a read-only buffer (or resize a buffer that
  /// cannot change size, such as a copy-on-write mapping).
  ///
  /// Python's mmap raises `TypeError` here. Never a `SIGSEGV`.
  case readOnly(operation: String, path: String?)

  /// `length` bytes at `offset` do not fit in a buffer of `count` bytes.
  ///
  /// Python's mmap raises `ValueError` or `IndexError` here.
  case outOfRange(operation: String, offset: Int, length: Int, count: Int)

  /// An argument the operation cannot accept, with the reason in words.
  case invalidArgument(operation: String, reason: String)

  /// A system call failed: `operation` names what was being done
  /// ("open", "map", "resize", "flush", ...), `errno` the cause.
  case system(operation: String, path: String?, errno: Int32)

  /// The path names something that cannot be mapped or read as a file
  /// (a directory, a socket, a device), described by `kind`.
  case notRegularFile(path: String, kind: String)

  /// The file behind a mapping shrank while it was being read: the bytes at
  /// `offset` no longer exist (the kernel raised `SIGBUS`, which was caught).
  case truncated(path: String?, offset: Int)

  /// Another operation is using the buffer's memory (for example a search on
  /// another thread), so it cannot be closed or resized now.
  ///
  /// Python's mmap raises `BufferError` ("cannot close exported pointers exist").
  case busy(operation: String, path: String?)
}

extension ByteBufferError: CustomStringConvertible {
  /// A one-line message naming the operation, the file and the cause.
  public var description: String {
    switch self {
    case .closed(let path):
      return "\(Self.subject(path)) is closed"
    case .readOnly(let operation, let path):
      return "cannot \(operation) \(Self.subject(path)): the buffer is read-only"
    case .outOfRange(let operation, let offset, let length, let count):
      if length == 0 {  // a position, not a span (seek)
        return "cannot \(operation) to offset \(offset): outside 0...\(count)"
      }
      return "cannot \(operation) \(length) byte\(length == 1 ? "" : "s") at offset \(offset): "
        + "out of range for a buffer of \(count) byte\(count == 1 ? "" : "s")"
    case .invalidArgument(let operation, let reason):
      return "cannot \(operation): \(reason)"
    case .system(let operation, let path, let errno):
      let cause = Errno(rawValue: errno).description
      if let path { return "cannot \(operation) '\(path)': \(cause)" }
      return "cannot \(operation): \(cause)"
    case .notRegularFile(let path, let kind):
      return "'\(path)' is \(kind), not a regular file"
    case .truncated(let path, let offset):
      return "\(Self.subject(path)) was truncated while being read (no data at offset \(offset))"
    case .busy(let operation, let path):
      return "cannot \(operation) \(Self.subject(path)): it is in use by another operation"
    }
  }

  static func subject(_ path: String?) -> String {
    if let path { return "'\(path)'" }
    return "the buffer"
  }
}
