/// The matches of a pattern in a subject, found lazily and in order.
///
/// Not a `Sequence`, because finding a match can fail (a match limit, a
/// truncated file) and a failure must reach the caller instead of looking like
/// the end: iterate with a throwing `next()`, or with `forEach(_:)`.
///
/// ```swift
/// var matches = pattern.matches(in: buffer).makeIterator()
/// while let match = try matches.next() { print(match.range) }
/// ```
///
/// The sequence keeps the buffer (or bytes) alive; it reads the subject in
/// place on each step. One iterator reuses one scratch space for all its matches.
public struct MatchSequence {
  let pattern: Pattern
  let source: SubjectSource
  let window: Range<Int>?
  /// Set by the `budget:` overload (Pattern+Budget.swift).
  var budget: SearchBudget? = nil

  /// The iterator: call `next()` until it returns `nil`.
  public struct Iterator {
    let pattern: Pattern
    let source: SubjectSource
    let lease: ScratchLease
    var window: Range<Int>?
    var cursor: MatchCursor?
    // Budgeted state (Pattern+Budget.swift).
    var budgetState: MatchBudgetState? = nil

    /// The next match, or `nil` after the last one.
    ///
    /// - Returns: The next match, or `nil`.
    /// - Throws: `RegexError` `.match` (a limit; the offset says where), or
    ///   `.buffer` (closed, truncated, or the buffer shrank below the range).
    ///   After an error, calling `next()` again retries the same step.
    public mutating func next() throws(RegexError) -> Match? {
      if budgetState != nil { return try nextBudgeted() }
      let pattern = self.pattern
      let lease = self.lease
      var window = self.window
      var cursor = self.cursor
      defer { self.window = window; self.cursor = cursor }
      return try source.withBytes(pattern: pattern.source) { (memory) throws(RegexError) -> Match? in
        let w = try Pattern.resolve(window, count: memory.count, pattern: pattern.source)
        window = w
        var c = cursor ?? MatchCursor(start: 0)
        defer { cursor = c }
        guard try c.next(pattern.storage.code, lease.scratch, in: memory, window: w, pattern: pattern.source)
        else { return nil }
        return pattern.makeMatch(lease.scratch, origin: w.lowerBound)
      }
    }
  }

  /// Returns an iterator that starts at the beginning of the subject.
  public func makeIterator() -> Iterator {
    var iterator = Iterator(pattern: pattern, source: source, lease: ScratchLease(pattern.storage), window: window,
                            cursor: nil)
    if let budget { iterator.budgetState = MatchBudgetState(budget) }
    return iterator
  }

  /// Calls `body` with each match in order until it returns `false`.
  ///
  /// Faster than the iterator: the subject is opened once for the whole walk.
  ///
  /// - Parameter body: Called with each match; return `false` to stop.
  /// - Throws: `RegexError` from the search or from `body`.
  public func forEach(_ body: (Match) throws(RegexError) -> Bool) throws(RegexError) {
    if budget != nil {
      var iterator = makeIterator()
      while let match = try iterator.next() { if try !body(match) { return } }
      return
    }
    let pattern = self.pattern
    try source.withBytes(pattern: pattern.source) { (memory) throws(RegexError) in
      let w = try Pattern.resolve(window, count: memory.count, pattern: pattern.source)
      try pattern.storage.withScratch { (scratch) throws(RegexError) in
        var cursor = MatchCursor(start: 0)
        while try cursor.next(pattern.storage.code, scratch, in: memory, window: w, pattern: pattern.source) {
          if try !body(pattern.makeMatch(scratch, origin: w.lowerBound)) { return }
        }
      }
    }
  }

  /// All the matches, in order, in an array.
  ///
  /// - Returns: The matches.
  /// - Throws: `RegexError` from the search.
  public func collect() throws(RegexError) -> [Match] {
    var all: [Match] = []
    try forEach { (match) throws(RegexError) -> Bool in all.append(match); return true }
    return all
  }
}
