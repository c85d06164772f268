import CScanGuard

/// Extracts, from a pattern without usable literals, a sequence of byte
/// classes that every match must contain — the prefilter of patterns such as
/// `[a-z]{5}[0-9]{3}`, `\w{12}` or an IPv4 regex (`\d\.\d`).
///
/// Soundness argument. The reader understands a pattern only as a top-level
/// concatenation of items, each a single-character class — a literal, `\d`
/// `\w` `\s`, a positive bracket class of ASCII members — with an
/// optional quantifier, or a zero-width assertion (`^ $ \b \B`). (`\h` and
/// `\v` are unknown: they also match U+00A0, U+0085 and other non-ASCII
/// characters, or those bytes without UTF.) A group
/// (capturing, `(?:` or named) of such items, repeated `{n}` times, matches
/// exactly what its items written out n times match (captures do not change
/// what matches); its optional repetitions (`{n,m}`) and a possessive group
/// are unknown. Anything else (alternation, other groups, `.`, negated or
/// non-ASCII classes, escapes it does not know, inline options, extended
/// mode) either refuses the pattern or, for an atom of unknown width, breaks
/// the sequence. A match of a
/// concatenation is the concatenation of its items' matches, in order and
/// contiguous (zero-width items consume nothing). An item `C{m,M}` (with `+`
/// `*` `?` as `{1,}` `{0,}` `{0,1}`) matches between m and M characters, each
/// in C; since C holds only ASCII bytes, each character is one byte, even in
/// UTF mode. So a match contains, contiguously: the last m bytes of one
/// item's match, then every byte of the fixed items after it, then the first
/// m' bytes of the next variable item — a *window* of positions whose classes
/// are known. No window holds `"\n"` (it is removed from every class: a
/// line never holds one), so every matching line holds a window's bytes.
/// Caseless patterns fold ASCII letters; in UTF mode PCRE2 also folds
/// KELVIN SIGN and LONG S onto `k` and `s`, so a class holding `k K s S` then
/// counts as unknown.
///
/// In UTF mode a Unicode property `\p{Name}` that `UnicodeProperty` knows,
/// repeated at least once, is a run of characters of unknown width: each is
/// one of the property's ASCII members or a valid character of two to four
/// bytes (PCRE2 with `PCRE2_MATCH_INVALID_UTF` matches no invalid bytes for
/// these properties; the differential tests check it), so the first byte is an
/// ASCII member or a lead byte 0xC2...0xF4, and the last one an ASCII member
/// or a continuation byte 0x80...0xBF. The window before it ends with the
/// first byte; the one after it starts with the last. Caseless matching does
/// not change what a property matches.
///
/// A pattern that is nothing but fixed-count ASCII classes (no assertion, no
/// variable item) is *exact*: a window match is a match of the pattern, so a
/// line holding one matches without asking PCRE2.
///
/// A pattern that is nothing but ASCII class items and `\b` `\B` gets a
/// `Matcher` instead: PCRE2's backtracking tries every way to split a line's
/// bytes among the items, and a Thompson simulation over the same items holds
/// every such way at once, so both find a match in exactly the same lines
/// (see `Matcher` for when PCRE2 could stop at a limit first, where none is built).
enum ClassSequence {
  /// A set of bytes: ASCII ones, and (for the first and last bytes of a
  /// Unicode property's characters) bytes >= 0x80.
  struct ByteSet: Hashable {
    var low: UInt64 = 0   // bytes 0..<64
    var high: UInt64 = 0  // bytes 64..<128
    var upperLow: UInt64 = 0   // bytes 128..<192
    var upperHigh: UInt64 = 0  // bytes 192..<256

    static let empty = ByteSet()

    /// Its four 64-bit words, bytes 0..<64 first (as `csg_classes_init` takes them).
    var words: [UInt64] { [low, high, upperLow, upperHigh] }

    mutating func insert(_ b: UInt8) {
      let bit: UInt64 = 1 << UInt64(b & 63)
      switch b >> 6 {
      case 0: low |= bit
      case 1: high |= bit
      case 2: upperLow |= bit
      default: upperHigh |= bit
      }
    }

    mutating func insert(_ range: ClosedRange<UInt8>) {
      for b in range { insert(b) }
    }

