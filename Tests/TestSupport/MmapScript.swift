// The operation-script language of the CPython mmap differential check.
//
// One interpreter, two users: the replay tests (Tests/ByteBufferTests/
// PythonSessionTests.swift, CPython's recorded outcomes as literals) and the
// `MmapDiff` tool of the Fuzz/ package (symlinked there), which
// `scripts/python-mmap-diff.py` feeds with random sessions that it also runs on
// CPython 3.11's `mmap`. Keep this file free of anything but the standard
// library, ByteBuffer, MappedBuffer and the C library.
//
// A script is a sequence of lines, one operation each; `init` starts a session.
// Every line yields one outcome line:
//
//     ok VALUE POSITION      the operation succeeded and returned VALUE
//     err KIND POSITION      it threw ByteBufferError.KIND (closed, readOnly,
//                            outOfRange, invalidArgument, system, ...)
//     n/a                    the operation has no meaning on this backend
//
// POSITION is the buffer's position afterwards, -1 once it is closed. Byte
// strings are lowercase hex, the empty string an empty token (so `find  0`
// looks for the empty needle from 0). VALUE is `none` for operations that
// return nothing, `nil` for `readByte()` at the end, -1 for a find that finds
// nothing (Python's spelling of `nil`).
//
//     init ACCESS HEX [OFFSET [LENGTH [HOW]]]  a new buffer over a file holding HEX:
//                               ACCESS rw (.write), ro (.read), copy (.copy);
//                               OFFSET/LENGTH as in MappedByteBuffer(path:access:length:offset:);
//                               HOW path (that initializer, the default), fd
//                               (init(descriptor:access:length:offset:path:) on a
//                               descriptor closed right after) or raw
//                               (init(path:length:offset:flags:protection:) with
//                               the flags and protection ACCESS stands for).
//                               The heap backend takes those bytes into a
//                               HeapByteBuffer (ro: readOnly); copy is n/a there.
//     init anon N               MappedByteBuffer(anonymousCount: N) / HeapByteBuffer(count: N)
//     read N | readall | readnone   read(N) / read() / read() (Python: read(None))
//     readbyte | readline
//     write HEX | writebyte V
//     seek OFFSET [WHENCE]      WHENCE 0 .start (default), 1 .current, 2 .end; VALUE = new position
//     tell | len | size | closed | close
//     writes HEX                write(_: String) of the UTF-8 text HEX spells
//     find HEX [START|_ [END|n]]   find(_:start:end:); omitted START = the default (0)
//     finds HEX [START|_ [END|n]]  the String overloads (HEX spells UTF-8 text)
//     rfinds HEX [START|_ [END|n]]
//     rfind HEX [START|_ [END|n]]
//     findb V [START|_ [END|n]]    the UInt8 overloads
//     rfindb V [START|_ [END|n]]
//     getitem I | setitem I V      byte(at:) / setByte(_:at:)
//     getslice I J | setslice I J HEX   bytes(in: I..<J) / replaceBytes(in:with:)
//     all                       bytes(in: 0..<count)
//     iter                      the `bytes` collection, iterated (closed: empty)
//     position N                sets `position` (N >= 0)
//     move DEST SRC COUNT       move(to:from:count:)
//     resize N
//     flush [OFFSET SIZE]       flush() / flush(OFFSET..<OFFSET+SIZE)
//     flushasync                flush(mode: .asynchronous)
//     madvise ADVICE [START [LENGTH]]   advise(_:) / advise(_:range: START..<START+LENGTH);
//                               START alone: START..<Int.max (the end is clamped)
//     file                      the bytes of the file behind the buffer (mapped only)

import ByteBuffer
import MappedBuffer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs operation scripts (see the top of MmapScript.swift) on one backend.
public final class MmapScript {
  /// Which implementation a script runs on.
  public enum Target: String, Sendable, CaseIterable {
    /// `HeapByteBuffer` holding the session's bytes.
    case heap
    /// `MappedByteBuffer` of a temporary file holding them.
    case mapped
  }

