import ManifoldCore
import ManifoldSchema
import ManifoldTransport
import NIOCore
import TestSupport

/// The Python interop backend (Tests/Backends/interop_backend.py) and the codec for its
/// messages.
struct InteropBackend {
    static let service = "/manifold.test.v1.InteropService/"

    static func start() async throws -> BackendProcess {
        try await BackendProcess.start(script: "Tests/Backends/interop_backend.py")
    }

    static func request(
        _ method: String,
        _ json: String,
        type: String,
        metadata: [HeaderField] = [],
        timeout: Duration? = .seconds(10)
    ) throws -> GRPCRequest {
        let bytes = try EchoBackend.codec.encode(try JSONParser.parse(json), messageNamed: "manifold.test.v1.\(type)")
        return GRPCRequest(path: service + method, message: ByteBuffer(bytes: bytes), metadata: metadata, timeout: timeout)
    }

    static func decode(_ message: ByteBuffer, as type: String) throws -> JSONValue {
        try message.withUnsafeReadableBytes { try EchoBackend.codec.decode($0, messageNamed: "manifold.test.v1.\(type)") }
    }

    /// The length of `payload.body` in a decoded message (bytes arrive base64 in JSON).
    static func payloadSize(_ value: JSONValue) -> Int {
        guard case .string(let body)? = value["payload"]?["body"] else { return 0 }
        return Base64.decode(body)?.count ?? -1
    }

    static func zeros(_ count: Int) -> String {
        Base64.encode([UInt8](repeating: 0, count: count))
    }
}
