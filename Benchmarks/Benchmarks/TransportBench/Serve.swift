import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import ManifoldTransport
import NIOCore
import NIOPosix

/// `/bench.Echo/Unary` on Manifold's server role: answers every request with a fixed message
/// of `--response-size` bytes, so the server does the same work whichever client calls.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve /bench.Echo/Unary until killed.")

    @Option(help: "Port on 127.0.0.1.") var port = 50070
    @Option(help: "Response message size in bytes.") var responseSize = 64
    @Option(help: "Event loop threads.") var threads = 1

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let response = ByteBuffer(repeating: 0x61, count: responseSize)
        let server = try await GRPCServer.start(
            port: port,
            methods: [BenchMethod.path: { _, writer in await writer.send(response) }],
            group: group
        )
        print("serving \(BenchMethod.path) on 127.0.0.1:\(server.port)")
        fflush(nil)  // every stream; the script waits for this line in a file, where stdout is buffered
        // Runs until the script kills it.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
