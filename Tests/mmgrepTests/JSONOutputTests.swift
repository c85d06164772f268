import Foundation
import Testing

/// `mmgrep --json`: parsed with JSONSerialization, checked against literal
/// events and against mmgrep's plain output for the same search.
@Suite("mmgrep --json")
final class JSONOutputTests {
  let directory: String

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("mmgrep-json-\(UUID().uuidString)").path
    try FileManager.default.copyItem(atPath: Workspace.fixtures, toPath: directory)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  func mmgrep(_ arguments: [String]) throws -> RunResult {
    try CLIRunner.run(try CLIRunner.mmgrepPath(), arguments, in: directory)
  }

  func write(_ bytes: [UInt8], to name: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
  }

  /// Each output line parsed as a JSON object.
  func events(_ output: [UInt8]) throws -> [[String: Any]] {
    try output.split(separator: 10).map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }
  }

  /// The bytes of a `{"text": ...}` or `{"bytes": base64}` object.
  func bytes(_ value: Any?) throws -> [UInt8] {
    let object = try #require(value as? [String: Any])
    if let text = object["text"] as? String { return Array(text.utf8) }
    let encoded = try #require(object["bytes"] as? String)
    return [UInt8](try #require(Data(base64Encoded: encoded)))
  }

  @Test("begin, match, context, end and summary events, byte for byte (timings aside)")
  func literalEvents() throws {
    try write(Array("foo bar foo\nbaz\nqux foo\n".utf8) + [0xFF, 0xFE] + Array(" foo\nlast".utf8), to: "a.txt")
    let result = try mmgrep(["--json", "-C1", "baz|last", "a.txt"])
    #expect(result.status == 0)
    let lines = result.stdout.string.split(separator: "\n").map(String.init)
    #expect(lines.count == 8)
    #expect(Array(lines.prefix(6)) == [
      #"{"type":"begin","data":{"path":{"text":"a.txt"}}}"#,
      #"{"type":"context","data":{"path":{"text":"a.txt"},"lines":{"text":"foo bar foo\n"},"line_number":1,"absolute_offset":0,"submatches":[]}}"#,
      #"{"type":"match","data":{"path":{"text":"a.txt"},"lines":{"text":"baz\n"},"line_number":2,"absolute_offset":12,"submatches":[{"match":{"text":"baz"},"start":0,"end":3}]}}"#,
      #"{"type":"context","data":{"path":{"text":"a.txt"},"lines":{"text":"qux foo\n"},"line_number":3,"absolute_offset":16,"submatches":[]}}"#,
      #"{"type":"context","data":{"path":{"text":"a.txt"},"lines":{"bytes":"//4gZm9vCg=="},"line_number":4,"absolute_offset":24,"submatches":[]}}"#,
      #"{"type":"match","data":{"path":{"text":"a.txt"},"lines":{"text":"last"},"line_number":5,"absolute_offset":31,"submatches":[{"match":{"text":"last"},"start":0,"end":4}]}}"#,
    ])
    let parsed = try events(result.stdout)
    #expect(parsed.map { $0["type"] as? String } == ["begin", "context", "match", "context", "context", "match", "end",
                                                     "summary"])
    let end = try #require(parsed[6]["data"] as? [String: Any])
    #expect(end["binary_offset"] is NSNull)
    let stats = try #require(end["stats"] as? [String: Any])
    #expect(stats["bytes_searched"] as? Int == 35)
    #expect(stats["matched_lines"] as? Int == 2)
    #expect(stats["matches"] as? Int == 2)
    #expect(stats["searches_with_match"] as? Int == 1)
    #expect(stats["bytes_printed"] as? Int == lines.prefix(6).reduce(0) { $0 + $1.utf8.count + 1 })
    let summary = try #require(parsed[7]["data"] as? [String: Any])
    let total = try #require(summary["stats"] as? [String: Any])
    #expect(total["searches"] as? Int == 1)
    #expect(total["matched_lines"] as? Int == 2)
    #expect(summary["elapsed_total"] is [String: Any])
  }

  @Test("control characters, quotes and backslashes are escaped; invalid UTF-8 is base64, field by field")
  func encoding() throws {
    try write(Array("\"q\\\t\u{01}x\u{7F}\r\n".utf8) + [0xC3, 0x28, 0x41, 0x0A], to: "e.txt")
    let result = try mmgrep(["--json", "q|A", "e.txt"])
    let lines = result.stdout.string.split(separator: "\n").map(String.init)
    #expect(lines[1] == #"{"type":"match","data":{"path":{"text":"e.txt"},"lines":{"text":"\"q\\\t\u0001x"# + "\u{7F}"
      + #"\r\n"},"line_number":1,"absolute_offset":0,"submatches":[{"match":{"text":"q"},"start":1,"end":2}]}}"#)
    #expect(lines[2] == #"{"type":"match","data":{"path":{"text":"e.txt"},"lines":{"bytes":"wyhBCg=="},"line_number":2,"absolute_offset":9,"submatches":[{"match":{"text":"A"},"start":2,"end":3}]}}"#)
    let parsed = try events(result.stdout)
    #expect(try bytes((parsed[2]["data"] as? [String: Any])?["lines"]) == [0xC3, 0x28, 0x41, 0x0A])
  }

  @Test("text beyond U+10FFFF (glibc's, so grep prints it) is base64 in JSON; U+D7FF is text")
  func beyondUnicode() throws {
    let lines: [[UInt8]] = [[0x41, 0x20, 0xF4, 0x90, 0x80, 0x80], [0x41, 0x20, 0xED, 0x9F, 0xBF],
                            [0x41, 0x20, 0xF5, 0x80, 0x80, 0x80], [0x41, 0x20, 0xF4, 0x8F, 0xBF, 0xBF]]
    try write(lines.flatMap { $0 + [0x0A] }, to: "u.txt")
    let plain = try mmgrep(["A", "u.txt"])
    #expect(plain.stdout == lines.flatMap { $0 + [0x0A] } && plain.stderr.isEmpty)  // all four are text to grep
    let parsed = try events(try mmgrep(["--json", "A", "u.txt"]).stdout)
    let objects = parsed.compactMap { ($0["data"] as? [String: Any])?["lines"] as? [String: String] }
    #expect(objects.map { $0.keys.first } == ["bytes", "text", "bytes", "text"])
    for (object, line) in zip(parsed.dropFirst().prefix(4), lines) {
      #expect(try bytes((object["data"] as? [String: Any])?["lines"]) == line + [0x0A])
    }
  }

  @Test("no events for a file without matches; -v reports selected lines without submatches; a binary file reports its binary offset")
  func fileEvents() throws {
    let none = try mmgrep(["--json", "qqq", "prose.txt"])
    #expect(none.status == 1)
    #expect(try events(none.stdout).map { $0["type"] as? String } == ["summary"])

    let inverted = try mmgrep(["--json", "-v", "qqq", "nonl.txt"])
    let parsed = try events(inverted.stdout)
    #expect(parsed.map { $0["type"] as? String } == ["begin", "match", "match", "match", "end", "summary"])
    #expect(parsed[1...3].allSatisfy { (($0["data"] as? [String: Any])?["submatches"] as? [Any])?.isEmpty == true })
    #expect(try bytes((parsed[3]["data"] as? [String: Any])?["lines"]) == Array("gamma delta".utf8))

    let binary = try mmgrep(["--json", "match", "binary.bin"])
    let binaryEvents = try events(binary.stdout)
    #expect(binaryEvents.map { $0["type"] as? String } == ["begin", "end", "summary"])
    #expect((binaryEvents[1]["data"] as? [String: Any])?["binary_offset"] as? Int == 0)
    #expect(binary.stderr.string == "mmgrep: binary.bin: binary file matches\n")
  }

  /// The events' (path, number, offset, line, kind) against `mmgrep -a -Z -n -b`:
  /// the same lines with the same numbers and offsets.
  @Test(
    "JSON events carry the lines, numbers and offsets of the plain output",
    arguments: [
      ["ERROR|WARN", "app.log", "crlf.txt", "nonl.txt"],
      ["-i", "-C", "2", "user=(alice|bob)", "app.log"],
      ["-v", "-A", "1", "INFO", "app.log"],
      ["-m", "3", "-B", "1", "ms", "app.log", "unicode.txt"],
      ["-w", "-F", "café", "unicode.txt", "invalid-utf8.txt"],
      ["line", "invalid-utf8.txt"],
      ["x*", "prose.txt", "blank-lines.txt"],
      ["\\w+$", "late-binary.txt"],
    ])
  func matchesPlainOutput(arguments: [String]) throws {
    let json = try mmgrep(["--json", "-a"] + arguments)
    let plain = try mmgrep(["-a", "-Z", "-H", "-n", "-b"] + arguments)
    #expect(json.status == plain.status)
    var fromJSON: [String] = []
    var submatchTexts: [[UInt8]] = []
    for event in try events(json.stdout) {
      let kind = try #require(event["type"] as? String)
      guard kind == "match" || kind == "context", let data = event["data"] as? [String: Any] else { continue }
      let path = try #require((data["path"] as? [String: Any])?["text"] as? String)
      var line = try bytes(data["lines"])
      if line.last == 10 { line.removeLast() }
      let number = try #require(data["line_number"] as? Int)
      let offset = try #require(data["absolute_offset"] as? Int)
      let separator = kind == "match" ? ":" : "-"
      fromJSON.append("\(path)\0\(number)\(separator)\(offset)\(separator)" + String(decoding: line, as: UTF8.self))
      for submatch in try #require(data["submatches"] as? [[String: Any]]) {
        let start = try #require(submatch["start"] as? Int), end = try #require(submatch["end"] as? Int)
        #expect(try bytes(submatch["match"]) == Array(line[start..<end]))
        if start < end { submatchTexts.append(Array(line[start..<end])) }
      }
    }
    let fromPlain = plain.stdout.split(separator: 10, omittingEmptySubsequences: false).dropLast()
      .map { String(decoding: $0, as: UTF8.self) }.filter { $0 != "--" }
    #expect(fromJSON == fromPlain)
    #expect(!fromJSON.isEmpty)
    if !arguments.contains("-v") && !arguments.contains(where: { $0.hasPrefix("-C") || $0.hasPrefix("-A") || $0.hasPrefix("-B") }) {
      // Non-empty submatches are the matches -o prints.
      let only = try mmgrep(["-a", "-o", "-h"] + arguments)
      #expect(submatchTexts == only.stdout.split(separator: 10).map(Array.init))
    }
  }
}

