// RegexDiff: a differential check of RegexSearch against independent PCRE2
// front ends on real text. Run it with `scripts/regexdiff.sh` (which builds
// this and `scripts/regexdiff/pcre2ref.c`); see README "Development".
//
// For each random case (a pattern from a grammar mixing literals taken from the
// subject, classes, alternations, anchors, lookarounds, backreferences, empty-
// match patterns, named groups, verbs, with random options and newline
// convention, JIT or not) over a subject (a real text file, a slice of one, or
// a synthetic edge case: CRLF, invalid UTF-8, NUL bytes, no final newline,
// empty lines, an empty file), it compares:
// - with pcre2ref (pcre2demo's global loop, plain PCRE2): the compile outcome,
//   capture count and names; every match with every capture (and named
//   captures) from `matches(in:)` through the iterator and `forEach`, on a
//   HeapByteBuffer, a MappedByteBuffer and [UInt8]; the first match from random
//   offsets; `contains`; `count(in:)` serial and parallel (2, 8, 61 threads,
//   tiny chunks so seams land everywhere); `replacing` (whole and limited);
//   `matchingLines` (each line its own subject) serial and parallel with tiny
//   chunks, inverted, and `countMatchingLines`; match errors (code and offset);
// - with pcre2grep (LF cases it can express): the selected line numbers (-n),
//   and the inverted count (-v -c).
//
//   RegexDiff --ref PCRE2REF [--pcre2grep PATH] [--cases N] [--seed S]
//             [--work DIR] [--verbose] FILE_OR_DIR...
//
// Exit status: 0 when every comparison agreed, 1 on a mismatch (each is
// printed with a reproduction: pattern bytes, options, subject file).

import ByteBuffer
import Foundation
import MappedBuffer
@testable import RegexSearch

// MARK: - Arguments

nonisolated(unsafe) var refPath = ""
nonisolated(unsafe) var grepPath: String? = nil
nonisolated(unsafe) var caseCount = 1000
nonisolated(unsafe) var seed: UInt64 = 1
nonisolated(unsafe) var workDir = NSTemporaryDirectory() + "regexdiff-\(getpid())"
nonisolated(unsafe) var verbose = false
nonisolated(unsafe) var inputs: [String] = []
do {
  var args = CommandLine.arguments.dropFirst()
  while let a = args.popFirst() {
    switch a {
    case "--ref": refPath = args.popFirst() ?? ""
    case "--pcre2grep": grepPath = args.popFirst()
    case "--cases": caseCount = Int(args.popFirst() ?? "") ?? caseCount
    case "--seed": seed = UInt64(args.popFirst() ?? "") ?? seed
    case "--work": workDir = args.popFirst() ?? workDir
    case "--verbose": verbose = true
    default: inputs.append(a)
    }
  }
  if refPath.isEmpty {
    FileHandle.standardError.write("usage: RegexDiff --ref PCRE2REF [--pcre2grep PATH] [--cases N] [--seed S] [--work DIR] FILE_OR_DIR...\n".data(using: .utf8)!)
    exit(2)
  }
}
try? FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)

// MARK: - Random numbers (SplitMix64: the same seed gives the same cases)

struct Random {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
  mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
  mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
}
nonisolated(unsafe) var rng = Random(state: seed)

// MARK: - Subjects

/// Synthetic edge cases: CRLF, invalid UTF-8 (also right after newlines, where
/// parallel chunks start), NUL bytes, no final newline, empty lines, empty.
func syntheticSubjects() -> [(String, [UInt8])] {
  var invalid: [UInt8] = []
  let pieces: [[UInt8]] = [
    Array("caf\u{e9} na\u{ef}ve \u{2603} x\n".utf8), [0x9F, 0x41, 0x0A], [0xC3, 0x0A], [0xE2, 0x82, 0x0A],
    [0xFF, 0xFE, 0x61, 0x0A], [0xC0, 0xAF, 0x0A], [0x80, 0x80, 0x0A], Array("ab\u{e9}cd\n".utf8),
    [0xED, 0xA0, 0x80, 0x0A], [0xF4, 0x90, 0x80, 0x80, 0x0A], Array("word word\n".utf8), [0x0A],
  ]
  for i in 0..<300 { invalid += pieces[(i * 7) % pieces.count] }
  var crlf: [UInt8] = []
  for i in 0..<200 { crlf += Array("line \(i) value=\(i * 37 % 101)\r\n".utf8); if i % 9 == 0 { crlf += [0x0D, 0x0A] } }
  var nul: [UInt8] = []
  for i in 0..<200 { nul += Array("rec\(i)".utf8) + [0x00] + Array("x=\(i % 13)\n".utf8); if i % 5 == 0 { nul += [0, 0, 0x0A] } }
  var log: [UInt8] = []
  for i in 0..<800 {
    let level = ["INFO", "WARN", "ERROR", "DEBUG"][i % 4]
    log += Array("2024-05-\(10 + i % 20)T12:\(10 + i % 50):00Z \(level) req=\(i * 7919 % 100000) dur_ms=\(i * 131 % 5000) msg=\"ok \(i)\"\n".utf8)
  }
  var cr: [UInt8] = []
  for i in 0..<300 { cr += Array("cr line \(i)\r".utf8); if i % 10 == 0 { cr += [0x0A] } }
  let long = Array(String(repeating: "abc def ghi ", count: 6000).utf8)
  return [
    ("invalid-utf8", invalid), ("crlf", crlf), ("nul", nul), ("log", log), ("cr", cr),
    ("no-final-newline", Array("first\nsecond\nthird no newline".utf8)),
    ("empty-lines", Array("\n\n\nabc\n\n\ndef\n\n".utf8)), ("empty", []), ("one-newline", [0x0A]),
    ("long-line", long), ("aaa", Array(String(repeating: "a", count: 3000).utf8) + [0x0A, 0x62, 0x0A]),
  ]
}

