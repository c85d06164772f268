// The only file of MappedBuffer that talks to the C library.
//
// Every wrapper here is thin: it calls one system function, retries EINTR
// where the call can be interrupted (through `sysRetrying`), and reports a
// failure as the `Errno` it produced. Callers above turn that `Errno` into a
// `ByteBufferError` that names the operation and the file. Page alignment and
// the platform differences (`#if os(Linux)`) live here and nowhere else.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#else
#error("MappedBuffer: unsupported C library")
#endif
import SystemPackage

// MARK: - Constants

/// The size of a virtual memory page, read once (`sysconf(_SC_PAGESIZE)`).
///
/// A global `let` is initialized lazily and exactly once, thread-safely.
let sysPageSize: Int = {
  let size = sysconf(Int32(_SC_PAGESIZE))
  return size > 0 ? Int(size) : 4096
}()

/// C constants the option types above this layer are built from.
enum SysConstant {
  static let protectionRead = PROT_READ
  static let protectionWrite = PROT_WRITE
  static let protectionExecute = PROT_EXEC
  static let mapShared = MAP_SHARED
  static let mapPrivate = MAP_PRIVATE
  static let mapNoReserve = MAP_NORESERVE
#if os(Linux)
  static let mapPopulate = MAP_POPULATE
#else
  /// No such flag here: populating is done by `prefault()` instead.
  static let mapPopulate: Int32 = 0
#endif
  static let adviceNormal = MADV_NORMAL
  static let adviceRandom = MADV_RANDOM
  static let adviceSequential = MADV_SEQUENTIAL
  static let adviceWillNeed = MADV_WILLNEED
  static let adviceDontNeed = MADV_DONTNEED
#if os(Linux)
  static let adviceRemove: Int32? = MADV_REMOVE
#else
  static let adviceRemove: Int32? = nil
#endif
}

// MARK: - Errors and EINTR

/// The current `errno` as an `Errno`.
@inline(__always)
private func sysLastError() -> Errno {
  Errno(rawValue: errno)
}

/// Calls `call` until it does not fail with `EINTR`.
///
/// - Returns: The call's result when it is not `-1`.
/// - Throws: The `errno` of a failure other than `EINTR`.
@inline(__always)
func sysRetrying<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
  while true {
    let result = call()
    if result != -1 { return result }
    let error = sysLastError()
    if error != .interrupted { throw error }
  }
}

// MARK: - Files

/// What kind of file a descriptor or path refers to.
enum SysFileKind: Sendable {
  case regular, directory, fifo, socket, characterDevice, blockDevice, symbolicLink, other

  /// The kind in words, for `ByteBufferError.notRegularFile`.
  var phrase: String {
    switch self {
    case .regular: return "a regular file"
    case .directory: return "a directory"
    case .fifo: return "a FIFO"
    case .socket: return "a socket"
    case .characterDevice: return "a character device"
    case .blockDevice: return "a block device"
    case .symbolicLink: return "a symbolic link"
    case .other: return "an unknown kind of file"
    }
  }
}

/// The size and kind of a file.
struct SysFileStatus: Sendable {
  var size: Int
  var kind: SysFileKind
}

private func sysKind(_ mode: mode_t) -> SysFileKind {
  switch mode & S_IFMT {
  case S_IFREG: return .regular
  case S_IFDIR: return .directory
  case S_IFIFO: return .fifo
  case S_IFSOCK: return .socket
  case S_IFCHR: return .characterDevice
  case S_IFBLK: return .blockDevice
  case S_IFLNK: return .symbolicLink
  default: return .other
  }
}

/// Opens `path` for mapping (`open(2)` with `O_CLOEXEC | O_NONBLOCK`).
///
/// `O_NONBLOCK` keeps opening a FIFO from blocking until a writer appears (the
/// caller rejects it right after, by `fstat`); it changes nothing for the
/// regular files that are then mapped.
func sysOpen(_ path: String, writable: Bool) throws(Errno) -> Int32 {
  let flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK
  return try sysRetrying { open(path, flags) }
}

