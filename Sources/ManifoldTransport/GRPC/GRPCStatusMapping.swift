import ManifoldCore

/// How a stream that ended without a usable `grpc-status` maps to one, per
/// grpc/doc/PROTOCOL-HTTP2.md and grpc/doc/http-grpc-status-mapping.md.
enum GRPCStatusMapping {
    /// The status for an HTTP status other than 200 on a response without `grpc-status`.
    static func code(forHTTPStatus status: Int) -> GRPCStatusCode {
        switch status {
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }

    /// The status for a stream reset with an HTTP/2 error code.
    static func code(forResetCode errorCode: UInt32) -> GRPCStatusCode {
        switch errorCode {
        case 0x7: .unavailable  // REFUSED_STREAM: never processed, safe to retry
        case 0x8: .cancelled  // CANCEL
        case 0xB: .resourceExhausted  // ENHANCE_YOUR_CALM
        case 0xC: .permissionDenied  // INADEQUATE_SECURITY
        default: .internalError
        }
    }

    /// `grpc-message` is percent-encoded UTF-8; undecodable sequences are kept as they came.
    static func percentDecode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")), let bytes = PercentDecoding.decode(text, strict: false) else { return text }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `grpc-timeout` for a duration: at most 8 digits, in the finest unit that fits.
    static func timeoutHeader(_ duration: Duration) -> String {
        let nanos = max(0, duration.components.seconds) * 1_000_000_000
            + max(0, duration.components.attoseconds / 1_000_000_000)
        let units: [(Int64, String)] = [(1, "n"), (1000, "u"), (1_000_000, "m"), (1_000_000_000, "S"), (60_000_000_000, "M")]
        for (scale, unit) in units {
            let value = (nanos + scale - 1) / scale  // round up: never promise more time than we allow
            if value < 100_000_000 { return "\(value)\(unit)" }
        }
        return "99999999H"
    }
}
