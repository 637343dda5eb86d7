public import NIOCore
import ManifoldCore
import Synchronization
public import NIOPosix

/// One HTTP/2 connection to one gRPC server, carrying many concurrent calls.
///
/// Thread-safe: calls may start from any task; the nghttp2 work happens on the connection's
/// event loop.
public final class GRPCConnection: Sendable {
    /// Where the connection is in its life.
    public enum State: UInt8, Sendable, Equatable {
        /// The socket is connected and the HTTP/2 session is running.
        case ready
        /// The server sent GOAWAY: calls in flight finish, new calls must go elsewhere.
        case draining
        case closed
    }

    /// Keepalive PINGs: a connection whose peer stops answering is closed, failing its calls
    /// with UNAVAILABLE, instead of waiting on a dead peer until each call's deadline.
    public struct Keepalive: Sendable {
        /// How often to PING.
        public var interval: Duration
        /// How long an answer may take before the connection is declared dead.
        public var timeout: Duration
        /// Whether to PING with no call in flight. Servers may answer frequent idle PINGs
        /// with GOAWAY ENHANCE_YOUR_CALM (grpc-core's default policy), so off by default.
        public var permitWithoutCalls: Bool

        public init(interval: Duration, timeout: Duration = .seconds(20), permitWithoutCalls: Bool = false) {
            self.interval = interval
            self.timeout = timeout
            self.permitWithoutCalls = permitWithoutCalls
        }
    }

    /// The connection's settings.
    public struct Configuration: Sendable {
        /// How long the TCP connect and the server's first SETTINGS may take together.
        public var connectTimeout: Duration = .seconds(5)
        /// Largest response message accepted, in bytes, after decompression (gRPC's
        /// default is 4 MiB). Larger ones fail the call with RESOURCE_EXHAUSTED.
        public var maxResponseMessageSize = 4 << 20
        /// How requests are compressed; nil sends them as they are. Responses in any
        /// encoding of `MessageCompression` are accepted whatever this says.
        public var compression: MessageCompression?
        public var keepalive: Keepalive?
        /// A connection with no call for this long is closed (GOAWAY, then close); the next
        /// call opens a new one. nil keeps it open.
        public var idleTimeout: Duration? = .seconds(300)
        public var userAgent = "manifold/0.1"
        /// TLS to the backend (see `BackendTLS.makeContext()`); nil is plaintext HTTP/2.
        public var tls: ClientTLSContext?
        var scheme: String { tls == nil ? "http" : "https" }
        var http2 = NGHTTP2Session.Settings()

        public init() {}

        public static let defaults = Configuration()
    }

    public let target: String
    private let channel: any Channel
    private let handler: NIOLoopBound<GRPCClientHandler>
    private let stateBox: StateBox

    /// The connection's state; `ready` is the only one that takes new calls.
    public var state: State { stateBox.value }

    private init(target: String, channel: any Channel, handler: NIOLoopBound<GRPCClientHandler>, stateBox: StateBox) {
        self.target = target
        self.channel = channel
        self.handler = handler
        self.stateBox = stateBox
    }

    enum Address: Sendable {
        case hostPort(String, Int)
        /// A resolved address of `host`, the name TLS checks.
        case socketAddress(SocketAddress, host: String)

        var host: String {
            switch self {
            case .hostPort(let host, _), .socketAddress(_, let host): host
            }
        }
    }