/// Opens or creates the POSIX shared memory object `name` (`shm_open(3)`),
/// mode 0600 when created.
func sysSharedMemoryOpen(_ name: String, writable: Bool, create: Bool) throws(Errno) -> Int32 {
  var flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC
  if create { flags |= O_CREAT }
  return try sysRetrying { shm_open(name, flags, 0o600) }
}

/// Removes the name of a POSIX shared memory object (`shm_unlink(3)`).
func sysSharedMemoryUnlink(_ name: String) throws(Errno) {
  _ = try sysRetrying { shm_unlink(name) }
}

/// A new descriptor for the same open file, close-on-exec (`fcntl(F_DUPFD_CLOEXEC)`).
func sysDuplicate(_ descriptor: Int32) throws(Errno) -> Int32 {
  try sysRetrying { fcntl(descriptor, F_DUPFD_CLOEXEC, Int32(0)) }
}

/// Closes a descriptor (`close(2)`), not retried on `EINTR`: on Linux the
/// descriptor is released even then, and retrying could close another one.
func sysClose(_ descriptor: Int32) throws(Errno) {
  if close(descriptor) == -1 {
    let error = sysLastError()
    if error != .interrupted { throw error }
  }
}

/// The size and kind of an open file (`fstat(2)`).
func sysStatus(of descriptor: Int32) throws(Errno) -> SysFileStatus {
  var info = stat()
  _ = try sysRetrying { fstat(descriptor, &info) }
  return SysFileStatus(size: Int(info.st_size), kind: sysKind(info.st_mode))
}

/// The size and kind of the file at `path`, following symbolic links (`stat(2)`).
func sysStatus(atPath path: String) throws(Errno) -> SysFileStatus {
  var info = stat()
  _ = try sysRetrying { stat(path, &info) }
  return SysFileStatus(size: Int(info.st_size), kind: sysKind(info.st_mode))
}

/// Sets the size of an open file (`ftruncate(2)`).
func sysTruncate(_ descriptor: Int32, to size: Int) throws(Errno) {
  _ = try sysRetrying { ftruncate(descriptor, off_t(size)) }
}

// MARK: - Mappings

/// Whether `address` is `MAP_FAILED`, the `(void *)-1` that `mmap(2)` and
/// `mremap(2)` return on failure.
@inline(__always)
private func sysIsMapFailure(_ address: UnsafeMutableRawPointer?) -> Bool {
  address == nil || Int(bitPattern: address) == -1
}

/// Maps `length` bytes of `descriptor` from `offset` (`mmap(2)`); `descriptor`
/// -1 makes an anonymous mapping.
///
/// - Precondition: `length > 0` and `offset` is a multiple of `sysPageSize`.
func sysMap(
  length: Int, protection: Int32, flags: Int32, descriptor: Int32, offset: Int
) throws(Errno) -> UnsafeMutableRawPointer {
  precondition(length > 0 && offset % sysPageSize == 0, "mapping \(length) bytes at \(offset)")
  var allFlags = flags
  if descriptor == -1 { allFlags |= MAP_ANONYMOUS }
  let base = mmap(nil, length, protection, allFlags, descriptor, off_t(offset))
  guard !sysIsMapFailure(base), let base else { throw sysLastError() }
  return base
}

/// Removes a mapping (`munmap(2)`).
func sysUnmap(_ base: UnsafeMutableRawPointer, length: Int) throws(Errno) {
  if munmap(base, length) == -1 { throw sysLastError() }
}

#if os(Linux)
/// `MREMAP_MAYMOVE` from <linux/mman.h> (1 on every Linux architecture).
/// Glibc declares `mremap` only under `_GNU_SOURCE`, which Swift's Glibc
/// module is not built with, so neither the function nor the constant is
/// visible from Swift.
private let sysRemapMayMove: Int32 = 1

