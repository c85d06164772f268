/// Extracts, from a pattern's text, a small set of literals one of which every
/// match must contain (the prefilter's needles), with a conservative parser of
/// PCRE2 syntax.
///
/// Soundness argument (why a line the pattern matches always contains a needle):
/// the parser computes, for every piece of the pattern, either the finite set of
/// all the strings the piece can match (`exact`), or a set one of whose members
/// every match of the piece contains (`required`), or nothing. The rules only
/// ever keep true statements:
/// - a plain byte (or an escaped punctuation byte, `\t` ...) matches exactly itself;
///   zero-width assertions (`^ $ \b \B`) match exactly the empty string;
/// - a concatenation's match is the concatenation of its parts' matches, so the
///   cross product of consecutive exact parts is exact, and anything required by
///   one part is required by the whole;
/// - an alternation's match is a match of one branch, so the union of the
///   branches' sets is exact/required only when every branch has one;
/// - `X?` matches `exact(X) ∪ {""}`; `X+`, `X{n,}`, `X{n,m}` with `n ≥ 1` contain
///   a match of `X`; `X*` and `X{0,…}` give nothing;
/// - anything else (classes, `.`, `\d` ...) matches something unknown: nothing.
/// A required set containing `""` says nothing and is never used. A member can
/// be replaced by any of its substrings (a line containing the member contains
/// the substring), which is how members are shortened to what can be compared
/// safely: no `"\n"` (a line never contains one), at most 64 bytes, and, when
/// caseless, only ASCII bytes (compared ASCII-caseless) and, in UTF mode, none of
/// `k K s S` (Unicode folds KELVIN SIGN and LONG S onto them).
///
/// A pattern that starts with `(?i)` is read as the rest of it with the
/// caseless option: PCRE2 applies an option set at the very start to the whole
/// pattern, as `.caseInsensitive` does. (When only some of several
/// alternatives start with it, the needles are compared caselessly for all —
/// a larger set of candidates, so still sound — and none is exact.)
///
/// Whatever the parser does not fully understand — `\Q…\E`, `\x`, `\o`, `\c`,
/// `\N`, `\p`, backreferences, `\K`, `\A`-style anchors, any other `(?` than
/// `(?:`, named groups and that leading `(?i)` (so other inline options,
/// lookarounds, atomic groups, conditionals, recursion), verbs `(*…)`, a `{`
/// that is not a plain quantifier, extended mode — refuses the whole pattern:
/// no prefilter, and the search runs the exact PCRE2 path. The same applies
/// when the best set is too weak (a needle shorter than two bytes) or too large
/// (more than 8 needles).
enum LiteralExtraction {
  /// The needles and how to compare them, or `nil` when none are known.
  struct Needles: Equatable {
    var literals: [[UInt8]]
    var caseless: Bool
    /// Whether every needle is itself a whole match of the pattern (no
    /// assertion, no wrapper), so a line holding one matches.
    var isExact = false
  }

  static let maximumNeedles = 8
  static let maximumLength = 64
  /// The most strings an exact set may hold while it is built.
  static let maximumExact = 16