/// Regular files under the inputs, up to 4 MiB each (gzip files skipped).
func realFiles(_ paths: [String]) -> [String] {
  var out: [String] = []
  let fm = FileManager.default
  for p in paths {
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: p, isDirectory: &isDir) else { continue }
    if isDir.boolValue {
      guard let e = fm.enumerator(atPath: p) else { continue }
      while let rel = e.nextObject() as? String {
        let full = p + "/" + rel
        if full.hasSuffix(".gz") || full.hasSuffix(".pyc") { continue }
        if let a = try? fm.attributesOfItem(atPath: full), (a[.type] as? FileAttributeType) == .typeRegular,
           let size = a[.size] as? Int, size <= 4 << 20 {
          out.append(full)
        }
      }
    } else {
      out.append(p)
    }
  }
  return out.sorted()
}

let synthetic = syntheticSubjects()
let files = realFiles(inputs)

/// Picks a subject: a synthetic one, a whole small real file, or a slice of
/// one (from any byte, so slices may start inside a UTF-8 character).
func makeSubject(_ index: Int, big: Bool) -> (name: String, path: String, bytes: [UInt8]) {
  var name: String
  var bytes: [UInt8]
  if big {
    // Several real files end to end, 5 MiB or more: the public parallel entry points
    // (64 KiB count chunks, 4 MiB line chunks) split it.
    bytes = []
    var names: [String] = []
    while bytes.count < 5 << 20 {
      let f = files.isEmpty ? nil : rng.pick(files)
      let piece = f.flatMap { try? [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) } ?? rng.pick(synthetic).1
      bytes += piece.isEmpty ? [0x0A] : piece
      if names.count < 3 { names.append(f ?? "synthetic") }
    }
    name = "big \(names.joined(separator: " + "))..."
  } else if files.isEmpty || rng.chance(30) {
    let s = rng.pick(synthetic)
    name = s.0
    bytes = s.1
  } else {
    let f = rng.pick(files)
    let all = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: f)))) ?? []
    if all.count <= 48 * 1024 && rng.chance(50) {
      name = f
      bytes = all
    } else {
      let length = min(all.count, 256 + rng.int(24 * 1024))
      let start = all.count > length ? rng.int(all.count - length) : 0
      name = "\(f)[\(start)..<\(start + length)]"
      bytes = Array(all[start..<(start + length)])
    }
  }
  let path = "\(workDir)/s\(index)"
  writeFile(path, bytes)
  return (name, path, bytes)
}

/// Writes `bytes` to a new file at `path`, or stops the run.
func writeFile(_ path: String, _ bytes: [UInt8]) {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { fatalError("cannot create \(path): errno \(errno)") }
  var done = 0
  bytes.withUnsafeBytes { raw in
    while done < raw.count {
      let n = write(fd, raw.baseAddress! + done, raw.count - done)
      guard n > 0 else { fatalError("cannot write \(path): errno \(errno)") }
      done += n
    }
  }
  close(fd)
}

// MARK: - Patterns

/// A random literal from the subject: a run of word bytes (or, sometimes, any
/// bytes escaped so they stay literal).
func literal(from subject: [UInt8], raw: Bool) -> [UInt8] {
  if subject.isEmpty { return Array("abc".utf8) }
  for _ in 0..<20 {
    let start = rng.int(subject.count)
    let length = 1 + rng.int(raw ? 10 : 6)
    let end = min(subject.count, start + length)
    let piece = Array(subject[start..<end])
    if raw { return piece }
    let word = piece.prefix { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F }
    if !word.isEmpty { return Array(word) }
  }
  return [rng.pick(Array("etaoin".utf8))]
}

/// Escapes bytes for use in a pattern: ASCII punctuation gets a backslash,
/// controls become \x{hh}; letters, digits and non-ASCII stay.
func escaped(_ bytes: [UInt8]) -> [UInt8] {
  var out: [UInt8] = []
  for b in bytes {
    switch b {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x80...0xFF: out.append(b)
    case 0x21...0x7E: out += [0x5C, b]
    default: out += Array(String(format: "\\x{%02x}", b).utf8)
    }
  }
  return out
}

/// `bytes` as a PCRE2 \Q…\E quotation (each "\E" in it written as \E\\E\Q).
func quoted(_ bytes: [UInt8]) -> [UInt8] {
  var out = Array("\\Q".utf8)
  var i = 0
  while i < bytes.count {
    if bytes[i] == 0x5C, i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "E") {
      out += Array("\\E\\\\E\\Q".utf8)
      i += 2
      continue
    }
    out.append(bytes[i])
    i += 1
  }
  return out + Array("\\E".utf8)
}

struct PatternBuilder {
  var groups = 0
  var names: [String] = []
  let subject: [UInt8]