/// The C signature of `mremap(2)` without its trailing variadic `new_address`,
/// which is read only with `MREMAP_FIXED`, never passed here.
private typealias SysRemapFunction = @convention(c) (
  UnsafeMutableRawPointer?, Int, Int, Int32
) -> UnsafeMutableRawPointer?

/// Glibc's `mremap`, looked up once with `dlsym(RTLD_DEFAULT, "mremap")`.
///
/// Calling it through a non-variadic pointer is sound on Linux's C calling
/// conventions when no variadic argument is passed (x86-64 and AArch64 pass
/// the named arguments in the same registers either way).
private let sysLinuxRemap: SysRemapFunction = {
  // RTLD_DEFAULT is a null handle in glibc.
  guard let symbol = dlsym(nil, "mremap") else {
    fatalError("MappedBuffer: the C library has no mremap")
  }
  return unsafeBitCast(symbol, to: SysRemapFunction.self)
}()
#endif

/// Changes the length of a mapping from `oldLength` to `newLength`, keeping
/// its bytes, and returns its (possibly new) address.
///
/// On Linux this is `mremap(2)` with `MREMAP_MAYMOVE`. Elsewhere — and on
/// Linux when `mremap` fails with `EFAULT` because the range is no longer one
/// kernel mapping (advice or a lock on part of it split it, and `mremap`
/// cannot resize across the pieces) — a file mapping is mapped again over
/// the (already resized) file and the old one removed; an anonymous or
/// private mapping is copied into a new one. The new mapping carries no
/// advice and no lock.
///
/// - Precondition: both lengths are positive.
func sysRemap(
  _ base: UnsafeMutableRawPointer, oldLength: Int, newLength: Int,
  protection: Int32, flags: Int32, descriptor: Int32, offset: Int
) throws(Errno) -> UnsafeMutableRawPointer {
  precondition(oldLength > 0 && newLength > 0, "remapping \(oldLength) to \(newLength) bytes")
#if os(Linux)
  let moved = sysLinuxRemap(base, oldLength, newLength, sysRemapMayMove)
  if !sysIsMapFailure(moved), let moved { return moved }
  // Not our bug here: EFAULT is how mremap refuses a range split into
  // several kernel mappings (found by scripts/python-mmap-diff.py).
  let error = sysLastError()
  guard error == .badAddress else { throw error }
#endif
  let fresh = try sysMap(
    length: newLength, protection: protection | PROT_READ, flags: flags,
    descriptor: descriptor, offset: offset)
  if descriptor == -1 || flags & MAP_PRIVATE != 0 {
    // Safe because both regions are mapped for at least min(old, new) bytes.
    fresh.copyMemory(from: base, byteCount: min(oldLength, newLength))
  }
  _ = munmap(base, oldLength)
  return fresh
}

/// Writes the changed pages of `[address, address + length)` back to the
/// file (`msync(2)` with `MS_SYNC`, or `MS_ASYNC` when `wait` is false).
///
/// - Precondition: `address` is page-aligned.
func sysSync(_ address: UnsafeMutableRawPointer, length: Int, wait: Bool) throws(Errno) {
  _ = try sysRetrying { msync(address, length, wait ? MS_SYNC : MS_ASYNC) }
}

/// Gives advice about `[address, address + length)` (`madvise(2)`).
///
/// - Precondition: `address` is page-aligned.
func sysAdvise(_ address: UnsafeMutableRawPointer, length: Int, advice: Int32) throws(Errno) {
  _ = try sysRetrying { madvise(address, length, advice) }
}

/// Locks the pages of `[address, address + length)` in RAM (`mlock(2)`).
func sysLock(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
  _ = try sysRetrying { mlock(address, length) }
}

/// Unlocks the pages of `[address, address + length)` (`munlock(2)`).
func sysUnlock(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
  _ = try sysRetrying { munlock(address, length) }
}
