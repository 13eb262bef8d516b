// swift-tools-version:6.1
// libFuzzer targets for the decoders that read untrusted bytes: sample batch frames, line
// protocol, JSON, remote_write and OTLP ingest bodies. The library sources are the main package's (symlinked), built
// here alone so that only they get the fuzzer and address-sanitizer instrumentation.
// Run with scripts/fuzz.
import PackageDescription

let package = Package(
    name: "WindrowFuzz",
    targets: [
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .target(name: "LZ4", dependencies: ["CLZ4"]),
        .target(name: "Model"),
        .target(name: "CCRC32C"),
        .target(name: "Codec", dependencies: ["CCRC32C"]),
        .target(name: "Aggregation", dependencies: ["Model", "Codec"]),
        .target(name: "Wire", dependencies: ["Model", "Codec", "Aggregation", "LZ4"]),
        .target(name: "Ingest", dependencies: ["Model", "Codec", "Wire"]),
        .executableTarget(name: "WindrowFuzz", dependencies: ["Codec", "Ingest", "Model", "Wire"]),
    ],
    swiftLanguageModes: [.v6]
)
