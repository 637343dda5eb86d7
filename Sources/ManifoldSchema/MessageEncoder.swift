internal import CProtobufC
import Glibc
import ManifoldCore

/// Fills protobuf-c message structs from proto3 JSON, read one value at a time from a
/// source: JSON text (`JSONReader`) with no tree in between, or a `JSONValue` tree
/// (`JSONTreeSource`) the composition layer built.
///
/// Every struct, array and string is allocated in `arena` and zeroed, which protobuf-c reads
/// as "unset". Errors carry the path below the current message; callers prefix their part as
/// the error travels up, so the success path builds no path strings at all.
struct MessageEncoder<Source: JSONSource> {
    let schema: Schema
    let arena: Arena
    let options: JSONOptions
    var source: Source

    /// A new struct for message `messageIndex`, filled from the next value: an object of its
    /// fields, or the special JSON form of a well-known type.
    mutating func makeMessage(messageIndex: Int) throws(SchemaError) -> UnsafeMutableRawPointer {
        let info = schema.messages[messageIndex]
        guard let kind = info.wellKnown else {
            let next = try peek()
            guard next == .object else { throw typeMismatch("an object", next) }
            return try makeMessage(fieldsOf: messageIndex)
        }
        if kind == .any { return try makeAny(messageIndex: messageIndex) }
        let base = newStruct(messageIndex)
        try fillWellKnown(kind, info: info, in: base)
        return base
    }

    /// A new, empty struct for message `messageIndex`.
    func newStruct(_ messageIndex: Int) -> UnsafeMutableRawPointer {
        let base = arena.allocate(schema.messages[messageIndex].structSize)
        // ProtobufCMessage.descriptor is the first member.
        base.storeBytes(of: UnsafeRawPointer(schema.pool.descriptor(ofMessage: messageIndex)), as: UnsafeRawPointer.self)
        return base
    }

    /// A new struct for message `messageIndex`, filled from an object of its fields.
    private mutating func makeMessage(fieldsOf messageIndex: Int) throws(SchemaError) -> UnsafeMutableRawPointer {
        let info = schema.messages[messageIndex]
        let base = newStruct(messageIndex)
        var named = FieldSet(count: info.fields.count)  // keys read, to refuse one given twice
        var given = FieldSet(count: info.fields.count)  // fields set to a value (not null)
        var hint = 0
        try beginObject()
        while let key = try nextKey() {
            guard let (fieldIndex, isProtoName) = info.field(named: key, hint: hint) else {
                let name = String(decoding: key, as: UTF8.self)
                if options.ignoreUnknownFields {
                    try skipValue()
                    continue
                }
                throw SchemaError(.invalidJSON, "unknown field \"\(name)\" in \(info.fullName)").within(".\(name)")
            }
            hint = fieldIndex + 1
            let field = info.fields[fieldIndex]
            // The key as the client wrote it, for error paths only.
            var written: String { isProtoName ? field.name : field.jsonName }
            guard named.insert(fieldIndex) else {
                throw SchemaError(.invalidJSON, "field \"\(field.jsonName)\" given twice").within(".\(written)")
            }
            do throws(SchemaError) {
                if try peek() == .null, !field.nullIsValue {
                    try readNull()  // null means the default: leave unset
                    continue
                }
                if let oneof = field.oneofIndex {
                    let set = base.load(fromByteOffset: info.oneofs[oneof].caseOffset, as: UInt32.self)
                    if set != 0, let other = info.fields.first(where: { UInt32(bitPattern: $0.number) == set }) {
                        throw SchemaError(.invalidJSON, "oneof \(info.oneofs[oneof].name) already set by \"\(other.jsonName)\"")
                    }
                }
                try fill(field, in: base, keysAsFields: false)
                _ = given.insert(fieldIndex)
            } catch {
                throw error.within(".\(written)")
            }
        }
        // proto2 `required`: a message without one would not parse at the backend.
        for (index, field) in info.fields.enumerated() where field.cardinality == .required && !given.contains(index) {
            throw SchemaError(.invalidJSON, "missing required field \"\(field.jsonName)\"")
        }
        return base
    }

