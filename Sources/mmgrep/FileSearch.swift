import ByteBuffer
import Dispatch
import RegexSearch

/// A selected line: its 1-based number and its bytes without the `\n`.
struct SelectedLine {
  var number: Int
  var range: Range<Int>
}

/// Where selected lines come from: RegexSearch's line search, NUL-split
/// segments of a binary file, or the lines touched by multiline matches.
protocol LineSource {
  mutating func next() throws(RegexError) -> SelectedLine?
  /// Where grep's binary mode starts, once known: nothing is printed for the
  /// lines starting there or later.
  var binaryStart: Int? { get }
}

/// The search of one file: grep's `grep()`/`prtext()`/`prline()` over a buffer.
struct FileSearch<Buffer: MutableByteBuffer> {
  let searcher: Searcher
  let buffer: Buffer
  let name: String
  /// Copies of the searcher's state read on every line (a property that
  /// reached through `searcher` would copy `Settings` each time).
  let settings: Settings
  let output: Output
  let showNames: Bool
  let nameBytes: [UInt8]
  /// The holes of a sparse file (all NUL bytes), skipped in binary parts.
  var holes: [Range<Int>] = []

  // Printing state (grep's lastout / pending).
  /// Offset just past the last printed line; `nil` before any output in this file.
  var lastOut: Int?
  /// The number of the line starting at `lastOut`.
  var lastOutNumber = 1
  /// Trailing context lines still to print.
  var pending = 0
  /// Output stopped because a line to print was not valid UTF-8.
  var encodingError = false
  /// The buffer's bytes while `run()` searches (a registered access).
  var bytes: UnsafeRawBufferPointer? = nil

  init(searcher: Searcher, buffer: Buffer, name: String) {
    self.searcher = searcher
    self.buffer = buffer
    self.name = name
    settings = searcher.settings
    output = searcher.output
    showNames = searcher.showNames
    nameBytes = ArgumentText.bytes(name)
  }

  func mapError(_ error: ByteBufferError) -> RegexError {
    RegexError(kind: .buffer, code: 0, offset: nil, message: error.description, bufferError: error)
  }

  /// Without -j, files at least this large are searched with every core.
  static var parallelThreshold: Int { 64 << 20 }

  /// The threads for this file: -j N, or every core for a large file.
  var threads: Int {
    settings.threadsGiven || buffer.count >= Self.parallelThreshold ? settings.threads : 1
  }

  /// grep reads files 96 KiB at a time and decides a file is binary when
  /// a read brings a NUL byte; lines completed in earlier reads were
  /// already handled as text.
  static var readSize: Int { 98_304 }

  /// Whether the file holds a NUL byte (-U decides for the whole file at once).
  func hasNUL() throws(RegexError) -> Bool {
    guard !settings.text else { return false }
    do {
      return try Self.firstNUL(in: buffer, range: 0..<buffer.count, threads: threads) != nil
    } catch {
      throw mapError(error)
    }
  }

  /// The offset of the first NUL byte in `range`, or `nil`. A large range is
  /// scanned in `threads` slices at once (this first pass over a mapping pays
  /// for its page faults, so it gains from more cores as the search does); the
  /// first slice, in file order, that holds a NUL or fails decides.
  static func firstNUL(in buffer: Buffer, range: Range<Int>, threads parts: Int) throws(ByteBufferError) -> Int? {
    let total = range.count
    if parts <= 1 || total < 1 << 20 { return try buffer.find(UInt8(0), start: range.lowerBound, end: range.upperBound) }
    let size = (total + parts - 1) / parts
    let slots = UnsafeMutablePointer<Result<Int?, ByteBufferError>>.allocate(capacity: parts)
    defer { slots.deallocate() }
    // Safe because each worker writes only its own slot, and the slots are read after all finish;
    // the buffer's guarded find may run on several threads at once.
    nonisolated(unsafe) let results = slots
    nonisolated(unsafe) let shared = buffer
    DispatchQueue.concurrentPerform(iterations: parts) { i in
      let start = range.lowerBound + min(i * size, total), end = min(start + size, range.upperBound)
      (results + i).initialize(to: Result { () throws(ByteBufferError) -> Int? in
        try shared.find(UInt8(0), start: start, end: end)
      })
    }
    defer { slots.deinitialize(count: parts) }
    for i in 0..<parts {
      if let found = try slots[i].get() { return found }
    }
    return nil
  }

