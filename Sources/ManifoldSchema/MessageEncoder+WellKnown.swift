internal import CProtobufC
import ManifoldCore

/// The JSON forms of the well-known types on input: each fills the type's own fields from
/// the form the proto3 JSON mapping gives it. Error paths name what the client wrote
/// (`$.attrs.a`, not `$.attrs.fields["a"]`): the field structure is ours, not theirs.
extension MessageEncoder {
    mutating func fillWellKnown(_ kind: WellKnownType, info: MessageInfo, in base: UnsafeMutableRawPointer) throws(SchemaError) {
        func field(_ number: Int32) -> FieldInfo { info.fields.first { $0.number == number }! }
        let next = try peek()
        switch kind {
        case .timestamp, .duration:
            let text = next == .string ? try readString() : nil
            let parsed = text.flatMap { kind == .timestamp ? TimestampText.parse($0) : DurationText.parse($0) }
            guard let (seconds, nanos) = parsed else {
                let got = text.map { "\"\(String(decoding: $0, as: UTF8.self))\"" } ?? next.name
                throw SchemaError(.invalidJSON, kind == .timestamp
                    ? "expected an RFC 3339 timestamp such as \"1972-01-01T10:00:20.021Z\", got \(got)"
                    : "expected a duration such as \"1.5s\", got \(got)")
            }
            base.storeBytes(of: seconds, toByteOffset: field(1).offset, as: Int64.self)
            base.storeBytes(of: nanos, toByteOffset: field(2).offset, as: Int32.self)
        case .fieldMask:
            guard next == .string else {
                throw SchemaError(.invalidJSON, "expected a field mask string such as \"name,price.units\", got \(next.name)")
            }
            let text = String(decoding: try readString(), as: UTF8.self)
            var paths = ArenaList(arena: arena, stride: 8)
            for path in text.split(separator: ",") {
                guard !path.contains("_") else {
                    throw SchemaError(.invalidJSON, "field mask paths are lowerCamelCase in JSON; got \"\(path)\"")
                }
                paths.append().storeBytes(of: UnsafeRawPointer(arena.cString(Self.snakeCase(path))), as: UnsafeRawPointer.self)
            }
            paths.store(in: base, count: field(1).quantifierOffset!, pointer: field(1).offset)
        case .wrapper:
            if next == .null {
                try readNull()  // the wrapped default
            } else {
                try fill(field(1), in: base, keysAsFields: false)
            }
        case .struct:
            guard next == .object else { throw SchemaError(.invalidJSON, "expected an object, got \(next.name)") }
            try fillMap(field(1), in: base, keysAsFields: true)
        case .listValue:
            guard next == .array else { throw SchemaError(.invalidJSON, "expected an array, got \(next.name)") }
            try fillList(field(1), in: base)
        case .value:
            // The oneof member for each kind: null_value 1, number_value 2, string_value 3,
            // bool_value 4, struct_value 5, list_value 6.
            let number: Int32 = switch next {
            case .null: 1
            case .number: 2
            case .string: 3
            case .bool: 4
            case .object: 5
            case .array: 6
            }
            let member = field(number)
            try fill(member, in: base, keysAsFields: false)
            if number == 2, !base.load(fromByteOffset: member.offset, as: Double.self).isFinite {
                throw SchemaError(.invalidJSON, "a Value number must be finite")
            }
        case .any:
            preconditionFailure("Any is encoded by makeAny")
        }
    }

    /// `{"@type": "type.googleapis.com/pkg.Msg", ...fields}`, or for a well-known payload
    /// `{"@type": ..., "value": <its JSON form>}`: the payload is packed into `value`.
    /// "@type" may come anywhere in the object, so the object is read whole first.
    mutating func makeAny(messageIndex: Int) throws(SchemaError) -> UnsafeMutableRawPointer {
        let next = try peek()
        guard next == .object, case .object(var object) = try readValue() else {
            throw typeMismatch("an object with \"@type\"", next)
        }
        guard case .string(let url)? = object["@type"] else {
            throw SchemaError(.invalidJSON, "an Any needs a string \"@type\"")
        }
        // type_url is a C string to protobuf-c: a NUL would silently cut it short.
        guard !url.utf8.contains(0) else { throw SchemaError(.invalidJSON, "strings containing U+0000 are not supported").within(".@type") }
        let typeName = String(url.split(separator: "/").last ?? "")
        guard let payloadIndex = schema.messageIndex(named: typeName) else {
            throw SchemaError(.invalidJSON, "\"@type\" names \(url), which the schema does not define").within(".@type")
        }
        object["@type"] = nil
        let payloadJSON: JSONValue
        if schema.messages[payloadIndex].wellKnown != nil {
            guard object.count == 1, let inner = object["value"] else {
                throw SchemaError(.invalidJSON, "an Any holding \(typeName) needs exactly one other member, \"value\"")
            }
            payloadJSON = inner
        } else {
            payloadJSON = .object(object)
        }
        var payloadEncoder = MessageEncoder<JSONTreeSource>(schema: schema, arena: arena, options: options, source: JSONTreeSource(payloadJSON))
        let payload = try payloadEncoder.makeMessage(messageIndex: payloadIndex)
        let cPayload = payload.assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(cPayload)
        let bytes = arena.allocate(size)
        _ = protobuf_c_message_pack(cPayload, bytes.assumingMemoryBound(to: UInt8.self))

        let any = newStruct(messageIndex)
        for field in schema.messages[messageIndex].fields {
            if field.number == 1 {  // type_url
                any.storeBytes(of: UnsafeRawPointer(arena.cString(url)), toByteOffset: field.offset, as: UnsafeRawPointer.self)
            } else if field.number == 2 {  // value: ProtobufCBinaryData
                Self.storeBinary(bytes, count: size, at: any + field.offset)
            }
        }
        return any
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
}
