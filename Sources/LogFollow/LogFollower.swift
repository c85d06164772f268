import ByteBuffer
import MappedBuffer
import RegexSearch
import Synchronization

/// Follows a growing log file the way `tail -F` does, and yields each new
/// complete line a RegexSearch `Pattern` selects — without re-reading: only the bytes
/// the file gained are mapped (a page-aligned window from the last offset)
/// and searched in place.
///
/// ```swift
/// import LogFollow
/// import RegexSearch
///
/// let errors = try Pattern(#"ERROR|FATAL"#)
/// let follower = LogFollower(path: "/var/log/app.log", matching: errors, from: .end)
/// for try await line in follower.lines {          // ends when the task is cancelled
///   print("\(line.number ?? 0): \(line.text)")
/// }
/// ```
///
/// ## Semantics
///
/// - Only complete lines (ended by `"\n"`) are delivered; an unterminated last
///   line waits for its `"\n"` — except at a rotation and in ``finish()``,
///   which deliver it as it is (``FollowedLine/isTerminated`` is `false`).
///   Each line is delivered once.
/// - **Truncation**: when the file's size drops below the offset reached, the
///   follower restarts at offset 0 of the same file, as a new generation
///   (``FollowEvent/truncated(generation:)``). A file truncated and rewritten
///   past the old offset between two polls is caught too: the follower keeps
///   the last 256 bytes before its offset and checks them (`pread(2)`) at
///   every poll — unless the rewrite put the very same bytes there.
/// - **Rotation**: when the path names another file (another device or
///   inode — renamed and recreated, or deleted and recreated), the follower
///   first reads the old file to its end, delivers its unterminated last
///   line, then follows the new file from offset 0 as a new generation
///   (``FollowEvent/rotated(generation:)``). Lines written to the old file
///   after that switch are not read (as with `tail -F`).
/// - **A missing path** is waited for (``FollowEvent/missing``): the open
///   file, if any, is still read; when the path reappears, that is a rotation.
///   A new file that cannot be opened yet (permissions) is retried at every
///   poll while the old one is still read (``FollowEvent/inaccessible(errno:)``).
/// - The path is checked for a rotation only when the follower has caught up
///   with the open file, so a burst of growth is read in full first.
/// - A line that hits a PCRE2 limit is reported (``FollowEvent/lineSkipped(offset:error:)``)
///   and treated as not matching: following never gets stuck on it.
///
/// Poll by hand with ``poll()`` (synchronous: one batch of at most
/// ``Options/maximumBatchBytes``), or iterate ``lines`` or ``batches``
/// (asynchronous, pausing ``Options/pollInterval`` when caught up).
///
/// A follower is `Sendable` (its state is behind a lock) but meant for one
/// consumer at a time. Its descriptor is closed by ``close()``, by
/// ``finish()``, when its sequence ends by cancellation, or when it is freed;
/// each mapped window is unmapped before ``poll()`` returns.
public final class LogFollower: Sendable {
  /// This object's address, which orders `state`'s critical sections for
  /// ThreadSanitizer (`withOrderedLock`).
  var lockTag: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

  /// Where following starts in the first file opened.
  public enum Start: Sendable, Hashable {
    /// At offset 0: every line the file already holds is searched first
    /// (`grep` then follow; `tail -F -n +1`).
    case beginning
    /// At the file's size when it is first opened (`tail -F -n 0`). A file
    /// that does not exist yet at the first poll is read from offset 0 when it appears.
    case end
    /// At this byte offset (it should be a line start). An offset past the
    /// end of the file starts at 0 (``FollowEvent/checkpointRejected``).
    case offset(Int)
    /// At the checkpoint's offset, when the path names the checkpoint's file,
    /// the file is not shorter, and the bytes before the offset still have
    /// the checkpoint's digest; otherwise at offset 0
    /// (``FollowEvent/checkpointRejected``).
    case checkpoint(FollowCheckpoint)
  }

