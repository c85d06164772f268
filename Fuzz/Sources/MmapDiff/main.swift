// MmapDiff: runs operation scripts (the language described in MmapScript.swift,
// shared with the replay tests) on one backend and prints one outcome line per
// script line. scripts/python-mmap-diff.py runs the same sessions on CPython's
// mmap and compares.
//
//   MmapDiff heap|mapped [DIRECTORY] < script > outcomes
//
// DIRECTORY (default /tmp) holds the temporary files of the mapped backend.
// Blank lines separate sessions and are echoed; the outcomes of a session are
// written when it ends, so a crash loses only the session that crashed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to standard output at once, unbuffered.
func emit(_ bytes: inout [UInt8]) {
  var written = 0
  while written < bytes.count {
    let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + written, $0.count - written) }
    if n <= 0 { exit(3) }
    written += n
  }
  bytes.removeAll(keepingCapacity: true)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = MmapScript.Target(rawValue: arguments[1]) else {
  print("usage: MmapDiff heap|mapped [DIRECTORY] < script")
  exit(2)
}
let script = MmapScript(target: target, directory: arguments.count > 2 ? arguments[2] : "/tmp")
var output: [UInt8] = []
while let line = readLine(strippingNewline: true) {
  if line.isEmpty {
    output.append(0x0A)
    emit(&output)
  } else {
    output += script.run(line).utf8
    output.append(0x0A)
  }
}
emit(&output)
script.finish()
