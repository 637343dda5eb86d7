import ManifoldCore
import ManifoldTransport
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// Several targets, several connections, balancing, health checks and connection lifecycle,
/// observed from the grpcio backends' own counters.
@Suite struct PoolTests {
    private func stat(_ name: String, _ backend: BackendProcess) async throws -> Int {
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        let response = try await client.unary(GRPCRequest(path: "/manifold.test.Stats/\(name)", message: ByteBuffer()))
        return Int(String(buffer: response.message)) ?? -1
    }

    private func setServing(_ status: String, _ backend: BackendProcess) async throws {
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        _ = try await client.unary(GRPCRequest(path: "/manifold.test.Stats/SetServing", message: ByteBuffer(string: status)))
    }

    private func echo(_ client: GRPCBackendClient, count: Int, delayMs: Int = 0) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                let request = try EchoBackend.request(#"{"delay_ms":\#(delayMs)}"#, timeout: .seconds(10))
                group.addTask { _ = try await client.unary(request) }
            }
            try await group.waitForAll()
        }
    }

    private func targets(_ backends: BackendProcess...) -> [BackendTarget] {
        backends.map { BackendTarget(host: "127.0.0.1", port: $0.port) }
    }

    @Test func roundRobinSpreadsCallsEvenly() async throws {
        let a = try await EchoBackend.start(), b = try await EchoBackend.start()
        let client = GRPCBackendClient(targets: targets(a, b))
        defer { Task { await client.shutdown() } }
        for _ in 0..<10 { try await echo(client, count: 4) }
        #expect(try await stat("Calls", a) == 20)
        #expect(try await stat("Calls", b) == 20)
    }

    @Test func severalConnectionsPerTarget() async throws {
        let backend = try await EchoBackend.start()
        var configuration = GRPCBackendClient.Configuration()
        configuration.connectionsPerTarget = 3
        let client = GRPCBackendClient(targets: targets(backend), configuration: configuration)
        defer { Task { await client.shutdown() } }
        try await echo(client, count: 12)
        #expect(try await stat("Peers", backend) == 3)
        #expect(client.connectionsOpened == 3)
    }

    /// Calls a loop starts in one turn share writes: the balancer picks the address, and a
    /// call then joins the connection to it that already has a write queued, rather than
    /// costing a write on another. Round robin over addresses is unchanged.
    @Test func callsStartedInOneLoopTurnShareAConnectionPerAddress() async throws {
        let a = try await EchoBackend.start(), b = try await EchoBackend.start()
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = GRPCBackendClient.Configuration()
        configuration.connectionsPerTarget = 2
        let client = GRPCBackendClient(targets: targets(a, b), configuration: configuration, group: loop)
        let executor = EventLoopExecutor(loop.next())
        /// Eight calls started by one task on the loop: they all start in the loop turn after it.
        func callEight() async throws {
            try await withTaskExecutorPreference(executor) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        let request = try EchoBackend.request("{}", timeout: .seconds(10))
                        group.addTask { _ = try await client.unary(request) }
                    }
                    try await group.waitForAll()
                }
            }
        }
        // A call joins only a connection that is up, so the first burst opens every slot.
        try await callEight()
        #expect(client.connectionsOpened == 4)
        _ = try await stat("Reset", a)
        _ = try await stat("Reset", b)
        try await callEight()
        #expect(try await stat("Calls", a) == 4)
        #expect(try await stat("Calls", b) == 4)
        #expect(try await stat("Peers", a) == 1)
        #expect(try await stat("Peers", b) == 1)
        await client.shutdown()
        try await loop.shutdownGracefully()
    }

    @Test func powerOfTwoChoicesAvoidsAStalledAddress() async throws {
        let stalled = try await EchoBackend.start(), healthy = try await EchoBackend.start()
        var configuration = GRPCBackendClient.Configuration()
        configuration.balancing = .powerOfTwoChoices
        let client = GRPCBackendClient(targets: targets(stalled, healthy), configuration: configuration)
        defer { Task { await client.shutdown() } }
        // Overlapping calls spread over both addresses, so both connections are open.
        try await echo(client, count: 8, delayMs: 100)
        let stalledBefore = try await stat("Calls", stalled), healthyBefore = try await stat("Calls", healthy)
        #expect(stalledBefore > 0 && healthyBefore > 0)

        // One address stops answering while eight callers make calls one after another.
        // Its calls pile up as outstanding, so the balancer sends the rest elsewhere; round
        // robin would send it every other call and stall half the callers.
        stalled.pause()
        let end = ContinuousClock.now + .seconds(1)
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask { while ContinuousClock.now < end { try await echo(client, count: 1) } }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(until: end)
        stalled.resume()
        try await load.value
        let stalledCalls = try await stat("Calls", stalled) - stalledBefore
        let healthyCalls = try await stat("Calls", healthy) - healthyBefore
        // At most about half the callers wait on the stalled address at once; each sent it
        // one call at most, since its calls do not finish before the load stops.
        #expect(stalledCalls <= 8, "stalled \(stalledCalls), healthy \(healthyCalls)")
        #expect(healthyCalls >= 2 * stalledCalls, "stalled \(stalledCalls), healthy \(healthyCalls)")
    }

    @Test func healthChecksTakeAnAddressOutOfRotationAndBack() async throws {
        let a = try await EchoBackend.start(), b = try await EchoBackend.start()
        var configuration = GRPCBackendClient.Configuration()
        configuration.healthCheck = HealthCheck(interval: .milliseconds(100), timeout: .milliseconds(500))
        let client = GRPCBackendClient(targets: targets(a, b), configuration: configuration)
        defer { Task { await client.shutdown() } }
        let bAddress = "127.0.0.1:\(b.port)"
        try await echo(client, count: 2)

        try await setServing("NOT_SERVING", b)
        #expect(try await eventually { client.addressHealth[bAddress] == false })
        let bBefore = try await stat("Calls", b)
        try await echo(client, count: 10)
        #expect(try await stat("Calls", b) == bBefore)

        try await setServing("SERVING", b)
        #expect(try await eventually { client.addressHealth[bAddress] == true })
        try await echo(client, count: 10)
        #expect(try await stat("Calls", b) > bBefore)
    }

    @Test func aBackendWithoutTheHealthServiceIsNotHealthy() async throws {
        let faulty = try await FaultyBackend.start()  // answers UNIMPLEMENTED to Health/Check
        var configuration = GRPCBackendClient.Configuration()
        configuration.healthCheck = HealthCheck(interval: .milliseconds(100))
        let client = GRPCBackendClient(targets: [BackendTarget(host: "127.0.0.1", port: faulty.port)], configuration: configuration)
        defer { Task { await client.shutdown() } }
        _ = try? await client.unary(FaultyBackend.request("Ok"))
        #expect(try await eventually { client.addressHealth["127.0.0.1:\(faulty.port)"] == false })
        let error = await #expect(throws: TransportError.self) { try await client.unary(FaultyBackend.request("Ok")) }
        #expect(error?.message.contains("no healthy address") == true)
    }

    @Test func dnsNamesResolve() async throws {
        let backend = try await EchoBackend.start()
        let client = GRPCBackendClient(targets: [BackendTarget(host: "localhost", port: backend.port)])
        defer { Task { await client.shutdown() } }
        try await echo(client, count: 2)
        #expect(client.addressHealth.keys.contains("127.0.0.1:\(backend.port)"))

        let nowhere = GRPCBackendClient(targets: [BackendTarget(host: "no-such-host.invalid", port: 1)])
        let error = await #expect(throws: TransportError.self) { try await nowhere.unary(EchoBackend.request("{}")) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("cannot resolve no-such-host.invalid") == true)
    }

    @Test func reconnectBacksOffAndFailsFastMeanwhile() async throws {
        let refusing = RefusingPort()
        let port = refusing.port
        var configuration = GRPCBackendClient.Configuration()
        configuration.backoff = ConnectionBackoff(initial: .milliseconds(400), jitter: 0)
        let client = GRPCBackendClient(targets: [BackendTarget(host: "127.0.0.1", port: port)], configuration: configuration)
        defer { Task { await client.shutdown() } }
        let first = await #expect(throws: TransportError.self) { try await client.unary(EchoBackend.request("{}")) }
        #expect(first?.message.contains("cannot connect") == true)
        let second = await #expect(throws: TransportError.self) { try await client.unary(EchoBackend.request("{}")) }
        #expect(second?.message.contains("waiting to reconnect") == true)
        try await Task.sleep(for: .milliseconds(500))
        let third = await #expect(throws: TransportError.self) { try await client.unary(EchoBackend.request("{}")) }
        #expect(third?.message.contains("cannot connect") == true)
    }

    @Test func aServerThatNeverSpeaksHTTP2TimesOutTheConnect() async throws {
        let silent = SilentPort()
        var configuration = GRPCConnection.Configuration()
        configuration.connectTimeout = .milliseconds(300)
        let client = GRPCBackendClient(host: "127.0.0.1", port: silent.port, configuration: configuration)
        defer { Task { await client.shutdown() } }
        let error = await #expect(throws: TransportError.self) { try await client.unary(EchoBackend.request("{}", timeout: .seconds(10))) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("no HTTP/2 SETTINGS") == true)
    }

    /// A call's deadline bounds its wait for a connection too; the connect goes on, and the
    /// next call waits for the same one rather than opening another or failing fast.
    @Test func aCallsDeadlineBoundsItsWaitForAConnect() async throws {
        let silent = SilentPort()
        var configuration = GRPCConnection.Configuration()
        configuration.connectTimeout = .seconds(30)
        let client = GRPCBackendClient(host: "127.0.0.1", port: silent.port, configuration: configuration)
        defer { Task { await client.shutdown() } }
        for _ in 0..<2 {
            let error = await #expect(throws: TransportError.self) {
                try await client.unary(EchoBackend.request("{}", timeout: .milliseconds(300)))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(error?.message == "no response within 0.3 seconds: still connecting to 127.0.0.1:\(silent.port)")
        }
        #expect(client.connectionsOpened == 0)
    }

    @Test func maxConcurrentStreamsIsRespectedByQueueing() async throws {
        let backend = try await EchoBackend.start(arguments: ["--max-concurrent-streams", "2"])
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        defer { Task { await client.shutdown() } }
        try await echo(client, count: 1)  // the server's SETTINGS are in
        try await echo(client, count: 10, delayMs: 100)
        #expect(try await stat("MaxInFlight", backend) == 2)
        #expect(try await stat("Peers", backend) == 1)
    }

    @Test func idleConnectionsCloseAndReopenOnDemand() async throws {
        let backend = try await EchoBackend.start()
        var configuration = GRPCConnection.Configuration()
        configuration.idleTimeout = .seconds(1)
        let client = GRPCBackendClient(host: "127.0.0.1", port: backend.port, configuration: configuration)
        defer { Task { await client.shutdown() } }
        try await echo(client, count: 3)
        let opened = client.connectionsOpened
        let peers = try await stat("Peers", backend)
        try await Task.sleep(for: .milliseconds(2500))
        try await echo(client, count: 3)
        // A new connection: the idle one was closed (seen by the backend as a new peer).
        #expect(client.connectionsOpened > opened)
        #expect(try await stat("Peers", backend) > peers)
    }

    /// Polls `condition` every 50 ms for up to 5 s.
    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }
}
