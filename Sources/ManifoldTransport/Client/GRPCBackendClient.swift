import ManifoldCore
public import NIOCore
public import NIOPosix
import Synchronization

/// Calls one gRPC backend: its targets (DNS names resolve to every address they have), a
/// few connections per address, a balancer choosing among them, and optional active health
/// checks that take failing addresses out of rotation until they pass again.
///
/// Connections open on first use. A call that certainly never reached a backend (the connect
/// failed, the stream was refused by a GOAWAY) is sent again on another connection within
/// its deadline; anything else is the caller's to retry.
public final class GRPCBackendClient: Sendable {
    public struct Configuration: Sendable {
        public var connection: GRPCConnection.Configuration = .defaults
        /// Connections kept to each resolved address.
        public var connectionsPerTarget = 1
        public var balancing: LoadBalancing = .roundRobin
        public var healthCheck: HealthCheck?
        public var backoff = ConnectionBackoff()
        /// How often DNS names are resolved again.
        public var resolveInterval: Duration = .seconds(30)

        public init() {}
    }

    public let targets: [BackendTarget]
    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let state = Mutex<PoolState>(PoolState())
    private let nextPick = Atomic<Int>(0)

    /// One resolved address and its connection slots.
    final class Endpoint: Sendable {
        let address: ResolvedAddress
        let subchannels: [Subchannel]
        /// Cleared by a failed health check, set again by a passing one.
        let isHealthy = Atomic<Bool>(true)

        init(address: ResolvedAddress, subchannels: [Subchannel]) {
            self.address = address
            self.subchannels = subchannels
        }
    }

    private struct PoolState {
        var endpoints: [Endpoint] = []
        var resolveError: TransportError?
        /// The first resolution, which calls wait for; then the loop that refreshes
        /// addresses and probes health.
        var firstResolution: Task<Void, Never>?
        var maintenance: Task<Void, Never>?
        /// Set when every target is an IP literal: the endpoints never change.
        var isResolved = false
        var isShutDown = false
    }