  /// The backend the sessions run on.
  public let target: Target

  /// Where the temporary files are made.
  public let directory: String

  private var buffer: (any MutableByteBuffer)?
  private var filePath: String?
  private var applicable = true

  /// Creates an interpreter for `target`, with its files in `directory`.
  ///
  /// - Parameters:
  ///   - target: The backend.
  ///   - directory: A writable directory for the mapped files.
  public init(target: Target, directory: String = "/tmp") {
    self.target = target
    self.directory = directory
  }

  deinit {
    finish()
  }

  /// Closes the session's buffer and removes its file.
  public func finish() {
    if let buffer, !buffer.isClosed { try? buffer.close() }
    buffer = nil
    removeFile()
  }

  private func removeFile() {
    if let filePath { _ = unlink(filePath) }
    filePath = nil
  }

  /// Runs one script line and returns its outcome line.
  ///
  /// - Parameter line: An operation, such as `read 3` or `init rw 616263`.
  /// - Returns: `ok VALUE POSITION`, `err KIND POSITION`, `n/a`, or
  ///   `bad op: ...` for a line the language cannot express.
  public func run(_ line: some StringProtocol) -> String {
    let words = String(line).split(separator: Character(" "), omittingEmptySubsequences: false).map(String.init)
    guard let name = words.first, !name.isEmpty else { return "bad op: empty line" }
    if name == "init" { return start(words) }
    guard applicable else { return "n/a" }
    guard let buffer else { return "bad op: no session" }
    do {
      let value = try perform(name, Array(words.dropFirst()), on: buffer)
      if value == "n/a" { return value }
      return "ok \(value) \(position(of: buffer))"
    } catch let error as ByteBufferError {
      return "err \(Self.kind(of: error)) \(position(of: buffer))"
    } catch let error as ScriptError {
      return "bad op: \(error.reason)"
    } catch {
      return "bad op: \(error)"
    }
  }

  private func position(of buffer: any MutableByteBuffer) -> Int {
    buffer.isClosed ? -1 : buffer.position
  }

  /// The name of the case of `error`.
  public static func kind(of error: ByteBufferError) -> String {
    switch error {
    case .closed: return "closed"
    case .readOnly: return "readOnly"
    case .outOfRange: return "outOfRange"
    case .invalidArgument: return "invalidArgument"
    case .system: return "system"
    case .notRegularFile: return "notRegularFile"
    case .truncated: return "truncated"
    case .busy: return "busy"
    }
  }

  struct ScriptError: Error {
    let reason: String
  }

  // MARK: - Sessions

  private func start(_ words: [String]) -> String {
    finish()
    applicable = true
    if words.count == 3, words[1] == "anon", let count = Int(words[2]) {
      do {
        buffer = target == .heap ? HeapByteBuffer(count: count) : try MappedByteBuffer(anonymousCount: count)
        return "ok none 0"
      } catch {
        return "err \(Self.kind(of: error)) -1"
      }
    }
    guard words.count >= 3, let content = Self.bytes(words[2]) else { return "bad op: init ACCESS HEX" }
    let access = words[1]
    let how = words.count > 5 ? words[5] : "path"
    let offset = words.count > 3 ? Int(words[3]) : 0
    let length = words.count > 4 ? Int(words[4]) : 0
    guard let offset, let length, ["rw", "ro", "copy"].contains(access), ["path", "fd", "raw"].contains(how) else {
      return "bad op: init ACCESS HEX [OFFSET [LENGTH [HOW]]]"
    }
    switch target {
    case .heap:
      guard access != "copy" else {
        applicable = false
        return "n/a"
      }
      // The bytes the mapping would show. A range the file does not have is
      // a mapping error, which has no heap counterpart.
      guard offset >= 0, offset <= content.count, length >= 0, content.count - offset >= length,
        length > 0 || offset < content.count || content.isEmpty
      else {
        applicable = false
        return "n/a"
      }
      let end = length == 0 ? content.count : offset + length
      buffer = HeapByteBuffer(Array(content[offset..<end]), readOnly: access == "ro")
      return "ok none 0"
    case .mapped:
      // A unique name (mkstemp): interpreters may run side by side in one process.
      var template = Array("\(directory)/mmap-script-XXXXXX".utf8CString)
      let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
      guard fd >= 0 else { return "bad op: cannot create a file in \(directory)" }
      close(fd)
      let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      filePath = path
      guard Self.writeFile(path, content) else { return "bad op: cannot write \(path)" }
      let mode: MappedByteBuffer.Access = access == "rw" ? .write : access == "ro" ? .read : .copy
      do {
        switch how {
        case "fd":
          let fd = open(path, access == "rw" ? O_RDWR : O_RDONLY)
          guard fd >= 0 else { return "bad op: cannot open \(path)" }
          defer { close(fd) }
          buffer = try MappedByteBuffer(descriptor: fd, access: mode, length: length, offset: offset, path: path)
        case "raw":
          buffer = try MappedByteBuffer(
            path: path, length: length, offset: offset, flags: mode.flags, protection: mode.protection)
        default:
          buffer = try MappedByteBuffer(path: path, access: mode, length: length, offset: offset)
        }
        return "ok none 0"
      } catch {
        return "err \(Self.kind(of: error)) -1"
      }
    }
  }

