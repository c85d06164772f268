import ByteBuffer
import RegexSearch
import TestSupport
import Testing

@Suite("Match errors") struct LimitTests {
  static let catastrophic = String(repeating: "a", count: 100_000) + "b"

  @Test("(a+)+$ over 100,000 a's then b ends with a typed limit error", arguments: [true, false])
  func catastrophicBacktracking(jit: Bool) throws {
    let p = try Pattern("(a+)+$", jit: jit)
    let buffer = HeapByteBuffer(Self.catastrophic)
    #expect {
      _ = try p.firstMatch(in: buffer)
    } throws: { error in
      guard let e = error as? RegexError else { return false }
      return e.kind == .match && e.isLimitExceeded && e.code == -47 && e.offset == 0
        && e.message == "match limit exceeded"
    }
  }

  @Test("limit errors surface from every search API, never as 'no more matches'", arguments: Backend.allCases)
  func everyAPIThrows(backend: Backend) throws {
    let p = try Pattern("(a+)+$", limits: .init(matchLimit: 100_000))
    let buffer = try backend.make("ok\n" + String(repeating: "a", count: 5_000) + "b\nok")
    #expect(throws: RegexError.self) { _ = try p.count(in: buffer) }
    #expect(throws: RegexError.self) { _ = try p.count(in: buffer, parallelism: 2) }
    #expect(throws: RegexError.self) { _ = try p.contains(in: buffer) }
    #expect(throws: RegexError.self) { _ = try p.replacing(in: buffer, with: "x") }
    var matches = p.matches(in: buffer).makeIterator()
    #expect(throws: RegexError.self) { _ = try matches.next() }
    #expect {
      _ = try p.countMatchingLines(in: buffer)
    } throws: { ($0 as? RegexError)?.offset == 3 && ($0 as? RegexError)?.isLimitExceeded == true }
    var lines = p.matchingLines(in: buffer).makeIterator()
    #expect(throws: RegexError.self) { _ = try lines.next() }
    var parallel = p.matchingLines(in: buffer, parallelism: 2).makeIterator()
    #expect(throws: RegexError.self) { _ = try parallel.next() }
  }

  @Test func depthAndHeapLimits() throws {
    let deep = try Pattern("(a|b)*c", limits: .init(depthLimit: 10), jit: false)
    #expect {
      _ = try deep.firstMatch(in: String(repeating: "ab", count: 1_000) + "c")
    } throws: { ($0 as? RegexError)?.code == -53 && ($0 as? RegexError)?.isLimitExceeded == true }
    let heap = try Pattern("(a|b)*c", limits: .init(heapLimitKiB: 1), jit: false)
    #expect {
      _ = try heap.firstMatch(in: String(repeating: "ab", count: 10_000) + "c")
    } throws: { ($0 as? RegexError)?.code == -63 }
  }

  @Test(.enabled(if: Pattern.isJITAvailable))
  func jitStackLimit() throws {
    let p = try Pattern("(a|b)*c", limits: .init(jitStackSize: 0))
    #expect(p.isJITCompiled)
    #expect {
      _ = try p.firstMatch(in: String(repeating: "ab", count: 100_000) + "c")
    } throws: { ($0 as? RegexError)?.code == -46 && ($0 as? RegexError)?.message == "JIT stack limit reached" }
    let roomy = try Pattern("(a|b)*c", limits: .init(jitStackSize: 64 << 20))
    #expect(try roomy.firstMatch(in: String(repeating: "ab", count: 100_000) + "c")?.range == 0..<200_001)
  }

  @Test("a JIT stack that runs out grows past 1 MiB, up to jitStackSize, and the match is tried again",
        .enabled(if: Pattern.isJITAvailable))
  func jitStackGrows() throws {
    let line = String(repeating: "ab", count: 100_000) + "c"
    // The default stack (1 MiB) is too small for this line.
    #expect {
      _ = try Pattern("(a|b)*c").firstMatch(in: line)
    } throws: { ($0 as? RegexError)?.code == -46 }
    let growing = try Pattern("(a|b)*c", limits: .init(jitStackSize: 64 << 20))
    let text = "x\n" + line + "\nab\n"
    #expect(try growing.firstMatch(in: text)?.range == 2..<200_003)
    #expect(try growing.matchingLines(in: text).collect().map(\.number) == [2])
    #expect(try growing.countMatchingLines(in: text, inverted: true) == 2)
    // A limit too small for the line still ends with the typed error.
    let capped = try Pattern("(a|b)*c", limits: .init(jitStackSize: 2 << 20))
    #expect {
      _ = try capped.firstMatch(in: String(repeating: "ab", count: 1_000_000) + "c")
    } throws: { ($0 as? RegexError)?.code == -46 }
  }
}
