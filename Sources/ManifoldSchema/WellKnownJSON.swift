import ManifoldCore

/// The JSON forms of the well-known types, turned into (on input) and made from (on output)
/// the plain field objects the codec handles for every other message.
enum WellKnownJSON {
    /// The field object that `value`, written in `kind`'s own JSON form, stands for.
    /// (Any is not here: its payload is a nested encoding, done by the encoder.)
    static func fieldObject(_ kind: WellKnownType, from value: JSONValue) throws(SchemaError) -> JSONObject {
        switch kind {
        case .timestamp:
            guard case .string(let text) = value, let (seconds, nanos) = TimestampText.parse(text) else {
                throw SchemaError(.invalidJSON, "expected an RFC 3339 timestamp such as \"1972-01-01T10:00:20.021Z\", got \(describe(value))")
            }
            return JSONObject([("seconds", .int(seconds)), ("nanos", .int(Int64(nanos)))])
        case .duration:
            guard case .string(let text) = value, let (seconds, nanos) = DurationText.parse(text) else {
                throw SchemaError(.invalidJSON, "expected a duration such as \"1.5s\", got \(describe(value))")
            }
            return JSONObject([("seconds", .int(seconds)), ("nanos", .int(Int64(nanos)))])
        case .fieldMask:
            guard case .string(let text) = value else {
                throw SchemaError(.invalidJSON, "expected a field mask string such as \"name,price.units\", got \(value.typeName)")
            }
            var paths: [JSONValue] = []
            for path in text.split(separator: ",") {
                guard !path.contains("_") else {
                    throw SchemaError(.invalidJSON, "field mask paths are lowerCamelCase in JSON; got \"\(path)\"")
                }
                paths.append(.string(snakeCase(path)))
            }
            return JSONObject([("paths", .array(paths))])
        case .wrapper:
            return JSONObject([("value", value)])
        case .struct:
            guard case .object = value else { throw SchemaError(.invalidJSON, "expected an object, got \(value.typeName)") }
            return JSONObject([("fields", value)])
        case .listValue:
            guard case .array = value else { throw SchemaError(.invalidJSON, "expected an array, got \(value.typeName)") }
            return JSONObject([("values", value)])
        case .value:
            switch value {
            case .null: return JSONObject([("null_value", .string("NULL_VALUE"))])
            case .bool: return JSONObject([("bool_value", value)])
            case .number(let n):
                guard n.doubleValue.isFinite else { throw SchemaError(.invalidJSON, "a Value number must be finite") }
                return JSONObject([("number_value", value)])
            case .string: return JSONObject([("string_value", value)])
            case .object: return JSONObject([("struct_value", value)])
            case .array: return JSONObject([("list_value", value)])
            }
        case .any:
            preconditionFailure("Any is encoded by MessageEncoder.makeAny")
        }
    }

    /// `fooBar` -> `foo_bar`, for field mask paths.
    static func snakeCase(_ path: Substring) -> String {
        var out = ""
        for ch in path {
            if ch.isUppercase {
                out += "_" + ch.lowercased()
            } else {
                out.append(ch)
            }
        }
        return out
    }

    private static func describe(_ value: JSONValue) -> String {
        if case .string(let s) = value { return "\"\(s)\"" }
        return value.typeName
    }
}
