import NIOCore

/// A connection handler that writes nghttp2's output with `flush()`, and can put that off
/// until the event-loop tasks already queued have run, so that what several tasks submitted
/// (calls started, responses sent from other threads) leaves in one write instead of one each.
protocol FlushBatching: AnyObject {
    /// A flush is queued; set only by `flushSoon`.
    var flushQueued: Bool { get set }
    var context: ChannelHandlerContext? { get }
    func flush()
}

extension FlushBatching {
    /// Flushes after the tasks already on the event loop. Call on the event loop.
    func flushSoon() {
        guard !flushQueued, let context else { return }
        flushQueued = true
        context.eventLoop.assumeIsolated().execute {
            self.flushQueued = false
            self.flush()
        }
    }
}