  /// Searches the buffer; returns the number of selected lines.
  mutating func run() throws(RegexError) -> Int {
    // One access to the buffer's bytes for the whole search, so printing a line
    // copies it from there without an access (a lock) of its own.
    try buffer.withUnsafeBytes({ (raw) throws(RegexError) -> Int in
      bytes = raw
      defer { bytes = nil }
      return try search()
    }, mapError: mapError)
  }

  mutating func search() throws(RegexError) -> Int {
    let pattern = settings.pattern
    let invert = settings.invert
    // --timeout: what is left of it (`.unlimited` without one: the plain searches).
    let deadline = searcher.deadline
    let budget = deadline?.remainingBudget ?? .unlimited

    if settings.multiline, try !hasNUL() {
      // A text file (a binary one is searched as without -U: grep prints
      // none of its lines, and -c counts its NUL-separated pieces).
      if settings.onlyMatching && !invert && !settings.count && settings.list == .none && !settings.quiet {
        return try printMultilineMatches(deadline: deadline)
      }
      var source = MultilineLines(pattern: pattern, buffer: buffer, invert: invert, budget: budget)
      if settings.printsContextOnly { return try printContextOnly(&source) }
      return try process(&source)
    }
    // Only the first line matters for -q, -l and -L: no need for threads.
    let firstOnly = settings.quiet || settings.list != .none
    searcher.threadsUsed = max(searcher.threadsUsed, firstOnly ? 1 : threads)
    var source = CheckedLines(
      pattern: pattern, buffer: buffer, invert: invert, threads: firstOnly ? 1 : threads,
      checksBinary: !settings.text, stopsAtBinary: settings.binaryWithoutMatch, readSize: Self.readSize,
      holes: holes, budget: budget)
    source.deadline = deadline
    if settings.printsContextOnly { return try printContextOnly(&source) }
    // -c without -m: the library counts without producing lines.
    if settings.count && settings.list == .none && !settings.quiet && settings.maxCount == nil {
      let count: Int
      do {
        count = try source.countAll()
      } catch {
        if let partial = error.partialCount { printCount(partial) }
        throw error
      }
      printCount(count)
      return count
    }
    return try process(&source)
  }

