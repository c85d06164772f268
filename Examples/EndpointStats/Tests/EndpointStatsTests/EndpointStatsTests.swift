import ByteBuffer
import EndpointStats
import RegexSearch
import Testing

/// The example's logic over a `HeapByteBuffer`: the executable runs the same
/// `summarizeEndpoints(in:)` over a `MappedByteBuffer` of the file.
@Suite("endpoint-stats example")
struct EndpointStatsTests {
  /// samplelog's format: request lines of several endpoints and levels, lines
  /// that are not requests, a stack trace, a latency too long to be one, and a
  /// last line without a newline.
  static let log = """
    2026-11-26T01:07:02.504Z INFO  [http] GET /api/v1/users/42466 status=200 dur_ms=120 ip=81.97.254.125 req=87b341d690d7a28a
    2026-11-26T01:07:02.520Z INFO  [auth] cache miss key=product:1446 req=14d7973c5c2a449c
    2026-11-26T01:07:02.540Z INFO  [db] GET /api/v1/users/7 status=404 dur_ms=15 ip=172.132.186.250 req=530e0e6118e9685e
    2026-11-26T01:07:02.578Z WARN  [payment] POST /healthz status=429 dur_ms=3001 ip=192.204.82.111 req=86c5d1b05ce2ce14
    2026-11-26T01:07:02.617Z INFO  [http] GET /api/v1/users/18273 status=200 dur_ms=30 ip=10.2.3.4 req=90ccb6a06cd2330e
    2026-11-26T01:07:02.652Z ERROR [db] GET /api/v1/users/99 status=503 dur_ms=25000 ip=10.2.3.5 req=c0257e403811c379
    Exception in thread "worker-3" java.sql.SQLTimeoutException: query timed out after 30000ms
    \tat com.example.db.Pool.acquire(Pool.java:211)
    2026-11-26T01:07:02.690Z INFO  [http] POST /healthz status=200 dur_ms=2 ip=10.2.3.6 req=4f05f03735c3b951
    2026-11-26T01:07:02.723Z INFO  [mailer] query=SELECT * FROM carts WHERE id=$1 rows=439 dur_ms=40 req=263346a69dd14426
    2026-11-26T01:07:02.740Z INFO  [http] GET /metrics status=200 dur_ms=12345678901 ip=10.2.3.7 req=3782f608dcd26b70
    2026-11-26T01:07:02.753Z INFO  [http] GET /static/js/app.89648 status=304 dur_ms=9 ip=10.2.3.8 req=a97450076ed129d2
    2026-11-26T01:07:02.764Z DEBUG [search] GET /api/v2/search status=200 dur_ms=97 ip=10.2.3.9 req=d4d2fac5e33b4804
    """

  @Test func summarizesEachEndpoint() throws {
    let summaries = try summarizeEndpoints(in: HeapByteBuffer(Self.log))
    #expect(
      summaries == [
        "GET /api/v1/users/{id}": EndpointSummary(
          statusCounts: [200: 2, 404: 1, 503: 1], latencies: [120, 15, 30, 25000]),
        "POST /healthz": EndpointSummary(statusCounts: [429: 1, 200: 1], latencies: [3001, 2]),
        "GET /static/js/app.{id}": EndpointSummary(statusCounts: [304: 1], latencies: [9]),
        "GET /api/v2/search": EndpointSummary(statusCounts: [200: 1], latencies: [97]),
      ])
  }

  @Test func reportsCountsAndPercentiles() throws {
    let table = report(try summarizeEndpoints(in: HeapByteBuffer(Self.log)))
    #expect(
      table == """
        endpoint                 requests    p50    p90    p99  statuses
        GET /api/v1/users/{id}          4     30  25000  25000  200:2 404:1 503:1
        GET /api/v2/search              1     97     97     97  200:1
        GET /static/js/app.{id}         1      9      9      9  304:1
        POST /healthz                   2      2   3001   3001  200:1 429:1

        """)
  }

  @Test func emptyLogHasNoEndpoints() throws {
    let summaries = try summarizeEndpoints(in: HeapByteBuffer(""))
    #expect(summaries.isEmpty)
    #expect(report(summaries) == "endpoint  requests    p50    p90    p99  statuses\n")
  }

  @Test func closedBufferThrows() throws {
    let log = HeapByteBuffer(Self.log)
    try log.close()
    let error = #expect(throws: RegexError.self) { _ = try summarizeEndpoints(in: log) }
    #expect(error?.kind == .buffer)
    #expect(error?.bufferError == .closed(path: nil))
  }

  @Test func nearestRank() {
    let values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    #expect(nearestRankPercentile(1, of: values) == 1)
    #expect(nearestRankPercentile(50, of: values) == 5)
    #expect(nearestRankPercentile(51, of: values) == 6)
    #expect(nearestRankPercentile(90, of: values) == 9)
    #expect(nearestRankPercentile(99, of: values) == 10)
    #expect(nearestRankPercentile(100, of: values) == 10)
    #expect(nearestRankPercentile(50, of: [7]) == 7)
    #expect(nearestRankPercentile(99, of: [7]) == 7)
    #expect(nearestRankPercentile(50, of: [2, 3001]) == 2)
  }
}
