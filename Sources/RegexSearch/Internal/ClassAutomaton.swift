import CScanGuard

/// Reads a pattern made of byte classes, alternation and repeats as a
/// Glushkov automaton (`csg_automaton`) that decides exactly whether a line
/// holds a match — without PCRE2 — and finds the class windows every match
/// holds, for the class prefilter of patterns `ClassSequence` cannot read
/// (alternation: a strict IPv4 regex
/// `\b((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)\b`).
///
/// The language read: literal ASCII bytes, `.`, `\d \w \s \h \v` and their
/// negations, bracket classes of ASCII members (negated or not), groups
/// (capturing, `(?:`, named) and alternation at any depth, greedy or lazy
/// quantifiers — bounded on anything, unbounded only on a single class —
/// and `\b` `\B` only at the start or end of a top-level alternative; a
/// leading `(?i)` is the caseless option. Anything else (anchors,
/// lookaround, backreferences, possessive or atomic forms, other inline
/// options, `\p`, non-ASCII literals, extended mode, `-w` `-x`) is refused:
/// PCRE2 decides.
///
/// Why the automaton selects exactly the lines PCRE2 selects:
/// - Without lookaround, backreferences, atomic groups or possessive
///   quantifiers, a backtracking matcher that runs to completion finds a
///   match in a subject exactly when some substring is in the pattern's
///   language (greed and laziness change which match, not whether one
///   exists). The Glushkov automaton accepts that language; its simulation
///   holds every partial match at once. The leading and trailing `\b` `\B`
///   of each alternative are checked where a match of that alternative
///   starts or ends, on the bytes either side, as PCRE2 checks them.
/// - Classes: a line holds no `"\n"`, which is removed from every class. In
///   UTF mode a class item matches one character; for ASCII classes
///   (`\d \w \s`, ASCII bracket members, without caseless `k` `s`, which
///   PCRE2 also folds onto KELVIN SIGN and LONG S) that is one ASCII byte,
///   and no such item matches any byte of a non-ASCII character, valid or
///   not, as PCRE2 (with `PCRE2_MATCH_INVALID_UTF`) matches none; `\b` sees
///   a non-ASCII character as a non-word character either way (no UCP).
///   Items that may match non-ASCII characters (`.`, negations, `\h` `\v`,
///   caseless `k` `s`) leave lines holding a byte >= 0x80 to PCRE2
///   (`ascii_lines`); in non-UTF mode every item is one byte, read exactly.
/// - PCRE2 could stop at its match limit before it finds the answer (an
///   error grep reports). Its backtracking tries, per start, at most the
///   number of ways the bounded items split a match (`ways`) times a factor
///   of the line's length for each unbounded item whose class overlaps what
///   may follow it (it may give back any number of bytes), and one more for
///   all the others together; each way costs a few steps per position. The automaton is built only
///   when that bound stays far below PCRE2's default match limit for lines
///   up to `longestLine` bytes, and longer lines go to PCRE2; and only when
///   the limits are not lowered.
enum ClassAutomaton {
  /// A set of bytes.
  struct Bytes: Equatable {
    var words: [UInt64] = [0, 0, 0, 0]

    static let none = Bytes()
    static let all = Bytes(words: [~0, ~0, ~0, ~0])

    init() {}
    init(words: [UInt64]) { self.words = words }
    init(_ set: ClassSequence.ByteSet) { words = set.words }

    mutating func insert(_ b: UInt8) { words[Int(b >> 6)] |= 1 << UInt64(b & 63) }
    mutating func remove(_ b: UInt8) { words[Int(b >> 6)] &= ~(1 << UInt64(b & 63)) }
    func contains(_ b: UInt8) -> Bool { words[Int(b >> 6)] & (1 << UInt64(b & 63)) != 0 }
    var isASCII: Bool { words[2] == 0 && words[3] == 0 }
    var ascii: ClassSequence.ByteSet { .init(low: words[0], high: words[1]) }
    func intersects(_ other: Bytes) -> Bool { (0..<4).contains { words[$0] & other.words[$0] != 0 } }
    static func | (a: Bytes, b: Bytes) -> Bytes { Bytes(words: (0..<4).map { a.words[$0] | b.words[$0] }) }
    var inverted: Bytes { Bytes(words: words.map { ~$0 }) }
  }

  /// One character of a class.
  struct Item: Equatable {
    /// The bytes it matches on the lines the automaton decides.
    var bytes: Bytes
    /// Its class for a prefilter window: an ASCII set when it matches exactly
    /// one byte of that set on every line; `nil` when it may match a
    /// non-ASCII character.
    var window: ClassSequence.ByteSet?
    /// Whether it may match a character of several bytes (UTF mode).
    var wide: Bool
  }

  indirect enum Node: Equatable {
    case item(Item)
    /// `CSG_ASSERT_*` flags.
    case boundary(UInt8)
    case sequence([Node])
    case choice([Node])
    /// `maximum` `nil`: unbounded.
    case repetition(Node, minimum: Int, maximum: Int?)
  }

