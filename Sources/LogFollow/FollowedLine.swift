import RegexSearch

/// Which file a path named: the device and inode numbers of `stat(2)`.
///
/// A rotation gives the path a new identity; a truncation keeps it.
public struct FileIdentity: Sendable, Hashable {
  /// `st_dev`.
  public var device: UInt64
  /// `st_ino`.
  public var inode: UInt64

  /// Creates an identity.
  ///
  /// - Parameters:
  ///   - device: The device number (`st_dev`).
  ///   - inode: The inode number (`st_ino`).
  public init(device: UInt64, inode: UInt64) {
    self.device = device
    self.inode = inode
  }
}

/// One line a ``LogFollower`` found: a copy of its bytes and where it lies.
///
/// ```swift
/// for try await line in follower.lines {
///   print("\(line.number ?? 0):\(line.offset): \(line.text)")
///   try line.checkpoint.write(toFile: "app.log.state")   // resume just after it
/// }
/// ```
public struct FollowedLine: Sendable, Hashable {
  /// The line's bytes, without its `"\n"` (a CRLF line keeps its `"\r"`).
  public var bytes: [UInt8]
  /// The absolute byte offset of the line's first byte in its file.
  public var offset: Int
  /// The offset just past the line and its `"\n"`: where a resumed search
  /// starts (what a state file stores).
  public var endOffset: Int
  /// The line's number in its file generation, counted from 1 at offset 0;
  /// `nil` when the follower does not number lines
  /// (``LogFollower/Options/numbersLines`` is `false`).
  public var number: Int?
  /// The file generation the line came from: 0 for the file first opened,
  /// plus one at each rotation or truncation.
  public var generation: Int
  /// The file the line came from.
  public var file: FileIdentity
  /// Whether the line ended with `"\n"`. Only a last line delivered at a
  /// rotation or by ``LogFollower/finish()`` can lack it.
  public var isTerminated: Bool

  /// Creates a line (the follower makes them; tests may too).
  ///
  /// - Parameters:
  ///   - bytes: The bytes without the `"\n"`.
  ///   - offset: The absolute offset of the first byte.
  ///   - endOffset: The offset just past the line and its `"\n"`.
  ///   - number: The line number, or `nil`.
  ///   - generation: The file generation.
  ///   - file: The file's identity.
  ///   - isTerminated: Whether the line ended with `"\n"`.
  public init(bytes: [UInt8], offset: Int, endOffset: Int, number: Int?, generation: Int, file: FileIdentity,
              isTerminated: Bool) {
    self.bytes = bytes
    self.offset = offset
    self.endOffset = endOffset
    self.number = number
    self.generation = generation
    self.file = file
    self.isTerminated = isTerminated
  }

  /// The bytes decoded as UTF-8 (invalid bytes become U+FFFD).
  public var text: String { String(decoding: bytes, as: UTF8.self) }

  /// The resume point just after this line: save it to continue with the
  /// next line, even if you stop before the sequence does. It has no
  /// ``FollowCheckpoint/tailDigest`` (the line does not carry the bytes before it).
  public var checkpoint: FollowCheckpoint {
    FollowCheckpoint(offset: endOffset, file: file, lineNumber: number.map { $0 + 1 })
  }
}

/// Something that happened to the followed path, reported between lines.
public enum FollowEvent: Sendable, Equatable {
  /// The first file was opened; following starts at `offset`.
  case opened(generation: Int, offset: Int)
  /// The path does not exist; the follower keeps reading the file it has
  /// open (if any) and waits for the path to reappear. Reported once each
  /// time the path goes missing.
  case missing
  /// A new file at the path cannot be opened yet (`errno`); the follower
  /// keeps the file it has and retries at every poll. Reported once per cause.
  case inaccessible(errno: Int32)
  /// The file shrank below the offset reached (truncated, `copytruncate`):
  /// following restarts at its offset 0 as `generation`.
  case truncated(generation: Int)
  /// The path names another file (rotated, recreated, or appeared after it
  /// was missing): the old file's remaining lines were delivered, including
  /// an unterminated last line, and the new file is followed from offset 0
  /// as `generation`.
  case rotated(generation: Int)
  /// The checkpoint (or start offset) was not used: it names another file,
  /// the file is now shorter than its offset, or the bytes before its offset
  /// no longer have its digest. Following starts at offset 0.
  case checkpointRejected
  /// A line could not be searched (a PCRE2 match, depth or heap limit): it
  /// is treated as not matching, and following goes on after it.
  case lineSkipped(offset: Int, error: RegexError)
}

/// What one ``LogFollower/poll()`` found.
public struct FollowBatch: Sendable {
  /// The selected lines, in file order (lines of an old generation first).
  public var lines: [FollowedLine]
  /// What happened to the path, in order.
  public var events: [FollowEvent]
  /// The resume point after this batch: every complete line before it has
  /// been examined. `nil` while no file has been opened.
  public var checkpoint: FollowCheckpoint?
  /// Whether the follower has read every complete line there is now: poll
  /// again after a pause. When `false`, more is waiting (a large growth is
  /// read in batches of ``LogFollower/Options/maximumBatchBytes``): poll again at once.
  public var isCaughtUp: Bool

  /// Creates a batch.
  ///
  /// - Parameters:
  ///   - lines: The selected lines.
  ///   - events: The events.
  ///   - checkpoint: The resume point.
  ///   - isCaughtUp: Whether nothing complete is waiting.
  public init(lines: [FollowedLine] = [], events: [FollowEvent] = [], checkpoint: FollowCheckpoint?,
              isCaughtUp: Bool) {
    self.lines = lines
    self.events = events
    self.checkpoint = checkpoint
    self.isCaughtUp = isCaughtUp
  }
}
