import ByteBuffer
import SystemPackage

extension MappedByteBuffer {
  // MARK: - Size

  /// The size of the file behind the buffer now (Python: `size()`).
  ///
  /// This is the file's size from `fstat(2)`, which may differ from
  /// ``count``: a mapping with an offset or a length covers part of the file,
  /// and another process may have resized it. For a shared memory object it
  /// is the object's size; for anonymous memory it is ``count``.
  ///
  /// - Returns: The size in bytes.
  /// - Throws: `ByteBufferError.closed` after ``close()``, or `.system` when
  ///   `fstat(2)` fails.
  public func size() throws(ByteBufferError) -> Int {
    // Registered as an access, so a concurrent close() cannot close the
    // descriptor (and let another file reuse its number) during fstat.
    _ = try beginAccess(operation: "stat", writing: false)
    defer { endAccess() }
    let (descriptor, count) = state.withOrderedLock(tag: lockTag) { ($0.descriptor, $0.count) }
    guard descriptor != -1 else { return count }
    do throws(Errno) {
      return try sysStatus(of: descriptor).size
    } catch {
      throw .system(operation: "stat", path: path, errno: error.rawValue)
    }
  }

  // MARK: - Flush

  /// Writes the changed bytes in `range` (the whole buffer when `nil`) back
  /// to the file (Python: `flush([offset, size])`). Calls `msync(2)`.
  ///
  /// The start of the range is rounded down to a page boundary for
  /// `msync(2)` (Python requires the caller to pass an aligned offset), so
  /// a few bytes before `range` may be written too. An empty range does
  /// nothing. As in CPython, a ``Access-swift.enum/read`` or
  /// ``Access-swift.enum/copy`` mapping has nothing to write back: after the
  /// range check, flushing it does nothing. Anonymous and raw-flag mappings
  /// are synced like any other.
  ///
  /// - Parameters:
  ///   - range: The bytes to write back; must lie within `0...count`.
  ///     `nil` means all.
  ///   - mode: `FlushMode.synchronous` (`MS_SYNC`, the default through the
  ///     protocol's `flush()`) waits for the data to reach the device;
  ///     `FlushMode.asynchronous` (`MS_ASYNC`) only schedules the write.
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.outOfRange(operation: "flush", ...)` for a range outside the buffer
  ///   (Python: ValueError "flush values out of range"), `.system(operation:
  ///   "flush", ...)` when `msync(2)` fails.
  public func flush(_ range: Range<Int>?, mode: FlushMode) throws(ByteBufferError) {
    try withCheckedPages(range, operation: "flush") { (address, length) throws(ByteBufferError) in
      if access == .read || access == .copy { return }
      do throws(Errno) {
        try sysSync(address, length: length, wait: mode == .synchronous)
      } catch {
        throw .system(operation: "flush", path: path, errno: error.rawValue)
      }
    }
  }

  /// Checks `range` and calls `body` with the page-aligned start and the
  /// length of the mapped pages that hold it, as a registered access.
  /// `body` is not called for an empty range or buffer.
  ///
  /// The range is checked by the protocol's shared rules, so that both
  /// backends refuse the same ranges with the same errors: the flush rule
  /// (``MutableByteBuffer/checkedFlushRange(_:operation:)``, CPython's
  /// `flush`: within `0...count`) or, with `clampingEnd`, the advise rule
  /// (``MutableByteBuffer/checkedAdviceRange(_:)``, CPython's `madvise`:
  /// the start in `0..<count`, the end clamped). `nil` is the whole buffer
  /// under both rules.
  func withCheckedPages(
    _ range: Range<Int>?, operation: String, clampingEnd: Bool = false,
    _ body: (UnsafeMutableRawPointer, Int) throws(ByteBufferError) -> Void
  ) throws(ByteBufferError) {
    let (start, _) = try beginAccess(operation: operation, writing: false)
    defer { endAccess() }
    // Inside the access, so no resize can change `count` after the check.
    let checked = clampingEnd ? try checkedAdviceRange(range) : try checkedFlushRange(range, operation: operation)
    guard let start, !checked.isEmpty else { return }
    // Safe because the mapping starts `alignmentDelta` bytes below `start`,
    // at a page boundary.
    let mapping = start - alignmentDelta
    let first = alignmentDelta + checked.lowerBound
    let alignedFirst = first - first % sysPageSize
    try body(mapping + alignedFirst, alignmentDelta + checked.upperBound - alignedFirst)
  }

  // MARK: - Resize

  /// Changes the buffer's ``count`` to `newCount`, resizing the file with it
  /// (Python: `resize(newsize)`).
  ///
  /// For a file or shared memory object, the file is first set to
  /// `offset + newCount` bytes (`ftruncate(2)`: a mapping with an offset
  /// keeps the bytes before it, as in CPython), then the mapping is resized
  /// — with `mremap(2)` on Linux, which may move it; elsewhere it is mapped
  /// again. Anonymous memory is resized the same way, except that growing
  /// SHARED anonymous memory maps a new region and copies the bytes into it
  /// (its memory object cannot grow), so a process forked earlier no longer
  /// shares it. New bytes are zero where the file grows; a mapping of only
  /// the first part of its file (a `length`) shows the file's own bytes
  /// that follow it, as CPython's does, and the file is cut at the new end.
  /// The bytes below the new count are kept. ``position`` does not change,
  /// even when it ends up past the end. Advice given to part of the mapping
  /// may be lost.
  ///
  /// Resizing to 0 removes the mapping and leaves an empty buffer (and a
  /// file of `offset` bytes); resizing an empty buffer maps again. (CPython
  /// fails with `EINVAL` on `resize(0)` after truncating the file.)
  ///
  /// - Parameter newCount: The new number of bytes.
  /// - Throws: `ByteBufferError.closed` after ``close()``,
  ///   `.readOnly(operation: "resize", ...)` for a read-only mapping or a
  ///   private (copy-on-write) file mapping (Python: TypeError "mmap can't
  ///   resize a readonly or copy-on-write memory map."),
  ///   `.invalidArgument` for a negative count or one whose end in the file
  ///   would pass `Int.max` (Python: ValueError "new size out of range"; the
  ///   check is the protocol's shared
  ///   `checkResizeCount(_:maximum:)`), `.busy` while a
  ///   `withUnsafeBytes` body uses the memory (Python: BufferError),
  ///   `.system(operation: "resize", ...)` when `ftruncate(2)`, `mremap(2)`
  ///   or `mmap(2)` fails (the file then gets
  ///   back the size it had — bytes a shrink cut off are lost; CPython leaves
  ///   it at the new size).
  public func resize(to newCount: Int) throws(ByteBufferError) {
    let delta = alignmentDelta
    let isFileBacked = source != .anonymous
    try state.withOrderedLock(tag: lockTag) { state throws(ByteBufferError) in
      guard !state.isClosed else { throw .closed(path: path) }
      guard !isReadOnly, !(isFileBacked && flags.contains(.private)) else {
        throw .readOnly(operation: "resize", path: path)
      }
      // CPython's rule (offset + newCount must not pass Int.max); the mapped
      // length, delta + newCount, is then in range too, since delta <= offset.
      try checkResizeCount(newCount, maximum: Int.max - offset)
      guard state.activeAccesses == 0 else { throw .busy(operation: "resize", path: path) }
      // The file's size before, to put back if the mapping cannot follow.
      var fileSize = 0
      if isFileBacked {
        do throws(Errno) {
          fileSize = try sysStatus(of: state.descriptor).size
          try sysTruncate(state.descriptor, to: offset + newCount)
        } catch {
          throw .system(operation: "resize", path: path, errno: error.rawValue)
        }
      }
      do throws(Errno) {
        state.mapping = try remapped(
          state.mapping, oldLength: state.mappedLength(delta: delta),
          newLength: newCount == 0 ? 0 : delta + newCount, descriptor: state.descriptor)
        if source == .anonymous, newCount > state.count, let base = state.mapping {
          // A shrink keeps the last page mapped, old bytes and all, and a grow
          // by `mremap` brings them back: zero the new bytes up to the end of
          // that page (pages past it are new, hence zero, and stay untouched).
          let page = Self.pageSize
          let pageEnd = (state.count + page - 1) / page * page
          let end = min(newCount, pageEnd)
          if end > state.count {
            // Safe because the mapping now spans `newCount` bytes and end <= newCount.
            (base + state.count).initializeMemory(as: UInt8.self, repeating: 0, count: end - state.count)
          }
        }
        state.count = newCount
      } catch {
        if isFileBacked { try? sysTruncate(state.descriptor, to: fileSize) }
        throw .system(operation: "resize", path: path, errno: error.rawValue)
      }
    }
  }

  /// Maps, resizes or unmaps so that `newLength` bytes are mapped (none
  /// when 0), keeping the first bytes.
  private func remapped(
    _ mapping: UnsafeMutableRawPointer?, oldLength: Int, newLength: Int, descriptor: Int32
  ) throws(Errno) -> UnsafeMutableRawPointer? {
    let alignedOffset = offset - alignmentDelta
    switch (mapping, newLength) {
    case (nil, 0):
      return nil
    case (nil, _):
      return try sysMap(
        length: newLength, protection: protection.rawValue, flags: flags.rawValue,
        descriptor: descriptor, offset: alignedOffset)
    case (let mapping?, 0):
      try sysUnmap(mapping, length: oldLength)
      return nil
    case (let mapping?, _) where source == .anonymous && flags.contains(.shared) && newLength > oldLength:
      // The memory object behind a shared anonymous mapping keeps the size it
      // was created with: pages that `mremap` would add past it raise SIGBUS
      // (CPython's resize crashes that way). Map a new region and copy.
      let fresh = try sysMap(
        length: newLength, protection: protection.rawValue | MemoryProtection.read.rawValue,
        flags: flags.rawValue, descriptor: -1, offset: 0)
      // Safe because both regions are mapped for at least `oldLength` bytes.
      fresh.copyMemory(from: mapping, byteCount: oldLength)
      try? sysUnmap(mapping, length: oldLength)
      return fresh
    case (let mapping?, _):
      return try sysRemap(
        mapping, oldLength: oldLength, newLength: newLength, protection: protection.rawValue,
        flags: flags.rawValue, descriptor: descriptor, offset: alignedOffset)
    }
  }
}