  /// The needles for a pattern compiled from the user's alternatives `texts`
  /// (one for a plain pattern) with `options`.
  static func needles(for texts: [[UInt8]], options: Pattern.Options) -> Needles? {
    if options.contains(.extended) || texts.isEmpty { return nil }
    let literalText = options.contains(.literal)
    let inlineCaseless = Array("(?i)".utf8)
    let leadsCaseless = texts.map { !literalText && $0.starts(with: inlineCaseless) }
    let texts = zip(texts, leadsCaseless).map { text, leads in leads ? Array(text.dropFirst(inlineCaseless.count)) : text }
    let caseless = options.contains(.caseInsensitive) || leadsCaseless.contains(true)
    // Exactness needs every alternative compared as its needles are.
    let uniformCase = options.contains(.caseInsensitive) || leadsCaseless.allSatisfy { $0 } || !caseless
    let utf = options.contains(.utf)
    var all: [[UInt8]] = []
    // Every string the whole pattern can match, while known and free of assertions.
    var matches: [[UInt8]]? = []
    for text in texts {
      let info: Info
      if options.contains(.literal) {
        info = Info(exact: [text], required: nil)
      } else {
        var parser = Parser(text: text)
        guard let parsed = try? parser.parse() else { return nil }
        info = parsed
        if parser.sawAssertion { matches = nil }
      }
      if let exact = info.exact { matches = matches.map { $0 + exact } } else { matches = nil }
      guard let set = best([info.exact, info.required], caseless: caseless, utf: utf) else { return nil }
      all += set
    }
    let reduced = minimized(all)
    guard reduced.count <= maximumNeedles, let shortest = reduced.map(\.count).min(), shortest >= 2 else { return nil }
    let wrapped = options.contains(.wholeWords) || options.contains(.wholeLines)
    let exact = !wrapped && uniformCase && matches.map { whole in
      // Needles are stored folded when caseless; compare the same way.
      let fold: ([UInt8]) -> [UInt8] = { caseless ? $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } : $0 }
      let folded = Set(whole.map(fold))
      return reduced.allSatisfy { folded.contains(fold($0)) }
    } ?? false
    return Needles(literals: reduced, caseless: caseless, isExact: exact)
  }

  /// What is known about a piece of pattern.
  struct Info {
    /// Every string the piece can match (when few and known).
    var exact: [[UInt8]]?
    /// One of these is in every match of the piece.
    var required: [[UInt8]]?
  }

  /// The piece was not understood: no prefilter for the pattern.
  struct Refusal: Error {}

  /// Of several candidate required sets, the one with the longest shortest
  /// needle after making each needle safe to compare (then the fewest needles).
  static func best(_ candidates: [[[UInt8]]?], caseless: Bool, utf: Bool) -> [[UInt8]]? {
    var chosen: [[UInt8]]? = nil
    var chosenScore = (0, 0)
    for case let set? in candidates {
      guard let safe = safeSet(set, caseless: caseless, utf: utf) else { continue }
      let score = (safe.map(\.count).min() ?? 0, -safe.count)
      if chosen == nil || score > chosenScore {
        chosen = safe
        chosenScore = score
      }
    }
    return chosen
  }

  /// Each needle replaced by its longest safe substring; `nil` if one has none,
  /// or if there are too many.
  static func safeSet(_ set: [[UInt8]], caseless: Bool, utf: Bool) -> [[UInt8]]? {
    var out: [[UInt8]] = []
    for literal in set {
      let piece = longestSafeRun(literal, caseless: caseless, utf: utf)
      if piece.isEmpty { return nil }
      out.append(piece)
    }
    let reduced = minimized(out)
    return reduced.isEmpty || reduced.count > maximumNeedles ? nil : reduced
  }

  static func longestSafeRun(_ literal: [UInt8], caseless: Bool, utf: Bool) -> [UInt8] {
    func unsafe(_ b: UInt8) -> Bool {
      if b == 0x0A { return true }
      if caseless && b >= 0x80 { return true }
      if caseless && utf, case let l = b | 0x20, l == UInt8(ascii: "k") || l == UInt8(ascii: "s") { return true }
      return false
    }
    var bestRange = 0..<0
    var start = 0
    for i in 0...literal.count {
      if i == literal.count || unsafe(literal[i]) {
        if i - start > bestRange.count { bestRange = start..<i }
        start = i + 1
      }
    }
    return Array(literal[bestRange].prefix(maximumLength))
  }

  /// Drops duplicates and every needle that contains another (a line holding
  /// it holds the shorter one), keeping the first-seen order.
  static func minimized(_ set: [[UInt8]]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    for (i, s) in set.enumerated() {
      let redundant = set.enumerated().contains { j, t in
        j != i && (t.count < s.count || (t.count == s.count && j < i)) && s.containsSequence(t)
      }
      if !redundant { out.append(s) }
    }
    return out
  }

  /// A recursive-descent reader of the PCRE2 subset described above.
  struct Parser {
    let text: [UInt8]
    var i = 0
    /// Whether the text holds a zero-width assertion (its exact set then
    /// describes what the pattern consumes, not where it may match).
    private(set) var sawAssertion = false

    init(text: [UInt8]) { self.text = text }

    mutating func parse() throws(Refusal) -> Info {
      let info = try alternation()
      if i != text.count { throw Refusal() }  // an unbalanced ")"
      return info
    }

    private mutating func alternation() throws(Refusal) -> Info {
      var branches = [try concatenation()]
      while i < text.count && text[i] == UInt8(ascii: "|") {
        i += 1
        branches.append(try concatenation())
      }
      if branches.count == 1 { return branches[0] }
      var exact: [[UInt8]]? = []
      var required: [[UInt8]]? = []
      for b in branches {
        if let e = b.exact, let x = exact, x.count + e.count <= LiteralExtraction.maximumExact { exact = x + e } else { exact = nil }
        // Each branch contributes what it surely contains: its exact strings or its required set.
        let mine = b.required ?? b.exact
        if let m = mine, let r = required { required = r + m } else { required = nil }
      }
      return Info(exact: exact, required: required)
    }

    private mutating func concatenation() throws(Refusal) -> Info {
      var candidates: [[[UInt8]]] = []
      var run: [[UInt8]]? = [[]]       // the product of the current run of exact items
      var whole: [[UInt8]]? = [[]]     // the product of every item, while all are exact
      while i < text.count && text[i] != UInt8(ascii: "|") && text[i] != UInt8(ascii: ")") {
        let item = try quantified()
        if let required = item.required { candidates.append(required) }
        if let e = item.exact {
          whole = whole.flatMap { Self.product($0, e) }
          if let r = run, let p = Self.product(r, e) {
            run = p
          } else {
            if let r = run { candidates.append(r) }
            run = e
          }
        } else {
          whole = nil
          if let r = run { candidates.append(r) }
          run = [[]]
        }
      }
      if let r = run { candidates.append(r) }
      // Keep every candidate: the caller's `best` picks after making needles safe.
      let required = candidates.filter { !$0.contains([]) }
      return Info(exact: whole, required: Self.pick(required))
    }

    /// The candidate with the longest shortest member (raw; safety comes later).
    private static func pick(_ candidates: [[[UInt8]]]) -> [[UInt8]]? {
      candidates.max { a, b in
        let sa = (a.map(\.count).min() ?? 0, -a.count), sb = (b.map(\.count).min() ?? 0, -b.count)
        return sa < sb
      }
    }

    static func product(_ a: [[UInt8]], _ b: [[UInt8]]) -> [[UInt8]]? {
      if a.count * b.count > LiteralExtraction.maximumExact { return nil }
      var out: [[UInt8]] = []
      for x in a { for y in b { out.append(x + y) } }
      return out
    }

    /// An atom and the quantifier after it, if any.
    private mutating func quantified() throws(Refusal) -> Info {
      let atom = try self.atom()
      guard i < text.count else { return atom }
      var minimum: Int
      switch text[i] {
      case UInt8(ascii: "*"): minimum = 0; i += 1
      case UInt8(ascii: "+"): minimum = 1; i += 1
      case UInt8(ascii: "?"): minimum = -1; i += 1  // 0 or 1
      case UInt8(ascii: "{"):
        guard let (lo, hi) = braces() else { throw Refusal() }
        minimum = lo
        if lo == 1 && hi == 1 { minimum = -2 }  // {1} and {1,1}: the atom itself
      default: return atom
      }
      // A lazy or possessive suffix does not change what can match.
      if i < text.count && (text[i] == UInt8(ascii: "?") || text[i] == UInt8(ascii: "+")) { i += 1 }
      if i < text.count, [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{")].contains(text[i]) {
        throw Refusal()  // stacked quantifiers: not worth understanding
      }
      switch minimum {
      case -2: return atom
      case -1:
        return Info(exact: atom.exact.map { $0.contains([]) ? $0 : $0 + [[]] }, required: nil)
      case 0: return Info(exact: nil, required: nil)
      default:
        return Info(exact: nil, required: Self.pick([atom.required, atom.exact].compactMap { $0 }.filter { !$0.contains([]) }))
      }
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at `i`; `nil` for anything else.
    private mutating func braces() -> (Int, Int?)? {
      var j = i + 1
      func number() -> Int? {
        var value = 0, digits = 0
        while j < text.count, text[j] >= UInt8(ascii: "0"), text[j] <= UInt8(ascii: "9"), digits < 6 {
          value = value * 10 + Int(text[j] - UInt8(ascii: "0")); j += 1; digits += 1
        }
        return digits > 0 ? value : nil
      }
      guard let lo = number(), j < text.count else { return nil }
      var hi: Int? = lo
      if text[j] == UInt8(ascii: ",") {
        j += 1
        hi = number()
        if let h = hi, h < lo { return nil }
      }
      guard j < text.count, text[j] == UInt8(ascii: "}") else { return nil }
      i = j + 1
      return (lo, hi)
    }

    private mutating func atom() throws(Refusal) -> Info {
      let b = text[i]
      let unknown = Info(exact: nil, required: nil)
      let empty = Info(exact: [[]], required: nil)
      switch b {
      case UInt8(ascii: "("):
        i += 1
        if i < text.count && text[i] == UInt8(ascii: "*") { throw Refusal() }  // verbs
        if i < text.count && text[i] == UInt8(ascii: "?") { try groupOpening() }
        let inner = try alternation()
        guard i < text.count, text[i] == UInt8(ascii: ")") else { throw Refusal() }
        i += 1
        return inner
      case UInt8(ascii: "["):
        try skipClass()
        return unknown
      case UInt8(ascii: "."):
        i += 1
        return unknown
      case UInt8(ascii: "^"), UInt8(ascii: "$"):
        i += 1
        sawAssertion = true
        return empty
      case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
        throw Refusal()  // a quantifier with nothing to repeat, or a `{` PCRE2 versions read differently
      case UInt8(ascii: "\\"):
        return try escape()
      default:
        // A UTF-8 sequence is one character (a quantifier repeats all of it); without
        // UTF it is several one-byte characters, and the sequence is still exact.
        if b >= 0x80 {
          var j = i + 1
          while j < text.count && text[j] & 0xC0 == 0x80 { j += 1 }
          if j - i > 1 && text[j - 1] & 0xC0 == 0x80 && quantifierFollows(j) && j - i > 1 {
            throw Refusal()  // without UTF only the last byte would repeat: do not guess the mode
          }
          defer { i = j }
          return Info(exact: [Array(text[i..<j])], required: nil)
        }
        i += 1
        return Info(exact: [[b]], required: nil)
      }
    }

    private func quantifierFollows(_ j: Int) -> Bool {
      j < text.count && [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{")].contains(text[j])
    }

    /// After `(?`: accepts `(?:` and named groups, refuses everything else.
    private mutating func groupOpening() throws(Refusal) {
      i += 1  // the "?"
      guard i < text.count else { throw Refusal() }
      if text[i] == UInt8(ascii: ":") { i += 1; return }
      var j = i
      if text[j] == UInt8(ascii: "P") { j += 1 }
      guard j < text.count, text[j] == UInt8(ascii: "<") || text[j] == UInt8(ascii: "'") else { throw Refusal() }
      let close = text[j] == UInt8(ascii: "<") ? UInt8(ascii: ">") : UInt8(ascii: "'")
      j += 1
      let nameStart = j
      while j < text.count, text[j] == UInt8(ascii: "_") || (text[j] | 0x20 >= UInt8(ascii: "a") && text[j] | 0x20 <= UInt8(ascii: "z"))
        || (j > nameStart && text[j] >= UInt8(ascii: "0") && text[j] <= UInt8(ascii: "9")) {
        j += 1
      }
      // (?<= and (?<! are lookbehinds: the name must start with a letter or "_".
      guard j > nameStart, j < text.count, text[j] == close else { throw Refusal() }
      i = j + 1
    }

    private mutating func escape() throws(Refusal) -> Info {
      guard i + 1 < text.count else { throw Refusal() }
      let e = text[i + 1]
      i += 2
      switch e {
      case UInt8(ascii: "b"), UInt8(ascii: "B"):
        sawAssertion = true
        return Info(exact: [[]], required: nil)
      case UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "w"), UInt8(ascii: "W"), UInt8(ascii: "s"),
           UInt8(ascii: "S"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "v"), UInt8(ascii: "V"),
           UInt8(ascii: "R"), UInt8(ascii: "n"):
        return Info(exact: nil, required: nil)
      case UInt8(ascii: "t"): return Info(exact: [[0x09]], required: nil)
      case UInt8(ascii: "r"): return Info(exact: [[0x0D]], required: nil)
      case UInt8(ascii: "f"): return Info(exact: [[0x0C]], required: nil)
      case UInt8(ascii: "e"): return Info(exact: [[0x1B]], required: nil)
      case UInt8(ascii: "a"): return Info(exact: [[0x07]], required: nil)
      default:
        let isAlphanumeric = (e | 0x20 >= UInt8(ascii: "a") && e | 0x20 <= UInt8(ascii: "z"))
          || (e >= UInt8(ascii: "0") && e <= UInt8(ascii: "9"))
        // Other letters and digits (\Q \E \x \o \c \N \p \g \k \K \A \z \G, backreferences, octal)
        // and non-ASCII bytes are refused.
        guard !isAlphanumeric, e < 0x80 else { throw Refusal() }
        return Info(exact: [[e]], required: nil)
      }
    }

    /// Moves past a character class; refuses classes with `\Q`/`\E` or no end.
    private mutating func skipClass() throws(Refusal) {
      var j = i + 1
      if j < text.count && text[j] == UInt8(ascii: "^") { j += 1 }
      if j < text.count && text[j] == UInt8(ascii: "]") { j += 1 }  // a leading "]" is literal
      while j < text.count {
        let c = text[j]
        if c == UInt8(ascii: "]") { i = j + 1; return }
        if c == UInt8(ascii: "\\") {
          guard j + 1 < text.count else { throw Refusal() }
          if text[j + 1] == UInt8(ascii: "Q") || text[j + 1] == UInt8(ascii: "E") { throw Refusal() }
          j += 2
          continue
        }
        if c == UInt8(ascii: "["), j + 1 < text.count,
           [UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "=")].contains(text[j + 1]) {
          let kind = text[j + 1]
          var k = j + 2
          while k + 1 < text.count && !(text[k] == kind && text[k + 1] == UInt8(ascii: "]")) { k += 1 }
          guard k + 1 < text.count else { throw Refusal() }
          j = k + 2
          continue
        }
        j += 1
      }
      throw Refusal()
    }
  }
}