  /// How a follower reads.
  public struct Options: Sendable, Hashable {
    /// The pause between polls of ``LogFollower/lines`` and
    /// ``LogFollower/batches`` once caught up. Default 250 ms.
    public var pollInterval: Duration
    /// The most bytes one ``LogFollower/poll()`` maps and searches (it always
    /// reaches at least one line end). Default 16 MiB.
    public var maximumBatchBytes: Int
    /// Whether lines get numbers. Starting at a nonzero offset without a
    /// checkpoint that knows the line number, the follower then counts the
    /// newlines before it once (a vectorised scan of the file up to there).
    /// Default `true`.
    public var numbersLines: Bool

    /// Creates options.
    ///
    /// - Parameters:
    ///   - pollInterval: The pause between polls once caught up.
    ///   - maximumBatchBytes: The most bytes one poll reads.
    ///   - numbersLines: Whether lines get numbers.
    /// - Precondition: `maximumBatchBytes > 0` and `pollInterval` is not negative.
    public init(pollInterval: Duration = .milliseconds(250), maximumBatchBytes: Int = 16 << 20,
                numbersLines: Bool = true) {
      precondition(maximumBatchBytes > 0, "maximumBatchBytes \(maximumBatchBytes) must be positive")
      precondition(pollInterval >= .zero, "pollInterval \(pollInterval) is negative")
      self.pollInterval = pollInterval
      self.maximumBatchBytes = maximumBatchBytes
      self.numbersLines = numbersLines
    }
  }

  /// The path followed (a name, re-checked at every poll).
  public let path: String
  /// The pattern selecting lines; `nil` selects every line.
  public let pattern: Pattern?
  /// Whether the lines the pattern does not match are selected instead (grep -v).
  public let isInverted: Bool
  /// The options.
  public let options: Options

  let state: Mutex<State>

  /// Creates a follower. Nothing is opened until the first ``poll()``: the
  /// file need not exist yet.
  ///
  /// - Parameters:
  ///   - path: The file to follow.
  ///   - pattern: Selects the lines to deliver (each line is its own subject,
  ///     as in `Pattern.matchingLines(in:)`); `nil` delivers every line.
  ///   - inverted: Deliver the lines `pattern` does not match.
  ///   - start: Where to start in the first file.
  ///   - options: Polling and batching options.
  /// - Precondition: an `.offset` start is not negative.
  public init(path: String, matching pattern: Pattern? = nil, inverted: Bool = false, from start: Start = .beginning,
              options: Options = Options()) {
    if case .offset(let offset) = start { precondition(offset >= 0, "start offset \(offset) is negative") }
    self.path = path
    self.pattern = pattern
    self.isInverted = inverted
    self.options = options
    state = Mutex(State(start: start))
  }

  deinit {
    state.withOrderedLock(tag: lockTag) { $0.releaseDescriptors() }
  }

  /// Whether the follower is closed.
  public var isClosed: Bool { state.withOrderedLock(tag: lockTag) { $0.isClosed } }

  /// The resume point: every complete line before its offset has been
  /// examined (and the selected ones delivered by ``poll()``). `nil` before a
  /// file was opened. Still readable after ``close()``.
  public var checkpoint: FollowCheckpoint? { state.withOrderedLock(tag: lockTag) { $0.checkpoint } }

  /// The resume point just after `line`, with the digest of the bytes
  /// before it when the line's file is still open (read with `pread(2)`):
  /// for stopping after a line rather than after the whole batch.
  ///
  /// - Parameter line: A line this follower delivered.
  /// - Returns: `line.checkpoint`, with its ``FollowCheckpoint/tailDigest`` when it can be read.
  public func checkpoint(after line: FollowedLine) -> FollowCheckpoint {
    var checkpoint = line.checkpoint
    state.withOrderedLock(tag: lockTag) { state in
      guard let file = [state.current, state.replacement].compactMap({ $0 }).first(where: { $0.identity == line.file })
      else { return }
      let length = min(checkpoint.offset, FollowCheckpoint.tailLength)
      if let bytes = try? sysRead(file.descriptor, count: length, at: checkpoint.offset - length), bytes.count == length {
        checkpoint.tailDigest = FollowCheckpoint.digest(bytes)
      }
    }
    return checkpoint
  }

  /// The generation of the file being read (0 for the first file; plus one
  /// per rotation or truncation), or `nil` before a file was opened.
  public var generation: Int? { state.withOrderedLock(tag: lockTag) { $0.current?.generation } }

