import ArgumentParser

/// The transport benchmark: a gRPC echo server on Manifold's server role, and a closed-loop
/// load generator that drives it with Manifold's client or grpc-swift-2's. `h2load` is the
/// third client; `Benchmarks/scripts/transport.sh` runs all three side by side.
@main
struct TransportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport-bench",
        abstract: "Unary gRPC calls per second and latency: Manifold vs grpc-swift-2.",
        subcommands: [Serve.self, Load.self]
    )
}

/// The one method every client calls.
enum BenchMethod {
    static let service = "bench.Echo"
    static let method = "Unary"
    static let path = "/\(service)/\(method)"
}