  struct Refusal: Error {}

  /// What the line search needs: the automaton's tables, when PCRE2 cannot
  /// fail first, and the best class window every match holds.
  struct Extracted: Equatable {
    /// `nil` when the pattern is read but PCRE2 must still decide (a limit could come first).
    var automaton: Automaton?
    /// The prefilter's window: `nil` when none is selective enough.
    var window: Window?
  }

  /// A class sequence every match holds, starting at most `prefix` bytes
  /// after the match's start (`nil`: no bound).
  struct Window: Equatable {
    var classes: [ClassSequence.ByteSet]
    var prefix: Int?
  }

  /// The Glushkov automaton of a pattern, as `csg_automaton_init` takes it.
  struct Automaton: Equatable {
    var positions: [Bytes] = []
    var follow: [UInt64] = []
    /// By `2 * before + after` (word characters either side).
    var startAllowed: [UInt64] = [0, 0, 0, 0]
    var endAllowed: [UInt64] = [0, 0, 0, 0]
    /// Lines longer than this are left to PCRE2 (`nil`: none).
    var longestLine: Int?
    /// Whether lines holding a non-ASCII byte are left to PCRE2.
    var asciiLines = false
    /// Each position's class for a prefilter window (`Item.window`; `nil` when it may match a
    /// character of several bytes).
    var windowClasses: [ClassSequence.ByteSet?] = []
    /// Every byte any position matches.
    var anyByte: Bytes { positions.reduce(.none, |) }
  }

  static let maximumPositions = Int(CSG_MAX_POSITIONS)
  /// PCRE2's default match limit; the bound on its steps per start must stay below half of it.
  static let matchLimit = 10_000_000.0
  /// Lines of at least this many bytes must be decided for the automaton to be worth building.
  static let shortestUsefulLine = 256

  /// The automaton and window for the user's alternatives `texts` (each a
  /// top-level alternative) compiled with `options`, or `nil` when the
  /// pattern is not in the language read.
  static func extract(_ texts: [[UInt8]], options: Pattern.Options, newline: Pattern.Newline = .lf,
                      limits: Pattern.Limits = .init()) -> Extracted? {
    guard let branches = read(texts, options: options, newline: newline) else { return nil }
    let whole: Node = branches.count == 1 ? branches[0] : .choice(branches)
    let laid = try? layout(branches, utf: options.contains(.utf))
    let window = best(allWindows(whole) + (laid.map { spanningWindows($0.automaton) } ?? []))
    let lowered = limits.matchLimit.map { $0 < 10_000_000 } == true || limits.depthLimit.map { $0 < 10_000_000 } == true
      || limits.heapLimitKiB.map { $0 < 20_000 } == true
    let automaton = lowered ? nil : laid.flatMap { try? budgeted($0) }
    if automaton == nil && window == nil { return nil }
    return Extracted(automaton: automaton, window: window)
  }

  /// The top-level alternatives of the user's alternatives `texts`, or `nil`
  /// when the pattern is not in the language read.
  static func read(_ texts: [[UInt8]], options: Pattern.Options, newline: Pattern.Newline = .lf) -> [Node]? {
    if options.contains(.extended) || options.contains(.literal) || options.contains(.wholeWords)
      || options.contains(.wholeLines) || newline != .lf || texts.isEmpty {
      return nil
    }
    // A leading (?i) is the caseless option for the whole text (as LiteralExtraction reads it),
    // when every alternative has it.
    let inline = Array("(?i)".utf8)
    let leading = texts.filter { $0.starts(with: inline) }.count
    guard leading == 0 || leading == texts.count else { return nil }
    var reader = Reader(caseless: options.contains(.caseInsensitive) || leading > 0, utf: options.contains(.utf))
    var branches: [Node] = []
    for text in texts {
      guard let node = try? reader.parse(leading > 0 ? Array(text.dropFirst(inline.count)) : text) else { return nil }
      branches += topBranches(node)
    }
    return branches
  }

  /// The top-level alternatives of `node` (a group that is the whole of an
  /// alternative stands for its own alternatives).
  static func topBranches(_ node: Node) -> [Node] {
    switch node {
    case .choice(let branches): return branches.flatMap(topBranches)
    case .sequence(let items) where items.count == 1: return topBranches(items[0])
    default: return [node]
    }
  }

  // MARK: - The automaton

