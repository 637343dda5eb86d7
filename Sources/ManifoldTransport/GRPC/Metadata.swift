import ManifoldCore

/// One HTTP/2 header field or gRPC metadata entry, in its wire form: names lower-case,
/// values of `-bin` entries base64. `binary(_:_:)` and `binaryValue` convert for you.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// A binary metadata entry; `name` must end in `-bin`.
    public static func binary(_ name: String, _ bytes: some Collection<UInt8>) -> HeaderField {
        HeaderField(name, Base64.encode(bytes))
    }

    /// Whether gRPC carries this entry's value as base64-encoded bytes.
    public var isBinary: Bool { name.hasSuffix("-bin") }
}

extension Array where Element == HeaderField {
    /// The value of the first field named `name`.
    public subscript(name: String) -> String? {
        first { $0.name == name }?.value
    }

    /// The decoded bytes of the first binary entry named `name` (padded or not, as peers
    /// may send either); nil when absent or not base64.
    public func binaryValue(_ name: String) -> [UInt8]? {
        self[name].flatMap(Base64.decode)
    }
}

/// Which metadata an application may send: gRPC reserves pseudo-headers, `grpc-*` and the
/// fields the transport itself sets; HTTP/2 forbids connection-specific fields.
enum MetadataRules {
    /// Fields an application may not send but does see: the backend's rich error details,
    /// and HTTP/2's connection-specific fields.
    private static let reservedForSending: Set<String> = [
        "grpc-status-details-bin",
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host",
    ]

    /// The metadata in a received header block: without pseudo-headers and transport fields.
    /// Used by both roles, for request, response and trailer blocks alike.
    static func applicationMetadata(_ fields: [HeaderField]) -> [HeaderField] {
        fields.filter(isApplicationField)  // allocates only when something passes
    }

    /// Whether a field is metadata rather than the transport's own: not a pseudo-header,
    /// nor a field the transport itself reads or writes. This runs for every field of every
    /// response: the name's length picks the one or three names it could be, so most fields
    /// cost a length read and at most one compare, not a compare with each reserved name.
    private static func isApplicationField(_ field: HeaderField) -> Bool {
        let name = field.name
        if name.utf8.first == UInt8(ascii: ":") { return false }
        switch name.utf8.count {
        case 2: return name != "te"
        case 10: return name != "user-agent"
        case 11: return name != "grpc-status"
        case 12: return name != "content-type" && name != "grpc-timeout" && name != "grpc-message"
        case 13: return name != "grpc-encoding"
        case 20: return name != "grpc-accept-encoding"
        default: return true
        }
    }

    /// Why `field` cannot be sent as custom metadata, or nil when it can.
    static func problem(with field: HeaderField) -> String? {
        if field.name.isEmpty || !isApplicationField(field) || reservedForSending.contains(field.name) {
            return "metadata \"\(field.name)\" is reserved"
        }
        // gRPC names: lower-case letters, digits, '-', '_', '.'.
        guard field.name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }) else {
            return "metadata name \"\(field.name)\" has characters gRPC does not allow"
        }
        if field.isBinary {
            return Base64.decode(field.value) == nil ? "metadata \"\(field.name)\" is not base64" : nil
        }
        // ASCII values: printable characters and space only.
        guard field.value.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else {
            return "metadata \"\(field.name)\" has a value with non-printable or non-ASCII characters; name it -bin to send bytes"
        }
        return nil
    }
}
