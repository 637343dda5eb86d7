import NIOCore

/// Writes gRPC's length-prefixed messages: a flag byte (1 when compressed), a 4-byte
/// big-endian length, then the message.
enum MessageFramer {
    /// A message ready to send without a copy: its length prefix, and the payload (the
    /// message itself, or its compressed form).
    static func prefixed(
        _ message: ByteBuffer,
        compression: MessageCompression?,
        allocator: ByteBufferAllocator
    ) throws(TransportError) -> (prefix: BodyPrefix, payload: ByteBuffer) {
        var payload = message
        if let compression { payload = try compression.compress(message, allocator: allocator) }
        var prefix = BodyPrefix()
        prefix.append(bigEndian: UInt8(compression == nil ? 0 : 1))
        prefix.append(bigEndian: UInt32(payload.readableBytes))
        return (prefix, payload)
    }

    /// A message and its length prefix in one buffer.
    static func frame(
        _ message: ByteBuffer,
        compression: MessageCompression?,
        allocator: ByteBufferAllocator
    ) throws(TransportError) -> ByteBuffer {
        var (prefix, payload) = try prefixed(message, compression: compression, allocator: allocator)
        var framed = allocator.buffer(capacity: 5 + payload.readableBytes)
        framed.writeWithUnsafeMutableBytes(minimumWritableBytes: 5) { prefix.read(into: $0.baseAddress!, length: 5) }
        framed.writeBuffer(&payload)
        return framed
    }
}
