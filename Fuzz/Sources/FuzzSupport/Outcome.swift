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
      let value = try body()
      if let bytes = value as? [UInt8], bytes.count > 256 {
        // Large reads: a digest, not megabytes of text per step.
        self = .value(bytes.withUnsafeBytes { digest(of: $0) })
      } else {
        self = .value(String(describing: value))
      }
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

/// Describes `bytes` by their count, an FNV-1a digest (of 8-byte words, then
/// the bytes left) and their first 32 bytes. The loop reads words from raw
/// memory: iterating an `Array` in these unoptimised, instrumented builds
/// allocated for each element, and describing 16 MiB took longer than
/// libFuzzer's timeout (the `regression-huge-heap-resize` seed).
///
/// - Parameter bytes: The bytes.
/// - Returns: The description.
public func digest(of bytes: UnsafeRawBufferPointer) -> String {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  var offset = 0
  while offset + 8 <= bytes.count {
    hash = (hash ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
    offset += 8
  }
  while offset < bytes.count {
    hash = (hash ^ UInt64(bytes[offset])) &* 0x100_0000_01b3
    offset += 1
  }
  return "\(bytes.count) bytes, FNV-1a \(hash), first \(Array(bytes.prefix(32)))"
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
