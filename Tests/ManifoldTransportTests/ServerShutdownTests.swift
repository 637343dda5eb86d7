import Foundation
import ManifoldCore
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// The server role shut down gracefully: calls in flight finish, new ones find no server,
/// and calls still running after the grace period end with the connection.
@Suite struct ServerShutdownTests {
    /// grpcio's client has a call sleeping on the server when the shutdown starts.
    @Test func callsInFlightFinishAndLaterCallsFindNoServer() async throws {
        let started = Counter()
        var methods = ServerRoleTests.methods
        methods[ServerRoleTests.service + "UnaryCall"] = { request, writer in
            started.add(1)
            try await ServerRoleTests.unaryCall(request, writer)
        }
        let server = try await GRPCServer.start(methods: methods)
        let client = Task {
            try await ChildProcess.run([
                "python3", Repository.path("Tests/Backends/interop_client.py"),
                "--port", String(server.port), "--case", "call_in_flight_at_shutdown",
            ])
        }
        try await Self.waitFor { started.value == 1 }
        await server.shutdownGracefully(grace: .seconds(20))
        let outcome = try await client.value
        #expect(outcome.status == 0, "\(outcome.text)")
        #expect(outcome.text.contains("PASS call_in_flight_at_shutdown\n"), "\(outcome.text)")
    }

    @Test func callsStillRunningAfterTheGraceEndWithTheConnection() async throws {
        let started = Counter()
        let server = try await GRPCServer.start(methods: ["/test.Slow/Call": { _, writer in
            started.add(1)
            try await Task.sleep(for: .seconds(60))
            await writer.send(ByteBuffer())
        }])
        let client = GRPCBackendClient(host: "127.0.0.1", port: server.port)
        defer { Task { await client.shutdown() } }
        let call = Task { try await client.unary(GRPCRequest(path: "/test.Slow/Call", message: ByteBuffer(), timeout: .seconds(30))) }
        try await Self.waitFor { started.value == 1 }
        await server.shutdownGracefully(grace: .milliseconds(300))
        let error = await #expect(throws: TransportError.self) { try await call.value }
        #expect(error?.code == .unavailable, "\(String(describing: error))")
    }

    @Test func anIdleServerShutsDownAtOnceAndRefusesNewCalls() async throws {
        let server = try await GRPCServer.start(methods: ServerRoleTests.methods)
        let client = GRPCBackendClient(host: "127.0.0.1", port: server.port)
        defer { Task { await client.shutdown() } }
        _ = try await client.unary(GRPCRequest(path: ServerRoleTests.service + "EmptyCall", message: ByteBuffer()))
        // A drained idle connection closes itself at once; waiting out the grace would take a minute.
        let start = ContinuousClock.now
        await server.shutdownGracefully(grace: .seconds(60))
        #expect(ContinuousClock.now - start < .seconds(30))
        let error = await #expect(throws: TransportError.self) {
            try await client.unary(GRPCRequest(path: ServerRoleTests.service + "EmptyCall", message: ByteBuffer(), timeout: .seconds(5)))
        }
        #expect(error?.code == .unavailable)
    }

    /// Polls `condition` every 10 ms, for 20 s at most.
    private static func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(condition(), "the condition never held")
    }
}
