import NIOCore

extension NGHTTP2Session {
    /// What one round of writing produced.
    enum WriteOutcome {
        /// The bytes went out; these events (streams a sent reset closed) follow.
        case wrote([HTTP2SessionEvent])
        /// The session has nothing left to read or write: the connection is done.
        case finished([HTTP2SessionEvent])
    }

    /// Writes every byte nghttp2 has to send to `context` and returns what sending caused.
    /// Both roles' handlers loop on this, handling the events, until nothing new is queued.
    func write(to context: ChannelHandlerContext) throws(TransportError) -> WriteOutcome {
        var buffer = context.channel.allocator.buffer(capacity: 0)
        try send(into: &buffer)
        if buffer.readableBytes > 0 { context.writeAndFlush(NIOAny(buffer), promise: nil) }
        let events = takeEvents()
        return isAlive ? .wrote(events) : .finished(events)
    }
}
