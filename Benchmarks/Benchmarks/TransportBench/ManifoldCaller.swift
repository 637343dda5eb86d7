import ManifoldTransport
import NIOCore

/// Manifold's client as the gateway uses it: one `GRPCBackendClient` for the backend, with
/// `connections` HTTP/2 connections to its one address, picked round robin.
struct ManifoldCaller: UnaryCaller {
    let client: GRPCBackendClient
    let request: GRPCRequest

    init(port: Int, connections: Int, requestSize: Int) {
        var configuration = GRPCBackendClient.Configuration()
        configuration.connectionsPerTarget = connections
        configuration.connection.idleTimeout = nil
        client = GRPCBackendClient(targets: [BackendTarget(host: "127.0.0.1", port: port)], configuration: configuration)
        request = GRPCRequest(path: BenchMethod.path, message: ByteBuffer(repeating: 0x62, count: requestSize))
    }

    func call() async throws {
        _ = try await client.unary(request)
    }

    func shutdown() async {
        await client.shutdown()
    }
}
