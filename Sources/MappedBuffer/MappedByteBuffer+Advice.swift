import ByteBuffer
import CScanGuard
import SystemPackage

extension MappedByteBuffer {
  /// Advice that throws away the contents of pages, for
  /// ``unsafeAdviseDiscard(_:range:)``.
  public enum DiscardAdvice: Sendable, Hashable {
    /// Drop the pages from this process (`MADV_DONTNEED`).
    ///
    /// - For a shared file mapping (``Access-swift.enum/write``,
    ///   ``Access-swift.enum/read``) and a shared memory object nothing is
    ///   lost: the next access reads the pages again from the page cache or
    ///   the file, changes included.
    /// - For a private (``Access-swift.enum/copy``) file mapping, the
    ///   buffer's own changes to those pages are LOST: the next access shows
    ///   the file's bytes again.
    /// - For private anonymous memory the pages read as ZEROS afterwards.
    ///   (Shared anonymous memory keeps its bytes, like a shared memory object.)
    case dontNeed

    /// Free the pages AND their backing store (`MADV_REMOVE`, Linux only):
    /// the bytes read as ZEROS afterwards, for every mapping of them — the
    /// range of the FILE is punched out (a hole). Works only on shared
    /// mappings of files on file systems that support punching holes, and
    /// on shared memory; otherwise it fails (`EINVAL`/`EOPNOTSUPP`).
    case remove
  }

  /// Tells the system how the bytes in `range` will be used (Python:
  /// `madvise(option, start, length)`). Calls `madvise(2)`.
  ///
  /// The range follows CPython's `madvise` checks: its start must lie in
  /// `0..<count` and its end is clamped to `count`. The start is then
  /// rounded down to a page boundary (Python requires an aligned start).
  /// The advice here never changes the bytes;
  /// destructive advice is only available through
  /// ``unsafeAdviseDiscard(_:range:)``. An empty range does nothing.
  ///
  /// - Parameters:
  ///   - advice: How the bytes will be accessed.
  ///   - range: The bytes concerned; `nil` means all (valid even for an
  ///     empty buffer).
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.outOfRange(operation: "advise", ...)` for a range that starts
  ///   outside the buffer (Python: ValueError "madvise start out of bounds"), `.system(operation: "advise", ...)` when `madvise(2)` fails.
  public func advise(_ advice: AccessAdvice, range: Range<Int>?) throws(ByteBufferError) {
    let value: Int32
    switch advice {
    case .normal: value = SysConstant.adviceNormal
    case .random: value = SysConstant.adviceRandom
    case .sequential: value = SysConstant.adviceSequential
    case .willNeed: value = SysConstant.adviceWillNeed
    }
    try withCheckedPages(range, operation: "advise", clampingEnd: true) { (address, length) throws(ByteBufferError) in
      do throws(Errno) {
        try sysAdvise(address, length: length, advice: value)
      } catch {
        throw .system(operation: "advise", path: path, errno: error.rawValue)
      }
    }
  }

  /// Gives advice that may DISCARD the contents of the pages in `range`
  /// (`madvise(2)` with `MADV_DONTNEED` or `MADV_REMOVE`).
  ///
  /// What is lost depends on the advice and the kind of mapping: see
  /// ``DiscardAdvice``. Only the pages that lie wholly inside `range` are
  /// advised (the start is rounded up and the end down to page boundaries),
  /// so no byte outside `range` is ever discarded; a range smaller than a
  /// page may advise nothing.
  ///
  /// - Parameters:
  ///   - advice: ``DiscardAdvice/dontNeed`` or ``DiscardAdvice/remove``.
  ///   - range: The bytes that may be discarded; must lie within
  ///     `0...count`. `nil` means all.
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.outOfRange(operation: "discard", ...)` for a range outside the
  ///   buffer, `.invalidArgument` for ``DiscardAdvice/remove`` where the
  ///   platform lacks it, `.system(operation: "discard", ...)` when
  ///   `madvise(2)` fails.
  /// - Warning: Bytes of private and anonymous mappings (and, with
  ///   ``DiscardAdvice/remove``, of the file) are lost for good.
  public func unsafeAdviseDiscard(
    _ advice: DiscardAdvice = .dontNeed, range: Range<Int>? = nil
  ) throws(ByteBufferError) {
    let value: Int32
    switch advice {
    case .dontNeed:
      value = SysConstant.adviceDontNeed
    case .remove:
      guard let remove = SysConstant.adviceRemove else {
        throw .invalidArgument(
          operation: "discard", reason: "MADV_REMOVE is not available on this platform")
      }
      value = remove
    }
    // The flush rule (within 0...count), shared with the other backend;
    // checked first for an empty buffer too, which has no mapping.
    _ = try checkedFlushRange(range, operation: "discard")
    try withMapping(default: ()) { (mapping, _, _) throws(ByteBufferError) in
      // Again inside the access, where no resize can change `count`.
      let range = try checkedFlushRange(range, operation: "discard")
      let page = sysPageSize
      let first = alignmentDelta + range.lowerBound
      let end = alignmentDelta + range.upperBound
      let alignedFirst = (first + page - 1) / page * page
      let alignedEnd = end / page * page
      guard alignedFirst < alignedEnd else { return }
      do throws(Errno) {
        // Safe because [alignedFirst, alignedEnd) lies inside the mapping.
        try sysAdvise(mapping + alignedFirst, length: alignedEnd - alignedFirst, advice: value)
      } catch {
        throw .system(operation: "discard", path: path, errno: error.rawValue)
      }
    }
  }

