public import NIOCore

/// What a server-side handler receives: one request message and the call's metadata.
public struct GRPCServerRequest: Sendable {
    /// `/package.Service/Method`.
    public var path: String
    /// The request message, decompressed, without the length prefix.
    public var message: ByteBuffer
    /// Request headers other than pseudo-headers and the transport's own.
    public var metadata: [HeaderField]
    /// The client's deadline (`grpc-timeout`), enforced by the server too.
    public var timeout: Duration?
}

/// Where a handler sends its answer: initial metadata, messages, trailing metadata.
///
/// Writes go to the connection's event loop in order. `send` frames (and compresses) the
/// message on the caller's thread and returns at once while little of the response is
/// queued; when the client reads slower than the handler writes, it waits until nghttp2,
/// paced by the client's flow-control window, has taken enough (see `ServerCallOutbound`).
public struct GRPCServerResponseWriter: Sendable {
    let sendHeaders: @Sendable ([HeaderField]) -> Void
    let sendMessage: @Sendable (ByteBuffer, MessageCompression?) async -> Void
    let setTrailers: @Sendable ([HeaderField]) -> Void

    /// Sends response headers with `metadata` now, before any message. Optional: the first
    /// message sends them otherwise.
    public func sendInitialMetadata(_ metadata: [HeaderField]) { sendHeaders(metadata) }

    /// Sends one message, compressed when `compression` is given (the client must accept it).
    public func send(_ message: ByteBuffer, compression: MessageCompression? = nil) async {
        await sendMessage(message, compression)
    }

    /// Metadata to send with the status when the call ends, whether it succeeds or throws.
    public func setTrailingMetadata(_ metadata: [HeaderField]) { setTrailers(metadata) }
}

/// A method the server serves. The handler returns normally for OK, or throws a
/// `TransportError` whose code and message become the call's status; any other error is
/// UNKNOWN. Unary and server-streaming methods share this shape: a unary handler sends
/// exactly one message.
public typealias GRPCServerHandler = @Sendable (GRPCServerRequest, GRPCServerResponseWriter) async throws -> Void
