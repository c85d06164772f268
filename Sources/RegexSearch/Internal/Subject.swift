import ByteBuffer
import CScanGuard

/// Where the bytes of a search come from. Every case is read in place.
enum SubjectSource {
  case buffer(any MutableByteBuffer)
  case bytes([UInt8])
  case raw(UnsafeRawBufferPointer)
  case string(String)

  /// Calls `body` with the bytes in place (never a nil base: an empty subject
  /// gets a static 1-byte dummy) and the path for error messages. Buffer
  /// errors (closed, ...) become `RegexError` of kind `.buffer`.
  func withBytes<R>(pattern: String?, _ body: (Memory) throws(RegexError) -> R) throws(RegexError) -> R {
    switch self {
    case .buffer(let buffer):
      let path = buffer.path
      do {
        return try buffer.withUnsafeBytes { raw throws -> R in try body(Memory(raw, path: path)) }
      } catch let error as RegexError {
        throw error
      } catch let error as ByteBufferError {
        throw RegexError(error, pattern: pattern)
      } catch {
        throw RegexError(kind: .buffer, code: 0, offset: nil, message: "\(error)", pattern: pattern)
      }
    case .bytes(let array):
      do {
        return try array.withUnsafeBytes { raw throws -> R in try body(Memory(raw, path: nil)) }
      } catch {
        throw error as! RegexError  // body throws only RegexError
      }
    case .raw(let raw):
      return try body(Memory(raw, path: nil))
    case .string(let string):
      var s = string
      do {
        // Native strings are contiguous UTF-8: withUTF8 does not copy them.
        return try s.withUTF8 { utf8 throws -> R in try body(Memory(UnsafeRawBufferPointer(utf8), path: nil)) }
      } catch {
        throw error as! RegexError
      }
    }
  }

  /// The number of bytes now (a buffer may change size between calls).
  var count: Int {
    switch self {
    case .buffer(let b): return b.count
    case .bytes(let a): return a.count
    case .raw(let r): return r.count
    case .string(let s): return s.utf8.count
    }
  }
}

/// A subject's bytes for the duration of one access, with guarded bulk scans.
struct Memory: @unchecked Sendable {  // read concurrently by parallel searches; never written
  /// Never nil, even for an empty subject.
  let base: UnsafeRawPointer
  let count: Int
  let path: String?

  init(_ raw: UnsafeRawBufferPointer, path: String?) {
    // Safe because a zero-length subject is never read; PCRE2 needs a non-null pointer.
    base = raw.count > 0 ? raw.baseAddress! : UnsafeRawPointer(emptySubjectByte)
    count = raw.count
    self.path = path
  }

  /// `range` (or the whole memory for `nil`), checked to lie within the memory.
  func checked(_ range: Range<Int>?, pattern: String?) throws(RegexError) -> Range<Int> {
    guard let range else { return 0..<count }
    guard range.lowerBound >= 0, range.upperBound <= count else {
      throw RegexError(.outOfRange(operation: "search", offset: range.lowerBound, length: range.count, count: count),
                       pattern: pattern)
    }
    return range
  }

  /// The error for a SIGBUS at `offset` (the file shrank under the mapping).
  func truncated(at offset: Int, pattern: String?) -> RegexError {
    RegexError(.truncated(path: path, offset: offset), pattern: pattern)
  }

  /// The offset of the first `byte` in `range`, or `nil` (guarded `memchr`).
  func firstIndex(of byte: UInt8, in range: Range<Int>, pattern: String?) throws(RegexError) -> Int? {
    if range.isEmpty { return nil }
    var result = -1
    var fault: UnsafeRawPointer? = nil
    // Safe because range lies within 0..<count.
    if csg_memchr(base + range.lowerBound, range.count, byte, &result, &fault) != Int32(CSG_OK) {
      throw truncated(at: fault.map { $0 - base } ?? range.lowerBound, pattern: pattern)
    }
    return result < 0 ? nil : range.lowerBound + result
  }

  /// The offset of the last `byte` in `range`, or `nil` (guarded `memrchr`).
  func lastIndex(of byte: UInt8, in range: Range<Int>, pattern: String?) throws(RegexError) -> Int? {
    if range.isEmpty { return nil }
    var result = -1
    var fault: UnsafeRawPointer? = nil
    if csg_memrchr(base + range.lowerBound, range.count, byte, &result, &fault) != Int32(CSG_OK) {
      throw truncated(at: fault.map { $0 - base } ?? range.lowerBound, pattern: pattern)
    }
    return result < 0 ? nil : range.lowerBound + result
  }

  /// The number of `byte`s in `range` (guarded, `memchr`-vectorised).
  func occurrences(of byte: UInt8, in range: Range<Int>, pattern: String?) throws(RegexError) -> Int {
    if range.isEmpty { return 0 }
    var n = 0
    var fault: UnsafeRawPointer? = nil
    if csg_count_byte(base + range.lowerBound, range.count, byte, &n, &fault) != Int32(CSG_OK) {
      throw truncated(at: fault.map { $0 - base } ?? range.lowerBound, pattern: pattern)
    }
    return n
  }

  /// A copy of the bytes in `range` (guarded `memmove`).
  func copy(_ range: Range<Int>, pattern: String?) throws(RegexError) -> [UInt8] {
    if range.isEmpty { return [] }
    var fault: UnsafeRawPointer? = nil
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: range.count) { out, initialized in
      failed = csg_memmove(out.baseAddress!, base + range.lowerBound, range.count, &fault) != Int32(CSG_OK)
      initialized = failed ? 0 : range.count
    }
    if failed { throw truncated(at: fault.map { $0 - base } ?? range.lowerBound, pattern: pattern) }
    return bytes
  }

  /// Copies the bytes in `range` to `destination` (guarded `memmove`);
  /// returns the offset of the first lost byte when the memory vanished.
  func copy(_ range: Range<Int>, to destination: UnsafeMutableRawPointer) -> Int? {
    if range.isEmpty { return nil }
    var fault: UnsafeRawPointer? = nil
    // Safe because range lies within 0..<count and destination has room for it.
    if csg_memmove(destination, base + range.lowerBound, range.count, &fault) != Int32(CSG_OK) {
      return fault.map { $0 - base } ?? range.lowerBound
    }
    return nil
  }

  /// The byte at `offset`, read under the guard (the file may shrink at any time).
  func byte(at offset: Int, pattern: String?) throws(RegexError) -> UInt8 {
    var value: UInt8 = 0
    var fault: UnsafeRawPointer? = nil
    // Safe because offset lies within 0..<count.
    if csg_memmove(&value, base + offset, 1, &fault) != Int32(CSG_OK) {
      throw truncated(at: offset, pattern: pattern)
    }
    return value
  }
}

/// Result slots that parallel workers fill, one slot per worker index.
struct ResultSlots<T>: @unchecked Sendable {  // each index is written by exactly one worker
  let base: UnsafeMutablePointer<T>
  let count: Int
  init(count: Int) {
    self.count = count
    base = .allocate(capacity: max(count, 1))
  }
  func set(_ i: Int, _ value: T) { (base + i).initialize(to: value) }
  /// Moves the values out and frees the slots (after every slot was set).
  func take() -> [T] {
    let array = Array(UnsafeBufferPointer(start: base, count: count))
    base.deinitialize(count: count)
    base.deallocate()
    return array
  }
}
