import ByteBuffer
import SystemPackage

extension MappedByteBuffer {
  // MARK: - Files by path

  /// Maps the file at `path` (Python: `mmap.mmap(f.fileno(), length, access=..., offset=...)`).
  ///
  /// The file is opened read-only for ``Access-swift.enum/read`` and
  /// ``Access-swift.enum/copy``, and for reading and writing for
  /// ``Access-swift.enum/write``. The buffer's first byte is the file's byte
  /// at `offset`; `offset` need not be a multiple of the page size.
  ///
  /// - Parameters:
  ///   - path: The file to map.
  ///   - access: How the mapping may be used. Defaults to read-only.
  ///   - length: How many bytes to map; `nil` or 0 maps the rest of the file
  ///     from `offset` (Python's rule). An empty file gives an empty buffer.
  ///   - offset: The offset in the file of the first mapped byte.
  /// - Throws: `ByteBufferError.system(operation: "open", ...)` when the file
  ///   cannot be opened ("cannot open 'x.log': No such file or directory"),
  ///   `.notRegularFile` for a directory, FIFO, socket or device,
  ///   `.invalidArgument` for a negative length or offset, an offset past the
  ///   end of the file, or a length that does not fit in the file (Python:
  ///   "mmap length is greater than file size" — for every access, as
  ///   CPython), and `.system(operation: "map", ...)` when `mmap(2)` fails.
  public convenience init(
    path: String, access: Access = .read, length: Int? = nil, offset: Int = 0
  ) throws(ByteBufferError) {
    let parts = try Self.mapFile(
      atPath: path, writable: access == .write, length: length, offset: offset,
      flags: access.flags, protection: access.protection, access: access)
    self.init(parts: parts)
  }

  /// Maps the file at `path` (a `FilePath`); see ``init(path:access:length:offset:)-(String,_,_,_)``.
  ///
  /// - Parameters:
  ///   - path: The file to map.
  ///   - access: How the mapping may be used. Defaults to read-only.
  ///   - length: How many bytes to map; `nil` or 0 maps the rest of the file.
  ///   - offset: The offset in the file of the first mapped byte.
  /// - Throws: The errors of ``init(path:access:length:offset:)-(String,_,_,_)``.
  public convenience init(
    path: FilePath, access: Access = .read, length: Int? = nil, offset: Int = 0
  ) throws(ByteBufferError) {
    try self.init(path: path.string, access: access, length: length, offset: offset)
  }

  /// Maps the file at `path` with raw `mmap(2)` flags and protection
  /// (Python: `mmap.mmap(fileno, length, flags, prot, offset=...)`).
  ///
  /// The file is opened for reading and writing when `protection` contains
  /// `.write` and `flags` contains `.shared`, read-only otherwise.
  ///
  /// - Parameters:
  ///   - path: The file to map.
  ///   - length: How many bytes to map; `nil` or 0 maps the rest of the file.
  ///   - offset: The offset in the file of the first mapped byte.
  ///   - flags: `mmap(2)` flags; exactly one of `.shared` and `.private`.
  ///   - protection: `mmap(2)` protection. Defaults to read and write, as Python's.
  /// - Throws: The errors of ``init(path:access:length:offset:)-(String,_,_,_)``,
  ///   and `.invalidArgument` when `flags` holds neither or both of
  ///   `.shared` and `.private`.
  public convenience init(
    path: String, length: Int? = nil, offset: Int = 0,
    flags: MappingFlags, protection: MemoryProtection = [.read, .write]
  ) throws(ByteBufferError) {
    try Self.checkSharing(flags)
    let writable = protection.contains(.write) && flags.contains(.shared)
    let parts = try Self.mapFile(
      atPath: path, writable: writable, length: length, offset: offset,
      flags: flags, protection: protection, access: nil)
    self.init(parts: parts)
  }

  // MARK: - Files by descriptor

  /// Maps the file open as `descriptor` (Python: `mmap.mmap(fileno, length, access=...)`).
  ///
  /// The buffer keeps its own duplicate of the descriptor (`fcntl(F_DUPFD_CLOEXEC)`):
  /// the caller may close `descriptor` at once; the buffer closes its copy
  /// in ``close()`` or when it is freed. For ``Access-swift.enum/write`` the
  /// descriptor must be open for reading and writing.
  ///
  /// - Parameters:
  ///   - descriptor: An open descriptor of a regular file.
  ///   - access: How the mapping may be used. Defaults to read-only.
  ///   - length: How many bytes to map; `nil` or 0 maps the rest of the file.
  ///   - offset: The offset in the file of the first mapped byte.
  ///   - path: The name to use in error messages and ``path``; `nil` makes
  ///     messages name the buffer instead.
  /// - Throws: `.system(operation: "duplicate", ...)` for a bad descriptor,
  ///   `.system(operation: "map", ...)` with `EACCES` when `access` needs
  ///   more than the descriptor allows, and the other errors of
  ///   ``init(path:access:length:offset:)-(String,_,_,_)``.
  public convenience init(
    descriptor: FileDescriptor, access: Access = .read, length: Int? = nil,
    offset: Int = 0, path: String? = nil
  ) throws(ByteBufferError) {
    let parts = try Self.mapFile(
      descriptor: descriptor.rawValue, path: path, length: length, offset: offset,
      flags: access.flags, protection: access.protection, access: access)
    self.init(parts: parts)
  }

