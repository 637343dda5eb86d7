import ManifoldCompose
import ManifoldCore
import Testing

/// How JMESPath sees Manifold's JSON values: quoted int64s are numbers, integers stay exact.
@Suite struct JMESPathValueTests {
    private let document = JSONValue.object(
        JSONObject([
            ("id", .number(JSONNumber(Int64(42), quoted: true))),
            ("big", .number(JSONNumber(Int64(9_007_199_254_740_993), quoted: true))),
            ("bigger", .number(JSONNumber(Int64(9_007_199_254_740_994), quoted: true))),
            ("ids", .array([.number(JSONNumber(Int64(3), quoted: true)), .int(1), .number(JSONNumber(Int64(-2), quoted: true))])),
        ])
    )

    @Test(arguments: [
        ("type(id)", "\"number\""),
        ("id > `5`", "true"),
        ("id == `42`", "true"),
        ("id == '42'", "false"),
        ("sum(ids)", "2"),
        ("sort(ids)", #"["-2",1,"3"]"#),
        ("max(ids)", #""3""#),
        ("abs(ids[2])", #""2""#),
        ("to_string(id)", #""42""#),
        ("to_string(ids)", #""[3,1,-2]""#),
        ("to_number(id)", #""42""#),
        ("big == bigger", "false"),
        ("big < bigger", "true"),
        ("sum([big, `1`])", "9007199254740994"),
        ("length(id)", "invalid-type"),
    ])
    func quotedNumbersAreNumbers(expression: String, rendered: String) throws {
        let path = try JMESPath(expression)
        do {
            #expect(JSONWriter.string(try path.search(document)) == rendered)
        } catch {
            #expect(error.kind.name == rendered)
        }
    }
}
