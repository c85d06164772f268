import ByteBuffer

/// A resume point: an offset in one particular file (its device and inode),
/// the number of the line that starts there, and a digest of the bytes just
/// before it.
///
/// A follower started from a checkpoint (``LogFollower/Start/checkpoint(_:)``)
/// resumes at its offset when the path still names the same file, the file
/// is not shorter than the offset, and the bytes before the offset still
/// have the digest; otherwise (the log was rotated, or truncated — and maybe
/// rewritten past the offset — since, or a new file reused the inode) it
/// starts at offset 0 and reports ``FollowEvent/checkpointRejected``.
///
/// A checkpoint is saved as a small text file, written atomically:
///
/// ```
/// offset=1234
/// device=2049
/// inode=393
/// line=57
/// tail=9a1a40465a822bf2
/// ```
public struct FollowCheckpoint: Sendable, Hashable {
  /// Where following resumes: the start of the first line not yet examined.
  public var offset: Int
  /// The file the offset belongs to.
  public var file: FileIdentity
  /// The number of the line starting at `offset` (1 at offset 0), when known.
  public var lineNumber: Int?
  /// The 64-bit FNV-1a digest of the file's last ``tailLength`` bytes before
  /// `offset` (fewer when `offset` is smaller), when known; `nil` skips the check.
  public var tailDigest: UInt64?

  /// How many bytes before the offset the digest covers.
  public static let tailLength = 256

  /// Creates a checkpoint.
  ///
  /// - Parameters:
  ///   - offset: The resume offset (a line start).
  ///   - file: The file's device and inode.
  ///   - lineNumber: The number of the line at `offset`, or `nil`.
  ///   - tailDigest: The digest of the bytes before `offset` (see ``digest(_:)``), or `nil`.
  /// - Precondition: `offset >= 0`, and `lineNumber`, when given, is at least 1.
  public init(offset: Int, file: FileIdentity, lineNumber: Int? = nil, tailDigest: UInt64? = nil) {
    precondition(offset >= 0, "checkpoint offset \(offset) is negative")
    precondition(lineNumber.map { $0 >= 1 } ?? true, "checkpoint line number \(lineNumber ?? 0) is below 1")
    self.offset = offset
    self.file = file
    self.lineNumber = lineNumber
    self.tailDigest = tailDigest
  }

  /// The 64-bit FNV-1a digest of `bytes`.
  ///
  /// - Parameter bytes: The bytes.
  /// - Returns: The digest.
  public static func digest(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    return hash
  }

  /// The text form: `key=value` lines (`offset`, `device`, `inode`, and
  /// `line` and `tail`, the digest in 16 hexadecimal digits, when known).
  public var serialized: String {
    var text = "offset=\(offset)\ndevice=\(file.device)\ninode=\(file.inode)\n"
    if let lineNumber { text += "line=\(lineNumber)\n" }
    if let tailDigest {
      let hex = String(tailDigest, radix: 16)
      text += "tail=" + String(repeating: "0", count: 16 - hex.count) + hex + "\n"
    }
    return text
  }

  /// Parses the text form (see ``serialized``). Blank lines, lines starting
  /// with `#` and unknown keys are ignored.
  ///
  /// - Parameters:
  ///   - text: The text.
  ///   - path: The file it came from, for messages.
  /// - Throws: ``FollowError/invalidCheckpoint(path:reason:)`` when a key is
  ///   missing, repeated or has a value that is not a non-negative integer.
  public init(parsing text: String, path: String = "state") throws(FollowError) {
    var values: [String: UInt64] = [:]
    var tailDigest: UInt64? = nil
    // "\r\n" is one Character: `isNewline` splits LF and CRLF lines alike.
    for line in text.split(whereSeparator: \.isNewline) {
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
      guard let equals = line.firstIndex(of: "=") else {
        throw .invalidCheckpoint(path: path, reason: "line '\(line)' is not key=value")
      }
      let key = String(line[..<equals])
      if key == "tail" {
        guard tailDigest == nil else { throw .invalidCheckpoint(path: path, reason: "'tail' is given twice") }
        let digits = line[line.index(after: equals)...]
        guard digits.count == 16, let value = UInt64(digits, radix: 16) else {
          throw .invalidCheckpoint(path: path, reason: "the value of 'tail' is not 16 hexadecimal digits")
        }
        tailDigest = value
        continue
      }
      guard ["offset", "device", "inode", "line"].contains(key) else { continue }
      guard let value = UInt64(line[line.index(after: equals)...]) else {
        throw .invalidCheckpoint(path: path, reason: "the value of '\(key)' is not a non-negative integer")
      }
      guard values.updateValue(value, forKey: key) == nil else {
        throw .invalidCheckpoint(path: path, reason: "'\(key)' is given twice")
      }
    }
    for key in ["offset", "device", "inode"] where values[key] == nil {
      throw .invalidCheckpoint(path: path, reason: "'\(key)' is missing")
    }
    guard let offset = Int(exactly: values["offset"]!) else {
      throw .invalidCheckpoint(path: path, reason: "the offset is too large")
    }
    var lineNumber: Int? = nil
    if let line = values["line"] {
      guard line >= 1, let number = Int(exactly: line) else {
        throw .invalidCheckpoint(path: path, reason: "the line number must be at least 1")
      }
      lineNumber = number
    }
    self.init(offset: offset, file: FileIdentity(device: values["device"]!, inode: values["inode"]!),
              lineNumber: lineNumber, tailDigest: tailDigest)
  }

  /// Reads a checkpoint saved by ``write(toFile:)``.
  ///
  /// - Parameter path: The state file.
  /// - Returns: The checkpoint, or `nil` when the file does not exist.
  /// - Throws: ``FollowError/system(operation:path:errno:)`` when it cannot
  ///   be read, ``FollowError/invalidCheckpoint(path:reason:)`` when it
  ///   cannot be parsed.
  public static func read(fromFile path: String) throws(FollowError) -> FollowCheckpoint? {
    let buffer: HeapByteBuffer
    do {
      buffer = try HeapByteBuffer(contentsOf: path, readOnly: true)
    } catch {
      if case .system(_, _, let code) = error {
        if SysError(code: code).isMissing { return nil }
        throw .system(operation: "read state file", path: path, errno: code)
      }
      throw .buffer(error)
    }
    let bytes: [UInt8]
    do {
      bytes = try buffer.bytes(in: 0..<buffer.count)
    } catch {
      throw .buffer(error)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw .invalidCheckpoint(path: path, reason: "not UTF-8 text")
    }
    return try FollowCheckpoint(parsing: text, path: path)
  }

  /// Saves the checkpoint to `path` atomically: written to `PATH.tmp-PID`
  /// next to it, then renamed over `path`, so a reader (or a crash) sees the
  /// old checkpoint or the new one, never a mix.
  ///
  /// - Parameter path: The state file.
  /// - Throws: ``FollowError/system(operation:path:errno:)`` (operation
  ///   "write state file") when the temporary file cannot be written or renamed.
  public func write(toFile path: String) throws(FollowError) {
    do throws(SysError) {
      try sysWriteAtomically(Array(serialized.utf8), to: path)
    } catch {
      throw .system(operation: "write state file", path: path, errno: error.code)
    }
  }
}
