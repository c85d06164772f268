// The C library calls mmgrep makes directly: write(2), stat(2), readdir(3),
// isatty(3), clock_gettime(2), exit(3), signals for --follow, and the
// --timeout backstop. Every other file is plain Swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#else
#error("mmgrep: unsupported C library")
#endif
import Dispatch
import Synchronization

/// Thin wrappers over the C library, so the rest of mmgrep never imports it.
enum Platform {
  /// What `stat(2)` says about a path.
  struct FileStatus {
    enum Kind { case regular, directory, symbolicLink, fifo, other }
    var kind: Kind
    var size: Int
    var device: UInt64
    var inode: UInt64
  }

  /// Writes all of `bytes` to `fd`, retrying after `EINTR` and short writes.
  ///
  /// - Returns: `0` on success, else the `errno` of the failed `write(2)`.
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    guard var base = bytes.baseAddress else { return 0 }
    var left = bytes.count
    while left > 0 {
      let written = write(fd, base, left)
      if written < 0 {
        if errno == EINTR { continue }
        return errno
      }
      // Safe because `written <= left`.
      base += written
      left -= written
    }
    return 0
  }

  /// `stat(2)` (or `lstat(2)` when `followLinks` is false).
  ///
  /// - Returns: the status, or the `errno` of the failure.
  static func status(_ path: String, followLinks: Bool) -> Result<FileStatus, SystemError> {
    var st = stat()
    let rc = followLinks ? stat(path, &st) : lstat(path, &st)
    if rc != 0 { return .failure(SystemError(code: errno)) }
    let kind: FileStatus.Kind
    switch st.st_mode & S_IFMT {
    case S_IFREG: kind = .regular
    case S_IFDIR: kind = .directory
    case S_IFLNK: kind = .symbolicLink
    case S_IFIFO: kind = .fifo
    default: kind = .other
    }
    return .success(
      FileStatus(kind: kind, size: Int(st.st_size), device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
  }

  /// The status of an open descriptor (`fstat(2)`), or `nil` when it fails.
  static func status(descriptor fd: Int32) -> FileStatus? {
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    let kind: FileStatus.Kind
    switch st.st_mode & S_IFMT {
    case S_IFREG: kind = .regular
    case S_IFDIR: kind = .directory
    case S_IFIFO: kind = .fifo
    default: kind = .other
    }
    return FileStatus(kind: kind, size: Int(st.st_size), device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
  }

  /// The names in a directory, in `readdir(3)` order, without `.` and `..`.
  static func directoryEntries(_ path: String) -> Result<[String], SystemError> {
    guard let dir = opendir(path) else { return .failure(SystemError(code: errno)) }
    defer { closedir(dir) }
    var names: [String] = []
    while true {
      errno = 0
      guard let entry = readdir(dir) else {
        if errno != 0 { return .failure(SystemError(code: errno)) }
        break
      }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      names.append(name)
    }
    return .success(names)
  }

  /// The holes of a sparse file of `size` bytes, found with `lseek(2)`
  /// `SEEK_HOLE`/`SEEK_DATA` (at most `limit`, each at least `minimum` bytes
  /// long); empty when the file has none or the file system cannot tell.
  static func holes(_ path: String, size: Int, minimum: Int, limit: Int) -> [Range<Int>] {
    // Linux's SEEK_DATA and SEEK_HOLE (Glibc exports them only with _GNU_SOURCE).
    let seekData: Int32 = 3
    let seekHole: Int32 = 4
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var holes: [Range<Int>] = []
    var offset = 0
    while offset < size && holes.count < limit {
      let start = Int(lseek(fd, off_t(offset), seekHole))
      guard start >= offset, start < size else { break }
      let next = Int(lseek(fd, off_t(start), seekData))
      let end = next < 0 ? size : Swift.min(next, size)
      guard end > start else { break }
      if end - start >= minimum { holes.append(start..<end) }
      offset = end
    }
    return holes
  }

  /// Whether `name` matches the shell wildcard `pattern` (`fnmatch(3)`
  /// without flags: `*` also matches `/`, as grep's --include/--exclude do).
  static func wildcardMatches(_ pattern: String, _ name: String) -> Bool {
    fnmatch(pattern, name, 0) == 0
  }

  /// Whether `fd` is a terminal (`isatty(3)`).
  static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

  /// The number of online processors (at least 1).
  static var processorCount: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }

  /// The value of an environment variable.
  static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }

  /// Seconds on a monotonic clock.
  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// The process's peak resident memory and its anonymous resident memory
  /// now, in KiB (`VmHWM` and `RssAnon` of /proc/self/status), where the
  /// system reports them.
  static func memoryUsage() -> (peak: Int, anonymous: Int)? {
    let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 4096)
    let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n > 0 else { return nil }
    let text = String(decoding: bytes[0..<n], as: UTF8.self)
    func kib(_ key: String) -> Int? {
      guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
      return Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
    guard let peak = kib("VmHWM"), let anonymous = kib("RssAnon") else { return nil }
    return (peak, anonymous)
  }

  /// Ends the process with `status`.
  static func exit(_ status: Int32) -> Never {
    claimExit()
    Glibc.exit(status)
  }

  /// Restores the default `SIGPIPE` action, so `mmgrep ... | head` ends
  /// quietly as grep does.
  static func defaultBrokenPipeSignal() { signal(SIGPIPE, SIG_DFL) }

  /// `EPIPE`.
  static var brokenPipe: Int32 { EPIPE }

  /// `ENOENT`.
  static var noSuchFile: Int32 { ENOENT }
}