  /// The automaton of `branches` (top-level alternatives) and how many ways
  /// PCRE2 may split a match among their bounded parts, before its size is
  /// weighed against PCRE2's limit (`budgeted`); throws when it is too large.
  static func layout(_ branches: [Node], utf: Bool) throws(Refusal) -> (automaton: Automaton, ways: Double) {
    var builder = Builder()
    var ways = 0.0
    for branch in branches {
      var items: [Node]
      if case .sequence(let s) = branch { items = s } else { items = [branch] }
      var leading: UInt8 = 0, trailing: UInt8 = 0
      while case .boundary(let flags)? = items.first { leading |= flags; items.removeFirst() }
      while case .boundary(let flags)? = items.last { trailing |= flags; items.removeLast() }
      let middle = Node.sequence(items)
      guard !containsBoundary(middle) else { throw Refusal() }
      let built = try builder.add(middle)
      guard !built.nullable else { throw Refusal() }  // it would match everywhere
      for before in 0..<2 {
        for after in 0..<2 {
          if holds(leading, before: before, after: after) { builder.automaton.startAllowed[2 * before + after] |= built.first }
          if holds(trailing, before: before, after: after) { builder.automaton.endAllowed[2 * before + after] |= built.last }
        }
      }
      ways += waysToMatch(middle)
    }
    var a = builder.automaton
    a.asciiLines = utf && builder.anyNonASCIICharacter
    return (a, ways)
  }

  /// `laid` with the longest line it decides, or throws when PCRE2 could reach
  /// its match limit first on every useful line.
  static func budgeted(_ laid: (automaton: Automaton, ways: Double)) throws(Refusal) -> Automaton {
    var a = laid.automaton
    let ways = laid.ways
    // Unbounded positions (those that follow themselves); the ones whose bytes
    // overlap a position that may come next can give back any number of bytes.
    // A disjoint one gives back nothing useful: the next position fails at
    // once, and only the longest choice lets the match go on, so such items
    // add (linearly) rather than multiply.
    var disjoint = 0, ambiguous = 0
    for (p, follow) in a.follow.enumerated() where follow & (1 << UInt64(p)) != 0 {
      let others = follow & ~(1 << UInt64(p))
      if (0..<a.positions.count).contains(where: { others & (1 << UInt64($0)) != 0 && a.positions[$0].intersects(a.positions[p]) }) {
        ambiguous += 1
      } else {
        disjoint += 1
      }
    }
    let degree = ambiguous + (disjoint > 0 ? 1 : 0)
    let stepsPerWay = Double(8 * a.positions.count + 32)
    let budget = matchLimit / 2 / (ways * stepsPerWay)
    guard budget >= 1 else { throw Refusal() }
    if degree > 0 {
      let longest = Int(budget.root(degree).rounded(.down)) - 2
      guard longest >= shortestUsefulLine else { throw Refusal() }
      a.longestLine = longest
    }
    return a
  }

  /// Whether assertions `flags` hold between a byte that is (`before`) or not
  /// a word character and the next (`after`).
  static func holds(_ flags: UInt8, before: Int, after: Int) -> Bool {
    if flags & UInt8(CSG_ASSERT_BOUNDARY) != 0 && before == after { return false }
    if flags & UInt8(CSG_ASSERT_NOT_BOUNDARY) != 0 && before != after { return false }
    return true
  }

  static func containsBoundary(_ node: Node) -> Bool {
    switch node {
    case .item: return false
    case .boundary: return true
    case .sequence(let nodes), .choice(let nodes): return nodes.contains(where: containsBoundary)
    case .repetition(let inner, _, _): return containsBoundary(inner)
    }
  }

  /// How many ways PCRE2's backtracking may split a match of `node` among
  /// its bounded parts (an unbounded single class counts once: its lengths
  /// are the degree's concern).
  static func waysToMatch(_ node: Node) -> Double {
    switch node {
    case .item, .boundary: return 1
    case .sequence(let nodes): return nodes.reduce(1) { $0 * waysToMatch($1) }
    case .choice(let nodes): return nodes.reduce(0) { $0 + waysToMatch($1) }
    case .repetition(let inner, let minimum, let maximum):
      guard let maximum else { return 1 }
      let w = waysToMatch(inner)
      var total = 0.0
      for k in minimum...max(minimum, maximum) { total += pow(w, k) }
      return total
    }
  }

  static func pow(_ x: Double, _ k: Int) -> Double {
    var r = 1.0
    for _ in 0..<k { r *= x }
    return r
  }

  /// Assigns positions to a node's items and links them (Glushkov).
  struct Builder {
    var automaton = Automaton()
    /// Whether some position may match a non-ASCII character (UTF mode).
    var anyNonASCIICharacter = false

    struct Built {
      var first: UInt64 = 0
      var last: UInt64 = 0
      var nullable = true
    }

