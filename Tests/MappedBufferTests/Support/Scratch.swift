// Test-only helpers over the C library: temporary directories, whole-file
// reads and writes that bypass the code under test, and child processes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MappedBuffer
import Testing

/// A failed system call in a test helper.
struct SystemCallFailure: Error, CustomStringConvertible {
  var operation: String
  var code: Int32
  var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

@discardableResult
func check<T: FixedWidthInteger>(_ operation: String, _ result: T) throws -> T {
  if result == -1 { throw SystemCallFailure(operation: operation, code: errno) }
  return result
}

/// A fresh directory under /tmp, removed with everything in it on deinit.
final class ScratchDirectory {
  let path: String

  init() throws {
    var template = Array("/tmp/mapped-buffer-tests-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      throw SystemCallFailure(operation: "mkdtemp", code: errno)
    }
    path = String(cString: made)
  }

  deinit { removeTree(path) }

  /// The path of `name` inside the directory.
  func path(_ name: String) -> String { "\(path)/\(name)" }

  /// Creates (or replaces) the file `name` holding `contents`; returns its path.
  @discardableResult
  func file(_ name: String, _ contents: [UInt8]) throws -> String {
    let file = path(name)
    try writeFile(file, contents)
    return file
  }

  /// Creates the file `name` holding `text`; returns its path.
  @discardableResult
  func file(_ name: String, _ text: String) throws -> String {
    try file(name, Array(text.utf8))
  }
}

/// Removes a file or a directory tree (no symbolic links are followed).
func removeTree(_ path: String) {
  var info = stat()
  guard lstat(path, &info) == 0 else { return }
  if info.st_mode & S_IFMT == S_IFDIR, let directory = opendir(path) {
    var children: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { children.append(name) }
    }
    closedir(directory)
    for child in children { removeTree("\(path)/\(child)") }
    rmdir(path)
  } else {
    unlink(path)
  }
}

/// Writes `contents` to `path` with write(2), replacing the file.
func writeFile(_ path: String, _ contents: [UInt8]) throws {
  let fd = try check("open", open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644))
  defer { close(fd) }
  var written = 0
  while written < contents.count {
    let n = contents.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
    written += try check("write", n)
  }
}

/// The bytes of the file at `path`, read with read(2) (not through a mapping).
func readFile(_ path: String) throws -> [UInt8] {
  let fd = try check("open", open(path, O_RDONLY | O_CLOEXEC))
  defer { close(fd) }
  var result: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = try check("read", chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) })
    if n == 0 { return result }
    result += chunk[0..<n]
  }
}

/// `count` bytes of the file at `path` from `offset`, with pread(2).
func readFile(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
  let fd = try check("open", open(path, O_RDONLY | O_CLOEXEC))
  defer { close(fd) }
  var result = [UInt8](repeating: 0, count: count)
  let n = try check("pread", result.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) })
  return Array(result[0..<n])
}

/// Writes `bytes` into the file at `path` at `offset`, with pwrite(2).
func patchFile(_ path: String, offset: Int, _ bytes: [UInt8]) throws {
  let fd = try check("open", open(path, O_WRONLY | O_CLOEXEC))
  defer { close(fd) }
  let n = try check("pwrite", bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) })
  #expect(n == bytes.count)
}

/// Sets the size of the file at `path` (truncate(2)), as another process might.
func truncateFile(_ path: String, to size: Int) throws {
  try check("truncate", truncate(path, off_t(size)))
}

/// The size of the file at `path` (stat(2)).
func fileSize(_ path: String) throws -> Int {
  var info = stat()
  try check("stat", stat(path, &info))
  return Int(info.st_size)
}

/// The blocks the file at `path` uses on disk, in bytes (stat(2) st_blocks × 512).
func diskUsage(_ path: String) throws -> Int {
  var info = stat()
  try check("stat", stat(path, &info))
  return Int(info.st_blocks) * 512
}

/// `count` bytes where byte i is `i % 251`: no run repeats within a page.
func pattern(_ count: Int) -> [UInt8] {
  (0..<count).map { UInt8($0 % 251) }
}

