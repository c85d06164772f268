/// Limits on one whole search: how long it may run and how many bytes it may
/// cover. A search that runs out stops with a `RegexError` of kind
/// `.budgetExceeded` whose `offset` says where it stopped — after delivering
/// everything it found before that point — so the caller has a partial
/// result and can resume there.
///
/// ```swift
/// let budget = SearchBudget(timeLimit: .seconds(2))
/// var lines = pattern.matchingLines(in: log, budget: budget).makeIterator()
/// do {
///   while let line = try lines.next() { print(line.number) }
/// } catch where error.kind == .budgetExceeded {
///   print("stopped at byte \(error.offset!)")           // every line before it was searched
/// }
/// ```
///
/// The budget is checked between windows of work, never per line: a search
/// proceeds in line-aligned windows (for whole-buffer searches, windows of
/// start offsets, with `pcre2_set_offset_limit`), and the clock is read once
/// per window. Under a time limit the windows adapt — they start at one line
/// and double while a window takes well under the limit's sixteenth (at most
/// 10 ms) up to 4 MiB, and halve when one takes longer — so a search over
/// lines that are each slow to match still stops within about one line's
/// time, while a fast search reads the clock a few hundred times per second.
/// A single match attempt is bounded by `Pattern.Limits`, not by the budget.
/// Without a budget (`nil`, the default everywhere) searches take their
/// usual path, untouched.
public struct SearchBudget: Sendable, Hashable {
  /// Which limit ran out.
  public enum Limit: Sendable, Hashable {
    /// The time limit, measured on `ContinuousClock` from the search's first step.
    case time(Duration)
    /// The byte limit.
    case bytes(Int)
  }

  /// The longest the search may run, from its first step (`nil`: no limit).
  /// `.zero` stops before anything is searched.
  public var timeLimit: Duration?
  /// The most bytes the search may cover from its start (`nil`: no limit).
  /// Line searches cover whole lines: the search stops at the first line end
  /// at or after this many bytes, so it may read less than one line more.
  public var byteLimit: Int?
  /// The largest window, for tests that force many small windows (`nil`: the default).
  var maximumWindow: Int? = nil

  /// Creates a budget.
  ///
  /// - Parameters:
  ///   - timeLimit: The longest the search may run, or `nil`.
  ///   - byteLimit: The most bytes it may cover, or `nil`.
  /// - Precondition: Neither limit is negative.
  public init(timeLimit: Duration? = nil, byteLimit: Int? = nil) {
    precondition(timeLimit.map { $0 >= .zero } ?? true, "time limit \(timeLimit!) is negative")
    precondition(byteLimit.map { $0 >= 0 } ?? true, "byte limit \(byteLimit!) is negative")
    self.timeLimit = timeLimit
    self.byteLimit = byteLimit
  }

  /// A budget without limits (searches then behave exactly as without one).
  public static let unlimited = SearchBudget()

  /// Whether either limit is set.
  var isLimited: Bool { timeLimit != nil || byteLimit != nil }
}

/// The progress of one budgeted search: its clock and its window size.
struct BudgetMeter {
  let budget: SearchBudget
  /// The largest window.
  let maximumWindow: Int
  private var started: ContinuousClock.Instant? = nil
  private var windowStarted: ContinuousClock.Instant? = nil
  /// The next window's size in bytes (adapted under a time limit).
  private(set) var windowSize: Int

  init(_ budget: SearchBudget, maximumWindow: Int = 4 << 20) {
    self.budget = budget
    self.maximumWindow = budget.maximumWindow ?? maximumWindow
    windowSize = budget.timeLimit == nil ? self.maximumWindow : 1
  }

  /// Before a window starting `covered` bytes after the search's start:
  /// throws when a limit has run out, else returns the window's size (at
  /// least 1) and starts timing it.
  mutating func beginWindow(covered: Int, at offset: Int, pattern: String,
                            partialCount: Int? = nil) throws(RegexError) -> Int {
    var size = windowSize
    if let limit = budget.byteLimit {
      if covered >= limit {
        throw RegexError.budgetExceeded(.bytes(limit), at: offset, partialCount: partialCount, pattern: pattern)
      }
      size = min(size, limit - covered)
    }
    if let limit = budget.timeLimit {
      let now = ContinuousClock.now
      let start = started ?? now
      started = start
      if now - start >= limit {
        throw RegexError.budgetExceeded(.time(limit), at: offset, partialCount: partialCount, pattern: pattern)
      }
      windowStarted = now
    }
    return max(size, 1)
  }

  /// After a window: adapts the next window's size to the time it took.
  mutating func endWindow() {
    guard let limit = budget.timeLimit, let begun = windowStarted else { return }
    let took = ContinuousClock.now - begun
    let target = min(limit / 16, .milliseconds(10))
    if took * 2 < target {
      windowSize = min(windowSize * 2, maximumWindow)
    } else if took > target {
      windowSize = max(windowSize / 2, 1)
    }
  }
}

extension RegexError {
  /// The error a search ends with when its `SearchBudget` runs out.
  ///
  /// - Parameters:
  ///   - limit: The limit that ran out.
  ///   - offset: Where the search stopped: everything before it was searched.
  ///   - partialCount: For counting searches, the count up to `offset`.
  ///   - pattern: The pattern text, for the message.
  /// - Returns: An error of kind `.budgetExceeded`.
  public static func budgetExceeded(_ limit: SearchBudget.Limit, at offset: Int, partialCount: Int? = nil,
                                    pattern: String?) -> RegexError {
    let message: String
    switch limit {
    case .time(let duration): message = "time limit of \(duration) reached"
    case .bytes(let count): message = "byte limit of \(count) bytes reached"
    }
    var error = RegexError(kind: .budgetExceeded, code: 0, offset: offset, message: message, pattern: pattern)
    error.exceededLimit = limit
    error.partialCount = partialCount
    return error
  }
}
