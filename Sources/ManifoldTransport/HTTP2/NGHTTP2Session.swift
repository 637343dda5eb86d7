internal import CNGHTTP2
import ManifoldCore
import NIOCore

/// Owns one `nghttp2_session` and drives it sans-I/O: bytes in, events out; requests,
/// responses and resets in, bytes out. Knows HTTP/2, not gRPC; serves both roles.
///
/// Lifetime: created and used only on one channel's event loop, by the handler that owns it.
/// nghttp2 holds `self` unretained as `user_data`; that is valid because `deinit` deletes the
/// session before `self` goes away, and no callback runs outside `receive` and `send`.
///
/// Re-entrancy: callbacks never call back into the owner and never touch the pipeline; they
/// append to `events`, handed out when the nghttp2 call returns.
///
/// Flow control is manual: nghttp2 sends WINDOW_UPDATE only for bytes the owner reports
/// consumed, so a slow reader of a stream holds back that stream's sender and nobody else.
///
/// Exclusivity: the mutable state is `@exclusivity(unchecked)`. It is touched on one thread.
/// Callbacks run only inside `nghttp2_session_mem_recv` and `mem_send`, and no access to the
/// state is open across either call or across the owner's `handle` (`drainEvents` hands out
/// a copy of the events). So Swift's run-time checks, a thread-local lookup on every access,
/// could never fire; they cost the client about 5 % of its time per call
/// (`Benchmarks/README.md`).
final class NGHTTP2Session {
    enum Role { case client, server }

    struct Settings {
        /// SETTINGS_INITIAL_WINDOW_SIZE we advertise: how much one stream may have unread.
        var streamWindowSize: Int32 = 1 << 20
        /// The connection-level receive window; consumed at once, so it only paces the peer.
        var connectionWindowSize: Int32 = 16 << 20
        /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise (servers only).
        var maxConcurrentStreams: UInt32 = 1000
        /// The largest header block we accept from the peer, in bytes (name + value + 32 each).
        var maxHeaderListSize: Int = 16 << 10
    }

    /// A body being sent on one stream, in the data provider's hands.
    private struct OutboundBody {
        /// Sent first, ahead of `bytes`.
        var prefix = BodyPrefix()
        var bytes: ByteBuffer
        /// Whether the last bytes are in; until then an empty body defers the stream.
        var isComplete: Bool
        /// Sent after the body, ending the stream (gRPC status from a server).
        var trailers: [HeaderField]?
        /// The provider returned DEFERRED; more bytes must resume it.
        var isDeferred = false

        /// Adds bytes (and with `trailers`, the end). Returns whether the stream was deferred
        /// and must be resumed.
        mutating func append(_ more: ByteBuffer, trailers: [HeaderField]?) -> Bool {
            if bytes.readableBytes == 0 {
                bytes = more
            } else {
                // Drop what nghttp2 already took once it outweighs what is left, so a
                // stream that never quite drains does not grow its buffer forever.
                if bytes.readerIndex > bytes.readableBytes { bytes.discardReadBytes() }
                var more = more
                bytes.writeBuffer(&more)
            }
            if let trailers {
                isComplete = true
                self.trailers = trailers
            }
            defer { isDeferred = false }
            return isDeferred
        }

        /// What the data provider tells nghttp2 after a read.
        enum Read {
            /// This many bytes were copied and more are queued or may come.
            case bytes(Int)
            /// Nothing is queued yet: the stream waits for `append`.
            case deferred
            /// The last bytes (maybe none) were copied; the body is over.
            case end(Int)
        }

        /// Copies up to `length` queued bytes, the prefix's first, to `destination`.
        mutating func read(into destination: UnsafeMutableRawPointer, length: Int) -> Read {
            let prefixCount = prefix.read(into: destination, length: length)
            let count = prefixCount + min(length - prefixCount, bytes.readableBytes)
            if count > prefixCount {
                bytes.withUnsafeReadableBytes { (destination + prefixCount).copyMemory(from: $0.baseAddress!, byteCount: count - prefixCount) }
                bytes.moveReaderIndex(forwardBy: count - prefixCount)
            }
            guard prefix.isEmpty else { return .bytes(count) }
            guard bytes.readableBytes == 0 else { return .bytes(count) }
            if isComplete { return .end(count) }
            if count > 0 { return .bytes(count) }
            isDeferred = true
            return .deferred
        }
    }

