import CScanGuard

/// Whether `bytes` are text as glibc's UTF-8 locales see it (grep's
/// `buf_has_encoding_errors`): well-formed UTF-8 up to U+10FFFF, no overlong
/// forms; unlike strict UTF-8, the surrogate range U+D800–U+DFFF is accepted,
/// because glibc's decoder accepts it.
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
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lower = 0xA0
    case 0xE1...0xEF: length = 3
    case 0xF0: length = 4; lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; upper = 0x8F
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