    func contains(_ b: UInt8) -> Bool {
      let word: UInt64
      switch b >> 6 {
      case 0: word = low
      case 1: word = high
      case 2: word = upperLow
      default: word = upperHigh
      }
      return word & (1 << UInt64(b & 63)) != 0
    }

    var count: Int { asciiCount + upperCount }
    var asciiCount: Int { low.nonzeroBitCount + high.nonzeroBitCount }
    var upperCount: Int { upperLow.nonzeroBitCount + upperHigh.nonzeroBitCount }
    var isEmpty: Bool { count == 0 }
    /// Whether it holds only ASCII bytes.
    var isASCII: Bool { upperLow == 0 && upperHigh == 0 }

    static func & (a: ByteSet, b: ByteSet) -> ByteSet {
      ByteSet(low: a.low & b.low, high: a.high & b.high, upperLow: a.upperLow & b.upperLow,
              upperHigh: a.upperHigh & b.upperHigh)
    }

    static func | (a: ByteSet, b: ByteSet) -> ByteSet {
      ByteSet(low: a.low | b.low, high: a.high | b.high, upperLow: a.upperLow | b.upperLow,
              upperHigh: a.upperHigh | b.upperHigh)
    }

    static let digits: ByteSet = { var s = ByteSet(); s.insert(0x30...0x39); return s }()
    static let word: ByteSet = {
      var s = digits
      s.insert(0x41...0x5A); s.insert(0x61...0x7A); s.insert(0x5F)
      return s
    }()
    /// `\s` without `"\n"` (PCRE2: space, \t \n \v \f \r).
    static let space: ByteSet = { var s = ByteSet(); s.insert(0x20); s.insert(0x09...0x0D); return s }()
    static let horizontal: ByteSet = { var s = ByteSet(); s.insert(0x20); s.insert(0x09); return s }()
    static let vertical: ByteSet = { var s = ByteSet(); s.insert(0x0A...0x0D); return s }()

    /// With ASCII letters in both cases.
    func folded() -> ByteSet {
      var s = self
      for b in UInt8(ascii: "A")...UInt8(ascii: "Z") where contains(b) || contains(b | 0x20) {
        s.insert(b)
        s.insert(b | 0x20)
      }
      return s
    }

    /// How much a position of this class narrows the search, in bits: of
    /// 128 equally likely ASCII bytes, and bytes >= 0x80 as rare (one eighth
    /// of an ASCII byte each: logs and source text are mostly ASCII).
    var selectivity: Double {
      let n = max(Double(asciiCount) + Double(upperCount) / 8, 1)
      var bits = 0.0
      var x = 128.0 / n
      while x >= 2 { bits += 1; x /= 2 }
      return bits + (x - 1)
    }
  }

  /// The prefilter's classes and whether a window match is a pattern match.
  struct Extracted: Equatable {
    var classes: [ByteSet]
    var isExact: Bool
    /// An exact line matcher for the whole pattern, when it has one.
    var matcher: Matcher? = nil
  }

  /// A pattern that is nothing but class items and `\b` `\B`, read whole:
  /// `csg_sequence` decides exactly whether a line holds a match, so the line
  /// search asks PCRE2 nothing. Only built when PCRE2 could not fail on such a
  /// line first: each unbounded item is last or followed by an item of a
  /// disjoint class (PCRE2 then never backtracks into it), the bounded items
  /// allow few ways to split a match (`maximumSplits`), the limits are not
  /// lowered below PCRE2's defaults, and the match is not quantified
  /// possessively (which matches fewer strings).
  struct Matcher: Equatable {
    struct Item: Equatable {
      var set: ByteSet
      var minimum: Int
      /// `nil`: unbounded.
      var maximum: Int?
    }
    var items: [Item]
    /// `CSG_ASSERT_*` flags before each item, and after the last one.
    var assertions: [UInt8]
    /// The most bytes a match holds before its first occurrence of the
    /// prefilter's window (`nil`: no bound).
    var prefix: Int?
    /// The bytes a match may hold before the window: those of the items up
    /// to the one the window starts in.
    var lead: ByteSet
  }

  /// The most ways the bounded items of a `Matcher` pattern may split a
  /// match (the product of their ranges): PCRE2 tries at most that many per
  /// start, far below its match limit.
  static let maximumSplits = 1000

