import Foundation

/// A Python grpcio server started for a test: the independent gRPC implementation Manifold
/// interoperates with. It prints `LISTENING <port>` once it accepts connections, and exits
/// when stopped or when its stdin closes (so it never outlives a crashed test run).
public final class BackendProcess: @unchecked Sendable {
    // @unchecked: `process` and the pipes are set once in init; Process itself is thread-safe
    // for terminate/wait, the only calls made after init.
    public let port: Int
    private let process: Process
    private let stdin: Pipe

    /// Starts `script` (relative to the repository root) with `--port 0` and `arguments`,
    /// and returns once it listens.
    ///
    /// Waiting for a Python server to start blocks a thread for a second or more; that
    /// happens on a thread of its own, not on one of the cooperative pool's (two, on two
    /// cores), where it would starve every other test's tasks, a gRPC server's handlers
    /// among them.
    public static func start(script: String, arguments: [String] = []) async throws -> BackendProcess {
        try await offThePool { try BackendProcess(script: script, arguments: arguments) }
    }

    private init(script: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", Repository.path(script), "--port", "0", "--exit-with-stdin"] + arguments
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        self.process = process
        self.stdin = stdin

        var output = Data()
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while port == nil, Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // the process exited
            output.append(chunk)
            for line in String(decoding: output, as: UTF8.self).split(separator: "\n") where line.hasPrefix("LISTENING ") {
                port = Int(line.dropFirst("LISTENING ".count))
            }
        }
        guard let port else {
            process.terminate()
            throw BackendProcessError(message: "\(script) did not start: \(String(decoding: output, as: UTF8.self))")
        }
        self.port = port
    }

    /// Stops the server (SIGTERM), and kills it (SIGKILL) if it has not exited within two
    /// seconds, so a wedged backend can never hang the test run.
    public func stop() async {
        let process = self.process
        _ = try? await Self.offThePool { Self.terminate(process) }
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)  // a paused process would never act on SIGTERM
        process.terminate()
        for _ in 0..<200 where process.isRunning {
            usleep(10_000)
        }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Kills the server abruptly (SIGKILL), as a crashing backend would die.
    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Freezes the server (SIGSTOP): its sockets stay open but nothing answers, as with a
    /// hung process or a partitioned host.
    public func pause() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGSTOP)
    }

    /// Undoes `pause()`.
    public func resume() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
    }

    deinit {
        // Not on the releasing thread, which is often one of the cooperative pool's.
        let process = self.process
        Thread.detachNewThread { Self.terminate(process) }
    }

    /// Runs blocking `work` on a thread of its own and waits for it without blocking.
    private static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

public struct BackendProcessError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