  /// Reads what the file gained since the last poll: at most
  /// ``Options/maximumBatchBytes`` of complete lines, then (once caught up)
  /// checks the path for a rotation.
  ///
  /// - Returns: The selected lines, the events, the new checkpoint, and
  ///   whether the follower has caught up (if not, poll again at once).
  /// - Throws: ``FollowError/closed(path:)`` after ``close()``;
  ///   ``FollowError/system(operation:path:errno:)`` or
  ///   ``FollowError/notRegularFile(path:)`` when the first file cannot be
  ///   opened (a missing file is not an error: it is waited for);
  ///   ``FollowError/buffer(_:)`` when a mapping fails; ``FollowError/search(_:)``
  ///   for a search error other than a per-line limit. After an error the
  ///   follower is where it was: polling again retries.
  public func poll() throws(FollowError) -> FollowBatch {
    try state.withOrderedLock(tag: lockTag) { (state) throws(FollowError) -> FollowBatch in
      guard !state.isClosed else { throw .closed(path: path) }
      var lines: [FollowedLine] = []
      var events: [FollowEvent] = []
      let caughtUp = try step(&state, lines: &lines, events: &events)
      return FollowBatch(lines: lines, events: events, checkpoint: state.checkpoint, isCaughtUp: caughtUp)
    }
  }

  /// Reads everything the file holds now, rotations included, delivers the
  /// unterminated last line too, and closes the follower: for when the
  /// writer is known to be done.
  ///
  /// - Returns: Every remaining selected line and the events; the checkpoint
  ///   is past the last byte read.
  /// - Throws: The errors of ``poll()``. When an error comes after some lines
  ///   were read, those lines are returned (the follower stays open) and the
  ///   next call reports the error.
  public func finish() throws(FollowError) -> FollowBatch {
    try state.withOrderedLock(tag: lockTag) { (state) throws(FollowError) -> FollowBatch in
      guard !state.isClosed else { throw .closed(path: path) }
      var lines: [FollowedLine] = []
      var events: [FollowEvent] = []
      do throws(FollowError) {
        while try !step(&state, lines: &lines, events: &events) {}
        if var file = state.current {
          let size = try status(of: file).size
          if size >= file.offset { try deliverUnterminatedLine(&file, size: size, into: &lines, events: &events) }
          state.current = file
        }
      } catch {
        if lines.isEmpty && events.isEmpty { throw error }
        return FollowBatch(lines: lines, events: events, checkpoint: state.checkpoint, isCaughtUp: false)
      }
      let checkpoint = state.checkpoint
      state.releaseDescriptors()
      return FollowBatch(lines: lines, events: events, checkpoint: checkpoint, isCaughtUp: true)
    }
  }

  /// Closes the follower: releases its descriptor(s). Its sequences end;
  /// ``poll()`` throws ``FollowError/closed(path:)``. Closing twice does nothing.
  public func close() {
    state.withOrderedLock(tag: lockTag) { $0.releaseDescriptors() }
  }
}

// MARK: - State

extension LogFollower {
  /// A file the follower has open.
  struct OpenFile: Sendable {
    var descriptor: Int32
    var identity: FileIdentity
    var generation: Int
    /// The next byte to examine: a line start.
    var offset: Int
    /// No `"\n"` lies in `offset..<scanned` (an unterminated line read so far):
    /// the newline search resumes here.
    var scanned: Int
    /// The number of the line starting at `offset`.
    var lineNumber: Int?
    /// The last bytes before `offset` (at most `tailLength`), checked at each
    /// poll: when they changed, the file was truncated and rewritten.
    var tail: [UInt8] = []

    /// How many bytes before the offset are checked.
    static var tailLength: Int { FollowCheckpoint.tailLength }

    /// Appends bytes examined just before the new offset to `tail`.
    mutating func remember(_ bytes: some Collection<UInt8>) {
      if bytes.count >= Self.tailLength {
        tail = Array(bytes.suffix(Self.tailLength))
      } else {
        tail = Array((tail + bytes).suffix(Self.tailLength))
      }
    }

