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
    return try source.withBytes(pattern: self.source) { (memory) throws(RegexError) -> HeapByteBuffer in
      try storage.withScratch { (scratch) throws(RegexError) -> HeapByteBuffer in
        let outcome = replacement.withUnsafeBytes { rep in
          Result { () throws(RegexError) -> HeapByteBuffer in
            switch maxReplacements {
            case nil: return try substituteAll(.global, scratch, memory, rep)
            case 1?: return try substituteAll(.first, scratch, memory, rep)
            case let n?: return try substituteSome(n, scratch, memory, rep)
            }
          }
        }
        return try outcome.get()
      }
    }
  }

  /// One `pcre2_substitute_8` call: first for the length, then into the new buffer.
  private func substituteAll(_ mode: SubstituteMode, _ scratch: PCRE2Scratch, _ memory: Memory,
                             _ rep: UnsafeRawBufferPointer) throws(RegexError) -> HeapByteBuffer {
    let code = storage.code
    let sizing = scratch.substitute(code, subject: memory.base, length: memory.count, replacement: rep,
                                    mode: mode, output: nil, outputCapacity: 0)
    if let fault = sizing.fault { throw memory.truncated(at: fault, pattern: source) }
    var needed = sizing.length
    if sizing.result >= 0 {
      // Nothing overflowed a zero-length output: the result is empty.
      return HeapByteBuffer(count: 0)
    }
    guard sizing.result == PCRE2Scratch.noMemory else {
      throw RegexError(kind: .match, code: sizing.result, offset: nil, pattern: source)
    }
    let output = HeapByteBuffer(count: needed)
    do {
      try output.withUnsafeMutableBytes { out in
        let r = scratch.substitute(code, subject: memory.base, length: memory.count, replacement: rep,
                                   mode: mode, output: out.baseAddress, outputCapacity: out.count)
        if let fault = r.fault { throw memory.truncated(at: fault, pattern: source) }
        if r.result < 0 { throw RegexError(kind: .match, code: r.result, offset: nil, pattern: source) }
        needed = r.length
      }
    } catch let error as RegexError {
      throw error
    } catch {
      throw RegexError(kind: .buffer, code: 0, offset: nil, message: "\(error)", pattern: source)
    }
    if needed != output.count {
      do { try output.resize(to: needed) } catch { throw RegexError(error, pattern: source) }
    }
    return output
  }

  /// Replaces the first `limit` matches: PCRE2 expands the template for each
  /// match (`PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_REPLACEMENT_ONLY`).
  private func substituteSome(_ limit: Int, _ scratch: PCRE2Scratch, _ memory: Memory,
                              _ rep: UnsafeRawBufferPointer) throws(RegexError) -> HeapByteBuffer {
    let code = storage.code
    var out: [UInt8] = []
    var copied = 0
    var cursor = MatchCursor(start: 0)
    var done = 0
    var piece: [UInt8] = []
    let all = 0..<memory.count
    while done < limit, try cursor.next(code, scratch, in: memory, window: all, pattern: source) {
      let range = scratch.group(0)!
      out += try memory.copy(copied..<range.lowerBound, pattern: source)
      copied = range.upperBound
      let sizing = scratch.substitute(code, subject: memory.base, length: memory.count, replacement: rep,
                                      mode: .currentMatchOnly, output: nil, outputCapacity: 0)
      if let fault = sizing.fault { throw memory.truncated(at: fault, pattern: source) }
      if sizing.result == PCRE2Scratch.noMemory {
        piece = [UInt8](repeating: 0, count: sizing.length)
        let r = piece.withUnsafeMutableBytes { p in
          scratch.substitute(code, subject: memory.base, length: memory.count, replacement: rep,
                             mode: .currentMatchOnly, output: p.baseAddress, outputCapacity: p.count)
        }
        if let fault = r.fault { throw memory.truncated(at: fault, pattern: source) }
        if r.result < 0 { throw RegexError(kind: .match, code: r.result, offset: range.lowerBound, pattern: source) }
        out += piece[0..<r.length]
      } else if sizing.result < 0 {
        throw RegexError(kind: .match, code: sizing.result, offset: range.lowerBound, pattern: source)
      }
      done += 1
    }
    out += try memory.copy(copied..<memory.count, pattern: source)
    return HeapByteBuffer(out)
  }
}
