import ByteBuffer
import RegexSearch
import TestSupport
import Testing

@Suite("Replacing") struct ReplaceTests {
  func text(_ buffer: HeapByteBuffer) throws -> String {
    try buffer.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
  }

  @Test("$1 and ${name}, all matches", arguments: Backend.allCases)
  func replaceAll(backend: Backend) throws {
    let buffer = try backend.make("2024-05-06 and 1999-12-31")
    let date = try Pattern(#"(?<y>\d{4})-(\d\d)-(\d\d)"#)
    #expect(try text(date.replacing(in: buffer, with: "$3/$2/${y}")) == "06/05/2024 and 31/12/1999")
    #expect(try text(date.replacing(in: buffer, with: "[$0]", maxReplacements: 1)) == "[2024-05-06] and 1999-12-31")
    #expect(try text(date.replacing(in: buffer, with: "x", maxReplacements: 0)) == "2024-05-06 and 1999-12-31")
    #expect(try text(date.replacing(in: buffer, with: "$$")) == "$ and $")
  }

  @Test("maxReplacements above one", arguments: Backend.allCases)
  func replaceSome(backend: Backend) throws {
    let buffer = try backend.make("a1 b2 c3 d4")
    let p = try Pattern(#"([a-z])(\d)"#)
    #expect(try text(p.replacing(in: buffer, with: "$2$1", maxReplacements: 2)) == "1a 2b c3 d4")
    #expect(try text(p.replacing(in: buffer, with: "$2$1", maxReplacements: 9)) == "1a 2b 3c 4d")
    #expect(try text(Pattern("x*").replacing(in: buffer, with: "-", maxReplacements: 3)) == "-a-1- b2 c3 d4")
  }

  @Test("empty matches and empty results", arguments: Backend.allCases)
  func replaceEmpty(backend: Backend) throws {
    #expect(try text(Pattern("x*").replacing(in: backend.make("ab"), with: "-")) == "-a-b-")
    #expect(try text(Pattern(".").replacing(in: backend.make("ab"), with: "")) == "")
    #expect(try text(Pattern("q").replacing(in: backend.make(""), with: "z")) == "")
    #expect(try Pattern(".").replacing(in: backend.make("ab"), with: "").count == 0)
  }

  @Test func replaceStringsAndArrays() throws {
    #expect(try text(Pattern("o").replacing(in: "foo", with: "0")) == "f00")
    #expect(try text(Pattern("o").replacing(in: Array("foo".utf8), with: "0", maxReplacements: 1)) == "f0o")
  }

  @Test func badTemplateThrows() throws {
    #expect {
      _ = try Pattern("(a)").replacing(in: "a", with: "$2")
    } throws: { error in
      guard let e = error as? RegexError else { return false }
      return e.kind == .match && e.code == -49 && e.message == "unknown substring"
    }
  }
}
