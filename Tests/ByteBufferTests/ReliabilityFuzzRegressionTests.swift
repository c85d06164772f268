import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

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

  @Test("flush and advise on a HeapByteBuffer throw outOfRange for ranges longer than Int.max")
  func absurdFlushAndAdviseRangesOnTheHeap() throws {
    let buffer = HeapByteBuffer("\n")
    for range in Self.absurdRanges {
      let length = Self.saturatedLength(range)
      #expect(throws: ByteBufferError.outOfRange(operation: "flush", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.flush(range)
      }
      #expect(throws: ByteBufferError.outOfRange(operation: "advise", offset: range.lowerBound, length: length, count: 1)) {
        try buffer.advise(.normal, range: range)
      }
    }
  }

  /// MappedByteBuffer's own range check for flush and advise
  /// (`withCheckedPages`, MappedByteBuffer+Storage.swift) builds its error
  /// with `range.count`, which traps on these ranges: the child dies of
  /// SIGILL instead of exiting 0. Known issue, reported to MappedBuffer's owner.
  @Test("flush and advise on a MappedByteBuffer throw outOfRange for ranges longer than Int.max")
  func absurdFlushAndAdviseRangesOnAMapping() async {
    await withKnownIssue("MappedByteBuffer.flush/advise trap on Range.count overflow (withCheckedPages)") {
      await #expect(processExitsWith: .success) {
        let buffer = try Backend.mapped.make("\n")
        for range in ReliabilityFuzzRegressionTests.absurdRanges {
          do {
            try buffer.flush(range)
            exit(1)
          } catch {
            guard case ByteBufferError.outOfRange(_, range.lowerBound, _, 1)? = error as? ByteBufferError else { exit(2) }
          }
          do {
            try buffer.advise(.normal, range: range)
            exit(3)
          } catch {
            guard case ByteBufferError.outOfRange(_, range.lowerBound, _, 1)? = error as? ByteBufferError else { exit(4) }
          }
        }
      }
    }
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

  /// FuzzBuffers, first run: `resize(to: -128)` throws `.invalidArgument` from
  /// both backends, but with different reasons ("the new size -128 is
  /// negative" from HeapByteBuffer, "new size -128 is out of range" from
  /// MappedByteBuffer). The fuzzer now ignores the reason text; the
  /// difference is reported to MappedBuffer's owner.
  @Test("resize to a negative size throws invalidArgument(resize) from both backends", arguments: Backend.allCases)
  func negativeResize(backend: Backend) throws {
    let buffer = try backend.make("abc")
    do {
      try buffer.resize(to: -128)
      Issue.record("expected invalidArgument")
    } catch {
      guard case .invalidArgument(let operation, _) = error else {
        Issue.record("expected invalidArgument, got \(error)")
        return
      }
      #expect(operation == "resize")
    }
    #expect(buffer.count == 3)
    try buffer.close()
  }

  @Test("resize to a negative size gives the same message on both backends")
  func negativeResizeMessage() throws {
    let heap = try Backend.heap.make("abc")
    let mapped = try Backend.mapped.make("abc")
    var messages: [String] = []
    for buffer in [heap, mapped] {
      do { try buffer.resize(to: -128) } catch { messages.append(error.description) }
    }
    withKnownIssue("MappedByteBuffer says 'new size -128 is out of range', HeapByteBuffer 'the new size -128 is negative'") {
      #expect(messages.count == 2 && messages[0] == messages[1])
    }
  }
}
