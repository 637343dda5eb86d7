/// A JSON value as Manifold's layers exchange it: parsed request bodies, decoded protobuf
/// messages, template results and response bodies.
///
/// Objects keep their members in insertion order so responses render in the order the
/// template or the message declares them.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// A number from an integer.
    public static func int(_ value: Int64) -> JSONValue { .number(JSONNumber(value)) }

    /// A number from a double.
    public static func double(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }

    /// The member named `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The JSON type name, as error messages and JMESPath's `type()` spell it.
    public var typeName: String { kind.name }

    /// Which of the six kinds of JSON value this is.
    public var kind: JSONKind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }
}
