/// Why a schema could not be loaded or a message could not be translated.
///
/// Shaped like gRPC's `RPCError`: a code that says which kind of failure it is, a message
/// written for the person reading it, and the location that makes it actionable (a proto
/// file and line, or the JSON path of the bad field).
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case protocFailed, invalidDescriptor, unsupported, invalidJSON, invalidMessage, unknownType
        }
        private let value: Value

        /// protoc could not compile the configured protos.
        public static let protocFailed = Code(value: .protocFailed)
        /// A descriptor set could not be read or refers to something it does not define.
        public static let invalidDescriptor = Code(value: .invalidDescriptor)
        /// The schema uses a feature Manifold does not translate (proto2 groups).
        public static let unsupported = Code(value: .unsupported)
        /// A JSON value does not fit the message it should fill; a client error.
        public static let invalidJSON = Code(value: .invalidJSON)
        /// Protobuf bytes do not decode as the expected message; a backend error.
        public static let invalidMessage = Code(value: .invalidMessage)
        /// A message, enum or method name the schema does not define.
        public static let unknownType = Code(value: .unknownType)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String
    /// The JSON path of the offending field (`$.items[2].price`), when there is one.
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }
}
