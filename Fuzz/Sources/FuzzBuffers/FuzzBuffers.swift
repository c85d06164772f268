// Differential fuzzing of the two backends: one random sequence of operations
// runs on a HeapByteBuffer and on a MappedByteBuffer of a file holding the
// same bytes; after every step their results (values, positions, counts,
// errors) must agree, and at the end the file must hold what the heap holds.

import ByteBuffer
import FuzzSupport
import Glibc
import MappedBuffer

/// The file each input maps (one per process, on tmpfs when available, reused).
nonisolated(unsafe) private var scratchPath: String? = nil

private func makeScratchPath() -> String {
  if let scratchPath { return scratchPath }
  let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
  let path = "\(directory)/mbb-fuzz-buffers-\(getpid())"
  scratchPath = path
  atexit { if let path = scratchPath { unlink(path) } }
  return path
}

private func writeFile(_ path: String, _ bytes: [UInt8]) {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  require(fd >= 0, "cannot create \(path): errno \(errno)")
  var written = 0
  while written < bytes.count {
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
    require(n > 0, "cannot write \(path): errno \(errno)")
    written += n
  }
  close(fd)
}

private func readFile(_ path: String) -> [UInt8] {
  let fd = open(path, O_RDONLY)
  require(fd >= 0, "cannot open \(path): errno \(errno)")
  defer { close(fd) }
  var result: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
    require(n >= 0, "cannot read \(path): errno \(errno)")
    if n == 0 { return result }
    result += chunk[0..<n]
  }
}

/// Runs one operation, decoded from `input`, on `buffer`.
private func step(_ code: Int, _ buffer: any MutableByteBuffer, _ args: inout FuzzInput) -> Outcome {
  let size = buffer.count
  switch code {
  case 0:
    let n = args.offset(near: size)
    return Outcome { () throws(ByteBufferError) in try buffer.read(n) }
  case 1: return Outcome { () throws(ByteBufferError) in try buffer.read() }
  case 2: return Outcome { () throws(ByteBufferError) in try buffer.readByte() }
  case 3: return Outcome { () throws(ByteBufferError) in try buffer.readLine() }
  case 4:
    let bytes = args.slice(limit: 24)
    return Outcome { () throws(ByteBufferError) in try buffer.write(bytes) }
  case 5:
    let byte = args.byte()
    return Outcome { () throws(ByteBufferError) in try buffer.writeByte(byte) }
  case 6:
    let offset = args.offset(near: size)
    let whence: SeekOrigin = [.start, .current, .end][args.choose(3)]
    return Outcome { () throws(ByteBufferError) in try buffer.seek(offset, whence: whence) }
  case 7, 8:
    let needle = args.slice(limit: 4)
    let start = args.offset(near: size)
    let end: Int? = args.flag() ? args.offset(near: size) : nil
    return code == 7
      ? Outcome { () throws(ByteBufferError) in try buffer.find(needle, start: start, end: end) }
      : Outcome { () throws(ByteBufferError) in try buffer.rfind(needle, start: start, end: end) }
  case 9:
    let index = args.offset(near: size)
    return Outcome { () throws(ByteBufferError) in try buffer.byte(at: index) }
  case 10:
    let index = args.offset(near: size)
    let byte = args.byte()
    return Outcome { () throws(ByteBufferError) in try buffer.setByte(byte, at: index) }
  case 11, 12:
    let a = args.offset(near: size)
    let b = args.offset(near: size)
    let range = min(a, b)..<max(a, b)
    if code == 11 { return Outcome { () throws(ByteBufferError) in try buffer.bytes(in: range) } }
    // Usually the right length; a range longer than Int.max gets 64 bytes.
    let (length, overflow) = range.upperBound.subtractingReportingOverflow(range.lowerBound)
    let replacement = args.flag()
      ? args.slice(limit: 8) : [UInt8](repeating: args.byte(), count: overflow ? 64 : min(length, 64))
    return Outcome { () throws(ByteBufferError) in try buffer.replaceBytes(in: range, with: replacement) }
  case 13:
    let destination = args.offset(near: size)
    let source = args.offset(near: size)
    let count = args.offset(near: size)
    return Outcome { () throws(ByteBufferError) in try buffer.move(to: destination, from: source, count: count) }
  case 14:
    // Sizes past 16 MiB are folded down: a HeapByteBuffer would allocate (and zero) terabytes
    // where a file can be that large (sparse). Sizes no allocator can give throw on both
    // backends (ReliabilityFuzzRegressionTests.impossibleResize).
    var newCount = args.flag() ? args.uint16() % 9000 : args.offset(near: size)
    if newCount > 1 << 24 { newCount %= 1 << 24 }
    return Outcome { () throws(ByteBufferError) in try buffer.resize(to: newCount) }
  case 15:
    if args.flag() { return Outcome { () throws(ByteBufferError) in try buffer.flush() } }
    let a = args.offset(near: size)
    let b = args.offset(near: size)
    return Outcome { () throws(ByteBufferError) in try buffer.flush(min(a, b)..<max(a, b)) }
  case 16: return Outcome { () throws(ByteBufferError) in try buffer.size() }
  case 17:
    let position = max(0, args.offset(near: size))
    buffer.position = position
    return .value("position \(position)")
  case 18: return Outcome { () throws(ByteBufferError) in try buffer.close() }
  case 19:
    let advice = AccessAdvice.allCases[args.choose(AccessAdvice.allCases.count)]
    if args.flag() { return Outcome { () throws(ByteBufferError) in try buffer.advise(advice) } }
    let a = args.offset(near: size)
    let b = args.offset(near: size)
    return Outcome { () throws(ByteBufferError) in try buffer.advise(advice, range: min(a, b)..<max(a, b)) }
  case 20, 21:
    let byte = args.byte()
    let start = args.offset(near: size)
    return code == 20
      ? Outcome { () throws(ByteBufferError) in try buffer.find(byte, start: start) }
      : Outcome { () throws(ByteBufferError) in try buffer.rfind(byte, start: start) }
  case 22:
    // Non-throwing accessors (they trap on a closed buffer, so only when open).
    guard !buffer.isClosed else { return .value("closed") }
    // The iterator over at most 8 KiB at each end: all 16 MiB of a grown buffer, one
    // element at a time in this unoptimised, instrumented build, took seconds.
    let view = buffer.bytes
    let ends = view.count > 16_384 ? Array(view.prefix(8192)) + Array(view.suffix(8192)) : Array(view)
    var text = "count \(view.count) sum \(ends.reduce(0) { $0 &+ Int($1) })"
    if size > 0 {
      let i = args.offset(near: size)
      if i >= 0 && i < size { text += " [\(i)]=\(buffer[i])" }
    }
    return .value(text)
  default:
    // copyBytes(to:from:) into caller memory (what mmgrep's output uses), with a
    // destination that fits (a smaller one is a caller bug: it traps).
    let a = args.offset(near: size)
    let b = args.offset(near: size)
    let range = min(a, b)..<max(a, b)
    let (length, overflow) = range.upperBound.subtractingReportingOverflow(range.lowerBound)
    var text = "tell \((try? buffer.tell()).map(String.init) ?? "closed") seekable \(buffer.isSeekable)"
    if !overflow && length <= 4096 {
      var copy = [UInt8](repeating: 0xEE, count: length)
      let result = Outcome { () throws(ByteBufferError) in
        var failure: ByteBufferError? = nil
        copy.withUnsafeMutableBytes { raw in
          do throws(ByteBufferError) { try buffer.copyBytes(to: raw, from: range) } catch { failure = error }
        }
        if let failure { throw failure }
      }
      text += " copy \(range): \(result) \(copy)"
    }
    return .value(text)
  }
}

