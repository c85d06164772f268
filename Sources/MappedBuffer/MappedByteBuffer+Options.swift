extension MappedByteBuffer {
  /// The size of a memory page in bytes, read once from the system
  /// (`sysconf(_SC_PAGESIZE)`; Python: `mmap.PAGESIZE`, and on Unix also
  /// `mmap.ALLOCATIONGRANULARITY`).
  ///
  /// Mappings start at a multiple of it; ``flush(_:mode:)`` and
  /// ``advise(_:range:)`` round their ranges to it. Offsets given to the
  /// initializers need not be multiples of it.
  public static var pageSize: Int { sysPageSize }

  /// How a mapping may be used, like the `access` argument of Python's `mmap`.
  public enum Access: Sendable, Hashable, CaseIterable {
    /// Read only (`PROT_READ`, `MAP_SHARED`; Python `ACCESS_READ`).
    ///
    /// Writes throw `ByteBufferError.readOnly`; they never raise a signal.
    case read

    /// Read and write; writes reach the file and every other mapping of it
    /// (`PROT_READ | PROT_WRITE`, `MAP_SHARED`; Python `ACCESS_WRITE`).
    ///
    /// The file must be open for reading and writing.
    case write

    /// Read and write a private copy-on-write view: writes change this
    /// buffer's memory only and never reach the file
    /// (`PROT_READ | PROT_WRITE`, `MAP_PRIVATE`; Python `ACCESS_COPY`).
    ///
    /// Such a buffer cannot be resized.
    case copy

    /// The memory protection this access maps with.
    public var protection: MemoryProtection {
      switch self {
      case .read: return .read
      case .write, .copy: return [.read, .write]
      }
    }

    /// The mapping flags this access maps with.
    public var flags: MappingFlags {
      switch self {
      case .read, .write: return .shared
      case .copy: return .private
      }
    }
  }

  /// Raw `mmap(2)` flags, for callers who want Python's
  /// `mmap(fileno, length, flags, prot)` form.
  ///
  /// Exactly one of `.shared` and `.private` must be present.
  public struct MappingFlags: OptionSet, Sendable, Hashable {
    /// The C flag bits.
    public let rawValue: Int32

    /// Creates flags from C flag bits.
    ///
    /// - Parameter rawValue: A combination of `MAP_*` constants.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Changes are shared with every other mapping of the same bytes and
    /// written back to the file (`MAP_SHARED`).
    public static let shared = MappingFlags(rawValue: SysConstant.mapShared)

    /// Changes are private to this mapping, copy-on-write (`MAP_PRIVATE`).
    public static let `private` = MappingFlags(rawValue: SysConstant.mapPrivate)

    /// Read the whole mapping into memory when it is made (`MAP_POPULATE`,
    /// Linux only; an empty set elsewhere, where `prefault()` does the work).
    public static let populate = MappingFlags(rawValue: SysConstant.mapPopulate)

    /// Reserve no swap space for the mapping (`MAP_NORESERVE`).
    public static let noReserve = MappingFlags(rawValue: SysConstant.mapNoReserve)
  }

  /// Raw `mmap(2)` memory protection (Python's `prot` argument).
  public struct MemoryProtection: OptionSet, Sendable, Hashable {
    /// The C protection bits.
    public let rawValue: Int32

    /// Creates a protection from C bits.
    ///
    /// - Parameter rawValue: A combination of `PROT_*` constants.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The bytes may be read (`PROT_READ`).
    public static let read = MemoryProtection(rawValue: SysConstant.protectionRead)

    /// The bytes may be written (`PROT_WRITE`).
    public static let write = MemoryProtection(rawValue: SysConstant.protectionWrite)

    /// The bytes may be executed (`PROT_EXEC`).
    public static let execute = MemoryProtection(rawValue: SysConstant.protectionExecute)
  }
}
