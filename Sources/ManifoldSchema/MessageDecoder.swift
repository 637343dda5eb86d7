internal import CProtobufC
import Glibc
import ManifoldCore

/// Renders protobuf-c message structs (as `protobuf_c_message_unpack` left them) as proto3
/// JSON into a sink: a `JSONTreeSink` for the composition layer, a `JSONTextSink` for JSON
/// text with no tree in between. Unknown fields the backend sent (a newer schema) are in the
/// struct's `unknown_fields` and are skipped here.
struct MessageDecoder {
    let schema: Schema
    let options: JSONOptions
    /// Where nested `Any` payloads are unpacked; it owns the top-level message too.
    let arena: Arena

    /// Writes message `messageIndex` at `base`: its field object, or its own form for a
    /// well-known type.
    /// - Throws: `invalidMessage` when a well-known value is out of its range (a Timestamp
    ///   past year 9999) or an Any holds a type the schema does not know.
    func write<Sink: JSONSink>(_ base: UnsafeRawPointer, messageIndex: Int, to sink: inout Sink) throws(SchemaError) {
        let info = schema.messages[messageIndex]
        guard let kind = info.wellKnown else {
            sink.beginObject()
            try writeMembers(of: base, info: info, to: &sink)
            sink.endObject()
            return
        }
        func field(_ number: Int32) -> FieldInfo { info.fields.first { $0.number == number }! }
        switch kind {
        case .timestamp, .duration:
            let seconds = base.load(fromByteOffset: field(1).offset, as: Int64.self)
            let nanos = base.load(fromByteOffset: field(2).offset, as: Int32.self)
            // On the stack: a timestamp or duration costs no allocation.
            try withUnsafeTemporaryAllocation(byteCount: max(TimestampText.maxCount, DurationText.maxCount), alignment: 1) { (text) throws(SchemaError) in
                let count = kind == .timestamp
                    ? TimestampText.format(seconds: seconds, nanos: nanos, into: text)
                    : DurationText.format(seconds: seconds, nanos: nanos, into: text)
                guard let count else {
                    throw SchemaError(.invalidMessage, "\(info.fullName) out of range: seconds \(seconds), nanos \(nanos)")
                }
                sink.string(utf8: UnsafeRawBufferPointer(rebasing: text[..<count]))
            }
        case .fieldMask:
            let paths = field(1)
            let count = Int(base.load(fromByteOffset: paths.quantifierOffset!, as: UInt.self))
            let array = base.load(fromByteOffset: paths.offset, as: UnsafeRawPointer?.self)
            var camel: [String] = []
            for i in 0..<count {
                let path = Self.string(at: array! + i * 8)
                camel.append(path.split(separator: ".").map { SchemaBuilder.lowerCamel(String($0)) }.joined(separator: "."))
            }
            sink.string(camel.joined(separator: ","))
        case .wrapper:
            try writeValue(field(1), at: base + field(1).offset, to: &sink)
        case .struct:
            let fields = field(1)
            if !(try writeField(fields, in: base, to: &sink, key: nil)) { sink.beginObject(); sink.endObject() }
        case .listValue:
            let values = field(1)
            if !(try writeField(values, in: base, to: &sink, key: nil)) { sink.beginArray(); sink.endArray() }
        case .value:
            for member in info.fields where isPresent(member, in: base) {
                // null_value renders as null whatever number it holds.
                if member.number == 1 { sink.null() } else { try writeValue(member, at: base + member.offset, to: &sink) }
                return
            }
            sink.null()  // no kind set: the closest JSON has is null
        case .any:
            try writeAny(base, info: info, to: &sink)
        }
    }

    /// The members of an ordinary message's object, without the braces.
    private func writeMembers<Sink: JSONSink>(of base: UnsafeRawPointer, info: MessageInfo, to sink: inout Sink) throws(SchemaError) {
        let camel = options.fieldNames == .camel
        for field in info.fields {
            _ = try writeField(field, in: base, to: &sink, key: camel ? field.jsonKey : field.protoKey)
        }
    }

