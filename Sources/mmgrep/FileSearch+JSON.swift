import ByteBuffer
import RegexSearch

/// The `--json` events of one run of mmgrep over files: a `begin` event
/// before a file's first line event, `match` (selected) and `context` events,
/// an `end` event with the file's statistics for every file that had a
/// `begin`, and one `summary` at the end — ripgrep's sequence. A file with
/// nothing to report gets no events; a binary file whose selected line was
/// not printed (grep's "binary file matches") gets `begin` and `end` with
/// `binary_offset`, the offset where its binary part starts.
final class JSONRun {
  let events: JSONLines
  let started = ContinuousClock.now
  var total = JSONLines.Stats()

  // The file being searched.
  var name: [UInt8] = []
  var file = JSONLines.Stats()
  var hasBegun = false
  var fileStarted = ContinuousClock.now
  /// Where the binary part of the file starts, when a line in it was selected.
  var binaryOffset: Int? = nil

  init(output: Output) {
    events = JSONLines(output: output)
  }

  func beginFile(name: String, bytes: Int) {
    self.name = Array(name.utf8)
    file = JSONLines.Stats()
    file.searches = 1
    file.bytesSearched = bytes
    hasBegun = false
    binaryOffset = nil
    fileStarted = ContinuousClock.now
  }

  /// Writes the `begin` event if the file has none yet.
  func beginIfNeeded() {
    guard !hasBegun else { return }
    hasBegun = true
    file.bytesPrinted += events.begin(path: name)
  }

  func endFile() {
    if binaryOffset != nil { beginIfNeeded() }
    file.elapsedNanoseconds = FollowSearch.nanoseconds(ContinuousClock.now - fileStarted)
    file.searchesWithMatch = file.matchedLines > 0 || binaryOffset != nil ? 1 : 0
    if hasBegun { events.end(path: name, binaryOffset: binaryOffset, stats: file) }
    total.add(file)
  }

  func summary() {
    events.summary(elapsedNanoseconds: FollowSearch.nanoseconds(ContinuousClock.now - started), stats: total)
  }
}

extension FileSearch {
  /// `printLine` under `--json`: a `match` or `context` event. The line is
  /// reported whatever its encoding (as `bytes` when it is not UTF-8), so
  /// grep's suppression of such lines does not apply; colour and `-o` do not
  /// either (`submatches` lists the matches).
  mutating func printJSONLine(_ range: Range<Int>, number: Int, selected: Bool) throws(RegexError) {
    guard let json = searcher.jsonRun else { return }
    json.beginIfNeeded()
    // The line with its "\n" when the buffer has one.
    let end = range.upperBound < buffer.count ? range.upperBound + 1 : range.upperBound
    let content = try bytes(range.lowerBound..<end)
    var submatches: [Range<Int>] = []
    if selected != settings.invert {
      try settings.pattern.matches(in: buffer, within: range).forEach { (match) throws(RegexError) -> Bool in
        submatches.append((match.range.lowerBound - range.lowerBound)..<(match.range.upperBound - range.lowerBound))
        return true
      }
    }
    json.file.bytesPrinted += content.withUnsafeBytes {
      json.events.line(selected: selected, path: json.name, line: $0, number: number, offset: range.lowerBound,
                       submatches: submatches)
    }
    if selected {
      json.file.matchedLines += 1
      json.file.matches += submatches.count
    }
    lastOut = range.upperBound + 1
    lastOutNumber = number + 1
    if settings.lineBuffered { output.flush() }
  }
}
