import ManifoldCore
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// A backend that misbehaves, on a real socket: every fault ends the call with a status the
/// gateway can map, leaves no stream open on the backend and leaves the client usable.
@Suite struct FaultTests {
    @Test(arguments: [
        ("MalformedPrefix", GRPCStatusCode.internalError),
        ("TruncatedMessage", .internalError),
        ("HugeDeclared", .resourceExhausted),
        ("Reset", .internalError),
        ("NoStatus", .internalError),
        ("Garbage", .internalError),
        ("CloseMidStream", .unavailable),
        ("HugeHeaders", .resourceExhausted),
        ("EndlessHeaders", .resourceExhausted),
    ])
    func faultMapsToAStatus(mode: String, code: GRPCStatusCode) async throws {
        let backend = try await FaultyBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let error = await #expect(throws: TransportError.self) { try await client.unary(FaultyBackend.request(mode)) }
        #expect(error?.code == code, "\(error?.message ?? "")")

        // The client recovers, on the same connection or a new one, and nothing leaks.
        let echoed = try await client.unary(FaultyBackend.request("Ok", [7, 7]))
        #expect(Array(buffer: echoed.message) == [7, 7])
        #expect(try await FaultyBackend.openStreamsSettled(backend) == 0)
        #expect(try await FaultyBackend.stat("OpenConnections", of: backend) == 1)
    }

    @Test(arguments: ["Stall", "StallNoHeaders"])
    func stalledBackendHitsTheDeadlineAndTheStreamIsReset(mode: String) async throws {
        let backend = try await FaultyBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        _ = try await client.unary(FaultyBackend.request("Ok"))  // connected
        let error = await #expect(throws: TransportError.self) {
            try await client.unary(FaultyBackend.request(mode, timeout: .milliseconds(200)))
        }
        #expect(error?.code == .deadlineExceeded, "\(error?.message ?? "")")
        #expect(try await FaultyBackend.openStreamsSettled(backend) == 0)
        #expect(client.connectionsOpened == 1)
    }

    @Test func keepaliveDetectsAFrozenBackend() async throws {
        let backend = try await FaultyBackend.start()
        var configuration = GRPCConnection.Configuration()
        configuration.keepalive = .init(interval: .milliseconds(200), timeout: .seconds(3))
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port, configuration: configuration)
        defer { Task { await client.shutdown() } }
        _ = try await client.unary(FaultyBackend.request("Ok"))  // connected
        // A deadline far beyond the keepalive's, so only a broken keepalive reaches it.
        let call = Task { try await client.unary(FaultyBackend.request("Stall", timeout: .seconds(30))) }
        // PINGs are answered: the call stays in flight.
        var waited = 0
        while try await FaultyBackend.stat("OpenStreams", of: backend) == 0, waited < 100 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await FaultyBackend.stat("OpenStreams", of: backend) == 1)
        backend.pause()
        defer { backend.resume() }
        let result = await call.result
        let error = #expect(throws: TransportError.self) { try result.get() }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("keepalive") == true)
    }

    @Test func goAwayDuringLoadLosesNoCall() async throws {
        let backend = try await FaultyBackend.start()
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let results = await withTaskGroup(of: Result<[UInt8], TransportError>.self) { group in
            for i in 0..<120 {
                let mode = i % 30 == 10 ? "GoAway" : "Ok"
                group.addTask {
                    do {
                        // A wide deadline: each GOAWAY sends the calls it refuses to a new
                        // connection, and on a loaded machine (a sanitizer run) that takes seconds.
                        let request = FaultyBackend.request(mode, [UInt8(i)], timeout: .seconds(60))
                        return .success(Array(buffer: try await client.unary(request).message))
                    } catch {
                        return .failure(error as? TransportError ?? TransportError(.unknown, "\(error)"))
                    }
                }
            }
            var all: [Result<[UInt8], TransportError>] = []
            for await result in group { all.append(result) }
            return all
        }
        let failures = results.compactMap { result -> TransportError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(Set(results.compactMap { try? $0.get() }) == Set((0..<120).map { [UInt8($0)] }))
        #expect(client.connectionsOpened >= 2)
        #expect(try await FaultyBackend.openStreamsSettled(backend) == 0)
    }

    @Test func requestsAreCompressedOnTheWire() async throws {
        let backend = try await FaultyBackend.start()
        var configuration = GRPCConnection.Configuration()
        configuration.compression = .gzip
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port, configuration: configuration)
        defer { Task { await client.shutdown() } }
        let message = [UInt8](repeating: 42, count: 10_000)
        let response = try await client.unary(FaultyBackend.request("Ok", message))
        #expect(response.trailingMetadata["x-request-compressed"] == "1")
        #expect(Array(buffer: response.message) == message)
    }

    /// A backend that lets each stream send only 3 bytes before it acknowledges them: every
    /// request goes out in pieces that split its 5-byte length prefix and its message.
    @Test func requestsCrossATinyFlowControlWindow() async throws {
        let backend = try await FaultyBackend.start(arguments: ["--stream-window", "3"])
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        for size in [0, 1, 2, 3, 4, 300] {
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
            let response = try await client.unary(FaultyBackend.request("Ok", message))
            #expect(Array(buffer: response.message) == message, "\(size) bytes")
        }
        #expect(try await FaultyBackend.openStreamsSettled(backend) == 0)
    }
}
