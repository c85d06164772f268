import ByteBuffer
import RegexSearch

/// The whole-match ranges of every match, collected through the throwing iterator.
func ranges(_ pattern: Pattern, _ buffer: some MutableByteBuffer) throws -> [Range<Int>] {
  var out: [Range<Int>] = []
  var iterator = pattern.matches(in: buffer).makeIterator()
  while let m = try iterator.next() { out.append(m.range) }
  return out
}

/// The (number, text) of each selected line.
func lines(_ pattern: Pattern, _ buffer: some MutableByteBuffer, inverted: Bool = false,
           parallelism: Int = 1) throws -> [String] {
  var out: [String] = []
  var iterator = pattern.matchingLines(in: buffer, inverted: inverted, parallelism: parallelism).makeIterator()
  while let line = try iterator.next() {
    let text = try buffer.withUnsafeBytes { raw in String(decoding: raw[line.range], as: UTF8.self) }
    out.append("\(line.number):\(text)")
  }
  return out
}
