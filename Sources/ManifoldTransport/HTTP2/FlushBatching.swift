import NIOCore

/// A connection handler that writes nghttp2's output with `flush()`, and can put that off
/// until the event-loop tasks already queued have run, so that what several tasks submitted
/// (calls started, responses sent from other threads) leaves in one write instead of one each.
protocol FlushBatching: AnyObject {
    /// Set only by `flushSoon`.
    var flushBatch: FlushBatch { get set }
    /// How many writes wait for one flush at most.
    static var flushBatchLimit: Int { get }
    var context: ChannelHandlerContext? { get }
    func flush()
}

/// The writes put off so far, and whether a flush is queued for them.
struct FlushBatch {
    var queued = false
    var deferred = 0
}

extension FlushBatching {
    /// Flushes after the tasks already on the event loop, or now when `flushBatchLimit`
    /// writes are waiting. Call on the event loop.
    func flushSoon() {
        guard let context else { return }
        flushBatch.deferred += 1
        if flushBatch.deferred >= Self.flushBatchLimit {
            flushBatch.deferred = 0
            flush()
            return
        }
        guard !flushBatch.queued else { return }
        flushBatch.queued = true
        context.eventLoop.assumeIsolated().execute {
            self.flushBatch = FlushBatch()
            self.flush()
        }
    }
}