    private let session: OpaquePointer
    private let allocator: ByteBufferAllocator
    /// The fields every request sends, after its `:path` (client role). nghttp2 points at
    /// their bytes until it sends each request, so they live as long as `session`.
    private let requestHeaders: FixedHeaderBlock
    private let maxHeaderListSize: Int
    @exclusivity(unchecked) private var events: [HTTP2SessionEvent] = []
    /// The events being handed out by `drainEvents`; kept to reuse its storage.
    @exclusivity(unchecked) private var draining: [HTTP2SessionEvent] = []
    @exclusivity(unchecked) private var isDraining = false
    /// The header block being received: HTTP/2 sends a block's frames back to back, so
    /// there is at most one; `headerStreamID` is 0 when there is none (stream 0 never
    /// carries headers). Three plain properties rather than an optional tuple: reading a
    /// field of the tuple (its stream, its size) copied the whole tuple, retaining and
    /// releasing the field array, on every header.
    @exclusivity(unchecked) private var headerStreamID: Int32 = 0
    @exclusivity(unchecked) private var headerFields: [HeaderField] = []
    /// The block's size as RFC 9113 §6.5.2 counts it, against `maxHeaderListSize`.
    @exclusivity(unchecked) private var headerListSize = 0
    @exclusivity(unchecked) private var outboundBodies = StreamTable<OutboundBody>()
    /// The bytes `receive` is feeding nghttp2, so DATA can be handed on as slices of them.
    @exclusivity(unchecked) private var input = Input()

    /// A buffer being received and where its readable bytes sit in memory. Lifetime: set
    /// only for the duration of `nghttp2_session_mem_recv`, while `buffer` keeps `start` valid.
    private struct Input {
        var buffer: ByteBuffer?
        var start: UnsafeRawPointer?

        /// The received bytes at `pointer` as a slice of the buffer, sharing its storage;
        /// nil when they are not in it. nghttp2 hands DATA over straight from its input, so
        /// that is a safeguard, not a path it takes today.
        func slice(at pointer: UnsafeRawPointer, count: Int) -> ByteBuffer? {
            guard let buffer, let start, pointer >= start, pointer + count <= start + buffer.readableBytes else { return nil }
            return buffer.getSlice(at: buffer.readerIndex + (pointer - start), length: count)
        }
    }
    /// Guards `flush(to:handle:)` against re-entry from the events it hands out.
    @exclusivity(unchecked) var isFlushing = false
    @exclusivity(unchecked) var needsAnotherFlush = false

    /// - Parameter requestHeaders: for a client, the fields every request sends after its
    ///   `:path`, pseudo-headers first, laid out once here rather than per request.
    init(role: Role, settings: Settings = Settings(), allocator: ByteBufferAllocator, requestHeaders: [HeaderField] = []) throws(TransportError) {
        self.allocator = allocator
        self.requestHeaders = FixedHeaderBlock(requestHeaders)
        self.maxHeaderListSize = settings.maxHeaderListSize
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw TransportError(.internalError, "nghttp2: out of memory")
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.install(callbacks)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw TransportError(.internalError, "nghttp2: out of memory")
        }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_send_header_block_length(option, 64 << 10)
        // PINGs are answered automatically (gRPC peers send many; grpc-go nearly one per
        // response), and so are SETTINGS.

        var created: OpaquePointer?
        // `self` is not fully initialized yet, so user_data is set right after creation.
        let rv = role == .client
            ? nghttp2_session_client_new2(&created, callbacks, nil, option)
            : nghttp2_session_server_new2(&created, callbacks, nil, option)
        guard rv == 0, let created else {
            throw TransportError(.internalError, "nghttp2: cannot create session: \(Self.describe(rv))")
        }
        self.session = created
        nghttp2_session_set_user_data(created, Unmanaged.passUnretained(self).toOpaque())