    mutating func add(_ node: Node) throws(Refusal) -> Built {
      switch node {
      case .item(let item):
        let p = automaton.positions.count
        guard p < ClassAutomaton.maximumPositions else { throw Refusal() }
        automaton.positions.append(item.bytes)
        automaton.windowClasses.append(item.wide ? nil : item.window)
        automaton.follow.append(0)
        if item.wide || item.window == nil { anyNonASCIICharacter = true }
        let bit: UInt64 = 1 << UInt64(p)
        return Built(first: bit, last: bit, nullable: false)
      case .boundary:
        throw Refusal()  // only at a top-level alternative's ends (taken off by `layout`)
      case .sequence(let nodes):
        var whole = Built()
        for n in nodes {
          let b = try add(n)
          link(whole.last, to: b.first)
          whole = Built(first: whole.first | (whole.nullable ? b.first : 0), last: b.last | (b.nullable ? whole.last : 0),
                        nullable: whole.nullable && b.nullable)
        }
        return whole
      case .choice(let nodes):
        var whole = Built(first: 0, last: 0, nullable: false)
        for n in nodes {
          let b = try add(n)
          whole.first |= b.first
          whole.last |= b.last
          whole.nullable = whole.nullable || b.nullable
        }
        return whole
      case .repetition(let inner, let minimum, let maximum):
        guard let maximum else {
          // X{m,}: m copies, the last one repeating (X* is one optional repeating copy).
          guard case .item = inner else { throw Refusal() }
          var whole = try add(.sequence(Array(repeating: inner, count: max(minimum, 1))))
          let p = automaton.positions.count - 1
          automaton.follow[p] |= 1 << UInt64(p)
          if minimum == 0 { whole.nullable = true }
          return whole
        }
        // X{m,n} accepts what m copies of X then n - m optional copies accept.
        var whole = try add(.sequence(Array(repeating: inner, count: minimum)))
        for _ in minimum..<max(minimum, maximum) {
          var b = try add(inner)
          b.nullable = true
          link(whole.last, to: b.first)
          whole = Built(first: whole.first | (whole.nullable ? b.first : 0), last: b.last | whole.last,
                        nullable: whole.nullable)
        }
        return whole
      }
    }

    mutating func link(_ from: UInt64, to: UInt64) {
      var rest = from
      while rest != 0 {
        let p = rest.trailingZeroBitCount
        automaton.follow[p] |= to
        rest &= rest - 1
      }
    }
  }

  // MARK: - Windows

  /// What every match of a node is known to hold (see `bestWindow`).
  struct Summary {
    var minimum: Int
    /// `nil`: unbounded.
    var maximum: Int?
    /// Each byte's class when the node always matches this many bytes (an
    /// entry is `nil` when that byte's class is not a window class).
    var fixed: [ClassSequence.ByteSet?]?
    /// The classes of the first (last) bytes of every non-empty match (an
    /// entry is `nil` when that byte's class is not a window class).
    var lead: [ClassSequence.ByteSet?]
    var trail: [ClassSequence.ByteSet?]
    /// Windows every match holds.
    var windows: [Window]
  }

  /// The most selective of `windows`, or `nil` when none is selective enough
  /// for the prefilter (`ClassSequence.minimumSelectivity`).
  static func best(_ windows: [Window]) -> Window? {
    let rank = { (w: Window) in ClassSequence.rank(w.classes, prefix: w.prefix) }
    guard let best = windows.max(by: { rank($0) < rank($1) }),
          ClassSequence.score(best.classes) >= ClassSequence.minimumSelectivity else { return nil }
    return best
  }

  /// The windows every match of `node` holds (each cut to the kernel's
  /// longest sequence); none when `node` matches the empty string.
  ///
  /// Soundness: each summary states only facts about every match of its node:
  /// an item matches one byte of its class (or, when it may match a non-ASCII
  /// character, an unknown one); a concatenation's match is its parts'
  /// matches side by side, so a run of fixed parts, with the last bytes of the
  /// part before and the first bytes of the part after (when those parts
  /// cannot be empty), lies in it contiguously; an alternation's match is one
  /// branch's, so its first (last) bytes are in the union of the branches'
  /// classes at that place; `X{m,n}` is m copies of X and optional ones.
  static func allWindows(_ node: Node) -> [Window] {
    let s = summary(node)
    guard s.minimum > 0 else { return [] }  // an empty match: every line matches
    var candidates = s.windows
    candidates += windows(in: s.lead, start: 0)
    candidates += windows(in: s.trail, start: s.maximum.map { $0 - s.trail.count })
    let limit = ClassSequence.maximumLength
    return candidates.map { w in
      w.classes.count <= limit ? w : Window(classes: Array(w.classes.prefix(limit)), prefix: w.prefix)
    }
  }