  /// The longest sequence the kernel takes.
  static let maximumLength = 64
  /// The most positions a window through variable items reaches on either side of its anchor:
  /// more adds little a window does not already narrow (and reaches are worked out for every item).
  static let spanningReach = 16
  /// Windows narrower than this (in bits of selectivity) find too many
  /// candidates to beat the plain search.
  static let minimumSelectivity = 10.0
  /// The same for windows at a Unicode property's character (a class holding
  /// bytes >= 0x80): PCRE2 has no start-of-match shortcut for a property and
  /// looks each character up in its tables, so skipping most lines pays even
  /// for a weak window (`[A-Z\x80-\xBF][a-z\xC2-\xF4]` for `\p{Lu}\p{Ll}`), and
  /// matching each candidate line alone costs little more than the plain
  /// search when nearly every line is one.
  static let minimumPropertySelectivity = 3.0

  /// The least score `window` needs to be used.
  static func minimumScore(_ window: [ByteSet]) -> Double {
    window.allSatisfy(\.isASCII) ? minimumSelectivity : minimumPropertySelectivity
  }

  /// The classes for the user's pattern `text` compiled with `options`, or `nil`.
  static func extract(_ text: [UInt8], options: Pattern.Options, limits: Pattern.Limits = .init()) -> Extracted? {
    if options.contains(.extended) || options.contains(.literal) { return nil }
    let caseless = options.contains(.caseInsensitive)
    let utf = options.contains(.utf)
    guard let items = try? parse(text, caseless: caseless, utf: utf) else { return nil }
    // Windows: runs of known positions, broken by unknown atoms and around variable items,
    // each with the most bytes a match holds before it (`nil`: unknown) and what they may be.
    var windows: [(classes: [ByteSet], prefix: Int?, lead: ByteSet)] = []
    var current: [ByteSet] = []
    var currentPrefix: Int? = 0
    var currentLead = ByteSet.empty
    var width: Int? = 0  // the most bytes the items before the current one match
    var seen = ByteSet.empty  // the classes of the items so far
    var exact = !items.isEmpty
    func close() {
      if !current.isEmpty { windows.append((current, currentPrefix, currentLead)) }
      current = []
    }
    for item in items {
      switch item {
      case .assertion:
        exact = false
      case .unknown:
        exact = false
        close()
        width = nil
        currentPrefix = nil
      case .character(let first, let last):
        // Its first byte ends the run before it; its last byte starts the next.
        exact = false
        current.append(first)
        close()
        current = [last]
        width = nil
        currentPrefix = nil
      case .repeated(let set, let minimum, let maximum, _):
        seen = seen | set
        let fixed = maximum == minimum
        if !fixed || minimum > maximumLength { exact = false }
        let kept = min(minimum, maximumLength)
        current += Array(repeating: set, count: kept)
        if !fixed {
          close()
          current = Array(repeating: set, count: kept)
          // The window starts with the item's last `kept` bytes.
          currentPrefix = width.flatMap { w in maximum.map { w + $0 - kept } }
          currentLead = seen
        }
        width = width.flatMap { w in maximum.map { w + $0 } }
      }
      if current.count > maximumLength {
        exact = false
        currentPrefix = currentPrefix.map { $0 + current.count - maximumLength }
        currentLead = seen
        current = Array(current.suffix(maximumLength))
      }
    }
    let whole = current
    close()
    let wrapped = options.contains(.wholeWords) || options.contains(.wholeLines)
    if exact, windows.count == 1, !whole.isEmpty, whole.count <= maximumLength, !wrapped {
      return Extracted(classes: whole, isExact: true)
    }
    windows += spanningWindows(items)
    let selective = windows.filter { score($0.classes) >= minimumScore($0.classes) }
    guard let best = selective.max(by: { rank($0.classes, prefix: $0.prefix) < rank($1.classes, prefix: $1.prefix) })
    else { return nil }
    var extracted = Extracted(classes: best.classes, isExact: false)
    if !wrapped { extracted.matcher = matcher(items, prefix: best.prefix, lead: best.lead, limits: limits) }
    return extracted
  }

