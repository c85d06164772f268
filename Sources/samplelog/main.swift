// samplelog: writes a realistic, deterministic application log for mmgrep's
// demo and benchmarks.
//
//   samplelog [--size SIZE] [--seed N] OUTPUT      (OUTPUT "-" = standard output)
//
// SIZE takes K, M or G suffixes (powers of 1024); the default is 300M. The
// same seed and size always give the same bytes: a splitmix64 generator
// drives every choice, and the output is cut at the last newline at or before
// SIZE. Lines look like
//
//   2026-11-26T15:04:05.123Z INFO  [http] GET /api/v1/users/18273 status=200 dur_ms=12 ip=10.2.3.4 req=9f2c0a1b3d4e5f60
//
// with DEBUG/INFO/WARN/ERROR levels, several modules, HTTP requests, SQL,
// UTF-8 user names, and Java-style stack traces after some ERROR lines.
// Lines are built straight into a 4 MiB byte buffer written with write(2).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// splitmix64: tiny, fast and good enough for synthetic data.
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A number in `0..<bound`.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
  mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// An output buffer flushed to a file descriptor in large writes.
final class Sink {
  let fd: Int32
  let limit: Int
  var bytes: [UInt8] = []
  var written = 0
  let chunk = 4 << 20

  init(fd: Int32, limit: Int) {
    self.fd = fd
    self.limit = limit
    bytes.reserveCapacity(chunk + 4096)
  }

  @inline(__always) func add(_ byte: UInt8) { bytes.append(byte) }
  @inline(__always) func add(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }
  @inline(__always) func add(_ text: [UInt8]) { bytes.append(contentsOf: text) }

  /// Appends `value` in decimal, zero-padded to `width` digits.
  @inline(__always) func number(_ value: Int, width: Int = 1) {
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var rest = value
    withUnsafeMutableBytes(of: &digits) { raw in
      repeat {
        raw[count] = UInt8(48 + rest % 10)
        rest /= 10
        count += 1
      } while rest > 0 || count < width
      for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(raw[index]) }
    }
  }

  @inline(__always) func hex(_ value: UInt64, digits: Int) {
    let table: StaticString = "0123456789abcdef"
    table.withUTF8Buffer { table in
      for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
        bytes.append(table[Int((value >> UInt64(shift)) & 0xF)])
      }
    }
  }

  /// Whether the output has reached its size (set once it was cut there).
  var isFull: Bool { done || written + bytes.count >= limit }
  var done = false

  /// Writes the buffer when it is full enough (or `final`), cutting the
  /// output at the last newline at or before the size limit.
  func flush(final: Bool = false) {
    guard final || bytes.count >= chunk || isFull else { return }
    var count = bytes.count
    if written + count >= limit {
      count = limit - written
      while count > 0 && bytes[count - 1] != 10 { count -= 1 }
      done = true
    }
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < count {
        let n = write(fd, raw.baseAddress! + offset, count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          fatal("write failed: \(String(cString: strerror(errno)))")
        }
        offset += n
      }
    }
    written += count
    bytes.removeAll(keepingCapacity: true)
  }
}

func fatal(_ message: String) -> Never {
  var line = "samplelog: \(message)\n"
  line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  exit(1)
}

func parseSize(_ text: String) -> Int? {
  var digits = Substring(text)
  var scale = 1
  switch digits.last {
  case "K", "k": scale = 1 << 10
  case "M", "m": scale = 1 << 20
  case "G", "g": scale = 1 << 30
  default: break
  }
  if scale != 1 { digits = digits.dropLast() }
  guard let value = Int(digits), value >= 0 else { return nil }
  return value * scale
}

// MARK: - Vocabulary

