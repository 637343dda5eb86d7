import BenchMessages
import BenchProtos
import Foundation
import ManifoldCore
import ManifoldSchema
import SwiftProtobuf

// One codec operation in a loop, for profilers: `perf record` for where the time goes and
// `valgrind --tool=callgrind` for instruction counts per message that a noisy machine cannot
// blur. Run it twice with different counts and divide the difference by the extra
// iterations; that cancels the schema load and the process start. Under valgrind protoc
// cannot be started, so pass the protos compiled beforehand (`protoc -o`) as the last argument.
//
//   CodecLoop <encode|decode> <small|medium|large> <manifold|tree|swift-protobuf> <iterations> [descriptor-set]
let arguments = CommandLine.arguments
guard arguments.count == 5 || arguments.count == 6, let iterations = Int(arguments[4]),
    ["encode", "decode"].contains(arguments[1]),
    ["manifold", "tree", "swift-protobuf"].contains(arguments[3])
else {
    FileHandle.standardError.write(Data("usage: CodecLoop <encode|decode> <small|medium|large> <manifold|tree|swift-protobuf> <iterations> [descriptor-set]\n".utf8))
    exit(2)
}
let (json, type): (String, String) =
    switch arguments[2] {
    case "small": (BenchMessages.small, "bench.v1.Ping")
    case "medium": (BenchMessages.medium, "bench.v1.Order")
    default: (BenchMessages.large, "bench.v1.Order")
    }
let codec = ProtoJSONCodec(
    schema: arguments.count == 6
        ? try Schema.load(protoRoots: [], descriptorSetFiles: [arguments[5]])
        : try Schema.load(protoRoots: [BenchMessages.protoRoot]))
let jsonBytes = Array(json.utf8)
let binary = try jsonBytes.withUnsafeBytes { try codec.encodeText($0, messageNamed: type) }

var outputBytes = 0
for _ in 0..<iterations {
    let output: [UInt8]
    switch (arguments[1], arguments[3]) {
    case ("encode", "manifold"):
        output = try jsonBytes.withUnsafeBytes { try codec.encodeText($0, messageNamed: type) }
    case ("encode", "tree"):
        output = try codec.encode(try JSONParser.parse(jsonBytes), messageNamed: type)
    case ("encode", _):
        output =
            type == "bench.v1.Ping"
            ? try Bench_V1_Ping(jsonUTF8Bytes: jsonBytes).serializedBytes()
            : try Bench_V1_Order(jsonUTF8Bytes: jsonBytes).serializedBytes()
    case (_, "manifold"):
        output = try binary.withUnsafeBytes { try codec.decodeText($0, messageNamed: type) }
    case (_, "tree"):
        output = JSONWriter.bytes(try binary.withUnsafeBytes { try codec.decode($0, messageNamed: type) })
    default:
        output =
            type == "bench.v1.Ping"
            ? try Bench_V1_Ping(serializedBytes: binary).jsonUTF8Bytes()
            : try Bench_V1_Order(serializedBytes: binary).jsonUTF8Bytes()
    }
    outputBytes &+= output.count
}
print("\(iterations) iterations, \(outputBytes) bytes out")