  /// Windows that reach through variable items (`\d\.\d[\d.][\d.][\d.][\d.]` for an
  /// IPv4 regex, where the windows between them stop at `\d\.\d`), one for each
  /// item start: position k after it holds the union of the classes any
  /// match may have there, for k below the fewest bytes the items from there
  /// on match (and below `spanningReach`); the positions before it likewise
  /// from the items before, read backwards. Every match holds such a window with its bytes in those
  /// classes, so each is as sound as the windows between variable items, and
  /// narrower when the unions stay small (`35.424Z` in a timestamp holds the
  /// IPv4 regex's `\d\.\d`, not this window). Assertions consume nothing and
  /// are skipped; an unknown item ends the run the windows reach through.
  static func spanningWindows(_ items: [Item]) -> [(classes: [ByteSet], prefix: Int?, lead: ByteSet)] {
    typealias Known = (set: ByteSet, minimum: Int, maximum: Int?)
    var out: [(classes: [ByteSet], prefix: Int?, lead: ByteSet)] = []
    var run: [Known] = []
    // Before each item of the run: the most bytes a match holds before it (`nil`: no bound), and what they may be.
    var widths: [Int?] = []
    var leads: [ByteSet] = []
    var width: Int? = 0
    var seen = ByteSet.empty
    func flush() {
      for anchor in run.indices {
        let ahead = reach(run[anchor...])
        let behind = reach(Array(run[..<anchor].reversed())[...])
        // The kernel takes a few distinct classes: keep the positions nearest the anchor that fit.
        var kept: Set<ByteSet> = []
        func fits(_ set: ByteSet) -> Bool {
          guard set.selectivity >= 1 else { return false }
          if kept.contains(set) { return true }
          guard kept.count < Int(CSG_MAX_CLASSES) else { return false }
          kept.insert(set)
          return true
        }
        let forward = Array(ahead.prefix { fits($0) })
        let backward = Array(behind.prefix { fits($0) })
        guard !forward.isEmpty else { continue }
        out.append((backward.reversed() + forward, widths[anchor].map { $0 - backward.count }, leads[anchor]))
      }
      run = []
      widths = []
      leads = []
    }
    for item in items {
      switch item {
      case .assertion:
        continue
      case .unknown, .character:
        flush()
        width = nil
      case .repeated(let set, let minimum, let maximum, _):
        run.append((set, minimum, maximum))
        widths.append(width)
        leads.append(seen)
        seen = seen | set
        width = width.flatMap { w in maximum.map { w + $0 } }
      }
    }
    flush()
    return out
  }

  /// The union of the classes at each position of the matches of `items`,
  /// concatenated, up to the fewest bytes they match (every match has those
  /// positions).
  static func reach(_ items: ArraySlice<(set: ByteSet, minimum: Int, maximum: Int?)>) -> [ByteSet] {
    struct State: Hashable { var item: Int, count: Int }
    let end = items.endIndex
    // Past an item once it has its minimum; an unbounded item's count stops at its minimum.
    func closure(_ states: Set<State>) -> Set<State> {
      var all = states
      var work = Array(states)
      while let s = work.popLast() {
        guard s.item < end && s.count >= items[s.item].minimum else { continue }
        let next = State(item: s.item + 1, count: 0)
        if all.insert(next).inserted { work.append(next) }
      }
      return all
    }
    let length = items.reduce(0) { $0 + $1.minimum }
    var states = closure([State(item: items.startIndex, count: 0)])
    var out: [ByteSet] = []
    for _ in 0..<min(length, spanningReach) {
      var set = ByteSet.empty
      var next: Set<State> = []
      for s in states where s.item < end {
        let item = items[s.item]
        guard item.maximum.map({ s.count < $0 }) ?? true else { continue }
        set = set | item.set
        next.insert(State(item: s.item, count: item.maximum == nil ? min(s.count + 1, item.minimum) : s.count + 1))
      }
      out.append(set)
      states = closure(next)
    }
    return out
  }

