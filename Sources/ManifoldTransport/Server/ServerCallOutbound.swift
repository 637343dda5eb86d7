import NIOCore

/// The handler's side of one server call's response: picks the message encoding, frames
/// messages on the handler's thread, and holds the handler back when the client reads
/// slower than it writes.
///
/// `send` hands a framed message to the event loop and returns at once while fewer than
/// `limit` bytes of this call are queued (in transit to the loop, or in nghttp2 waiting for
/// the client's flow-control window); past that it waits until the loop reports bytes taken
/// or the call ends. So a fast handler of a slow client holds at most about `limit` bytes.
///
/// Threading: the writer's methods run on handler tasks, `taken(_:)` and `end()` on the
/// connection's event loop; the state is behind a mutex.
final class ServerCallOutbound: Sendable {
    static let limit = 256 << 10

    private struct State {
        /// The response's `grpc-encoding`, fixed by whatever went first: initial metadata
        /// (identity) or the first message (its compression). `.some(nil)` is identity.
        var encoding: MessageCompression??
        /// Framed bytes handed to the event loop, and of those, bytes nghttp2 has sent.
        var handedOver = 0
        var taken = 0
        var waiter: CheckedContinuation<Void, Never>?
        var ended = false

        var hasRoom: Bool { ended || handedOver - taken < ServerCallOutbound.limit }
    }

    private let state = Locked(State())

    /// Initial metadata is going out on its own: the response is uncompressed.
    func headersSent() {
        state.withLock { if $0.encoding == nil { $0.encoding = .some(nil) } }
    }

    /// Frames `message` for sending: compressed only when the response headers announce
    /// `compression` (a later message cannot change the response's encoding). Returns the
    /// frame and the encoding the headers must announce, or nil once the call has ended.
    func frame(
        _ message: ByteBuffer,
        compression: MessageCompression?,
        allocator: ByteBufferAllocator
    ) throws(TransportError) -> (framed: ByteBuffer, encoding: MessageCompression?)? {
        let encoding: MessageCompression?? = state.withLock { state in
            if state.ended { return nil }
            if state.encoding == nil { state.encoding = .some(compression) }
            return state.encoding!
        }
        guard let encoding else { return nil }
        let framed = try MessageFramer.frame(message, compression: compression == encoding ? encoding : nil, allocator: allocator)
        state.withLock { $0.handedOver += framed.readableBytes }
        return (framed, encoding)
    }

    /// Waits while too much of this call's response is queued (see the type's comment).
    func waitForRoom() async {
        if state.withLock({ $0.hasRoom }) { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.hasRoom { return true }
                state.waiter = waiter
                return false
            }
            if resumeNow { waiter.resume() }
        }
    }

    /// Event loop: nghttp2 has taken `count` framed bytes in all from this call.
    func taken(_ count: Int) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.taken = count
            guard state.hasRoom else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Event loop: the call is over; a waiting handler goes on, and what it sends is dropped.
    func end() {
        let waiter = state.withLock { state in
            state.ended = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
