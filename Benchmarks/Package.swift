// swift-tools-version: 6.1
// Benchmarks live in their own package so `swift test` at the root never builds them.
//   cd Benchmarks && swift package benchmark            (all suites)
//   ./compare.sh                                         (side by side with rg, grep, pcre2grep, ugrep)
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name (the clone may not be called
// "swift-mapped-buffer").
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
  name: "swift-mapped-buffer-benchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(path: ".."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "Throughput",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "ByteBuffer", package: root),
        .product(name: "MappedBuffer", package: root),
        .product(name: "RegexSearch", package: root),
      ],
      path: "Benchmarks/Throughput",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