  mutating func atom(_ depth: Int) -> String {
    let r = rng.int(100)
    switch r {
    case 0..<28: return String(decoding: escaped(literal(from: subject, raw: rng.chance(20))), as: UTF8.self)
    case 28..<40:
      return rng.pick(["[a-z]", "[A-Z0-9_]", "[^ ]", "[^a-z\\n]", "[[:alpha:]]", "[[:ascii:]]", "[[:punct:]]", "[aeiou]",
                       "[\\t -~]", "[.,;:]", "[^\\x00-\\x7f]", "[\\x{e9}\\x{2603}]", "[[:^digit:]]", "[-a]", "[]a]",
                       "[\\s\\S]", "[\\r\\n]"])
    case 40..<52: return rng.pick(["\\d", "\\w", "\\s", "\\S", "\\W", "\\D", ".", ".", "\\h", "\\N", "\\R", "\\v", "\\X", "\\C", "\\p{L}", "\\P{Lu}"])
    case 52..<60: return rng.pick(["^", "$", "\\b", "\\B", "\\A", "\\z", "\\Z", "\\G", "(?m)^", "(?m)$"])
    case 60..<64: return rng.pick(["\\n", "\\r", "\\t", "\\r\\n", "\\x{e9}", "\u{e9}", "\u{2603}", "\\x00", " ", "="])
    case 64..<66: return rng.pick(["", "(?:)", "x*", "(?=a)", "\\b", "a??", "|"])
    default:
      if depth > 2 { return String(decoding: escaped(literal(from: subject, raw: false)), as: UTF8.self) }
      let inner = alternation(depth + 1)
      switch rng.int(14) {
      case 0, 1:
        groups += 1
        return "(\(inner))"
      case 2:
        groups += 1
        let name = rng.pick(["n", "word", "x1", "_v"])
        if names.contains(name) { return "(?:\(inner))" }
        names.append(name)
        return "(?<\(name)>\(inner))"
      case 3: return "(?:\(inner))"
      case 4: return "(?=\(inner))"
      case 5: return "(?!\(inner))"
      case 6: return "(?<=\(lookbehindSafe()))"
      case 7: return "(?<!\(lookbehindSafe()))"
      case 8: return "(?>\(inner))"
      case 9: return "(?i:\(inner))"
      case 10:
        if groups > 0 { return "\\\(1 + rng.int(groups))" }
        return "(\(inner))"
      case 11:
        if let n = names.last { return "\\k<\(n)>" }
        return "(?:\(inner))"
      case 12: return rng.pick(["(*COMMIT)", "(*SKIP)", "(*PRUNE)", "(*FAIL)", "\\K", "(*ACCEPT)", "(*THEN)"])
      default: return "(?s:\(inner))"
      }
    }
  }

  /// A fixed-length lookbehind body.
  func lookbehindSafe() -> String {
    rng.pick(["a", "\\n", "^", "\\w", " ", "[0-9]", "x|y", "ab", "\\d\\d", "=", "\\b"])
  }

  mutating func quantified(_ depth: Int) -> String {
    let a = atom(depth)
    if a.isEmpty || a == "^" || a == "$" || a.hasPrefix("(*") || a == "\\K" || a == "|" { return a }
    guard rng.chance(30) else { return a }
    let q = rng.pick(["*", "+", "?", "{2}", "{1,3}", "{0,2}", "*?", "+?", "??", "*+", "++", "{2,}"])
    return "(?:\(a))\(q)"
  }

  mutating func concatenation(_ depth: Int) -> String {
    var s = ""
    for _ in 0..<(1 + rng.int(depth == 0 ? 4 : 3)) { s += quantified(depth) }
    return s
  }

  mutating func alternation(_ depth: Int) -> String {
    var s = concatenation(depth)
    while rng.chance(depth == 0 ? 25 : 15) { s += "|" + concatenation(depth) }
    return s
  }
}

struct Case {
  var index: Int
  var pattern: [UInt8]
  /// When set, the pattern is `Pattern(anyOf:)` of these (grep -e … -e …), and
  /// `pattern` is the joined text the reference compiles.
  var alternatives: [[UInt8]]? = nil
  var options: Pattern.Options
  var newline: Pattern.Newline
  var jit: Bool
  var subjectName: String
  var path: String
  var subject: [UInt8]
  var offsets: [Int]
  var template: String
  var limit: Int?
  /// A subject of 5 MiB or more, checked through the public entry points only.
  var big = false
}

func makeCase(_ index: Int) -> Case {
  let big = rng.int(1000) < 15
  let (name, path, bytes) = makeSubject(index, big: big)
  var options: Pattern.Options = []
  if rng.chance(25) { options.insert(.caseInsensitive) }
  if rng.chance(25) { options.insert(.multiline) }
  if rng.chance(15) { options.insert(.dotMatchesNewlines) }
  if rng.chance(8) { options.insert(.extended) }
  if rng.chance(40) { options.insert(.utf) }
  if rng.chance(12) { options.insert(.wholeWords) }
  if rng.chance(7) { options.insert(.wholeLines) }
  var pattern: [UInt8]
  var builder = PatternBuilder(subject: bytes)
  if rng.chance(15) {
    options.insert(.literal)
    pattern = literal(from: bytes, raw: true)
  } else if rng.chance(6) {
    pattern = Array(rng.pick(["", "x*", "\\b", "(?=a)", "a??", "|", "(?:)", "\\B", "$", "^", "(?m)^", "(?m)$",
                              "(?=\\n)", "\\r?$", "(?<=\\n)", "[^\\n]*", "\\K", "\\n\\K", "e[\\s\\S]*\\K|\\z",
                              "[\\s\\S]*", "(?s).*?\\n", "\\R", "\\r\\n|x*"]).utf8)
  } else {
    pattern = Array(builder.alternation(0).utf8)
  }
  var alternatives: [[UInt8]]? = nil
  if rng.chance(10) {
    // Pattern(anyOf:): the reference gets the alternatives joined as (?:p1)|(?:p2)|…, fixed
    // strings \Q…\E-quoted and ordered longest first (ties in the given order).
    var parts: [[UInt8]] = []
    for _ in 0..<(1 + rng.int(4)) {
      parts.append(options.contains(.literal) ? literal(from: bytes, raw: true) : Array(builder.alternation(1).utf8))
    }
    alternatives = parts
    var texts = parts
    if options.contains(.literal) {
      texts = parts.enumerated().sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
        .map { quoted($0.element) }
    }
    let close: [UInt8] = options.contains(.extended) && !options.contains(.literal) ? [0x0A] : []
    pattern = Array(texts.map { Array("(?:".utf8) + $0 + close + Array(")".utf8) }.joined(separator: [UInt8(ascii: "|")]))
  }
  let newline: Pattern.Newline = rng.chance(60) ? .lf : rng.pick([.cr, .crlf, .anyCRLF, .any])
  var offsets: [Int] = []
  for _ in 0..<3 { offsets.append(rng.int(bytes.count + 1)) }
  var templates = ["", "<$0>", "$$", "[${0}]"]
  if builder.groups > 0 { templates.append("($1)") }
  if let n = builder.names.first { templates.append("{${\(n)}}") }
  return Case(index: index, pattern: pattern, alternatives: alternatives, options: options, newline: newline, jit: rng.chance(50),
              subjectName: name, path: path, subject: bytes, offsets: offsets, template: rng.pick(templates),
              limit: rng.chance(30) ? rng.int(6) : nil, big: big)
}