    /// Writes the field, preceded by `key` when one is given, unless it is absent and
    /// should not be rendered.
    /// - Returns: whether anything was written.
    private func writeField<Sink: JSONSink>(
        _ field: FieldInfo,
        in base: UnsafeRawPointer,
        to sink: inout Sink,
        key: JSONKey?
    ) throws(SchemaError) -> Bool {
        switch field.cardinality {
        case .repeated:
            let count = Int(base.load(fromByteOffset: field.quantifierOffset!, as: UInt.self))
            guard count > 0 || options.emitDefaults else { return false }
            if let key { sink.key(key) }
            let array = base.load(fromByteOffset: field.offset, as: UnsafeRawPointer?.self)
            if field.isMap {
                sink.beginObject()
                if let array { try writeMapEntries(field, entries: array, count: count, to: &sink) }
                sink.endObject()
            } else {
                sink.beginArray()
                let stride = field.type.storageSize
                for i in 0..<count { try writeValue(field, at: array! + i * stride, to: &sink) }
                sink.endArray()
            }
            return true
        case .optional:
            guard isPresent(field, in: base) else { return false }
        case .required:
            break
        case .implicit:
            guard options.emitDefaults || !isZero(field, at: base + field.offset) else { return false }
        }
        if let key { sink.key(key) }
        try writeValue(field, at: base + field.offset, to: &sink)
        return true
    }

    /// Whether an explicit-presence field is set: its `has_` flag, its oneof case, or its
    /// pointer.
    private func isPresent(_ field: FieldInfo, in base: UnsafeRawPointer) -> Bool {
        guard let quantifier = field.quantifierOffset else {
            return base.load(fromByteOffset: field.offset, as: UnsafeRawPointer?.self) != nil
        }
        if field.oneofIndex != nil {
            return base.load(fromByteOffset: quantifier, as: UInt32.self) == UInt32(bitPattern: field.number)
        }
        return base.load(fromByteOffset: quantifier, as: Int32.self) != 0
    }

    private func writeMapEntries<Sink: JSONSink>(
        _ field: FieldInfo,
        entries: UnsafeRawPointer,
        count: Int,
        to sink: inout Sink
    ) throws(SchemaError) {
        let entryInfo = schema.messages[field.messageIndex!]
        let keyField = entryInfo.mapKey
        let valueField = entryInfo.mapValue
        func entry(_ i: Int) -> UnsafeRawPointer { entries.load(fromByteOffset: i * 8, as: UnsafeRawPointer.self) }
        let lastIndexOfKey = Self.lastIndexOfRepeatedKeys(keyField, count: count, entry: entry)
        for i in 0..<count {
            let entry = entry(i)
            if let lastIndexOfKey, lastIndexOfKey[Array(keyField.mapKeyBytes(inEntry: entry))] != i { continue }
            if keyField.type == .string {
                sink.key(utf8: keyField.mapKeyBytes(inEntry: entry))
            } else {
                var key = keyField.mapKeyText(inEntry: entry)
                key.withUTF8 { sink.key(utf8: UnsafeRawBufferPointer($0)) }
            }
            try writeValue(valueField, at: entry + valueField.offset, to: &sink)
        }
    }

    /// Where each key of a map last appears, when some key appears twice (a key repeated on
    /// the wire: the last one wins, as in every runtime); nil when none does, the usual case.
    private static func lastIndexOfRepeatedKeys(
        _ keyField: FieldInfo,
        count: Int,
        entry: (Int) -> UnsafeRawPointer
    ) -> [[UInt8]: Int]? {
        var keys = MapKeyTracker(keyField: keyField)
        guard (0..<count).contains(where: { keys.repeats($0, entry: entry) }) else { return nil }
        var last: [[UInt8]: Int] = [:]
        for i in 0..<count { last[Array(keyField.mapKeyBytes(inEntry: entry(i)))] = i }
        return last
    }

