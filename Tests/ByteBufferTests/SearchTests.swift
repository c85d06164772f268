import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

/// One find/rfind call and what CPython 3.11's mmap answered.
struct FindCase: Sendable, CustomStringConvertible {
  let needle: String
  let start: Int
  let end: Int?
  let find: Int?
  let rfind: Int?

  init(_ needle: String, start: Int, end: Int?, find: Int?, rfind: Int?) {
    self.needle = needle
    self.start = start
    self.end = end
    self.find = find
    self.rfind = rfind
  }

  var description: String { "\(needle.debugDescription), start: \(start), end: \(end.map(String.init) ?? "nil")" }
}

// Observed with python3 3.11: m.find(needle, start[, end]) and m.rfind(...)
// on mmap.mmap(-1, 10) holding b"abcabc\nxyz" (-1 written as nil).
let pythonFindCases: [FindCase] = [
  FindCase("", start: 5, end: nil, find: 5, rfind: 10),
  FindCase("", start: 50, end: nil, find: 10, rfind: 10),
  FindCase("", start: -3, end: nil, find: 7, rfind: 10),
  FindCase("", start: 5, end: 2, find: nil, rfind: nil),
  FindCase("", start: 0, end: nil, find: 0, rfind: 10),
  FindCase("", start: -100, end: -100, find: 0, rfind: 0),
  FindCase("", start: 100, end: 100, find: 10, rfind: 10),
  FindCase("", start: 10, end: nil, find: 10, rfind: 10),
  FindCase("bc", start: -5, end: nil, find: nil, rfind: nil),
  FindCase("bc", start: -100, end: nil, find: 1, rfind: 4),
  FindCase("bc", start: 0, end: -6, find: 1, rfind: 1),
  FindCase("bc", start: 0, end: -7, find: 1, rfind: 1),
  FindCase("bc", start: 0, end: 4, find: 1, rfind: 1),
  FindCase("bc", start: 0, end: 5, find: 1, rfind: 1),
  FindCase("bc", start: 2, end: nil, find: 4, rfind: 4),
  FindCase("bc", start: 5, end: 2, find: nil, rfind: nil),
  FindCase("abc", start: 0, end: nil, find: 0, rfind: 3),
  FindCase("abc", start: 1, end: nil, find: 3, rfind: 3),
  FindCase("abc", start: 0, end: 5, find: 0, rfind: 0),
  FindCase("abc", start: 0, end: 6, find: 0, rfind: 3),
  FindCase("abc", start: 3, end: 6, find: 3, rfind: 3),
  FindCase("abc", start: -7, end: -1, find: 3, rfind: 3),
  FindCase("\n", start: 0, end: nil, find: 6, rfind: 6),
  FindCase("z", start: -1, end: nil, find: 9, rfind: 9),
  FindCase("z", start: -1, end: -1, find: nil, rfind: nil),
  FindCase("xyz", start: 7, end: 10, find: 7, rfind: 7),
  FindCase("xyz", start: 7, end: 9, find: nil, rfind: nil),
  FindCase("abcabc\nxyz", start: 0, end: nil, find: 0, rfind: 0),
  FindCase("abcabc\nxyzw", start: 0, end: nil, find: nil, rfind: nil),
  FindCase("q", start: 0, end: nil, find: nil, rfind: nil),
  FindCase("c", start: 3, end: 3, find: nil, rfind: nil),
  FindCase("c", start: 2, end: 3, find: 2, rfind: 2),
]

@Suite("Search: find and rfind")
struct SearchTests {
  @Test("find and rfind agree with CPython's mmap on start/end normalisation", arguments: Backend.allCases, pythonFindCases)
  func matchesPython(backend: Backend, example: FindCase) throws {
    let buffer = try backend.make("abcabc\nxyz")
    #expect(try buffer.find(example.needle, start: example.start, end: example.end) == example.find)
    #expect(try buffer.rfind(example.needle, start: example.start, end: example.end) == example.rfind)
    let bytes = Array(example.needle.utf8)
    #expect(try buffer.find(bytes, start: example.start, end: example.end) == example.find)
    #expect(try buffer.rfind(bytes, start: example.start, end: example.end) == example.rfind)
  }

  @Test("start defaults to 0, not the position (SEED-mmap semantics); the position does not move",
        arguments: Backend.allCases)
  func startDefaultsToZero(backend: Backend) throws {
    let buffer = try backend.make("abcabc\nxyz")
    try buffer.seek(3)
    #expect(try buffer.find("a") == 0)
    #expect(try buffer.rfind("a") == 3)
    #expect(try buffer.find("a", start: 1) == 3)
    #expect(try buffer.tell() == 3)
  }

  @Test("byte needles", arguments: Backend.allCases)
  func byteNeedles(backend: Backend) throws {
    let buffer = try backend.make([0x00, 0x0A, 0xFF, 0x0A, 0x00])
    #expect(try buffer.find(UInt8(0x0A)) == 1)
    #expect(try buffer.rfind(UInt8(0x0A)) == 3)
    #expect(try buffer.find(UInt8(0x0A), start: 2) == 3)
    #expect(try buffer.rfind(UInt8(0x0A), start: 0, end: 3) == 1)
    #expect(try buffer.find(UInt8(0x41)) == nil)
    #expect(try buffer.find([0xFF, 0x0A, 0x00]) == 2)
  }

  @Test("an empty buffer finds only the empty needle", arguments: Backend.allCases)
  func emptyBuffer(backend: Backend) throws {
    let buffer = try backend.make("")
    #expect(try buffer.find("") == 0)
    #expect(try buffer.rfind("") == 0)
    #expect(try buffer.find("a") == nil)
    #expect(try buffer.rfind(UInt8(0)) == nil)
  }

  @Test("a needle across a large buffer: first and last occurrences", arguments: Backend.allCases)
  func largeBuffer(backend: Backend) throws {
    var content = [UInt8](repeating: 0x2E, count: 300_000)
    content.replaceSubrange(12_345..<12_350, with: Array("NEEDL".utf8))
    content.replaceSubrange(250_001..<250_006, with: Array("NEEDL".utf8))
    let buffer = try backend.make(content)
    #expect(try buffer.find("NEEDL") == 12_345)
    #expect(try buffer.rfind("NEEDL") == 250_001)
    #expect(try buffer.find("NEEDL", start: 12_346) == 250_001)
    #expect(try buffer.rfind("NEEDL", end: 250_005) == 12_345)
  }
}
