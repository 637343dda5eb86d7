internal import CProtobufC
import ManifoldCore

/// Reads protobuf-c message structs (as `protobuf_c_message_unpack` left them) into proto3
/// JSON values. Unknown fields the backend sent (a newer schema) are in the struct's
/// `unknown_fields` and are skipped here.
struct MessageDecoder {
    let schema: Schema
    let options: JSONOptions

    /// The JSON of message `messageIndex` at `base`: its field object, or its own form for
    /// a well-known type.
    /// - Throws: `invalidMessage` when a well-known value is out of its range (a Timestamp
    ///   past year 9999) or an Any holds a type the schema does not know.
    func value(of base: UnsafeRawPointer, messageIndex: Int) throws(SchemaError) -> JSONValue {
        let info = schema.messages[messageIndex]
        guard let kind = info.wellKnown else { return .object(try object(of: base, messageIndex: messageIndex)) }
        func field(_ number: Int32) -> FieldInfo { info.fields.first { $0.number == number }! }
        switch kind {
        case .timestamp, .duration:
            let seconds = base.load(fromByteOffset: field(1).offset, as: Int64.self)
            let nanos = base.load(fromByteOffset: field(2).offset, as: Int32.self)
            let text = kind == .timestamp
                ? TimestampText.format(seconds: seconds, nanos: nanos) : DurationText.format(seconds: seconds, nanos: nanos)
            guard let text else {
                throw SchemaError(.invalidMessage, "\(info.fullName) out of range: seconds \(seconds), nanos \(nanos)")
            }
            return .string(text)
        case .fieldMask:
            let paths = try self.value(of: field(1), in: base) ?? .array([])
            guard case .array(let items) = paths else { return .string("") }
            let camel = items.compactMap { item -> String? in
                if case .string(let path) = item { return path.split(separator: ".").map { SchemaBuilder.lowerCamel(String($0)) }.joined(separator: ".") }
                return nil
            }
            return .string(camel.joined(separator: ","))
        case .wrapper:
            return try scalar(field(1), at: base + field(1).offset)
        case .struct:
            return try self.value(of: field(1), in: base) ?? .object(JSONObject())
        case .listValue:
            return try self.value(of: field(1), in: base) ?? .array([])
        case .value:
            // Decode the set member once: a Struct or ListValue member nests Values again,
            // so decoding it twice per level would double the work at every level.
            for member in info.fields {
                guard let value = try self.value(of: member, in: base) else { continue }
                return member.number == 1 ? .null : value  // null_value renders as null
            }
            return .null  // no kind set: the closest JSON has is null
        case .any:
            return try any(base, info: info)
        }
    }

    func object(of base: UnsafeRawPointer, messageIndex: Int) throws(SchemaError) -> JSONObject {
        let info = schema.messages[messageIndex]
        var object = JSONObject()
        for field in info.fields {
            guard let value = try value(of: field, in: base) else { continue }
            object.appendUnique(options.fieldNames == .camel ? field.jsonName : field.name, value)
        }
        return object
    }

    /// The field's JSON value, or nil when it is absent and should not be rendered.
    private func value(of field: FieldInfo, in base: UnsafeRawPointer) throws(SchemaError) -> JSONValue? {
        switch field.cardinality {
        case .repeated:
            let count = Int(base.load(fromByteOffset: field.quantifierOffset!, as: UInt.self))
            guard count > 0 else { return options.emitDefaults ? (field.isMap ? .object(JSONObject()) : .array([])) : nil }
            let array = base.load(fromByteOffset: field.offset, as: UnsafeRawPointer.self)
            if field.isMap { return .object(try map(field, entries: array, count: count)) }
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for i in 0..<count {
                elements.append(try scalar(field, at: array + i * field.type.storageSize))
            }
            return .array(elements)
        case .optional:
            if let quantifier = field.quantifierOffset {
                if field.oneofIndex != nil {
                    guard base.load(fromByteOffset: quantifier, as: UInt32.self) == UInt32(bitPattern: field.number) else { return nil }
                } else {
                    guard base.load(fromByteOffset: quantifier, as: Int32.self) != 0 else { return nil }
                }
            } else if base.load(fromByteOffset: field.offset, as: UnsafeRawPointer?.self) == nil {
                return nil
            }
            return try scalar(field, at: base + field.offset)
        case .required:
            return try scalar(field, at: base + field.offset)
        case .implicit:
            if !options.emitDefaults, isZero(field, at: base + field.offset) { return nil }
            return try scalar(field, at: base + field.offset)
        }
    }

    private func map(_ field: FieldInfo, entries: UnsafeRawPointer, count: Int) throws(SchemaError) -> JSONObject {
        let entryInfo = schema.messages[field.messageIndex!]
        var object = JSONObject()
        for i in 0..<count {
            let entry = entries.load(fromByteOffset: i * 8, as: UnsafeRawPointer.self)
            var key = ""
            var value: JSONValue = .null
            for f in entryInfo.fields {
                if f.number == 1 { key = mapKey(try scalar(f, at: entry + f.offset)) }
                if f.number == 2 { value = try scalar(f, at: entry + f.offset) }
            }
            object[key] = value  // a repeated key on the wire: the last one wins, as in every runtime
        }
        return object
    }

