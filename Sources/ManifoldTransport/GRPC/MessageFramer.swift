import NIOCore

/// Writes gRPC's length-prefixed messages: a flag byte (1 when compressed), a 4-byte
/// big-endian length, then the message.
enum MessageFramer {
    static func frame(
        _ message: ByteBuffer,
        compression: MessageCompression?,
        allocator: ByteBufferAllocator
    ) throws(TransportError) -> ByteBuffer {
        var payload = message
        if let compression { payload = try compression.compress(message, allocator: allocator) }
        var framed = allocator.buffer(capacity: 5 + payload.readableBytes)
        framed.writeInteger(UInt8(compression == nil ? 0 : 1))
        framed.writeInteger(UInt32(payload.readableBytes))
        framed.writeBuffer(&payload)
        return framed
    }
}
