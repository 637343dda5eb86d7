import ManifoldCore

/// Reads protobuf-c message structs (as `protobuf_c_message_unpack` left them) into proto3
/// JSON values. Unknown fields the backend sent (a newer schema) are in the struct's
/// `unknown_fields` and are skipped here.
struct MessageDecoder {
    let schema: Schema
    let options: JSONOptions

    func object(of base: UnsafeRawPointer, messageIndex: Int) -> JSONObject {
        let info = schema.messages[messageIndex]
        var object = JSONObject()
        for field in info.fields {
            guard let value = value(of: field, in: base) else { continue }
            object.appendUnique(options.fieldNames == .camel ? field.jsonName : field.name, value)
        }
        return object
    }

    /// The field's JSON value, or nil when it is absent and should not be rendered.
    private func value(of field: FieldInfo, in base: UnsafeRawPointer) -> JSONValue? {
        switch field.cardinality {
        case .repeated:
            let count = Int(base.load(fromByteOffset: field.quantifierOffset!, as: UInt.self))
            guard count > 0 else { return options.emitDefaults ? (field.isMap ? .object(JSONObject()) : .array([])) : nil }
            let array = base.load(fromByteOffset: field.offset, as: UnsafeRawPointer.self)
            if field.isMap { return .object(map(field, entries: array, count: count)) }
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for i in 0..<count {
                elements.append(scalar(field, at: array + i * field.type.storageSize))
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
            return scalar(field, at: base + field.offset)
        case .required:
            return scalar(field, at: base + field.offset)
        case .implicit:
            if !options.emitDefaults, isZero(field, at: base + field.offset) { return nil }
            return scalar(field, at: base + field.offset)
        }
    }

    private func map(_ field: FieldInfo, entries: UnsafeRawPointer, count: Int) -> JSONObject {
        let entryIndex = field.messageIndex!
        let entryInfo = schema.messages[entryIndex]
        var object = JSONObject()
        for i in 0..<count {
            let entry = entries.load(fromByteOffset: i * 8, as: UnsafeRawPointer.self)
            var key = ""
            var value: JSONValue = .null
            for f in entryInfo.fields {
                if f.number == 1 { key = mapKey(scalar(f, at: entry + f.offset)) }
                if f.number == 2 { value = scalar(f, at: entry + f.offset) }
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
    private func scalar(_ field: FieldInfo, at pointer: UnsafeRawPointer) -> JSONValue {
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
                .object(object(of: message, messageIndex: field.messageIndex!))
            } else {
                .null
            }
        }
    }

    private func bytes(at pointer: UnsafeRawPointer) -> JSONValue {
        let count = Int(pointer.load(as: UInt.self))  // ProtobufCBinaryData.len
        guard count > 0, let data = pointer.load(fromByteOffset: 8, as: UnsafeRawPointer?.self) else { return .string("") }
        return .string(Base64.encode(UnsafeRawBufferPointer(start: data, count: count)))
    }

    private func enumValue(_ number: Int32, enumIndex: Int) -> JSONValue {
        if !options.enumsAsNumbers, let name = schema.enums[enumIndex].namesByNumber[number] {
            return .string(name)
        }
        return .int(Int64(number))  // unknown numbers render as numbers, as the mapping says
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
