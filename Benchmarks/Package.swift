// swift-tools-version: 6.1
// Benchmarks live in their own package so `swift test` at the root never builds them.
//   cd Benchmarks && swift package benchmark            (all suites)
//   ./compare.sh                                         (side by side with rg, grep, pcre2grep, ugrep)
import PackageDescription

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
        .product(name: "ByteBuffer", package: "swift-mapped-buffer"),
        .product(name: "MappedBuffer", package: "swift-mapped-buffer"),
        .product(name: "RegexSearch", package: "swift-mapped-buffer"),
      ],
      path: "Benchmarks/Throughput",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
