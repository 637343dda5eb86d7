internal import CProtobufC
import ManifoldCore

/// Fills protobuf-c message structs from proto3 JSON values.
///
/// Every struct, array and string is allocated in `arena` and zeroed, which protobuf-c reads
/// as "unset". Errors carry the path below the current message; callers prefix their part as
/// the error travels up, so the success path builds no path strings at all.
struct MessageEncoder {
    let schema: Schema
    let arena: Arena
    let options: JSONOptions

    /// A new struct for message `messageIndex`, filled from `value`: an object of its fields,
    /// or the special JSON form of a well-known type.
    func makeMessage(from value: JSONValue, messageIndex: Int) throws(SchemaError) -> UnsafeMutableRawPointer {
        switch schema.messages[messageIndex].wellKnown {
        case .any?:
            return try makeAny(value, messageIndex: messageIndex)
        case let kind?:
            // The field object is ours, not the client's: its field names stay out of paths.
            return try makeMessage(try WellKnownJSON.fieldObject(kind, from: value), messageIndex: messageIndex, transparent: true)
        case nil:
            guard case .object(let object) = value else { throw typeMismatch("an object", value) }
            return try makeMessage(object, messageIndex: messageIndex)
        }
    }

    /// A new struct for message `messageIndex`, filled from an object of its fields.
    /// - Parameter transparent: the object stands for a well-known type's own JSON form, so
    ///   error paths name what the client wrote (`$.attrs.a`, not `$.attrs.fields["a"]`).
    func makeMessage(_ object: JSONObject, messageIndex: Int, transparent: Bool = false) throws(SchemaError) -> UnsafeMutableRawPointer {
        let info = schema.messages[messageIndex]
        let base = arena.allocate(info.structSize)
        // ProtobufCMessage.descriptor is the first member.
        base.storeBytes(of: UnsafeRawPointer(schema.pool.descriptor(ofMessage: messageIndex)), as: UnsafeRawPointer.self)
        var oneofSet: [Int: String] = [:]
        for (key, value) in object.members {
            guard let fieldIndex = info.fieldsByName[key] else {
                if options.ignoreUnknownFields { continue }
                throw SchemaError(.invalidJSON, "unknown field \"\(key)\" in \(info.fullName)").within(".\(key)")
            }
            let field = info.fields[fieldIndex]
            if case .null = value, !acceptsNull(field) { continue }  // null means the default: leave unset
            do throws(SchemaError) {
                if let oneof = field.oneofIndex {
                    if let other = oneofSet[oneof] {
                        throw SchemaError(.invalidJSON, "oneof \(info.oneofs[oneof].name) already set by \"\(other)\"")
                    }
                    oneofSet[oneof] = key
                }
                try fill(field, from: value, in: base, transparent: transparent)
            } catch {
                throw transparent ? error : error.within(".\(key)")
            }
        }
        // proto2 `required`: a message without one would not parse at the backend.
        for field in info.fields where field.cardinality == .required {
            let given = object[field.jsonName] ?? object[field.name]
            if given == nil || given == .null {
                throw SchemaError(.invalidJSON, "missing required field \"\(field.jsonName)\"")
            }
        }
        return base
    }

    private func fill(_ field: FieldInfo, from value: JSONValue, in base: UnsafeMutableRawPointer, transparent: Bool) throws(SchemaError) {
        if field.isMap {
            try fillMap(field, from: value, in: base, keysAsFields: transparent)
            return
        }
        if field.cardinality == .repeated {
            guard case .array(let elements) = value else {
                throw SchemaError(.invalidJSON, "expected an array, got \(value.typeName)")
            }
            let array = arena.allocate(elements.count * field.type.storageSize)
            for (i, element) in elements.enumerated() {
                do throws(SchemaError) {
                    if case .null = element, !acceptsNull(field) { throw SchemaError(.invalidJSON, "null is not allowed in a list") }
                    try store(element, as: field, at: array + i * field.type.storageSize)
                } catch {
                    throw error.within("[\(i)]")
                }
            }
            base.storeBytes(of: UInt(elements.count), toByteOffset: field.quantifierOffset!, as: UInt.self)
            base.storeBytes(of: UnsafeRawPointer(array), toByteOffset: field.offset, as: UnsafeRawPointer.self)
            return
        }
        try store(value, as: field, at: base + field.offset)
        guard let quantifier = field.quantifierOffset else { return }
        if field.oneofIndex != nil {
            base.storeBytes(of: UInt32(bitPattern: field.number), toByteOffset: quantifier, as: UInt32.self)
        } else {
            base.storeBytes(of: Int32(1), toByteOffset: quantifier, as: Int32.self)  // has_ = true
        }
    }