// MARK: - The reference's answers

struct Reference {
  var compileError: (code: Int32, offset: Int)? = nil
  var captureCount = 0
  var names: [String: [Int]] = [:]
  /// Each match: group 0 then every group as (lo, hi); -1 = unset.
  var matches: [[Int]] = []
  var matchError: (code: Int32, offset: Int)? = nil
  var firsts: [Int: [Int]?] = [:]
  var firstErrors: [Int: Int32] = [:]
  var lines: [(number: Int, range: Range<Int>)] = []
  var lineError: (code: Int32, number: Int)? = nil
}

func flagLetters(_ o: Pattern.Options) -> String {
  var s = ""
  if o.contains(.caseInsensitive) { s += "i" }
  if o.contains(.multiline) { s += "m" }
  if o.contains(.dotMatchesNewlines) { s += "s" }
  if o.contains(.extended) { s += "x" }
  if o.contains(.utf) { s += "u" }
  if o.contains(.literal) { s += "F" }
  if o.contains(.wholeWords) { s += "w" }
  if o.contains(.wholeLines) { s += "X" }
  return s.isEmpty ? "-" : s
}

func newlineName(_ n: Pattern.Newline) -> String {
  switch n {
  case .lf: return "lf"
  case .cr: return "cr"
  case .crlf: return "crlf"
  case .anyCRLF: return "anycrlf"
  case .any: return "any"
  }
}

func hex(_ bytes: [UInt8]) -> String {
  bytes.isEmpty ? "-" : bytes.map { String(format: "%02x", $0) }.joined()
}

/// Runs a command with standard input from `stdinPath`; returns stdout and the exit status.
func run(_ executable: String, _ args: [String], stdinPath: String? = nil,
         environment: [String: String]? = nil, timeout: Double? = nil) -> (Data, Int32) {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: executable)
  p.arguments = args
  if let environment { p.environment = environment }
  let out = Pipe()
  p.standardOutput = out
  p.standardError = FileHandle(forWritingAtPath: "/dev/null")
  if let stdinPath { p.standardInput = FileHandle(forReadingAtPath: stdinPath) }
  do { try p.run() } catch { return (Data(), -1) }
  if let timeout {
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if p.isRunning { p.terminate() } }
  }
  let data = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  if p.terminationReason == .uncaughtSignal { return (data, -2) }
  return (data, p.terminationStatus)
}

/// The reference's answer for each case, one pcre2ref run per case with a time
/// limit (a quadratic pattern over a big subject can take hours); `nil` when
/// the run was stopped.
func runReference(_ cases: [Case]) -> [Reference?] {
  cases.map { c -> Reference? in
    let offsets = c.offsets.map(String.init).joined(separator: ",")
    let flags = c.alternatives == nil ? flagLetters(c.options) : flagLetters(c.options.subtracting(.literal))
    let job = "\(hex(c.pattern)) \(flags) \(newlineName(c.newline)) \(c.jit ? 1 : 0) \(c.path) \(offsets.isEmpty ? "-" : offsets)\n"
    let jobPath = workDir + "/job"
    writeFile(jobPath, Array(job.utf8))
    let (data, status) = run(refPath, [], stdinPath: jobPath, timeout: 30)
    if status == -2 { return nil }
    guard status == 0 else { fatalError("pcre2ref failed with status \(status)") }
    return parseReference(data).first!
  }
}

func parseReference(_ data: Data) -> [Reference] {
  var results: [Reference] = []
  var current = Reference()
  for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
    let f = line.split(separator: " ").map(String.init)
    guard let tag = f.first else { continue }
    switch tag {
    case ".": results.append(current); current = Reference()
    case "C": current.compileError = (Int32(f[1])!, Int(f[2])!)
    case "G": current.captureCount = Int(f[1])!
    case "N": current.names[f[1], default: []].append(Int(f[2])!)
    case "M": current.matches.append(f.dropFirst().map { Int($0)! })
    case "X": current.matchError = (f[1] == "K" ? 1 : Int32(f[1])!, Int(f[2])!)
    case "F":
      let from = Int(f[1])!
      if f[2] == "-" { current.firsts[from] = .some(nil) }
      else if f[2] == "X" { current.firstErrors[from] = Int32(f[3])! }
      else { current.firsts[from] = .some(f.dropFirst(2).map { Int($0)! }) }
    case "L": current.lines.append((Int(f[1])!, Int(f[2])!..<Int(f[3])!))
    case "Y": current.lineError = (Int32(f[1])!, Int(f[2])!)
    default: break
    }
  }
  guard !results.isEmpty else { fatalError("pcre2ref answered nothing") }
  return results
}

