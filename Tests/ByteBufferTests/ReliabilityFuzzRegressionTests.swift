import ByteBuffer
import MappedBuffer
import TestSupport
import Testing


/// Inputs found by `scripts/fuzz.sh` (Fuzz/Sources/FuzzBuffers), replayed on
/// both backends. Each test names the crash it guards against.
@Suite("Reliability: buffer fuzz regressions")
struct ReliabilityFuzzRegressionTests {
  /// Ranges whose length does not fit in an `Int`. `Range.count` traps on
  /// them, so building the `.outOfRange` error used to crash the process
  /// (FuzzBuffers crash-8f546ecb: `bytes(in: -128..<Int.max)` on a 1-byte buffer).
  static let absurdRanges: [Range<Int>] = [-128..<Int.max, Int.min..<0, Int.min..<Int.max, -1..<Int.max]

  static func saturatedLength(_ range: Range<Int>) -> Int {
    range.lowerBound < 0 && range.upperBound > Int.max + range.lowerBound ? Int.max : range.upperBound - range.lowerBound
  }

  @Test("bytes(in:) and replaceBytes throw outOfRange for ranges longer than Int.max", arguments: Backend.allCases)
  func absurdRangesThrow(backend: Backend) throws {
    let buffer = try backend.make("\n")
    for range in Self.absurdRanges {
      let length = Self.saturatedLength(range)
      #expect(throws: ByteBufferError.outOfRange(operation: "read", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.bytes(in: range)
      }
      #expect(throws: ByteBufferError.outOfRange(operation: "replace", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.replaceBytes(in: range, with: [0x41])
      }
    }
    #expect(try buffer.bytes(in: 0..<1) == [0x0A])
    try buffer.close()
  }

  /// Both backends check flush and advise ranges with the protocol's shared
  /// `checkedFlushRange`/`checkedAdviceRange`. MappedByteBuffer used to have
  /// its own check (`withCheckedPages`), which built the error with
  /// `range.count` and so trapped on these ranges (FuzzBuffers).
  @Test("flush and advise throw outOfRange for ranges longer than Int.max", arguments: Backend.allCases)
  func absurdFlushAndAdviseRanges(backend: Backend) throws {
    let buffer = try backend.make("\n")
    for range in Self.absurdRanges {
      let length = Self.saturatedLength(range)
      #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.flush(range)
      }
      #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.flush(range, mode: .asynchronous)
      }
      #expect(throws: ByteBufferError.outOfRange(operation: "advise", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.advise(.normal, range: range)
      }
    }
    try buffer.flush(0..<1)
    try buffer.advise(.normal, range: 0..<Int.max)  // the end is clamped, as in CPython
    try buffer.close()
  }

  /// The same ranges through MappedByteBuffer's destructive advice, which
  /// had the same `range.count` trap.
  @Test("unsafeAdviseDiscard throws outOfRange for ranges longer than Int.max")
  func absurdDiscardRanges() throws {
    let buffer = try MappedByteBuffer(anonymousCount: 1)
    let empty = try MappedByteBuffer(anonymousCount: 0)
    for range in Self.absurdRanges {
      let length = Self.saturatedLength(range)
      #expect(throws: ByteBufferError.outOfRange(operation: "discard", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.unsafeAdviseDiscard(range: range)
      }
      #expect(throws: ByteBufferError.outOfRange(operation: "discard", offset: range.lowerBound, length: length, count: 0)) {
        try empty.unsafeAdviseDiscard(range: range)
      }
    }
    try empty.unsafeAdviseDiscard(range: 0..<0)
  }

  @Test("the saturated length is Int.max in the message too")
  func absurdRangeMessage() throws {
    let buffer = HeapByteBuffer("x")
    do {
      _ = try buffer.bytes(in: Int.min..<Int.max)
      Issue.record("expected outOfRange")
    } catch {
      #expect(error.description
        == "cannot read 9223372036854775807 bytes at offset -9223372036854775808: out of range for a buffer of 1 byte")
    }
  }

  /// FuzzBuffers, first run: `resize(to: -128)` threw `.invalidArgument` from
  /// both backends, but with different reasons ("the new size -128 is
  /// negative" from HeapByteBuffer, "new size -128 is out of range" from
  /// MappedByteBuffer). Both now call the protocol's `checkResizeCount`.
  @Test("resize to a negative size throws the same invalidArgument from both backends", arguments: Backend.allCases)
  func negativeResize(backend: Backend) throws {
    let buffer = try backend.make("abc")
    for size in [-128, -1, Int.min] {
      #expect(throws: ByteBufferError.invalidArgument(operation: "resize", reason: "the new size \(size) is negative")) {
        try buffer.resize(to: size)
      }
    }
    #expect(buffer.count == 3)
    #expect(try buffer.read() == Array("abc".utf8))
    try buffer.close()
  }

  @Test("resize to a negative size gives the same message on both backends")
  func negativeResizeMessage() throws {
    var messages: [String] = []
    for backend in Backend.allCases {
      let buffer = try backend.make("abc")
      do { try buffer.resize(to: -128) } catch { messages.append(error.description) }
    }
    #expect(messages == ["cannot resize: the new size -128 is negative", "cannot resize: the new size -128 is negative"])
  }

  /// Found by scripts/python-mmap-diff.py: `resize(to: Int.max - 1)` of a
  /// HeapByteBuffer ended the process ("failed to allocate ... bytes"), where
  /// CPython and MappedByteBuffer raise an OSError (`ENOMEM`, `EFBIG`).
  @Test("resize to a size no memory can hold throws system and leaves the buffer as it was", arguments: Backend.allCases)
  func impossibleResize(backend: Backend) throws {
    let buffer = try backend.make("abc")
    try buffer.seek(2)
    for size in [Int.max, Int.max - 1, 1 << 60, 1 << 56] {
      do {
        try buffer.resize(to: size)
        Issue.record("resize(to: \(size)) succeeded")
      } catch {
        guard case .system(operation: "resize", _, _) = error else {
          Issue.record("resize(to: \(size)) threw \(error)")
          continue
        }
      }
    }
    #expect(buffer.count == 3)
    #expect(buffer.position == 2)
    #expect(try buffer.bytes(in: 0..<3) == Array("abc".utf8))
    #expect(try buffer.size() == 3)
    try buffer.resize(to: 5)
    #expect(try buffer.bytes(in: 0..<5) == [0x61, 0x62, 0x63, 0, 0])
    try buffer.close()
  }
}
