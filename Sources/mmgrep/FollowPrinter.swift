import LogFollow
import RegexSearch

/// Prints the lines a `LogFollower` delivers the way grep prints selected
/// lines: the `-H`/`-n`/`-b` prefixes (with absolute byte offsets), `-o`,
/// `--color`, `-Z`, and grep's rule that an output line (or `-o` match) that
/// is not valid UTF-8 is suppressed unless `-a`. With `--json`, a `match`
/// event per line instead.
struct FollowPrinter {
  let settings: Settings
  let output: Output
  let showNames: Bool
  let json: JSONLines?

  /// Prints one selected line of `file`. Returns `false` when the line (or
  /// one of its `-o` matches) was suppressed for invalid UTF-8.
  func print(_ line: FollowedLine, of file: FollowedFile) -> Bool {
    if let json {
      printJSON(line, of: file, json)
      return true
    }
    defer { if settings.lineBuffered { output.flush() } }
    if settings.onlyMatching {
      // grep -o -v prints nothing: selected lines hold no match.
      if settings.invert { return true }
      var valid = true
      forEachMatch(in: line.bytes, skippingEmpty: true) { range in
        let text = line.bytes[range]
        if !settings.text && !text.withUnsafeBytes(isValidText) {
          valid = false
          return false
        }
        printHead(file, number: line.number, offset: line.offset + range.lowerBound)
        appendColored(text, settings.colors?.selectedMatch)
        output.append(byte: UInt8(ascii: "\n"))
        return true
      }
      return valid
    }
    if !settings.text && !line.bytes.withUnsafeBytes(isValidText) { return false }
    printHead(file, number: line.number, offset: line.offset)
    if !settings.invert, let colors = settings.colors, !colors.selectedMatch.isEmpty {
      var written = 0
      forEachMatch(in: line.bytes, skippingEmpty: true) { range in
        line.bytes[written..<range.lowerBound].withUnsafeBytes { output.append($0) }
        appendColored(line.bytes[range], colors.selectedMatch)
        written = range.upperBound
        return true
      }
      line.bytes[written...].withUnsafeBytes { output.append($0) }
    } else {
      line.bytes.withUnsafeBytes { output.append($0) }
    }
    output.append(byte: UInt8(ascii: "\n"))
    return true
  }

  /// A `match` event (and the file's `begin` event before its first one).
  private func printJSON(_ line: FollowedLine, of file: FollowedFile, _ json: JSONLines) {
    if !file.jsonBegun {
      file.jsonBegun = true
      file.stats.bytesPrinted += json.begin(path: file.nameBytes)
    }
    var submatches: [Range<Int>] = []
    if !settings.invert {
      var iterator = settings.pattern.matches(in: line.bytes).makeIterator()
      // A limit in this second look at the line leaves the submatches found so far.
      while let match = try? iterator.next() { submatches.append(match.range) }
    }
    var bytes = line.bytes
    if line.isTerminated { bytes.append(UInt8(ascii: "\n")) }
    file.stats.bytesPrinted += bytes.withUnsafeBytes {
      json.line(selected: true, path: file.nameBytes, line: $0, number: line.number, offset: line.offset,
                submatches: submatches)
    }
    file.stats.matchedLines += 1
    file.stats.matches += submatches.count
    if settings.lineBuffered { output.flush() }
  }

  /// grep's walk over the matches of a line alone (`print_line_middle`):
  /// after an empty match the search resumes one character later. Calls
  /// `body` with each non-empty match until it returns `false`.
  func forEachMatch(in bytes: [UInt8], skippingEmpty: Bool, _ body: (Range<Int>) -> Bool) {
    var cursor = 0
    while cursor <= bytes.count {
      guard let match = try? settings.pattern.firstMatch(in: bytes, from: cursor) else { return }
      let found = match.range
      if found.isEmpty {
        cursor = found.lowerBound + 1
        while cursor < bytes.count, bytes[cursor] & 0xC0 == 0x80 { cursor += 1 }
        continue
      }
      if !body(found) { return }
      cursor = found.upperBound
      if cursor == bytes.count { return }
    }
  }

  /// The file name, line number and byte offset prefixes, each followed by `:`.
  func printHead(_ file: FollowedFile, number: Int?, offset: Int) {
    if showNames {
      appendColored(file.nameBytes[...], settings.colors?.fileName)
      if settings.nullAfterName { output.append(byte: 0) } else { printSeparator() }
    }
    if settings.lineNumbers {
      appendColored(Array(String(number ?? 0).utf8)[...], settings.colors?.lineNumber)
      printSeparator()
    }
    if settings.byteOffsets {
      appendColored(Array(String(offset).utf8)[...], settings.colors?.byteOffset)
      printSeparator()
    }
  }

  func printSeparator() {
    appendColored(CollectionOfOne(UInt8(ascii: ":")), settings.colors?.separator)
  }

  func appendColored<Bytes: Collection<UInt8>>(_ text: Bytes, _ sgr: String?) {
    if let sgr, !sgr.isEmpty, let colors = settings.colors {
      output.append(colors.start(sgr))
      Array(text).withUnsafeBytes { output.append($0) }
      output.append(colors.end)
    } else {
      Array(text).withUnsafeBytes { output.append($0) }
    }
  }
}