    /// Reads the next value into `field` of the struct at `base`.
    /// - Parameter keysAsFields: the field is a Struct's map, whose keys read as fields in paths.
    mutating func fill(_ field: FieldInfo, in base: UnsafeMutableRawPointer, keysAsFields: Bool) throws(SchemaError) {
        if field.isMap {
            try fillMap(field, in: base, keysAsFields: keysAsFields)
            return
        }
        if field.cardinality == .repeated {
            try fillList(field, in: base)
            return
        }
        try store(field, at: base + field.offset)
        guard let quantifier = field.quantifierOffset else { return }
        if field.oneofIndex != nil {
            base.storeBytes(of: UInt32(bitPattern: field.number), toByteOffset: quantifier, as: UInt32.self)
        } else {
            base.storeBytes(of: Int32(1), toByteOffset: quantifier, as: Int32.self)  // has_ = true
        }
    }

    mutating func fillList(_ field: FieldInfo, in base: UnsafeMutableRawPointer) throws(SchemaError) {
        let next = try peek()
        guard next == .array else { throw SchemaError(.invalidJSON, "expected an array, got \(next.name)") }
        var list = ArenaList(arena: arena, stride: field.type.storageSize)
        try beginArray()
        while try nextElement() {
            let index = list.count
            do throws(SchemaError) {
                if try peek() == .null, !field.nullIsValue { throw SchemaError(.invalidJSON, "null is not allowed in a list") }
                try store(field, at: list.append())
            } catch {
                throw error.within("[\(index)]")
            }
        }
        list.store(in: base, count: field.quantifierOffset!, pointer: field.offset)
    }

    /// A `map<K, V>` is a repeated entry message on the wire; JSON writes it as an object.
    mutating func fillMap(_ field: FieldInfo, in base: UnsafeMutableRawPointer, keysAsFields: Bool) throws(SchemaError) {
        let next = try peek()
        guard next == .object else { throw SchemaError(.invalidJSON, "expected an object (a map), got \(next.name)") }
        let entryIndex = field.messageIndex!
        let keyField = schema.messages[entryIndex].mapKey
        let valueField = schema.messages[entryIndex].mapValue
        var entries = ArenaList(arena: arena, stride: 8)
        var keys = MapKeyTracker(keyField: keyField)
        func path(_ key: String) -> String { keysAsFields ? ".\(key)" : "[\"\(key)\"]" }
        try beginObject()
        while let keyBytes = try nextKey() {
            let entry = newStruct(entryIndex)
            do throws(SchemaError) {
                try storeMapKey(keyBytes, as: keyField, at: entry + keyField.offset)
            } catch {
                throw error.within(path(String(decoding: keyBytes, as: UTF8.self)))  // nothing read since the key
            }
            entries.append().storeBytes(of: UnsafeRawPointer(entry), as: UnsafeRawPointer.self)
            do throws(SchemaError) {
                guard !keys.repeats(entries.count - 1, entry: { entries[$0].load(as: UnsafeRawPointer.self) }) else {
                    throw SchemaError(.invalidJSON, "map key given twice")
                }
                if try peek() == .null, !valueField.nullIsValue {
                    throw SchemaError(.invalidJSON, "null is not allowed as a map value")
                }
                try store(valueField, at: entry + valueField.offset)
            } catch {
                throw error.within(path(keyField.mapKeyText(inEntry: entry)))
            }
        }
        entries.store(in: base, count: field.quantifierOffset!, pointer: field.offset)
    }

