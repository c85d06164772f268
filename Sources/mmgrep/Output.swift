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
    if used + 20 > Output.capacity { flush() }
    var digits = 0
    var rest = value.magnitude
    repeat {
      digits += 1
      rest /= 10
    } while rest > 0
    if value < 0 { append(byte: UInt8(ascii: "-")) }
    rest = value.magnitude
    var index = used + digits - 1
    repeat {
      storage.storeBytes(of: UInt8(48 + rest % 10), toByteOffset: index, as: UInt8.self)
      rest /= 10
      index -= 1
    } while rest > 0
    used += digits
  }

  /// Writes what is buffered.
  func flush() {
    if used > 0 {
      write(UnsafeRawBufferPointer(start: storage, count: used))
      used = 0
    }
  }

  private func write(_ bytes: UnsafeRawBufferPointer) {
    guard failure == 0 else { return }
    let rc = Platform.writeAll(fd, bytes)
    if rc != 0 { failure = rc }
  }
}

/// Writes a message line to standard error at once (after the caller flushed
/// standard output, so the two streams interleave sanely).
func writeError(_ message: String) {
  var line = message + "\n"
  line.withUTF8 { _ = Platform.writeAll(2, UnsafeRawBufferPointer($0)) }
}

/// The SGR colours of grep's `GREP_COLORS` that mmgrep uses.
struct Colors {
  var selectedMatch = "01;31"
  var contextMatch = "01;31"
  var fileName = "35"
  var lineNumber = "32"
  var byteOffset = "32"
  var separator = "36"
  /// Whether to append `\33[K` (erase to end of line) after each sequence.
  var eraseLine = true

  /// The defaults, changed by the `GREP_COLORS` environment variable when set
  /// (keys `mt`, `ms`, `mc`, `fn`, `ln`, `bn`, `se`, `ne`; others ignored).
  static func fromEnvironment() -> Colors {
    var colors = Colors()
    guard let spec = Platform.environment("GREP_COLORS") else { return colors }
    for item in spec.split(separator: ":") {
      let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = String(parts[0])
      let value = parts.count > 1 ? String(parts[1]) : ""
      switch key {
      case "mt": colors.selectedMatch = value; colors.contextMatch = value
      case "ms": colors.selectedMatch = value
      case "mc": colors.contextMatch = value
      case "fn": colors.fileName = value
      case "ln": colors.lineNumber = value
      case "bn": colors.byteOffset = value
      case "se": colors.separator = value
      case "ne": colors.eraseLine = false
      default: break
      }
    }
    return colors
  }

  func start(_ sgr: String) -> String { "\u{1B}[\(sgr)m" + (eraseLine ? "\u{1B}[K" : "") }
  var end: String { "\u{1B}[m" + (eraseLine ? "\u{1B}[K" : "") }
}
