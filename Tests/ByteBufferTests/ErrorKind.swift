import ByteBuffer
import Testing

/// The case of a `ByteBufferError`, without its payload (which names a path
/// that differs between backends).
enum ErrorKind: Equatable, CustomStringConvertible {
  case closed, readOnly, outOfRange, invalidArgument, system, notRegularFile, truncated, busy

  var description: String {
    switch self {
    case .closed: return "closed"
    case .readOnly: return "readOnly"
    case .outOfRange: return "outOfRange"
    case .invalidArgument: return "invalidArgument"
    case .system: return "system"
    case .notRegularFile: return "notRegularFile"
    case .truncated: return "truncated"
    case .busy: return "busy"
    }
  }
}

extension ByteBufferError {
  var kind: ErrorKind {
    switch self {
    case .closed: return .closed
    case .readOnly: return .readOnly
    case .outOfRange: return .outOfRange
    case .invalidArgument: return .invalidArgument
    case .system: return .system
    case .notRegularFile: return .notRegularFile
    case .truncated: return .truncated
    case .busy: return .busy
    }
  }
}

/// Runs `body` and returns the kind of the `ByteBufferError` it threw, or
/// `nil` when it threw nothing. Any other error is a test failure.
func errorKind<R>(_ body: () throws -> R) -> ErrorKind? {
  do {
    _ = try body()
    return nil
  } catch let error as ByteBufferError {
    return error.kind
  } catch {
    Issue.record("unexpected error \(error)")
    return nil
  }
}