  /// grep's main loop over the selected lines of one file. Lines starting at
  /// or after the source's `binaryStart` are in grep's binary mode: nothing is
  /// printed for them, and (unless -c) the search stops at the first.
  mutating func process<Source: LineSource>(_ source: inout Source) throws(RegexError) -> Int {
    let listing = settings.list != .none
    // grep's out_quiet and done_on_match.
    let textQuiet = settings.quiet || listing || settings.count
    let textStopAtFirst = settings.quiet || listing
    let limit = settings.maxCount ?? Int.max
    var selected = 0
    var binarySelected = false
    // With -v, grep prints each run of adjacent selected lines as one group:
    // the line that continues the run is printed without a group's preamble
    // (nothing is held, so memory does not grow with the run).
    var runLast: SelectedLine? = nil
    while selected < limit, let line = try source.next() {
      selected += 1
      if settings.quiet {
        output.flush()
        Platform.exit(0)
      }
      let binaryFrom = source.binaryStart
      let inBinary = binaryFrom.map { line.range.lowerBound >= $0 } ?? false
      if inBinary {
        runLast = nil
        binarySelected = true
        if pending > 0 && !textQuiet { try printPending(upTo: binaryFrom ?? 0) }
        pending = 0
      } else if !textQuiet {
        if settings.invert {
          // grep prints a run of adjacent lines in one piece, except a last
          // line without a newline, which it handles in a pass of its own.
          if let last = runLast, last.number + 1 == line.number, line.range.upperBound != buffer.count {
            try printLine(line.range, number: line.number, selected: true)
            if settings.lineBuffered { output.flush() }
          } else {
            try printGroup(CollectionOfOne(line))
          }
          runLast = line
        } else {
          try printGroup(CollectionOfOne(line))
        }
      }
      if textQuiet || inBinary { searcher.separatorUsed = true }
      if textStopAtFirst || (inBinary && !settings.count) { break }
    }
    if let checked = source as? CheckedLines<Buffer>, checked.stopsAtBinary, checked.reachedBinary {
      // -I: the file turned out binary; grep counts it as not matching
      // (what was printed before stays printed).
      if !textQuiet && pending > 0 { try printPending(upTo: checked.binaryStart ?? buffer.count) }
      pending = 0
      selected = 0
    }
    if !textQuiet && pending > 0 {
      // Trailing context after the last selected line (also after -m, when the
      // search may not have reached the binary part yet).
      var limit = source.binaryStart ?? buffer.count
      if let checked = source as? CheckedLines<Buffer>, let lastOut {
        limit = try checked.contextLimit(from: lastOut, lines: pending)
      }
      try printPending(upTo: limit)
    }
    if settings.count && !listing { printCount(selected) }
    if (settings.list == .matching && selected > 0) || (settings.list == .nonMatching && selected == 0) {
      printName()
      output.append(byte: settings.nullAfterName ? 0 : UInt8(ascii: "\n"))
      if settings.lineBuffered { output.flush() }
    }
    if binarySelected, let json = searcher.jsonRun { json.binaryOffset = source.binaryStart ?? 0 }
    if !settings.count && !listing && (encodingError || binarySelected) {
      output.flush()
      writeError("mmgrep: \(name): binary file matches")
    }
    return selected
  }

  /// grep 3.8 with -v and a negative -m (`printsContextOnly`): no line is
  /// selected, but each run of non-matching lines is handled as grep's
  /// `prtext` handles it with no line left to print: pending trailing
  /// context, the separator, leading context, then `after` lines of trailing
  /// context from the run's start (the run's own lines, printed as context).
  /// The binary part prints nothing. Returns 0, but -q exits 0 at the first
  /// run, as grep does.
  mutating func printContextOnly<Source: LineSource>(_ source: inout Source) throws(RegexError) -> Int {
    let listing = settings.list != .none
    if settings.quiet, try source.next() != nil {
      output.flush()
      Platform.exit(0)
    }
    if !(settings.quiet || listing || settings.count) {
      var group: SelectedLine?
      var groupEnd = 0
      while let line = try source.next() {
        if let binaryFrom = source.binaryStart, line.range.lowerBound >= binaryFrom {
          if pending > 0 { try printPending(upTo: binaryFrom) }
          pending = 0
          break
        }
        // Runs of adjacent lines, a last line without newline on its own (as in `process`).
        if let first = group, groupEnd + 1 != line.number || line.range.upperBound == buffer.count {
          try printContext(before: first)
          group = nil
        }
        if group == nil { group = line }
        groupEnd = line.number
      }
      if let first = group { try printContext(before: first) }
      if pending > 0 { try printPending(upTo: source.binaryStart ?? buffer.count) }
    }
    if settings.count && !listing { printCount(0) }
    if settings.list == .nonMatching {
      printName()
      output.append(byte: settings.nullAfterName ? 0 : UInt8(ascii: "\n"))
      if settings.lineBuffered { output.flush() }
    }
    if !settings.count && !listing && encodingError {
      output.flush()
      writeError("mmgrep: \(name): binary file matches")
    }
    return 0
  }

  /// `printGroup` for a run that prints none of its lines (`printContextOnly`).
  mutating func printContext(before line: SelectedLine) throws(RegexError) {
    try printLeadingContext(before: line)
    pending = settings.after
    searcher.separatorUsed = true
    if settings.lineBuffered { output.flush() }
  }