/// A buffer's bytes, described by their count, a digest and their first
/// bytes (`digest(of:)`): describing all of a 16 MiB buffer took longer than
/// libFuzzer's timeout (the `regression-huge-heap-resize` seed).
private func contents(_ buffer: any MutableByteBuffer) -> Outcome {
  Outcome { () throws(ByteBufferError) in
    try buffer.withUnsafeBytes({ (raw) throws(ByteBufferError) in Described(text: digest(of: raw)) }, mapError: { $0 })
  }
}

/// Text that `Outcome` records as it is.
private struct Described: CustomStringConvertible {
  let text: String
  var description: String { text }
}

/// Checks one input; traps when a check fails. libFuzzer's runtime calls it by
/// its C name, and main.swift passes it to `LLVMFuzzerRunDriver`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBuffers(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let header = input.byte()
  let readOnly = header & 1 == 1
  let initial = input.slice(limit: 255) + [UInt8](repeating: UInt8(ascii: "\n"), count: Int(header >> 1) % 4)

  let path = makeScratchPath()
  writeFile(path, initial)
  let heap = HeapByteBuffer(initial, readOnly: readOnly)
  let mapped: MappedByteBuffer
  do {
    mapped = try MappedByteBuffer(path: path, access: readOnly ? .read : .write)
  } catch {
    fatalError("cannot map \(initial.count) bytes: \(error)")
  }

  var trace: [String] = []
  var lastBytes = initial
  var steps = 0
  while !input.isAtEnd && steps < 64 {
    steps += 1
    let code = input.choose(24)
    var heapArgs = input
    var mappedArgs = input
    let a = step(code, heap, &heapArgs)
    let b = step(code, mapped, &mappedArgs)
    require(heapArgs.index == mappedArgs.index, "op \(code) decoded its arguments differently")
    input = heapArgs
    trace.append("op \(code): \(a)")
    require(a == b, "op \(code): heap \(a), mapped \(b)\n\(trace.joined(separator: "\n"))")
    require(heap.position == mapped.position,
            "op \(code): position heap \(heap.position), mapped \(mapped.position)\n\(trace.joined(separator: "\n"))")
    require(heap.count == mapped.count,
            "op \(code): count heap \(heap.count), mapped \(mapped.count)\n\(trace.joined(separator: "\n"))")
    require(heap.isClosed == mapped.isClosed, "op \(code): isClosed differs\n\(trace.joined(separator: "\n"))")
    if code == 4 || code == 5 || code == 10 || code == 12 || code == 13 || code == 14 {
      let (x, y) = (contents(heap), contents(mapped))
      require(x == y, "op \(code): contents heap \(x), mapped \(y)\n\(trace.joined(separator: "\n"))")
    }
    if !heap.isClosed, let bytes = try? heap.withUnsafeBytes({ Array($0) }) { lastBytes = bytes }
  }
  let final = contents(heap)
  require(final == contents(mapped), "final contents differ\n\(trace.joined(separator: "\n"))")
  _ = try? heap.close()
  _ = try? mapped.close()
  if !readOnly {
    // What a MAP_SHARED writer leaves in the file: the bytes held when it was closed.
    require(readFile(path) == lastBytes, "the file does not hold the buffer's last bytes\n\(trace.joined(separator: "\n"))")
  }
  return 0
}