  /// Windows that reach through alternations and repeats, read off the
  /// automaton: one around each position every match passes through (no
  /// path from a first to a last position avoids it). Position k after it
  /// holds the union of the classes of the positions k steps on, for k below
  /// the fewest steps to the end of a match (and up to
  /// `ClassSequence.spanningReach`); the positions before it
  /// likewise, backwards to the start. Every match holds such a window: the
  /// strict IPv4 regex's first dot gives `\d\.\d[\d.][\d.][\d.][\d.]`, which
  /// the `35.424Z` of a timestamp does not hold. A position whose class is no
  /// window class (it may match several bytes) ends the window there.
  static func spanningWindows(_ a: Automaton) -> [Window] {
    let n = a.positions.count
    guard n > 0, n <= 64, a.windowClasses.count == n else { return [] }
    func each(_ set: UInt64, _ body: (Int) -> Void) {
      var rest = set
      while rest != 0 {
        body(rest.trailingZeroBitCount)
        rest &= rest - 1
      }
    }
    let first = a.startAllowed.reduce(0, |), last = a.endAllowed.reduce(0, |)
    var preceding = [UInt64](repeating: 0, count: n)
    for p in 0..<n { each(a.follow[p]) { preceding[$0] |= 1 << UInt64(p) } }
    func step(_ set: UInt64, _ edges: [UInt64]) -> UInt64 {
      var out: UInt64 = 0
      each(set) { out |= edges[$0] }
      return out
    }
    // The most bytes a match holds before `p` (`nil`: no bound: a position before it repeats, or
    // may match several bytes). Repeats are self-loops (only a single class repeats without bound),
    // so the positions before `p` form no other cycle.
    var longest = [Int?](repeating: nil, count: n)
    var known = [Bool](repeating: false, count: n)
    func before(_ p: Int, depth: Int = 0) -> Int? {
      if known[p] { return longest[p] }
      guard depth <= n else { return nil }
      var most = 0
      var bounded = true
      each(preceding[p] & ~(1 << UInt64(p))) { q in
        guard bounded, preceding[q] & (1 << UInt64(q)) == 0, a.windowClasses[q] != nil,
              let b = before(q, depth: depth + 1) else { bounded = false; return }
        most = max(most, b + 1)
      }
      known[p] = true
      longest[p] = bounded ? most : nil
      return longest[p]
    }
    var out: [Window] = []
    for p in 0..<n {
      guard let own = a.windowClasses[p] else { continue }
      let bit: UInt64 = 1 << UInt64(p)
      // Every match passes through p: nothing from the first positions reaches a last one without it.
      var seen = first & ~bit, frontier = seen
      while frontier != 0 {
        frontier = step(frontier, a.follow) & ~bit & ~seen
        seen |= frontier
      }
      guard seen & last == 0 else { continue }
      var kept: Set<ClassSequence.ByteSet> = []
      func fits(_ set: ClassSequence.ByteSet?) -> Bool {
        guard let set, set.selectivity >= 1 else { return false }
        if kept.contains(set) { return true }
        guard kept.count < Int(CSG_MAX_CLASSES) else { return false }
        kept.insert(set)
        return true
      }
      guard fits(own) else { continue }
      func reach(_ edges: [UInt64], ends: UInt64, room: Int) -> [ClassSequence.ByteSet] {
        var classes: [ClassSequence.ByteSet] = []
        var at = bit
        while at & ends == 0 && classes.count < room {
          at = step(at, edges)
          var union: ClassSequence.ByteSet? = ClassSequence.ByteSet.empty
          each(at) { q in union = union.flatMap { u in a.windowClasses[q].map { u | $0 } } }
          guard at != 0, fits(union), let union else { break }
          classes.append(union)
        }
        return classes
      }
      let ahead = reach(a.follow, ends: last, room: ClassSequence.spanningReach)
      let behind = reach(preceding, ends: first, room: ClassSequence.spanningReach)
      out.append(Window(classes: behind.reversed() + [own] + ahead, prefix: before(p).map { $0 - behind.count }))
    }
    return out
  }

  /// The runs of known classes in `run` (which starts at most `start` bytes
  /// after the match's start) as windows.
  static func windows(in run: [ClassSequence.ByteSet?], start: Int?) -> [Window] {
    var out: [Window] = []
    var current: [ClassSequence.ByteSet] = []
    var from = 0
    for (i, c) in run.enumerated() {
      if let c {
        if current.isEmpty { from = i }
        current.append(c)
      } else if !current.isEmpty {
        out.append(Window(classes: current, prefix: start.map { $0 + from }))
        current = []
      }
    }
    if !current.isEmpty { out.append(Window(classes: current, prefix: start.map { $0 + from })) }
    return out
  }