  // MARK: - Context and lines

  /// The pending trailing context, the `--` separator and the leading context
  /// (up to `before` lines, not before the last output) of a group that starts with `line`.
  mutating func printLeadingContext(before line: SelectedLine) throws(RegexError) {
    let start = line.range.lowerBound
    if pending > 0 { try printPending(upTo: start) }
    let floor = lastOut ?? 0
    var first = start
    var back = 0
    while back < settings.before && first > floor {
      let previousNewline = try find(backwardFrom: first - 1, floor: floor)
      first = previousNewline.map { $0 + 1 } ?? floor
      back += 1
    }
    if settings.contextRequested && searcher.separatorUsed && first != lastOut {
      printGroupSeparator()
    }
    var position = first
    var number = line.number - back
    while position < start {
      let end = try lineEnd(from: position)
      try printLine(position..<end, number: number, selected: false)
      position = end + 1
      number += 1
    }
  }

  /// grep's `prtext` for a group of adjacent selected lines: pending
  /// trailing context, the `--` separator, leading context, then the lines.
  mutating func printGroup(_ lines: some Collection<SelectedLine>) throws(RegexError) {
    guard let firstLine = lines.first else { return }
    try printLeadingContext(before: firstLine)
    for line in lines {
      try printLine(line.range, number: line.number, selected: true)
    }
    pending = settings.after
    searcher.separatorUsed = true
    if settings.lineBuffered { output.flush() }
  }

  /// grep's `prpending`: trailing context lines that start before `limit`.
  /// A line suppressed for invalid UTF-8 does not move `lastOut`, so it is
  /// tried again (and suppressed again) until the pending count runs out.
  mutating func printPending(upTo limit: Int) throws(RegexError) {
    if lastOut == nil {
      lastOut = 0
      lastOutNumber = 1
    }
    while pending > 0, let position = lastOut, position < limit, position < buffer.count {
      let end = try lineEnd(from: position)
      try printLine(position..<end, number: lastOutNumber, selected: false)
      pending -= 1
    }
  }

  /// The offset of the `\n` ending the line that starts at `position`, or
  /// the buffer's end for a last line without one.
  func lineEnd(from position: Int) throws(RegexError) -> Int {
    do {
      return try buffer.find(UInt8(ascii: "\n"), start: position) ?? buffer.count
    } catch {
      throw mapError(error)
    }
  }

  /// The last `\n` in `floor..<end`.
  func find(backwardFrom end: Int, floor: Int) throws(RegexError) -> Int? {
    guard end > floor else { return nil }
    do {
      return try buffer.rfind(UInt8(ascii: "\n"), start: floor, end: end)
    } catch {
      throw mapError(error)
    }
  }

  func bytes(_ range: Range<Int>) throws(RegexError) -> [UInt8] {
    do {
      return try buffer.bytes(in: range)
    } catch {
      throw mapError(error)
    }
  }

