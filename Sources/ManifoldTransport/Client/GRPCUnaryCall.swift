public import NIOCore

/// One unary call's request: the method path, the serialized message, metadata and deadline.
public struct GRPCUnaryRequest: Sendable {
    /// `/package.Service/Method`.
    public var path: String
    /// The serialized request message, without the gRPC length prefix.
    public var message: ByteBuffer
    /// Custom metadata, sent as request headers (names lower-case, `-bin` values base64).
    public var metadata: [HeaderField]
    /// How long the call may take; sent as `grpc-timeout` and enforced locally.
    public var timeout: Duration?

    public init(path: String, message: ByteBuffer, metadata: [HeaderField] = [], timeout: Duration? = nil) {
        self.path = path
        self.message = message
        self.metadata = metadata
        self.timeout = timeout
    }
}

/// A successful unary call's response.
public struct GRPCUnaryResponse: Sendable {
    /// The serialized response message, without the gRPC length prefix.
    public var message: ByteBuffer
    /// Response headers other than the HTTP/2 pseudo-headers.
    public var initialMetadata: [HeaderField]
    public var trailingMetadata: [HeaderField]
}
