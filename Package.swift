// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Windrow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "windrow", targets: ["windrow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // C libraries, each behind one thin system-library module.
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CMalloc"),

        // Safe Swift wrappers: the only modules that import C.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "LZ4", dependencies: ["CLZ4"]),
        .target(name: "Zlib", dependencies: ["CZlib"]),
        .target(name: "Snappy", dependencies: ["CSnappy"]),
        .target(name: "Transport", dependencies: ["ZeroMQ", "Auth"]),

        // Pure layers: no sockets, files, clocks or HTTP.
        .target(name: "Model"),
        .target(name: "CCRC32C"),
        .target(name: "Codec", dependencies: ["CCRC32C"]),
        .target(name: "Aggregation", dependencies: ["Model", "Codec"]),
        .target(name: "Wire", dependencies: ["Model", "Codec", "Aggregation", "LZ4"]),
        .target(name: "ClusterCore", dependencies: ["Model", "Aggregation", "Codec", "Wire", "Ingest"]),
        .target(name: "Ingest", dependencies: ["Model", "Codec", "Wire"]),
        .target(name: "PromQL", dependencies: ["Model", "Aggregation"]),
        .target(name: "Auth"),

        // Process plumbing shared by the roles: env defaults, loop threads, status routes.
        .target(
            name: "Runtime",
            dependencies: [
                "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The roles, each a service over the layers below.
        .target(name: "ClusterClient", dependencies: ["ClusterCore", "Codec", "Ingest", "Transport", "Model", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Mapper", dependencies: ["Auth", "ClusterClient", "ClusterCore", "Storage", "Transport", "Runtime", "Wire", "Codec"]),
        .target(name: "Reducer", dependencies: ["ClusterClient", "ClusterCore", "Storage", "Transport", "Runtime", "Wire"]),
        .target(name: "Coordinator", dependencies: ["ClusterClient", "ClusterCore", "Storage", "Transport", "Runtime"]),
        .target(
            name: "Front",
            dependencies: [
                "Auth", "ClusterClient", "ClusterCore", "Codec", "Ingest", "PromQL", "Transport", "Runtime", "Snappy", "Wire", "Zlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // The page and the OpenAPI document, compiled into the binary.
            resources: [.embedInCode("Resources/index.html"), .embedInCode("Resources/openapi.json")]
        ),
        .target(name: "Supervisor", dependencies: ["Auth", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Producer", dependencies: ["ClusterClient", "ClusterCore", "Transport", "Wire"]),

        // Files on disk.
        .target(name: "Storage", dependencies: ["Model", "Codec", "Aggregation", "Wire", "LZ4"]),

        // Executables: thin layers over the libraries.
        .executableTarget(
            name: "windrow",
            dependencies: [
                "Aggregation", "Auth", "ClusterClient", "ClusterCore", "Coordinator", "Front", "Mapper", "Model", "Producer", "Reducer", "Runtime",
                "Storage", "Supervisor", "Transport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "windrow-bench",
            dependencies: ["Model", "Aggregation", "Ingest", "Wire", "Storage", "ZeroMQ", "LZ4"]
        ),

        // Tests: one target per module, plus shared helpers (seeded randomness, exact sums).
        .target(name: "TestSupport", dependencies: ["Model"], path: "Tests/TestSupport"),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "LZ4Tests", dependencies: ["LZ4", "TestSupport"]),
        .testTarget(name: "ZlibTests", dependencies: ["Zlib"]),
        .testTarget(name: "SnappyTests", dependencies: ["Snappy", "TestSupport"]),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "Aggregation", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "TestSupport"]),
        .testTarget(name: "CodecTests", dependencies: ["Codec", "TestSupport"]),
        .testTarget(name: "AggregationTests", dependencies: ["Aggregation", "TestSupport"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Aggregation", "Codec", "Model", "Wire", "TestSupport"]),
        .testTarget(name: "ClusterCoreTests", dependencies: ["ClusterCore", "Ingest", "TestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Codec", "Model", "Wire", "TestSupport"]),
        .testTarget(name: "AuthTests", dependencies: ["Auth"]),
        .testTarget(name: "ReducerTests", dependencies: ["Reducer", "Storage", "Model", "TestSupport"]),
        .testTarget(name: "ClusterTests", dependencies: ["windrow", "ClusterClient", "ClusterCore", "Supervisor", "Transport", "Wire", "ZeroMQ", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
