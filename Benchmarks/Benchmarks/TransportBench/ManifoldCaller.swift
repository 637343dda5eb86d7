import ManifoldTransport
import NIOCore
import NIOPosix

/// Manifold's client as the gateway uses it: one `GRPCBackendClient` for the backend, with
/// `connections` HTTP/2 connections to its one address, picked round robin.
///
/// With `onEventLoop`, the client has one event-loop thread and the calling tasks run on it
/// (`EventLoopExecutor`), as h2load runs its calls on its one thread: no call crosses threads.
/// Without it, the calls run on the Swift concurrency pool and the connections on the
/// default event-loop group.
struct ManifoldCaller: UnaryCaller {
    let client: GRPCBackendClient
    let request: GRPCRequest
    let executor: (any TaskExecutor)?

    init(port: Int, connections: Int, requestSize: Int, onEventLoop: Bool) {
        var configuration = GRPCBackendClient.Configuration()
        configuration.connectionsPerTarget = connections
        configuration.connection.idleTimeout = nil
        let target = BackendTarget(host: "127.0.0.1", port: port)
        if onEventLoop {
            let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            client = GRPCBackendClient(targets: [target], configuration: configuration, group: loop)
            executor = EventLoopExecutor(loop.next())
        } else {
            client = GRPCBackendClient(targets: [target], configuration: configuration)
            executor = nil
        }
        request = GRPCRequest(path: BenchMethod.path, message: ByteBuffer(repeating: 0x62, count: requestSize))
    }

    nonisolated(nonsending) func call() async throws {
        _ = try await client.unary(request)
    }

    func shutdown() async {
        await client.shutdown()
    }
}
