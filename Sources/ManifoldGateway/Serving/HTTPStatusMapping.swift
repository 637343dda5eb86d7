import ManifoldCore

/// The gRPC status to HTTP status table (google.rpc.Code's documented mapping), in one place.
enum HTTPStatusMapping {
    static func httpStatus(for code: GRPCStatusCode) -> Int {
        switch code {
        case .ok: 200
        case .invalidArgument, .failedPrecondition, .outOfRange: 400
        case .unauthenticated: 401
        case .permissionDenied: 403
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .resourceExhausted: 429
        case .cancelled: 499
        case .unimplemented: 501
        case .unavailable: 503
        case .deadlineExceeded: 504
        default: 500  // UNKNOWN, INTERNAL, DATA_LOSS and codes from the future
        }
    }
}