let levels: [StaticString] = ["DEBUG", "INFO ", "WARN ", "ERROR"]
let methods: [StaticString] = ["GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH"]
let paths: [(StaticString, Bool)] = [
  ("/api/v1/users/", true), ("/api/v1/orders/", true), ("/api/v1/products/", true), ("/api/v2/search", false),
  ("/api/v1/sessions", false), ("/healthz", false), ("/metrics", false), ("/api/v1/payments/", true),
  ("/static/js/app.", true), ("/api/v1/cart/", true),
]
let okStatus = [200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 409, 429]
let errorStatus = [500, 500, 502, 503, 503, 504]
let modules: [StaticString] = ["http", "http", "http", "db", "cache", "auth", "scheduler", "mailer", "payment", "search"]
let errorModules: [StaticString] = ["db", "payment", "http", "auth", "cache", "kafka"]
let names: [[UInt8]] = [
  "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar",
  "José Müller", "Zoë Lefèvre", "Jürgen Groß", "François Dupré", "Łukasz Wójcik", "Søren Kierkegård",
  "Björk Guðmundsdóttir", "Ñandú Peña", "Иван Петров", "Σοφία Παπαδοπούλου", "李雷", "山田太郎",
  "Nguyễn Văn Anh", "Çağla Şahin",
].map { Array($0.utf8) }
let tables: [StaticString] = ["users", "orders", "products", "payments", "sessions", "carts"]
let exceptions: [StaticString] = [
  "java.sql.SQLTimeoutException: query timed out after 30000ms",
  "java.net.SocketTimeoutException: Read timed out",
  "java.lang.IllegalStateException: connection pool exhausted",
  "com.example.payment.GatewayException: card declined (code=05)",
  "java.lang.NullPointerException: Cannot invoke \"User.getId()\" because \"user\" is null",
]
let frames: [StaticString] = [
  "com.example.db.Pool.acquire(Pool.java:211)", "com.example.db.Repository.find(Repository.java:88)",
  "com.example.http.Handler.handle(Handler.java:142)", "com.example.payment.Gateway.charge(Gateway.java:57)",
  "com.example.service.OrderService.place(OrderService.java:301)", "java.base/java.lang.Thread.run(Thread.java:833)",
]

// MARK: - Lines

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
  let z = days + 719_468
  let era = (z >= 0 ? z : z - 146_096) / 146_097
  let doe = z - era * 146_097
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
  let mp = (5 * doy + 2) / 153
  let day = doy - (153 * mp + 2) / 5 + 1
  let month = mp < 10 ? mp + 3 : mp - 9
  return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

func timestamp(_ sink: Sink, _ milliseconds: Int) {
  let seconds = milliseconds / 1000
  let date = civil(seconds / 86400)
  let time = seconds % 86400
  sink.number(date.year, width: 4); sink.add(UInt8(ascii: "-"))
  sink.number(date.month, width: 2); sink.add(UInt8(ascii: "-"))
  sink.number(date.day, width: 2); sink.add(UInt8(ascii: "T"))
  sink.number(time / 3600, width: 2); sink.add(UInt8(ascii: ":"))
  sink.number(time / 60 % 60, width: 2); sink.add(UInt8(ascii: ":"))
  sink.number(time % 60, width: 2); sink.add(UInt8(ascii: "."))
  sink.number(milliseconds % 1000, width: 3); sink.add("Z ")
}

func ip(_ sink: Sink, _ random: inout SplitMix64) {
  sink.number(random.pick([10, 10, 172, 192, 81, 203])); sink.add(UInt8(ascii: "."))
  sink.number(random.below(256)); sink.add(UInt8(ascii: "."))
  sink.number(random.below(256)); sink.add(UInt8(ascii: "."))
  sink.number(1 + random.below(254))
}