  static func summary(_ node: Node) -> Summary {
    switch node {
    case .item(let item):
      if item.wide {
        return Summary(minimum: 1, maximum: 4, fixed: nil, lead: [], trail: [], windows: [])
      }
      return Summary(minimum: 1, maximum: 1, fixed: [item.window], lead: [item.window], trail: [item.window], windows: [])
    case .boundary:
      return Summary(minimum: 0, maximum: 0, fixed: [], lead: [], trail: [], windows: [])
    case .sequence(let nodes):
      return sequenceSummary(nodes.map(summary))
    case .choice(let nodes):
      let parts = nodes.map(summary)
      let minimum = parts.map(\.minimum).min() ?? 0
      let maximum = parts.contains { $0.maximum == nil } ? nil : parts.compactMap(\.maximum).max()
      var fixed: [ClassSequence.ByteSet?]? = nil
      if let first = parts.first?.fixed, parts.allSatisfy({ $0.fixed?.count == first.count }) {
        fixed = (0..<first.count).map { i in union(parts.map { $0.fixed![i] }) }
      }
      // A non-empty match is a non-empty match of a branch that has one.
      let nonEmpty = parts.filter { $0.maximum != 0 }
      let leadCount = nonEmpty.map(\.lead.count).min() ?? 0
      let trailCount = nonEmpty.map(\.trail.count).min() ?? 0
      let lead = (0..<leadCount).map { i in union(nonEmpty.map { $0.lead[i] }) }
      let trail = (0..<trailCount).map { i in union(nonEmpty.map { $0.trail[$0.trail.count - trailCount + i] }) }
      var windows: [Window] = []
      if minimum > 0 {
        windows = Self.windows(in: lead, start: 0) + Self.windows(in: trail, start: maximum.map { $0 - trail.count })
      }
      return Summary(minimum: minimum, maximum: maximum, fixed: fixed, lead: lead, trail: trail, windows: windows)
    case .repetition(let inner, let minimum, let maximum):
      if maximum == 0 { return summary(.boundary(0)) }
      var parts = Array(repeating: summary(inner), count: minimum)
      if maximum != minimum {
        // The optional copies: a non-empty match of them starts (ends) with a non-empty match of the node.
        let one = summary(inner)
        parts.append(Summary(minimum: 0, maximum: maximum.flatMap { m in one.maximum.map { $0 * (m - minimum) } },
                             fixed: nil, lead: one.lead, trail: one.trail, windows: []))
      }
      return sequenceSummary(parts)
    }
  }

  /// The union of classes, `nil` when one is unknown.
  static func union(_ sets: [ClassSequence.ByteSet?]) -> ClassSequence.ByteSet? {
    var out = ClassSequence.ByteSet.empty
    for s in sets {
      guard let s else { return nil }
      out = out | s
    }
    return out
  }

  static func sequenceSummary(_ parts: [Summary]) -> Summary {
    var minimum = 0
    var maximum: Int? = 0
    var fixed: [ClassSequence.ByteSet?]? = []
    var windows: [Window] = []
    var run: [ClassSequence.ByteSet?] = []
    var runStart: Int? = 0
    for s in parts {
      if let f = s.fixed {
        if run.isEmpty { runStart = maximum }
        run += f
      } else {
        if run.isEmpty { runStart = maximum }
        windows += Self.windows(in: s.minimum > 0 ? run + s.lead : run, start: runStart)
        let offset = maximum
        windows += s.windows.map { w in Window(classes: w.classes, prefix: offset.flatMap { m in w.prefix.map { m + $0 } }) }
        let end = maximum.flatMap { m in s.maximum.map { m + $0 } }
        run = s.minimum > 0 ? s.trail : []
        runStart = end.map { $0 - run.count }
      }
      minimum += s.minimum
      maximum = maximum.flatMap { m in s.maximum.map { m + $0 } }
      fixed = fixed.flatMap { f in s.fixed.map { f + $0 } }
    }
    windows += Self.windows(in: run, start: runStart)
    var lead: [ClassSequence.ByteSet?] = []
    for s in parts {
      if let f = s.fixed {
        lead += f
        continue
      }
      if s.minimum > 0 { lead += s.lead }
      break
    }
    var trail: [ClassSequence.ByteSet?] = []
    for s in parts.reversed() {
      if let f = s.fixed {
        trail = f + trail
        continue
      }
      if s.minimum > 0 { trail = s.trail + trail }
      break
    }
    if maximum != 0 && lead.isEmpty { lead = [union(firstClasses(parts))] }
    if maximum != 0 && trail.isEmpty { trail = [union(firstClasses(parts.reversed(), last: true))] }
    return Summary(minimum: minimum, maximum: maximum, fixed: fixed, lead: lead, trail: trail, windows: windows)
  }

  /// The classes the first (`last`: the last) byte of a non-empty match of
  /// parts placed side by side may be in: the first byte of a non-empty
  /// match of each part up to the first that cannot be empty. A part whose
  /// first byte is unknown gives `nil`.
  static func firstClasses(_ parts: some Sequence<Summary>, last: Bool = false) -> [ClassSequence.ByteSet?] {
    var out: [ClassSequence.ByteSet?] = []
    for s in parts {
      if s.maximum != 0 {
        let edge = last ? s.trail.last : s.lead.first
        out.append(edge ?? nil)
      }
      if s.minimum > 0 { break }
    }
    return out
  }

  // MARK: - Reading the pattern

  struct Reader {
    let caseless: Bool
    let utf: Bool

    mutating func parse(_ text: [UInt8]) throws(Refusal) -> Node {
      var i = 0
      let node = try alternation(text, &i, depth: 0)
      guard i == text.count else { throw Refusal() }  // a ")" without "("
      return node
    }