  /// The exact matcher for `items`, when the conditions on `Matcher` hold.
  static func matcher(_ items: [Item], prefix: Int?, lead: ByteSet, limits: Pattern.Limits) -> Matcher? {
    // Lowered limits could stop PCRE2 where the matcher would not.
    if let v = limits.matchLimit, v < 10_000_000 { return nil }
    if let v = limits.depthLimit, v < 10_000_000 { return nil }
    if let v = limits.heapLimitKiB, v < 20_000 { return nil }
    var result = Matcher(items: [], assertions: [0], prefix: prefix, lead: lead)
    var splits = 1
    for item in items {
      switch item {
      case .unknown, .character, .assertion(.other):
        return nil
      case .assertion(let kind):
        result.assertions[result.assertions.count - 1] |= kind == .wordBoundary
          ? UInt8(CSG_ASSERT_BOUNDARY) : UInt8(CSG_ASSERT_NOT_BOUNDARY)
      case .repeated(let set, let minimum, let maximum, let possessive):
        guard !possessive, minimum >= 1, minimum <= 63, (maximum ?? 0) <= 63 else { return nil }
        if let maximum { splits *= maximum - minimum + 1 }
        guard splits <= maximumSplits else { return nil }
        result.items.append(.init(set: set, minimum: minimum, maximum: maximum))
        result.assertions.append(0)
      }
    }
    guard !result.items.isEmpty, result.items.count <= Int(CSG_MAX_ITEMS) else { return nil }
    // An unbounded item is last, or the next item's class shares no byte with its own.
    for (i, item) in result.items.enumerated() where item.maximum == nil && i + 1 < result.items.count {
      let next = result.items[i + 1].set
      if !(item.set & next).isEmpty { return nil }
    }
    return result
  }

  static func score(_ window: [ByteSet]) -> Double { window.reduce(0) { $0 + $1.selectivity } }

  /// How a window ranks among others: by score, then, of equally selective
  /// ones, the one fewest bytes into a match (an exact matcher starts nearer it).
  /// The score is rounded: the same classes summed in another order differ in the last bits.
  static func rank(_ window: [ByteSet], prefix: Int?) -> (Double, Int) {
    ((score(window) * 1e6).rounded(), -(prefix ?? .max))
  }

  enum Item: Equatable {
    /// `possessive`: the quantifier was possessive (`++`, `{m,n}+`).
    case repeated(ByteSet, minimum: Int, maximum: Int?, possessive: Bool)
    /// One or more characters of a Unicode property, each one to four bytes:
    /// the bytes the first may start with, and the last end with.
    case character(first: ByteSet, last: ByteSet)
    case assertion(Assertion)
    /// An atom the reader does not know the width or bytes of.
    case unknown
  }

  enum Assertion: Equatable {
    case wordBoundary, notWordBoundary
    /// `^` or `$`.
    case other
  }

  struct Refusal: Error {}

  /// The most items a group's repetitions expand to.
  static let maximumExpansion = 256

  /// Reads the top-level concatenation; refuses alternation. A group —
  /// capturing, `(?:`, or named — of a concatenation stands for its items,
  /// repeated by its quantifier: `(\d{1,3}\.){3}` is `\d{1,3}\.` three
  /// times; the optional repetitions of `{m,n}` are unknown. Other groups
  /// (lookaround, atomic, options, verbs) are refused.
  static func parse(_ text: [UInt8], caseless: Bool, utf: Bool) throws(Refusal) -> [Item] {
    var i = 0
    let items = try parseSequence(text, &i, caseless: caseless, utf: utf, depth: 0)
    guard i == text.count else { throw Refusal() }  // a ")" without "("
    return items
  }