func line(_ sink: Sink, _ random: inout SplitMix64, clock: inout Int) {
  clock += random.below(40)
  timestamp(sink, clock)
  let roll = random.below(1000)
  let level = roll < 250 ? 0 : roll < 905 ? 1 : roll < 995 ? 2 : 3
  sink.add(levels[level]); sink.add(" [")
  if level == 3 {
    sink.add(random.pick(errorModules)); sink.add("] ")
    switch random.below(3) {
    case 0:
      sink.add(random.pick(methods)); sink.add(UInt8(ascii: " "))
      let path = random.pick(paths)
      sink.add(path.0)
      if path.1 { sink.number(random.below(100_000)) }
      sink.add(" status="); sink.number(random.pick(errorStatus))
      sink.add(" dur_ms="); sink.number(1000 + random.below(30_000))
      sink.add(" ip="); ip(sink, &random)
    case 1:
      sink.add("transaction rolled back table="); sink.add(random.pick(tables))
      sink.add(" user=\""); sink.add(random.pick(names)); sink.add("\" error=\"deadlock detected\"")
    default:
      sink.add("unhandled exception in worker-"); sink.number(random.below(64))
    }
    sink.add(" req="); sink.hex(random.next(), digits: 16); sink.add(UInt8(ascii: "\n"))
    if random.below(2) == 0 {
      sink.add("Exception in thread \"worker-"); sink.number(random.below(64)); sink.add("\" ")
      sink.add(random.pick(exceptions)); sink.add(UInt8(ascii: "\n"))
      for _ in 0..<(2 + random.below(4)) {
        sink.add("\tat "); sink.add(random.pick(frames)); sink.add(UInt8(ascii: "\n"))
      }
    }
    return
  }
  let module = random.pick(modules)
  sink.add(module); sink.add("] ")
  if module.utf8Start == modules[0].utf8Start || random.below(3) == 0 {
    sink.add(random.pick(methods)); sink.add(UInt8(ascii: " "))
    let path = random.pick(paths)
    sink.add(path.0)
    if path.1 { sink.number(random.below(100_000)) }
    sink.add(" status="); sink.number(level == 2 ? random.pick([404, 409, 429, 503]) : random.pick(okStatus))
    sink.add(" dur_ms="); sink.number(random.below(level == 2 ? 5000 : 400))
    sink.add(" ip="); ip(sink, &random)
  } else {
    switch random.below(6) {
    case 0:
      sink.add("query=SELECT * FROM "); sink.add(random.pick(tables))
      sink.add(" WHERE id=$1 rows="); sink.number(random.below(500))
      sink.add(" dur_ms="); sink.number(random.below(level == 2 ? 9000 : 120))
    case 1:
      sink.add("user login ok user=\""); sink.add(random.pick(names)); sink.add("\" uid=")
      sink.number(random.below(1_000_000)); sink.add(" ip="); ip(sink, &random)
    case 2:
      sink.add("cache "); sink.add(random.below(4) == 0 ? "miss" : "hit")
      sink.add(" key=product:"); sink.number(random.below(100_000))
    case 3:
      sink.add("job "); sink.number(random.below(1_000_000)); sink.add(" finished in ")
      sink.number(random.below(5000)); sink.add("ms, processed "); sink.number(random.below(10_000)); sink.add(" items")
    case 4:
      sink.add(level == 2 ? "user not found: name=\"" : "search query=\""); sink.add(random.pick(names))
      sink.add("\" hits="); sink.number(random.below(300))
    default:
      sink.add("payment authorized order="); sink.number(random.below(10_000_000))
      sink.add(" amount_cents="); sink.number(random.below(100_000)); sink.add(" currency=EUR")
    }
  }
  sink.add(" req="); sink.hex(random.next(), digits: 16); sink.add(UInt8(ascii: "\n"))
}

// MARK: - Main

var size = 300 << 20
var seed: UInt64 = 1
var outputPath: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--size":
    guard let value = arguments.next(), let parsed = parseSize(value) else { fatal("--size needs a size such as 300M") }
    size = parsed
  case "--seed":
    guard let value = arguments.next(), let parsed = UInt64(value) else { fatal("--seed needs a non-negative integer") }
    seed = parsed
  case "-h", "--help":
    print("usage: samplelog [--size SIZE] [--seed N] OUTPUT   (SIZE like 300M, 64K, 2G; OUTPUT - for stdout)")
    exit(0)
  default:
    guard outputPath == nil else { fatal("unexpected argument '\(argument)'") }
    outputPath = argument
  }
}
guard let outputPath else { fatal("usage: samplelog [--size SIZE] [--seed N] OUTPUT") }
let fd: Int32 = outputPath == "-" ? 1 : open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
if fd < 0 { fatal("cannot open \(outputPath): \(String(cString: strerror(errno)))") }

let sink = Sink(fd: fd, limit: size)
var random = SplitMix64(state: seed)
// 2026-11-26T00:00:00Z, plus up to a day chosen by the seed.
var clock = 1_795_651_200_000 + random.below(86_400_000)
while !sink.isFull {
  line(sink, &random, clock: &clock)
  sink.flush()
}
sink.flush(final: true)
if outputPath != "-" { close(fd) }
