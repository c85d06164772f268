// swift-tools-version: 6.0
// libFuzzer targets, and the Swift side of the CPython differential check (MmapDiff). They live in
// their own package so `swift test` at the root never builds them, and so the libraries carry no
// fuzz-only code. Build and run the fuzzers with `scripts/fuzz.sh [SECONDS]`, which builds each with
// `-sanitize=fuzzer,address` (each main.swift hands control to libFuzzer):
//   swift build --package-path Fuzz --scratch-path Fuzz/.build-fuzz --product FuzzRegex -Xswiftc -sanitize=fuzzer,address
//   Fuzz/.build-fuzz/debug/FuzzRegex Fuzz/Corpus/FuzzRegex -max_total_time=60
import PackageDescription

let package = Package(
  name: "swift-mapped-buffer-fuzz",
  dependencies: [
    .package(name: "swift-mapped-buffer", path: ".."),
  ],
  targets: [
    // Shared input decoding and checks (a library: libFuzzer's `main` is in neither target).
    .target(
      name: "FuzzSupport",
      dependencies: [.product(name: "ByteBuffer", package: "swift-mapped-buffer")]
    ),
    // Declares libFuzzer's LLVMFuzzerRunDriver (defined by the -sanitize=fuzzer runtime).
    .target(name: "CFuzzDriver"),
    // (a) Compile and match arbitrary patterns with arbitrary options on arbitrary bytes.
    .executableTarget(
      name: "FuzzRegex",
      dependencies: [
        "CFuzzDriver", "FuzzSupport",
        .product(name: "ByteBuffer", package: "swift-mapped-buffer"),
        .product(name: "MappedBuffer", package: "swift-mapped-buffer"),
        .product(name: "RegexSearch", package: "swift-mapped-buffer"),
      ]
    ),
    // Not a fuzz target: the differential check against pcre2ref and pcre2grep on real
    // text (scripts/regexdiff.sh builds it without sanitizers).
    .executableTarget(
      name: "RegexDiff",
      dependencies: [
        .product(name: "ByteBuffer", package: "swift-mapped-buffer"),
        .product(name: "MappedBuffer", package: "swift-mapped-buffer"),
        .product(name: "RegexSearch", package: "swift-mapped-buffer"),
      ]
    ),
    // (b) Random operation sequences on HeapByteBuffer and MappedByteBuffer side by side.
    .executableTarget(
      name: "FuzzBuffers",
      dependencies: [
        "CFuzzDriver", "FuzzSupport",
        .product(name: "ByteBuffer", package: "swift-mapped-buffer"),
        .product(name: "MappedBuffer", package: "swift-mapped-buffer"),
      ]
    ),
    // Not a fuzzer: the Swift side of scripts/python-mmap-diff.py (differential check against
    // CPython's mmap). Build it alone, without sanitizers:
    //   swift build --package-path Fuzz --scratch-path Fuzz/.build-diff --product MmapDiff
    // MmapScript.swift is a symlink to Tests/TestSupport/MmapScript.swift (the replay tests use it too).
    .executableTarget(
      name: "MmapDiff",
      dependencies: [
        .product(name: "ByteBuffer", package: "swift-mapped-buffer"),
        .product(name: "MappedBuffer", package: "swift-mapped-buffer"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
