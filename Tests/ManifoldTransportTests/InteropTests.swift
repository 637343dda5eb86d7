import ManifoldCore
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// Manifold's gRPC client against grpcio, the independent implementation, over 127.0.0.1.
@Suite struct InteropTests {
    @Test func unaryCallRoundTrips() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let response = try await client.unary(try EchoBackend.request(#"{"text":"hello"}"#, timeout: .seconds(5)))
        let reply = try EchoBackend.reply(response)
        #expect(reply["text"] == .string("hello"))
        #expect(reply["big"] == .number(JSONNumber(Int64(-9_007_199_254_740_993), quoted: true)))
        #expect(reply["ubig"] == .number(JSONNumber(UInt64.max, quoted: true)))
    }

    @Test(arguments: [
        (5, "not here"),
        (3, "unicode ✓ and control \t\n chars, 100% percent"),
        (14, ""),
    ])
    func statusCodeAndMessageArriveIntact(code: Int, message: String) async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let json = JSONWriter.string(.object(JSONObject([("fail_code", .int(Int64(code))), ("fail_message", .string(message))])))
        let error = await #expect(throws: TransportError.self) { try await client.unary(try EchoBackend.request(json)) }
        #expect(error?.code == GRPCStatusCode(rawValue: code))
        #expect(error?.message == message)
        #expect(error?.fromServer == true)
    }

    @Test func unimplementedMethod() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        var request = try EchoBackend.request("{}")
        request.path = "/manifold.test.v1.EchoService/Nope"
        let error = await #expect(throws: TransportError.self) { try await client.unary(request) }
        #expect(error?.code == .unimplemented)
    }

    @Test func deadlineExceededOnASleepingServer() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let error = await #expect(throws: TransportError.self) {
            try await client.unary(try EchoBackend.request(#"{"delay_ms":3000}"#, timeout: .milliseconds(100)))
        }
        #expect(error?.code == .deadlineExceeded)
        // The connection stays usable after a reset stream.
        let reply = try EchoBackend.reply(try await client.unary(try EchoBackend.request(#"{"text":"after"}"#)))
        #expect(reply["text"] == .string("after"))
    }

    @Test func cancellingTheTaskCancelsTheCall() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let request = try EchoBackend.request(#"{"delay_ms":5000}"#)
        let task = Task { try await client.unary(request) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        #expect(throws: TransportError(.cancelled, "call cancelled")) { try result.get() }
    }

    @Test func refusedConnectionIsUnavailable() async throws {
        let refusing = RefusingPort()
        let port = refusing.port
        let client = GRPCBackendClient(host: "127.0.0.1", port: port)
        let error = await #expect(throws: TransportError.self) { try await client.unary(try EchoBackend.request("{}")) }
        #expect(error?.code == .unavailable)
    }

    @Test func backendKilledMidCallIsUnavailable() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        _ = try await client.unary(try EchoBackend.request("{}"))  // connected
        let request = try EchoBackend.request(#"{"delay_ms":5000}"#)
        let call = Task { try await client.unary(request) }
        try await Task.sleep(for: .milliseconds(200))
        backend.kill()
        let result = await call.result
        let error = #expect(throws: TransportError.self) { try result.get() }
        #expect(error?.code == .unavailable)
    }

    @Test func hundredConcurrentCallsShareOneConnection() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<100 {
                let request = try EchoBackend.request(#"{"text":"call \#(i)","delay_ms":50}"#, timeout: .seconds(10))
                group.addTask {
                    guard case .string(let text)? = try EchoBackend.reply(try await client.unary(request))["text"] else { return "" }
                    return text
                }
            }
            var all: [String] = []
            for try await text in group { all.append(text) }
            return all
        }
        #expect(Set(texts) == Set((0..<100).map { "call \($0)" }))
        #expect(client.connectionsOpened == 1)
        #expect(try await EchoBackend.peers(client) == 1)
    }

    @Test func responsesLargerThanTheWindowAndFrames() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let reply = try EchoBackend.reply(try await client.unary(try EchoBackend.request(#"{"reply_size":3000000}"#)))
        guard case .string(let payload)? = reply["payload"] else {
            Issue.record("no payload")
            return
        }
        #expect(Base64.decode(payload)?.count == 3_000_000)
    }

    @Test func responsesOverTheLimitAreResourceExhausted() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let error = await #expect(throws: TransportError.self) {
            try await client.unary(try EchoBackend.request(#"{"reply_size":5000000}"#))
        }
        #expect(error?.code == .resourceExhausted)
    }
}
