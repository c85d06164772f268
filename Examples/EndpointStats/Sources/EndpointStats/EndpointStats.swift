// The logic of the endpoint-stats example: per-endpoint status counts and
// latency percentiles of the request lines in any byte buffer (a mapped log in
// the executable, a HeapByteBuffer in the tests).

import ByteBuffer
import RegexSearch

/// The request lines of the sample log (`samplelog`), for example
///
///     2026-11-26T01:07:02.690Z INFO  [http] GET /api/v1/users/42466 status=204 dur_ms=350 ip=… req=…
///
/// `method`, `path`, `status` and `ms` are the fields; `id` is a run of digits
/// at the end of the path (`42466`), which is left out of the endpoint. The
/// pattern starts with the `]` that ends the module tag, so PCRE2 tries it once
/// per line. No part of it can match a newline, so each match lies within one
/// line. A latency of more than 9 digits does not match (the line is skipped).
public let requestLinePattern =
  #"\] (?<method>[A-Z]+) (?<path>/\S*?)(?<id>\d*) status=(?<status>\d{3}) dur_ms=(?<ms>\d{1,9})\b"#

/// What the request lines of one endpoint say.
public struct EndpointSummary: Equatable, Sendable {
  /// The number of requests with each HTTP status code.
  public var statusCounts: [Int: Int] = [:]
  /// The latency of each request in milliseconds, in log order.
  public var latencies: [Int] = []

  /// Creates an empty summary.
  public init() {}

  /// Creates a summary with the given counts and latencies.
  ///
  /// - Parameters:
  ///   - statusCounts: The number of requests per status code.
  ///   - latencies: The latencies in milliseconds, in log order.
  public init(statusCounts: [Int: Int], latencies: [Int]) {
    self.statusCounts = statusCounts
    self.latencies = latencies
  }

  /// The number of requests.
  public var requests: Int { latencies.count }

  /// Adds one request.
  ///
  /// - Parameters:
  ///   - status: Its HTTP status code.
  ///   - latency: Its duration in milliseconds.
  public mutating func record(status: Int, latency: Int) {
    statusCounts[status, default: 0] += 1
    latencies.append(latency)
  }
}

/// Reads every request line of `log` and summarizes it per endpoint.
///
/// An endpoint is the method and the path, with a trailing ID shown as `{id}`:
/// `GET /api/v1/users/{id}`, `POST /healthz`. Lines that are not requests
/// (SQL, cache, stack traces, …) are skipped. The log is searched in place;
/// each match copies only its own few dozen bytes out of it.
///
/// - Parameter log: The log: a `MappedByteBuffer` of a file, or any other buffer.
/// - Returns: The summary of each endpoint, by endpoint.
/// - Throws: `RegexError` when the buffer cannot be read (closed, or its file
///   truncated underneath the mapping) or a match fails.
public func summarizeEndpoints(in log: some MutableByteBuffer) throws(RegexError) -> [String: EndpointSummary] {
  let pattern = try Pattern(requestLinePattern)
  var summaries: [String: EndpointSummary] = [:]
  try pattern.matches(in: log).forEach { (match) throws(RegexError) -> Bool in
    let text = try match.bytes(in: log)
    // The bytes of a named group: its range is absolute, `text` starts at the match.
    func field(_ name: String) -> ArraySlice<UInt8> {
      guard let range = match.range(named: name) else { return [] }
      let start = match.range.lowerBound
      return text[(range.lowerBound - start)..<(range.upperBound - start)]
    }
    var endpoint = String(decoding: field("method"), as: UTF8.self) + " "
      + String(decoding: field("path"), as: UTF8.self)
    if !field("id").isEmpty { endpoint += "{id}" }
    summaries[endpoint, default: EndpointSummary()].record(
      status: decimal(field("status")), latency: decimal(field("ms")))
    return true
  }
  return summaries
}

/// The value of ASCII digits (at most 9 of them, so it cannot overflow).
func decimal(_ digits: ArraySlice<UInt8>) -> Int {
  digits.reduce(0) { $0 * 10 + Int($1 &- UInt8(ascii: "0")) }
}

/// The `p`th percentile of `sorted` by the nearest-rank method: the value at
/// the 1-based rank ⌈`p` × *n* / 100⌉, the smallest value such that at least
/// `p` percent of the values are less than or equal to it. It is always one of
/// the values (no interpolation).
///
/// - Parameters:
///   - p: The percentile, in `1...100`.
///   - sorted: The values in ascending order; not empty.
/// - Returns: The percentile.
/// - Precondition: `p` is in `1...100` and `sorted` is not empty.
public func nearestRankPercentile(_ p: Int, of sorted: [Int]) -> Int {
  precondition((1...100).contains(p), "percentile \(p) not in 1...100")
  precondition(!sorted.isEmpty, "no values")
  let rank = (p * sorted.count + 99) / 100  // ⌈p × n / 100⌉, in 1...n
  return sorted[rank - 1]
}

/// A table with one row per endpoint, sorted by endpoint: the number of
/// requests, the p50, p90 and p99 latencies in milliseconds (nearest rank),
/// and the count of each status code.
///
/// - Parameter summaries: What ``summarizeEndpoints(in:)`` returned.
/// - Returns: The table, one line per row, each ending in `"\n"`.
public func report(_ summaries: [String: EndpointSummary]) -> String {
  let width = summaries.keys.map(\.count).max() ?? 0
  var table = pad("endpoint", width) + "  requests    p50    p90    p99  statuses\n"
  for (endpoint, summary) in summaries.sorted(by: { $0.key < $1.key }) {
    let latencies = summary.latencies.sorted()
    let percentiles = [50, 90, 99].map { p in
      pad(latencies.isEmpty ? "-" : String(nearestRankPercentile(p, of: latencies)), 7, right: true)
    }
    let statuses = summary.statusCounts.sorted(by: { $0.key < $1.key }).map { "\($0.key):\($0.value)" }
    table += pad(endpoint, width) + pad(String(summary.requests), 10, right: true)
      + percentiles.joined() + "  " + statuses.joined(separator: " ") + "\n"
  }
  return table
}

/// `text` padded with spaces to `width` characters, on the right (or the left).
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
  let spaces = String(repeating: " ", count: max(0, width - text.count))
  return right ? spaces + text : text + spaces
}
