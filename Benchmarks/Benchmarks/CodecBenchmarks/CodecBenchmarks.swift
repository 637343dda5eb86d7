import BenchMessages
import BenchProtos
import Benchmark
import Foundation
import ManifoldCore
import ManifoldSchema
import SwiftProtobuf

/// JSON -> binary and binary -> JSON for three message sizes, Manifold's runtime codec
/// (protobuf-c with descriptors built at runtime) side by side with swift-protobuf's
/// generated code for the same messages. Both start from JSON text and end at JSON text.
let benchmarks: @Sendable () -> Void = {
    // Warm-up: the first benchmark of a run measured up to 2x slow with package-benchmark's
    // single warm-up iteration (2026-12-05: JSON->binary small at 4.1-4.4 µs when first,
    // 2.1-2.2 µs otherwise).
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 20,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let schema: Schema
    do {
        schema = try Schema.load(protoRoots: [BenchMessages.protoRoot])
    } catch {
        fatalError("bench protos must compile: \(error)")
    }
    let codec = ProtoJSONCodec(schema: schema)

    for (size, json, type) in [
        ("small", BenchMessages.small, "bench.v1.Ping"),
        ("medium", BenchMessages.medium, "bench.v1.Order"),
        ("large", BenchMessages.large, "bench.v1.Order"),
    ] {
        let jsonBytes = Array(json.utf8)
        let binary = try! jsonBytes.withUnsafeBytes { try codec.encodeText($0, messageNamed: type) }
        // Both of Manifold's paths must agree with each other and with swift-protobuf.
        precondition(binary == (try! codec.encode(try! JSONParser.parse(jsonBytes), messageNamed: type)))
        precondition(
            type == "bench.v1.Ping"
                ? (try! Bench_V1_Ping(serializedBytes: binary)) == (try! Bench_V1_Ping(jsonUTF8Bytes: jsonBytes))
                : (try! Bench_V1_Order(serializedBytes: binary)) == (try! Bench_V1_Order(jsonUTF8Bytes: jsonBytes)),
            "swift-protobuf reads Manifold's \(size) binary as a different message"
        )
        print("\(size): \(binary.count) bytes of protobuf, \(jsonBytes.count) bytes of JSON")
        let scale: BenchmarkScalingFactor = size == "large" ? .one : .kilo

        Benchmark("JSON->binary \(size) Manifold", configuration: .init(scalingFactor: scale)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try jsonBytes.withUnsafeBytes { try codec.encodeText($0, messageNamed: type) })
            }
        }
        // The gateway's path: the body parsed to a tree (templates read it), then encoded.
        Benchmark("JSON->binary \(size) Manifold via tree", configuration: .init(scalingFactor: scale)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try codec.encode(try JSONParser.parse(jsonBytes), messageNamed: type))
            }
        }
        Benchmark("JSON->binary \(size) swift-protobuf", configuration: .init(scalingFactor: scale)) { benchmark in
            for _ in benchmark.scaledIterations {
                if type == "bench.v1.Ping" {
                    blackHole(try Bench_V1_Ping(jsonUTF8Bytes: jsonBytes).serializedBytes() as [UInt8])
                } else {
                    blackHole(try Bench_V1_Order(jsonUTF8Bytes: jsonBytes).serializedBytes() as [UInt8])
                }
            }
        }
        Benchmark("binary->JSON \(size) Manifold", configuration: .init(scalingFactor: scale)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try binary.withUnsafeBytes { try codec.decodeText($0, messageNamed: type) })
            }
        }
        // The gateway's path: decoded to a tree (templates and JMESPath read it), then written.
        Benchmark("binary->JSON \(size) Manifold via tree", configuration: .init(scalingFactor: scale)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(JSONWriter.bytes(try binary.withUnsafeBytes { try codec.decode($0, messageNamed: type) }))
            }
        }
        Benchmark("binary->JSON \(size) swift-protobuf", configuration: .init(scalingFactor: scale)) { benchmark in
            for _ in benchmark.scaledIterations {
                if type == "bench.v1.Ping" {
                    blackHole(try Bench_V1_Ping(serializedBytes: binary).jsonUTF8Bytes() as [UInt8])
                } else {
                    blackHole(try Bench_V1_Order(serializedBytes: binary).jsonUTF8Bytes() as [UInt8])
                }
            }
        }
    }
}
