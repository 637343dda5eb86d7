import ManifoldCore
import ManifoldSchema
import ManifoldTransport
import NIOCore
import TestSupport

/// The Python echo backend and the codec for its messages.
struct EchoBackend {
    static let schema: Schema = {
        do {
            return try Schema.load(protoRoots: [Repository.path("Tests/Protos")])
        } catch {
            fatalError("test protos must compile: \(error)")  // a broken fixture, not input
        }
    }()
    static let codec = ProtoJSONCodec(schema: schema)
    static let echoPath = "/manifold.test.v1.EchoService/Echo"

    /// Starts a fresh backend process.
    static func start(arguments: [String] = []) async throws -> BackendProcess {
        try await BackendProcess.start(script: "Tests/Backends/echo_backend.py", arguments: arguments)
    }

    static func request(_ json: String, timeout: Duration? = nil, metadata: [HeaderField] = []) throws -> GRPCRequest {
        let bytes = try codec.encode(try JSONParser.parse(json), messageNamed: "manifold.test.v1.EchoRequest")
        return GRPCRequest(path: echoPath, message: ByteBuffer(bytes: bytes), metadata: metadata, timeout: timeout)
    }

    static func reply(_ response: GRPCResponse) throws -> JSONValue {
        try response.message.withUnsafeReadableBytes { try codec.decode($0, messageNamed: "manifold.test.v1.EchoReply") }
    }

    /// How many distinct connections reached the backend's Echo method.
    static func peers(_ client: GRPCBackendClient) async throws -> Int {
        let response = try await client.unary(GRPCRequest(path: "/manifold.test.Stats/Peers", message: ByteBuffer()))
        return Int(String(buffer: response.message)) ?? -1
    }
}
