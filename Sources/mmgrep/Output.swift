import ByteBuffer
import CScanGuard

/// Standard output through one large buffer, written with `write(2)` when full
/// and at the end: never one system call per line.
final class Output {
  static let capacity = 256 * 1024

  private let fd: Int32
  private let storage: UnsafeMutableRawPointer
  private var used = 0
  /// The `errno` of a failed write, once one failed; output stops then.
  private(set) var failure: Int32 = 0

  init(fd: Int32 = 1) {
    self.fd = fd
    storage = UnsafeMutableRawPointer.allocate(byteCount: Output.capacity, alignment: 16)
  }

  deinit { storage.deallocate() }

  /// Appends raw bytes.
  func append(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    if used + bytes.count > Output.capacity {
      flush()
      if bytes.count >= Output.capacity {
        write(bytes)
        return
      }
    }
    // Safe because `used + bytes.count <= capacity` here.
    (storage + used).copyMemory(from: base, byteCount: bytes.count)
    used += bytes.count
  }

  /// Appends `range` of a buffer's bytes (`bytes`, held by the caller's
  /// access to the buffer), copied straight into the output buffer under the
  /// SIGBUS guard, and returns them there, for a check before they are kept:
  /// `nil` when they do not fit in the buffer at all (the caller then takes
  /// the slow path). What was appended before stays.
  ///
  /// - Throws: `ByteBufferError.truncated` (without a path: the caller names
  ///   its file) when the file shrank under the mapping; nothing is appended then.
  func appendBytes(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>, reserving extra: Int)
    throws(ByteBufferError) -> UnsafeRawBufferPointer?
  {
    guard range.count + extra <= Output.capacity else { return nil }
    precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range \(range) not in the buffer")
    if used + range.count + extra > Output.capacity { flush() }
    guard !range.isEmpty, let base = bytes.baseAddress else { return UnsafeRawBufferPointer(start: storage + used, count: 0) }
    // Safe because used + range.count <= capacity, and range lies within bytes.
    let target = storage + used
    var fault: UnsafeRawPointer? = nil
    if csg_memmove(target, base + range.lowerBound, range.count, &fault) != Int32(CSG_OK) {
      throw .truncated(path: nil, offset: fault.map { $0 - base } ?? range.lowerBound)
    }
    used += range.count
    return UnsafeRawBufferPointer(start: target, count: range.count)
  }

  /// The number of bytes buffered now, to go back to with `rollBack(to:)`.
  var mark: Int { used }

  /// Drops what was appended since `mark` (nothing was flushed since).
  func rollBack(to mark: Int) {
    precondition(mark <= used, "mark \(mark) is past the \(used) buffered bytes")
    used = mark
  }

  /// Makes room for `count` bytes without a flush in between (so a mark
  /// taken now stays valid while they are appended).
  func reserve(_ count: Int) {
    if used + count > Output.capacity { flush() }
  }

  /// Appends the UTF-8 bytes of `string`.
  func append(_ string: String) {
    var string = string
    string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
  }

  /// Appends one byte.
  func append(byte: UInt8) {
    if used == Output.capacity { flush() }
    storage.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
    used += 1
  }

  /// Appends `value` in decimal.
  func append(decimal value: Int) {
    if used + 21 > Output.capacity { flush() }
    if value < 0 { append(byte: UInt8(ascii: "-")) }
    var rest = value.magnitude
    var digits = 1
    var bound: UInt = 10
    while digits < 20 && rest >= bound {
      digits += 1
      bound = bound &* 10
    }
    // Two digits at a time, from the end.
    var index = used + digits
    Output.digitPairs.withUnsafeBytes { pairs in
      while rest >= 100 {
        let pair = Int(rest % 100) * 2
        rest /= 100
        index -= 2
        storage.storeBytes(of: pairs.load(fromByteOffset: pair, as: UInt16.self), toByteOffset: index, as: UInt16.self)
      }
      if rest >= 10 {
        index -= 2
        storage.storeBytes(of: pairs.load(fromByteOffset: Int(rest) * 2, as: UInt16.self), toByteOffset: index,
                           as: UInt16.self)
      } else {
        index -= 1
        storage.storeBytes(of: UInt8(48 + rest), toByteOffset: index, as: UInt8.self)
      }
    }
    used += digits
  }

  /// "00" "01" … "99", for `append(decimal:)`.
  private static let digitPairs: [UInt8] = {
    var pairs: [UInt8] = []
    for n in 0..<100 {
      let tens = UInt8(n / 10), ones = UInt8(n % 10)
      pairs.append(48 + tens)
      pairs.append(48 + ones)
    }
    return pairs
  }()

  /// Writes what is buffered.
  func flush() {
    if used > 0 {
      write(UnsafeRawBufferPointer(start: storage, count: used))
      used = 0
    }
  }

