import ByteBuffer
import SystemPackage

extension MappedByteBuffer {
  /// Maps the named POSIX shared memory object `sharedMemoryName`, creating
  /// it if it does not exist (`shm_open(3)` with `O_CREAT`, without `O_EXCL`).
  ///
  /// This is the Unix counterpart of the `tagname` argument of Python's
  /// Windows `mmap`: every buffer made with the same name, in this process or
  /// another, maps the same bytes, and writes through one
  /// ``Access-swift.enum/write`` buffer are seen through the others. An
  /// object that is smaller than `count` is grown to `count` bytes (new
  /// bytes are zero); a `count` of 0 maps the object at its current size
  /// (an object of size 0 gives an empty buffer). The name lives until
  /// ``removeSharedMemory(named:)`` removes it (or the machine restarts),
  /// even after every buffer is closed. ``path`` is `"shm:"` followed by the
  /// name.
  ///
  /// With ``Access-swift.enum/read`` or ``Access-swift.enum/copy``, an object
  /// this process may not write is opened read-only; it is then neither
  /// created nor grown.
  ///
  /// - Parameters:
  ///   - sharedMemoryName: The object's name. A leading `/` is added when
  ///     missing; no other `/` may appear.
  ///   - count: The number of bytes to map, or 0 for the object's size.
  ///   - access: How the mapping may be used. Defaults to
  ///     ``Access-swift.enum/write``.
  /// - Throws: `ByteBufferError.invalidArgument` for a bad name or a
  ///   negative count, `.system(operation: "open", ...)` when `shm_open(3)`
  ///   fails, `.system(operation: "resize", ...)` when growing fails,
  ///   `.invalidArgument` when a read-only object is smaller than `count`,
  ///   `.system(operation: "map", ...)` when `mmap(2)` fails.
  public convenience init(
    sharedMemoryName: String, count: Int, access: Access = .write
  ) throws(ByteBufferError) {
    let name = try Self.sharedMemoryObjectName(sharedMemoryName)
    let path = "shm:\(sharedMemoryName)"
    guard count >= 0 else {
      throw .invalidArgument(operation: "map '\(path)'", reason: "count \(count) is negative")
    }
    let descriptor: Int32
    var canGrow = true
    do throws(Errno) {
      descriptor = try sysSharedMemoryOpen(name, writable: true, create: true)
    } catch {
      guard error == .permissionDenied, access != .write else {
        throw .system(operation: "open", path: path, errno: error.rawValue)
      }
      do throws(Errno) {
        descriptor = try sysSharedMemoryOpen(name, writable: false, create: false)
        canGrow = false
      } catch {
        throw .system(operation: "open", path: path, errno: error.rawValue)
      }
    }
    do throws(ByteBufferError) {
      let size: Int
      do throws(Errno) {
        size = try sysStatus(of: descriptor).size
      } catch {
        throw .system(operation: "stat", path: path, errno: error.rawValue)
      }
      if canGrow && size < count {
        do throws(Errno) {
          try sysTruncate(descriptor, to: count)
        } catch {
          throw .system(operation: "resize", path: path, errno: error.rawValue)
        }
      }
    } catch {
      try? sysClose(descriptor)
      throw error
    }
    // `map` owns the descriptor from here on, and closes it if it fails.
    let parts = try Self.map(
      owning: descriptor, path: path, name: path, length: count, offset: 0,
      flags: access.flags, protection: access.protection, access: access,
      source: .sharedMemory(name: name))
    self.init(parts: parts)
  }

  /// Removes the name of a POSIX shared memory object (`shm_unlink(3)`).
  ///
  /// Buffers that map the object keep working; the memory is freed when the
  /// last of them is closed. A later
  /// ``init(sharedMemoryName:count:access:)`` with the same name creates a
  /// new, empty object.
  ///
  /// - Parameter name: The name given to ``init(sharedMemoryName:count:access:)``.
  /// - Throws: `ByteBufferError.invalidArgument` for a bad name,
  ///   `.system(operation: "remove", ...)` when `shm_unlink(3)` fails
  ///   (`ENOENT` when no such object exists).
  public static func removeSharedMemory(named name: String) throws(ByteBufferError) {
    let objectName = try sharedMemoryObjectName(name)
    do throws(Errno) {
      try sysSharedMemoryUnlink(objectName)
    } catch {
      throw .system(operation: "remove", path: "shm:\(name)", errno: error.rawValue)
    }
  }

  /// `name` with a leading "/", as `shm_open(3)` wants it.
  static func sharedMemoryObjectName(_ name: String) throws(ByteBufferError) -> String {
    let bare = name.hasPrefix("/") ? String(name.dropFirst()) : name
    guard !bare.isEmpty, !bare.contains("/"), !bare.utf8.contains(0) else {
      throw .invalidArgument(
        operation: "open shared memory",
        reason: "'\(name)' is not a valid name (one path component, optionally after a '/')")
    }
    return "/" + bare
  }
}