    /// A `map<K, V>` is a repeated entry message on the wire; JSON writes it as an object.
    /// - Parameter keysAsFields: the map is a Struct's, whose keys read as fields in paths.
    private func fillMap(
        _ field: FieldInfo,
        from value: JSONValue,
        in base: UnsafeMutableRawPointer,
        keysAsFields: Bool
    ) throws(SchemaError) {
        guard case .object(let object) = value else {
            throw SchemaError(.invalidJSON, "expected an object (a map), got \(value.typeName)")
        }
        let entryIndex = field.messageIndex!
        let entryInfo = schema.messages[entryIndex]
        guard let keyField = entryInfo.fields.first(where: { $0.number == 1 }),
            let valueField = entryInfo.fields.first(where: { $0.number == 2 })
        else { throw SchemaError(.invalidDescriptor, "map entry \(entryInfo.fullName) lacks key or value") }
        let entries = arena.allocate(object.count * 8)
        for (i, member) in object.members.enumerated() {
            do throws(SchemaError) {
                let entry = arena.allocate(entryInfo.structSize)
                entry.storeBytes(of: UnsafeRawPointer(schema.pool.descriptor(ofMessage: entryIndex)), as: UnsafeRawPointer.self)
                try store(try mapKey(member.key, as: keyField), as: keyField, at: entry + keyField.offset)
                if case .null = member.value, !acceptsNull(valueField) {
                    throw SchemaError(.invalidJSON, "null is not allowed as a map value")
                }
                try store(member.value, as: valueField, at: entry + valueField.offset)
                entries.storeBytes(of: UnsafeRawPointer(entry), toByteOffset: i * 8, as: UnsafeRawPointer.self)
            } catch {
                throw error.within(keysAsFields ? ".\(member.key)" : "[\"\(member.key)\"]")
            }
        }
        base.storeBytes(of: UInt(object.count), toByteOffset: field.quantifierOffset!, as: UInt.self)
        base.storeBytes(of: UnsafeRawPointer(entries), toByteOffset: field.offset, as: UnsafeRawPointer.self)
    }

    /// Map keys are always JSON strings; this turns one into the JSON value its type reads.
    private func mapKey(_ key: String, as field: FieldInfo) throws(SchemaError) -> JSONValue {
        switch field.type {
        case .string: return .string(key)
        case .bool:
            guard key == "true" || key == "false" else {
                throw SchemaError(.invalidJSON, "map key \"\(key)\" is not a bool")
            }
            return .bool(key == "true")
        default: return .string(key)  // integers parse from strings like any other
        }
    }

    /// Writes one value of `field`'s type at `pointer`.
    private func store(_ value: JSONValue, as field: FieldInfo, at pointer: UnsafeMutableRawPointer) throws(SchemaError) {
        switch field.type {
        case .int32, .sint32, .sfixed32:
            pointer.storeBytes(of: Int32(try integer(value, in: Int64(Int32.min)...Int64(Int32.max))), as: Int32.self)
        case .uint32, .fixed32:
            pointer.storeBytes(of: UInt32(try unsignedInteger(value, max: UInt64(UInt32.max))), as: UInt32.self)
        case .int64, .sint64, .sfixed64:
            pointer.storeBytes(of: try integer(value, in: Int64.min...Int64.max), as: Int64.self)
        case .uint64, .fixed64:
            pointer.storeBytes(of: try unsignedInteger(value, max: UInt64.max), as: UInt64.self)
        case .float:
            let double = try floating(value)
            guard !double.isFinite || abs(double) <= Double(Float.greatestFiniteMagnitude) else {
                throw SchemaError(.invalidJSON, "\(double) is out of range for float")
            }
            pointer.storeBytes(of: Float(double), as: Float.self)
        case .double:
            pointer.storeBytes(of: try floating(value), as: Double.self)
        case .bool:
            guard case .bool(let b) = value else { throw typeMismatch("a boolean", value) }
            pointer.storeBytes(of: Int32(b ? 1 : 0), as: Int32.self)
        case .string:
            guard case .string(let s) = value else { throw typeMismatch("a string", value) }
            // protobuf-c strings are NUL-terminated; a NUL inside would silently truncate.
            guard !s.utf8.contains(0) else {
                throw SchemaError(.invalidJSON, "strings containing U+0000 are not supported")
            }
            pointer.storeBytes(of: UnsafeRawPointer(arena.cString(s)), as: UnsafeRawPointer.self)
        case .bytes:
            guard case .string(let s) = value else { throw typeMismatch("a base64 string", value) }
            guard let bytes = Base64.decode(s) else { throw SchemaError(.invalidJSON, "invalid base64") }
            let data = arena.allocate(bytes.count)
            bytes.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            Self.storeBinary(data, count: bytes.count, at: pointer)
        case .enumeration:
            pointer.storeBytes(of: try enumNumber(value, enumIndex: field.enumIndex!), as: Int32.self)
        case .message:
            let message = try makeMessage(from: value, messageIndex: field.messageIndex!)
            pointer.storeBytes(of: UnsafeRawPointer(message), as: UnsafeRawPointer.self)
        case .group:
            throw SchemaError(.unsupported, "proto2 groups are not supported")
        }
    }