    /// Map keys are always JSON strings; this reads one as its key type.
    private func storeMapKey(_ key: UnsafeRawBufferPointer, as field: FieldInfo, at pointer: UnsafeMutableRawPointer) throws(SchemaError) {
        switch field.type {
        case .string:
            try storeString(key, at: pointer)
        case .bool:
            let isTrue = key.elementsEqual("true".utf8)
            guard isTrue || key.elementsEqual("false".utf8) else {
                throw SchemaError(.invalidJSON, "map key \"\(String(decoding: key, as: UTF8.self))\" is not a bool")
            }
            pointer.storeBytes(of: Int32(isTrue ? 1 : 0), as: Int32.self)
        default:
            try Self.storeInteger(try Self.integralNumber(inString: key), as: field.type, at: pointer)
        }
    }

    /// Reads the next value as one value of `field`'s type and writes it at `pointer`.
    private mutating func store(_ field: FieldInfo, at pointer: UnsafeMutableRawPointer) throws(SchemaError) {
        switch field.type {
        case .int32, .sint32, .sfixed32, .uint32, .fixed32, .int64, .sint64, .sfixed64, .uint64, .fixed64:
            try Self.storeInteger(try integralNumber(), as: field.type, at: pointer)
        case .float:
            let double = try floating()
            guard !double.isFinite || abs(double) <= Double(Float.greatestFiniteMagnitude) else {
                throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(JSONNumber(double))) is out of range for float")
            }
            pointer.storeBytes(of: Float(double), as: Float.self)
        case .double:
            pointer.storeBytes(of: try floating(), as: Double.self)
        case .bool:
            let next = try peek()
            guard next == .bool else { throw typeMismatch("a boolean", next) }
            pointer.storeBytes(of: Int32(try readBool() ? 1 : 0), as: Int32.self)
        case .string:
            let next = try peek()
            guard next == .string else { throw typeMismatch("a string", next) }
            // Read first: `storeString(try readString(), ...)` would copy `self` (the whole
            // encoder, with its retains) to call a method on it while `readString` mutates it.
            let text = try readString()
            try storeString(text, at: pointer)
        case .bytes:
            let next = try peek()
            guard next == .string else { throw typeMismatch("a base64 string", next) }
            let text = try readString()
            let data = arena.allocate(Base64.maxDecodedCount(text.count))
            guard let count = Base64.decode(text, into: data) else { throw SchemaError(.invalidJSON, "invalid base64") }
            Self.storeBinary(data, count: count, at: pointer)
        case .enumeration:
            pointer.storeBytes(of: try enumNumber(enumIndex: field.enumIndex!), as: Int32.self)
        case .message:
            let message = try makeMessage(messageIndex: field.messageIndex!)
            pointer.storeBytes(of: UnsafeRawPointer(message), as: UnsafeRawPointer.self)
        case .group:
            throw SchemaError(.unsupported, "proto2 groups are not supported")
        }
    }

    /// Copies a string into the arena as the C string protobuf-c wants.
    func storeString(_ utf8: UnsafeRawBufferPointer, at pointer: UnsafeMutableRawPointer) throws(SchemaError) {
        // protobuf-c strings are NUL-terminated; a NUL inside would silently truncate.
        if let base = utf8.baseAddress, memchr(base, 0, utf8.count) != nil {
            throw SchemaError(.invalidJSON, "strings containing U+0000 are not supported")
        }
        pointer.storeBytes(of: UnsafeRawPointer(arena.cString(utf8)), as: UnsafeRawPointer.self)
    }

    /// Fills a `ProtobufCBinaryData` field; `data` must live as long as the message (the arena).
    static func storeBinary(_ data: UnsafeMutableRawPointer, count: Int, at pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: ProtobufCBinaryData(len: count, data: data.assumingMemoryBound(to: UInt8.self)), as: ProtobufCBinaryData.self)
    }

    // MARK: - Scalars

    private static func storeInteger(_ number: JSONNumber, as type: FieldType, at pointer: UnsafeMutableRawPointer) throws(SchemaError) {
        switch type {
        case .int32, .sint32, .sfixed32:
            pointer.storeBytes(of: Int32(try Self.integer(number, in: Int64(Int32.min)...Int64(Int32.max))), as: Int32.self)
        case .uint32, .fixed32:
            pointer.storeBytes(of: UInt32(try Self.unsignedInteger(number, max: UInt64(UInt32.max))), as: UInt32.self)
        case .int64, .sint64, .sfixed64:
            pointer.storeBytes(of: try Self.integer(number, in: Int64.min...Int64.max), as: Int64.self)
        default:
            pointer.storeBytes(of: try Self.unsignedInteger(number, max: UInt64.max), as: UInt64.self)
        }
    }

    private static func integer(_ number: JSONNumber, in range: ClosedRange<Int64>) throws(SchemaError) -> Int64 {
        guard let exact = number.int64Value, range.contains(exact) else {
            throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is out of range [\(range.lowerBound), \(range.upperBound)]")
        }
        return exact
    }

    private static func unsignedInteger(_ number: JSONNumber, max: UInt64) throws(SchemaError) -> UInt64 {
        guard let exact = number.uint64Value, exact <= max else {
            throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is out of range [0, \(max)]")
        }
        return exact
    }

    /// An integral number, written as a JSON number or inside a string (`"42"`).
    private mutating func integralNumber() throws(SchemaError) -> JSONNumber {
        switch try peek() {
        case .number: return try Self.integral(try readNumber())
        case .string: return try Self.integralNumber(inString: try readString())
        case let other: throw typeMismatch("an integer", other)
        }
    }

    /// The integer a string spells (`"42"`), as proto3 JSON allows for integer fields and
    /// map keys.
    private static func integralNumber(inString text: UnsafeRawBufferPointer) throws(SchemaError) -> JSONNumber {
        guard let number = JSONReader.number(in: text) else {
            throw SchemaError(.invalidJSON, "\"\(String(decoding: text, as: UTF8.self))\" is not an integer")
        }
        return try integral(number)
    }

    private static func integral(_ number: JSONNumber) throws(SchemaError) -> JSONNumber {
        guard number.isIntegral else { throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is not an integer") }
        // Text that spells a whole number within 64 bits is read exactly, as an integer; a
        // double this large came from text that is not one (-9223372036854775809 rounds to
        // exactly Int64.min) or from arithmetic, and holds no exact integer.
        if case .double(let value) = number.storage, value.magnitude >= 0x1p53 {
            throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(number)) is out of range for an exact integer")
        }
        return number
    }

    private mutating func floating() throws(SchemaError) -> Double {
        switch try peek() {
        case .number: return try readNumber().doubleValue
        case .string:
            let text = try readString()
            if let number = JSONReader.number(in: text) { return number.doubleValue }
            switch String(decoding: text, as: UTF8.self) {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            case let other: throw SchemaError(.invalidJSON, "\"\(other)\" is not a number")
            }
        case let other: throw typeMismatch("a number", other)
        }
    }

    private mutating func enumNumber(enumIndex: Int) throws(SchemaError) -> Int32 {
        let info = schema.enums[enumIndex]
        switch try peek() {
        case .null where info.isNullValue:
            try readNull()
            return 0
        case .string:
            let name = String(decoding: try readString(), as: UTF8.self)
            guard let number = info.numbersByName[name] else {
                throw SchemaError(.invalidJSON, "\"\(name)\" is not a value of enum \(info.fullName)")
            }
            return number
        case .number:
            // Unknown numbers are kept: proto3 enums are open.
            let n = try readNumber()
            guard let exact = n.int64Value, let number = Int32(exactly: exact) else {
                throw SchemaError(.invalidJSON, "\(JSONWriter.numberText(n)) is not a valid enum number")
            }
            return number
        case let other: throw typeMismatch("an enum name or number", other)
        }
    }

    func typeMismatch(_ expected: String, _ kind: JSONKind) -> SchemaError {
        SchemaError(.invalidJSON, "expected \(expected), got \(kind.name)")
    }

    // MARK: - Reading, with syntax errors as schema errors

    mutating func peek() throws(SchemaError) -> JSONKind {
        do { return try source.peek() } catch { throw Self.syntax(error) }
    }

    mutating func readNull() throws(SchemaError) {
        do { try source.readNull() } catch { throw Self.syntax(error) }
    }

    mutating func readBool() throws(SchemaError) -> Bool {
        do { return try source.readBool() } catch { throw Self.syntax(error) }
    }

    mutating func readNumber() throws(SchemaError) -> JSONNumber {
        do { return try source.readNumber() } catch { throw Self.syntax(error) }
    }

    mutating func readString() throws(SchemaError) -> UnsafeRawBufferPointer {
        do { return try source.readString() } catch { throw Self.syntax(error) }
    }

    mutating func beginObject() throws(SchemaError) {
        do { try source.beginObject() } catch { throw Self.syntax(error) }
    }

    mutating func nextKey() throws(SchemaError) -> UnsafeRawBufferPointer? {
        do { return try source.nextKey() } catch { throw Self.syntax(error) }
    }

    mutating func beginArray() throws(SchemaError) {
        do { try source.beginArray() } catch { throw Self.syntax(error) }
    }

    mutating func nextElement() throws(SchemaError) -> Bool {
        do { return try source.nextElement() } catch { throw Self.syntax(error) }
    }

    mutating func readValue() throws(SchemaError) -> JSONValue {
        do { return try source.readValue() } catch { throw Self.syntax(error) }
    }

    mutating func skipValue() throws(SchemaError) {
        do { try source.skipValue() } catch { throw Self.syntax(error) }
    }

    mutating func finish() throws(SchemaError) {
        do { try source.finish() } catch { throw Self.syntax(error) }
    }

    private static func syntax(_ error: JSONParseError) -> SchemaError {
        SchemaError(.invalidJSON, error.description)
    }
}