    func alternation(_ text: [UInt8], _ i: inout Int, depth: Int) throws(Refusal) -> Node {
      var branches = [try sequence(text, &i, depth: depth)]
      while i < text.count && text[i] == UInt8(ascii: "|") {
        i += 1
        branches.append(try sequence(text, &i, depth: depth))
      }
      return branches.count == 1 ? branches[0] : .choice(branches)
    }

    func sequence(_ text: [UInt8], _ i: inout Int, depth: Int) throws(Refusal) -> Node {
      var nodes: [Node] = []
      while i < text.count && text[i] != UInt8(ascii: "|") && text[i] != UInt8(ascii: ")") {
        var atom = try self.atom(text, &i, depth: depth)
        let (minimum, maximum, possessive) = try Self.quantifier(text, &i)
        guard !possessive else { throw Refusal() }  // matches fewer strings than the automaton would
        if minimum != 1 || maximum != 1 {
          if case .boundary = atom { throw Refusal() }
          guard minimum <= ClassAutomaton.maximumPositions, (maximum ?? 0) <= ClassAutomaton.maximumPositions else {
            throw Refusal()
          }
          atom = .repetition(atom, minimum: minimum, maximum: maximum)
        }
        if case .sequence(let inner) = atom { nodes += inner } else { nodes.append(atom) }
      }
      return nodes.count == 1 ? nodes[0] : .sequence(nodes)
    }

    static func quantifier(_ text: [UInt8], _ i: inout Int) throws(Refusal) -> (Int, Int?, Bool) {
      do {
        return try ClassSequence.quantifier(text, &i)
      } catch {
        throw Refusal()
      }
    }

    func atom(_ text: [UInt8], _ i: inout Int, depth: Int) throws(Refusal) -> Node {
      let b = text[i]
      switch b {
      case UInt8(ascii: "("):
        guard depth < 8 else { throw Refusal() }
        i += 1
        do { try ClassSequence.skipGroupOpening(text, &i) } catch { throw Refusal() }
        let inner = try alternation(text, &i, depth: depth + 1)
        guard i < text.count, text[i] == UInt8(ascii: ")") else { throw Refusal() }
        i += 1
        return inner
      case UInt8(ascii: "["):
        let members: (ClassSequence.ByteSet?, negated: Bool)
        do { members = try ClassSequence.bracketMembers(text, &i) } catch { throw Refusal() }
        guard let set = members.0 else { throw Refusal() }
        return .item(members.negated ? negatedItem(set) : item(set))
      case UInt8(ascii: "."):
        i += 1
        return .item(negatedItem(.empty))
      case UInt8(ascii: "\\"):
        guard i + 1 < text.count else { throw Refusal() }
        let e = text[i + 1]
        i += 2
        return try escape(e)
      case UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"),
           UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: ")"):
        throw Refusal()
      default:
        guard b < 0x80 else { throw Refusal() }  // a non-ASCII character
        i += 1
        return .item(item(ClassSequence.single(b)))
      }
    }

    func escape(_ e: UInt8) throws(Refusal) -> Node {
      switch e {
      case UInt8(ascii: "b"): return .boundary(UInt8(CSG_ASSERT_BOUNDARY))
      case UInt8(ascii: "B"): return .boundary(UInt8(CSG_ASSERT_NOT_BOUNDARY))
      case UInt8(ascii: "d"): return .item(item(.digits))
      case UInt8(ascii: "w"): return .item(item(.word))
      case UInt8(ascii: "s"): return .item(item(.space))
      case UInt8(ascii: "D"): return .item(negatedItem(.digits))
      case UInt8(ascii: "W"): return .item(negatedItem(.word))
      case UInt8(ascii: "S"): return .item(negatedItem(.space))
      case UInt8(ascii: "N"): return .item(negatedItem(.empty))
      // \h and \v also match non-ASCII characters (U+00A0, U+0085, ...; the bytes 0xA0 and 0x85 without UTF).
      case UInt8(ascii: "h"): return .item(unicodeItem(.horizontal, extra: 0xA0))
      case UInt8(ascii: "v"): return .item(unicodeItem(.vertical, extra: 0x85))
      case UInt8(ascii: "H"): return .item(negatedItem(.horizontal, extraExcluded: utf ? [] : [0xA0]))
      case UInt8(ascii: "V"): return .item(negatedItem(.vertical, extraExcluded: utf ? [] : [0x85]))
      case UInt8(ascii: "t"): return .item(item(ClassSequence.single(0x09)))
      case UInt8(ascii: "r"): return .item(item(ClassSequence.single(0x0D)))
      case UInt8(ascii: "f"): return .item(item(ClassSequence.single(0x0C)))
      case UInt8(ascii: "e"): return .item(item(ClassSequence.single(0x1B)))
      case UInt8(ascii: "a"): return .item(item(ClassSequence.single(0x07)))
      case UInt8(ascii: "n"): return .item(item(ClassSequence.single(0x0A)))
      default:
        let alphanumeric = (e | 0x20 >= UInt8(ascii: "a") && e | 0x20 <= UInt8(ascii: "z"))
          || (e >= UInt8(ascii: "0") && e <= UInt8(ascii: "9"))
        guard !alphanumeric, e < 0x80 else { throw Refusal() }
        return .item(item(ClassSequence.single(e)))
      }
    }

