import CScanGuard

/// Whether `bytes` are text as glibc's UTF-8 locales see it (grep's
/// `buf_has_encoding_errors`, which asks `mbrlen`): glibc 2.36 decodes the
/// original UTF-8 of up to six bytes, values up to 0x7FFFFFFF (so beyond
/// U+10FFFF too: `F4 90 80 80`, `F5 80 80 80`, `F8 88 80 80 80`), and
/// rejects overlong forms and the surrogates U+D800–U+DFFF (`ED A0 80`), as
/// well as `FE`, `FF`, stray continuation bytes and a sequence cut short.
func isValidText(_ bytes: UnsafeRawBufferPointer) -> Bool {
  let count = bytes.count
  guard let base = bytes.baseAddress else { return true }
  // Most lines are ASCII: a vectorised scan finds the first byte that is not.
  var index = csg_ascii_prefix(base, count)
  while index < count {
    // ASCII fast path, eight bytes at a time.
    while index + 8 <= count {
      let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
      if word & 0x8080_8080_8080_8080 != 0 { break }
      index += 8
    }
    guard index < count else { break }
    let lead = bytes[index]
    if lead < 0x80 {
      index += 1
      continue
    }
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    // The second byte's range rules out overlong forms (and, after ED, the surrogates).
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lower = 0xA0
    case 0xED: length = 3; upper = 0x9F
    case 0xE1...0xEF: length = 3
    case 0xF0: length = 4; lower = 0x90
    case 0xF1...0xF7: length = 4
    case 0xF8: length = 5; lower = 0x88
    case 0xF9...0xFB: length = 5
    case 0xFC: length = 6; lower = 0x84
    case 0xFD: length = 6
    default: return false
    }
    guard index + length <= count else { return false }
    let second = bytes[index + 1]
    guard second >= lower, second <= upper else { return false }
    var offset = 2
    while offset < length {
      let next = bytes[index + offset]
      guard next >= 0x80, next <= 0xBF else { return false }
      offset += 1
    }
    index += length
  }
  return true
}
