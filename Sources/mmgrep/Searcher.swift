import ByteBuffer
import MappedBuffer
import RegexSearch

/// Runs one mmgrep invocation: opens each operand (walking directories with
/// -r), searches it and writes grep's output. The matching itself is
/// RegexSearch's; this type decides what to open and what to print.
final class Searcher {
  let settings: Settings
  let output = Output()
  /// Whether an error was reported (exit status 2).
  var errorSeen = false
  /// Whether any line was selected in any file (exit status 0).
  var anySelected = false
  /// grep's `used`: something was selected before, so a new context group
  /// is preceded by `--`.
  var separatorUsed = false
  /// Whether output lines carry the file name.
  var showNames = false
  var bytesSearched = 0
  var filesSearched = 0
  /// --json: the events' state (FileSearch+JSON.swift).
  var jsonRun: JSONRun? = nil
  /// --timeout: when searching must stop (Searcher+Timeout.swift).
  var deadline: Deadline? = nil

  init(settings: Settings) {
    self.settings = settings
  }

  /// Searches every operand and returns the exit status.
  func run() -> Int32 {
    if settings.selectsNothing { return 1 }
    if settings.extensions.usesFollower { return FollowSearch(searcher: self).run() }
    if settings.extensions.json { jsonRun = JSONRun(output: output) }
    startTimeout()
    let started = Platform.now()
    if settings.files.isEmpty {
      // -r with no operand: the working directory, names without "./".
      showNames = settings.withFilenames ?? true
      switch Platform.status(".", followLinks: true) {
      case .success(let status):
        walk(".", display: "", ancestors: [(status.device, status.inode)])
      case .failure(let error):
        fileError(".", error.message)
      }
    } else {
      showNames = settings.withFilenames ?? (settings.files.count > 1)
      for operand in settings.files { searchOperand(operand) }
    }
    jsonRun?.summary()
    output.flush()
    if settings.stats { printStats(seconds: Platform.now() - started) }
    if errorSeen { return 2 }
    return anySelected ? 0 : 1
  }

  // MARK: - Operands and directories

  func searchOperand(_ operand: String) {
    if operand == "-" {
      let buffer: HeapByteBuffer
      do {
        buffer = try HeapByteBuffer.readingStandardInput()
      } catch {
        fileError(settings.label, Self.describe(error))
        // grep opened it and its read failed (a directory as standard input):
        // the input then counts as empty (-c prints 0, -L lists it).
        if case .notRegularFile(_, "a directory") = error {
          search(HeapByteBuffer(count: 0), name: settings.label)
        }
        return
      }
      search(buffer, name: settings.label)
      return
    }
    switch Platform.status(operand, followLinks: true) {
    case .failure(let error):
      fileError(operand, error.message)
    case .success(let status):
      if status.kind == .directory && settings.skipDirectories { return }
      if status.kind != .regular && status.kind != .directory && settings.skipDevices { return }
      if status.kind != .directory && !settings.includesFile(operand, operand: true) { return }
      if status.kind == .directory {
        if settings.recursive {
          if settings.excludesDirectory(operand, operand: true) { return }
          if settings.withFilenames == nil { showNames = true }
          walk(operand, display: operand, ancestors: [(status.device, status.inode)])
        } else {
          // grep reports the directory, then treats it as an empty file
          // (-c prints 0 for it, -L lists it).
          fileError(operand, SystemError.isDirectory.message)
          search(HeapByteBuffer(count: 0), name: operand)
        }
        return
      }
      searchFile(operand, status: status)
    }
  }

  /// Searches the directory `path` and everything below it in `readdir`
  /// order (as grep's fts walk does), naming files `display/name`.
  func walk(_ path: String, display: String, ancestors: [(UInt64, UInt64)]) {
    let names: [String]
    switch Platform.directoryEntries(path) {
    case .failure(let error):
      fileError(display.isEmpty ? "." : display, error.message)
      return
    case .success(let entries):
      names = entries
    }
    for name in names {
      let childPath = path.hasSuffix("/") ? path + name : path + "/" + name
      let childDisplay = display.isEmpty ? name : (display.hasSuffix("/") ? display + name : display + "/" + name)
      let status: Platform.FileStatus
      switch Platform.status(childPath, followLinks: settings.followLinks) {
      case .failure(let error):
        // A name that cannot be stat'ed (a dangling link under -R) is
        // filtered as a file first, as grep's walk does.
        if settings.includesFile(name, operand: false) { fileError(childDisplay, error.message) }
        continue
      case .success(let value):
        status = value
      }
      switch status.kind {
      case .directory:
        if settings.excludesDirectory(name, operand: false) { continue }
        if ancestors.contains(where: { $0.0 == status.device && $0.1 == status.inode }) {
          if !settings.noMessages {
            output.flush()
            writeError("mmgrep: \(childDisplay): warning: recursive directory loop")
          }
          continue
        }
        walk(childPath, display: childDisplay, ancestors: ancestors + [(status.device, status.inode)])
      case .regular:
        if !settings.includesFile(name, operand: false) { continue }
        searchFile(childPath, display: childDisplay, status: status)
      case .symbolicLink, .fifo, .other:
        // -r does not follow symbolic links below the operands, and skips
        // devices, FIFOs and sockets it meets on the way (grep's -D read
        // applies to operands only).
        continue
      }
    }
  }

