package import ManifoldCore

/// A message type of a loaded schema, with its fields in declaration order and where each
/// one lives in the protobuf-c struct.
///
/// A class, as is `FieldInfo`: the codec reads them for every field of every message, and
/// handing out a reference costs one retain where a struct copy would retain each member.
package final class MessageInfo: Sendable {
    /// Fully qualified name without a leading dot (`shop.catalog.v1.Product`).
    package let fullName: String
    package let fields: [FieldInfo]
    /// Field index by proto name and by JSON name; the JSON mapping accepts both.
    package let fieldsByName: [String: Int]
    package let oneofs: [OneofInfo]
    /// Whether this is the synthetic entry type of a `map<K, V>` field.
    package let isMapEntry: Bool
    /// Set for the google.protobuf types with a JSON form of their own.
    package let wellKnown: WellKnownType?
    /// `sizeof` the protobuf-c struct.
    package let structSize: Int
    /// The fields' names as bytes, for `field(named:hint:)`.
    private let names: FieldNameTable

    init(
        fullName: String, fields: [FieldInfo], fieldsByName: [String: Int], oneofs: [OneofInfo],
        isMapEntry: Bool, wellKnown: WellKnownType?, structSize: Int
    ) {
        self.fullName = fullName
        self.fields = fields
        self.fieldsByName = fieldsByName
        self.oneofs = oneofs
        self.isMapEntry = isMapEntry
        self.wellKnown = wellKnown
        self.structSize = structSize
        self.names = FieldNameTable(fields)
    }

    /// The key and value fields of a map entry type; the schema builder checks at load that
    /// entries have exactly these two, in this order.
    package var mapKey: FieldInfo { fields[0] }
    package var mapValue: FieldInfo { fields[1] }

    /// The field a JSON key names, by JSON name or by proto name (`isProtoName` says which).
    /// Keys usually come in declaration order, so the scan starts at `hint`, the field after
    /// the one found last.
    package func field(named key: UnsafeRawBufferPointer, hint: Int) -> (index: Int, isProtoName: Bool)? {
        names.field(named: key, hint: hint)
    }
}

/// A real (not synthetic) oneof: its name and where its case number lives.
package struct OneofInfo: Sendable {
    package let name: String
    package let caseOffset: Int
}

/// One field of a message type.
package final class FieldInfo: Sendable {
    /// How the field records presence, after protobuf-c's labels.
    package enum Cardinality: Sendable {
        /// proto3 field without presence: absent when it holds its default (LABEL_NONE).
        case implicit
        /// Explicit presence: a `has_` flag, a non-NULL pointer or a oneof case (LABEL_OPTIONAL).
        case optional
        /// proto2 `required` (LABEL_REQUIRED).
        case required
        /// A list, or the entries of a map (LABEL_REPEATED).
        case repeated
    }

    /// The name as written in the `.proto` file.
    package var name: String { protoKey.name }
    /// The lowerCamelCase (or declared) `json_name`.
    package var jsonName: String { jsonKey.name }
    package let number: Int32
    package let type: FieldType
    package let cardinality: Cardinality
    /// The message type's index in the schema, for message fields.
    package let messageIndex: Int?
    /// The enum type's index in the schema, for enum fields.
    package let enumIndex: Int?
    /// The index into the message's `oneofs`, for members of a real oneof.
    package let oneofIndex: Int?
    package let isMap: Bool
    package let isPacked: Bool
    /// Offset of the value (or of the array pointer, for repeated fields) in the struct.
    package let offset: Int
    /// Offset of the `has_` flag, the `n_` count or the oneof case; nil when there is none.
    package let quantifierOffset: Int?
    /// The JSON object keys this field renders as, by `jsonName` and by proto name.
    package let jsonKey: JSONKey
    package let protoKey: JSONKey
    /// Whether JSON `null` is a value of this field rather than "unset":
    /// google.protobuf.Value (null is its null_value) and the NullValue enum.
    package let nullIsValue: Bool

    init(
        name: String, jsonName: String, number: Int32, type: FieldType, cardinality: Cardinality,
        messageIndex: Int?, enumIndex: Int?, oneofIndex: Int?, isMap: Bool, isPacked: Bool,
        offset: Int, quantifierOffset: Int?, nullIsValue: Bool
    ) {
        self.number = number
        self.type = type
        self.cardinality = cardinality
        self.messageIndex = messageIndex
        self.enumIndex = enumIndex
        self.oneofIndex = oneofIndex
        self.isMap = isMap
        self.isPacked = isPacked
        self.offset = offset
        self.quantifierOffset = quantifierOffset
        self.jsonKey = JSONKey(jsonName)
        self.protoKey = JSONKey(name)
        self.nullIsValue = nullIsValue
    }
}

/// An enum type of a loaded schema.
package struct EnumInfo: Sendable {
    package let fullName: String
    /// Values in declaration order; the first is the default.
    package let values: [(name: String, number: Int32)]
    package let numbersByName: [String: Int32]
    /// Whether this is google.protobuf.NullValue, whose JSON form is `null`.
    /// Set at load: the decoder asks for every enum value it renders.
    package let isNullValue: Bool
    /// The first name declared for each number (aliases share a number).
    package let namesByNumber: [Int32: String]
}

/// An RPC method of a loaded schema.
public struct MethodInfo: Sendable {
    /// `package.Service/Method`, as configs name it.
    public let fullName: String
    /// The HTTP/2 `:path` of the method: `/package.Service/Method`.
    public let path: String
    package let inputIndex: Int
    package let outputIndex: Int
    public let clientStreaming: Bool
    public let serverStreaming: Bool
}