    /// Writes one value of `field`'s type at `pointer`.
    private func writeValue<Sink: JSONSink>(_ field: FieldInfo, at pointer: UnsafeRawPointer, to sink: inout Sink) throws(SchemaError) {
        switch field.type {
        case .int32, .sint32, .sfixed32: sink.number(JSONNumber(Int64(pointer.load(as: Int32.self))))
        case .uint32, .fixed32: sink.number(JSONNumber(Int64(pointer.load(as: UInt32.self))))
        case .int64, .sint64, .sfixed64: sink.number(JSONNumber(pointer.load(as: Int64.self), quoted: true))
        case .uint64, .fixed64: sink.number(JSONNumber(pointer.load(as: UInt64.self), quoted: true))
        case .float: sink.number(JSONNumber(pointer.load(as: Float.self)))
        case .double: sink.number(JSONNumber(pointer.load(as: Double.self)))
        case .bool: sink.bool(pointer.load(as: Int32.self) != 0)
        case .string: sink.string(utf8: Self.utf8(at: pointer))
        case .bytes: sink.base64(Self.binary(at: pointer))
        case .enumeration: writeEnum(pointer.load(as: Int32.self), enumIndex: field.enumIndex!, to: &sink)
        case .message, .group:
            if let message = pointer.load(as: UnsafeRawPointer?.self) {
                try write(message, messageIndex: field.messageIndex!, to: &sink)
            } else {
                sink.null()
            }
        }
    }

    /// The bytes of a protobuf-c string field (a C string; NULL reads as empty), valid as
    /// long as the unpacked message. protobuf-c does not check them: sinks repair invalid
    /// UTF-8.
    static func utf8(at pointer: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        guard let chars = pointer.load(as: UnsafePointer<CChar>?.self) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: chars, count: strlen(chars))
    }

    private static func string(at pointer: UnsafeRawPointer) -> String {
        String(decoding: utf8(at: pointer), as: UTF8.self)
    }

    /// The bytes of a `ProtobufCBinaryData` field, valid as long as the unpacked message.
    static func binary(at pointer: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let binary = pointer.load(as: ProtobufCBinaryData.self)
        guard binary.len > 0, let data = binary.data else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data, count: binary.len)
    }

    private func writeEnum<Sink: JSONSink>(_ number: Int32, enumIndex: Int, to sink: inout Sink) {
        let info = schema.enums[enumIndex]
        if info.isNullValue {
            sink.null()
        } else if !options.enumsAsNumbers, let name = info.namesByNumber[number] {
            sink.string(name)
        } else {
            sink.number(JSONNumber(Int64(number)))  // unknown numbers render as numbers, as the mapping says
        }
    }

    /// `{"@type": url, ...payload fields}`, or `{"@type": url, "value": ...}` for a
    /// well-known payload.
    private func writeAny<Sink: JSONSink>(_ base: UnsafeRawPointer, info: MessageInfo, to sink: inout Sink) throws(SchemaError) {
        var url = ""
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        for field in info.fields {
            if field.number == 1 {
                url = Self.string(at: base + field.offset)
            } else if field.number == 2 {
                payload = Self.binary(at: base + field.offset)
            }
        }
        if url.isEmpty, payload.isEmpty {
            sink.beginObject()
            sink.endObject()
            return
        }
        let typeName = String(url.split(separator: "/").last ?? "")
        guard let index = schema.messageIndex(named: typeName) else {
            throw SchemaError(.invalidMessage, "an Any holds \(url), which the schema does not define")
        }
        guard let unpacked = Self.unpack(payload, descriptor: schema.pool.descriptor(ofMessage: index), into: arena) else {
            throw SchemaError(.invalidMessage, "an Any's payload is not a valid \(typeName)")
        }
        sink.beginObject()
        sink.key(Self.typeKey)
        sink.string(url)
        let payloadInfo = schema.messages[index]
        if payloadInfo.wellKnown != nil {
            sink.key(Self.valueKey)
            try write(unpacked, messageIndex: index, to: &sink)
        } else {
            try writeMembers(of: unpacked, info: payloadInfo, to: &sink)
        }
        sink.endObject()
    }

    private static let typeKey = JSONKey("@type")
    private static let valueKey = JSONKey("value")

    /// Unpacks `bytes` with memory from `arena`, or nil when they are not that message.
    /// Lifetime: the result lives as long as `arena`; it is never freed on its own.
    static func unpack(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        into arena: Arena
    ) -> UnsafeRawPointer? {
        arena.withAllocator { allocator in
            // protobuf-c wants a non-NULL pointer even for an empty message.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { scratch in
                let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(scratch.baseAddress!)
                return protobuf_c_message_unpack(descriptor, allocator, bytes.count, base).map { UnsafeRawPointer($0) }
            }
        }
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
