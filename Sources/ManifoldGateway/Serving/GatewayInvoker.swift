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
        } catch where error.fromServer {
            return .failure(CallFailure(error.code, error.message))  // the backend's own words
        } catch {
            let detail = "\(target.backendName) \(target.method.fullName): \(error.message)"
            return .failure(CallFailure(error.code, Self.publicMessage(for: error.code, timeout: timeout), detail: detail))
        }
        do {
            return .success(
                try response.message.withUnsafeReadableBytes { bytes throws(SchemaError) in
                    try codec.decodeResponse(bytes, for: target.method)
                }
            )
        } catch {
            let detail = "\(target.backendName) sent a malformed \(target.method.fullName) response: \(error)"
            return .failure(CallFailure(.internalError, "the backend sent a malformed response", detail: detail))
        }
    }

    /// What a client is told of a failure found here rather than reported by the backend:
    /// the kind of failure, never addresses, ports or frame-level internals (those go to
    /// the log, as `CallFailure.detail`).
    static func publicMessage(for code: GRPCStatusCode, timeout: Duration) -> String {
        switch code {
        case .deadlineExceeded: "no response within \(milliseconds(timeout)) ms"
        case .unavailable: "the backend is unavailable"
        case .resourceExhausted: "the backend's response is too large"
        case .cancelled: "the call was cancelled"
        case .internalError: "the backend broke the gRPC protocol"
        default: "the call failed (\(code.name))"
        }
    }

    /// A call's timeout is often what was left of the route's, down to the nanosecond;
    /// clients get whole milliseconds.
    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + (attoseconds + 500_000_000_000_000) / 1_000_000_000_000_000
    }
}