    var checkpoint: FollowCheckpoint {
      FollowCheckpoint(offset: offset, file: identity, lineNumber: lineNumber,
                       tailDigest: offset > 0 ? FollowCheckpoint.digest(tail) : nil)
    }

    /// Back to offset 0 as `generation`.
    mutating func restart(generation: Int, numbered: Bool) {
      self.generation = generation
      offset = 0
      scanned = 0
      lineNumber = numbered ? 1 : nil
      tail = []
    }
  }

  /// Everything that changes, behind the lock.
  struct State: Sendable {
    /// Where to start in the first file; `nil` once it is opened.
    var start: Start?
    var current: OpenFile?
    /// A new file found at the path, open, waiting for `current` to be read to its end.
    var replacement: OpenFile?
    var nextGeneration = 0
    var missingReported = false
    var inaccessibleReported: Int32? = nil
    var isClosed = false
    /// The checkpoint kept after close.
    var closedCheckpoint: FollowCheckpoint? = nil

    init(start: Start) { self.start = start }

    var checkpoint: FollowCheckpoint? { current?.checkpoint ?? closedCheckpoint }

    mutating func releaseDescriptors() {
      if isClosed { return }
      closedCheckpoint = current?.checkpoint
      if let current { sysClose(current.descriptor) }
      if let replacement { sysClose(replacement.descriptor) }
      current = nil
      replacement = nil
      isClosed = true
    }
  }
}

// MARK: - One step

extension LogFollower {
  /// One poll: open the first file if needed, notice a truncation, read one
  /// window, and when caught up switch to a replacement or look for one.
  /// Returns whether the follower has caught up.
  func step(_ state: inout State, lines: inout [FollowedLine], events: inout [FollowEvent]) throws(FollowError) -> Bool {
    if state.current == nil {
      try openFirst(&state, events: &events)
    }
    guard var file = state.current else { return true }
    let size = try status(of: file).size
    if size < file.offset || !tailIsIntact(file) {
      file.restart(generation: state.nextGeneration, numbered: options.numbersLines)
      state.nextGeneration += 1
      events.append(.truncated(generation: file.generation))
    }
    state.current = file
    var caughtUp = try readWindow(&file, size: size, into: &lines, events: &events)
    state.current = file
    guard caughtUp else { return false }
    if var next = state.replacement {
      // The old file is read to its end (if it grew meanwhile, read that first):
      // its unterminated last line, then the new file.
      if try status(of: file).size != size { return false }
      try deliverUnterminatedLine(&file, size: size, into: &lines, events: &events)
      sysClose(file.descriptor)
      next.generation = state.nextGeneration
      state.nextGeneration += 1
      state.current = next
      state.replacement = nil
      events.append(.rotated(generation: next.generation))
      return false
    }
    caughtUp = !lookForReplacement(&state, current: file, events: &events)
    return caughtUp
  }

  /// Opens the path for the first time, placing the offset as `state.start` says.
  func openFirst(_ state: inout State, events: inout [FollowEvent]) throws(FollowError) {
    let descriptor: Int32
    do throws(SysError) {
      descriptor = try sysOpenForReading(path)
    } catch {
      guard error.isMissing else { throw .system(operation: "open", path: path, errno: error.code) }
      if !state.missingReported {
        events.append(.missing)
        state.missingReported = true
      }
      // A file that appears later is new: read all of it.
      if state.start == .end { state.start = .beginning }
      return
    }
    let status: SysStatus
    do throws(SysError) {
      status = try sysStatus(of: descriptor)
    } catch {
      sysClose(descriptor)
      throw .system(operation: "stat", path: path, errno: error.code)
    }
    guard status.isRegular else {
      sysClose(descriptor)
      throw .notRegularFile(path: path)
    }
    let identity = FileIdentity(device: status.device, inode: status.inode)
    var offset = 0
    var knownLine: Int? = nil
    switch state.start ?? .beginning {
    case .beginning:
      offset = 0
    case .end:
      offset = status.size
    case .offset(let requested):
      if requested <= status.size { offset = requested } else { events.append(.checkpointRejected) }
    case .checkpoint(let checkpoint):
      if checkpoint.file == identity && checkpoint.offset <= status.size
        && tailMatches(checkpoint, descriptor: descriptor)
      {
        offset = checkpoint.offset
        knownLine = checkpoint.lineNumber
      } else {
        events.append(.checkpointRejected)
      }
    }
    var file = OpenFile(descriptor: descriptor, identity: identity, generation: state.nextGeneration,
                        offset: offset, scanned: offset, lineNumber: nil)
    if options.numbersLines {
      do throws(FollowError) {
        if let knownLine {
          file.lineNumber = knownLine
        } else {
          file.lineNumber = offset == 0 ? 1 : try countNewlines(in: file, upTo: offset) + 1
        }
      } catch {
        sysClose(descriptor)
        throw error
      }
    }
    if offset > 0 {
      do throws(SysError) {
        let length = min(offset, OpenFile.tailLength)
        file.tail = try sysRead(descriptor, count: length, at: offset - length)
      } catch {
        sysClose(descriptor)
        throw .system(operation: "read", path: path, errno: error.code)
      }
    }
    state.nextGeneration += 1
    state.start = nil
    state.missingReported = false
    state.current = file
    events.append(.opened(generation: file.generation, offset: offset))
  }

