// swift-tools-version:6.1
import PackageDescription

/// Settings every Manifold target builds with (see docs/STYLE.md of the team).
let manifoldSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "manifold",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "manifold", targets: ["manifold"]),
        // Libraries for the benchmark package (Benchmarks/) and embedders.
        .library(name: "ManifoldCore", targets: ["ManifoldCore"]),
        .library(name: "ManifoldSchema", targets: ["ManifoldSchema"]),
        .library(name: "ManifoldTransport", targets: ["ManifoldTransport"]),
        .library(name: "ManifoldCompose", targets: ["ManifoldCompose"]),
        .library(name: "ManifoldGateway", targets: ["ManifoldGateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // One glibc function Swift cannot see (`posix_spawn_file_actions_addclosefrom_np`).
        .target(name: "CSpawn"),
        .target(
            name: "ManifoldCore",
            dependencies: ["CSpawn"],
            swiftSettings: manifoldSettings
        ),
        .target(
            name: "ManifoldSchema",
            dependencies: [
                "CProtobufC",
                "ManifoldCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: manifoldSettings
        ),
        .target(
            name: "ManifoldTransport",
            dependencies: [
                "CNGHTTP2",
                "ManifoldCore",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: manifoldSettings
        ),
        .target(
            name: "ManifoldCompose",
            dependencies: ["ManifoldCore"],
            swiftSettings: manifoldSettings
        ),
        .target(
            name: "ManifoldGateway",
            dependencies: [
                "ManifoldCore",
                "ManifoldSchema",
                "ManifoldTransport",
                "ManifoldCompose",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: manifoldSettings
        ),
        .executableTarget(
            name: "manifold",
            dependencies: [
                "ManifoldGateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: manifoldSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "ManifoldCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: manifoldSettings
        ),
        .testTarget(
            name: "ManifoldCoreTests",
            dependencies: ["ManifoldCore"],
            swiftSettings: manifoldSettings
        ),
        .testTarget(
            name: "ManifoldComposeTests",
            dependencies: ["ManifoldCompose", "ManifoldCore", "TestSupport"],
            swiftSettings: manifoldSettings
        ),
        .testTarget(
            name: "ManifoldSchemaTests",
            dependencies: ["ManifoldSchema", "ManifoldCore", "TestSupport"],
            swiftSettings: manifoldSettings
        ),
        .testTarget(
            name: "ManifoldTransportTests",
            dependencies: [
                "ManifoldTransport", "ManifoldSchema", "ManifoldCore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: manifoldSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ManifoldGateway", "ManifoldTransport", "ManifoldCore", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: manifoldSettings
        ),
    ]
)