        var entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(settings.streamWindowSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(settings.maxHeaderListSize)),
        ]
        if role == .server {
            entries.append(nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams))
        }
        let submitted = nghttp2_submit_settings(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        guard submitted == 0 else { throw TransportError(.internalError, "nghttp2: \(Self.describe(submitted))") }
        // The connection-level window starts at 65535 whatever SETTINGS say; open it wide.
        nghttp2_session_set_local_window_size(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindowSize)
    }

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: - Input

    /// Feeds bytes read from the socket, then hands what happened to `handle`, in order.
    /// - Throws: on a connection-level protocol error; the connection must be closed.
    func receive(_ buffer: ByteBuffer, handle: (HTTP2SessionEvent) -> Void) throws(TransportError) {
        let rv = buffer.withUnsafeReadableBytes { bytes in
            input = Input(buffer: buffer, start: bytes.baseAddress)
            defer { input = Input() }
            return nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        guard rv >= 0 else {
            throw TransportError(.internalError, "HTTP/2 protocol error from peer: \(Self.describe(Int32(rv)))")
        }
        drainEvents(handle)
    }

    /// Reports `count` DATA bytes of `streamID` consumed, opening the stream's window again.
    func consumeStream(_ streamID: Int32, count: Int) {
        guard count > 0 else { return }
        _ = nghttp2_session_consume_stream(session, streamID, count)
    }

    /// Reports `count` DATA bytes consumed at the connection level.
    func consumeConnection(count: Int) {
        guard count > 0 else { return }
        _ = nghttp2_session_consume_connection(session, count)
    }

    // MARK: - Output

    /// Hands every event reported so far to `handle`, in order, including those `handle`
    /// itself causes. Re-entrant calls (a handler that flushes while handling) return at
    /// once and leave their events to the outer call. Two arrays take turns, so handing out
    /// events allocates nothing once they have grown.
    func drainEvents(_ handle: (HTTP2SessionEvent) -> Void) {
        guard !isDraining else { return }
        isDraining = true
        defer { isDraining = false }
        while !events.isEmpty {
            swap(&events, &draining)
            for event in draining { handle(event) }
            draining.removeAll(keepingCapacity: true)
        }
    }

    /// Every byte nghttp2 wants to send, or nil when it has none. Streams this closes (a
    /// reset just sent) are reported by `drainEvents(_:)`.
    func send() throws(TransportError) -> ByteBuffer? {
        var buffer: ByteBuffer?
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            guard count >= 0 else { throw TransportError(.internalError, "nghttp2: \(Self.describe(Int32(count)))") }
            guard count > 0, let data else { break }
            // Copy now: the pointer is valid only until the next nghttp2 call. Sized for a
            // few calls' frames at once, so a batch rarely grows the buffer.
            if buffer == nil { buffer = allocator.buffer(capacity: max(count, 1024)) }
            buffer!.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
        return buffer
    }

    /// Whether the session still wants to read or write; when neither, the connection is done.
    var isAlive: Bool {
        nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says otherwise).
    var remoteMaxConcurrentStreams: UInt32 {
        nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
    }

    /// Sends a PING; `pingAcknowledged` reports the answer.
    func ping() {
        _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
    }

    /// Sends GOAWAY: the streams the peer already opened may finish, no new ones are taken.
    func goAway(errorCode: UInt32 = 0) {
        let lastStreamID = nghttp2_session_get_last_proc_stream_id(session)
        _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastStreamID, errorCode, nil, 0)
    }

    // MARK: - Streams

    /// Opens a stream with `:path`, the session's request headers and `extraHeaders`, and
    /// sends `prefix` then `body` on it, ending the stream. nghttp2 queues the stream while
    /// the peer's MAX_CONCURRENT_STREAMS is reached.
    /// - Returns: the new stream's id.
    func submitRequest(path: String, extraHeaders: [HeaderField], prefix: BodyPrefix, body: ByteBuffer) throws(TransportError) -> Int32 {
        var provider = Self.dataProvider()
        let streamID = Self.withNameValues(HeaderField(":path", path), requestHeaders.entries, extraHeaders) { nva, count in
            nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        guard streamID > 0 else {
            throw TransportError(.unavailable, "cannot open a stream: \(Self.describe(streamID))")
        }
        outboundBodies[streamID] = OutboundBody(prefix: prefix, bytes: body, isComplete: true)
        return streamID
    }

    /// Answers a request stream with response headers and opens its body, which
    /// `sendData` fills.
    func submitResponse(_ streamID: Int32, headers: [HeaderField]) throws(TransportError) {
        var provider = Self.dataProvider()
        outboundBodies[streamID] = OutboundBody(bytes: allocator.buffer(capacity: 0), isComplete: false)
        let rv = Self.withNameValues(nil, nil, headers) { nva, count in
            nghttp2_submit_response(session, streamID, nva, count, &provider)
        }
        guard rv == 0 else {
            outboundBodies[streamID] = nil
            throw TransportError(.internalError, "cannot answer stream \(streamID): \(Self.describe(rv))")
        }
    }

    /// Answers a request stream with one header block that ends it (a gRPC trailers-only
    /// response).
    func submitTrailersOnly(_ streamID: Int32, headers: [HeaderField]) {
        _ = Self.withNameValues(nil, nil, headers) { nva, count in
            nghttp2_submit_response(session, streamID, nva, count, nil)
        }
    }

    /// Queues `bytes` on a stream opened by `submitResponse`; with `trailers`, they end it.
    func sendData(_ streamID: Int32, _ bytes: ByteBuffer, trailers: [HeaderField]? = nil) {
        // Mutated in place: a copy of the body would share its buffer, and appending to a
        // shared buffer copies everything still queued.
        guard outboundBodies[streamID] != nil else { return }
        let wasDeferred = outboundBodies[streamID]!.append(bytes, trailers: trailers)
        if wasDeferred { _ = nghttp2_session_resume_data(session, streamID) }
    }

    /// Bytes queued on a stream that nghttp2 has not taken yet (it takes them as the peer's
    /// flow-control window allows).
    func queuedBytes(_ streamID: Int32) -> Int {
        outboundBodies[streamID]?.bytes.readableBytes ?? 0
    }

    /// Resets a stream with an HTTP/2 error code (8 is CANCEL).
    func resetStream(_ streamID: Int32, errorCode: UInt32) {
        outboundBodies[streamID] = nil
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    // MARK: - Callbacks

    /// Runs `body` on the session a callback is for, without retaining it: the session is
    /// alive for as long as nghttp2 can call back (see the type's lifetime note), and a
    /// strong reference would cost a retain and a release per callback, several per frame
    /// (`unowned(unsafe)` bindings still paid them, measured with `perf`).
    @inline(__always)
    private static func with<R>(_ userData: UnsafeMutableRawPointer?, _ body: (NGHTTP2Session) -> R) -> R {
        Unmanaged<NGHTTP2Session>.fromOpaque(userData!)._withUnsafeGuaranteedRef(body)
    }

    private static func dataProvider() -> nghttp2_data_provider {
        var provider = nghttp2_data_provider()
        provider.read_callback = { session, streamID, buf, length, dataFlags, _, userData in
            NGHTTP2Session.with(userData) { $0.readBody(streamID: streamID, into: buf!, length: length, flags: dataFlags!) }
        }
        return provider
    }

    private func readBody(
        streamID: Int32,
        into destination: UnsafeMutablePointer<UInt8>,
        length: Int,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        // The body is changed in place: a copy would share its buffer.
        guard let read = outboundBodies[streamID]?.read(into: destination, length: length) else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let count: Int
        switch read {
        case .bytes(let copied): return copied
        case .deferred: return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        case .end(let copied): count = copied
        }
        let trailers = outboundBodies.removeValue(forKey: streamID)?.trailers
        flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        if let trailers {
            // Submitting trailers from inside the read callback is what nghttp2 documents.
            let rv = Self.withNameValues(nil, nil, trailers) { nva, n in nghttp2_submit_trailer(session, streamID, nva, n) }
            if rv == 0 { flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue }
        }
        return count
    }

    private func startHeaderBlock(_ streamID: Int32) {
        headerStreamID = streamID
        headerFields = []
        headerFields.reserveCapacity(8)
        headerListSize = 0
    }

    private func endHeaderBlock() {
        headerStreamID = 0
        headerFields = []
        headerListSize = 0
    }

    private static func install(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            NGHTTP2Session.with(userData) { $0.startHeaderBlock(frame!.pointee.hd.stream_id) }
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            NGHTTP2Session.with(userData) {
                $0.received(
                    header: UnsafeRawBufferPointer(start: name, count: nameLength),
                    value: UnsafeRawBufferPointer(start: value, count: valueLength),
                    streamID: frame!.pointee.hd.stream_id
                )
            }
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            NGHTTP2Session.with(userData) { $0.received(data: UnsafeRawBufferPointer(start: data, count: length), streamID: streamID) }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            NGHTTP2Session.with(userData) { $0.received(frame: frame!) }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            if UInt32(frame!.pointee.hd.type) == NGHTTP2_GOAWAY.rawValue, frame!.pointee.goaway.error_code != 0 {
                NGHTTP2Session.with(userData) { $0.events.append(.protocolErrorSent(errorCode: frame!.pointee.goaway.error_code)) }
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks) { _, frame, _, userData in
            // A request nghttp2 would not start (GOAWAY arrived after we submitted it): it
            // never reached the peer. Report it closed as refused so its caller can retry.
            let header = frame!.pointee.hd
            if UInt32(header.type) == NGHTTP2_HEADERS.rawValue, frame!.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
                NGHTTP2Session.with(userData) {
                    $0.outboundBodies[header.stream_id] = nil
                    $0.events.append(.streamClosed(streamID: header.stream_id, errorCode: 0x7))
                }
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            NGHTTP2Session.with(userData) { $0.closed(streamID: streamID, errorCode: errorCode) }
            return 0
        }
    }

    /// One header field of the block being received. Returns 0, or a callback failure that
    /// makes nghttp2 reset the stream.
    private func received(header name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, streamID: Int32) -> Int32 {
        if headerStreamID != streamID { startHeaderBlock(streamID) }
        // RFC 9113 §6.5.2 counts 32 bytes of overhead per field.
        let wasWithinLimit = headerListSize <= maxHeaderListSize
        headerListSize += name.count + value.count + 32
        guard headerListSize <= maxHeaderListSize else {
            // Reported once; the rest of the block is read and dropped, so memory stays
            // bounded and the owner answers for the stream (the client resets it, the
            // server answers RESOURCE_EXHAUSTED), while the connection lives on.
            if wasWithinLimit {
                events.append(.headerListTooLarge(streamID: streamID, limit: maxHeaderListSize))
            }
            // A block that goes on far past it is not read to its end: nghttp2 resets
            // the stream (INTERNAL_ERROR), whose owner has already been told.
            let readOn = headerListSize <= 4 * maxHeaderListSize
            return readOn ? 0 : Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        // Copy now: nghttp2 owns these bytes only for the duration of the callback.
        headerFields.append(HeaderField(HeaderText.string(name), HeaderText.string(value)))
        return 0
    }

    /// A chunk of a DATA frame's payload.
    private func received(data: UnsafeRawBufferPointer, streamID: Int32) {
        // Most chunks point into the buffer being received: share it rather than copy.
        var bytes: ByteBuffer
        if let start = data.baseAddress, let slice = input.slice(at: start, count: data.count) {
            bytes = slice
        } else {
            bytes = allocator.buffer(capacity: data.count)
            bytes.writeBytes(data)
        }
        events.append(.data(streamID: streamID, bytes: bytes))
    }

    /// A whole frame, after its header fields or data chunks.
    private func received(frame: UnsafePointer<nghttp2_frame>) {
        let header = frame.pointee.hd
        let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        let isAck = header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0
        switch UInt32(header.type) {
        case NGHTTP2_HEADERS.rawValue:
            let kind: HTTP2SessionEvent.HeadersKind
            switch frame.pointee.headers.cat {
            case NGHTTP2_HCAT_REQUEST: kind = .request
            case NGHTTP2_HCAT_RESPONSE: kind = .response
            default: kind = .trailers
            }
            var fields: [HeaderField] = []
            if headerStreamID == header.stream_id {
                swap(&fields, &headerFields)
                endHeaderBlock()
            }
            events.append(.headers(streamID: header.stream_id, kind: kind, fields: fields))
            if endStream { events.append(.endOfStream(streamID: header.stream_id)) }
        case NGHTTP2_DATA.rawValue:
            if endStream { events.append(.endOfStream(streamID: header.stream_id)) }
        case NGHTTP2_GOAWAY.rawValue:
            let goaway = frame.pointee.goaway
            events.append(.goAway(lastStreamID: goaway.last_stream_id, errorCode: goaway.error_code))
        case NGHTTP2_SETTINGS.rawValue where !isAck:
            events.append(.settings)
        case NGHTTP2_PING.rawValue where isAck:
            events.append(.pingAcknowledged)
        default:
            break
        }
    }

    private func closed(streamID: Int32, errorCode: UInt32) {
        if headerStreamID == streamID { endHeaderBlock() }
        outboundBodies[streamID] = nil
        events.append(.streamClosed(streamID: streamID, errorCode: errorCode))
    }

    // MARK: - Helpers

    /// Calls `body` with an `nghttp2_nv` array of `first`, the entries of `fixed`, then the
    /// fields of `rest`, these pointing into one contiguous copy of their bytes. Lifetime:
    /// both live on the stack (or, past a kilobyte, in a temporary heap block) only inside
    /// `body`; nghttp2 copies header blocks on submit (all but `fixed`'s NO_COPY bytes, which
    /// outlive it), so that is long enough.
    private static func withNameValues<R>(
        _ first: HeaderField?,
        _ fixed: UnsafeBufferPointer<nghttp2_nv>?,
        _ rest: [HeaderField],
        _ body: (UnsafePointer<nghttp2_nv>, Int) -> R
    ) -> R {
        let fixedCount = fixed?.count ?? 0
        let count = (first == nil ? 0 : 1) + fixedCount + rest.count
        var byteCount = first.map { $0.name.utf8.count + $0.value.utf8.count } ?? 0
        for field in rest { byteCount += field.name.utf8.count + field.value.utf8.count }
        return withUnsafeTemporaryAllocation(byteCount: max(byteCount, 1), alignment: 1) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(count, 1)) { nva in
                var writer = NameValueWriter(bytes: bytes, nva: nva)
                if let first { writer.add(first) }
                if let fixed { writer.add(fixed) }
                for field in rest { writer.add(field) }
                return body(UnsafePointer(nva.baseAddress!), count)
            }
        }
    }

    /// Fills `withNameValues`' two buffers, which must be large enough. A struct with
    /// mutating methods rather than nested functions: functions that capture a mutable
    /// local pay a dynamic exclusivity check per access.
    private struct NameValueWriter {
        let bytes: UnsafeMutableRawBufferPointer
        let nva: UnsafeMutableBufferPointer<nghttp2_nv>
        var offset = 0
        var index = 0

        mutating func add(_ field: HeaderField) {
            let (name, nameLength) = copy(field.name)
            let (value, valueLength) = copy(field.value)
            nva.initializeElement(at: index, to: cmanifold_nv(name, nameLength, value, valueLength, UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
            index += 1
        }

        mutating func add(_ entries: UnsafeBufferPointer<nghttp2_nv>) {
            guard let base = entries.baseAddress else { return }
            (nva.baseAddress! + index).initialize(from: base, count: entries.count)
            index += entries.count
        }

        private mutating func copy(_ string: String) -> (UnsafeMutableRawPointer, Int) {
            var string = string
            let start = bytes.baseAddress! + offset
            let length = string.withUTF8 { utf8 in
                if let base = utf8.baseAddress { start.copyMemory(from: base, byteCount: utf8.count) }
                return utf8.count
            }
            offset += length
            return (start, length)
        }
    }

    static func describe(_ code: Int32) -> String {
        String(cString: nghttp2_strerror(code))
    }
}

@available(*, unavailable)
extension NGHTTP2Session: Sendable {}
