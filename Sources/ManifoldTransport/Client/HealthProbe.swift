import NIOCore

/// Active health checking with the standard `grpc.health.v1.Health/Check`
/// (grpc/doc/health-checking.md).
public struct HealthCheck: Sendable {
    /// The service name asked about; "" asks about the server as a whole.
    public var service: String
    public var interval: Duration
    public var timeout: Duration

    public init(service: String = "", interval: Duration = .seconds(10), timeout: Duration = .seconds(1)) {
        self.service = service
        self.interval = interval
        self.timeout = timeout
    }
}

/// One probe's wire format. The two messages are tiny and fixed by the gRPC spec, so they
/// are written here rather than loaded from a schema: HealthCheckRequest is
/// `string service = 1`, HealthCheckResponse is `ServingStatus status = 1` (SERVING = 1).
enum HealthProbe {
    static let path = "/grpc.health.v1.Health/Check"

    static func request(for check: HealthCheck) -> GRPCRequest {
        var message = ByteBuffer()
        let name = Array(check.service.utf8)
        if !name.isEmpty {
            message.writeInteger(UInt8(0x0A))  // field 1, length-delimited
            writeVarint(UInt64(name.count), to: &message)
            message.writeBytes(name)
        }
        return GRPCRequest(path: path, message: message, timeout: check.timeout)
    }

    /// Whether a response says SERVING. Unknown fields are skipped; a malformed message
    /// counts as not serving.
    static func isServing(_ response: ByteBuffer) -> Bool {
        var buffer = response
        var status: UInt64 = 0
        while buffer.readableBytes > 0 {
            guard let key = readVarint(&buffer) else { return false }
            switch key & 7 {
            case 0:
                guard let value = readVarint(&buffer) else { return false }
                if key >> 3 == 1 { status = value }
            case 1:
                guard buffer.readSlice(length: 8) != nil else { return false }
            case 2:
                guard let length = readVarint(&buffer), length <= buffer.readableBytes,
                      buffer.readSlice(length: Int(length)) != nil else { return false }
            case 5:
                guard buffer.readSlice(length: 4) != nil else { return false }
            default:
                return false
            }
        }
        return status == 1
    }

    private static func writeVarint(_ value: UInt64, to buffer: inout ByteBuffer) {
        var value = value
        while value >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.writeInteger(UInt8(value))
    }

    private static func readVarint(_ buffer: inout ByteBuffer) -> UInt64? {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
            result |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return result }
        }
        return nil
    }
}