// MARK: - Comparing

nonisolated(unsafe) var mismatches = 0
nonisolated(unsafe) var comparisons = 0
nonisolated(unsafe) var limitDivergences = 0
nonisolated(unsafe) var slowCases = 0
nonisolated(unsafe) var timeouts = 0
nonisolated(unsafe) var grepCompared = 0
nonisolated(unsafe) var reported = Set<String>()

func describe(_ c: Case) -> String {
  let text = String(decoding: c.pattern, as: UTF8.self)
  let anyOf = c.alternatives.map { " anyOf \($0.map { String(decoding: $0, as: UTF8.self).debugDescription })" } ?? ""
  return "case \(c.index):\(anyOf) pattern \(text.debugDescription) bytes [\(c.pattern.map { String(format: "0x%02X", $0) }.joined(separator: ", "))] options \(flagLetters(c.options)) newline \(newlineName(c.newline)) jit \(c.jit) subject \(c.subjectName) (\(c.subject.count) bytes, copy at \(c.path))"
}

func mismatch(_ c: Case, _ what: String, expected: Any, got: Any) {
  mismatches += 1
  let key = "\(c.index) \(what)"
  if reported.contains(key) { return }
  reported.insert(key)
  print("MISMATCH \(what)\n  \(describe(c))\n  reference: \(String(describing: expected).prefix(600))\n  RegexSearch: \(String(describing: got).prefix(600))")
}

func check<T: Equatable>(_ c: Case, _ what: String, _ expected: T, _ got: T) {
  comparisons += 1
  if expected != got { mismatch(c, what, expected: expected, got: got) }
}

/// A match as a flat list like the reference's: group 0 then each group.
func flat(_ m: Match, groups: Int) -> [Int] {
  var out = [m.range.lowerBound, m.range.upperBound]
  for g in stride(from: 1, through: groups, by: 1) {
    if let r = m.range(at: g) { out += [r.lowerBound, r.upperBound] } else { out += [-1, -1] }
  }
  return out
}

enum Got<T: Equatable>: Equatable, CustomStringConvertible {
  case value(T)
  case error(RegexError.Kind, Int32, Int?)
  var description: String {
    switch self {
    case .value(let v): return "\(v)"
    case .error(let k, let c, let o): return "error \(k) \(c) at \(o.map(String.init) ?? "nil")"
    }
  }
  static func of(_ body: () throws(RegexError) -> T) -> Got<T> {
    do { return .value(try body()) } catch { return .error(error.kind, error.code, error.offset) }
  }
}

func expectedReplacement(_ c: Case, _ ref: Reference, names: [String: [Int]]) -> Got<[UInt8]> {
  var out: [UInt8] = []
  var copied = 0
  let count = min(ref.matches.count, c.limit ?? Int.max)
  let t = Array(c.template.utf8)
  for m in ref.matches.prefix(count) {
    out += c.subject[copied..<m[0]]
    copied = m[1]
    func group(_ g: Int) -> [UInt8]? {
      let lo = m[2 * g], hi = m[2 * g + 1]
      return lo < 0 ? nil : Array(c.subject[lo..<hi])
    }
    var i = 0
    while i < t.count {
      if t[i] == UInt8(ascii: "$"), i + 1 < t.count {
        if t[i + 1] == UInt8(ascii: "$") { out.append(UInt8(ascii: "$")); i += 2; continue }
        var j = i + 1
        var name = ""
        if t[j] == UInt8(ascii: "{") {
          j += 1
          while t[j] != UInt8(ascii: "}") { name.append(Character(UnicodeScalar(t[j]))); j += 1 }
          j += 1
        } else {
          while j < t.count, t[j] >= 0x30, t[j] <= 0x39 { name.append(Character(UnicodeScalar(t[j]))); j += 1 }
        }
        let number = Int(name) ?? names[name]?.min() ?? -1
        if number < 0 || number > ref.captureCount {
          return .error(.match, -49, m[0])  // PCRE2_ERROR_NOSUBSTRING: "unknown substring"
        }
        guard let bytes = group(number) else {
          return .error(.match, -55, m[0])  // PCRE2_ERROR_UNSET: "requested value is not set"
        }
        out += bytes
        i = j
        continue
      }
      out.append(t[i])
      i += 1
    }
  }
  out += c.subject[copied...]
  return .value(out)
}

extension Range<Int> {
  /// Up to `n` of these indices, picked at random.
  func shuffledPrefix(_ n: Int) -> [Int] {
    if count <= n { return Array(self) }
    return (0..<n).map { _ in lowerBound + rng.int(count) }
  }
}

func lineRanges(_ s: [UInt8]) -> [Range<Int>] {
  var out: [Range<Int>] = []
  var start = 0
  for (i, b) in s.enumerated() where b == 0x0A { out.append(start..<i); start = i + 1 }
  if start < s.count { out.append(start..<s.count) }
  return out
}

func makePattern(_ c: Case) throws(RegexError) -> Pattern {
  if let alternatives = c.alternatives {
    return try Pattern(anyOf: alternatives, options: c.options, newline: c.newline, jit: c.jit)
  }
  return try Pattern(bytes: c.pattern, options: c.options, newline: c.newline, jit: c.jit)
}