  /// grep's `prline`: one output line, selected (`:`) or context (`-`).
  /// A line (or, with -o, a match) that is not valid UTF-8 is suppressed
  /// (grep then reports "binary file matches"), and `lastOut` stays put.
  mutating func printLine(_ range: Range<Int>, number: Int, selected: Bool) throws(RegexError) {
    if settings.extensions.json { return try printJSONLine(range, number: number, selected: selected) }
    let separator = selected ? UInt8(ascii: ":") : UInt8(ascii: "-")
    // A line the pattern matches (the selected ones, or the context ones
    // under -v) is coloured or cut by -o.
    let matching = selected != settings.invert
    if settings.onlyMatching {
      if matching {
        let oSeparator = settings.invert ? UInt8(ascii: "-") : UInt8(ascii: ":")
        guard try printMatches(in: range, number: number, separator: oSeparator, plain: nil) else { return }
      }
    } else if settings.colors == nil,
              case let printed = try printPlainLine(range, number: number, separator: separator), printed != .tooLong {
      // Straight from the buffer; a suppressed line leaves `lastOut` where it was.
      if printed == .suppressed { return }
    } else {
      let content = try bytes(range)
      if !settings.text && !content.withUnsafeBytes(isValidText) {
        encodingError = true
        return
      }
      printHead(number: number, offset: range.lowerBound, separator: separator)
      if let colors = settings.colors {
        // grep's sl/cx line colours (swapped under -v by rv) and ms/mc.
        let lineColor = selected != (settings.invert && colors.reverse) ? colors.selectedLine : colors.contextLine
        if matching && !(selected ? colors.selectedMatch : colors.contextMatch).isEmpty {
          _ = try printMatches(in: range, number: number, separator: separator, plain: content, lineColor: lineColor)
        } else {
          appendTail(content[...], lineColor)
        }
      } else {
        content.withUnsafeBytes { output.append($0) }
      }
      output.append(byte: UInt8(ascii: "\n"))
    }
    lastOut = range.upperBound + 1
    lastOutNumber = number + 1
  }

  /// What `printPlainLine` did.
  enum PlainLine { case printed, suppressed, tooLong }

  /// The plain form of `printLine` (no colour): the prefixes and the line's
  /// bytes go straight from the buffer into the output buffer, where the
  /// line is checked for invalid UTF-8 (and taken back out when it is not
  /// text, as grep suppresses it). `.tooLong`: the line does not fit in the
  /// output buffer; nothing was appended.
  mutating func printPlainLine(_ range: Range<Int>, number: Int, separator: UInt8) throws(RegexError) -> PlainLine {
    // The prefixes: a name, two numbers and their separators.
    let prefix = (showNames ? nameBytes.count + 1 : 0) + 48
    guard let bytes, range.count + prefix + 1 <= Output.capacity else { return .tooLong }
    output.reserve(range.count + prefix + 1)
    let mark = output.mark
    printHead(number: number, offset: range.lowerBound, separator: separator)
    let written: UnsafeRawBufferPointer?
    do throws(ByteBufferError) {
      written = try output.appendBytes(bytes, in: range, reserving: 1)
    } catch {
      output.rollBack(to: mark)
      guard case .truncated(_, let offset) = error else { throw mapError(error) }
      throw mapError(.truncated(path: buffer.path, offset: offset))
    }
    guard let written else {
      output.rollBack(to: mark)
      return .tooLong
    }
    if !settings.text && !isValidText(written) {
      output.rollBack(to: mark)
      encodingError = true
      return .suppressed
    }
    output.append(byte: UInt8(ascii: "\n"))
    return .printed
  }

  /// grep's `print_line_middle`: walks the matches of one line from left to
  /// right. With -o (`plain == nil`) each non-empty match is printed on its
  /// own line; with colour, the line's bytes with the matches highlighted.
  /// After an empty match the search resumes one byte further, as grep does;
  /// with grep -P's rule (`skipsInvalidLineStart`) the library then starts the
  /// subject after any continuation bytes there (so lookbehind cannot see the
  /// text before them).
  ///
  /// - Returns: `false` when a match was suppressed for invalid UTF-8 (-o).
  mutating func printMatches(
    in range: Range<Int>, number: Int, separator: UInt8, plain: [UInt8]?, lineColor: String = ""
  ) throws(RegexError) -> Bool {
    let pattern = settings.pattern
    let color = settings.colors.map { separator == UInt8(ascii: ":") ? $0.selectedMatch : $0.contextMatch }
    let skipsInvalidStart = pattern.options.contains(.skipsInvalidLineStart)
    var cursor = range.lowerBound
    var written = range.lowerBound
    while cursor <= range.upperBound {
      guard let match = try pattern.firstMatch(in: buffer, within: range, from: cursor) else { break }
      let found = match.range
      if found.isEmpty {
        // Move one byte (and, unless the library skips them, past continuation bytes).
        cursor = found.lowerBound + 1
        while !skipsInvalidStart, cursor < range.upperBound, let byte = try? buffer.byte(at: cursor), byte & 0xC0 == 0x80 {
          cursor += 1
        }
        continue
      }
      if let plain {
        let before = (written - range.lowerBound)..<(found.lowerBound - range.lowerBound)
        if !lineColor.isEmpty, let colors = settings.colors { output.append(colors.start(lineColor)) }
        plain[before].withUnsafeBytes { output.append($0) }
        appendColored(Array(plain[(found.lowerBound - range.lowerBound)..<(found.upperBound - range.lowerBound)]), color)
      } else {
        let text = try bytes(found)
        if !settings.text && !text.withUnsafeBytes(isValidText) {
          encodingError = true
          return false
        }
        printHead(number: number, offset: found.lowerBound, separator: separator)
        appendColored(text, color)
        output.append(byte: UInt8(ascii: "\n"))
      }
      written = found.upperBound
      cursor = found.upperBound
      // Only an empty match could follow at the end of the line, and empty
      // matches print nothing.
      if cursor == range.upperBound { break }
    }
    if let plain {
      appendTail(plain[(written - range.lowerBound)...], lineColor)
    }
    return true
  }

