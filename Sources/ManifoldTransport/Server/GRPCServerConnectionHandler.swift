import ManifoldCore
import NIOCore

/// Serves gRPC on one accepted HTTP/2 connection: requests are read and checked here, each
/// call runs its handler in a task, and what the task writes hops back to this event loop.
///
/// Lifetime and threading: lives in one channel's pipeline, touched only on its event loop;
/// handler tasks reach it through `NIOLoopBound`.
final class GRPCServerConnectionHandler: ChannelInboundHandler, FlushBatching {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// One call. A class: read and updated several times per frame, and a struct in the
    /// dictionary would be copied whole on every read.
    private final class Stream {
        let headers: [HeaderField]
        var deframer: MessageDeframer
        var message: ByteBuffer?
        var task: Task<Void, Never>?
        var deadline: Scheduled<Void>?
        /// Response headers went out (so the status goes in trailers).
        var sentHeaders = false
        var trailers: [HeaderField] = []
        var finished = false
        /// The handler's side of the response; told how much nghttp2 has taken.
        let outbound = ServerCallOutbound()
        /// Framed response bytes given to nghttp2 so far.
        var appended = 0

        init(headers: [HeaderField], deframer: MessageDeframer) {
            self.headers = headers
            self.deframer = deframer
        }
    }

    private let methods: [String: GRPCServerHandler]
    private let maxRequestMessageSize: Int
    private var session: NGHTTP2Session?
    private(set) var context: ChannelHandlerContext?
    /// The channel's allocator, kept: reading it from the channel takes a lock each time.
    private var allocator = ByteBufferAllocator()
    private var streams = StreamTable<Stream>()
    /// Streams with response bytes queued in nghttp2, whose handlers hear what it took.
    private var sendingStreams = Set<Int32>()
    var flushBatch = FlushBatch()
    /// Streams whose request headers outgrew the limit, until their (incomplete) headers
    /// arrive and are answered RESOURCE_EXHAUSTED; with the limit, for the message.
    private var oversizedRequests: [Int32: Int] = [:]
    /// Responses are not held to a limit: with h2load as the client, 256 calls in flight,
    /// the server answered about 88,000 calls/s unbounded and 77,000 flushing every 32.
    static let flushBatchLimit = Int.max

    init(methods: [String: GRPCServerHandler], maxRequestMessageSize: Int) {
        self.methods = methods
        self.maxRequestMessageSize = maxRequestMessageSize
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        do {
            session = try NGHTTP2Session(role: .server, allocator: allocator)
        } catch {
            context.close(promise: nil)
            return
        }
        if context.channel.isActive { flush() }  // the server preface: our SETTINGS
    }

    func channelActive(context: ChannelHandlerContext) {
        flush()
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        for stream in streams.values {
            stream.task?.cancel()
            stream.deadline?.cancel()
            stream.outbound.end()
        }
        streams.removeAll()
        session = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        for stream in streams.values { stream.task?.cancel() }
        context.fireChannelInactive()
    }

    /// Asks the connection to finish: GOAWAY now, close once its calls have ended.
    struct Drain {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Drain else { return context.fireUserInboundEventTriggered(event) }
        session?.goAway()
        flush()  // writes the GOAWAY; with no call in flight the session is done and closes
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        do {
            try session.receive(unwrapInboundIn(data), handle: handle)
        } catch {
            context.close(promise: nil)
        }
    }

    /// One write for everything this read burst produced.
    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    // MARK: - Requests

