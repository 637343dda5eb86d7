import ManifoldCore
import ManifoldSchema
import Testing

/// Timestamps and durations in, their canonical proto3 JSON out: offsets folded into UTC,
/// fractions cut to 0, 3, 6 or 9 digits, the ends of the ranges, signs. Going through the
/// protobuf bytes, so reading and writing must agree on the instant, not just the text.
@Suite struct TimeTextTests {
    let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema)

    private func roundTrip(_ field: String, _ text: String) throws -> String {
        let json = Array(#"{"\#(field)":"\#(text)"}"#.utf8)
        let binary = try json.withUnsafeBytes { try codec.encodeText($0, messageNamed: "manifold.test.v1.WellKnown") }
        let out = try binary.withUnsafeBytes { try codec.decodeText($0, messageNamed: "manifold.test.v1.WellKnown") }
        guard case .string(let value)? = try JSONParser.parse(out)[field] else { return "(absent)" }
        return value
    }

    static let timestamps: [(String, String)] = [
        ("1972-01-01T10:00:20.021Z", "1972-01-01T10:00:20.021Z"),
        ("1972-01-01T11:00:20.021+01:00", "1972-01-01T10:00:20.021Z"),
        ("1971-12-31T23:30:00-10:30", "1972-01-01T10:00:00Z"),
        ("1972-01-01t10:00:20z", "1972-01-01T10:00:20Z"),
        ("2024-02-29T23:59:59.5Z", "2024-02-29T23:59:59.500Z"),
        ("2024-02-29T23:59:59.1234Z", "2024-02-29T23:59:59.123400Z"),
        ("2024-02-29T23:59:59.000000001Z", "2024-02-29T23:59:59.000000001Z"),
        ("2000-01-01T00:00:00.000Z", "2000-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
        ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
    ]

    @Test(arguments: timestamps)
    func timestampIsWrittenInCanonicalForm(input: String, canonical: String) throws {
        #expect(try roundTrip("at", input) == canonical)
    }

    static let durations: [(String, String)] = [
        ("1.5s", "1.500s"),
        ("-0.010s", "-0.010s"),
        ("0.000000001s", "0.000000001s"),
        ("-0.5s", "-0.500s"),
        ("3s", "3s"),
        ("0003.250000s", "3.250s"),
        ("315576000000.999999999s", "315576000000.999999999s"),
        ("-315576000000s", "-315576000000s"),
        ("1.000001s", "1.000001s"),
    ]

    @Test(arguments: durations)
    func durationIsWrittenInCanonicalForm(input: String, canonical: String) throws {
        #expect(try roundTrip("took", input) == canonical)
    }

    static let badDurations = ["s", "-s", "1", ".5s", "1.s", "1.5 s", "+1s", "1e3s", "315576000001s", "99999999999999999999s", "1.5ss"]

    @Test(arguments: badDurations)
    func malformedDurationIsRefused(input: String) {
        let error = #expect(throws: SchemaError.self) { try roundTrip("took", input) }
        #expect(error?.path == "$.took")
    }

    static let badTimestamps = [
        "1972-01-01T10:00:20.Z", "1972-01-01T10:00:20+01", "1972-01-01T10:00:20+01:00:00", "1972-01-01 10:00:20Z",
        "1972-1-01T10:00:20Z", "1972-01-01T10:00:60Z", "0000-12-31T23:59:59Z", "1972-01-01T10:00:20Zjunk",
    ]

    @Test(arguments: badTimestamps)
    func malformedTimestampIsRefused(input: String) {
        let error = #expect(throws: SchemaError.self) { try roundTrip("at", input) }
        #expect(error?.path == "$.at")
    }
}
