import Glibc

/// The JSON and proto names of a message's fields as bytes in one buffer, for matching the
/// keys of JSON objects without touching the `FieldInfo` objects.
///
/// The encoder looks up every key it reads; a scan over `FieldInfo`s costs a retain, an
/// array and a string per field tried, this one a length compare and, when the lengths
/// agree, a `memcmp`. Past 64 fields a scan grows long, and a dictionary takes over.
struct FieldNameTable: Sendable {
    private struct Entry {
        var jsonStart: UInt32
        var jsonCount: UInt32
        var protoStart: UInt32
        var protoCount: UInt32
    }

    private let bytes: [UInt8]
    private let entries: [Entry]
    /// For messages with many fields, where a scan would be long: field by either name
    /// (a proto name wins over another field's JSON name).
    private let byName: [String: (index: Int, isProtoName: Bool)]?
    private static let scanLimit = 64

    init(_ fields: [FieldInfo]) {
        var bytes: [UInt8] = []
        var entries: [Entry] = []
        entries.reserveCapacity(fields.count)
        for field in fields {
            let jsonStart = UInt32(bytes.count)
            bytes += field.jsonName.utf8
            let protoStart = UInt32(bytes.count)
            bytes += field.name.utf8
            entries.append(
                Entry(
                    jsonStart: jsonStart, jsonCount: protoStart - jsonStart,
                    protoStart: protoStart, protoCount: UInt32(bytes.count) - protoStart))
        }
        self.bytes = bytes
        self.entries = entries
        if fields.count > Self.scanLimit {
            var byName: [String: (index: Int, isProtoName: Bool)] = [:]
            for (index, field) in fields.enumerated() where byName[field.jsonName] == nil {
                byName[field.jsonName] = (index, false)
            }
            for (index, field) in fields.enumerated() { byName[field.name] = (index, true) }
            self.byName = byName
        } else {
            self.byName = nil
        }
    }

    /// The field `key` names, by JSON name or by proto name (`isProtoName` says which).
    /// Keys usually come in declaration order, so the scan starts at `hint`, the field after
    /// the one found last.
    func field(named key: UnsafeRawBufferPointer, hint: Int) -> (index: Int, isProtoName: Bool)? {
        if let byName { return byName[String(decoding: key, as: UTF8.self)] }
        let count = entries.count
        guard count > 0 else { return nil }
        let keyCount = UInt32(truncatingIfNeeded: key.count)
        guard key.count == Int(keyCount), let keyBase = key.baseAddress else { return nil }
        return bytes.withUnsafeBytes { names in
            entries.withUnsafeBufferPointer { entries in
                var i = hint < count ? hint : 0
                for _ in 0..<count {
                    let entry = entries[i]
                    if entry.jsonCount == keyCount, memcmp(names.baseAddress! + Int(entry.jsonStart), keyBase, key.count) == 0 {
                        return (i, false)
                    }
                    if entry.protoCount == keyCount, memcmp(names.baseAddress! + Int(entry.protoStart), keyBase, key.count) == 0 {
                        return (i, true)
                    }
                    i = i + 1 == count ? 0 : i + 1
                }
                return nil
            }
        }
    }
}
