/// Renders `JSONValue`s as compact UTF-8 JSON, and the pieces (numbers, strings) every
/// JSON text Manifold writes is made of.
public enum JSONWriter {
    /// The JSON text of `value`.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var sink = JSONTextSink()
        sink.write(value)
        return sink.bytes
    }

    /// The JSON text of `value` as a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Appends a number; quoted numbers and non-finite values render as strings, the forms
    /// the proto3 JSON mapping uses (`"42"`, `"NaN"`, `"Infinity"`).
    public static func writeNumber(_ number: JSONNumber, into out: inout [UInt8]) {
        let text = numberText(number)
        let quote = number.quoted || !number.doubleValue.isFinite
        if quote { out.append(UInt8(ascii: "\"")) }
        out.append(contentsOf: text.utf8)
        if quote { out.append(UInt8(ascii: "\"")) }
    }

    /// The digits of a number, without quotes.
    public static func numberText(_ number: JSONNumber) -> String {
        switch number.storage {
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .float(let v): return floatingText(v, integral: number.int64Value)
        case .double(let v): return floatingText(v, integral: number.int64Value)
        }
    }

    private static func floatingText<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: F,
        integral: Int64?
    ) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        // Integral values below 2^53 print without a fraction ("3", not "3.0"), as other
        // proto3 JSON implementations do; larger ones keep Swift's exponent form.
        if let integral, integral.magnitude < (1 << 53) { return String(integral) }
        return value.description
    }

    /// Appends `string` as a JSON string literal.
    public static func writeString(_ string: String, into out: inout [UInt8]) {
        var string = string
        string.withUTF8 { writeString(validUTF8: UnsafeRawBufferPointer($0), into: &out) }
    }

    /// Appends `utf8`, which must be valid UTF-8, as a JSON string literal. Runs that need
    /// no escaping are copied whole.
    public static func writeString(validUTF8 utf8: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<i]))
            runStart = i + 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x0A:
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "n"))
            case 0x0D:
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "r"))
            case 0x09:
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0xF))
            }
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart...]))
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
