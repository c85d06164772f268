extension LogFollower {
  /// The selected lines as they arrive, forever: polls, delivers each new
  /// line once, and pauses ``Options/pollInterval`` whenever it has caught up.
  ///
  /// The sequence ends (returns `nil`) when the consuming task is cancelled
  /// — promptly: the pause is a cancellable `Task.sleep`, and lines already
  /// read are delivered first — or when the follower is closed. On
  /// cancellation it closes the follower (releasing its descriptor), so
  /// ``checkpoint`` then tells where to resume; if you stop iterating early
  /// instead, resume from the last line's ``FollowedLine/checkpoint``. It
  /// throws the errors of ``poll()``.
  ///
  /// One consumer at a time: two iterators share the follower's position.
  public var lines: FollowLines { FollowLines(follower: self) }

  /// Every poll that found lines or events, as it arrives (see ``lines`` for
  /// pacing, cancellation and errors). Use it to see rotations and
  /// truncations, or to save a checkpoint after each batch.
  public var batches: FollowBatches { FollowBatches(follower: self) }

  /// Polls until a batch has lines (or, with `events`, events); pauses when caught up.
  /// Returns `nil` once the task is cancelled or the follower closed.
  func nextBatch(events: Bool, isolation actor: isolated (any Actor)? = #isolation) async throws(FollowError)
    -> FollowBatch?
  {
    while true {
      if Task.isCancelled {
        close()
        return nil
      }
      let batch: FollowBatch
      do {
        batch = try poll()
      } catch {
        if case .closed = error { return nil }
        throw error
      }
      if !batch.lines.isEmpty || (events && !batch.events.isEmpty) { return batch }
      if batch.isCaughtUp {
        do {
          try await Task.sleep(for: options.pollInterval)
        } catch {
          close()
          return nil
        }
      }
    }
  }
}

/// The lines a ``LogFollower`` selects, as an `AsyncSequence` that ends only
/// when its task is cancelled or the follower closed
/// (see ``LogFollower/lines``).
public struct FollowLines: AsyncSequence, Sendable {
  public typealias Element = FollowedLine
  public typealias Failure = FollowError

  /// The follower read.
  public let follower: LogFollower

  /// Returns the iterator.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(follower: follower) }

  /// Delivers the lines of each batch in order, then polls for the next.
  public struct AsyncIterator: AsyncIteratorProtocol {
    public typealias Element = FollowedLine
    public typealias Failure = FollowError

    let follower: LogFollower
    var pending: [FollowedLine] = []
    var index = 0

    /// The next line; `nil` after cancellation or close.
    ///
    /// - Parameter actor: The caller's isolation.
    /// - Returns: The next selected line, or `nil`.
    /// - Throws: The errors of ``LogFollower/poll()``.
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(FollowError) -> FollowedLine? {
      while index == pending.count {
        pending = []
        index = 0
        guard let batch = try await follower.nextBatch(events: false) else { return nil }
        pending = batch.lines
      }
      defer { index += 1 }
      return pending[index]
    }

    /// The next line; `nil` after cancellation or close.
    ///
    /// - Returns: The next selected line, or `nil`.
    /// - Throws: The errors of ``LogFollower/poll()``.
    public mutating func next() async throws(FollowError) -> FollowedLine? {
      try await next(isolation: nil)
    }
  }
}

/// The non-empty batches of a ``LogFollower`` (lines and events), as an
/// `AsyncSequence` (see ``LogFollower/batches``).
public struct FollowBatches: AsyncSequence, Sendable {
  public typealias Element = FollowBatch
  public typealias Failure = FollowError

  /// The follower read.
  public let follower: LogFollower

  /// Returns the iterator.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(follower: follower) }

  /// Polls until a batch has lines or events.
  public struct AsyncIterator: AsyncIteratorProtocol {
    public typealias Element = FollowBatch
    public typealias Failure = FollowError

    let follower: LogFollower

    /// The next batch with lines or events; `nil` after cancellation or close.
    ///
    /// - Parameter actor: The caller's isolation.
    /// - Returns: The batch, or `nil`.
    /// - Throws: The errors of ``LogFollower/poll()``.
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(FollowError) -> FollowBatch? {
      try await follower.nextBatch(events: true)
    }

    /// The next batch with lines or events; `nil` after cancellation or close.
    ///
    /// - Returns: The batch, or `nil`.
    /// - Throws: The errors of ``LogFollower/poll()``.
    public mutating func next() async throws(FollowError) -> FollowBatch? {
      try await next(isolation: nil)
    }
  }
}
