internal import CProtobufC
import Glibc

/// The protobuf-c descriptors of every message and enum of one schema, built at runtime
/// from `MessageInfo`/`EnumInfo` instead of generated C.
///
/// Lifetime: owns every C allocation behind the descriptors (the descriptor structs, their
/// field arrays, name strings, ranges and default values) and frees them all in `deinit`.
/// Descriptors point at each other (a message field at its type, recursion included), so
/// they live and die together. Every codec and message handle keeps the pool alive through
/// `Schema`; a reload builds a new pool, and the old one is freed only when the last request
/// holding the old schema finishes.
///
/// Sendable: all memory is written in `init` and only read afterwards, by protobuf-c's
/// pack/unpack, from any thread.
final class RuntimeDescriptorPool: @unchecked Sendable {
    private let messageDescriptors: UnsafeMutablePointer<ProtobufCMessageDescriptor>
    private let enumDescriptors: UnsafeMutablePointer<ProtobufCEnumDescriptor>
    private let messageCount: Int
    private let enumCount: Int
    /// Everything else allocated for the descriptors, freed in `deinit`.
    private var allocations: [UnsafeMutableRawPointer] = []

    init(messages: [MessageInfo], enums: [EnumInfo]) {
        messageCount = messages.count
        enumCount = enums.count
        messageDescriptors = .allocate(capacity: max(messages.count, 1))
        enumDescriptors = .allocate(capacity: max(enums.count, 1))
        for (index, e) in enums.enumerated() {
            (enumDescriptors + index).initialize(to: makeEnumDescriptor(e))
        }
        for (index, message) in messages.enumerated() {
            (messageDescriptors + index).initialize(to: makeMessageDescriptor(message))
        }
    }

    deinit {
        messageDescriptors.deinitialize(count: messageCount)
        messageDescriptors.deallocate()
        enumDescriptors.deinitialize(count: enumCount)
        enumDescriptors.deallocate()
        for pointer in allocations { free(pointer) }
    }

    /// The descriptor of message `index`. Valid as long as this pool is alive.
    func descriptor(ofMessage index: Int) -> UnsafePointer<ProtobufCMessageDescriptor> {
        precondition(index >= 0 && index < messageCount, "message index out of range")
        return UnsafePointer(messageDescriptors + index)
    }

    // MARK: - Building

    private func makeMessageDescriptor(_ message: MessageInfo) -> ProtobufCMessageDescriptor {
        let byNumber = message.fields.sorted { $0.number < $1.number }
        let fields = allocate(ProtobufCFieldDescriptor.self, count: byNumber.count)
        for (i, field) in byNumber.enumerated() {
            (fields + i).initialize(to: makeFieldDescriptor(field))
        }
        let byName = allocate(UInt32.self, count: byNumber.count)
        let nameOrder = byNumber.indices.sorted { Array(byNumber[$0].name.utf8).lexicographicallyPrecedes(byNumber[$1].name.utf8) }
        for (i, fieldIndex) in nameOrder.enumerated() { byName[i] = UInt32(fieldIndex) }
        let (ranges, rangeCount) = makeRanges(byNumber.map { Int32($0.number) })
        let shortName = String(message.fullName.split(separator: ".").last ?? "")
        let packageName = message.fullName.count > shortName.count
            ? String(message.fullName.dropLast(shortName.count + 1)) : ""
        return ProtobufCMessageDescriptor(
            magic: cmanifold_message_descriptor_magic(),
            name: cString(message.fullName),
            short_name: cString(shortName),
            c_name: cString(message.fullName.split(separator: ".").joined(separator: "__")),
            package_name: cString(packageName),
            sizeof_message: message.structSize,
            n_fields: UInt32(byNumber.count),
            fields: fields,
            fields_sorted_by_name: byName,
            n_field_ranges: UInt32(rangeCount),
            field_ranges: ranges,
            message_init: nil,  // protobuf-c falls back to its generic init: zeroes and the descriptor
            reserved1: nil,
            reserved2: nil,
            reserved3: nil
        )
    }

    private func makeFieldDescriptor(_ field: FieldInfo) -> ProtobufCFieldDescriptor {
        let label: ProtobufCLabel
        switch field.cardinality {
        case .implicit: label = PROTOBUF_C_LABEL_NONE
        case .optional: label = PROTOBUF_C_LABEL_OPTIONAL
        case .required: label = PROTOBUF_C_LABEL_REQUIRED
        case .repeated: label = PROTOBUF_C_LABEL_REPEATED
        }
        var flags: UInt32 = 0
        if field.isPacked { flags |= PROTOBUF_C_FIELD_FLAG_PACKED.rawValue }
        if field.oneofIndex != nil { flags |= PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue }
        var descriptor: UnsafeRawPointer?
        if let index = field.messageIndex { descriptor = UnsafeRawPointer(messageDescriptors + index) }
        if let index = field.enumIndex { descriptor = UnsafeRawPointer(enumDescriptors + index) }
        return ProtobufCFieldDescriptor(
            name: cString(field.name),
            id: UInt32(bitPattern: field.number),
            label: label,
            type: Self.cType(field.type),
            quantifier_offset: UInt32(field.quantifierOffset ?? 0),
            offset: UInt32(field.offset),
            descriptor: descriptor,
            // No defaults: JSON never renders an absent explicit-presence field, and with a
            // default protobuf-c would point an absent proto2 string at it, making it look set.
            default_value: nil,
            flags: flags,
            reserved_flags: 0,
            reserved2: nil,
            reserved3: nil
        )
    }

