/// `--json`: one JSON object per line, in ripgrep's `--json` schema.
///
/// ```
/// {"type":"begin","data":{"path":{"text":"app.log"}}}
/// {"type":"match","data":{"path":{"text":"app.log"},"lines":{"text":"GET /a 500\n"},"line_number":1,
///   "absolute_offset":0,"submatches":[{"match":{"text":"500"},"start":7,"end":10}]}}
/// {"type":"context","data":{... as "match" ...}}
/// {"type":"end","data":{"path":{"text":"app.log"},"binary_offset":null,"stats":{...}}}
/// {"data":{"elapsed_total":{...},"stats":{...}},"type":"summary"}
/// ```
///
/// Bytes become `{"text":"..."}` when they are valid UTF-8 (strict: no
/// surrogates, no overlong forms) and `{"bytes":"BASE64"}` (standard
/// alphabet, padded) otherwise, field by field. `lines` holds the line with
/// its `"\n"` (when the file has one), `line_number` is `null` when unknown,
/// `absolute_offset` is the line's byte offset in the file, and each
/// submatch has `start`/`end` byte offsets relative to the line. The encoder
/// is written by hand (no Foundation).
final class JSONLines {
  /// What ripgrep reports for a search (per file in `end`, summed in `summary`).
  struct Stats {
    var elapsedNanoseconds: Int64 = 0
    var searches = 0
    var searchesWithMatch = 0
    var bytesSearched = 0
    var bytesPrinted = 0
    var matchedLines = 0
    var matches = 0

    mutating func add(_ other: Stats) {
      elapsedNanoseconds += other.elapsedNanoseconds
      searches += other.searches
      searchesWithMatch += other.searchesWithMatch
      bytesSearched += other.bytesSearched
      bytesPrinted += other.bytesPrinted
      matchedLines += other.matchedLines
      matches += other.matches
    }
  }

  let output: Output
  /// The event being built (reused: one allocation for the whole run).
  private var event: [UInt8] = []

  init(output: Output) {
    self.output = output
    event.reserveCapacity(4096)
  }

  /// Writes the event built in `event` and its newline; returns the bytes written.
  private func emit() -> Int {
    event.append(UInt8(ascii: "\n"))
    event.withUnsafeBytes { output.append($0) }
    let written = event.count
    event.removeAll(keepingCapacity: true)
    return written
  }

  // MARK: - Events

  /// `{"type":"begin",...}`; returns the bytes written.
  func begin(path: [UInt8]) -> Int {
    append("{\"type\":\"begin\",\"data\":{\"path\":")
    appendData(path)
    append("}}")
    return emit()
  }

  /// A `match` (selected) or `context` event for one line.
  ///
  /// - Parameters:
  ///   - selected: `match` when true, else `context`.
  ///   - path: The file's name.
  ///   - line: The line's bytes, with its `"\n"` when it has one.
  ///   - number: The line number, or `nil` (`null`).
  ///   - offset: The absolute byte offset of the line.
  ///   - submatches: The matches, relative to the line.
  /// - Returns: The bytes written.
  func line(selected: Bool, path: [UInt8], line: UnsafeRawBufferPointer, number: Int?, offset: Int,
            submatches: [Range<Int>]) -> Int {
    append(selected ? "{\"type\":\"match\",\"data\":{\"path\":" : "{\"type\":\"context\",\"data\":{\"path\":")
    appendData(path)
    append(",\"lines\":")
    appendData(line)
    append(",\"line_number\":")
    if let number { appendDecimal(number) } else { append("null") }
    append(",\"absolute_offset\":")
    appendDecimal(offset)
    append(",\"submatches\":[")
    for (index, range) in submatches.enumerated() {
      if index > 0 { event.append(UInt8(ascii: ",")) }
      append("{\"match\":")
      // Safe because the submatches lie within the line.
      appendData(UnsafeRawBufferPointer(rebasing: line[range]))
      append(",\"start\":")
      appendDecimal(range.lowerBound)
      append(",\"end\":")
      appendDecimal(range.upperBound)
      event.append(UInt8(ascii: "}"))
    }
    append("]}}")
    return emit()
  }

  /// `{"type":"end",...}` with the file's statistics.
  func end(path: [UInt8], binaryOffset: Int?, stats: Stats) {
    append("{\"type\":\"end\",\"data\":{\"path\":")
    appendData(path)
    append(",\"binary_offset\":")
    if let binaryOffset { appendDecimal(binaryOffset) } else { append("null") }
    append(",\"stats\":{\"elapsed\":")
    appendElapsed(stats.elapsedNanoseconds, sorted: false)
    append(",\"searches\":")
    appendDecimal(stats.searches)
    append(",\"searches_with_match\":")
    appendDecimal(stats.searchesWithMatch)
    append(",\"bytes_searched\":")
    appendDecimal(stats.bytesSearched)
    append(",\"bytes_printed\":")
    appendDecimal(stats.bytesPrinted)
    append(",\"matched_lines\":")
    appendDecimal(stats.matchedLines)
    append(",\"matches\":")
    appendDecimal(stats.matches)
    append("}}}")
    _ = emit()
  }

