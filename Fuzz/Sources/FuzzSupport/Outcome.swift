import ByteBuffer

/// What one operation did, in a form two backends can be compared by: the
/// value it returned, or the error it threw with every file path removed
/// (a `HeapByteBuffer` has no path; a mapping does) and the errno of
/// `.system` dropped (the case, operation, offsets, counts and the reason of
/// `.invalidArgument` must still agree).
public enum Outcome: Equatable, CustomStringConvertible {
  /// The operation returned this value (rendered as text).
  case value(String)
  /// The operation threw this error (its path replaced by `nil`).
  case error(ByteBufferError)

  /// Runs `body` and records what it returned or threw.
  ///
  /// - Parameter body: The operation.
  public init(_ body: () throws(ByteBufferError) -> some Any) {
    do {
      self = .value(String(describing: try body()))
    } catch {
      self = .error(error.comparable)
    }
  }

  public var description: String {
    switch self {
    case .value(let text): return "returned \(text)"
    case .error(let error): return "threw \(error)"
    }
  }
}

extension ByteBufferError {
  /// The same error with every path set to `nil` and no errno.
  public var comparable: ByteBufferError {
    switch self {
    case .closed: return .closed(path: nil)
    case .readOnly(let operation, _): return .readOnly(operation: operation, path: nil)
    case .system(let operation, _, _): return .system(operation: operation, path: nil, errno: 0)
    case .notRegularFile(_, let kind): return .notRegularFile(path: "", kind: kind)
    case .truncated(_, let offset): return .truncated(path: nil, offset: offset)
    case .busy(let operation, _): return .busy(operation: operation, path: nil)
    case .invalidArgument, .outOfRange: return self
    }
  }
}