  /// Opens a file the way its kind allows: a memory map for a regular file
  /// with a size, else reading it to the end (pipes, FIFOs, /proc files).
  func searchFile(_ path: String, display: String? = nil, status: Platform.FileStatus) {
    let name = display ?? path
    do {
      if status.kind == .regular && status.size > 0 {
        let buffer = try MappedByteBuffer(path: path, access: .read)
        try? buffer.advise(.sequential, range: nil)
        // A sparse file's holes are NUL bytes that the binary-file search skips
        // without touching their pages (grep skips them with SEEK_HOLE too).
        let holes = status.size >= 1 << 24 ? Platform.holes(path, size: buffer.count, minimum: 1 << 16, limit: 4096) : []
        search(buffer, name: name, holes: holes)
        try? buffer.close()
      } else {
        let buffer = try HeapByteBuffer(contentsOf: path)
        search(buffer, name: name)
      }
    } catch {
      fileError(name, Self.describe(error))
    }
  }

  /// Reports a problem with a file (unless -s) and remembers it for the exit status.
  func fileError(_ name: String, _ message: String) {
    errorSeen = true
    guard !settings.noMessages else { return }
    output.flush()
    writeError("mmgrep: \(name): \(message)")
  }

  /// The strerror-style cause of a buffer error, as grep words it.
  static func describe(_ error: ByteBufferError) -> String {
    switch error {
    case .system(_, _, let code):
      return SystemError(code: code).message
    case .notRegularFile(_, let kind):
      return kind == "a directory" ? SystemError.isDirectory.message : "not a regular file"
    case .truncated:
      return "file truncated while searching"
    default:
      return error.description
    }
  }

  // MARK: - One buffer

  /// Searches one buffer and prints what grep prints for it.
  func search<Buffer: MutableByteBuffer>(_ buffer: Buffer, name: String, holes: [Range<Int>] = []) {
    filesSearched += 1
    bytesSearched += buffer.count
    // The JSON file state exists before the search that reports into it.
    jsonRun?.beginFile(name: name, bytes: buffer.count)
    defer { jsonRun?.endFile() }
    var file = FileSearch(searcher: self, buffer: buffer, name: name)
    file.holes = holes
    do {
      let selected = try file.run()
      if selected > 0 { anySelected = true }
    } catch {
      output.flush()
      report(error, in: buffer, name: name)
    }
  }

  func report<Buffer: MutableByteBuffer>(_ error: RegexError, in buffer: Buffer, name: String) {
    errorSeen = true
    if error.kind == .budgetExceeded { timedOut(error, name: name) }
    if let bufferError = error.bufferError {
      if case .truncated = bufferError {
        writeError("mmgrep: \(name): file truncated while searching")
      } else {
        writeError("mmgrep: \(name): \(Self.describe(bufferError))")
      }
      return
    }
    guard error.kind == .match else {
      writeError("mmgrep: \(name): \(error.message)")
      return
    }
    // Like pcre2grep: name the file and the line, then go on with the next file.
    var line = 1
    if let offset = error.offset, offset > 0 {
      var position = 0
      while let newline = try? buffer.find(UInt8(ascii: "\n"), start: position, end: offset) {
        line += 1
        position = newline + 1
      }
    }
    let cause: String
    switch error.code {
    case -47: cause = "exceeded PCRE's backtracking limit"
    case -53: cause = "exceeded PCRE's nested backtracking limit"  // PCRE2_ERROR_DEPTHLIMIT
    case -63: cause = "exceeded PCRE's heap limit"
    case -46: cause = "exhausted PCRE JIT stack"
    case -48: cause = "memory exhausted"
    default: cause = error.message
    }
    writeError("mmgrep: \(name):\(line): \(cause) (line skipped; rest of file not searched)")
  }

  /// The most threads one file's search used (--stats).
  var threadsUsed = 1

  func printStats(seconds: Double) {
    let mib = Double(bytesSearched) / 1_048_576
    let rate = seconds > 0 ? mib / seconds : 0
    let files = filesSearched == 1 ? "1 file" : "\(filesSearched) files"
    // Mapped file pages count in the peak; the anonymous part is mmgrep's own memory.
    let memory = Platform.memoryUsage().map {
      ", peak RSS \(Self.fixed(Double($0.peak) / 1024, 1)) MiB, anonymous \(Self.fixed(Double($0.anonymous) / 1024, 1)) MiB"
    } ?? ""
    writeError(
      "mmgrep: stats: \(bytesSearched) bytes (\(Self.fixed(mib, 1)) MiB) in \(files), "
        + "\(Self.fixed(seconds, 3)) s, \(Self.fixed(rate, 1)) MiB/s, \(threadsUsed) thread"
        + (threadsUsed == 1 ? "" : "s") + memory)
  }

  /// `value` with `digits` decimals (no Foundation formatting).
  static func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let whole = scaled / Int(scale)
    var fraction = String(scaled % Int(scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return digits == 0 ? String(whole) : "\(whole).\(fraction)"
  }
}