    private func handle(_ event: HTTP2SessionEvent) {
        switch event {
        case .headerListTooLarge(let streamID, let limit):
            if streams[streamID] != nil {  // its trailers: the request is already open
                finish(streamID, status: TransportError(.resourceExhausted, "request metadata larger than \(limit) bytes"))
            } else {
                oversizedRequests[streamID] = limit
            }
        case .headers(let streamID, .request, let fields):
            opened(streamID, fields)
            if let limit = oversizedRequests.removeValue(forKey: streamID) {
                finish(streamID, status: TransportError(.resourceExhausted, "request metadata larger than \(limit) bytes"))
            }
        case .data(let streamID, let bytes):
            session?.consumeConnection(count: bytes.readableBytes)
            session?.consumeStream(streamID, count: bytes.readableBytes)
            guard streams[streamID] != nil, !streams[streamID]!.finished else { return }
            streams[streamID]!.deframer.append(bytes)
            do throws(TransportError) {
                while let message = try streams[streamID]!.deframer.next(allocator: allocator) {
                    guard streams[streamID]!.message == nil else {
                        throw TransportError(.unimplemented, "client streaming is not supported: more than one request message")
                    }
                    streams[streamID]!.message = message.payload
                }
            } catch {
                finish(streamID, status: error)
            }
        case .endOfStream(let streamID):
            dispatch(streamID)
        case .streamClosed(let streamID, _):
            // Done, or reset by the client (cancelled, deadline): stop the handler either way.
            if let stream = streams.removeValue(forKey: streamID) {
                stream.task?.cancel()
                stream.deadline?.cancel()
                stream.outbound.end()
            }
            sendingStreams.remove(streamID)
            oversizedRequests[streamID] = nil  // a block nghttp2 refused never arrives
        case .headers, .goAway, .protocolErrorSent, .settings, .pingAcknowledged:
            break
        }
    }

    private func opened(_ streamID: Int32, _ fields: [HeaderField]) {
        let encoding = fields["grpc-encoding"]
        streams[streamID] = Stream(headers: fields, deframer: MessageDeframer(maxMessageSize: maxRequestMessageSize, encoding: encoding))
        guard fields[":method"] == "POST", fields["content-type"]?.hasPrefix("application/grpc") == true else {
            // Not gRPC: a plain HTTP answer, as PROTOCOL-HTTP2.md asks.
            streams[streamID]!.finished = true
            session?.submitTrailersOnly(streamID, headers: [HeaderField(":status", "415")])
            return
        }
        if let encoding, encoding != "identity", MessageCompression(rawValue: encoding) == nil {
            finish(streamID, status: TransportError(.unimplemented, "grpc-encoding \"\(encoding)\" is not supported"))
        }
    }