func compare(_ c: Case, _ ref: Reference) {
  let compiled = Got<Int>.of { () throws(RegexError) in
    _ = try makePattern(c)
    return 0
  }
  if let e = ref.compileError {
    comparisons += 1
    guard case .error(.compile, let code, _) = compiled, code == e.code else {
      mismatch(c, "compile error", expected: "code \(e.code) at \(e.offset)", got: compiled)
      return
    }
    return
  }
  guard let pattern = try? makePattern(c) else {
    mismatch(c, "compile", expected: "compiles", got: compiled)
    return
  }
  check(c, "capture count", ref.captureCount, pattern.captureCount)
  for (name, numbers) in ref.names { check(c, "capture number of \(name)", numbers.min(), pattern.captureNumber(named: name)) }
  let groups = ref.captureCount
  let expectedMatches: Got<[[Int]]> = ref.matchError.map { .error(.match, $0.code, $0.offset) } ?? .value(ref.matches)
  let expectedCount: Got<Int> = ref.matchError.map { .error(.match, $0.code, $0.offset) } ?? .value(ref.matches.count)

  let heap = HeapByteBuffer(c.subject)
  let mapped: MappedByteBuffer
  do { mapped = try MappedByteBuffer(path: c.path, access: .read) } catch {
    mismatch(c, "map", expected: "maps", got: error)
    return
  }
  let backends: [(String, any MutableByteBuffer)] = [("heap", heap), ("mapped", mapped)]
  if c.big {
    compareBig(c, ref, pattern, backends, expectedMatches: expectedMatches, expectedCount: expectedCount)
    try? mapped.close()
    if let grepPath { compareWithGrep(c, ref, grepPath) }
    return
  }
  for (backendName, buffer) in backends {
    // Matches with captures, through forEach and through the iterator.
    let clock = ContinuousClock()
    let started = clock.now
    let viaForEach = Got<[[Int]]>.of { () throws(RegexError) in
      try pattern.matches(in: buffer).collect().map { flat($0, groups: groups) }
    }
    check(c, "matches (\(backendName), forEach)", expectedMatches, viaForEach)
    if clock.now - started > .seconds(4) {
      // A slow (quadratic) pattern: the serial and one parallel count only.
      slowCases += 1
      check(c, "slow: count (\(backendName))", expectedCount, Got.of { () throws(RegexError) in try pattern.count(in: buffer) })
      if ref.matchError == nil {
        check(c, "slow: count parallelism 3 chunk 509 (\(backendName))", expectedCount, Got.of { () throws(RegexError) in
          try pattern.count(in: .buffer(buffer), parallelism: 3, minimumChunk: 509)
        })
      }
      continue
    }
    let viaIterator = Got<[[Int]]>.of { () throws(RegexError) in
      var it = pattern.matches(in: buffer).makeIterator()
      var all: [[Int]] = []
      while let m = try it.next() { all.append(flat(m, groups: groups)) }
      return all
    }
    check(c, "matches (\(backendName), iterator)", expectedMatches, viaIterator)
    // Named captures: the first group of that name that is set.
    if case .value = expectedMatches, !ref.names.isEmpty, let all = try? pattern.matches(in: buffer).collect() {
      for (m, r) in zip(all, ref.matches) {
        for (name, numbers) in ref.names {
          let set = numbers.sorted().first { r[2 * $0] >= 0 }
          let expected = set.map { r[2 * $0]..<r[2 * $0 + 1] }
          check(c, "range(named: \(name)) (\(backendName))", expected, m.range(named: name))
        }
      }
    }
    check(c, "count (\(backendName))", expectedCount, Got.of { () throws(RegexError) in try pattern.count(in: buffer) })
    // Parallel counts: the public entry (64 KiB chunks) and tiny chunks.
    let countExpected: Got<Int>? = ref.matchError == nil ? expectedCount : nil
    var parallelRuns: [(Int, Int)] = [(2, 64 * 1024), (8, 64 * 1024)]
    for _ in 0..<3 { parallelRuns.append((rng.pick([2, 3, 8, 61]), rng.pick([1, 1, 7, 64, 509]))) }
    for (p, chunk) in parallelRuns {
      let got = Got.of { () throws(RegexError) in try pattern.count(in: .buffer(buffer), parallelism: p, minimumChunk: chunk) }
      if let countExpected {
        check(c, "count parallelism \(p) chunk \(chunk) (\(backendName))", countExpected, got)
      } else if case .value = got {
        limitDivergences += 1
        if verbose { print("limit divergence: parallel count \(p)/\(chunk) succeeded where the serial loop fails: \(describe(c))") }
      }
    }
    check(c, "contains (\(backendName))", ref.matchError.map { _ in Got<Bool>.error(.match, 0, nil) } ?? .value(!ref.matches.isEmpty),
          { () -> Got<Bool> in
            let g = Got.of { () throws(RegexError) in try buffer.contains(pattern) }
            if case .error(let k, _, _) = g, ref.matchError != nil { return .error(k, 0, nil) }
            return g
          }())
    for from in c.offsets {
      let expected: Got<[Int]?>
      if let e = ref.firstErrors[from] { expected = .error(.match, e, from) } else { expected = .value(ref.firsts[from] ?? nil) }
      check(c, "firstMatch from \(from) (\(backendName))", expected,
            Got.of { () throws(RegexError) in try pattern.firstMatch(in: buffer, from: from).map { flat($0, groups: groups) } })
    }
    // Replacement.
    if ref.matchError == nil {
      let expected = expectedReplacement(c, ref, names: ref.names)
      let got = Got<[UInt8]>.of { () throws(RegexError) in
        let result = try pattern.replacing(in: buffer, with: c.template, maxReplacements: c.limit)
        return (try? result.withUnsafeBytes { Array($0) }) ?? []
      }
      if case .error(_, let code, _) = expected, case .error(_, let gotCode, _) = got, code == gotCode {
        comparisons += 1
      } else {
        check(c, "replacing with \(c.template.debugDescription) max \(c.limit.map(String.init) ?? "all") (\(backendName))", expected, got)
      }
    }
    // Lines: each line its own subject.
    let all = lineRanges(c.subject)
    let starts = all.map(\.lowerBound)
    var expectedLines = ref.lines.map { LineMatch(number: $0.number, range: $0.range) }
    var lineError: Int? = nil
    if let e = ref.lineError {
      lineError = starts[e.number - 1]
      expectedLines = expectedLines.filter { $0.number < e.number }
    }
    let selected = Set(expectedLines.map(\.number))
    var inverted = all.enumerated().filter { !selected.contains($0.offset + 1) }.map { LineMatch(number: $0.offset + 1, range: $0.element) }
    if let e = ref.lineError { inverted = inverted.filter { $0.number < e.number } }
    func collectLines(_ sequence: LineSequence) -> ([LineMatch], Int?) {
      var it = sequence.makeIterator()
      var out: [LineMatch] = []
      while true {
        do {
          guard let l = try it.next() else { return (out, nil) }
          out.append(l)
        } catch {
          return (out, error.offset ?? -1)
        }
      }
    }
    let lineVariants: [(String, LineSequence)] = [
      ("serial", pattern.matchingLines(in: buffer)),
      ("parallel 2", pattern.matchingLines(in: buffer, parallelism: 2)),
      ("parallel 3 chunk 1", LineSequence(pattern: pattern, source: .buffer(buffer), inverted: false, parallelism: 3, chunkSize: 1)),
      ("parallel 8 chunk 37", LineSequence(pattern: pattern, source: .buffer(buffer), inverted: false, parallelism: 8, chunkSize: 37)),
    ]
    for (name, sequence) in lineVariants {
      let (got, error) = collectLines(sequence)
      if let lineError {
        // Lines before the failing one, then its error (a parallel search may stop at the window).
        comparisons += 1
        if error != lineError || !expectedLines.starts(with: got) {
          mismatch(c, "matchingLines \(name) (\(backendName)) before an error", expected: "\(expectedLines.count) lines then error at \(lineError)", got: "\(got.count) lines then \(error.map(String.init) ?? "no error")")
        }
      } else {
        check(c, "matchingLines \(name) (\(backendName))", expectedLines.map { "\($0.number):\($0.range)" }, got.map { "\($0.number):\($0.range)" })
        if error != nil { mismatch(c, "matchingLines \(name) (\(backendName)) threw", expected: "no error", got: error!) }
      }
    }
    // firstMatch(in:within:) with a line as the whole subject agrees with the line search.
    if lineError == nil {
      let sample = all.indices.shuffledPrefix(24)
      for i in sample {
        let got = Got.of { () throws(RegexError) in try pattern.firstMatch(in: buffer, within: all[i]) != nil }
        check(c, "firstMatch within line \(i + 1) (\(backendName))", Got<Bool>.value(selected.contains(i + 1)), got)
      }
    }
    let (gotInverted, invertedError) = collectLines(pattern.matchingLines(in: buffer, inverted: true, parallelism: rng.pick([1, 2])))
    if lineError == nil {
      check(c, "inverted lines (\(backendName))", inverted.map { "\($0.number):\($0.range)" }, gotInverted.map { "\($0.number):\($0.range)" })
    } else {
      comparisons += 1
      if invertedError != lineError { mismatch(c, "inverted lines error (\(backendName))", expected: lineError!, got: invertedError as Any) }
    }
    for (p, chunk) in [(1, 1), (2, 4 << 20), (3, 1), (8, 53)] {
      for inv in [false, true] {
        let got = Got.of { () throws(RegexError) in
          try pattern.countMatchingLines(in: .buffer(buffer), inverted: inv, parallelism: p, chunkSize: chunk)
        }
        if let lineError {
          comparisons += 1
          if case .error(_, _, let offset) = got, offset == lineError {} else if case .error = got, p > 1 {} else {
            mismatch(c, "countMatchingLines p\(p) c\(chunk) inverted \(inv) (\(backendName))", expected: "error at \(lineError)", got: got)
          }
        } else {
          check(c, "countMatchingLines p\(p) c\(chunk) inverted \(inv) (\(backendName))",
                Got<Int>.value(inv ? all.count - expectedLines.count : expectedLines.count), got)
        }
      }
    }
  }
  // Other subject kinds.
  check(c, "matches ([UInt8])", expectedMatches,
        Got.of { () throws(RegexError) in try pattern.matches(in: c.subject).collect().map { flat($0, groups: groups) } })
  let rawResult = c.subject.withUnsafeBytes { raw in
    Got.of { () throws(RegexError) in try pattern.count(in: raw) }
  }
  check(c, "count (raw bytes)", expectedCount, rawResult)
  if let text = String(validating: c.subject, as: UTF8.self) {
    check(c, "count (String)", expectedCount, Got.of { () throws(RegexError) in try pattern.count(in: text) })
  }
  try? mapped.close()
  if let grepPath { compareWithGrep(c, ref, grepPath) }
}

