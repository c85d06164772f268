/// Builds the pattern text PCRE2 compiles from what the user gave: grep's
/// `-w`/`-x` wrappers, escaped literals, alternatives.
enum PatternText {
  /// grep -P -w's wrapper (GNU grep 3.8).
  static let wordPrefix = Array(#"(?<!\w)(?:"#.utf8)
  static let wordSuffix = Array(#")(?!\w)"#.utf8)
  /// grep -P -x's wrapper (GNU grep 3.8).
  static let linePrefix = Array("^(?:".utf8)
  static let lineSuffix = Array(")$".utf8)

  /// Escapes `literal` byte by byte so PCRE2 matches exactly those bytes in any
  /// mode (`\Q…\E` would break on a literal containing `\E`).
  static func escape(_ literal: some Collection<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(literal.count * 2)
    let hex = Array("0123456789abcdef".utf8)
    for b in literal {
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
           UInt8(ascii: "A")...UInt8(ascii: "Z"), 0x80...0xFF:
        out.append(b)
      case 0x21...0x7E:
        out.append(UInt8(ascii: "\\")); out.append(b)
      default:  // controls, space, DEL: \x{hh} survives extended mode
        out.append(contentsOf: Array(#"\x{"#.utf8))
        out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
        out.append(UInt8(ascii: "}"))
      }
    }
    return out
  }

  /// `texts` ordered longest first, keeping the given order among equal lengths.
  static func longestFirst(_ texts: [[UInt8]]) -> [[UInt8]] {
    texts.enumerated()
      .sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
      .map(\.element)
  }

  /// Wraps `body` for `.wholeLines` (wins over `.wholeWords`, as in grep) or
  /// `.wholeWords`. In extended mode a newline ends any `#` comment first.
  static func wrap(_ body: [UInt8], options: Pattern.Options) -> [UInt8] {
    let close: [UInt8] = options.contains(.extended) ? [0x0A] : []
    if options.contains(.wholeLines) { return linePrefix + body + close + lineSuffix }
    if options.contains(.wholeWords) { return wordPrefix + body + close + wordSuffix }
    return body
  }

  /// Whether the user's pattern text is provably line-local: a match found
  /// within a line of the whole buffer (multiline mode) exists when the line is
  /// searched alone. Conservative: any lookaround, subject anchor other than
  /// `^`/`$`, atomic group, possessive quantifier, verb, callout, conditional,
  /// `\K` or recursion makes it `false`.
  static func isLineLocal(_ pattern: [UInt8]) -> Bool {
    let banned: [[UInt8]] = [
      "(?=", "(?!", "(?<=", "(?<!", "(?>", "(*", "(?(", "(?C", "(?R", "(?&", "(?P>",
      "(?0", "(?1", "(?2", "(?3", "(?4", "(?5", "(?6", "(?7", "(?8", "(?9", "(?+", "(?-",
      "\\A", "\\z", "\\Z", "\\G", "\\K", "\\g",
    ].map { Array($0.utf8) }
    return !banned.contains { pattern.containsSequence($0) } && !mayBePossessive(pattern)
  }

  /// Whether the text may hold a possessive quantifier (`*+ ++ ?+ }+`).
  /// Conservative, except that the braces of `\p{…} \P{…} \x{…} \o{…} \N{…}`
  /// name one character or property: the `+` after them is an ordinary
  /// quantifier (`\p{Ll}+`), where `}+` after a counted repeat is possessive.
  static func mayBePossessive(_ pattern: [UInt8]) -> Bool {
    let braced = Set("pPxoN".utf8)
    var i = 0
    while i < pattern.count {
      let b = pattern[i]
      if b == UInt8(ascii: "\\"), i + 1 < pattern.count {
        if braced.contains(pattern[i + 1]), i + 2 < pattern.count, pattern[i + 2] == UInt8(ascii: "{") {
          var j = i + 3
          while j < pattern.count && pattern[j] != UInt8(ascii: "}") { j += 1 }
          i = j + 1  // past the "}": what follows is a quantifier of the escape, or not one
        } else {
          i += 2  // an escaped character: a "+" after it quantifies it
        }
        continue
      }
      let quantifier = b == UInt8(ascii: "*") || b == UInt8(ascii: "+") || b == UInt8(ascii: "?") || b == UInt8(ascii: "}")
      if quantifier, i + 1 < pattern.count, pattern[i + 1] == UInt8(ascii: "+") { return true }
      i += 1
    }
    return false
  }

  /// Whether the pattern might match (consume) a `"\n"`, judged conservatively
  /// from its text: `.` under DOTALL, `\s \D \W \H \R \v \n \x \0…\7 \c \o \N{…} \p \P \X \C`,
  /// negated classes, class ranges that start with an escape, POSIX `[:space:]`
  /// / `[:cntrl:]` / `[:ascii:]` / negated POSIX classes, class ranges that start
  /// with a raw byte below `"\n"`, an inline `s` option, or a newline byte.
  ///
  /// A pattern that cannot consume `"\n"` never looks past the end of the line
  /// where an attempt starts, so the line-search fast path costs O(*n*) overall.
  static func mayMatchNewline(_ pattern: [UInt8], options: Pattern.Options) -> Bool {
    if options.contains(.dotMatchesNewlines) || pattern.contains(0x0A) { return true }
    let risky = Set("sDWHRvnxcopPXCN0123456789".utf8)
    var i = 0
    while i < pattern.count {
      let b = pattern[i]
      if b == UInt8(ascii: "\\"), i + 1 < pattern.count {
        let e = pattern[i + 1]
        // A property no "\n" has: \p{Lu}, \pL, \p{Cyrillic}.
        if e == UInt8(ascii: "p"), let read = UnicodeProperty.read(pattern, at: i) {
          i = read.end
          continue
        }
        // \N alone means "not a newline"; only \N{U+…} can name one. \1-\9 are backreferences
        // (or octal): conservative either way.
        if risky.contains(e) && !(e == UInt8(ascii: "N") && (i + 2 >= pattern.count || pattern[i + 2] != UInt8(ascii: "{"))) {
          return true
        }
        if i + 2 < pattern.count && pattern[i + 2] == UInt8(ascii: "-") { return true }  // [\t-~]
        i += 2
        continue
      }
      // A raw byte below "\n" starting a class range over it: [\u{1}-~].
      if b < 0x0A, i + 1 < pattern.count, pattern[i + 1] == UInt8(ascii: "-") { return true }
      if b == UInt8(ascii: "["), i + 1 < pattern.count, pattern[i + 1] == UInt8(ascii: "^") { return true }
      if b == UInt8(ascii: "["), i + 2 < pattern.count, pattern[i + 1] == UInt8(ascii: ":") {
        let c = pattern[i + 2]
        if c == UInt8(ascii: "^") || c == UInt8(ascii: "s") || c == UInt8(ascii: "c") { return true }
        if pattern[(i + 2)...].starts(with: "ascii".utf8) { return true }  // [:ascii:] holds "\n"
      }
      if b == UInt8(ascii: "("), i + 1 < pattern.count, pattern[i + 1] == UInt8(ascii: "?") {
        // Inline options: (?s), (?is-m:…), (?^s)…
        var j = i + 2
        while j < pattern.count {
          let c = pattern[j]
          let isLetter = (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
          guard isLetter || c == UInt8(ascii: "-") || c == UInt8(ascii: "^") else { break }
          if c == UInt8(ascii: "s") { return true }
          j += 1
        }
      }
      i += 1
    }
    return false
  }

  /// Whether a search's matches may depend on where it started, beyond the
  /// matches themselves: `\G` matches at the start offset only; after a failed
  /// `(*COMMIT)` the whole search fails, and after a failed `(*SKIP)` the next
  /// attempt starts where it was, so a search started at a chunk's start may
  /// find matches the serial search never reaches.
  static func dependsOnStartOffset(_ pattern: [UInt8]) -> Bool {
    ["\\G", "(*COMMIT", "(*SKIP"].contains { pattern.containsSequence(Array($0.utf8)) }
  }
}

extension Array where Element == UInt8 {
  func containsSequence(_ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
    for i in 0...(count - needle.count) where self[i] == needle[0] {
      if self[i..<(i + needle.count)].elementsEqual(needle) { return true }
    }
    return false
  }
}
