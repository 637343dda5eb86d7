import HummingbirdCore
import Logging
import ManifoldTransport
import NIOCore

/// Hummingbird's HTTP/1.1 connection handling, with each connection's task run on the
/// connection's own event loop (`EventLoopExecutor`), as an Envoy worker serves a
/// connection start to finish on its one thread.
///
/// A request's backend calls then go out on that loop's own backend connections
/// (`GRPCBackendClient` keeps a set per loop) and every await resumes on the same thread:
/// reading the request, each call's answer, writing the response. Without it the
/// connection's task runs on the Swift concurrency pool, and every one of those steps
/// crosses between a pool thread and an event-loop thread, waking one each time.
///
/// The price is that a request's JSON and composition work runs on the loop, so a slow
/// request delays the other connections of its loop; routes do bounded work per request
/// (sizes and call counts are capped by the config), which keeps that short.
struct LoopBoundHTTPChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, each connection served on its own event loop.
    static func http1OnConnectionLoops() -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            LoopBoundHTTPChannel(inner: HTTP1Channel(responder: responder))
        }
    }
}
