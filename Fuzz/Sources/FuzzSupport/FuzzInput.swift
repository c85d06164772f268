/// Reads a fuzzer's input as a stream of small decisions.
///
/// Every read succeeds: past the end of the input it yields zeros, so any
/// input (even an empty one) decodes to a valid program. Decisions are made
/// from as few bytes as possible so that libFuzzer's mutations map to small
/// changes of behaviour.
public struct FuzzInput {
  /// The input bytes.
  public let bytes: [UInt8]
  /// The index of the next unread byte.
  public private(set) var index = 0

  /// Copies the input that libFuzzer hands to `LLVMFuzzerTestOneInput`.
  ///
  /// - Parameters:
  ///   - data: The input's first byte (may be `nil` or dangling when `size` is 0).
  ///   - size: The input's length.
  public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
    bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
  }

  /// Creates a reader over `bytes`.
  ///
  /// - Parameter bytes: The input.
  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// Whether every byte has been read.
  public var isAtEnd: Bool { index >= bytes.count }

  /// The number of unread bytes.
  public var remaining: Int { max(0, bytes.count - index) }

  /// The next byte, or 0 at the end.
  public mutating func byte() -> UInt8 {
    guard index < bytes.count else { return 0 }
    defer { index += 1 }
    return bytes[index]
  }

  /// The next two bytes as a little-endian number, 0 past the end.
  public mutating func uint16() -> Int {
    Int(byte()) | Int(byte()) << 8
  }

  /// A value in `0..<bound` taken from one byte.
  ///
  /// - Precondition: `bound` is positive.
  public mutating func choose(_ bound: Int) -> Int {
    precondition(bound > 0, "bound \(bound) must be positive")
    return Int(byte()) % bound
  }

  /// The next bit of a byte, as a Boolean.
  public mutating func flag() -> Bool { byte() & 1 == 1 }

  /// A signed offset that is usually small, sometimes near the buffer size,
  /// and now and then extreme (to probe overflow checks).
  ///
  /// - Parameter size: The current buffer size, around which offsets are chosen.
  public mutating func offset(near size: Int) -> Int {
    let kind = byte()
    let small = Int(byte())
    switch kind % 8 {
    case 0: return small - 128
    case 1: return size - small % 16
    case 2: return size + small % 16
    case 3: return -(small % 16) - 1
    case 4 where kind == 4: return Int.max - small
    case 4 where kind == 12: return Int.min + small
    default: return size > 0 ? (small | Int(byte()) << 8) % (size + 1) : small % 4
    }
  }

  /// Up to `limit` bytes: a length byte, then that many bytes.
  public mutating func slice(limit: Int) -> [UInt8] {
    let length = min(choose(limit + 1), remaining)
    let start = min(index, bytes.count)
    index = start + length
    return Array(bytes[start..<start + length])
  }

  /// Every unread byte.
  public mutating func rest() -> [UInt8] {
    let start = min(index, bytes.count)
    index = bytes.count
    return Array(bytes[start...])
  }
}

/// Stops the process with `message` when `condition` is false, so that
/// libFuzzer records the input as a crash.
///
/// - Parameters:
///   - condition: What must hold.
///   - message: What went wrong, shown in the crash report.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
  if !condition() {
    fatalError("fuzz check failed: \(message())", file: file, line: line)
  }
}
