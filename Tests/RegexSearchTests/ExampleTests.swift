import ByteBuffer
import RegexSearch
import TestSupport
import Testing

@Suite("README example") struct ExampleTests {
  @Test("the docs/regex.md log-scanning example runs as written", arguments: Backend.allCases)
  func logScan(backend: Backend) throws {
    let log = try backend.make("""
      2026-11-26T15:00:00Z INFO  ok dur_ms=12
      2026-11-26T15:00:01Z ERROR db timeout dur_ms=1500
      2026-11-26T15:00:02Z ERROR quick dur_ms=3
      2026-11-26T15:00:03Z ERROR überlastet dur_ms=20000

      """)
    let slow = try Pattern(#"ERROR .* dur_ms=(?<ms>\d{4,})"#)
    var found: [String] = []
    var lines = slow.matchingLines(in: log, parallelism: 4).makeIterator()
    while let line = try lines.next() {
      if let match = try slow.firstMatch(in: log, within: line.range), let ms = match.range(named: "ms") {
        found.append("line \(line.number) at byte \(line.offset): \(String(decoding: log[ms], as: UTF8.self)) ms")
      }
    }
    #expect(found == ["line 2 at byte 40: 1500 ms", "line 4 at byte 132: 20000 ms"])
    #expect(try slow.countMatchingLines(in: log, parallelism: 4) == 2)
  }
}
