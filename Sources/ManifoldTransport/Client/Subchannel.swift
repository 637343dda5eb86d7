import ManifoldCore
import NIOCore
import Synchronization

/// One connection slot to one resolved address: connects on demand, replaces a connection
/// that drained or closed, and after a failed connect waits out a backoff before the next
/// attempt, failing calls fast meanwhile so the balancer sends them elsewhere.
final class Subchannel: Sendable {
    let address: ResolvedAddress
    private let configuration: GRPCConnection.Configuration
    private let backoff: ConnectionBackoff
    /// Where its connections live: one loop for a slot that serves the tasks of that loop,
    /// or any of the group's for a slot that serves tasks on none.
    private let placement: Placement
    private let state = Locked<State>(.idle)
    /// Calls started through this slot and not yet finished, for power-of-two-choices.
    let outstanding = Atomic<Int>(0)
    /// Connections this slot opened, for tests and stats.
    let connectionsOpened = Atomic<Int>(0)
    /// Whether its address passed its last health check (true until one fails).
    let isHealthy = Atomic<Bool>(true)

    private enum State {
        case idle
        /// A connect is under way; callers wait for the same one rather than each opening one.
        case connecting(EventLoopFuture<GRPCConnection>)
        case connected(GRPCConnection)
        case backingOff(until: ContinuousClock.Instant, failures: Int, error: TransportError)
        case shutDown
    }

    enum Placement: Sendable {
        case loop(any EventLoop)
        case anyOf(any EventLoopGroup)

        var eventLoop: any EventLoop {
            switch self {
            case .loop(let loop): loop
            case .anyOf(let group): group.next()
            }
        }
    }

    init(address: ResolvedAddress, configuration: GRPCConnection.Configuration, backoff: ConnectionBackoff, placement: Placement) {
        self.address = address
        self.configuration = configuration
        self.backoff = backoff
        self.placement = placement
    }

    /// Whether a call sent here now, from a task on this slot's loop, would ride a write its
    /// connection already has queued (`GRPCConnection.canJoinQueuedWrite`).
    var canJoinQueuedWrite: Bool {
        let connection = state.withLock { state -> GRPCConnection? in
            if case .connected(let connection) = state { connection } else { nil }
        }
        return connection?.canJoinQueuedWrite ?? false
    }

    /// Whether a call sent here now could go out: not waiting out a backoff, not shut down.
    var isAvailable: Bool {
        state.withLock { state in
            switch state {
            case .backingOff(let until, _, _): ContinuousClock.now >= until
            case .shutDown: false
            case .idle, .connecting, .connected: true
            }
        }
    }

    /// Whether the balancer may send a call here: healthy and not backing off.
    var isUsable: Bool { isHealthy.load(ordering: .relaxed) && isAvailable }

    /// The open connection, connecting first when there is none.
    /// - Parameter timeout: the caller's deadline, as the time it had when its call began
    ///   (`timeout`) and when that was (`start`): a connect slower than the call's deadline
    ///   fails the call then, while the connect itself goes on for later calls.
    /// - Throws: UNAVAILABLE (retry-safe) while backing off or when the connect fails;
    ///   DEADLINE_EXCEEDED when the caller's deadline passes first.
    nonisolated(nonsending) func connection(timeout: Duration? = nil, from start: ContinuousClock.Instant = .now) async throws(TransportError) -> GRPCConnection {
        /// A ready connection is returned at once: awaiting even a succeeded future would hop
        /// to an event loop and back on every call.
        enum Pick {
            case ready(GRPCConnection)
            case pending(EventLoopFuture<GRPCConnection>, failuresSoFar: Int)
        }
        let pick = try state.withLock { state throws(TransportError) -> Pick in
            var failures = 0
            switch state {
            case .connected(let connection) where connection.state == .ready:
                return .ready(connection)
            case .connecting(let future):
                return .pending(future, failuresSoFar: 0)
            case .backingOff(let until, let count, let error):
                guard ContinuousClock.now >= until else { throw error }
                failures = count
            case .shutDown:
                throw TransportError(.unavailable, "client for \(address.authority) is shut down")
            case .idle, .connected:
                break
            }
            let connect = GRPCConnection.connect(
                to: .socketAddress(address.socketAddress, host: address.host),
                authority: address.authority,
                configuration: configuration,
                on: placement.eventLoop
            )
            state = .connecting(connect)
            return .pending(connect, failuresSoFar: failures)
        }
        let future: EventLoopFuture<GRPCConnection>, failuresSoFar: Int
        switch pick {
        case .ready(let connection): return connection
        case .pending(let pending, let failures): (future, failuresSoFar) = (pending, failures)
        }
        do {
            let connection = try await Self.wait(for: future, timeout: timeout, from: start, authority: address.authority)
            state.withLock { state in
                if case .connecting(let pending) = state, pending === future {
                    state = .connected(connection)
                    connectionsOpened.add(1, ordering: .relaxed)
                }
            }
            return connection
        } catch let error as DeadlineExceeded {
            throw error.error  // the caller's deadline, not the connect's failure: no backoff
        } catch {
            let failure = (error as? TransportError ?? TransportError(.unavailable, "\(error)")).retrySafe()
            state.withLock { state in
                guard case .connecting(let pending) = state, pending === future else { return }
                let failures = failuresSoFar + 1
                state = .backingOff(until: .now + backoff.delay(afterFailures: failures), failures: failures, error: failure)
            }
            throw failure
        }
    }

    /// The caller's deadline passing while it waits for a connect; not the connect's own
    /// failure, so the slot does not back off.
    private struct DeadlineExceeded: Error {
        let error: TransportError
    }

    /// Waits for a connect that other callers may share, until `timeout` after `start` at
    /// most; giving up leaves the connect running. (Not a task group racing a sleep: a group
    /// waits for all its children, and waiting on a future cannot be cancelled.)
    private static func wait(
        for connect: EventLoopFuture<GRPCConnection>,
        timeout: Duration?,
        from start: ContinuousClock.Instant,
        authority: String
    ) async throws -> GRPCConnection {
        guard let timeout else { return try await connect.get() }
        let left = timeout - (ContinuousClock.now - start)
        return try await withCheckedThrowingContinuation { continuation in
            let waiter = Locked<CheckedContinuation<GRPCConnection, any Error>?>(continuation)
            @Sendable func finish(_ result: Result<GRPCConnection, any Error>) {
                waiter.withLock { waiting in
                    waiting?.resume(with: result)
                    waiting = nil
                }
            }
            let timer = connect.eventLoop.scheduleTask(in: .nanoseconds(max(left, .zero).nanoseconds)) {
                let error = TransportError(.deadlineExceeded, "no response within \(timeout): still connecting to \(authority)")
                finish(.failure(DeadlineExceeded(error: error)))
            }
            connect.whenComplete { result in
                timer.cancel()
                finish(result)
            }
        }
    }

    /// Closes the connection; later calls fail with UNAVAILABLE.
    func shutdown() async {
        let old = state.withLock { state -> State in
            defer { state = .shutDown }
            return state
        }
        switch old {
        case .connected(let connection): await connection.close()
        case .connecting(let future): try? await future.get().close()
        case .idle, .backingOff, .shutDown: break
        }
    }
}
