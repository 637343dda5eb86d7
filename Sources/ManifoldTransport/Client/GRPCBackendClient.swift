import ManifoldCore
public import NIOCore
public import NIOPosix
import Synchronization

/// Calls one gRPC backend: its targets (DNS names resolve to every address they have), a
/// few connections per address, a balancer choosing among them, and optional active health
/// checks that take failing addresses out of rotation until they pass again.
///
/// Each event loop of the group keeps its own connections, as each Envoy worker keeps its
/// own pools: a call made by a task on one of the loops (`EventLoopExecutor`) goes out on a
/// connection of that loop, so it starts and finishes on the caller's thread with no thread
/// crossing. Tasks on no loop of the group (the Swift concurrency pool) share one more set
/// of connections spread over the loops. Each set holds `connectionsPerTarget` slots per
/// address. Connections open on first use, so a set nobody calls from costs nothing.
///
/// A call that certainly never reached a backend (the connect failed, the stream was refused
/// by a GOAWAY) is sent again on another connection within its deadline; anything else is the
/// caller's to retry.
public final class GRPCBackendClient: Sendable {
    public struct Configuration: Sendable {
        public var connection: GRPCConnection.Configuration = .defaults
        /// Connections kept to each resolved address, by each event loop that calls it.
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
    /// The group's loops; set `i` of the connection slots serves tasks on `loops[i]`, and
    /// set `loops.count` serves tasks on none of them.
    private let loops: [any EventLoop]
    private let state: Locked<PoolState>

    /// Whether some target is a DNS name; with IP literals only, the addresses are known
    /// from the start and never change.
    private let resolvesNames: Bool

    /// One resolved address and its connection slots, a list for each set.
    struct Endpoint: Sendable {
        let address: ResolvedAddress
        let slotsBySet: [[Subchannel]]

        var subchannels: some Sequence<Subchannel> { slotsBySet.joined() }

        /// The health of the address; every slot carries it, set by one probe.
        var isHealthy: Bool { slotsBySet[0][0].isHealthy.load(ordering: .relaxed) }
    }

    /// The slots one set of callers picks from, over every address: each address's
    /// `connectionsPerTarget` slots side by side, in endpoint order.
    final class SlotSet: Sendable {
        let subchannels: [Subchannel]
        /// Round robin's position; one per set, so loops do not contend for it.
        let nextPick = Atomic<Int>(0)

        init(_ subchannels: [Subchannel]) {
            self.subchannels = subchannels
        }
    }

    private struct PoolState {
        /// How many sets of slots each endpoint has: one per loop, one for tasks on none.
        let setCount: Int
        private(set) var endpoints: [Endpoint] = []
        /// Each set's slots over every endpoint, built when the endpoints change, so
        /// picking a slot for a call allocates nothing.
        private(set) var sets: [SlotSet] = []
        var resolveError: TransportError?
        /// The first resolution, which calls wait for; then the loop that refreshes
        /// addresses and probes health.
        var firstResolution: Task<Void, Never>?
        var maintenance: Task<Void, Never>?
        var isShutDown = false

        mutating func setEndpoints(_ endpoints: [Endpoint]) {
            self.endpoints = endpoints
            sets = endpoints.isEmpty ? [] : (0..<setCount).map { set in SlotSet(endpoints.flatMap { $0.slotsBySet[set] }) }
        }
    }