    private func makeEnumDescriptor(_ e: EnumInfo) -> ProtobufCEnumDescriptor {
        // protobuf-c wants values unique and sorted by number, plus a by-name index.
        var seen = Set<Int32>()
        let unique = e.values.sorted { $0.number < $1.number }.filter { seen.insert($0.number).inserted }
        let values = allocate(ProtobufCEnumValue.self, count: unique.count)
        for (i, value) in unique.enumerated() {
            let name = cString(value.name)
            (values + i).initialize(to: ProtobufCEnumValue(name: name, c_name: name, value: value.number))
        }
        let byName = allocate(ProtobufCEnumValueIndex.self, count: unique.count)
        let order = unique.indices.sorted { Array(unique[$0].name.utf8).lexicographicallyPrecedes(unique[$1].name.utf8) }
        for (i, valueIndex) in order.enumerated() {
            (byName + i).initialize(to: ProtobufCEnumValueIndex(name: values[valueIndex].name, index: UInt32(valueIndex)))
        }
        let (ranges, rangeCount) = makeRanges(unique.map(\.number))
        let shortName = String(e.fullName.split(separator: ".").last ?? "")
        return ProtobufCEnumDescriptor(
            magic: cmanifold_enum_descriptor_magic(),
            name: cString(e.fullName),
            short_name: cString(shortName),
            c_name: cString(e.fullName.split(separator: ".").joined(separator: "__")),
            package_name: cString(""),
            n_values: UInt32(unique.count),
            values: values,
            n_value_names: UInt32(unique.count),
            values_by_name: byName,
            n_value_ranges: UInt32(rangeCount),
            value_ranges: ranges,
            reserved1: nil,
            reserved2: nil,
            reserved3: nil,
            reserved4: nil
        )
    }

    /// protobuf-c's lookup table for sorted numbers: one entry per run of consecutive
    /// numbers (its first number and index), then a sentinel holding the total count.
    private func makeRanges(_ sorted: [Int32]) -> (UnsafeMutablePointer<ProtobufCIntRange>, Int) {
        var runs: [(Int32, Int)] = []
        for (i, number) in sorted.enumerated() where i == 0 || number != sorted[i - 1] + 1 {
            runs.append((number, i))
        }
        let ranges = allocate(ProtobufCIntRange.self, count: runs.count + 1)
        for (i, run) in runs.enumerated() {
            (ranges + i).initialize(to: ProtobufCIntRange(start_value: run.0, orig_index: UInt32(run.1)))
        }
        (ranges + runs.count).initialize(to: ProtobufCIntRange(start_value: 0, orig_index: UInt32(sorted.count)))
        return (ranges, runs.count)
    }

    // MARK: - Memory

    private func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(MemoryLayout<T>.stride * count, 1))!
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }

    private func cString(_ string: String) -> UnsafePointer<CChar> {
        let pointer = strdup(string)!
        allocations.append(pointer)
        return UnsafePointer(pointer)
    }

    private static func cType(_ type: FieldType) -> ProtobufCType {
        switch type {
        case .int32: PROTOBUF_C_TYPE_INT32
        case .sint32: PROTOBUF_C_TYPE_SINT32
        case .sfixed32: PROTOBUF_C_TYPE_SFIXED32
        case .int64: PROTOBUF_C_TYPE_INT64
        case .sint64: PROTOBUF_C_TYPE_SINT64
        case .sfixed64: PROTOBUF_C_TYPE_SFIXED64
        case .uint32: PROTOBUF_C_TYPE_UINT32
        case .fixed32: PROTOBUF_C_TYPE_FIXED32
        case .uint64: PROTOBUF_C_TYPE_UINT64
        case .fixed64: PROTOBUF_C_TYPE_FIXED64
        case .float: PROTOBUF_C_TYPE_FLOAT
        case .double: PROTOBUF_C_TYPE_DOUBLE
        case .bool: PROTOBUF_C_TYPE_BOOL
        case .enumeration: PROTOBUF_C_TYPE_ENUM
        case .string: PROTOBUF_C_TYPE_STRING
        case .bytes: PROTOBUF_C_TYPE_BYTES
        case .message, .group: PROTOBUF_C_TYPE_MESSAGE
        }
    }
}
