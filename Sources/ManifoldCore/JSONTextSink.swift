/// A `JSONSink` that renders compact JSON text into one growing byte buffer.
public struct JSONTextSink: JSONSink {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    /// - Parameter capacity: bytes to reserve up front, so a good guess means one allocation.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    public mutating func key(_ key: JSONKey) {
        separate()
        bytes.append(contentsOf: key.rendered)
        needsComma = false
    }

    public mutating func key(utf8: UnsafeRawBufferPointer) {
        separate()
        writeString(utf8)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func number(_ value: JSONNumber) {
        separate()
        JSONWriter.writeNumber(value, into: &bytes)
        needsComma = true
    }

    public mutating func string(utf8: UnsafeRawBufferPointer) {
        separate()
        writeString(utf8)
        needsComma = true
    }

    /// Writes `utf8` as a string literal, repairing it first if it is not valid UTF-8.
    private mutating func writeString(_ utf8: UnsafeRawBufferPointer) {
        if UTF8Validation.isValid(utf8) {
            JSONWriter.writeString(validUTF8: utf8, into: &bytes)
        } else {
            JSONWriter.writeString(String(decoding: utf8, as: UTF8.self), into: &bytes)
        }
    }

    public mutating func string(_ value: String) {
        separate()
        JSONWriter.writeString(value, into: &bytes)
        needsComma = true
    }

    public mutating func base64(_ data: UnsafeRawBufferPointer) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        Base64.encode(data, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }
}