/// A big subject: the public entry points, serial and parallel (their own chunk sizes).
func compareBig(_ c: Case, _ ref: Reference, _ pattern: Pattern, _ backends: [(String, any MutableByteBuffer)],
                expectedMatches: Got<[[Int]]>, expectedCount: Got<Int>) {
  let groups = ref.captureCount
  for (backendName, buffer) in backends {
    if ref.matches.count <= 300_000 {
      check(c, "big: matches (\(backendName))", expectedMatches, Got.of { () throws(RegexError) in
        try pattern.matches(in: buffer).collect().map { flat($0, groups: groups) }
      })
    }
    for p in [1, 2, 8] {
      let got = Got.of { () throws(RegexError) in try pattern.count(in: buffer, parallelism: p) }
      if ref.matchError == nil || p == 1 { check(c, "big: count parallelism \(p) (\(backendName))", expectedCount, got) }
    }
    for from in c.offsets {
      let expected: Got<[Int]?>
      if let e = ref.firstErrors[from] { expected = .error(.match, e, from) } else { expected = .value(ref.firsts[from] ?? nil) }
      check(c, "big: firstMatch from \(from) (\(backendName))", expected,
            Got.of { () throws(RegexError) in try pattern.firstMatch(in: buffer, from: from).map { flat($0, groups: groups) } })
    }
    guard ref.lineError == nil else { continue }
    let total = lineRanges(c.subject).count
    let expectedLines = ref.lines.map { "\($0.number):\($0.range)" }
    for p in [1, 2, 8] {
      check(c, "big: matchingLines parallelism \(p) (\(backendName))", Got<[String]>.value(expectedLines),
            Got.of { () throws(RegexError) in
              try pattern.matchingLines(in: buffer, parallelism: p).collect().map { "\($0.number):\($0.range)" }
            })
      check(c, "big: countMatchingLines parallelism \(p) (\(backendName))", Got<Int>.value(ref.lines.count),
            Got.of { () throws(RegexError) in try pattern.countMatchingLines(in: buffer, parallelism: p) })
      check(c, "big: countMatchingLines inverted parallelism \(p) (\(backendName))", Got<Int>.value(total - ref.lines.count),
            Got.of { () throws(RegexError) in try pattern.countMatchingLines(in: buffer, inverted: true, parallelism: p) })
    }
  }
}