  /// Maps the file open as the raw descriptor `descriptor`; see
  /// ``init(descriptor:access:length:offset:path:)-(FileDescriptor,_,_,_,_)``.
  ///
  /// - Parameters:
  ///   - descriptor: An open descriptor of a regular file (Python's `fileno`).
  ///   - access: How the mapping may be used. Defaults to read-only.
  ///   - length: How many bytes to map; `nil` or 0 maps the rest of the file.
  ///   - offset: The offset in the file of the first mapped byte.
  ///   - path: The name to use in error messages and ``path``.
  /// - Throws: The errors of ``init(descriptor:access:length:offset:path:)-(FileDescriptor,_,_,_,_)``.
  public convenience init(
    descriptor: Int32, access: Access = .read, length: Int? = nil,
    offset: Int = 0, path: String? = nil
  ) throws(ByteBufferError) {
    try self.init(
      descriptor: FileDescriptor(rawValue: descriptor), access: access, length: length,
      offset: offset, path: path)
  }

  /// Maps the file open as `descriptor` with raw `mmap(2)` flags and
  /// protection (Python: `mmap.mmap(fileno, length, flags, prot, offset=...)`).
  ///
  /// The buffer keeps its own duplicate of the descriptor.
  ///
  /// - Parameters:
  ///   - descriptor: An open descriptor of a regular file.
  ///   - length: How many bytes to map; `nil` or 0 maps the rest of the file.
  ///   - offset: The offset in the file of the first mapped byte.
  ///   - flags: `mmap(2)` flags; exactly one of `.shared` and `.private`.
  ///   - protection: `mmap(2)` protection. Defaults to read and write, as Python's.
  ///   - path: The name to use in error messages and ``path``.
  /// - Throws: The errors of ``init(descriptor:access:length:offset:path:)-(FileDescriptor,_,_,_,_)``,
  ///   and `.invalidArgument` when `flags` holds neither or both of
  ///   `.shared` and `.private`.
  public convenience init(
    descriptor: FileDescriptor, length: Int? = nil, offset: Int = 0,
    flags: MappingFlags, protection: MemoryProtection = [.read, .write], path: String? = nil
  ) throws(ByteBufferError) {
    try Self.checkSharing(flags)
    let parts = try Self.mapFile(
      descriptor: descriptor.rawValue, path: path, length: length, offset: offset,
      flags: flags, protection: protection, access: nil)
    self.init(parts: parts)
  }

  // MARK: - Anonymous memory

  /// Maps `anonymousCount` bytes of zeroed memory that no file backs
  /// (Python: `mmap.mmap(-1, n)`).
  ///
  /// With `.shared` (the default, as Python's) the memory is shared with
  /// child processes made by `fork`; with `.private` it is not. The buffer
  /// can be resized (on Linux with `mremap(2)`); ``size()`` equals ``count``.
  /// A count of 0 gives an empty buffer (Python refuses it).
  ///
  /// - Parameters:
  ///   - anonymousCount: The number of bytes.
  ///   - flags: `mmap(2)` flags; exactly one of `.shared` and `.private`.
  ///     `MAP_ANONYMOUS` is added.
  ///   - protection: `mmap(2)` protection. Defaults to read and write.
  /// - Throws: `.invalidArgument` for a negative count or bad flags,
  ///   `.system(operation: "map", ...)` when `mmap(2)` fails (for example
  ///   `ENOMEM`).
  public convenience init(
    anonymousCount: Int, flags: MappingFlags = .shared,
    protection: MemoryProtection = [.read, .write]
  ) throws(ByteBufferError) {
    try Self.checkSharing(flags)
    guard anonymousCount >= 0 else {
      throw .invalidArgument(operation: "map", reason: "count \(anonymousCount) is negative")
    }
    var mapping: UnsafeMutableRawPointer?
    if anonymousCount > 0 {
      do throws(Errno) {
        mapping = try sysMap(
          length: anonymousCount, protection: protection.rawValue, flags: flags.rawValue,
          descriptor: -1, offset: 0)
      } catch {
        throw .system(operation: "map", path: nil, errno: error.rawValue)
      }
    }
    self.init(
      parts: Parts(
        mapping: mapping, count: anonymousCount, descriptor: -1, path: nil,
        access: nil, flags: flags, protection: protection, offset: 0, source: .anonymous))
  }

  // MARK: - Shared steps

  /// Throws unless `flags` holds exactly one of `.shared` and `.private`.
  static func checkSharing(_ flags: MappingFlags) throws(ByteBufferError) {
    guard flags.contains(.shared) != flags.contains(.private) else {
      throw .invalidArgument(
        operation: "map", reason: "the flags must contain exactly one of .shared and .private")
    }
  }

