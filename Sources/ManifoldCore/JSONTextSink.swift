/// A `JSONSink` that renders compact JSON text into one growing byte buffer.
public struct JSONTextSink: JSONSink {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    /// - Parameter capacity: bytes to reserve up front, so a good guess means one allocation.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Writes one value (a scalar or an opening bracket) after a comma if one is due.
    @inline(__always)
    private mutating func value(_ write: (inout [UInt8]) -> Void) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        write(&bytes)
        needsComma = true
    }

    @inline(__always)
    private mutating func open(_ bracket: Unicode.Scalar) {
        value { $0.append(UInt8(ascii: bracket)) }
        needsComma = false
    }

    @inline(__always)
    private mutating func close(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        needsComma = true
    }

    public mutating func beginObject() { open("{") }
    public mutating func endObject() { close("}") }
    public mutating func beginArray() { open("[") }
    public mutating func endArray() { close("]") }

    public mutating func key(_ key: JSONKey) {
        value { $0.append(contentsOf: key.rendered) }
        needsComma = false
    }

    public mutating func key(utf8: UnsafeRawBufferPointer) {
        value {
            Self.writeString(utf8, into: &$0)
            $0.append(UInt8(ascii: ":"))
        }
        needsComma = false
    }

    public mutating func null() { value { $0.append(contentsOf: "null".utf8) } }
    public mutating func bool(_ b: Bool) { value { $0.append(contentsOf: (b ? "true" : "false").utf8) } }
    public mutating func number(_ n: JSONNumber) { value { JSONWriter.writeNumber(n, into: &$0) } }
    public mutating func string(utf8: UnsafeRawBufferPointer) { value { Self.writeString(utf8, into: &$0) } }
    public mutating func string(_ s: String) { value { JSONWriter.writeString(s, into: &$0) } }

    public mutating func base64(_ data: UnsafeRawBufferPointer) {
        value {
            $0.append(UInt8(ascii: "\""))
            Base64.encode(data, into: &$0)
            $0.append(UInt8(ascii: "\""))
        }
    }

    /// Writes `utf8` as a string literal, repairing it first if it is not valid UTF-8.
    private static func writeString(_ utf8: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        if UTF8Validation.isValid(utf8) {
            JSONWriter.writeString(validUTF8: utf8, into: &bytes)
        } else {
            JSONWriter.writeString(String(decoding: utf8, as: UTF8.self), into: &bytes)
        }
    }
}
