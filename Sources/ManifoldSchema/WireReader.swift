/// Reads the protobuf wire format, just enough to decode `descriptor.proto` messages.
///
/// Used only at schema load, on protoc's output; the request path encodes and decodes
/// through protobuf-c.
struct WireReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.index = 0
        self.end = bytes.count
    }

    private init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.index = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { index >= end }

    /// The next field's number and wire type, or nil at the end.
    mutating func nextTag() throws(SchemaError) -> (number: Int, type: WireType)? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        guard let type = WireType(rawValue: UInt8(key & 7)) else { throw malformed("bad wire type") }
        return (Int(key >> 3), type)
    }

    mutating func readVarint() throws(SchemaError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < end {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { break }
        }
        throw malformed("truncated varint")
    }

    /// A reader over the next length-delimited field's bytes.
    mutating func readNested() throws(SchemaError) -> WireReader {
        let length = Int(clamping: try readVarint())
        guard length <= end - index else { throw malformed("truncated field") }
        defer { index += length }
        return WireReader(bytes: bytes, range: index..<(index + length))
    }

    mutating func readString() throws(SchemaError) -> String {
        let nested = try readNested()
        return String(decoding: bytes[nested.index..<nested.end], as: UTF8.self)
    }

    mutating func readBool() throws(SchemaError) -> Bool { try readVarint() != 0 }

    mutating func readInt32() throws(SchemaError) -> Int32 { Int32(truncatingIfNeeded: try readVarint()) }

    mutating func skip(_ type: WireType) throws(SchemaError) {
        switch type {
        case .varint: _ = try readVarint()
        case .fixed64: try advance(8)
        case .fixed32: try advance(4)
        case .lengthDelimited: _ = try readNested()
        case .startGroup, .endGroup: throw malformed("groups are not expected in descriptors")
        }
    }

    private mutating func advance(_ count: Int) throws(SchemaError) {
        guard count <= end - index else { throw malformed("truncated field") }
        index += count
    }

    private func malformed(_ what: String) -> SchemaError {
        SchemaError(.invalidDescriptor, "malformed descriptor set: \(what) at byte \(index)")
    }
}