    static func authority(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Connects to `host:port` and starts an HTTP/2 session (prior knowledge, no TLS).
    /// Returns once the server's SETTINGS arrived, so the connection is known to speak HTTP/2.
    /// - Throws: `TransportError` UNAVAILABLE when the server cannot be reached, does not
    ///   answer within the connect timeout, or does not speak HTTP/2.
    public static func connect(
        host: String,
        port: Int,
        configuration: Configuration = .defaults,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(TransportError) -> GRPCConnection {
        do {
            return try await connect(to: .hostPort(host, port), authority: authority(host, port), configuration: configuration, on: group.any()).get()
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.unavailable, "\(error)", isRetrySafe: true)
        }
    }

    /// Connects and waits for the server's SETTINGS, all on one event loop: a connect never
    /// waits for a Swift concurrency thread, so its timeout holds however busy they are.
    /// - Parameter eventLoop: the loop the connection lives on, for its whole life.
    /// - Returns: a future failed with a retry-safe UNAVAILABLE when the connect fails.
    static func connect(
        to address: Address,
        authority: String,
        configuration: Configuration,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<GRPCConnection> {
        let stateBox = StateBox()
        let ready = eventLoop.makePromise(of: Void.self)
        // The initializer hands the handler over as it creates it: looking it up in the
        // pipeline later would race the connection closing.
        let created = eventLoop.makePromise(of: NIOLoopBound<GRPCClientHandler>.self)
        let timeout = TimeAmount.nanoseconds(configuration.connectTimeout.nanoseconds)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = GRPCClientHandler(authority: authority, configuration: configuration, ready: ready) { state in
                        stateBox.value = state
                    }
                    if let tls = configuration.tls {
                        try channel.pipeline.syncOperations.addHandler(try tls.makeHandler(host: address.host))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    created.succeed(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
        // One deadline for the TCP connect and the HTTP/2 preface together.
        let expiry = eventLoop.scheduleTask(in: timeout) {
            ready.fail(TransportError(.unavailable, "cannot connect to \(authority): no HTTP/2 SETTINGS within \(configuration.connectTimeout)"))
        }
        let connected: EventLoopFuture<any Channel> = switch address {
        case .hostPort(let host, let port): bootstrap.connect(host: host, port: port)
        case .socketAddress(let socketAddress, _): bootstrap.connect(to: socketAddress)
        }
        return connected
            .flatMapError { error in
                let failure = TransportError(.unavailable, "cannot connect to \(authority): \(error)", isRetrySafe: true)
                ready.fail(failure)
                created.fail(failure)
                return eventLoop.makeFailedFuture(failure)
            }
            .flatMap { channel in
                created.futureResult.and(ready.futureResult)
                    .map { handler, _ in GRPCConnection(target: authority, channel: channel, handler: handler, stateBox: stateBox) }
                    .flatMapError { error in
                        channel.close(promise: nil)
                        let reason = (error as? TransportError)?.message ?? "\(error)"
                        return eventLoop.makeFailedFuture(TransportError(.unavailable, reason, isRetrySafe: true))
                    }
            }
            .always { _ in expiry.cancel() }
    }

    /// Whether a call started now, from a task on this connection's event loop, would ride
    /// a write already queued for this loop turn; false from anywhere else.
    var canJoinQueuedWrite: Bool {
        channel.eventLoop.inEventLoop && handler.value.canJoinQueuedWrite
    }

    /// Makes a unary call.
    ///
    /// Cancelling the calling task resets the call's stream (RST_STREAM CANCEL), so the
    /// backend stops too, and throws CANCELLED.
    /// - Throws: `TransportError` with the call's gRPC status.
    nonisolated(nonsending) public func unary(_ request: GRPCRequest) async throws(TransportError) -> GRPCResponse {
        let call = CallHandle()
        let eventLoop = channel.eventLoop
        let handler = self.handler
        do {
            return try await withTaskCancellationHandler {
                // The handler resumes the continuation itself: a promise's future would need
                // one more event-loop task per call just to register the wait.
                try await withUnsafeThrowingContinuation { (response: UnsafeContinuation<GRPCResponse, any Error>) in
                    if eventLoop.inEventLoop {  // a task running on this loop (`EventLoopExecutor`)
                        handler.value.start(request, call: call, responder: .unary(response))
                    } else {
                        eventLoop.execute {
                            handler.value.start(request, call: call, responder: .unary(response))
                        }
                    }
                }
            } onCancel: {
                call.cancel()
                eventLoop.execute { handler.value.cancel(call) }
            }
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.internalError, "\(error)")
        }
    }

    /// Starts a server-streaming call; its messages arrive through the returned stream.
    public func serverStreaming(_ request: GRPCRequest) -> GRPCResponseStream {
        let call = CallHandle()
        let eventLoop = channel.eventLoop
        let handler = self.handler
        let (parts, continuation) = AsyncThrowingStream<ResponsePart, any Error>.makeStream()
        continuation.onTermination = { termination in
            // The reader stopped early (cancelled, or dropped the stream): reset the call.
            guard case .cancelled = termination else { return }
            call.cancel()
            eventLoop.execute { handler.value.cancel(call) }
        }
        eventLoop.execute {
            handler.value.start(request, call: call, responder: .stream(continuation))
        }
        return GRPCResponseStream(parts: parts) { wireBytes in
            eventLoop.execute { handler.value.consumed(call, wireBytes: wireBytes) }
        }
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE.
    public func close() async {
        try? await channel.close()
    }

    /// The state, written on the event loop and read from anywhere: by the balancer on every
    /// call, so an atomic rather than a lock.
    private final class StateBox: Sendable {
        private let storage = Atomic<UInt8>(State.ready.rawValue)
        var value: State {
            // Only `set` writes it, so the raw value is always a state's.
            get { State(rawValue: storage.load(ordering: .acquiring)) ?? .closed }
            set { storage.store(newValue.rawValue, ordering: .releasing) }
        }
    }
}
