import ManifoldCore
import ManifoldSchema
import Testing

/// Binary a backend sends is input too: hostile values and shapes end in an error or an
/// answer, promptly, never a crash.
@Suite struct CodecHostileInputTests {
    let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema)

    private func decode(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try codec.decode($0, messageNamed: "manifold.test.v1.WellKnown") }
    }

    /// WellKnown.took (field 2), a Duration with these varint-encoded fields.
    private func duration(seconds: Int64, nanos: Int32) -> [UInt8] {
        func varint(_ value: UInt64) -> [UInt8] {
            var value = value, out: [UInt8] = []
            while value >= 0x80 { out.append(UInt8(truncatingIfNeeded: value) | 0x80); value >>= 7 }
            return out + [UInt8(value)]
        }
        let body = [0x08] + varint(UInt64(bitPattern: seconds)) + [0x10] + varint(UInt64(bitPattern: Int64(nanos)))
        return [0x12, UInt8(body.count)] + body
    }

    static let outOfRange: [(Int64, Int32)] = [(.min, 0), (0, .min), (.min, .min), (315_576_000_001, 0)]

    @Test(arguments: outOfRange)
    func durationOutOfRangeIsAnError(seconds: Int64, nanos: Int32) {
        let error = #expect(throws: SchemaError.self) { try decode(duration(seconds: seconds, nanos: nanos)) }
        #expect(error?.message.contains("out of range") == true)
    }

    @Test func durationAtItsLimitsDecodes() throws {
        let value = try decode(duration(seconds: -315_576_000_000, nanos: -999_999_999))
        #expect(value["took"] == .string("-315576000000.999999999s"))
    }

    /// proto3 JSON accepts any notation for a whole number in an integer field; each must
    /// arrive exactly, text or tree, number or string, at the edges of 64 bits too.
    static let wholeNumbers: [(json: String, decoded: String)] = [
        (#"{"s32":1e2}"#, #"{"s32":100}"#),
        (#"{"s32":"1.5e1"}"#, #"{"s32":15}"#),
        (#"{"s32":-2.0}"#, #"{"s32":-2}"#),
        (#"{"s32":1500e-2}"#, #"{"s32":15}"#),
        (#"{"big":-9223372036854775808.0}"#, #"{"big":"-9223372036854775808"}"#),
        (#"{"big":"9.223372036854775807e18"}"#, #"{"big":"9223372036854775807"}"#),
        (#"{"ubig":18446744073709551615.000}"#, #"{"ubig":"18446744073709551615"}"#),
        (#"{"ubig":1.8446744073709551615E19}"#, #"{"ubig":"18446744073709551615"}"#),
        (#"{"big":0e400}"#, "{}"),  // zero: the default, so absent
    ]

    @Test(arguments: wholeNumbers)
    func wholeNumbersInAnyNotationAreExact(json: String, decoded: String) throws {
        let type = "manifold.test.v1.EchoReply"
        let text = try Array(json.utf8).withUnsafeBytes { try codec.encodeText($0, messageNamed: type) }
        let tree = try codec.encode(try JSONParser.parse(json), messageNamed: type)
        #expect(text == tree)
        let out = try text.withUnsafeBytes { try codec.decodeText($0, messageNamed: type) }
        #expect(String(decoding: out, as: UTF8.self) == decoded)
    }

    @Test func deeplyNestedValuesDecodeInLinearTime() throws {
        // 60 nested lists: decoding each level twice would take 2^60 steps and never end.
        let depth = 60
        let json = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        let bytes = try codec.encode(try JSONParser.parse(#"{"anything":\#(json)}"#), messageNamed: "manifold.test.v1.WellKnown")
        var value = try decode(bytes)["anything"]
        for _ in 0..<depth {
            guard case .array(let items)? = value, items.count == 1 else {
                Issue.record("expected a one-element list, got \(String(describing: value))")
                return
            }
            value = items[0]
        }
        #expect(value == .int(1))
    }

    @Test func emptyMessagesEncodeConcurrently() async throws {
        // Empty messages pack to no bytes; encoding many at once once raced on the shared
        // empty-array storage (seen by ThreadSanitizer).
        let codec = self.codec
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask { try codec.encode(.object(JSONObject()), messageNamed: "manifold.test.v1.WellKnown").count }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes == Array(repeating: 0, count: 64))
    }
}
