#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSpawn
import Synchronization

/// A child process started with `posix_spawnp` and reaped with `waitpid` on its own pid.
///
/// Not Foundation's `Process`: on Linux, with several children running at once, it can
/// miss a child's exit, leaving the child a zombie and both `waitUntilExit()` and
/// `terminationHandler` waiting for ever (seen as one test run in ten hanging in protoc).
/// Waiting here asks the kernel about this one pid, so no exit can be missed.
///
/// Streams are files or descriptors the caller owns, never pipes made here: a caller that
/// needs a pipe reads it knowing the child is its only other holder (every descriptor
/// past the three streams is closed in the child).
public final class SpawnedProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        case inherit
        case null
        /// A file opened for reading (standard input).
        case readFile(String)
        /// A file created or truncated for writing (standard output or error).
        case writeFile(String)
        /// A descriptor of the caller's, such as one end of a pipe; the caller closes its
        /// copy once the child is spawned.
        case descriptor(Int32)
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Reaped by someone else (a `waitpid(-1)` elsewhere in the process): gone, with
        /// its status unknown.
        case lost

        /// The shell's convention: the exit code, or 128 plus the signal; -1 when lost.
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            case .lost: -1
            }
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public let pid: Int32
    /// Set once the child is reaped; after that its pid may belong to another process, so
    /// nothing signals it.
    private let termination = Mutex<Termination?>(nil)

    /// Starts `arguments[0]`, found on `PATH` unless it has a slash, with the rest as its
    /// arguments.
    /// - Parameter environment: `KEY=value` entries; nil passes ours on.
    public init(
        _ arguments: [String],
        environment: [String]? = nil,
        stdin: Stream = .null,
        stdout: Stream = .null,
        stderr: Stream = .inherit
    ) throws(SpawnError) {
        precondition(!arguments.isEmpty, "a process needs a program")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .readFile(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_RDONLY, 0)
            case .writeFile(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            }
        }
        // The child gets its three streams and nothing else, as Foundation's `Process` does:
        // an inherited socket or pipe end would keep a connection or a pipe open for as
        // long as the child lives.
        cmanifold_spawn_file_actions_addclosefrom(&actions, 3)
        // A fresh signal state: the child must not inherit a thread's blocked signals or
        // an ignored SIGTERM, or it could not be stopped.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            for string in argv { free(string) }
            for string in envp ?? [] { free(string) }
        }
        var pid = pid_t()
        let result = envp.map { posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, $0) }
            ?? posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw SpawnError(description: "cannot run \(arguments[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// Whether the child has exited (and is reaped).
    public var hasExited: Bool { reap() != nil }

    /// Waits for the child to exit, at most `timeout` (for ever when nil), blocking the
    /// calling thread.
    /// - Returns: how it ended, or nil if it is still running when the time is up.
    public func wait(timeout: Duration? = nil) -> Termination? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            if let ended = reap() { return ended }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            usleep(2_000)  // a poll, not a blocking waitpid: any number of threads may wait
        }
    }

    /// Sends `signal` unless the child has already been reaped.
    public func signal(_ signal: Int32) {
        termination.withLock { ended in
            if ended == nil { _ = kill(pid, signal) }
        }
    }

    /// What a child wrote to a `.writeFile` stream; empty when the file is missing.
    ///
    /// Not `FileManager.contents(atPath:)`: on an empty file it leaks the 4 KiB buffer it
    /// read into (LeakSanitizer, Swift 6.3.1), and a child's stderr is usually empty.
    public static func contents(ofFile path: String) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                contents += chunk[..<count]
            } else if count == 0 || errno != EINTR {
                return contents
            }
        }
    }

    /// Asks the kernel whether the child has exited, without blocking.
    private func reap() -> Termination? {
        termination.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            switch waitpid(pid, &status, WNOHANG) {
            case pid: break
            case -1 where errno == ECHILD:
                ended = .lost
                return ended
            default: return nil  // still running, or interrupted: asked again on the next poll
            }
            // The <sys/wait.h> macros are not visible to Swift: the low 7 bits hold the
            // signal that ended the child, or 0 when it exited with the code in bits 8-15.
            let signal = status & 0x7f
            ended = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            return ended
        }
    }
}
