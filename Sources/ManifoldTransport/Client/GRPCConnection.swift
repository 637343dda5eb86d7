public import NIOCore
import ManifoldCore
public import NIOPosix
import Synchronization

/// One HTTP/2 connection to one gRPC server, carrying many concurrent calls.
///
/// Thread-safe: calls may start from any task; the nghttp2 work happens on the connection's
/// event loop.
public final class GRPCConnection: Sendable {
    /// Where the connection is in its life.
    public enum State: Sendable, Equatable {
        /// The socket is connected and the HTTP/2 session is running.
        case ready
        /// The server sent GOAWAY: calls in flight finish, new calls must go elsewhere.
        case draining
        case closed
    }

    /// The connection's settings.
    public struct Configuration: Sendable {
        public var connectTimeout: Duration = .seconds(5)
        /// Largest response message accepted, in bytes (gRPC's default is 4 MiB).
        public var maxResponseMessageSize = 4 << 20

        public init() {}

        public static let defaults = Configuration()
    }

    public let target: String
    private let channel: any Channel
    private let handler: NIOLoopBound<GRPCClientHandler>
    private let stateBox: StateBox
    private let nextCallID = Atomic<UInt64>(0)

    /// The connection's state; `ready` is the only one that takes new calls.
    public var state: State { stateBox.value }

    private init(target: String, channel: any Channel, handler: NIOLoopBound<GRPCClientHandler>, stateBox: StateBox) {
        self.target = target
        self.channel = channel
        self.handler = handler
        self.stateBox = stateBox
    }

    /// Connects to `host:port` and starts an HTTP/2 session (prior knowledge, no TLS).
    /// - Throws: `TransportError` UNAVAILABLE when the server cannot be reached.
    public static func connect(
        host: String,
        port: Int,
        configuration: Configuration = .defaults,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(TransportError) -> GRPCConnection {
        let target = "\(host):\(port)"
        let stateBox = StateBox()
        let handlerConfiguration = GRPCClientHandler.Configuration(maxResponseMessageSize: configuration.maxResponseMessageSize)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = GRPCClientHandler(authority: target, configuration: handlerConfiguration) { state in
                        stateBox.value = state
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: GRPCClientHandler.self), eventLoop: channel.eventLoop)
            }.get()
            return GRPCConnection(target: target, channel: channel, handler: handler, stateBox: stateBox)
        } catch {
            throw TransportError(.unavailable, "cannot connect to \(target): \(error)")
        }
    }

    /// Makes a unary call.
    ///
    /// Cancelling the calling task resets the call's stream (RST_STREAM CANCEL), so the
    /// backend stops too, and throws CANCELLED.
    /// - Throws: `TransportError` with the call's gRPC status.
    public func unary(_ request: GRPCUnaryRequest) async throws(TransportError) -> GRPCUnaryResponse {
        let callID = nextCallID.add(1, ordering: .relaxed).newValue
        let cancellation = CallCancellation()
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: GRPCUnaryResponse.self)
        let handler = self.handler
        eventLoop.execute {
            handler.value.startUnary(request, callID: callID, cancellation: cancellation, promise: promise)
        }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                cancellation.cancel()
                eventLoop.execute { handler.value.cancel(callID: callID) }
            }
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.internalError, "\(error)")
        }
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE.
    public func close() async {
        try? await channel.close()
    }

    /// The state, written on the event loop and read from anywhere.
    private final class StateBox: Sendable {
        private let storage = Mutex<State>(.ready)
        var value: State {
            get { storage.withLock { $0 } }
            set { storage.withLock { $0 = newValue } }
        }
    }
}