/// Which fields of a message the JSON has named, to reject a field given twice and to
/// find missing required fields. Messages of up to 64 fields need no allocation.
struct FieldSet {
    private var small: UInt64 = 0
    private var large: [Bool]?

    init(count: Int) {
        if count > 64 { large = Array(repeating: false, count: count) }
    }

    /// Adds `index`; false when it was there already.
    mutating func insert(_ index: Int) -> Bool {
        if large != nil {
            defer { large![index] = true }
            return !large![index]
        }
        let bit: UInt64 = 1 << UInt64(index)
        defer { small |= bit }
        return small & bit == 0
    }

    func contains(_ index: Int) -> Bool {
        if let large { return large[index] }
        return small & (1 << UInt64(index)) != 0
    }
}

/// The elements of a repeated field as they are read, in arena memory that doubles as it
/// fills (the count is not known until the closing bracket).
struct ArenaList {
    private let arena: Arena
    private let stride: Int
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    private(set) var count = 0

    init(arena: Arena, stride: Int) {
        self.arena = arena
        self.stride = stride
    }

    /// Room for one more element, zeroed.
    mutating func append() -> UnsafeMutableRawPointer {
        if count == capacity {
            let newCapacity = max(capacity * 2, 4)
            let grown = arena.allocate(newCapacity * stride)
            if let base { grown.copyMemory(from: base, byteCount: count * stride) }
            base = grown
            capacity = newCapacity
        }
        defer { count += 1 }
        return base! + count * stride
    }

    /// Element `index`, in place.
    subscript(index: Int) -> UnsafeMutableRawPointer { base! + index * stride }

    /// Stores the `n_` count and the array pointer into the message struct.
    func store(in message: UnsafeMutableRawPointer, count countOffset: Int, pointer pointerOffset: Int) {
        message.storeBytes(of: UInt(count), toByteOffset: countOffset, as: UInt.self)
        message.storeBytes(of: base.map { UnsafeRawPointer($0) }, toByteOffset: pointerOffset, as: UnsafeRawPointer?.self)
    }
}
