internal import CNGHTTP2
import ManifoldCore
import NIOCore

/// Owns one `nghttp2_session` and drives it sans-I/O: bytes in, events out; requests and
/// resets in, bytes out. Knows HTTP/2, not gRPC.
///
/// Lifetime: created and used only on one channel's event loop, by the handler that owns it.
/// nghttp2 holds `self` unretained as `user_data`; that is valid because `deinit` deletes the
/// session before `self` goes away, and no callback runs outside `receive` and `send`.
///
/// Re-entrancy: callbacks never call back into nghttp2 and never touch the pipeline; they
/// append to `events` (handed out when `mem_recv` returns) or park an error.
final class NGHTTP2Session {
    enum Role { case client, server }

    struct Settings {
        /// SETTINGS_INITIAL_WINDOW_SIZE we advertise, and the connection window we open.
        var initialWindowSize: Int32 = 1 << 20
        var maxConcurrentStreams: UInt32 = 1000
        var maxHeaderListSize: UInt32 = 16 << 10
    }

    private let session: OpaquePointer
    private let allocator: ByteBufferAllocator
    private var events: [HTTP2SessionEvent] = []
    /// Header fields of a HEADERS frame still being received, by stream.
    private var pendingHeaders: [Int32: [HeaderField]] = [:]
    /// Request bodies not yet handed to nghttp2, by stream; read by the data source callback.
    private var outboundBodies: [Int32: ByteBuffer] = [:]
    private var parkedError: TransportError?