    /// An item of ASCII members (folded when caseless; without `"\n"`).
    func item(_ members: ClassSequence.ByteSet) -> Item {
      let set = (caseless ? members.folded() : members).removing(0x0A)
      // In caseless UTF mode k and s also match KELVIN SIGN and LONG S.
      let folds = caseless && utf && [UInt8(ascii: "k"), UInt8(ascii: "s")].contains { set.contains($0) }
      return Item(bytes: Bytes(set), window: folds || set.isEmpty ? nil : set, wide: folds)
    }

    /// An item matching every character but the ASCII `members` (and `"\n"`).
    func negatedItem(_ members: ClassSequence.ByteSet, extraExcluded: [UInt8] = []) -> Item {
      var bytes = Bytes(caseless ? members.folded() : members).inverted
      bytes.remove(0x0A)
      for b in extraExcluded { bytes.remove(b) }
      // Without UTF each byte is a character: exact. In UTF mode it matches
      // non-ASCII characters of several bytes: lines holding one go to PCRE2.
      return Item(bytes: bytes, window: nil, wide: utf)
    }

    /// `\h` or `\v`: the ASCII `members`, and non-ASCII characters (in UTF
    /// mode) or the byte `extra` (without).
    func unicodeItem(_ members: ClassSequence.ByteSet, extra: UInt8) -> Item {
      var bytes = Bytes(members.removing(0x0A))
      if !utf { bytes.insert(extra) }
      return Item(bytes: bytes, window: nil, wide: utf)
    }
  }
}

extension Double {
  /// The `degree`-th root (degree >= 1).
  fileprivate func root(_ degree: Int) -> Double {
    if degree == 1 { return self }
    if degree == 2 { return self.squareRoot() }
    // Bisection: no Foundation `pow`.
    var lo = 0.0, hi = Swift.max(1.0, self)
    for _ in 0..<100 {
      let mid = (lo + hi) / 2
      if ClassAutomaton.pow(mid, degree) > self { hi = mid } else { lo = mid }
    }
    return lo
  }
}

/// A `csg_automaton` made from a `ClassAutomaton.Automaton`, owned by a
/// prefilter (immutable after init; read concurrently by line searches).
final class CompiledAutomaton: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<csg_automaton>

  /// `window`, when given, is the class prefilter's (it must outlive this
  /// object) and `prefix` the most bytes a match holds before it.
  /// `deterministic`: build the deterministic form when it is small enough
  /// (`false` only to test the simulation of position sets).
  init?(_ a: ClassAutomaton.Automaton, window: UnsafePointer<csg_classes>? = nil, prefix: Int? = nil,
        deterministic: Bool = true) {
    let made = UnsafeMutablePointer<csg_automaton>.allocate(capacity: 1)
    let sets = a.positions.flatMap(\.words)
    // The arrays are passed as pointers valid for the call; csg_automaton_init copies what it keeps.
    let ok = csg_automaton_init(made, Int32(a.positions.count), sets, a.follow, a.startAllowed, a.endAllowed,
                                a.longestLine ?? -1, a.asciiLines ? 1 : 0, window, prefix ?? -1, a.anyByte.words,
                                deterministic ? 1 : 0)
    if ok == 0 {
      made.deallocate()
      return nil
    }
    pointer = made
  }

  deinit {
    csg_automaton_free(pointer)
    pointer.deallocate()
  }

  /// The number of states of its deterministic form (0: none was built).
  var deterministicStates: Int { pointer.pointee.dfa == nil ? 0 : Int(pointer.pointee.dfa_states) }

  /// Whether `line` holds a match: 1, 0, or -1 when the automaton does not decide it.
  func matches(_ line: [UInt8]) -> Int {
    let padded = line + [0]  // a valid pointer for an empty line too
    return padded.withUnsafeBufferPointer { Int(csg_automaton_matches(pointer, $0.baseAddress, line.count, 0)) }
  }

  /// The line verifier that runs it (see `csg_next_line`).
  var verifier: LineDecider { LineDecider(verify: csg_automaton_verify_line, context: UnsafeMutableRawPointer(pointer)) }
}

/// An exact line verifier that decides lines in place of PCRE2 (`csg_sequence`
/// or `csg_automaton`), with its context.
struct LineDecider {
  let verify: csg_line_verifier
  let context: UnsafeMutableRawPointer
}