/// An `errno` value with its `strerror(3)` text.
struct SystemError: Error {
  var code: Int32
  var message: String { String(cString: strerror(code)) }
  static var isDirectory: SystemError { SystemError(code: EISDIR) }
  static func from(_ code: Int32) -> SystemError { SystemError(code: code) }
}

// MARK: - Termination signals (--follow, --state-file)

extension Platform {
  /// SIGINT, SIGTERM and SIGHUP: the signals that end `--follow` cleanly.
  private static func terminationSet() -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGHUP)
    return set
  }

  /// Blocks SIGINT, SIGTERM and SIGHUP for the calling thread (and the
  /// threads it creates later): they stay pending until
  /// `waitForTerminationSignal` takes them, so mmgrep ends between batches,
  /// with its output flushed and its state saved, instead of wherever the
  /// signal lands.
  static func blockTerminationSignals() {
    var set = terminationSet()
    pthread_sigmask(SIG_BLOCK, &set, nil)
  }

  /// Waits up to `timeout` for a blocked termination signal (`sigtimedwait(2)`);
  /// `.zero` only checks for a pending one.
  ///
  /// - Returns: The signal number, or `nil` when the time ran out.
  static func waitForTerminationSignal(_ timeout: Duration) -> Int32? {
    var set = terminationSet()
    let (seconds, attoseconds) = timeout.components
    var limit = timespec(tv_sec: Int(max(seconds, 0)), tv_nsec: Int(max(attoseconds, 0) / 1_000_000_000))
    while true {
      let signal = sigtimedwait(&set, nil, &limit)
      if signal > 0 { return signal }
      if errno == EINTR { continue }
      return nil
    }
  }
}

// MARK: - The --timeout backstop

/// Who ends the process: 0 nobody yet, 1 the main thread (its exit), 2 the
/// --timeout backstop. Set once, so only one of them writes a last message.
private let exitClaimed = Atomic<Int>(0)

extension Platform {
  /// Called before the main thread writes its last message and exits: the
  /// --timeout backstop then stays quiet. If the backstop fired first, it is
  /// ending the process; wait for that rather than write a second message.
  static func claimExit() {
    let (_, owner) = exitClaimed.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing)
    if owner == 2 {
      while true { pause() }
    }
  }

  /// Writes `message` to standard error and ends the process with `status`
  /// (`_exit(2)`: no flushing, no handlers) after `delay`, from a Dispatch
  /// timer on another thread — whatever the main thread is doing then.
  static func exitAfter(_ delay: Duration, status: Int32, message: String) {
    let (seconds, attoseconds) = delay.components
    let nanoseconds = seconds > Int64(Int.max / 1_000_000_000 - 1) ? Int.max : Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
      // The main thread may be exiting already (slowly: a sanitizer's exit, a
      // loaded machine): then it has written its own last message.
      guard exitClaimed.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged
      else { return }
      var text = message
      text.withUTF8 { _ = writeAll(2, UnsafeRawBufferPointer($0)) }
      _exit(status)
    }
  }
}