    private func dispatch(_ streamID: Int32) {
        guard let stream = streams[streamID], !stream.finished else { return }
        do {
            try stream.deframer.finish()
        } catch {
            finish(streamID, status: error)
            return
        }
        let path = stream.headers[":path"] ?? ""
        guard let method = methods[path] else {
            finish(streamID, status: TransportError(.unimplemented, "method \(path) is not implemented"))
            return
        }
        guard let message = stream.message else {
            finish(streamID, status: TransportError(.unimplemented, "client streaming is not supported: no request message"))
            return
        }
        let timeout = stream.headers["grpc-timeout"].flatMap(GRPCStatusMapping.parseTimeout)
        let request = GRPCServerRequest(
            path: path, message: message,
            metadata: MetadataRules.applicationMetadata(stream.headers),
            timeout: timeout
        )
        let loop = context!.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let outbound = stream.outbound
        let allocator = self.allocator
        let writer = GRPCServerResponseWriter(
            sendHeaders: { metadata in
                outbound.headersSent()
                loop.execute { bound.value.sendHeaders(streamID, metadata: metadata, encoding: nil) }
            },
            sendMessage: { message, compression in
                do {
                    guard let (framed, encoding) = try outbound.frame(message, compression: compression, allocator: allocator) else { return }
                    loop.execute { bound.value.sendFramed(streamID, framed, encoding: encoding) }
                } catch {
                    loop.execute { bound.value.finish(streamID, status: TransportError(.internalError, "cannot compress the response")) }
                    return
                }
                await outbound.waitForRoom()
            },
            setTrailers: { metadata in loop.execute { bound.value.streams[streamID]?.trailers = metadata } }
        )
        streams[streamID]!.task = Task {
            let status: TransportError?
            do {
                try await method(request, writer)
                status = nil
            } catch {
                status = error as? TransportError ?? TransportError(.unknown, "\(error)")
            }
            loop.execute { bound.value.finish(streamID, status: status) }
        }
        if let timeout {
            streams[streamID]!.deadline = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                bound.value.streams[streamID]?.task?.cancel()
                bound.value.finish(streamID, status: TransportError(.deadlineExceeded, "deadline exceeded"))
            }
        }
    }

    // MARK: - Responses

    private func sendHeaders(_ streamID: Int32, metadata: [HeaderField], encoding: MessageCompression?) {
        guard let stream = streams[streamID], !stream.finished, !stream.sentHeaders else { return }
        var headers = [
            HeaderField(":status", "200"),
            HeaderField("content-type", "application/grpc"),
            HeaderField("grpc-accept-encoding", MessageCompression.acceptHeader),
        ]
        if let encoding { headers.append(HeaderField("grpc-encoding", encoding.rawValue)) }
        headers += metadata.filter { MetadataRules.problem(with: $0) == nil }
        do {
            try session?.submitResponse(streamID, headers: headers)
        } catch {
            session?.resetStream(streamID, errorCode: 0x2)
            return
        }
        streams[streamID]!.sentHeaders = true
        flushSoon()
    }

    /// Queues a message the handler framed; the first one sends the response headers.
    private func sendFramed(_ streamID: Int32, _ framed: ByteBuffer, encoding: MessageCompression?) {
        guard streams[streamID] != nil, !streams[streamID]!.finished else { return }
        if !streams[streamID]!.sentHeaders { sendHeaders(streamID, metadata: [], encoding: encoding) }
        guard streams[streamID]?.sentHeaders == true else { return }
        session?.sendData(streamID, framed)
        streams[streamID]!.appended += framed.readableBytes
        sendingStreams.insert(streamID)
        flushSoon()
    }

    /// Ends a call with a status: in trailers after a response, or trailers-only.
    private func finish(_ streamID: Int32, status failure: TransportError?) {
        guard let stream = streams[streamID], !stream.finished else { return }
        streams[streamID]!.finished = true
        stream.deadline?.cancel()
        stream.outbound.end()
        var status = [HeaderField("grpc-status", String(failure?.code.rawValue ?? 0))]
        if let failure, !failure.message.isEmpty {
            status.append(HeaderField("grpc-message", GRPCStatusMapping.percentEncode(failure.message)))
        }
        let trailers = status + stream.trailers.filter { MetadataRules.problem(with: $0) == nil }
        if stream.sentHeaders {
            session?.sendData(streamID, allocator.buffer(capacity: 0), trailers: trailers)
        } else {
            let headers = [HeaderField(":status", "200"), HeaderField("content-type", "application/grpc")] + trailers
            session?.submitTrailersOnly(streamID, headers: headers)
        }
        flushSoon()
    }

    /// Writes whatever nghttp2 has to send, then lets handlers waiting for room go on.
    func flush() {
        guard let session, let context else { return }
        do {
            if try !session.flush(to: context, handle: handle) {
                context.close(promise: nil)
                return
            }
        } catch {
            context.close(promise: nil)
            return
        }
        reportTaken(session)
    }

    /// Tells each handler with bytes queued how many nghttp2 has taken, which may let it go on.
    private func reportTaken(_ session: NGHTTP2Session) {
        for streamID in sendingStreams {
            let queued = session.queuedBytes(streamID)
            if let stream = streams[streamID] { stream.outbound.taken(stream.appended - queued) }
            if queued == 0 { sendingStreams.remove(streamID) }
        }
    }
}

@available(*, unavailable)
extension GRPCServerConnectionHandler: Sendable {}
