/// A field's wire type, numbered as `FieldDescriptorProto.Type` numbers them.
package enum FieldType: Int32, Sendable {
    case double = 1, float = 2, int64 = 3, uint64 = 4, int32 = 5, fixed64 = 6, fixed32 = 7, bool = 8
    case string = 9, group = 10, message = 11, bytes = 12, uint32 = 13, enumeration = 14
    case sfixed32 = 15, sfixed64 = 16, sint32 = 17, sint64 = 18

    /// Bytes one value occupies in a protobuf-c message struct (and in a repeated array).
    var storageSize: Int {
        switch self {
        case .int32, .sint32, .sfixed32, .uint32, .fixed32, .enumeration, .float, .bool: 4
        case .int64, .sint64, .sfixed64, .uint64, .fixed64, .double: 8
        case .string, .message, .group: 8  // a pointer
        case .bytes: 16  // ProtobufCBinaryData: size_t len, uint8_t *data
        }
    }

    /// Whether presence is the pointer itself (NULL means absent) rather than a `has_` flag.
    var presenceIsPointer: Bool { self == .string || self == .message }

}