  /// Whether the bytes before a checkpoint's offset still have its digest
  /// (or it has none).
  func tailMatches(_ checkpoint: FollowCheckpoint, descriptor: Int32) -> Bool {
    guard let digest = checkpoint.tailDigest else { return true }
    let length = min(checkpoint.offset, FollowCheckpoint.tailLength)
    guard let bytes = try? sysRead(descriptor, count: length, at: checkpoint.offset - length),
          bytes.count == length
    else { return false }
    return FollowCheckpoint.digest(bytes) == digest
  }

  /// Checks whether the path now names another file; if so, opens it as the
  /// replacement. Returns whether a replacement is now waiting.
  func lookForReplacement(_ state: inout State, current: OpenFile, events: inout [FollowEvent]) -> Bool {
    let named: SysStatus
    do throws(SysError) {
      named = try sysStatus(atPath: path)
    } catch {
      report(error, &state, events: &events)
      return false
    }
    if FileIdentity(device: named.device, inode: named.inode) == current.identity {
      state.missingReported = false
      state.inaccessibleReported = nil
      return false
    }
    let descriptor: Int32
    let status: SysStatus
    do throws(SysError) {
      descriptor = try sysOpenForReading(path)
      do throws(SysError) {
        status = try sysStatus(of: descriptor)
      } catch {
        sysClose(descriptor)
        throw error
      }
    } catch {
      report(error, &state, events: &events)
      return false
    }
    let identity = FileIdentity(device: status.device, inode: status.inode)
    guard status.isRegular, identity != current.identity else {
      sysClose(descriptor)
      if !status.isRegular { report(.notRegularFile(isDirectory: status.isDirectory), &state, events: &events) }
      return false
    }
    state.replacement = OpenFile(descriptor: descriptor, identity: identity, generation: -1, offset: 0, scanned: 0,
                                 lineNumber: options.numbersLines ? 1 : nil)
    state.missingReported = false
    state.inaccessibleReported = nil
    return true
  }

  /// Reports a path that is missing or cannot be opened, once per cause.
  func report(_ error: SysError, _ state: inout State, events: inout [FollowEvent]) {
    if error.isMissing {
      if !state.missingReported {
        events.append(.missing)
        state.missingReported = true
      }
    } else if state.inaccessibleReported != error.code {
      events.append(.inaccessible(errno: error.code))
      state.inaccessibleReported = error.code
    }
  }

  /// Whether the bytes just before the offset are still those examined
  /// there: a file truncated and rewritten to at least the offset between
  /// two polls changes them (unless it was rewritten with the same bytes).
  func tailIsIntact(_ file: OpenFile) -> Bool {
    guard !file.tail.isEmpty else { return true }
    let found = try? sysRead(file.descriptor, count: file.tail.count, at: file.offset - file.tail.count)
    return found.map { $0 == file.tail } ?? true
  }

  func status(of file: OpenFile) throws(FollowError) -> SysStatus {
    do throws(SysError) {
      return try sysStatus(of: file.descriptor)
    } catch {
      throw .system(operation: "stat", path: path, errno: error.code)
    }
  }
}
