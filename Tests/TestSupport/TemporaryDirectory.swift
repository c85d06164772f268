import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under `/tmp` (made with `mkdtemp`), removed with all its
/// contents when the object is released.
public final class TemporaryDirectory: @unchecked Sendable {
  // @unchecked Sendable: immutable after init.

  /// The directory's absolute path.
  public let path: String

  /// Creates the directory.
  ///
  /// - Throws: `TestSupportError` when `mkdtemp` fails.
  public init() throws {
    var template = Array("/tmp/mbb-dir-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard let made else { throw TestSupportError(description: "mkdtemp failed: errno \(errno)") }
    path = String(cString: made)
  }

  /// The path of `name` inside the directory.
  ///
  /// - Parameter name: A file name.
  /// - Returns: `path + "/" + name`.
  public func file(_ name: String) -> String {
    "\(path)/\(name)"
  }

  /// Writes `content` to the file `name` inside the directory, replacing it.
  ///
  /// - Parameters:
  ///   - content: The bytes to write.
  ///   - name: A file name.
  /// - Returns: The file's path.
  /// - Throws: `Errno` when the file cannot be written.
  @discardableResult
  public func write(_ content: [UInt8], to name: String) throws -> String {
    let target = file(name)
    let fd = try FileDescriptor.open(
      target, .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
    defer { try? fd.close() }
    _ = try fd.writeAll(content)
    return target
  }

  /// Writes the UTF-8 of `content` to the file `name` inside the directory.
  ///
  /// - Parameters:
  ///   - content: The text to write.
  ///   - name: A file name.
  /// - Returns: The file's path.
  /// - Throws: `Errno` when the file cannot be written.
  @discardableResult
  public func write(_ content: String, to name: String) throws -> String {
    try write(Array(content.utf8), to: name)
  }

  deinit {
    Self.removeTree(path)
  }

  /// Removes `path` and, for a directory, everything below it, depth first,
  /// without following symbolic links. Errors are ignored.
  static func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR, let dir = opendir(path) {
      var names: [String] = []
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
      }
      closedir(dir)
      for name in names { removeTree("\(path)/\(name)") }
      _ = rmdir(path)
    } else {
      _ = unlink(path)
    }
  }
}
