// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the gateway's build and tests never compile
// package-benchmark or swift-protobuf. Run from this folder:
//   swift package --disable-sandbox benchmark --target CodecBenchmarks
let package = Package(
    name: "manifold-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named so the identity does not depend on the folder the repository is cloned into.
        .package(name: "manifold", path: "../"),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        // The transport benchmark's peer client, its load generator's CLI and percentiles.
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // swift-protobuf's generated code for Protos/bench/v1/order.proto: the peer the codec
        // is measured against. Generated once with protoc-gen-swift and committed.
        .target(
            name: "BenchProtos",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/BenchProtos"
        ),
        // The JSON of the small, medium and large messages, shared by the two codec targets.
        .target(name: "BenchMessages", path: "Sources/BenchMessages"),
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                "BenchMessages",
                "BenchProtos",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "ManifoldCore", package: "manifold"),
                .product(name: "ManifoldSchema", package: "manifold"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // One codec operation in a loop, for perf and callgrind (instructions per message).
        .executableTarget(
            name: "CodecLoop",
            dependencies: [
                "BenchMessages",
                "BenchProtos",
                .product(name: "ManifoldCore", package: "manifold"),
                .product(name: "ManifoldSchema", package: "manifold"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/CodecLoop",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "ComposeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "ManifoldCore", package: "manifold"),
                .product(name: "ManifoldCompose", package: "manifold"),
            ],
            path: "Benchmarks/ComposeBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // A load generator, not a package-benchmark suite: closed-loop calls at a set
        // concurrency, run by scripts/transport.sh beside h2load.
        .executableTarget(
            name: "TransportBench",
            dependencies: [
                .product(name: "ManifoldTransport", package: "manifold"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/TransportBench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
