import ManifoldCore
import NIOCore

/// How a closed stream becomes the call's result, per grpc/doc/PROTOCOL-HTTP2.md.
extension GRPCClientHandler {
    func complete(_ stream: Stream, errorCode: UInt32) {
        switch Self.result(of: stream, errorCode: errorCode, authority: authority) {
        case .success(let response):
            switch stream.responder {
            case .unary(let continuation):
                continuation.resume(returning: response)
            case .stream(let continuation):
                continuation.yield(.trailers(response.trailingMetadata))
                continuation.finish()
            }
        case .failure(let error):
            Self.fail(stream.responder, error)
        }
    }

    static func fail(_ responder: Responder, _ error: TransportError) {
        switch responder {
        case .unary(let continuation): continuation.resume(throwing: error)
        case .stream(let continuation): continuation.finish(throwing: error)
        }
    }

    private static func result(of stream: Stream, errorCode: UInt32, authority: String) -> Result<GRPCResponse, TransportError> {
        if let failure = stream.localFailure { return .failure(failure) }
        let statusFields = stream.trailers ?? stream.headers ?? []
        guard let statusText = statusFields["grpc-status"] else {
            if errorCode != 0 {
                let code = GRPCStatusMapping.code(forResetCode: errorCode)
                let error = TransportError(code, "stream reset by \(authority) with HTTP/2 error \(errorCode)")
                // REFUSED_STREAM: the server never processed it, so another connection may.
                return .failure(errorCode == 0x7 ? error.retrySafe() : error)
            }
            if let headers = stream.headers, let problem = problem(withResponseHeaders: headers, from: authority) {
                return .failure(problem)
            }
            return .failure(TransportError(.internalError, "\(authority) ended the stream without a gRPC status"))
        }
        guard let rawCode = Int(statusText), rawCode >= 0 else {
            return .failure(TransportError(.internalError, "\(authority) sent an invalid grpc-status \"\(statusText)\""))
        }
        let trailers = MetadataRules.applicationMetadata(stream.trailers ?? [])
        guard rawCode == 0 else {
            let message = statusFields["grpc-message"].map(GRPCStatusMapping.percentDecode) ?? ""
            return .failure(TransportError(GRPCStatusCode(rawValue: rawCode), message, fromServer: true, trailers: trailers))
        }
        do {
            try stream.deframer?.finish()
        } catch {
            return .failure(error)
        }
        let metadata = MetadataRules.applicationMetadata(stream.headers ?? [])
        if case .unary = stream.responder {
            guard let message = stream.message else {
                return .failure(TransportError(.internalError, "\(authority) sent OK without a response message"))
            }
            return .success(GRPCResponse(message: message, initialMetadata: metadata, trailingMetadata: trailers))
        }
        return .success(GRPCResponse(message: ByteBuffer(), initialMetadata: metadata, trailingMetadata: trailers))
    }

    /// Why response headers that carry no grpc-status cannot start a gRPC response.
    static func problem(withResponseHeaders headers: [HeaderField], from authority: String) -> TransportError? {
        let httpStatus = headers[":status"].flatMap(Int.init) ?? 0
        if httpStatus != 200 {
            let code = GRPCStatusMapping.code(forHTTPStatus: httpStatus)
            return TransportError(code, "\(authority) answered HTTP \(httpStatus) without a gRPC status")
        }
        let contentType = headers["content-type"] ?? ""
        guard contentType.hasPrefix("application/grpc") else {
            return TransportError(.unknown, "\(authority) answered with content-type \"\(contentType)\", not gRPC")
        }
        return nil
    }
}