/// Every byte of `buffer`, copied out through the primitive.
func contents(_ buffer: MappedByteBuffer) throws -> [UInt8] {
  try buffer.withUnsafeBytes { Array($0) }
}

/// Stores `bytes` at `offset` in `buffer` through the primitive.
func store(_ bytes: [UInt8], at offset: Int, in buffer: MappedByteBuffer) throws {
  try buffer.withUnsafeMutableBytes { raw in
    for (i, byte) in bytes.enumerated() { raw[offset + i] = byte }
  }
}

/// Runs `program` with `arguments`, its standard output going to `outputPath`;
/// returns its exit status (posix_spawn(3), waitpid(2)).
func run(_ program: String, _ arguments: [String], outputTo outputPath: String) throws -> Int32 {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  var pid: pid_t = 0
  let spawned = posix_spawn(&pid, program, &actions, nil, argv, nil)
  guard spawned == 0 else { throw SystemCallFailure(operation: "posix_spawn", code: spawned) }
  return try waitForChild(pid)
}

/// Waits for the child `pid` and returns its raw wait status.
func waitForChild(_ pid: pid_t) throws -> Int32 {
  var status: Int32 = 0
  while waitpid(pid, &status, 0) == -1 {
    if errno != EINTR { throw SystemCallFailure(operation: "waitpid", code: errno) }
  }
  return status
}

/// The exit code in a wait status, or nil when the child was killed.
func exitCode(_ status: Int32) -> Int32? {
  status & 0x7f == 0 ? (status >> 8) & 0xff : nil
}

/// The signal that killed the child, from a wait status, or nil when it exited.
func terminatingSignal(_ status: Int32) -> Int32? {
  let signal = status & 0x7f
  return signal != 0 && signal != 0x7f ? signal : nil
}

/// The lines of /proc/self/maps that map the file at `path`.
func mappingLines(of path: String) throws -> Int {
  let maps = String(decoding: try readFile("/proc/self/maps"), as: UTF8.self)
  return maps.split(separator: "\n").filter { $0.hasSuffix(" " + path) }.count
}

/// The number of lines in /proc/self/maps.
func mappingLineCount() throws -> Int {
  try readFile("/proc/self/maps").filter { $0 == 0x0A }.count
}

/// The shared anonymous mappings of exactly `length` bytes in /proc/self/maps
/// (the kernel names them "/dev/zero (deleted)").
func sharedAnonymousMappings(length: Int) throws -> Int {
  let maps = String(decoding: try readFile("/proc/self/maps"), as: UTF8.self)
  return maps.split(separator: "\n").filter { line in
    guard line.hasSuffix("/dev/zero (deleted)"), let range = line.split(separator: " ").first else {
      return false
    }
    let bounds = range.split(separator: "-").compactMap { Int($0, radix: 16) }
    return bounds.count == 2 && bounds[1] - bounds[0] == length
  }.count
}

/// The open descriptors of this process, as the targets of /proc/self/fd links.
func openDescriptorTargets() -> [String] {
  guard let directory = opendir("/proc/self/fd") else { return [] }
  defer { closedir(directory) }
  var targets: [String] = []
  while let entry = readdir(directory) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
    }
    if name == "." || name == ".." { continue }
    var target = [CChar](repeating: 0, count: 4097)
    let n = readlink("/proc/self/fd/\(name)", &target, 4096)
    if n > 0 { targets.append(String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
  }
  return targets
}

/// How many open descriptors of this process refer to the file at `path`.
func descriptors(of path: String) throws -> Int {
  openDescriptorTargets().filter { $0 == path }.count
}

extension Trait where Self == ConditionTrait {
  /// For tests whose literal expectations assume 4 KiB pages (x86-64, most
  /// AArch64 Linux kernels).
  static var fourKiBPages: Self {
    .enabled(if: MappedByteBuffer.pageSize == 4096, "the expected values assume 4 KiB pages")
  }
}