    /// Whether `null` is a value for `field` rather than "unset": google.protobuf.Value
    /// (JSON null is its null_value) and the NullValue enum.
    private func acceptsNull(_ field: FieldInfo) -> Bool {
        if let index = field.messageIndex { return schema.messages[index].wellKnown == .value }
        if let index = field.enumIndex { return schema.enums[index].isNullValue }
        return false
    }

    // MARK: - Any

    /// `{"@type": "type.googleapis.com/pkg.Msg", ...fields}`, or for a well-known payload
    /// `{"@type": ..., "value": <its JSON form>}`: the payload is packed into `value`.
    /// Fills a `ProtobufCBinaryData` field; `data` must live as long as the message (the arena).
    private static func storeBinary(_ data: UnsafeMutableRawPointer, count: Int, at pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: ProtobufCBinaryData(len: count, data: data.assumingMemoryBound(to: UInt8.self)), as: ProtobufCBinaryData.self)
    }

    private func makeAny(_ value: JSONValue, messageIndex: Int) throws(SchemaError) -> UnsafeMutableRawPointer {
        guard case .object(var object) = value else { throw typeMismatch("an object with \"@type\"", value) }
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
        let payload = try makeMessage(from: payloadJSON, messageIndex: payloadIndex)
        let cPayload = payload.assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(cPayload)
        let bytes = arena.allocate(size)
        _ = protobuf_c_message_pack(cPayload, bytes.assumingMemoryBound(to: UInt8.self))

        let info = schema.messages[messageIndex]
        let any = arena.allocate(info.structSize)
        any.storeBytes(of: UnsafeRawPointer(schema.pool.descriptor(ofMessage: messageIndex)), as: UnsafeRawPointer.self)
        for field in info.fields {
            if field.number == 1 {  // type_url
                any.storeBytes(of: UnsafeRawPointer(arena.cString(url)), toByteOffset: field.offset, as: UnsafeRawPointer.self)
            } else if field.number == 2 {  // value: ProtobufCBinaryData
                Self.storeBinary(bytes, count: size, at: any + field.offset)
            }
        }
        return any
    }

    // MARK: - Scalars

    private func integer(_ value: JSONValue, in range: ClosedRange<Int64>) throws(SchemaError) -> Int64 {
        let number = try integralNumber(value, expected: "an integer")
        guard let exact = number.int64Value, range.contains(exact) else {
            throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is out of range [\(range.lowerBound), \(range.upperBound)]")
        }
        return exact
    }

    private func unsignedInteger(_ value: JSONValue, max: UInt64) throws(SchemaError) -> UInt64 {
        let number = try integralNumber(value, expected: "a non-negative integer")
        guard let exact = number.uint64Value, exact <= max else {
            throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is out of range [0, \(max)]")
        }
        return exact
    }

    /// An integral number, written as a JSON number or inside a string (`"42"`).
    private func integralNumber(_ value: JSONValue, expected: String) throws(SchemaError) -> JSONNumber {
        let number: JSONNumber
        switch value {
        case .number(let n): number = n
        case .string(let s):
            guard let parsed = Self.numberFromString(s) else { throw SchemaError(.invalidJSON, "\"\(s)\" is not an integer") }
            number = parsed
        default: throw typeMismatch(expected, value)
        }
        guard number.isIntegral else { throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is not an integer") }
        return number
    }

    private func floating(_ value: JSONValue) throws(SchemaError) -> Double {
        switch value {
        case .number(let n): return n.doubleValue
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let s):
            guard let n = Self.numberFromString(s) else { throw SchemaError(.invalidJSON, "\"\(s)\" is not a number") }
            return n.doubleValue
        default: throw typeMismatch("a number", value)
        }
    }

    private func enumNumber(_ value: JSONValue, enumIndex: Int) throws(SchemaError) -> Int32 {
        let info = schema.enums[enumIndex]
        switch value {
        case .null where info.isNullValue:
            return 0
        case .string(let name):
            guard let number = info.numbersByName[name] else {
                throw SchemaError(.invalidJSON, "\"\(name)\" is not a value of enum \(info.fullName)")
            }
            return number
        case .number(let n):
            // Unknown numbers are kept: proto3 enums are open.
            guard let exact = n.int64Value, let number = Int32(exactly: exact) else {
                throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(n)) is not a valid enum number")
            }
            return number
        default: throw typeMismatch("an enum name or number", value)
        }
    }

    /// A JSON number written inside a string, as proto3 JSON allows for numeric fields.
    private static func numberFromString(_ s: String) -> JSONNumber? {
        guard !s.isEmpty, s.first != " ", s.last != " ",
            case .number(let n)? = try? JSONParser.parse(s)
        else { return nil }
        return n
    }

    private func typeMismatch(_ expected: String, _ value: JSONValue) -> SchemaError {
        SchemaError(.invalidJSON, "expected \(expected), got \(value.typeName)")
    }
}