  /// Reads items up to the end or, inside a group (`depth` > 0), up to its ")".
  static func parseSequence(_ text: [UInt8], _ i: inout Int, caseless: Bool, utf: Bool,
                            depth: Int) throws(Refusal) -> [Item] {
    var items: [Item] = []
    while i < text.count {
      var set: ByteSet? = nil
      // The ASCII members of a Unicode property (UTF mode), whose characters may be several bytes long.
      var property: ByteSet? = nil
      let b = text[i]
      switch b {
      case UInt8(ascii: ")"):
        guard depth > 0 else { throw Refusal() }
        return items
      case UInt8(ascii: "("):
        guard depth < 8 else { throw Refusal() }
        i += 1
        try skipGroupOpening(text, &i)
        let inner = try parseSequence(text, &i, caseless: caseless, utf: utf, depth: depth + 1)
        guard i < text.count, text[i] == UInt8(ascii: ")") else { throw Refusal() }
        i += 1
        let (minimum, maximum, possessive) = try quantifier(text, &i)
        // A possessive group gives nothing back to what follows it: unknown here.
        guard !possessive, minimum * inner.count <= maximumExpansion else {
          items.append(.unknown)
          continue
        }
        for _ in 0..<minimum { items += inner }
        if maximum != minimum { items.append(.unknown) }  // the optional repetitions
        continue
      case UInt8(ascii: "|"), UInt8(ascii: "*"), UInt8(ascii: "+"),
           UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"):
        throw Refusal()
      case UInt8(ascii: "^"), UInt8(ascii: "$"):
        i += 1
        items.append(.assertion(.other))
        continue
      case UInt8(ascii: "."):
        i += 1
      case UInt8(ascii: "["):
        set = try bracket(text, &i)
      case UInt8(ascii: "\\"):
        guard i + 1 < text.count else { throw Refusal() }
        let e = text[i + 1]
        if utf, e == UInt8(ascii: "p"), let read = UnicodeProperty.read(text, at: i) {
          property = read.members
          i = read.end
          break
        }
        i += 2
        switch e {
        case UInt8(ascii: "b"):
          items.append(.assertion(.wordBoundary))
          continue
        case UInt8(ascii: "B"):
          items.append(.assertion(.notWordBoundary))
          continue
        case UInt8(ascii: "d"): set = .digits
        case UInt8(ascii: "w"): set = .word
        case UInt8(ascii: "s"): set = .space
        case UInt8(ascii: "D"), UInt8(ascii: "W"), UInt8(ascii: "S"), UInt8(ascii: "H"), UInt8(ascii: "V"),
             // \h and \v also match non-ASCII characters (U+00A0, U+0085, ...; the bytes 0xA0, 0x85 without UTF).
             UInt8(ascii: "h"), UInt8(ascii: "v"),
             UInt8(ascii: "N"), UInt8(ascii: "R"), UInt8(ascii: "X"), UInt8(ascii: "C"):
          break  // unknown width or non-ASCII members
        case UInt8(ascii: "t"): set = single(0x09)
        case UInt8(ascii: "r"): set = single(0x0D)
        case UInt8(ascii: "f"): set = single(0x0C)
        case UInt8(ascii: "e"): set = single(0x1B)
        case UInt8(ascii: "a"): set = single(0x07)
        default:
          let alphanumeric = (e | 0x20 >= UInt8(ascii: "a") && e | 0x20 <= UInt8(ascii: "z"))
            || (e >= UInt8(ascii: "0") && e <= UInt8(ascii: "9"))
          guard !alphanumeric, e < 0x80 else { throw Refusal() }
          set = single(e)
        }
      default:
        if b >= 0x80 {
          // A non-ASCII character: unknown here (its bytes belong together).
          i += 1
          while i < text.count && text[i] & 0xC0 == 0x80 { i += 1 }
        } else {
          set = single(b)
          i += 1
        }
      }
      let (minimum, maximum, possessive) = try quantifier(text, &i)
      if let property {
        // Caseless matching leaves properties alone; an optional one breaks the run.
        items.append(minimum == 0 ? .unknown : .character(first: property | UnicodeProperty.leadBytes,
                                                          last: property | UnicodeProperty.continuationBytes))
        continue
      }
      guard var known = set else {
        // An unknown atom: with a zero minimum it may vanish, else it breaks the run.
        items.append(.unknown)
        continue
      }
      if caseless { known = known.folded() }
      // Lines hold no "\n"; in caseless UTF mode k and s also match non-ASCII characters.
      known = known.removing(0x0A)
      if caseless && utf && [UInt8(ascii: "k"), UInt8(ascii: "K"), UInt8(ascii: "s"), UInt8(ascii: "S")].contains(where: known.contains) {
        items.append(.unknown)
        continue
      }
      if known.isEmpty {
        items.append(.unknown)
        continue
      }
      if minimum == 0 {
        // Optional: it may be absent, so it breaks the run without adding positions.
        items.append(.unknown)
        continue
      }
      items.append(.repeated(known, minimum: minimum, maximum: maximum, possessive: possessive))
    }
    guard depth == 0 else { throw Refusal() }  // no ")" closes the group
    return items
  }

