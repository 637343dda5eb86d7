import Foundation
import ManifoldCore
#if canImport(Glibc)
import Glibc
#endif

/// A Python grpcio server started for a test: the independent gRPC implementation Manifold
/// interoperates with. It prints `LISTENING <port>` once it accepts connections, and exits
/// when stopped or when its stdin closes (so it never outlives a crashed test run).
public final class BackendProcess: @unchecked Sendable {
    // @unchecked: every stored property is set once in init; `SpawnedProcess` is
    // thread-safe, and `stdin` is only held open (the child exits when it closes).
    public let port: Int
    private let process: SpawnedProcess
    private let stdin: FileHandle

    /// Starts `script` (relative to the repository root) with `--port 0` and `arguments`,
    /// and returns once it listens.
    ///
    /// Waiting for a Python server to start blocks a thread for a second or more; that
    /// happens on a thread of its own, not on one of the cooperative pool's (two, on two
    /// cores), where it would starve every other test's tasks, a gRPC server's handlers
    /// among them.
    public static func start(script: String, arguments: [String] = []) async throws -> BackendProcess {
        let command = ["python3", "-u", Repository.path(script), "--port", "0", "--exit-with-stdin"] + arguments
        return try await offThePool {
            try BackendProcess(command: command, environment: [:], name: script) { line in
                line.hasPrefix("LISTENING ") ? Int(line.dropFirst("LISTENING ".count)) : nil
            }
        }
    }

    /// Starts any server program, found on `PATH` (or by its path), with `environment`
    /// added to ours, and returns once `port` finds the port it listens on in a line it
    /// printed.
    public static func start(
        command: [String],
        environment: [String: String] = [:],
        port: @escaping @Sendable (Substring) -> Int?
    ) async throws -> BackendProcess {
        try await offThePool {
            try BackendProcess(command: command, environment: environment, name: command[0], port: port)
        }
    }

    private init(command: [String], environment: [String: String], name: String, port parsePort: (Substring) -> Int?) throws {
        // The child's ends become its stdin and stdout, and ours are closed once it runs; no
        // other child inherits either (`SpawnedProcess` closes the rest in each child).
        let stdout = try Self.pipe(), stdin = try Self.pipe()
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                command,
                environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" },
                stdin: .descriptor(stdin.read),
                stdout: .descriptor(stdout.write)
            )
        } catch {
            for descriptor in [stdout.read, stdout.write, stdin.read, stdin.write] { close(descriptor) }
            throw BackendProcessError(message: "\(error)")
        }
        close(stdout.write)
        close(stdin.read)
        let output = FileHandle(fileDescriptor: stdout.read, closeOnDealloc: true)

        // Poll with a deadline rather than block in a read: a server that hangs before it
        // listens must fail this test, not stall the whole run.
        var printed = Data()
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while port == nil {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var ready = pollfd(fd: stdout.read, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let chunk = output.availableData
            if chunk.isEmpty { break }  // the process exited
            printed.append(chunk)
            for line in String(decoding: printed, as: UTF8.self).split(separator: "\n") {
                if let found = parsePort(line) { port = found }
            }
        }
        self.process = process
        self.stdin = FileHandle(fileDescriptor: stdin.write, closeOnDealloc: true)
        guard let port else {
            Self.terminate(process)
            throw BackendProcessError(message: "\(name) did not listen within 30 s: \(String(decoding: printed, as: UTF8.self))")
        }
        // Keep draining stdout, so a chatty server never blocks on a full pipe.
        Thread.detachNewThread { while !output.availableData.isEmpty {} }
        self.port = port
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard Glibc.pipe(&descriptors) == 0 else { throw BackendProcessError(message: "pipe: errno \(errno)") }
        return (descriptors[0], descriptors[1])
    }

    /// Stops the server (SIGTERM), and kills it (SIGKILL) if it has not exited within two
    /// seconds, so a wedged backend can never hang the test run.
    public func stop() async {
        let process = self.process
        _ = try? await Self.offThePool { Self.terminate(process) }
    }

    private static func terminate(_ process: SpawnedProcess) {
        guard !process.hasExited else { return }
        process.signal(SIGCONT)  // a paused process would never act on SIGTERM
        process.signal(SIGTERM)
        if process.wait(timeout: .seconds(2)) == nil {
            process.signal(SIGKILL)
            _ = process.wait()
        }
    }

    /// Kills the server abruptly (SIGKILL), as a crashing backend would die.
    public func kill() {
        process.signal(SIGKILL)
        _ = process.wait()
    }

    /// Freezes the server (SIGSTOP): its sockets stay open but nothing answers, as with a
    /// hung process or a partitioned host.
    public func pause() {
        process.signal(SIGSTOP)
    }

    /// Undoes `pause()`.
    public func resume() {
        process.signal(SIGCONT)
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
