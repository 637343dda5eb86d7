import Glibc

/// Where a producer of JSON (the protobuf decoder) writes its output, one event at a time,
/// so the same producer can build a `JSONValue` tree (`JSONTreeSink`) for the composition
/// layer or render text straight away (`JSONTextSink`) with no tree in between.
///
/// Callers keep the events well formed: a `key` before every member value, containers
/// closed in order, exactly one root value.
public protocol JSONSink {
    mutating func beginObject()
    mutating func endObject()
    mutating func beginArray()
    mutating func endArray()
    /// The key of the next object member, from a name known ahead (a field's).
    mutating func key(_ key: JSONKey)
    /// The key of the next object member, from bytes that may not be valid UTF-8 (a map
    /// key); invalid sequences become U+FFFD.
    mutating func key(utf8: UnsafeRawBufferPointer)
    mutating func null()
    mutating func bool(_ value: Bool)
    mutating func number(_ value: JSONNumber)
    /// A string from bytes that may not be valid UTF-8; invalid sequences become U+FFFD.
    mutating func string(utf8: UnsafeRawBufferPointer)
    mutating func string(_ value: String)
    /// `bytes` as a base64 string, the proto3 JSON form of `bytes` fields.
    mutating func base64(_ bytes: UnsafeRawBufferPointer)
}

extension JSONSink {
    /// Writes a whole tree.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let elements):
            beginArray()
            for element in elements { write(element) }
            endArray()
        case .object(let object):
            beginObject()
            for (name, member) in object.members {
                var name = name
                name.withUTF8 { key(utf8: UnsafeRawBufferPointer($0)) }
                write(member)
            }
            endObject()
        }
    }
}

/// An object key known before any message is translated, kept both as a `String` (for
/// trees) and as its rendered text `"name":` (for text), so writing it is one copy.
public struct JSONKey: Sendable {
    public let name: String
    /// `"name":`, escaped as a JSON string.
    public let rendered: [UInt8]

    public init(_ name: String) {
        self.name = name
        var rendered: [UInt8] = []
        JSONWriter.writeString(name, into: &rendered)
        rendered.append(UInt8(ascii: ":"))
        self.rendered = rendered
    }

    /// Whether `utf8` spells this key's name. Exact for names that need no escaping (field
    /// names, which are identifiers).
    public func matches(_ utf8: UnsafeRawBufferPointer) -> Bool {
        guard rendered.count == utf8.count + 3 else { return false }
        guard let key = utf8.baseAddress else { return true }
        return rendered.withUnsafeBytes { memcmp($0.baseAddress! + 1, key, utf8.count) == 0 }
    }
}