  /// grep's `print_line_tail`: the rest of a line, in the line colour when
  /// there is one (a `\r` before the line end stays uncoloured).
  func appendTail(_ tail: ArraySlice<UInt8>, _ lineColor: String) {
    guard !lineColor.isEmpty, let colors = settings.colors else {
      tail.withUnsafeBytes { output.append($0) }
      return
    }
    let body = tail.last == UInt8(ascii: "\r") ? tail.dropLast() : tail
    if !body.isEmpty {
      output.append(colors.start(lineColor))
      body.withUnsafeBytes { output.append($0) }
      output.append(colors.end)
    }
    tail[body.endIndex...].withUnsafeBytes { output.append($0) }
  }

  func appendColored(_ text: [UInt8], _ sgr: String?) {
    if let sgr, !sgr.isEmpty, let colors = settings.colors {
      output.append(colors.start(sgr))
      text.withUnsafeBytes { output.append($0) }
      output.append(colors.end)
    } else {
      text.withUnsafeBytes { output.append($0) }
    }
  }

  /// The file name, line number and byte offset prefixes, each followed by
  /// `:` (selected) or `-` (context).
  func printHead(number: Int, offset: Int, separator: UInt8) {
    if showNames {
      printName()
      if settings.nullAfterName { output.append(byte: 0) } else { printSeparator(separator) }
    }
    if settings.lineNumbers {
      printNumber(number, color: settings.colors?.lineNumber)
      printSeparator(separator)
    }
    if settings.byteOffsets {
      printNumber(offset, color: settings.colors?.byteOffset)
      printSeparator(separator)
    }
  }

  func printName() {
    if let colors = settings.colors, !colors.fileName.isEmpty {
      output.append(colors.start(colors.fileName))
      nameBytes.withUnsafeBytes { output.append($0) }
      output.append(colors.end)
    } else {
      nameBytes.withUnsafeBytes { output.append($0) }
    }
  }

  func printSeparator(_ separator: UInt8) {
    if let colors = settings.colors, !colors.separator.isEmpty {
      output.append(colors.start(colors.separator))
      output.append(byte: separator)
      output.append(colors.end)
    } else {
      output.append(byte: separator)
    }
  }

  func printNumber(_ value: Int, color: String?) {
    if let color, !color.isEmpty, let colors = settings.colors {
      output.append(colors.start(color))
      output.append(decimal: value)
      output.append(colors.end)
    } else {
      output.append(decimal: value)
    }
  }

  func printGroupSeparator() {
    if settings.extensions.json { return }
    guard let separator = settings.groupSeparator else { return }
    if let colors = settings.colors, !colors.separator.isEmpty {
      output.append(colors.start(colors.separator))
      separator.withUnsafeBytes { output.append($0) }
      output.append(colors.end)
    } else {
      separator.withUnsafeBytes { output.append($0) }
    }
    output.append(byte: UInt8(ascii: "\n"))
  }

