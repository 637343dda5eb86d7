import ManifoldCore
public import NIOCore
public import NIOPosix

/// A gRPC server on the same nghttp2 framing as the client: unary and server-streaming
/// methods dispatched to Swift handlers. The fixture backends and the test suites use it.
public final class GRPCServer: Sendable {
    private let channel: any Channel

    /// The port it listens on (useful after binding port 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
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
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        GRPCServerConnectionHandler(methods: methods, maxRequestMessageSize: maxRequestMessageSize)
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
        return GRPCServer(channel: channel)
    }

    /// Stops listening; connections already open are closed with it.
    public func close() async {
        try? await channel.close()
    }
}
