import ManifoldTransport
import NIOCore
import NIOPosix

/// Manifold's client: one `GRPCBackendClient` for the backend, with `connections` HTTP/2
/// connections to its one address, picked round robin.
///
/// With `onEventLoop`, as the gateway calls it: the client has one event-loop thread and the
/// calling tasks run on it (`EventLoopExecutor`), so the calls ride that loop's own
/// connections and none crosses threads (h2load, too, runs everything on one thread).
/// Without it, the calls run on the Swift concurrency pool and ride the shared connections,
/// on the default event-loop group: each call crosses threads twice.
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
