import NIOCore

extension NGHTTP2Session {
    /// Writes every byte nghttp2 has to send to `context`, hands each event sending caused
    /// (a stream a sent reset closed) to `handle`, and writes again while `handle` queued
    /// more. A call from inside `handle` only asks for that next round, so both roles'
    /// handlers can call their `flush` from anywhere.
    /// - Returns: false when the session is finished (nothing left to read or write).
    /// - Throws: when nghttp2 fails; the connection must close.
    func flush(to context: ChannelHandlerContext, handle: (HTTP2SessionEvent) -> Void) throws(TransportError) -> Bool {
        if isFlushing {
            needsAnotherFlush = true
            return true
        }
        isFlushing = true
        defer { isFlushing = false }
        repeat {
            needsAnotherFlush = false
            if let buffer = try send() { context.writeAndFlush(NIOAny(buffer), promise: nil) }
            drainEvents(handle)
            guard isAlive else { return false }
        } while needsAnotherFlush
        return true
    }
}