  /// The last event: `{"data":{"elapsed_total":...,"stats":{...}},"type":"summary"}`
  /// (keys in ripgrep's order, which sorts them here).
  func summary(elapsedNanoseconds: Int64, stats: Stats) {
    append("{\"data\":{\"elapsed_total\":")
    appendElapsed(elapsedNanoseconds, sorted: true)
    append(",\"stats\":{\"bytes_printed\":")
    appendDecimal(stats.bytesPrinted)
    append(",\"bytes_searched\":")
    appendDecimal(stats.bytesSearched)
    append(",\"elapsed\":")
    appendElapsed(stats.elapsedNanoseconds, sorted: true)
    append(",\"matched_lines\":")
    appendDecimal(stats.matchedLines)
    append(",\"matches\":")
    appendDecimal(stats.matches)
    append(",\"searches\":")
    appendDecimal(stats.searches)
    append(",\"searches_with_match\":")
    appendDecimal(stats.searchesWithMatch)
    append("}},\"type\":\"summary\"}")
    _ = emit()
  }

  // MARK: - Encoding

  private func append(_ text: StaticString) {
    text.withUTF8Buffer { event.append(contentsOf: $0) }
  }

  private func appendDecimal(_ value: Int) {
    if value < 0 { event.append(UInt8(ascii: "-")) }
    let first = event.count
    var rest = value.magnitude
    repeat {
      event.append(UInt8(48 + rest % 10))
      rest /= 10
    } while rest > 0
    event[first...].reverse()
  }

  /// `{"secs":S,"nanos":N,"human":"0.000024s"}` (or sorted: human, nanos, secs).
  private func appendElapsed(_ nanoseconds: Int64, sorted: Bool) {
    let value = max(nanoseconds, 0)
    let seconds = Int(value / 1_000_000_000)
    let nanos = Int(value % 1_000_000_000)
    var human = "\(seconds)."
    let micros = String(nanos / 1000)
    human += String(repeating: "0", count: 6 - micros.count) + micros + "s"
    func appendHuman() {
      append("\"human\":\"")
      event.append(contentsOf: human.utf8)
      event.append(UInt8(ascii: "\""))
    }
    if sorted {
      event.append(UInt8(ascii: "{"))
      appendHuman()
      append(",\"nanos\":")
      appendDecimal(nanos)
      append(",\"secs\":")
      appendDecimal(seconds)
    } else {
      append("{\"secs\":")
      appendDecimal(seconds)
      append(",\"nanos\":")
      appendDecimal(nanos)
      event.append(UInt8(ascii: ","))
      appendHuman()
    }
    event.append(UInt8(ascii: "}"))
  }

  private func appendData(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { appendData($0) }
  }

  /// `{"text":"..."}` for valid UTF-8, else `{"bytes":"BASE64"}`.
  private func appendData(_ bytes: UnsafeRawBufferPointer) {
    if Self.isStrictUTF8(bytes) {
      append("{\"text\":\"")
      appendEscaped(bytes)
    } else {
      append("{\"bytes\":\"")
      appendBase64(bytes)
    }
    append("\"}")
  }

  /// The JSON string body of valid UTF-8: `"` `\` and control characters
  /// escaped (`\n \r \t \b \f`, else `\u00XX`), everything else as is.
  private func appendEscaped(_ bytes: UnsafeRawBufferPointer) {
    let hex = Self.hexDigits
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "\""): append("\\\"")
      case UInt8(ascii: "\\"): append("\\\\")
      case 0x0A: append("\\n")
      case 0x0D: append("\\r")
      case 0x09: append("\\t")
      case 0x08: append("\\b")
      case 0x0C: append("\\f")
      case 0..<0x20:
        append("\\u00")
        event.append(hex[Int(byte >> 4)])
        event.append(hex[Int(byte & 0xF)])
      default: event.append(byte)
      }
    }
  }

  /// Base64 (RFC 4648 standard alphabet, `=` padding).
  private func appendBase64(_ bytes: UnsafeRawBufferPointer) {
    let alphabet = Self.base64Alphabet
    var index = 0
    while index + 3 <= bytes.count {
      let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
      event.append(alphabet[Int(value >> 18 & 63)])
      event.append(alphabet[Int(value >> 12 & 63)])
      event.append(alphabet[Int(value >> 6 & 63)])
      event.append(alphabet[Int(value & 63)])
      index += 3
    }
    let left = bytes.count - index
    if left > 0 {
      let value = UInt32(bytes[index]) << 16 | (left == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
      event.append(alphabet[Int(value >> 18 & 63)])
      event.append(alphabet[Int(value >> 12 & 63)])
      event.append(left == 2 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
      event.append(UInt8(ascii: "="))
    }
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)
  private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  /// Whether `bytes` are UTF-8 as JSON requires: grep's text rule
  /// (`isValidText`) up to U+10FFFF only, without the longer forms beyond it
  /// (`F4 90`–`F4 BF`, leads `F5`–`FD`) that glibc accepts and JSON does not.
  static func isStrictUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard isValidText(bytes) else { return false }
    let count = bytes.count
    var index = 0
    while index < count {
      // In text a byte >= 0xF4 is a lead byte, followed by at least one more.
      if bytes[index] > 0xF4 || (bytes[index] == 0xF4 && bytes[index + 1] >= 0x90) { return false }
      index += 1
    }
    return true
  }
}