  /// Reads every page of the buffer into memory now, so later accesses do
  /// not wait for the disk (populating the mapping).
  ///
  /// Advises `MADV_WILLNEED`, then touches one byte of every page under the
  /// `SIGBUS` guard, so a file truncated by another process gives an error
  /// instead of a crash. (To populate while mapping, pass ``MappingFlags/populate``
  /// to a raw-flag initializer.)
  ///
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.truncated(path:offset:)` when part of the file no longer exists,
  ///   `.system(operation: "advise", ...)` when `madvise(2)` fails.
  public func prefault() throws(ByteBufferError) {
    try advise(.willNeed, range: nil)
    try withMapping(default: ()) { (mapping, length, _) throws(ByteBufferError) in
      var fault: UnsafeRawPointer?
      guard csg_touch_pages(mapping, length, sysPageSize, &fault) == Int32(CSG_OK) else {
        // Safe because the user's byte 0 lies `alignmentDelta` bytes into the mapping.
        throw ByteBufferError(
          faultAt: fault, base: UnsafeRawPointer(mapping + alignmentDelta), path: path)
      }
    }
  }

  /// Locks the buffer's pages in RAM, so they are never paged out (`mlock(2)`).
  ///
  /// The pages are read in first. Locking a locked buffer does nothing
  /// more; ``unlock()``, ``close()`` and ``resize(to:)`` release the lock (a
  /// resized mapping is not locked). An empty buffer does nothing.
  ///
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.system(operation: "lock", ...)` when `mlock(2)` fails: `ENOMEM` or
  ///   `EAGAIN` beyond `RLIMIT_MEMLOCK`, `EPERM` without the privilege.
  public func lock() throws(ByteBufferError) {
    try withMapping(default: ()) { (mapping, length, _) throws(ByteBufferError) in
      do throws(Errno) {
        try sysLock(mapping, length: length)
      } catch {
        throw .system(operation: "lock", path: path, errno: error.rawValue)
      }
    }
  }

  /// Unlocks the buffer's pages (`munlock(2)`). Unlocking pages that are
  /// not locked does nothing.
  ///
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.system(operation: "unlock", ...)` when `munlock(2)` fails.
  public func unlock() throws(ByteBufferError) {
    try withMapping(default: ()) { (mapping, length, _) throws(ByteBufferError) in
      do throws(Errno) {
        try sysUnlock(mapping, length: length)
      } catch {
        throw .system(operation: "unlock", path: path, errno: error.rawValue)
      }
    }
  }
}
