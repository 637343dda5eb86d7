import ManifoldCore
public import NIOCore

/// A call's request: the method, one serialized message, metadata and deadline. Unary and
/// server-streaming calls both send exactly one message.
public struct GRPCRequest: Sendable {
    /// `/package.Service/Method`.
    public var path: String
    /// The serialized request message, without the gRPC length prefix.
    public var message: ByteBuffer
    /// Custom metadata, sent as request headers: names lower-case, `-bin` values base64
    /// (`HeaderField.binary` encodes). Reserved names are refused with INTERNAL.
    public var metadata: [HeaderField]
    /// How long the call may take; sent as `grpc-timeout` and enforced locally.
    public var timeout: Duration?
    /// How much of `timeout` went before this attempt (connecting, earlier attempts): the
    /// attempt gets the rest, and its errors still name the caller's whole `timeout`.
    var spent: Duration = .zero

    public init(path: String, message: ByteBuffer, metadata: [HeaderField] = [], timeout: Duration? = nil) {
        self.path = path
        self.message = message
        self.metadata = metadata
        self.timeout = timeout
    }
}

/// A successful unary call's response.
public struct GRPCResponse: Sendable {
    /// The serialized response message, without the gRPC length prefix, decompressed.
    public var message: ByteBuffer
    /// Response headers other than pseudo-headers and the transport's own.
    public var initialMetadata: [HeaderField]
    public var trailingMetadata: [HeaderField]
}

/// What a streaming call's stream carries, in order: headers, messages, trailers.
enum ResponsePart: Sendable {
    case headers([HeaderField])
    /// A message and the DATA bytes it took on the wire (prefix included), which are
    /// returned to the sender's flow-control window once the reader takes the message.
    case message(ByteBuffer, wireBytes: Int)
    case trailers([HeaderField])
}

/// The messages of a server-streaming call, as they arrive.
///
/// Backpressure: a message the reader has not taken yet holds its bytes against the
/// stream's HTTP/2 window, so a slow reader slows the backend rather than filling memory.
/// Ending iteration early, or cancelling the reading task, resets the stream (CANCEL).
/// Iteration throws `TransportError` with the call's status when it does not end OK.
public struct GRPCResponseStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let parts: AsyncThrowingStream<ResponsePart, any Error>
    /// Tells the connection the reader took a message of this many wire bytes.
    let consumed: @Sendable (Int) -> Void

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: parts.makeAsyncIterator(), consumed: consumed)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ResponsePart, any Error>.AsyncIterator
        let consumed: @Sendable (Int) -> Void
        /// The response headers, once the first message (or the end) has been read.
        public private(set) var initialMetadata: [HeaderField] = []
        /// The trailers, once iteration has ended.
        public private(set) var trailingMetadata: [HeaderField] = []

        var isFinished = false

        public mutating func next() async throws -> ByteBuffer? {
            while let part = try await base.next() {
                switch part {
                case .headers(let fields):
                    initialMetadata = fields
                case .message(let message, let wireBytes):
                    consumed(wireBytes)
                    return message
                case .trailers(let fields):
                    trailingMetadata = fields
                    isFinished = true
                }
            }
            // The underlying stream ends quietly when the reading task is cancelled; the
            // call did not end OK, so say how it did end.
            guard isFinished else { throw TransportError(.cancelled, "call cancelled") }
            return nil
        }
    }
}