extension JSONOutputTests {
  @Test("--json with --from-offset and --follow: absolute numbers and offsets; end and summary on SIGTERM")
  func followed() throws {
    try write(Array("a ERROR\nb ERROR\n".utf8), to: "f.log")
    let once = try mmgrep(["--json", "--from-offset", "8", "ERROR", "f.log"])
    let lines = once.stdout.string.split(separator: "\n").map(String.init)
    #expect(lines[1] == #"{"type":"match","data":{"path":{"text":"f.log"},"lines":{"text":"b ERROR\n"},"line_number":2,"absolute_offset":8,"submatches":[{"match":{"text":"ERROR"},"start":2,"end":7}]}}"#)
    let onceEvents = try events(once.stdout)
    #expect(onceEvents.map { $0["type"] as? String } == ["begin", "match", "end", "summary"])
    #expect(((onceEvents[2]["data"] as? [String: Any])?["stats"] as? [String: Any])?["bytes_searched"] as? Int == 8)

    let running = try FollowingProcess(["--follow", "--poll-interval", "0.01", "--json", "ERROR", "f.log"], in: directory)
    running.waitForLines(3)
    let handle = try #require(FileHandle(forWritingAtPath: directory + "/f.log"))
    handle.seekToEndOfFile()
    handle.write(Data("c ERROR\n".utf8))
    try handle.close()
    running.waitForLines(4)
    let (status, output, _) = running.stop()
    #expect(status == 0)
    let followed = try events(Array(output.utf8))
    #expect(followed.map { $0["type"] as? String } == ["begin", "match", "match", "match", "end", "summary"])
    #expect(followed[1...3].map { ($0["data"] as? [String: Any])?["absolute_offset"] as? Int } == [0, 8, 16])
    #expect(followed[1...3].map { ($0["data"] as? [String: Any])?["line_number"] as? Int } == [1, 2, 3])
  }
}
