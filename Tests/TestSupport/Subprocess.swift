#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// glibc has them (addchdir_np since 2.29); Swift's Glibc module does not export them.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnActionsAddChdir(
  _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>
) -> Int32
@_silgen_name("pipe2")
private func makePipe(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

/// A child process started with posix_spawn(3) and reaped with waitpid(2).
///
/// The tests run children from many threads at once; Foundation's `Process`
/// reaps them through a SIGCHLD dispatch source and, under that load, can miss
/// an exit and leave `waitUntilExit()` waiting forever beside a zombie. Here
/// each child is waited for by its own pid, so that cannot happen.
public final class Subprocess: @unchecked Sendable {
  // @unchecked Sendable: `pid` and the descriptors are set once; `status` is
  // written by `wait()`, which one thread calls.

  /// Where one of the child's standard streams goes.
  public enum Stream: Sendable {
    /// `/dev/null`.
    case null
    /// A pipe; the parent's end is in `standardInput`/`standardOutput`/`standardError`.
    case pipe
    /// A file, opened for reading (standard input) or created and truncated (output).
    case file(String)
  }

  /// How a child ended.
  public enum Termination: Equatable, Sendable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it.
    case signalled(Int32)

    /// The exit status, or 128 + the signal (as a shell reports it).
    public var status: Int32 {
      switch self {
      case .exited(let code): code
      case .signalled(let signal): 128 + signal
      }
    }
  }

  /// The child's process ID.
  public let pid: pid_t
  /// The parent's (write) end of the child's standard input, with `.pipe`.
  public private(set) var standardInput: Int32?
  /// The parent's (read) end of the child's standard output, with `.pipe`.
  public private(set) var standardOutput: Int32?
  /// The parent's (read) end of the child's standard error, with `.pipe`.
  public private(set) var standardError: Int32?
  private var termination: Termination?

  /// Starts `executable` (a path) with `arguments`.
  ///
  /// - Parameters:
  ///   - executable: The program's path.
  ///   - arguments: Its arguments (without the program name).
  ///   - directory: Its working directory (`nil`: this process's).
  ///   - environment: Its whole environment (`nil`: this process's).
  ///   - input, output, error: Where its standard streams go.
  /// - Throws: `TestSupportError` when a pipe, a file or the spawn fails.
  public init(
    _ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil,
    input: Stream = .null, output: Stream = .null, error: Stream = .null
  ) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var childEnds: [Int32] = []
    var parentEnds: [Int32?] = [nil, nil, nil]
    defer { for fd in childEnds { close(fd) } }
    for (target, stream) in [(Int32(0), input), (1, output), (2, error)] {
      switch stream {
      case .null:
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      case .file(let path):
        let flags = target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC
        posix_spawn_file_actions_addopen(&actions, target, path, flags, 0o644)
      case .pipe:
        var fds: [Int32] = [-1, -1]
        guard makePipe(&fds, O_CLOEXEC) == 0 else {
          for case let fd? in parentEnds { close(fd) }
          throw TestSupportError(description: "pipe2 failed: errno \(errno)")
        }
        let (childEnd, parentEnd) = target == 0 ? (fds[0], fds[1]) : (fds[1], fds[0])
        childEnds.append(childEnd)
        parentEnds[Int(target)] = parentEnd
        posix_spawn_file_actions_adddup2(&actions, childEnd, target)
      }
    }
    if let directory { _ = spawnActionsAddChdir(&actions, directory) }
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var envp: [UnsafeMutablePointer<CChar>?] = []
    if let environment {
      envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    }
    defer { for pointer in envp { free(pointer) } }
    var child: pid_t = 0
    let spawned: Int32
    if environment != nil {
      spawned = posix_spawn(&child, executable, &actions, nil, argv, envp)
    } else {
      spawned = posix_spawn(&child, executable, &actions, nil, argv, environ)
    }
    guard spawned == 0 else {
      for case let fd? in parentEnds { close(fd) }
      throw TestSupportError(description: "cannot run \(executable): \(String(cString: strerror(spawned)))")
    }
    pid = child
    standardInput = parentEnds[0]
    standardOutput = parentEnds[1]
    standardError = parentEnds[2]
  }

  deinit {
    for case let fd? in [standardInput, standardOutput, standardError] { close(fd) }
    if termination == nil {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
  }

  /// Writes `bytes` to the child's standard input (a `.pipe`), whole.
  public func write(_ bytes: [UInt8]) {
    guard let fd = standardInput else { return }
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        return  // the child closed its end
      }
      offset += written
    }
  }

  /// Closes the parent's end of the child's standard input.
  public func closeInput() {
    if let fd = standardInput { close(fd) }
    standardInput = nil
  }

  /// Reads the child's standard output (a `.pipe`) to its end.
  public func readOutput() -> [UInt8] { Self.readToEnd(standardOutput) }

  /// Reads the child's standard error (a `.pipe`) to its end.
  public func readError() -> [UInt8] { Self.readToEnd(standardError) }

  /// Reads what is available of the child's standard output (blocking until
  /// some is, at most `limit` bytes); empty at its end.
  public func readSomeOutput(limit: Int = 65_536) -> [UInt8] {
    guard let fd = standardOutput else { return [] }
    var buffer = [UInt8](repeating: 0, count: limit)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      return count > 0 ? Array(buffer[..<count]) : []
    }
  }

  /// Sends `signal` to the child (nothing once it has been waited for).
  public func send(_ signal: Int32) {
    if termination == nil { kill(pid, signal) }
  }

  /// Whether the child has not exited yet (a non-blocking waitpid).
  public var isRunning: Bool {
    if termination != nil { return false }
    var status: Int32 = 0
    let reaped = waitpid(pid, &status, WNOHANG)
    if reaped == pid {
      termination = Self.termination(status)
      return false
    }
    return reaped == 0
  }

  /// Waits for the child to end.
  @discardableResult
  public func wait() -> Termination {
    if let termination { return termination }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
      if errno != EINTR { break }
    }
    let ended = Self.termination(status)
    termination = ended
    return ended
  }

  private static func termination(_ status: Int32) -> Termination {
    status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
  }

  private static func readToEnd(_ fd: Int32?) -> [UInt8] {
    guard let fd else { return [] }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { return result }
      result += buffer[..<count]
    }
  }
}