  func printCount(_ count: Int) {
    if showNames {
      printName()
      if settings.nullAfterName { output.append(byte: 0) } else { printSeparator(UInt8(ascii: ":")) }
    }
    output.append(decimal: count)
    output.append(byte: UInt8(ascii: "\n"))
    if settings.lineBuffered { output.flush() }
  }

  // MARK: - Multiline -o

  /// -U -o: each non-empty match (which may span lines) on its own line,
  /// prefixed with the number of the line where it starts. Matches are found
  /// by grep's -o rule, not PCRE2's: after an empty match the search resumes
  /// one character later (so `-o '|x'` prints nothing, as grep does).
  /// Under --timeout the deadline is checked before each match.
  mutating func printMultilineMatches(deadline: Deadline? = nil) throws(RegexError) -> Int {
    let pattern = settings.pattern
    let count = buffer.count
    // An empty match after the final newline is on no line (grep: "the empty
    // line at the end of the buffer").
    var endsWithNewline = false
    if count > 0 { endsWithNewline = try bytes((count - 1)..<count) == [UInt8(ascii: "\n")] }
    var cursor = 0
    var selectedLines = 0
    var lineNumber = 1
    var scanned = 0
    var lastCountedLine = 0
    /// The last line the matches so far touched (for `--` between groups).
    var lastTouchedLine: Int?
    let limit = settings.maxCount ?? Int.max
    while cursor <= count {
      if let deadline { try deadline.check(at: cursor, pattern: pattern.source) }
      guard let match = try pattern.firstMatch(in: buffer, from: cursor) else { break }
      let found = match.range
      if found.isEmpty {
        if found.lowerBound == count && (endsWithNewline || count == 0) { break }
        // Move one byte, then past continuation bytes of a UTF-8 character.
        cursor = found.lowerBound + 1
        while cursor < count, let byte = try? buffer.byte(at: cursor), byte & 0xC0 == 0x80 {
          cursor += 1
        }
      } else {
        cursor = found.upperBound
      }
      while let newline = try find(forwardFrom: scanned, before: found.lowerBound) {
        lineNumber += 1
        scanned = newline + 1
      }
      scanned = max(scanned, found.lowerBound)
      if lineNumber != lastCountedLine {
        if selectedLines == limit { break }
        selectedLines += 1
        lastCountedLine = lineNumber
        // grep prints `--` before a group that its context does not join
        // to the previous one, even when -o shows no context lines.
        if settings.contextRequested && searcher.separatorUsed
          && lastTouchedLine.map({ lineNumber - $0 > settings.before + settings.after + 1 }) ?? true
        {
          printGroupSeparator()
        }
        searcher.separatorUsed = true
      }
      var endLine = lineNumber
      if found.count > 1 {
        var position = found.lowerBound
        while let newline = try find(forwardFrom: position, before: found.upperBound - 1) {
          endLine += 1
          position = newline + 1
        }
      }
      lastTouchedLine = max(lastTouchedLine ?? 0, endLine)
      guard !found.isEmpty else { continue }
      let text = try bytes(found)
      if !settings.text && !text.withUnsafeBytes(isValidText) {
        // As without -U: this match is suppressed, the message comes at the end.
        encodingError = true
        continue
      }
      printHead(number: lineNumber, offset: found.lowerBound, separator: UInt8(ascii: ":"))
      appendColored(text, settings.colors?.selectedMatch)
      output.append(byte: UInt8(ascii: "\n"))
      if settings.lineBuffered { output.flush() }
    }
    if encodingError {
      output.flush()
      writeError("mmgrep: \(name): binary file matches")
    }
    return selectedLines
  }

  func find(forwardFrom start: Int, before end: Int) throws(RegexError) -> Int? {
    do {
      return try buffer.find(UInt8(ascii: "\n"), start: start, end: end)
    } catch {
      throw mapError(error)
    }
  }
}