/// pcre2grep: each line its own subject, like our line search. Only for
/// cases it can express exactly (LF newlines; no NUL or newline in the
/// pattern; GNU grep's -w wrapper written out; inline options for m, s, x).
func compareWithGrep(_ c: Case, _ ref: Reference, _ grep: String) {
  guard c.newline == .lf, c.alternatives == nil, !c.pattern.contains(0), !c.pattern.contains(0x0A), ref.lineError == nil
  else { return }
  let o = c.options
  var args = ["-a", "--max-buffer-size=64M"]
  var text = c.pattern
  if o.contains(.caseInsensitive) { args.append("-i") }
  if o.contains(.utf) { args.append("-U") }
  if o.contains(.literal) {
    if o.contains(.wholeWords) && !o.contains(.wholeLines) { return }  // pcre2grep -F -w is \b-wrapped
    args.append("-F")
  } else {
    var inline = ""
    if o.contains(.multiline) { inline += "m" }
    if o.contains(.dotMatchesNewlines) { inline += "s" }
    if o.contains(.extended) { inline += "x" }
    if c.pattern.starts(with: Array("(*".utf8)) { return }
    if o.contains(.wholeWords) && !o.contains(.wholeLines) {
      if o.contains(.extended) && c.pattern.contains(UInt8(ascii: "#")) { return }
      text = Array("(?<!\\w)(?:".utf8) + text + Array(")(?!\\w)".utf8)
    }
    if !inline.isEmpty { text = Array("(?\(inline))".utf8) + text }
  }
  if o.contains(.wholeLines) { args.append("-x") }
  guard let patternArgument = String(validating: text, as: UTF8.self) else { return }
  let env = ["LC_ALL": "C"]
  let (numbered, status) = run(grep, args + ["-n", "-e", patternArgument, c.path], environment: env)
  guard status == 0 || status == 1 else { return }  // trouble (a limit, ...): nothing to compare
  // Split bytes, not Characters: "\r\n" is one Character.
  let lines = [UInt8](numbered).split(separator: 0x0A).compactMap { line -> Int? in
    Int(String(decoding: line.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self))
  }
  grepCompared += 1
  check(c, "pcre2grep -n line numbers", ref.lines.map(\.number), lines)
  let (counted, countStatus) = run(grep, args + ["-v", "-c", "-e", patternArgument, c.path], environment: env)
  guard countStatus == 0 || countStatus == 1 else { return }
  let total = lineRanges(c.subject).count
  check(c, "pcre2grep -v -c", total - ref.lines.count, Int(String(decoding: counted, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
}

// MARK: - Main

let batch = 200
nonisolated(unsafe) var done = 0
nonisolated(unsafe) var compileErrors = 0
nonisolated(unsafe) var totalMatches = 0
while done < caseCount {
  let n = min(batch, caseCount - done)
  let cases = (0..<n).map { makeCase(done + $0) }
  let refs = runReference(cases)
  for (c, reference) in zip(cases, refs) {
    guard let r = reference else {
      timeouts += 1
      try? FileManager.default.removeItem(atPath: c.path)
      continue
    }
    if r.compileError != nil { compileErrors += 1 }
    totalMatches += r.matches.count
    compare(c, r)
    if mismatches == 0 || !reported.contains(where: { $0.hasPrefix("\(c.index) ") }) {
      try? FileManager.default.removeItem(atPath: c.path)
    }
  }
  done += n
  FileHandle.standardError.write("\(done)/\(caseCount) cases, \(comparisons) comparisons, \(mismatches) mismatches\n".data(using: .utf8)!)
}
print("\(caseCount) cases (seed \(seed); \(compileErrors) compile errors, \(totalMatches) reference matches, \(files.count) real files), \(comparisons) comparisons, \(grepCompared) pcre2grep cases, \(mismatches) mismatches, \(limitDivergences) limit divergences, \(slowCases) slow subject checks cut short, \(timeouts) cases skipped (pcre2ref over 30 s)")
exit(mismatches == 0 ? 0 : 1)
