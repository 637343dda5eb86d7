import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// grpc-swift-2's client on its NIO Posix HTTP/2 transport, with bytes in and out (no
/// protobuf on either side, as with Manifold's caller). grpc-swift-2 keeps one connection per
/// address, so a pool of `connections` is that many clients, picked round robin.
final class GRPCSwiftCaller: UnaryCaller {
    private let clients: [GRPCClient<HTTP2ClientTransport.Posix>]
    private let runners: [Task<Void, any Error>]
    private let next = Atomic<Int>(0)
    private let message: [UInt8]
    private let descriptor = MethodDescriptor(fullyQualifiedService: BenchMethod.service, method: BenchMethod.method)
    let executor: (any TaskExecutor)? = nil

    init(port: Int, connections: Int, requestSize: Int) throws {
        clients = try (0..<connections).map { _ in
            GRPCClient(transport: try .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: port),
                transportSecurity: .plaintext
            ))
        }
        runners = clients.map { client in Task { try await client.runConnections() } }
        message = [UInt8](repeating: 0x62, count: requestSize)
    }

    nonisolated(nonsending) func call() async throws {
        let index = next.add(1, ordering: .relaxed).oldValue % clients.count
        _ = try await clients[index].unary(
            request: ClientRequest(message: message),
            descriptor: descriptor,
            serializer: BytesSerializer(),
            deserializer: BytesDeserializer(),
            options: .defaults
        ) { response in try response.message.count }
    }

    func shutdown() async {
        for client in clients { client.beginGracefulShutdown() }
        for runner in runners { _ = try? await runner.value }
    }
}

struct BytesSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

struct BytesDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}
