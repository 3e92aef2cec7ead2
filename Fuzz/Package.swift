// swift-tools-version:6.0
//
// libFuzzer target on the safetensors codec, a package of its own so the
// main package's `swift build` never sees the sanitizer flags. The
// Safetensors sources are the main package's own (Sources/Safetensors is a
// symbolic link to ../../Sources/Safetensors): same code, no copy, and no
// dependency resolution. Build and run through `make fuzz-codec`.
import PackageDescription

let package = Package(
  name: "FuzzCodec",
  targets: [
    .target(name: "Safetensors", exclude: ["README.md"]),
    // No main.swift and -parse-as-library: libFuzzer supplies main().
    .executableTarget(
      name: "FuzzCodec", dependencies: ["Safetensors"],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
  ]
)
