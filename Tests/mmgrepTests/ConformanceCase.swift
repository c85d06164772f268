import Foundation
import Testing

/// One line of `Fixtures/cases.txt`: `tags | mmgrep arguments [| grep arguments]`.
///
/// Tags: `F` compares with `grep -F` (else `grep -P`); `sort` compares the
/// golden output as sorted lines (for -r, whose order is the file system's
/// readdir order); `stderr` compares standard error too (grep's `grep:`
/// prefix read as `mmgrep:`); `stdin=FILE` pipes FILE to standard input;
/// `cwd=DIR` runs in that fixture directory; `env=NAME=VALUE` sets an
/// environment variable (such as `GREP_COLORS`) for both tools.
struct ConformanceCase: Sendable, CustomTestStringConvertible {
  var line: String
  var tags: Set<String>
  var arguments: [String]
  var grepArguments: [String]
  var stdinFile: String?
  /// The directory (inside the fixtures) to run in; the fixtures root by default.
  var directory: String?
  /// Environment variables set for both tools (`env=NAME=VALUE` tags, e.g. GREP_COLORS).
  var environment: [String: String] = [:]

  var testDescription: String { "mmgrep " + line.components(separatedBy: " | ")[1] }
  var usesFixedStrings: Bool { tags.contains("F") }
  var comparesStderr: Bool { tags.contains("stderr") }
  var isUnordered: Bool { tags.contains("sort") }

  /// The grep command line equivalent to this case.
  var grepCommand: [String] { (usesFixedStrings ? [] : ["-P"]) + grepArguments }

  init(line: String) {
    self.line = line
    let fields = line.components(separatedBy: " | ")
    let tagList = fields[0].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    tags = Set(tagList.filter { $0 != "-" && !$0.hasPrefix("stdin=") && !$0.hasPrefix("cwd=") && !$0.hasPrefix("env=") })
    for tag in tagList where tag.hasPrefix("env=") {
      let assignment = tag.dropFirst(4)
      if let equals = assignment.firstIndex(of: "=") {
        environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
      }
    }
    stdinFile = tagList.first { $0.hasPrefix("stdin=") }.map { String($0.dropFirst(6)) }
    directory = tagList.first { $0.hasPrefix("cwd=") }.map { String($0.dropFirst(4)) }
    arguments = ShellWords.split(fields.count > 1 ? fields[1] : "")
    grepArguments = fields.count > 2 ? ShellWords.split(fields[2]) : arguments
  }

  /// Every case of `Fixtures/cases.txt`, in file order.
  static let all: [ConformanceCase] = {
    guard let text = try? String(contentsOfFile: Workspace.fixtures + "/cases.txt", encoding: .utf8) else { return [] }
    return text.split(separator: "\n", omittingEmptySubsequences: true)
      .map(String.init)
      .filter { !$0.hasPrefix("#") }
      .map(ConformanceCase.init(line:))
  }()
}

/// The recorded grep 3.8 result of each case (`Fixtures/golden.txt`): one
/// line per case, `case line TAB exit status TAB stdout TAB stderr`, with
/// bytes outside printable ASCII (and `\`, tab) escaped.
enum Golden {
  static var path: String { Workspace.fixtures + "/golden.txt" }

  static let all: [String: RunResult] = {
    guard let data = FileManager.default.contents(atPath: path) else { return [:] }
    var result: [String: RunResult] = [:]
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == 4, let status = Int32(fields[1]) else { continue }
      result[unescape(fields[0]).string] = RunResult(
        status: status, stdout: unescape(fields[2]), stderr: unescape(fields[3]))
    }
    return result
  }()

  static func line(for testCase: ConformanceCase, _ run: RunResult) -> String {
    [escape(Array(testCase.line.utf8)), String(run.status), escape(run.stdout), escape(run.stderr)]
      .joined(separator: "\t")
  }

  static func escape(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "\\"): text += "\\\\"
      case UInt8(ascii: "\n"): text += "\\n"
      case UInt8(ascii: "\t"): text += "\\t"
      case UInt8(ascii: "\r"): text += "\\r"
      case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
      default:
        let hex = String(byte, radix: 16)
        text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return text
  }

  static func unescape(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      guard byte == UInt8(ascii: "\\"), let code = iterator.next() else {
        bytes.append(byte)
        continue
      }
      switch code {
      case UInt8(ascii: "n"): bytes.append(10)
      case UInt8(ascii: "t"): bytes.append(9)
      case UInt8(ascii: "r"): bytes.append(13)
      case UInt8(ascii: "x"):
        let high = iterator.next() ?? 0
        let low = iterator.next() ?? 0
        bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) ?? 0)
      default: bytes.append(code)
      }
    }
    return bytes
  }
}

extension Array where Element == UInt8 {
  var string: String { String(decoding: self, as: UTF8.self) }

  /// The lines, sorted (for outputs whose order is the file system's).
  var sortedLines: [[UInt8]] {
    split(separator: 10, omittingEmptySubsequences: false).map(Array.init).sorted { $0.lexicographicallyPrecedes($1) }
  }

  /// grep's standard error as mmgrep words it: the `grep:` (or
  /// `/usr/bin/grep:`, grep names itself by argv[0]) prefixes become `mmgrep:`.
  var renamingGrep: [UInt8] {
    string.split(separator: "\n", omittingEmptySubsequences: false)
      .map { line -> String in
        for prefix in ["/usr/bin/grep: ", "grep: "] where line.hasPrefix(prefix) {
          return "mmgrep: " + line.dropFirst(prefix.count)
        }
        return String(line)
      }
      .joined(separator: "\n").utf8.map { $0 }
  }
}

/// Splits a command line as a POSIX shell would for the quoting cases.txt
/// uses: whitespace separates words; '...' is literal; "..." allows \" and \\;
/// a backslash outside quotes escapes the next character.
enum ShellWords {
  static func split(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var characters = Array(text).makeIterator()
    while let character = characters.next() {
      switch character {
      case " ", "\t":
        if inWord { words.append(current) }
        current = ""
        inWord = false
      case "'":
        inWord = true
        while let next = characters.next(), next != "'" { current.append(next) }
      case "\"":
        inWord = true
        while let next = characters.next(), next != "\"" {
          if next == "\\", let escaped = characters.next() {
            if escaped != "\"" && escaped != "\\" { current.append("\\") }
            current.append(escaped)
          } else {
            current.append(next)
          }
        }
      case "\\":
        inWord = true
        if let escaped = characters.next() { current.append(escaped) }
      default:
        inWord = true
        current.append(character)
      }
    }
    if inWord { words.append(current) }
    return words
  }
}