  /// Moves past what opens a group after its "(": nothing (capturing), `?:`
  /// or a name (`?<name>`, `?P<name>`, `?'name'`); refuses any other kind.
  static func skipGroupOpening(_ text: [UInt8], _ i: inout Int) throws(Refusal) {
    guard i < text.count else { throw Refusal() }
    if text[i] == UInt8(ascii: "*") { throw Refusal() }  // a verb
    guard text[i] == UInt8(ascii: "?") else { return }
    guard i + 1 < text.count else { throw Refusal() }
    var j = i + 1
    let close: UInt8
    switch text[j] {
    case UInt8(ascii: ":"):
      i = j + 1
      return
    case UInt8(ascii: "<"): close = UInt8(ascii: ">")
    case UInt8(ascii: "'"): close = UInt8(ascii: "'")
    case UInt8(ascii: "P"):
      j += 1
      guard j < text.count, text[j] == UInt8(ascii: "<") else { throw Refusal() }
      close = UInt8(ascii: ">")
    default:
      throw Refusal()  // lookaround, atomic, options, comments, recursion, conditions
    }
    j += 1
    func isName(_ c: UInt8) -> Bool {
      (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) || c == UInt8(ascii: "_")
        || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }
    // A name starts with a letter or "_" ("(?<=" and "(?<!" are lookbehind).
    guard j < text.count, isName(text[j]), !(text[j] >= UInt8(ascii: "0") && text[j] <= UInt8(ascii: "9"))
    else { throw Refusal() }
    while j < text.count, isName(text[j]) { j += 1 }
    guard j < text.count, text[j] == close else { throw Refusal() }
    i = j + 1
  }

  static func single(_ b: UInt8) -> ByteSet {
    var s = ByteSet()
    s.insert(b)
    return s
  }

