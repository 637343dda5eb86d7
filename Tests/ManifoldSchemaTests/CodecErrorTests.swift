import Foundation
import ManifoldCore
import ManifoldSchema
import Testing

/// Bad JSON input: each case must fail with a client error naming the field's JSON path.
@Suite struct CodecErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let json: String
        let path: String
        let message: String
        var type = "manifold.test.v1.EchoReply"
        var testDescription: String { "\(type.split(separator: ".").last!) \(json)" }
    }

    static let wellKnown = "manifold.test.v1.WellKnown"

    static let cases: [Case] = [
        Case(json: #"{"nope":1}"#, path: "$.nope", message: "unknown field \"nope\" in manifold.test.v1.EchoReply"),
        Case(json: #"{"text":1}"#, path: "$.text", message: "expected a string, got number"),
        Case(json: #"{"flag":"true"}"#, path: "$.flag", message: "expected a boolean, got string"),
        Case(json: #"{"s32":2147483648}"#, path: "$.s32", message: "2147483648 is out of range [-2147483648, 2147483647]"),
        Case(json: #"{"s32":-2147483649}"#, path: "$.s32", message: "-2147483649 is out of range [-2147483648, 2147483647]"),
        Case(json: #"{"u32":-1}"#, path: "$.u32", message: "-1 is out of range [0, 4294967295]"),
        Case(json: #"{"u32":4294967296}"#, path: "$.u32", message: "4294967296 is out of range [0, 4294967295]"),
        Case(json: #"{"big":"9223372036854775808"}"#, path: "$.big", message: "9223372036854775808 is out of range [-9223372036854775808, 9223372036854775807]"),
        Case(json: #"{"ubig":"-1"}"#, path: "$.ubig", message: "-1 is out of range [0, 18446744073709551615]"),
        Case(json: #"{"s32":1.5}"#, path: "$.s32", message: "1.5 is not an integer"),
        // Beyond 64 bits these round to doubles that look whole: -2^63 is exactly Int64.min.
        Case(json: #"{"big":-9223372036854775809}"#, path: "$.big", message: "-9.223372036854776e+18 is out of range for an exact integer"),
        Case(json: #"{"big":"-9223372036854775809"}"#, path: "$.big", message: "-9.223372036854776e+18 is out of range for an exact integer"),
        Case(json: #"{"big":-9223372036854775808.5}"#, path: "$.big", message: "-9.223372036854776e+18 is out of range for an exact integer"),
        Case(json: #"{"ubig":18446744073709551616}"#, path: "$.ubig", message: "1.8446744073709552e+19 is out of range for an exact integer"),
        Case(json: #"{"ubig":1e20}"#, path: "$.ubig", message: "1e+20 is out of range for an exact integer"),
        Case(json: #"{"s32":1e-2}"#, path: "$.s32", message: "0.01 is not an integer"),
        Case(json: #"{"big":"12abc"}"#, path: "$.big", message: "\"12abc\" is not an integer"),
        Case(json: #"{"big":" 12"}"#, path: "$.big", message: "\" 12\" is not an integer"),
        Case(json: #"{"s32":true}"#, path: "$.s32", message: "expected an integer, got boolean"),
        Case(json: #"{"score":"fast"}"#, path: "$.score", message: "\"fast\" is not a number"),
        Case(json: #"{"score":[]}"#, path: "$.score", message: "expected a number, got array"),
        Case(json: #"{"ratio":1e39}"#, path: "$.ratio", message: "1e+39 is out of range for float"),
        Case(json: #"{"payload":"not base64!"}"#, path: "$.payload", message: "invalid base64"),
        Case(json: #"{"payload":7}"#, path: "$.payload", message: "expected a base64 string, got number"),
        Case(json: #"{"color":"PURPLE"}"#, path: "$.color", message: "\"PURPLE\" is not a value of enum manifold.test.v1.Color"),
        Case(json: #"{"color":1.5}"#, path: "$.color", message: "1.5 is not a valid enum number"),
        Case(json: #"{"color":true}"#, path: "$.color", message: "expected an enum name or number, got boolean"),
        Case(json: #"{"nested":"x"}"#, path: "$.nested", message: "expected an object, got string"),
        Case(json: #"{"nested":{"weight":"x"}}"#, path: "$.nested.weight", message: "\"x\" is not an integer"),
        Case(json: #"{"nested":{"oops":1}}"#, path: "$.nested.oops", message: "unknown field \"oops\" in manifold.test.v1.Nested"),
        Case(json: #"{"items":{}}"#, path: "$.items", message: "expected an array, got object"),
        Case(json: #"{"items":[{},{"label":2}]}"#, path: "$.items[1].label", message: "expected a string, got number"),
        Case(json: #"{"items":[null]}"#, path: "$.items[0]", message: "null is not allowed in a list"),
        Case(json: #"{"numbers":[1,"x"]}"#, path: "$.numbers[1]", message: "\"x\" is not an integer"),
        Case(json: #"{"counts":[]}"#, path: "$.counts", message: "expected an object (a map), got array"),
        Case(json: #"{"counts":{"a":"b"}}"#, path: "$.counts[\"a\"]", message: "\"b\" is not an integer"),
        Case(json: #"{"counts":{"a":null}}"#, path: "$.counts[\"a\"]", message: "null is not allowed as a map value"),
        Case(json: #"{"choiceText":"a","choiceNumber":1}"#, path: "$.choiceNumber", message: "oneof choice already set by \"choiceText\""),
        Case(json: #"{"text":"a\u0000b"}"#, path: "$.text", message: "strings containing U+0000 are not supported"),
        Case(json: "[]", path: "$", message: "expected an object, got array"),
        Case(json: #"{"numbers":"1,2"}"#, path: "$.numbers", message: "expected an array, got string"),
        Case(json: #"{"payload":"A"}"#, path: "$.payload", message: "invalid base64"),
        Case(json: #"{"nested":[]}"#, path: "$.nested", message: "expected an object, got array"),
        // Well-known types.
        Case(json: #"{"at":"1972-01-01"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "1972-01-01""#, type: wellKnown),
        Case(json: #"{"at":"1972-13-01T00:00:00Z"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "1972-13-01T00:00:00Z""#, type: wellKnown),
        Case(json: #"{"at":"1971-02-29T00:00:00Z"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "1971-02-29T00:00:00Z""#, type: wellKnown),
        Case(json: #"{"at":"1972-01-01T00:00:00.1234567890Z"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "1972-01-01T00:00:00.1234567890Z""#, type: wellKnown),
        Case(json: #"{"at":"10000-01-01T00:00:00Z"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "10000-01-01T00:00:00Z""#, type: wellKnown),
        Case(json: #"{"at":"1972-01-01T24:00:00Z"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "1972-01-01T24:00:00Z""#, type: wellKnown),
        Case(json: #"{"at":"1972-01-01T00:00:00"}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "1972-01-01T00:00:00""#, type: wellKnown),
        Case(json: #"{"at":12}"#, path: "$.at", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got number"#, type: wellKnown),
        Case(json: #"{"history":["2020-01-01T00:00:00Z","later"]}"#, path: "$.history[1]", message: #"expected an RFC 3339 timestamp such as "1972-01-01T10:00:20.021Z", got "later""#, type: wellKnown),
        Case(json: #"{"took":"1.5"}"#, path: "$.took", message: #"expected a duration such as "1.5s", got "1.5""#, type: wellKnown),
        Case(json: #"{"took":"315576000001s"}"#, path: "$.took", message: #"expected a duration such as "1.5s", got "315576000001s""#, type: wellKnown),
        Case(json: #"{"took":"1.0000000001s"}"#, path: "$.took", message: #"expected a duration such as "1.5s", got "1.0000000001s""#, type: wellKnown),
        Case(json: #"{"took":"--1s"}"#, path: "$.took", message: #"expected a duration such as "1.5s", got "--1s""#, type: wellKnown),
        Case(json: #"{"mask":"foo_bar"}"#, path: "$.mask", message: #"field mask paths are lowerCamelCase in JSON; got "foo_bar""#, type: wellKnown),
        Case(json: #"{"mask":3}"#, path: "$.mask", message: #"expected a field mask string such as "name,price.units", got number"#, type: wellKnown),
        Case(json: #"{"attributes":[]}"#, path: "$.attributes", message: "expected an object, got array", type: wellKnown),
        Case(json: #"{"list":{}}"#, path: "$.list", message: "expected an array, got object", type: wellKnown),
        Case(json: #"{"payload":{"name":"x"}}"#, path: "$.payload", message: #"an Any needs a string "@type""#, type: wellKnown),
        Case(json: #"{"payload":{"@type":"type.googleapis.com/nope.Missing"}}"#, path: "$.payload.@type", message: #""@type" names type.googleapis.com/nope.Missing, which the schema does not define"#, type: wellKnown),
        Case(json: #"{"payload":{"@type":"x/google.protobuf.Duration","value":"1s","extra":1}}"#, path: "$.payload", message: #"an Any holding google.protobuf.Duration needs exactly one other member, "value""#, type: wellKnown),
        Case(json: #"{"payload":{"@type":"x/manifold.test.v1.Tree","nope":1}}"#, path: "$.payload.nope", message: #"unknown field "nope" in manifold.test.v1.Tree"#, type: wellKnown),
        Case(json: #"{"i32":"x"}"#, path: "$.i32", message: #""x" is not an integer"#, type: wellKnown),
        Case(json: #"{"i32":2147483648}"#, path: "$.i32", message: "2147483648 is out of range [-2147483648, 2147483647]", type: wellKnown),
        Case(json: #"{"b":"yes"}"#, path: "$.b", message: "expected a boolean, got string", type: wellKnown),
        Case(json: #"{"u64":"-1"}"#, path: "$.u64", message: "-1 is out of range [0, 18446744073709551615]", type: wellKnown),
        Case(json: #"{"by":"***"}"#, path: "$.by", message: "invalid base64", type: wellKnown),
        Case(json: #"{"s":5}"#, path: "$.s", message: "expected a string, got number", type: wellKnown),
        Case(json: #"{"attributes":{"a":{"b":"c\u0000"}}}"#, path: "$.attributes.a.b", message: "strings containing U+0000 are not supported", type: wellKnown),
        Case(json: #"{"attributes":{"x\"]y":{"b":1.5,"c":"\u0000"}}}"#, path: #"$.attributes.x"]y.c"#, message: "strings containing U+0000 are not supported", type: wellKnown),
        Case(json: #"{"list":[1,[true,"a\u0000"]]}"#, path: "$.list[1][1]", message: "strings containing U+0000 are not supported", type: wellKnown),
        // proto2, maps, lists, recursion.
        Case(json: #"{"count":1}"#, path: "$", message: #"missing required field "id""#, type: "manifold.test.v1.Legacy"),
        Case(json: #"{"id":null}"#, path: "$", message: #"missing required field "id""#, type: "manifold.test.v1.Legacy"),
        Case(json: #"{"id":"x","next":{}}"#, path: "$.next", message: #"missing required field "id""#, type: "manifold.test.v1.Legacy"),
        Case(json: #"{"id":"x","mood":"MOOD_SAD"}"#, path: "$.mood", message: #""MOOD_SAD" is not a value of enum manifold.test.v1.Mood"#, type: "manifold.test.v1.Legacy"),
        Case(json: #"{"byBool":{"yes":"a"}}"#, path: #"$.byBool["yes"]"#, message: #"map key "yes" is not a bool"#, type: "manifold.test.v1.Maps"),
        Case(json: #"{"byInt32":{"x":"a"}}"#, path: #"$.byInt32["x"]"#, message: #""x" is not an integer"#, type: "manifold.test.v1.Maps"),
        Case(json: #"{"byUint32":{"-1":"a"}}"#, path: #"$.byUint32["-1"]"#, message: "-1 is out of range [0, 4294967295]", type: "manifold.test.v1.Maps"),
        Case(json: #"{"byString":{"k":{"name":1}}}"#, path: #"$.byString["k"].name"#, message: "expected a string, got number", type: "manifold.test.v1.Maps"),
        Case(json: #"{"int64s":[1.5]}"#, path: "$.int64s[0]", message: "1.5 is not an integer", type: "manifold.test.v1.Lists"),
        Case(json: #"{"bools":[1]}"#, path: "$.bools[0]", message: "expected a boolean, got number", type: "manifold.test.v1.Lists"),
        Case(json: #"{"floats":["NaN",3.5e38]}"#, path: "$.floats[1]", message: "3.5e+38 is out of range for float", type: "manifold.test.v1.Lists"),
        Case(json: #"{"children":[{"children":[{"parent":{"name":5}}]}]}"#, path: "$.children[0].children[0].parent.name", message: "expected a string, got number", type: "manifold.test.v1.Tree"),
    ]

    /// Each case fails the same way whether the JSON arrives as text (read straight into
    /// the message) or as a tree (built by the composition layer).
    @Test(arguments: cases)
    func rejects(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema)
        let json = try JSONParser.parse(c.json)
        let error = #expect(throws: SchemaError.self) { try codec.encode(json, messageNamed: c.type) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.path == c.path)
        #expect(error?.message == c.message)
        let textError = #expect(throws: SchemaError.self) { try Self.encodeText(c.json, codec: codec, type: c.type) }
        #expect(textError == error)
    }

    static func encodeText(_ json: String, codec: ProtoJSONCodec, type: String) throws -> [UInt8] {
        try Array(json.utf8).withUnsafeBytes { try codec.encodeText($0, messageNamed: type) }
    }

    /// What only text can say: its syntax, and a name given twice (a tree cannot hold one).
    static let textCases: [Case] = [
        Case(json: #"{"text":"a","text":"b"}"#, path: "$.text", message: #"field "text" given twice"#),
        Case(json: #"{"choiceNumber":1,"choice_number":2}"#, path: "$.choice_number", message: #"field "choiceNumber" given twice"#),
        Case(json: #"{"counts":{"a":1,"a":2}}"#, path: #"$.counts["a"]"#, message: "map key given twice"),
        // Past 16 keys the check moves from a scan to a set.
        Case(json: #"{"counts":{"# + (0..<20).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","k3":0}}"#,
             path: #"$.counts["k3"]"#, message: "map key given twice"),
        Case(json: #"{"text":"a",}"#, path: "$", message: "invalid JSON at byte 12: expected a string key"),
        Case(json: #"{"text":"a"} x"#, path: "$", message: "invalid JSON at byte 13: unexpected data after the value"),
        Case(json: #"{"nested":{"weight":1"#, path: "$.nested", message: "invalid JSON at byte 21: expected ',' or '}' in an object"),
        Case(json: #"{"items":[{"label":"x"} {}]}"#, path: "$.items", message: "invalid JSON at byte 24: expected ',' or ']' in an array"),
        Case(json: #"{"text":"\ud800"}"#, path: "$.text", message: #"invalid JSON at byte 15: unpaired surrogate in \u escape"#),
        Case(json: #"{"numbers":[01]}"#, path: "$.numbers[0]", message: "invalid JSON at byte 13: leading zeros are not allowed"),
        Case(json: #"{"text":tru}"#, path: "$.text", message: "invalid JSON at byte 8: invalid literal; expected true"),
        Case(json: "", path: "$", message: "invalid JSON at byte 0: unexpected end of input"),
        Case(json: #"{"anything":"#, path: "$.anything", message: "invalid JSON at byte 12: unexpected end of input", type: wellKnown),
        Case(json: #"{"anything":"# + String(repeating: "[", count: 200), path: "$.anything" + String(repeating: "[0]", count: 127),
             message: "invalid JSON at byte 139: nesting deeper than 128 levels", type: wellKnown),
    ]

    @Test(arguments: textCases)
    func rejectsText(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema)
        let error = #expect(throws: SchemaError.self) { try Self.encodeText(c.json, codec: codec, type: c.type) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.path == c.path)
        #expect(error?.message == c.message)
    }

    @Test func rejectsInvalidUTF8InText() throws {
        let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema)
        let json: [UInt8] = Array(#"{"text":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = #expect(throws: SchemaError.self) { try json.withUnsafeBytes { try codec.encodeText($0, messageNamed: "manifold.test.v1.EchoReply") } }
        #expect(error?.path == "$.text")
        #expect(error?.message == "invalid JSON at byte 9: string is not valid UTF-8")
    }

    @Test func ignoresUnknownFieldsOnlyWhenAsked() throws {
        let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema, options: JSONOptions(ignoreUnknownFields: true))
        let bytes = try codec.encode(try JSONParser.parse(#"{"nope":1,"text":"a"}"#), messageNamed: "manifold.test.v1.EchoReply")
        #expect(bytes == [0x0A, 0x01, 0x61])
        let skipped = #"{"nope":{"a":[1,{"b":"\"}"}],"c":null},"text":"a","more":[true,false]}"#
        #expect(try Self.encodeText(skipped, codec: codec, type: "manifold.test.v1.EchoReply") == [0x0A, 0x01, 0x61])
        let strict = ProtoJSONCodec(schema: CodecReferenceTests.schema)
        #expect(throws: SchemaError.self) { try Self.encodeText(skipped, codec: strict, type: "manifold.test.v1.EchoReply") }
    }
}

@Suite struct SchemaLoadingTests {
    @Test func reportsProtocDiagnosticsWithFileAndLine() throws {
        let dir = FileManagerHelper.temporaryDirectory()
        try "syntax = \"proto3\";\nmessage Broken {\n  strin name = 1;\n}\n".write(toFile: dir + "/broken.proto", atomically: true, encoding: .utf8)
        let error = #expect(throws: SchemaError.self) { try Schema.load(protoRoots: [dir]) }
        #expect(error?.code == .protocFailed)
        #expect(error?.message.contains("broken.proto:3:3") == true)
    }

    @Test func aMissingProtocIsNamed() throws {
        let dir = FileManagerHelper.temporaryDirectory()
        try "syntax = \"proto3\";\nmessage Fine {}\n".write(toFile: dir + "/fine.proto", atomically: true, encoding: .utf8)
        let error = #expect(throws: SchemaError.self) {
            try ProtocCompiler(executable: "/nonexistent/protoc").compile(roots: [dir])
        }
        #expect(error?.code == .protocFailed)
        #expect(error?.message.contains("cannot run /nonexistent/protoc") == true, "\(error?.message ?? "")")
    }

    @Test func resolvesWellKnownTypesWithoutConfiguration() throws {
        let dir = FileManagerHelper.temporaryDirectory()
        try """
        syntax = "proto3";
        import "google/protobuf/timestamp.proto";
        package t;
        message Event { google.protobuf.Timestamp at = 1; }
        service Events { rpc Get(Event) returns (Event); }
        """.write(toFile: dir + "/event.proto", atomically: true, encoding: .utf8)
        let schema = try Schema.load(protoRoots: [dir])
        #expect(schema.method(named: "t.Events/Get")?.path == "/t.Events/Get")
    }
}
