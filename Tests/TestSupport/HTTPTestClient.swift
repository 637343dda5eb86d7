import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client over a real socket: one connection per request, the whole
/// response collected. Enough to drive the gateway from tests without another dependency.
public enum HTTPTestClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: String

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public static func request(
        _ method: String = "GET",
        port: Int,
        path: String,
        headers: [(String, String)] = [],
        body: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        // A gateway that never answers fails the test rather than hanging the run.
        let timedOut = NIOLockedValueBox(false)
        let watchdog = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.components.seconds * 1_000_000_000)) { [channel = channel.channel] in
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { watchdog.cancel() }
        let response: Response
        do {
            response = try await exchange(over: channel, method: method, port: port, path: path, headers: headers, body: body)
        } catch where timedOut.withLockedValue({ $0 }) {
            throw HTTPTestClientError(message: "no whole response within \(timeout)")
        }
        if timedOut.withLockedValue({ $0 }) { throw HTTPTestClientError(message: "no whole response within \(timeout)") }
        return response
    }

    private static func exchange(
        over channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>,
        method: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        body: String?
    ) async throws -> Response {
        try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
            head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            if let body { head.headers.add(name: "Content-Length", value: "\(body.utf8.count)") }
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
            try await outbound.write(.end(nil))

            var response = Response(status: 0, headers: [], body: "")
            var collected = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head):
                    response.status = Int(head.status.code)
                    response.headers = head.headers.map { ($0.name, $0.value) }
                case .body(var chunk):
                    collected.writeBuffer(&chunk)
                case .end:
                    response.body = String(buffer: collected)
                    return response
                }
            }
            response.body = String(buffer: collected)
            return response
        }
    }
}

public struct HTTPTestClientError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
