import ManifoldTransport
import NIOCore
import TestSupport

/// The misbehaving h2 server (Tests/Backends/faulty_backend.py): the method name picks the
/// fault.
enum FaultyBackend {
    static func start(arguments: [String] = []) async throws -> BackendProcess {
        try await BackendProcess.start(script: "Tests/Backends/faulty_backend.py", arguments: arguments)
    }

    static func request(_ mode: String, _ message: [UInt8] = [1, 2, 3], timeout: Duration? = .seconds(10)) -> GRPCRequest {
        GRPCRequest(path: "/manifold.test.Faults/\(mode)", message: ByteBuffer(bytes: message), timeout: timeout)
    }

    /// A counter from the backend's own view, asked over a separate connection so the
    /// asking does not disturb what is counted.
    static func stat(_ name: String, of backend: BackendProcess) async throws -> Int {
        let connection = try await GRPCConnection.connect(host: "127.0.0.1", port: backend.port)
        defer { Task { await connection.close() } }
        let response = try await connection.unary(GRPCRequest(path: "/manifold.test.Stats/\(name)", message: ByteBuffer()))
        return Int(String(buffer: response.message)) ?? -1
    }

    /// Waits until the backend's count of open streams drops to zero (resets travel
    /// asynchronously), up to a bound; returns the last count seen.
    static func openStreamsSettled(_ backend: BackendProcess) async throws -> Int {
        var open = -1
        for _ in 0..<50 {
            open = try await stat("OpenStreams", of: backend)
            if open == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return open
    }
}