    public init(targets: [BackendTarget], configuration: Configuration = Configuration(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        precondition(!targets.isEmpty, "a backend needs at least one target")
        self.targets = targets
        self.configuration = configuration
        self.group = group
        loops = Array(group.makeIterator())
        state = Locked(PoolState(setCount: loops.count + 1))
        // IP literals need no resolver: their endpoints exist from the start, and the first
        // call does not wait for a resolution task.
        let literals = targets.compactMap(AddressResolver.literal)
        resolvesNames = literals.count < targets.count
        if !resolvesNames {
            let endpoints = Self.unique(literals).map(makeEndpoint)
            state.withLock { $0.setEndpoints(endpoints) }
        }
    }

    private static func unique(_ addresses: [ResolvedAddress]) -> [ResolvedAddress] {
        var seen = Set<ResolvedAddress>()
        return addresses.filter { seen.insert($0).inserted }
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
    nonisolated(nonsending) public func unary(_ request: GRPCRequest) async throws(TransportError) -> GRPCResponse {
        let start = ContinuousClock.now
        return try await withAttempts { subchannel throws(TransportError) in
            subchannel.outstanding.add(1, ordering: .relaxed)
            defer { subchannel.outstanding.subtract(1, ordering: .relaxed) }
            let connection = try await subchannel.connection(timeout: request.timeout, from: start)
            return try await connection.unary(try Self.attempt(request, from: start))
        }
    }

    /// Starts a server-streaming call on a connection the balancer picks.
    nonisolated(nonsending) public func serverStreaming(_ request: GRPCRequest) async throws(TransportError) -> GRPCResponseStream {
        let start = ContinuousClock.now
        return try await withAttempts { subchannel throws(TransportError) in
            let connection = try await subchannel.connection(timeout: request.timeout, from: start)
            return connection.serverStreaming(try Self.attempt(request, from: start))
        }
    }

    /// The request for an attempt: it gets what is left of the caller's deadline after
    /// connecting and after any earlier attempt.
    private static func attempt(_ request: GRPCRequest, from start: ContinuousClock.Instant) throws(TransportError) -> GRPCRequest {
        guard let timeout = request.timeout else { return request }
        var attempt = request
        attempt.spent = ContinuousClock.now - start
        guard attempt.spent < timeout else { throw TransportError(.deadlineExceeded, "no response within \(timeout)") }
        return attempt
    }

    /// Runs `attempt` on a slot the balancer picks, and again on another after a failure
    /// that certainly never reached the backend (`isRetrySafe`); any other failure ends it.
    nonisolated(nonsending) private func withAttempts<Result>(
        _ attempt: nonisolated(nonsending) (Subchannel) async throws(TransportError) -> Result
    ) async throws(TransportError) -> Result {
        var lastFailure: TransportError?
        for _ in 0..<Self.maxAttempts {
            let subchannel = try await pick(after: lastFailure)
            do {
                return try await attempt(subchannel)
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
            defer { state.setEndpoints([]) }
            return (state.endpoints, [state.firstResolution, state.maintenance])
        }
        for task in tasks { task?.cancel() }
        for subchannel in endpoints.flatMap(\.subchannels) { await subchannel.shutdown() }
    }

    // MARK: - Stats

    /// Connections opened so far, over all addresses.
    public var connectionsOpened: Int {
        state.withLock { $0.endpoints }.flatMap(\.subchannels).reduce(0) { $0 + $1.connectionsOpened.load(ordering: .relaxed) }
    }

    /// Connections opened so far for the calls of tasks on `loop`, or with nil, of tasks on
    /// no loop of the group.
    public func connectionsOpened(forCallsOn loop: (any EventLoop)?) -> Int {
        let set = setIndex(forCallsOn: loop)
        return state.withLock { $0.sets.isEmpty ? 0 : $0.sets[set].subchannels.reduce(0) { $0 + $1.connectionsOpened.load(ordering: .relaxed) } }
    }

    /// Each resolved address (`ip:port`) and whether it is in rotation.
    public var addressHealth: [String: Bool] {
        var health: [String: Bool] = [:]
        for endpoint in state.withLock({ $0.endpoints }) {
            health[endpoint.address.description] = endpoint.isHealthy
        }
        return health
    }

    // MARK: - Picking

    /// Chooses a connection slot among healthy addresses not waiting out a backoff.
    /// - Parameter lastFailure: why the previous attempt failed; when nothing is left to
    ///   try, that is the more useful error.
    nonisolated(nonsending) private func pick(after lastFailure: TransportError?) async throws(TransportError) -> Subchannel {
        if let firstResolution = try startIfNeeded() { await firstResolution.value }
        let callerSet = setIndex(forCallsOn: MultiThreadedEventLoopGroup.currentEventLoop)
        let (set, resolveError) = state.withLock { ($0.sets.isEmpty ? nil : $0.sets[callerSet], $0.resolveError) }
        guard let set else {
            throw resolveError ?? TransportError(.unavailable, "\(targetList) resolved to no address")
        }
        let subchannels = set.subchannels
        let count = subchannels.count
        /// The first slot in rotation at or after `start`, wrapping around.
        func firstUsable(from start: Int) -> Int? {
            (0..<count).lazy.map { (start + $0) % count }.first { subchannels[$0].isUsable }
        }
        let picked: Int?
        switch configuration.balancing {
        case .roundRobin:
            let ticket = set.nextPick.add(1, ordering: .relaxed).newValue
            picked = firstUsable(from: ticket % count)
        case .powerOfTwoChoices:
            // Two distinct usable slots, each found from a random start: no list is built.
            if let first = firstUsable(from: Int.random(in: 0..<count)) {
                let second = count > 1 ? firstUsable(from: first + 1 + Int.random(in: 0..<(count - 1))) ?? first : first
                let a = subchannels[first].outstanding.load(ordering: .relaxed), b = subchannels[second].outstanding.load(ordering: .relaxed)
                picked = a <= b ? first : second
            } else {
                picked = nil
            }
        }
        if let picked {
            return callerSet < loops.count ? joiningQueuedWrite(picked, among: subchannels) : subchannels[picked]
        }
        if !subchannels.contains(where: { $0.isHealthy.load(ordering: .relaxed) }) {
            throw TransportError(.unavailable, "no healthy address for \(targetList)")
        }
        // Every healthy slot is waiting out a reconnect backoff.
        throw lastFailure ?? TransportError(.unavailable, "cannot connect to \(targetList); waiting to reconnect")
    }

    /// The slot at `picked`, or another slot to the same address whose connection already
    /// has a write queued in this loop turn. The balancer chose the address; its slots are
    /// alike, so a call may join the one that writes anyway and share its syscall, rather
    /// than cost one more write on another connection. Only for a loop's own set, whose
    /// slots all live on the caller's loop; an address's slots sit side by side in it.
    private func joiningQueuedWrite(_ picked: Int, among subchannels: [Subchannel]) -> Subchannel {
        let perAddress = configuration.connectionsPerTarget
        guard perAddress > 1, !subchannels[picked].canJoinQueuedWrite else { return subchannels[picked] }
        let first = picked - picked % perAddress
        for slot in subchannels[first..<first + perAddress] where slot.canJoinQueuedWrite && slot.isUsable {
            return slot
        }
        return subchannels[picked]
    }

    /// The set of slots for calls made on `loop`: that loop's, or with nil or a loop of
    /// another group, the shared one.
    private func setIndex(forCallsOn loop: (any EventLoop)?) -> Int {
        guard let loop else { return loops.count }
        return loops.firstIndex { $0 === loop } ?? loops.count
    }

    private var targetList: String {
        targets.map(\.description).joined(separator: ", ")
    }

    /// Starts resolution and the maintenance loop on first use.
    /// - Returns: the first resolution to wait for, or nil when addresses are known.
    private func startIfNeeded() throws(TransportError) -> Task<Void, Never>? {
        try state.withLock { state throws(TransportError) in
            guard !state.isShutDown else { throw TransportError(.unavailable, "client for \(targetList) is shut down") }
            guard state.maintenance == nil else { return state.firstResolution }
            let needsResolving = resolvesNames
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
            let endpoints = Self.unique(addresses).map { existing[$0] ?? makeEndpoint($0) }
            let removed = state.endpoints.filter { existing in !addresses.contains(existing.address) }
            state.setEndpoints(endpoints)
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
        let placements = loops.map { Subchannel.Placement.loop($0) } + [.anyOf(group)]
        let slotsBySet = placements.map { placement in
            (0..<max(1, configuration.connectionsPerTarget)).map { _ in
                Subchannel(address: address, configuration: configuration.connection, backoff: configuration.backoff, placement: placement)
            }
        }
        return Endpoint(address: address, slotsBySet: slotsBySet)
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
                        let probe = HealthProbe.request(for: check)
                        // A connection of the first loop's, which calls use too.
                        let response = try await endpoint.slotsBySet[0][0].connection(timeout: probe.timeout).unary(probe)
                        serving = HealthProbe.isServing(response.message)
                    } catch {
                        serving = false
                    }
                    for subchannel in endpoint.subchannels { subchannel.isHealthy.store(serving, ordering: .relaxed) }
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

    /// Parses `host:port` or `[ipv6]:port` (a port from 1 up: a backend has a real one).
    public init?(_ text: String) {
        guard let (host, port) = HostPort.parse(text), port > 0 else { return nil }
        self.init(host: host, port: port)
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
