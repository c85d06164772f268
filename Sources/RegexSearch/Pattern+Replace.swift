import ByteBuffer

extension Pattern {
  /// Returns a new buffer with the matches in `buffer` replaced by `template`,
  /// in PCRE2's substitution syntax (`pcre2_substitute_8`): `$1` or `${1}` for a
  /// group, `${name}` for a named group, `$$` for a dollar sign.
  ///
  /// The source buffer is read in place and not changed; the result is sized
  /// first (`PCRE2_SUBSTITUTE_OVERFLOW_LENGTH`) and written straight into the
  /// new `HeapByteBuffer`.
  ///
  /// - Parameters:
  ///   - buffer: The bytes to search.
  ///   - template: The replacement text.
  ///   - maxReplacements: Replace at most this many matches, left to right;
  ///     `nil` replaces all of them (`PCRE2_SUBSTITUTE_GLOBAL`).
  /// - Returns: A new buffer with the replaced bytes.
  /// - Throws: `RegexError` `.match` for a limit or a bad template (for
  ///   example an unknown group), `.buffer` when the buffer is closed or truncated.
  /// - Precondition: `maxReplacements` is not negative.
  public func replacing(in buffer: some MutableByteBuffer, with template: String,
                        maxReplacements: Int? = nil) throws(RegexError) -> HeapByteBuffer {
    try replacing(in: .buffer(buffer), with: template, maxReplacements: maxReplacements)
  }

  /// Returns a new buffer with the matches in `bytes` replaced by `template`
  /// (see the buffer version).
  ///
  /// - Parameters:
  ///   - bytes: The subject.
  ///   - template: The replacement text, in PCRE2 substitution syntax.
  ///   - maxReplacements: Replace at most this many matches; `nil` = all.
  /// - Returns: A new buffer with the replaced bytes.
  /// - Throws: `RegexError` `.match`.
  public func replacing(in bytes: [UInt8], with template: String,
                        maxReplacements: Int? = nil) throws(RegexError) -> HeapByteBuffer {
    try replacing(in: .bytes(bytes), with: template, maxReplacements: maxReplacements)
  }

  /// Returns a new buffer with the matches in the UTF-8 bytes of `string`
  /// replaced by `template` (see the buffer version).
  ///
  /// - Parameters:
  ///   - string: The subject.
  ///   - template: The replacement text, in PCRE2 substitution syntax.
  ///   - maxReplacements: Replace at most this many matches; `nil` = all.
  /// - Returns: A new buffer with the replaced bytes.
  /// - Throws: `RegexError` `.match`.
  public func replacing(in string: String, with template: String,
                        maxReplacements: Int? = nil) throws(RegexError) -> HeapByteBuffer {
    try replacing(in: .string(string), with: template, maxReplacements: maxReplacements)
  }

  func replacing(in source: SubjectSource, with template: String,
                 maxReplacements: Int?) throws(RegexError) -> HeapByteBuffer {
    precondition((maxReplacements ?? 0) >= 0, "maxReplacements \(maxReplacements ?? 0) is negative")
    let replacement = Array(template.utf8)
    let limit = maxReplacements ?? Int.max
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> HeapByteBuffer in
      try storage.withScratch { (scratch) throws(RegexError) -> HeapByteBuffer in
        let outcome = replacement.withUnsafeBytes { rep in
          Result { () throws(RegexError) -> HeapByteBuffer in try substitute(limit, scratch, memory, rep) }
        }
        return try outcome.get()
      }
    }
  }

  /// Replaces the first `limit` matches, exactly the ones `matches(in:)`
  /// yields (our own match loop, with PCRE2's empty-match retry): the bytes
  /// between matches are copied, and PCRE2 expands the template for each
  /// match already in the match data (`PCRE2_SUBSTITUTE_MATCHED |
  /// PCRE2_SUBSTITUTE_REPLACEMENT_ONLY`), straight into the output.
  ///
  /// `pcre2_substitute_8`'s own global loop is not used: in UTF mode with
  /// invalid UTF-8 in the subject it skips the non-empty retry after an empty
  /// match, so it would replace other matches than the search reports.
  private func substitute(_ limit: Int, _ scratch: PCRE2Scratch, _ memory: Memory,
                          _ rep: UnsafeRawBufferPointer) throws(RegexError) -> HeapByteBuffer {
    let code = storage.code
    var output = ReplacementOutput(expected: memory.count)
    var copied = 0
    var cursor = MatchCursor(start: 0)
    var done = 0
    let all = 0..<memory.count
    while done < limit, try cursor.next(code, scratch, in: memory, window: all, pattern: source) {
      let range = scratch.group(0)!
      try output.append(memory, copied..<max(copied, range.lowerBound), pattern: source)
      copied = max(copied, range.upperBound)
      var needed = 64
      while true {
        output.reserve(needed)
        let r = output.withSpare { (out, capacity) in
          scratch.substitute(code, subject: memory.base, length: memory.count, replacement: rep,
                             mode: .currentMatchOnly, output: out, outputCapacity: capacity)
        }
        if let fault = r.fault { throw memory.truncated(at: fault, pattern: source) }
        if r.result >= 0 {
          output.used += r.length
          break
        }
        guard r.result == PCRE2Scratch.noMemory, r.length > needed else {
          throw RegexError(kind: .match, code: r.result, offset: range.lowerBound, pattern: source)
        }
        needed = r.length
      }
      done += 1
    }
    try output.append(memory, copied..<memory.count, pattern: source)
    return output.buffer
  }
}

/// The bytes of a replacement result as they are built: `used` bytes of
/// `storage` are the result, the rest is room for the next piece.
private struct ReplacementOutput {
  private var storage: [UInt8] = []
  var used = 0

  init(expected: Int) { storage.reserveCapacity(expected) }

  /// Makes room for `count` more bytes.
  mutating func reserve(_ count: Int) {
    let missing = used + count - storage.count
    if missing > 0 { storage.append(contentsOf: repeatElement(0, count: max(missing, storage.count))) }
  }

  /// Calls `body` with the free room (never a nil pointer).
  mutating func withSpare<R>(_ body: (UnsafeMutableRawPointer, Int) -> R) -> R {
    let used = self.used
    return storage.withUnsafeMutableBytes { raw in
      // Safe because reserve left room after `used`.
      body(raw.baseAddress! + used, raw.count - used)
    }
  }

  /// Appends the bytes of `range` of `memory` (guarded copy).
  mutating func append(_ memory: Memory, _ range: Range<Int>, pattern: String?) throws(RegexError) {
    if range.isEmpty { return }
    reserve(range.count)
    let start = used
    let failed = storage.withUnsafeMutableBytes { raw in
      memory.copy(range, to: raw.baseAddress! + start)
    }
    if let fault = failed { throw memory.truncated(at: fault, pattern: pattern) }
    used += range.count
  }

  /// The result, in a new buffer.
  var buffer: HeapByteBuffer { HeapByteBuffer(storage[0..<used]) }
}
