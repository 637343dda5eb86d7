import ManifoldCore
import NIOCore

/// Runs gRPC unary calls over one HTTP/2 connection, with nghttp2 doing the framing.
///
/// Lifetime and threading: lives in one channel's pipeline and is touched only on that
/// channel's event loop; `GRPCConnection` reaches it through `NIOLoopBound`. Only Sendable
/// values (`ByteBuffer`, header lists, `TransportError`) leave it, through each call's promise.
final class GRPCClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        /// Largest response message accepted, in bytes.
        var maxResponseMessageSize = 4 << 20
        var userAgent = "manifold/0.1"
    }

    /// One call in flight.
    private struct Stream {
        let callID: UInt64
        let promise: EventLoopPromise<GRPCUnaryResponse>
        var headers: [HeaderField]?
        var trailers: [HeaderField]?
        var body: ByteBuffer?
        /// Set when we ended the stream ourselves (deadline, cancel, oversize): the status the
        /// caller sees, whatever the stream close says.
        var localFailure: TransportError?
        var deadline: Scheduled<Void>?
    }

    private let authority: String
    private let configuration: Configuration
    private let onStateChange: @Sendable (GRPCConnection.State) -> Void
    private var session: NGHTTP2Session?
    private var context: ChannelHandlerContext?
    private var streams: [Int32: Stream] = [:]
    private var streamIDsByCall: [UInt64: Int32] = [:]
    /// Set once the connection can take no new calls, with the reason.
    private var closedReason: TransportError?
    /// Guards `flush` against re-entry: handling an event it produced may ask for another.
    private var isFlushing = false
    private var needsAnotherFlush = false

    init(authority: String, configuration: Configuration, onStateChange: @escaping @Sendable (GRPCConnection.State) -> Void) {
        self.authority = authority
        self.configuration = configuration
        self.onStateChange = onStateChange
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startSession(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startSession(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        let buffer = unwrapInboundIn(data)
        let events: [HTTP2SessionEvent]
        do {
            events = try session.receive(buffer)
        } catch {
            closeConnection(error)
            return
        }
        for event in events { handle(event) }
        flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(closedReason ?? TransportError(.unavailable, "connection to \(authority) closed"))
        session = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeConnection(TransportError(.unavailable, "connection to \(authority) failed: \(error)"))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(TransportError(.unavailable, "connection to \(authority) closed"))
        session = nil
        self.context = nil
    }

    // MARK: - Calls

    /// Starts a unary call; `promise` completes when the call ends, however it ends.
    func startUnary(_ request: GRPCUnaryRequest, callID: UInt64, cancellation: CallCancellation, promise: EventLoopPromise<GRPCUnaryResponse>) {
        guard let session, closedReason == nil else {
            promise.fail(closedReason ?? TransportError(.unavailable, "connection to \(authority) is not open"))
            return
        }
        guard !cancellation.isCancelled else {
            promise.fail(TransportError(.cancelled, "call cancelled"))
            return
        }
        var headers = [
            HeaderField(":method", "POST"),
            HeaderField(":scheme", "http"),
            HeaderField(":path", request.path),
            HeaderField(":authority", authority),
            HeaderField("content-type", "application/grpc"),
            HeaderField("te", "trailers"),
            HeaderField("user-agent", configuration.userAgent),
        ]
        if let timeout = request.timeout {
            headers.append(HeaderField("grpc-timeout", GRPCStatusMapping.timeoutHeader(timeout)))
        }
        headers += request.metadata

        var body = context!.channel.allocator.buffer(capacity: 5 + request.message.readableBytes)
        body.writeInteger(UInt8(0))  // not compressed
        body.writeInteger(UInt32(request.message.readableBytes))
        body.writeImmutableBuffer(request.message)

        let streamID: Int32
        do {
            streamID = try session.submitRequest(headers: headers, body: body)
        } catch {
            promise.fail(error)
            return
        }
        var stream = Stream(callID: callID, promise: promise)
        if let timeout = request.timeout {
            let bound = NIOLoopBound(self, eventLoop: context!.eventLoop)
            stream.deadline = context!.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
                bound.value.expire(streamID: streamID, after: timeout)
            }
        }
        streams[streamID] = stream
        streamIDsByCall[callID] = streamID
        flush()
    }

    /// Cancels a call: resets its stream so the backend stops working on it too.
    func cancel(callID: UInt64) {
        guard let streamID = streamIDsByCall[callID] else { return }
        endLocally(streamID: streamID, with: TransportError(.cancelled, "call cancelled"))
    }

    private func expire(streamID: Int32, after timeout: Duration) {
        endLocally(streamID: streamID, with: TransportError(.deadlineExceeded, "no response within \(timeout)"))
    }

    /// Resets a stream with CANCEL and records what the caller will see once it closes.
    private func endLocally(streamID: Int32, with failure: TransportError) {
        guard streams[streamID] != nil, streams[streamID]?.localFailure == nil else { return }
        streams[streamID]!.localFailure = failure
        session?.resetStream(streamID, errorCode: 0x8)
        flush()
    }

    // MARK: - Session events

    private func handle(_ event: HTTP2SessionEvent) {
        switch event {
        case .headers(let streamID, let kind, let fields):
            guard streams[streamID] != nil else { return }
            if kind == .response, streams[streamID]!.headers == nil {
                streams[streamID]!.headers = fields
            } else {
                streams[streamID]!.trailers = fields
            }
        case .data(let streamID, var bytes):
            guard var stream = streams[streamID] else { return }
            if stream.body == nil {
                stream.body = bytes
            } else {
                stream.body!.writeBuffer(&bytes)
            }
            let limit = configuration.maxResponseMessageSize + 5
            streams[streamID] = stream
            if stream.body!.readableBytes > limit {
                endLocally(
                    streamID: streamID,
                    with: TransportError(.resourceExhausted, "response larger than the \(configuration.maxResponseMessageSize)-byte limit")
                )
            }
        case .endOfStream:
            break  // the stream close that follows carries everything
        case .streamClosed(let streamID, let errorCode):
            guard let stream = streams.removeValue(forKey: streamID) else { return }
            streamIDsByCall[stream.callID] = nil
            stream.deadline?.cancel()
            complete(stream, errorCode: errorCode)
        case .goAway(let lastStreamID, let errorCode):
            // Streams above lastStreamID are refused by nghttp2 (REFUSED_STREAM -> UNAVAILABLE);
            // the rest finish. No new calls here: the pool opens another connection.
            closedReason = TransportError(.unavailable, "\(authority) sent GOAWAY (error \(errorCode), last stream \(lastStreamID))")
            onStateChange(.draining)
        }
    }

    private func complete(_ stream: Stream, errorCode: UInt32) {
        if let failure = stream.localFailure {
            stream.promise.fail(failure)
            return
        }
        let statusFields = stream.trailers ?? stream.headers ?? []
        guard let statusText = statusFields["grpc-status"] else {
            if errorCode != 0 {
                let code = GRPCStatusMapping.code(forResetCode: errorCode)
                stream.promise.fail(TransportError(code, "stream reset by \(authority) with HTTP/2 error \(errorCode)"))
            } else if let httpStatus = stream.headers?[":status"].flatMap(Int.init), httpStatus != 200 {
                let code = GRPCStatusMapping.code(forHTTPStatus: httpStatus)
                stream.promise.fail(TransportError(code, "\(authority) answered HTTP \(httpStatus) without a gRPC status"))
            } else {
                stream.promise.fail(TransportError(.internalError, "\(authority) ended the stream without a gRPC status"))
            }
            return
        }
        guard let rawCode = Int(statusText) else {
            stream.promise.fail(TransportError(.internalError, "\(authority) sent an invalid grpc-status \"\(statusText)\""))
            return
        }
        let metadata = (stream.headers ?? []).filter { !$0.name.hasPrefix(":") }
        let trailers = (stream.trailers ?? []).filter { !$0.name.hasPrefix(":") }
        guard rawCode == 0 else {
            let message = statusFields["grpc-message"].map(GRPCStatusMapping.percentDecode) ?? ""
            stream.promise.fail(TransportError(GRPCStatusCode(rawValue: rawCode), message, fromServer: true, trailers: trailers))
            return
        }
        do {
            let message = try Self.singleMessage(in: stream.body, from: authority)
            stream.promise.succeed(GRPCUnaryResponse(message: message, initialMetadata: metadata, trailingMetadata: trailers))
        } catch {
            stream.promise.fail(error)
        }
    }

    /// The one length-prefixed message a successful unary response must carry.
    private static func singleMessage(in body: ByteBuffer?, from authority: String) throws(TransportError) -> ByteBuffer {
        guard var body, body.readableBytes > 0 else {
            throw TransportError(.internalError, "\(authority) sent OK without a response message")
        }
        guard let flag = body.readInteger(as: UInt8.self), let length = body.readInteger(as: UInt32.self) else {
            throw TransportError(.internalError, "\(authority) sent a truncated message prefix")
        }
        guard flag == 0 else {
            throw TransportError(.internalError, "\(authority) sent a compressed message, but no compression was negotiated")
        }
        guard let message = body.readSlice(length: Int(length)) else {
            throw TransportError(.internalError, "\(authority) sent a message shorter than its length prefix (\(length) bytes)")
        }
        guard body.readableBytes == 0 else {
            throw TransportError(.internalError, "\(authority) sent more than one message for a unary call")
        }
        return message
    }

    // MARK: - Connection

    private func startSession(context: ChannelHandlerContext) {
        guard session == nil, closedReason == nil else { return }
        do {
            session = try NGHTTP2Session(role: .client, allocator: context.channel.allocator)
            onStateChange(.ready)
            flush()
        } catch {
            closeConnection(error)
        }
    }

    /// Writes whatever nghttp2 has queued, then handles what sending did (a reset stream is
    /// closed as it is sent); closes the connection once the session is done.
    private func flush() {
        guard !isFlushing else {
            needsAnotherFlush = true
            return
        }
        isFlushing = true
        defer { isFlushing = false }
        repeat {
            needsAnotherFlush = false
            guard let session, let context else { return }
            var buffer = context.channel.allocator.buffer(capacity: 0)
            do {
                try session.send(into: &buffer)
            } catch {
                closeConnection(error)
                return
            }
            if buffer.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
            for event in session.takeEvents() { handle(event) }
            if !session.isAlive {
                closeConnection(closedReason ?? TransportError(.unavailable, "connection to \(authority) finished"))
                return
            }
        } while needsAnotherFlush
    }

    private func closeConnection(_ reason: TransportError) {
        if closedReason == nil { closedReason = reason }
        onStateChange(.closed)
        failAll(reason)
        session = nil
        context?.close(promise: nil)
    }

    private func failAll(_ reason: TransportError) {
        let pending = streams
        streams.removeAll()
        streamIDsByCall.removeAll()
        for (_, stream) in pending {
            stream.deadline?.cancel()
            stream.promise.fail(stream.localFailure ?? reason)
        }
    }
}

@available(*, unavailable)
extension GRPCClientHandler: Sendable {}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
