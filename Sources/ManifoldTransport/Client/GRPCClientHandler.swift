import ManifoldCore
import NIOCore
import NIOSSL
import NIOTLS

/// Runs gRPC calls over one HTTP/2 connection, with nghttp2 doing the framing.
///
/// Lifetime and threading: lives in one channel's pipeline and is touched only on that
/// channel's event loop; `GRPCConnection` reaches it through `NIOLoopBound`. Only Sendable
/// values (`ByteBuffer`, header lists, `TransportError`) leave it, through each call's
/// continuation. Its hot state is `@exclusivity(unchecked)` for the reason `NGHTTP2Session`
/// gives: one thread, and no access spans a call that could reach the same state again.
final class GRPCClientHandler: ChannelInboundHandler, FlushBatching {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Where a call's answer goes.
    enum Responder {
        /// Resumed exactly once: the stream leaves `streams` as it completes, and a call
        /// that never got a stream is failed on the spot. Unchecked, as the call path is
        /// hot and a checked continuation costs an allocation and atomics per call; the
        /// interop and fault suites run every way a call can end.
        case unary(UnsafeContinuation<GRPCResponse, any Error>)
        case stream(AsyncThrowingStream<ResponsePart, any Error>.Continuation)
    }

    /// One call in flight. A class: the handler reads and updates it several times per
    /// frame, and a struct in the dictionary would be copied whole on every read.
    final class Stream {
        let responder: Responder
        @exclusivity(unchecked) var headers: [HeaderField]?
        @exclusivity(unchecked) var trailers: [HeaderField]?
        @exclusivity(unchecked) var deframer: MessageDeframer?
        /// A unary call's one message.
        @exclusivity(unchecked) var message: ByteBuffer?
        /// DATA bytes received, and those already returned to the stream's window.
        @exclusivity(unchecked) var receivedBytes = 0
        @exclusivity(unchecked) var creditedBytes = 0
        /// Wire bytes of messages handed to a stream reader who has not taken them yet.
        @exclusivity(unchecked) var queuedBytes = 0
        /// Set when we ended the stream ourselves (deadline, cancel, bad data): the status
        /// the caller sees, whatever the stream close says.
        @exclusivity(unchecked) var localFailure: TransportError?
        @exclusivity(unchecked) var deadline: Scheduled<Void>?

        init(responder: Responder) {
            self.responder = responder
        }
    }

    let authority: String
    let configuration: GRPCConnection.Configuration
    /// The request headers every call on this connection sends after its `:path`; the
    /// session lays them out once for nghttp2.
    private let fixedHeaders: [HeaderField]
    private let onStateChange: @Sendable (GRPCConnection.State) -> Void
    /// Completed by the server's first SETTINGS (or the connection's end), once.
    private let ready: EventLoopPromise<Void>
    private var isReady = false
    @exclusivity(unchecked) private var session: NGHTTP2Session?
    @exclusivity(unchecked) private(set) var context: ChannelHandlerContext?
    /// The channel's allocator, kept: reading it from the channel takes a lock each time.
    private var allocator = ByteBufferAllocator()
    @exclusivity(unchecked) var streams = StreamTable<Stream>()
    /// Set once the connection takes no new calls, with the reason.
    @exclusivity(unchecked) private var closedReason: TransportError?
    private var keepaliveTimer: RepeatedTask?
    private var pingTimeout: Scheduled<Void>?
    @exclusivity(unchecked) private var idleTimer: Scheduled<Void>?
    @exclusivity(unchecked) var flushBatch = FlushBatch()
    /// Calls started between flushes, at most. Unbounded batches leave the server idle
    /// while a burst of calls is made and this loop idle while the server answers them; a
    /// flush every 32 keeps both busy (measured in `Benchmarks/README.md`: 256 calls in
    /// flight on one connection went from about 60,000 to 70,000 calls/s).
    static let flushBatchLimit = 32