  /// Opens `path` and maps it.
  static func mapFile(
    atPath path: String, writable: Bool, length: Int?, offset: Int,
    flags: MappingFlags, protection: MemoryProtection, access: Access?
  ) throws(ByteBufferError) -> Parts {
    try checkArguments(length: length, offset: offset)
    let descriptor: Int32
    do throws(Errno) {
      descriptor = try sysOpen(path, writable: writable)
    } catch {
      // A directory opened for writing, or a socket: say what it is.
      if error == .isDirectory || error == .noSuchAddressOrDevice,
        let status = try? sysStatus(atPath: path), status.kind != .regular
      {
        throw .notRegularFile(path: path, kind: status.kind.phrase)
      }
      throw .system(operation: "open", path: path, errno: error.rawValue)
    }
    return try map(
      owning: descriptor, path: path, name: path, length: length, offset: offset,
      flags: flags, protection: protection, access: access, source: .file)
  }

  /// Duplicates `descriptor` and maps the file it refers to.
  static func mapFile(
    descriptor: Int32, path: String?, length: Int?, offset: Int,
    flags: MappingFlags, protection: MemoryProtection, access: Access?
  ) throws(ByteBufferError) -> Parts {
    try checkArguments(length: length, offset: offset)
    let own: Int32
    do throws(Errno) {
      own = try sysDuplicate(descriptor)
    } catch {
      throw .system(operation: "duplicate", path: path, errno: error.rawValue)
    }
    return try map(
      owning: own, path: path, name: path ?? "descriptor \(descriptor)", length: length,
      offset: offset, flags: flags, protection: protection, access: access, source: .file)
  }

  /// Throws for a negative length or offset (Python: OverflowError).
  static func checkArguments(length: Int?, offset: Int) throws(ByteBufferError) {
    if let length, length < 0 {
      throw .invalidArgument(operation: "map", reason: "length \(length) is negative")
    }
    guard offset >= 0 else {
      throw .invalidArgument(operation: "map", reason: "offset \(offset) is negative")
    }
  }

  /// Maps the regular file open as `descriptor`, which the result owns; on
  /// failure `descriptor` is closed.
  ///
  /// `name` is what error messages call the file (`path`, or the descriptor).
  static func map(
    owning descriptor: Int32, path: String?, name: String, length: Int?, offset: Int,
    flags: MappingFlags, protection: MemoryProtection, access: Access?, source: Source
  ) throws(ByteBufferError) -> Parts {
    do throws(ByteBufferError) {
      let status: SysFileStatus
      do throws(Errno) {
        status = try sysStatus(of: descriptor)
      } catch {
        throw .system(operation: "stat", path: path, errno: error.rawValue)
      }
      guard status.kind == .regular else {
        throw .notRegularFile(path: name, kind: status.kind.phrase)
      }
      let count = try mappedCount(
        fileSize: status.size, length: length, offset: offset, name: name)
      let mapping = try makeMapping(
        descriptor: descriptor, count: count, offset: offset,
        flags: flags, protection: protection, path: path)
      return Parts(
        mapping: mapping, count: count, descriptor: descriptor, path: path, access: access,
        flags: flags, protection: protection, offset: offset, source: source)
    } catch {
      try? sysClose(descriptor)
      throw error
    }
  }

  /// The number of bytes to map, by Python's rules, or an error naming the file.
  static func mappedCount(
    fileSize: Int, length: Int?, offset: Int, name: String
  ) throws(ByteBufferError) -> Int {
    let bytes = "byte\(fileSize == 1 ? "" : "s")"
    guard let length, length != 0 else {
      // The whole rest of the file. An empty file maps as an empty buffer.
      if fileSize == 0 && offset == 0 { return 0 }
      guard offset < fileSize else {
        throw .invalidArgument(
          operation: "map '\(name)'",
          reason: "offset \(offset) is not before the end of the file (\(fileSize) \(bytes))")
      }
      return fileSize - offset
    }
    guard offset <= fileSize, fileSize - offset >= length else {
      throw .invalidArgument(
        operation: "map '\(name)'",
        reason: "\(length) byte\(length == 1 ? "" : "s") at offset \(offset) "
          + "go past the end of the file (\(fileSize) \(bytes))")
    }
    return length
  }

  /// Maps `count` bytes from `offset` (aligned down to a page here), or
  /// returns `nil` when `count` is 0.
  static func makeMapping(
    descriptor: Int32, count: Int, offset: Int,
    flags: MappingFlags, protection: MemoryProtection, path: String?
  ) throws(ByteBufferError) -> UnsafeMutableRawPointer? {
    guard count > 0 else { return nil }
    let delta = offset % sysPageSize
    do throws(Errno) {
      return try sysMap(
        length: delta + count, protection: protection.rawValue, flags: flags.rawValue,
        descriptor: descriptor, offset: offset - delta)
    } catch {
      throw .system(operation: "map", path: path, errno: error.rawValue)
    }
  }
}