  /// Writes `bytes`; at the first failure, reports it and exits 2 as grep
  /// does (nothing more is searched, no later file error is printed).
  /// `EPIPE` ends the process quietly (`SIGPIPE` is left at its default
  /// action, so it is only seen when that signal is blocked).
  private func write(_ bytes: UnsafeRawBufferPointer) {
    guard failure == 0 else { return }
    let rc = Platform.writeAll(fd, bytes)
    if rc != 0 {
      failure = rc
      if rc != Platform.brokenPipe { writeError("mmgrep: write error: \(SystemError(code: rc).message)") }
      Platform.exit(2)
    }
  }
}

/// Writes a message line to standard error at once (after the caller flushed
/// standard output, so the two streams interleave sanely).
func writeError(_ message: String) {
  // Names and patterns from the command line keep their bytes (ArgumentText).
  var line = ArgumentText.bytes(message)
  line.append(UInt8(ascii: "\n"))
  line.withUnsafeBytes { _ = Platform.writeAll(2, $0) }
}

/// The SGR colours of grep's `GREP_COLORS` that mmgrep uses (a class: the
/// printing code reads them for every line, and copying the strings each
/// time would cost more than the line).
final class Colors {
  var selectedMatch = "01;31"
  var contextMatch = "01;31"
  /// `sl` and `cx`: whole selected and context lines (empty = none).
  var selectedLine = ""
  var contextLine = ""
  /// `rv`: with -v, `sl` and `cx` apply to the other kind of line.
  var reverse = false
  var fileName = "35"
  var lineNumber = "32"
  var byteOffset = "32"
  var separator = "36"
  /// Whether to append `\33[K` (erase to end of line) after each sequence.
  var eraseLine = true

  /// The defaults, changed by the deprecated `GREP_COLOR` (the match colour,
  /// with grep's warning when it takes effect) and then by `GREP_COLORS`,
  /// read as grep reads it (keys `mt ms mc sl cx rv fn ln bn se ne`; a value
  /// holds only digits and `;`, and parsing stops at anything else).
  static func fromEnvironment() -> Colors {
    let colors = Colors()
    var legacy: String?
    if let value = Platform.environment("GREP_COLOR"), !value.isEmpty,
      value.utf8.allSatisfy({ $0 == UInt8(ascii: ";") || ($0 >= 0x30 && $0 <= 0x39) })
    {
      colors.selectedMatch = value
      colors.contextMatch = value
      legacy = value
    }
    var legacySelected = legacy != nil
    var legacyContext = legacy != nil
    if let spec = Platform.environment("GREP_COLORS"), !spec.isEmpty {
      colors.parse(Array(spec.utf8), legacySelected: &legacySelected, legacyContext: &legacyContext)
    }
    if let legacy, legacySelected || legacyContext {
      writeError("mmgrep: warning: GREP_COLOR='\(legacy)' is deprecated; use GREP_COLORS='mt=\(legacy)'")
    }
    return colors
  }

  /// grep's `parse_grep_colors`.
  private func parse(_ spec: [UInt8], legacySelected: inout Bool, legacyContext: inout Bool) {
    var name: [UInt8] = []
    var value: [UInt8]?
    for byte in spec + [0] {
      if byte == UInt8(ascii: ":") || byte == 0 {
        let key = String(decoding: name, as: UTF8.self)
        let text = value.map { String(decoding: $0, as: UTF8.self) }
        switch key {
        case "mt":
          if let text { selectedMatch = text; legacySelected = false }
          contextMatch = selectedMatch
          legacyContext = legacySelected
        case "ms": if let text { selectedMatch = text; legacySelected = false }
        case "mc": if let text { contextMatch = text; legacyContext = false }
        case "sl": if let text { selectedLine = text }
        case "cx": if let text { contextLine = text }
        case "fn": if let text { fileName = text }
        case "ln": if let text { lineNumber = text }
        case "bn": if let text { byteOffset = text }
        case "se": if let text { separator = text }
        case "rv": reverse = true
        case "ne": eraseLine = false
        default: break
        }
        if byte == 0 { return }
        name = []
        value = nil
      } else if byte == UInt8(ascii: "=") {
        if name.isEmpty || value != nil { return }
        value = []
      } else if value == nil {
        name.append(byte)
      } else if byte == UInt8(ascii: ";") || (byte >= 0x30 && byte <= 0x39) {
        value?.append(byte)
      } else {
        return
      }
    }
  }

  func start(_ sgr: String) -> String { "\u{1B}[\(sgr)m" + (eraseLine ? "\u{1B}[K" : "") }
  var end: String { "\u{1B}[m" + (eraseLine ? "\u{1B}[K" : "") }
}
