import ManifoldCore
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// The gRPC interop test cases (grpc/doc/interop-test-descriptions.md), Manifold's client
/// against a grpcio server: the independent implementation.
@Suite struct InteropCaseTests {
    /// One server for the suite; each test opens its own client (own connection).
    static let backend = SharedBackend()

    /// Started by the first test that asks, then shared.
    actor SharedBackend {
        private var starting: Task<BackendProcess, any Error>?

        func get() async throws -> BackendProcess {
            if starting == nil { starting = Task { try await InteropBackend.start() } }
            return try await starting!.value
        }
    }

    private func client(_ configure: (inout GRPCConnection.Configuration) -> Void = { _ in }) async throws -> GRPCBackendClient {
        var configuration = GRPCConnection.Configuration()
        configure(&configuration)
        return GRPCBackendClient(host: "127.0.0.1", port: try await Self.backend.get().port, configuration: configuration)
    }

    @Test func emptyUnary() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let response = try await client.unary(try InteropBackend.request("EmptyCall", "{}", type: "SimpleRequest"))
        #expect(response.message.readableBytes == 0)
    }

    @Test func largeUnary() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let json = #"{"responseSize":314159,"payload":{"body":"\#(InteropBackend.zeros(271_828))"}}"#
        let response = try await client.unary(try InteropBackend.request("UnaryCall", json, type: "SimpleRequest"))
        let reply = try InteropBackend.decode(response.message, as: "SimpleResponse")
        #expect(InteropBackend.payloadSize(reply) == 314_159)
        #expect(reply["receivedSize"] == .int(271_828))
    }

    @Test func serverStreaming() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let sizes = [31415, 9, 2653, 58979]
        let parameters = sizes.map { #"{"size":\#($0)}"# }.joined(separator: ",")
        let stream = try await client.serverStreaming(
            try InteropBackend.request("StreamingOutputCall", #"{"responseParameters":[\#(parameters)]}"#, type: "StreamingOutputCallRequest")
        )
        var received: [Int] = []
        for try await message in stream {
            received.append(InteropBackend.payloadSize(try InteropBackend.decode(message, as: "StreamingOutputCallResponse")))
        }
        #expect(received == sizes)
    }

    @Test func serverStreamingEndingInAnError() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let json = #"{"responseParameters":[{"size":3},{"size":4}],"responseStatus":{"code":9,"message":"stopped"}}"#
        let stream = try await client.serverStreaming(try InteropBackend.request("StreamingOutputCall", json, type: "StreamingOutputCallRequest"))
        var received = 0
        let error = await #expect(throws: TransportError.self) {
            for try await _ in stream { received += 1 }
        }
        #expect(received == 2)
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message == "stopped")
    }

    @Test(arguments: [
        "test status message",
        "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n",
    ])
    func statusCodeAndMessage(message: String) async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let json = JSONWriter.string(.object(JSONObject([
            ("responseStatus", .object(JSONObject([("code", .int(2)), ("message", .string(message))]))),
        ])))
        let error = await #expect(throws: TransportError.self) {
            try await client.unary(try InteropBackend.request("UnaryCall", json, type: "SimpleRequest"))
        }
        #expect(error?.code == .unknown)
        #expect(error?.message == message)
        #expect(error?.fromServer == true)
    }

    @Test(arguments: [
        "/manifold.test.v1.InteropService/UnimplementedCall",
        "/manifold.test.v1.NoSuchService/UnimplementedCall",
    ])
    func unimplemented(path: String) async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        var request = try InteropBackend.request("EmptyCall", "{}", type: "SimpleRequest")
        request.path = path
        let error = await #expect(throws: TransportError.self) { try await client.unary(request) }
        #expect(error?.code == .unimplemented)
    }

    @Test func timeoutOnSleepingServer() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let request = try InteropBackend.request("UnaryCall", #"{"sleepMs":3000}"#, type: "SimpleRequest", timeout: .milliseconds(100))
        let error = await #expect(throws: TransportError.self) { try await client.unary(request) }
        #expect(error?.code == .deadlineExceeded)
    }

    @Test func cancelAfterFirstResponse() async throws {
        let backend = try await InteropBackend.start()  // its own, to count cancellations
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let json = #"{"responseParameters":[{"size":31415},{"size":9,"intervalUs":60000000}]}"#
        let stream = try await client.serverStreaming(try InteropBackend.request("StreamingOutputCall", json, type: "StreamingOutputCallRequest"))
        let reader = Task { () -> (Int, TransportError?) in
            var iterator = stream.makeAsyncIterator()
            let first = try await iterator.next()
            withUnsafeCurrentTask { $0?.cancel() }  // cancel the reading task, as a caller would
            do {
                _ = try await iterator.next()
                return (first?.readableBytes ?? 0, nil)
            } catch {
                return (first?.readableBytes ?? 0, error as? TransportError)
            }
        }
        let (firstSize, error) = try await reader.value
        #expect(firstSize > 31415)
        #expect(error?.code == .cancelled)
        // The backend saw the call cancelled (RST_STREAM), long before its 60 s pause ended.
        var cancelled = 0
        var polls = 0
        while cancelled == 0, polls < 50 {
            let response = try await client.unary(GRPCRequest(path: "/manifold.test.Stats/Cancelled", message: ByteBuffer()))
            cancelled = Int(String(buffer: response.message)) ?? -1
            try await Task.sleep(for: .milliseconds(20))
            polls += 1
        }
        #expect(cancelled == 1)
    }

    @Test func customMetadata() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let metadata = [
            HeaderField("x-grpc-test-echo-initial", "test_initial_metadata_value"),
            HeaderField.binary("x-grpc-test-echo-trailing-bin", [0xAB, 0xAB, 0xAB]),
            HeaderField("x-echo-plain", "ascii value"),
            HeaderField.binary("x-echo-bytes-bin", [0, 1, 0xFE, 0xFF]),
        ]
        let unary = try await client.unary(try InteropBackend.request("UnaryCall", "{}", type: "SimpleRequest", metadata: metadata))
        #expect(unary.initialMetadata["x-grpc-test-echo-initial"] == "test_initial_metadata_value")
        #expect(unary.trailingMetadata.binaryValue("x-grpc-test-echo-trailing-bin") == [0xAB, 0xAB, 0xAB])
        #expect(unary.trailingMetadata["x-echo-plain"] == "ascii value")
        #expect(unary.trailingMetadata.binaryValue("x-echo-bytes-bin") == [0, 1, 0xFE, 0xFF])
        // The transport's own fields (grpcio sends content-type, grpc-accept-encoding,
        // grpc-status, ...) are not metadata.
        let transportFields: Set = ["content-type", "te", "user-agent", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message"]
        #expect(!(unary.initialMetadata + unary.trailingMetadata).contains { $0.name.hasPrefix(":") || transportFields.contains($0.name) })
        #expect(unary.initialMetadata.count == 1 && unary.trailingMetadata.count == 3)

        // The same on a failing call (trailers travel with the error) and a stream.
        let failing = try InteropBackend.request("UnaryCall", #"{"responseStatus":{"code":5}}"#, type: "SimpleRequest", metadata: metadata)
        let error = await #expect(throws: TransportError.self) { try await client.unary(failing) }
        #expect(error?.trailers.binaryValue("x-grpc-test-echo-trailing-bin") == [0xAB, 0xAB, 0xAB])

        let stream = try await client.serverStreaming(
            try InteropBackend.request("StreamingOutputCall", #"{"responseParameters":[{"size":1}]}"#, type: "StreamingOutputCallRequest", metadata: metadata)
        )
        var iterator = stream.makeAsyncIterator()
        while try await iterator.next() != nil {}
        #expect(iterator.initialMetadata["x-grpc-test-echo-initial"] == "test_initial_metadata_value")
        #expect(iterator.trailingMetadata.binaryValue("x-grpc-test-echo-trailing-bin") == [0xAB, 0xAB, 0xAB])
    }

    @Test(arguments: [
        HeaderField("grpc-timeout", "1S"),
        HeaderField("te", "trailers"),
        HeaderField("user-agent", "x"),
        HeaderField("grpc-status", "0"),
        HeaderField("content-type", "text/plain"),
        HeaderField("grpc-message", "x"),
        HeaderField("grpc-encoding", "gzip"),
        HeaderField("grpc-accept-encoding", "gzip"),
        HeaderField(":path", "/x"),
        HeaderField("Upper", "x"),
        HeaderField("x-newline", "a\nb"),
        HeaderField("x-bad-bin", "***"),
    ])
    func reservedOrInvalidMetadataIsRefused(field: HeaderField) async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let error = await #expect(throws: TransportError.self) {
            try await client.unary(try InteropBackend.request("EmptyCall", "{}", type: "SimpleRequest", metadata: [field]))
        }
        #expect(error?.code == .internalError)
        #expect(error?.message.contains("\"\(field.name)\"") == true)
    }

    @Test func clientCompressedUnary() async throws {
        let client = try await client { $0.compression = .gzip }
        defer { Task { await client.shutdown() } }
        let json = #"{"responseSize":314159,"expectCompressed":true,"payload":{"body":"\#(InteropBackend.zeros(271_828))"}}"#
        let reply = try InteropBackend.decode(
            try await client.unary(try InteropBackend.request("UnaryCall", json, type: "SimpleRequest")).message,
            as: "SimpleResponse"
        )
        #expect(reply["receivedSize"] == .int(271_828))
        #expect(InteropBackend.payloadSize(reply) == 314_159)
    }

    @Test func serverCompressedUnaryAndStreaming() async throws {
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let unary = try await client.unary(
            try InteropBackend.request("UnaryCall", #"{"responseSize":314159,"responseCompressed":true}"#, type: "SimpleRequest")
        )
        #expect(InteropBackend.payloadSize(try InteropBackend.decode(unary.message, as: "SimpleResponse")) == 314_159)

        let json = #"{"responseCompressed":true,"responseParameters":[{"size":31415},{"size":58979}]}"#
        var sizes: [Int] = []
        for try await message in try await client.serverStreaming(try InteropBackend.request("StreamingOutputCall", json, type: "StreamingOutputCallRequest")) {
            sizes.append(InteropBackend.payloadSize(try InteropBackend.decode(message, as: "StreamingOutputCallResponse")))
        }
        #expect(sizes == [31415, 58979])
    }

    @Test func responseLargerThanTheLimitIsResourceExhausted() async throws {
        let client = try await client { $0.maxResponseMessageSize = 100_000 }
        defer { Task { await client.shutdown() } }
        for compressed in [false, true] {
            let json = #"{"responseSize":200000,"responseCompressed":\#(compressed)}"#
            let error = await #expect(throws: TransportError.self) {
                try await client.unary(try InteropBackend.request("UnaryCall", json, type: "SimpleRequest"))
            }
            #expect(error?.code == .resourceExhausted)
        }
        // Within the limit still works on the same connection.
        _ = try await client.unary(try InteropBackend.request("UnaryCall", #"{"responseSize":99000}"#, type: "SimpleRequest"))
        #expect(client.connectionsOpened == 1)
    }

    @Test func slowStreamReaderHoldsBackTheServer() async throws {
        // 64 messages of 64 KiB (4 MiB) against a 1 MiB stream window: without a reader the
        // server must stop, not fill our memory. Then reading drains it all, in order.
        let client = try await client()
        defer { Task { await client.shutdown() } }
        let parameters = Array(repeating: #"{"size":65536}"#, count: 64).joined(separator: ",")
        let stream = try await client.serverStreaming(
            try InteropBackend.request("StreamingOutputCall", #"{"responseParameters":[\#(parameters)]}"#, type: "StreamingOutputCallRequest", timeout: .seconds(30))
        )
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        try await Task.sleep(for: .milliseconds(500))
        var count = 1
        while try await iterator.next() != nil { count += 1 }
        #expect(count == 64)
    }
}
