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
        let nanos = max(0, duration.nanoseconds)
        let units: [(Int64, String)] = [(1, "n"), (1000, "u"), (1_000_000, "m"), (1_000_000_000, "S"), (60_000_000_000, "M")]
        for (scale, unit) in units {
            let value = (nanos + scale - 1) / scale  // round up: never promise more time than we allow
            if value < 100_000_000 { return "\(value)\(unit)" }
        }
        return "99999999H"
    }

    /// The duration a `grpc-timeout` value names (1 to 8 digits and a unit), or nil.
    static func parseTimeout(_ text: String) -> Duration? {
        guard let unit = text.last, text.count >= 2, text.count <= 9, let value = Int64(text.dropLast()), value >= 0 else { return nil }
        switch unit {
        case "H": return .seconds(value * 3600)
        case "M": return .seconds(value * 60)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }

    /// `grpc-message` on the wire: UTF-8 with bytes outside printable ASCII, and '%',
    /// percent-encoded.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
