import Foundation
import ManifoldCore
import ManifoldSchema
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// Manifold's server role serving the interop service, called by grpcio's client (the
/// independent implementation) through Tests/Backends/interop_client.py.
@Suite struct ServerRoleTests {
    static let service = "/manifold.test.v1.InteropService/"

    /// The interop service, as interop_backend.py implements it in Python.
    static let methods: [String: GRPCServerHandler] = [
        service + "EmptyCall": emptyCall,
        service + "UnaryCall": unaryCall,
        service + "StreamingOutputCall": streamingOutputCall,
    ]

    @Sendable static func emptyCall(_ request: GRPCServerRequest, _ writer: GRPCServerResponseWriter) async throws {
        await writer.send(ByteBuffer())
    }

    @Sendable static func unaryCall(_ request: GRPCServerRequest, _ writer: GRPCServerResponseWriter) async throws {
        let json = try InteropBackend.decode(request.message, as: "SimpleRequest")
        echoMetadata(request, writer)
        try await Task.sleep(for: .milliseconds(integer(json["sleepMs"])))
        try failIfAsked(json["responseStatus"])
        let reply = JSONValue.object(JSONObject([
            ("payload", .object(JSONObject([("body", .string(InteropBackend.zeros(Int(integer(json["responseSize"])))))]))),
            ("receivedSize", .int(Int64(InteropBackend.payloadSize(json)))),
        ]))
        let bytes = try EchoBackend.codec.encode(reply, messageNamed: "manifold.test.v1.SimpleResponse")
        await writer.send(ByteBuffer(bytes: bytes), compression: json["responseCompressed"] == .bool(true) ? .gzip : nil)
    }

    @Sendable static func streamingOutputCall(_ request: GRPCServerRequest, _ writer: GRPCServerResponseWriter) async throws {
        let json = try InteropBackend.decode(request.message, as: "StreamingOutputCallRequest")
        echoMetadata(request, writer)
        var parameters: [JSONValue] = []
        if case .array(let list)? = json["responseParameters"] { parameters = list }
        for parameter in parameters {
            try await Task.sleep(for: .microseconds(integer(parameter["intervalUs"])))
            let reply = JSONValue.object(JSONObject([
                ("payload", .object(JSONObject([("body", .string(InteropBackend.zeros(Int(integer(parameter["size"])))))]))),
            ]))
            let bytes = try EchoBackend.codec.encode(reply, messageNamed: "manifold.test.v1.StreamingOutputCallResponse")
            await writer.send(ByteBuffer(bytes: bytes), compression: json["responseCompressed"] == .bool(true) ? .gzip : nil)
        }
        try failIfAsked(json["responseStatus"])
    }

    static func integer(_ value: JSONValue?) -> Int64 {
        guard case .number(let number)? = value else { return 0 }
        return number.int64Value ?? 0
    }

    static func echoMetadata(_ request: GRPCServerRequest, _ writer: GRPCServerResponseWriter) {
        let initial = request.metadata.filter { $0.name == "x-grpc-test-echo-initial" }
        if !initial.isEmpty { writer.sendInitialMetadata(initial) }
        writer.setTrailingMetadata(request.metadata.filter { $0.name == "x-grpc-test-echo-trailing-bin" || $0.name.hasPrefix("x-echo-") })
    }

    static func failIfAsked(_ status: JSONValue?) throws {
        let value = integer(status?["code"])
        guard value != 0 else { return }
        guard case .string(let message)? = status?["message"] else { throw TransportError(GRPCStatusCode(rawValue: Int(value)), "") }
        throw TransportError(GRPCStatusCode(rawValue: Int(value)), message)
    }

    static let interopCases = [
        "empty_unary", "large_unary", "server_streaming", "status_code_and_message", "special_status_message",
        "unimplemented_method", "unimplemented_service", "timeout_on_sleeping_server", "cancel_after_first_response",
        "custom_metadata", "client_compressed_unary", "server_compressed_unary",
        "oversized_metadata",  // ours: past the header-list limit, one call fails, the connection lives
    ]

    /// One client process runs every case in turn (twelve grpcio processes at once would
    /// load the machine more than the calls do).
    @Test func grpcioClientInteroperates() async throws {
        let server = try await GRPCServer.start(methods: Self.methods)
        defer { Task { await server.close() } }
        let outcome = try await ChildProcess.run([
            "python3", Repository.path("Tests/Backends/interop_client.py"), "--port", String(server.port), "--case", "all",
        ])
        let text = outcome.text
        #expect(outcome.status == 0, "\(text)")
        for testCase in Self.interopCases {
            #expect(text.contains("PASS \(testCase)\n"), "\(text)")
        }
    }

    @Test func manifoldClientAgainstManifoldServer() async throws {
        let server = try await GRPCServer.start(methods: Self.methods)
        defer { Task { await server.close() } }
        let client = GRPCBackendClient(host: "127.0.0.1", port: server.port)
        defer { Task { await client.shutdown() } }
        let unary = try await client.unary(try InteropBackend.request("UnaryCall", #"{"responseSize":70000}"#, type: "SimpleRequest"))
        #expect(InteropBackend.payloadSize(try InteropBackend.decode(unary.message, as: "SimpleResponse")) == 70000)
        var sizes: [Int] = []
        let json = #"{"responseParameters":[{"size":5},{"size":100000}],"responseCompressed":true}"#
        for try await message in try await client.serverStreaming(try InteropBackend.request("StreamingOutputCall", json, type: "StreamingOutputCallRequest")) {
            sizes.append(InteropBackend.payloadSize(try InteropBackend.decode(message, as: "StreamingOutputCallResponse")))
        }
        #expect(sizes == [5, 100000])
    }

    /// A handler streaming to a client that does not read is held back: it gets about the
    /// client's stream window plus the writer's queue ahead, not the whole response; then the
    /// client reads everything, in order.
    @Test func streamingHandlerWaitsForASlowClient() async throws {
        let messageSize = 64 << 10, messageCount = 256  // 16 MiB in all
        let sent = Counter()
        let server = try await GRPCServer.start(methods: ["/bench.Stream/Out": { _, writer in
            for index in 0..<messageCount {
                var message = ByteBuffer(repeating: 0, count: messageSize)
                message.setInteger(UInt32(index), at: 0)
                await writer.send(message)
                sent.add(1)
            }
        }])
        defer { Task { await server.close() } }
        let client = GRPCBackendClient(host: "127.0.0.1", port: server.port)
        defer { Task { await client.shutdown() } }

        var messages = try await client.serverStreaming(GRPCRequest(path: "/bench.Stream/Out", message: ByteBuffer())).makeAsyncIterator()
        _ = try await messages.next()
        // Let the handler run as far as it may: until its count holds still for a second
        // (on a loaded machine its task can wait a while for a thread).
        var ahead = sent.value, stillFor = 0, polls = 0
        while stillFor < 5, polls < 100 {
            try await Task.sleep(for: .milliseconds(200))
            stillFor = sent.value == ahead ? stillFor + 1 : 0
            ahead = sent.value
            polls += 1
        }
        // The client's 1 MiB stream window, the writer's 256 KiB queue, one message in hand:
        // about 20, far short of the 256 a handler that never waits would have sent.
        #expect(ahead >= 8 && ahead <= 24, "the handler sent \(ahead) of \(messageCount) messages to a client that read one")

        var indices = [0]
        while let message = try await messages.next() {
            indices.append(Int(message.getInteger(at: message.readerIndex, as: UInt32.self)!))
            #expect(message.readableBytes == messageSize)
        }
        #expect(indices == Array(0..<messageCount))
        #expect(sent.value == messageCount)
    }
}
