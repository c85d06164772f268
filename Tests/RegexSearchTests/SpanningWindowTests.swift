import Testing

@testable import RegexSearch

/// The windows that reach through variable items and alternations
/// (`ClassSequence.spanningWindows`, `ClassAutomaton.spanningWindows`) must
/// each be held by every match: the match PCRE2 finds in a line holds an
/// occurrence of every such window, at most `prefix` bytes after its start
/// (and, for a class sequence, with only `lead` bytes before it). Every
/// window is checked, not only the one the prefilter picks.
@Suite("Windows through variable items and alternations") struct SpanningWindowTests {
  typealias ByteSet = ClassSequence.ByteSet

  /// Whether `line[start..<end]` (a match) holds `classes` at most `prefix`
  /// bytes after `start`, with only `lead` bytes before it.
  static func holds(_ classes: [ByteSet], prefix: Int?, lead: ByteSet?, in line: [UInt8], match: Range<Int>) -> Bool {
    guard match.count >= classes.count else { return false }
    for w in match.lowerBound...(match.upperBound - classes.count) {
      if let prefix, w - match.lowerBound > prefix { break }
      if let lead, !line[match.lowerBound..<w].allSatisfy(lead.contains) { break }
      if classes.indices.allSatisfy({ classes[$0].contains(line[w + $0]) }) { return true }
    }
    return false
  }

  static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
  }

  /// Checks every window against the match PCRE2 finds in each of `lines`
  /// (with an empty lookahead first: no prefilter); returns how many checks it made.
  static func check(_ windows: Windows, _ source: String,
                    _ options: Pattern.Options, _ lines: [[UInt8]]) throws -> Int {
    let plain = try Pattern("(?=)" + source, options: options)
    var checked = 0
    for line in lines {
      guard let match = try plain.firstMatch(in: line) else { continue }
      for w in windows {
        checked += 1
        #expect(holds(w.classes, prefix: w.prefix, lead: w.lead, in: line, match: match.range),
                "\(source) \(options) \(w.classes.count) positions, prefix \(w.prefix as Any): \(line)")
      }
    }
    return checked
  }

  typealias Windows = [(classes: [ByteSet], prefix: Int?, lead: ByteSet?)]

  /// Checks the windows `read` gives for `count` generated patterns (nil: the
  /// pattern is not read), each with its generated subject, under three option sets.
  static func checkGenerated(_ count: Int, _ next: () -> (source: String, subject: [UInt8]),
                             _ read: (String, Pattern.Options) -> Windows?) throws {
    var checked = 0
    for _ in 0..<count {
      let (source, subject) = next()
      for options: Pattern.Options in [[.utf], [], [.utf, .caseInsensitive]] {
        guard let windows = read(source, options), (try? Pattern(source, options: options)) != nil else { continue }
        checked += try check(windows, source, options, lines(subject))
      }
    }
    #expect(checked > 500, "\(checked) windows checked against matches")
  }

  @Test("class sequences: every window is held by every match PCRE2 finds", arguments: [1, 2, 3, 4])
  func classSequences(seed: UInt64) throws {
    var g = SequenceMatcherTests.Generator(state: seed &* 0x9E37_79B9_7F4A_7C15)
    try Self.checkGenerated(60, { (g.pattern(), g.subject()) }) { source, options in
      guard let items = try? ClassSequence.parse(Array(source.utf8), caseless: options.contains(.caseInsensitive),
                                                 utf: options.contains(.utf)) else { return nil }
      // The lead is only used (by the exact matcher) when every item is known.
      let known = !items.contains(.unknown)
      return ClassSequence.spanningWindows(items).map { ($0.classes, $0.prefix, known ? $0.lead : nil) }
    }
  }

  @Test("automata: every window is held by every match PCRE2 finds", arguments: [1, 2, 3, 4])
  func automata(seed: UInt64) throws {
    var g = ClassAutomatonTests.Generator(state: seed &* 0x9E37_79B9_7F4A_7C15)
    try Self.checkGenerated(50, { (g.pattern(), g.subject()) }) { source, options in
      guard let branches = ClassAutomaton.read([Array(source.utf8)], options: options),
            let laid = try? ClassAutomaton.layout(branches, utf: options.contains(.utf)) else { return nil }
      return ClassAutomaton.spanningWindows(laid.automaton).map { ($0.classes, $0.prefix, nil) }
    }
  }

  @Test("windows reach through repeats and alternations, and stop where a match may end")
  func shapes() throws {
    func sets(_ members: String...) -> [ByteSet] {
      members.map { m in
        var s = ByteSet()
        for b in m.utf8 { s.insert(b) }
        return s
      }
    }
    let d = "0123456789"
    func automaton(_ source: String) throws -> [[ByteSet]] {
      let branches = try #require(ClassAutomaton.read([Array(source.utf8)], options: [.utf]))
      return try ClassAutomaton.spanningWindows(ClassAutomaton.layout(branches, utf: true).automaton).map(\.classes)
    }
    // (ab|cd)x+[0-9]: back from the digit, which every match passes through: x, then x or what
    // comes before the first x, up to the start.
    #expect(try automaton("(ab|cd)x+[0-9]").contains(sets("abcdx", "bdx", "x", d)))
    // A position some match avoids is no anchor: nothing is read around [ab] in (?:[ab]|c)d.
    #expect(try automaton("(?:[ab]|c)de").allSatisfy { $0.count == 3 && $0.first == sets("abc")[0] })
    let items = try ClassSequence.parse(Array(#"\d+-\d{1,2}[a-c]"#.utf8), caseless: false, utf: true)
    let windows = ClassSequence.spanningWindows(items)
    // From "-": a digit, then a digit or a letter; the match may end after 3 bytes, so no further.
    #expect(windows.contains { $0.classes == sets(d, "-", d, d + "abc") && $0.prefix == nil })
  }
}
