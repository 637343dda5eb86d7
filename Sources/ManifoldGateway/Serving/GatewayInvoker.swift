import ManifoldCompose
import ManifoldCore
import ManifoldSchema
import ManifoldTransport
import NIOCore

/// What one planned call reaches: the method, and the backend that serves it.
struct CallTarget: Sendable {
    let method: MethodInfo
    let backendName: String
    let backend: GRPCBackendClient
}

/// Makes the executor's calls: JSON to protobuf, a gRPC unary call, protobuf to JSON.
struct GatewayInvoker: CallInvoker {
    let codec: ProtoJSONCodec

    func invoke(_ target: CallTarget, request: JSONValue, timeout: Duration) async -> Result<JSONValue, CallFailure> {
        let bytes: [UInt8]
        do {
            bytes = try codec.encodeRequest(request, for: target.method)
        } catch {
            return .failure(CallFailure(.invalidArgument, "invalid request: \(error)"))
        }
        let response: GRPCResponse
        do {
            response = try await target.backend.unary(
                GRPCRequest(path: target.method.path, message: ByteBuffer(bytes: bytes), timeout: timeout)
            )
        } catch {
            return .failure(CallFailure(error.code, error.message))
        }
        do {
            return .success(
                try response.message.withUnsafeReadableBytes { bytes throws(SchemaError) in
                    try codec.decodeResponse(bytes, for: target.method)
                }
            )
        } catch {
            return .failure(CallFailure(.internalError, "backend \(target.backendName) sent a malformed \(target.method.fullName) response: \(error)"))
        }
    }
}