    public init(targets: [BackendTarget], configuration: Configuration = Configuration(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        precondition(!targets.isEmpty, "a backend needs at least one target")
        self.targets = targets
        self.configuration = configuration
        self.group = group
        // IP literals need no resolver: their endpoints exist from the start, and the first
        // call does not wait for a resolution task.
        let literals = targets.compactMap { target in
            (try? SocketAddress(ipAddress: target.host, port: target.port)).map {
                ResolvedAddress(socketAddress: $0, authority: GRPCConnection.authority(target.host, target.port))
            }
        }
        if literals.count == targets.count {
            var unique: [ResolvedAddress] = []
            for address in literals where !unique.contains(address) { unique.append(address) }
            let endpoints = unique.map(makeEndpoint)
            state.withLock { state in
                state.endpoints = endpoints
                state.isResolved = true
            }
        }
    }

    /// A client for a single `host:port`.
    public convenience init(
        host: String,
        port: Int,
        configuration: GRPCConnection.Configuration = .defaults,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        var pool = Configuration()
        pool.connection = configuration
        self.init(targets: [BackendTarget(host: host, port: port)], configuration: pool, group: group)
    }

    // MARK: - Calls

    /// Makes a unary call on a connection the balancer picks.
    /// - Throws: `TransportError` with the call's status; UNAVAILABLE when no target can
    ///   be reached.
    public func unary(_ request: GRPCRequest) async throws(TransportError) -> GRPCResponse {
        let start = ContinuousClock.now
        var lastFailure: TransportError?
        for _ in 0..<Self.maxAttempts {
            let subchannel = try await pick(after: lastFailure)
            var attempt = request
            if let timeout = request.timeout, lastFailure != nil {
                // A second attempt gets what is left of the caller's deadline.
                let remaining = timeout - (ContinuousClock.now - start)
                guard remaining > .zero else { throw TransportError(.deadlineExceeded, "no response within \(timeout)") }
                attempt.timeout = remaining
            }
            subchannel.outstanding.add(1, ordering: .relaxed)
            defer { subchannel.outstanding.subtract(1, ordering: .relaxed) }
            do {
                let connection = try await subchannel.connection()
                return try await connection.unary(attempt)
            } catch where error.isRetrySafe && !Task.isCancelled {
                lastFailure = error
            }
        }
        throw lastFailure!
    }

    /// Starts a server-streaming call on a connection the balancer picks.
    public func serverStreaming(_ request: GRPCRequest) async throws(TransportError) -> GRPCResponseStream {
        var lastFailure: TransportError?
        for _ in 0..<Self.maxAttempts {
            let subchannel = try await pick(after: lastFailure)
            do {
                return try await subchannel.connection().serverStreaming(request)
            } catch where error.isRetrySafe && !Task.isCancelled {
                lastFailure = error
            }
        }
        throw lastFailure!
    }

    /// How many times a call is sent when every failure was certainly before the backend
    /// saw it (a failed connect, a stream refused by GOAWAY): enough to ride out a
    /// connection churning under load, few enough to fail fast when all targets are gone.
    private static let maxAttempts = 5

    /// Closes every connection and stops health checks; later calls fail with UNAVAILABLE.
    public func shutdown() async {
        let (endpoints, tasks) = state.withLock { state in
            state.isShutDown = true
            defer { state.endpoints = [] }
            return (state.endpoints, [state.firstResolution, state.maintenance])
        }
        for task in tasks { task?.cancel() }
        for endpoint in endpoints {
            for subchannel in endpoint.subchannels { await subchannel.shutdown() }
        }
    }

    // MARK: - Stats

    /// Connections opened so far, over all addresses.
    public var connectionsOpened: Int {
        state.withLock { $0.endpoints }.reduce(0) { total, endpoint in
            endpoint.subchannels.reduce(total) { $0 + $1.connectionsOpened.load(ordering: .relaxed) }
        }
    }

    /// Each resolved address (`ip:port`) and whether it is in rotation.
    public var addressHealth: [String: Bool] {
        var health: [String: Bool] = [:]
        for endpoint in state.withLock({ $0.endpoints }) {
            health[endpoint.address.description] = endpoint.isHealthy.load(ordering: .relaxed)
        }
        return health
    }

    // MARK: - Picking

    /// Chooses a connection slot among healthy addresses not waiting out a backoff.
    /// - Parameter lastFailure: why the previous attempt failed; when nothing is left to
    ///   try, that is the more useful error.
    private func pick(after lastFailure: TransportError?) async throws(TransportError) -> Subchannel {
        if let firstResolution = try startIfNeeded() { await firstResolution.value }
        let (endpoints, resolveError) = state.withLock { ($0.endpoints, $0.resolveError) }
        let healthy = endpoints.filter { $0.isHealthy.load(ordering: .relaxed) }
        let candidates = healthy.flatMap(\.subchannels).filter(\.isAvailable)
        guard !candidates.isEmpty else {
            if endpoints.isEmpty {
                throw resolveError ?? TransportError(.unavailable, "\(targetList) resolved to no address")
            }
            if healthy.isEmpty {
                throw TransportError(.unavailable, "no healthy address for \(targetList)")
            }
            // Every connection slot is waiting out a reconnect backoff.
            throw lastFailure ?? TransportError(.unavailable, "cannot connect to \(targetList); waiting to reconnect")
        }
        let ticket = nextPick.add(1, ordering: .relaxed).newValue
        switch configuration.balancing {
        case .roundRobin:
            return candidates[ticket % candidates.count]
        case .powerOfTwoChoices:
            guard candidates.count > 1 else { return candidates[0] }
            let first = Int.random(in: 0..<candidates.count)
            var second = Int.random(in: 0..<(candidates.count - 1))
            if second >= first { second += 1 }
            let a = candidates[first], b = candidates[second]
            return a.outstanding.load(ordering: .relaxed) <= b.outstanding.load(ordering: .relaxed) ? a : b
        }
    }

    private var targetList: String {
        targets.map { GRPCConnection.authority($0.host, $0.port) }.joined(separator: ", ")
    }

    /// Starts resolution and the maintenance loop on first use.
    /// - Returns: the first resolution to wait for, or nil when addresses are known.
    private func startIfNeeded() throws(TransportError) -> Task<Void, Never>? {
        try state.withLock { state throws(TransportError) in
            guard !state.isShutDown else { throw TransportError(.unavailable, "client for \(targetList) is shut down") }
            guard state.maintenance == nil else { return state.firstResolution }
            let needsResolving = !state.isResolved
            let first: Task<Void, Never>? = needsResolving ? Task { [weak self] in _ = await self?.resolve() } : nil
            state.firstResolution = first
            guard needsResolving || configuration.healthCheck != nil else {
                state.maintenance = Task {}  // IP literals and no health checks: nothing to maintain
                return nil
            }
            state.maintenance = Task { [weak self, configuration] in
                await first?.value
                var lastResolve = ContinuousClock.now
                while !Task.isCancelled {
                    let pause = min(configuration.healthCheck?.interval ?? configuration.resolveInterval, configuration.resolveInterval)
                    if let check = configuration.healthCheck { await self?.probeHealth(check) }
                    try? await Task.sleep(for: pause)
                    if needsResolving, ContinuousClock.now - lastResolve >= configuration.resolveInterval {
                        await self?.resolve()
                        lastResolve = .now
                    }
                }
            }
            return first
        }
    }

    // MARK: - Resolution

    /// Resolves every target and reconciles the endpoints: kept addresses keep their
    /// connections, new ones get slots, vanished ones close once idle.
    private func resolve() async {
        var addresses: [ResolvedAddress] = []
        var failure: TransportError?
        for target in targets {
            do {
                addresses += try await AddressResolver.resolve(target)
            } catch {
                failure = error
            }
        }
        guard !addresses.isEmpty else {
            state.withLock { $0.resolveError = failure }
            return  // keep the last good addresses rather than none
        }
        let removed: [Endpoint] = state.withLock { state in
            guard !state.isShutDown else { return [] }
            let existing = Dictionary(state.endpoints.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
            var endpoints: [Endpoint] = []
            for address in addresses where !endpoints.contains(where: { $0.address == address }) {
                endpoints.append(existing[address] ?? makeEndpoint(address))
            }
            let removed = state.endpoints.filter { old in !endpoints.contains { $0 === old } }
            state.endpoints = endpoints
            state.resolveError = failure
            return removed
        }
        for endpoint in removed {
            for subchannel in endpoint.subchannels where subchannel.outstanding.load(ordering: .relaxed) == 0 {
                await subchannel.shutdown()
            }
        }
    }

    private func makeEndpoint(_ address: ResolvedAddress) -> Endpoint {
        let subchannels = (0..<max(1, configuration.connectionsPerTarget)).map { _ in
            Subchannel(address: address, configuration: configuration.connection, backoff: configuration.backoff, group: group)
        }
        return Endpoint(address: address, subchannels: subchannels)
    }

    // MARK: - Health

    /// Probes every address at once; each passes only with SERVING within the timeout.
    private func probeHealth(_ check: HealthCheck) async {
        let endpoints = state.withLock { $0.endpoints }
        await withTaskGroup(of: Void.self) { group in
            for endpoint in endpoints {
                group.addTask {
                    let serving: Bool
                    do {
                        let response = try await endpoint.subchannels[0].connection().unary(HealthProbe.request(for: check))
                        serving = HealthProbe.isServing(response.message)
                    } catch {
                        serving = false
                    }
                    endpoint.isHealthy.store(serving, ordering: .relaxed)
                }
            }
        }
    }
}

/// One configured backend address: a host name or IP literal, and a port.
public struct BackendTarget: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`.
    public init?(_ text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { GRPCConnection.authority(host, port) }
}

/// How calls spread over a backend's connections.
public enum LoadBalancing: String, Sendable, CaseIterable {
    /// Each connection in turn.
    case roundRobin = "round_robin"
    /// Of two connections picked at random, the one with fewer calls outstanding: adapts to
    /// a slow address without the herd effect of always picking the least loaded.
    case powerOfTwoChoices = "power_of_two_choices"
}
