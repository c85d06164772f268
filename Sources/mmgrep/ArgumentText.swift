/// Command-line arguments as grep reads them: bytes, which need not be UTF-8.
///
/// Swift's `CommandLine.arguments` replaces bytes that are not UTF-8 with
/// U+FFFD, so a Latin-1 pattern such as `caf\xE9` could not be searched (and
/// grep -P's "UTF-8 error" for it could not be reported). mmgrep reads the raw
/// `argv` instead and keeps each such byte as a private-use scalar
/// (U+10FF80–U+10FFFF for bytes 0x80–0xFF, in the manner of Python's
/// `surrogateescape`); `bytes(_:)` turns them back into the original bytes.
enum ArgumentText {
  /// The scalar that stands for the byte `0x80 + n` is `escapeBase + 0x80 + n`.
  static let escapeBase: UInt32 = 0x10_FF00

  /// The arguments after the program name.
  static func arguments() -> [String] {
    (1..<Int(CommandLine.argc)).map { index in
      guard let argument = CommandLine.unsafeArgv[index] else { return "" }
      var count = 0
      while argument[count] != 0 { count += 1 }
      return argument.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
        decode(UnsafeBufferPointer(start: bytes, count: count))
      }
    }
  }

  /// `bytes` as a string: UTF-8 sequences as their characters, every other
  /// byte as its escape scalar.
  static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    var result = String.UnicodeScalarView()
    var index = 0
    while index < bytes.count {
      let length = sequenceLength(bytes, at: index)
      if length == 0 {
        result.append(Unicode.Scalar(escapeBase + UInt32(bytes[index]))!)
        index += 1
        continue
      }
      var value = length == 1 ? UInt32(bytes[index]) : UInt32(bytes[index]) & (0x7F >> length)
      for offset in 1..<max(length, 1) { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
      result.append(Unicode.Scalar(value)!)
      index += length
    }
    return String(result)
  }

  /// The bytes `text` stands for: escape scalars as their bytes, the rest as UTF-8.
  static func bytes(_ text: String) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if scalar.value >= escapeBase + 0x80 && scalar.value <= escapeBase + 0xFF {
        result.append(UInt8(scalar.value - escapeBase))
      } else {
        result.append(contentsOf: String(scalar).utf8)
      }
    }
    return result
  }

  /// The length of the well-formed UTF-8 sequence at `index` (strict: no
  /// surrogates, nothing above U+10FFFF, no overlong forms), or 0.
  static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
    let lead = bytes[index]
    if lead < 0x80 { return 1 }
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lower = 0xA0
    case 0xED: length = 3; upper = 0x9F
    case 0xE1...0xEF: length = 3
    case 0xF0: length = 4; lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; upper = 0x8F
    default: return 0
    }
    guard index + length <= bytes.count, bytes[index + 1] >= lower, bytes[index + 1] <= upper else { return 0 }
    for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
    return length
  }
}
