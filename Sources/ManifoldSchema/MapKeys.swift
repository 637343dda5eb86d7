/// Map keys as the codec sees them in entry structs, shared by the encoder (which refuses a
/// key given twice) and the decoder (where a key repeated on the wire keeps its last value).
extension FieldInfo {
    /// The raw bytes of the key this map-key field holds in `entry`, to compare keys: a
    /// string's UTF-8, or the number's storage (so `"1"` and `"1.0"` are one key).
    /// Valid as long as the entry.
    func mapKeyBytes(inEntry entry: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        type == .string
            ? MessageDecoder.utf8(at: entry + offset) : UnsafeRawBufferPointer(start: entry + offset, count: type.storageSize)
    }

    /// The key this map-key field holds in `entry`, as JSON writes it: always a string.
    func mapKeyText(inEntry entry: UnsafeRawPointer) -> String {
        let pointer = entry + offset
        switch type {
        case .string: return String(decoding: MessageDecoder.utf8(at: pointer), as: UTF8.self)
        case .bool: return pointer.load(as: Int32.self) != 0 ? "true" : "false"
        case .int32, .sint32, .sfixed32: return String(pointer.load(as: Int32.self))
        case .uint32, .fixed32: return String(pointer.load(as: UInt32.self))
        case .int64, .sint64, .sfixed64: return String(pointer.load(as: Int64.self))
        case .uint64, .fixed64: return String(pointer.load(as: UInt64.self))
        default: return ""  // protoc allows no other key types
        }
    }
}

/// The keys of one map's entries so far, to find a key that repeats. Up to 16 keys are
/// compared pairwise with no allocation; past that they go in a set, so a hostile map of a
/// hundred thousand keys costs linear time.
struct MapKeyTracker {
    let keyField: FieldInfo
    private var set: Set<[UInt8]>?

    init(keyField: FieldInfo) {
        self.keyField = keyField
    }

    /// Whether the key of entry `index` equals the key of an entry before it; entries are
    /// visited in order, each once.
    mutating func repeats(_ index: Int, entry: (Int) -> UnsafeRawPointer) -> Bool {
        let key = keyField.mapKeyBytes(inEntry: entry(index))
        if set == nil {
            if index < 16 { return (0..<index).contains { keyField.mapKeyBytes(inEntry: entry($0)).elementsEqual(key) } }
            set = Set((0..<index).map { Array(keyField.mapKeyBytes(inEntry: entry($0))) })
        }
        return !set!.insert(Array(key)).inserted
    }
}