    private func mapKey(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .number(let n): JSONWriter.numberText(n)
        default: ""
        }
    }

    /// One value of `field`'s type at `pointer`.
    private func scalar(_ field: FieldInfo, at pointer: UnsafeRawPointer) throws(SchemaError) -> JSONValue {
        switch field.type {
        case .int32, .sint32, .sfixed32: .number(JSONNumber(Int64(pointer.load(as: Int32.self))))
        case .uint32, .fixed32: .number(JSONNumber(Int64(pointer.load(as: UInt32.self))))
        case .int64, .sint64, .sfixed64: .number(JSONNumber(pointer.load(as: Int64.self), quoted: true))
        case .uint64, .fixed64: .number(JSONNumber(pointer.load(as: UInt64.self), quoted: true))
        case .float: .number(JSONNumber(pointer.load(as: Float.self)))
        case .double: .number(JSONNumber(pointer.load(as: Double.self)))
        case .bool: .bool(pointer.load(as: Int32.self) != 0)
        case .string:
            if let chars = pointer.load(as: UnsafePointer<CChar>?.self) {
                .string(String(cString: chars))
            } else {
                .string("")
            }
        case .bytes:
            bytes(at: pointer)
        case .enumeration:
            enumValue(pointer.load(as: Int32.self), enumIndex: field.enumIndex!)
        case .message, .group:
            if let message = pointer.load(as: UnsafeRawPointer?.self) {
                try value(of: message, messageIndex: field.messageIndex!)
            } else {
                .null
            }
        }
    }

    private func bytes(at pointer: UnsafeRawPointer) -> JSONValue {
        .string(Base64.encode(Self.binary(at: pointer)))
    }

    /// The bytes of a `ProtobufCBinaryData` field, valid as long as the unpacked message.
    static func binary(at pointer: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let binary = pointer.load(as: ProtobufCBinaryData.self)
        guard binary.len > 0, let data = binary.data else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data, count: binary.len)
    }

    private func enumValue(_ number: Int32, enumIndex: Int) -> JSONValue {
        let info = schema.enums[enumIndex]
        if info.isNullValue { return .null }
        if !options.enumsAsNumbers, let name = info.namesByNumber[number] {
            return .string(name)
        }
        return .int(Int64(number))  // unknown numbers render as numbers, as the mapping says
    }

    /// `{"@type": url, ...payload fields}`, or `{"@type": url, "value": ...}` for a
    /// well-known payload.
    private func any(_ base: UnsafeRawPointer, info: MessageInfo) throws(SchemaError) -> JSONValue {
        var url = ""
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        for field in info.fields {
            if field.number == 1, let chars = base.load(fromByteOffset: field.offset, as: UnsafePointer<CChar>?.self) {
                url = String(cString: chars)
            } else if field.number == 2 {
                payload = Self.binary(at: base + field.offset)
            }
        }
        if url.isEmpty, payload.isEmpty { return .object(JSONObject()) }
        let typeName = String(url.split(separator: "/").last ?? "")
        guard let index = schema.messageIndex(named: typeName) else {
            throw SchemaError(.invalidMessage, "an Any holds \(url), which the schema does not define")
        }
        let descriptor = schema.pool.descriptor(ofMessage: index)
        let unpacked = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { scratch in
            protobuf_c_message_unpack(
                descriptor, nil, payload.count,
                payload.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(scratch.baseAddress!)
            )
        }
        guard let unpacked else { throw SchemaError(.invalidMessage, "an Any's payload is not a valid \(typeName)") }
        // Lifetime: freed here, after the payload has been copied into Swift values.
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        let inner = try value(of: UnsafeRawPointer(unpacked), messageIndex: index)
        var object = JSONObject()
        object.appendUnique("@type", .string(url))
        if schema.messages[index].wellKnown != nil {
            object.appendUnique("value", inner)
        } else if case .object(let fields) = inner {
            for (key, value) in fields.members { object.appendUnique(key, value) }
        }
        return .object(object)
    }

    /// Whether an implicit-presence field holds its default, judged on the raw struct
    /// member as protobuf-c judges it when packing.
    private func isZero(_ field: FieldInfo, at pointer: UnsafeRawPointer) -> Bool {
        switch field.type {
        case .string:
            guard let chars = pointer.load(as: UnsafePointer<CChar>?.self) else { return true }
            return chars.pointee == 0
        case .bytes:
            return pointer.load(as: UInt.self) == 0
        case .message, .group:
            return pointer.load(as: UnsafeRawPointer?.self) == nil
        default:
            return UnsafeRawBufferPointer(start: pointer, count: field.type.storageSize).allSatisfy { $0 == 0 }
        }
    }
}
