// The only file of LogFollow that talks to the C library.
//
// Thin wrappers: each calls one system function, retries EINTR where the call
// can be interrupted, and reports a failure as the errno it produced. The
// follower above turns that into a `FollowError` naming the operation and the
// path. Mapping the file is MappedBuffer's job, not this file's.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#else
#error("LogFollow: unsupported C library")
#endif

/// A failed system call: its `errno`.
struct SysError: Error, Equatable {
  var code: Int32

  /// `strerror(3)` for `code`.
  var message: String { sysErrorMessage(code) }

  /// Whether the path does not exist (`ENOENT`, or `ENOTDIR` for a missing directory in it).
  var isMissing: Bool { code == ENOENT || code == ENOTDIR }

  /// The error that stands for a path naming something other than a regular
  /// file: `EISDIR` for a directory, `EINVAL` for a FIFO, socket or device.
  static func notRegularFile(isDirectory: Bool) -> SysError { SysError(code: isDirectory ? EISDIR : EINVAL) }
}

/// The text of an `errno` value (`strerror(3)`).
func sysErrorMessage(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}

/// What `fstat(2)`/`stat(2)` says about a file.
struct SysStatus: Equatable {
  var size: Int
  var device: UInt64
  var inode: UInt64
  var isRegular: Bool
  var isDirectory: Bool
}

private func sysMakeStatus(_ info: stat) -> SysStatus {
  SysStatus(
    size: Int(info.st_size), device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
    isRegular: info.st_mode & S_IFMT == S_IFREG, isDirectory: info.st_mode & S_IFMT == S_IFDIR)
}

/// Calls `call` until it does not fail with `EINTR`.
private func sysRetrying(_ call: () -> Int32) throws(SysError) -> Int32 {
  while true {
    let result = call()
    if result != -1 { return result }
    if errno != EINTR { throw SysError(code: errno) }
  }
}

/// Opens `path` for reading (`open(2)` with `O_RDONLY | O_CLOEXEC | O_NONBLOCK`;
/// `O_NONBLOCK` keeps a FIFO from blocking the open, the caller rejects it by `fstat`).
func sysOpenForReading(_ path: String) throws(SysError) -> Int32 {
  try sysRetrying { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
}

/// Closes a descriptor (`close(2)`), not retried on `EINTR` (Linux releases it anyway).
func sysClose(_ descriptor: Int32) {
  _ = close(descriptor)
}

/// The status of an open file (`fstat(2)`).
func sysStatus(of descriptor: Int32) throws(SysError) -> SysStatus {
  var info = stat()
  _ = try sysRetrying { fstat(descriptor, &info) }
  return sysMakeStatus(info)
}

/// The status of the file `path` names, following symbolic links (`stat(2)`),
/// as `tail -F` does: a link to the log is followed to the log.
func sysStatus(atPath path: String) throws(SysError) -> SysStatus {
  var info = stat()
  _ = try sysRetrying { stat(path, &info) }
  return sysMakeStatus(info)
}

/// Writes `bytes` to `path` atomically: into a new temporary file next to it
/// (`PATH.tmp-PID`, mode 0644 before the umask), then `rename(2)` over `path`.
/// A reader sees the old content or the new, never a mix; after a crash the
/// temporary file may be left behind. No `fsync`: atomic, not durable across a
/// power loss.
func sysWriteAtomically(_ bytes: [UInt8], to path: String) throws(SysError) {
  let temporary = "\(path).tmp-\(getpid())"
  let fd = try sysRetrying { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
  var failure: SysError?
  bytes.withUnsafeBytes { raw in
    guard var base = raw.baseAddress else { return }
    var left = raw.count
    while left > 0 {
      let written = write(fd, base, left)
      if written < 0 {
        if errno == EINTR { continue }
        failure = SysError(code: errno)
        return
      }
      // Safe because `written <= left`.
      base += written
      left -= written
    }
  }
  if close(fd) != 0 && failure == nil && errno != EINTR { failure = SysError(code: errno) }
  if failure == nil && rename(temporary, path) != 0 { failure = SysError(code: errno) }
  if let failure {
    _ = unlink(temporary)
    throw failure
  }
}

/// Reads up to `count` bytes at `offset` (`pread(2)`, retried after `EINTR`
/// and short reads); fewer at the end of the file.
func sysRead(_ descriptor: Int32, count: Int, at offset: Int) throws(SysError) -> [UInt8] {
  var failure: SysError? = nil
  let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
    initialized = 0
    while initialized < count {
      // Safe because `initialized < count` bytes of capacity remain.
      let n = pread(descriptor, buffer.baseAddress! + initialized, count - initialized, off_t(offset + initialized))
      if n < 0 {
        if errno == EINTR { continue }
        failure = SysError(code: errno)
        return
      }
      if n == 0 { return }
      initialized += n
    }
  }
  if let failure { throw failure }
  return bytes
}
