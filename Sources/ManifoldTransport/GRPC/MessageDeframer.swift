import ManifoldCore
import NIOCore

/// Reads gRPC's length-prefixed messages out of DATA bytes as they arrive, in any split.
///
/// Checks what a peer can get wrong: a flag other than 0 or 1, a compressed message without
/// a `grpc-encoding`, a declared length over the limit (rejected before buffering it), a
/// decompressed size over the limit, and bytes left over when the stream ends.
struct MessageDeframer {
    let maxMessageSize: Int
    /// The peer's `grpc-encoding`; nil for identity.
    let compression: MessageCompression?
    /// The `grpc-encoding` named when we cannot decode it; any compressed message fails.
    let unsupportedEncoding: String?
    private var buffered: ByteBuffer?

    init(maxMessageSize: Int, encoding: String?) {
        self.maxMessageSize = maxMessageSize
        switch encoding {
        case nil, "identity":
            compression = nil
            unsupportedEncoding = nil
        case let name?:
            compression = MessageCompression(rawValue: name)
            unsupportedEncoding = compression == nil ? name : nil
        }
    }

    /// Adds DATA bytes.
    mutating func append(_ bytes: ByteBuffer) {
        if buffered == nil || buffered!.readableBytes == 0 {
            buffered = bytes  // the common case: no copy
        } else {
            var bytes = bytes
            buffered!.writeBuffer(&bytes)
        }
    }

    /// Whether part of a message is still waiting for its remaining bytes.
    var hasPartialMessage: Bool { (buffered?.readableBytes ?? 0) > 0 }

    /// The next whole message, decompressed, with the bytes it took on the wire; nil until
    /// more bytes arrive.
    mutating func next(allocator: ByteBufferAllocator) throws(TransportError) -> (payload: ByteBuffer, wireBytes: Int)? {
        guard var buffer = buffered, buffer.readableBytes >= 5 else { return nil }
        let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
        let length = Int(buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)!)
        guard flag <= 1 else {
            throw TransportError(.internalError, "malformed message: compression flag \(flag) in the length prefix")
        }
        guard length <= maxMessageSize else {
            throw TransportError(.resourceExhausted, "message of \(length) bytes is larger than the \(maxMessageSize)-byte limit")
        }
        guard buffer.readableBytes >= 5 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        let payload = buffer.readSlice(length: length)!
        buffered = buffer.readableBytes > 0 ? buffer : nil
        guard flag == 1 else { return (payload, 5 + length) }
        guard let compression else {
            throw TransportError(
                .internalError,
                unsupportedEncoding.map { "compressed message in unsupported encoding \"\($0)\"" }
                    ?? "compressed message without a grpc-encoding"
            )
        }
        return (try compression.decompress(payload, limit: maxMessageSize, allocator: allocator), 5 + length)
    }

    /// Checks that the stream ended on a message boundary.
    func finish() throws(TransportError) {
        if hasPartialMessage {
            throw TransportError(.internalError, "stream ended inside a message (\(buffered!.readableBytes) bytes left over)")
        }
    }
}
