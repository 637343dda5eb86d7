import ManifoldCore
public import NIOCore
public import NIOPosix
import Synchronization

/// Calls one gRPC backend over one shared HTTP/2 connection, opened on first use and opened
/// again after the old one closes or drains.
///
/// Every concurrent call rides the one connection as its own stream. (Pools of connections,
/// several targets and balancing build on this in a later step.)
public final class GRPCBackendClient: Sendable {
    public let host: String
    public let port: Int
    private let configuration: GRPCConnection.Configuration
    private let group: any EventLoopGroup
    private let state = Mutex<State>(.idle)

    private enum State {
        case idle
        /// A connect is under way; callers wait for the same one rather than each opening one.
        case connecting(EventLoopFuture<GRPCConnection>)
        case connected(GRPCConnection)
        case shutDown
    }

    public init(
        host: String,
        port: Int,
        configuration: GRPCConnection.Configuration = .defaults,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.group = group
    }

    /// Makes a unary call on the shared connection, connecting first if needed.
    /// - Throws: `TransportError` with the call's status; UNAVAILABLE when the backend
    ///   cannot be reached.
    public func unary(_ request: GRPCUnaryRequest) async throws(TransportError) -> GRPCUnaryResponse {
        let connection = try await connection()
        return try await connection.unary(request)
    }

    /// Closes the connection; later calls fail with UNAVAILABLE.
    public func shutdown() async {
        let old = state.withLock { state -> State in
            defer { state = .shutDown }
            return state
        }
        switch old {
        case .connected(let connection): await connection.close()
        case .connecting(let future): try? await future.get().close()
        case .idle, .shutDown: break
        }
    }

    /// Connection statistics, for tests and the admin endpoint.
    public var connectionsOpened: Int { opened.load(ordering: .relaxed) }
    private let opened = Atomic<Int>(0)

    private func connection() async throws(TransportError) -> GRPCConnection {
        let future: EventLoopFuture<GRPCConnection> = try state.withLock { state throws(TransportError) in
            switch state {
            case .connected(let connection) where connection.state == .ready:
                return group.next().makeSucceededFuture(connection)
            case .connecting(let future):
                return future
            case .shutDown:
                throw TransportError(.unavailable, "client for \(host):\(port) is shut down")
            case .idle, .connected:
                let promise = group.next().makePromise(of: GRPCConnection.self)
                promise.completeWithTask { [host, port, configuration, group] in
                    try await GRPCConnection.connect(host: host, port: port, configuration: configuration, group: group)
                }
                state = .connecting(promise.futureResult)
                return promise.futureResult
            }
        }
        do {
            let connection = try await future.get()
            state.withLock { state in
                if case .connecting(let pending) = state, pending === future {
                    state = .connected(connection)
                    opened.add(1, ordering: .relaxed)
                }
            }
            return connection
        } catch {
            state.withLock { state in
                if case .connecting(let pending) = state, pending === future { state = .idle }
            }
            throw error as? TransportError ?? TransportError(.unavailable, "\(error)")
        }
    }
}