  // MARK: - Operations

  private func perform(_ name: String, _ args: [String], on buffer: any MutableByteBuffer) throws -> String {
    func int(_ index: Int) throws -> Int {
      guard index < args.count, let value = Int(args[index]) else {
        throw ScriptError(reason: "\(name): argument \(index + 1) must be an integer")
      }
      return value
    }
    func optionalInt(_ index: Int, none: String) throws -> Int? {
      guard index < args.count, args[index] != none else { return nil }
      return try int(index)
    }
    func hex(_ index: Int) throws -> [UInt8] {
      guard index < args.count, let bytes = Self.bytes(args[index]) else {
        throw ScriptError(reason: "\(name): argument \(index + 1) must be hex")
      }
      return bytes
    }
    func byte(_ index: Int) throws -> UInt8 {
      guard let value = UInt8(exactly: try int(index)) else {
        throw ScriptError(reason: "\(name): argument \(index + 1) must be in 0...255")
      }
      return value
    }
    func range(_ lower: Int, _ upper: Int) throws -> Range<Int> {
      guard lower <= upper else { throw ScriptError(reason: "\(name): \(lower) > \(upper) is not a Range") }
      return lower..<upper
    }
    func span(_ start: Int, _ length: Int) throws -> Range<Int> {
      let (end, overflow) = start.addingReportingOverflow(length)
      guard length >= 0, !overflow else { throw ScriptError(reason: "\(name): \(start)+\(length) is not a Range") }
      return start..<end
    }

    switch name {
    case "read": return Self.hex(try buffer.read(int(0)))
    case "readall", "readnone": return Self.hex(try buffer.read())
    case "readbyte": return try buffer.readByte().map { String($0) } ?? "nil"
    case "readline": return Self.hex(try buffer.readLine())
    case "write": return String(try buffer.write(hex(0)))
    case "writes": return String(try buffer.write(String(decoding: hex(0), as: UTF8.self)))
    case "writebyte":
      try buffer.writeByte(byte(0))
      return "none"
    case "seek":
      let whence: SeekOrigin
      switch args.count > 1 ? args[1] : "0" {
      case "0": whence = .start
      case "1": whence = .current
      case "2": whence = .end
      default: throw ScriptError(reason: "seek: whence must be 0, 1 or 2")
      }
      return String(try buffer.seek(int(0), whence: whence))
    case "tell": return String(try buffer.tell())
    case "len": return String(buffer.count)
    case "size": return String(try buffer.size())
    case "closed": return String(buffer.isClosed)
    case "close":
      try buffer.close()
      return "none"
    case "find", "rfind", "findb", "rfindb", "finds", "rfinds":
      let start = try optionalInt(1, none: "_")
      let end = try optionalInt(2, none: "n")
      let found: Int?
      switch (name, start) {
      case ("finds", nil): found = try buffer.find(String(decoding: hex(0), as: UTF8.self), end: end)
      case ("finds", let start?): found = try buffer.find(String(decoding: hex(0), as: UTF8.self), start: start, end: end)
      case ("rfinds", nil): found = try buffer.rfind(String(decoding: hex(0), as: UTF8.self), end: end)
      case ("rfinds", let start?): found = try buffer.rfind(String(decoding: hex(0), as: UTF8.self), start: start, end: end)
      case ("find", nil): found = try buffer.find(hex(0), end: end)
      case ("find", let start?): found = try buffer.find(hex(0), start: start, end: end)
      case ("rfind", nil): found = try buffer.rfind(hex(0), end: end)
      case ("rfind", let start?): found = try buffer.rfind(hex(0), start: start, end: end)
      case ("findb", nil): found = try buffer.find(byte(0), end: end)
      case ("findb", let start?): found = try buffer.find(byte(0), start: start, end: end)
      case ("rfindb", nil): found = try buffer.rfind(byte(0), end: end)
      default: found = try buffer.rfind(byte(0), start: start ?? 0, end: end)
      }
      return String(found ?? -1)
    case "getitem": return String(try buffer.byte(at: int(0)))
    case "setitem":
      try buffer.setByte(byte(1), at: int(0))
      return "none"
    case "getslice": return Self.hex(try buffer.bytes(in: range(int(0), int(1))))
    case "setslice":
      try buffer.replaceBytes(in: range(int(0), int(1)), with: hex(2))
      return "none"
    case "all": return Self.hex(try buffer.bytes(in: 0..<buffer.count))
    case "iter":
      var bytes: [UInt8] = []
      for byte in buffer.bytes { bytes.append(byte) }
      return Self.hex(bytes)
    case "position":
      let value = try int(0)
      guard value >= 0 else { throw ScriptError(reason: "position: \(value) is negative") }
      buffer.position = value
      return "none"
    case "move":
      try buffer.move(to: int(0), from: int(1), count: int(2))
      return "none"
    case "resize":
      try buffer.resize(to: int(0))
      return "none"
    case "flush":
      if args.isEmpty { try buffer.flush() } else { try buffer.flush(span(int(0), int(1))) }
      return "none"
    case "flushasync":
      try buffer.flush(mode: .asynchronous)
      return "none"
    case "madvise":
      let advice: AccessAdvice
      switch args.first {
      case "normal": advice = .normal
      case "random": advice = .random
      case "sequential": advice = .sequential
      case "willneed": advice = .willNeed
      default: throw ScriptError(reason: "madvise: advice must be normal, random, sequential or willneed")
      }
      switch args.count {
      case 1: try buffer.advise(advice)
      case 2: try buffer.advise(advice, range: int(1)..<Int.max)
      default: try buffer.advise(advice, range: span(int(1), int(2)))
      }
      return "none"
    case "file":
      guard target == .mapped, let filePath else { return "n/a" }
      guard let bytes = Self.readFile(filePath) else { throw ScriptError(reason: "file: cannot read \(filePath)") }
      return Self.hex(bytes)
    default:
      throw ScriptError(reason: "unknown operation \(name)")
    }
  }

  // MARK: - Encoding and files

  /// Lowercase hex of `bytes`.
  public static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
  }

  /// The bytes spelled by `hex`, or `nil` when it is not an even number of hex digits.
  public static func bytes(_ hex: some StringProtocol) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var result: [UInt8] = []
    result.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
      guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
      result.append(high << 4 | low)
      index += 2
    }
    return result
  }

  private static func nibble(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    default: return nil
    }
  }

  private static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
      guard n > 0 else { return false }
      written += n
    }
    return true
  }

  private static func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
      guard n >= 0 else { return nil }
      if n == 0 { return result }
      result += chunk[0..<n]
    }
  }
}
