// swift-tools-version: 6.0
import PackageDescription

var dependencies: [Package.Dependency] = [
  .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
]
// The DocC plugin only for scripts/docs.sh (which sets MMB_DOCS): packages that
// depend on this one never resolve it.
if Context.environment["MMB_DOCS"] != nil {
  dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"))
}

let package = Package(
  name: "swift-mapped-buffer",
  products: [
    .library(name: "ByteBuffer", targets: ["ByteBuffer"]),
    .library(name: "MappedBuffer", targets: ["MappedBuffer"]),
    .library(name: "RegexSearch", targets: ["RegexSearch"]),
    .library(name: "LogFollow", targets: ["LogFollow"]),
    .executable(name: "mmgrep", targets: ["mmgrep"]),
  ],
  dependencies: dependencies,
  targets: [
    .systemLibrary(
      name: "CPCRE2",
      pkgConfig: "libpcre2-8",
      providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]
    ),
    // Bulk scans of mapped memory under a SIGBUS guard (needs sigsetjmp: C only).
    .target(name: "CScanGuard"),
    .target(
      name: "ByteBuffer",
      dependencies: ["CScanGuard", .product(name: "SystemPackage", package: "swift-system")]
    ),
    .target(
      name: "MappedBuffer",
      dependencies: ["ByteBuffer", "CScanGuard", .product(name: "SystemPackage", package: "swift-system")]
    ),
    .target(name: "RegexSearch", dependencies: ["ByteBuffer", "CPCRE2", "CScanGuard"]),
    // Follows growing log files (tail -F): maps only what grew, searches it with RegexSearch.
    .target(name: "LogFollow", dependencies: ["ByteBuffer", "MappedBuffer", "RegexSearch", "CScanGuard"]),
    .executableTarget(
      name: "mmgrep",
      dependencies: [
        "CScanGuard",
        "ByteBuffer", "MappedBuffer", "RegexSearch", "LogFollow",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    // Writes the deterministic sample log the README's first command searches.
    .executableTarget(name: "samplelog", path: "Sources/samplelog"),
    .target(
      name: "TestSupport",
      dependencies: ["ByteBuffer", "MappedBuffer", .product(name: "SystemPackage", package: "swift-system")],
      path: "Tests/TestSupport"
    ),
    .testTarget(name: "ByteBufferTests", dependencies: ["ByteBuffer", "MappedBuffer", "TestSupport"]),
    .testTarget(name: "MappedBufferTests", dependencies: ["ByteBuffer", "MappedBuffer", "TestSupport"]),
    .testTarget(name: "RegexSearchTests", dependencies: ["RegexSearch", "ByteBuffer", "MappedBuffer", "TestSupport"]),
    .testTarget(name: "LogFollowTests", dependencies: ["LogFollow", "RegexSearch", "TestSupport"]),
    .testTarget(name: "mmgrepTests", dependencies: ["TestSupport"], exclude: ["Fixtures"]),
    // Examples/EndpointStats (README "Example: endpoint statistics"): targets only, no products.
    .target(
      name: "EndpointStats", dependencies: ["ByteBuffer", "RegexSearch"],
      path: "Examples/EndpointStats/Sources/EndpointStats"
    ),
    .executableTarget(
      name: "endpoint-stats", dependencies: ["EndpointStats", "MappedBuffer"],
      path: "Examples/EndpointStats/Sources/endpoint-stats"
    ),
    .testTarget(
      name: "EndpointStatsTests", dependencies: ["EndpointStats", "ByteBuffer", "RegexSearch"],
      path: "Examples/EndpointStats/Tests/EndpointStatsTests"
    ),
  ],
  swiftLanguageModes: [.v6]
)
