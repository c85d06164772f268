import ByteBuffer
import MappedBuffer
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two implementations of `MutableByteBuffer`, for tests that run one
/// contract against both (`@Test(arguments: Backend.allCases)`).
public enum Backend: CaseIterable, Sendable, CustomStringConvertible {
  /// `HeapByteBuffer`: bytes in memory.
  case heap
  /// `MappedByteBuffer`: a shared mapping of a temporary file (removed at once;
  /// the mapping keeps its data alive).
  case mapped

  /// `"heap"` or `"mapped"`, as test names show it.
  public var description: String {
    switch self {
    case .heap: return "heap"
    case .mapped: return "mapped"
    }
  }

  /// Makes a buffer of this backend holding `content`, positioned at 0.
  ///
  /// - Parameters:
  ///   - content: The initial bytes.
  ///   - readOnly: Whether the buffer refuses writes (a mapping is then made
  ///     with `.read` access, otherwise `.write`).
  /// - Returns: The buffer.
  /// - Throws: What creating the file or the mapping throws.
  public func make(_ content: [UInt8], readOnly: Bool = false) throws -> any MutableByteBuffer {
    switch self {
    case .heap:
      return HeapByteBuffer(content, readOnly: readOnly)
    case .mapped:
      let path = try TemporaryFile.create(containing: content)
      defer { _ = unlink(path) }
      return try MappedByteBuffer(path: path, access: readOnly ? .read : .write)
    }
  }

  /// Makes a buffer of this backend holding the UTF-8 of `content`.
  ///
  /// - Parameters:
  ///   - content: The initial text.
  ///   - readOnly: Whether the buffer refuses writes.
  /// - Returns: The buffer.
  /// - Throws: What creating the file or the mapping throws.
  public func make(_ content: String, readOnly: Bool = false) throws -> any MutableByteBuffer {
    try make(Array(content.utf8), readOnly: readOnly)
  }
}

/// A failure of the test helpers, with the system's reason.
public struct TestSupportError: Error, CustomStringConvertible {
  /// What went wrong.
  public let description: String
}

/// Creation of uniquely named temporary files.
public enum TemporaryFile {
  /// Creates a new file under `directory` (default `/tmp`) holding `content`
  /// and returns its path. The caller removes it.
  ///
  /// - Parameters:
  ///   - content: The bytes to write.
  ///   - directory: Where to create the file.
  /// - Returns: The file's path.
  /// - Throws: `TestSupportError` or `Errno` when the file cannot be made.
  public static func create(containing content: [UInt8], in directory: String = "/tmp") throws -> String {
    var template = Array("\(directory)/mbb-test-XXXXXX".utf8CString)
    let raw = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard raw >= 0 else { throw TestSupportError(description: "mkstemp failed: errno \(errno)") }
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    let fd = FileDescriptor(rawValue: raw)
    defer { try? fd.close() }
    do {
      _ = try fd.writeAll(content)
    } catch {
      _ = unlink(path)
      throw error
    }
    return path
  }
}