    init(
        authority: String,
        configuration: GRPCConnection.Configuration,
        ready: EventLoopPromise<Void>,
        onStateChange: @escaping @Sendable (GRPCConnection.State) -> Void
    ) {
        self.authority = authority
        self.configuration = configuration
        // Pseudo-headers may come in any order as long as they come first, so all but
        // :path are fixed too.
        var fixed = [
            HeaderField(":method", "POST"),
            HeaderField(":scheme", configuration.scheme),
            HeaderField(":authority", authority),
            HeaderField("content-type", "application/grpc"),
            HeaderField("te", "trailers"),
            HeaderField("user-agent", configuration.userAgent),
            HeaderField("grpc-accept-encoding", MessageCompression.acceptHeader),
        ]
        if let compression = configuration.compression { fixed.append(HeaderField("grpc-encoding", compression.rawValue)) }
        self.fixedHeaders = fixed
        self.ready = ready
        self.onStateChange = onStateChange
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        if context.channel.isActive { startSession(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startSession(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        do {
            try session.receive(unwrapInboundIn(data), handle: handle)
        } catch {
            closeConnection(error)
        }
    }

    /// One write for everything this read burst produced (window updates, acks, resets).
    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        shutDown(closedReason ?? TransportError(.unavailable, "connection to \(authority) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let what = error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError ? "TLS with" : "connection to"
        closeConnection(TransportError(.unavailable, "\(what) \(authority) failed: \(error)"))
    }

    /// gRPC over TLS is HTTP/2 chosen by ALPN; a server that picks anything else (or
    /// nothing) is not speaking gRPC, whatever it would answer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let negotiated) = event as? TLSUserEvent, negotiated != "h2" {
            closeConnection(TransportError(.unavailable, "TLS with \(authority) did not negotiate h2 (ALPN: \(negotiated ?? "none"))"))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shutDown(TransportError(.unavailable, "connection to \(authority) closed"))
        self.context = nil
    }

    private func startSession(context: ChannelHandlerContext) {
        guard session == nil, closedReason == nil else { return }
        do {
            session = try NGHTTP2Session(role: .client, settings: configuration.http2, allocator: allocator, requestHeaders: fixedHeaders)
        } catch {
            closeConnection(error)
            return
        }
        startKeepalive(context: context)
        flush()  // the connection preface and our SETTINGS
    }

    // MARK: - Calls

    /// Whether a call started now would go out in a write already queued for this loop
    /// turn, on a stream the peer allows at once.
    var canJoinQueuedWrite: Bool {
        guard flushBatch.queued, let session, closedReason == nil else { return false }
        return streams.count < Int(session.remoteMaxConcurrentStreams)
    }

    /// Starts a call; `responder` hears how it ends, however it ends.
    func start(_ request: GRPCRequest, call: CallHandle, responder: Responder) {
        guard let session, let context, closedReason == nil else {
            // Nothing was sent, so the pool may try another connection.
            Self.fail(responder, (closedReason ?? TransportError(.unavailable, "connection to \(authority) is not open")).retrySafe())
            return
        }
        guard !call.isCancelled else {
            Self.fail(responder, TransportError(.cancelled, "call cancelled"))
            return
        }
        let streamID: Int32
        do {
            let extraHeaders = try requestHeaders(for: request)
            let (prefix, payload) = try MessageFramer.prefixed(request.message, compression: configuration.compression, allocator: allocator)
            streamID = try session.submitRequest(path: request.path, extraHeaders: extraHeaders, prefix: prefix, body: payload)
        } catch {
            Self.fail(responder, error)
            return
        }
        let stream = Stream(responder: responder)
        if let timeout = request.timeout {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            stream.deadline = context.eventLoop.scheduleTask(in: .nanoseconds((timeout - request.spent).nanoseconds)) {
                bound.value.endLocally(streamID: streamID, with: TransportError(.deadlineExceeded, "no response within \(timeout)"))
            }
        }
        streams[streamID] = stream
        call.started(on: streamID)
        idleTimer?.cancel()
        idleTimer = nil
        flushSoon()
    }

    /// The request headers of this call beyond `:path` and `fixedHeaders`: its deadline and
    /// metadata. Usually none, and then no array is allocated.
    private func requestHeaders(for request: GRPCRequest) throws(TransportError) -> [HeaderField] {
        var headers: [HeaderField] = []
        if let timeout = request.timeout {
            headers.append(HeaderField("grpc-timeout", GRPCStatusMapping.timeoutHeader(timeout - request.spent)))
        }
        for field in request.metadata {
            if let problem = MetadataRules.problem(with: field) { throw TransportError(.internalError, problem) }
            headers.append(field)
        }
        return headers
    }

    /// Cancels a call: resets its stream so the backend stops working on it too.
    func cancel(_ call: CallHandle) {
        guard let streamID = call.streamID else { return }
        endLocally(streamID: streamID, with: TransportError(.cancelled, "call cancelled"))
    }

    /// A stream reader took a message: return its bytes to the stream's window.
    func consumed(_ call: CallHandle, wireBytes: Int) {
        guard let streamID = call.streamID, let stream = streams[streamID] else { return }
        stream.queuedBytes -= wireBytes
        credit(stream, streamID: streamID)
        flush()
    }

    /// Resets a stream with CANCEL and records what the caller will see once it closes.
    func endLocally(streamID: Int32, with failure: TransportError) {
        guard let stream = streams[streamID], stream.localFailure == nil else { return }
        stream.localFailure = failure
        session?.resetStream(streamID, errorCode: 0x8)
        flush()
    }

    // MARK: - Session events

    private func handle(_ event: HTTP2SessionEvent) {
        switch event {
        case .headers(let streamID, let kind, let fields):
            guard let stream = streams[streamID] else { return }
            if kind == .response, stream.headers == nil {
                receivedHeaders(fields, on: stream, streamID: streamID)
            } else {
                stream.trailers = fields
            }
        case .data(let streamID, let bytes):
            session?.consumeConnection(count: bytes.readableBytes)
            guard let stream = streams[streamID] else { return }
            receivedData(bytes, on: stream, streamID: streamID)
        case .endOfStream:
            break  // the stream close that follows carries everything
        case .headerListTooLarge(let streamID, let limit):
            // As grpc-core: metadata past the limit is RESOURCE_EXHAUSTED.
            endLocally(streamID: streamID, with: TransportError(.resourceExhausted, "\(authority) sent response metadata larger than \(limit) bytes"))
        case .streamClosed(let streamID, let errorCode):
            guard let stream = streams.removeValue(forKey: streamID) else { return }
            stream.deadline?.cancel()
            complete(stream, errorCode: errorCode)
            if streams.isEmpty { streamsDrained() }
        case .goAway(let lastStreamID, let errorCode):
            // Streams above lastStreamID are refused by nghttp2 (REFUSED_STREAM, retried
            // elsewhere); the rest finish. No new calls here: the pool opens another connection.
            closedReason = TransportError(.unavailable, "\(authority) sent GOAWAY (error \(errorCode), last stream \(lastStreamID))")
            onStateChange(.draining)
            if streams.isEmpty { streamsDrained() }
        case .protocolErrorSent(let errorCode):
            // The peer sent bytes that are not valid HTTP/2; every call on it is lost.
            closedReason = TransportError(.internalError, "\(authority) broke the HTTP/2 protocol (connection error \(errorCode))")
        case .settings:
            if !isReady {
                isReady = true
                ready.succeed()
                armIdleTimer()
            }
        case .pingAcknowledged:
            pingTimeout?.cancel()
            pingTimeout = nil
        }
    }

    private func receivedHeaders(_ fields: [HeaderField], on stream: Stream, streamID: Int32) {
        stream.headers = fields
        // A trailers-only response has grpc-status here and no body; the close handles it.
        guard fields["grpc-status"] == nil else { return }
        if let failure = Self.problem(withResponseHeaders: fields, from: authority) {
            endLocally(streamID: streamID, with: failure)
            return
        }
        stream.deframer = MessageDeframer(maxMessageSize: configuration.maxResponseMessageSize, encoding: fields["grpc-encoding"])
        if case .stream(let continuation) = stream.responder {
            continuation.yield(.headers(MetadataRules.applicationMetadata(fields)))
        }
    }

    private func receivedData(_ bytes: ByteBuffer, on stream: Stream, streamID: Int32) {
        guard stream.localFailure == nil else { return }
        stream.receivedBytes += bytes.readableBytes
        guard stream.deframer != nil else {
            endLocally(streamID: streamID, with: TransportError(.internalError, "\(authority) sent DATA before response headers"))
            return
        }
        stream.deframer!.append(bytes)
        do {
            while let message = try stream.deframer!.next(allocator: allocator) {
                try deliver(message.payload, wireBytes: message.wireBytes, to: stream)
            }
        } catch {
            endLocally(streamID: streamID, with: error)
            return
        }
        credit(stream, streamID: streamID)
    }

    private func deliver(_ message: ByteBuffer, wireBytes: Int, to stream: Stream) throws(TransportError) {
        switch stream.responder {
        case .unary:
            guard stream.message == nil else {
                throw TransportError(.internalError, "\(authority) sent more than one message on a unary call")
            }
            stream.message = message
        case .stream(let continuation):
            stream.queuedBytes += wireBytes
            continuation.yield(.message(message, wireBytes: wireBytes))
        }
    }

    /// Returns to the stream's window every received byte not held by a queued message.
    private func credit(_ stream: Stream, streamID: Int32) {
        let credit = stream.receivedBytes - stream.queuedBytes - stream.creditedBytes
        guard credit > 0 else { return }
        stream.creditedBytes += credit
        session?.consumeStream(streamID, count: credit)
    }

    // MARK: - Output

    /// Writes whatever nghttp2 has to send, then handles the streams that closed on the way.
    func flush() {
        guard let session, let context else { return }
        do {
            if try !session.flush(to: context, handle: handle) {
                closeConnection(closedReason ?? TransportError(.unavailable, "connection to \(authority) finished"))
            }
        } catch {
            closeConnection(error)
        }
    }

    // MARK: - Connection lifecycle

    private func startKeepalive(context: ChannelHandlerContext) {
        guard let keepalive = configuration.keepalive else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let interval = TimeAmount.nanoseconds(keepalive.interval.nanoseconds)
        keepaliveTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.sendKeepalivePing()
        }
    }

    private func sendKeepalivePing() {
        guard let keepalive = configuration.keepalive, let context, pingTimeout == nil else { return }
        guard keepalive.permitWithoutCalls || !streams.isEmpty else { return }
        session?.ping()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        pingTimeout = context.eventLoop.scheduleTask(in: .nanoseconds(keepalive.timeout.nanoseconds)) {
            bound.value.closeConnection(TransportError(.unavailable, "\(bound.value.authority) did not answer a keepalive PING within \(keepalive.timeout)"))
        }
        flush()
    }

    /// No call is left: a draining connection closes, an idle one starts its idle timer.
    private func streamsDrained() {
        if closedReason != nil {
            closeConnection(closedReason!)
        } else {
            armIdleTimer()
        }
    }

    private func armIdleTimer() {
        guard let idleTimeout = configuration.idleTimeout, let context, idleTimer == nil else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: .nanoseconds(idleTimeout.nanoseconds)) {
            bound.value.closeIdle(after: idleTimeout)
        }
    }

    private func closeIdle(after idleTimeout: Duration) {
        idleTimer = nil
        guard streams.isEmpty else { return }
        session?.goAway(errorCode: 0)
        flush()
        closeConnection(TransportError(.unavailable, "connection to \(authority) closed after \(idleTimeout) idle"))
    }

    /// Closes the connection now: calls in flight fail with `reason`.
    func closeConnection(_ reason: TransportError) {
        if closedReason == nil { closedReason = reason }
        shutDown(reason)
        context?.close(promise: nil)
    }

    private func shutDown(_ reason: TransportError) {
        if closedReason == nil { closedReason = reason }
        onStateChange(.closed)
        if !isReady {
            isReady = true
            ready.fail(reason)
        }
        keepaliveTimer?.cancel()
        pingTimeout?.cancel()
        idleTimer?.cancel()
        keepaliveTimer = nil
        pingTimeout = nil
        idleTimer = nil
        let pending = streams.values
        streams.removeAll()
        for stream in pending {
            stream.deadline?.cancel()
            Self.fail(stream.responder, stream.localFailure ?? reason)
        }
        session = nil
    }
}

@available(*, unavailable)
extension GRPCClientHandler: Sendable {}
