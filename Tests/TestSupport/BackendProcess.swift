import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// A Python grpcio server started for a test: the independent gRPC implementation Manifold
/// interoperates with. It prints `LISTENING <port>` once it accepts connections, and exits
/// when stopped or when its stdin closes (so it never outlives a crashed test run).
public final class BackendProcess: @unchecked Sendable {
    // @unchecked: every stored property is set once in init; `ExitSignal` is thread-safe,
    // and the process is only signalled (kill(2)) after init.
    public let port: Int
    private let process: Process
    private let exit: ExitSignal
    private let stdin: Pipe

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        let exit = ExitSignal()
        process.terminationHandler = { _ in exit.signal() }  // before run(): a quick exit is not missed
        try process.run()

        // Poll with a deadline rather than block in a read: a server that hangs before it
        // listens must fail this test, not stall the whole run.
        var output = Data()
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        let descriptor = stdout.fileHandleForReading.fileDescriptor
        while port == nil {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // the process exited
            output.append(chunk)
            for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
                if let found = parsePort(line) { port = found }
            }
        }
        guard let port else {
            Self.terminate(process, exit)
            throw BackendProcessError(message: "\(name) did not listen within 30 s: \(String(decoding: output, as: UTF8.self))")
        }
        // Keep draining stdout, so a chatty server never blocks on a full pipe.
        Thread.detachNewThread { while !stdout.fileHandleForReading.availableData.isEmpty {} }
        self.process = process
        self.exit = exit
        self.stdin = stdin
        self.port = port
    }

    /// Stops the server (SIGTERM), and kills it (SIGKILL) if it has not exited within two
    /// seconds, so a wedged backend can never hang the test run.
    public func stop() async {
        let (process, exit) = (self.process, self.exit)
        _ = try? await Self.offThePool { Self.terminate(process, exit) }
    }

    private static func terminate(_ process: Process, _ exit: ExitSignal) {
        guard !exit.hasExited else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)  // a paused process would never act on SIGTERM
        Foundation.kill(process.processIdentifier, SIGTERM)
        if !exit.wait(seconds: 2) {
            Foundation.kill(process.processIdentifier, SIGKILL)
            _ = exit.wait(seconds: nil)
        }
    }

    /// Kills the server abruptly (SIGKILL), as a crashing backend would die.
    public func kill() {
        guard !exit.hasExited else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        _ = exit.wait(seconds: nil)
    }

    /// Freezes the server (SIGSTOP): its sockets stay open but nothing answers, as with a
    /// hung process or a partitioned host.
    public func pause() {
        guard !exit.hasExited else { return }
        Foundation.kill(process.processIdentifier, SIGSTOP)
    }

    /// Undoes `pause()`.
    public func resume() {
        guard !exit.hasExited else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
    }

    deinit {
        // Not on the releasing thread, which is often one of the cooperative pool's.
        let (process, exit) = (self.process, self.exit)
        Thread.detachNewThread { Self.terminate(process, exit) }
    }

    /// Runs blocking `work` on a thread of its own and waits for it without blocking.
    private static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// A child's exit, as its `terminationHandler` reports it; any number of threads may wait.
/// (Not `Process.waitUntilExit()`, which on Linux can miss an exit and hang for ever.)
private final class ExitSignal: Sendable {
    private let exited = NIOLockedValueBox(false)
    private let semaphore = DispatchSemaphore(value: 0)

    var hasExited: Bool { exited.withLockedValue { $0 } }

    func signal() {
        exited.withLockedValue { $0 = true }
        semaphore.signal()
    }

    /// Waits up to `seconds` (for ever if nil); true once the child has exited.
    func wait(seconds: Double?) -> Bool {
        let deadline: DispatchTime = seconds.map { .now() + $0 } ?? .distantFuture
        guard semaphore.wait(timeout: deadline) == .success else { return hasExited }
        semaphore.signal()  // leave it signalled for the next waiter
        return true
    }
}

public struct BackendProcessError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
