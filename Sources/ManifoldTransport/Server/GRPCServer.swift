import ManifoldCore
public import NIOCore
public import NIOPosix

/// A gRPC server on the same nghttp2 framing as the client: unary and server-streaming
/// methods dispatched to Swift handlers. The fixture backends and the test suites use it.
/// `shutdownGracefully` drains it; `close` stops it at once.
public final class GRPCServer: Sendable {
    private let channel: any Channel
    private let connections: OpenConnections

    /// The port it listens on (useful after binding port 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel, connections: OpenConnections) {
        self.channel = channel
        self.connections = connections
    }

    /// Binds `host:port` (0 picks a free port) and serves `methods`, keyed by
    /// `/package.Service/Method`. Other methods get UNIMPLEMENTED.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        methods: [String: GRPCServerHandler],
        maxRequestMessageSize: Int = 4 << 20,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> GRPCServer {
        let connections = OpenConnections()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        GRPCServerConnectionHandler(methods: methods, maxRequestMessageSize: maxRequestMessageSize)
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
        return GRPCServer(channel: channel, connections: connections)
    }

    /// Stops listening and closes every connection at once; calls in flight end.
    public func close() async {
        try? await channel.close()
        for connection in connections.all { try? await connection.close() }
    }

    /// Stops listening and lets calls in flight finish: each connection sends GOAWAY (the
    /// calls it already took go on, newer ones are refused, which tells a client to retry
    /// them elsewhere) and closes when its last call ends. Connections still busy after
    /// `grace` are closed anyway. Returns once every connection is closed.
    public func shutdownGracefully(grace: Duration = .seconds(30)) async {
        try? await channel.close()
        let open = connections.all
        for connection in open {
            connection.pipeline.fireUserInboundEventTriggered(GRPCServerConnectionHandler.Drain())
        }
        // Not a task group racing the two: a group waits for all its children, and waiting
        // for a close future cannot be cancelled.
        let deadline = Task {
            try await Task.sleep(for: grace)
            for connection in open { connection.close(promise: nil) }
        }
        for connection in open { try? await connection.closeFuture.get() }
        deadline.cancel()
    }
}

/// The accepted connections still open, for shutting them down.
private final class OpenConnections: Sendable {
    private let channels = Locked<[ObjectIdentifier: any Channel]>([:])

    var all: [any Channel] { channels.withLock { Array($0.values) } }

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.channels.withLock { $0.removeValue(forKey: key) }
        }
    }
}
