// endpoint-stats: per-endpoint status counts and latency percentiles of a
// request log, read through a memory mapping.
//
//   endpoint-stats LOG
//
// The log format is samplelog's (see README, "Example: endpoint statistics").

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EndpointStats
import MappedBuffer

/// Prints `message` on standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
  var line = message + "\n"
  line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count == 2, !arguments[1].hasPrefix("-") else {
  fail("usage: endpoint-stats LOG", status: 2)
}
do {
  let log = try MappedByteBuffer(path: arguments[1])  // read-only; nothing is read yet
  try log.advise(.sequential)                          // one pass, front to back
  print(report(try summarizeEndpoints(in: log)), terminator: "")
} catch {
  fail("endpoint-stats: \(error)", status: 1)
}