  /// Reads an optional quantifier at `i`: (1, 1) when there is none; and whether it is possessive.
  static func quantifier(_ text: [UInt8], _ i: inout Int) throws(Refusal) -> (Int, Int?, Bool) {
    guard i < text.count else { return (1, 1, false) }
    var result: (Int, Int?)
    switch text[i] {
    case UInt8(ascii: "*"): result = (0, nil); i += 1
    case UInt8(ascii: "+"): result = (1, nil); i += 1
    case UInt8(ascii: "?"): result = (0, 1); i += 1
    case UInt8(ascii: "{"):
      var j = i + 1
      func number() -> Int? {
        var value = 0, digits = 0
        while j < text.count, text[j] >= UInt8(ascii: "0"), text[j] <= UInt8(ascii: "9"), digits < 5 {
          value = value * 10 + Int(text[j] - UInt8(ascii: "0"))
          j += 1
          digits += 1
        }
        return digits > 0 ? value : nil
      }
      guard let lo = number(), j < text.count else { throw Refusal() }
      var hi: Int? = lo
      if text[j] == UInt8(ascii: ",") {
        j += 1
        hi = number()
        if let h = hi, h < lo { throw Refusal() }
      }
      guard j < text.count, text[j] == UInt8(ascii: "}") else { throw Refusal() }
      i = j + 1
      result = (lo, hi)
    default:
      return (1, 1, false)
    }
    // Lazy forms match the same strings; possessive ones a subset (the caller's concern).
    var possessive = false
    if i < text.count && (text[i] == UInt8(ascii: "?") || text[i] == UInt8(ascii: "+")) {
      possessive = text[i] == UInt8(ascii: "+")
      i += 1
    }
    if i < text.count, [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{")].contains(text[i]) {
      throw Refusal()
    }
    return (result.0, result.1, possessive)
  }

  /// Reads a positive bracket class of ASCII members at `i`; `nil` (unknown)
  /// for a negated class, a non-ASCII member or anything not understood.
  static func bracket(_ text: [UInt8], _ i: inout Int) throws(Refusal) -> ByteSet? {
    let (set, negated) = try bracketMembers(text, &i)
    return negated ? nil : set
  }

  /// Reads a bracket class at `i`: its members (`nil` when one is non-ASCII
  /// or not understood) and whether it is negated (`[^...]`).
  static func bracketMembers(_ text: [UInt8], _ i: inout Int) throws(Refusal) -> (ByteSet?, negated: Bool) {
    var j = i + 1
    var set = ByteSet()
    var understood = true
    var negated = false
    if j < text.count && text[j] == UInt8(ascii: "^") { negated = true; j += 1 }
    var first = true
    var previous: UInt8? = nil  // the last single member, for a range
    while j < text.count {
      let c = text[j]
      if c == UInt8(ascii: "]") && !first {
        i = j + 1
        return (understood ? set : nil, negated)
      }
      first = false
      var member: UInt8? = nil
      if c == UInt8(ascii: "\\") {
        guard j + 1 < text.count else { throw Refusal() }
        let e = text[j + 1]
        j += 2
        switch e {
        case UInt8(ascii: "d"): set = set | .digits
        case UInt8(ascii: "w"): set = set | .word
        case UInt8(ascii: "s"): set = set | .space
        case UInt8(ascii: "h"), UInt8(ascii: "v"): understood = false  // non-ASCII members too
        case UInt8(ascii: "t"): member = 0x09
        case UInt8(ascii: "r"): member = 0x0D
        case UInt8(ascii: "n"): member = 0x0A
        case UInt8(ascii: "f"): member = 0x0C
        case UInt8(ascii: "e"): member = 0x1B
        case UInt8(ascii: "a"): member = 0x07
        case UInt8(ascii: "Q"), UInt8(ascii: "E"): throw Refusal()
        default:
          let alphanumeric = (e | 0x20 >= UInt8(ascii: "a") && e | 0x20 <= UInt8(ascii: "z"))
            || (e >= UInt8(ascii: "0") && e <= UInt8(ascii: "9"))
          if alphanumeric || e >= 0x80 { understood = false } else { member = e }
        }
      } else if c == UInt8(ascii: "["), j + 1 < text.count,
                [UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "=")].contains(text[j + 1]) {
        // POSIX classes are ASCII without UCP; only a few are read, the rest are unknown.
        let kind = text[j + 1]
        var k = j + 2
        while k + 1 < text.count && !(text[k] == kind && text[k + 1] == UInt8(ascii: "]")) { k += 1 }
        guard k + 1 < text.count else { throw Refusal() }
        let name = String(decoding: text[(j + 2)..<k], as: UTF8.self)
        j = k + 2
        var posix = ByteSet()
        switch (kind, name) {
        case (UInt8(ascii: ":"), "digit"): posix = .digits
        case (UInt8(ascii: ":"), "alpha"): posix.insert(0x41...0x5A); posix.insert(0x61...0x7A)
        case (UInt8(ascii: ":"), "alnum"): posix = .digits; posix.insert(0x41...0x5A); posix.insert(0x61...0x7A)
        case (UInt8(ascii: ":"), "upper"): posix.insert(0x41...0x5A)
        case (UInt8(ascii: ":"), "lower"): posix.insert(0x61...0x7A)
        case (UInt8(ascii: ":"), "xdigit"): posix = .digits; posix.insert(0x41...0x46); posix.insert(0x61...0x66)
        case (UInt8(ascii: ":"), "space"): posix = .space
        default: understood = false
        }
        set = set | posix
        previous = nil
        continue
      } else if c >= 0x80 {
        understood = false
        j += 1
      } else {
        member = c
        j += 1
      }
      guard let m = member else {
        previous = nil
        continue
      }
      // A range "a-z" (a "-" before "]" is literal).
      if j + 1 < text.count, text[j] == UInt8(ascii: "-"), text[j + 1] != UInt8(ascii: "]") {
        var k = j + 1
        var upper: UInt8
        if text[k] == UInt8(ascii: "\\") {
          guard k + 1 < text.count else { throw Refusal() }
          let e = text[k + 1]
          let alphanumeric = (e | 0x20 >= UInt8(ascii: "a") && e | 0x20 <= UInt8(ascii: "z"))
            || (e >= UInt8(ascii: "0") && e <= UInt8(ascii: "9"))
          if alphanumeric || e >= 0x80 { understood = false; upper = m } else { upper = e }
          k += 2
        } else if text[k] == UInt8(ascii: "[") {
          throw Refusal()
        } else {
          upper = text[k]
          k += 1
        }
        if upper >= 0x80 || upper < m { understood = false } else { set.insert(m...upper) }
        j = k
        previous = nil
        continue
      }
      set.insert(m)
      previous = m
    }
    _ = previous
    throw Refusal()  // no closing "]"
  }
}

extension ClassSequence.ByteSet {
  /// The set without `b`.
  func removing(_ b: UInt8) -> Self {
    var s = self
    let bit: UInt64 = ~(1 << UInt64(b & 63))
    switch b >> 6 {
    case 0: s.low &= bit
    case 1: s.high &= bit
    case 2: s.upperLow &= bit
    default: s.upperHigh &= bit
    }
    return s
  }
}
