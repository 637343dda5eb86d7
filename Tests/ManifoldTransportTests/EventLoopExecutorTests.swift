import ManifoldCore
import ManifoldTransport
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// Calls made by tasks that run on the client's event loop (`EventLoopExecutor`) start on
/// the loop's thread directly and resume there: no thread crossing, the same answers.
@Suite struct EventLoopExecutorTests {
    @Test func callsFromTasksOnTheLoopResumeOnTheLoop() async throws {
        let backend = try await EchoBackend.start()
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = GRPCBackendClient.Configuration()
        configuration.connectionsPerTarget = 2
        let client = GRPCBackendClient(targets: [BackendTarget(host: "127.0.0.1", port: backend.port)], configuration: configuration, group: loop)
        let eventLoop = loop.next()
        // Tasks in a group inherit the preference: 8 callers, 25 calls each, all on the loop.
        let replies = try await withThrowingTaskGroup(of: [String].self) { group in
            for caller in 0..<8 {
                group.addTask(executorPreference: EventLoopExecutor(eventLoop)) {
                    var texts: [String] = []
                    for call in 0..<25 {
                        let text = "\(caller)-\(call)"
                        let response = try await client.unary(try EchoBackend.request(#"{"text":"\#(text)"}"#, timeout: .seconds(10)))
                        #expect(eventLoop.inEventLoop, "resumed off the loop")
                        guard case .string(let echoed)? = try EchoBackend.reply(response)["text"] else { continue }
                        texts.append(echoed)
                    }
                    return texts
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(replies) == Set((0..<8).flatMap { caller in (0..<25).map { "\(caller)-\($0)" } }))
        #expect(client.connectionsOpened == 2)
        await client.shutdown()
        try await loop.shutdownGracefully()
    }

    /// Each loop keeps its own connections, as each Envoy worker keeps its own pools: calls
    /// from tasks on one loop never ride another loop's connection, and tasks on no loop
    /// share a set of their own.
    @Test func eachLoopCallsOnItsOwnConnections() async throws {
        let backend = try await EchoBackend.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let client = GRPCBackendClient(targets: [BackendTarget(host: "127.0.0.1", port: backend.port)], group: group)
        func callTenTimes(from executor: EventLoopExecutor?) async throws {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for caller in 0..<10 {
                    tasks.addTask(executorPreference: executor) {
                        let response = try await client.unary(try EchoBackend.request(#"{"text":"\#(caller)"}"#, timeout: .seconds(10)))
                        #expect(try EchoBackend.reply(response)["text"] == .string("\(caller)"))
                    }
                }
                try await tasks.waitForAll()
            }
        }
        try await callTenTimes(from: EventLoopExecutor(loops[0]))
        #expect(client.connectionsOpened(forCallsOn: loops[0]) == 1)
        #expect(client.connectionsOpened(forCallsOn: loops[1]) == 0)
        #expect(client.connectionsOpened(forCallsOn: nil) == 0)
        try await callTenTimes(from: EventLoopExecutor(loops[1]))
        #expect(client.connectionsOpened(forCallsOn: loops[1]) == 1)
        try await callTenTimes(from: nil)
        #expect(client.connectionsOpened(forCallsOn: nil) == 1)
        #expect(client.connectionsOpened == 3)
        #expect(try await EchoBackend.peers(client) == 3)
        await client.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func aCallOnTheLoopIsCancelledWithItsTask() async throws {
        let backend = try await EchoBackend.start()
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = GRPCBackendClient(targets: [BackendTarget(host: "127.0.0.1", port: backend.port)], group: loop)
        let request = try EchoBackend.request(#"{"delay_ms":5000}"#)
        let call = Task(executorPreference: EventLoopExecutor(loop.next())) { try await client.unary(request) }
        try await Task.sleep(for: .milliseconds(200))
        call.cancel()
        let result = await call.result
        #expect(throws: TransportError(.cancelled, "call cancelled")) { try result.get() }
        await client.shutdown()
        try await loop.shutdownGracefully()
    }
}