    init(role: Role, settings: Settings = Settings(), allocator: ByteBufferAllocator) throws(TransportError) {
        self.allocator = allocator
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
        // gRPC peers send many PINGs (grpc-go on nearly every response); answering them is
        // cheap and refusing them breaks connections, so nghttp2 answers them automatically.
        nghttp2_option_set_max_send_header_block_length(option, 64 << 10)

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
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(settings.initialWindowSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: settings.maxHeaderListSize),
        ]
        if role == .client { entries.removeAll { $0.settings_id == Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue) } }
        let submitted = nghttp2_submit_settings(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        guard submitted == 0 else { throw TransportError(.internalError, "nghttp2: \(Self.describe(submitted))") }
        // The connection-level window starts at 65535 whatever SETTINGS say; open it as wide.
        nghttp2_session_set_local_window_size(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.initialWindowSize)
    }

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: - Input

    /// Feeds bytes read from the socket.
    /// - Returns: what happened, in order.
    /// - Throws: on a connection-level protocol error; the connection must be closed.
    func receive(_ buffer: ByteBuffer) throws(TransportError) -> [HTTP2SessionEvent] {
        let rv = buffer.withUnsafeReadableBytes { bytes in
            nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        if let parkedError {
            self.parkedError = nil
            throw parkedError
        }
        guard rv >= 0 else {
            throw TransportError(.internalError, "HTTP/2 protocol error from peer: \(Self.describe(Int32(rv)))")
        }
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    // MARK: - Output

    /// Events nghttp2 reported outside `receive`: sending a RST_STREAM closes that stream
    /// during `mem_send`, and its close must not wait for the peer's next bytes.
    func takeEvents() -> [HTTP2SessionEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Appends every byte nghttp2 wants to send to `buffer`. Streams this closes (a reset
    /// just sent) are reported by `takeEvents()`.
    func send(into buffer: inout ByteBuffer) throws(TransportError) {
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            guard count >= 0 else { throw TransportError(.internalError, "nghttp2: \(Self.describe(Int32(count)))") }
            guard count > 0, let data else { break }
            // Copy now: the pointer is valid only until the next nghttp2 call.
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
    }

    /// Whether the session still wants to read or write; when neither, the connection is done.
    var isAlive: Bool {
        nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    // MARK: - Streams

    /// Opens a stream with `headers` and sends `body` as its data, ending the stream.
    /// - Returns: the new stream's id.
    func submitRequest(headers: [HeaderField], body: ByteBuffer) throws(TransportError) -> Int32 {
        var provider = nghttp2_data_provider()
        provider.read_callback = { session, streamID, buf, length, dataFlags, _, userData in
            NGHTTP2Session.from(userData).readBody(streamID: streamID, into: buf!, length: length, flags: dataFlags!)
        }
        let streamID = Self.withNameValues(headers) { nva, count in
            nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        guard streamID > 0 else {
            throw TransportError(.unavailable, "cannot open a stream: \(Self.describe(streamID))")
        }
        outboundBodies[streamID] = body
        return streamID
    }

    /// Resets a stream with an HTTP/2 error code (8 is CANCEL).
    func resetStream(_ streamID: Int32, errorCode: UInt32) {
        outboundBodies[streamID] = nil
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }


    // MARK: - Callbacks

    private static func from(_ userData: UnsafeMutableRawPointer?) -> NGHTTP2Session {
        Unmanaged<NGHTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private func readBody(
        streamID: Int32,
        into destination: UnsafeMutablePointer<UInt8>,
        length: Int,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard var body = outboundBodies[streamID] else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let count = min(length, body.readableBytes)
        body.withUnsafeReadableBytes { bytes in
            UnsafeMutableRawPointer(destination).copyMemory(from: bytes.baseAddress!, byteCount: count)
        }
        body.moveReaderIndex(forwardBy: count)
        if body.readableBytes == 0 {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            outboundBodies[streamID] = nil
        } else {
            outboundBodies[streamID] = body
        }
        return count
    }

    private static func install(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            let this = NGHTTP2Session.from(userData)
            this.pendingHeaders[frame!.pointee.hd.stream_id] = []
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            let this = NGHTTP2Session.from(userData)
            // Copy now: nghttp2 owns these bytes only for the duration of the callback.
            let field = HeaderField(
                String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self),
                String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
            )
            this.pendingHeaders[frame!.pointee.hd.stream_id, default: []].append(field)
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            let this = NGHTTP2Session.from(userData)
            var bytes = this.allocator.buffer(capacity: length)
            bytes.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
            this.events.append(.data(streamID: streamID, bytes: bytes))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            let this = NGHTTP2Session.from(userData)
            let header = frame!.pointee.hd
            let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            switch Int(header.type) {
            case Int(NGHTTP2_HEADERS.rawValue):
                let kind: HTTP2SessionEvent.HeadersKind
                switch frame!.pointee.headers.cat {
                case NGHTTP2_HCAT_REQUEST: kind = .request
                case NGHTTP2_HCAT_RESPONSE: kind = .response
                default: kind = .trailers
                }
                let fields = this.pendingHeaders.removeValue(forKey: header.stream_id) ?? []
                this.events.append(.headers(streamID: header.stream_id, kind: kind, fields: fields))
                if endStream { this.events.append(.endOfStream(streamID: header.stream_id)) }
            case Int(NGHTTP2_DATA.rawValue):
                if endStream { this.events.append(.endOfStream(streamID: header.stream_id)) }
            case Int(NGHTTP2_GOAWAY.rawValue):
                let goaway = frame!.pointee.goaway
                this.events.append(.goAway(lastStreamID: goaway.last_stream_id, errorCode: goaway.error_code))
            default:
                break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            let this = NGHTTP2Session.from(userData)
            this.pendingHeaders[streamID] = nil
            this.outboundBodies[streamID] = nil
            this.events.append(.streamClosed(streamID: streamID, errorCode: errorCode))
            return 0
        }
    }

    // MARK: - Helpers

    /// Calls `body` with an `nghttp2_nv` array pointing into one contiguous copy of the
    /// fields. Lifetime: the pointers are valid only inside `body`; nghttp2 copies header
    /// blocks on submit, so that is long enough.
    private static func withNameValues<R>(_ fields: [HeaderField], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        var storage: [UInt8] = []
        var ranges: [(Range<Int>, Range<Int>)] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let nameStart = storage.count
            storage.append(contentsOf: field.name.utf8)
            let valueStart = storage.count
            storage.append(contentsOf: field.value.utf8)
            ranges.append((nameStart..<valueStart, valueStart..<storage.count))
        }
        if storage.isEmpty { storage.append(0) }  // a valid base address even with no bytes
        return storage.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!
            let nva = ranges.map { name, value in
                cmanifold_nv(base + name.lowerBound, name.count, base + value.lowerBound, value.count, UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nva.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }

    static func describe(_ code: Int32) -> String {
        String(cString: nghttp2_strerror(code))
    }
}

@available(*, unavailable)
extension NGHTTP2Session: Sendable {}
